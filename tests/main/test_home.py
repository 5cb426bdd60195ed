"""The home page drawn cold (no drawing kept, as for the first visitor of a minute):
what does not change with the day is read once and kept as facts."""

from __future__ import annotations

from datetime import datetime

from portal import cache
from portal.blueprints import public_home_areas
from portal.blueprints.shuttle.models import Direction
from portal.db import db
from portal.models import Building
from portal.timeutil import LOCAL_TZ
from tests.shuttle.conftest import build_line


def _reading(counter, *tables: str) -> list[str]:
    return [s for s in counter.statements if any(f"FROM {table}" in s for table in tables)]


def test_a_cold_home_page_reads_only_what_changes_with_the_moment(client, clock, count_queries, create_notice):
    clock(2026, 12, 2, 7, 0)
    building = Building(code="T", name="测试楼")
    db.session.add(building)
    db.session.flush()
    cache.bump(db.session.connection(), public_home_areas())
    db.session.commit()
    build_line().trip(Direction.OUTBOUND, "07:20")
    create_notice(title="停水通知", expires_at=datetime(2026, 12, 9, tzinfo=LOCAL_TZ))
    assert "测试楼" in client.get("/").get_data(as_text=True)

    clock(2026, 12, 3, 16, 5)  # another day: every drawing is missed, not the facts
    cache.forget_drawings()
    with count_queries() as cold:
        html = client.get("/").get_data(as_text=True)
    assert "测试楼" in html and "停水通知" in html and "07:20" in html
    assert not _reading(cold, "building", "floor"), cold.statements  # the overview's figures are kept
    assert not _reading(cold, "shuttle_route", "shuttle_trip"), cold.statements  # so is the timetable
    assert len(_reading(cold, "notice")) == 1  # the current notices with their units' names
    assert not _reading(cold, "shuttle_service_exception", "shuttle_notice")  # kept with the timetable

    building.name = "综合楼"  # a change shows at once
    db.session.commit()
    cache.forget_drawings()
    html = client.get("/").get_data(as_text=True)
    assert "综合楼" in html and "测试楼" not in html
