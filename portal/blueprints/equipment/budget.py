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
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, getcontext
from functools import cached_property, partial
from operator import attrgetter
from typing import Any, NamedTuple

from sqlalchemy import select

from portal.blueprints.equipment.models import Asset, AssetCategory, Condition
from portal.blueprints.equipment.services import YearCost, cost_history, with_place
from portal.db import db
from portal.i18n import lazy_gettext as _l
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


def yuan(amount: Decimal) -> str:
    return "¥{:,.2f}".format(amount)


def grown(amount: Decimal, years: int, growth: Decimal) -> Decimal:
    return (amount * (1 + growth) ** max(0, years)).quantize(CENT, rounding=ROUND_HALF_UP)


def fen(amount: Decimal) -> int:
    return int(amount.scaleb(2))


def recent_repairs(costs: list[YearCost], this_year: int) -> Decimal:
    """What the repairs of an item cost in the last :data:`HISTORY_YEARS` years."""
    first, total = this_year - HISTORY_YEARS, ZERO
    for year, _maintenance, repairs in costs:
        if first < year <= this_year:
            total += repairs
    return total


def end_of_life(asset: PlanItem | Asset, costs: list[YearCost], a: Assumptions, this_year: int) -> tuple[int, tuple]:
    """The year ``asset`` should be replaced, and the reasons."""
    return replacement(asset, recent_repairs(costs, this_year), a, explain=True)


def repairs_bring_forward(recent: Decimal, price: Decimal, a: Assumptions) -> bool:
    """Whether ``recent`` repairs of an item of ``price`` bring its replacement forward."""
    return bool(price and recent > price * a.repair_ratio and a.repair_years_earlier)


def planned_year(installed: int, life: int, condition: Condition, costly: bool, a: Assumptions) -> int:
    """The year an item is due for replacement by its age, condition and repairs (before the first year: past due)."""
    year = installed + life
    if condition is Condition.FAILED:
        year = min(year, a.first_year)
    elif condition is Condition.POOR and a.poor_years_earlier:
        year -= a.poor_years_earlier
    if costly:
        year -= a.repair_years_earlier
    return year


def replacement(asset: PlanItem | Asset, recent: Decimal, a: Assumptions, explain: bool = False) -> tuple[int, tuple]:
    """The year ``asset`` should be replaced after ``recent`` repairs, and the reasons when ``explain``
    (the plan words them only for the lines it shows)."""
    costly = repairs_bring_forward(recent, asset.replacement_cost, a)
    year = planned_year(asset.install_date.year, asset.expected_life_years, asset.condition, costly, a)
    if not explain:
        return max(year, a.first_year), ()
    reasons = [_l("Installed %(year)s, expected life %(life)s years: end of life %(end)s.",
                  year=asset.install_date.year, life=asset.expected_life_years, end=asset.end_of_life_year)]
    if asset.condition is Condition.FAILED:
        reasons.append(_l("Condition “failed” (%(day)s): replace first.", day=asset.condition_date.isoformat()))
    elif asset.condition is Condition.POOR and a.poor_years_earlier:
        reasons.append(_l("Condition “poor” (%(day)s): %(n)s years earlier.",
                          day=asset.condition_date.isoformat(), n=a.poor_years_earlier))
    if costly:
        reasons.append(_l("Repairs in the last %(n)s years cost %(cost)s, over %(share)s%% of its price: "
                          "%(years)s year earlier.", n=HISTORY_YEARS, cost=yuan(recent),
                          share=int(a.repair_ratio * 100), years=a.repair_years_earlier))
    if year < a.first_year:
        reasons.append(_l("Past its end of life: planned in the first year."))
    return max(year, a.first_year), tuple(reasons)


def _replacement_reasons(asset: PlanItem | Asset, recent: Decimal, a: Assumptions) -> tuple:
    return replacement(asset, recent, a, explain=True)[1]


def _next_replacement_reasons(year: int, end: int) -> tuple:
    return (_l("Replaced %(year)s; next end of life %(end)s.", year=year, end=end),)


def _overhaul_reasons(life: int, a: Assumptions) -> tuple:
    return (_l("Half of its %(life)s-year life: overhaul at %(share)s%% of its price.",
               life=life, share=(a.overhaul_share * 100).normalize()),)


def _routine_reasons(base: Decimal, years: tuple, a: Assumptions) -> tuple:
    if years:
        return (_l("Routine maintenance cost on average %(cost)s a year in %(years)s.",
                   cost=yuan(base), years=", ".join(map(str, years))),)
    return (_l("No maintenance recorded: %(share)s%% of its price a year.", share=(a.routine_share * 100).normalize()),)


def history_years(this_year: int) -> range:
    """The years of cost history the plan reads (:func:`end_of_life`, the routine figures, :func:`category_history`)."""
    return range(this_year - HISTORY_YEARS + 1, this_year + 1)


def _half_even(total: int, count: int) -> int:
    """``total / count`` rounded to a whole number, halves to even (as ``Decimal.quantize`` does)."""
    quotient, remainder = divmod(total, count)
    if 2 * remainder > count or (2 * remainder == count and quotient % 2):
        quotient += 1
    return quotient


# --- what the plan is drawn from: the same for every year it is drawn for ---------------------------


class Kind(NamedTuple):
    """Items the plan treats alike: one category, install year, expected life, price and condition."""

    category: AssetCategory
    installed: int
    life: int
    price: Decimal
    condition: Condition
    members: tuple[int, ...]  # their places in ``PlanFacts.items``, by code


@dataclass(frozen=True, slots=True)
class PlanFacts:
    """The register's items by code, grouped into kinds, and their costs by year: data only (no
    assumption, no year of a request), so a plan for any year and any assumptions is drawn from them.
    Amounts in fen (whole numbers) where each request adds them up."""

    items: tuple[PlanItem, ...]
    kinds: tuple[Kind, ...]
    kind_of: tuple[int, ...]  # each item's kind
    maintenance: tuple[dict[int, int], ...]  # each item's maintenance cost by year (the years with a cost)
    repairs: tuple[tuple[int, dict[int, int]], ...]  # (item, its repair costs by year) of the items with repairs
    # each item's routine maintenance to a year: the average of its costs in the HISTORY_YEARS years to
    # it (None: none), for every year the records reach
    averages: dict[int, tuple[int | None, ...]]
    by_category: tuple[tuple[AssetCategory, tuple[int, ...]], ...]  # the items of each category
    category_costs: dict[tuple[AssetCategory, int], tuple[Decimal, Decimal]]  # maintenance and repairs


def plan_facts(assets: Iterable[PlanItem | Asset], history: dict[int, list[YearCost]]) -> PlanFacts:
    """The facts of ``assets`` (items of the register) with their ``history`` of costs."""
    items = sorted((item if isinstance(item, PlanItem) else PlanItem._make(getattr(item, f) for f in PlanItem._fields)
                    for item in assets), key=attrgetter("code"))
    kinds: dict[tuple, int] = {}  # by what they share: their number
    members_of: list[list[int]] = []
    kind_of, maintenance, repairs = [], [], []
    for index, item in enumerate(items):
        key = (item.category, item.install_date.year, item.expected_life_years, item.replacement_cost, item.condition)
        number = kinds.get(key)
        if number is None:
            number = kinds[key] = len(members_of)
            members_of.append([])
        members_of[number].append(index)
        kind_of.append(number)
        costs = history.get(item.id, ())
        maintenance.append({cost.year: fen(cost.maintenance) for cost in costs if cost.maintenance > 0})
        repaired = {cost.year: fen(cost.repairs) for cost in costs if cost.repairs}
        if repaired:
            repairs.append((index, repaired))
    years = {year for costs in maintenance for year in costs}
    averages = {}
    for year in range(min(years, default=0), max(years, default=-HISTORY_YEARS) + HISTORY_YEARS):
        window = history_years(year)
        averages[year] = tuple(_average(costs, window) for costs in maintenance)
    return PlanFacts(tuple(items), tuple(Kind(*key, tuple(members_of[n])) for key, n in kinds.items()),
                     tuple(kind_of), tuple(maintenance), tuple(repairs), averages,
                     tuple((category, tuple(i for i, item in enumerate(items) if item.category is category))
                           for category in AssetCategory if any(item.category is category for item in items)),
                     _category_sums({item.id: item.category for item in items}, history))


def _average(costs: dict[int, int], window: range) -> int | None:
    found = [costs[year] for year in window if year in costs]
    return _half_even(sum(found), len(found)) if found else None


def register_facts() -> PlanFacts:
    """The facts of the whole register."""
    return plan_facts(plan_items(), cost_history())


# --- the plan for a year ----------------------------------------------------------------------------


OVERHAUL = "overhaul"  # why a line is planned: an overhaul; None: the item's replacement; (year, end): its next


def _cycles(installed: int, life: int, year: int, first: int, last: int) -> tuple[tuple[int, Tier, Any], ...]:
    """The replacements (the first in ``year``) and half-life overhauls of an item, in ``first``–``last``."""
    out = []
    overhaul = life >= 10
    start, why = installed, None
    while year <= last:
        midlife = start + life // 2
        if overhaul and first <= midlife < year:
            out.append((midlife, Tier.MEDIUM, OVERHAUL))
        out.append((year, Tier.MAJOR, why))
        start, year = year, year + life
        why = (start, year)
    midlife = start + life // 2
    if overhaul and first <= midlife <= last:
        out.append((midlife, Tier.MEDIUM, OVERHAUL))
    return tuple(out)


_ONE_FEN = Decimal(1)


def _grown_sums(bases: Counter[int], growth: Decimal, first: int, years: int) -> list[int]:
    """For each of ``years`` years from ``first`` years on: the sum of :func:`grown` of the items' routine
    figures, ``bases`` (fen a year: how many items have each), in fen.

    Worked in integers: a power of the growth is a Decimal, so an exact fraction n/d, and rounding
    ``base × n/d`` half up is ``(2·base·n + d) // 2d``. :func:`grown`'s product is exact when its digits fit
    Decimal's precision; when they do not, Decimal rounds it first, moving it by at most a unit of its last
    digit, and only a product that close to half a fen can round otherwise. Then the year is worked out with
    the products moved that far down and up: when the two sums agree no product was that close, and when
    they do not, Decimal works out that year."""
    counted = list(bases.items())
    if min(bases, default=0) < 0:  # half up is away from zero: a negative base does not round as a floor
        return [_decimal_sum(counted, (1 + growth) ** max(0, offset)) for offset in range(first, first + years)]
    precision = getcontext().prec
    top = max(bases, default=0)
    out = []
    for offset in range(first, first + years):
        factor = (1 + growth) ** max(0, offset)
        n, d = factor.as_integer_ratio()
        n2, d2 = 2 * n, 2 * d
        if len(str(top)) + len(factor.as_tuple().digits) <= precision:  # every product exact
            out.append(sum([(base * n2 + d) // d2 * count for base, count in counted]))
            continue
        band = d2 * 10 ** len(str(top * n // d + 1)) // 10**precision + 1
        low = sum([(base * n2 + d - band) // d2 * count for base, count in counted])
        if low == sum([(base * n2 + d + band) // d2 * count for base, count in counted]):
            out.append(low)
        else:
            out.append(_decimal_sum(counted, factor))
    return out


def _decimal_sum(counted: list[tuple[int, int]], factor: Decimal) -> int:
    return sum(int((Decimal(base) * factor).quantize(_ONE_FEN, rounding=ROUND_HALF_UP)) * count
               for base, count in counted)


@dataclass(frozen=True, slots=True)
class Plan:
    """The plan drawn from the facts for one year: its sums by category, year and kind of work, and its
    replacements and overhauls in order of year, kind of work and code, listed a page at a time."""

    facts: PlanFacts
    assumptions: Assumptions
    this_year: int
    cells: dict[tuple[AssetCategory, int, Tier], Decimal]
    runs: tuple[tuple[int, Tier, tuple, int], ...]  # year, tier, ((members, why), …), how many lines
    amounts: dict[tuple[int, Tier, Decimal], Decimal]  # a line's amount by its year, tier and the item's price
    recent: dict[int, Decimal]  # the recent repairs of the items that had some
    bases: tuple[int, ...]  # each item's routine maintenance a year at this year's prices (fen)

    def line_count(self, year: int | None = None) -> int:
        """How many replacements and overhauls (in ``year``, or in all years)."""
        return sum(run[3] for run in self.runs if year is None or run[0] == year)

    def counts_by_year(self) -> dict[int, dict[Tier, int]]:
        """How many replacements and overhauls each year."""
        out: dict[int, dict[Tier, int]] = {}
        for year, tier, _groups, count in self.runs:
            out.setdefault(year, {Tier.MAJOR: 0, Tier.MEDIUM: 0})[tier] = count
        return out

    def lines(self, start: int = 0, stop: int | None = None, year: int | None = None) -> list[Line]:
        """The replacements and overhauls (in ``year``, or in all years) from ``start`` to ``stop``, in order,
        with their reasons: only the lines asked for are made."""
        out, position = [], 0
        for run_year, tier, groups, count in self.runs:
            if stop is not None and position >= stop:
                break
            if year is not None and run_year != year:
                continue
            if position + count > start:
                entries = sorted((index, why) for members, why in groups for index in members)
                high = count if stop is None else min(count, stop - position)
                out.extend(self._line(run_year, tier, index, why)
                           for index, why in entries[max(0, start - position):high])
            position += count
        return out

    def _line(self, year: int, tier: Tier, index: int, why: Any) -> Line:
        item, a = self.facts.items[index], self.assumptions
        if why is None:
            reasons = partial(_replacement_reasons, item, self.recent.get(index, ZERO), a)
        elif why is OVERHAUL:
            reasons = partial(_overhaul_reasons, item.expected_life_years, a)
        else:
            reasons = partial(_next_replacement_reasons, *why)
        return Line(year, item, tier, self.amounts[year, tier, item.replacement_cost], reasons)


def plan_for(facts: PlanFacts, a: Assumptions, this_year: int) -> Plan:
    """The plan for ``a.years`` years from ``a.first_year``, drawn from ``facts``.

    Works over kinds of items, not items: each kind's replacement year and lines are worked out once,
    and an item moves out of its kind only when its recent repairs bring it forward. The amounts of a
    price in a year, and the growth of a routine figure, are worked out once."""
    first, last = a.first_year, a.last_year
    window = history_years(this_year)
    items = facts.items
    recent: dict[int, Decimal] = {}
    forward: dict[int, set[int]] = defaultdict(set)  # by kind: the items that repairs bring forward
    for index, repairs in facts.repairs:
        total = sum(repairs.get(year, 0) for year in window)
        if total:
            recent[index] = amount = Decimal(total).scaleb(-2)
            if repairs_bring_forward(amount, items[index].replacement_cost, a):
                forward[facts.kind_of[index]].add(index)
    counts: dict[tuple[AssetCategory, int, Tier, Decimal], int] = {}
    runs: dict[tuple[int, Tier], list] = defaultdict(list)
    cycles: dict[tuple[int, int, Condition, bool], tuple] = {}  # by install year, life, condition, repairs
    for number, (category, installed, life, price, condition, members) in enumerate(facts.kinds):
        moved = forward.get(number)
        groups = ((members, False),)
        if moved:
            groups = ((tuple(i for i in members if i not in moved), False), (tuple(sorted(moved)), True))
        for members, costly in groups:
            if not members:
                continue
            lines = cycles.get((installed, life, condition, costly))
            if lines is None:
                year = max(first, planned_year(installed, life, condition, costly, a))
                lines = cycles[installed, life, condition, costly] = _cycles(installed, life, year, first, last)
            for line_year, tier, why in lines:
                key = (category, line_year, tier, price)
                counts[key] = counts.get(key, 0) + len(members)
                runs[line_year, tier].append((members, why))
    growth = {year: (1 + a.price_growth) ** max(0, year - this_year) for year in range(first, last + 1)}
    sums: dict[tuple[AssetCategory, int, Tier], int] = {}  # in fen
    amounts: dict[tuple[int, Tier, Decimal], Decimal] = {}
    in_fen: dict[tuple[int, Tier, Decimal], int] = {}
    for (category, year, tier, price), count in counts.items():
        amount = in_fen.get((year, tier, price))
        if amount is None:
            base = price if tier is Tier.MAJOR else price * a.overhaul_share
            amounts[year, tier, price] = grown_amount = (base * growth[year]).quantize(CENT, rounding=ROUND_HALF_UP)
            amount = in_fen[year, tier, price] = fen(grown_amount)
        sums[category, year, tier] = sums.get((category, year, tier), 0) + amount * count
    cells = {key: Decimal(total).scaleb(-2) for key, total in sums.items()}
    bases = _routine_bases(facts, a, this_year)
    for category, members in facts.by_category:
        routine = _grown_sums(Counter(map(bases.__getitem__, members)), a.price_growth, first - this_year, a.years)
        for year, total in zip(range(first, last + 1), routine):
            cells[category, year, Tier.ROUTINE] = Decimal(total).scaleb(-2)
    ordered = tuple((year, tier, tuple(groups), sum(len(members) for members, _why in groups))
                    for (year, tier), groups in sorted(runs.items()))
    return Plan(facts, a, this_year, cells, ordered, amounts, recent, bases)


def _routine_bases(facts: PlanFacts, a: Assumptions, this_year: int) -> tuple[int, ...]:
    """Each item's routine maintenance a year (fen): the average of its recent costs, or a share of its price."""
    averages = facts.averages.get(this_year)
    if averages is not None and None not in averages:
        return averages
    out = list(averages or (None,) * len(facts.items))
    shares: dict[Decimal, int] = {}
    for index, average in enumerate(out):
        if average is None:
            price = facts.items[index].replacement_cost
            share = shares.get(price)
            if share is None:
                share = shares[price] = fen((price * a.routine_share).quantize(CENT))
            out[index] = share
    return tuple(out)


# --- the plan as the export and the rules read it -------------------------------------------------------


@dataclass
class Projection:
    """A :class:`Plan` with every line and each item's routine figure, and its sums by year and category."""

    plan: Plan

    @property
    def assumptions(self) -> Assumptions:
        return self.plan.assumptions

    @property
    def this_year(self) -> int:
        return self.plan.this_year

    @property
    def years(self) -> list[int]:
        return list(range(self.assumptions.first_year, self.assumptions.last_year + 1))

    @cached_property
    def lines(self) -> list[Line]:
        """Replacements and overhauls, item by item (by code), each item's in order of year."""
        return sorted(self.plan.lines(), key=lambda line: (line.asset.code, line.year))

    @cached_property
    def routine(self) -> list[Routine]:
        """Each item's routine maintenance, and why."""
        window, a = history_years(self.this_year), self.assumptions
        out = []
        for item, costs, base in zip(self.plan.facts.items, self.plan.facts.maintenance, self.plan.bases):
            amount = Decimal(base).scaleb(-2)
            out.append(Routine(item, amount, partial(_routine_reasons, amount,
                                                     tuple(year for year in window if year in costs), a)))
        return out

    @cached_property
    def history(self) -> list[HistoryRow]:
        """The recent years' actual costs by category."""
        return history_rows(self.plan.facts.category_costs, list(history_years(self.this_year)))

    def routine_amount(self, routine: Routine, year: int) -> Decimal:
        return grown(routine.base, year - self.this_year, self.assumptions.price_growth)

    @property
    def _cells(self) -> dict[tuple[AssetCategory, int, Tier], Decimal]:
        return self.plan.cells

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
        """The lines in order of year, kind of work (a tier sorts as its value) and code."""
        return self.plan.lines()


def project(a: Assumptions, this_year: int, assets: list[PlanItem | Asset] | None = None,
            history: dict[int, list[YearCost]] | None = None) -> Projection:
    """The plan for ``a.years`` years from ``a.first_year`` (all items of the register when ``assets`` is None,
    with their recorded costs when ``history`` is None)."""
    facts = plan_facts(plan_items() if assets is None else assets, cost_history() if history is None else history)
    return Projection(plan_for(facts, a, this_year))


@dataclass(frozen=True)
class HistoryRow:
    category: AssetCategory
    cells: list[YearCost]  # one per year of ``years``
    total: YearCost


def _category_sums(category_of: dict[int, AssetCategory], history: dict[int, list[YearCost]]
                   ) -> dict[tuple[AssetCategory, int], tuple[Decimal, Decimal]]:
    sums: dict[tuple[AssetCategory, int], list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for asset_id, costs in history.items():
        for cost in costs:
            cell = sums[category_of.get(asset_id), cost.year]
            cell[0] += cost.maintenance
            cell[1] += cost.repairs
    return {key: (maintenance, repairs) for key, (maintenance, repairs) in sums.items()}


def history_rows(sums: dict[tuple[AssetCategory, int], tuple[Decimal, Decimal]], years: list[int]) -> list[HistoryRow]:
    rows = []
    for category in AssetCategory:
        cells = [YearCost(y, *sums.get((category, y), (ZERO, ZERO))) for y in years]
        if any(c.total for c in cells):
            rows.append(HistoryRow(category, cells, YearCost(0, sum((c.maintenance for c in cells), ZERO),
                                                             sum((c.repairs for c in cells), ZERO))))
    return rows


def category_history(assets: list[PlanItem] | list[Asset], history: dict[int, list[YearCost]], years: list[int]) -> list[HistoryRow]:
    """What each category cost in maintenance and repairs, year by year (the evidence behind the routine figures)."""
    return history_rows(_category_sums({a.id: a.category for a in assets}, history), years)


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


def chart(projection: Projection, by_year: dict[int, dict[Tier, Decimal]] | None = None) -> tuple[list[Bar], int]:
    """The bars of ``projection`` (``by_year``: its sums by year and tier, when worked out already)."""
    by_year = by_year or projection.by_year_tier()
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


def chart_paths(bars: list[Bar]) -> tuple[tuple[Tier, str], ...]:
    """The chart's bars as one SVG path a kind of work (bottom to top: routine, overhauls, replacements)."""
    out = []
    for index, tier in enumerate((Tier.ROUTINE, Tier.MEDIUM, Tier.MAJOR)):
        path = "".join(f"M{bar.x} {bar.parts[index][1]}h{BAR_WIDTH}v{bar.parts[index][2]}h-{BAR_WIDTH}z"
                       for bar in bars if bar.parts[index][2])
        if path:
            out.append((tier, path))
    return tuple(out)
