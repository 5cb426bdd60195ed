import pytest

from portal.pinyin import full_pinyin, initials, surname_readings


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


@pytest.mark.parametrize(("name", "readings"), [
    ("曾伟", [("zengwei", "zw")]),
    ("单丽", [("shanli", "sl")]),
    ("解明", [("xieming", "xm")]),
    ("张伟", []),  # an everyday reading needs nothing more
    ("曾", []),  # a surname alone is not a name
    ("长孙无忌", []),  # the pinyin dictionary already reads it right
])
def test_surname_readings(name, readings):
    assert surname_readings(name) == readings
