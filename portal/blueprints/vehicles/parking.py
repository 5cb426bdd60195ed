"""Parking (机关车辆停放): staff vehicles registered per person and approved by
their unit's administrator, the guard's plate lookup (staff, official cars and
visitors from the visitor log), rounds over the reserved spaces and the plates
that keep parking where they may not."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from portal import audit, events
from portal.blueprints.vehicles import notify
from portal.blueprints.vehicles.models import (
    ParkingArea,
    ParkingSpace,
    RegistrationStatus,
    Sighting,
    SpaceKind,
    StaffVehicle,
    Vehicle,
)
from portal.cache import ACCOUNTS, cached_facts
from portal.db import db
from portal.i18n import lazy_gettext as _l
from portal.models import Role, Unit, User
from portal.rules import RuleViolation
from portal.validators import validate_plate

HELD = (RegistrationStatus.PENDING, RegistrationStatus.APPROVED)
RESERVED = (SpaceKind.UNIT, SpaceKind.PERSON)
OFFENDER_WINDOW = timedelta(days=90)

audit.register_labels(
    actions={"parking.register": _l("Staff vehicle registered"), "parking.decide": _l("Staff vehicle decided"),
             "parking.withdraw": _l("Staff vehicle withdrawn"), "parking.round": _l("Parking round recorded")},
    object_types={"parking_staff_vehicle": _l("Staff vehicle")},
)


def max_vehicles() -> int:
    return int(current_app.config.get("PARKING_MAX_VEHICLES", 2))


def checked_plate(value: str, field: str = "plate") -> str:
    try:
        return validate_plate(value)
    except RuleViolation as error:
        raise RuleViolation(error.message, field=field) from None


def _approvers(owner: User) -> list[int]:
    from portal.blueprints.vehicles.services import dispatcher_ids, unit_admin_ids

    admins = [i for i in unit_admin_ids(owner.unit_id) if i != owner.id]
    return admins or dispatcher_ids()


def may_decide(user: User, registration: StaffVehicle) -> bool:
    if user.has_role(Role.LOGISTICS_ADMIN):
        return True
    owner = registration.owner
    return (user.has_role(Role.UNIT_ADMIN) and owner.unit_id is not None and user.unit_id == owner.unit_id
            and user.id != owner.id)


@dataclass(frozen=True)
class RegistrationDraft:
    plate: str
    description: str = ""


def register_vehicle(draft: RegistrationDraft, *, actor: User, now: datetime, limit: int | None = None) -> StaffVehicle:
    plate = checked_plate(draft.plate)
    limit = max_vehicles() if limit is None else limit
    held = db.session.scalars(select(StaffVehicle).where(StaffVehicle.plate == plate, StaffVehicle.status.in_(HELD))).all()
    if any(r.owner_id == actor.id for r in held):
        raise RuleViolation(_l("You have already registered this plate."), field="plate")
    if held:
        raise RuleViolation(_l("This plate is registered to someone else; ask the logistics center."), field="plate")
    mine = db.session.scalar(select(func.count()).select_from(StaffVehicle).where(
        StaffVehicle.owner_id == actor.id, StaffVehicle.status.in_(HELD))) or 0
    if mine >= limit:
        raise RuleViolation(_l("One person may register at most %(num)s vehicles; withdraw one first.", num=limit),
                            field="plate")
    registration = StaffVehicle(owner_id=actor.id, plate=plate, description=draft.description.strip()[:60],
                                status=RegistrationStatus.PENDING, created_at=now)
    registration.owner = actor
    db.session.add(registration)
    db.session.flush()
    audit.record(actor, "parking.register", registration, summary=plate)
    notify.registration_submitted(registration, _approvers(actor), now=now)
    return registration


def decide(registration: StaffVehicle, approve: bool, *, actor: User, now: datetime) -> None:
    if not may_decide(actor, registration):
        raise RuleViolation(_l("Only the owner's unit administrator approves staff vehicles."), status=403)
    if registration.status is not RegistrationStatus.PENDING:
        raise RuleViolation(_l("This registration is already decided."), status=409)
    registration.status = RegistrationStatus.APPROVED if approve else RegistrationStatus.REJECTED
    registration.decided_by_id, registration.decided_at = actor.id, now
    audit.record(actor, "parking.decide", registration, after={"status": registration.status}, summary=registration.plate)
    notify.registration_decided(registration, now=now)


def withdraw(registration: StaffVehicle, *, actor: User, now: datetime) -> None:
    if registration.owner_id != actor.id:
        raise RuleViolation(_l("Only the owner can withdraw a registration."), status=403)
    if registration.status not in HELD:
        raise RuleViolation(_l("This registration is already closed."), status=409)
    registration.status = RegistrationStatus.WITHDRAWN
    audit.record(actor, "parking.withdraw", registration, summary=registration.plate)
    events.resolve(notify.registration_key(registration), now=now)


def my_registrations_query(user: User):
    return select(StaffVehicle).where(StaffVehicle.owner_id == user.id).order_by(StaffVehicle.created_at.desc())


def approvals_query(user: User):
    query = (select(StaffVehicle).options(joinedload(StaffVehicle.owner).joinedload(User.unit))
             .where(StaffVehicle.status == RegistrationStatus.PENDING).order_by(StaffVehicle.created_at))
    if user.has_role(Role.LOGISTICS_ADMIN):
        return query
    if not user.has_role(Role.UNIT_ADMIN) or user.unit_id is None:
        return query.where(False)
    return query.join(User, StaffVehicle.owner_id == User.id).where(User.unit_id == user.unit_id,
                                                                    StaffVehicle.owner_id != user.id)


def pending_registrations_count(user: User) -> int:
    if not user.has_role(Role.LOGISTICS_ADMIN, Role.UNIT_ADMIN):
        return 0
    return db.session.scalar(select(func.count()).select_from(approvals_query(user).order_by(None).subquery())) or 0


# --- the guard's lookup --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StaffHit:
    owner: str
    unit: str
    phone: str
    status: RegistrationStatus
    description: str


@dataclass(frozen=True, slots=True)
class OfficialCar:
    """An official car as the lookup shows it: its unit's name (None: the logistics center's pool)."""

    plate: str
    unit_name: str | None


@dataclass(frozen=True)
class PlateLookup:
    plate: str
    staff: list[StaffHit]
    official: OfficialCar | None
    visits: list
    spaces: list[str]  # the labels of the spaces the staff vehicles' owners hold

    @property
    def found(self) -> bool:
        return bool(self.staff or self.official or self.visits)


@dataclass(frozen=True, slots=True)
class PlateBook:
    """What the guard's lookup reads of the building's own cars, by plate: the registered (pending
    or approved) staff vehicles in the order they were registered with their owners' ids, the
    official cars, and the labels of the spaces each person holds (in the spaces' order)."""

    staff: dict[str, tuple[tuple[int, StaffHit], ...]]
    official: dict[str, OfficialCar]
    spaces_held: dict[int, tuple[tuple[int, str], ...]]


_HELD_REGISTRATIONS = (
    select(StaffVehicle.plate, StaffVehicle.owner_id, User.display_name, Unit.name, User.phone_ext, StaffVehicle.status,
           StaffVehicle.description)
    .join(User, StaffVehicle.owner_id == User.id).outerjoin(Unit, User.unit_id == Unit.id)
    .where(StaffVehicle.status.in_(HELD)).order_by(StaffVehicle.created_at, StaffVehicle.id)
)
_OFFICIAL_CARS = select(Vehicle.plate, Unit.name).outerjoin(Unit, Vehicle.unit_id == Unit.id)
_HELD_SPACES = (select(ParkingSpace.holder_id, ParkingSpace.id, ParkingArea.name, ParkingSpace.number)
                .join(ParkingArea, ParkingSpace.area_id == ParkingArea.id)
                .where(ParkingSpace.holder_id.is_not(None)).order_by(ParkingSpace.id))


def _read_plate_book() -> PlateBook:
    connection = db.session.connection()
    staff: dict[str, list[tuple[int, StaffHit]]] = {}
    for plate, owner_id, owner, unit, phone, status, description in connection.execute(_HELD_REGISTRATIONS):
        staff.setdefault(plate, []).append((owner_id, StaffHit(owner, unit or "", phone, status, description)))
    spaces: dict[int, list[tuple[int, str]]] = {}
    for holder_id, space_id, area, number in connection.execute(_HELD_SPACES):
        spaces.setdefault(holder_id, []).append((space_id, f"{area} {number}"))
    return PlateBook({plate: tuple(hits) for plate, hits in staff.items()},
                     {plate: OfficialCar(plate, unit) for plate, unit in connection.execute(_OFFICIAL_CARS)},
                     {holder: tuple(held) for holder, held in spaces.items()})


def plate_book() -> PlateBook:
    """The building's own cars by plate, kept while the cars, the accounts and the units are unchanged."""
    return cached_facts(("vehicles", ACCOUNTS, "building"), "vehicles.plate_book", _read_plate_book)


def lookup(value: str) -> PlateLookup:
    """Whose car is this, and whom to call: registered staff vehicles, official cars and the visitor log."""
    from portal.blueprints.visitors.services import visits_by_plate

    plate = checked_plate(value)
    book = plate_book()
    hits = book.staff.get(plate, ())
    held = sorted({space for owner_id, _hit in hits for space in book.spaces_held.get(owner_id, ())})
    return PlateLookup(plate, [hit for _owner, hit in hits], book.official.get(plate), visits_by_plate(plate),
                       [label for _id, label in held])


# --- rounds --------------------------------------------------------------------------------------


def reserved_spaces() -> list[ParkingSpace]:
    return list(db.session.scalars(
        select(ParkingSpace).join(ParkingArea).options(joinedload(ParkingSpace.area), joinedload(ParkingSpace.unit),
                                                       joinedload(ParkingSpace.holder))
        .where(ParkingSpace.kind.in_(RESERVED)).order_by(ParkingArea.sort_order, ParkingSpace.number)
    ).unique())


def may_park(space: ParkingSpace, plate: str) -> bool:
    """Whether ``plate`` may stand on ``space``: its holder's (or unit's) approved vehicles and the unit's official cars."""
    if space.kind not in RESERVED:
        return True
    query = (select(StaffVehicle.id).join(User, StaffVehicle.owner_id == User.id)
             .where(StaffVehicle.plate == plate, StaffVehicle.status == RegistrationStatus.APPROVED))
    if space.kind is SpaceKind.PERSON:
        query = query.where(StaffVehicle.owner_id == space.holder_id)
    else:
        query = query.where(User.unit_id == space.unit_id)
    if db.session.scalar(query.limit(1)) is not None:
        return True
    car = db.session.scalar(select(Vehicle).where(Vehicle.plate == plate))
    return car is not None and (car.unit_id is None or (space.kind is SpaceKind.UNIT and car.unit_id == space.unit_id))


def record_round(plates: dict[int, str], *, actor: User, now: datetime) -> list[Sighting]:
    """The plates seen on reserved spaces (space id → plate; empty spaces left out)."""
    spaces = {s.id: s for s in reserved_spaces()}
    sightings = []
    for space_id, raw in plates.items():
        if not raw:
            continue
        space = spaces.get(space_id)
        if space is None:
            raise RuleViolation(_l("That space is not a reserved space."), status=400)
        plate = checked_plate(raw, field=f"space-{space_id}")
        sighting = Sighting(space_id=space.id, plate=plate, seen_at=now, seen_by_id=actor.id, allowed=may_park(space, plate))
        sighting.space = space
        db.session.add(sighting)
        sightings.append(sighting)
    if not sightings:
        raise RuleViolation(_l("Enter the plate of at least one car on a reserved space."))
    audit.record(actor, "parking.round", object_type="parking_sighting",
                 summary=f"{len(sightings)} / {sum(not s.allowed for s in sightings)}")
    return sightings


@dataclass(frozen=True)
class Offender:
    plate: str
    times: int
    last_seen: datetime
    last_space: str


def repeat_offenders(now: datetime, *, minimum: int = 2) -> list[Offender]:
    """Plates seen on reserved spaces they may not use at least ``minimum`` times in 90 days."""
    since = now - OFFENDER_WINDOW
    rows = db.session.execute(
        select(Sighting.plate, func.count(), func.max(Sighting.seen_at))
        .where(Sighting.allowed.is_(False), Sighting.seen_at >= since)
        .group_by(Sighting.plate).having(func.count() >= minimum)
        .order_by(func.count().desc(), Sighting.plate).limit(100)
    ).all()
    offenders = []
    for plate, times, last in rows:
        sighting = db.session.scalar(select(Sighting).options(joinedload(Sighting.space).joinedload(ParkingSpace.area))
                                     .where(Sighting.plate == plate, Sighting.allowed.is_(False))
                                     .order_by(Sighting.seen_at.desc()).limit(1))
        offenders.append(Offender(plate, times, sighting.seen_at if sighting else last,
                                  sighting.space.label if sighting else ""))
    return offenders


def latest_round(now: datetime) -> list[Sighting]:
    """Today's last sighting of each reserved space."""
    from portal.timeutil import LOCAL_TZ, local

    start = local(now.astimezone(LOCAL_TZ).date(), datetime.min.time())
    rows = db.session.scalars(
        select(Sighting).options(joinedload(Sighting.space).joinedload(ParkingSpace.area))
        .where(Sighting.seen_at >= start).order_by(Sighting.seen_at.desc())
    ).all()
    seen: dict[int, Sighting] = {}
    for row in rows:
        seen.setdefault(row.space_id, row)
    return sorted(seen.values(), key=lambda s: s.space.label)
