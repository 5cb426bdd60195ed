"""Repairs by month for the charts of the reports page: how many, what they cost, where,
for what, and how long people waited. Counted in SQL (``GROUP BY``), one query per table.

Definitions (the page, its charts and the Excel file read them from here):

- A repair counts in the local month (Asia/Shanghai) in which it was *reported*.
- *Cost*: parts plus labour, as on the reports page (a repair without costs yet counts 0).
- *Response time*: from the report to its acceptance (``accepted_at``); *fix time*: from the
  report to the work marked done (``done_at``, the last time when it was reopened). Only
  repairs that reached that step count; the figures are per month of the report.
- *Median* and *90th percentile* by the nearest rank: the smallest time that at least half
  (nine tenths) of the month's times do not exceed, so always one of the real times.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import case, func, select, type_coerce

from portal.blueprints.repairs.models import Category, RepairRequest
from portal.db import Money, db
from portal.i18n import lazy_gettext as _l
from portal.models import Building, Floor
from portal.rules import RuleViolation
from portal.sqltime import local_month, seconds_between
from portal.timeutil import local

ZERO = Decimal("0.00")
HOURS = Decimal("0.1")
DEFAULT_MONTHS = 12
LONGEST_MONTHS = 36


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def months_back(month: date, count: int) -> date:
    """The first day of the month ``count`` months before ``month``."""
    index = month.year * 12 + month.month - 1 - count
    return date(index // 12, index % 12 + 1, 1)


def months_between(first: date, last: date) -> list[date]:
    months, month = [], first
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months


def default_range(today: date) -> tuple[date, date]:
    """The last twelve months, this one included."""
    this = today.replace(day=1)
    return months_back(this, DEFAULT_MONTHS - 1), this


def check_range(first: date, last: date) -> None:
    if last < first:
        raise RuleViolation(_l("The last month is before the first."), field="to")
    if len(months_between(first, last)) > LONGEST_MONTHS:
        raise RuleViolation(_l("Choose at most %(months)s months.", months=LONGEST_MONTHS), field="to")


def hours(seconds: int | None) -> Decimal | None:
    """Seconds as hours with one place (half up); None stays None."""
    if seconds is None:
        return None
    return (Decimal(seconds) / 3600).quantize(HOURS, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Durations:
    """How long it took in one month: how many repairs got that far, the median and the 90th percentile."""

    measured: int = 0
    median_seconds: int | None = None
    p90_seconds: int | None = None

    @property
    def median_hours(self) -> Decimal | None:
        return hours(self.median_seconds)

    @property
    def p90_hours(self) -> Decimal | None:
        return hours(self.p90_seconds)


@dataclass(frozen=True)
class MonthFigures:
    month: date  # its first day
    count: int
    cost: Decimal
    response: Durations
    fix: Durations


@dataclass(frozen=True)
class GroupFigures:
    label: str | Category  # a building's name, or the category (pages show its label)
    count: int
    cost: Decimal


@dataclass(frozen=True)
class RepairStatistics:
    first: date
    last: date
    months: list[MonthFigures]
    buildings: list[GroupFigures]
    categories: list[GroupFigures]

    @property
    def count(self) -> int:
        return sum(m.count for m in self.months)

    @property
    def cost(self) -> Decimal:
        return sum((m.cost for m in self.months), ZERO)


def _cost():
    """The sum of parts and labour, read back as yuan (both are kept as fen)."""
    return type_coerce(
        func.coalesce(func.sum(func.coalesce(RepairRequest.parts_cost, 0) + func.coalesce(RepairRequest.labour_cost, 0)), 0),
        Money(),
    )


def _in_range(query, start: datetime, end: datetime):
    return query.where(RepairRequest.reported_at >= start, RepairRequest.reported_at < end)


def _durations(done, start: datetime, end: datetime) -> dict[str, Durations]:
    """Median and 90th percentile per month of the times from report to ``done`` (a timestamp column)."""
    month = local_month(RepairRequest.reported_at)
    seconds = seconds_between(RepairRequest.reported_at, done)
    ranked = _in_range(
        select(
            month.label("month"),
            seconds.label("seconds"),
            func.row_number().over(partition_by=month, order_by=seconds).label("rank"),
            func.count().over(partition_by=month).label("n"),
        ).where(done.is_not(None)),
        start, end,
    ).subquery()
    # Nearest rank: ceil(n / 2) and ceil(9 n / 10), in integer arithmetic on both databases.
    rows = db.session.execute(
        select(
            ranked.c.month,
            func.max(ranked.c.n),
            func.max(case((ranked.c.rank == (ranked.c.n + 1) // 2, ranked.c.seconds))),
            func.max(case((ranked.c.rank == (ranked.c.n * 9 + 9) // 10, ranked.c.seconds))),
        ).group_by(ranked.c.month)
    )
    return {key: Durations(int(n), median, p90) for key, n, median, p90 in rows}


def repair_statistics(first: date, last: date) -> RepairStatistics:
    """Counts, costs and times of the repairs reported from month ``first`` to month ``last`` (both included)."""
    check_range(first, last)
    start, end = local(first, time(0)), local(next_month(last), time(0))
    month = local_month(RepairRequest.reported_at)
    counted = {
        key: (count, cost)
        for key, count, cost in db.session.execute(
            _in_range(select(month, func.count(RepairRequest.id), _cost()), start, end).group_by(month)
        )
    }
    responses = _durations(RepairRequest.accepted_at, start, end)
    fixes = _durations(RepairRequest.done_at, start, end)
    months = []
    for day in months_between(first, last):
        key = f"{day:%Y-%m}"
        count, cost = counted.get(key, (0, ZERO))
        months.append(MonthFigures(day, count, cost, responses.get(key, Durations()), fixes.get(key, Durations())))
    buildings = [
        GroupFigures(name, count, cost)
        for name, count, cost in db.session.execute(
            _in_range(
                select(Building.name, func.count(RepairRequest.id), _cost())
                .join(Floor, RepairRequest.floor_id == Floor.id)
                .join(Building, Floor.building_id == Building.id),
                start, end,
            )
            .group_by(Building.id, Building.name, Building.sort_order)
            .order_by(Building.sort_order, Building.name)
        )
    ]
    order = {c: i for i, c in enumerate(Category)}
    categories = sorted(
        (
            GroupFigures(category, count, cost)
            for category, count, cost in db.session.execute(
                _in_range(select(RepairRequest.category, func.count(RepairRequest.id), _cost()), start, end)
                .group_by(RepairRequest.category)
            )
        ),
        key=lambda g: order[g.label],
    )
    return RepairStatistics(first, last, months, buildings, categories)
