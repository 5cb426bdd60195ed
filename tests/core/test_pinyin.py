import pytest

from portal.pinyin import full_pinyin, initials


@pytest.mark.parametrize(
    ("text", "full", "first"),
    [
        ("人社局", "rensheju", "rsj"),
        ("县人力资源和社会保障局", "xianrenliziyuanheshehuibaozhangju", "xrlzyhshbzj"),
        ("绿化", "luhua", "lh"),
        ("主楼305", "zhulou305", "zl305"),
        ("TV会议室", "tvhuiyishi", "tvhys"),
    ],
)
def test_pinyin_keys(text, full, first):
    assert full_pinyin(text) == full
    assert initials(text) == first
