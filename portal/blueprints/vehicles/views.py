"""Pages of official cars and parking: load → form → service → commit → 303."""

from __future__ import annotations

from datetime import date, timedelta
from io import BytesIO
from typing import Any

from flask import abort, current_app, flash, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from portal import timeutil
from portal.blueprints.vehicles import DISPATCHERS, GUARDS, REQUESTERS, bp, parking
from portal.blueprints.vehicles import services as svc
from portal.blueprints.vehicles.export import register_workbook
from portal.blueprints.vehicles.forms import (
    DecisionForm,
    DispatchForm,
    DriverForm,
    RegistrationDecisionForm,
    RegistrationForm,
    SealForm,
    TripRecordForm,
    TripRequestForm,
    VehicleForm,
)
from portal.blueprints.vehicles.models import (
    Driver,
    FuelType,
    StaffVehicle,
    Trip,
    TripStatus,
    Vehicle,
)
from portal.cache import kept_page
from portal.confirm import confirmation_page, confirmed
from portal.db import db
from portal.forms import EmptyForm, form_status
from portal.htmx import redirect_to, render
from portal.models import Role
from portal.requestargs import arg_enum, arg_int, arg_page, paginate, parse_date
from portal.rules import BadArgument, RuleViolation
from portal.security import roles_required
from portal.spreadsheets import XLSX_MIMETYPE

APPROVERS = (Role.UNIT_ADMIN, Role.LOGISTICS_ADMIN, Role.SYSADMIN)
FIRST_MONTH = date(2000, 1, 1)
# What the kept pages are drawn from: the cars, trips and parking, and the units' (and
# people's) names. The plate lookup also shows the visitor log's visits with the plate.
VEHICLES_DATA = ("vehicles", "building")
LOOKUP_DATA = ("vehicles", "visitors", "building")


def _page(template: str, partial: Any = None, **context: Any):
    context.update(fuel_labels={f.value: f.label for f in FuelType}, is_dispatcher=svc.is_dispatcher(current_user), TripStatus=TripStatus,
                   is_approver=current_user.has_role(*APPROVERS), is_guard=current_user.has_role(*GUARDS))
    return render(template, partial, **context)


def load_trip(trip_id: int) -> Trip:
    trip = db.session.get(Trip, trip_id)
    if trip is None:
        abort(404)
    if not svc.may_view(current_user, trip):
        abort(403)
    return trip


# --- requests ------------------------------------------------------------------------------------


@bp.route("/")
@kept_page(VEHICLES_DATA, signed_in=True)
@roles_required(*REQUESTERS)
def index():
    return _page("vehicles/index.html", "vehicles/_my_trips.html",
                 page=svc.my_trips_page(current_user, arg_page(), current_app.config["PAGE_SIZE"]))


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*REQUESTERS)
def new():
    form = TripRequestForm()
    if request.method == "GET":
        tomorrow = timeutil.today() + timedelta(days=1)
        form.depart_day.data = form.return_day.data = tomorrow
    if form.validate_on_submit():
        try:
            trip = svc.request_trip(form.to_draft(), actor=current_user, now=timeutil.now())
        except RuleViolation as error:
            db.session.rollback()
            error.show_on(form)
        else:
            db.session.commit()
            flash(_("Your car request no. %(id)s is sent for approval.", id=trip.id), "success")
            return redirect_to(url_for("vehicles.trip_detail", trip_id=trip.id))
    return _page("vehicles/new.html", form=form), form_status(form)


def _detail(trip: Trip, *, status: int = 200, dispatch_form=None, record_form=None, decision_form=None):
    dispatch_form = dispatch_form or DispatchForm()
    cars, drivers = ([], [])
    if svc.is_dispatcher(current_user) and trip.status is TripStatus.APPROVED:
        cars, drivers = svc.dispatch_choices(trip)
        dispatch_form.vehicle_id.choices = [SelectChoice(c.id, c.label + (f" — {c.note}" if c.note else "")) for c in cars]
        dispatch_form.driver_id.choices = [SelectChoice(0, _("No driver (self-drive)"))] + [
            SelectChoice(d.id, d.label + (f" — {d.note}" if d.note else "")) for d in drivers]
        if request.method == "GET":
            dispatch_form.vehicle_id.data = next((c.id for c in cars if c.free), None)
            dispatch_form.driver_id.data = next((d.id for d in drivers if d.free), 0) if trip.needs_driver else 0
    if record_form is None:
        record_form = TripRecordForm()
        if trip.status is TripStatus.DISPATCHED:
            depart, back = timeutil.to_local(trip.depart_at), timeutil.to_local(trip.return_at)
            record_form.depart_day.data, record_form.depart_time.data = depart.date(), depart.time()
            record_form.return_day.data, record_form.return_time.data = back.date(), back.time()
            record_form.odometer_out.data = trip.vehicle.odometer
    return _page("vehicles/trip.html", trip=trip, dispatch_form=dispatch_form, record_form=record_form,
                 decision_form=decision_form or DecisionForm(), may_approve=svc.may_approve(current_user, trip),
                 may_cancel=svc.may_cancel(current_user, trip), free_cars=[c for c in cars if c.free]), status


@bp.route("/trips/<int:trip_id>")
@roles_required(*REQUESTERS)
def trip_detail(trip_id: int):
    return _detail(load_trip(trip_id))


def _decide(trip_id: int, approve: bool):
    trip = load_trip(trip_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        return _detail(trip, status=422, decision_form=form)
    try:
        if approve:
            svc.approve(trip, actor=current_user, now=timeutil.now(), note=form.note.data or "")
        else:
            svc.refuse(trip, actor=current_user, now=timeutil.now(), note=form.note.data or "")
    except RuleViolation as error:
        db.session.rollback()
        if error.status == 403:
            abort(403)
        error.show_on(form)
        return _detail(trip, status=error.status, decision_form=form)
    db.session.commit()
    flash(_("The request is approved; the logistics center assigns a car.") if approve else _("The request is refused."),
          "success")
    return redirect_to(url_for("vehicles.trip_detail", trip_id=trip.id))


@bp.route("/trips/<int:trip_id>/approve", methods=["POST"])
@roles_required(*APPROVERS)
def approve(trip_id: int):
    return _decide(trip_id, True)


@bp.route("/trips/<int:trip_id>/refuse", methods=["POST"])
@roles_required(*APPROVERS)
def refuse(trip_id: int):
    return _decide(trip_id, False)


@bp.route("/trips/<int:trip_id>/cancel", methods=["POST"])
@roles_required(*REQUESTERS)
def cancel(trip_id: int):
    trip = load_trip(trip_id)
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    if trip.requester_id != current_user.id and not svc.is_dispatcher(current_user):
        abort(403)
    if not confirmed():
        return confirmation_page(_("Cancel this car request?"), detail=f"{trip.destination} · {trip.purpose}",
                                 button=_("Cancel the request"), cancel_url=url_for("vehicles.trip_detail", trip_id=trip.id))
    try:
        svc.cancel(trip, actor=current_user, now=timeutil.now())
    except RuleViolation as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect_to(url_for("vehicles.trip_detail", trip_id=trip.id))
    db.session.commit()
    flash(_("The request is cancelled."), "success")
    return redirect_to(url_for("vehicles.trip_detail", trip_id=trip.id))


@bp.route("/approvals")
@roles_required(*APPROVERS)
def approvals():
    return _page("vehicles/approvals.html", page=paginate(svc.approvals_query(current_user)))


# --- dispatch ------------------------------------------------------------------------------------


@bp.route("/dispatch")
@kept_page(VEHICLES_DATA, signed_in=True)
@roles_required(*DISPATCHERS)
def dispatch_queue():
    status = arg_enum("status", TripStatus, TripStatus.APPROVED)
    return _page("vehicles/dispatch.html", "vehicles/_dispatch_table.html", shown=status,
                 page=svc.dispatch_page(status, arg_page(), current_app.config["PAGE_SIZE"]),
                 due=svc.due_items(timeutil.today()))


@bp.route("/trips/<int:trip_id>/dispatch", methods=["POST"])
@roles_required(*DISPATCHERS)
def dispatch(trip_id: int):
    trip = load_trip(trip_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    vehicle_id = arg_form_int("vehicle_id")
    driver_id = arg_form_int("driver_id") or None
    try:
        svc.dispatch(trip.id, vehicle_id, driver_id, actor=current_user, now=timeutil.now())
    except RuleViolation as error:
        db.session.rollback()
        if error.status == 404:
            abort(404)
        trip = load_trip(trip_id)
        form = DispatchForm()
        error.show_on(form)
        return _detail(trip, status=error.status, dispatch_form=form)
    db.session.commit()
    flash(_("Car dispatched; the requester has been told."), "success")
    return redirect_to(url_for("vehicles.trip_detail", trip_id=trip_id))


def arg_form_int(name: str) -> int | None:
    raw = request.form.get(name, "")
    try:
        value = int(raw)
    except ValueError:
        return None
    return value if 0 <= value <= 2**31 - 1 else None


@bp.route("/trips/<int:trip_id>/record", methods=["POST"])
@roles_required(*DISPATCHERS)
def record(trip_id: int):
    trip = load_trip(trip_id)
    form = TripRecordForm()
    if form.validate_on_submit():
        try:
            svc.record_trip(trip.id, form.to_draft(), actor=current_user, now=timeutil.now())
        except RuleViolation as error:
            db.session.rollback()
            if error.status == 404:
                abort(404)
            error.show_on(form)
        else:
            db.session.commit()
            flash(_("Trip recorded."), "success")
            return redirect_to(url_for("vehicles.trip_detail", trip_id=trip_id))
    return _detail(load_trip(trip_id), status=422, record_form=form)


# --- register ------------------------------------------------------------------------------------


def _month_arg() -> date:
    raw = request.args.get("month", "")
    if not raw:
        return timeutil.today().replace(day=1)
    day = parse_date(raw + "-01", name="month") if len(raw) == 7 else None
    if day is None:
        raise BadArgument(_("Give the month as YYYY-MM."))
    return day


def _register_args():
    month = _month_arg()
    vehicle_id = arg_int("vehicle", None, minimum=1)
    unit_id = arg_int("unit", None, minimum=1)
    return month, vehicle_id, unit_id


@bp.route("/register")
@roles_required(*DISPATCHERS)
def register():
    month, vehicle_id, unit_id = _register_args()
    report = svc.month_register(month, vehicle_id=vehicle_id, unit_id=unit_id)
    return _page("vehicles/register.html", report=report, vehicle_id=vehicle_id, unit_id=unit_id,
                 vehicles=svc.vehicle_options(), units=svc.unit_options(),
                 previous=(month - timedelta(days=1)).replace(day=1), following=svc.next_month(month))


@bp.route("/register.xlsx")
@roles_required(*DISPATCHERS)
def register_xlsx():
    month, vehicle_id, unit_id = _register_args()
    report = svc.month_register(month, vehicle_id=vehicle_id, unit_id=unit_id)
    data = register_workbook(report)
    return send_file(BytesIO(data), mimetype=XLSX_MIMETYPE, as_attachment=True,
                     download_name=f"vehicle-register-{month:%Y-%m}.xlsx")


# --- fleet ---------------------------------------------------------------------------------------


def _unit_choices() -> list[SelectChoice]:
    return [SelectChoice(0, _("The pool (logistics center)"))] + [SelectChoice(u.id, u.label) for u in svc.unit_options()]


@bp.route("/fleet")
@roles_required(*DISPATCHERS)
def fleet():
    return _page("vehicles/fleet.html", page=paginate(svc.vehicles_query()), due=svc.due_items(timeutil.today()))


@bp.route("/fleet/new", methods=["GET", "POST"], defaults={"vehicle_id": None}, endpoint="vehicle_new")
@bp.route("/fleet/<int:vehicle_id>", methods=["GET", "POST"])
@roles_required(*DISPATCHERS)
def vehicle_edit(vehicle_id: int | None):
    vehicle = None
    if vehicle_id is not None:
        vehicle = db.session.get(Vehicle, vehicle_id) or abort(404)
    form = VehicleForm(obj=vehicle if request.method == "GET" else None)
    form.unit_id.choices = _unit_choices()
    if request.method == "GET" and vehicle is not None:
        form.unit_id.data = vehicle.unit_id or 0
    if form.validate_on_submit():
        try:
            vehicle = svc.save_vehicle(vehicle, form.to_draft(), actor=current_user, now=timeutil.now())
        except RuleViolation as error:
            db.session.rollback()
            error.show_on(form)
        else:
            db.session.commit()
            flash(_("Car %(plate)s saved.", plate=vehicle.plate), "success")
            return redirect_to(url_for("vehicles.fleet"))
    return _page("vehicles/vehicle_form.html", form=form, vehicle=vehicle), form_status(form)


@bp.route("/drivers")
@roles_required(*DISPATCHERS)
def drivers():
    return _page("vehicles/drivers.html", page=paginate(svc.drivers_query()), today=timeutil.today())


@bp.route("/drivers/new", methods=["GET", "POST"], defaults={"driver_id": None}, endpoint="driver_new")
@bp.route("/drivers/<int:driver_id>", methods=["GET", "POST"])
@roles_required(*DISPATCHERS)
def driver_edit(driver_id: int | None):
    driver = None
    if driver_id is not None:
        driver = db.session.get(Driver, driver_id) or abort(404)
    form = DriverForm(obj=driver if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            driver = svc.save_driver(driver, form.to_draft(), actor=current_user, now=timeutil.now())
        except RuleViolation as error:
            db.session.rollback()
            error.show_on(form)
        else:
            db.session.commit()
            flash(_("Driver %(name)s saved.", name=driver.name), "success")
            return redirect_to(url_for("vehicles.drivers"))
    return _page("vehicles/driver_form.html", form=form, driver=driver), form_status(form)


# --- holiday sealing -----------------------------------------------------------------------------


def _holiday() -> svc.Holiday | None:
    return svc.next_days_off(timeutil.today())


@bp.route("/sealing")
@roles_required(*DISPATCHERS)
def sealing():
    holiday = _holiday()
    checklist = svc.sealing_checklist(holiday) if holiday else None
    return _page("vehicles/sealing.html", checklist=checklist, form=SealForm())


@bp.route("/sealing/<int:vehicle_id>", methods=["POST"])
@roles_required(*DISPATCHERS)
def seal(vehicle_id: int):
    vehicle = db.session.get(Vehicle, vehicle_id) or abort(404)
    holiday = _holiday()
    form = SealForm()
    if holiday is None:
        flash(_("No days off in the next two weeks."), "error")
        return redirect_to(url_for("vehicles.sealing"))
    if form.validate_on_submit():
        try:
            svc.seal(vehicle, holiday, form.place.data or "", actor=current_user, now=timeutil.now())
        except RuleViolation as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("Car %(plate)s sealed.", plate=vehicle.plate), "success")
    return redirect_to(url_for("vehicles.sealing"))


@bp.route("/sealing/sign", methods=["POST"])
@roles_required(*DISPATCHERS)
def sealing_sign():
    holiday = _holiday()
    form = EmptyForm()
    if holiday is None or not form.validate_on_submit():
        flash(_("No days off in the next two weeks."), "error")
        return redirect_to(url_for("vehicles.sealing"))
    try:
        svc.sign_sealing(holiday, actor=current_user, now=timeutil.now())
    except RuleViolation as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("Sealing checklist signed."), "success")
    return redirect_to(url_for("vehicles.sealing"))


# --- parking -------------------------------------------------------------------------------------


@bp.route("/parking", methods=["GET", "POST"])
@roles_required(*REQUESTERS)
def my_parking():
    form = RegistrationForm()
    if form.validate_on_submit():
        try:
            parking.register_vehicle(form.to_draft(), actor=current_user, now=timeutil.now())
        except RuleViolation as error:
            db.session.rollback()
            error.show_on(form)
        else:
            db.session.commit()
            flash(_("Registered; your unit administrator will approve it."), "success")
            return redirect_to(url_for("vehicles.my_parking"))
    return _page("vehicles/parking_mine.html", form=form, page=paginate(parking.my_registrations_query(current_user)),
                 limit=parking.max_vehicles()), form_status(form)


def _registration(registration_id: int) -> StaffVehicle:
    return db.session.get(StaffVehicle, registration_id) or abort(404)


@bp.route("/parking/<int:registration_id>/withdraw", methods=["POST"])
@roles_required(*REQUESTERS)
def parking_withdraw(registration_id: int):
    registration = _registration(registration_id)
    if registration.owner_id != current_user.id:
        abort(403)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        parking.withdraw(registration, actor=current_user, now=timeutil.now())
    except RuleViolation as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("Registration withdrawn."), "success")
    return redirect_to(url_for("vehicles.my_parking"))


@bp.route("/parking/approvals")
@roles_required(Role.UNIT_ADMIN, Role.LOGISTICS_ADMIN)
def parking_approvals():
    return _page("vehicles/parking_approvals.html", page=paginate(parking.approvals_query(current_user)),
                 form=RegistrationDecisionForm())


@bp.route("/parking/<int:registration_id>/decide", methods=["POST"])
@roles_required(Role.UNIT_ADMIN, Role.LOGISTICS_ADMIN)
def parking_decide(registration_id: int):
    registration = _registration(registration_id)
    if not parking.may_decide(current_user, registration):
        abort(403)
    form = RegistrationDecisionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        parking.decide(registration, form.decision.data == "approve", actor=current_user, now=timeutil.now())
    except RuleViolation as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("Decision saved; the owner has been told."), "success")
    return redirect_to(url_for("vehicles.parking_approvals"))


@bp.route("/parking/lookup")
@kept_page(LOOKUP_DATA, signed_in=True)
@roles_required(*GUARDS)
def parking_lookup():
    plate = request.args.get("plate", "")
    result, error = None, None
    if plate:
        try:
            result = parking.lookup(plate)
        except RuleViolation as problem:
            error = str(problem)
    return _page("vehicles/parking_lookup.html", "vehicles/_lookup_result.html", plate=plate, result=result,
                 error=error), (422 if error else 200)


@bp.route("/parking/round", methods=["GET", "POST"])
@roles_required(*GUARDS)
def parking_round():
    spaces = parking.reserved_spaces()
    form = EmptyForm()
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        plates = {s.id: (request.form.get(f"space-{s.id}") or "").strip() for s in spaces}
        try:
            sightings = parking.record_round(plates, actor=current_user, now=timeutil.now())
        except RuleViolation as error:
            db.session.rollback()
            errors[error.field or ""] = str(error)
            status = 422
        else:
            db.session.commit()
            wrong = sum(not s.allowed for s in sightings)
            flash(_("Round recorded: %(num)s cars, %(wrong)s on a space they may not use.", num=len(sightings), wrong=wrong),
                  "success" if not wrong else "warning")
            return redirect_to(url_for("vehicles.parking_round"))
    return _page("vehicles/parking_round.html", spaces=spaces, form=form, errors=errors,
                 latest=parking.latest_round(timeutil.now()), values=request.form), status


@bp.route("/parking/offenders")
@roles_required(*GUARDS)
def parking_offenders():
    return _page("vehicles/parking_offenders.html", offenders=parking.repeat_offenders(timeutil.now()))
