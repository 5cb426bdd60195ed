"""The rules of a repair request: who may move it where, and what each move records.

Plain functions: the caller passes the acting user and the time (``actor``,
``now``) and commits. A refused move raises :class:`portal.rules.RuleViolation`
(403 for the wrong person, 409 for the wrong moment, 422 for missing details).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import contains_eager, joinedload
from wtforms import SelectChoice

from portal import audit
from portal.blueprints.repairs import notify
from portal.blueprints.repairs.models import (
    OPEN_STATUSES,
    Action,
    Category,
    HoldReason,
    RepairEvent,
    RepairRequest,
    RepairVisit,
    Status,
    Urgency,
)
from portal.db import db
from portal.i18n import lazy_gettext as _l
from portal.models import Building, Floor, Role, Room, Unit, User
from portal.paging import ListPage
from portal.rules import RuleViolation
from portal.text import contains, normalise_identifier
from portal.timeutil import LOCAL_TZ

MAX_COST = Decimal("999999.99")
FEN = Decimal("0.01")
ZERO = Decimal("0.00")
AUDIT_FIELDS = (
    "status", "accepted_at", "started_at", "done_at", "confirmed_at", "handler_id",
    "reopen_count", "resolution", "parts_cost", "labour_cost", "hold_reason",
)


class Party(enum.StrEnum):
    """Who is acting, as far as a request is concerned."""

    PROPERTY = "property"  # anyone holding the property company's role
    REPORTER = "reporter"  # the person who reported this request


@dataclass(frozen=True)
class Transition:
    action: Action
    source: Status
    target: Status
    party: Party


# The whole status flow. Anything not listed here is refused.
TRANSITIONS: dict[Action, Transition] = {
    t.action: t
    for t in (
        Transition(Action.ACCEPT, Status.SUBMITTED, Status.ACCEPTED, Party.PROPERTY),
        Transition(Action.START, Status.ACCEPTED, Status.IN_PROGRESS, Party.PROPERTY),
        Transition(Action.HOLD, Status.IN_PROGRESS, Status.ON_HOLD, Party.PROPERTY),
        Transition(Action.RESUME, Status.ON_HOLD, Status.IN_PROGRESS, Party.PROPERTY),
        Transition(Action.FINISH, Status.IN_PROGRESS, Status.DONE, Party.PROPERTY),
        Transition(Action.CONFIRM, Status.DONE, Status.CONFIRMED, Party.REPORTER),
        Transition(Action.REOPEN, Status.DONE, Status.IN_PROGRESS, Party.REPORTER),
    )
}

# The moves as verbs, for "you can only … when …".
STEP_VERBS = {
    Action.ACCEPT: _l("accept it"),
    Action.START: _l("start the work"),
    Action.HOLD: _l("put it on hold"),
    Action.RESUME: _l("resume the work"),
    Action.FINISH: _l("mark it done"),
    Action.CONFIRM: _l("confirm the repair"),
    Action.REOPEN: _l("reopen it"),
}

PARTY_REFUSALS = {
    Party.PROPERTY: _l("Only the property company can do this."),
    Party.REPORTER: _l("Only the person who reported the fault can do this."),
}


def parties(user: User, repair: RepairRequest) -> frozenset[Party]:
    found = set()
    if user.has_role(Role.PROPERTY):
        found.add(Party.PROPERTY)
    if repair.reporter_id == user.id:
        found.add(Party.REPORTER)
    return frozenset(found)


def check_move(repair: RepairRequest, action: Action, user: User) -> Transition:
    """The transition ``user`` may make with ``action`` now, or a ``RuleViolation``."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise RuleViolation(_l("That is not a step a repair request can take."), status=409)
    if transition.party not in parties(user, repair):
        raise RuleViolation(PARTY_REFUSALS[transition.party], status=403)
    if repair.status is not transition.source:
        raise RuleViolation(
            _l(
                "This request is “%(status)s”; you can %(action)s only when it is “%(source)s”.",
                status=repair.status.label,
                action=STEP_VERBS[action],
                source=transition.source.label,
            ),
            status=409,
        )
    return transition


def allowed_actions(repair: RepairRequest, user: User) -> list[Action]:
    """The moves ``user`` can make on ``repair`` right now, in flow order."""
    mine = parties(user, repair)
    return [t.action for t in TRANSITIONS.values() if t.source is repair.status and t.party in mine]


def check_cost(value: Decimal | None, field: str | None = None) -> Decimal:
    if value is None:
        raise RuleViolation(_l("Enter the cost of parts and of labour (0 if none)."), field=field)
    if not value.is_finite() or value < 0 or value > MAX_COST or value != value.quantize(FEN):
        raise RuleViolation(_l("A cost is between 0 and 999,999.99 yuan, to the fen."), field=field)
    return value.quantize(FEN)


def total_cost(parts: Decimal | None, labour: Decimal | None) -> Decimal:
    """Parts plus labour; a repair without costs yet counts as nothing."""
    return (parts or ZERO) + (labour or ZERO)


def _retotal(repair: RepairRequest) -> None:
    """The repair's cost is the sum of its visits' costs."""
    if not repair.visits:
        repair.parts_cost = repair.labour_cost = None
        return
    repair.parts_cost = sum((v.parts_cost for v in repair.visits), ZERO)
    repair.labour_cost = sum((v.labour_cost for v in repair.visits), ZERO)


@dataclass(frozen=True)
class ReportDraft:
    """A fault report as typed: ``location`` is a value of :func:`location_value`."""

    location: str
    category: Category | str
    description: str
    urgency: Urgency | str = Urgency.NORMAL
    spot: str = ""
    contact: str = ""


_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
# A Chinese number (一 … 九十九) right before 号, 楼 or 层: "一号电梯", "十二楼", "三层".
_CHINESE_NUMBER = re.compile(r"([零〇一二两三四五六七八九十]{1,3})(?=[号號楼樓层層])")


def _chinese_number(text: str) -> str:
    if "十" not in text:
        return "".join(str(_DIGITS[c]) for c in text) if len(text) == 1 else text
    tens, _, units = text.partition("十")
    if len(tens) > 1 or len(units) > 1 or (tens and tens not in _DIGITS) or (units and units not in _DIGITS):
        return text
    return str((_DIGITS[tens] if tens else 1) * 10 + (_DIGITS[units] if units else 0))


def normalise_spot(spot: str) -> str:
    """A free-text spot made comparable: "一号 电梯" and "1号电梯" are the same lift.

    NFKC (full-width → ASCII), no spaces, case-folded, and Chinese numerals
    before 号/楼/层 written as digits.
    """
    text = normalise_identifier(spot).casefold()
    return _CHINESE_NUMBER.sub(lambda m: _chinese_number(m.group(1)), text)


def year_bounds(year: int) -> tuple[datetime, datetime]:
    return datetime(year, 1, 1, tzinfo=LOCAL_TZ), datetime(year + 1, 1, 1, tzinfo=LOCAL_TZ)


def report_fault(draft: ReportDraft, *, actor: User, now: datetime) -> RepairRequest:
    place = resolve_location(draft.location)
    if place is None:  # e.g. the room was removed since the page was loaded
        raise RuleViolation(_l("Choose the room, or the floor for corridors and toilets."), field="location")
    floor, room = place
    try:
        category, urgency = Category(draft.category), Urgency(draft.urgency)
    except ValueError:
        raise RuleViolation(_l("Choose the kind of fault."), field="category") from None
    if not draft.description.strip():
        raise RuleViolation(_l("Say what is wrong."), field="description")
    repair = RepairRequest(
        reporter=actor,
        floor=floor,
        room=room,
        spot=draft.spot.strip(),
        category=category,
        urgency=urgency,
        description=draft.description.strip(),
        contact=draft.contact.strip(),
        status=Status.SUBMITTED,
        reported_at=now,
        reopen_count=0,
        resolution="",
    )
    repair.events.append(RepairEvent(at=now, actor=actor, action=Action.REPORT, to_status=Status.SUBMITTED, details={}))
    db.session.add(repair)
    db.session.flush()  # ids for the audit entry
    audit.record(
        actor,
        "repair.report",
        repair,
        after=audit.snapshot(repair, ("floor_id", "room_id", "spot", "category", "urgency", "description")),
        summary=f"{category.value} {urgency.value}",
    )
    notify.reported(repair, now=now)
    return repair


def move(
    repair: RepairRequest,
    action: Action,
    *,
    actor: User,
    now: datetime,
    note: str = "",
    resolution: str | None = None,
    parts_cost: Decimal | None = None,
    labour_cost: Decimal | None = None,
    hold_reason: HoldReason | str | None = None,
) -> RepairEvent:
    """Make one step of the flow, stamp its time, and record it (event + audit).

    Finishing records a visit with its own costs (a reopened repair keeps what
    the earlier visits cost); putting on hold needs a reason.
    """
    transition = check_move(repair, action, actor)
    note = note.strip()
    details: dict = {}
    if action is Action.FINISH:
        parts_cost, labour_cost = check_cost(parts_cost, "parts_cost"), check_cost(labour_cost, "labour_cost")
        if not (resolution or "").strip():
            raise RuleViolation(_l("Say what was done."), field="resolution")
    if action is Action.REOPEN and not note:
        raise RuleViolation(_l("Say what is still wrong, so the property company knows."), field="note")
    if action is Action.HOLD:
        try:
            hold_reason = HoldReason(hold_reason or "")
        except ValueError:
            raise RuleViolation(_l("Choose why the work is on hold."), field="hold_reason") from None
        if hold_reason is HoldReason.OTHER and not note:
            raise RuleViolation(_l("Say why the work is on hold."), field="note")
        details["reason"] = hold_reason.value

    before = audit.snapshot(repair, AUDIT_FIELDS)
    repair.status = transition.target
    if action is Action.ACCEPT:
        repair.accepted_at = now
        repair.handler = actor
    elif action is Action.START:
        repair.started_at = repair.started_at or now
    elif action is Action.HOLD:
        repair.hold_reason = hold_reason
    elif action is Action.RESUME:
        details["reason"] = repair.hold_reason.value if repair.hold_reason else None
        repair.hold_reason = None
    elif action is Action.FINISH:
        visit = RepairVisit(
            number=len(repair.visits) + 1, finished_at=now, handler=actor, resolution=(resolution or "").strip(),
            parts_cost=parts_cost, labour_cost=labour_cost,
        )
        repair.visits.append(visit)
        repair.done_at = now
        repair.resolution = visit.resolution
        _retotal(repair)
        details.update(visit=visit.number, parts=str(parts_cost), labour=str(labour_cost))
    elif action is Action.CONFIRM:
        repair.confirmed_at = now
    elif action is Action.REOPEN:
        repair.done_at = None
        repair.reopen_count += 1
    event = RepairEvent(
        at=now, actor=actor, action=action, from_status=transition.source, to_status=transition.target, note=note,
        details=details,
    )
    repair.events.append(event)
    audit.record(
        actor, f"repair.{action.value}", repair, before=before, after=audit.snapshot(repair, AUDIT_FIELDS),
        summary=note,
    )
    notify.moved(repair, action, now=now)
    return event


CORRECTABLE = (Status.DONE, Status.CONFIRMED)


def can_correct_cost(repair: RepairRequest, user: User) -> bool:
    return Party.PROPERTY in parties(user, repair) and repair.status in CORRECTABLE


def correct_cost(
    repair: RepairRequest, *, actor: User, now: datetime, parts_cost: Decimal | None, labour_cost: Decimal | None,
    note: str,
) -> RepairEvent:
    """Change the cost of the latest visit of a finished repair (a late invoice, a typo); the reason,
    and the old and new amounts, are kept."""
    if Party.PROPERTY not in parties(actor, repair):
        raise RuleViolation(PARTY_REFUSALS[Party.PROPERTY], status=403)
    if repair.status not in CORRECTABLE or not repair.visits:
        raise RuleViolation(_l("The cost can be corrected once the repair is done."), status=409)
    parts_cost, labour_cost = check_cost(parts_cost, "parts_cost"), check_cost(labour_cost, "labour_cost")
    if not note.strip():
        raise RuleViolation(_l("Give a reason for the correction."), field="note")
    visit = repair.visits[-1]
    before = audit.snapshot(repair, ("parts_cost", "labour_cost"))
    details = {
        "visit": visit.number,
        "before": {"parts": str(visit.parts_cost), "labour": str(visit.labour_cost)},
        "after": {"parts": str(parts_cost), "labour": str(labour_cost)},
    }
    visit.parts_cost, visit.labour_cost = parts_cost, labour_cost
    _retotal(repair)
    event = RepairEvent(
        at=now, actor=actor, action=Action.CORRECT_COST, from_status=repair.status, to_status=repair.status,
        note=note.strip(), details=details,
    )
    repair.events.append(event)
    audit.record(
        actor, "repair.correct_cost", repair, before=before,
        after=audit.snapshot(repair, ("parts_cost", "labour_cost")), summary=note.strip(),
    )
    return event


# Where a fault is: "room-<id>" for a room, "floor-<id>" for a floor's common
# areas (corridors, toilets, stairs) described further by the free-text spot.
ROOM_PREFIX, FLOOR_PREFIX = "room-", "floor-"


def location_value(floor_id: int, room_id: int | None) -> str:
    return f"{ROOM_PREFIX}{room_id}" if room_id is not None else f"{FLOOR_PREFIX}{floor_id}"


def resolve_location(value: str) -> tuple[Floor, Room | None] | None:
    """The floor and room a location value names, or None if it names nothing."""
    kind, _, number = (value or "").partition("-")
    if not (number.isascii() and number.isdigit()) or len(number) > 12:
        return None
    if kind + "-" == ROOM_PREFIX:
        room = db.session.get(Room, int(number))
        return (room.floor, room) if room is not None else None
    if kind + "-" == FLOOR_PREFIX:
        floor = db.session.get(Floor, int(number))
        return (floor, None) if floor is not None else None
    return None


def location_choices(building_id: int | None = None, common_label: str = "") -> list[SelectChoice]:
    """Every floor's common areas and rooms, grouped by building and floor (two queries)."""
    floors_query = select(Floor).join(Building).options(contains_eager(Floor.building)).order_by(Building.sort_order, Building.id, Floor.level)
    rooms_query = select(Room).join(Floor).order_by(Room.floor_id, Room.number)
    if building_id is not None:
        floors_query = floors_query.where(Floor.building_id == building_id)
        rooms_query = rooms_query.where(Floor.building_id == building_id)
    rooms_by_floor: dict[int, list[Room]] = {}
    for room in db.session.scalars(rooms_query):
        rooms_by_floor.setdefault(room.floor_id, []).append(room)
    unit_names = _unit_short_names()
    choices = []
    for floor in db.session.scalars(floors_query):
        group = f"{floor.building.name} {floor.display_label}"
        choices.append(SelectChoice(location_value(floor.id, None), f"{floor.display_label} {common_label}".strip(), optgroup=group))
        for room in rooms_by_floor.get(floor.id, ()):
            name = room.name or unit_names.get(room.unit_id, "")
            choices.append(SelectChoice(location_value(floor.id, room.id), f"{room.number} {name}".strip(), optgroup=group))
    return choices


def _unit_short_names() -> dict[int | None, str]:
    return {uid: short or name for uid, short, name in db.session.execute(select(Unit.id, Unit.short_name, Unit.name))}


def can_view(user: User, repair: RepairRequest) -> bool:
    """The reporter, the property company and the logistics center see a request."""
    return repair.reporter_id == user.id or user.has_role(Role.PROPERTY, Role.LOGISTICS_ADMIN, Role.SYSADMIN)


# --- reads for the pages ------------------------------------------------------------------------


def with_place(query, *, reporter_unit: bool = True):
    """The place and the reporter loaded with the requests; a list that shows only the
    reporter's name (the queue) leaves out their unit and roles."""
    reporter = joinedload(RepairRequest.reporter)
    return query.options(
        joinedload(RepairRequest.floor).joinedload(Floor.building),
        joinedload(RepairRequest.room),
        reporter.joinedload(User.unit) if reporter_unit else reporter.lazyload(User.role_rows),
    )


def find_repair(repair_id: int) -> RepairRequest | None:
    return db.session.scalar(
        with_place(select(RepairRequest)).options(joinedload(RepairRequest.handler)).where(RepairRequest.id == repair_id)
    )


@dataclass(frozen=True)
class Filters:
    """What the queue and the full list are narrowed to."""

    status: Status | None = None
    category: Category | None = None
    building: int | None = None
    year: int | None = None
    q: str = ""
    urgency: Urgency | None = None
    overdue_at: datetime | None = None  # only the repairs overdue at this moment

    def url_args(self) -> dict:
        """As query arguments for links (pager, polling)."""
        values = {"status": self.status, "category": self.category, "building": self.building, "year": self.year,
                  "q": self.q, "urgency": self.urgency, "overdue": 1 if self.overdue_at else None}
        return {k: (v.value if isinstance(v, enum.Enum) else v) for k, v in values.items() if v not in (None, "")}


URGENCY_RANK = case(
    (RepairRequest.urgency == Urgency.URGENT, 0),
    (RepairRequest.urgency == Urgency.NORMAL, 1),
    else_=2,
)


def overdue_clause(now: datetime):
    """Open repairs past their urgency's allowance (see ``notify.OVERDUE_AFTER``)."""
    return RepairRequest.status.in_(OPEN_STATUSES) & or_(*(
        (RepairRequest.urgency == urgency) & (RepairRequest.reported_at < now - allowance)
        for urgency, allowance in notify.OVERDUE_AFTER.items()
    ))


def _filtered(query, filters: Filters):
    if filters.urgency is not None:
        query = query.where(RepairRequest.urgency == filters.urgency)
    if filters.overdue_at is not None:
        query = query.where(overdue_clause(filters.overdue_at))
    if filters.status is not None:
        query = query.where(RepairRequest.status == filters.status)
    if filters.category is not None:
        query = query.where(RepairRequest.category == filters.category)
    if filters.building is not None:
        query = query.join(Floor, RepairRequest.floor_id == Floor.id).where(Floor.building_id == filters.building)
    if filters.year is not None:
        start, end = year_bounds(filters.year)
        query = query.where(RepairRequest.reported_at >= start, RepairRequest.reported_at < end)
    if filters.q:
        query = query.where(
            contains(RepairRequest.description, filters.q)
            | contains(RepairRequest.spot, filters.q)
            | contains(RepairRequest.resolution, filters.q)
        )
    return query


def my_reports_query(user: User, *, only_open: bool):
    """A reporter's own requests, newest first (a select for ``portal.requestargs.paginate``)."""
    query = with_place(select(RepairRequest)).where(RepairRequest.reporter_id == user.id)
    if only_open:
        query = query.where(RepairRequest.status != Status.CONFIRMED)
    return query.order_by(RepairRequest.reported_at.desc(), RepairRequest.id.desc())


def queue_query(filters: Filters):
    """Open requests, most urgent first, then oldest first."""
    query = _filtered(
        with_place(select(RepairRequest), reporter_unit=False).where(RepairRequest.status.in_(OPEN_STATUSES)), filters
    )
    return query.order_by(URGENCY_RANK, RepairRequest.reported_at, RepairRequest.id)


def browse_query(filters: Filters):
    """Every request, newest first."""
    return _filtered(with_place(select(RepairRequest)), filters).order_by(
        RepairRequest.reported_at.desc(), RepairRequest.id.desc()
    )


def building_choices(any_label: str) -> list[SelectChoice]:
    buildings = db.session.execute(select(Building.id, Building.name).order_by(Building.sort_order, Building.id))
    return [SelectChoice("", any_label)] + [SelectChoice(str(bid), name) for bid, name in buildings]


_BUILDINGS = select(Building.id, Building.name).order_by(Building.sort_order, Building.id)


def kept_building_choices(any_label: str) -> list[SelectChoice]:
    """``building_choices``, from the buildings kept as facts while the building is unchanged."""
    from portal.cache import cached_facts

    buildings = cached_facts(("building",), "repairs.buildings",
                             lambda: tuple((bid, name) for bid, name in db.session.execute(_BUILDINGS)))
    return [SelectChoice("", any_label)] + [SelectChoice(str(bid), name) for bid, name in buildings]


def queue_page(filters: Filters, page: int, per_page: int) -> ListPage:
    """One page of the queue, as ``portal.requestargs.paginate`` reads it, without counting the
    requests when the first page is not full (the queue of open requests mostly is one page)."""
    query = queue_query(filters)
    items = list(db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).unique())
    if page == 1 and len(items) < per_page:
        total = len(items)
    else:
        total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    return ListPage(items, page, per_page, total)


@dataclass(frozen=True)
class CostPair:
    parts: Decimal
    labour: Decimal

    @property
    def total(self) -> Decimal:
        return self.parts + self.labour

    @classmethod
    def from_details(cls, value: dict | None) -> CostPair | None:
        if not value:
            return None
        return cls(Decimal(value["parts"]), Decimal(value["labour"]))


@dataclass(frozen=True)
class HistoryLine:
    """One line of a request's history; the template words it in the reader's language."""

    at: datetime
    action: Action
    actor: str
    note: str
    hold_reason: HoldReason | None = None
    visit: int | None = None
    cost: CostPair | None = None  # what a visit cost, or the corrected amounts
    cost_before: CostPair | None = None


def history(repair: RepairRequest) -> list[HistoryLine]:
    events = db.session.scalars(
        select(RepairEvent).options(joinedload(RepairEvent.actor))
        .where(RepairEvent.request_id == repair.id).order_by(RepairEvent.id)
    ).all()
    lines = []
    for event in events:
        details = event.details or {}
        reason = details.get("reason")
        cost = CostPair.from_details(details.get("after"))
        if cost is None and "parts" in details:
            cost = CostPair(Decimal(details["parts"]), Decimal(details["labour"]))
        lines.append(HistoryLine(
            at=event.at, action=event.action, actor=event.actor.display_name if event.actor else "",
            note=event.note, hold_reason=HoldReason(reason) if reason in HoldReason._value2member_map_ else None,
            visit=details.get("visit"), cost=cost, cost_before=CostPair.from_details(details.get("before")),
        ))
    return lines


@dataclass(frozen=True)
class Waiting:
    """How long someone has waited: whole days and hours (minutes under an hour)."""

    days: int
    hours: int
    minutes: int


def waiting_time(since: datetime, now: datetime) -> Waiting:
    seconds = max(0, int((now - since).total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    return Waiting(days, hours, rest // 60)


def home_counts(user: User, now: datetime | None = None) -> dict[str, int]:
    """Numbers for the home panel and the index: my open reports, what awaits my
    confirmation, and (for the property company and the logistics center) the
    queue by urgency and the overdue repairs."""
    mine = dict(
        db.session.execute(
            select(RepairRequest.status, func.count())
            .where(RepairRequest.reporter_id == user.id, RepairRequest.status != Status.CONFIRMED)
            .group_by(RepairRequest.status)
        ).all()
    )
    counts = {
        "mine_open": sum(n for status, n in mine.items() if status in OPEN_STATUSES),
        "to_confirm": mine.get(Status.DONE, 0),
    }
    if user.has_role(Role.PROPERTY, Role.LOGISTICS_ADMIN):
        overdue = case((overdue_clause(now), 1)) if now is not None else None
        columns = [func.count(), *(func.count(case((RepairRequest.urgency == u, 1))) for u in Urgency)]
        if overdue is not None:
            columns.append(func.count(overdue))
        queue = db.session.execute(
            select(*columns).select_from(RepairRequest).where(RepairRequest.status.in_(OPEN_STATUSES))
        ).one()
        counts["queue"] = queue[0]
        for urgency, number in zip(Urgency, queue[1:4], strict=True):
            counts[f"queue_{urgency.value}"] = number
        if overdue is not None:
            counts["overdue"] = queue[4]
    return counts


def awaiting_confirmation() -> int:
    return db.session.scalar(select(func.count()).select_from(RepairRequest).where(RepairRequest.status == Status.DONE))
