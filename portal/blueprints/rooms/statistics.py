"""Room statistics for the logistics center (issue 18): how each meeting room
and each organizing unit used the rooms over a chosen period.

Definitions (one place, the page and the Excel file both read them):

- A *meeting* is a booking approved for the room (status approved, or released
  as a no-show) that starts in the period. Pending, rejected and cancelled
  requests never held a meeting.
- *Booked hours*: the meetings' booked time (a meeting ended early counts up
  to its early end: the rest of the slot went back to others).
- *Used hours*: time from the check-in (or the start, when checked in before
  it) to the end, for meetings checked in; a meeting under way counts up to now.
- *No-show rate*: no-shows / meetings with an outcome. A no-show is a meeting
  released for want of a check-in, or an approved meeting that ended without
  one (rooms without the release rule); a meeting has an outcome when it was
  checked in, released or is over. Rates are exact decimals (four places),
  ``None`` when nothing had an outcome.
- *Cancellations*: requests and bookings starting in the period that were
  cancelled (by the requester, the logistics center or a room closure).
- *Peak hours*: booked minutes in each opening hour, over every room and day.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.blueprints.rooms.models import Booking, BookingStatus
from portal.blueprints.rooms.services import CLOSING, OPENING, meeting_rooms
from portal.db import db
from portal.i18n import lazy_gettext as _l
from portal.models import Room, Unit
from portal.rules import RuleViolation
from portal.timeutil import LOCAL_TZ, local

LONGEST_PERIOD = 366  # days
MEETING_STATUSES = (BookingStatus.APPROVED, BookingStatus.RELEASED)
HOURS = Decimal("0.01")
RATE = Decimal("0.0001")


def hours(minutes: int) -> Decimal:
    return (Decimal(minutes) / 60).quantize(HOURS, rounding=ROUND_HALF_UP)


def rate(part: int, whole: int) -> Decimal | None:
    """``part / whole`` as an exact decimal fraction (0.1250 is 12.5 %); None when ``whole`` is 0."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(RATE, rounding=ROUND_HALF_UP)


def _minutes(start: datetime, end: datetime) -> int:
    return max(0, int((end - start).total_seconds() // 60))


@dataclass
class Use:
    """The counts of one room, one unit or the whole building."""

    key: int | None
    name: str
    detail: str = ""
    meetings: int = 0
    booked_minutes: int = 0
    used_minutes: int = 0
    with_outcome: int = 0
    no_shows: int = 0
    cancellations: int = 0

    @property
    def booked_hours(self) -> Decimal:
        return hours(self.booked_minutes)

    @property
    def used_hours(self) -> Decimal:
        return hours(self.used_minutes)

    @property
    def no_show_rate(self) -> Decimal | None:
        return rate(self.no_shows, self.with_outcome)

    @property
    def used_share(self) -> Decimal | None:
        """Used hours / booked hours of the meetings so far."""
        return rate(self.used_minutes, self.booked_minutes)

    @property
    def empty(self) -> bool:
        return not (self.meetings or self.cancellations)

    def add(self, booking: Booking, *, now: datetime) -> None:
        if booking.status is BookingStatus.CANCELLED:
            self.cancellations += 1
            return
        self.meetings += 1
        self.booked_minutes += _minutes(booking.start_at, booking.end_at)
        if booking.checked_in_at is not None and booking.status is BookingStatus.APPROVED:
            self.used_minutes += _minutes(max(booking.checked_in_at, booking.start_at), min(booking.end_at, now))
            self.with_outcome += 1
        elif booking.status is BookingStatus.RELEASED or booking.end_at <= now:
            self.with_outcome += 1
            self.no_shows += 1


@dataclass(frozen=True)
class HourLoad:
    hour: int
    booked_minutes: int
    meetings: int  # meetings running in that hour

    @property
    def booked_hours(self) -> Decimal:
        return hours(self.booked_minutes)

    @property
    def label(self) -> str:
        return f"{self.hour:02d}:00–{self.hour + 1:02d}:00"


@dataclass
class RoomStatistics:
    start: date
    end: date
    rooms: list[Use]
    units: list[Use]
    total: Use
    hours: list[HourLoad] = field(default_factory=list)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def busiest_minutes(self) -> int:
        return max((h.booked_minutes for h in self.hours), default=0)

    @property
    def peak_hours(self) -> list[HourLoad]:
        """The busiest opening hours (ties included, at most three), busiest first."""
        busiest = sorted((h for h in self.hours if h.booked_minutes), key=lambda h: (-h.booked_minutes, h.hour))
        return busiest[:3]


def check_period(start: date, end: date) -> None:
    if end < start:
        raise RuleViolation(_l("The period must end on or after its first day."), field="end")
    if (end - start).days + 1 > LONGEST_PERIOD:
        raise RuleViolation(_l("Choose a period of at most %(days)s days.", days=LONGEST_PERIOD), field="end")


def bookings_in(start: date, end: date) -> list[Booking]:
    """Meetings and cancellations that start in the period (local days, both included)."""
    first = local(start, time(0, 0))
    after = local(end + timedelta(days=1), time(0, 0))
    query = (
        select(Booking)
        .where(Booking.start_at >= first, Booking.start_at < after,
               Booking.status.in_((*MEETING_STATUSES, BookingStatus.CANCELLED)))
        .options(joinedload(Booking.room), joinedload(Booking.unit))
        .order_by(Booking.start_at)
    )
    return list(db.session.scalars(query).unique())


def _hour_loads(bookings: Iterable[Booking]) -> list[HourLoad]:
    minutes = {hour: 0 for hour in range(OPENING.hour, CLOSING.hour)}
    meetings = dict.fromkeys(minutes, 0)
    for booking in bookings:
        start = booking.start_at.astimezone(LOCAL_TZ)
        end = booking.end_at.astimezone(LOCAL_TZ)
        day = start.date()
        while day <= end.date():
            for hour in minutes:
                slot_start = local(day, time(hour, 0))
                overlap = _minutes(max(slot_start, start), min(slot_start + timedelta(hours=1), end))
                if overlap:
                    minutes[hour] += overlap
                    meetings[hour] += 1
            day += timedelta(days=1)
    return [HourLoad(hour, minutes[hour], meetings[hour]) for hour in minutes]


def room_statistics(start: date, end: date, *, now: datetime) -> RoomStatistics:
    """Use per room and per organizing unit over ``start``..``end`` (both included)."""
    check_period(start, end)
    bookings = bookings_in(start, end)
    rooms: dict[int, Use] = {}
    for room in meeting_rooms():
        rooms[room.id] = Use(room.id, room.name, room.label)
    units: dict[int | None, Use] = {}
    total = Use(None, "")
    for booking in bookings:
        room: Room = booking.room
        if room.id not in rooms:  # no longer a meeting room
            rooms[room.id] = Use(room.id, room.name, room.label)
        rooms[room.id].add(booking, now=now)
        unit: Unit | None = booking.unit
        if booking.unit_id not in units:
            units[booking.unit_id] = Use(booking.unit_id, unit.name if unit else "", unit.short_name if unit else "")
        units[booking.unit_id].add(booking, now=now)
        total.add(booking, now=now)
    unit_rows = sorted(units.values(), key=lambda u: (-u.booked_minutes, -u.meetings, u.key is None, u.name))
    meetings = [b for b in bookings if b.status in MEETING_STATUSES]
    return RoomStatistics(start, end, list(rooms.values()), unit_rows, total, _hour_loads(meetings))
