"""The display's data, as plain functions: only what a passer-by may see."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from portal.blueprints.display import sources
from portal.blueprints.display.sources import DayKind, day_status, public_notices, today_status
from portal.blueprints.notices.models import Audience
from portal.db import db
from portal.workdays import set_override
from tests.notices.conftest import NOON


@pytest.mark.parametrize(
    ("day", "kind", "label", "detail"),
    [
        (date(2026, 3, 2), DayKind.WORKDAY, "工作日", ""),
        (date(2026, 3, 7), DayKind.REST_DAY, "休息日", ""),
        (date(2026, 10, 1), DayKind.HOLIDAY, "节假日", "国庆节"),
        (date(2026, 10, 10), DayKind.MAKEUP_WORKDAY, "调休上班", ""),
        (date(2031, 3, 4), DayKind.UNKNOWN, "工作日历暂缺", ""),
    ],
)
def test_what_the_display_says_about_a_day(app, day, kind, label, detail):
    with app.test_request_context("/display/"):
        status = today_status(day)
    assert (status.day, status.kind, status.label, status.detail) == (day, kind, label, detail)


def test_a_local_closure_shows_its_note(app):
    set_override(date(2026, 11, 25), False, "县级重大活动停止办公")
    db.session.commit()
    with app.test_request_context("/display/"):
        status = today_status(date(2026, 11, 25))
    assert status.kind is DayKind.HOLIDAY and status.detail == "县级重大活动停止办公"


def test_english_labels(app):
    with app.test_request_context("/display/", headers={"Cookie": "portal_lang=en"}):
        from portal.workdays import official_day

        assert day_status(official_day(date(2026, 10, 1))).detail == "National Day"
        assert day_status(official_day(date(2031, 1, 2))).label == "Workday calendar unknown"


def test_public_notices_never_include_staff_only_or_outdated_ones(create_notice, make_unit):
    unit = make_unit(short_name="后勤管理中心")
    create_notice(title="公开", unit=unit, now=NOON)
    create_notice(title="置顶公开", unit=unit, pinned=True, now=NOON, publish_at=NOON - timedelta(days=3))
    create_notice(title="内部", audience=Audience.STAFF, pinned=True, unit=unit, now=NOON)
    create_notice(title="过期", unit=unit, publish_at=NOON - timedelta(days=2), expires_at=NOON)
    create_notice(title="未到", unit=unit, publish_at=NOON + timedelta(seconds=1), expires_at=NOON + timedelta(days=1))
    create_notice(title="撤回", unit=unit, now=NOON, withdrawn_at=NOON - timedelta(minutes=1))
    shown = public_notices(NOON)
    assert [n.title for n in shown] == ["置顶公开", "公开"]
    assert shown[0].pinned and shown[0].unit == "后勤管理中心"
    assert [n.title for n in public_notices(NOON, limit=1)] == ["置顶公开"]


def test_notice_excerpts_are_short_plain_text(create_notice):
    create_notice(title="长公告", body="第一段" * 60 + "\n\n<b>第二段</b>", now=NOON)
    (notice,) = public_notices(NOON)
    assert len(notice.excerpt) == sources.NOTICE_EXCERPT and notice.excerpt.endswith("…")
    assert "\n" not in notice.excerpt


def test_missing_capabilities_give_no_data_rather_than_guesses(app, monkeypatch):
    monkeypatch.setattr(sources, "_capability_services", lambda name: None)
    assert sources.meetings_today(NOON.date(), NOON) is None
    assert sources.next_departures(NOON) is None


# ---------------------------------------------------------------- shuttle


def test_departures_carry_plates_but_no_driver(app, monkeypatch):
    from portal.blueprints.shuttle.models import Direction
    from tests.shuttle.conftest import build_line

    line = build_line()
    line.trip(Direction.OUTBOUND, "07:20", bus=0)
    line.trip(Direction.INBOUND, "17:30", bus=1)
    monday_morning = NOON.replace(hour=7, minute=0)
    board = sources.next_departures(monday_morning, limit=2)
    assert [(d.at.strftime("%H:%M"), d.route, d.stop, d.headsign, d.plate) for d in board.departures] == [
        ("07:20", "1路", "老城", "中心", "川J·T0001"),
        ("17:30", "1路", "中心", "老城", "川J·T0002"),
    ]
    assert board.unknown_from is None
    shown = repr(board)
    for bus in line.buses:
        assert bus.driver_phone not in shown and bus.driver_name not in shown


def test_departures_say_when_the_calendar_runs_out(app):
    from datetime import datetime

    from portal.blueprints.shuttle.models import Direction
    from portal.timeutil import LOCAL_TZ
    from tests.shuttle.conftest import build_line

    build_line().trip(Direction.OUTBOUND, "07:20")
    board = sources.next_departures(datetime(2090, 3, 1, 6, 0, tzinfo=LOCAL_TZ))
    assert board.departures == () and board.unknown_from == date(2090, 3, 1)
