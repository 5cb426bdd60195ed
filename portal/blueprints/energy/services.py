"""Energy statistics on the database: loading the usage of every source,
the figures per month, year, unit and building, the annual report, and the
changes the logistics center makes (the year's areas and headcounts, entered
quantities, quotas, savings measures). Nothing here reads the request; the
acting user and the time are parameters; callers commit."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, select

from portal import audit
from portal.blueprints.energy import sources as src
from portal.blueprints.energy.models import EnergyBasis, EnergyQuantity, EnergyQuota, SavingsMeasure
from portal.blueprints.energy.stats import (
    ZERO,
    Comparison,
    Indicators,
    Totals,
    add_up,
    ahead_of_quota,
    change_percent,
    combine,
    indicators,
    per,
    rounded,
)
from portal.cache import cached_facts
from portal.db import db
from portal.i18n import lazy_gettext as _l
from portal.models import Room, RoomKind, Unit, User
from portal.rules import RuleViolation

BUILDING = None  # the scope of the whole building
MAX_QUANTITY = Decimal("999999999.99")
MAX_AREA = Decimal("9999999.99")


def month_label(period: date) -> str:
    return f"{period:%Y-%m}"


def year_months(year: int) -> list[date]:
    return [date(year, month, 1) for month in range(1, 13)]


def factors() -> dict[str, Decimal | None]:
    return {s.code: s.factor() for s in src.sources()}


def units() -> list[Unit]:
    return list(db.session.scalars(select(Unit).order_by(Unit.sort_order, Unit.id)))


@dataclass(frozen=True)
class UnitChoice:
    id: int
    name: str


def unit_choices() -> list[UnitChoice]:
    """The units to choose from, in the directory's order (plain values, for the cache)."""
    return [UnitChoice(*row) for row in db.session.execute(select(Unit.id, Unit.name).order_by(Unit.sort_order, Unit.id))]


# --- floor areas and headcounts -------------------------------------------------


@dataclass(frozen=True)
class Basis:
    floor_area: Decimal
    headcount: int
    kept: bool  # kept for the year (else: today's directory values)


def directory_basis() -> dict[int | None, Basis]:
    """Today's office floor area (rooms of kind office) and headcount of every unit,
    and the building's (all office rooms; every unit's people)."""
    areas = dict(db.session.execute(
        select(Room.unit_id, func.sum(Room.area_m2))
        .where(Room.kind == RoomKind.OFFICE, Room.unit_id.is_not(None))
        .group_by(Room.unit_id)
    ).all())
    found = {unit_id: Basis(Decimal(areas.get(unit_id) or 0), headcount or 0, False)
             for unit_id, headcount in db.session.execute(select(Unit.id, Unit.headcount).order_by(Unit.sort_order, Unit.id))}
    building_area = db.session.scalar(select(func.sum(Room.area_m2)).where(Room.kind == RoomKind.OFFICE)) or 0
    found[BUILDING] = Basis(Decimal(building_area), sum(b.headcount for b in found.values()), False)
    return found


def basis_for(year: int, directory: dict[int | None, Basis] | None = None) -> dict[int | None, Basis]:
    """The values used for ``year``: those kept for it, else today's directory values
    (``directory``: those read already)."""
    result = dict(directory if directory is not None else directory_basis())
    for unit_id, floor_area, headcount in db.session.execute(
        select(EnergyBasis.unit_id, EnergyBasis.floor_area, EnergyBasis.headcount).where(EnergyBasis.year == year)
    ):
        result[unit_id] = Basis(floor_area, headcount, True)
    return result


def keep_directory_basis(year: int, *, actor: User | None, now: datetime) -> int:
    """Keep today's directory values as ``year``'s (replacing what was kept)."""
    kept = {row.unit_id: row for row in db.session.scalars(select(EnergyBasis).where(EnergyBasis.year == year))}
    count = 0
    for unit_id, basis in directory_basis().items():
        row = kept.get(unit_id) or EnergyBasis(year=year, unit_id=unit_id)
        if row.id is None:
            db.session.add(row)
        row.floor_area, row.headcount = basis.floor_area, basis.headcount
        row.updated_at, row.updated_by_id = now, actor.id if actor else None
        count += 1
    audit.record(actor, "energy.basis.keep", object_type="energy_basis", object_id=year,
                 summary=f"{year}: {count} values from the directory")
    return count


@dataclass(frozen=True)
class BasisDraft:
    floor_area: Decimal | None
    headcount: int | None


def save_basis(year: int, unit_id: int | None, draft: BasisDraft, *, actor: User | None, now: datetime) -> EnergyBasis:
    if draft.floor_area is None or not ZERO <= draft.floor_area <= MAX_AREA:
        raise RuleViolation(_l("Enter the floor area in m² (0 or more)."), field="floor_area")
    if draft.headcount is None or not 0 <= draft.headcount <= 100000:
        raise RuleViolation(_l("Enter the number of people (0 or more)."), field="headcount")
    row = db.session.scalar(select(EnergyBasis).where(
        EnergyBasis.year == year, EnergyBasis.unit_id.is_(None) if unit_id is None else EnergyBasis.unit_id == unit_id
    ))
    before = None if row is None else {"floor_area": str(row.floor_area), "headcount": row.headcount}
    if row is None:
        row = EnergyBasis(year=year, unit_id=unit_id)
        db.session.add(row)
    row.floor_area, row.headcount = draft.floor_area, draft.headcount
    row.updated_at, row.updated_by_id = now, actor.id if actor else None
    audit.record(actor, "energy.basis.save", object_type="energy_basis", object_id=year, before=before,
                 after={"unit_id": unit_id, "floor_area": str(draft.floor_area), "headcount": draft.headcount})
    return row


# --- the statistics ---------------------------------------------------------------


@dataclass
class MonthRow:
    period: date
    this: Totals
    last: Totals
    final: bool  # the month is closed: its figures will not change

    @property
    def change(self) -> Decimal | None:
        return change_percent(self.this.kgce, self.last.kgce) if self.final and self.last.kgce else None


@dataclass
class UnitRow:
    unit: UnitInfo
    basis: Basis
    this: Totals
    last: Totals
    indicators: Indicators
    quotas: list[QuotaStatus] = field(default_factory=list)

    @property
    def kgce(self) -> Comparison:
        return Comparison(self.this.kgce, self.last.kgce if self.last.months else None)

    @property
    def ahead(self) -> bool:
        return any(q.ahead for q in self.quotas)


@dataclass(frozen=True)
class QuotaStatus:
    source: src.Source
    quota: Decimal
    used: Decimal
    months: int

    @property
    def ahead(self) -> bool:
        return ahead_of_quota(self.used, self.quota, self.months)

    @property
    def used_percent(self) -> Decimal | None:
        return rounded(self.used * 100 / self.quota, Decimal("0.1")) if self.quota else None


@dataclass
class YearStatistics:
    year: int
    unit: Unit | UnitInfo | None  # None: the building
    sources: list[src.Source]
    months: list[MonthRow]
    final_months: list[date]  # the months of the year counted "to date"
    this: Totals  # the final months of the year
    last: Totals  # the same months last year
    basis: Basis
    last_basis: Basis
    indicators: Indicators
    last_indicators: Indicators
    unit_rows: list[UnitRow] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.year}"

    @property
    def months_counted(self) -> int:
        return len(self.final_months)

    def comparison(self, code: str | None = None) -> Comparison:
        """A source's quantity (or kgce, without ``code``) against the same months last year."""
        if code is None:
            return Comparison(self.this.kgce, self.last.kgce if self.last.months else None)
        return Comparison(self.this.quantity(code), self.last.quantity(code) if self.last.months else None)

    @property
    def cost(self) -> Comparison:
        return Comparison(self.this.cost, self.last.cost if self.last.months else None)

    def used_sources(self) -> list[src.Source]:
        """Electricity and water always; the other sources where anything was used in either year."""
        seen = {code for row in self.months for code in (*row.this.quantities, *row.last.quantities)}
        return [s for s in self.sources if not s.entered or s.code in seen]


def _sums_functions() -> list[src.SumsFunction]:
    """Every ``sums`` function once: sources read from one table share one, which answers for them all."""
    return list(dict.fromkeys(one.sums for one in src.sources()))


# What the statistics are drawn from: the energy records (and the cars' trips), the utilities'
# closed months, and the units' names, rooms and headcounts.
STATISTICS_DATA = ("energy", "utilities", "building")


@dataclass(frozen=True, slots=True)
class UnitInfo:
    """A unit as the statistics name it (plain values, kept with the facts)."""

    id: int
    name: str
    short_name: str | None


@dataclass(frozen=True, slots=True)
class BuildingFacts:
    """Every month's totals of every source for the building, whatever year a page shows: what the
    statistics of any year are drawn from, kept with :func:`portal.cache.cached_facts` while the
    data (and the conversion factors) are unchanged; the key names the data only, never the year
    asked for. Read as they are: nothing changes a fact once made."""

    months: dict[date, Totals]  # every month with figures: its totals (one month each)
    closed: frozenset[date]  # the utilities months closed (final)
    directory: dict[int | None, Basis]  # today's directory floor areas and headcounts
    kept: dict[int, dict[int | None, Basis]]  # by year: the values kept for it


@dataclass(frozen=True, slots=True)
class UnitFacts:
    """Every month's sums of every source per unit, the units and the quotas of every year."""

    months: dict[tuple[date, int], tuple[src.Usage, ...]]  # (month, unit id): the unit's own use
    units: tuple[UnitInfo, ...]  # in the directory's order
    quotas: dict[int, tuple[tuple[int, str, Decimal], ...]]  # by year: (unit id, source, quantity)


def _read_building_facts(fac: dict[str, Decimal | None]) -> BuildingFacts:
    months: dict[date, list[src.Usage]] = defaultdict(list)
    for sums in _sums_functions():
        for row in sums(None):
            months[row.period].append(row)
    kept: dict[int, dict[int | None, Basis]] = defaultdict(dict)
    for year, unit_id, floor_area, headcount in db.session.execute(
        select(EnergyBasis.year, EnergyBasis.unit_id, EnergyBasis.floor_area, EnergyBasis.headcount)
    ):
        kept[year][unit_id] = Basis(floor_area, headcount, True)
    return BuildingFacts({period: add_up(rows, fac, 1) for period, rows in months.items()}, frozenset(src.closed_periods()),
                         directory_basis(), dict(kept))


def _read_unit_facts() -> UnitFacts:
    months: dict[tuple[date, int], list[src.Usage]] = defaultdict(list)
    for sums in _sums_functions():
        for row in sums(None, by_unit=True):
            if row.unit_id is not None:
                months[row.period, row.unit_id].append(row)
    quotas: dict[int, list[tuple[int, str, Decimal]]] = defaultdict(list)
    for year, unit_id, source, quantity in db.session.execute(
        select(EnergyQuota.year, EnergyQuota.unit_id, EnergyQuota.source, EnergyQuota.quantity).order_by(EnergyQuota.id)
    ):
        quotas[year].append((unit_id, source, quantity))
    units = tuple(UnitInfo(*row) for row in db.session.execute(
        select(Unit.id, Unit.name, Unit.short_name).order_by(Unit.sort_order, Unit.id)))
    return UnitFacts({key: tuple(rows) for key, rows in months.items()}, units,
                     {year: tuple(rows) for year, rows in quotas.items()})


def building_facts(fac: dict[str, Decimal | None] | None = None) -> BuildingFacts:
    """The building's facts for the conversion factors ``fac`` (the settings'; None: read them)."""
    fac = factors() if fac is None else fac
    return cached_facts(STATISTICS_DATA, ("energy.building_facts", tuple(fac.items())), lambda: _read_building_facts(fac))


def unit_facts() -> UnitFacts:
    return cached_facts(STATISTICS_DATA, "energy.unit_facts", _read_unit_facts)


def year_basis(facts: BuildingFacts, year: int) -> dict[int | None, Basis]:
    """The values used for ``year``: those kept for it, else today's directory values."""
    return {**facts.directory, **facts.kept.get(year, {})}


def year_statistics(year: int, unit: Unit | UnitInfo | None = None, *, with_units: bool = False) -> YearStatistics:
    """The figures of ``year`` for the building or one unit, month by month, against last year.

    "To date" means the months whose utilities month is closed (final). Drawn from the facts
    (:func:`building_facts`, :func:`unit_facts`: every month's sums, read once while the data are
    unchanged): the scope's months of the two years, and with ``with_units`` each unit's over the
    months counted."""
    fac = factors()
    facts = building_facts(fac)
    closed = facts.closed
    unit_id = unit.id if unit is not None else BUILDING
    if unit is None:
        by_period = facts.months
    else:
        own = unit_facts().months
        by_period = {p: add_up(own.get((p, unit_id), ()), fac, 1) for p in (*year_months(year - 1), *year_months(year))}
    nothing = Totals(months=1)
    months = []
    for period in year_months(year):
        previous = period.replace(year=year - 1)
        months.append(MonthRow(period, by_period.get(period, nothing), by_period.get(previous, nothing),
                               period in closed))
    final = [p for p in year_months(year) if p in closed]
    final_last = [p.replace(year=year - 1) for p in final if p.replace(year=year - 1) in closed]
    this = combine((by_period[p] for p in final if p in by_period), len(final))
    previous = combine((by_period[p] for p in final_last if p in by_period), len(final_last))
    basis, last_basis = year_basis(facts, year), year_basis(facts, year - 1)
    stats = YearStatistics(
        year, unit, src.sources(), months, final, this, previous, basis[unit_id], last_basis[unit_id],
        indicators(this, basis[unit_id].floor_area, basis[unit_id].headcount),
        indicators(previous, last_basis[unit_id].floor_area, last_basis[unit_id].headcount),
    )
    if with_units and unit is None:
        stats.unit_rows = unit_rows(year, final, final_last, basis, fac)
    return stats


def unit_rows(year, final, final_last, basis, fac) -> list[UnitRow]:
    facts = unit_facts()
    quotas = defaultdict(list)
    for unit_id, code, quantity in facts.quotas.get(year, ()):
        quotas[unit_id].append((code, quantity))
    result = []
    for unit in facts.units:
        b = basis.get(unit.id) or Basis(ZERO, 0, False)
        this = add_up((r for p in final for r in facts.months.get((p, unit.id), ())), fac, len(final))
        last = add_up((r for p in final_last for r in facts.months.get((p, unit.id), ())), fac, len(final_last))
        row = UnitRow(unit, b, this, last, indicators(this, b.floor_area, b.headcount))
        for code, quantity in quotas[unit.id]:
            source = src.source(code)
            if source is not None:
                row.quotas.append(QuotaStatus(source, quantity, this.quantity(code), len(final)))
        result.append(row)
    return result


# --- the annual report --------------------------------------------------------------


@dataclass(frozen=True)
class Missing:
    what: str
    detail: str = ""


@dataclass
class AnnualReport:
    year: int
    statistics: YearStatistics
    missing: list[Missing]

    @property
    def complete(self) -> bool:
        return not self.missing


def annual_report(year: int) -> AnnualReport:
    stats = year_statistics(year, with_units=True)
    missing = []
    open_months = [p for p in year_months(year) if p not in set(stats.final_months)]
    if open_months:
        missing.append(Missing(str(_l("Months not closed in water and electricity")),
                               ", ".join(month_label(p) for p in open_months)))
    if not stats.basis.kept:
        missing.append(Missing(str(_l("The floor areas and headcounts of the year are not kept yet")),
                               str(_l("Today's directory values are shown."))))
    no_area = [r.unit for r in stats.unit_rows if not r.basis.floor_area]
    if no_area:
        missing.append(Missing(str(_l("Units without office floor area")),
                               "、".join(u.short_name or u.name for u in no_area)))
    no_people = [r.unit for r in stats.unit_rows if not r.basis.headcount]
    if no_people:
        missing.append(Missing(str(_l("Units without headcount")), "、".join(u.short_name or u.name for u in no_people)))
    return AnnualReport(year, stats, missing)


def report_deadline(year: int) -> date:
    """Art. 15: the previous year's report by 31 March."""
    return date(year + 1, 3, 31)


# --- entered quantities -----------------------------------------------------------------


@dataclass(frozen=True)
class QuantityDraft:
    period: date | None
    source: str
    unit_id: int | None
    quantity: Decimal | None
    cost: Decimal | None


def save_quantity(draft: QuantityDraft, *, actor: User | None, now: datetime) -> EnergyQuantity:
    """Enter (or replace) one month's quantity of an entered source."""
    source = src.source(draft.source)
    if source is None or not source.entered:
        raise RuleViolation(_l("Choose a kind of energy that is entered here."), field="source")
    if draft.period is None:
        raise RuleViolation(_l("Choose the month."), field="period")
    if draft.period > now.date().replace(day=1):
        raise RuleViolation(_l("A month that has not begun has nothing to enter."), field="period")
    if draft.quantity is None or not ZERO <= draft.quantity <= MAX_QUANTITY:
        raise RuleViolation(_l("Enter the quantity (0 or more)."), field="quantity")
    if draft.cost is not None and not ZERO <= draft.cost <= MAX_QUANTITY:
        raise RuleViolation(_l("Enter the cost in yuan (0 or more)."), field="cost")
    if draft.unit_id is not None and db.session.get(Unit, draft.unit_id) is None:
        raise RuleViolation(_l("Choose a unit from the list."), field="unit_id")
    row = db.session.scalar(select(EnergyQuantity).where(
        EnergyQuantity.period == draft.period, EnergyQuantity.source == draft.source,
        EnergyQuantity.unit_id.is_(None) if draft.unit_id is None else EnergyQuantity.unit_id == draft.unit_id,
    ))
    before = None if row is None else {"quantity": str(row.quantity), "cost": str(row.cost)}
    if row is None:
        row = EnergyQuantity(period=draft.period, source=draft.source, unit_id=draft.unit_id)
        db.session.add(row)
    row.quantity, row.cost = draft.quantity, draft.cost
    row.entered_at, row.entered_by_id = now, actor.id if actor else None
    audit.record(actor, "energy.quantity.save", object_type="energy_quantity", before=before,
                 after={"period": month_label(draft.period), "source": draft.source, "unit_id": draft.unit_id,
                        "quantity": str(draft.quantity), "cost": str(draft.cost)})
    return row


def quantities_query(year: int):
    return (
        select(EnergyQuantity)
        .where(EnergyQuantity.period >= date(year, 1, 1), EnergyQuantity.period <= date(year, 12, 1))
        .order_by(EnergyQuantity.period.desc(), EnergyQuantity.source, EnergyQuantity.unit_id)
    )


# --- quotas ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuotaDraft:
    unit_id: int | None
    source: str
    quantity: Decimal | None


def save_quota(year: int, draft: QuotaDraft, *, actor: User | None, now: datetime) -> EnergyQuota | None:
    """Set a unit's yearly quota of a source; an empty quantity removes it."""
    if draft.unit_id is None or db.session.get(Unit, draft.unit_id) is None:
        raise RuleViolation(_l("Choose a unit from the list."), field="unit_id")
    if src.source(draft.source) is None:
        raise RuleViolation(_l("Choose a source from the list."), field="source")
    if draft.quantity is not None and not ZERO < draft.quantity <= MAX_QUANTITY:
        raise RuleViolation(_l("A quota is more than 0."), field="quantity")
    row = db.session.scalar(select(EnergyQuota).where(
        EnergyQuota.year == year, EnergyQuota.unit_id == draft.unit_id, EnergyQuota.source == draft.source
    ))
    before = None if row is None else {"quantity": str(row.quantity)}
    if draft.quantity is None:
        if row is not None:
            db.session.delete(row)
        row = None
    else:
        if row is None:
            row = EnergyQuota(year=year, unit_id=draft.unit_id, source=draft.source)
            db.session.add(row)
        row.quantity, row.updated_at = draft.quantity, now
    audit.record(actor, "energy.quota.save", object_type="energy_quota", object_id=year, before=before,
                 after={"unit_id": draft.unit_id, "source": draft.source,
                        "quantity": None if draft.quantity is None else str(draft.quantity)})
    return row


def quotas_query(year: int):
    return (
        select(EnergyQuota).join(Unit, EnergyQuota.unit_id == Unit.id)
        .where(EnergyQuota.year == year).order_by(Unit.sort_order, Unit.id, EnergyQuota.source)
    )


def quota_warnings(year: int) -> list[tuple[UnitInfo, QuotaStatus]]:
    stats = year_statistics(year, with_units=True)
    return [(row.unit, q) for row in stats.unit_rows for q in row.quotas if q.ahead]


# --- savings measures ----------------------------------------------------------------------


@dataclass(frozen=True)
class MeasureDraft:
    title: str
    source: str
    started: date | None
    cost: Decimal | None
    note: str = ""


def save_measure(draft: MeasureDraft, *, actor: User | None, now: datetime) -> SavingsMeasure:
    if not draft.title:
        raise RuleViolation(_l("Name the measure."), field="title")
    if src.source(draft.source) is None:
        raise RuleViolation(_l("Choose a source from the list."), field="source")
    if draft.started is None:
        raise RuleViolation(_l("Choose the month it took effect."), field="started")
    if draft.cost is not None and not ZERO <= draft.cost <= MAX_QUANTITY:
        raise RuleViolation(_l("Enter the cost in yuan (0 or more)."), field="cost")
    measure = SavingsMeasure(title=draft.title[:120], source=draft.source, started=draft.started.replace(day=1),
                             cost=draft.cost, note=draft.note, created_at=now)
    db.session.add(measure)
    db.session.flush()
    audit.record(actor, "energy.measure.create", measure, summary=draft.title[:120])
    return measure


def measures_query():
    return select(SavingsMeasure).order_by(SavingsMeasure.started.desc(), SavingsMeasure.id.desc())


@dataclass(frozen=True)
class MeasureMonth:
    period: date
    quantity: Decimal | None
    workdays: int
    per_workday: Decimal | None
    after: bool


@dataclass
class MeasureEffect:
    measure: SavingsMeasure
    source: src.Source
    months: list[MeasureMonth]

    def _average(self, after: bool) -> Decimal | None:
        rows = [m for m in self.months if m.after == after and m.quantity is not None]
        days = sum(m.workdays for m in rows)
        return per(sum((m.quantity for m in rows), ZERO), days) if rows else None

    @property
    def before_per_workday(self) -> Decimal | None:
        return self._average(False)

    @property
    def after_per_workday(self) -> Decimal | None:
        return self._average(True)

    @property
    def change(self) -> Decimal | None:
        return change_percent(self.after_per_workday, self.before_per_workday)


MEASURE_SPAN = 6  # months before and after


def measure_effect(measure: SavingsMeasure) -> MeasureEffect:
    """The building's use of the measure's source, month by month, six months before
    and after, per working day (the workdays calendar), so a month with a holiday
    compares fairly."""
    from portal.blueprints.utilities.readings import add_months, month_end
    from portal.blueprints.workdays.days import days_info

    source = src.source(measure.source) or src.sources()[0]
    first, last = add_months(measure.started, -MEASURE_SPAN), add_months(measure.started, MEASURE_SPAN - 1)
    usage = list(source.usage(first, last))
    final = src.closed_periods(first, last) if not source.entered else {u.period for u in usage}
    days = days_info(first, month_end(last))
    months = []
    period = first
    while period <= last:
        workdays = sum(1 for d in days if d.day.year == period.year and d.day.month == period.month and d.is_workday)
        quantity = sum((u.quantity for u in usage if u.period == period), ZERO) if period in final else None
        months.append(MeasureMonth(period, quantity, workdays, per(quantity, workdays), period >= measure.started))
        period = add_months(period, 1)
    return MeasureEffect(measure, source, months)


# --- metered against the old fixed ratio -------------------------------------------------


@dataclass(frozen=True)
class RatioDifference:
    unit: Unit
    metered: Decimal
    old_ratio: Decimal

    @property
    def difference(self) -> Decimal:
        """Positive: metering costs the unit more than the old fixed ratio did."""
        return self.metered - self.old_ratio


def ratio_differences(year: int) -> list[RatioDifference]:
    """Per unit over the closed months of ``year``: payable by meter against the old
    fixed ratio (the utilities comparison), the largest extra cost first."""
    from portal.blueprints.utilities.services import all_comparison_rows

    rows = all_comparison_rows(date(year, 1, 1), date(year, 12, 1))
    return [RatioDifference(r.unit, r.metered, r.old_ratio) for r in rows]
