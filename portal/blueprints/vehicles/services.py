"""The rules of official cars: requests, approval, dispatch with its clash
check, trip records, the monthly register, fuel for the energy statistics,
reminders and holiday sealing.

Plain functions: the caller passes the acting user and the time (``actor``,
``now``) and commits. A refused change raises :class:`portal.rules.RuleViolation`
(403 for the wrong person, 409 for the wrong moment or a lost race, 422 for
bad details); nothing is left half-saved.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from flask import current_app
from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from portal import audit, events
from portal.blueprints.vehicles import notify
from portal.blueprints.vehicles.models import (
    OPEN_TRIP_STATUSES,
    Driver,
    FuelType,
    SealingCheck,
    SealingSignoff,
    Trip,
    TripStatus,
    Vehicle,
    VehicleKind,
)
from portal.cache import cached_facts
from portal.db import begin_serialized_write, db
from portal.i18n import lazy_gettext as _l
from portal.models import Role, Unit, User, UserRole
from portal.paging import ListPage
from portal.rules import RuleViolation
from portal.sqltime import local_month
from portal.timeutil import LOCAL_TZ, local

ZERO = Decimal("0.00")
FEN = Decimal("0.01")
MAX_AMOUNT = Decimal("99999.99")
MAX_ODOMETER = 2_000_000
MAX_ADVANCE = timedelta(days=90)
MAX_LENGTH = timedelta(days=14)
DUE_WITHIN = timedelta(days=30)
SERVICE_KM_WARNING = 500
LICENCE_CLASSES = ("A1", "A2", "A3", "B1", "B2", "C1", "C2")
TRIP_FIELDS = ("status", "vehicle_id", "driver_id", "decided_at", "decision_note", "dispatched_at",
               "actual_depart_at", "actual_return_at", "odometer_out", "odometer_in", "fuel_amount", "fuel_cost", "tolls")

audit.register_labels(
    actions={
        "trip.request": _l("Car requested"), "trip.approve": _l("Car request approved"),
        "trip.refuse": _l("Car request refused"), "trip.cancel": _l("Car request cancelled"),
        "trip.dispatch": _l("Car dispatched"), "trip.record": _l("Trip recorded"),
        "vehicle.save": _l("Vehicle saved"), "driver.save": _l("Driver saved"),
        "vehicle.seal": _l("Vehicle sealed"), "sealing.sign": _l("Sealing checklist signed"),
    },
    object_types={"vehicle_trip": _l("Car trip"), "vehicle": _l("Vehicle"), "vehicle_driver": _l("Driver"),
                  "vehicle_sealing": _l("Vehicle sealing")},
)


def dispatcher_ids() -> list[int]:
    return events.holders_of(Role.LOGISTICS_ADMIN)


def approval_mode() -> str:
    return current_app.config.get("VEHICLE_APPROVAL", "unit")


def unit_admin_ids(unit_id: int | None) -> list[int]:
    if unit_id is None:
        return []
    return list(db.session.scalars(
        select(User.id).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.UNIT_ADMIN, User.unit_id == unit_id, User.active.is_(True)).distinct()
    ))


def approver_ids(trip: Trip) -> list[int]:
    """Whose to-do a new request is: its unit's administrators, or (no such person, or
    ``PORTAL_VEHICLE_APPROVAL=logistics``) the logistics center."""
    if approval_mode() == "unit":
        admins = [i for i in unit_admin_ids(trip.unit_id) if i != trip.requester_id]
        if admins:
            return admins
    return dispatcher_ids()


def is_dispatcher(user: User) -> bool:
    return user.has_role(Role.LOGISTICS_ADMIN, Role.SYSADMIN)


def may_approve(user: User, trip: Trip) -> bool:
    if is_dispatcher(user):
        return True
    return (approval_mode() == "unit" and user.has_role(Role.UNIT_ADMIN) and trip.unit_id is not None
            and user.unit_id == trip.unit_id and user.id != trip.requester_id)


def may_view(user: User, trip: Trip) -> bool:
    return trip.requester_id == user.id or may_approve(user, trip)


def may_cancel(user: User, trip: Trip) -> bool:
    return trip.status in OPEN_TRIP_STATUSES and (trip.requester_id == user.id or is_dispatcher(user))


def _amount(value: Decimal | None, field_name: str) -> Decimal:
    if value is None:
        return ZERO
    if not value.is_finite() or value < 0 or value > MAX_AMOUNT or value != value.quantize(FEN):
        raise RuleViolation(_l("Enter an amount between 0 and 99,999.99, to two decimals."), field=field_name)
    return value.quantize(FEN)


# --- requests ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TripDraft:
    purpose: str
    destination: str
    passengers: int
    depart_at: datetime
    return_at: datetime
    needs_driver: bool = True


def check_times(depart_at: datetime, return_at: datetime, *, now: datetime) -> None:
    if return_at <= depart_at:
        raise RuleViolation(_l("The return must be after the departure."), field="return_time")
    if depart_at <= now:
        raise RuleViolation(_l("The departure has already passed; choose a later time."), field="depart_time")
    if depart_at - now > MAX_ADVANCE:
        raise RuleViolation(_l("Cars can be requested at most 90 days ahead."), field="depart_day")
    if return_at - depart_at > MAX_LENGTH:
        raise RuleViolation(_l("A trip lasts at most 14 days."), field="return_day")


def request_trip(draft: TripDraft, *, actor: User, now: datetime) -> Trip:
    if not draft.purpose.strip():
        raise RuleViolation(_l("Say what the car is for."), field="purpose")
    if not draft.destination.strip():
        raise RuleViolation(_l("Say where the car goes."), field="destination")
    if not 1 <= draft.passengers <= 50:
        raise RuleViolation(_l("Passengers: 1 to 50."), field="passengers")
    check_times(draft.depart_at, draft.return_at, now=now)
    trip = Trip(requester_id=actor.id, unit_id=actor.unit_id, purpose=draft.purpose.strip(),
                destination=draft.destination.strip(), passengers=draft.passengers, depart_at=draft.depart_at,
                return_at=draft.return_at, needs_driver=draft.needs_driver, status=TripStatus.PENDING, created_at=now)
    trip.requester = actor
    db.session.add(trip)
    db.session.flush()
    audit.record(actor, "trip.request", trip, after=audit.snapshot(trip, TRIP_FIELDS),
                 summary=f"{trip.destination} {trip.depart_at.astimezone(LOCAL_TZ):%Y-%m-%d %H:%M}")
    notify.requested(trip, approver_ids(trip), now=now)
    return trip


def _change(trip: Trip, actor: User, action: str, **values: object) -> None:
    before = audit.snapshot(trip, TRIP_FIELDS)
    for name, value in values.items():
        setattr(trip, name, value)
    audit.record(actor, action, trip, before=before, after=audit.snapshot(trip, TRIP_FIELDS),
                 summary=f"{trip.destination} {trip.depart_at.astimezone(LOCAL_TZ):%Y-%m-%d %H:%M}")


def _expect(trip: Trip, status: TripStatus) -> None:
    if trip.status is not status:
        raise RuleViolation(_l("This request is “%(status)s” now; reload the page.", status=trip.status.label), status=409)


def approve(trip: Trip, *, actor: User, now: datetime, note: str = "") -> None:
    if not may_approve(actor, trip):
        raise RuleViolation(_l("Only the unit administrator or the logistics center approves car requests."), status=403)
    _expect(trip, TripStatus.PENDING)
    if trip.depart_at <= now:
        raise RuleViolation(_l("The departure has passed; the request can only be refused."), status=409)
    _change(trip, actor, "trip.approve", status=TripStatus.APPROVED, decided_by_id=actor.id, decided_at=now,
            decision_note=note[:200])
    notify.approved(trip, dispatcher_ids(), now=now)


def refuse(trip: Trip, *, actor: User, now: datetime, note: str) -> None:
    if not may_approve(actor, trip):
        raise RuleViolation(_l("Only the unit administrator or the logistics center approves car requests."), status=403)
    if trip.status not in (TripStatus.PENDING, TripStatus.APPROVED):
        raise RuleViolation(_l("This request is “%(status)s” now; reload the page.", status=trip.status.label), status=409)
    if not note.strip():
        raise RuleViolation(_l("Say why the request is refused."), field="note")
    _change(trip, actor, "trip.refuse", status=TripStatus.REJECTED, decided_by_id=actor.id, decided_at=now,
            decision_note=note.strip()[:200])
    notify.refused(trip, now=now)


def cancel(trip: Trip, *, actor: User, now: datetime) -> None:
    if not may_cancel(actor, trip):
        raise RuleViolation(_l("This request can no longer be cancelled."), status=409)
    was_dispatched = trip.status is TripStatus.DISPATCHED
    _change(trip, actor, "trip.cancel", status=TripStatus.CANCELLED)
    notify.cancelled(trip, dispatcher_ids(), was_dispatched=was_dispatched, now=now)


# --- dispatch ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Clash:
    what: str  # "vehicle" or "driver"
    trip: Trip


def find_clashes(start: datetime, end: datetime, *, vehicle_id: int | None, driver_id: int | None,
                 exclude_id: int | None = None) -> list[Clash]:
    """Dispatched trips of this car or this driver that overlap ``start``–``end`` (touching is fine)."""
    who = []
    if vehicle_id is not None:
        who.append(Trip.vehicle_id == vehicle_id)
    if driver_id is not None:
        who.append(Trip.driver_id == driver_id)
    if not who:
        return []
    query = (select(Trip).options(joinedload(Trip.vehicle), joinedload(Trip.driver))
             .where(Trip.status == TripStatus.DISPATCHED, or_(*who), Trip.depart_at < end, Trip.return_at > start)
             .order_by(Trip.depart_at))
    if exclude_id is not None:
        query = query.where(Trip.id != exclude_id)
    clashes = []
    for other in db.session.scalars(query):
        if vehicle_id is not None and other.vehicle_id == vehicle_id:
            clashes.append(Clash("vehicle", other))
        if driver_id is not None and other.driver_id == driver_id:
            clashes.append(Clash("driver", other))
    return clashes


def _clash_message(clash: Clash) -> RuleViolation:
    other = clash.trip
    span = f"{other.depart_at.astimezone(LOCAL_TZ):%m-%d %H:%M}–{other.return_at.astimezone(LOCAL_TZ):%m-%d %H:%M}"
    if clash.what == "vehicle":
        return RuleViolation(_l("Car %(plate)s is already out on another trip %(span)s.", plate=other.vehicle.plate,
                                span=span), field="vehicle_id", status=409)
    return RuleViolation(_l("Driver %(name)s is already on another trip %(span)s.", name=other.driver.name, span=span),
                         field="driver_id", status=409)


def _is_overlap_violation(error: IntegrityError) -> bool:
    return getattr(error.orig, "sqlstate", None) == "23P01" or "_no_overlap" in str(error.orig)


def check_vehicle(vehicle: Vehicle, trip: Trip) -> None:
    if not vehicle.active:
        raise RuleViolation(_l("This car is out of service."), field="vehicle_id")
    day = trip.return_at.astimezone(LOCAL_TZ).date()
    if vehicle.inspection_due is not None and vehicle.inspection_due < day:
        raise RuleViolation(_l("Car %(plate)s is due for its annual inspection on %(date)s, before the trip ends.",
                               plate=vehicle.plate, date=vehicle.inspection_due.isoformat()), field="vehicle_id")
    if vehicle.insurance_due is not None and vehicle.insurance_due < day:
        raise RuleViolation(_l("The insurance of car %(plate)s runs out on %(date)s, before the trip ends.",
                               plate=vehicle.plate, date=vehicle.insurance_due.isoformat()), field="vehicle_id")
    needed = trip.passengers + (1 if trip.needs_driver else 0)
    if needed > vehicle.seats:
        raise RuleViolation(_l("Car %(plate)s has %(seats)s seats; this trip needs %(needed)s.", plate=vehicle.plate,
                               seats=vehicle.seats, needed=needed), field="vehicle_id")


def check_driver(driver: Driver | None, trip: Trip) -> None:
    if driver is None:
        if trip.needs_driver:
            raise RuleViolation(_l("This trip needs a driver."), field="driver_id")
        return
    if not driver.active:
        raise RuleViolation(_l("This driver is no longer on duty."), field="driver_id")
    if driver.licence_expires < trip.return_at.astimezone(LOCAL_TZ).date():
        raise RuleViolation(_l("The driving licence of %(name)s expires on %(date)s, before the trip ends.",
                               name=driver.name, date=driver.licence_expires.isoformat()), field="driver_id")


def dispatch(trip_id: int, vehicle_id: int | None, driver_id: int | None, *, actor: User, now: datetime) -> Trip:
    """Assign a car (and a driver) to an approved request.

    The clash check and the update run in one serialized transaction on SQLite;
    on PostgreSQL the trip row is locked and the exclusion constraints refuse a
    car or driver already dispatched meanwhile, reported as the same clash.
    """
    if not is_dispatcher(actor):
        raise RuleViolation(_l("Only the logistics center dispatches cars."), status=403)
    begin_serialized_write()
    trip = db.session.get(Trip, trip_id, with_for_update=True, populate_existing=True)
    if trip is None:
        raise RuleViolation(_l("This request no longer exists."), status=404)
    _expect(trip, TripStatus.APPROVED)
    if trip.depart_at <= now - timedelta(hours=1):
        raise RuleViolation(_l("The departure has passed; the request can only be refused."), status=409)
    vehicle = db.session.get(Vehicle, vehicle_id) if vehicle_id else None
    if vehicle is None:
        raise RuleViolation(_l("Choose a car."), field="vehicle_id")
    driver = db.session.get(Driver, driver_id) if driver_id else None
    check_vehicle(vehicle, trip)
    check_driver(driver, trip)
    clashes = find_clashes(trip.depart_at, trip.return_at, vehicle_id=vehicle.id,
                           driver_id=driver.id if driver else None, exclude_id=trip.id)
    if clashes:
        raise _clash_message(clashes[0])
    _change(trip, actor, "trip.dispatch", status=TripStatus.DISPATCHED, vehicle_id=vehicle.id,
            driver_id=driver.id if driver else None, dispatched_by_id=actor.id, dispatched_at=now)
    trip.vehicle, trip.driver = vehicle, driver
    try:
        db.session.flush()
    except IntegrityError as error:
        if not _is_overlap_violation(error):
            raise
        db.session.rollback()  # a concurrent dispatch took the car or the driver first
        raise RuleViolation(_l("The car or the driver was just assigned to another trip at this time; "
                               "choose again."), field="vehicle_id", status=409) from None
    notify.dispatched(trip, now=now)
    return trip


@dataclass(frozen=True)
class Choice:
    id: int
    label: str
    free: bool
    note: str = ""


def dispatch_choices(trip: Trip) -> tuple[list[Choice], list[Choice]]:
    """Every active car and driver, each saying whether it is free for ``trip`` and why not."""
    overlapping = db.session.scalars(
        select(Trip).where(Trip.status == TripStatus.DISPATCHED, Trip.depart_at < trip.return_at,
                           Trip.return_at > trip.depart_at, Trip.id != trip.id)
    ).all()
    busy_cars = {t.vehicle_id for t in overlapping}
    busy_drivers = {t.driver_id for t in overlapping if t.driver_id}
    cars = []
    for vehicle in db.session.scalars(select(Vehicle).where(Vehicle.active.is_(True)).order_by(Vehicle.unit_id.is_not(None), Vehicle.plate)):
        note = ""
        try:
            check_vehicle(vehicle, trip)
        except RuleViolation as problem:
            note = str(problem)
        if vehicle.id in busy_cars:
            note = str(_l("out on another trip"))
        label = f"{vehicle.plate} · {vehicle.kind.label} · {vehicle.seats}"
        cars.append(Choice(vehicle.id, label, not note, note))
    drivers = []
    for driver in db.session.scalars(select(Driver).where(Driver.active.is_(True)).order_by(Driver.name)):
        note = ""
        try:
            check_driver(driver, trip)
        except RuleViolation as problem:
            note = str(problem)
        if driver.id in busy_drivers:
            note = str(_l("on another trip"))
        drivers.append(Choice(driver.id, f"{driver.name} · {driver.licence_class}", not note, note))
    return cars, drivers


# --- trip record ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TripRecordDraft:
    actual_depart_at: datetime
    actual_return_at: datetime
    odometer_out: int
    odometer_in: int
    fuel_amount: Decimal | None = None
    fuel_cost: Decimal | None = None
    tolls: Decimal | None = None


def record_trip(trip_id: int, draft: TripRecordDraft, *, actor: User, now: datetime) -> Trip:
    """The car is back: its readings, fuel and fees. The odometer never goes backwards."""
    if not is_dispatcher(actor):
        raise RuleViolation(_l("Only the logistics center records trips."), status=403)
    begin_serialized_write()
    trip = db.session.get(Trip, trip_id, with_for_update=True, populate_existing=True)
    if trip is None:
        raise RuleViolation(_l("This request no longer exists."), status=404)
    _expect(trip, TripStatus.DISPATCHED)
    vehicle = db.session.get(Vehicle, trip.vehicle_id, with_for_update=True, populate_existing=True)
    if draft.actual_return_at <= draft.actual_depart_at:
        raise RuleViolation(_l("The return must be after the departure."), field="return_time")
    if draft.actual_return_at > now + timedelta(minutes=5):
        raise RuleViolation(_l("The car cannot be back later than now."), field="return_time")
    for name, value in (("odometer_out", draft.odometer_out), ("odometer_in", draft.odometer_in)):
        if value is None or not 0 <= value <= MAX_ODOMETER:
            raise RuleViolation(_l("Enter the odometer reading in km (0 to 2,000,000)."), field=name)
    if draft.odometer_out < vehicle.odometer:
        raise RuleViolation(_l("The odometer cannot go backwards: car %(plate)s last read %(km)s km.",
                               plate=vehicle.plate, km=vehicle.odometer), field="odometer_out")
    if draft.odometer_in < draft.odometer_out:
        raise RuleViolation(_l("The odometer on return cannot be less than at departure."), field="odometer_in")
    if draft.odometer_in - draft.odometer_out > 5000:
        raise RuleViolation(_l("More than 5,000 km on one trip: check the readings."), field="odometer_in")
    fuel_amount = _amount(draft.fuel_amount, "fuel_amount")
    fuel_cost = _amount(draft.fuel_cost, "fuel_cost")
    tolls = _amount(draft.tolls, "tolls")
    _change(trip, actor, "trip.record", status=TripStatus.DONE, actual_depart_at=draft.actual_depart_at,
            actual_return_at=draft.actual_return_at, odometer_out=draft.odometer_out, odometer_in=draft.odometer_in,
            fuel_amount=fuel_amount, fuel_cost=fuel_cost, tolls=tolls, recorded_by_id=actor.id, recorded_at=now)
    vehicle.odometer = draft.odometer_in
    return trip


# --- lists ---------------------------------------------------------------------------------------


def my_trips_query(user: User):
    return (select(Trip).options(joinedload(Trip.vehicle), joinedload(Trip.driver))
            .where(Trip.requester_id == user.id).order_by(Trip.depart_at.desc(), Trip.id.desc()))


@dataclass(frozen=True, slots=True)
class MyTripRow:
    """A line of "my car requests" as the page shows it."""

    id: int
    depart_at: datetime
    destination: str
    purpose: str
    plate: str | None
    status: TripStatus


# The lists' statements, built once: the requester or status, the page's size and offset are parameters.
_PAGE = (bindparam("per_page"), bindparam("skip"))
_MY_TRIPS_COUNT = select(func.count()).select_from(Trip).where(Trip.requester_id == bindparam("user"))
_MY_TRIPS = (select(Trip.id, Trip.depart_at, Trip.destination, Trip.purpose, Vehicle.plate, Trip.status)
             .outerjoin(Vehicle, Trip.vehicle_id == Vehicle.id).where(Trip.requester_id == bindparam("user"))
             .order_by(Trip.depart_at.desc(), Trip.id.desc()).limit(_PAGE[0]).offset(_PAGE[1]))


def _list_page(count, rows, params: dict, page: int, per_page: int, row) -> ListPage:
    """One page of a list read as columns: its rows (``row(*columns)``) and the count, in two statements."""
    connection = db.session.connection()
    items = [row(*columns) for columns in connection.execute(rows, {**params, "per_page": per_page,
                                                                    "skip": (page - 1) * per_page})]
    return ListPage(items, page, per_page, connection.execute(count, params).scalar() or 0)


def my_trips_page(user: User, page: int, per_page: int) -> ListPage:
    """One page of ``user``'s requests, newest departure first (:class:`MyTripRow`)."""
    return _list_page(_MY_TRIPS_COUNT, _MY_TRIPS, {"user": user.id}, page, per_page, MyTripRow)


def approvals_query(user: User):
    query = (select(Trip).options(joinedload(Trip.requester), joinedload(Trip.unit))
             .where(Trip.status == TripStatus.PENDING).order_by(Trip.depart_at))
    if not is_dispatcher(user):
        if approval_mode() != "unit" or not user.has_role(Role.UNIT_ADMIN) or user.unit_id is None:
            return query.where(False)
        query = query.where(Trip.unit_id == user.unit_id, Trip.requester_id != user.id)
    return query


def dispatch_query(status: TripStatus):
    query = (select(Trip).options(joinedload(Trip.requester), joinedload(Trip.unit), joinedload(Trip.vehicle),
                                  joinedload(Trip.driver)).where(Trip.status == status))
    if status is TripStatus.DONE:
        return query.order_by(Trip.depart_at.desc())
    return query.order_by(Trip.depart_at)


@dataclass(frozen=True, slots=True)
class QueueRow:
    """A line of the dispatch queue as the page shows it: names, not objects."""

    id: int
    depart_at: datetime
    return_at: datetime
    requester: str | None  # the requester's display name
    unit_short_name: str | None
    unit_name: str | None
    destination: str
    passengers: int
    plate: str | None
    driver: str | None
    needs_driver: bool

    @property
    def unit(self) -> str | None:
        return (self.unit_short_name or self.unit_name) if self.unit_name is not None else None


_QUEUE_COUNT = select(func.count()).select_from(Trip).where(Trip.status == bindparam("status"))
_QUEUE = (select(Trip.id, Trip.depart_at, Trip.return_at, User.display_name, Unit.short_name, Unit.name,
                 Trip.destination, Trip.passengers, Vehicle.plate, Driver.name, Trip.needs_driver)
          .outerjoin(User, Trip.requester_id == User.id).outerjoin(Unit, Trip.unit_id == Unit.id)
          .outerjoin(Vehicle, Trip.vehicle_id == Vehicle.id).outerjoin(Driver, Trip.driver_id == Driver.id)
          .where(Trip.status == bindparam("status")))
# The driven trips newest first, the others in the order they leave (as :func:`dispatch_query`).
_QUEUE_NEWEST = _QUEUE.order_by(Trip.depart_at.desc()).limit(_PAGE[0]).offset(_PAGE[1])
_QUEUE_SOONEST = _QUEUE.order_by(Trip.depart_at).limit(_PAGE[0]).offset(_PAGE[1])


def dispatch_page(status: TripStatus, page: int, per_page: int) -> ListPage:
    """One page of the trips in ``status`` (:class:`QueueRow`), ordered as :func:`dispatch_query`."""
    rows = _QUEUE_NEWEST if status is TripStatus.DONE else _QUEUE_SOONEST
    return _list_page(_QUEUE_COUNT, rows, {"status": status}, page, per_page, QueueRow)


def home_counts(user: User) -> dict[str, int]:
    counts = {"mine": db.session.scalar(select(func.count()).select_from(Trip).where(
        Trip.requester_id == user.id, Trip.status.in_(OPEN_TRIP_STATUSES))) or 0}
    counts["to_approve"] = db.session.scalar(
        select(func.count()).select_from(approvals_query(user).order_by(None).subquery())) or 0
    if is_dispatcher(user):
        counts["to_dispatch"] = db.session.scalar(select(func.count()).select_from(Trip).where(
            Trip.status == TripStatus.APPROVED)) or 0
        counts["to_record"] = db.session.scalar(select(func.count()).select_from(Trip).where(
            Trip.status == TripStatus.DISPATCHED)) or 0
    from portal.blueprints.vehicles.parking import pending_registrations_count

    counts["registrations"] = pending_registrations_count(user)
    return counts


# --- the register and fuel ----------------------------------------------------------------------


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


@dataclass
class Tally:
    label: str
    trips: int = 0
    mileage: int = 0
    fuel: dict[str, Decimal] = field(default_factory=dict)
    fuel_cost: Decimal = ZERO
    tolls: Decimal = ZERO

    @property
    def cost(self) -> Decimal:
        return self.fuel_cost + self.tolls

    def add(self, trip: Trip) -> None:
        self.trips += 1
        self.mileage += trip.mileage or 0
        fuel = trip.vehicle.fuel.value
        self.fuel[fuel] = self.fuel.get(fuel, ZERO) + (trip.fuel_amount or ZERO)
        self.fuel_cost += trip.fuel_cost or ZERO
        self.tolls += trip.tolls or ZERO


@dataclass
class Register:
    month: date
    trips: list[Trip]
    by_vehicle: list[Tally]
    by_unit: list[Tally]
    total: Tally


def _done_in(start: datetime, end: datetime):
    return (Trip.status == TripStatus.DONE, Trip.actual_depart_at >= start, Trip.actual_depart_at < end)


def month_register(month: date, *, vehicle_id: int | None = None, unit_id: int | None = None) -> Register:
    """The trips driven in ``month`` (by departure), with totals per car and per unit."""
    start, end = local(month_start(month), datetime.min.time()), local(next_month(month), datetime.min.time())
    query = (select(Trip).options(joinedload(Trip.vehicle), joinedload(Trip.driver), joinedload(Trip.unit),
                                  joinedload(Trip.requester))
             .where(*_done_in(start, end)).order_by(Trip.actual_depart_at, Trip.id))
    if vehicle_id is not None:
        query = query.where(Trip.vehicle_id == vehicle_id)
    if unit_id is not None:
        query = query.where(Trip.unit_id == unit_id)
    trips = list(db.session.scalars(query).unique())
    by_vehicle: dict[str, Tally] = {}
    by_unit: dict[str, Tally] = {}
    total = Tally(str(_l("Total")))
    for trip in trips:
        plate = trip.vehicle.plate
        by_vehicle.setdefault(plate, Tally(plate)).add(trip)
        unit = trip.unit.name if trip.unit else str(_l("No unit"))
        by_unit.setdefault(unit, Tally(unit)).add(trip)
        total.add(trip)
    return Register(month_start(month), trips, sorted(by_vehicle.values(), key=lambda t: t.label),
                    sorted(by_unit.values(), key=lambda t: t.label), total)


def monthly_fuel(start: date, end: date) -> dict[date, dict[str, Decimal]]:
    """Fuel of recorded trips departing from ``start`` to ``end`` (both included), by month
    (its first day) and fuel type (``FuelType`` values: litres of petrol or diesel, kWh of
    electricity). Months without fuel are absent; amounts are Decimal to two places."""
    if end < start:
        return {}
    window = (local(start, datetime.min.time()), local(end + timedelta(days=1), datetime.min.time()))
    # Summed by month in SQL: ten years of trips are tens of thousands of rows.
    month = local_month(Trip.actual_depart_at)
    rows = db.session.execute(
        select(month, Vehicle.fuel, func.sum(Trip.fuel_amount)).join(Vehicle, Trip.vehicle_id == Vehicle.id)
        .where(*_done_in(*window), Trip.fuel_amount > 0)
        .group_by(month, Vehicle.fuel)
    ).all()
    result: dict[date, dict[str, Decimal]] = defaultdict(dict)
    for month_text, fuel, amount in rows:
        kind = FuelType(fuel).value
        period = date(int(month_text[:4]), int(month_text[5:7]), 1)
        result[period][kind] = result[period].get(kind, ZERO) + amount
    return {month: dict(sorted(values.items())) for month, values in sorted(result.items())}


# --- fleet ---------------------------------------------------------------------------------------


VEHICLE_FIELDS = ("plate", "kind", "model", "seats", "fuel", "unit_id", "purchased_on", "odometer", "inspection_due",
                  "insurance_due", "service_due_on", "service_due_km", "active")
DRIVER_FIELDS = ("name", "licence_class", "licence_expires", "phone", "active")


@dataclass(frozen=True)
class VehicleDraft:
    plate: str
    kind: VehicleKind | str
    model: str
    seats: int
    fuel: FuelType | str
    unit_id: int | None
    purchased_on: date | None
    odometer: int
    inspection_due: date | None = None
    insurance_due: date | None = None
    service_due_on: date | None = None
    service_due_km: int | None = None
    active: bool = True


def save_vehicle(vehicle: Vehicle | None, draft: VehicleDraft, *, actor: User, now: datetime) -> Vehicle:
    from portal.validators import validate_plate

    if not is_dispatcher(actor):
        raise RuleViolation(_l("Only the logistics center keeps the fleet."), status=403)
    try:
        plate = validate_plate(draft.plate)
    except RuleViolation as error:
        raise RuleViolation(error.message, field="plate") from None
    clash = db.session.scalar(select(Vehicle).where(Vehicle.plate == plate))
    if clash is not None and clash is not vehicle:
        raise RuleViolation(_l("Another car already has this plate."), field="plate")
    if not 1 <= draft.seats <= 60:
        raise RuleViolation(_l("Seats: 1 to 60."), field="seats")
    if not 0 <= draft.odometer <= MAX_ODOMETER:
        raise RuleViolation(_l("Enter the odometer reading in km (0 to 2,000,000)."), field="odometer")
    if vehicle is not None and draft.odometer < vehicle.odometer:
        raise RuleViolation(_l("The odometer cannot go backwards: car %(plate)s last read %(km)s km.",
                               plate=vehicle.plate, km=vehicle.odometer), field="odometer")
    if draft.unit_id is not None and db.session.get(Unit, draft.unit_id) is None:
        raise RuleViolation(_l("Choose a unit from the list."), field="unit_id")
    before = audit.snapshot(vehicle, VEHICLE_FIELDS) if vehicle is not None else None
    if vehicle is None:
        vehicle = Vehicle()
        db.session.add(vehicle)
    vehicle.plate, vehicle.kind, vehicle.model = plate, VehicleKind(draft.kind), draft.model.strip()
    vehicle.seats, vehicle.fuel, vehicle.unit_id = draft.seats, FuelType(draft.fuel), draft.unit_id
    vehicle.purchased_on, vehicle.odometer = draft.purchased_on, draft.odometer
    vehicle.inspection_due, vehicle.insurance_due = draft.inspection_due, draft.insurance_due
    vehicle.service_due_on, vehicle.service_due_km, vehicle.active = draft.service_due_on, draft.service_due_km, draft.active
    db.session.flush()
    audit.record(actor, "vehicle.save", vehicle, before=before, after=audit.snapshot(vehicle, VEHICLE_FIELDS),
                 summary=plate)
    return vehicle


@dataclass(frozen=True)
class DriverDraft:
    name: str
    licence_class: str
    licence_expires: date
    phone: str
    active: bool = True


def save_driver(driver: Driver | None, draft: DriverDraft, *, actor: User, now: datetime) -> Driver:
    from portal.validators import validate_phone

    if not is_dispatcher(actor):
        raise RuleViolation(_l("Only the logistics center keeps the fleet."), status=403)
    if not draft.name.strip():
        raise RuleViolation(_l("Enter the driver's name."), field="name")
    if draft.licence_class not in LICENCE_CLASSES:
        raise RuleViolation(_l("Choose the licence class."), field="licence_class")
    try:
        phone = validate_phone(draft.phone)
    except RuleViolation as error:
        raise RuleViolation(error.message, field="phone") from None
    if driver is None and draft.licence_expires < now.astimezone(LOCAL_TZ).date():
        raise RuleViolation(_l("This driving licence has expired."), field="licence_expires")
    before = audit.snapshot(driver, DRIVER_FIELDS) if driver is not None else None
    if driver is None:
        driver = Driver()
        db.session.add(driver)
    driver.name, driver.licence_class, driver.licence_expires = draft.name.strip(), draft.licence_class, draft.licence_expires
    driver.phone, driver.active = phone, draft.active
    db.session.flush()
    audit.record(actor, "driver.save", driver, before=before, after=audit.snapshot(driver, DRIVER_FIELDS),
                 summary=driver.name)
    return driver


def vehicles_query():
    return select(Vehicle).options(joinedload(Vehicle.unit)).order_by(Vehicle.active.desc(), Vehicle.unit_id.is_not(None), Vehicle.plate)


@dataclass(frozen=True)
class Option:
    id: int
    label: str


def vehicle_options() -> list[Option]:
    return [Option(v.id, v.plate) for v in db.session.scalars(select(Vehicle).order_by(Vehicle.plate))]


def unit_options() -> list[Option]:
    return [Option(u.id, u.short_name or u.name) for u in db.session.scalars(select(Unit).order_by(Unit.sort_order, Unit.name))]


def drivers_query():
    return select(Driver).order_by(Driver.active.desc(), Driver.name)


# --- reminders -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ActiveCar:
    """What the reminders read of an active car."""

    id: int
    plate: str
    inspection_due: date | None
    insurance_due: date | None
    service_due_on: date | None
    service_due_km: int | None
    odometer: int


_ACTIVE_CARS = (select(Vehicle.id, Vehicle.plate, Vehicle.inspection_due, Vehicle.insurance_due, Vehicle.service_due_on,
                       Vehicle.service_due_km, Vehicle.odometer)
                .where(Vehicle.active.is_(True)).order_by(Vehicle.plate))


def active_cars() -> tuple[ActiveCar, ...]:
    """The active cars by plate: facts of the fleet, kept while it is unchanged (every day's reminders read them)."""
    return cached_facts(("vehicles",), "vehicles.active_cars", lambda: tuple(
        ActiveCar(*row) for row in db.session.connection().execute(_ACTIVE_CARS)))


@dataclass(frozen=True)
class DueItem:
    vehicle: ActiveCar
    code: str  # inspection, insurance, service
    what: object
    due_on: date | None
    due_km: int | None = None

    @property
    def overdue_label(self) -> str:
        return str(self.due_on) if self.due_on else f"{self.due_km} km"


DUE_LABELS = {"inspection": _l("annual inspection"), "insurance": _l("insurance"), "service": _l("servicing")}


def due_items(today: date) -> list[DueItem]:
    """What each active car needs within 30 days (or 500 km for servicing), soonest first."""
    horizon = today + DUE_WITHIN
    items: list[DueItem] = []
    for vehicle in active_cars():
        for code, due_on in (("inspection", vehicle.inspection_due), ("insurance", vehicle.insurance_due)):
            if due_on is not None and due_on <= horizon:
                items.append(DueItem(vehicle, code, DUE_LABELS[code], due_on))
        by_date = vehicle.service_due_on is not None and vehicle.service_due_on <= horizon
        by_km = vehicle.service_due_km is not None and vehicle.odometer >= vehicle.service_due_km - SERVICE_KM_WARNING
        if by_date or by_km:
            items.append(DueItem(vehicle, "service", DUE_LABELS["service"], vehicle.service_due_on if by_date else None,
                                 vehicle.service_due_km if by_km else None))
    return sorted(items, key=lambda i: (i.due_on or today, i.vehicle.plate))


@events.reminder
def remind_due(*, now: datetime) -> int:
    """Each coming inspection, insurance or servicing, once, to the logistics center."""
    items = due_items(now.astimezone(LOCAL_TZ).date())
    if not items:
        return 0
    staff = dispatcher_ids()
    sent = 0
    for item in items:
        key = item.due_on.isoformat() if item.due_on else f"{item.due_km}km"
        if notify.due(item.vehicle.id, item.vehicle.plate, item.code, str(item.what), key, staff, now=now):
            sent += 1
    return sent


# --- holiday sealing -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Holiday:
    first_day: date
    last_day: date
    name: str


def _runs_of_days_off(today: date, horizon: int):
    """Runs of consecutive days off from ``today`` on: (first, last, holiday name or "")."""
    from portal.blueprints.workdays.days import days_info

    days = days_info(today, today + timedelta(days=horizon))

    def off(info) -> bool:  # a day the calendar does not know yet: weekends are off
        return info.is_workday is False or (info.is_workday is None and info.day.weekday() >= 5)

    index = 0
    while index < len(days):
        if not off(days[index]):
            index += 1
            continue
        end = index
        while end + 1 < len(days) and off(days[end + 1]):
            end += 1
        names = [str(d.label) for d in days[index:end + 1] if d.is_workday is False and d.label and not d.makeup_workday]
        yield days[index].day, days[end].day, (names[0] if names else "")
        index = end + 1


def next_holiday(today: date, *, within: int = 14) -> Holiday | None:
    """The next public holiday (from the workday calendar) starting within ``within`` days:
    its run of days off (ordinary weekends are not holidays)."""
    for first, last, name in _runs_of_days_off(today, within + 12):
        if (first - today).days > within:
            return None
        if name:
            return Holiday(first, last, name)
    return None


def next_days_off(today: date) -> Holiday | None:
    """The next run of days off, for the sealing checklist: pool cars are sealed over public
    holidays and weekends alike (节假日和双休日公车封存)."""
    for first, last, name in _runs_of_days_off(today, 14):
        return Holiday(first, last, name or str(_l("Weekend")))
    return None


@dataclass
class SealingRow:
    vehicle: Vehicle
    check: SealingCheck | None


@dataclass
class SealingChecklist:
    holiday: Holiday
    rows: list[SealingRow]
    signoff: SealingSignoff | None

    @property
    def complete(self) -> bool:
        return all(row.check is not None for row in self.rows)


def sealing_checklist(holiday: Holiday) -> SealingChecklist:
    cars = db.session.scalars(select(Vehicle).where(Vehicle.active.is_(True), Vehicle.unit_id.is_(None))
                              .order_by(Vehicle.plate)).all()
    checks = {c.vehicle_id: c for c in db.session.scalars(
        select(SealingCheck).options(joinedload(SealingCheck.sealed_by)).where(SealingCheck.holiday == holiday.first_day))}
    return SealingChecklist(holiday, [SealingRow(car, checks.get(car.id)) for car in cars],
                            db.session.get(SealingSignoff, holiday.first_day))


def seal(vehicle: Vehicle, holiday: Holiday, place: str, *, actor: User, now: datetime) -> SealingCheck:
    if not is_dispatcher(actor):
        raise RuleViolation(_l("Only the logistics center seals the pool cars."), status=403)
    if vehicle.unit_id is not None or not vehicle.active:
        raise RuleViolation(_l("Only the pool's cars are sealed here."))
    if db.session.get(SealingSignoff, holiday.first_day) is not None:
        raise RuleViolation(_l("The checklist is already signed."), status=409)
    out = db.session.scalar(select(Trip.id).where(Trip.vehicle_id == vehicle.id, Trip.status == TripStatus.DISPATCHED,
                                                  Trip.depart_at < local(holiday.last_day + timedelta(days=1), datetime.min.time()),
                                                  Trip.return_at > now))
    if out is not None:
        raise RuleViolation(_l("Car %(plate)s is dispatched on a trip over the holiday; cancel it or leave the car unsealed.",
                               plate=vehicle.plate), status=409)
    existing = db.session.scalar(select(SealingCheck).where(SealingCheck.holiday == holiday.first_day,
                                                            SealingCheck.vehicle_id == vehicle.id))
    if existing is not None:
        return existing
    check = SealingCheck(holiday=holiday.first_day, vehicle_id=vehicle.id, place=place.strip()[:60], sealed_at=now,
                         sealed_by_id=actor.id)
    db.session.add(check)
    db.session.flush()
    audit.record(actor, "vehicle.seal", check, summary=f"{vehicle.plate} {holiday.first_day}")
    return check


def sign_sealing(holiday: Holiday, *, actor: User, now: datetime) -> SealingSignoff:
    if not is_dispatcher(actor):
        raise RuleViolation(_l("Only the logistics center seals the pool cars."), status=403)
    checklist = sealing_checklist(holiday)
    if checklist.signoff is not None:
        raise RuleViolation(_l("The checklist is already signed."), status=409)
    if not checklist.complete:
        missing = ", ".join(row.vehicle.plate for row in checklist.rows if row.check is None)
        raise RuleViolation(_l("Not sealed yet: %(plates)s.", plates=missing))
    signoff = SealingSignoff(holiday=holiday.first_day, signed_at=now, signed_by_id=actor.id)
    db.session.add(signoff)
    audit.record(actor, "sealing.sign", object_type="vehicle_sealing", object_id=holiday.first_day.isoformat(),
                 summary=holiday.name)
    notify.sealing_signed(holiday.first_day, now=now)
    return signoff


@events.reminder
def remind_sealing(*, now: datetime) -> int:
    """Three days before a public holiday: the checklist is a to-do for the logistics center, once."""
    holiday = next_holiday(now.astimezone(LOCAL_TZ).date(), within=3)
    if holiday is None or db.session.get(SealingSignoff, holiday.first_day) is not None:
        return 0
    return 1 if notify.sealing_due(holiday.first_day, holiday.name, dispatcher_ids(), now=now) else 0

