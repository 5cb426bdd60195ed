"""The booking rules as plain functions: times, opening hours, the advance
window, overlap, recurrence expansion, grid layout and iCalendar text."""

from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.blueprints.rooms import ics
from portal.blueprints.rooms.grid import grid_row
from portal.blueprints.rooms.models import (
    Booking,
    BookingStatus,
    Recurrence,
    RoomClosure,
)
from portal.blueprints.rooms.services import (
    check_times,
    expand_recurrence,
    monthly_position,
    nth_weekday,
    overlaps,
    slot_times,
    within_opening_hours,
)
from portal.timeutil import LOCAL_TZ

NOW = datetime(2026, 11, 25, 10, 7, tzinfo=LOCAL_TZ)  # a Wednesday


def at(day: date, hhmm: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(hhmm), tzinfo=LOCAL_TZ)


def messages(problems) -> list[str]:
    return [str(p) for p in problems]


@pytest.fixture
def app(app):
    """Messages are lazy strings; read them in English."""
    with app.test_request_context(headers={"Cookie": "portal_lang=en"}):
        yield app


TOMORROW = date(2026, 11, 26)


def test_a_normal_request_has_no_problems(app):
    assert check_times(at(TOMORROW, "09:00"), at(TOMORROW, "10:30"), now=NOW, advance_days=60) == []


@pytest.mark.parametrize(("start", "end"), [("10:00", "10:00"), ("11:00", "10:00")])
def test_end_must_come_after_start(app, start, end):
    assert messages(check_times(at(TOMORROW, start), at(TOMORROW, end), now=NOW, advance_days=60)) == [
        "The meeting must end after it starts."
    ]


@pytest.mark.parametrize(
    ("start", "end", "inside"),
    [("08:00", "21:00", True), ("07:30", "09:00", False), ("20:00", "21:30", False), ("20:30", "21:00", True)],
)
def test_opening_hours(app, start, end, inside):
    assert within_opening_hours(at(TOMORROW, start), at(TOMORROW, end)) is inside
    problems = messages(check_times(at(TOMORROW, start), at(TOMORROW, end), now=NOW, advance_days=60))
    assert (problems == []) is inside
    if not inside:
        assert problems == ["Meeting rooms can be booked between 08:00 and 21:00."]


def test_a_meeting_past_midnight_is_outside_opening_hours():
    assert not within_opening_hours(at(TOMORROW, "20:00"), at(TOMORROW + timedelta(days=1), "00:00"))
    assert not within_opening_hours(at(TOMORROW, "09:00"), at(TOMORROW + timedelta(days=1), "10:00"))


def test_the_past_is_refused_even_earlier_today(app):
    today = NOW.date()
    assert messages(check_times(at(today, "09:30"), at(today, "11:00"), now=NOW, advance_days=60)) == [
        "This time has already passed."
    ]
    assert check_times(at(today, "10:30"), at(today, "11:00"), now=NOW, advance_days=60) == []


def test_advance_window_is_inclusive_and_configurable(app):
    last = NOW.date() + timedelta(days=60)
    assert check_times(at(last, "09:00"), at(last, "10:00"), now=NOW, advance_days=60) == []
    beyond = last + timedelta(days=1)
    assert messages(check_times(at(beyond, "09:00"), at(beyond, "10:00"), now=NOW, advance_days=60)) == [
        "Rooms can be booked at most 60 days ahead."
    ]
    assert check_times(at(beyond, "09:00"), at(beyond, "10:00"), now=NOW, advance_days=90) == []
    assert messages(check_times(at(TOMORROW, "09:00"), at(TOMORROW, "10:00"), now=NOW, advance_days=0)) == [
        "Rooms can be booked at most 0 days ahead."
    ]


def test_overlap_is_half_open():
    d = TOMORROW
    assert overlaps(at(d, "09:00"), at(d, "10:00"), at(d, "09:30"), at(d, "11:00"))
    assert overlaps(at(d, "09:00"), at(d, "12:00"), at(d, "10:00"), at(d, "11:00"))
    assert not overlaps(at(d, "09:00"), at(d, "10:00"), at(d, "10:00"), at(d, "11:00"))
    assert not overlaps(at(d, "10:00"), at(d, "11:00"), at(d, "09:00"), at(d, "10:00"))


def test_slots_run_from_eight_to_nine_in_half_hours():
    times = slot_times()
    assert times[0] == time(8) and times[-1] == time(21) and len(times) == 27


# ---------------------------------------------------------------- recurrence


def test_weekly_for_a_count():
    assert expand_recurrence(date(2026, 11, 30), Recurrence.WEEKLY, count=4) == [
        date(2026, 11, 30), date(2026, 12, 7), date(2026, 12, 14), date(2026, 12, 21)
    ]


def test_weekly_until_a_date_is_inclusive():
    assert expand_recurrence(date(2026, 12, 1), Recurrence.WEEKLY, until=date(2026, 12, 15)) == [
        date(2026, 12, 1), date(2026, 12, 8), date(2026, 12, 15)
    ]
    assert expand_recurrence(date(2026, 12, 1), Recurrence.WEEKLY, until=date(2026, 12, 14))[-1] == date(2026, 12, 8)


def test_every_two_weeks_across_the_year_end():
    assert expand_recurrence(date(2026, 12, 17), Recurrence.BIWEEKLY, count=3) == [
        date(2026, 12, 17), date(2026, 12, 31), date(2027, 1, 14)
    ]


def test_monthly_second_tuesday():
    # 2026-12-08 is the second Tuesday of December.
    assert expand_recurrence(date(2026, 12, 8), Recurrence.MONTHLY_NTH, count=4) == [
        date(2026, 12, 8), date(2027, 1, 12), date(2027, 2, 9), date(2027, 3, 9)
    ]


def test_monthly_from_the_31st_becomes_the_last_weekday_of_each_month():
    # 2026-01-31 is the fifth (last) Saturday of January; February has four Saturdays.
    assert expand_recurrence(date(2026, 1, 31), Recurrence.MONTHLY_NTH, count=4) == [
        date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 28), date(2026, 4, 25)
    ]


def test_monthly_fifth_weekday_at_a_month_end_never_skips_a_month():
    # 2026-12-29 is the fifth Tuesday; January 2027's last Tuesday is the 26th, March's the 30th.
    assert expand_recurrence(date(2026, 12, 29), Recurrence.MONTHLY_NTH, until=date(2027, 3, 31)) == [
        date(2026, 12, 29), date(2027, 1, 26), date(2027, 2, 23), date(2027, 3, 30)
    ]


def test_monthly_fourth_weekday_stays_the_fourth_even_when_it_is_the_last():
    # 2027-02-25 is the 4th (and last) Thursday of February; March has five Thursdays.
    assert expand_recurrence(date(2027, 2, 25), Recurrence.MONTHLY_NTH, count=2) == [date(2027, 2, 25), date(2027, 3, 25)]


def test_nth_weekday_and_position():
    assert nth_weekday(2026, 2, 0, 5) is None  # February 2026 has four Mondays
    assert nth_weekday(2026, 3, 0, 5) == date(2026, 3, 30)
    assert nth_weekday(2026, 2, 6, -1) == date(2026, 2, 22)
    assert monthly_position(date(2026, 3, 30)) == -1
    assert monthly_position(date(2026, 3, 28)) == 4
    assert monthly_position(date(2026, 3, 1)) == 1


def test_series_need_an_end_and_are_capped():
    with pytest.raises(ValueError):
        expand_recurrence(date(2026, 12, 1), Recurrence.WEEKLY)
    assert len(expand_recurrence(date(2026, 12, 1), Recurrence.WEEKLY, count=500)) == 52
    assert len(expand_recurrence(date(2026, 12, 1), Recurrence.WEEKLY, until=date(2040, 1, 1), limit=10)) == 10
    assert expand_recurrence(date(2026, 12, 1), Recurrence.WEEKLY, until=date(2026, 11, 1)) == []


@given(first=st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31)), n=st.integers(1, 30),
       rule=st.sampled_from(list(Recurrence)))
def test_series_keep_their_weekday_and_step(first, n, rule):
    dates = expand_recurrence(first, rule, count=n)
    assert len(dates) == n and dates[0] == first
    assert all(d.weekday() == first.weekday() for d in dates)
    assert dates == sorted(set(dates))
    if rule is Recurrence.WEEKLY:
        assert all((b - a).days == 7 for a, b in zip(dates, dates[1:]))
    elif rule is Recurrence.BIWEEKLY:
        assert all((b - a).days == 14 for a, b in zip(dates, dates[1:]))
    else:
        months = [d.year * 12 + d.month for d in dates]
        assert all(b - a == 1 for a, b in zip(months, months[1:]))  # one per month, none skipped
        assert all(monthly_position(d) == monthly_position(first) or monthly_position(first) == -1 for d in dates)


# ---------------------------------------------------------------- grid


def _booking(start, end, status=BookingStatus.APPROVED):
    return Booking(start_at=start, end_at=end, status=status, title="会")


def test_grid_row_spans_bookings_and_closures():
    d = TOMORROW
    bookings = [_booking(at(d, "09:00"), at(d, "10:30")), _booking(at(d, "20:00"), at(d, "21:00"))]
    closures = [RoomClosure(start_at=at(d, "12:00"), end_at=at(d, "14:00"), reason="维修")]
    cells = grid_row(d, bookings, closures, now=NOW)
    assert sum(c.span for c in cells) == 26
    spans = [(c.start_at.strftime("%H:%M"), c.span, "b" if c.booking else "c" if c.closure else "") for c in cells if not c.free]
    assert spans == [("09:00", 3, "b"), ("12:00", 4, "c"), ("20:00", 2, "b")]
    assert all(not c.past for c in cells)


def test_grid_row_marks_the_past_and_shows_bookings_inside_a_closure():
    d = NOW.date()
    closures = [RoomClosure(start_at=at(d, "08:00"), end_at=at(d, "21:00"), reason="活动")]
    bookings = [_booking(at(d, "14:00"), at(d, "15:00"))]
    cells = grid_row(d, bookings, closures, now=NOW)
    assert [(c.span, bool(c.booking)) for c in cells] == [(12, False), (2, True), (12, False)]
    assert cells[0].past is False  # the closure runs on past now
    free = grid_row(d, [], [], now=NOW)
    assert [c.past for c in free[:6]] == [True, True, True, True, False, False]


# ---------------------------------------------------------------- iCalendar


def test_ics_text_escaping():
    assert ics.escape_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=200))
def test_ics_folding_keeps_lines_short_and_unfolds_to_the_original(text):
    line = "SUMMARY:" + text
    folded = ics.fold(line)
    assert all(len(part.encode("utf-8")) <= 75 for part in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == line
