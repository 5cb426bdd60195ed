"""The rules of supervision: the checklists, inspections, rectifications and
the monthly evaluation. Plain functions taking ``actor`` and ``now``; a refused
change raises :class:`portal.rules.RuleViolation`; the caller commits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from time import monotonic
from typing import Any

from sqlalchemy import bindparam, case, func, select
from sqlalchemy.orm import joinedload, selectinload

from portal import audit, files
from portal.blueprints.repairs.models import RepairRequest
from portal.blueprints.repairs.notify import OVERDUE_AFTER
from portal.blueprints.supervision import notify, patrols, scoring
from portal.blueprints.supervision.models import (
    Area,
    CheckItem,
    Inspection,
    InspectionResult,
    PatrolCheck,
    PatrolRound,
    PatrolRoute,
    Rectification,
    RectificationStatus,
    SATISFACTION_POINTS,
    Satisfaction,
    SurveyParticipation,
    SurveyRating,
)
from portal.cache import LocalCache, cached_facts, read_tokens
from portal.db import db
from portal.i18n import lazy_gettext as _l
from portal.models import Role, User
from portal.paging import ListPage
from portal.rules import RuleViolation
from portal.timeutil import LOCAL_TZ, to_local

MIN_WEIGHT, MAX_WEIGHT = 1, 10
MAX_DEADLINE_DAYS = 180
SUPERVISORS = (Role.LOGISTICS_ADMIN, Role.SYSADMIN)


def _require_supervisor(actor: User) -> None:
    if not actor.has_role(*SUPERVISORS):
        raise RuleViolation(_l("Only the logistics center can do this."), status=403)


def _area(value: Area | str, field: str = "area") -> Area:
    try:
        return Area(value)
    except ValueError:
        raise RuleViolation(_l("Choose a service area."), field=field) from None


# --- the checklists --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemDraft:
    area: Area | str
    text: str
    weight: int | None


def _check_item(draft: ItemDraft) -> tuple[Area, str, int]:
    area = _area(draft.area)
    text = (draft.text or "").strip()
    if not text:
        raise RuleViolation(_l("Say what is checked."), field="text")
    if len(text) > 120:
        raise RuleViolation(_l("Keep it under 120 characters."), field="text")
    if draft.weight is None or not MIN_WEIGHT <= draft.weight <= MAX_WEIGHT:
        raise RuleViolation(_l("A weight is a whole number from 1 to 10."), field="weight")
    return area, text, draft.weight


def add_item(draft: ItemDraft, *, actor: User, now: datetime) -> CheckItem:
    _require_supervisor(actor)
    area, text, weight = _check_item(draft)
    last = db.session.scalar(select(func.max(CheckItem.sort_order)).where(CheckItem.area == area)) or 0
    item = CheckItem(area=area, text=text, weight=weight, active=True, sort_order=last + 10)
    db.session.add(item)
    db.session.flush()
    audit.record(actor, "supervision.item.add", item, after=audit.snapshot(item, ("area", "text", "weight")))
    return item


def set_item_active(item: CheckItem, active: bool, *, actor: User, now: datetime) -> None:
    """Stop (or resume) checking an item; past inspections keep it as it read."""
    _require_supervisor(actor)
    before = audit.snapshot(item, ("active",))
    item.active = active
    audit.record(actor, "supervision.item.active", item, before=before, after=audit.snapshot(item, ("active",)))


def checklist(area: Area) -> list[CheckItem]:
    return list(db.session.scalars(
        select(CheckItem).where(CheckItem.area == area, CheckItem.active.is_(True))
        .order_by(CheckItem.sort_order, CheckItem.id)
    ))


def all_items_query(area: Area | None = None):
    query = select(CheckItem)
    if area is not None:
        query = query.where(CheckItem.area == area)
    return query.order_by(CheckItem.area, CheckItem.active.desc(), CheckItem.sort_order, CheckItem.id)


# --- inspections -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mark:
    passed: bool | None  # None: not marked
    note: str = ""
    photo: Any = None  # an upload (JPEG or PNG) or None


@dataclass(frozen=True)
class InspectionDraft:
    area: Area | str
    place: str
    note: str
    marks: Mapping[int, Mark]  # by check item id


def record_inspection(draft: InspectionDraft, *, actor: User, now: datetime) -> Inspection:
    """Every active item of the area marked pass or fail; a failed item needs a note."""
    _require_supervisor(actor)
    area = _area(draft.area)
    items = checklist(area)
    if not items:
        raise RuleViolation(_l("This area has no checklist yet."), field="area")
    place = (draft.place or "").strip()
    if len(place) > 80:
        raise RuleViolation(_l("Keep it under 80 characters."), field="place")
    known = {item.id for item in items}
    if set(draft.marks) - known:
        raise RuleViolation(_l("The checklist changed while you were inspecting; please start again."), status=409)
    results = []
    for item in items:
        mark = draft.marks.get(item.id)
        if mark is None or mark.passed is None:
            raise RuleViolation(_l("Mark every item pass or fail."), field=f"item_{item.id}")
        note = (mark.note or "").strip()
        if len(note) > 300:
            raise RuleViolation(_l("Keep it under 300 characters."), field=f"note_{item.id}")
        if not mark.passed and not note:
            raise RuleViolation(_l("Say what was wrong."), field=f"note_{item.id}")
        results.append(InspectionResult(item_id=item.id, text=item.text, weight=item.weight, passed=mark.passed, note=note))
    for item, result in zip(items, results):
        result.photo = _store_photo(draft.marks[item.id].photo, f"photo_{item.id}", actor=actor, now=now)
    inspection = Inspection(
        area=area, place=place, inspected_at=now, inspector=actor, note=(draft.note or "").strip(),
        points=sum(r.weight for r in results if r.passed), possible=sum(r.weight for r in results), results=results,
    )
    db.session.add(inspection)
    db.session.flush()
    audit.record(actor, "supervision.inspection", inspection,
                 after=audit.snapshot(inspection, ("area", "place", "points", "possible")))
    return inspection


def _store_photo(upload: Any, field: str, *, actor: User, now: datetime) -> files.StoredFile | None:
    """An item's photo kept (JPEG or PNG only); a refused file is told on the item's photo field."""
    if upload is None:
        return None
    try:
        return files.store(upload, actor=actor, now=now, kinds=files.IMAGES)
    except RuleViolation as error:
        raise RuleViolation(error.message, field=field, status=error.status) from None


def find_result_photo(result_id: int) -> files.StoredFile | None:
    """The photo taken with one item of an inspection, if there is one."""
    return db.session.scalar(select(files.StoredFile).join(InspectionResult, InspectionResult.photo_id == files.StoredFile.id)
                             .where(InspectionResult.id == result_id))


def inspection_percent(inspection: Inspection | RecentInspection):
    value = scoring.percent(inspection.points, inspection.possible)
    return None if value is None else scoring.round1(value)


def find_inspection(inspection_id: int) -> Inspection | None:
    return db.session.scalar(
        select(Inspection).options(selectinload(Inspection.results).joinedload(InspectionResult.photo),
                                   joinedload(Inspection.inspector))
        .where(Inspection.id == inspection_id)
    )


def inspections_query(area: Area | None = None):
    query = select(Inspection).options(joinedload(Inspection.inspector))
    if area is not None:
        query = query.where(Inspection.area == area)
    return query.order_by(Inspection.inspected_at.desc(), Inspection.id.desc())


@dataclass(frozen=True)
class RecentInspection:
    """An inspection as the supervision page lists it: when, where and its score (not who inspected)."""

    id: int
    area: Area
    place: str
    inspected_at: datetime
    points: int
    possible: int


_RECENT_INSPECTIONS = (
    select(Inspection.id, Inspection.area, Inspection.place, Inspection.inspected_at, Inspection.points,
           Inspection.possible)
    .order_by(Inspection.inspected_at.desc(), Inspection.id.desc()).limit(bindparam("limit"))
)


def recent_inspections(limit: int) -> list[RecentInspection]:
    return [RecentInspection(*row) for row in db.session.connection().execute(_RECENT_INSPECTIONS, {"limit": limit})]


# --- rectifications --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RectificationDraft:
    area: Area | str
    description: str
    deadline: date | None
    inspection_id: int | None = None
    patrol_round_id: int | None = None


def request_rectification(draft: RectificationDraft, *, actor: User, now: datetime) -> Rectification:
    """Ask the property company to put something right by a day (today at the earliest)."""
    _require_supervisor(actor)
    area = _area(draft.area)
    description = (draft.description or "").strip()
    if not description:
        raise RuleViolation(_l("Say what must be put right."), field="description")
    if len(description) > 2000:
        raise RuleViolation(_l("Keep it under 2000 characters."), field="description")
    today = to_local(now).date()
    if draft.deadline is None:
        raise RuleViolation(_l("Give a deadline."), field="deadline")
    if draft.deadline < today:
        raise RuleViolation(_l("The deadline cannot be in the past."), field="deadline")
    if draft.deadline > today + timedelta(days=MAX_DEADLINE_DAYS):
        raise RuleViolation(_l("A deadline is at most 180 days away."), field="deadline")
    inspection = None
    if draft.inspection_id is not None:
        inspection = db.session.get(Inspection, draft.inspection_id)
        if inspection is None:
            raise RuleViolation(_l("That inspection no longer exists."), status=409)
    patrol_round = None
    if draft.patrol_round_id is not None:
        patrol_round = db.session.get(PatrolRound, draft.patrol_round_id)
        if patrol_round is None:
            raise RuleViolation(_l("That patrol round no longer exists."), status=409)
    item = Rectification(
        area=area, description=description, deadline=draft.deadline, status=RectificationStatus.OPEN,
        created_at=now, created_by=actor, inspection=inspection, patrol_round=patrol_round, reply="", review_note="",
        returned_count=0,
    )
    db.session.add(item)
    db.session.flush()
    audit.record(actor, "supervision.rectification.request", item,
                 after=audit.snapshot(item, ("area", "description", "deadline", "inspection_id", "patrol_round_id")))
    notify.requested(item, now=now)
    return item


def report_done(item: Rectification, reply: str, *, actor: User, now: datetime) -> None:
    """The property company says the work is done (what was done, in ``reply``)."""
    if not actor.has_role(Role.PROPERTY):
        raise RuleViolation(_l("Only the property company can do this."), status=403)
    if item.status is not RectificationStatus.OPEN:
        raise RuleViolation(_l("This rectification is not waiting for the property company."), status=409)
    reply = (reply or "").strip()
    if not reply:
        raise RuleViolation(_l("Say what was put right."), field="reply")
    if len(reply) > 2000:
        raise RuleViolation(_l("Keep it under 2000 characters."), field="reply")
    before = audit.snapshot(item, ("status", "reply"))
    item.status = RectificationStatus.REPORTED
    item.reply = reply
    item.reported_at = now
    audit.record(actor, "supervision.rectification.report", item, before=before,
                 after=audit.snapshot(item, ("status", "reply")))
    notify.reported(item, now=now)


def review(item: Rectification, accept: bool, note: str, *, actor: User, now: datetime) -> None:
    """The logistics center verifies the work: closes it, or sends it back (with a reason)."""
    _require_supervisor(actor)
    if item.status is not RectificationStatus.REPORTED:
        raise RuleViolation(_l("This rectification is not waiting for verification."), status=409)
    note = (note or "").strip()
    if len(note) > 500:
        raise RuleViolation(_l("Keep it under 500 characters."), field="note")
    if not accept and not note:
        raise RuleViolation(_l("Say what is still not acceptable."), field="note")
    previous_key = notify.verify_key(item)
    before = audit.snapshot(item, ("status", "review_note", "returned_count"))
    item.review_note = note
    if accept:
        item.status = RectificationStatus.CLOSED
        item.closed_at = now
    else:
        item.status = RectificationStatus.OPEN
        item.returned_count += 1
    audit.record(actor, "supervision.rectification.review", item, before=before,
                 after=audit.snapshot(item, ("status", "review_note", "returned_count")))
    notify.reviewed(item, previous_key, now=now)


def find_rectification(rectification_id: int) -> Rectification | None:
    return db.session.scalar(
        select(Rectification).options(joinedload(Rectification.created_by), joinedload(Rectification.inspection),
                                      joinedload(Rectification.patrol_round))
        .where(Rectification.id == rectification_id)
    )


def rectifications_query(status: RectificationStatus | None = None, area: Area | None = None):
    query = select(Rectification)
    if status is not None:
        query = query.where(Rectification.status == status)
    if area is not None:
        query = query.where(Rectification.area == area)
    order = case((Rectification.status == RectificationStatus.REPORTED, 0),
                 (Rectification.status == RectificationStatus.OPEN, 1), else_=2)
    return query.order_by(order, Rectification.deadline, Rectification.id)


def rectifications_of(inspection: Inspection) -> list[Rectification]:
    return list(db.session.scalars(rectifications_query().where(Rectification.inspection_id == inspection.id)))


# One pass over the (status, deadline) index: the overdue ones are counted among the open ones.
_RECTIFICATION_COUNTS = (
    select(Rectification.status, func.count(), func.sum(case((Rectification.deadline < bindparam("today"), 1), else_=0)))
    .where(Rectification.status != RectificationStatus.CLOSED).group_by(Rectification.status)
)


def rectification_counts(today: date) -> dict[str, int]:
    rows = {status: (count, overdue) for status, count, overdue
            in db.session.connection().execute(_RECTIFICATION_COUNTS, {"today": today})}
    open_count, overdue = rows.get(RectificationStatus.OPEN, (0, 0))
    return {"open": open_count, "reported": rows.get(RectificationStatus.REPORTED, (0, 0))[0], "overdue": overdue or 0}


# --- security patrols ----------------------------------------------------------------------------

GUARDS = (Role.SECURITY,)  # the property company's guards walk the rounds
MIN_TOLERANCE, MAX_TOLERANCE = 5, 120
MIN_STEP, MAX_STEP = 15, 12 * 60
MAX_CHECKPOINTS = 40
LOG_DAYS_PER_PAGE = 7


@dataclass(frozen=True)
class RouteDraft:
    name: str
    checkpoints: str  # one per line
    times: str  # fixed times "08:00 12:00", or empty when ``every_minutes`` is given
    every_minutes: int | None
    start: time | None
    end: time | None
    tolerance_minutes: int | None


def _route_times(draft: RouteDraft) -> list[time]:
    if draft.every_minutes is not None:
        if not MIN_STEP <= draft.every_minutes <= MAX_STEP:
            raise RuleViolation(_l("Rounds are 15 minutes to 12 hours apart."), field="every_minutes")
        if draft.start is None:
            raise RuleViolation(_l("Give the time of the first round."), field="start")
        if draft.end is None:
            raise RuleViolation(_l("Give the time of the last round."), field="end")
        return patrols.every(draft.start, draft.end, draft.every_minutes)
    times = patrols.parse_times(draft.times)
    if times is None:
        raise RuleViolation(_l("Write the times as HH:MM separated by spaces, e.g. 08:00 12:00 17:30."), field="times")
    if not times:
        raise RuleViolation(_l("Give the round times, or a first and last round with the time between rounds."),
                            field="times")
    return times


def add_route(draft: RouteDraft, *, actor: User, now: datetime) -> PatrolRoute:
    """A patrol route: expected from now on, every day at its times."""
    _require_supervisor(actor)
    name = (draft.name or "").strip()
    if not name:
        raise RuleViolation(_l("Name the route."), field="name")
    if len(name) > 80:
        raise RuleViolation(_l("Keep it under 80 characters."), field="name")
    checkpoints = [line.strip() for line in (draft.checkpoints or "").splitlines() if line.strip()]
    if not checkpoints:
        raise RuleViolation(_l("List the checkpoints, one per line."), field="checkpoints")
    if len(checkpoints) > MAX_CHECKPOINTS or any(len(c) > 80 for c in checkpoints):
        raise RuleViolation(_l("At most 40 checkpoints of at most 80 characters each."), field="checkpoints")
    times = _route_times(draft)
    tolerance = draft.tolerance_minutes
    if tolerance is None or not MIN_TOLERANCE <= tolerance <= MAX_TOLERANCE:
        raise RuleViolation(_l("The tolerance is 5 to 120 minutes."), field="tolerance_minutes")
    route = PatrolRoute(name=name, checkpoints="\n".join(checkpoints), times=patrols.format_times(times),
                        tolerance_minutes=tolerance, created_at=now)
    db.session.add(route)
    db.session.flush()
    audit.record(actor, "supervision.route.add", route,
                 after=audit.snapshot(route, ("name", "checkpoints", "times", "tolerance_minutes")))
    return route


def retire_route(route: PatrolRoute, *, actor: User, now: datetime) -> None:
    """No more rounds expected from now on; past days keep theirs."""
    _require_supervisor(actor)
    if route.retired_at is not None:
        raise RuleViolation(_l("This route is already retired."), status=409)
    route.retired_at = now
    audit.record(actor, "supervision.route.retire", route, after=audit.snapshot(route, ("name",)))


@dataclass(frozen=True, slots=True)
class RouteFacts:
    """A patrol route as the log, the guard's start buttons and the scores read it: plain values, kept
    while the supervision data is unchanged. Named as :class:`PatrolRoute`'s attributes."""

    id: int
    name: str
    times: str
    tolerance_minutes: int
    created_at: datetime
    retired_at: datetime | None
    time_list: tuple[time, ...]
    tolerance: timedelta


_ROUTES = (select(PatrolRoute.id, PatrolRoute.name, PatrolRoute.times, PatrolRoute.tolerance_minutes,
                  PatrolRoute.created_at, PatrolRoute.retired_at).order_by(PatrolRoute.name, PatrolRoute.id))


def _read_routes() -> tuple[RouteFacts, ...]:
    return tuple(RouteFacts(id_, name, times, tolerance, created_at, retired_at,
                            tuple(time.fromisoformat(t) for t in times.split()), timedelta(minutes=tolerance))
                 for id_, name, times, tolerance, created_at, retired_at in db.session.connection().execute(_ROUTES))


def patrol_routes() -> tuple[RouteFacts, ...]:
    """Every patrol route, retired ones too, by name: facts every day, week and month of the log share."""
    return cached_facts(("supervision",), "supervision.patrol_routes", _read_routes)


def active_routes() -> list[RouteFacts]:
    return [route for route in patrol_routes() if route.retired_at is None]


def all_routes_query():
    return select(PatrolRoute).order_by(PatrolRoute.retired_at.is_not(None), PatrolRoute.name, PatrolRoute.id)


def _require_guard(actor: User) -> None:
    if not actor.has_role(*GUARDS):
        raise RuleViolation(_l("Only the security guards record patrol rounds."), status=403)


def start_round(route: PatrolRoute, *, actor: User, now: datetime) -> PatrolRound:
    """The guard sets off on a route: the round starts now."""
    _require_guard(actor)
    if route.retired_at is not None:
        raise RuleViolation(_l("This route is retired."), status=409)
    patrol_round = PatrolRound(route=route, guard=actor, started_at=now, note="")
    db.session.add(patrol_round)
    db.session.flush()
    audit.record(actor, "supervision.round.start", patrol_round, after=audit.snapshot(patrol_round, ("route_id",)))
    return patrol_round


@dataclass(frozen=True)
class CheckMark:
    checked: bool
    finding: str = ""


@dataclass(frozen=True)
class RoundDraft:
    marks: Mapping[int, CheckMark]  # by checkpoint position, from 0
    note: str = ""


def finish_round(patrol_round: PatrolRound, draft: RoundDraft, *, actor: User, now: datetime) -> None:
    """The guard is back: each checkpoint reached (or why not), with what was found; the round ends now."""
    _require_guard(actor)
    if patrol_round.guard_id != actor.id:
        raise RuleViolation(_l("Only the guard who started the round can finish it."), status=403)
    if patrol_round.ended_at is not None:
        raise RuleViolation(_l("This round is already finished."), status=409)
    note = (draft.note or "").strip()
    if len(note) > 1000:
        raise RuleViolation(_l("Keep it under 1000 characters."), field="note")
    checks = []
    for position, checkpoint in enumerate(patrol_round.route.checkpoint_list):
        mark = draft.marks.get(position, CheckMark(False))
        finding = (mark.finding or "").strip()
        if len(finding) > 300:
            raise RuleViolation(_l("Keep it under 300 characters."), field=f"finding_{position}")
        if not mark.checked and not finding:
            raise RuleViolation(_l("Say why this checkpoint was not reached."), field=f"finding_{position}")
        checks.append(PatrolCheck(position=position, checkpoint=checkpoint, checked=mark.checked, finding=finding))
    patrol_round.checks = checks
    patrol_round.note = note
    patrol_round.ended_at = now
    audit.record(actor, "supervision.round.finish", patrol_round,
                 after={"findings": len([c for c in checks if c.finding]), "ended_at": now.isoformat()})


@dataclass(frozen=True)
class OpenRound:
    """A round the guard has started and not finished, as the patrol log offers to finish it."""

    id: int
    route_name: str
    started_at: datetime


_OPEN_ROUNDS = (
    select(PatrolRound.id, PatrolRoute.name, PatrolRound.started_at)
    .join(PatrolRoute, PatrolRound.route_id == PatrolRoute.id)
    .where(PatrolRound.guard_id == bindparam("guard"), PatrolRound.ended_at.is_(None))
    .order_by(PatrolRound.started_at.desc()).limit(10)
)


def open_rounds_of(guard: User) -> list[OpenRound]:
    """The guard's rounds started and not yet finished, newest first."""
    return [OpenRound(*row) for row in db.session.connection().execute(_OPEN_ROUNDS, {"guard": guard.id})]


def find_round(round_id: int) -> PatrolRound | None:
    return db.session.scalar(
        select(PatrolRound).options(joinedload(PatrolRound.route), joinedload(PatrolRound.guard),
                                    selectinload(PatrolRound.checks))
        .where(PatrolRound.id == round_id)
    )


def rectifications_of_round(patrol_round: PatrolRound) -> list[Rectification]:
    return list(db.session.scalars(rectifications_query().where(Rectification.patrol_round_id == patrol_round.id)))


def route_slots(routes: Sequence[PatrolRoute | RouteFacts], first: date, last: date, *, now: datetime
                ) -> list[tuple[PatrolRoute | RouteFacts, patrols.Slot]]:
    """The expected rounds of ``routes`` on the days ``first`` to ``last``, each done, missed or still due.

    Finished rounds count; one still being walked does not yet."""
    if not routes:
        return []
    start, end = _slot_window(routes, first, last)
    return _matched_slots(routes, first, last, _finished_rounds(routes, start, end), now=now)


def _slot_window(routes: Sequence[PatrolRoute | RouteFacts], first: date, last: date) -> tuple[datetime, datetime]:
    """When a round counting for an expected round on the days ``first`` to ``last`` may have started."""
    reach = max(route.tolerance for route in routes)
    return (datetime.combine(first, time(0), tzinfo=LOCAL_TZ) - reach,
            datetime.combine(last + timedelta(days=1), time(0), tzinfo=LOCAL_TZ) + reach)


_FINISHED_ROUNDS = (
    select(PatrolRound.id, PatrolRound.route_id, PatrolRound.started_at)
    .where(PatrolRound.route_id.in_(bindparam("routes", expanding=True)), PatrolRound.ended_at.is_not(None),
           PatrolRound.started_at >= bindparam("start"), PatrolRound.started_at < bindparam("end"))
    .order_by(PatrolRound.started_at, PatrolRound.id)
)


def _finished_rounds(routes: Sequence[PatrolRoute | RouteFacts], start: datetime, end: datetime
                     ) -> dict[int, list[tuple[int, datetime]]]:
    """The finished rounds of ``routes`` started from ``start`` until ``end``, as (id, started_at) by route, in time order."""
    rounds: dict[int, list[tuple[int, datetime]]] = {}
    for round_id, route_id, started_at in db.session.connection().execute(
            _FINISHED_ROUNDS, {"routes": [r.id for r in routes], "start": start, "end": end}):
        rounds.setdefault(route_id, []).append((round_id, started_at))
    return rounds


def _matched_slots(routes: Sequence[PatrolRoute | RouteFacts], first: date, last: date, rounds: dict[int, list[tuple[int, datetime]]],
                   *, now: datetime) -> list[tuple[PatrolRoute | RouteFacts, patrols.Slot]]:
    start, end = _slot_window(routes, first, last)
    found = []
    for route in routes:
        expected = patrols.slots(route.time_list, first, last, active_from=route.created_at,
                                 active_until=route.retired_at)
        near = [r for r in rounds.get(route.id, []) if start <= r[1] < end]
        found.extend((route, slot) for slot in patrols.match(expected, near, route.tolerance, now))
    found.sort(key=lambda pair: (pair[1].at, pair[0].name))
    return found


@dataclass(slots=True)  # not frozen: a week of the log makes ~60, and frozen ones are slow to make
class LoggedRound:
    """A round as the log lists it: its route's and guard's names, whether it is finished (else it is being
    walked) and how many findings it brought."""

    id: int
    started_at: datetime
    finished: bool
    route_name: str
    guard_name: str
    findings: int


@dataclass(frozen=True)
class PatrolDay:
    day: date
    rounds: list[LoggedRound]
    slots: list[tuple[RouteFacts, patrols.Slot]]

    @property
    def missed(self) -> list[tuple[RouteFacts, patrols.Slot]]:
        return [(route, slot) for route, slot in self.slots if slot.status is patrols.SlotStatus.MISSED]


# The first round's start, where the log's days may begin: a fact of the data, not of the page asked for.
_FIRST_ROUND = select(func.min(PatrolRound.started_at))


def first_round_at() -> datetime | None:
    return cached_facts(("supervision",), "supervision.first_round",
                        lambda: db.session.connection().execute(_FIRST_ROUND).scalar())


_FINDINGS = (select(func.count()).where(PatrolCheck.round_id == PatrolRound.id, PatrolCheck.finding != "")
             .correlate(PatrolRound).scalar_subquery())
_LOGGED_ROUNDS = (
    select(PatrolRound.id, PatrolRound.route_id, PatrolRound.started_at, PatrolRound.ended_at.is_not(None),
           PatrolRoute.name, func.coalesce(User.display_name, ""), _FINDINGS)
    .join(PatrolRoute, PatrolRound.route_id == PatrolRoute.id).outerjoin(User, PatrolRound.guard_id == User.id)
    .where(PatrolRound.started_at >= bindparam("start"), PatrolRound.started_at < bindparam("end"))
    .order_by(PatrolRound.started_at.desc(), PatrolRound.id.desc())
)


def patrol_log(page: int, *, now: datetime) -> ListPage:
    """The log by day, newest first, a week a page: each day's rounds and its expected rounds, the missed ones
    marked. Days go back to the first route's first day."""
    today = to_local(now).date()
    routes = patrol_routes()
    first_route = min((route.created_at for route in routes), default=None)
    starts = [to_local(m).date() for m in (first_route, first_round_at()) if m is not None]
    earliest = min(starts) if starts else today
    back = ListPage.of(range((today - earliest).days + 1), page, LOG_DAYS_PER_PAGE)  # days back from today
    listing = ListPage([today - timedelta(days=n) for n in back.items], page, LOG_DAYS_PER_PAGE, back.total)
    if not listing.items:
        return ListPage([], page, LOG_DAYS_PER_PAGE, listing.total)
    last, first = listing.items[0], listing.items[-1]
    week_start = datetime.combine(first, time(0), tzinfo=LOCAL_TZ)
    week_end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=LOCAL_TZ)
    # One read of the rounds for both tables: the week's are listed, and the finished ones from a tolerance
    # before it to one after count for its expected rounds.
    start, end = _slot_window(routes, first, last) if routes else (week_start, week_end)
    finished: dict[int, list[tuple[int, datetime]]] = {}
    rounds_by_day: dict[date, list[LoggedRound]] = {}
    for round_id, route_id, started_at, done, route_name, guard_name, found in db.session.connection().execute(
            _LOGGED_ROUNDS, {"start": min(start, week_start), "end": max(end, week_end)}).all():
        if done:
            finished.setdefault(route_id, []).append((round_id, started_at))
        if week_start <= started_at < week_end:
            rounds_by_day.setdefault(to_local(started_at).date(), []).append(
                LoggedRound(round_id, started_at, done, route_name, guard_name, found))
    slots_by_day: dict[date, list] = {}
    for route, slot in _matched_slots(routes, first, last, finished, now=now) if routes else []:
        slots_by_day.setdefault(slot.at.date(), []).append((route, slot))
    return ListPage([PatrolDay(day, rounds_by_day.get(day, []), slots_by_day.get(day, [])) for day in listing.items],
                    page, LOG_DAYS_PER_PAGE, listing.total)


# --- the monthly evaluation ------------------------------------------------------------------------


def month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    start = datetime(year, month, 1, tzinfo=LOCAL_TZ)
    end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=LOCAL_TZ)
    return start, end


# The statements of a run of months' facts, built once (the bounds are parameters).
_MONTH_INSPECTIONS = (select(Inspection.area, Inspection.points, Inspection.possible, Inspection.inspected_at)
                      .where(Inspection.inspected_at >= bindparam("start"), Inspection.inspected_at < bindparam("end")))
_MONTH_RECTIFICATIONS = (select(Rectification.deadline, Rectification.reported_at, Rectification.status)
                         .where(Rectification.deadline >= bindparam("first"), Rectification.deadline < bindparam("after")))
_MONTH_REPAIRS = (select(RepairRequest.reported_at, RepairRequest.accepted_at, RepairRequest.done_at, RepairRequest.urgency)
                  .where(RepairRequest.reported_at >= bindparam("start"), RepairRequest.reported_at < bindparam("end")))
_MONTH_RATINGS = (select(SurveyRating.month, SurveyRating.area, SurveyRating.rating, func.count())
                  .where(SurveyRating.year == bindparam("year"),
                         SurveyRating.month.between(bindparam("first"), bindparam("last")))
                  .group_by(SurveyRating.month, SurveyRating.area, SurveyRating.rating))


def load_months_facts(year: int, months: range, *, now: datetime, patrols: bool = True) -> dict[int, scoring.MonthFacts]:
    """The facts of consecutive ``months`` of ``year``, read together: one query per kind of fact
    for all of them (a year's evaluation reads its months at once). Without ``patrols``, the
    expected patrol rounds (beside the score, not in it) are left out."""
    bounds = [month_bounds(year, m) for m in months]
    start, end = bounds[0][0], bounds[-1][1]
    starts = [b[0] for b in bounds[1:]]
    first_days = [b.date() for b in starts]

    def month_of(moment: datetime) -> int:
        return months[bisect_right(starts, moment)]

    def local_month_of(day: date) -> int:
        return months[bisect_right(first_days, day)]

    connection = db.session.connection()
    inspections: dict[int, list] = {m: [] for m in months}
    for area, points, possible, at in connection.execute(_MONTH_INSPECTIONS, {"start": start, "end": end}):
        inspections[month_of(at)].append(scoring.InspectionFact(area, points, possible))
    rectifications: dict[int, list] = {m: [] for m in months}
    for deadline, reported_at, status in connection.execute(_MONTH_RECTIFICATIONS,
                                                            {"first": start.date(), "after": end.date()}):
        rectifications[local_month_of(deadline)].append(scoring.RectificationFact(
            deadline,
            to_local(reported_at).date() if reported_at and status is not RectificationStatus.OPEN else None,
            status is RectificationStatus.CLOSED,
        ))
    repairs: dict[int, list] = {m: [] for m in months}
    for reported_at, accepted_at, done_at, urgency in connection.execute(_MONTH_REPAIRS, {"start": start, "end": end}):
        repairs[month_of(reported_at)].append(scoring.RepairFact(reported_at, accepted_at, done_at, OVERDUE_AFTER[urgency]))
    ratings: dict[int, list] = {m: [] for m in months}
    for month, area, rating, answers in connection.execute(_MONTH_RATINGS,
                                                           {"year": year, "first": months[0], "last": months[-1]}):
        ratings[month].extend([(area, SATISFACTION_POINTS[rating])] * answers)
    routes = patrol_routes() if patrols else ()
    rounds = _finished_rounds(routes, *_slot_window(routes, start.date(), end.date())) if routes else {}
    facts = {}
    for month, (month_start_at, month_end_at) in zip(months, bounds):
        slots = _matched_slots(routes, month_start_at.date(), month_end_at.date() - timedelta(days=1), rounds,
                               now=now) if routes else []
        facts[month] = scoring.MonthFacts(tuple(inspections[month]), tuple(rectifications[month]),
                                          tuple(repairs[month]), tuple(ratings[month]),
                                          patrol_slots=tuple(slot.status for _route, slot in slots))
    return facts


def load_month_facts(year: int, month: int, *, now: datetime) -> scoring.MonthFacts:
    return load_months_facts(year, range(month, month + 1), now=now)[month]


def month_score(year: int, month: int, *, now: datetime, patrols: bool = True) -> scoring.MonthScore:
    """A month's score; without ``patrols``, the patrol rounds shown beside it are not counted
    (``patrols`` is ``Counted(None)``): for a page that shows the score alone."""
    return month_scores(year, range(month, month + 1), now=now, patrols=patrols)[0]


# What a month's score is counted from: its own data and the repairs'.
EVALUATION_DATA = ("supervision", "repairs")

# The scores of settled months by the data's tokens. A month is settled once nothing in it waits for the
# time any more (every repair's allowance, rectification deadline and patrol window has passed): from then
# on its score changes only with its data, which gives new tokens. Kept apart from the page cache, so a
# page drawn afresh scores the current month only, not a year of patrol rounds; the time limit bounds how
# long data changed outside the ORM is served.
_settled_scores = LocalCache(size=256, seconds=300.0)


def _settling_wait() -> timedelta:
    """How long after its end a month's score may still change with the time: the longest wait a
    figure counts with (a repair's allowance, a patrol's tolerance), and a day for the deadlines."""
    tolerance = max((route.tolerance_minutes for route in patrol_routes()), default=0)
    return max(*OVERDUE_AFTER.values(), scoring.RESPONSE_LIMIT, timedelta(minutes=tolerance)) + timedelta(days=1)


def month_scores(year: int, months: range, *, now: datetime, patrols: bool = True) -> list[scoring.MonthScore]:
    """The scores of consecutive ``months`` of ``year``: the settled ones kept, the others counted
    from their facts read together (without ``patrols``, see :func:`month_score`; those are not kept)."""
    if not months:
        return []
    tokens = read_tokens(EVALUATION_DATA)
    version = tuple(tokens.get(area) for area in EVALUATION_DATA)
    # No month is settled before the first has ended (this month's score alone, as a rule): no wait to read.
    ended = now >= month_bounds(year, months[0])[1]
    wait = _settling_wait() if None not in version and ended else None

    def settled(month: int) -> bool:
        return wait is not None and now >= month_bounds(year, month)[1] + wait

    clock = monotonic()
    found: dict[int, scoring.MonthScore] = {}
    for month in months:
        kept = _settled_scores.get((version, year, month), clock) if settled(month) else None
        if kept is None:
            break
        found[month] = kept
    rest = range(months[0] + len(found), months[-1] + 1)
    facts = load_months_facts(year, rest, now=now, patrols=patrols) if rest else {}
    for month in rest:
        found[month] = scoring.score_month(year, month, facts[month], now=now)
        if patrols and settled(month):
            _settled_scores.put((version, year, month), found[month], clock)
    return [found[month] for month in months]


@dataclass(frozen=True)
class Evaluation:
    """A month's score with its quarter's and year's (months up to this one)."""

    month: scoring.MonthScore
    quarter: tuple[scoring.MonthScore, ...]
    quarter_total: object
    year_total: object
    year_months: tuple[scoring.MonthScore, ...]


def evaluation(year: int, month: int, *, now: datetime) -> Evaluation:
    """The month, and the quarter and the year to date (months not yet begun left out)."""
    current = to_local(now)
    last = 12 if year < current.year else current.month if year == current.year else 0
    begun = range(1, last + 1)
    months = month_scores(year, begun, now=now)
    by_number = {s.month: s for s in months}
    this = by_number.get(month) or month_score(year, month, now=now)
    first = (month - 1) // 3 * 3 + 1
    quarter = tuple(by_number[m] for m in range(first, first + 3) if m in by_number)
    return Evaluation(this, quarter, scoring.period_score(quarter), scoring.period_score(months), tuple(months))


# --- the staff satisfaction survey ---------------------------------------------------------------

RESPONDENTS = (Role.EMPLOYEE, Role.UNIT_ADMIN, Role.LOGISTICS_ADMIN, Role.SYSADMIN)


def has_answered(user: User, year: int, month: int) -> bool:
    return db.session.scalar(
        select(SurveyParticipation.id).where(SurveyParticipation.respondent_id == user.id,
                                             SurveyParticipation.year == year, SurveyParticipation.month == month)
    ) is not None


def answer_survey(answers: Mapping[Area, Satisfaction | str | None], *, actor: User, now: datetime) -> int:
    """This month's answers (one per area, areas left out are skipped), once per person per month.

    The ratings are stored without the person or the time; only that the person took part is kept."""
    if not actor.has_role(*RESPONDENTS):
        raise RuleViolation(_l("The survey is for the staff of the building's units."), status=403)
    local = to_local(now)
    if has_answered(actor, local.year, local.month):
        raise RuleViolation(_l("You have already answered this month's survey. Thank you."), status=409)
    ratings = []
    for area, value in answers.items():
        if value in (None, ""):
            continue
        try:
            ratings.append(SurveyRating(year=local.year, month=local.month, area=Area(area), rating=Satisfaction(value)))
        except ValueError:
            raise RuleViolation(_l("Choose one of the answers."), field=f"area_{area}") from None
    if not ratings:
        raise RuleViolation(_l("Answer at least one question."))
    db.session.add(SurveyParticipation(respondent_id=actor.id, year=local.year, month=local.month))
    db.session.add_all(ratings)
    db.session.flush()
    # The audit entry says that someone answered, not what.
    audit.record(actor, "supervision.survey", object_type="survey", object_id=f"{local.year}-{local.month:02d}",
                 summary=str(len(ratings)))
    return len(ratings)


def survey_participants(year: int, month: int) -> int:
    return db.session.scalar(
        select(func.count()).select_from(SurveyParticipation)
        .where(SurveyParticipation.year == year, SurveyParticipation.month == month)
    ) or 0


# --- the home panel ----------------------------------------------------------------------------------


def home_counts(user: User, today: date) -> dict[str, int] | None:
    if not user.has_role(Role.PROPERTY, *SUPERVISORS):
        return None
    return rectification_counts(today)
