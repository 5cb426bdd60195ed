"""After an edit, the next search brings the in-memory index up to date by
re-reading only the changed entries (issue 20: no visible pause after an edit)."""

from portal.blueprints.directory import indexing
from portal.blueprints.directory.search import search
from portal.db import db


def top(text, index, **kwargs):
    return [hit.label for hit in search(text, include_staff=kwargs.pop("include_staff", False), index=index, **kwargs).ranked]


def test_an_edit_rekeys_only_that_entry(small_building):
    sb = small_building
    _, before = indexing.key_index()
    assert before.rekeyed == len(before)  # the first load reads everything
    sb.minzheng.name = "县民政和养老服务局"
    db.session.commit()
    _, after = indexing.key_index()
    assert after is not before and after.rekeyed == 1
    for kind in ("room", "floor", "staff"):
        assert after.shares_kind_with(before, kind)  # untouched kinds are not rebuilt at all
    assert top("养老服务", after)[0] == "县民政和养老服务局"
    assert "县民政和养老服务局" not in top("养老服务", before)  # a search still running on the old index sees it whole
    assert indexing.key_index()[1] is after  # nothing changed since: the same index


def test_a_new_staff_entry_and_a_removed_one_are_applied_alone(small_building, make_user):
    sb = small_building
    _, before = indexing.key_index()
    newcomer = make_user(username="liqiang", display_name="李强", unit=sb.renshe)
    _, added = indexing.key_index()
    assert added.rekeyed == 1 and top("李强", added, include_staff=True) == ["李强"]
    newcomer.active = False
    db.session.commit()
    _, removed = indexing.key_index()
    assert removed.rekeyed == 1 and top("李强", removed, include_staff=True) == []
    assert removed.shares_kind_with(before, "unit") and len(removed) == len(before)


def test_a_renamed_building_rekeys_its_floors_and_rooms_only(small_building):
    sb = small_building
    _, before = indexing.key_index()
    sb.annex.name = "综合楼"
    db.session.commit()
    _, after = indexing.key_index()
    annex_entries = len(sb.annex.floors) + sum(len(floor.rooms) for floor in sb.annex.floors)
    assert after.rekeyed == annex_entries < len(before)
    assert "综合楼 305" in top("综合楼305", after)


def test_a_rebuild_reloads_everything(small_building):
    indexing.key_index()
    indexing.rebuild_search_keys()
    db.session.commit()
    _, index = indexing.key_index()
    assert index.rekeyed == len(index) > 0


def test_a_process_too_far_behind_the_change_log_reloads_whole(small_building, monkeypatch):
    sb = small_building
    indexing.key_index()
    monkeypatch.setattr(indexing, "CHANGES_KEPT", 1)
    sb.minzheng.short_name = "民政"
    sb.renshe.short_name = "人社"
    db.session.commit()
    sb.minzheng.phone = "0825-5400009"
    db.session.commit()  # the log now starts after what this process applied
    _, index = indexing.key_index()
    assert index.rekeyed == len(index)
    assert top("人社", index)[0] == "县人力资源和社会保障局"


def test_a_worker_forked_after_the_warm_up_searches_without_reading_the_keys(small_building, client, monkeypatch):
    """gunicorn's master warms the app up before forking (portal.warmup): a worker, a recycled one
    too, starts with every key in memory, not with a whole load on its first search."""
    import re

    from portal.blueprints.directory import CAPABILITY
    from tests.conftest import sql_statements

    monkeypatch.setattr(indexing, "_indexes", {})  # a new process
    CAPABILITY.warm_up()
    with sql_statements() as sent:
        response = client.get("/directory/search", query_string={"q": "renshe"})
    assert "县人力资源和社会保障局" in response.text
    assert [s for s in sent if re.search(r"\bdirectory_search_key\b", s)] == []
