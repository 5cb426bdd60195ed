"""The display's data, as plain functions: only what a passer-by may see."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from portal.blueprints.display import sources
from portal.blueprints.display.sources import DayKind, day_status, public_notices, today_status
from portal.blueprints.notices.models import Audience
from portal.db import db
from portal.blueprints.workdays.days import set_override
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
        from portal.blueprints.workdays.days import official_day

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


def test_the_sources_are_imported_plainly():
    """Issue 12: no lazy imports of the rooms and shuttle capabilities (the "not installed" case is gone)."""
    import inspect

    text = inspect.getsource(sources)
    assert "import_module" not in text and "find_spec" not in text
    assert sources.rooms_services.__name__ == "portal.blueprints.rooms.services"
    assert sources.shuttle_services.__name__ == "portal.blueprints.shuttle.services"


def test_long_lists_are_paged_by_the_lines_they_take():
    page = sources.page_of(range(7), 3, 0)
    assert page.items == (0, 1, 2) and (page.number, page.count) == (1, 3) and page.is_paged
    assert sources.page_of(range(7), 3, 2).items == (6,)
    assert sources.page_of(range(7), 3, 4).items == (3, 4, 5)  # the pages turn round
    assert sources.page_of([], 3, 5) == sources.Page((), 1, 1)
    # An item taller than a page still gets a page of its own; the others fill up to the capacity.
    assert sources.page_of([5, 1, 1, 2], 3, 0, lines=lambda n: n).items == (5,)
    assert sources.page_of([5, 1, 1, 2], 3, 1, lines=lambda n: n).items == (1, 1)
    assert sources.page_of([5, 1, 1, 2], 3, 2, lines=lambda n: n).items == (2,)
    assert sources.text_lines("一" * 29, 28) == 2 and sources.text_lines("abc", 28) == 1


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


# ---------------------------------------------------------------- meetings


def _at(hhmm: str):
    hours, minutes = (int(p) for p in hhmm.split(":"))
    return NOON.replace(hour=hours, minute=minutes)


def test_meetings_show_titles_only_where_a_visitor_may_read_them(create_room, create_booking):
    from portal.blueprints.rooms.models import BookingStatus
    from portal.models import RoomKind

    hall = create_room(number="101", name="报告厅")
    small = create_room(number="318", name="第五会议室")
    vip = create_room(number="103", name="贵宾接待室", kind=RoomKind.VIP_RECEPTION)
    create_booking(hall, _at("09:00"), _at("11:00"), title="早已结束的会", is_public=True)
    create_booking(hall, _at("11:30"), _at("13:00"), title="全县安全生产会", is_public=True)
    create_booking(hall, _at("14:00"), _at("15:00"), title="人事研究会（内部）", is_public=False)
    create_booking(hall, _at("15:30"), _at("16:00"), title="待批的公开会", is_public=True, status=BookingStatus.PENDING)
    create_booking(hall, _at("16:30"), _at("17:00"), title="取消的会", is_public=True, status=BookingStatus.CANCELLED)
    create_booking(vip, _at("12:30"), _at("13:30"), title="接待省领导", is_public=True)
    create_booking(small, _at("19:00"), _at("20:30"), title="防汛值班调度会", is_public=True)

    board = sources.meetings_today(NOON.date(), NOON, per_room=5)
    rooms = board.rooms
    assert board.more_rooms == 0
    assert [(r.room, r.room_name) for r in rooms] == [("测试楼 101", "报告厅"), ("测试楼 103", "贵宾接待室"), ("测试楼 318", "第五会议室")]
    hall_meetings, vip_meetings, small_meetings = (r.meetings for r in rooms)
    assert [(m.start_at.strftime("%H:%M"), m.title, m.in_progress) for m in hall_meetings] == [
        ("11:30", "全县安全生产会", True),
        ("14:00", None, False),  # not public
        ("15:30", None, False),  # waiting for approval
    ]
    assert [(m.title, m.in_progress) for m in vip_meetings] == [(None, False)]  # the VIP room never shows a title
    assert [m.title for m in small_meetings] == ["防汛值班调度会"]
    shown = repr(rooms)
    for secret in ("人事研究会", "待批的公开会", "接待省领导", "取消的会", "早已结束的会", "张三", "5100"):
        assert secret not in shown


def test_no_more_meetings_is_an_empty_list(create_room, create_booking):
    create_booking(create_room(), _at("09:00"), _at("10:00"), is_public=True)
    assert sources.meetings_today(NOON.date(), NOON) == sources.MeetingBoard(rooms=())


def test_the_rooms_meeting_soonest_fill_the_block(create_room, create_booking):
    rooms = [create_room(number=f"{n}01", name=f"会议室{n}") for n in range(1, 5)]
    for n, room in enumerate(rooms):
        for hour in (14, 15, 16):
            create_booking(room, _at(f"{hour}:{n * 10:02d}"), _at(f"{hour}:{n * 10 + 5:02d}"), is_public=True,
                           title=f"会{n}-{hour}")
    board = sources.meetings_today(NOON.date(), NOON, rooms_shown=3, per_room=2)
    assert [r.room_name for r in board.rooms] == ["会议室1", "会议室2", "会议室3"] and board.more_rooms == 1
    assert [[m.title for m in r.meetings] for r in board.rooms][0] == ["会0-14", "会0-15"]
    assert all(r.more == 1 for r in board.rooms)
