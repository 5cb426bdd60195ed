"""Utilities workflows on the database: the month under review, saving readings,
replacing meters, invoices, closing a month into bills, and corrections.

The rules themselves live in ``readings`` and ``allocation`` (plain functions);
this module loads what they need and stores what they decide. Nothing here
reads the request: the acting user and the time are parameters. Callers commit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import case, func, or_, select, type_coerce
from sqlalchemy.orm import joinedload, selectinload

from portal import audit
from portal.cache import cached_facts
from portal.blueprints.utilities import notify
from portal.blueprints.utilities.allocation import BillShare, allocate_bill, effective_rate
from portal.blueprints.utilities.models import (
    AllocationKey,
    BillAdjustment,
    BillingMonth,
    CommonArea,
    FixedRatio,
    Invoice,
    Meter,
    MeterKind,
    MeterReading,
    MonthStatus,
    Supply,
    UnitBill,
    UnitBillLine,
    meter_place,
)
from portal.blueprints.utilities.readings import (
    Anomaly,
    FULL_WIDTH,
    LineMonth,
    READING_PLACES,
    MeterSpan,
    SpanUsage,
    add_months,
    find_anomalies,
    is_jump,
    line_usage,
    month_end,
    month_start,
    parse_reading,
    register_advance,
    span_usage,
)
from portal.db import Money, begin_serialized_write, db
from portal.i18n import lazy_gettext as _l
from portal.models import Room, Unit, User
from portal.rules import RuleViolation
from portal.text import contains

HISTORY_MONTHS = 6
KIND_ORDER = {MeterKind.MAIN: 0, MeterKind.UNIT: 1, MeterKind.COMMON: 2}
SUPPLY_ORDER = {Supply.ELECTRICITY: 0, Supply.WATER: 1}


# --- months ---------------------------------------------------------------


def parse_period(text: str) -> date | None:
    """``2025-07`` → 2025-07-01; anything else → None."""
    if len(text) != 7 or text[4] != "-" or not (text[:4].isdigit() and text[5:].isdigit()):
        return None
    year, month = int(text[:4]), int(text[5:])
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        return None
    return date(year, month, 1)


def period_is_open_for_reading(period: date, today: date) -> bool:
    """Readings can be entered for this month and earlier, never for the future."""
    return period <= month_start(today)


def get_month(period: date, *, for_update: bool = False) -> BillingMonth | None:
    """The month, if anything was entered for it. ``for_update`` locks the row on
    PostgreSQL (SQLite's whole-database write lock already serialises writers)."""
    query = select(BillingMonth).where(BillingMonth.period == period)
    if for_update:
        query = query.with_for_update()
    return db.session.scalar(query)


def get_or_create_month(period: date, now: datetime) -> BillingMonth:
    month = get_month(period)
    if month is None:
        month = BillingMonth(period=period, status=MonthStatus.OPEN, created_at=now)
        db.session.add(month)
        db.session.flush()
    return month


def last_closed_period() -> date | None:
    return db.session.scalar(select(func.max(BillingMonth.period)).where(BillingMonth.status == MonthStatus.CLOSED))


def is_final(period: date) -> bool:
    """Closed, or before a closed month (whose use starts from this month's readings)."""
    closed = last_closed_period()
    return closed is not None and period <= closed


def ensure_open(period: date) -> None:
    if is_final(period):
        raise RuleViolation(
            _l("%(month)s is closed; a correction is entered as an adjustment to a bill.", month=f"{period:%Y-%m}")
        )


# --- meters and metering points -----------------------------------------


@dataclass(slots=True, eq=False)
class BookUnit:
    """The few things of a unit that a meter in the book shows or sorts by."""

    id: int
    name: str
    short_name: str
    sort_order: int


@dataclass(slots=True, eq=False)
class BookMeter:
    """A meter as the meter book holds it: its columns and its unit, read as
    plain values. Reviewing a month reads every meter, and building a hundred
    ORM meters with their units cost more than all the rest of the review; the
    book's meters are only read, never changed (edits load the ``Meter``)."""

    id: int
    code: str
    name: str
    serial_no: str
    supply: Supply
    kind: MeterKind
    area: CommonArea | None
    unit_id: int | None
    parent_id: int | None
    replaces_id: int | None
    multiplier: int
    rollover_at: Decimal
    installed_on: date
    initial_reading: Decimal
    removed_on: date | None
    final_reading: Decimal | None
    unit: BookUnit | None

    @property
    def active(self) -> bool:
        return self.removed_on is None

    @property
    def place(self) -> str:
        return meter_place(self.kind, self.area, self.unit)


# The meter columns a BookMeter is made of, in its field order (``unit`` comes last).
BOOK_COLUMNS = (
    Meter.id, Meter.code, Meter.name, Meter.serial_no, Meter.supply, Meter.kind, Meter.area, Meter.unit_id,
    Meter.parent_id, Meter.replaces_id, Meter.multiplier, Meter.rollover_at, Meter.installed_on,
    Meter.initial_reading, Meter.removed_on, Meter.final_reading,
)


def meter_order(meter: Meter | BookMeter) -> tuple:
    unit_order = meter.unit.sort_order if meter.unit is not None else 0
    return (SUPPLY_ORDER[meter.supply], KIND_ORDER[meter.kind], unit_order, meter.code, meter.id)


def active_in(meter: Meter | BookMeter, period: date) -> bool:
    """Whether the meter served any day of the month."""
    if meter.installed_on > month_end(period):
        return False
    return meter.removed_on is None or meter.removed_on >= period


def removed_in(meter: Meter | BookMeter, period: date) -> bool:
    return meter.removed_on is not None and period <= meter.removed_on <= month_end(period)


class MeterBook:
    """Every meter, with the chains of replacements that make metering points."""

    def __init__(self, meters: Iterable[BookMeter]) -> None:
        self.by_id = {m.id: m for m in meters}
        self._line: dict[int, int] = {}
        self._active: dict[date, list[BookMeter]] = {}
        self._successor = {m.replaces_id: m for m in self.by_id.values() if m.replaces_id is not None}

    @classmethod
    def load(cls) -> MeterBook:
        """Every meter as a ``BookMeter``, in one query; a unit's copy is shared by its meters."""
        query = select(*BOOK_COLUMNS, Unit.name, Unit.short_name, Unit.sort_order).outerjoin(Unit, Meter.unit)
        units: dict[int, BookUnit] = {}
        meters = []
        for row in db.session.execute(query):
            unit_id = row[7]
            unit = None
            if unit_id is not None:
                unit = units.get(unit_id) or units.setdefault(unit_id, BookUnit(unit_id, *row[16:]))
            meters.append(BookMeter(*row[:16], unit))
        return cls(meters)

    def line_of(self, meter: BookMeter) -> int:
        """The metering point: the id of the first meter in the replacement chain."""
        if meter.id not in self._line:
            first = meter
            while first.replaces_id is not None and first.replaces_id in self.by_id:
                first = self.by_id[first.replaces_id]
            self._line[meter.id] = first.id
        return self._line[meter.id]

    def parent_line(self, meter: BookMeter) -> int | None:
        parent = self.by_id.get(meter.parent_id) if meter.parent_id is not None else None
        return self.line_of(parent) if parent is not None else None

    def latest(self, meter: BookMeter) -> BookMeter:
        while meter.id in self._successor:
            meter = self._successor[meter.id]
        return meter

    def chain(self, meter: BookMeter) -> list[BookMeter]:
        """The meters of ``meter``'s metering point, oldest first."""
        first = self.by_id[self.line_of(meter)]
        result = [first]
        while result[-1].id in self._successor:
            result.append(self._successor[result[-1].id])
        return result

    def active(self, period: date) -> list[BookMeter]:
        """The meters that served any day of ``period``, in no particular order
        (worked out once per month: a review asks for each month twice)."""
        if period not in self._active:
            end = month_end(period)  # ``active_in`` for every meter, with the month's end worked out once
            self._active[period] = [
                m for m in self.by_id.values()
                if m.installed_on <= end and (m.removed_on is None or m.removed_on >= period)
            ]
        return self._active[period]

    def active_in(self, period: date) -> list[BookMeter]:
        return sorted(self.active(period), key=meter_order)

    def active_mains(self) -> list[BookMeter]:
        return sorted(
            (m for m in self.by_id.values() if m.kind is MeterKind.MAIN and m.active), key=meter_order
        )


def meter_is_locked(meter: Meter) -> bool:
    """A meter that served a closed month keeps its readings, multiplier and place."""
    if meter.id is None:
        return False
    closed = select(BillingMonth.id).where(
        BillingMonth.status == MonthStatus.CLOSED, BillingMonth.period >= month_start(meter.installed_on)
    )
    return db.session.scalar(closed.limit(1)) is not None


# --- a month under review -------------------------------------------------


@dataclass
class MeterRow:
    """One meter in one month: a row of the reading grid."""

    meter: BookMeter
    line: int
    start: Decimal | None
    start_is_initial: bool
    reading: Decimal | None  # this month's reading (None if not read, or removed this month)
    end: Decimal | None  # the reading, or the final reading of a meter removed this month
    usage: SpanUsage
    installed_this_month: bool
    removed_this_month: bool

    @property
    def needs_reading(self) -> bool:
        """Removed meters were read when they were taken out."""
        return not self.removed_this_month


@dataclass
class LineReview:
    key: int
    parent: int | None
    supply: Supply
    kind: MeterKind
    unit_id: int | None
    rows: list[MeterRow]
    usage: SpanUsage
    history: list[Decimal]  # use in the months before, oldest first; only for a point read this month

    @property
    def meter(self) -> BookMeter:
        return self.rows[-1].meter


@dataclass
class MonthReview:
    period: date
    month: BillingMonth | None
    rows: list[MeterRow]
    lines: dict[int, LineReview]
    anomalies: list[Anomaly]
    by_line: dict[int, list[Anomaly]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for anomaly in self.anomalies:
            self.by_line.setdefault(anomaly.key, []).append(anomaly)

    @property
    def blocking(self) -> list[Anomaly]:
        return [a for a in self.anomalies if a.blocking]

    @property
    def warnings(self) -> list[Anomaly]:
        return [a for a in self.anomalies if not a.blocking]

    @property
    def supplies(self) -> list[Supply]:
        return sorted({line.supply for line in self.lines.values()}, key=SUPPLY_ORDER.__getitem__)

    def rows_for(self, supply: Supply) -> list[MeterRow]:
        return [row for row in self.rows if row.meter.supply == supply]

    def readings_needed(self) -> int:
        return sum(1 for row in self.rows if row.needs_reading)

    def readings_entered(self) -> int:
        return sum(1 for row in self.rows if row.needs_reading and row.reading is not None)

    def total(self, supply: Supply, kind: MeterKind) -> Decimal | None:
        """Use of all metering points of a kind; None while any is unread."""
        total = Decimal(0)
        for line in self.lines.values():
            if line.supply == supply and line.kind == kind:
                if line.usage.usage is None:
                    return None
                total += line.usage.usage
        return total

    def unit_usage(self, supply: Supply) -> dict[int, Decimal]:
        usage: dict[int, Decimal] = defaultdict(Decimal)
        for line in self.lines.values():
            if line.supply == supply and line.kind is MeterKind.UNIT and line.unit_id is not None:
                usage[line.unit_id] += line.usage.usage or Decimal(0)
        return dict(usage)


def _load_readings(first: date, last: date, meter_ids: Iterable[int] | None = None) -> dict[tuple[int, date], Decimal]:
    query = (
        select(MeterReading.meter_id, BillingMonth.period, MeterReading.value)
        .join(BillingMonth, MeterReading.month_id == BillingMonth.id)
        .where(BillingMonth.period >= first, BillingMonth.period <= last)
    )
    if meter_ids is not None:
        query = query.where(MeterReading.meter_id.in_(list(meter_ids)))
    return {(meter_id, period): value for meter_id, period, value in db.session.execute(query)}


def _first_reading_periods(meter_ids: Iterable[int] | None = None) -> dict[int, date]:
    query = (
        select(MeterReading.meter_id, func.min(BillingMonth.period))
        .join(BillingMonth, MeterReading.month_id == BillingMonth.id)
        .group_by(MeterReading.meter_id)
    )
    if meter_ids is not None:
        query = query.where(MeterReading.meter_id.in_(list(meter_ids)))
    return {key: value for key, value in db.session.execute(query)}


def meter_row(
    meter: BookMeter,
    period: date,
    readings: Mapping[tuple[int, date], Decimal],
    first_reading: Mapping[int, date],
    line: int,
) -> MeterRow:
    """Where the register started and ended in ``period`` (the meter must be active)."""
    installed_now = meter.installed_on >= period
    previous = readings.get((meter.id, add_months(period, -1)))
    if installed_now:
        start, start_is_initial = meter.initial_reading, True
    elif previous is not None:
        start, start_is_initial = previous, False
    elif first_reading.get(meter.id) is None or first_reading[meter.id] >= period:
        # First month on record: the register value when the meter was taken on.
        start, start_is_initial = meter.initial_reading, True
    else:
        start, start_is_initial = None, False  # last month's reading is missing
    removed_now = removed_in(meter, period)
    reading = readings.get((meter.id, period))
    end = meter.final_reading if removed_now else reading
    usage = span_usage(MeterSpan(start, end, meter.multiplier, meter.rollover_at))
    return MeterRow(meter, line, start, start_is_initial, None if removed_now else reading, end, usage, installed_now, removed_now)


def _first_readings_needed(
    book: MeterBook, periods: Iterable[date], readings: Mapping[tuple[int, date], Decimal]
) -> dict[int, date]:
    """The first month on record of the meters whose start in one of ``periods``
    depends on it (see ``meter_row``: not installed that month, and no reading the
    month before): one query for those few meters, none when every meter was read."""
    ids = {
        meter.id
        for period in periods
        for meter in book.active(period)
        if meter.installed_on < period and (meter.id, add_months(period, -1)) not in readings
    }
    return _first_reading_periods(ids) if ids else {}


# What the month page is drawn from (unit names, floor areas and headcounts too).
MONTH_AREAS = ("utilities", "building")

_UNREAD: Any = object()  # ``review_month``'s month not given: read it


def review_month(
    period: date, book: MeterBook | None = None, *, typed: Mapping[int, Decimal | None] | None = None,
    month: BillingMonth | None = _UNREAD,
) -> MonthReview:
    """Every meter's use in ``period``, per metering point, and the anomalies.

    ``typed`` (meter id → value, None for an empty box) stands in for the
    stored readings of ``period``: what a refused grid shows is worked out from
    what was typed, not from what is stored.

    The months before are looked at only for the metering points read this
    month (the jump check), and only as far back as the check reaches, so the
    cost does not grow with the years of readings on record.
    """
    book = book or MeterBook.load()
    readings = _load_readings(add_months(period, -1), period)
    for meter_id, value in (typed or {}).items():
        if value is None:
            readings.pop((meter_id, period), None)
        else:
            readings[(meter_id, period)] = value

    first_reading = _first_readings_needed(book, [period], readings)
    rows = [meter_row(m, period, readings, first_reading, book.line_of(m)) for m in book.active_in(period)]
    grouped: dict[int, list[MeterRow]] = defaultdict(list)
    for row in rows:
        grouped[row.line].append(row)
    usage = {key: line_usage(r.usage for r in line_rows) for key, line_rows in grouped.items()}

    # Only a metering point with a use of zero or more this month is checked for a jump.
    checked = {key for key, used in usage.items() if used.usage is not None and used.usage >= 0}
    history: dict[int, list[Decimal]] = defaultdict(list)
    if checked:
        earlier_months = [add_months(period, -back) for back in range(HISTORY_MONTHS, 0, -1)]
        readings |= _load_readings(add_months(period, -HISTORY_MONTHS - 1), add_months(period, -2))
        first_reading |= _first_readings_needed(book, earlier_months, readings)
        for earlier in earlier_months:
            spans: dict[int, list[SpanUsage]] = defaultdict(list)
            for meter in book.active(earlier):
                key = book.line_of(meter)
                if key in checked:
                    spans[key].append(meter_row(meter, earlier, readings, first_reading, key).usage)
            for key, parts in spans.items():
                used = line_usage(parts).usage
                if used is not None and used >= 0:
                    history[key].append(used)

    lines: dict[int, LineReview] = {}
    for key, line_rows in grouped.items():
        latest = line_rows[-1].meter
        lines[key] = LineReview(
            key=key,
            parent=book.parent_line(latest),
            supply=latest.supply,
            kind=latest.kind,
            unit_id=latest.unit_id,
            rows=line_rows,
            usage=usage[key],
            history=history.get(key, []),
        )
    anomalies = find_anomalies(
        [LineMonth(line.key, line.parent if line.parent in lines else None, line.usage) for line in lines.values()],
        {key: line.history for key, line in lines.items()},
    )
    return MonthReview(period, get_month(period) if month is _UNREAD else month, rows, lines, anomalies)


@dataclass(frozen=True)
class ReadingCheck:
    """What one typed reading means for its meter: use, rollover, a jump."""

    row: MeterRow
    raw: str
    value: Decimal | None
    usage: SpanUsage | None
    jump: Decimal | None  # the average the use jumps over
    error: object | None


def check_reading(period: date, meter_id: int, raw: str) -> ReadingCheck | None:
    """The grid's check as you type, for ONE meter (its metering point's history
    only); None when the meter takes no reading in ``period``."""
    book = MeterBook.load()
    meter = book.by_id.get(meter_id)
    if meter is None or not active_in(meter, period) or removed_in(meter, period):
        return None
    chain = book.chain(meter)
    ids = [m.id for m in chain]
    readings = _load_readings(add_months(period, -HISTORY_MONTHS - 1), period, ids)
    first_reading = _first_reading_periods(ids)
    line = book.line_of(meter)
    row = meter_row(meter, period, readings, first_reading, line)
    value = usage = jump = error = None
    try:
        value = parse_reading(raw, meter.rollover_at)
    except RuleViolation as problem:
        error = problem.message
    if value is not None:
        usage = span_usage(MeterSpan(row.start, value, meter.multiplier, meter.rollover_at))
        serving = [m for m in chain if active_in(m, period)]
        if usage.usage is not None and len(serving) == 1:
            history = []
            for back in range(HISTORY_MONTHS, 0, -1):
                earlier = add_months(period, -back)
                rows = [meter_row(m, earlier, readings, first_reading, line) for m in chain if active_in(m, earlier)]
                used = line_usage(r.usage for r in rows).usage if rows else None
                if used is not None and used >= 0:
                    history.append(used)
            jump = is_jump(usage.usage, history)
    return ReadingCheck(row, raw, value, usage, jump, error)


# --- entering readings ----------------------------------------------------


@dataclass(frozen=True)
class ReadingChanges:
    added: int = 0
    changed: int = 0
    cleared: int = 0

    @property
    def any(self) -> bool:
        return bool(self.added or self.changed or self.cleared)


def save_readings(
    period: date,
    values: Mapping[int, Decimal | None],
    *,
    actor: User | None,
    now: datetime,
    clear_missing: bool,
) -> ReadingChanges:
    """Store a month's readings (meter id → value) in one go.

    ``clear_missing``: a None value removes a stored reading (the grid shows
    every meter); otherwise None leaves it alone (an import names some meters).
    Values must already be valid (see ``readings.parse_reading``). One audit
    entry lists what changed.
    """
    if not period_is_open_for_reading(period, now.date()):
        raise RuleViolation(_l("Readings cannot be entered for a future month."))
    begin_serialized_write()
    month = get_month(period, for_update=True)
    ensure_open(period)
    book = MeterBook.load()
    readable = {m.id: m for m in book.active_in(period) if not removed_in(m, period)}
    unknown = set(values) - readable.keys()
    if unknown:
        raise RuleViolation(_l("Some meters were not in service in %(month)s.", month=f"{period:%Y-%m}"))
    existing: dict[int, MeterReading] = {}
    if month is not None:
        existing = {
            r.meter_id: r for r in db.session.scalars(select(MeterReading).where(MeterReading.month_id == month.id))
        }
    before: dict[str, str | None] = {}
    after: dict[str, str | None] = {}
    added = changed = cleared = 0
    for meter_id, value in values.items():
        code = readable[meter_id].code
        value = None if value is None else value.quantize(READING_PLACES)
        current = existing.get(meter_id)
        if value is None:
            if current is not None and clear_missing:
                before[code], after[code] = str(current.value), None
                db.session.delete(current)
                cleared += 1
            continue
        if current is None:
            month = month or get_or_create_month(period, now)
            db.session.add(MeterReading(month_id=month.id, meter_id=meter_id, value=value, entered_at=now,
                                        entered_by_id=actor.id if actor is not None else None))
            before[code], after[code] = None, str(value)
            added += 1
        elif current.value != value:
            before[code], after[code] = str(current.value), str(value)
            current.value = value
            current.entered_at = now
            current.entered_by_id = actor.id if actor is not None else None
            changed += 1
    result = ReadingChanges(added, changed, cleared)
    if result.any:
        month = month or get_or_create_month(period, now)
        audit.record(
            actor,
            "utilities.readings.save",
            month,
            before=before,
            after=after,
            summary=f"{month.label}: +{added} ~{changed} -{cleared}",
        )
        db.session.flush()
        notify.month_changed(period, now=now)
    return result


# --- meters ---------------------------------------------------------------

METER_FIELDS = (
    "code", "name", "serial_no", "supply", "kind", "area", "unit_id", "parent_id", "replaces_id",
    "multiplier", "rollover_at", "installed_on", "initial_reading", "removed_on", "final_reading", "note",
)
LOCKED_FIELDS = ("supply", "kind", "unit_id", "parent_id", "multiplier", "rollover_at", "installed_on", "initial_reading")


def code_taken(code: str, exclude_id: int | None = None) -> bool:
    query = select(Meter.id).where(func.lower(Meter.code) == code.lower())
    if exclude_id is not None:
        query = query.where(Meter.id != exclude_id)
    return db.session.scalar(query) is not None


def check_meter_place(meter: Meter) -> None:
    """The hierarchy: one main meter per supply at the top; sub-meters under a
    main meter of the same supply; a unit meter names its unit, a common-area
    meter its area."""
    if meter.kind is MeterKind.MAIN:
        if meter.parent_id is not None:
            raise RuleViolation(_l("A main meter has no parent meter."))
        other = select(Meter.id).where(
            Meter.supply == meter.supply, Meter.kind == MeterKind.MAIN, Meter.removed_on.is_(None)
        )
        if meter.id is not None:
            other = other.where(Meter.id != meter.id)
        if meter.active and db.session.scalar(other.limit(1)) is not None:
            raise RuleViolation(_l("This supply already has a main meter in service; replace it instead."))
        return
    parent = db.session.get(Meter, meter.parent_id) if meter.parent_id else None
    if parent is None or parent.supply is not meter.supply or parent.id == meter.id:
        raise RuleViolation(_l("Choose the main meter this sub-meter sits under (same supply)."))
    if meter.kind is MeterKind.UNIT and meter.unit_id is None:
        raise RuleViolation(_l("A unit sub-meter needs its unit."))
    if meter.kind is MeterKind.COMMON and meter.area is None:
        raise RuleViolation(_l("A common-area meter needs its area."))


def check_meter_numbers(meter: Meter) -> None:
    if meter.multiplier < 1:
        raise RuleViolation(_l("The multiplier is at least 1."))
    if meter.rollover_at <= 0 or meter.initial_reading < 0 or meter.initial_reading >= meter.rollover_at:
        raise RuleViolation(_l("The initial reading must be between 0 and the register's maximum."))


def create_meter(meter: Meter, *, actor: User | None, now: datetime) -> Meter:
    if code_taken(meter.code):
        raise RuleViolation(_l("Another meter has this code."))
    if meter.kind is not MeterKind.UNIT:
        meter.unit_id = None
    if meter.kind is not MeterKind.COMMON:
        meter.area = None
    check_meter_place(meter)
    check_meter_numbers(meter)
    _check_not_in_closed_month(meter.installed_on, now.date())
    db.session.add(meter)
    audit.record(actor, "utilities.meter.create", meter, after=audit.snapshot(meter, METER_FIELDS), summary=meter.code)
    return meter


def update_meter(meter: Meter, changes: Mapping[str, object], *, actor: User | None, now: datetime) -> Meter:
    """Change a meter's details. Once it has served a closed month, what the
    bills were worked out from (place, multiplier, register, start) stays."""
    before = audit.snapshot(meter, METER_FIELDS)
    if "installed_on" in changes and changes["installed_on"] != meter.installed_on:
        _check_not_in_closed_month(changes["installed_on"], now.date())  # type: ignore[arg-type]
    if meter_is_locked(meter):
        altered = [name for name in LOCKED_FIELDS if name in changes and changes[name] != getattr(meter, name)]
        if altered:
            raise RuleViolation(
                _l("This meter has served a closed month: its place, multiplier, register and initial reading "
                   "can no longer change. Replace the meter instead.")
            )
    if "code" in changes and code_taken(str(changes["code"]), meter.id):
        raise RuleViolation(_l("Another meter has this code."))
    for name, value in changes.items():
        setattr(meter, name, value)
    if meter.kind is not MeterKind.UNIT:
        meter.unit_id = None
    if meter.kind is not MeterKind.COMMON:
        meter.area = None
    check_meter_place(meter)
    check_meter_numbers(meter)
    after = audit.snapshot(meter, METER_FIELDS)
    if after != before:
        audit.record(actor, "utilities.meter.update", meter, before=before, after=after, summary=meter.code)
    return meter


def _check_not_in_closed_month(day: date, today: date) -> None:
    if day > today:
        raise RuleViolation(_l("The date cannot be in the future."))
    closed = last_closed_period()
    if closed is not None and day <= month_end(closed):
        raise RuleViolation(
            _l("%(month)s is closed; choose a date after it.", month=f"{closed:%Y-%m}")
        )


@dataclass(frozen=True)
class Replacement:
    removed_on: date
    final_reading: Decimal
    code: str
    serial_no: str
    multiplier: int
    rollover_at: Decimal
    initial_reading: Decimal


def replace_meter(old: Meter, new: Replacement, *, actor: User | None, now: datetime) -> Meter:
    """Close ``old`` with its final reading and put a new meter in its place.

    The old meter keeps its history; the month of the change counts both
    (old: last reading → final reading; new: initial reading → next reading).
    """
    if not old.active:
        raise RuleViolation(_l("This meter has already been taken out of service."))
    if new.removed_on < old.installed_on:
        raise RuleViolation(_l("A meter cannot be replaced before it was installed."))
    _check_not_in_closed_month(new.removed_on, now.date())
    later = db.session.scalar(
        select(BillingMonth.period)
        .join(MeterReading, MeterReading.month_id == BillingMonth.id)
        .where(MeterReading.meter_id == old.id, BillingMonth.period >= month_start(new.removed_on))
        .order_by(BillingMonth.period)
        .limit(1)
    )
    if later is not None:
        raise RuleViolation(
            _l("The old meter already has a reading for %(month)s; clear it in the reading grid first, "
               "the final reading takes its place.", month=f"{later:%Y-%m}")
        )
    if code_taken(new.code):
        raise RuleViolation(_l("Another meter has this code."))
    check_final_reading(old, new.removed_on, new.final_reading)
    before = audit.snapshot(old, METER_FIELDS)
    old.removed_on = new.removed_on
    old.final_reading = new.final_reading
    successor = Meter(
        code=new.code,
        name=old.name,
        serial_no=new.serial_no,
        supply=old.supply,
        kind=old.kind,
        area=old.area,
        unit_id=old.unit_id,
        parent_id=old.parent_id,
        replaces_id=old.id,
        multiplier=new.multiplier,
        rollover_at=new.rollover_at,
        installed_on=new.removed_on,
        initial_reading=new.initial_reading,
        note="",
    )
    check_meter_numbers(successor)
    db.session.add(successor)
    db.session.flush()
    for child in db.session.scalars(select(Meter).where(Meter.parent_id == old.id, Meter.removed_on.is_(None))):
        child.parent_id = successor.id  # sub-meters now sit under the new main meter
    audit.record(actor, "utilities.meter.remove", old, before=before, after=audit.snapshot(old, METER_FIELDS),
                 summary=f"{old.code} → {successor.code}")
    audit.record(actor, "utilities.meter.create", successor, after=audit.snapshot(successor, METER_FIELDS),
                 summary=f"{successor.code} replaces {old.code}")
    return successor


def last_reading_before(meter: Meter, day: date) -> Decimal:
    """The register's last known value before the month of ``day``: the latest
    monthly reading, or the initial reading when there is none."""
    value = db.session.scalar(
        select(MeterReading.value)
        .join(BillingMonth, MeterReading.month_id == BillingMonth.id)
        .where(MeterReading.meter_id == meter.id, BillingMonth.period < month_start(day))
        .order_by(BillingMonth.period.desc())
        .limit(1)
    )
    return meter.initial_reading if value is None else value


def check_final_reading(meter: Meter, removed_on: date, final_reading: Decimal) -> None:
    """A final reading is in the register's range and not below the last reading
    (unless the register rolled over on the way: the shorter distance decides)."""
    if not (0 <= final_reading < meter.rollover_at):
        raise RuleViolation(_l("The final reading must be between 0 and the register's maximum."), field="final_reading")
    last = last_reading_before(meter, removed_on)
    if register_advance(last, final_reading, meter.rollover_at).amount < 0:
        raise RuleViolation(
            _l("The final reading %(final)s is below the last reading %(last)s; check the register again.",
               final=final_reading, last=last),
            field="final_reading",
        )


def replacement_is_correctable(old: Meter) -> bool:
    """A replacement's final and first readings may be corrected until its month is closed."""
    return old.removed_on is not None and old.replaced_by is not None and not is_final(month_start(old.removed_on))


def correct_replacement(
    old: Meter, *, final_reading: Decimal, initial_reading: Decimal, actor: User | None, now: datetime
) -> Meter:
    """Correct a mistyped final reading of ``old`` or first reading of its successor (audited)."""
    successor = old.replaced_by
    if old.removed_on is None or successor is None:
        raise RuleViolation(_l("This meter has not been replaced."), status=404)
    begin_serialized_write()
    if is_final(month_start(old.removed_on)):
        raise RuleViolation(
            _l("%(month)s is closed; a correction is entered as an adjustment to a bill.", month=f"{old.removed_on:%Y-%m}")
        )
    check_final_reading(old, old.removed_on, final_reading)
    if not (0 <= initial_reading < successor.rollover_at):
        raise RuleViolation(
            _l("The initial reading must be between 0 and the register's maximum."), field="initial_reading"
        )
    before = {"final_reading": old.final_reading, "initial_reading": successor.initial_reading}
    after = {"final_reading": final_reading, "initial_reading": initial_reading}
    if before != after:
        old.final_reading = final_reading
        successor.initial_reading = initial_reading
        audit.record(actor, "utilities.meter.correct_replacement", old, before=before, after=after,
                     summary=f"{old.code} → {successor.code}")
    return old


# --- invoices -------------------------------------------------------------

INVOICE_FIELDS = ("supply", "invoice_no", "amount", "consumption", "allocation_key")


def save_invoice(
    period: date,
    supply: Supply,
    *,
    amount: Decimal,
    consumption: Decimal,
    allocation_key: AllocationKey,
    invoice_no: str,
    actor: User | None,
    now: datetime,
) -> Invoice:
    if not period_is_open_for_reading(period, now.date()):
        raise RuleViolation(_l("Invoices cannot be entered for a future month."))
    if amount < 0 or consumption <= 0:
        raise RuleViolation(_l("Enter the invoiced amount and a consumption above zero."))
    begin_serialized_write()
    ensure_open(period)
    month = get_month(period, for_update=True) or get_or_create_month(period, now)
    invoice = db.session.scalar(select(Invoice).where(Invoice.month_id == month.id, Invoice.supply == supply))
    before = audit.snapshot(invoice, INVOICE_FIELDS) if invoice is not None else None
    if invoice is None:
        invoice = Invoice(month_id=month.id, supply=supply)
        db.session.add(invoice)
    invoice.amount = amount
    invoice.consumption = consumption
    invoice.allocation_key = allocation_key
    invoice.invoice_no = invoice_no
    invoice.entered_at = now
    invoice.entered_by_id = actor.id if actor is not None else None
    after = audit.snapshot(invoice, INVOICE_FIELDS)
    if after != before:
        audit.record(actor, "utilities.invoice.save", invoice, before=before, after=after,
                     summary=f"{month.label} {supply.value} {amount}")
        db.session.flush()
        notify.month_changed(period, now=now)
    return invoice


# --- allocation into bills ------------------------------------------------


def allocation_weights(key: AllocationKey, unit_ids: Iterable[int]) -> dict[int, Decimal]:
    """Each unit's key for the shared remainder, from the core records."""
    ids = sorted(set(unit_ids))
    if key is AllocationKey.EQUAL:
        return {unit_id: Decimal(1) for unit_id in ids}
    if key is AllocationKey.HEADCOUNT:
        rows = db.session.execute(select(Unit.id, Unit.headcount).where(Unit.id.in_(ids)))
        found = {unit_id: Decimal(headcount or 0) for unit_id, headcount in rows}
    else:
        rows = db.session.execute(
            select(Room.unit_id, func.sum(Room.area_m2)).where(Room.unit_id.in_(ids)).group_by(Room.unit_id)
        )
        found = {unit_id: Decimal(area or 0) for unit_id, area in rows}
    return {unit_id: found.get(unit_id, Decimal(0)) for unit_id in ids}


PERCENT = Decimal("0.001")
HUNDRED = Decimal(100)


def check_ratio_entries(entries: Mapping[int, str]) -> tuple[dict[int, Decimal], dict[int, object]]:
    """What was typed as each unit's old percentage of one supply.

    A blank is 0 (the unit paid nothing); each value is 0–100 with at most three
    decimals, and together they make exactly 100. Returns the percentages and
    the problems by unit id (0: the total).
    """
    percents: dict[int, Decimal] = {}
    problems: dict[int, object] = {}
    for unit_id, raw in entries.items():
        text = (raw or "").strip().translate(FULL_WIDTH).removesuffix("%").strip()
        try:
            value = Decimal(text) if text else Decimal(0)
        except InvalidOperation:
            problems[unit_id] = _l("Enter a number.")
            continue
        if not value.is_finite() or not 0 <= value <= HUNDRED or value != value.quantize(PERCENT):
            problems[unit_id] = _l("Enter a percentage from 0 to 100, with at most three decimals.")
            continue
        percents[unit_id] = value.quantize(PERCENT)
    total = sum(percents.values(), Decimal(0))
    if not problems and total != HUNDRED:
        problems[0] = _l("The percentages add up to %(total)s%%, not 100%%.", total=total)
    return percents, problems


def save_fixed_ratios(supply: Supply, percents: Mapping[int, Decimal], *, actor: User | None, now: datetime) -> None:
    """Replace the supply's old percentages (audited); months already closed keep what they were billed with."""
    stored = {r.unit_id: r for r in db.session.scalars(select(FixedRatio).where(FixedRatio.supply == supply))}
    before = {unit_id: r.percent for unit_id, r in stored.items()}
    for unit_id, percent in percents.items():
        row = stored.get(unit_id)
        if row is None:
            db.session.add(FixedRatio(unit_id=unit_id, supply=supply, percent=percent))
        else:
            row.percent = percent
    audit.record(actor, "fixed_ratio.update", object_type="utility_fixed_ratio", object_id=supply.value,
                 before=before, after=dict(percents))


def fixed_ratios(supply: Supply, unit_ids: Iterable[int]) -> dict[int, Decimal] | None:
    """The old percentages of these units; None unless every one has a ratio on record."""
    ids = set(unit_ids)
    rows = db.session.execute(
        select(FixedRatio.unit_id, FixedRatio.percent).where(FixedRatio.supply == supply, FixedRatio.unit_id.in_(ids))
    )
    ratios = {key: value for key, value in rows}
    if set(ratios) != ids or sum(ratios.values(), Decimal(0)) <= 0:
        return None
    return ratios


@dataclass
class SupplyAllocation:
    supply: Supply
    invoice: Invoice
    rate: Decimal | None
    weights: dict[int, Decimal]
    shares: dict[int, BillShare]
    old: dict[int, BillShare] | None


def draft_allocation(review: MonthReview, invoices: Mapping[Supply, Invoice]) -> list[SupplyAllocation]:
    """What each unit would be billed with these readings and invoices."""
    result = []
    for supply in review.supplies:
        invoice = invoices.get(supply)
        usage = review.unit_usage(supply)
        if invoice is None or not usage:
            continue
        weights = allocation_weights(invoice.allocation_key, usage)
        shares = allocate_bill(invoice.amount, invoice.consumption, usage, weights)
        ratios = fixed_ratios(supply, usage)
        old = allocate_bill(invoice.amount, invoice.consumption, {}, ratios) if ratios else None
        result.append(
            SupplyAllocation(supply, invoice, effective_rate(invoice.amount, invoice.consumption), weights, shares, old)
        )
    return result


@dataclass(frozen=True)
class PreviewRow:
    """One unit's draft bill: its share of each supply and the sum."""

    unit: Unit
    shares: dict[Supply, BillShare]
    old: dict[Supply, Decimal]  # what the old fixed ratio would charge, where on record

    @property
    def total(self) -> Decimal:
        return sum((share.total for share in self.shares.values()), Decimal("0.00"))

    @property
    def old_total(self) -> Decimal | None:
        if not self.shares or set(self.old) != set(self.shares):
            return None
        return sum(self.old.values(), Decimal("0.00"))


@dataclass(frozen=True)
class BillPreview:
    """The bills a month's readings and invoices make: shown on the month page
    before closing, and stored as they are when the month closes."""

    allocations: list[SupplyAllocation]
    rows: list[PreviewRow]

    @property
    def supplies(self) -> set[Supply]:
        return {a.supply for a in self.allocations}


def bill_preview(review: MonthReview, invoices: Mapping[Supply, Invoice]) -> BillPreview:
    allocations = draft_allocation(review, invoices)
    unit_ids = sorted({unit_id for a in allocations for unit_id in a.shares})
    units = db.session.scalars(select(Unit).where(Unit.id.in_(unit_ids)).order_by(Unit.sort_order, Unit.id)).all()
    rows = [
        PreviewRow(
            unit,
            {a.supply: a.shares[unit.id] for a in allocations if unit.id in a.shares},
            {a.supply: a.old[unit.id].total for a in allocations if a.old is not None and unit.id in a.old},
        )
        for unit in units
    ]
    return BillPreview(allocations, rows)


def previous_month(month: BillingMonth) -> BillingMonth | None:
    return db.session.scalar(
        select(BillingMonth).where(BillingMonth.period < month.period).order_by(BillingMonth.period.desc()).limit(1)
    )


@dataclass
class Closing:
    """A month that may be closed: what closing it will store."""

    month: BillingMonth
    review: MonthReview
    preview: BillPreview


def _closing(period: date, *, confirm_warnings: bool, for_update: bool) -> Closing:
    month = get_month(period, for_update=for_update)
    if month is None:
        raise RuleViolation(_l("Nothing has been entered for this month yet."))
    ensure_open(period)
    earlier = previous_month(month)
    if earlier is not None and not earlier.closed:
        raise RuleViolation(_l("Close %(month)s first.", month=earlier.label))
    review = review_month(period)
    if not review.lines:
        raise RuleViolation(_l("No meter was in service in this month."))
    if review.blocking:
        raise RuleViolation(_l("Some readings are missing or negative; fix them before closing the month."))
    if review.warnings and not confirm_warnings:
        raise RuleViolation(_l("Confirm that you have checked the flagged readings."), field="confirm_warnings")
    invoices = {invoice.supply: invoice for invoice in month.invoices}
    missing = [supply for supply in review.supplies if supply not in invoices]
    if missing:
        raise RuleViolation(_l("Enter the %(supply)s invoice first.", supply=missing[0].label))
    preview = bill_preview(review, invoices)
    if preview.supplies != set(review.supplies):
        raise RuleViolation(_l("Every supply needs at least one unit sub-meter to bill."))
    return Closing(month, review, preview)


def check_closable(period: date, *, confirm_warnings: bool) -> int:
    """What closing would refuse, asked before the person confirms (changes nothing);
    the number of bills closing would make."""
    return len(_closing(period, confirm_warnings=confirm_warnings, for_update=False).preview.rows)


def close_month(period: date, *, actor: User | None, now: datetime, confirm_warnings: bool, note: str = "") -> BillingMonth:
    """Turn a month's readings and invoices into the units' bills, for good.

    Refused while a reading is missing or negative, while an earlier month is
    open, or while a supply has no invoice; warnings (jumps, sub-meters over
    the main meter) must be confirmed. The bills are the month page's preview.
    """
    actor_id = actor.id if actor is not None else None  # loaded now: no flush between the month's changes
    begin_serialized_write()
    closing = _closing(period, confirm_warnings=confirm_warnings, for_update=True)
    month, review, preview = closing.month, closing.review, closing.preview

    for allocation in preview.allocations:
        invoice = allocation.invoice
        invoice.main_usage = review.total(allocation.supply, MeterKind.MAIN) or Decimal(0)
        invoice.units_usage = review.total(allocation.supply, MeterKind.UNIT) or Decimal(0)
        invoice.common_usage = review.total(allocation.supply, MeterKind.COMMON) or Decimal(0)
    for row in preview.rows:
        bill = UnitBill(month_id=month.id, unit_id=row.unit.id, total=row.total, created_at=now)
        db.session.add(bill)
        for allocation in preview.allocations:
            share = allocation.shares.get(row.unit.id)
            if share is None:
                continue
            bill.lines.append(
                UnitBillLine(
                    supply=allocation.supply,
                    usage=share.usage,
                    rate=allocation.rate,
                    allocation_key=allocation.invoice.allocation_key,
                    weight=share.weight,
                    metered=share.metered,
                    shared=share.shared,
                    total=share.total,
                    old_ratio_amount=row.old.get(allocation.supply),
                )
            )
    month.status = MonthStatus.CLOSED
    month.closed_at = now
    month.closed_by_id = actor_id
    month.close_note = note
    audit.record(
        actor,
        "utilities.month.close",
        month,
        before={"status": MonthStatus.OPEN},
        after={
            "status": MonthStatus.CLOSED,
            "bills": len(preview.rows),
            "confirmed_warnings": [f"{a.kind.value}:{review.lines[a.key].meter.code}" for a in review.warnings],
            **{f"invoice_{a.supply.value}": a.invoice.amount for a in preview.allocations},
        },
        summary=f"{month.label}: {len(preview.rows)} bills",
    )
    notify.month_closed(period, now=now)
    return month


# --- corrections ----------------------------------------------------------


def add_adjustment(
    bill: UnitBill, supply: Supply, amount: Decimal, reason: str, *, actor: User | None, now: datetime
) -> BillAdjustment:
    """A correction to a closed month: a new line on the bill, never an edit."""
    if not bill.month.closed:
        raise RuleViolation(_l("Correct the readings or the invoice instead: this month is still open."))
    if amount == 0:
        raise RuleViolation(_l("An adjustment of zero changes nothing."))
    if not reason.strip():
        raise RuleViolation(_l("Say why the bill is corrected."))
    if supply not in {line.supply for line in bill.lines}:
        raise RuleViolation(_l("This bill has no such supply."))
    supply_total = sum((line.total for line in bill.lines if line.supply is supply), Decimal(0))
    supply_total += sum((a.amount for a in bill.adjustments if a.supply is supply), Decimal(0))
    if supply_total + amount < 0:
        raise RuleViolation(_l("A correction cannot make the bill negative."))
    adjustment = BillAdjustment(
        bill_id=bill.id,
        supply=supply,
        amount=amount,
        reason=reason.strip(),
        created_at=now,
        created_by_id=actor.id if actor is not None else None,
    )
    db.session.add(adjustment)
    audit.record(
        actor,
        "utilities.adjustment.create",
        adjustment,
        after={"bill": bill.number, "supply": supply, "amount": amount, "reason": adjustment.reason},
        summary=f"{bill.number} {supply.value} {amount:+}",
    )
    return adjustment


# --- bills and the comparison report --------------------------------------


def bills_query(unit_id: int | None = None, month_id: int | None = None):
    query = (
        select(UnitBill)
        .join(BillingMonth, UnitBill.month_id == BillingMonth.id)
        .join(Unit, UnitBill.unit_id == Unit.id)
        .options(
            joinedload(UnitBill.month),
            joinedload(UnitBill.unit),
            selectinload(UnitBill.lines),
            selectinload(UnitBill.adjustments),
        )
        .order_by(BillingMonth.period.desc(), Unit.sort_order, Unit.id)
    )
    if unit_id is not None:
        query = query.where(UnitBill.unit_id == unit_id)
    if month_id is not None:
        query = query.where(UnitBill.month_id == month_id)
    return query


@dataclass(frozen=True)
class ComparisonRow:
    unit: Unit
    metered: Decimal
    old_ratio: Decimal

    @property
    def difference(self) -> Decimal:
        """Positive: metering costs the unit more than the old ratio did."""
        return self.metered - self.old_ratio

    @property
    def percent(self) -> Decimal | None:
        if self.old_ratio == 0:
            return None
        return (self.difference * 100 / self.old_ratio).quantize(Decimal("0.1"))


def _corrections_by_line():
    """The corrections of each bill and supply, summed (a subquery)."""
    return (
        select(BillAdjustment.bill_id, BillAdjustment.supply, func.sum(BillAdjustment.amount).label("amount"))
        .group_by(BillAdjustment.bill_id, BillAdjustment.supply)
        .subquery()
    )


def _payable(corrections):
    """A bill line's total with its corrections: what the unit pays for that supply."""
    return type_coerce(UnitBillLine.total + func.coalesce(corrections.c.amount, 0), Money())


def comparison_sums(first: date, last: date, supply: Supply | None = None, unit_id: int | None = None):
    """Per unit over closed months in [first, last]: payable by meter (corrections
    included) vs. by the old ratio (columns ``unit_id``, ``metered``, ``old_ratio``, ``difference``).

    Only bill lines with an old-ratio amount count, so both sums cover the same months.
    """
    corrections = _corrections_by_line()
    payable = _payable(corrections)
    query = (
        select(
            UnitBill.unit_id.label("unit_id"),
            func.sum(payable).label("metered"),
            func.sum(UnitBillLine.old_ratio_amount).label("old_ratio"),
            (func.sum(payable) - func.sum(UnitBillLine.old_ratio_amount)).label("difference"),
        )
        .join(BillingMonth, UnitBill.month_id == BillingMonth.id)
        .join(UnitBillLine, UnitBillLine.bill_id == UnitBill.id)
        .outerjoin(corrections, (corrections.c.bill_id == UnitBillLine.bill_id) & (corrections.c.supply == UnitBillLine.supply))
        .where(BillingMonth.period >= first, BillingMonth.period <= last, UnitBillLine.old_ratio_amount.is_not(None))
        .group_by(UnitBill.unit_id)
    )
    if supply is not None:
        query = query.where(UnitBillLine.supply == supply)
    if unit_id is not None:
        query = query.where(UnitBill.unit_id == unit_id)
    return query


def comparison_rows(first: date, last: date, supply: Supply | None = None, unit_id: int | None = None):
    """The comparison ranked by how much more a unit pays by meter (a select of ``Unit``),
    and a function giving the rows for some of those units."""
    sums = comparison_sums(first, last, supply, unit_id).subquery()
    ranked = select(Unit).join(sums, sums.c.unit_id == Unit.id).order_by(sums.c.difference.desc(), Unit.id)

    def rows_for(units: Iterable[Unit]) -> list[ComparisonRow]:
        units = list(units)
        found = db.session.execute(
            select(sums.c.unit_id, sums.c.metered, sums.c.old_ratio).where(sums.c.unit_id.in_([u.id for u in units]))
        )
        by_unit = {unit_id: (metered, old) for unit_id, metered, old in found}
        return [ComparisonRow(u, *by_unit[u.id]) for u in units if u.id in by_unit]

    return ranked, rows_for


def all_comparison_rows(first: date, last: date, supply: Supply | None = None, unit_id: int | None = None):
    ranked, rows_for = comparison_rows(first, last, supply, unit_id)
    return rows_for(db.session.scalars(ranked).all())


def comparison_totals(first: date, last: date, supply: Supply | None = None, unit_id: int | None = None):
    corrections = _corrections_by_line()
    query = (
        select(func.sum(_payable(corrections)), func.sum(UnitBillLine.old_ratio_amount))
        .join(UnitBill, UnitBillLine.bill_id == UnitBill.id)
        .join(BillingMonth, UnitBill.month_id == BillingMonth.id)
        .outerjoin(corrections, (corrections.c.bill_id == UnitBillLine.bill_id) & (corrections.c.supply == UnitBillLine.supply))
        .where(BillingMonth.period >= first, BillingMonth.period <= last, UnitBillLine.old_ratio_amount.is_not(None))
    )
    if supply is not None:
        query = query.where(UnitBillLine.supply == supply)
    if unit_id is not None:
        query = query.where(UnitBill.unit_id == unit_id)
    metered, old = db.session.execute(query).one()
    return metered or Decimal("0.00"), old or Decimal("0.00")



# --- who reads bills --------------------------------------------------------


def bill_scope(user: User) -> int | None:
    """Whose bills ``user`` may read: None for every unit's (the logistics
    center), else their own unit's id (0 when the account has no unit: none)."""
    from portal.blueprints.utilities import MANAGERS

    if user.has_role(*MANAGERS):
        return None
    return user.unit_id or 0


def may_read_bill(user: User, bill: UnitBill) -> bool:
    scope = bill_scope(user)
    return scope is None or bill.unit_id == scope


# --- the month page ---------------------------------------------------------


@dataclass(frozen=True)
class ReconciliationRow:
    """Where one supply's invoice went: the bills, their corrections, the rest."""

    supply: Supply | None  # None: all supplies
    invoiced: Decimal
    billed: Decimal
    corrections: Decimal

    @property
    def payable(self) -> Decimal:
        return self.billed + self.corrections

    @property
    def borne_by_center(self) -> Decimal:
        """What the units do not pay after the corrections: the logistics center bears it."""
        return self.invoiced - self.payable


def reconciliation(month: BillingMonth) -> list[ReconciliationRow]:
    """A closed month's invoices against its bills and corrections, per supply and in total."""
    zero = Decimal("0.00")
    invoiced = dict(
        db.session.execute(
            select(Invoice.supply, func.sum(Invoice.amount)).where(Invoice.month_id == month.id).group_by(Invoice.supply)
        ).all()
    )
    billed = dict(
        db.session.execute(
            select(UnitBillLine.supply, func.sum(UnitBillLine.total))
            .join(UnitBill, UnitBillLine.bill_id == UnitBill.id)
            .where(UnitBill.month_id == month.id)
            .group_by(UnitBillLine.supply)
        ).all()
    )
    corrected = dict(
        db.session.execute(
            select(BillAdjustment.supply, func.sum(BillAdjustment.amount))
            .join(UnitBill, BillAdjustment.bill_id == UnitBill.id)
            .where(UnitBill.month_id == month.id)
            .group_by(BillAdjustment.supply)
        ).all()
    )
    supplies = sorted(set(invoiced) | set(billed) | set(corrected), key=SUPPLY_ORDER.__getitem__)
    rows = [
        ReconciliationRow(supply, invoiced.get(supply) or zero, billed.get(supply) or zero, corrected.get(supply) or zero)
        for supply in supplies
    ]
    if rows:
        rows.append(
            ReconciliationRow(
                None,
                sum((r.invoiced for r in rows), zero),
                sum((r.billed for r in rows), zero),
                sum((r.corrections for r in rows), zero),
            )
        )
    return rows


@dataclass
class MonthOverview:
    """Everything the month page shows; money only for the logistics center."""

    period: date
    review: MonthReview
    month: BillingMonth | None
    final: bool
    with_money: bool
    invoices: dict[Supply, Invoice] = field(default_factory=dict)
    preview: BillPreview | None = None
    reconciliation: list[ReconciliationRow] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.period:%Y-%m}"

    @property
    def closed(self) -> bool:
        return self.month is not None and self.month.closed

    @property
    def closable(self) -> bool:
        return self.with_money and not self.final


def kept_meter_book() -> MeterBook:
    """The meter book (every meter, its unit and its chain of replacements) as the month page's
    facts: kept while the meters, readings and units are unchanged, the same for every month."""
    return cached_facts(MONTH_AREAS, "utilities.meter_book", MeterBook.load)


def kept_last_closed_period() -> date | None:
    """``last_closed_period()``, kept with the month page's facts (None is read each time)."""
    return cached_facts(MONTH_AREAS, "utilities.last_closed", last_closed_period)


def month_overview(period: date, *, with_money: bool, month: BillingMonth | None = _UNREAD) -> MonthOverview:
    """The month page's figures; ``month``: the month already read (or None), not read again."""
    review = review_month(period, kept_meter_book(), month=month)
    # A closed month is final without asking which month was closed last.
    final = review.month is not None and review.month.closed
    if not final:
        closed = kept_last_closed_period()
        final = closed is not None and period <= closed
    overview = MonthOverview(period, review, review.month, final, with_money)
    if not with_money:
        return overview
    month = review.month
    overview.invoices = {invoice.supply: invoice for invoice in month.invoices} if month is not None else {}
    if month is not None and month.closed:
        overview.reconciliation = reconciliation(month)
    elif not overview.final and not review.blocking and overview.invoices:
        overview.preview = bill_preview(review, overview.invoices)
    return overview


# --- the readings export ----------------------------------------------------


@dataclass(frozen=True)
class UnitWeight:
    unit: Unit
    supply: Supply
    key: AllocationKey
    weight: Decimal


@dataclass
class ReadingsExport:
    """A month's reading sheet: every meter row (replaced ones too) and, for the
    logistics center, the invoices and the allocation keys the bills use."""

    label: str
    rows: list[MeterRow]
    with_money: bool
    invoices: list[Invoice] = field(default_factory=list)
    weights: list[UnitWeight] = field(default_factory=list)


def readings_export(period: date, *, with_money: bool) -> ReadingsExport:
    review = review_month(period)
    export = ReadingsExport(f"{period:%Y-%m}", review.rows, with_money)
    month = review.month
    if not with_money or month is None:
        return export
    export.invoices = sorted(month.invoices, key=lambda invoice: SUPPLY_ORDER[invoice.supply])
    if month.closed:
        for bill in db.session.scalars(bills_query(month_id=month.id)):
            for line in bill.lines:
                export.weights.append(UnitWeight(bill.unit, line.supply, line.allocation_key, line.weight))
        return export
    units = {unit.id: unit for unit in db.session.scalars(select(Unit))}
    for invoice in export.invoices:
        usage = review.unit_usage(invoice.supply)
        for unit_id, weight in allocation_weights(invoice.allocation_key, usage).items():
            export.weights.append(UnitWeight(units[unit_id], invoice.supply, invoice.allocation_key, weight))
    return export


# --- lists the pages show -----------------------------------------------------


def work_periods(today: date) -> list[date]:
    """Months that may still need readings: open ones, last month, this month."""
    periods = set(db.session.scalars(select(BillingMonth.period).where(BillingMonth.status == MonthStatus.OPEN)))
    this_month = month_start(today)
    last_month = add_months(this_month, -1)
    closed = get_month(last_month)
    if closed is None or not closed.closed:
        periods.add(last_month)
    periods.add(this_month)
    return sorted(periods)


def months_to_close(today: date) -> list[date]:
    """Open months before this one: the logistics center's months to close, oldest first."""
    return list(db.session.scalars(
        select(BillingMonth.period)
        .where(BillingMonth.status == MonthStatus.OPEN, BillingMonth.period < month_start(today))
        .order_by(BillingMonth.period)
    ))


def months_query():
    return select(BillingMonth).options(selectinload(BillingMonth.invoices)).order_by(BillingMonth.period.desc())


def reading_counts(month_ids: list[int]) -> dict[int, int]:
    if not month_ids:
        return {}
    rows = db.session.execute(
        select(MeterReading.month_id, func.count()).where(MeterReading.month_id.in_(month_ids)).group_by(MeterReading.month_id)
    )
    return {key: value for key, value in rows}


def month_bills(month: BillingMonth) -> list[UnitBill]:
    return list(db.session.scalars(bills_query(month_id=month.id)))


def latest_bills(unit_id: int, limit: int) -> list[UnitBill]:
    return list(db.session.scalars(bills_query(unit_id=unit_id).limit(limit)))


KIND_SORT = case({MeterKind.MAIN.value: 0, MeterKind.UNIT.value: 1, MeterKind.COMMON.value: 2}, value=Meter.kind)


def meters_query(text: str = "", supply: Supply | None = None, kind: MeterKind | None = None, status: str = "active"):
    """Meters by code, name or unit (a typed ``_`` or ``%`` is literal), supply, kind and whether in service."""
    query = (
        select(Meter)
        .outerjoin(Unit, Meter.unit_id == Unit.id)
        .options(joinedload(Meter.unit), joinedload(Meter.parent))
        .order_by(Meter.supply, KIND_SORT, Unit.sort_order, Meter.code)
    )
    if text:
        query = query.where(
            or_(contains(Meter.code, text), contains(Meter.name, text), contains(Unit.name, text),
                contains(Unit.short_name, text))
        )
    if supply is not None:
        query = query.where(Meter.supply == supply)
    if kind is not None:
        query = query.where(Meter.kind == kind)
    if status == "active":
        query = query.where(Meter.removed_on.is_(None))
    elif status == "removed":
        query = query.where(Meter.removed_on.is_not(None))
    return query


def meter_history_query(meter: Meter):
    return (
        select(MeterReading)
        .join(BillingMonth, MeterReading.month_id == BillingMonth.id)
        .options(joinedload(MeterReading.month), joinedload(MeterReading.entered_by))
        .where(MeterReading.meter_id == meter.id)
        .order_by(BillingMonth.period.desc())
    )


def meter_usage(meter: Meter, readings: Iterable[MeterReading]) -> dict[int, SpanUsage]:
    """The use behind each of these readings of ``meter``."""
    values = dict(
        db.session.execute(
            select(BillingMonth.period, MeterReading.value)
            .join(MeterReading, MeterReading.month_id == BillingMonth.id)
            .where(MeterReading.meter_id == meter.id)
        ).all()
    )
    by_period = {(meter.id, period): value for period, value in values.items()}
    first = {meter.id: min(values)} if values else {}
    return {reading.id: meter_row(meter, reading.month.period, by_period, first, meter.id).usage for reading in readings}


def main_meters() -> list[Meter]:
    return list(db.session.scalars(
        select(Meter).where(Meter.kind == MeterKind.MAIN, Meter.removed_on.is_(None)).order_by(Meter.supply, Meter.code)
    ))


def units_query():
    return select(Unit).order_by(Unit.sort_order, Unit.id)


def all_units() -> list[Unit]:
    return list(db.session.scalars(units_query()))


def get_invoice(month: BillingMonth | None, supply: Supply) -> Invoice | None:
    if month is None:
        return None
    return db.session.scalar(select(Invoice).where(Invoice.month_id == month.id, Invoice.supply == supply))


def closed_months() -> list[BillingMonth]:
    return list(db.session.scalars(
        select(BillingMonth).where(BillingMonth.status == MonthStatus.CLOSED).order_by(BillingMonth.period.desc())
    ))


def comparison_range(year: int | None, today: date) -> tuple[date, date, int | None, list[int]]:
    """The months compared: a calendar year, or the last twelve closed months."""
    periods = db.session.scalars(
        select(BillingMonth.period).where(BillingMonth.status == MonthStatus.CLOSED).order_by(BillingMonth.period)
    ).all()
    years = sorted({p.year for p in periods}, reverse=True)
    if year in years:
        return date(year, 1, 1), date(year, 12, 1), year, years
    last = periods[-1] if periods else month_start(today)
    return add_months(last, -11), last, None, years


@dataclass(frozen=True)
class RatioTable:
    percent: dict[tuple[int, Supply], Decimal]
    totals: dict[Supply, Decimal]


def ratio_table(units: Iterable[Unit]) -> RatioTable:
    ids = [u.id for u in units]
    found = db.session.execute(
        select(FixedRatio.unit_id, FixedRatio.supply, FixedRatio.percent).where(FixedRatio.unit_id.in_(ids))
    )
    percent = {(unit_id, supply): value for unit_id, supply, value in found}
    totals = dict(db.session.execute(select(FixedRatio.supply, func.sum(FixedRatio.percent)).group_by(FixedRatio.supply)).all())
    return RatioTable(percent, totals)


def stored_ratios(supply: Supply) -> dict[int, Decimal]:
    return dict(db.session.execute(select(FixedRatio.unit_id, FixedRatio.percent).where(FixedRatio.supply == supply)).all())
