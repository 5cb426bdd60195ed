"""Office space: the standard check, the ledger as of a day, and every change.

The check (``check_room``, ``check_unit``) is plain arithmetic on Decimals; the
ledger reads the dated tables; the changes take ``actor`` and ``now``, raise
``RuleViolation`` before writing anything, and write their audit record.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cached_property
from typing import Any

from flask import current_app
from sqlalchemy import and_, func, or_, select, true
from sqlalchemy.orm import joinedload

from portal import audit
from portal.blueprints.offices.models import (
    OfficeException,
    OfficePublication,
    OfficeRoomEntry,
    OfficeSeat,
    OfficeStandard,
    OfficeStockTake,
    OfficeStockTakeLine,
    RoomUse,
)
from portal.capabilities import LegendEntry, PlanAnnotations, RoomMark
from portal.db import db
from portal.i18n import lazy_gettext as _l
from portal.labels import LabelledEnum
from portal.models import Building, Floor, Room, Unit, User
from portal.paging import ListPage
from portal.rules import RuleViolation
from portal.timeutil import LOCAL_TZ

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MAX_STANDARD_AREA = Decimal("200")
EARLIEST = date(1990, 1, 1)
HAND_BACK_DAYS = 30  # art. 19: offices handed back within a month of a transfer or retirement

# The 2014 national standard (党政机关办公用房建设标准), county-level organs: the default rows.
DEFAULT_STANDARDS = (
    ("县级正职", Decimal("30.00")),
    ("县级副职", Decimal("24.00")),
    ("乡科级", Decimal("12.00")),
    ("乡科级以下", Decimal("9.00")),
)

audit.register_labels(
    actions={
        "offices.entry": _l("Room allocation recorded"),
        "offices.seat": _l("Person given an office"),
        "offices.move": _l("Person moved to another office"),
        "offices.hand_back": _l("Office handed back"),
        "offices.exception": _l("Exception to the standard approved"),
        "offices.standard": _l("Office standard changed"),
        "offices.publish": _l("Office allocation published"),
        "offices.stock_take": _l("Office stock-take started"),
        "offices.stock_take_line": _l("Stock-take finding recorded"),
        "offices.stock_take_close": _l("Office stock-take closed"),
    },
    object_types={
        "office_room_entry": _l("Room allocation"),
        "office_seat": _l("Office place"),
        "office_exception": _l("Exception to the standard"),
        "office_standard": _l("Office standard"),
        "office_publication": _l("Office allocation publication"),
        "office_stock_take": _l("Office stock-take"),
        "office_stock_take_line": _l("Stock-take finding"),
    },
)


def today(now: datetime) -> date:
    return now.astimezone(LOCAL_TZ).date()


def max_floor_area() -> Decimal:
    return Decimal(str(current_app.config.get("OFFICES_FLOOR_AREA_M2", 3000)))


# ---------------------------------------------------------------- the standard check (pure)


def per_person(area: Decimal, occupants: int) -> Decimal | None:
    if occupants <= 0:
        return None
    return (area / occupants).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class RoomCheck:
    """One office against the standard: the sum of its occupants' allowances."""

    area: Decimal
    occupants: int
    allowance: Decimal
    exempt: bool = False

    @property
    def per_person(self) -> Decimal | None:
        return per_person(self.area, self.occupants)

    @property
    def excess(self) -> Decimal:
        """Square metres above the standard (0 when within it or empty)."""
        if self.occupants == 0 or self.area <= self.allowance:
            return ZERO
        return self.area - self.allowance

    @property
    def over(self) -> bool:
        return self.excess > 0 and not self.exempt


def check_room(area: Decimal, allowances: Sequence[Decimal], *, exempt: bool = False) -> RoomCheck:
    """``allowances``: the standard area of each occupant's rank (mixed ranks add up)."""
    return RoomCheck(area=area, occupants=len(allowances), allowance=sum(allowances, ZERO), exempt=exempt)


@dataclass(frozen=True)
class UnitCheck:
    """A unit's offices together: rooms with an approved exception are left out on both sides;
    empty offices the unit keeps count in its area."""

    office_area: Decimal
    allowance: Decimal
    occupants: int
    rooms_over: int

    @property
    def excess(self) -> Decimal:
        return max(self.office_area - self.allowance, ZERO)

    @property
    def over(self) -> bool:
        return self.excess > 0


def check_unit(rooms: Iterable[RoomCheck]) -> UnitCheck:
    area = allowance = ZERO
    occupants = over = 0
    for check in rooms:
        if check.exempt:
            continue
        area += check.area
        allowance += check.allowance
        occupants += check.occupants
        over += check.over
    return UnitCheck(office_area=area, allowance=allowance, occupants=occupants, rooms_over=over)


# ---------------------------------------------------------------- the ledger as of a day


@dataclass(frozen=True)
class Occupant:
    seat_id: int
    user_id: int
    name: str
    title: str
    rank: str
    rank_area: Decimal
    since: date


@dataclass(frozen=True)
class LedgerRoom:
    room_id: int
    label: str
    floor: str
    unit_id: int | None
    unit_name: str
    use: RoomUse
    area: Decimal
    occupants: list[Occupant]  # left empty in a ledger read without people (the check still counts them)
    check: RoomCheck | None  # offices only
    exception: str = ""
    unit_short: str = ""

    @property
    def is_office(self) -> bool:
        return self.use is RoomUse.OFFICE

    @property
    def vacant(self) -> bool:
        return self.use is RoomUse.VACANT or (self.check is not None and self.check.occupants == 0)


@dataclass(frozen=True)
class UnitSummary:
    unit_id: int
    name: str
    check: UnitCheck
    office_rooms: int
    service_rooms: int
    service_area: Decimal


@dataclass(frozen=True)
class Ledger:
    """The rooms and units as of a day; the lists and sums below are worked out once, on first use."""

    as_of: date
    rooms: list[LedgerRoom]
    units: list[UnitSummary]

    @cached_property
    def rooms_over(self) -> list[LedgerRoom]:
        return [r for r in self.rooms if r.check is not None and r.check.over]

    @cached_property
    def vacant(self) -> list[LedgerRoom]:
        return [r for r in self.rooms if r.vacant]

    @cached_property
    def units_over(self) -> list[UnitSummary]:
        return [u for u in self.units if u.check.over]

    @cached_property
    def total_area(self) -> Decimal:
        return sum((r.area for r in self.rooms), ZERO)


def _as_of(day: date, columns: Sequence[Any], *, unit_id: int | None, room_ids: Iterable[int] | None):
    """``columns`` of each room's allocation on ``day`` (rooms first recorded later are left out),
    in the ledger's order: by unit, then building, floor and room."""
    latest = (
        select(OfficeRoomEntry.room_id, func.max(OfficeRoomEntry.valid_from).label("since"))
        .where(OfficeRoomEntry.valid_from <= day)
        .group_by(OfficeRoomEntry.room_id)
        .subquery()
    )
    query = (
        select(*columns)
        .join(latest, and_(OfficeRoomEntry.room_id == latest.c.room_id, OfficeRoomEntry.valid_from == latest.c.since))
        .join(Room, OfficeRoomEntry.room_id == Room.id)
        .join(Floor, Room.floor_id == Floor.id)
        .join(Building, Floor.building_id == Building.id)
        .outerjoin(Unit, OfficeRoomEntry.unit_id == Unit.id)
        .order_by(Unit.sort_order.is_(None), Unit.sort_order, Unit.id, Building.sort_order, Floor.level, Room.number)
    )
    if unit_id is not None:
        query = query.where(OfficeRoomEntry.unit_id == unit_id)
    if room_ids is not None:
        query = query.where(OfficeRoomEntry.room_id.in_(list(room_ids) or [-1]))
    return query


def entries_as_of(day: date, *, unit_id: int | None = None, room_ids: Iterable[int] | None = None) -> list[OfficeRoomEntry]:
    """Each room's allocation on ``day``, with its room (floor, building) and unit loaded."""
    query = _as_of(day, [OfficeRoomEntry], unit_id=unit_id, room_ids=room_ids).options(
        joinedload(OfficeRoomEntry.room).joinedload(Room.floor).joinedload(Floor.building),
        joinedload(OfficeRoomEntry.unit),
    )
    return list(db.session.scalars(query).unique())


def entry_on(room_id: int, day: date) -> OfficeRoomEntry | None:
    return db.session.scalar(
        select(OfficeRoomEntry).where(OfficeRoomEntry.room_id == room_id, OfficeRoomEntry.valid_from <= day)
        .order_by(OfficeRoomEntry.valid_from.desc()).limit(1)
    )


def _held_on(day: date):
    return and_(OfficeSeat.start_date <= day, or_(OfficeSeat.end_date.is_(None), OfficeSeat.end_date > day))


def seats_on(day: date, room_ids: Iterable[int]) -> list[OfficeSeat]:
    return list(db.session.scalars(
        select(OfficeSeat).where(OfficeSeat.room_id.in_(list(room_ids) or [-1]), _held_on(day))
        .options(joinedload(OfficeSeat.user), joinedload(OfficeSeat.standard))
        .order_by(OfficeSeat.room_id, OfficeSeat.start_date, OfficeSeat.id)
    ))


def _in_rooms(column, room_ids: Iterable[int] | None):
    """``column`` among ``room_ids``; no condition for ``None`` (every room)."""
    return true() if room_ids is None else column.in_(list(room_ids) or [-1])


def occupants_on(day: date, room_ids: Iterable[int] | None) -> dict[int, list[Occupant]]:
    """Who sits in each of ``room_ids`` (``None``: every room) on ``day``: the columns the ledger shows,
    read in one statement (no seat, person or rank loaded as an object)."""
    rows = db.session.execute(
        select(OfficeSeat.id, OfficeSeat.room_id, OfficeSeat.user_id, User.display_name, User.title,
               OfficeStandard.name, OfficeStandard.area_m2, OfficeSeat.start_date)
        .join(User, OfficeSeat.user_id == User.id)
        .join(OfficeStandard, OfficeSeat.standard_id == OfficeStandard.id)
        .where(_in_rooms(OfficeSeat.room_id, room_ids), _held_on(day))
        .order_by(OfficeSeat.room_id, OfficeSeat.start_date, OfficeSeat.id)
    )
    occupants: dict[int, list[Occupant]] = {}
    for seat_id, room_id, user_id, name, title, rank, rank_area, since in rows:
        occupants.setdefault(room_id, []).append(Occupant(seat_id, user_id, name, title, rank, rank_area, since))
    return occupants


def allowances_on(day: date, room_ids: Iterable[int] | None) -> dict[int, tuple[int, Decimal]]:
    """How many sit in each of ``room_ids`` (``None``: every room) on ``day`` and the sum of their
    allowances: all the check needs, grouped in SQL."""
    rows = db.session.execute(
        select(OfficeSeat.room_id, func.count(), func.sum(OfficeStandard.area_m2))
        .join(OfficeStandard, OfficeSeat.standard_id == OfficeStandard.id)
        .where(_in_rooms(OfficeSeat.room_id, room_ids), _held_on(day))
        .group_by(OfficeSeat.room_id)
    )
    return {room_id: (people, allowance) for room_id, people, allowance in rows}


def exceptions_on(day: date, room_ids: Iterable[int] | None) -> dict[int, OfficeException]:
    """The exception standing on ``day`` for each of ``room_ids`` (``None``: every room)."""
    rows = db.session.scalars(
        select(OfficeException).where(
            _in_rooms(OfficeException.room_id, room_ids), OfficeException.valid_from <= day,
            or_(OfficeException.valid_to.is_(None), OfficeException.valid_to >= day),
        ).order_by(OfficeException.valid_from)
    )
    return {row.room_id: row for row in rows}


def ledger_rooms(day: date, *, unit_id: int | None = None, room_ids: Iterable[int] | None = None,
                 people: bool = True) -> list[LedgerRoom]:
    """Each recorded room on ``day`` with its occupants and check. Three statements; the rooms are read
    as the columns the ledger shows (no entry, room, floor or unit loaded as an object). Without
    ``people`` the occupants are only counted (``allowances_on``), not listed."""
    rows = db.session.execute(_as_of(
        day, [OfficeRoomEntry.room_id, Building.name, Room.number, Floor.label, Floor.level, OfficeRoomEntry.unit_id,
              Unit.name, Unit.short_name, OfficeRoomEntry.use, OfficeRoomEntry.area_m2],
        unit_id=unit_id, room_ids=room_ids,
    )).all()
    # The whole ledger reads every seat and exception of the day (a few belong to rooms not
    # recorded, left unread): binding a hundred room ids costs more than those rows.
    ids = None if unit_id is None and room_ids is None else [row.room_id for row in rows]
    occupants = occupants_on(day, ids) if people else {}
    counted = {} if people else allowances_on(day, ids)
    exceptions = exceptions_on(day, ids)
    rooms: list[LedgerRoom] = []
    for room_id, building, number, floor_label, level, unit, unit_name, unit_short, use, area in rows:
        sitting = occupants.get(room_id, [])
        exception = exceptions.get(room_id)
        check = None
        if use is RoomUse.OFFICE:
            if people:
                check = check_room(area, [p.rank_area for p in sitting], exempt=exception is not None)
            else:
                head_count, allowance = counted.get(room_id, (0, ZERO))
                check = RoomCheck(area=area, occupants=head_count, allowance=allowance, exempt=exception is not None)
        # label and floor as Room.label and Floor.display_label write them
        rooms.append(LedgerRoom(
            room_id=room_id, label=f"{building} {number}", floor=floor_label or f"{level}F",
            unit_id=unit, unit_name=unit_name or "", use=use, area=area, occupants=sitting, check=check,
            exception=f"{exception.reason}（{exception.approved_by}）" if exception else "",
            unit_short=unit_short or unit_name or "",
        ))
    return rooms


def ledger(day: date, *, unit_id: int | None = None, people: bool = True) -> Ledger:
    """The allocation on ``day``: every recorded room, its occupants and the check, per unit.
    ``people=False`` for a page that shows only head counts and areas: the rooms' occupants are
    counted in SQL and left unlisted."""
    rooms = ledger_rooms(day, unit_id=unit_id, people=people)
    return Ledger(as_of=day, rooms=rooms, units=_unit_summaries(rooms))


def _unit_summaries(rooms: Sequence[LedgerRoom]) -> list[UnitSummary]:
    units: list[UnitSummary] = []
    by_unit: dict[int, list[LedgerRoom]] = {}
    for room in rooms:
        if room.unit_id is not None:
            by_unit.setdefault(room.unit_id, []).append(room)
    for uid, unit_rooms in by_unit.items():
        offices = [r for r in unit_rooms if r.check is not None]
        service = [r for r in unit_rooms if r.check is None]
        units.append(UnitSummary(
            unit_id=uid, name=unit_rooms[0].unit_name, check=check_unit(r.check for r in offices),
            office_rooms=len(offices), service_rooms=len(service), service_area=sum((r.area for r in service), ZERO),
        ))
    return units


# ---------------------------------------------------------------- the ledger's facts, kept between requests

# What the office records are and name: the offices' own records and the rooms, floors and units.
LEDGER_AREAS = ("offices", "building")


@dataclass(frozen=True, slots=True)
class LedgerFacts:
    """Every dated office record, as plain values, with the order the ledger lists rooms and
    units in (as the database sorts them): all a ledger of head counts and areas is worked out
    from, for any day. A few hundred rows; the same for every day, page and viewer."""

    # room id → (place in the building's order, building name, room number, floor label, floor level)
    rooms: dict[int, tuple[int, str, str, str | None, int]]
    # unit id → (place in the units' order, name, short name)
    units: dict[int, tuple[int, str, str]]
    # room id → its entries, oldest first: (valid from, unit id, use, use area)
    entries: dict[int, tuple[tuple[date, int | None, RoomUse, Decimal], ...]]
    # every seat: (room id, start, end or None, the allowance of its rank)
    seats: tuple[tuple[int, date, date | None, Decimal], ...]
    # every exception, by valid_from: (room id, valid from, valid to or None, reason, approved by)
    exceptions: tuple[tuple[int, date, date | None, str, str], ...]


_FACT_ROOMS = (
    select(Room.id, Building.name, Room.number, Floor.label, Floor.level)
    .join(Floor, Room.floor_id == Floor.id).join(Building, Floor.building_id == Building.id)
    .order_by(Building.sort_order, Floor.level, Room.number, Room.id)
)
_FACT_UNITS = select(Unit.id, Unit.name, Unit.short_name).order_by(Unit.sort_order, Unit.id)
_FACT_ENTRIES = select(
    OfficeRoomEntry.room_id, OfficeRoomEntry.valid_from, OfficeRoomEntry.unit_id, OfficeRoomEntry.use,
    OfficeRoomEntry.area_m2,
).order_by(OfficeRoomEntry.room_id, OfficeRoomEntry.valid_from)
_FACT_SEATS = select(
    OfficeSeat.room_id, OfficeSeat.start_date, OfficeSeat.end_date, OfficeStandard.area_m2
).join(OfficeStandard, OfficeSeat.standard_id == OfficeStandard.id).order_by(OfficeSeat.id)
_FACT_EXCEPTIONS = select(
    OfficeException.room_id, OfficeException.valid_from, OfficeException.valid_to, OfficeException.reason,
    OfficeException.approved_by,
).order_by(OfficeException.valid_from, OfficeException.id)


def _read_ledger_facts() -> LedgerFacts:
    session = db.session
    rooms = {row[0]: (place, *row[1:]) for place, row in enumerate(session.execute(_FACT_ROOMS))}
    units = {row[0]: (place, row[1], row[2]) for place, row in enumerate(session.execute(_FACT_UNITS))}
    entries: dict[int, list[tuple[date, int | None, RoomUse, Decimal]]] = {}
    for room_id, valid_from, unit_id, use, area in session.execute(_FACT_ENTRIES):
        entries.setdefault(room_id, []).append((valid_from, unit_id, use, area))
    return LedgerFacts(
        rooms=rooms, units=units, entries={room_id: tuple(rows) for room_id, rows in entries.items()},
        seats=tuple(tuple(row) for row in session.execute(_FACT_SEATS)),
        exceptions=tuple(tuple(row) for row in session.execute(_FACT_EXCEPTIONS)),
    )


def ledger_facts() -> LedgerFacts:
    """The ledger's facts, kept while the office records, rooms and units are unchanged."""
    from portal.cache import cached_facts

    return cached_facts(LEDGER_AREAS, "offices.ledger_facts", _read_ledger_facts)


def ledger_counts(day: date) -> Ledger:
    """``ledger(day, people=False)`` worked out from the kept facts: the same rooms, checks and units,
    in the same order, with no statement of its own once the facts are kept."""
    facts = ledger_facts()
    counted: dict[int, tuple[int, Decimal]] = {}
    for room_id, start, end, allowance in facts.seats:
        if start <= day and (end is None or end > day):
            people, held = counted.get(room_id, (0, ZERO))
            counted[room_id] = (people + 1, held + allowance)
    exceptions: dict[int, tuple[str, str]] = {}
    for room_id, valid_from, valid_to, reason, approved_by in facts.exceptions:
        if valid_from <= day and (valid_to is None or valid_to >= day):
            exceptions[room_id] = (reason, approved_by)
    found = []
    last_unit = len(facts.units)
    for room_id, history in facts.entries.items():
        room = facts.rooms.get(room_id)
        if room is None:
            continue
        current = None
        for entry in history:
            if entry[0] > day:
                break
            current = entry
        if current is None:
            continue
        unit = facts.units.get(current[1]) if current[1] is not None else None
        found.append(((unit[0] if unit is not None else last_unit, room[0]), room_id, room, current, unit))
    found.sort(key=lambda item: item[0])
    rooms: list[LedgerRoom] = []
    for _order, room_id, (_place, building, number, floor_label, level), current, unit in found:
        _from, unit_id, use, area = current
        exception = exceptions.get(room_id)
        check = None
        if use is RoomUse.OFFICE:
            head_count, allowance = counted.get(room_id, (0, ZERO))
            check = RoomCheck(area=area, occupants=head_count, allowance=allowance, exempt=exception is not None)
        unit_name = unit[1] if unit is not None else None
        unit_short = unit[2] if unit is not None else None
        rooms.append(LedgerRoom(
            room_id=room_id, label=f"{building} {number}", floor=floor_label or f"{level}F",
            unit_id=unit_id, unit_name=unit_name or "", use=use, area=area, occupants=[], check=check,
            exception=f"{exception[0]}（{exception[1]}）" if exception else "",
            unit_short=unit_short or unit_name or "",
        ))
    return Ledger(as_of=day, rooms=rooms, units=_unit_summaries(rooms))


@dataclass(frozen=True)
class RoomHistory:
    room: Room
    current: OfficeRoomEntry | None
    entries: list[OfficeRoomEntry]
    seats: list[OfficeSeat]
    exceptions: list[OfficeException]
    check: RoomCheck | None


def room_history(room: Room, day: date) -> RoomHistory:
    entries = list(db.session.scalars(
        select(OfficeRoomEntry).where(OfficeRoomEntry.room_id == room.id)
        .options(joinedload(OfficeRoomEntry.unit)).order_by(OfficeRoomEntry.valid_from.desc())
    ))
    seats = list(db.session.scalars(
        select(OfficeSeat).where(OfficeSeat.room_id == room.id)
        .options(joinedload(OfficeSeat.user), joinedload(OfficeSeat.standard))
        .order_by(OfficeSeat.end_date.is_not(None), OfficeSeat.start_date.desc(), OfficeSeat.id.desc())
    ))
    exceptions = list(db.session.scalars(
        select(OfficeException).where(OfficeException.room_id == room.id).order_by(OfficeException.valid_from.desc())
    ))
    current = next((e for e in entries if e.valid_from <= day), None)
    check = None
    if current is not None and current.use is RoomUse.OFFICE:
        held = [s.standard.area_m2 for s in seats if s.holds_on(day)]
        check = check_room(current.area_m2, held, exempt=any(x.holds_on(day) for x in exceptions))
    return RoomHistory(room, current, entries, seats, exceptions, check)


# ---------------------------------------------------------------- choices for the forms


def standard_rows() -> list[OfficeStandard]:
    return list(db.session.scalars(select(OfficeStandard).order_by(OfficeStandard.sort_order, OfficeStandard.id)))


def standard_options() -> list[tuple[int, str]]:
    return [(s.id, f"{s.name} · {s.area_m2} m²") for s in standard_rows()]


def unit_options() -> list[tuple[int, str]]:
    return [(i, n) for i, n in db.session.execute(select(Unit.id, Unit.name).order_by(Unit.sort_order, Unit.id))]


def people_options(unit_id: int | None) -> list[tuple[int, str]]:
    """Active staff of the unit, to give an office."""
    if unit_id is None:
        return []
    rows = db.session.execute(
        select(User.id, User.display_name, User.title).where(User.unit_id == unit_id, User.active.is_(True))
        .order_by(User.display_name, User.id)
    )
    return [(i, f"{name} · {title}" if title else name) for i, name, title in rows]


def office_options(day: date, unit_id: int | None) -> list[tuple[int, str]]:
    """Offices (as of ``day``) of a unit, to move someone to."""
    return [(e.room_id, e.room.label) for e in entries_as_of(day, unit_id=unit_id) if e.use is RoomUse.OFFICE]


# ---------------------------------------------------------------- rules shared by the changes


def _area(value: Any, field_name: str, limit: Decimal, too_large: Any) -> Decimal:
    if value is None or value == "":
        raise RuleViolation(_l("Write the use area in square metres."), field=field_name)
    try:
        area = Decimal(value) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError):
        raise RuleViolation(_l("Write the use area in square metres, such as 18 or 24.5."), field=field_name) from None
    if not area.is_finite():
        raise RuleViolation(_l("Write the use area in square metres, such as 18 or 24.5."), field=field_name)
    if area <= 0:
        raise RuleViolation(_l("An area must be more than zero."), field=field_name)
    if area > limit:
        raise RuleViolation(too_large, field=field_name)
    if area != area.quantize(CENT):
        raise RuleViolation(_l("At most two decimal places."), field=field_name)
    return area.quantize(CENT)


def _day(value: date | None, now: datetime, field_name: str) -> date:
    if value is None:
        raise RuleViolation(_l("Give the date."), field=field_name)
    if value < EARLIEST:
        raise RuleViolation(_l("The ledger starts in 1990."), field=field_name)
    if value > today(now):
        raise RuleViolation(_l("The ledger records what has happened: the date cannot be in the future."), field=field_name)
    return value


def _text(value: str | None, limit: int, field_name: str, *, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise RuleViolation(_l("This field is required."), field=field_name)
    if len(value) > limit:
        raise RuleViolation(_l("At most %(n)s characters.", n=limit), field=field_name)
    return value


def _use(value: Any) -> RoomUse:
    try:
        return RoomUse(value)
    except ValueError:
        raise RuleViolation(_l("Not a valid choice."), field="use") from None


def _standard(standard_id: int | None) -> OfficeStandard:
    standard = db.session.get(OfficeStandard, standard_id) if standard_id is not None else None
    if standard is None:
        raise RuleViolation(_l("Choose a rank from the standard table."), field="standard_id")
    return standard


ENTRY_FIELDS = ("room_id", "valid_from", "unit_id", "use", "area_m2", "note")
SEAT_FIELDS = ("room_id", "user_id", "standard_id", "start_date", "end_date", "end_reason")


# ---------------------------------------------------------------- rooms


@dataclass
class EntryDraft:
    unit_id: int | None
    use: Any
    area_m2: Any
    valid_from: date | None
    note: str = ""


def record_entry(room: Room, draft: EntryDraft, *, actor: User | None, now: datetime) -> OfficeRoomEntry:
    """Record a room's allocation from a day on (a correction when that day already has one)."""
    use = _use(draft.use)
    limit = max_floor_area()
    area = _area(draft.area_m2, "area_m2", limit,
                 _l("Larger than a whole floor (%(limit)s m²): check the figure.", limit=limit))
    day = _day(draft.valid_from, now, "valid_from")
    note = _text(draft.note, 200, "note")
    unit_id = draft.unit_id
    if use is RoomUse.VACANT:
        unit_id = None
    elif unit_id is None or db.session.get(Unit, unit_id) is None:
        raise RuleViolation(_l("Choose the unit the room is allocated to (or record it as vacant)."), field="unit_id")
    later = db.session.scalar(
        select(func.max(OfficeRoomEntry.valid_from)).where(OfficeRoomEntry.room_id == room.id)
    )
    if later is not None and day < later:
        raise RuleViolation(_l("This room has a record from %(day)s: changes are recorded in date order.",
                               day=later.isoformat()), field="valid_from")
    floor_total = sum(
        (e.area_m2 for e in entries_as_of(day) if e.room.floor_id == room.floor_id and e.room_id != room.id), ZERO
    )
    if floor_total + area > limit:
        raise RuleViolation(_l("The rooms recorded on this floor would add up to more than a whole floor (%(limit)s m²).",
                               limit=limit), field="area_m2")
    held = db.session.scalars(
        select(OfficeSeat).where(OfficeSeat.room_id == room.id,
                                 or_(OfficeSeat.end_date.is_(None), OfficeSeat.end_date > day))
        .options(joinedload(OfficeSeat.user))
    ).all()
    wrong = [s for s in held if use is not RoomUse.OFFICE or s.user.unit_id != unit_id]
    if wrong:
        raise RuleViolation(_l("%(names)s still sit here: move them or record the hand-back first.",
                               names="、".join(s.user.display_name for s in wrong)), field="use")
    entry = db.session.scalar(
        select(OfficeRoomEntry).where(OfficeRoomEntry.room_id == room.id, OfficeRoomEntry.valid_from == day)
    )
    before = audit.snapshot(entry, ENTRY_FIELDS) if entry is not None else None
    if entry is None:
        entry = OfficeRoomEntry(room_id=room.id, valid_from=day)
        db.session.add(entry)
    entry.unit_id = unit_id
    entry.use = use
    entry.area_m2 = area
    entry.note = note
    entry.recorded_at = now
    entry.recorded_by_id = actor.id if actor is not None else None
    # the directory shows the room's unit and area: keep them in step with the ledger
    room.unit_id = unit_id
    room.area_m2 = area
    db.session.flush()
    audit.record(actor, "offices.entry", entry, before=before, after=audit.snapshot(entry, ENTRY_FIELDS),
                 summary=f"{room.label}")
    return entry


# ---------------------------------------------------------------- people


@dataclass
class SeatDraft:
    user_id: int | None
    standard_id: int | None
    start_date: date | None


def _open_seat(user_id: int, from_day: date, *, besides: int | None = None) -> OfficeSeat | None:
    query = select(OfficeSeat).where(
        OfficeSeat.user_id == user_id, or_(OfficeSeat.end_date.is_(None), OfficeSeat.end_date > from_day)
    ).options(joinedload(OfficeSeat.room).joinedload(Room.floor).joinedload(Floor.building))
    if besides is not None:
        query = query.where(OfficeSeat.id != besides)
    return db.session.scalars(query.limit(1)).first()


def _check_place(room: Room, person: User, day: date) -> None:
    entry = entry_on(room.id, day)
    if entry is None or entry.use is not RoomUse.OFFICE:
        raise RuleViolation(_l("On that day %(room)s is not recorded as an office.", room=room.label), field="room_id")
    if entry.unit_id != person.unit_id:
        raise RuleViolation(_l("%(room)s is not an office of %(name)s's unit on that day.", room=room.label,
                               name=person.display_name), field="room_id")


def _new_seat(room: Room, person: User, standard: OfficeStandard, day: date) -> OfficeSeat:
    seat = OfficeSeat(room_id=room.id, user_id=person.id, standard_id=standard.id, start_date=day)
    db.session.add(seat)
    person.office_room_id = room.id  # the directory shows where they sit
    db.session.flush()
    return seat


def seat_person(room: Room, draft: SeatDraft, *, actor: User | None, now: datetime) -> OfficeSeat:
    """Give a person a place in an office of their unit from a day on."""
    person = db.session.get(User, draft.user_id) if draft.user_id is not None else None
    if person is None:
        raise RuleViolation(_l("Choose a person."), field="user_id")
    if not person.active or person.unit_id is None:
        raise RuleViolation(_l("%(name)s has left or retired: no office is given.", name=person.display_name),
                            field="user_id")
    standard = _standard(draft.standard_id)
    day = _day(draft.start_date, now, "start_date")
    _check_place(room, person, day)
    other = _open_seat(person.id, day)
    if other is not None:
        raise RuleViolation(_l("%(name)s already has an office (%(room)s): move them instead.",
                               name=person.display_name, room=other.room.label), field="user_id")
    seat = _new_seat(room, person, standard, day)
    audit.record(actor, "offices.seat", seat, after=audit.snapshot(seat, SEAT_FIELDS),
                 summary=f"{person.display_name} → {room.label}")
    return seat


@dataclass
class MoveDraft:
    room_id: int | None
    standard_id: int | None
    on: date | None


def _check_end(seat: OfficeSeat, day: date) -> None:
    if seat.end_date is not None:
        raise RuleViolation(_l("This place was already handed back on %(day)s.", day=seat.end_date.isoformat()))
    if day <= seat.start_date:
        raise RuleViolation(_l("The date must be after the day they moved in (%(day)s).",
                                day=seat.start_date.isoformat()), field="on")


def _end(seat: OfficeSeat, day: date, reason: str) -> None:
    _check_end(seat, day)
    seat.end_date = day
    seat.end_reason = reason


def move_seat(seat: OfficeSeat, draft: MoveDraft, *, actor: User | None, now: datetime) -> OfficeSeat:
    """Move a person to another office (or re-rank them in the same one) from a day on."""
    room = db.session.get(Room, draft.room_id) if draft.room_id is not None else None
    if room is None:
        raise RuleViolation(_l("Choose the office they move to."), field="room_id")
    standard = _standard(draft.standard_id if draft.standard_id is not None else seat.standard_id)
    day = _day(draft.on, now, "on")
    person = seat.user
    if room.id == seat.room_id and standard.id == seat.standard_id:
        raise RuleViolation(_l("Choose another office or another rank."), field="room_id")
    if not person.active or person.unit_id is None:
        raise RuleViolation(_l("%(name)s has left or retired: record the hand-back instead.",
                               name=person.display_name), field="room_id")
    _check_end(seat, day)
    _check_place(room, person, day)
    if _open_seat(person.id, day, besides=seat.id) is not None:
        raise RuleViolation(_l("%(name)s has another office from that day.", name=person.display_name), field="on")
    before = audit.snapshot(seat, SEAT_FIELDS)
    _end(seat, day, "move")
    new = _new_seat(room, person, standard, day)
    audit.record(actor, "offices.move", seat, before=before, after=audit.snapshot(new, SEAT_FIELDS),
                 summary=f"{person.display_name}: {seat.room.label} → {room.label}")
    from portal.blueprints.offices import notify

    notify.handed_back(seat, now=now)
    return new


@dataclass
class HandBackDraft:
    on: date | None
    reason: str = ""


def hand_back(seat: OfficeSeat, draft: HandBackDraft, *, actor: User | None, now: datetime) -> OfficeSeat:
    """The person no longer sits here (left the unit, retired, …) from a day on."""
    day = _day(draft.on, now, "on")
    reason = _text(draft.reason, 200, "reason", required=True)
    _check_end(seat, day)
    before = audit.snapshot(seat, SEAT_FIELDS)
    _end(seat, day, reason)
    if seat.user.office_room_id == seat.room_id:
        seat.user.office_room_id = None
    db.session.flush()
    audit.record(actor, "offices.hand_back", seat, before=before, after=audit.snapshot(seat, SEAT_FIELDS),
                 summary=f"{seat.user.display_name} ← {seat.room.label}")
    from portal.blueprints.offices import notify

    notify.handed_back(seat, now=now)
    return seat


# ---------------------------------------------------------------- exceptions and the standard


@dataclass
class ExceptionDraft:
    reason: str
    approved_by: str
    valid_from: date | None
    valid_to: date | None = None


EXCEPTION_FIELDS = ("room_id", "reason", "approved_by", "valid_from", "valid_to")


def record_exception(room: Room, draft: ExceptionDraft, *, actor: User | None, now: datetime) -> OfficeException:
    reason = _text(draft.reason, 500, "reason", required=True)
    approved_by = _text(draft.approved_by, 120, "approved_by", required=True)
    if draft.valid_from is None:
        raise RuleViolation(_l("Give the date."), field="valid_from")
    if draft.valid_from < EARLIEST:
        raise RuleViolation(_l("The ledger starts in 1990."), field="valid_from")
    if draft.valid_to is not None and draft.valid_to < draft.valid_from:
        raise RuleViolation(_l("The end is before the start."), field="valid_to")
    exception = OfficeException(room_id=room.id, reason=reason, approved_by=approved_by, valid_from=draft.valid_from,
                                valid_to=draft.valid_to, recorded_at=now,
                                recorded_by_id=actor.id if actor is not None else None)
    db.session.add(exception)
    db.session.flush()
    audit.record(actor, "offices.exception", exception, after=audit.snapshot(exception, EXCEPTION_FIELDS),
                 summary=room.label)
    return exception


@dataclass
class StandardDraft:
    name: str
    area_m2: Any
    sort_order: int | None = 0


STANDARD_FIELDS = ("name", "area_m2", "sort_order")


def save_standard(standard: OfficeStandard | None, draft: StandardDraft, *, actor: User | None,
                  now: datetime) -> OfficeStandard:
    name = _text(draft.name, 60, "name", required=True)
    area = _area(draft.area_m2, "area_m2", MAX_STANDARD_AREA,
                 _l("At most %(n)s m² per person.", n=MAX_STANDARD_AREA))
    order = draft.sort_order or 0
    if not 0 <= order <= 1000:
        raise RuleViolation(_l("Must be between %(low)s and %(high)s.", low=0, high=1000), field="sort_order")
    taken = select(OfficeStandard.id).where(OfficeStandard.name == name)
    if standard is not None:
        taken = taken.where(OfficeStandard.id != standard.id)
    if db.session.scalar(taken) is not None:
        raise RuleViolation(_l("The table already has this rank."), field="name")
    before = audit.snapshot(standard, STANDARD_FIELDS) if standard is not None else None
    if standard is None:
        standard = OfficeStandard(name=name, area_m2=area)
        db.session.add(standard)
    standard.name = name
    standard.area_m2 = area
    standard.sort_order = order
    db.session.flush()
    audit.record(actor, "offices.standard", standard, before=before, after=audit.snapshot(standard, STANDARD_FIELDS),
                 summary=name)
    return standard


def ensure_default_standards() -> None:
    """The 2014 standard's county rows, when the table is empty (demo and first use)."""
    if db.session.scalar(select(func.count()).select_from(OfficeStandard)):
        return
    for order, (name, area) in enumerate(DEFAULT_STANDARDS):
        db.session.add(OfficeStandard(name=name, area_m2=area, sort_order=order * 10))
    db.session.flush()


# ---------------------------------------------------------------- hand-backs and vacant rooms


@dataclass(frozen=True)
class PendingHandBack:
    seat: OfficeSeat
    why: Any
    flagged_on: date | None
    overdue: bool


def gone_reason(seat: OfficeSeat, unit_id: int | None) -> Any:
    """Why the person should hand the office back (None: they still belong here)."""
    if not seat.user.active:
        return _l("Left or retired")
    if seat.user.unit_id != unit_id:
        return _l("Now in another unit")
    return None


def pending_hand_backs(day: date) -> list[PendingHandBack]:
    open_seats = db.session.scalars(
        select(OfficeSeat).where(OfficeSeat.end_date.is_(None))
        .options(joinedload(OfficeSeat.user), joinedload(OfficeSeat.room).joinedload(Room.floor).joinedload(Floor.building))
        .order_by(OfficeSeat.flagged_on.is_(None), OfficeSeat.flagged_on, OfficeSeat.id)
    ).all()
    units = {e.room_id: e.unit_id for e in entries_as_of(day, room_ids={s.room_id for s in open_seats})}
    pending = []
    for seat in open_seats:
        why = gone_reason(seat, units.get(seat.room_id))
        if why is not None:
            overdue = seat.flagged_on is not None and day - seat.flagged_on >= timedelta(days=HAND_BACK_DAYS)
            pending.append(PendingHandBack(seat, why, seat.flagged_on, overdue))
    return pending


# ---------------------------------------------------------------- the yearly publication


@dataclass
class PublishDraft:
    year: int | None
    as_of: date | None


def publication_rows(book: Ledger) -> list[dict[str, Any]]:
    """What is published: unit, room, use, area and occupants by position, never contact data."""
    rows = []
    for room in book.rooms:
        check = room.check
        rows.append({
            "unit_id": room.unit_id, "unit": room.unit_name, "room": room.label, "floor": room.floor,
            "use": room.use.value, "area": str(room.area),
            "occupants": [{"name": p.name, "position": p.title, "rank": p.rank} for p in room.occupants],
            "allowance": str(check.allowance) if check else "",
            "per_person": str(check.per_person) if check and check.per_person is not None else "",
            "over": bool(check and check.over), "exempt": bool(check and check.exempt),
        })
    return rows


def publish(draft: PublishDraft, *, actor: User | None, now: datetime) -> OfficePublication:
    """Freeze the allocation as of a day of ``year``; a year is published once and never changed."""
    year = draft.year
    if year is None or not 2000 <= year <= 2199:
        raise RuleViolation(_l("Give the year."), field="year")
    day = _day(draft.as_of, now, "as_of")
    if day.year != year:
        raise RuleViolation(_l("The day must fall in %(year)s.", year=year), field="as_of")
    if db.session.scalar(select(OfficePublication.id).where(OfficePublication.year == year)) is not None:
        raise RuleViolation(_l("The %(year)s allocation is already published; a publication is never changed.",
                               year=year), field="year")
    book = ledger(day)
    if not book.rooms:
        raise RuleViolation(_l("The ledger has no rooms on that day."), field="as_of")
    publication = OfficePublication(year=year, as_of=day, published_at=now, rows=publication_rows(book),
                                    published_by_id=actor.id if actor is not None else None)
    db.session.add(publication)
    db.session.flush()
    audit.record(actor, "offices.publish", publication, after={"year": year, "as_of": day.isoformat(),
                                                               "rooms": len(publication.rows)},
                 summary=str(year))
    return publication


@dataclass(frozen=True)
class PublishedOccupant:
    name: str
    position: str


@dataclass(frozen=True)
class PublishedRoom:
    unit: str
    room: str
    floor: str
    use: RoomUse
    area: Decimal
    occupants: list[PublishedOccupant]
    allowance: Decimal | None
    per_person: Decimal | None
    over: bool
    exempt: bool


@dataclass(frozen=True)
class PublishedUnit:
    unit_id: int | None
    name: str
    rooms: list[PublishedRoom] = field(default_factory=list)

    @property
    def area(self) -> Decimal:
        return sum((r.area for r in self.rooms), ZERO)

    @property
    def people(self) -> int:
        return sum(len(r.occupants) for r in self.rooms)


def _dec(value: str) -> Decimal | None:
    return Decimal(value) if value else None


def published_units(publication: OfficePublication, unit_id: int | None = None) -> list[PublishedUnit]:
    units: dict[Any, PublishedUnit] = {}
    for row in publication.rows:
        if unit_id is not None and row["unit_id"] != unit_id:
            continue
        key = row["unit_id"]
        unit = units.setdefault(key, PublishedUnit(key, row["unit"]))
        unit.rooms.append(PublishedRoom(
            unit=row["unit"], room=row["room"], floor=row["floor"], use=RoomUse(row["use"]),
            area=Decimal(row["area"]), occupants=[PublishedOccupant(o["name"], o["position"]) for o in row["occupants"]],
            allowance=_dec(row["allowance"]), per_person=_dec(row["per_person"]), over=row["over"],
            exempt=row["exempt"],
        ))
    return list(units.values())


@dataclass(frozen=True)
class PublicationHead:
    """A publication as its lists name it (its frozen rows are read only on its own page)."""

    year: int
    as_of: date
    published_at: datetime


def publications(*, limit: int | None = None) -> list[PublicationHead]:
    """The years published, newest first."""
    rows = db.session.execute(
        select(OfficePublication.year, OfficePublication.as_of, OfficePublication.published_at)
        .order_by(OfficePublication.year.desc()).limit(limit)
    )
    return [PublicationHead(*row) for row in rows]


_PUBLICATIONS = select(OfficePublication.year, OfficePublication.as_of, OfficePublication.published_at).order_by(
    OfficePublication.year.desc()
)


def published_years() -> tuple[PublicationHead, ...]:
    """``publications()``, kept while the office records are unchanged (a year is published once)."""
    from portal.cache import cached_facts

    return cached_facts(("offices",), "offices.publications",
                        lambda: tuple(PublicationHead(*row) for row in db.session.execute(_PUBLICATIONS)))


def publication_of(year: int) -> OfficePublication | None:
    return db.session.scalar(select(OfficePublication).where(OfficePublication.year == year))


# ---------------------------------------------------------------- paging lists built in Python




def page_of(items: Sequence[Any], page: int, per_page: int) -> ListPage:
    start = (page - 1) * per_page
    return ListPage(list(items[start:start + per_page]), page, per_page, len(items))


def unrecorded_rooms_query():
    """Rooms of the building not yet in the ledger (meeting rooms and halls are the center's, not a unit's)."""
    from portal.models import RoomKind

    recorded = select(OfficeRoomEntry.room_id)
    return (
        select(Room).join(Floor, Room.floor_id == Floor.id).join(Building, Floor.building_id == Building.id)
        .where(Room.id.not_in(recorded), Room.kind.in_([RoomKind.OFFICE, RoomKind.OTHER]))
        .options(joinedload(Room.floor).joinedload(Floor.building), joinedload(Room.unit))
        .order_by(Building.sort_order, Floor.level, Room.number)
    )


# ---------------------------------------------------------------- floor plans coloured by allocation


class PlanStatus(LabelledEnum):
    OVER = "over", _l("Over the standard"), "danger"
    WITHIN = "within", _l("Within the standard"), "ok"
    EXEMPT = "exempt", _l("Approved exception"), "info"
    VACANT = "vacant", _l("Vacant"), "warn"
    SERVICE = "service", _l("Service room"), "neutral"
    UNRECORDED = "unrecorded", _l("Not in the ledger"), "muted"


@dataclass(frozen=True)
class PlanRoom:
    room_id: int
    number: str
    unit: str
    status: PlanStatus
    area: Decimal | None
    people: int


@dataclass(frozen=True)
class PlanFloor:
    label: str
    rooms: list[PlanRoom]


def _status(line: LedgerRoom) -> PlanStatus:
    if line.vacant:
        return PlanStatus.VACANT
    if line.check is None:
        return PlanStatus.SERVICE
    if line.check.exempt:
        return PlanStatus.EXEMPT
    return PlanStatus.OVER if line.check.over else PlanStatus.WITHIN


def building_options() -> list[tuple[int, str]]:
    return [(i, n) for i, n in db.session.execute(select(Building.id, Building.name).order_by(Building.sort_order, Building.id))]


def floor_plans(building_id: int, day: date) -> list[PlanFloor]:
    """Each floor of the building with its units' rooms, coloured by where they stand against the standard."""
    from portal.models import RoomKind

    rooms = db.session.scalars(
        select(Room).join(Floor, Room.floor_id == Floor.id)
        .where(Floor.building_id == building_id, Room.kind.in_([RoomKind.OFFICE, RoomKind.OTHER]))
        .options(joinedload(Room.floor), joinedload(Room.unit)).order_by(Floor.level, Room.number)
    ).all()
    lines = {line.room_id: line for line in ledger(day).rooms}
    floors: dict[int, PlanFloor] = {}
    for room in rooms:
        floor = floors.setdefault(room.floor.level, PlanFloor(room.floor.display_label, []))
        line = lines.get(room.id)
        if line is None:
            floor.rooms.append(PlanRoom(room.id, room.number, room.unit.short_name or room.unit.name if room.unit else "",
                                        PlanStatus.UNRECORDED, room.area_m2, 0))
        else:
            unit = db.session.get(Unit, line.unit_id) if line.unit_id else None
            floor.rooms.append(PlanRoom(room.id, room.number, (unit.short_name or unit.name) if unit else "",
                                        _status(line), line.area, len(line.occupants)))
    return list(floors.values())


# ---------------------------------------------------------------- the directory's floor plan by allocation

PLAN_FILLS = 8  # .plan-unit-0 … .plan-unit-7 in portal.css, each light enough for the room labels


def fill_slots(floors: Sequence[Sequence[int]], fills: int = PLAN_FILLS) -> list[dict[int, int]]:
    """A fill for each unit (id) on each floor (its units in room order): different units on a
    floor get different fills while there are enough, and a unit keeps its fill on every floor
    where that fill is free."""
    preferred: dict[int, int] = {}
    slots_by_floor = []
    for units in floors:
        ordered = list(dict.fromkeys(units))
        slots: dict[int, int] = {}
        for unit in ordered:
            if unit in preferred and preferred[unit] not in slots.values():
                slots[unit] = preferred[unit]
        for unit in ordered:
            if unit in slots:
                continue
            free = next((i for i in range(fills) if i not in slots.values()), len(slots) % fills)
            slots[unit] = free
            preferred.setdefault(unit, free)
        slots_by_floor.append(slots)
    return slots_by_floor


PLAN_COLUMNS = (_l("Unit"), _l("Use area"), _l("Occupants"), _l("Status"))
PLAN_LEGEND = (
    ("plan-alloc--shared", _l("Shared office (two or more people): thick outline")),
    ("plan-alloc--service", _l("Service room (archives, meeting or equipment room): dotted outline")),
    ("plan-alloc--vacant", _l("Empty, available for reallocation: white, dashed outline")),
    ("plan-alloc--over", _l("Over the standard: red dashed outline and “!”")),
    ("plan-alloc--none", _l("Not in the office ledger: grey")),
)


def _plan_status(line: LedgerRoom) -> str:
    status = _status(line)
    if status is PlanStatus.VACANT:
        return str(_l("Empty office, available for reallocation") if line.is_office else line.use.label)
    if status is PlanStatus.SERVICE:
        return str(line.use.label)
    check = line.check
    assert check is not None
    text = str(_l("Shared office") if check.occupants > 1 else _l("Office"))
    if status is PlanStatus.OVER:
        return str(_l("%(use)s, over the standard by %(excess)s m²", use=text, excess=check.excess))
    if status is PlanStatus.EXEMPT and check.excess > 0:
        return str(_l("%(use)s, above the standard by an approved exception", use=text))
    return text


def _plan_mark(line: LedgerRoom, fill: int | None) -> RoomMark:
    status = _status(line)
    classes = ["plan-alloc"]
    if status is PlanStatus.VACANT:
        classes.append("plan-alloc--vacant")
    else:
        classes.append(f"plan-unit-{fill}")
        if status is PlanStatus.SERVICE:
            classes.append("plan-alloc--service")
        elif len(line.occupants) > 1:
            classes.append("plan-alloc--shared")
        if status is PlanStatus.OVER:
            classes.append("plan-alloc--over")
    caption = line.unit_short or str(_l("Vacant"))
    if status is PlanStatus.OVER:
        caption = f"!{caption}"
    text = _plan_status(line)
    people = len(line.occupants)
    title = str(_l("%(status)s; %(area)s m², occupants: %(n)s", status=text, area=line.area, n=people))
    return RoomMark(" ".join(classes), caption, title,
                    (line.unit_name or "—", f"{line.area} m²", str(people), text))


def _unrecorded_mark(room: Room) -> RoomMark:
    status = str(_l("Not in the office ledger"))
    area = f"{room.area_m2} m²" if room.area_m2 else "—"
    return RoomMark("plan-alloc plan-alloc--none", room.name or ((room.unit.short_name or room.unit.name) if room.unit else ""),
                    status, (room.unit.name if room.unit else "—", area, "—", status))


def allocation_annotations(floors: Sequence[Floor], day: date) -> PlanAnnotations:
    """The directory's floor plan by allocation on ``day``: each unit's rooms in its fill (per floor,
    named in the floor's legend), shared offices, service rooms, empty rooms and rooms over the
    standard marked by outline as well, and a row per room for the table under the plan.
    Three queries, however many rooms (``floors`` come with their rooms loaded)."""
    room_ids = [room.id for floor in floors for room in floor.rooms]
    lines = {line.room_id: line for line in ledger_rooms(day, room_ids=room_ids)}
    allocated = [[lines[r.id].unit_id for r in floor.rooms if r.id in lines and lines[r.id].unit_id is not None
                  and not lines[r.id].vacant] for floor in floors]
    marks: dict[int, RoomMark] = {}
    legends: dict[int, tuple[LegendEntry, ...]] = {}
    for floor, slots in zip(floors, fill_slots(allocated), strict=True):
        names: dict[int, str] = {}
        for room in floor.rooms:
            line = lines.get(room.id)
            if line is None:
                marks[room.id] = _unrecorded_mark(room)
                continue
            marks[room.id] = _plan_mark(line, slots.get(line.unit_id) if line.unit_id is not None else None)
            if line.unit_id in slots:
                names[line.unit_id] = line.unit_name
        legends[floor.id] = tuple(LegendEntry(f"plan-unit-{slots[uid]}", name) for uid, name in names.items())
    legend = tuple(LegendEntry(css, str(label)) for css, label in PLAN_LEGEND)
    return PlanAnnotations(tuple(PLAN_COLUMNS), marks, legends, legend)


# ---------------------------------------------------------------- stock-takes (清查盘点)


@dataclass
class StockTakeDraft:
    on: date | None
    note: str = ""


@dataclass
class FindingDraft:
    found_area: Any
    found_people: int | None
    note: str = ""


MAX_PEOPLE_IN_A_ROOM = 500


def open_stock_take() -> OfficeStockTake | None:
    return db.session.scalar(select(OfficeStockTake).where(OfficeStockTake.closed_at.is_(None)).limit(1))


def start_stock_take(draft: StockTakeDraft, *, actor: User | None, now: datetime) -> OfficeStockTake:
    day = _day(draft.on, now, "on")
    note = _text(draft.note, 200, "note")
    if open_stock_take() is not None:
        raise RuleViolation(_l("A stock-take is under way: close it before starting another."), field="on")
    take = OfficeStockTake(started_on=day, note=note, started_by_id=actor.id if actor is not None else None)
    db.session.add(take)
    db.session.flush()
    audit.record(actor, "offices.stock_take", take, after={"started_on": day.isoformat(), "note": note})
    return take


def record_finding(take: OfficeStockTake, room: Room, draft: FindingDraft, *, actor: User | None,
                   now: datetime) -> OfficeStockTakeLine:
    """What was found in a room; it differs when the area measured or the people there are not the ledger's."""
    if take.closed_at is not None:
        raise RuleViolation(_l("This stock-take is closed."))
    entry = entry_on(room.id, take.started_on)
    if entry is None:
        raise RuleViolation(_l("This room is not in the ledger on the day of the stock-take."))
    area = None
    if draft.found_area not in (None, ""):
        limit = max_floor_area()
        area = _area(draft.found_area, "found_area", limit,
                     _l("Larger than a whole floor (%(limit)s m²): check the figure.", limit=limit))
    people = draft.found_people
    if people is None or not 0 <= people <= MAX_PEOPLE_IN_A_ROOM:
        raise RuleViolation(_l("Must be between %(low)s and %(high)s.", low=0, high=MAX_PEOPLE_IN_A_ROOM),
                            field="found_people")
    note = _text(draft.note, 200, "note")
    held = len(seats_on(take.started_on, [room.id]))
    differs = people != held or (area is not None and area != entry.area_m2)
    line = db.session.scalar(select(OfficeStockTakeLine).where(OfficeStockTakeLine.stock_take_id == take.id,
                                                               OfficeStockTakeLine.room_id == room.id))
    before = audit.snapshot(line, STOCK_FIELDS) if line is not None else None
    if line is None:
        line = OfficeStockTakeLine(stock_take_id=take.id, room_id=room.id)
        db.session.add(line)
    line.found_area, line.found_people, line.note, line.differs, line.recorded_at = area, people, note, differs, now
    db.session.flush()
    audit.record(actor, "offices.stock_take_line", line, before=before, after=audit.snapshot(line, STOCK_FIELDS),
                 summary=room.label)
    return line


STOCK_FIELDS = ("room_id", "found_area", "found_people", "note", "differs")


def close_stock_take(take: OfficeStockTake, *, actor: User | None, now: datetime) -> OfficeStockTake:
    if take.closed_at is not None:
        raise RuleViolation(_l("This stock-take is closed."))
    take.closed_at = now
    db.session.flush()
    audit.record(actor, "offices.stock_take_close", take, after={"closed_at": now.isoformat()})
    return take


@dataclass(frozen=True)
class StockRoom:
    line: LedgerRoom
    finding: OfficeStockTakeLine | None


@dataclass(frozen=True)
class StockFloor:
    floor_id: int
    label: str
    checked: int
    total: int


@dataclass(frozen=True)
class StockTakeView:
    take: OfficeStockTake
    floors: list[StockFloor]
    floor_id: int | None
    rooms: list[StockRoom]
    differences: list[StockRoom]


def stock_take_view(take: OfficeStockTake, floor_id: int | None) -> StockTakeView:
    book = ledger(take.started_on)
    findings = {line.room_id: line for line in take.lines}
    floor_of = {e.room_id: e.room.floor for e in entries_as_of(take.started_on)}
    floors: dict[int, list[StockRoom]] = {}
    labels: dict[int, str] = {}
    order: dict[int, tuple] = {}
    for line in book.rooms:
        floor = floor_of[line.room_id]
        floors.setdefault(floor.id, []).append(StockRoom(line, findings.get(line.room_id)))
        labels[floor.id] = f"{floor.building.name} {floor.display_label}"
        order[floor.id] = (floor.building.sort_order, floor.building_id, floor.level)
    ids = sorted(floors, key=lambda i: order[i])
    summary = [StockFloor(i, labels[i], sum(1 for r in floors[i] if r.finding), len(floors[i])) for i in ids]
    if floor_id not in floors:
        floor_id = next((f.floor_id for f in summary if f.checked < f.total), ids[0] if ids else None)
    rooms = sorted(floors.get(floor_id, []), key=lambda r: r.line.label) if floor_id else []
    differences = [r for i in ids for r in floors[i] if r.finding is not None and r.finding.differs]
    return StockTakeView(take, summary, floor_id, rooms, differences)


def stock_takes() -> list[OfficeStockTake]:
    return list(db.session.scalars(select(OfficeStockTake).order_by(OfficeStockTake.started_on.desc(),
                                                                    OfficeStockTake.id.desc()).limit(50)))
