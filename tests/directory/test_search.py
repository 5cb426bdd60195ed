"""Search over the stored keys: keys follow every change, staff only for logged-in users."""

import pytest
from sqlalchemy import delete, func, insert, select

from portal import timeutil
from portal.blueprints.directory.indexing import rebuild_search_keys, reconcile_search_keys
from portal.blueprints.directory.models import SearchKey
from portal.blueprints.directory.search import Rank, search
from portal.db import db
from portal.models import Room, User


def found(text, *, staff=False):
    results = search(text, include_staff=staff)
    return {(g.kind, h.label): h.rank for g in results.groups for h in g.hits}


def key_rows():
    return {
        (row.kind, row.object_id): (row.label, row.terms, row.pinyin, row.initials)
        for row in db.session.scalars(select(SearchKey))
    }


def test_rsj_finds_the_human_resources_bureau_by_its_short_name(small_building):
    assert found("rsj") == {("unit", "县人力资源和社会保障局"): Rank.PINYIN_EXACT}
    assert found("人社局")[("unit", "县人力资源和社会保障局")] == Rank.EXACT


def test_shebao_finds_social_security_services(small_building, create_item):
    create_item(small_building.renshe, "社保卡办理")
    create_item(small_building.renshe, "城乡居民社保参保登记")
    create_item(small_building.minzheng, "结婚登记")
    hits = found("shebao")
    assert hits == {("guide", "社保卡办理"): Rank.PINYIN_PREFIX, ("guide", "城乡居民社保参保登记"): Rank.PINYIN_SUBSTRING}


def test_room_numbers_in_common_spellings(small_building):
    assert found("305") == {("room", "主楼 305"): Rank.EXACT, ("room", "县委附楼 305"): Rank.EXACT}
    assert found("主楼305") == {("room", "主楼 305"): Rank.EXACT}
    hits = found("3楼")
    assert hits[("floor", "主楼 3楼")] == Rank.EXACT and hits[("floor", "县委附楼 3楼")] == Rank.EXACT


def test_results_are_grouped_with_the_best_group_first(small_building, create_item):
    create_item(small_building.renshe, "人社局政策咨询")
    results = search("人社局", include_staff=False)
    assert [g.kind for g in results.groups] == ["unit", "guide"]
    assert results.groups[0].best == Rank.EXACT and results.groups[1].best == Rank.PREFIX


def test_staff_are_searched_only_for_logged_in_users(small_building):
    assert found("张伟", staff=False) == {}
    assert found("zhangwei", staff=True) == {("staff", "张伟"): Rank.PINYIN_EXACT}
    assert found("zw", staff=True) == {("staff", "张伟"): Rank.PINYIN_EXACT}
    assert search("张伟", include_staff=False, kinds=["staff"]).groups == []


def test_surnames_are_found_by_their_surname_reading_too(small_building, make_user):
    for name in ("曾伟", "单丽", "乐云"):
        make_user(display_name=name, unit=small_building.renshe)
    assert found("zengwei", staff=True) == {("staff", "曾伟"): Rank.PINYIN_EXACT}
    assert found("cengwei", staff=True) == {("staff", "曾伟"): Rank.PINYIN_EXACT}  # the everyday reading still works
    assert ("staff", "单丽") in found("shanli", staff=True) and ("staff", "单丽") in found("sl", staff=True)
    assert ("staff", "乐云") in found("yueyun", staff=True) and ("staff", "乐云") in found("leyun", staff=True)


@pytest.mark.parametrize("text", ["", "   ", "%", "_", "%%", "\\", "'; drop table unit; --", "<script>alert(1)</script>", "中" * 200, "a" * 200, "😀"])
def test_odd_queries_return_sensibly(small_building, text):
    results = search(text, include_staff=True)
    assert results.total == 0 or all(g.hits for g in results.groups)
    assert len(results.text) <= 200


def test_percent_and_underscore_are_not_wildcards(small_building):
    assert search("%", include_staff=True).groups == []
    assert search("3_5", include_staff=True).query == "35"


def test_keys_follow_renames_moves_and_removals(small_building, create_item):
    sb = small_building
    sb.renshe.short_name = "人社"
    db.session.commit()
    assert ("unit", "县人力资源和社会保障局") not in found("rsj")
    assert ("unit", "县人力资源和社会保障局") in found("人社")

    sb.annex.name = "县委楼"  # a building rename changes its rooms' and floors' keys
    db.session.commit()
    assert ("room", "县委楼 305") in found("县委楼305")
    assert found("县委附楼305") == {}

    sb.clerk.display_name = "张卫"
    db.session.commit()
    assert ("staff", "张卫") in found("张卫", staff=True)
    sb.clerk.active = False  # left: no longer listed
    db.session.commit()
    assert found("张卫", staff=True) == {}

    service = create_item(sb.renshe, "失业登记", keywords="失业证")
    assert ("guide", "失业登记") in found("shiyezheng")
    db.session.delete(service)
    db.session.commit()
    assert found("失业") == {}


def test_a_staff_member_without_a_unit_is_not_listed(small_building, make_user):
    make_user(username="guard1", display_name="门岗李师傅")
    assert found("李师傅", staff=True) == {}


def test_rebuild_writes_the_same_keys_as_the_listener(small_building, create_item):
    create_item(small_building.renshe, "社保卡办理", keywords="社会保障卡")
    incremental = key_rows()
    assert rebuild_search_keys() == len(incremental)
    db.session.commit()
    assert key_rows() == incremental


def test_reindex_command(runner, small_building):
    db.session.execute(SearchKey.__table__.delete())
    db.session.commit()
    assert found("rsj") == {}
    result = runner.invoke(args=["directory", "reindex", "--repair"])
    assert result.exit_code == 0 and "search keys added" in result.output
    assert found("rsj")
    result = runner.invoke(args=["directory", "reindex"])
    assert result.exit_code == 0 and "search keys written" in result.output
    assert found("rsj")


def test_demo_seed_indexes_every_unit_and_listed_staff_member(demo):
    keys = dict(db.session.execute(select(SearchKey.kind, func.count()).group_by(SearchKey.kind)).all())
    listed = db.session.scalar(select(func.count()).select_from(User).where(User.active.is_(True), User.unit_id.is_not(None)))
    assert keys["unit"] == 37 and keys["staff"] == listed and keys["guide"] >= 40
    rsj = search("rsj", include_staff=False)
    assert rsj.groups[0].kind == "unit" and [h.label for h in rsj.groups[0].hits] == ["县人力资源和社会保障局"]
    shebao = found("shebao")
    assert ("guide", "社会保障卡申领") in shebao and {kind for kind, _ in shebao} == {"guide"}


def test_rows_loaded_without_the_orm_are_keyed_by_the_repair_pass(small_building):
    sb = small_building
    db.session.execute(
        insert(User), [{"username": "bulk1", "display_name": "欧阳娜娜", "unit_id": sb.renshe.id, "password_hash": "",
                        "active": True, "created_at": timeutil.now(), "title": "", "phone_ext": ""}]
    )
    db.session.execute(delete(Room).where(Room.id == sb.annex_305.id))
    db.session.commit()
    assert found("欧阳", staff=True) == {}  # a bulk load bypasses the save hook
    assert reconcile_search_keys() == (1, 1)
    db.session.commit()
    assert found("ouyang", staff=True) == {("staff", "欧阳娜娜"): Rank.PINYIN_PREFIX}
    assert ("room", "县委附楼 305") not in found("305")
    assert reconcile_search_keys() == (0, 0)


def test_a_search_request_writes_nothing_and_the_cli_repairs(app, client, small_building, make_user, auth):
    """Regression: a search (a GET) used to run the repair pass and commit."""
    db.session.execute(
        insert(User), [{"username": "jiayi", "display_name": "甲一", "unit_id": small_building.renshe.id,
                        "password_hash": "", "active": True, "created_at": timeutil.now(), "title": "", "phone_ext": ""}]
    )
    db.session.commit()
    auth.login_as(make_user(username="reader", unit=small_building.renshe))
    keys_before = db.session.scalar(select(func.count()).select_from(SearchKey))
    for path in ("/directory/search?q=甲一", "/directory/staff/?q=甲一"):
        assert client.get(path).status_code == 200
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(SearchKey)) == keys_before
    result = app.test_cli_runner().invoke(args=["directory", "reindex", "--repair"])
    assert "1 search keys added" in result.output
    assert found("甲一", staff=True)
