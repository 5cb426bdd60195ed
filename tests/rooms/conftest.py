"""Factories for meeting-room tests: a small building of rooms, bookings, and
dates that are certainly workdays (or not) whatever day the tests run."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import count

import pytest

from portal import timeutil
from portal.blueprints.rooms.models import Booking, BookingStatus
from portal.blueprints.workdays.days import is_workday, set_override
from portal.db import db
from portal.models import Building, Floor, Room, RoomKind, Unit

_numbers = count(1)  # room numbers are text: zero-padded so that they sort as numbers (meeting_rooms orders by them)


@pytest.fixture
def floor(app) -> Floor:
    building = Building(code="T", name="测试楼")
    floor = Floor(building=building, level=1, label="1楼")
    db.session.add_all([building, floor])
    db.session.commit()
    return floor


@pytest.fixture
def create_room(floor) -> Callable[..., Room]:
    def factory(**overrides) -> Room:
        n = next(_numbers)
        values = dict(floor=floor, number=f"1{n:05d}", name=f"测试会议室{n}", kind=RoomKind.MEETING,
                      capacity=20, area_m2=Decimal(40), equipment=["screen"])
        values.update(overrides)
        room = Room(**values)
        db.session.add(room)
        db.session.commit()
        return room

    return factory


@pytest.fixture
def create_unit(app) -> Callable[..., Unit]:
    def factory(**overrides) -> Unit:
        n = next(_numbers)
        unit = Unit(**{"name": f"测试局{n}", "short_name": f"测试{n}", **overrides})
        db.session.add(unit)
        db.session.commit()
        return unit

    return factory


@pytest.fixture
def create_booking() -> Callable[..., Booking]:
    def factory(room: Room, start_at: datetime, end_at: datetime | None = None, **overrides) -> Booking:
        values = dict(room_id=room.id, start_at=start_at, end_at=end_at or start_at + timedelta(hours=1),
                      title="测试会议", attendees=5, status=BookingStatus.APPROVED, contact_name="张三", contact_phone="5100")
        values.update(overrides)
        booking = Booking(**values)
        db.session.add(booking)
        db.session.commit()
        return booking

    return factory


def workday_after(days: int) -> date:
    """The first official workday at least ``days`` from today."""
    day = timeutil.today() + timedelta(days=days)
    for _ in range(30):
        known = is_workday(day)
        if known is True:
            return day
        if known is None and day.weekday() < 5:  # a year the calendar package does not know yet
            set_override(day, True, "test")
            db.session.commit()
            return day
        day += timedelta(days=1)
    raise AssertionError("no workday found")


def non_workday_after(days: int) -> date:
    day = timeutil.today() + timedelta(days=days)
    while day.weekday() < 5 or is_workday(day) is True:
        day += timedelta(days=1)
    if is_workday(day) is None:
        set_override(day, False, "test")
        db.session.commit()
    return day


@pytest.fixture
def workday(app) -> date:
    return workday_after(3)


def at(day: date, hhmm: str) -> datetime:
    return timeutil.local(day, time.fromisoformat(hhmm))
