from __future__ import annotations

from io import BytesIO
from typing import Any

from flask import Response, abort, current_app, flash, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from portal import timeutil
from portal.blueprints.offices import bp
from portal.blueprints.offices.exchange import import_ledger, ledger_workbook
from portal.blueprints.offices.export import publication_workbook
from portal.blueprints.offices.forms import (
    EntryForm,
    ExceptionForm,
    FindingForm,
    HandBackForm,
    LedgerImportForm,
    MoveForm,
    PublishForm,
    SeatForm,
    StandardForm,
    StockTakeForm,
)
from portal.blueprints.offices.models import (
    OfficeSeat,
    OfficeStandard,
    OfficeStockTake,
    RoomUse,
)
from portal.blueprints.offices.services import (
    LEDGER_AREAS,
    Ledger,
    PlanStatus,
    building_options,
    close_stock_take,
    floor_plans,
    hand_back,
    ledger,
    ledger_counts,
    move_seat,
    office_options,
    open_stock_take,
    page_of,
    pending_hand_backs,
    people_options,
    publication_of,
    publications,
    publish,
    published_units,
    published_years,
    record_entry,
    record_exception,
    record_finding,
    room_history,
    save_standard,
    seat_person,
    standard_options,
    standard_rows,
    start_stock_take,
    stock_take_view,
    stock_takes,
    today,
    unit_options,
    unrecorded_rooms_query,
)
from portal.blueprints.offices.tables import over_rows, unit_rows
from portal.cache import kept_page
from portal.confirm import confirmation_page, confirmed
from portal.db import db
from portal.forms import EmptyForm, form_status
from portal.htmx import redirect_to, render
from portal.models import Room, Unit
from portal.paging import ListPage
from portal.requestargs import arg_date, arg_int, arg_page, paginate
from portal.rules import RuleViolation
from portal.security import ADMINS, STAFF, roles_required


def _choices(options: list[tuple[int, str]], blank: str | None = None) -> list[SelectChoice]:
    items = [SelectChoice(str(i), text) for i, text in options]
    return ([SelectChoice("", blank)] if blank is not None else []) + items


def _day_arg():
    return arg_date("date", today(timeutil.now()))


def _per_page() -> int:
    return current_app.config["PAGE_SIZE"]


# --- the published allocation (all staff) ---------------------------------------------------------


# What the ledger is drawn from: the office records, and the rooms, floors and units they name.
LEDGER_DATA = LEDGER_AREAS


@bp.route("/")
@kept_page(("offices",), signed_in=True)
@roles_required(*STAFF)
def index():
    """The years published, newest first."""
    return render("offices/index.html", items=published_years(), is_admin=current_user.has_role(*ADMINS))


@bp.route("/published/<int:year>")
@roles_required(*STAFF)
def published(year: int):
    publication = publication_of(year)
    if publication is None:
        abort(404)
    unit_id = arg_int("unit")
    units = published_units(publication, unit_id)
    return render(
        "offices/published.html", publication=publication, page=page_of(units, arg_page(), 10), unit_id=unit_id,
        unit_choices=[(u.unit_id, u.name) for u in published_units(publication) if u.unit_id is not None],
        is_admin=current_user.has_role(*ADMINS), RoomUse=RoomUse,
    )


@bp.route("/published/<int:year>.xlsx")
@roles_required(*ADMINS)
def published_xlsx(year: int):
    publication = publication_of(year)
    if publication is None:
        abort(404)
    unit_id = arg_int("unit")
    units = published_units(publication, unit_id)
    book = publication_workbook(publication, units)
    name = f"office-allocation-{year}" + (f"-unit-{unit_id}" if unit_id else "") + ".xlsx"
    return send_file(BytesIO(book.to_bytes()), as_attachment=True, download_name=name,
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.route("/publish", methods=["GET", "POST"])
@roles_required(*ADMINS)
def publish_page():
    form = PublishForm()
    now = timeutil.now()
    if request.method == "GET":
        form.year.data = today(now).year
        form.as_of.data = today(now)
    if form.validate_on_submit():
        if not confirmed():
            return confirmation_page(
                _("Publish the %(year)s office allocation?", year=form.year.data),
                detail=_("All staff will see it; once published it is never changed."),
                button=_("Publish to staff"), cancel_url=url_for("offices.publish_page"), danger=False,
            )
        try:
            publication = publish(form.to_draft(), actor=current_user, now=now)
        except RuleViolation as error:
            db.session.rollback()
            error.show_on(form)
        else:
            db.session.commit()
            flash(_("The %(year)s office allocation is published.", year=publication.year), "success")
            return redirect_to(url_for("offices.published", year=publication.year))
    return render("offices/publish.html", form=form, items=publications(), status=form_status(form))


# --- the ledger (logistics) -----------------------------------------------------------------------


@bp.route("/ledger")
@kept_page(LEDGER_DATA, signed_in=True)
@roles_required(*ADMINS)
def ledger_page():
    day = _day_arg()
    book = ledger_counts(day)  # counts and areas only, from the kept facts: nobody is named on this page
    import_form = LedgerImportForm(formdata=None)
    import_form.valid_from.data = today(timeutil.now())
    return _ledger(book, page_of(book.units, arg_page(), _per_page()), import_form)


def _ledger(book: Ledger, page: ListPage, import_form: LedgerImportForm, **context: Any) -> Response:
    return render("offices/ledger.html", book=book, day=book.as_of, page=page, import_form=import_form,
                  unit_rows=unit_rows(page.items, book.as_of), over_rows=over_rows(book.rooms_over), **context)


@bp.route("/ledger.xlsx")
@roles_required(*ADMINS)
def ledger_xlsx():
    day = _day_arg()
    workbook = ledger_workbook(ledger(day))
    return send_file(BytesIO(workbook.to_bytes()), as_attachment=True, download_name=f"office-ledger-{day.isoformat()}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.route("/ledger/import", methods=["POST"])
@roles_required(*ADMINS)
def import_page():
    form = LedgerImportForm()
    if form.validate_on_submit():
        try:
            summary = import_ledger(form.workbook.data.read(), form.valid_from.data, actor=current_user, now=timeutil.now())
        except RuleViolation as error:
            db.session.rollback()
            error.show_on(form)
        else:
            db.session.commit()
            flash(_("%(changed)s rooms changed, %(unchanged)s unchanged.", changed=summary.changed,
                    unchanged=summary.unchanged), "success")
            return redirect_to(url_for("offices.ledger_page"))
    day = today(timeutil.now())
    book = ledger(day, people=False)
    return _ledger(book, page_of(book.units, 1, _per_page()), form, status=form_status(form))


@bp.route("/ledger/unit/<int:unit_id>")
@roles_required(*ADMINS)
def unit(unit_id: int):
    the_unit = db.session.get(Unit, unit_id)
    if the_unit is None:
        abort(404)
    day = _day_arg()
    book = ledger(day, unit_id=unit_id)
    return render("offices/unit.html", unit=the_unit, book=book, day=day,
                  page=page_of(book.rooms, arg_page(), _per_page()), RoomUse=RoomUse)


@bp.route("/ledger/unrecorded")
@roles_required(*ADMINS)
def unrecorded():
    return render("offices/unrecorded.html", page=paginate(unrecorded_rooms_query()))


@bp.route("/plan")
@roles_required(*ADMINS)
def plan():
    buildings = building_options()
    building_id = arg_int("building") or (buildings[0][0] if buildings else None)
    if building_id is not None and building_id not in {i for i, _name in buildings}:
        abort(404)
    day = _day_arg()
    floors = floor_plans(building_id, day) if building_id is not None else []
    return render("offices/plan.html", buildings=buildings, building_id=building_id, day=day, floors=floors,
                  PlanStatus=PlanStatus)


@bp.route("/hand-backs")
@roles_required(*ADMINS)
def hand_backs():
    day = today(timeutil.now())
    book = ledger(day)
    return render("offices/hand_backs.html", pending=pending_hand_backs(day), vacant=book.vacant, day=day)


# --- one room: its history and every change -------------------------------------------------------


def _load_room(room_id: int) -> Room:
    room = db.session.get(Room, room_id)
    if room is None:
        abort(404)
    return room


def _load_seat(seat_id: int) -> OfficeSeat:
    seat = db.session.get(OfficeSeat, seat_id)
    if seat is None:
        abort(404)
    return seat


def _move_form(seat: OfficeSeat, day, formdata: Any = None) -> MoveForm:
    form = MoveForm(formdata=formdata, prefix=f"move-{seat.id}")
    form.room_id.choices = _choices(office_options(day, seat.user.unit_id))
    form.standard_id.choices = _choices(standard_options())
    if formdata is None:
        form.room_id.data = str(seat.room_id)
        form.standard_id.data = str(seat.standard_id)
        form.on.data = day
    return form


def _hand_back_form(seat: OfficeSeat, day, formdata: Any = None) -> HandBackForm:
    form = HandBackForm(formdata=formdata, prefix=f"back-{seat.id}")
    if formdata is None:
        form.on.data = day
    return form


def _room_page(room: Room, *, entry_form: EntryForm | None = None, seat_form: SeatForm | None = None,
               exception_form: ExceptionForm | None = None, seat_forms: dict | None = None, status: int = 200):
    day = today(timeutil.now())
    history = room_history(room, day)
    current = history.current
    if entry_form is None:
        entry_form = EntryForm(formdata=None, prefix="entry")
        entry_form.valid_from.data = day
        if current is not None:
            entry_form.unit_id.data = str(current.unit_id or "")
            entry_form.use.data = current.use.value
            entry_form.area_m2.data = current.area_m2
        else:
            entry_form.unit_id.data = str(room.unit_id or "")
            entry_form.area_m2.data = room.area_m2
    entry_form.unit_id.choices = _choices(unit_options(), _("— none (vacant) —"))
    unit_id = current.unit_id if current is not None else None
    if seat_form is None:
        seat_form = SeatForm(formdata=None, prefix="seat")
        seat_form.start_date.data = day
    seat_form.user_id.choices = _choices(people_options(unit_id), _("— choose —"))
    seat_form.standard_id.choices = _choices(standard_options(), _("— choose —"))
    if exception_form is None:
        exception_form = ExceptionForm(formdata=None, prefix="exc")
        exception_form.valid_from.data = day
    seat_forms = dict(seat_forms or {})
    for seat in history.seats:
        if seat.end_date is None and seat.id not in seat_forms:
            seat_forms[seat.id] = (_move_form(seat, day), _hand_back_form(seat, day))
    return render("offices/room.html", room=room, history=history, day=day, entry_form=entry_form,
                  seat_form=seat_form, exception_form=exception_form, seat_forms=seat_forms,
                  can_seat=current is not None and current.use is RoomUse.OFFICE, status=status)


@bp.route("/rooms/<int:room_id>")
@roles_required(*ADMINS)
def room(room_id: int):
    return _room_page(_load_room(room_id))


@bp.route("/rooms/<int:room_id>/entry", methods=["POST"])
@roles_required(*ADMINS)
def record_room_entry(room_id: int):
    the_room = _load_room(room_id)
    form = EntryForm(prefix="entry")
    form.unit_id.choices = _choices(unit_options(), "")
    if form.validate_on_submit():
        try:
            record_entry(the_room, form.to_draft(), actor=current_user, now=timeutil.now())
        except RuleViolation as error:
            db.session.rollback()
            error.show_on(form)
        else:
            db.session.commit()
            flash(_("The allocation of %(room)s is recorded.", room=the_room.label), "success")
            return redirect_to(url_for("offices.room", room_id=the_room.id))
    return _room_page(the_room, entry_form=form, status=form_status(form))


@bp.route("/rooms/<int:room_id>/seat", methods=["POST"])
@roles_required(*ADMINS)
def seat(room_id: int):
    the_room = _load_room(room_id)
    form = SeatForm(prefix="seat")
    form.user_id.choices = _choices(people_options(the_room.unit_id), "")
    form.standard_id.choices = _choices(standard_options(), "")
    if form.validate_on_submit():
        try:
            placed = seat_person(the_room, form.to_draft(), actor=current_user, now=timeutil.now())
        except RuleViolation as error:
            db.session.rollback()
            error.show_on(form)
        else:
            db.session.commit()
            flash(_("%(name)s sits in %(room)s.", name=placed.user.display_name, room=the_room.label), "success")
            return redirect_to(url_for("offices.room", room_id=the_room.id))
    return _room_page(the_room, seat_form=form, status=form_status(form))


@bp.route("/rooms/<int:room_id>/exception", methods=["POST"])
@roles_required(*ADMINS)
def exception(room_id: int):
    the_room = _load_room(room_id)
    form = ExceptionForm(prefix="exc")
    if form.validate_on_submit():
        try:
            record_exception(the_room, form.to_draft(), actor=current_user, now=timeutil.now())
        except RuleViolation as error:
            db.session.rollback()
            error.show_on(form)
        else:
            db.session.commit()
            flash(_("The exception for %(room)s is recorded.", room=the_room.label), "success")
            return redirect_to(url_for("offices.room", room_id=the_room.id))
    return _room_page(the_room, exception_form=form, status=form_status(form))


@bp.route("/seats/<int:seat_id>/move", methods=["POST"])
@roles_required(*ADMINS)
def move(seat_id: int):
    the_seat = _load_seat(seat_id)
    day = today(timeutil.now())
    form = _move_form(the_seat, day, request.form)
    if form.validate_on_submit():
        try:
            new = move_seat(the_seat, form.to_draft(), actor=current_user, now=timeutil.now())
        except RuleViolation as error:
            db.session.rollback()
            error.show_on(form)
        else:
            db.session.commit()
            flash(_("%(name)s moves to %(room)s.", name=new.user.display_name, room=new.room.label), "success")
            return redirect_to(url_for("offices.room", room_id=new.room_id))
    the_seat = _load_seat(seat_id)
    forms = {the_seat.id: (form, _hand_back_form(the_seat, day))}
    return _room_page(the_seat.room, seat_forms=forms, status=form_status(form))


@bp.route("/seats/<int:seat_id>/hand-back", methods=["POST"])
@roles_required(*ADMINS)
def record_hand_back(seat_id: int):
    the_seat = _load_seat(seat_id)
    day = today(timeutil.now())
    form = _hand_back_form(the_seat, day, request.form)
    if form.validate_on_submit():
        try:
            hand_back(the_seat, form.to_draft(), actor=current_user, now=timeutil.now())
        except RuleViolation as error:
            db.session.rollback()
            error.show_on(form)
        else:
            db.session.commit()
            flash(_("%(name)s has handed back %(room)s.", name=the_seat.user.display_name, room=the_seat.room.label),
                  "success")
            return redirect_to(url_for("offices.room", room_id=the_seat.room_id))
    the_seat = _load_seat(seat_id)
    forms = {the_seat.id: (_move_form(the_seat, day), form)}
    return _room_page(the_seat.room, seat_forms=forms, status=form_status(form))


# --- the standard ---------------------------------------------------------------------------------


@bp.route("/standards")
@roles_required(*ADMINS)
def standards():
    return render("offices/standards.html", rows=standard_rows())


@bp.route("/standards/new", methods=["GET", "POST"])
@bp.route("/standards/<int:standard_id>", methods=["GET", "POST"])
@roles_required(*ADMINS)
def edit_standard(standard_id: int | None = None):
    standard = None
    if standard_id is not None:
        standard = db.session.get(OfficeStandard, standard_id)
        if standard is None:
            abort(404)
    form = StandardForm(obj=standard)
    if form.validate_on_submit():
        try:
            saved = save_standard(standard, form.to_draft(), actor=current_user, now=timeutil.now())
        except RuleViolation as error:
            db.session.rollback()
            error.show_on(form)
        else:
            db.session.commit()
            flash(_("The standard for %(rank)s is saved.", rank=saved.name), "success")
            return redirect_to(url_for("offices.standards"))
    return render("offices/edit_standard.html", form=form, standard=standard, status=form_status(form))


# --- stock-takes: floor by floor, what differs from the ledger ----------------------------------------


def _load_take(take_id: int) -> OfficeStockTake:
    take = db.session.get(OfficeStockTake, take_id)
    if take is None:
        abort(404)
    return take


@bp.route("/stock-takes", methods=["GET", "POST"])
@roles_required(*ADMINS)
def stock_take_list():
    form = StockTakeForm()
    if request.method == "GET":
        form.on.data = today(timeutil.now())
    if form.validate_on_submit():
        try:
            take = start_stock_take(form.to_draft(), actor=current_user, now=timeutil.now())
        except RuleViolation as error:
            db.session.rollback()
            error.show_on(form)
        else:
            db.session.commit()
            flash(_("The stock-take has started."), "success")
            return redirect_to(url_for("offices.stock_take", take_id=take.id))
    return render("offices/stock_takes.html", form=form, items=stock_takes(), current=open_stock_take(),
                  status=form_status(form))


@bp.route("/stock-takes/<int:take_id>")
@roles_required(*ADMINS)
def stock_take(take_id: int):
    take = _load_take(take_id)
    view = stock_take_view(take, arg_int("floor"))
    return render("offices/stock_take.html", view=view, take=take, close_form=EmptyForm())


@bp.route("/stock-takes/<int:take_id>/rooms/<int:room_id>", methods=["GET", "POST"])
@roles_required(*ADMINS)
def stock_take_room(take_id: int, room_id: int):
    take = _load_take(take_id)
    the_room = _load_room(room_id)
    form = FindingForm()
    if form.validate_on_submit():
        try:
            record_finding(take, the_room, form.to_draft(), actor=current_user, now=timeutil.now())
        except RuleViolation as error:
            db.session.rollback()
            error.show_on(form)
        else:
            db.session.commit()
            flash(_("The finding for %(room)s is recorded.", room=the_room.label), "success")
            return redirect_to(url_for("offices.stock_take", take_id=take.id, floor=the_room.floor_id))
    history = room_history(the_room, take.started_on)
    return render("offices/stock_take_room.html", form=form, take=take, room=the_room, history=history,
                  held=sum(1 for s in history.seats if s.holds_on(take.started_on)), status=form_status(form))


@bp.route("/stock-takes/<int:take_id>/close", methods=["POST"])
@roles_required(*ADMINS)
def close_take(take_id: int):
    take = _load_take(take_id)
    form = EmptyForm()
    if form.validate_on_submit():
        if not confirmed():
            return confirmation_page(_("Close this stock-take?"), detail=_("No more findings can be recorded after it is closed."),
                                     button=_("Close the stock-take"), cancel_url=url_for("offices.stock_take", take_id=take.id))
        try:
            close_stock_take(take, actor=current_user, now=timeutil.now())
        except RuleViolation:
            db.session.rollback()
            raise  # the error page says why (422)
        else:
            db.session.commit()
            flash(_("The stock-take is closed."), "success")
    return redirect_to(url_for("offices.stock_take", take_id=take.id))
