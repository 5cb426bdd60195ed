"""The rules of a repair request: who may move it where, and what each move records.

Plain functions: the caller passes the acting user and the time, and commits.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import contains_eager
from wtforms import SelectChoice

from portal import audit
from portal.blueprints.repairs.models import (
    STATUS_LABELS,
    STEP_LABELS,
    Action,
    Category,
    RepairEvent,
    RepairRequest,
    Status,
    Urgency,
)
from portal.db import db
from portal.models import Building, Floor, Role, Room, Unit, User

MAX_COST = Decimal("999999.99")
FEN = Decimal("0.01")
AUDIT_FIELDS = (
    "status", "accepted_at", "started_at", "done_at", "confirmed_at", "handler_id",
    "reopen_count", "resolution", "parts_cost", "labour_cost",
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
        Transition(Action.FINISH, Status.IN_PROGRESS, Status.DONE, Party.PROPERTY),
        Transition(Action.CONFIRM, Status.DONE, Status.CONFIRMED, Party.REPORTER),
        Transition(Action.REOPEN, Status.DONE, Status.IN_PROGRESS, Party.REPORTER),
    )
}

PARTY_REFUSALS = {
    Party.PROPERTY: _l("Only the property company can do this."),
    Party.REPORTER: _l("Only the person who reported the fault can do this."),
}


class TransitionError(Exception):
    """A move that the rules do not allow. ``status`` is the HTTP answer:
    403 for the wrong person, 409 for the wrong moment, 422 for missing details."""

    def __init__(self, message: object, status: int = 409) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def parties(user: User, repair: RepairRequest) -> frozenset[Party]:
    found = set()
    if user.has_role(Role.PROPERTY):
        found.add(Party.PROPERTY)
    if repair.reporter_id == user.id:
        found.add(Party.REPORTER)
    return frozenset(found)


def check_move(repair: RepairRequest, action: Action, user: User) -> Transition:
    """The transition ``user`` may make with ``action`` now, or a ``TransitionError``."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise TransitionError(_l("That is not a step a repair request can take."), 409)
    if transition.party not in parties(user, repair):
        raise TransitionError(PARTY_REFUSALS[transition.party], 403)
    if repair.status is not transition.source:
        raise TransitionError(
            _l(
                "This request is “%(status)s”; you can %(action)s only when it is “%(source)s”.",
                status=STATUS_LABELS[repair.status],
                action=STEP_LABELS[action],
                source=STATUS_LABELS[transition.source],
            ),
            409,
        )
    return transition


def allowed_actions(repair: RepairRequest, user: User) -> list[Action]:
    """The moves ``user`` can make on ``repair`` right now, in flow order."""
    mine = parties(user, repair)
    return [t.action for t in TRANSITIONS.values() if t.source is repair.status and t.party in mine]


def check_cost(value: Decimal | None) -> Decimal:
    if value is None:
        raise TransitionError(_l("Enter the cost of parts and of labour (0 if none)."), 422)
    if not value.is_finite() or value < 0 or value > MAX_COST or value != value.quantize(FEN):
        raise TransitionError(_l("A cost is between 0 and 999,999.99 yuan, to the fen."), 422)
    return value.quantize(FEN)


def total_cost(parts: Decimal | None, labour: Decimal | None) -> Decimal:
    """Parts plus labour; a repair without costs yet counts as nothing."""
    return (parts or Decimal("0.00")) + (labour or Decimal("0.00"))


def report_fault(
    reporter: User,
    *,
    floor: Floor,
    room: Room | None,
    spot: str,
    category: Category,
    urgency: Urgency,
    description: str,
    contact: str,
    at: datetime,
) -> RepairRequest:
    if room is not None and room.floor_id != floor.id:
        raise ValueError("the room is not on that floor")
    category, urgency = Category(category), Urgency(urgency)
    repair = RepairRequest(
        reporter=reporter,
        floor=floor,
        room=room,
        spot=spot.strip(),
        category=category,
        urgency=urgency,
        description=description.strip(),
        contact=contact.strip(),
        status=Status.SUBMITTED,
        reported_at=at,
        reopen_count=0,
        resolution="",
    )
    repair.events.append(RepairEvent(at=at, actor=reporter, action=Action.REPORT, to_status=Status.SUBMITTED))
    db.session.add(repair)
    db.session.flush()  # ids for the audit entry
    audit.record(
        reporter,
        "repair.report",
        repair,
        after=audit.snapshot(repair, ("floor_id", "room_id", "spot", "category", "urgency", "description")),
        summary=f"{category.value} {urgency.value}",
    )
    return repair


def move(
    repair: RepairRequest,
    action: Action,
    actor: User,
    at: datetime,
    *,
    note: str = "",
    resolution: str | None = None,
    parts_cost: Decimal | None = None,
    labour_cost: Decimal | None = None,
) -> RepairEvent:
    """Make one step of the flow, stamp its time, and record it (event + audit)."""
    transition = check_move(repair, action, actor)
    note = note.strip()
    if action is Action.FINISH:
        parts_cost, labour_cost = check_cost(parts_cost), check_cost(labour_cost)
        if not (resolution or "").strip():
            raise TransitionError(_l("Say what was done."), 422)
    if action is Action.REOPEN and not note:
        raise TransitionError(_l("Say what is still wrong, so the property company knows."), 422)

    before = audit.snapshot(repair, AUDIT_FIELDS)
    repair.status = transition.target
    if action is Action.ACCEPT:
        repair.accepted_at = at
        repair.handler = actor
    elif action is Action.START:
        repair.started_at = repair.started_at or at
    elif action is Action.FINISH:
        repair.done_at = at
        repair.resolution = (resolution or "").strip()
        repair.parts_cost, repair.labour_cost = parts_cost, labour_cost
    elif action is Action.CONFIRM:
        repair.confirmed_at = at
    elif action is Action.REOPEN:
        repair.done_at = None
        repair.reopen_count += 1
    event = RepairEvent(
        at=at, actor=actor, action=action, from_status=transition.source, to_status=transition.target, note=note
    )
    repair.events.append(event)
    audit.record(
        actor, f"repair.{action.value}", repair, before=before, after=audit.snapshot(repair, AUDIT_FIELDS), summary=note
    )
    return event


CORRECTABLE = (Status.DONE, Status.CONFIRMED)


def can_correct_cost(repair: RepairRequest, user: User) -> bool:
    return Party.PROPERTY in parties(user, repair) and repair.status in CORRECTABLE


def correct_cost(
    repair: RepairRequest, actor: User, at: datetime, *, parts_cost: Decimal, labour_cost: Decimal, note: str
) -> RepairEvent:
    """Change the cost of a finished repair (a late invoice, a typo); the reason is kept."""
    if Party.PROPERTY not in parties(actor, repair):
        raise TransitionError(PARTY_REFUSALS[Party.PROPERTY], 403)
    if repair.status not in CORRECTABLE:
        raise TransitionError(_l("The cost can be corrected once the repair is done."), 409)
    parts_cost, labour_cost = check_cost(parts_cost), check_cost(labour_cost)
    if not note.strip():
        raise TransitionError(_l("Give a reason for the correction."), 422)
    before = audit.snapshot(repair, ("parts_cost", "labour_cost"))
    repair.parts_cost, repair.labour_cost = parts_cost, labour_cost
    event = RepairEvent(
        at=at, actor=actor, action=Action.CORRECT_COST, from_status=repair.status, to_status=repair.status,
        note=note.strip(),
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
