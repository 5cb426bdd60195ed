"""Shuttle rules as plain functions: which days a trip runs, the day's status,
next departures (around midnight and after the last bus), and validation."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from portal.blueprints.shuttle.models import Direction, ExceptionKind, ServicePattern
from portal.blueprints.shuttle.services import (
    CALENDAR_UNKNOWN,
    VehicleSlot,
    day_conflicts,
    departure_stops,
    load_schedule,
    next_departures,
    pattern_change_conflicts,
    pattern_errors,
    pattern_runs,
    service_outlook,
    service_status,
    slots_overlap,
    timetable,
    vehicle_conflicts,
)
from portal.blueprints.workdays.days import set_override
from portal.db import db
from portal.timeutil import LOCAL_TZ

OUT, BACK = Direction.OUTBOUND, Direction.INBOUND


def at(year, month, day, hour, minute) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LOCAL_TZ)


def runs(trip, day: date) -> bool | None:
    return load_schedule(day, day).trip_day(trip, day).runs


def running_days(trip, start: date, end: date) -> dict[date, bool | None]:
    schedule = load_schedule(start, end)
    days = {}
    day = start
    while day <= end:
        days[day] = schedule.trip_day(trip, day).runs
        day += timedelta(days=1)
    return days


# --- runs on a date? -------------------------------------------------------------------------


def test_workday_trip_across_the_2026_national_day_and_mid_autumn_weeks(line):
    trip = line.trip(OUT, "07:20")
    days = running_days(trip, date(2026, 9, 18), date(2026, 10, 12))
    # The package's 2026 schedule: Sunday 20 September and Saturday 10 October are
    # worked; Mid-autumn 25–27 September and National Day 1–7 October are off.
    expected_running = {
        date(2026, 9, 18), date(2026, 9, 20), *(date(2026, 9, d) for d in (21, 22, 23, 24)),
        date(2026, 9, 28), date(2026, 9, 29), date(2026, 9, 30),
        date(2026, 10, 8), date(2026, 10, 9), date(2026, 10, 10), date(2026, 10, 12),
    }
    assert {d for d, running in days.items() if running} == expected_running
    assert days[date(2026, 9, 19)] is False  # an ordinary Saturday
    assert days[date(2026, 9, 27)] is False  # a Sunday inside the Mid-autumn holiday
    assert days[date(2026, 10, 11)] is False  # the Sunday after the make-up Saturday
    assert all(value is not None for value in days.values())


def test_workday_trip_across_spring_festival_2026_with_make_up_saturdays(line):
    trip = line.trip(OUT, "07:20")
    days = running_days(trip, date(2026, 2, 13), date(2026, 3, 1))
    assert days[date(2026, 2, 14)] is True  # Saturday before the festival, worked
    assert not any(days[date(2026, 2, d)] for d in range(15, 24))  # nine days off
    assert days[date(2026, 2, 24)] is True
    assert days[date(2026, 2, 28)] is True  # Saturday after, worked
    assert days[date(2026, 3, 1)] is False


def test_daily_and_rest_day_patterns(line):
    daily = line.trip(OUT, "09:00", pattern=ServicePattern.DAILY)
    duty = line.trip(OUT, "10:00", pattern=ServicePattern.REST_DAYS)
    for day, workday in [(date(2026, 10, 1), False), (date(2026, 10, 10), True), (date(2026, 10, 12), True)]:
        assert runs(daily, day) is True
        assert runs(duty, day) is (not workday)


def test_pattern_runs_says_unknown_rather_than_guessing():
    assert pattern_runs(ServicePattern.WORKDAYS, None) is None
    assert pattern_runs(ServicePattern.REST_DAYS, None) is None
    assert pattern_runs(ServicePattern.DAILY, None) is True


def test_unknown_year_until_a_local_entry_or_an_exception_decides(line):
    trip = line.trip(OUT, "07:20")
    wednesday = date(2031, 3, 5)
    assert runs(trip, wednesday) is None
    line.exception(wednesday, ExceptionKind.EXTRA_SERVICE, trip=trip)
    assert runs(trip, wednesday) is True
    thursday = wednesday + timedelta(days=1)
    set_override(thursday, True, "")
    db.session.commit()
    assert runs(trip, thursday) is True


def test_exceptions_most_specific_scope_wins(line):
    first = line.trip(OUT, "07:20")
    second = line.trip(OUT, "07:50", bus=1)
    day = date(2026, 12, 2)  # a Wednesday
    line.exception(day, ExceptionKind.NO_SERVICE, note="全县停电")
    assert runs(first, day) is False and runs(second, day) is False
    line.exception(day, ExceptionKind.EXTRA_SERVICE, trip=second, note="值班车照常")
    assert runs(first, day) is False and runs(second, day) is True

    saturday = date(2026, 12, 5)
    line.exception(saturday, ExceptionKind.EXTRA_SERVICE, route=line.route, note="周六加开")
    assert runs(first, saturday) is True and runs(second, saturday) is True


def test_one_off_change_moves_the_trip_and_its_bus(line):
    trip = line.trip(BACK, "17:35")
    day = date(2026, 12, 3)
    line.exception(day, ExceptionKind.CHANGED, trip=trip, departs_at=time(18, 30), vehicle=line.buses[1], note="大会")
    decision = load_schedule(day, day).trip_day(trip, day)
    assert decision.runs and decision.changed
    assert decision.departs_at == time(18, 30) and decision.vehicle.id == line.buses[1].id
    other_day = load_schedule(day + timedelta(days=1), day + timedelta(days=1)).trip_day(trip, day + timedelta(days=1))
    assert other_day.departs_at == time(17, 35) and not other_day.changed


# --- the day's status ------------------------------------------------------------------------


def test_status_says_why(app, line):
    line.trip(OUT, "07:20")
    line.trip(BACK, "17:35")
    with app.test_request_context():
        holiday = service_status(date(2026, 10, 2))
        assert holiday.running is False and "国庆" in str(holiday.reason)
        weekend = service_status(date(2026, 11, 28))
        assert weekend.running is False and str(weekend.reason) == "周末"
        make_up = service_status(date(2026, 10, 10))
        assert make_up.running is True and "调休" in str(make_up.reason)
        assert make_up.trips_running == make_up.trips_total == 2
        unknown = service_status(date(2031, 3, 5))
        assert unknown.running is None and str(unknown.reason) == str(CALENDAR_UNKNOWN)

        set_override(date(2026, 11, 25), False, "县运动会停止办公")
        db.session.commit()
        local = service_status(date(2026, 11, 25))
        assert local.running is False and local.reason == "县运动会停止办公"


def test_status_names_an_exception_for_every_trip_and_counts_partial_service(app, line):
    morning = line.trip(OUT, "07:20")
    line.trip(BACK, "17:35")
    day = date(2026, 12, 2)
    line.exception(day, ExceptionKind.NO_SERVICE, trip=morning, note="早班停运")
    partial = service_status(day)
    assert partial.running is True and partial.partial and partial.trips_running == 1
    assert partial.notes == ("早班停运",)
    other = date(2026, 12, 3)
    line.exception(other, ExceptionKind.NO_SERVICE, note="停电检修")
    assert service_status(other).running is False and service_status(other).reason == "停电检修"


def test_outlook_covers_a_week_with_one_load(line):
    line.trip(OUT, "07:20")
    week = service_outlook(date(2026, 9, 30), 7)
    assert [s.running for s in week] == [True, False, False, False, False, False, False]


def test_timetable_is_stops_by_trips(line):
    line.trip(OUT, "07:50", bus=1)
    line.trip(OUT, "07:20")
    line.trip(BACK, "23:50")
    tables = timetable(date(2026, 12, 2))
    outbound = next(t for t in tables if t.direction is OUT)
    assert outbound.label == "老城 → 中心"
    assert [(stop.name, times) for stop, times in outbound.rows()] == [
        ("老城", ["07:20", "07:50"]),
        ("医院", ["07:30", "08:00"]),
        ("中心", ["07:45", "08:15"]),
    ]
    back = next(t for t in tables if t.direction is BACK)
    assert [times for _, times in back.rows()] == [["23:50"], ["00:05"], ["00:15"]]  # past midnight


# --- next departures -------------------------------------------------------------------------


def test_next_departure_from_a_stop_the_same_evening(line):
    line.trip(BACK, "17:35")
    line.trip(BACK, "18:00", bus=1)
    board = next_departures(at(2026, 12, 2, 17, 40), stop_id=line.stops[1].id)  # 医院 is 15 min into the return
    assert [d.at for d in board][:2] == [at(2026, 12, 2, 17, 50), at(2026, 12, 2, 18, 15)]
    assert board.departures[0].headsign == "老城" and board.departures[0].stop_name == "医院"


def test_at_the_last_trip_it_is_listed_and_a_minute_later_the_next_day_comes(line):
    line.trip(OUT, "07:20")
    line.trip(BACK, "17:35")
    origin = line.stops[2].id  # 中心
    exactly = next_departures(at(2026, 12, 2, 17, 35), stop_id=origin, limit=1)
    assert exactly.departures[0].at == at(2026, 12, 2, 17, 35)
    after = next_departures(at(2026, 12, 2, 17, 36), stop_id=origin, limit=1)
    assert after.departures[0].at == at(2026, 12, 3, 17, 35)


def test_after_the_last_bus_before_a_holiday_the_next_is_the_next_service_day(line):
    line.trip(OUT, "07:20")
    line.trip(OUT, "07:50", bus=1)
    # Wednesday 30 September 2026, evening: National Day week follows; Thursday 8 October is next.
    board = next_departures(at(2026, 9, 30, 21, 0), limit=2)
    assert [d.at for d in board] == [at(2026, 10, 8, 7, 20), at(2026, 10, 8, 7, 50)]
    assert board.unknown_days == ()
    # Friday 9 October evening: Saturday 10 October is a make-up workday.
    assert next_departures(at(2026, 10, 9, 21, 0), limit=1).departures[0].at == at(2026, 10, 10, 7, 20)


def test_near_midnight_a_late_trip_reaches_a_stop_after_midnight(line):
    line.trip(BACK, "23:50")  # 中心 23:50, 医院 00:05, 老城 00:15
    line.trip(BACK, "07:00", bus=1)
    hospital = line.stops[1].id
    before = next_departures(at(2026, 12, 2, 23, 58), stop_id=hospital, limit=2)
    assert before.departures[0].at == at(2026, 12, 3, 0, 5)
    assert before.departures[0].service_day == date(2026, 12, 2)  # Wednesday's trip
    assert before.departures[1].at == at(2026, 12, 3, 7, 15)
    # Just after midnight, still before the late bus reaches the hospital.
    after_midnight = next_departures(at(2026, 12, 3, 0, 1), stop_id=hospital, limit=1)
    assert after_midnight.departures[0].at == at(2026, 12, 3, 0, 5)
    assert after_midnight.departures[0].service_day == date(2026, 12, 2)
    # Friday's late bus runs into Saturday morning; Saturday has no service of its own.
    friday = next_departures(at(2026, 12, 5, 0, 2), stop_id=hospital, limit=1)
    assert friday.departures[0].at == at(2026, 12, 5, 0, 5)
    later = next_departures(at(2026, 12, 5, 0, 6), stop_id=hospital, limit=1)
    assert later.departures[0].at == at(2026, 12, 7, 7, 15)  # Monday


def test_the_last_stop_of_a_direction_has_no_departures(line):
    line.trip(OUT, "07:20")
    assert len(next_departures(at(2026, 12, 2, 6, 0), stop_id=line.stops[2].id)) == 0


def test_stops_to_choose_from_follow_the_line(line):
    day = date(2026, 12, 2)
    assert [s.name for s in departure_stops(load_schedule(day, day))] == ["老城", "医院", "中心"]


def test_unknown_days_are_reported_not_guessed(line):
    line.trip(OUT, "07:20")
    board = next_departures(at(2026, 12, 31, 20, 0), limit=3, horizon_days=5)
    assert board.departures == ()
    assert board.unknown_days[0] == date(2027, 1, 1)
    line.trip(OUT, "09:00", bus=1, pattern=ServicePattern.DAILY)
    board = next_departures(at(2026, 12, 31, 20, 0), limit=1, horizon_days=5)
    assert board.departures[0].at == at(2027, 1, 1, 9, 0)


def test_departures_across_routes_with_changes_and_notices_but_no_phones(line):
    from tests.shuttle.conftest import build_line

    other = build_line(code="2路", prefix="南")
    line.trip(OUT, "07:20")
    other.trip(OUT, "07:10")
    moved = other.trip(OUT, "08:00", bus=1)
    day = date(2026, 12, 2)
    other.exception(day, ExceptionKind.CHANGED, trip=moved, departs_at=time(7, 15), note="提前发车")
    board = next_departures(at(2026, 12, 2, 7, 0), limit=3)
    assert [(d.route_code, d.at.time()) for d in board] == [("2路", time(7, 10)), ("2路", time(7, 15)), ("1路", time(7, 20))]
    assert board.departures[1].changed and board.departures[1].notes == ("提前发车",)
    for departure in board:
        assert "1390825" not in repr(departure) and not hasattr(departure, "driver_phone")


# --- validation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rows", "problem"),
    [
        ([(1, 0), (2, 10), (3, 25)], None),
        ([(1, 0)], "at least two"),
        ([(1, 5), (2, 10)], "minute 0"),
        ([(1, 0), (2, 10), (3, 10)], "increase"),
        ([(1, 0), (2, 12), (3, 7)], "increase"),
        ([(1, 0), (2, 10), (1, 20)], "twice"),
    ],
)
def test_pattern_errors(app, rows, problem):
    with app.test_request_context(headers={"Cookie": "portal_lang=en"}):
        errors = [str(e) for e in pattern_errors(rows)]
    if problem is None:
        assert errors == []
    else:
        assert any(problem in e for e in errors), errors


def slot(start: str, minutes: int, vehicle: int = 1, pattern=ServicePattern.WORKDAYS) -> VehicleSlot:
    hours, mins = (int(p) for p in start.split(":"))
    begin = hours * 60 + mins
    return VehicleSlot(vehicle, pattern, begin, begin + minutes)


def test_slots_overlap():
    assert slots_overlap(slot("07:20", 30), slot("07:40", 30))
    assert not slots_overlap(slot("07:20", 30), slot("07:50", 30))  # leaves as the other arrives
    assert not slots_overlap(slot("07:20", 30), slot("07:40", 30, vehicle=2))
    assert not slots_overlap(slot("07:20", 30), slot("07:40", 30, pattern=ServicePattern.REST_DAYS))
    assert slots_overlap(slot("07:20", 30, pattern=ServicePattern.DAILY), slot("07:40", 30, pattern=ServicePattern.REST_DAYS))
    # 23:50 to 00:20 and a 00:10 trip the next day, whatever the patterns.
    assert slots_overlap(slot("23:50", 30), slot("00:10", 20, pattern=ServicePattern.REST_DAYS))


def test_vehicle_conflicts_against_stored_trips(line):
    first = line.trip(OUT, "07:20")  # 25 minutes
    line.trip(BACK, "07:45")  # leaves 中心 as the bus arrives
    assert vehicle_conflicts(slot("07:30", 25, vehicle=line.buses[0].id)) != []
    assert [t.id for t in vehicle_conflicts(slot("07:30", 10, vehicle=line.buses[0].id))] == [first.id]
    assert vehicle_conflicts(slot("07:30", 25, vehicle=line.buses[1].id)) == []
    assert vehicle_conflicts(slot("08:10", 25, vehicle=line.buses[0].id)) == []
    # Editing a trip does not clash with itself.
    moved = VehicleSlot(line.buses[0].id, ServicePattern.WORKDAYS, 7 * 60 + 15, 7 * 60 + 40, first.id)
    assert vehicle_conflicts(moved, exclude_trip_ids=[first.id]) == []


def test_slower_stop_times_that_would_make_a_bus_late_for_its_next_trip(line):
    line.trip(OUT, "07:20")
    line.trip(BACK, "07:45")
    assert pattern_change_conflicts(line.route.id, OUT, 25) == []
    clashes = pattern_change_conflicts(line.route.id, OUT, 30)
    assert len(clashes) == 1


def test_a_one_off_change_may_not_double_book_a_bus(line):
    early = line.trip(OUT, "07:20")
    late = line.trip(OUT, "08:00", bus=1)
    day = date(2026, 12, 2)
    assert day_conflicts(day, late, time(7, 30), line.buses[0].id) == [early]
    assert day_conflicts(day, late, time(7, 50), line.buses[0].id) == []
    # Not on a day the other trip does not run.
    line.exception(day, ExceptionKind.NO_SERVICE, trip=early)
    assert day_conflicts(day, late, time(7, 30), line.buses[0].id) == []
