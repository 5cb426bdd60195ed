from __future__ import annotations

from datetime import date, datetime, time, timedelta
from io import BytesIO

import segno
from flask import Response, abort, current_app, flash, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from wtforms import SelectChoice

from portal import timeutil
from portal.blueprints.rooms import bp, ics, services
from portal.blueprints.rooms.forms import (
    BookingForm,
    CancelForm,
    ClosureForm,
    RejectForm,
    RoomFilterForm,
    RoomPolicyForm,
)
from portal.blueprints.rooms.grid import grid_row
from portal.blueprints.rooms.labels import BOOKED, EQUIPMENT_LABELS, RECURRENCE_LABELS, STATUS_BADGES, STATUS_LABELS
from portal.blueprints.rooms.models import Booking, BookingStatus, Recurrence, RoomClosure, RoomPolicy
from portal.cache import cached, read_tokens
from portal.db import db
from portal.forms import EmptyForm
from portal.htmx import redirect_to, render
from portal.models import Floor, Role, Room, Unit
from portal.security import ADMINS, STAFF, current_path, is_safe_next, roles_required
from portal.spreadsheets import workbook_bytes
from portal.blueprints.workdays.days import day_info

PROPERTY_AND_ADMINS = (Role.PROPERTY, *ADMINS)


@bp.context_processor
def labels():
    return {
        "status_labels": STATUS_LABELS,
        "status_badges": STATUS_BADGES,
        "equipment_labels": EQUIPMENT_LABELS,
        "recurrence_labels": RECURRENCE_LABELS,
        "booked_label": BOOKED,
        "shown_title": shown_title,
        "screen_title": services.screen_title,
        "services_may_see": lambda booking: services.may_see_details(current_user, booking),
        "timedelta": timedelta,
    }


def shown_title(booking: Booking) -> str:
    """The title, or 已预订 for people who may not read it."""
    return booking.title if services.may_see_title(current_user, booking) else str(BOOKED)


# ---------------------------------------------------------------- loading


def load_room(room_id: int) -> Room:
    room = services.get_meeting_room(room_id)
    if room is None:
        abort(404)
    return room


def load_booking(booking_id: int) -> Booking:
    """A booking the current user may see in full (404 / 403 otherwise)."""
    booking = db.session.scalars(
        select(Booking)
        .where(Booking.id == booking_id)
        .options(
            joinedload(Booking.room).joinedload(Room.floor).joinedload(Floor.building),
            joinedload(Booking.unit),
            joinedload(Booking.requester),
            joinedload(Booking.series),
        )
    ).first()
    if booking is None:
        abort(404)
    if not services.may_see_details(current_user, booking):
        abort(403)
    return booking


def requested_day(value: str | None) -> date:
    """``?date=`` or today; nonsense falls back to today."""
    try:
        day = date.fromisoformat(value or "")
    except ValueError:
        return timeutil.today()
    return day if date(2000, 1, 1) <= day <= date(2100, 12, 31) else timeutil.today()


def parse_time(value: str | None) -> time | None:
    try:
        return time.fromisoformat(value or "")
    except ValueError:
        return None


def advance_days() -> int:
    return int(current_app.config["ROOMS_ADVANCE_DAYS"])


def default_grace() -> int:
    return int(current_app.config["ROOMS_DEFAULT_NO_SHOW_GRACE"])


def release_lazily() -> None:
    """Free the slots of no-shows when someone looks (cron does it too)."""
    now = timeutil.now()
    if services.no_shows_due(now, default_grace=default_grace()):
        services.release_no_shows(now, default_grace=default_grace())
        db.session.commit()


# ---------------------------------------------------------------- rooms and availability


@bp.route("/")
def index():
    release_lazily()  # a no-show's slot is free when someone looks for a room
    form = RoomFilterForm(request.args)
    rooms = services.meeting_rooms()
    searched = False
    period = None
    if request.args and form.validate() and form.date.data:
        start = parse_time(form.start.data) or services.OPENING
        end = parse_time(form.end.data) or services.CLOSING
        period = (timeutil.local(form.date.data, start), timeutil.local(form.date.data, end))
        if period[1] <= period[0]:
            form.end.errors = [_("The meeting must end after it starts.")]
            period = None
        else:
            searched = True
            rooms = services.free_rooms(*period, attendees=form.attendees.data, equipment=form.equipment.data or ())
    elif request.args and form.validate():
        wanted = set(form.equipment.data or ())
        rooms = [r for r in rooms if (not form.attendees.data or (r.capacity or 0) >= form.attendees.data) and wanted <= set(r.equipment or ())]
    policies = services.policies_for([r.id for r in rooms], default_grace())
    return render(
        "rooms/index.html",
        "rooms/_room_list.html",
        form=form,
        rooms=rooms,
        policies=policies,
        searched=searched,
        period=period,
    )


def _grid_rows(rooms: list[Room], day: date, now: datetime):
    start_at, end_at = services.day_bounds(day)
    bookings = services.bookings_between(start_at, end_at)
    closures = services.closures_between(start_at, end_at)
    rows = []
    for room in rooms:
        mine = [b for b in bookings if b.room_id == room.id]
        closed = [c for c in closures if c.room_id in (None, room.id)]
        rows.append((room, grid_row(day, mine, closed, now=now)))
    return rows


# What the day grid is drawn from: a change to any of them redraws it.
DAY_GRID_DATA = ("rooms", "building", "calendar")


@bp.route("/day")
def day():
    release_lazily()
    the_day = requested_day(request.args.get("date"))
    now = timeutil.now()
    may_book = current_user.is_authenticated and current_user.has_role(*STAFF)
    tokens = read_tokens(DAY_GRID_DATA)
    start_at, end_at = services.day_bounds(the_day)
    holders = cached(DAY_GRID_DATA, ("day-holders", the_day), lambda: services.holders_between(start_at, end_at),
                     tokens=tokens)
    # Whose titles and details the viewer may read is all that differs between
    # two viewers' grids; past slots are greyed, so the grid changes each half hour.
    readable = tuple(b for b, requester, unit in holders if services.may_see_details_of(current_user, requester, unit))
    key = ("day-grid", the_day, str(get_locale()), may_book, readable, timeutil.floor_to(now, services.SLOT))

    def draw() -> Markup:
        return Markup(render_template(
            "rooms/_day_grid.html",
            day=the_day,
            info=day_info(the_day),
            rows=_grid_rows(services.meeting_rooms(), the_day, now),
            slots=services.day_slots(the_day),
            may_book=may_book,
        ))

    grid = cached(DAY_GRID_DATA, key, draw, tokens=tokens)
    return render("rooms/day.html", grid, day=the_day, may_book=may_book, grid=grid)


@bp.route("/<int:room_id>/week")
def week(room_id: int):
    release_lazily()
    room = load_room(room_id)
    the_day = requested_day(request.args.get("date"))
    monday = the_day - timedelta(days=the_day.weekday())
    now = timeutil.now()
    start_at, _end = services.day_bounds(monday)
    end_at = services.day_bounds(monday + timedelta(days=6))[1]
    bookings = services.bookings_between(start_at, end_at, room_id=room.id)
    closures = services.find_closures(room.id, start_at, end_at)
    rows = [(d, grid_row(d, bookings, closures, now=now)) for d in (monday + timedelta(days=i) for i in range(7))]
    return render(
        "rooms/week.html",
        "rooms/_week_grid.html",
        room=room,
        monday=monday,
        rows=rows,
        slots=services.day_slots(monday),
        may_book=current_user.is_authenticated and current_user.has_role(*STAFF),
    )


# ---------------------------------------------------------------- requests


def _room_choices(rooms: list[Room]) -> list[SelectChoice]:
    return [SelectChoice(r.id, f"{r.label} {r.name}（{r.capacity or '—'}）") for r in rooms]


def _unit_choices() -> list[SelectChoice]:
    units = db.session.scalars(select(Unit).order_by(Unit.sort_order, Unit.name))
    return [SelectChoice(0, "—")] + [SelectChoice(u.id, u.name) for u in units]


def _booking_request(form: BookingForm, room: Room) -> services.BookingRequest:
    return services.BookingRequest(
        room=room,
        day=form.day.data,
        start=time.fromisoformat(form.start.data),
        end=time.fromisoformat(form.end.data),
        title=form.title.data,
        attendees=form.attendees.data,
        unit_id=form.unit_id.data or None,
        contact_name=form.contact_name.data,
        contact_phone=form.contact_phone.data,
        is_public=form.is_public.data,
        tea_count=form.tea_count.data or 0,
        needs_audio=form.needs_audio.data,
        needs_projector=form.needs_projector.data,
        banner_text=form.banner_text.data or "",
        name_cards=form.name_cards.data or "",
        welcome_text=form.welcome_text.data or "",
        notes=form.notes.data or "",
        recurrence=Recurrence(form.repeat.data) if form.repeat.data else None,
        until=form.repeat_until.data,
        count=form.repeat_count.data,
    )


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*STAFF)
def new_booking():
    if request.method == "POST":
        release_lazily()  # before the request is checked against the room's bookings
    rooms = services.meeting_rooms()
    form = BookingForm()
    form.room_id.choices = _room_choices(rooms)
    form.unit_id.choices = _unit_choices()
    if request.method == "GET":
        form.unit_id.data = current_user.unit_id or 0
        form.contact_name.data = current_user.display_name
        form.contact_phone.data = current_user.phone_ext
        if (room_id := request.args.get("room", type=int)) is not None:
            form.room_id.data = room_id
        form.day.data = requested_day(request.args.get("date"))
        if (start := parse_time(request.args.get("start"))) and start.strftime("%H:%M") in {c.value for c in form.start.choices}:
            form.start.data = start.strftime("%H:%M")
            end = parse_time(request.args.get("end")) or (datetime.combine(timeutil.today(), start) + timedelta(hours=1)).time()
            if end.strftime("%H:%M") in {c.value for c in form.end.choices}:
                form.end.data = end.strftime("%H:%M")
        form.title.data = (request.args.get("title") or "")[:100]
        if (attendees := request.args.get("attendees", type=int)) and 0 < attendees <= 1000:
            form.attendees.data = attendees
    outcome = None
    if form.validate_on_submit():
        room = next(r for r in rooms if r.id == form.room_id.data)
        outcome = services.book_room(_booking_request(form, room), current_user, now=timeutil.now(), advance_days=advance_days())
        if outcome.ok:
            db.session.commit()
            first = outcome.bookings[0]
            pending = sum(1 for b in outcome.bookings if b.status is BookingStatus.PENDING)
            if len(outcome.bookings) > 1:
                flash(_("%(count)s meetings booked; %(pending)s wait for approval.", count=len(outcome.bookings), pending=pending), "success")
            elif pending:
                flash(_("Your request was sent to the logistics center for approval."), "success")
            else:
                flash(_("The room is booked."), "success")
            return redirect_to(url_for("rooms.booking", booking_id=first.id))
    status = 422 if request.method == "POST" else 200
    return render("rooms/booking_form.html", "rooms/_booking_form.html", form=form, outcome=outcome, status=status)


@bp.route("/bookings/<int:booking_id>")
@roles_required()
def booking(booking_id: int):
    the_booking = load_booking(booking_id)
    now = timeutil.now()
    series = []
    if the_booking.series_id is not None:
        series = list(
            db.session.scalars(select(Booking).where(Booking.series_id == the_booking.series_id).order_by(Booking.start_at))
        )
    return render(
        "rooms/booking.html",
        booking=the_booking,
        series=series,
        now=now,
        cancel_form=CancelForm(),
        reject_form=RejectForm(),
        action_form=EmptyForm(),
        may_cancel=services.may_cancel(current_user, the_booking) and services.cancellable(the_booking, now=now),
        may_check_in=services.may_check_in(current_user, the_booking) and services.can_check_in(the_booking, now=now),
        may_decide=current_user.has_role(*ADMINS) and the_booking.status is BookingStatus.PENDING,
    )


def _ics_response(body: str, filename: str) -> Response:
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _location(room: Room) -> str:
    return f"{room.label} {room.name}"


@bp.route("/bookings/<int:booking_id>.ics")
@roles_required()
def booking_ics(booking_id: int):
    the_booking = load_booking(booking_id)
    event = ics.event_lines(
        the_booking,
        host=request.host.split(":")[0],
        title=the_booking.title,
        location=_location(the_booking.room),
        description=the_booking.notes,
        url=url_for("rooms.booking", booking_id=the_booking.id, _external=True),
    )
    return _ics_response(ics.calendar([event]), f"booking-{the_booking.id}.ics")


@bp.route("/bookings/<int:booking_id>/cancel", methods=["POST"])
@roles_required()
def cancel(booking_id: int):
    the_booking = load_booking(booking_id)
    if not services.may_cancel(current_user, the_booking):
        abort(403)
    form = CancelForm()
    if form.validate_on_submit():
        try:
            cancelled = services.cancel(the_booking, current_user, now=timeutil.now(), rest_of_series=form.scope.data == "rest")
        except services.RuleError as error:
            flash(str(error.message), "error")
        else:
            db.session.commit()
            flash(_("%(count)s booking(s) cancelled.", count=len(cancelled)), "success")
    else:
        flash(_("The request could not be read; please try again."), "error")
    return redirect_to(url_for("rooms.booking", booking_id=booking_id))


@bp.route("/bookings/<int:booking_id>/check-in", methods=["POST"])
@roles_required()
def check_in(booking_id: int):
    the_booking = db.get_or_404(Booking, booking_id)
    if not services.may_check_in(current_user, the_booking):
        abort(403)
    target = request.form.get("next", "")
    target = target if is_safe_next(target) else url_for("rooms.booking", booking_id=booking_id)
    if EmptyForm().validate_on_submit():
        try:
            services.check_in(the_booking, current_user, now=timeutil.now())
        except services.RuleError as error:
            flash(str(error.message), "error")
        else:
            db.session.commit()
            flash(_("Checked in. The room stays yours."), "success")
    return redirect_to(target)


# ---------------------------------------------------------------- approval


@bp.route("/approvals")
@roles_required(*ADMINS)
def approvals():
    page = db.paginate(services.pending_query(timeutil.now()), per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render("rooms/approvals.html", page=page, action_form=EmptyForm(), reject_form=RejectForm(), now=timeutil.now())


@bp.route("/bookings/<int:booking_id>/approve", methods=["POST"])
@roles_required(*ADMINS)
def approve(booking_id: int):
    the_booking = load_booking(booking_id)
    if EmptyForm().validate_on_submit():
        try:
            services.approve(the_booking, current_user, now=timeutil.now())
        except services.RuleError as error:
            flash(str(error.message), "error")
        else:
            db.session.commit()
            flash(_("Approved: %(title)s.", title=the_booking.title), "success")
    return redirect_to(url_for("rooms.approvals"))


@bp.route("/bookings/<int:booking_id>/reject", methods=["GET", "POST"])
@roles_required(*ADMINS)
def reject(booking_id: int):
    the_booking = load_booking(booking_id)
    form = RejectForm()
    if form.validate_on_submit():
        try:
            services.reject(the_booking, current_user, form.reason.data, now=timeutil.now())
        except services.RuleError as error:
            form.reason.errors = [error.message]
        else:
            db.session.commit()
            flash(_("Rejected: %(title)s.", title=the_booking.title), "success")
            return redirect_to(url_for("rooms.approvals"))
    status = 422 if request.method == "POST" else 200
    return render("rooms/reject.html", booking=the_booking, form=form, status=status)


@bp.route("/mine")
@roles_required(*STAFF)
def mine():
    query = (
        select(Booking)
        .where(Booking.requester_id == current_user.id)
        .options(joinedload(Booking.room).joinedload(Room.floor).joinedload(Floor.building))
        .order_by(Booking.start_at.desc())
    )
    page = db.paginate(query, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render("rooms/mine.html", page=page)


def home_panel_context(user) -> dict | None:
    if not user.has_role(*STAFF):
        return None
    now = timeutil.now()
    upcoming = services.upcoming_for(user, now=now, limit=6)
    decided = list(
        db.session.scalars(
            select(Booking)
            .where(
                Booking.requester_id == user.id,
                Booking.updated_at >= now - timedelta(days=7),
                Booking.status.in_((BookingStatus.REJECTED, BookingStatus.CANCELLED, BookingStatus.RELEASED)),
            )
            .options(joinedload(Booking.room).joinedload(Room.floor).joinedload(Floor.building))
            .order_by(Booking.updated_at.desc())
            .limit(5)
        ).unique()
    )
    decided = [b for b in decided if b not in upcoming]
    pending_count = None
    if user.has_role(*ADMINS):
        pending_count = db.session.scalar(select(db.func.count()).select_from(Booking).where(Booking.status == BookingStatus.PENDING))
    return {
        "upcoming": upcoming,
        "decided": decided,
        "pending_count": pending_count,
        "status_labels": STATUS_LABELS,
        "status_badges": STATUS_BADGES,
    }


# ---------------------------------------------------------------- meeting services


@bp.route("/services")
@roles_required(*PROPERTY_AND_ADMINS)
def services_sheet():
    the_day = requested_day(request.args.get("date"))
    return render("rooms/services.html", "rooms/_services_table.html", day=the_day, bookings=services.service_sheet(the_day))


@bp.route("/services.xlsx")
@roles_required(*PROPERTY_AND_ADMINS)
def services_xlsx():
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    the_day = requested_day(request.args.get("date"))
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = the_day.isoformat()
    headers = [
        _("Time"), _("Meeting room"), _("Meeting"), _("Organizing unit"), _("Attendees"), _("Tea for"), _("Sound system"),
        _("Projector"), _("Banner text"), _("Name cards"), _("Welcome screen text"), _("Contact"), _("Notes"),
    ]
    sheet.append([_("Meeting services for %(day)s", day=the_day.isoformat())])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(headers)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    yes = _("yes")
    for b in services.service_sheet(the_day):
        sheet.append([
            f"{b.start_at:%H:%M}–{b.end_at:%H:%M}",
            f"{b.room.label} {b.room.name}",
            b.title,
            b.unit.name if b.unit else "",
            b.attendees,
            b.tea_count or None,
            yes if b.needs_audio else "",
            yes if b.needs_projector else "",
            b.banner_text,
            "、".join(b.name_card_list),
            b.welcome_text,
            f"{b.contact_name} {b.contact_phone}".strip(),
            b.notes,
        ])
    for column, width in zip("ABCDEFGHIJKLM", (13, 22, 30, 20, 8, 8, 8, 8, 30, 30, 30, 20, 30)):
        sheet.column_dimensions[column].width = width
    for row in sheet.iter_rows(min_row=3):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    response = Response(workbook_bytes(workbook), mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response.headers["Content-Disposition"] = f'attachment; filename="meeting-services-{the_day.isoformat()}.xlsx"'
    return response


# ---------------------------------------------------------------- closures and settings


def _closure_room_choices() -> list[SelectChoice]:
    return [SelectChoice(0, _("All meeting rooms"))] + _room_choices(services.meeting_rooms())


@bp.route("/closures", methods=["GET", "POST"])
@roles_required(*ADMINS)
def closures():
    form = ClosureForm()
    form.room_id.choices = _closure_room_choices()
    now = timeutil.now()
    if request.method == "GET":
        form.start_day.data = form.end_day.data = timeutil.today()
    if form.validate_on_submit():
        room = services.get_meeting_room(form.room_id.data) if form.room_id.data else None
        if form.room_id.data and room is None:
            form.room_id.errors = [_("Choose a meeting room.")]
        else:
            start_at = timeutil.local(form.start_day.data, time.fromisoformat(form.start.data))
            end_at = timeutil.local(form.end_day.data, time.fromisoformat(form.end.data))
            try:
                closure, affected = services.close_rooms(room, start_at, end_at, form.reason.data, current_user, now=now)
            except services.RuleError as error:
                db.session.rollback()
                form.end_day.errors = [error.message]
            else:
                db.session.commit()
                flash(_("Closure saved; %(count)s booking(s) in the period were cancelled.", count=len(affected)), "success")
                return redirect_to(url_for("rooms.closures"))
    query = (
        select(RoomClosure)
        .where(RoomClosure.end_at > now - timedelta(days=30))
        .options(joinedload(RoomClosure.room).joinedload(Room.floor).joinedload(Floor.building))
        .order_by(RoomClosure.start_at.desc())
    )
    page = db.paginate(query, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    status = 422 if request.method == "POST" else 200
    return render("rooms/closures.html", form=form, page=page, delete_form=EmptyForm(), status=status)


@bp.route("/closures/<int:closure_id>/delete", methods=["POST"])
@roles_required(*ADMINS)
def delete_closure(closure_id: int):
    closure = db.get_or_404(RoomClosure, closure_id)
    if EmptyForm().validate_on_submit():
        services.reopen(closure, current_user)
        db.session.commit()
        flash(_("Closure removed; the room can be booked again."), "success")
    return redirect_to(url_for("rooms.closures"))


@bp.route("/settings")
@roles_required(*ADMINS)
def settings():
    rooms = services.meeting_rooms()
    return render("rooms/settings.html", rooms=rooms, policies=services.policies_for([r.id for r in rooms], default_grace()))


@bp.route("/<int:room_id>/settings", methods=["GET", "POST"])
@roles_required(*ADMINS)
def room_settings(room_id: int):
    from portal import audit

    room = load_room(room_id)
    policy = services.policy_for(room, default_grace())
    form = RoomPolicyForm()
    if request.method == "GET":
        form.requires_approval.data = policy.requires_approval
        form.release_no_shows.data = policy.no_show_grace_minutes is not None
        form.no_show_grace_minutes.data = policy.no_show_grace_minutes or default_grace()
    if form.validate_on_submit():
        fields = ("requires_approval", "no_show_grace_minutes")
        before = audit.snapshot(policy, fields)
        if db.session.get(RoomPolicy, room.id) is None:
            db.session.add(policy)
        policy.requires_approval = form.requires_approval.data
        policy.no_show_grace_minutes = (form.no_show_grace_minutes.data or default_grace()) if form.release_no_shows.data else None
        audit.record(current_user, "room_policy.update", policy, object_id=room.id, before=before,
                     after=audit.snapshot(policy, fields), summary=room.label)
        db.session.commit()
        flash(_("Settings of %(room)s saved.", room=room.label), "success")
        return redirect_to(url_for("rooms.settings"))
    status = 422 if request.method == "POST" else 200
    return render("rooms/room_settings.html", room=room, form=form, status=status)


# ---------------------------------------------------------------- door sign, QR codes, feeds


@bp.route("/<int:room_id>/sign")
def sign(room_id: int):
    release_lazily()
    room = load_room(room_id)
    now = timeutil.now()
    end_at = services.day_bounds(now.date())[1]
    today = services.bookings_between(now - timedelta(hours=14), end_at, room_id=room.id)
    current = next((b for b in today if b.start_at <= now < b.end_at), None)
    coming = [b for b in today if b.start_at > now][:3]
    later = None
    if not coming:
        later = next(iter(services.bookings_between(end_at, end_at + timedelta(days=14), room_id=room.id)), None)
    closure = next(iter(services.find_closures(room.id, now, now + timedelta(minutes=1))), None)
    check_in_booking = next(
        (b for b in ([current] if current else []) + coming[:1] if services.can_check_in(b, now=now)), None
    )
    return render(
        "rooms/sign.html",
        "rooms/_sign.html",
        room=room,
        now=now,
        current=current,
        coming=coming,
        later=later,
        closure=closure,
        check_in_booking=check_in_booking,
        may_check_in=check_in_booking is not None and services.may_check_in(current_user, check_in_booking),
        action_form=EmptyForm(),
        sign_path=current_path(),
    )


@bp.route("/<int:room_id>/qr.svg")
def qr_svg(room_id: int):
    room = load_room(room_id)
    code = segno.make(url_for("rooms.sign", room_id=room.id, _external=True), error="m")
    out = BytesIO()
    code.save(out, kind="svg", scale=6, border=2, title=f"{room.label} {room.name}")
    response = Response(out.getvalue(), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


@bp.route("/<int:room_id>/qr")
@roles_required(*ADMINS)
def qr_page(room_id: int):
    room = load_room(room_id)
    return render("rooms/qr.html", room=room, sign_url=url_for("rooms.sign", room_id=room.id, _external=True))


@bp.route("/<int:room_id>/calendar.ics")
def room_feed(room_id: int):
    """A feed for calendar clients; anyone may subscribe, so non-public titles read 已预订."""
    room = load_room(room_id)
    now = timeutil.now()
    bookings = services.bookings_between(now - timedelta(days=30), now + timedelta(days=366), room_id=room.id)
    body = ics.feed(
        bookings,
        host=request.host.split(":")[0],
        name=f"{room.label} {room.name}",
        title_for=lambda b: b.title if services.title_is_public(b) else str(BOOKED),
        location=_location(room),
    )
    return _ics_response(body, f"room-{room.id}.ics")
