"""Administration pages for the logistics center: stops, routes and their stop
patterns, vehicles, trips, dated exceptions and notices.

Each view loads its object (404), builds a draft from the form, calls the
service in ``admin_services`` with the actor and the time, commits and answers
with a 303; a refused change is rolled back and re-rendered with 422.
Deleting a stop, route or trip asks for confirmation first.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from portal import timeutil
from portal.confirm import confirmation_page, confirmed
from portal.db import db
from portal.forms import EmptyForm, form_status
from portal.htmx import redirect_to, render
from portal.requestargs import arg_date, arg_int, paginate
from portal.rules import RuleViolation
from portal.security import ADMINS, roles_required

from . import admin_services as admin
from . import bp
from .forms import ExceptionForm, NoticeForm, PatternForm, RouteForm, StopForm, TripForm, VehicleForm
from .models import Direction, ServiceException, ShuttleNotice, ShuttleRoute, ShuttleStop, ShuttleTrip, ShuttleVehicle
from .services import describe_trip

PATTERN_ROWS_SPARE = 3  # empty rows for new stops: the form works without JavaScript


def _load(model: type, object_id: int) -> Any:
    """Every object of this blueprint is loaded here: 404 when it does not exist."""
    return db.get_or_404(model, object_id)


def _choices(pairs, placeholder: str | None = None) -> list[SelectChoice]:
    first = [SelectChoice("", placeholder)] if placeholder is not None else []
    return first + [SelectChoice(value, label) for value, label in pairs]


def _save(form, change, success, target: str):
    """Run ``change`` (a service call); commit, flash ``success`` (a message, or a
    function of what the service returned) and redirect, or show the refusal on ``form``."""
    try:
        result = change()
    except RuleViolation as error:
        db.session.rollback()
        error.show_on(form)
        return None
    db.session.commit()
    flash(success(result) if callable(success) else success, "success")
    return redirect_to(target)


def _delete(obj: Any, *, refused, delete, question: str, done: str, back: str):
    """The confirmation step, then the service's delete; a refusal is flashed."""
    if not EmptyForm().validate_on_submit():
        return redirect_to(back)
    refusal = refused(obj) if refused is not None else None
    if refusal is None and not confirmed():
        return confirmation_page(question, button=_("Delete"), cancel_url=back)
    try:
        if refusal is not None:
            raise refusal
        delete(obj, actor=current_user, now=timeutil.now())
    except RuleViolation as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect_to(back)
    db.session.commit()
    flash(done, "success")
    return redirect_to(back)


# --- overview --------------------------------------------------------------------------------


@bp.route("/manage/")
@roles_required(*ADMINS)
def manage():
    return render("shuttle/manage/index.html", overview=admin.manage_overview(timeutil.today()),
                  page=paginate(admin.routes_query()), directions=list(Direction))


# --- stops -----------------------------------------------------------------------------------


@bp.route("/manage/stops/")
@roles_required(*ADMINS)
def stops():
    return render("shuttle/manage/stops.html", page=paginate(admin.stops_query()))


@bp.route("/manage/stops/new", methods=["GET", "POST"])
@bp.route("/manage/stops/<int:stop_id>", methods=["GET", "POST"])
@roles_required(*ADMINS)
def edit_stop(stop_id: int | None = None):
    stop = _load(ShuttleStop, stop_id) if stop_id is not None else None
    form = StopForm(obj=stop)
    if form.validate_on_submit():
        draft = form.to_draft()
        done = _save(form, lambda: admin.save_stop(draft, stop, actor=current_user, now=timeutil.now()),
                     _("Stop %(name)s saved.", name=draft.name), url_for("shuttle.stops"))
        if done is not None:
            return done
    return render("shuttle/manage/stop_form.html", form=form, stop=stop, status=form_status(form))


@bp.route("/manage/stops/<int:stop_id>/delete", methods=["POST"])
@roles_required(*ADMINS)
def delete_stop(stop_id: int):
    stop = _load(ShuttleStop, stop_id)
    return _delete(stop, refused=admin.stop_deletion_refused, delete=admin.delete_stop,
                   question=_("Delete the stop %(name)s?", name=stop.name),
                   done=_("Stop %(name)s deleted.", name=stop.name), back=url_for("shuttle.stops"))


# --- routes and their stop patterns ----------------------------------------------------------


@bp.route("/manage/routes/new", methods=["GET", "POST"])
@bp.route("/manage/routes/<int:route_id>", methods=["GET", "POST"])
@roles_required(*ADMINS)
def edit_route(route_id: int | None = None):
    route = _load(ShuttleRoute, route_id) if route_id is not None else None
    form = RouteForm(obj=route)
    if form.validate_on_submit():
        draft = form.to_draft()
        done = _save(form, lambda: admin.save_route(draft, route, actor=current_user, now=timeutil.now()),
                     _("Route %(code)s saved.", code=draft.code), url_for("shuttle.manage"))
        if done is not None:
            return done
    return render("shuttle/manage/route_form.html", form=form, route=route, status=form_status(form))


@bp.route("/manage/routes/<int:route_id>/delete", methods=["POST"])
@roles_required(*ADMINS)
def delete_route(route_id: int):
    route = _load(ShuttleRoute, route_id)
    return _delete(route, refused=admin.route_deletion_refused, delete=admin.delete_route,
                   question=_("Delete the route %(code)s %(name)s?", code=route.code, name=route.name),
                   done=_("Route %(code)s deleted.", code=route.code), back=url_for("shuttle.manage"))


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
    if not form.is_submitted():
        for route_stop in current:
            form.rows.append_entry({"stop_id": route_stop.stop_id, "minutes": route_stop.minutes})
    while len(form.rows) < len(current) + PATTERN_ROWS_SPARE or len(form.rows) < 2 + PATTERN_ROWS_SPARE:
        form.rows.append_entry()
    stop_choices = _choices(admin.stop_choices(), "—")
    for row in form.rows:
        row.form.stop_id.choices = stop_choices
    if form.validate_on_submit():
        label = f"{route.code} {route.direction_label(way)}"
        done = _save(form, lambda: admin.save_pattern(route, way, form.to_rows(), actor=current_user,
                                                      now=timeutil.now()),
                     _("Stops of %(route)s saved.", route=label), url_for("shuttle.manage"))
        if done is not None:
            return done
    return render("shuttle/manage/pattern_form.html", form=form, route=route, direction=way,
                  status=form_status(form))


# --- vehicles --------------------------------------------------------------------------------


@bp.route("/manage/vehicles/")
@roles_required(*ADMINS)
def vehicles():
    return render("shuttle/manage/vehicles.html", page=paginate(admin.vehicles_query()))


@bp.route("/manage/vehicles/new", methods=["GET", "POST"])
@bp.route("/manage/vehicles/<int:vehicle_id>", methods=["GET", "POST"])
@roles_required(*ADMINS)
def edit_vehicle(vehicle_id: int | None = None):
    vehicle = _load(ShuttleVehicle, vehicle_id) if vehicle_id is not None else None
    form = VehicleForm(obj=vehicle)
    if form.validate_on_submit():
        draft = form.to_draft()
        done = _save(form, lambda: admin.save_vehicle(draft, vehicle, actor=current_user, now=timeutil.now()),
                     lambda saved: _("Bus %(plate)s saved.", plate=saved.plate), url_for("shuttle.vehicles"))
        if done is not None:
            return done
    return render("shuttle/manage/vehicle_form.html", form=form, vehicle=vehicle, status=form_status(form))


@bp.route("/manage/vehicles/<int:vehicle_id>/delete", methods=["POST"])
@roles_required(*ADMINS)
def delete_vehicle(vehicle_id: int):
    vehicle = _load(ShuttleVehicle, vehicle_id)
    if EmptyForm().validate_on_submit():
        plate = vehicle.plate
        try:
            admin.delete_vehicle(vehicle, actor=current_user, now=timeutil.now())
        except RuleViolation as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("Bus %(plate)s deleted.", plate=plate), "success")
    return redirect_to(url_for("shuttle.vehicles"))


# --- trips -----------------------------------------------------------------------------------


@bp.route("/manage/trips/")
@roles_required(*ADMINS)
def trips():
    route_id = arg_int("route", None, minimum=1)
    return render("shuttle/manage/trips.html", page=paginate(admin.trips_query(route_id)),
                  routes=admin.routes_with_stops(), route_id=route_id)


@bp.route("/manage/trips/new", methods=["GET", "POST"])
@bp.route("/manage/trips/<int:trip_id>", methods=["GET", "POST"])
@roles_required(*ADMINS)
def edit_trip(trip_id: int | None = None):
    trip = _load(ShuttleTrip, trip_id) if trip_id is not None else None
    form = TripForm(obj=trip)
    form.line.choices = _choices(admin.line_choices(), "—")
    form.vehicle_id.choices = _choices(admin.vehicle_choices(trip.vehicle_id if trip else None), _("Choose a bus"))
    if not form.is_submitted() and trip is not None:
        form.line.data = f"{trip.route_id}:{trip.direction.value}"
        form.pattern.data = trip.pattern.value
    if form.validate_on_submit():
        draft = form.to_draft()
        done = _save(form, lambda: admin.save_trip(draft, trip, actor=current_user, now=timeutil.now()),
                     _("Trip saved."), url_for("shuttle.trips", route=draft.route_id))
        if done is not None:
            return done
    return render("shuttle/manage/trip_form.html", form=form, trip=trip, status=form_status(form))


@bp.route("/manage/trips/<int:trip_id>/delete", methods=["POST"])
@roles_required(*ADMINS)
def delete_trip(trip_id: int):
    trip = _load(ShuttleTrip, trip_id)
    label = describe_trip(trip)
    return _delete(trip, refused=None, delete=admin.delete_trip,
                   question=_("Delete the trip %(trip)s?", trip=label),
                   done=_("Trip %(trip)s deleted.", trip=label), back=url_for("shuttle.trips", route=trip.route_id))


# --- dated exceptions and notices ------------------------------------------------------------


def _scope_choices() -> list[SelectChoice]:
    return [SelectChoice("all", _("Every trip"))] + _choices(admin.scope_choices())


def _past() -> bool:
    return arg_int("past", 0, minimum=0, maximum=1) == 1


@bp.route("/manage/exceptions/")
@roles_required(*ADMINS)
def exceptions():
    past = _past()
    return render("shuttle/manage/exceptions.html", page=paginate(admin.exceptions_query(timeutil.today(), past=past)),
                  past=past, describe_trip=describe_trip)


@bp.route("/manage/exceptions/new", methods=["GET", "POST"])
@bp.route("/manage/exceptions/<int:exception_id>", methods=["GET", "POST"])
@roles_required(*ADMINS)
def edit_exception(exception_id: int | None = None):
    exception = _load(ServiceException, exception_id) if exception_id is not None else None
    form = ExceptionForm(obj=exception)
    form.scope.choices = _scope_choices()
    form.vehicle_id.choices = _choices(admin.vehicle_choices(exception.vehicle_id if exception else None),
                                       _("Unchanged"))
    if not form.is_submitted():
        if exception is not None:
            form.scope.data = admin.scope_value(exception.route_id, exception.trip_id)
            form.kind.data = exception.kind.value
        else:
            form.day.data = arg_date("day", None)
    if form.validate_on_submit():
        draft = form.to_draft()
        done = _save(form, lambda: admin.save_exception(draft, exception, actor=current_user, now=timeutil.now()),
                     _("Exception for %(day)s saved.", day=draft.day.isoformat()), url_for("shuttle.exceptions"))
        if done is not None:
            return done
    return render("shuttle/manage/exception_form.html", form=form, exception=exception, status=form_status(form))


@bp.route("/manage/exceptions/<int:exception_id>/delete", methods=["POST"])
@roles_required(*ADMINS)
def delete_exception(exception_id: int):
    exception = _load(ServiceException, exception_id)
    if EmptyForm().validate_on_submit():
        admin.delete_exception(exception, actor=current_user, now=timeutil.now())
        db.session.commit()
        flash(_("Exception deleted."), "success")
    return redirect_to(url_for("shuttle.exceptions"))


@bp.route("/manage/notices/")
@roles_required(*ADMINS)
def notices():
    past = _past()
    return render("shuttle/manage/notices.html", page=paginate(admin.notices_query(timeutil.today(), past=past)),
                  past=past, describe_trip=describe_trip)


@bp.route("/manage/notices/new", methods=["GET", "POST"])
@bp.route("/manage/notices/<int:notice_id>", methods=["GET", "POST"])
@roles_required(*ADMINS)
def edit_notice(notice_id: int | None = None):
    notice = _load(ShuttleNotice, notice_id) if notice_id is not None else None
    form = NoticeForm(obj=notice)
    form.scope.choices = _scope_choices()
    if not form.is_submitted():
        if notice is not None:
            form.scope.data = admin.scope_value(notice.route_id, notice.trip_id)
            form.kind.data = notice.kind.value
        else:
            form.starts_on.data = form.ends_on.data = timeutil.today()
    if form.validate_on_submit():
        draft = form.to_draft()
        done = _save(form, lambda: admin.save_notice(draft, notice, actor=current_user, now=timeutil.now()),
                     _("Notice saved."), url_for("shuttle.notices"))
        if done is not None:
            return done
    return render("shuttle/manage/notice_form.html", form=form, notice=notice, status=form_status(form))


@bp.route("/manage/notices/<int:notice_id>/delete", methods=["POST"])
@roles_required(*ADMINS)
def delete_notice(notice_id: int):
    notice = _load(ShuttleNotice, notice_id)
    if EmptyForm().validate_on_submit():
        admin.delete_notice(notice, actor=current_user, now=timeutil.now())
        db.session.commit()
        flash(_("Notice deleted."), "success")
    return redirect_to(url_for("shuttle.notices"))


# --- the workday calendar moved to its own capability ----------------------------------------


@bp.route("/calendar")
def calendar_moved():
    """The calendar's old address (bookmarked by admins): it lives at /workdays/ now."""
    return redirect(url_for("workdays.calendar_page", **request.args.to_dict()), 301)
