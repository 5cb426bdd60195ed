"""The maintenance and replacement plan for the next years, with its reasons.

Each item is replaced (大修) in the year it reaches its end of life: install
year + expected life, brought forward by poor condition and by repair costs
that approach its price; an item already past it is replaced in the first year.
Half-way through its life an item gets an overhaul (中修) costing a share of its
price; every year it gets its routine maintenance (日常维修): what it cost in the
last years, or a share of its price when nothing is recorded. Prices grow each
year by the price growth. Every figure keeps the reasons behind it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property, partial
from operator import attrgetter
from typing import NamedTuple

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.blueprints.equipment.models import Asset, AssetCategory, Condition
from portal.blueprints.equipment.services import YearCost, cost_history, with_place
from portal.db import db
from portal.labels import LabelledEnum

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
HISTORY_YEARS = 3  # the years of cost history that count


class Tier(LabelledEnum):
    MAJOR = "major", _l("Major repair and replacement (大修)"), "danger"
    MEDIUM = "medium", _l("Mid-life overhaul (中修)"), "warn"
    ROUTINE = "routine", _l("Routine maintenance (日常维修)"), "neutral"


@dataclass(frozen=True)
class Assumptions:
    first_year: int
    years: int = 10
    price_growth: Decimal = Decimal("0.03")  # a year
    poor_years_earlier: int = 2
    repair_ratio: Decimal = Decimal("0.30")  # repairs in HISTORY_YEARS above this share of the price
    repair_years_earlier: int = 1
    overhaul_share: Decimal = Decimal("0.15")
    routine_share: Decimal = Decimal("0.02")

    @property
    def last_year(self) -> int:
        return self.first_year + self.years - 1

    @classmethod
    def from_config(cls, config, today: date) -> Assumptions:
        return cls(
            first_year=today.year + 1,
            years=int(config.get("EQUIPMENT_BUDGET_YEARS", 10)),
            price_growth=Decimal(str(config.get("EQUIPMENT_PRICE_GROWTH", "0.03"))),
            poor_years_earlier=int(config.get("EQUIPMENT_POOR_YEARS_EARLIER", 2)),
            repair_ratio=Decimal(str(config.get("EQUIPMENT_REPAIR_RATIO", "0.30"))),
            overhaul_share=Decimal(str(config.get("EQUIPMENT_OVERHAUL_SHARE", "0.15"))),
            routine_share=Decimal(str(config.get("EQUIPMENT_ROUTINE_SHARE", "0.02"))),
        )


class PlanItem(NamedTuple):
    """What the plan reads of an item of the register (one row of columns, not the ORM object)."""

    id: int
    code: str
    name: str
    category: AssetCategory
    install_date: date
    expected_life_years: int
    replacement_cost: Decimal
    condition: Condition
    condition_date: date

    @property
    def end_of_life_year(self) -> int:
        return self.install_date.year + self.expected_life_years


PLAN_COLUMNS = (Asset.id, Asset.code, Asset.name, Asset.category, Asset.install_date, Asset.expected_life_years,
                Asset.replacement_cost, Asset.condition, Asset.condition_date)


def plan_items() -> list[PlanItem]:
    """Every item of the register, by code."""
    return list(map(PlanItem._make, db.session.execute(select(*PLAN_COLUMNS).order_by(Asset.code))))


def plan_places(asset_ids: set[int]) -> dict[int, str]:
    """Where each of ``asset_ids`` is."""
    query = with_place(select(Asset)).where(Asset.id.in_(asset_ids))
    return {asset.id: asset.location_label for asset in db.session.scalars(query)}


class Line(NamedTuple):
    """One planned replacement or overhaul of one item in one year, and why."""

    year: int
    asset: PlanItem | Asset
    tier: Tier
    amount: Decimal
    why: Callable[[], tuple]  # the reasons, put into words when read: a page shows a few of some 2,000 lines

    @property
    def reasons(self) -> tuple:
        return self.why()


class Routine(NamedTuple):
    """An item's routine maintenance: ``base`` a year at this year's prices, grown every year, and why."""

    asset: PlanItem | Asset
    base: Decimal
    why: Callable[[], tuple]

    @property
    def reasons(self) -> tuple:
        return self.why()


@dataclass
class Projection:
    assumptions: Assumptions
    this_year: int
    lines: list[Line] = field(default_factory=list)  # replacements and overhauls
    routine: list[Routine] = field(default_factory=list)  # one per item
    history: list[HistoryRow] = field(default_factory=list)  # the recent years' actual costs by category

    @property
    def years(self) -> list[int]:
        return list(range(self.assumptions.first_year, self.assumptions.last_year + 1))

    def routine_amount(self, routine: Routine, year: int) -> Decimal:
        return grown(routine.base, year - self.this_year, self.assumptions.price_growth)

    @cached_property
    def _cells(self) -> dict[tuple[AssetCategory, int, Tier], Decimal]:
        """The plan summed by category, year and tier (each item's routine figure grown and rounded
        as its own line: items of one category with the same base are counted once)."""
        cells: dict[tuple[AssetCategory, int, Tier], Decimal] = defaultdict(lambda: ZERO)
        for line in self.lines:
            cells[line.asset.category, line.year, line.tier] += line.amount
        a = self.assumptions
        factors = {year: (1 + a.price_growth) ** max(0, year - self.this_year) for year in self.years}
        bases = Counter((routine.asset.category, routine.base) for routine in self.routine)
        for (category, base), count in bases.items():
            for year, factor in factors.items():
                cells[category, year, Tier.ROUTINE] += (base * factor).quantize(CENT, rounding=ROUND_HALF_UP) * count
        return dict(cells)

    def total(self) -> Decimal:
        return sum(self._cells.values(), ZERO)

    def by_year_tier(self) -> dict[int, dict[Tier, Decimal]]:
        out: dict[int, dict[Tier, Decimal]] = {y: {t: ZERO for t in Tier} for y in self.years}
        for (_category, year, tier), amount in self._cells.items():
            out[year][tier] += amount
        return out

    def by_category_year(self) -> list[tuple[AssetCategory, list[Decimal], Decimal]]:
        cells: dict[AssetCategory, dict[int, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
        for (category, year, _tier), amount in self._cells.items():
            cells[category][year] += amount
        rows = []
        for category in AssetCategory:
            if category in cells:
                values = [cells[category][y] for y in self.years]
                rows.append((category, values, sum(values, ZERO)))
        return rows

    def year_totals(self) -> list[Decimal]:
        by_year = self.by_year_tier()
        return [sum(by_year[y].values(), ZERO) for y in self.years]

    def major_lines(self) -> list[Line]:
        return sorted(self.lines, key=attrgetter("year", "tier", "asset.code"))  # a tier sorts as its value


def yuan(amount: Decimal) -> str:
    return "¥{:,.2f}".format(amount)


def grown(amount: Decimal, years: int, growth: Decimal) -> Decimal:
    return (amount * (1 + growth) ** max(0, years)).quantize(CENT, rounding=ROUND_HALF_UP)


def recent_repairs(costs: list[YearCost], this_year: int) -> Decimal:
    """What the repairs of an item cost in the last :data:`HISTORY_YEARS` years."""
    first, total = this_year - HISTORY_YEARS, ZERO
    for year, _maintenance, repairs in costs:  # a plain loop: this runs for every item of the register
        if first < year <= this_year:
            total += repairs
    return total


def end_of_life(asset: PlanItem | Asset, costs: list[YearCost], a: Assumptions, this_year: int) -> tuple[int, tuple]:
    """The year ``asset`` should be replaced, and the reasons."""
    return replacement(asset, recent_repairs(costs, this_year), a, explain=True)


def replacement(asset: PlanItem | Asset, recent: Decimal, a: Assumptions, explain: bool = False) -> tuple[int, tuple]:
    """The year ``asset`` should be replaced after ``recent`` repairs, and the reasons when ``explain``
    (the plan words them only for the lines it shows)."""
    year = asset.end_of_life_year
    reasons = []
    if explain:
        reasons.append(_l("Installed %(year)s, expected life %(life)s years: end of life %(end)s.",
                          year=asset.install_date.year, life=asset.expected_life_years, end=year))
    if asset.condition is Condition.FAILED:
        year = min(year, a.first_year)
        if explain:
            reasons.append(_l("Condition “failed” (%(day)s): replace first.", day=asset.condition_date.isoformat()))
    elif asset.condition is Condition.POOR and a.poor_years_earlier:
        year -= a.poor_years_earlier
        if explain:
            reasons.append(_l("Condition “poor” (%(day)s): %(n)s years earlier.",
                              day=asset.condition_date.isoformat(), n=a.poor_years_earlier))
    if asset.replacement_cost and recent > asset.replacement_cost * a.repair_ratio and a.repair_years_earlier:
        year -= a.repair_years_earlier
        if explain:
            reasons.append(_l("Repairs in the last %(n)s years cost %(cost)s, over %(share)s%% of its price: "
                              "%(years)s year earlier.", n=HISTORY_YEARS, cost=yuan(recent),
                              share=int(a.repair_ratio * 100), years=a.repair_years_earlier))
    if year < a.first_year:
        if explain:
            reasons.append(_l("Past its end of life: planned in the first year."))
        year = a.first_year
    return year, tuple(reasons)


def _replacement_reasons(asset: PlanItem | Asset, recent: Decimal, a: Assumptions) -> tuple:
    return replacement(asset, recent, a, explain=True)[1]


def _next_replacement_reasons(year: int, end: int) -> tuple:
    return (_l("Replaced %(year)s; next end of life %(end)s.", year=year, end=end),)


def _overhaul_reasons(life: int, a: Assumptions) -> tuple:
    return (_l("Half of its %(life)s-year life: overhaul at %(share)s%% of its price.",
               life=life, share=(a.overhaul_share * 100).normalize()),)


def routine_base(asset: PlanItem | Asset, costs: list[YearCost], a: Assumptions, this_year: int) -> tuple[Decimal, tuple]:
    """An item's routine maintenance a year, and the years of records it averages (none: a share of its price)."""
    first, total, years = this_year - HISTORY_YEARS, ZERO, []
    for year, maintenance, _repairs in costs:
        if first < year <= this_year and maintenance > 0:
            total += maintenance
            years.append(year)
    if years:
        return (total / len(years)).quantize(CENT), tuple(years)
    return (asset.replacement_cost * a.routine_share).quantize(CENT), ()


def _routine_reasons(base: Decimal, years: tuple, a: Assumptions) -> tuple:
    if years:
        return (_l("Routine maintenance cost on average %(cost)s a year in %(years)s.",
                   cost=yuan(base), years=", ".join(map(str, years))),)
    return (_l("No maintenance recorded: %(share)s%% of its price a year.", share=(a.routine_share * 100).normalize()),)


def history_years(this_year: int) -> range:
    """The years of cost history the plan reads (:func:`end_of_life`, :func:`routine_base`, :func:`category_history`)."""
    return range(this_year - HISTORY_YEARS + 1, this_year + 1)


def project(a: Assumptions, this_year: int, assets: list[PlanItem | Asset] | None = None,
            history: dict[int, list[YearCost]] | None = None) -> Projection:
    """The plan for ``a.years`` years from ``a.first_year`` (all items of the register when ``assets`` is None).

    Runs over every item on each drawing: the price growth of each year is worked out once, and
    the reasons are put into words only when read."""
    if assets is None:
        assets = plan_items()
    if history is None:
        history = cost_history(years=history_years(this_year))
    projection = Projection(a, this_year)
    lines, routine = projection.lines, projection.routine
    first_year, last_year = a.first_year, a.last_year
    growth = {year: (1 + a.price_growth) ** max(0, year - this_year) for year in range(first_year, last_year + 1)}

    def at(amount: Decimal, year: int) -> Decimal:  # grown(amount, year - this_year, a.price_growth)
        return (amount * growth[year]).quantize(CENT, rounding=ROUND_HALF_UP)

    no_costs: list[YearCost] = []
    for asset in assets:
        costs = history.get(asset.id, no_costs)
        price = asset.replacement_cost
        life = asset.expected_life_years
        recent = recent_repairs(costs, this_year)
        replace_year = replacement(asset, recent, a)[0]
        why = partial(_replacement_reasons, asset, recent, a)
        overhaul = partial(_overhaul_reasons, life, a) if life >= 10 else None
        cycle_start = asset.install_date.year
        while replace_year <= last_year:
            midlife = cycle_start + life // 2
            if overhaul and first_year <= midlife < replace_year:
                lines.append(Line(midlife, asset, Tier.MEDIUM, at(price * a.overhaul_share, midlife), overhaul))
            lines.append(Line(replace_year, asset, Tier.MAJOR, at(price, replace_year), why))
            cycle_start = replace_year
            replace_year = replace_year + life
            why = partial(_next_replacement_reasons, cycle_start, replace_year)
        midlife = cycle_start + life // 2
        if overhaul and first_year <= midlife <= last_year:
            lines.append(Line(midlife, asset, Tier.MEDIUM, at(price * a.overhaul_share, midlife), overhaul))
        base, years = routine_base(asset, costs, a, this_year)
        routine.append(Routine(asset, base, partial(_routine_reasons, base, years, a)))
    projection.history = category_history(assets, history, list(history_years(this_year)))
    return projection


@dataclass(frozen=True)
class HistoryRow:
    category: AssetCategory
    cells: list[YearCost]  # one per year of ``years``
    total: YearCost


def category_history(assets: list[PlanItem] | list[Asset], history: dict[int, list[YearCost]], years: list[int]) -> list[HistoryRow]:
    """What each category cost in maintenance and repairs, year by year (the evidence behind the routine figures)."""
    category_of = {a.id: a.category for a in assets}
    sums: dict[tuple[AssetCategory, int], list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for asset_id, costs in history.items():
        for cost in costs:
            cell = sums[category_of.get(asset_id), cost.year]
            cell[0] += cost.maintenance
            cell[1] += cost.repairs
    rows = []
    for category in AssetCategory:
        cells = [YearCost(y, *sums.get((category, y), (ZERO, ZERO))) for y in years]
        if any(c.total for c in cells):
            rows.append(HistoryRow(category, cells, YearCost(0, sum((c.maintenance for c in cells), ZERO),
                                                             sum((c.repairs for c in cells), ZERO))))
    return rows


@dataclass(frozen=True)
class Bar:
    """One year's stacked bar in the chart (SVG coordinates)."""

    year: int
    x: int
    parts: list[tuple[Tier, int, int, Decimal]]  # tier, y, height, amount
    total: Decimal


CHART_HEIGHT = 200
BAR_WIDTH = 40
BAR_GAP = 16


def chart(projection: Projection) -> tuple[list[Bar], int]:
    by_year = projection.by_year_tier()
    totals = {y: sum(v.values(), ZERO) for y, v in by_year.items()}
    peak = max(totals.values(), default=ZERO) or Decimal(1)
    bars = []
    for index, year in enumerate(projection.years):
        y = CHART_HEIGHT
        parts = []
        for tier in (Tier.ROUTINE, Tier.MEDIUM, Tier.MAJOR):
            amount = by_year[year][tier]
            height = int(amount / peak * CHART_HEIGHT)
            y -= height
            parts.append((tier, y, height, amount))
        bars.append(Bar(year, index * (BAR_WIDTH + BAR_GAP), parts, totals[year]))
    return bars, len(bars) * (BAR_WIDTH + BAR_GAP)
