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

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from portal import audit
from portal.blueprints.utilities.allocation import BillShare, allocate_bill, effective_rate
from portal.blueprints.utilities.models import (
    AllocationKey,
    BillAdjustment,
    BillingMonth,
    FixedRatio,
    Invoice,
    Meter,
    MeterKind,
    MeterReading,
    MonthStatus,
    Supply,
    UnitBill,
    UnitBillLine,
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
    in_english,
    line_usage,
    month_end,
    month_start,
    span_usage,
)
from portal.db import begin_serialized_write, db
from portal.models import Room, Unit, User

HISTORY_MONTHS = 6
KIND_ORDER = {MeterKind.MAIN: 0, MeterKind.UNIT: 1, MeterKind.COMMON: 2}
SUPPLY_ORDER = {Supply.ELECTRICITY: 0, Supply.WATER: 1}


class UtilityError(Exception):
    """A request the rules refuse; ``message`` is a (lazy) translated sentence."""

    def __init__(self, message) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return in_english(self.message)


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


def get_or_create_month(period: date, at: datetime) -> BillingMonth:
    month = get_month(period)
    if month is None:
        month = BillingMonth(period=period, status=MonthStatus.OPEN, created_at=at)
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
        raise UtilityError(
            _l("%(month)s is closed; a correction is entered as an adjustment to a bill.", month=f"{period:%Y-%m}")
        )


# --- meters and metering points -----------------------------------------


def meter_order(meter: Meter) -> tuple:
    unit_order = meter.unit.sort_order if meter.unit is not None else 0
    return (SUPPLY_ORDER[meter.supply], KIND_ORDER[meter.kind], unit_order, meter.code, meter.id)


def active_in(meter: Meter, period: date) -> bool:
    """Whether the meter served any day of the month."""
    if meter.installed_on > month_end(period):
        return False
    return meter.removed_on is None or meter.removed_on >= period


def removed_in(meter: Meter, period: date) -> bool:
    return meter.removed_on is not None and period <= meter.removed_on <= month_end(period)


class MeterBook:
    """Every meter, with the chains of replacements that make metering points."""

    def __init__(self, meters: Iterable[Meter]) -> None:
        self.by_id = {m.id: m for m in meters}
        self._line: dict[int, int] = {}
        self._successor = {m.replaces_id: m for m in self.by_id.values() if m.replaces_id is not None}

    @classmethod
    def load(cls) -> MeterBook:
        return cls(db.session.scalars(select(Meter).options(joinedload(Meter.unit))))

    def line_of(self, meter: Meter) -> int:
        """The metering point: the id of the first meter in the replacement chain."""
        if meter.id not in self._line:
            first = meter
            while first.replaces_id is not None and first.replaces_id in self.by_id:
                first = self.by_id[first.replaces_id]
            self._line[meter.id] = first.id
        return self._line[meter.id]

    def parent_line(self, meter: Meter) -> int | None:
        parent = self.by_id.get(meter.parent_id) if meter.parent_id is not None else None
        return self.line_of(parent) if parent is not None else None

    def latest(self, meter: Meter) -> Meter:
        while meter.id in self._successor:
            meter = self._successor[meter.id]
        return meter

    def chain(self, meter: Meter) -> list[Meter]:
        """The meters of ``meter``'s metering point, oldest first."""
        first = self.by_id[self.line_of(meter)]
        result = [first]
        while result[-1].id in self._successor:
            result.append(self._successor[result[-1].id])
        return result

    def active_in(self, period: date) -> list[Meter]:
        return sorted((m for m in self.by_id.values() if active_in(m, period)), key=meter_order)

    def active_mains(self) -> list[Meter]:
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

    meter: Meter
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
    history: list[Decimal]

    @property
    def meter(self) -> Meter:
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


def _load_readings(first: date, last: date) -> dict[tuple[int, date], Decimal]:
    rows = db.session.execute(
        select(MeterReading.meter_id, BillingMonth.period, MeterReading.value)
        .join(BillingMonth, MeterReading.month_id == BillingMonth.id)
        .where(BillingMonth.period >= first, BillingMonth.period <= last)
    )
    return {(meter_id, period): value for meter_id, period, value in rows}


def _first_reading_periods() -> dict[int, date]:
    rows = db.session.execute(
        select(MeterReading.meter_id, func.min(BillingMonth.period))
        .join(BillingMonth, MeterReading.month_id == BillingMonth.id)
        .group_by(MeterReading.meter_id)
    )
    return {key: value for key, value in rows}


def meter_row(
    meter: Meter,
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


def review_month(period: date, book: MeterBook | None = None) -> MonthReview:
    """Every meter's use in ``period``, per metering point, and the anomalies."""
    book = book or MeterBook.load()
    readings = _load_readings(add_months(period, -HISTORY_MONTHS - 1), period)
    first_reading = _first_reading_periods()

    def lines_for(month: date) -> tuple[list[MeterRow], dict[int, list[MeterRow]]]:
        rows = [meter_row(m, month, readings, first_reading, book.line_of(m)) for m in book.active_in(month)]
        grouped: dict[int, list[MeterRow]] = defaultdict(list)
        for row in rows:
            grouped[row.line].append(row)
        return rows, grouped

    history: dict[int, list[Decimal]] = defaultdict(list)
    for back in range(HISTORY_MONTHS, 0, -1):
        earlier = add_months(period, -back)
        _, grouped = lines_for(earlier)
        for key, rows in grouped.items():
            used = line_usage(r.usage for r in rows).usage
            if used is not None and used >= 0:
                history[key].append(used)

    rows, grouped = lines_for(period)
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
            usage=line_usage(r.usage for r in line_rows),
            history=history.get(key, []),
        )
    anomalies = find_anomalies(
        [LineMonth(line.key, line.parent if line.parent in lines else None, line.usage) for line in lines.values()],
        {key: line.history for key, line in lines.items()},
    )
    return MonthReview(period, get_month(period), rows, lines, anomalies)


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
    at: datetime,
    clear_missing: bool,
) -> ReadingChanges:
    """Store a month's readings (meter id → value) in one go.

    ``clear_missing``: a None value removes a stored reading (the grid shows
    every meter); otherwise None leaves it alone (an import names some meters).
    Values must already be valid (see ``readings.parse_reading``). One audit
    entry lists what changed.
    """
    if not period_is_open_for_reading(period, at.date()):
        raise UtilityError(_l("Readings cannot be entered for a future month."))
    begin_serialized_write()
    month = get_month(period, for_update=True)
    ensure_open(period)
    book = MeterBook.load()
    readable = {m.id: m for m in book.active_in(period) if not removed_in(m, period)}
    unknown = set(values) - readable.keys()
    if unknown:
        raise UtilityError(_l("Some meters were not in service in %(month)s.", month=f"{period:%Y-%m}"))
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
            month = month or get_or_create_month(period, at)
            db.session.add(MeterReading(month_id=month.id, meter_id=meter_id, value=value, entered_at=at,
                                        entered_by_id=actor.id if actor is not None else None))
            before[code], after[code] = None, str(value)
            added += 1
        elif current.value != value:
            before[code], after[code] = str(current.value), str(value)
            current.value = value
            current.entered_at = at
            current.entered_by_id = actor.id if actor is not None else None
            changed += 1
    result = ReadingChanges(added, changed, cleared)
    if result.any:
        month = month or get_or_create_month(period, at)
        audit.record(
            actor,
            "utilities.readings.save",
            month,
            before=before,
            after=after,
            summary=f"{month.label}: +{added} ~{changed} -{cleared}",
        )
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
            raise UtilityError(_l("A main meter has no parent meter."))
        other = select(Meter.id).where(
            Meter.supply == meter.supply, Meter.kind == MeterKind.MAIN, Meter.removed_on.is_(None)
        )
        if meter.id is not None:
            other = other.where(Meter.id != meter.id)
        if meter.active and db.session.scalar(other.limit(1)) is not None:
            raise UtilityError(_l("This supply already has a main meter in service; replace it instead."))
        return
    parent = db.session.get(Meter, meter.parent_id) if meter.parent_id else None
    if parent is None or parent.supply is not meter.supply or parent.id == meter.id:
        raise UtilityError(_l("Choose the main meter this sub-meter sits under (same supply)."))
    if meter.kind is MeterKind.UNIT and meter.unit_id is None:
        raise UtilityError(_l("A unit sub-meter needs its unit."))
    if meter.kind is MeterKind.COMMON and meter.area is None:
        raise UtilityError(_l("A common-area meter needs its area."))


def check_meter_numbers(meter: Meter) -> None:
    if meter.multiplier < 1:
        raise UtilityError(_l("The multiplier is at least 1."))
    if meter.rollover_at <= 0 or meter.initial_reading < 0 or meter.initial_reading >= meter.rollover_at:
        raise UtilityError(_l("The initial reading must be between 0 and the register's maximum."))


def create_meter(meter: Meter, *, actor: User | None, today: date) -> Meter:
    if code_taken(meter.code):
        raise UtilityError(_l("Another meter has this code."))
    if meter.kind is not MeterKind.UNIT:
        meter.unit_id = None
    if meter.kind is not MeterKind.COMMON:
        meter.area = None
    check_meter_place(meter)
    check_meter_numbers(meter)
    _check_not_in_closed_month(meter.installed_on, today)
    db.session.add(meter)
    audit.record(actor, "utilities.meter.create", meter, after=audit.snapshot(meter, METER_FIELDS), summary=meter.code)
    return meter


def update_meter(meter: Meter, changes: Mapping[str, object], *, actor: User | None, today: date) -> Meter:
    """Change a meter's details. Once it has served a closed month, what the
    bills were worked out from (place, multiplier, register, start) stays."""
    before = audit.snapshot(meter, METER_FIELDS)
    if "installed_on" in changes and changes["installed_on"] != meter.installed_on:
        _check_not_in_closed_month(changes["installed_on"], today)  # type: ignore[arg-type]
    if meter_is_locked(meter):
        altered = [name for name in LOCKED_FIELDS if name in changes and changes[name] != getattr(meter, name)]
        if altered:
            raise UtilityError(
                _l("This meter has served a closed month: its place, multiplier, register and initial reading "
                   "can no longer change. Replace the meter instead.")
            )
    if "code" in changes and code_taken(str(changes["code"]), meter.id):
        raise UtilityError(_l("Another meter has this code."))
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
        raise UtilityError(_l("The date cannot be in the future."))
    closed = last_closed_period()
    if closed is not None and day <= month_end(closed):
        raise UtilityError(
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


def replace_meter(old: Meter, new: Replacement, *, actor: User | None, today: date) -> Meter:
    """Close ``old`` with its final reading and put a new meter in its place.

    The old meter keeps its history; the month of the change counts both
    (old: last reading → final reading; new: initial reading → next reading).
    """
    if not old.active:
        raise UtilityError(_l("This meter has already been taken out of service."))
    if new.removed_on < old.installed_on:
        raise UtilityError(_l("A meter cannot be replaced before it was installed."))
    _check_not_in_closed_month(new.removed_on, today)
    if not (0 <= new.final_reading < old.rollover_at):
        raise UtilityError(_l("The final reading must be between 0 and the register's maximum."))
    later = db.session.scalar(
        select(BillingMonth.period)
        .join(MeterReading, MeterReading.month_id == BillingMonth.id)
        .where(MeterReading.meter_id == old.id, BillingMonth.period >= month_start(new.removed_on))
        .order_by(BillingMonth.period)
        .limit(1)
    )
    if later is not None:
        raise UtilityError(
            _l("The old meter already has a reading for %(month)s; clear it in the reading grid first, "
               "the final reading takes its place.", month=f"{later:%Y-%m}")
        )
    if code_taken(new.code):
        raise UtilityError(_l("Another meter has this code."))
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
    at: datetime,
) -> Invoice:
    if not period_is_open_for_reading(period, at.date()):
        raise UtilityError(_l("Invoices cannot be entered for a future month."))
    if amount < 0 or consumption <= 0:
        raise UtilityError(_l("Enter the invoiced amount and a consumption above zero."))
    begin_serialized_write()
    ensure_open(period)
    month = get_month(period, for_update=True) or get_or_create_month(period, at)
    invoice = db.session.scalar(select(Invoice).where(Invoice.month_id == month.id, Invoice.supply == supply))
    before = audit.snapshot(invoice, INVOICE_FIELDS) if invoice is not None else None
    if invoice is None:
        invoice = Invoice(month_id=month.id, supply=supply)
        db.session.add(invoice)
    invoice.amount = amount
    invoice.consumption = consumption
    invoice.allocation_key = allocation_key
    invoice.invoice_no = invoice_no
    invoice.entered_at = at
    invoice.entered_by_id = actor.id if actor is not None else None
    after = audit.snapshot(invoice, INVOICE_FIELDS)
    if after != before:
        audit.record(actor, "utilities.invoice.save", invoice, before=before, after=after,
                     summary=f"{month.label} {supply.value} {amount}")
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


def save_fixed_ratios(supply: Supply, percents: Mapping[int, Decimal], *, actor: User | None) -> None:
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


def previous_month(month: BillingMonth) -> BillingMonth | None:
    return db.session.scalar(
        select(BillingMonth).where(BillingMonth.period < month.period).order_by(BillingMonth.period.desc()).limit(1)
    )


def close_month(period: date, *, actor: User | None, at: datetime, confirm_warnings: bool, note: str = "") -> BillingMonth:
    """Turn a month's readings and invoices into the units' bills, for good.

    Refused while a reading is missing or negative, while an earlier month is
    open, or while a supply has no invoice; warnings (jumps, sub-meters over
    the main meter) must be confirmed.
    """
    actor_id = actor.id if actor is not None else None  # loaded now: no flush between the month's changes
    begin_serialized_write()
    month = get_month(period, for_update=True)
    if month is None:
        raise UtilityError(_l("Nothing has been entered for this month yet."))
    ensure_open(period)
    earlier = previous_month(month)
    if earlier is not None and not earlier.closed:
        raise UtilityError(_l("Close %(month)s first.", month=earlier.label))
    review = review_month(period)
    if not review.lines:
        raise UtilityError(_l("No meter was in service in this month."))
    if review.blocking:
        raise UtilityError(_l("Some readings are missing or negative; fix them before closing the month."))
    if review.warnings and not confirm_warnings:
        raise UtilityError(_l("Confirm that you have checked the flagged readings."))
    invoices = {invoice.supply: invoice for invoice in month.invoices}
    missing = [supply for supply in review.supplies if supply not in invoices]
    if missing:
        raise UtilityError(_l("Enter the %(supply)s invoice first.", supply=missing[0].label))
    allocations = draft_allocation(review, invoices)
    if {a.supply for a in allocations} != set(review.supplies):
        raise UtilityError(_l("Every supply needs at least one unit sub-meter to bill."))

    bills: dict[int, UnitBill] = {}
    for allocation in allocations:
        supply = allocation.supply
        invoice = allocation.invoice
        invoice.main_usage = review.total(supply, MeterKind.MAIN) or Decimal(0)
        invoice.units_usage = review.total(supply, MeterKind.UNIT) or Decimal(0)
        invoice.common_usage = review.total(supply, MeterKind.COMMON) or Decimal(0)
        for unit_id, share in allocation.shares.items():
            bill = bills.get(unit_id)
            if bill is None:
                bill = bills[unit_id] = UnitBill(month_id=month.id, unit_id=unit_id, total=Decimal(0), created_at=at)
                db.session.add(bill)
            bill.lines.append(
                UnitBillLine(
                    supply=supply,
                    usage=share.usage,
                    rate=allocation.rate,
                    allocation_key=invoice.allocation_key,
                    weight=share.weight,
                    metered=share.metered,
                    shared=share.shared,
                    total=share.total,
                    old_ratio_amount=allocation.old[unit_id].total if allocation.old else None,
                )
            )
            bill.total += share.total
    month.status = MonthStatus.CLOSED
    month.closed_at = at
    month.closed_by_id = actor_id
    month.close_note = note
    audit.record(
        actor,
        "utilities.month.close",
        month,
        before={"status": MonthStatus.OPEN},
        after={
            "status": MonthStatus.CLOSED,
            "bills": len(bills),
            "confirmed_warnings": [f"{a.kind.value}:{review.lines[a.key].meter.code}" for a in review.warnings],
            **{f"invoice_{a.supply.value}": a.invoice.amount for a in allocations},
        },
        summary=f"{month.label}: {len(bills)} bills",
    )
    return month


# --- corrections ----------------------------------------------------------


def add_adjustment(
    bill: UnitBill, supply: Supply, amount: Decimal, reason: str, *, actor: User | None, at: datetime
) -> BillAdjustment:
    """A correction to a closed month: a new line on the bill, never an edit."""
    if not bill.month.closed:
        raise UtilityError(_l("Correct the readings or the invoice instead: this month is still open."))
    if amount == 0:
        raise UtilityError(_l("An adjustment of zero changes nothing."))
    if not reason.strip():
        raise UtilityError(_l("Say why the bill is corrected."))
    if supply not in {line.supply for line in bill.lines}:
        raise UtilityError(_l("This bill has no such supply."))
    supply_total = sum((line.total for line in bill.lines if line.supply is supply), Decimal(0))
    supply_total += sum((a.amount for a in bill.adjustments if a.supply is supply), Decimal(0))
    if supply_total + amount < 0:
        raise UtilityError(_l("A correction cannot make the bill negative."))
    adjustment = BillAdjustment(
        bill_id=bill.id,
        supply=supply,
        amount=amount,
        reason=reason.strip(),
        created_at=at,
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


def comparison_sums(first: date, last: date, supply: Supply | None = None, unit_id: int | None = None):
    """Per unit over closed months in [first, last]: billed by meter vs. by the old ratio
    (columns ``unit_id``, ``metered``, ``old_ratio``, ``difference``).

    Only bill lines with an old-ratio amount count, so both sums cover the same months.
    """
    query = (
        select(
            UnitBill.unit_id.label("unit_id"),
            func.sum(UnitBillLine.total).label("metered"),
            func.sum(UnitBillLine.old_ratio_amount).label("old_ratio"),
            (func.sum(UnitBillLine.total) - func.sum(UnitBillLine.old_ratio_amount)).label("difference"),
        )
        .join(BillingMonth, UnitBill.month_id == BillingMonth.id)
        .join(UnitBillLine, UnitBillLine.bill_id == UnitBill.id)
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


def comparison_totals(first: date, last: date, supply: Supply | None = None, unit_id: int | None = None):
    query = (
        select(func.sum(UnitBillLine.total), func.sum(UnitBillLine.old_ratio_amount))
        .join(UnitBill, UnitBillLine.bill_id == UnitBill.id)
        .join(BillingMonth, UnitBill.month_id == BillingMonth.id)
        .where(BillingMonth.period >= first, BillingMonth.period <= last, UnitBillLine.old_ratio_amount.is_not(None))
    )
    if supply is not None:
        query = query.where(UnitBillLine.supply == supply)
    if unit_id is not None:
        query = query.where(UnitBill.unit_id == unit_id)
    metered, old = db.session.execute(query).one()
    return metered or Decimal("0.00"), old or Decimal("0.00")

