"""Administration for the logistics center: stops, routes and their stop
patterns, vehicles, trips, dated exceptions, notices, and the workday calendar.

Every change is validated (nothing half-saved), audited in the same
transaction, and answered with a 303; bad input re-renders with 422.
"""

from __future__ import annotations

from datetime import date, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload
from wtforms import SelectChoice

from portal import audit, timeutil
from portal.blueprints.workdays import services as workday_admin
from portal.db import begin_serialized_write, db
from portal.forms import EmptyForm
from portal.htmx import redirect_to, render
from portal.security import ADMINS, roles_required

from . import bp
from .forms import (
    EXCEPTION_LABELS,
    NOTICE_LABELS,
    ExceptionForm,
    NoticeForm,
    PatternForm,
    RouteForm,
    StopForm,
    TripForm,
    VehicleForm,
)
from .models import (
    Direction,
    ExceptionKind,
    NoticeKind,
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
    DIRECTION_LABELS,
    PATTERN_LABELS,
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
PATTERN_ROWS_SPARE = 3  # empty rows for new stops: the form works without JavaScript
LATEST_YEAR_AHEAD = 3


def _snapshot(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    """``audit.snapshot`` with clock times as HH:MM (the audit log stores JSON)."""
    return {key: value.strftime("%H:%M") if isinstance(value, time) else value
            for key, value in audit.snapshot(obj, fields).items()}


def _load(model: type, object_id: int) -> Any:
    """Every object of this blueprint is loaded here: 404 when it does not exist."""
    return db.get_or_404(model, object_id)


def _page(query):
    return db.paginate(query, per_page=current_app.config["PAGE_SIZE"], error_out=False)


def _status(form) -> int:
    return 422 if request.method == "POST" else 200


def _year_in_range(day: date) -> bool:
    return workday_admin.FIRST_YEAR <= day.year <= timeutil.today().year + LATEST_YEAR_AHEAD


# --- overview --------------------------------------------------------------------------------


@bp.route("/manage/")
@roles_required(*ADMINS)
def manage():
    routes = db.session.scalars(
        select(ShuttleRoute)
        .options(selectinload(ShuttleRoute.route_stops).joinedload(RouteStop.stop))
        .order_by(ShuttleRoute.sort_order, ShuttleRoute.code)
    ).all()
    trip_counts = dict(
        db.session.execute(select(ShuttleTrip.route_id, func.count()).group_by(ShuttleTrip.route_id)).all()
    )
    counts = {
        "stops": db.session.scalar(select(func.count()).select_from(ShuttleStop)),
        "vehicles": db.session.scalar(select(func.count()).select_from(ShuttleVehicle)),
        "trips": db.session.scalar(select(func.count()).select_from(ShuttleTrip)),
        "exceptions": db.session.scalar(
            select(func.count()).select_from(ServiceException).where(ServiceException.day >= timeutil.today())
        ),
        "notices": db.session.scalar(
            select(func.count()).select_from(ShuttleNotice).where(ShuttleNotice.ends_on >= timeutil.today())
        ),
    }
    return render(
        "shuttle/manage/index.html",
        routes=routes,
        trip_counts=trip_counts,
        counts=counts,
        directions=list(Direction),
        direction_labels=DIRECTION_LABELS,
    )


# --- stops -----------------------------------------------------------------------------------


@bp.route("/manage/stops/")
@roles_required(*ADMINS)
def stops():
    page = _page(select(ShuttleStop).order_by(ShuttleStop.name))
    return render("shuttle/manage/stops.html", page=page)


@bp.route("/manage/stops/new", methods=["GET", "POST"])
@bp.route("/manage/stops/<int:stop_id>", methods=["GET", "POST"])
@roles_required(*ADMINS)
def edit_stop(stop_id: int | None = None):
    stop = _load(ShuttleStop, stop_id) if stop_id is not None else None
    form = StopForm(obj=stop)
    if form.validate_on_submit():
        name = form.name.data.strip()
        taken = db.session.scalar(select(ShuttleStop.id).where(ShuttleStop.name == name, ShuttleStop.id != (stop_id or 0)))
        if taken is not None:
            form.name.errors.append(_("There is already a stop with this name."))
        else:
            before = _snapshot(stop, STOP_FIELDS) if stop else None
            if stop is None:
                stop = ShuttleStop()
                db.session.add(stop)
            stop.name = name
            stop.description = (form.description.data or "").strip()
            stop.latitude = _degrees(form.latitude.data)
            stop.longitude = _degrees(form.longitude.data)
            audit.record(current_user, "shuttle_stop.create" if before is None else "shuttle_stop.update", stop,
                         before=before, after=_snapshot(stop, STOP_FIELDS))
            db.session.commit()
            flash(_("Stop %(name)s saved.", name=stop.name), "success")
            return redirect_to(url_for("shuttle.stops"))
    return render("shuttle/manage/stop_form.html", form=form, stop=stop, status=_status(form))


def _degrees(value: Decimal) -> Decimal:
    return Decimal(value).quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)


@bp.route("/manage/stops/<int:stop_id>/delete", methods=["POST"])
@roles_required(*ADMINS)
def delete_stop(stop_id: int):
    stop = _load(ShuttleStop, stop_id)
    if EmptyForm().validate_on_submit():
        used = db.session.scalar(select(func.count()).select_from(RouteStop).where(RouteStop.stop_id == stop.id))
        if used:
            flash(_("%(name)s is a stop of a route; take it out of the route first.", name=stop.name), "error")
        else:
            audit.record(current_user, "shuttle_stop.delete", stop, before=_snapshot(stop, STOP_FIELDS))
            db.session.delete(stop)
            db.session.commit()
            flash(_("Stop %(name)s deleted.", name=stop.name), "success")
    return redirect_to(url_for("shuttle.stops"))


# --- routes and their stop patterns ----------------------------------------------------------


@bp.route("/manage/routes/new", methods=["GET", "POST"])
@bp.route("/manage/routes/<int:route_id>", methods=["GET", "POST"])
@roles_required(*ADMINS)
def edit_route(route_id: int | None = None):
    route = _load(ShuttleRoute, route_id) if route_id is not None else None
    form = RouteForm(obj=route)
    if form.validate_on_submit():
        code = form.code.data.strip()
        taken = db.session.scalar(select(ShuttleRoute.id).where(ShuttleRoute.code == code, ShuttleRoute.id != (route_id or 0)))
        if taken is not None:
            form.code.errors.append(_("There is already a route with this code."))
        else:
            before = _snapshot(route, ROUTE_FIELDS) if route else None
            if route is None:
                route = ShuttleRoute()
                db.session.add(route)
            route.code = code
            route.name = form.name.data.strip()
            route.description = (form.description.data or "").strip()
            route.sort_order = form.sort_order.data or 0
            route.active = form.active.data
            audit.record(current_user, "shuttle_route.create" if before is None else "shuttle_route.update", route,
                         before=before, after=_snapshot(route, ROUTE_FIELDS))
            db.session.commit()
            flash(_("Route %(code)s saved.", code=route.code), "success")
            return redirect_to(url_for("shuttle.manage"))
    return render("shuttle/manage/route_form.html", form=form, route=route, status=_status(form))


@bp.route("/manage/routes/<int:route_id>/delete", methods=["POST"])
@roles_required(*ADMINS)
def delete_route(route_id: int):
    route = _load(ShuttleRoute, route_id)
    if EmptyForm().validate_on_submit():
        if db.session.scalar(select(func.count()).select_from(ShuttleTrip).where(ShuttleTrip.route_id == route.id)):
            flash(_("Route %(code)s still has trips; delete them first, or take the route out of service.",
                    code=route.code), "error")
        else:
            audit.record(current_user, "shuttle_route.delete", route, before=_snapshot(route, ROUTE_FIELDS))
            db.session.delete(route)
            db.session.commit()
            flash(_("Route %(code)s deleted.", code=route.code), "success")
    return redirect_to(url_for("shuttle.manage"))


def _pattern_snapshot(pattern: list[RouteStop]) -> list[list[Any]]:
    return [[rs.stop.name, rs.minutes] for rs in pattern]


@bp.route("/manage/routes/<int:route_id>/stops/<direction>", methods=["GET", "POST"])
@roles_required(*ADMINS)
def edit_pattern(route_id: int, direction: str):
    route = _load(ShuttleRoute, route_id)
    try:
        way = Direction(direction)
    except ValueError:
        abort(404)
    current = route.pattern(way)
    form = PatternForm()
    if request.method == "GET":
        for route_stop in current:
            form.rows.append_entry({"stop_id": route_stop.stop_id, "minutes": route_stop.minutes})
    while len(form.rows) < len(current) + PATTERN_ROWS_SPARE or len(form.rows) < 2 + PATTERN_ROWS_SPARE:
        form.rows.append_entry()
    stop_choices = [SelectChoice("", "—")] + [
        SelectChoice(str(s.id), s.name) for s in db.session.scalars(select(ShuttleStop).order_by(ShuttleStop.name))
    ]
    for row in form.rows:
        row.form.stop_id.choices = stop_choices
    errors: list[Any] = []
    if form.validate_on_submit():
        rows: list[tuple[int, int]] = []
        for row in form.rows:
            stop_id, minutes = row.form.stop_id.data, row.form.minutes.data
            if stop_id is None and minutes is None:
                continue
            if stop_id is None or minutes is None:
                errors.append(_("Every row needs both a stop and its minutes (or leave both empty)."))
                break
            rows.append((stop_id, minutes))
        if not errors:
            errors.extend(pattern_errors(rows))
        if not errors:
            begin_serialized_write()
            clashes = pattern_change_conflicts(route.id, way, rows[-1][1])
            for trip, other in clashes:
                errors.append(_("With these times %(trip)s would overlap %(other)s on the same bus.",
                                trip=describe_trip(trip), other=describe_trip(other)))
        if not errors:
            before = _pattern_snapshot(current)
            for route_stop in current:
                db.session.delete(route_stop)
            db.session.flush()
            for sequence, (stop_id, minutes) in enumerate(rows, start=1):
                db.session.add(RouteStop(route=route, direction=way, sequence=sequence, stop_id=stop_id, minutes=minutes))
            db.session.flush()
            db.session.refresh(route)
            audit.record(current_user, "shuttle_route.stops", route, before={"direction": way.value, "stops": before},
                         after={"direction": way.value, "stops": _pattern_snapshot(route.pattern(way))})
            db.session.commit()
            flash(_("Stops of %(route)s saved.", route=f"{route.code} {route.direction_label(way)}"), "success")
            return redirect_to(url_for("shuttle.manage"))
        db.session.rollback()
    status = 422 if request.method == "POST" else 200
    return render("shuttle/manage/pattern_form.html", form=form, route=route, direction=way,
                  direction_labels=DIRECTION_LABELS, errors=errors, status=status)


# --- vehicles --------------------------------------------------------------------------------


@bp.route("/manage/vehicles/")
@roles_required(*ADMINS)
def vehicles():
    page = _page(select(ShuttleVehicle).order_by(ShuttleVehicle.label, ShuttleVehicle.plate))
    return render("shuttle/manage/vehicles.html", page=page)


@bp.route("/manage/vehicles/new", methods=["GET", "POST"])
@bp.route("/manage/vehicles/<int:vehicle_id>", methods=["GET", "POST"])
@roles_required(*ADMINS)
def edit_vehicle(vehicle_id: int | None = None):
    vehicle = _load(ShuttleVehicle, vehicle_id) if vehicle_id is not None else None
    form = VehicleForm(obj=vehicle)
    if form.validate_on_submit():
        plate = form.plate.data.strip().upper()
        taken = db.session.scalar(
            select(ShuttleVehicle.id).where(ShuttleVehicle.plate == plate, ShuttleVehicle.id != (vehicle_id or 0))
        )
        if taken is not None:
            form.plate.errors.append(_("There is already a bus with this plate."))
        else:
            before = _snapshot(vehicle, VEHICLE_FIELDS) if vehicle else None
            phone_changed = vehicle is not None and vehicle.driver_phone != (form.driver_phone.data or "").strip()
            if vehicle is None:
                vehicle = ShuttleVehicle()
                db.session.add(vehicle)
            vehicle.plate = plate
            vehicle.label = (form.label.data or "").strip()
            vehicle.seats = form.seats.data
            vehicle.driver_name = (form.driver_name.data or "").strip()
            vehicle.driver_phone = (form.driver_phone.data or "").strip()
            vehicle.active = form.active.data
            audit.record(current_user, "shuttle_vehicle.create" if before is None else "shuttle_vehicle.update", vehicle,
                         before=before, after=_snapshot(vehicle, VEHICLE_FIELDS),
                         summary="driver phone changed" if phone_changed else "")
            db.session.commit()
            flash(_("Bus %(plate)s saved.", plate=vehicle.plate), "success")
            return redirect_to(url_for("shuttle.vehicles"))
    return render("shuttle/manage/vehicle_form.html", form=form, vehicle=vehicle, status=_status(form))


@bp.route("/manage/vehicles/<int:vehicle_id>/delete", methods=["POST"])
@roles_required(*ADMINS)
def delete_vehicle(vehicle_id: int):
    vehicle = _load(ShuttleVehicle, vehicle_id)
    if EmptyForm().validate_on_submit():
        in_use = db.session.scalar(select(func.count()).select_from(ShuttleTrip).where(ShuttleTrip.vehicle_id == vehicle.id))
        in_use += db.session.scalar(
            select(func.count()).select_from(ServiceException).where(ServiceException.vehicle_id == vehicle.id)
        )
        if in_use:
            flash(_("Bus %(plate)s still runs trips; give them another bus first, or take it out of service.",
                    plate=vehicle.plate), "error")
        else:
            audit.record(current_user, "shuttle_vehicle.delete", vehicle, before=_snapshot(vehicle, VEHICLE_FIELDS))
            db.session.delete(vehicle)
            db.session.commit()
            flash(_("Bus %(plate)s deleted.", plate=vehicle.plate), "success")
    return redirect_to(url_for("shuttle.vehicles"))


# --- trips -----------------------------------------------------------------------------------


def _routes_with_stops() -> list[ShuttleRoute]:
    return list(
        db.session.scalars(
            select(ShuttleRoute)
            .options(selectinload(ShuttleRoute.route_stops).joinedload(RouteStop.stop))
            .order_by(ShuttleRoute.sort_order, ShuttleRoute.code)
        )
    )


def _line_choices(routes: list[ShuttleRoute]) -> list[SelectChoice]:
    choices = [SelectChoice("", "—")]
    for route in routes:
        for way in Direction:
            if len(route.pattern(way)) >= 2:
                choices.append(SelectChoice(f"{route.id}:{way.value}", f"{route.code} {route.direction_label(way)}"))
    return choices


def _vehicle_choices(*keep: int | None, placeholder: str = "—") -> list[SelectChoice]:
    vehicles = db.session.scalars(select(ShuttleVehicle).order_by(ShuttleVehicle.label, ShuttleVehicle.plate))
    return [SelectChoice("", placeholder)] + [
        SelectChoice(str(v.id), v.display_name) for v in vehicles if v.active or v.id in keep
    ]


@bp.route("/manage/trips/")
@roles_required(*ADMINS)
def trips():
    routes = _routes_with_stops()
    route_id = request.args.get("route", type=int)
    query = (
        select(ShuttleTrip)
        .options(
            joinedload(ShuttleTrip.vehicle),
            joinedload(ShuttleTrip.route).selectinload(ShuttleRoute.route_stops).joinedload(RouteStop.stop),
        )
        .join(ShuttleRoute)
        .order_by(ShuttleRoute.sort_order, ShuttleRoute.code, ShuttleTrip.direction, ShuttleTrip.departs_at)
    )
    if route_id:
        query = query.where(ShuttleTrip.route_id == route_id)
    return render("shuttle/manage/trips.html", page=_page(query), routes=routes, route_id=route_id,
                  pattern_labels=PATTERN_LABELS)


@bp.route("/manage/trips/new", methods=["GET", "POST"])
@bp.route("/manage/trips/<int:trip_id>", methods=["GET", "POST"])
@roles_required(*ADMINS)
def edit_trip(trip_id: int | None = None):
    trip = _load(ShuttleTrip, trip_id) if trip_id is not None else None
    form = TripForm(obj=trip)
    routes = _routes_with_stops()
    form.line.choices = _line_choices(routes)
    form.vehicle_id.choices = _vehicle_choices(trip.vehicle_id if trip else None, placeholder=_("Choose a bus"))
    if request.method == "GET" and trip is not None:
        form.line.data = f"{trip.route_id}:{trip.direction.value}"
        form.pattern.data = trip.pattern.value
    if form.validate_on_submit():
        route_id, way = _parse_line(form.line.data)
        route = next(r for r in routes if r.id == route_id)
        start = minutes_of(form.departs_at.data)
        candidate = VehicleSlot(form.vehicle_id.data, ServicePattern(form.pattern.data), start,
                                start + route.pattern(way)[-1].minutes, trip.id if trip else None)
        begin_serialized_write()
        clashes = vehicle_conflicts(candidate, exclude_trip_ids=[trip.id] if trip else [])
        if clashes:
            form.vehicle_id.errors.append(
                _("This bus is already on %(trips)s at that time.", trips="、".join(describe_trip(t) for t in clashes))
            )
            db.session.rollback()
        else:
            before = _snapshot(trip, TRIP_FIELDS) if trip else None
            if trip is None:
                trip = ShuttleTrip()
                db.session.add(trip)
            trip.route_id = route_id
            trip.direction = way
            trip.departs_at = form.departs_at.data.replace(second=0)
            trip.vehicle_id = form.vehicle_id.data
            trip.pattern = ServicePattern(form.pattern.data)
            trip.note = (form.note.data or "").strip()
            audit.record(current_user, "shuttle_trip.create" if before is None else "shuttle_trip.update", trip,
                         before=before, after=_snapshot(trip, TRIP_FIELDS))
            db.session.commit()
            flash(_("Trip saved."), "success")
            return redirect_to(url_for("shuttle.trips", route=route_id))
    return render("shuttle/manage/trip_form.html", form=form, trip=trip, status=_status(form))


def _parse_line(value: str) -> tuple[int, Direction]:
    """``3:outbound`` from the route-and-direction select (already checked against its choices)."""
    route_id, way = value.split(":", 1)
    return int(route_id), Direction(way)


@bp.route("/manage/trips/<int:trip_id>/delete", methods=["POST"])
@roles_required(*ADMINS)
def delete_trip(trip_id: int):
    trip = _load(ShuttleTrip, trip_id)
    route_id = trip.route_id
    if EmptyForm().validate_on_submit():
        label = describe_trip(trip)
        audit.record(current_user, "shuttle_trip.delete", trip, before=_snapshot(trip, TRIP_FIELDS), summary=label)
        db.session.delete(trip)
        db.session.commit()
        flash(_("Trip %(trip)s deleted.", trip=label), "success")
    return redirect_to(url_for("shuttle.trips", route=route_id))


# --- dated exceptions and notices ------------------------------------------------------------


def _scope_choices(all_label: str) -> list[SelectChoice]:
    trips = db.session.scalars(
        select(ShuttleTrip)
        .options(joinedload(ShuttleTrip.vehicle), joinedload(ShuttleTrip.route).selectinload(ShuttleRoute.route_stops))
        .join(ShuttleRoute)
        .order_by(ShuttleRoute.sort_order, ShuttleRoute.code, ShuttleTrip.direction, ShuttleTrip.departs_at)
    ).unique()
    routes = db.session.scalars(select(ShuttleRoute).order_by(ShuttleRoute.sort_order, ShuttleRoute.code))
    choices = [SelectChoice("all", all_label)]
    choices += [SelectChoice(f"route:{r.id}", _("Route %(code)s, every trip", code=r.code)) for r in routes]
    choices += [SelectChoice(f"trip:{t.id}", describe_trip(t)) for t in trips]
    return choices


def _parse_scope(value: str) -> tuple[int | None, int | None]:
    """(route_id, trip_id) from ``all``, ``route:ID`` or ``trip:ID`` (checked against the choices)."""
    if value.startswith("route:"):
        return int(value.split(":", 1)[1]), None
    if value.startswith("trip:"):
        return None, int(value.split(":", 1)[1])
    return None, None


def _scope_value(route_id: int | None, trip_id: int | None) -> str:
    if trip_id is not None:
        return f"trip:{trip_id}"
    if route_id is not None:
        return f"route:{route_id}"
    return "all"


@bp.route("/manage/exceptions/")
@roles_required(*ADMINS)
def exceptions():
    past = request.args.get("past") == "1"
    today = timeutil.today()
    query = select(ServiceException).options(
        joinedload(ServiceException.route),
        joinedload(ServiceException.vehicle),
        joinedload(ServiceException.trip).joinedload(ShuttleTrip.route).selectinload(ShuttleRoute.route_stops),
        joinedload(ServiceException.trip).joinedload(ShuttleTrip.vehicle),
    )
    if past:
        query = query.where(ServiceException.day < today).order_by(ServiceException.day.desc(), ServiceException.id)
    else:
        query = query.where(ServiceException.day >= today).order_by(ServiceException.day, ServiceException.id)
    return render("shuttle/manage/exceptions.html", page=_page(query), past=past, labels=EXCEPTION_LABELS,
                  describe_trip=describe_trip)


@bp.route("/manage/exceptions/new", methods=["GET", "POST"])
@bp.route("/manage/exceptions/<int:exception_id>", methods=["GET", "POST"])
@roles_required(*ADMINS)
def edit_exception(exception_id: int | None = None):
    exception = _load(ServiceException, exception_id) if exception_id is not None else None
    form = ExceptionForm(obj=exception)
    form.scope.choices = _scope_choices(_("Every trip"))
    form.vehicle_id.choices = _vehicle_choices(exception.vehicle_id if exception else None, placeholder=_("Unchanged"))
    if request.method == "GET":
        if exception is not None:
            form.scope.data = _scope_value(exception.route_id, exception.trip_id)
            form.kind.data = exception.kind.value
        elif request.args.get("day"):
            try:
                form.day.data = date.fromisoformat(request.args["day"])
            except ValueError:
                pass
    if form.validate_on_submit():
        route_id, trip_id = _parse_scope(form.scope.data)
        kind = ExceptionKind(form.kind.data)
        trip = db.session.get(ShuttleTrip, trip_id) if trip_id else None
        if not _year_in_range(form.day.data):
            form.day.errors.append(_("Choose a date between %(first)s and %(last)s.", first=workday_admin.FIRST_YEAR,
                                     last=timeutil.today().year + LATEST_YEAR_AHEAD))
        elif kind is ExceptionKind.CHANGED and trip is None:
            form.scope.errors.append(_("A one-off change is for one trip: choose the trip."))
        elif kind is ExceptionKind.CHANGED and form.departs_at.data is None and form.vehicle_id.data is None:
            form.departs_at.errors.append(_("Give the changed departure time, the changed bus, or both."))
        elif kind is not ExceptionKind.CHANGED and (form.departs_at.data is not None or form.vehicle_id.data is not None):
            form.kind.errors.append(_("A changed time or bus needs the kind “one-off change”."))
        else:
            begin_serialized_write()
            duplicate = duplicate_exception(form.day.data, route_id, trip_id, exclude_id=exception_id)
            clashes = []
            if duplicate is not None:
                form.scope.errors.append(_("There is already an exception for this day and scope; change that one."))
            elif kind is ExceptionKind.CHANGED and trip is not None:
                departs_at = form.departs_at.data.replace(second=0) if form.departs_at.data else trip.departs_at
                clashes = day_conflicts(form.day.data, trip, departs_at, form.vehicle_id.data or trip.vehicle_id,
                                        exclude_exception_id=exception_id)
                if clashes:
                    form.departs_at.errors.append(_("That bus is already on %(trips)s at that time on this day.",
                                                    trips="、".join(describe_trip(t) for t in clashes)))
            if duplicate is None and not clashes:
                before = _snapshot(exception, EXCEPTION_FIELDS) if exception else None
                if exception is None:
                    exception = ServiceException()
                    db.session.add(exception)
                exception.day = form.day.data
                exception.kind = kind
                exception.route_id = route_id
                exception.trip_id = trip_id
                exception.departs_at = form.departs_at.data.replace(second=0) if form.departs_at.data else None
                exception.vehicle_id = form.vehicle_id.data
                exception.note = form.note.data.strip()
                audit.record(current_user,
                             "shuttle_exception.create" if before is None else "shuttle_exception.update",
                             exception, before=before, after=_snapshot(exception, EXCEPTION_FIELDS))
                db.session.commit()
                flash(_("Exception for %(day)s saved.", day=exception.day.isoformat()), "success")
                return redirect_to(url_for("shuttle.exceptions"))
            db.session.rollback()
    return render("shuttle/manage/exception_form.html", form=form, exception=exception, status=_status(form))


@bp.route("/manage/exceptions/<int:exception_id>/delete", methods=["POST"])
@roles_required(*ADMINS)
def delete_exception(exception_id: int):
    exception = _load(ServiceException, exception_id)
    if EmptyForm().validate_on_submit():
        audit.record(current_user, "shuttle_exception.delete", exception,
                     before=_snapshot(exception, EXCEPTION_FIELDS))
        db.session.delete(exception)
        db.session.commit()
        flash(_("Exception deleted."), "success")
    return redirect_to(url_for("shuttle.exceptions"))


@bp.route("/manage/notices/")
@roles_required(*ADMINS)
def notices():
    past = request.args.get("past") == "1"
    today = timeutil.today()
    query = select(ShuttleNotice).options(
        joinedload(ShuttleNotice.route),
        joinedload(ShuttleNotice.trip).joinedload(ShuttleTrip.route).selectinload(ShuttleRoute.route_stops),
        joinedload(ShuttleNotice.trip).joinedload(ShuttleTrip.vehicle),
    )
    if past:
        query = query.where(ShuttleNotice.ends_on < today).order_by(ShuttleNotice.ends_on.desc(), ShuttleNotice.id)
    else:
        query = query.where(ShuttleNotice.ends_on >= today).order_by(ShuttleNotice.starts_on, ShuttleNotice.id)
    return render("shuttle/manage/notices.html", page=_page(query), past=past, labels=NOTICE_LABELS,
                  describe_trip=describe_trip)


@bp.route("/manage/notices/new", methods=["GET", "POST"])
@bp.route("/manage/notices/<int:notice_id>", methods=["GET", "POST"])
@roles_required(*ADMINS)
def edit_notice(notice_id: int | None = None):
    notice = _load(ShuttleNotice, notice_id) if notice_id is not None else None
    form = NoticeForm(obj=notice)
    form.scope.choices = _scope_choices(_("Every trip"))
    if request.method == "GET":
        if notice is not None:
            form.scope.data = _scope_value(notice.route_id, notice.trip_id)
            form.kind.data = notice.kind.value
        else:
            form.starts_on.data = form.ends_on.data = timeutil.today()
    if form.validate_on_submit():
        if form.ends_on.data < form.starts_on.data:
            form.ends_on.errors.append(_("The notice cannot end before it starts."))
        elif (form.ends_on.data - form.starts_on.data) > timedelta(days=366):
            form.ends_on.errors.append(_("A temporary notice lasts a year at most."))
        elif not _year_in_range(form.starts_on.data) or not _year_in_range(form.ends_on.data):
            form.starts_on.errors.append(_("Choose dates between %(first)s and %(last)s.", first=workday_admin.FIRST_YEAR,
                                           last=timeutil.today().year + LATEST_YEAR_AHEAD))
        else:
            route_id, trip_id = _parse_scope(form.scope.data)
            before = _snapshot(notice, NOTICE_FIELDS) if notice else None
            if notice is None:
                notice = ShuttleNotice(created_by_id=current_user.id)
                db.session.add(notice)
            notice.kind = NoticeKind(form.kind.data)
            notice.message = form.message.data.strip()
            notice.route_id = route_id
            notice.trip_id = trip_id
            notice.starts_on = form.starts_on.data
            notice.ends_on = form.ends_on.data
            audit.record(current_user, "shuttle_notice.create" if before is None else "shuttle_notice.update", notice,
                         before=before, after=_snapshot(notice, NOTICE_FIELDS))
            db.session.commit()
            flash(_("Notice saved."), "success")
            return redirect_to(url_for("shuttle.notices"))
    return render("shuttle/manage/notice_form.html", form=form, notice=notice, status=_status(form))


@bp.route("/manage/notices/<int:notice_id>/delete", methods=["POST"])
@roles_required(*ADMINS)
def delete_notice(notice_id: int):
    notice = _load(ShuttleNotice, notice_id)
    if EmptyForm().validate_on_submit():
        audit.record(current_user, "shuttle_notice.delete", notice, before=_snapshot(notice, NOTICE_FIELDS))
        db.session.delete(notice)
        db.session.commit()
        flash(_("Notice deleted."), "success")
    return redirect_to(url_for("shuttle.notices"))


# --- the workday calendar moved to its own capability ------------------------------------------


@bp.route("/calendar")
def calendar_moved():
    """The calendar's old address (bookmarked by admins): it lives at /workdays/ now."""
    return redirect(url_for("workdays.calendar_page", **request.args.to_dict()), 301)
