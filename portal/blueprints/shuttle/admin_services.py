"""Changes to the shuttle schedule by the logistics center, and the reads the
administration pages need.

Every change is a plain function taking the draft the form built, the
``actor`` and ``now``: it checks the rules (raising
:class:`portal.rules.RuleViolation`, naming the form field where there is
one), changes the rows and writes the audit record in the same transaction.
The caller commits, or rolls back on a violation: nothing is half-saved.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload, selectinload

from portal import audit
from portal.blueprints.workdays.services import year_range
from portal.db import begin_serialized_write, db
from portal.i18n import lazy_gettext as _l
from portal.models import User
from portal.rules import RuleViolation
from portal.validators import validate_phone, validate_plate

from .models import (
    Direction,
    ExceptionKind,
    RouteStop,
    ServiceException,
    ServicePattern,
    ShuttleNotice,
    ShuttleRoute,
    ShuttleStop,
    ShuttleTrip,
    ShuttleVehicle,
)
from .services import (
    NoticeDraft,
    VehicleSlot,
    day_conflicts,
    describe_trip,
    duplicate_exception,
    minutes_of,
    pattern_change_conflicts,
    pattern_errors,
    vehicle_conflicts,
)

STOP_FIELDS = ("name", "description", "latitude", "longitude")
ROUTE_FIELDS = ("code", "name", "description", "sort_order", "active")
VEHICLE_FIELDS = ("plate", "label", "seats", "driver_name", "active")  # the phone stays out of the audit log
TRIP_FIELDS = ("route_id", "direction", "departs_at", "vehicle_id", "pattern", "note")
EXCEPTION_FIELDS = ("day", "kind", "route_id", "trip_id", "departs_at", "vehicle_id", "note")
NOTICE_FIELDS = ("kind", "message", "route_id", "trip_id", "starts_on", "ends_on")
LONGEST_NOTICE = timedelta(days=366)


def _snapshot(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    """``audit.snapshot`` with clock times as HH:MM (the audit log stores JSON)."""
    return {key: value.strftime("%H:%M") if isinstance(value, time) else value
            for key, value in audit.snapshot(obj, fields).items()}


def _store(row: Any, new: Callable[[], Any], fields: tuple[str, ...], audit_name: str, *, actor: User,
           summary: str = "", **values: Any) -> Any:
    """Create (``row`` None) or update one row with ``values``, audited with before and after."""
    before = _snapshot(row, fields) if row is not None else None
    if row is None:
        row = new()
        db.session.add(row)
    for field, value in values.items():
        setattr(row, field, value)
    db.session.flush()
    audit.record(actor, f"{audit_name}.create" if before is None else f"{audit_name}.update", row,
                 before=before, after=_snapshot(row, fields), summary=summary)
    return row


def _remove(row: Any, fields: tuple[str, ...], audit_name: str, *, actor: User, summary: str = "") -> None:
    audit.record(actor, f"{audit_name}.delete", row, before=_snapshot(row, fields), summary=summary)
    db.session.delete(row)


def _count(query) -> int:
    return db.session.scalar(query) or 0


def _check_date(day: date, today: date, field: str) -> None:
    years = year_range(today)
    if day.year not in years:
        raise RuleViolation(_l("Choose a date between %(first)s and %(last)s.", first=years[0], last=years[-1]),
                            field=field)


# --- reads for the pages ---------------------------------------------------------------------


@dataclass(frozen=True)
class ManageOverview:
    trip_counts: dict[int, int]
    stops: int
    vehicles: int
    trips: int
    upcoming_exceptions: int
    current_notices: int


def routes_query() -> Select:
    """Routes with their stops, in the order passengers see them."""
    return (
        select(ShuttleRoute)
        .options(selectinload(ShuttleRoute.route_stops).joinedload(RouteStop.stop))
        .order_by(ShuttleRoute.sort_order, ShuttleRoute.code)
    )


def manage_overview(today: date) -> ManageOverview:
    trip_counts = dict(
        db.session.execute(select(ShuttleTrip.route_id, func.count()).group_by(ShuttleTrip.route_id)).all()
    )
    return ManageOverview(
        trip_counts=trip_counts,
        stops=_count(select(func.count()).select_from(ShuttleStop)),
        vehicles=_count(select(func.count()).select_from(ShuttleVehicle)),
        trips=_count(select(func.count()).select_from(ShuttleTrip)),
        upcoming_exceptions=_count(select(func.count()).select_from(ServiceException).where(ServiceException.day >= today)),
        current_notices=_count(select(func.count()).select_from(ShuttleNotice).where(ShuttleNotice.ends_on >= today)),
    )


def stops_query() -> Select:
    return select(ShuttleStop).order_by(ShuttleStop.name)


def vehicles_query() -> Select:
    return select(ShuttleVehicle).order_by(ShuttleVehicle.label, ShuttleVehicle.plate)


def trips_query(route_id: int | None) -> Select:
    query = (
        select(ShuttleTrip)
        .options(
            joinedload(ShuttleTrip.vehicle),
            joinedload(ShuttleTrip.route).selectinload(ShuttleRoute.route_stops).joinedload(RouteStop.stop),
        )
        .join(ShuttleRoute)
        .order_by(ShuttleRoute.sort_order, ShuttleRoute.code, ShuttleTrip.direction, ShuttleTrip.departs_at)
    )
    return query.where(ShuttleTrip.route_id == route_id) if route_id else query


def exceptions_query(today: date, *, past: bool) -> Select:
    query = select(ServiceException).options(
        joinedload(ServiceException.route),
        joinedload(ServiceException.vehicle),
        joinedload(ServiceException.trip).joinedload(ShuttleTrip.route).selectinload(ShuttleRoute.route_stops),
        joinedload(ServiceException.trip).joinedload(ShuttleTrip.vehicle),
    )
    if past:
        return query.where(ServiceException.day < today).order_by(ServiceException.day.desc(), ServiceException.id)
    return query.where(ServiceException.day >= today).order_by(ServiceException.day, ServiceException.id)


def notices_query(today: date, *, past: bool) -> Select:
    query = select(ShuttleNotice).options(
        joinedload(ShuttleNotice.route),
        joinedload(ShuttleNotice.trip).joinedload(ShuttleTrip.route).selectinload(ShuttleRoute.route_stops),
        joinedload(ShuttleNotice.trip).joinedload(ShuttleTrip.vehicle),
    )
    if past:
        return query.where(ShuttleNotice.ends_on < today).order_by(ShuttleNotice.ends_on.desc(), ShuttleNotice.id)
    return query.where(ShuttleNotice.ends_on >= today).order_by(ShuttleNotice.starts_on, ShuttleNotice.id)


def routes_with_stops() -> list[ShuttleRoute]:
    return list(db.session.scalars(routes_query()))


def line_choices() -> list[tuple[str, str]]:
    """``route_id:direction`` and its name, for each direction with at least two stops."""
    choices = []
    for route in routes_with_stops():
        for way in Direction:
            if len(route.pattern(way)) >= 2:
                choices.append((f"{route.id}:{way.value}", f"{route.code} {route.direction_label(way)}"))
    return choices


def stop_choices() -> list[tuple[str, str]]:
    return [(str(stop.id), stop.name) for stop in db.session.scalars(stops_query())]


def vehicle_choices(*keep: int | None) -> list[tuple[str, str]]:
    """Buses in service, and the ones in ``keep`` (a trip's current bus) even when not."""
    return [(str(v.id), v.display_name) for v in db.session.scalars(vehicles_query()) if v.active or v.id in keep]


def scope_choices() -> list[tuple[str, Any]]:
    """Every route and every trip, as ``route:ID`` / ``trip:ID`` (the caller adds ``all``)."""
    trips = db.session.scalars(
        select(ShuttleTrip)
        .options(joinedload(ShuttleTrip.vehicle), joinedload(ShuttleTrip.route).selectinload(ShuttleRoute.route_stops))
        .join(ShuttleRoute)
        .order_by(ShuttleRoute.sort_order, ShuttleRoute.code, ShuttleTrip.direction, ShuttleTrip.departs_at)
    ).unique()
    routes = db.session.scalars(select(ShuttleRoute).order_by(ShuttleRoute.sort_order, ShuttleRoute.code))
    choices: list[tuple[str, Any]] = [(f"route:{r.id}", _l("Route %(code)s, every trip", code=r.code)) for r in routes]
    choices += [(f"trip:{t.id}", describe_trip(t)) for t in trips]
    return choices


# --- stops -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StopDraft:
    name: str
    description: str
    latitude: Decimal
    longitude: Decimal


def _degrees(value: Decimal) -> Decimal:
    return Decimal(value).quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)


def save_stop(draft: StopDraft, stop: ShuttleStop | None = None, *, actor: User, now: datetime) -> ShuttleStop:
    taken = db.session.scalar(
        select(ShuttleStop.id).where(ShuttleStop.name == draft.name, ShuttleStop.id != (stop.id if stop else 0))
    )
    if taken is not None:
        raise RuleViolation(_l("There is already a stop with this name."), field="name")
    return _store(stop, ShuttleStop, STOP_FIELDS, "shuttle_stop", actor=actor, name=draft.name,
                  description=draft.description, latitude=_degrees(draft.latitude), longitude=_degrees(draft.longitude))


def stop_deletion_refused(stop: ShuttleStop) -> RuleViolation | None:
    if _count(select(func.count()).select_from(RouteStop).where(RouteStop.stop_id == stop.id)):
        return RuleViolation(_l("%(name)s is a stop of a route; take it out of the route first.", name=stop.name))
    return None


def delete_stop(stop: ShuttleStop, *, actor: User, now: datetime) -> None:
    if (refused := stop_deletion_refused(stop)) is not None:
        raise refused
    _remove(stop, STOP_FIELDS, "shuttle_stop", actor=actor)


# --- routes and their stop patterns ----------------------------------------------------------


@dataclass(frozen=True)
class RouteDraft:
    code: str
    name: str
    description: str
    sort_order: int
    active: bool


def save_route(draft: RouteDraft, route: ShuttleRoute | None = None, *, actor: User, now: datetime) -> ShuttleRoute:
    taken = db.session.scalar(
        select(ShuttleRoute.id).where(ShuttleRoute.code == draft.code, ShuttleRoute.id != (route.id if route else 0))
    )
    if taken is not None:
        raise RuleViolation(_l("There is already a route with this code."), field="code")
    return _store(route, ShuttleRoute, ROUTE_FIELDS, "shuttle_route", actor=actor, code=draft.code, name=draft.name,
                  description=draft.description, sort_order=draft.sort_order, active=draft.active)


def route_deletion_refused(route: ShuttleRoute) -> RuleViolation | None:
    if _count(select(func.count()).select_from(ShuttleTrip).where(ShuttleTrip.route_id == route.id)):
        return RuleViolation(_l("Route %(code)s still has trips; delete them first, or take the route out of service.",
                                code=route.code))
    return None


def delete_route(route: ShuttleRoute, *, actor: User, now: datetime) -> None:
    if (refused := route_deletion_refused(route)) is not None:
        raise refused
    _remove(route, ROUTE_FIELDS, "shuttle_route", actor=actor)


def _pattern_snapshot(pattern: list[RouteStop]) -> list[list[Any]]:
    return [[rs.stop.name, rs.minutes] for rs in pattern]


def save_pattern(route: ShuttleRoute, way: Direction, rows: list[tuple[int | None, int | None]], *,
                 actor: User, now: datetime) -> None:
    """The stops of one direction, as (stop_id, minutes) rows in order; rows with neither are skipped."""
    stops: list[tuple[int, int]] = []
    for stop_id, minutes in rows:
        if stop_id is None and minutes is None:
            continue
        if stop_id is None or minutes is None:
            raise RuleViolation(_l("Every row needs both a stop and its minutes (or leave both empty)."))
        stops.append((stop_id, minutes))
    errors = pattern_errors(stops)
    if errors:
        raise RuleViolation(errors[0])
    begin_serialized_write()
    clashes = pattern_change_conflicts(route.id, way, stops[-1][1])
    if clashes:
        trip, other = clashes[0]
        raise RuleViolation(_l("With these times %(trip)s would overlap %(other)s on the same bus.",
                               trip=describe_trip(trip), other=describe_trip(other)))
    current = route.pattern(way)
    before = _pattern_snapshot(current)
    for route_stop in current:
        db.session.delete(route_stop)
    db.session.flush()
    for sequence, (stop_id, minutes) in enumerate(stops, start=1):
        db.session.add(RouteStop(route=route, direction=way, sequence=sequence, stop_id=stop_id, minutes=minutes))
    db.session.flush()
    db.session.refresh(route)
    audit.record(actor, "shuttle_route.stops", route, before={"direction": way.value, "stops": before},
                 after={"direction": way.value, "stops": _pattern_snapshot(route.pattern(way))})


# --- vehicles --------------------------------------------------------------------------------


@dataclass(frozen=True)
class VehicleDraft:
    plate: str
    label: str
    seats: int
    driver_name: str
    driver_phone: str
    active: bool


_PLATE_SEPARATORS = re.compile(r"[\s·•.\-]")


def _checked(check, value: str, field: str) -> str:
    try:
        return check(value)
    except RuleViolation as error:
        raise RuleViolation(error.message, field=field) from None


def save_vehicle(draft: VehicleDraft, vehicle: ShuttleVehicle | None = None, *, actor: User,
                 now: datetime) -> ShuttleVehicle:
    """A bus, with the visitor desk's rules for plates and phone numbers."""
    plate = _checked(validate_plate, draft.plate, "plate")
    phone = _checked(validate_phone, draft.driver_phone, "driver_phone") if draft.driver_phone else ""
    for other_id, other_plate in db.session.execute(select(ShuttleVehicle.id, ShuttleVehicle.plate)):
        if (vehicle is None or other_id != vehicle.id) and _PLATE_SEPARATORS.sub("", other_plate).upper() == plate:
            raise RuleViolation(_l("There is already a bus with this plate."), field="plate")
    phone_changed = vehicle is not None and vehicle.driver_phone != phone
    return _store(vehicle, ShuttleVehicle, VEHICLE_FIELDS, "shuttle_vehicle", actor=actor,
                  summary="driver phone changed" if phone_changed else "", plate=plate, label=draft.label,
                  seats=draft.seats, driver_name=draft.driver_name, driver_phone=phone, active=draft.active)


def delete_vehicle(vehicle: ShuttleVehicle, *, actor: User, now: datetime) -> None:
    in_use = _count(select(func.count()).select_from(ShuttleTrip).where(ShuttleTrip.vehicle_id == vehicle.id))
    in_use += _count(select(func.count()).select_from(ServiceException).where(ServiceException.vehicle_id == vehicle.id))
    if in_use:
        raise RuleViolation(_l("Bus %(plate)s still runs trips; give them another bus first, or take it out of service.",
                               plate=vehicle.plate))
    _remove(vehicle, VEHICLE_FIELDS, "shuttle_vehicle", actor=actor)


# --- trips -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TripDraft:
    route_id: int
    direction: Direction
    departs_at: time
    vehicle_id: int
    pattern: ServicePattern
    note: str


def save_trip(draft: TripDraft, trip: ShuttleTrip | None = None, *, actor: User, now: datetime) -> ShuttleTrip:
    route = db.session.get(ShuttleRoute, draft.route_id)
    pattern = route.pattern(draft.direction) if route is not None else []
    if len(pattern) < 2:
        raise RuleViolation(_l("Choose a route and direction."), field="line")
    vehicle = db.session.get(ShuttleVehicle, draft.vehicle_id)
    if vehicle is None or not (vehicle.active or (trip is not None and trip.vehicle_id == vehicle.id)):
        raise RuleViolation(_l("Every trip needs a vehicle."), field="vehicle_id")
    departs_at = draft.departs_at.replace(second=0, microsecond=0)
    start = minutes_of(departs_at)
    candidate = VehicleSlot(draft.vehicle_id, draft.pattern, start, start + pattern[-1].minutes,
                            trip.id if trip else None)
    begin_serialized_write()
    clashes = vehicle_conflicts(candidate, exclude_trip_ids=[trip.id] if trip else [])
    if clashes:
        raise RuleViolation(_l("This bus is already on %(trips)s at that time.",
                               trips="、".join(describe_trip(t) for t in clashes)), field="vehicle_id")
    return _store(trip, ShuttleTrip, TRIP_FIELDS, "shuttle_trip", actor=actor, route_id=draft.route_id,
                  direction=draft.direction, departs_at=departs_at, vehicle_id=draft.vehicle_id, pattern=draft.pattern,
                  note=draft.note)


def delete_trip(trip: ShuttleTrip, *, actor: User, now: datetime) -> str:
    """Delete a trip (its exceptions and notices go with it); returns its description."""
    label = describe_trip(trip)
    _remove(trip, TRIP_FIELDS, "shuttle_trip", actor=actor, summary=label)
    return label


# --- dated exceptions and notices ------------------------------------------------------------


def parse_scope(value: str) -> tuple[int | None, int | None]:
    """(route_id, trip_id) from ``all``, ``route:ID`` or ``trip:ID`` (checked against the choices)."""
    kind, _, number = value.partition(":")
    if kind == "route":
        return int(number), None
    if kind == "trip":
        return None, int(number)
    return None, None


def scope_value(route_id: int | None, trip_id: int | None) -> str:
    if trip_id is not None:
        return f"trip:{trip_id}"
    if route_id is not None:
        return f"route:{route_id}"
    return "all"


@dataclass(frozen=True)
class ExceptionDraft:
    day: date
    kind: ExceptionKind
    route_id: int | None
    trip_id: int | None
    departs_at: time | None
    vehicle_id: int | None
    note: str


def save_exception(draft: ExceptionDraft, exception: ServiceException | None = None, *, actor: User,
                   now: datetime) -> ServiceException:
    today = now.date()
    _check_date(draft.day, today, "day")
    if draft.day < today:
        raise RuleViolation(_l("This day is over: an exception is for today or a day to come."), field="day")
    trip = db.session.get(ShuttleTrip, draft.trip_id) if draft.trip_id else None
    departs_at = draft.departs_at.replace(second=0, microsecond=0) if draft.departs_at else None
    if draft.kind is ExceptionKind.CHANGED:
        if trip is None:
            raise RuleViolation(_l("A one-off change is for one trip: choose the trip."), field="scope")
        if departs_at is None and draft.vehicle_id is None:
            raise RuleViolation(_l("Give the changed departure time, the changed bus, or both."), field="departs_at")
    elif departs_at is not None or draft.vehicle_id is not None:
        raise RuleViolation(_l("A changed time or bus needs the kind “one-off change”."), field="kind")
    begin_serialized_write()
    exclude = exception.id if exception else None
    if duplicate_exception(draft.day, draft.route_id, draft.trip_id, exclude_id=exclude) is not None:
        raise RuleViolation(_l("There is already an exception for this day and scope; change that one."), field="scope")
    if draft.kind is ExceptionKind.CHANGED and trip is not None:
        clashes = day_conflicts(draft.day, trip, departs_at or trip.departs_at, draft.vehicle_id or trip.vehicle_id,
                                exclude_exception_id=exclude)
        if clashes:
            raise RuleViolation(_l("That bus is already on %(trips)s at that time on this day.",
                                   trips="、".join(describe_trip(t) for t in clashes)), field="departs_at")
    return _store(exception, ServiceException, EXCEPTION_FIELDS, "shuttle_exception", actor=actor, day=draft.day,
                  kind=draft.kind, route_id=draft.route_id, trip_id=draft.trip_id, departs_at=departs_at,
                  vehicle_id=draft.vehicle_id, note=draft.note)


def delete_exception(exception: ServiceException, *, actor: User, now: datetime) -> None:
    _remove(exception, EXCEPTION_FIELDS, "shuttle_exception", actor=actor)


def save_notice(draft: NoticeDraft, notice: ShuttleNotice | None = None, *, actor: User,
                now: datetime) -> ShuttleNotice:
    if draft.ends_on < draft.starts_on:
        raise RuleViolation(_l("The notice cannot end before it starts."), field="ends_on")
    if draft.ends_on - draft.starts_on > LONGEST_NOTICE:
        raise RuleViolation(_l("A temporary notice lasts a year at most."), field="ends_on")
    years = year_range(now.date())
    if draft.starts_on.year not in years or draft.ends_on.year not in years:
        raise RuleViolation(_l("Choose dates between %(first)s and %(last)s.", first=years[0], last=years[-1]),
                            field="starts_on")
    return _store(notice, lambda: ShuttleNotice(created_by_id=actor.id), NOTICE_FIELDS, "shuttle_notice", actor=actor,
                  kind=draft.kind, message=draft.message, route_id=draft.route_id, trip_id=draft.trip_id,
                  starts_on=draft.starts_on, ends_on=draft.ends_on)


def delete_notice(notice: ShuttleNotice, *, actor: User, now: datetime) -> None:
    _remove(notice, NOTICE_FIELDS, "shuttle_notice", actor=actor)
