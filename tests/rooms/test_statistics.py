"""Room statistics for the logistics center (issue 18): booked and used hours,
no-shows, cancellations and peak hours per room and per unit, without HTTP;
then the page and the Excel file per role."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook

from portal.blueprints.rooms import statistics
from portal.blueprints.rooms.models import BookingStatus
from portal.rules import RuleViolation
from tests.rooms.conftest import at

DAY = date(2026, 11, 16)  # a Monday


@pytest.fixture
def scene(app, clock, create_room, create_unit, create_booking):
    """A week in November seen from the Friday evening."""
    clock(2026, 11, 20, 18, 0)
    big, small = create_room(name="大会议室"), create_room(name="小会议室")
    hr, edu = create_unit(name="县人社局"), create_unit(name="县教育局")
    # 人社局: two hours checked in 10 minutes late; an hour released; a cancelled one.
    create_booking(big, at(DAY, "09:00"), at(DAY, "11:00"), unit_id=hr.id, checked_in_at=at(DAY, "09:10"))
    create_booking(big, at(DAY, "14:00"), at(DAY, "15:00"), unit_id=hr.id, status=BookingStatus.RELEASED)
    create_booking(small, at(DAY, "09:30"), at(DAY, "10:30"), unit_id=hr.id, status=BookingStatus.CANCELLED)
    # 教育局: an hour and a half over, never checked in (room without release); one checked in early.
    tuesday = DAY + timedelta(days=1)
    create_booking(small, at(tuesday, "09:00"), at(tuesday, "10:30"), unit_id=edu.id)
    create_booking(small, at(tuesday, "14:00"), at(tuesday, "16:00"), unit_id=edu.id, checked_in_at=at(tuesday, "13:50"))
    # Not counted: pending and rejected requests, and a meeting outside the period.
    create_booking(big, at(tuesday, "14:00"), at(tuesday, "15:00"), unit_id=edu.id, status=BookingStatus.PENDING)
    create_booking(big, at(tuesday, "16:00"), at(tuesday, "17:00"), unit_id=edu.id, status=BookingStatus.REJECTED)
    create_booking(big, at(DAY - timedelta(days=1), "09:00"), unit_id=edu.id)
    return {"big": big, "small": small, "hr": hr, "edu": edu}


def test_rooms_and_units_count_booked_and_used_hours_no_shows_and_cancellations(scene):
    from portal import timeutil

    stats = statistics.room_statistics(DAY, DAY + timedelta(days=6), now=timeutil.now())
    rooms = {use.key: use for use in stats.rooms}
    big, small = rooms[scene["big"].id], rooms[scene["small"].id]
    assert (big.meetings, big.booked_hours, big.used_hours, big.no_shows, big.cancellations) == (2, Decimal("3.00"), Decimal("1.83"), 1, 0)
    assert big.no_show_rate == Decimal("0.5000")
    assert (small.meetings, small.booked_hours, small.used_hours, small.no_shows, small.cancellations) == (2, Decimal("3.50"), Decimal("2.00"), 1, 1)
    units = {use.key: use for use in stats.units}
    hr, edu = units[scene["hr"].id], units[scene["edu"].id]
    assert (hr.meetings, hr.booked_minutes, hr.used_minutes, hr.no_shows, hr.cancellations) == (2, 180, 110, 1, 1)
    assert (edu.meetings, edu.booked_minutes, edu.used_minutes, edu.no_shows) == (2, 210, 120, 1)
    assert stats.units[0].key == edu.key  # the most booked unit first
    total = stats.total
    assert (total.meetings, total.booked_minutes, total.no_shows, total.cancellations) == (4, 390, 2, 1)
    assert total.no_show_rate == Decimal("0.5000")
    assert total.used_share == Decimal("0.5897")


def test_peak_hours_add_up_the_booked_minutes_of_each_opening_hour(scene):
    from portal import timeutil

    stats = statistics.room_statistics(DAY, DAY + timedelta(days=6), now=timeutil.now())
    loads = {load.hour: load for load in stats.hours}
    assert loads[8].booked_minutes == 0 and loads[20].booked_minutes == 0 and 21 not in loads
    assert (loads[9].booked_minutes, loads[9].meetings) == (120, 2)  # 9–10 Monday and Tuesday (the cancelled one not)
    assert (loads[10].booked_minutes, loads[10].meetings) == (90, 2)
    assert (loads[14].booked_minutes, loads[15].booked_minutes) == (120, 60)
    assert [load.hour for load in stats.peak_hours] == [9, 14, 10]
    assert sum(load.booked_minutes for load in stats.hours) == stats.total.booked_minutes


def test_a_meeting_under_way_counts_its_used_time_up_to_now_and_has_no_outcome_yet(app, clock, create_room, create_booking):
    clock(2026, 11, 16, 10, 0)
    room = create_room()
    create_booking(room, at(DAY, "09:00"), at(DAY, "11:00"), checked_in_at=at(DAY, "09:00"))
    create_booking(room, at(DAY, "08:30"), at(DAY, "08:45"))  # over, never checked in
    create_booking(room, at(DAY, "11:00"), at(DAY, "12:00"))  # not begun
    from portal import timeutil

    use = statistics.room_statistics(DAY, DAY, now=timeutil.now()).rooms[0]
    assert (use.used_minutes, use.with_outcome, use.no_shows, use.no_show_rate) == (60, 2, 1, Decimal("0.5000"))


def test_an_empty_period_has_no_rates_and_a_backward_or_too_long_one_is_refused(app, clock, create_room):
    from portal import timeutil

    clock(2026, 11, 20, 18, 0)
    create_room()
    stats = statistics.room_statistics(DAY, DAY, now=timeutil.now())
    assert stats.total.no_show_rate is None and stats.total.used_share is None and stats.peak_hours == []
    with pytest.raises(RuleViolation):
        statistics.room_statistics(DAY, DAY - timedelta(days=1), now=timeutil.now())
    with pytest.raises(RuleViolation):
        statistics.room_statistics(DAY, DAY + timedelta(days=366), now=timeutil.now())
    assert statistics.room_statistics(DAY, DAY + timedelta(days=365), now=timeutil.now()).days == 366


def test_the_statistics_page_and_excel_file_for_the_logistics_center(client, auth, demo):
    auth.login_as(demo["logistics_admin"])
    page = client.get("/rooms/statistics")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "第二会议室" in html and "统计局" in html and "信访局" in html
    response = client.get("/rooms/statistics.xlsx")
    assert response.status_code == 200
    book = load_workbook(BytesIO(response.data))
    assert len(book.worksheets) == 3
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    header = rows[1]
    total = rows[-1]
    assert total[0] == "合计" and total[header.index("已预订小时")] > 0


def test_a_bad_period_is_a_clear_400_and_other_roles_are_refused(client, auth, demo):
    auth.login_as(demo["logistics_admin"])
    backwards = client.get("/rooms/statistics?start=2026-11-20&end=2026-11-01")
    assert backwards.status_code == 400 and "结束" in backwards.get_data(as_text=True)
    assert client.get("/rooms/statistics?start=abc&end=2026-11-01").status_code == 400
    assert client.get("/rooms/statistics.xlsx?start=2026-11-20&end=2026-11-01").status_code == 400
    auth.login_as(demo["employee"])
    assert client.get("/rooms/statistics").status_code == 403
