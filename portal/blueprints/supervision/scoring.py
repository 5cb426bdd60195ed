"""The monthly evaluation of the property company, as plain functions of facts.

A month's score (0–100) is a weighted mean of five components, each itself a
percentage:

- **inspections**: per area, the mean of the month's inspection scores (points
  passed ÷ points possible × 100); the component is the mean of the areas that
  were inspected;
- **rectification on time**: of the rectifications due in the month that are
  settled (closed, or past their deadline and still with the property company;
  one reported done and waiting for verification is not counted yet), the
  share reported done by the deadline and then closed;
- **repair response**: of the month's repair requests whose response is
  settled, the share accepted within ``RESPONSE_LIMIT`` of being reported;
- **repair fix time**: of the month's requests whose fix is settled, the share
  finished within the repairs capability's overdue allowance for its urgency;
- **staff satisfaction**: the mean of the month's survey answers, each counting
  100 (satisfied), 60 (fairly satisfied) or 0 (dissatisfied).

Beside the score, not in it: the security **patrol rounds** made of those
expected in the month (an expected round still within its tolerance window is
not counted yet), with the number missed. The contract's weights above add up
to 100 and do not name patrols, so the missed rounds are shown for the payment
discussion rather than given a weight of their own.

Each component is rounded half up to one decimal; the total is the weighted
mean of the rounded components, rounded the same way. A component without
data is left out and the others' weights are scaled up to 100; a month with no
data at all has no score. A quarter's or a year's score is the mean of its
months' scores (months without a score left out).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal


from portal.blueprints.supervision.models import Area
from portal.blueprints.supervision.patrols import SlotStatus
from portal.i18n import lazy_gettext as _l
from portal.labels import LabelledEnum

TENTH = Decimal("0.1")
HUNDRED = Decimal(100)

# How soon the property company must take on a reported fault.
RESPONSE_LIMIT = timedelta(hours=2)


class Component(LabelledEnum):
    INSPECTIONS = "inspections", _l("Inspections")
    RECTIFICATION = "rectification", _l("Rectification on time")
    RESPONSE = "response", _l("Repair response within 2 hours")
    FIX = "fix", _l("Repairs fixed in time")
    SATISFACTION = "satisfaction", _l("Staff satisfaction")


# The contract's weights (per cent): what each component counts for in the month's score.
WEIGHTS: dict[Component, int] = {
    Component.INSPECTIONS: 40,
    Component.RECTIFICATION: 20,
    Component.RESPONSE: 10,
    Component.FIX: 10,
    Component.SATISFACTION: 20,
}


class Grade(LabelledEnum):
    """The contract's bands for the payment discussion."""

    EXCELLENT = "excellent", _l("Excellent (90 and above)"), "ok"
    GOOD = "good", _l("Satisfactory (80 to under 90)"), "info"
    FAIR = "fair", _l("Basically satisfactory (70 to under 80)"), "warn"
    POOR = "poor", _l("Unsatisfactory (under 70)"), "danger"


def grade(score: Decimal) -> Grade:
    if score >= 90:
        return Grade.EXCELLENT
    if score >= 80:
        return Grade.GOOD
    if score >= 70:
        return Grade.FAIR
    return Grade.POOR


def round1(value: Decimal) -> Decimal:
    return value.quantize(TENTH, rounding=ROUND_HALF_UP)


def percent(part: int, whole: int) -> Decimal | None:
    """``part`` of ``whole`` as a percentage, unrounded; None for nothing to count."""
    if whole <= 0:
        return None
    return Decimal(part) * HUNDRED / Decimal(whole)


# --- the facts -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class InspectionFact:
    area: Area
    points: int
    possible: int


@dataclass(frozen=True)
class RectificationFact:
    deadline: date
    reported_on: date | None  # the local day it was (last) reported done; None while with the property company
    closed: bool


@dataclass(frozen=True)
class RepairFact:
    reported_at: datetime
    accepted_at: datetime | None
    done_at: datetime | None
    allowance: timedelta  # how long it may take to fix (by urgency)


@dataclass(frozen=True)
class MonthFacts:
    inspections: tuple[InspectionFact, ...] = ()
    rectifications: tuple[RectificationFact, ...] = ()
    repairs: tuple[RepairFact, ...] = ()
    ratings: tuple[tuple[Area, int], ...] = ()  # survey answers as (area, points 0–100)
    patrol_slots: tuple[SlotStatus, ...] = ()  # the month's expected patrol rounds


# --- the components ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Counted:
    """A component's figure and what it was counted from (``good`` of ``counted``)."""

    value: Decimal | None
    good: int = 0
    counted: int = 0


def area_scores(inspections: Iterable[InspectionFact]) -> dict[Area, Decimal]:
    """Each inspected area's mean inspection score, rounded to one decimal."""
    by_area: dict[Area, list[Decimal]] = {}
    for fact in inspections:
        score = percent(fact.points, fact.possible)
        if score is not None:
            by_area.setdefault(fact.area, []).append(score)
    return {area: round1(sum(scores, Decimal(0)) / len(scores)) for area, scores in by_area.items()}


def inspections_component(inspections: Iterable[InspectionFact]) -> Counted:
    facts = list(inspections)
    scores = area_scores(facts)
    if not scores:
        return Counted(None)
    return Counted(round1(sum(scores.values(), Decimal(0)) / len(scores)), counted=len(facts))


def rectification_component(rectifications: Iterable[RectificationFact], today: date) -> Counted:
    good = counted = 0
    for fact in rectifications:
        on_time = fact.closed and fact.reported_on is not None and fact.reported_on <= fact.deadline
        # Reported done and waiting for verification is the logistics center's turn: not counted yet.
        settled = fact.closed or (fact.reported_on is None and today > fact.deadline)
        if not settled:
            continue
        counted += 1
        good += on_time
    value = percent(good, counted)
    return Counted(None if value is None else round1(value), good, counted)


def response_component(repairs: Iterable[RepairFact], now: datetime) -> Counted:
    good = counted = 0
    for fact in repairs:
        limit = fact.reported_at + RESPONSE_LIMIT
        if fact.accepted_at is not None:
            counted += 1
            good += fact.accepted_at <= limit
        elif now > limit:
            counted += 1
    value = percent(good, counted)
    return Counted(None if value is None else round1(value), good, counted)


def fix_component(repairs: Iterable[RepairFact], now: datetime) -> Counted:
    good = counted = 0
    for fact in repairs:
        limit = fact.reported_at + fact.allowance
        if fact.done_at is not None:
            counted += 1
            good += fact.done_at <= limit
        elif now > limit:
            counted += 1
    value = percent(good, counted)
    return Counted(None if value is None else round1(value), good, counted)


def satisfaction_component(ratings: Iterable[tuple[Area, int]]) -> Counted:
    points = [p for _area, p in ratings]
    if not points:
        return Counted(None)
    return Counted(round1(Decimal(sum(points)) / len(points)), counted=len(points))


def satisfaction_by_area(ratings: Iterable[tuple[Area, int]]) -> dict[Area, Decimal]:
    by_area: dict[Area, list[int]] = {}
    for area, points in ratings:
        by_area.setdefault(area, []).append(points)
    return {area: round1(Decimal(sum(p)) / len(p)) for area, p in by_area.items()}


def patrol_rounds(slots: Iterable[SlotStatus]) -> Counted:
    """Expected rounds made (``good``) of those settled (``counted``: made or missed)."""
    statuses = list(slots)
    good = statuses.count(SlotStatus.DONE)
    counted = good + statuses.count(SlotStatus.MISSED)
    value = percent(good, counted)
    return Counted(None if value is None else round1(value), good, counted)


@dataclass(frozen=True)
class MonthScore:
    year: int
    month: int
    components: Mapping[Component, Counted]
    areas: Mapping[Area, Decimal] = field(default_factory=dict)
    total: Decimal | None = None
    satisfaction: Mapping[Area, Decimal] = field(default_factory=dict)
    patrols: Counted = Counted(None)  # shown beside the score, not part of it

    @property
    def missed_rounds(self) -> int:
        return self.patrols.counted - self.patrols.good

    @property
    def grade(self) -> Grade | None:
        return None if self.total is None else grade(self.total)

    def weight_used(self, component: Component) -> Decimal | None:
        """The weight the component counted with, after leaving out the components without data."""
        present = [c for c, counted in self.components.items() if counted.value is not None]
        if component not in present:
            return None
        return round1(Decimal(WEIGHTS[component]) * HUNDRED / sum(Decimal(WEIGHTS[c]) for c in present))


def weighted_total(values: Mapping[Component, Decimal | None]) -> Decimal | None:
    present = {c: v for c, v in values.items() if v is not None}
    if not present:
        return None
    weight = sum(Decimal(WEIGHTS[c]) for c in present)
    return round1(sum(Decimal(WEIGHTS[c]) * v for c, v in present.items()) / weight)


def score_month(year: int, month: int, facts: MonthFacts, *, now: datetime) -> MonthScore:
    components = {
        Component.INSPECTIONS: inspections_component(facts.inspections),
        Component.RECTIFICATION: rectification_component(facts.rectifications, now.date()),
        Component.RESPONSE: response_component(facts.repairs, now),
        Component.FIX: fix_component(facts.repairs, now),
        Component.SATISFACTION: satisfaction_component(facts.ratings),
    }
    return MonthScore(
        year, month, components, areas=area_scores(facts.inspections), satisfaction=satisfaction_by_area(facts.ratings),
        total=weighted_total({c: counted.value for c, counted in components.items()}),
        patrols=patrol_rounds(facts.patrol_slots),
    )


def period_score(months: Iterable[MonthScore]) -> Decimal | None:
    """A quarter's or a year's score: the mean of its months' scores."""
    totals = [m.total for m in months if m.total is not None]
    if not totals:
        return None
    return round1(sum(totals, Decimal(0)) / len(totals))
