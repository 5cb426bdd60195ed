"""The maintenance-budget evidence: counts and costs of repairs by place,
category and year, open items by age, and faults that keep coming back.

``load_facts`` reads the rows once; everything else is a plain function of
those rows (and of ``now`` where age matters), tested without a database.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from portal.blueprints.repairs.models import OPEN_STATUSES, Category, RepairRequest, RepairVisit, Status, Urgency
from portal.blueprints.repairs.services import normalise_spot, total_cost, year_bounds  # noqa: F401 (year_bounds: part of this module's API)
from portal.db import db
from portal.models import Building, Floor, Room, User
from portal.timeutil import LOCAL_TZ

ZERO = Decimal("0.00")
REPEAT_WINDOW_DAYS = 365
REPEAT_THRESHOLD = 3


@dataclass(frozen=True)
class RepairFact:
    """One repair request, flattened for counting."""

    id: int
    building: str
    building_order: int
    floor_level: int
    floor_label: str
    floor_id: int
    room_id: int | None
    room_label: str  # "305 第四会议室", or "" for a floor's common areas
    spot: str
    category: Category
    status: Status
    reported_at: datetime
    parts_cost: Decimal | None = None
    labour_cost: Decimal | None = None

    @property
    def cost(self) -> Decimal:
        return total_cost(self.parts_cost, self.labour_cost)

    @property
    def year(self) -> int:
        return self.reported_at.astimezone(LOCAL_TZ).year

    @property
    def floor_name(self) -> str:
        return f"{self.building} {self.floor_label}"

    @property
    def location_key(self) -> tuple:
        """The same place: a room, or a floor's common-area spot (spelled alike)."""
        if self.room_id is not None:
            return ("room", self.room_id)
        return ("floor", self.floor_id, normalise_spot(self.spot))

    @property
    def location(self) -> str:
        label = " ".join(part for part in (self.floor_name, self.room_label) if part)
        return f"{label} · {self.spot}" if self.spot and self.room_id is None else label


def sum_costs(facts: Iterable[RepairFact]) -> Decimal:
    return sum((f.cost for f in facts), ZERO)


@dataclass
class Tally:
    """Repairs and their cost in one group (a building, a floor, a year…)."""

    label: str
    count: int = 0
    cost: Decimal = ZERO
    open: int = 0


def tally(facts: Iterable[RepairFact], group: Callable[[RepairFact], tuple[Hashable, str]]) -> list[Tally]:
    """Count and cost per group; ``group`` gives (sort key, label). Sorted by the key."""
    groups: dict[Hashable, Tally] = {}
    for fact in facts:
        key, label = group(fact)
        row = groups.setdefault(key, Tally(label))
        row.count += 1
        row.cost += fact.cost
        row.open += fact.status in OPEN_STATUSES
    return [groups[key] for key in sorted(groups)]


def by_building(fact: RepairFact) -> tuple[Hashable, str]:
    return (fact.building_order, fact.building), fact.building


def by_floor(fact: RepairFact) -> tuple[Hashable, str]:
    return (fact.building_order, fact.building, fact.floor_level), fact.floor_name


CATEGORY_ORDER = {c: i for i, c in enumerate(Category)}


def by_category(fact: RepairFact) -> tuple[Hashable, str]:
    # The label is the Category itself (a str); pages and exports show its ``label``.
    return CATEGORY_ORDER[fact.category], fact.category


def by_year(fact: RepairFact) -> tuple[Hashable, str]:
    return fact.year, str(fact.year)


@dataclass
class CrossTab:
    """Cost (and count) per row group × year: the trend per category or building."""

    years: list[int]
    rows: list[tuple[str, list[Tally]]] = field(default_factory=list)
    totals: list[Tally] = field(default_factory=list)


def by_year_crosstab(facts: Iterable[RepairFact], group: Callable[[RepairFact], tuple[Hashable, str]]) -> CrossTab:
    facts = list(facts)
    years = sorted({f.year for f in facts})
    cells: dict[Hashable, dict[int, Tally]] = defaultdict(dict)
    labels: dict[Hashable, str] = {}
    for fact in facts:
        key, label = group(fact)
        labels[key] = label
        cell = cells[key].setdefault(fact.year, Tally(str(fact.year)))
        cell.count += 1
        cell.cost += fact.cost
    table = CrossTab(years)
    for key in sorted(cells):
        table.rows.append((labels[key], [cells[key].get(year, Tally(str(year))) for year in years]))
    table.totals = [
        Tally(str(year), sum(r[i].count for _, r in table.rows), sum((r[i].cost for _, r in table.rows), ZERO))
        for i, year in enumerate(years)
    ]
    return table


# Age buckets for open items: (upper bound in days, inclusive; None = no bound).
AGE_BUCKETS = (1, 3, 7, 30, None)


@dataclass
class AgeRow:
    upper_days: int | None
    lower_days: int
    counts: dict[Status, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def age_in_days(fact: RepairFact, now: datetime) -> float:
    return (now - fact.reported_at).total_seconds() / 86400


def open_by_age(facts: Iterable[RepairFact], now: datetime) -> list[AgeRow]:
    """Open items (not yet done) per age bucket and status: how long people wait."""
    rows, lower = [], 0
    for upper in AGE_BUCKETS:
        rows.append(AgeRow(upper, lower, {status: 0 for status in OPEN_STATUSES}))
        lower = upper or lower
    for fact in facts:
        if fact.status not in OPEN_STATUSES:
            continue
        age = age_in_days(fact, now)
        row = next(r for r in rows if r.upper_days is None or age <= r.upper_days)
        row.counts[fact.status] += 1
    return rows


def oldest_open(facts: Iterable[RepairFact], limit: int = 10) -> list[RepairFact]:
    return sorted((f for f in facts if f.status in OPEN_STATUSES), key=lambda f: f.reported_at)[:limit]


@dataclass
class RepeatFault:
    location: str
    category: Category
    facts: list[RepairFact]

    @property
    def count(self) -> int:
        return len(self.facts)

    @property
    def cost(self) -> Decimal:
        return sum_costs(self.facts)

    @property
    def first(self) -> datetime:
        return self.facts[0].reported_at

    @property
    def last(self) -> datetime:
        return self.facts[-1].reported_at


def repeat_faults(
    facts: Iterable[RepairFact],
    end: datetime,
    *,
    window_days: int = REPEAT_WINDOW_DAYS,
    threshold: int = REPEAT_THRESHOLD,
) -> list[RepeatFault]:
    """Places where the same kind of fault was reported ``threshold`` times or
    more in the ``window_days`` up to ``end``: worn pipes and wiring to replace
    rather than patch again. Most frequent (then most costly) first."""
    start = end - timedelta(days=window_days)
    groups: dict[tuple, list[RepairFact]] = defaultdict(list)
    for fact in facts:
        if start < fact.reported_at <= end:
            groups[(fact.location_key, fact.category)].append(fact)
    found = [
        RepeatFault(group[0].location, category, sorted(group, key=lambda f: f.reported_at))
        for (_, category), group in groups.items()
        if len(group) >= threshold
    ]
    found.sort(key=lambda r: (-r.count, -r.cost, r.location))
    return found


def load_facts(
    *, start: datetime | None = None, end: datetime | None = None, statuses: Iterable[Status] | None = None
) -> list[RepairFact]:
    """Every repair reported in [start, end) (all if not given), flattened, in one query."""
    query = (
        select(
            RepairRequest.id,
            Building.name,
            Building.sort_order,
            Floor.level,
            Floor.label,
            RepairRequest.floor_id,
            RepairRequest.room_id,
            Room.number,
            Room.name,
            RepairRequest.spot,
            RepairRequest.category,
            RepairRequest.status,
            RepairRequest.reported_at,
            RepairRequest.parts_cost,
            RepairRequest.labour_cost,
        )
        .join(Floor, RepairRequest.floor_id == Floor.id)
        .join(Building, Floor.building_id == Building.id)
        .outerjoin(Room, RepairRequest.room_id == Room.id)
        .order_by(RepairRequest.reported_at, RepairRequest.id)
    )
    if start is not None:
        query = query.where(RepairRequest.reported_at >= start)
    if end is not None:
        query = query.where(RepairRequest.reported_at < end)
    if statuses is not None:
        query = query.where(RepairRequest.status.in_(list(statuses)))
    facts = []
    for row in db.session.execute(query):
        (rid, building, order, level, floor_label, floor_id, room_id, number, room_name, spot,
         category, status, reported_at, parts, labour) = row
        facts.append(
            RepairFact(
                id=rid, building=building, building_order=order, floor_level=level,
                floor_label=floor_label or f"{level}F", floor_id=floor_id, room_id=room_id,
                room_label=" ".join(p for p in (number, room_name) if p), spot=spot, category=category,
                status=status, reported_at=reported_at, parts_cost=parts, labour_cost=labour,
            )
        )
    return facts


def years_with_repairs() -> list[int]:
    first = db.session.scalar(select(RepairRequest.reported_at).order_by(RepairRequest.reported_at).limit(1))
    last = db.session.scalar(select(RepairRequest.reported_at).order_by(RepairRequest.reported_at.desc()).limit(1))
    if first is None or last is None:
        return []
    return list(range(last.year, first.year - 1, -1))


@dataclass(frozen=True)
class RepairRow:
    """One repair with everything the Excel list shows."""

    id: int
    reported_at: datetime
    building: str
    floor_label: str
    room_label: str
    spot: str
    category: Category
    urgency: Urgency
    status: Status
    description: str
    reporter: str
    contact: str
    handler: str
    resolution: str
    visits: int
    reopen_count: int
    accepted_at: datetime | None
    started_at: datetime | None
    done_at: datetime | None
    confirmed_at: datetime | None
    parts_cost: Decimal | None
    labour_cost: Decimal | None

    @property
    def cost(self) -> Decimal:
        return total_cost(self.parts_cost, self.labour_cost)


def detail_rows(*, start: datetime | None = None, end: datetime | None = None) -> Iterator[RepairRow]:
    """Every repair reported in [start, end) with its people, texts and times, oldest first (streamed)."""
    reporter, handler = aliased(User), aliased(User)
    visits = (
        select(func.count()).select_from(RepairVisit).where(RepairVisit.request_id == RepairRequest.id)
        .correlate(RepairRequest).scalar_subquery()
    )
    query = (
        select(
            RepairRequest.id, RepairRequest.reported_at, Building.name, Floor.level, Floor.label, Room.number,
            Room.name, RepairRequest.spot, RepairRequest.category, RepairRequest.urgency, RepairRequest.status,
            RepairRequest.description, reporter.display_name, RepairRequest.contact, handler.display_name,
            RepairRequest.resolution, visits, RepairRequest.reopen_count, RepairRequest.accepted_at,
            RepairRequest.started_at, RepairRequest.done_at, RepairRequest.confirmed_at, RepairRequest.parts_cost,
            RepairRequest.labour_cost,
        )
        .join(Floor, RepairRequest.floor_id == Floor.id)
        .join(Building, Floor.building_id == Building.id)
        .outerjoin(Room, RepairRequest.room_id == Room.id)
        .join(reporter, RepairRequest.reporter_id == reporter.id)
        .outerjoin(handler, RepairRequest.handler_id == handler.id)
        .order_by(RepairRequest.reported_at, RepairRequest.id)
    )
    if start is not None:
        query = query.where(RepairRequest.reported_at >= start)
    if end is not None:
        query = query.where(RepairRequest.reported_at < end)
    for row in db.session.execute(query):
        (rid, reported_at, building, level, floor_label, number, room_name, spot, category, urgency, status,
         description, reporter_name, contact, handler_name, resolution, visit_count, reopen_count, accepted_at,
         started_at, done_at, confirmed_at, parts, labour) = row
        yield RepairRow(
            id=rid, reported_at=reported_at, building=building, floor_label=floor_label or f"{level}F",
            room_label=" ".join(p for p in (number, room_name) if p), spot=spot, category=category, urgency=urgency,
            status=status, description=description, reporter=reporter_name, contact=contact,
            handler=handler_name or "", resolution=resolution, visits=visit_count, reopen_count=reopen_count,
            accepted_at=accepted_at, started_at=started_at, done_at=done_at, confirmed_at=confirmed_at,
            parts_cost=parts, labour_cost=labour,
        )
