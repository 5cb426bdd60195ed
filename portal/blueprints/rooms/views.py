"""Meeting-room pages. A view loads what it acts on (404/403), hands a draft
to a service with the acting user and the moment, commits, flashes and
redirects (303); a refusal (RuleViolation) rolls back and re-renders the form
with the message. Reads come from the services' read models."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from io import BytesIO

import segno
from flask import Response, abort, current_app, flash, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup, escape

from portal import timeutil
from portal.blueprints.rooms import bp, figures, ics, services, tasks
from portal.blueprints.rooms import statistics as stats_service
from portal.blueprints.rooms.grid import CellWords, cells_markup, parse_slot_button
from portal.blueprints.rooms.forms import (
    BookingForm,
    BookNowForm,
    CancelForm,
    ChangeForm,
    ClosureForm,
    DecisionForm,
    RejectForm,
    RoomFilterForm,
    PrintedForm,
    RoomPolicyForm,
    StatisticsForm,
    TaskForm,
    parse_time,
)
from portal.blueprints.rooms.models import BOOKED, ArrangementItem, Booking, BookingStatus
from portal.cache import cached, kept_page, read_tokens
from portal.confirm import confirmation_page, confirmed
from portal.db import db
from portal.forms import EmptyForm, form_status
from portal.htmx import redirect_to, render
from portal.labels import label
from portal.models import Equipment, Room
from portal.requestargs import arg_date, arg_int, paginate
from portal.rules import BadArgument, RuleViolation
from portal.security import ADMINS, STAFF, is_safe_next, roles_required
from portal.spreadsheets import ExportWorkbook, percent, quantity, workbook_bytes
from portal.urls import UID_DOMAIN, external_url


@dataclass(frozen=True)
class Viewer:
    """What the current user may read of a booking (templates ask it)."""

    user: object

    def may_see(self, booking: Booking) -> bool:
        return services.may_see_details(self.user, booking)

    def title(self, booking: Booking) -> str:
        """The title, or 已预订 for people who may not read it."""
        return booking.title if services.may_see_title(self.user, booking) else str(BOOKED)


def viewer() -> Viewer:
    return Viewer(current_user)


# ---------------------------------------------------------------- loading


def load_room(room_id: int) -> Room:
    room = services.get_meeting_room(room_id)
    if room is None:
        abort(404)
    return room


def load_booking(booking_id: int) -> Booking:
    """A booking the current user may see in full (404 / 403 otherwise)."""
    booking = services.get_booking(booking_id)
    if booking is None:
        abort(404)
    if not services.may_see_details(current_user, booking):
        abort(403)
    return booking


def requested_day():
    """``?date=`` or today; a date that is none (or out of range) is a 400 with a message."""
    return arg_date("date", timeutil.today())


def advance_days() -> int:
    return int(current_app.config["ROOMS_ADVANCE_DAYS"])


def default_grace() -> int:
    return int(current_app.config["ROOMS_DEFAULT_NO_SHOW_GRACE"])


# ---------------------------------------------------------------- rooms and availability


@bp.route("/")
def index():
    form = RoomFilterForm(request.args)
    search = None
    if request.args and form.validate():
        try:
            search = services.search_rooms(
                form.date.data, parse_time(form.start.data), parse_time(form.end.data),
                attendees=form.attendees.data, equipment=form.equipment.data or (),
                now=timeutil.now(), default_grace=default_grace(),
            )
        except RuleViolation as error:
            error.show_on(form)
    if search is None:
        search = services.search_rooms(None, None, None, attendees=None, equipment=(), now=timeutil.now(),
                                       default_grace=default_grace())
    return render(
        "rooms/index.html",
        "rooms/_room_list.html",
        form=form,
        rooms=search.rooms,
        policies=search.policies,
        searched=search.searched,
        period=search.period,
        arranges=current_user.is_authenticated and current_user.has_role(*services.ARRANGERS),
        Equipment=Equipment,
    )


# What the day grid and the week view are drawn from: a change to any of them redraws them.
DAY_GRID_DATA = ("rooms", "building", "calendar")


def _readable(data: services.GridData) -> frozenset[int]:
    """The bookings whose titles and details the current user may read."""
    return frozenset(b.id for b in data.bookings if services.may_see_details_of(current_user, b.requester_id, b.unit_id))


def _cell_words(data: services.GridData) -> CellWords:
    """What the grid's cells say besides their bookings, for this reader in this language."""
    return CellWords(_readable(data), escape(BOOKED), escape(_("Closed")), escape(label(BookingStatus.PENDING)),
                     tuple(url_for("rooms.booking", booking_id=2147483647).split("2147483647", 1)))


def _grid_key(data: services.GridData, now: datetime, may_book: bool) -> tuple:
    """Whose titles and details the viewer may read is all that differs between
    two viewers' grids; past slots are greyed, so a grid changes each half hour;
    a due no-show reads as released before the cron job writes it."""
    return (str(get_locale()), may_book, tuple(sorted(_readable(data))), tuple(sorted(data.released(now))),
            timeutil.floor_to(now, services.SLOT))


@bp.route("/day")
@kept_page(DAY_GRID_DATA, signed_in=True)
def day():
    the_day = requested_day()
    now = timeutil.now()
    grace = default_grace()
    may_book = current_user.is_authenticated and current_user.has_role(*STAFF)
    tokens = read_tokens(DAY_GRID_DATA)
    data = cached(DAY_GRID_DATA, ("day-data", the_day, grace), lambda: services.day_grid_data(the_day, default_grace=grace),
                  tokens=tokens)
    key = ("day-grid", the_day, *_grid_key(data, now, may_book))

    def draw() -> Markup:
        return Markup(render_template("rooms/_day_grid.html", grid=services.day_grid(the_day, data, now=now),
                                      may_book=may_book, cells=cells_markup, words=_cell_words(data)))

    grid = cached(DAY_GRID_DATA, key, draw, tokens=tokens)
    return render("rooms/day.html", grid, day=the_day, may_book=may_book, grid=grid)


@bp.route("/<int:room_id>/week")
@kept_page(DAY_GRID_DATA, signed_in=True)
def week(room_id: int):
    room = services.grid_room(room_id)  # kept as a fact: the week asks for no room of its own
    if room is None:
        abort(404)
    monday = services.week_monday(requested_day())
    now = timeutil.now()
    grace = default_grace()
    may_book = current_user.is_authenticated and current_user.has_role(*STAFF)
    tokens = read_tokens(DAY_GRID_DATA)
    data = cached(DAY_GRID_DATA, ("week-data", room.id, monday, grace),
                  lambda: services.week_grid_data(room.id, monday, default_grace=grace), tokens=tokens)
    key = ("week-grid", room.id, monday, *_grid_key(data, now, may_book))

    def draw() -> Markup:
        return Markup(render_template("rooms/_week_grid.html", room=room, week=services.week_view(room, data, now=now),
                                      may_book=may_book, cells=cells_markup, words=_cell_words(data)))

    grid = cached(DAY_GRID_DATA, key, draw, tokens=tokens)
    return render("rooms/week.html", grid, room=room, monday=monday, may_book=may_book, grid=grid)


# ---------------------------------------------------------------- requests


def _prefill(form: BookingForm) -> None:
    """The request form as the grid or a suggestion links to it (``?room=&date=&start=…``)."""
    form.unit_id.data = current_user.unit_id or 0
    form.contact_name.data = current_user.display_name
    form.contact_phone.data = current_user.phone_ext
    if (room_id := arg_int("room")) is not None:
        form.room_id.data = room_id
    form.day.data = requested_day()
    start_arg = request.args.get("start")
    for name in request.args:  # the day grid's "+" button that was pressed, if any
        if (chosen := parse_slot_button(name)) is not None:
            room_id, slot = chosen
            if slot < len(times := services.slot_times()) - 1:
                form.room_id.data = room_id
                start_arg = times[slot].strftime("%H:%M")
            break
    if (start := parse_time(start_arg)) and start.strftime("%H:%M") in {c.value for c in form.start.choices}:
        form.start.data = start.strftime("%H:%M")
        end = parse_time(request.args.get("end")) or (datetime.combine(timeutil.today(), start) + timedelta(hours=1)).time()
        if end.strftime("%H:%M") in {c.value for c in form.end.choices}:
            form.end.data = end.strftime("%H:%M")
    form.title.data = (request.args.get("title") or "")[:100]
    if attendees := arg_int("attendees", minimum=0, maximum=1000):
        form.attendees.data = attendees


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*STAFF)
def new_booking():
    rooms = services.meeting_rooms()
    form = BookingForm(rooms=rooms, units=services.organizer_units(current_user),
                       any_unit=services.may_organize_for_any_unit(current_user))
    if request.method == "GET":
        _prefill(form)
    outcome, plan = None, None
    valid = form.validate_on_submit()
    if valid and form.check_dates.data:
        # Plan the series: every date with its status, nothing saved; the ticked ones are booked next.
        room = next(r for r in rooms if r.id == form.room_id.data)
        outcome, plan = services.plan_series(form.to_draft(room), now=timeutil.now(), advance_days=advance_days())
        db.session.rollback()
        if plan:
            form.planned.data = "1"
            form.dates.data = [p.occurrence.day.isoformat() for p in plan if p.proposed]
            return render("rooms/booking_form.html", "rooms/_booking_form.html", form=form, outcome=None, plan=plan,
                          viewer=viewer())
    elif valid:
        room = next(r for r in rooms if r.id == form.room_id.data)
        try:
            outcome = services.book_room(form.to_draft(room), actor=current_user, now=timeutil.now(),
                                         advance_days=advance_days(), default_grace=default_grace())
        except RuleViolation as error:
            db.session.rollback()
            error.show_on(form)
        else:
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
            db.session.commit()  # no-shows released on the way stay released
    return render("rooms/booking_form.html", "rooms/_booking_form.html", form=form, outcome=outcome, plan=plan,
                  viewer=viewer(), status=form_status(form))


@bp.route("/bookings/<int:booking_id>")
@roles_required()
def booking(booking_id: int):
    the_booking = load_booking(booking_id)
    if the_booking.change_of_id is not None:  # a proposed change is shown on its booking's page
        return redirect_to(url_for("rooms.booking", booking_id=the_booking.change_of_id))
    now = timeutil.now()
    return render(
        "rooms/booking.html",
        booking=the_booking,
        series=services.series_of(the_booking),
        now=now,
        cancel_form=CancelForm(),
        reject_form=RejectForm(),
        action_form=EmptyForm(),
        may_cancel=services.may_cancel(current_user, the_booking) and services.cancellable(the_booking, now=now),
        may_check_in=services.may_check_in(current_user, the_booking) and services.can_check_in(the_booking, now=now),
        may_end=services.may_check_in(current_user, the_booking) and services.can_end_early(the_booking, now=now),
        may_change=services.may_change(current_user, the_booking, now=now),
        may_decide=current_user.has_role(*ADMINS) and the_booking.status is BookingStatus.PENDING,
        may_decide_change=current_user.has_role(*ADMINS) and the_booking.pending_change is not None,
        may_withdraw_change=services.may_cancel(current_user, the_booking) and the_booking.pending_change is not None,
        series_pending=(len(services.pending_in_series(the_booking, now=now))
                        if the_booking.series_id and current_user.has_role(*ADMINS) else 0),
        decision_form=DecisionForm(),
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
        uid_domain=UID_DOMAIN,
        title=the_booking.title,
        location=_location(the_booking.room),
        description=the_booking.notes,
        url=external_url("rooms.booking", booking_id=the_booking.id),
    )
    return _ics_response(ics.calendar([event]), f"booking-{the_booking.id}.ics")


@bp.route("/bookings/<int:booking_id>/series.ics")
@roles_required()
def series_ics(booking_id: int):
    """The booking's series as one recurring event (its moved meetings as events of their own)."""
    the_booking = load_booking(booking_id)
    plan = services.series_calendar(the_booking.series) if the_booking.series is not None else None
    if plan is None:
        abort(404)
    url = external_url("rooms.booking", booking_id=the_booking.id)
    events = [ics.series_lines(plan, uid_domain=UID_DOMAIN, title=the_booking.title, location=_location(plan.room),
                               url=url)]
    events += [ics.event_lines(b, uid_domain=UID_DOMAIN, title=b.title, location=_location(b.room),
                               url=external_url("rooms.booking", booking_id=b.id)) for b in plan.others]
    return _ics_response(ics.calendar(events), f"series-{plan.series.id}.ics")


@bp.route("/bookings/<int:booking_id>/cancel", methods=["POST"])
@roles_required()
def cancel(booking_id: int):
    the_booking = load_booking(booking_id)
    if not services.may_cancel(current_user, the_booking):
        abort(403)
    form = CancelForm()
    back = url_for("rooms.booking", booking_id=booking_id)
    if not form.validate_on_submit():
        flash(_("The request could not be read; please try again."), "error")
        return redirect_to(back)
    whole_rest = form.scope.data == "rest" and the_booking.series_id is not None
    if whole_rest and not confirmed():
        later = services.later_in_series(the_booking)
        return confirmation_page(
            _("Cancel %(count)s meetings of this series?", count=len(later)),
            detail=_("This and every later meeting of the series (from %(day)s) will be cancelled; the rooms become free.",
                     day=the_booking.start_at.astimezone(timeutil.LOCAL_TZ).date().isoformat()),
            button=_("Cancel the meetings"),
            cancel_url=back,
        )
    try:
        cancelled = services.cancel(the_booking, actor=current_user, now=timeutil.now(), rest_of_series=whole_rest)
    except RuleViolation as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("%(count)s booking(s) cancelled.", count=len(cancelled)), "success")
    return redirect_to(back)


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
            services.check_in(the_booking, actor=current_user, now=timeutil.now())
        except RuleViolation as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("Checked in. The room stays yours."), "success")
    return redirect_to(target)


@bp.route("/bookings/<int:booking_id>/change", methods=["GET", "POST"])
@roles_required()
def change(booking_id: int):
    """Move, extend, shorten a booking or change its attendees and arrangements."""
    the_booking = load_booking(booking_id)
    now = timeutil.now()
    if not services.may_cancel(current_user, the_booking):
        abort(403)
    back = url_for("rooms.booking", booking_id=booking_id)
    if the_booking.pending_change is not None:
        flash(_("A change of this booking waits for approval; withdraw it before changing the booking again."), "error")
        return redirect_to(back)
    if not services.may_change(current_user, the_booking, now=now):
        flash(_("This booking can no longer be changed."), "error")
        return redirect_to(back)
    rooms = services.meeting_rooms()
    form = ChangeForm(rooms=rooms)
    if request.method == "GET":
        start_at, end_at = the_booking.start_at.astimezone(timeutil.LOCAL_TZ), the_booking.end_at.astimezone(timeutil.LOCAL_TZ)
        form.fill(the_booking, start_at.date(), start_at.time(), end_at.time())
    outcome = None
    if form.validate_on_submit():
        room = next(r for r in rooms if r.id == form.room_id.data)
        try:
            outcome = services.change_booking(the_booking, form.to_change(room), actor=current_user, now=now,
                                              advance_days=advance_days(), default_grace=default_grace())
        except RuleViolation as error:
            db.session.rollback()
            error.show_on(form)
        else:
            if outcome.ok:
                db.session.commit()
                if outcome.proposed is not None:
                    flash(_("The change needs approval; the booking keeps its time until the logistics center "
                            "decides."), "success")
                elif the_booking.status is BookingStatus.PENDING:
                    flash(_("Booking changed; it waits for approval."), "success")
                else:
                    flash(_("Booking changed."), "success")
                return redirect_to(back)
            db.session.rollback()
    return render("rooms/change.html", booking=the_booking, form=form, outcome=outcome, viewer=viewer(),
                  status=form_status(form) if outcome is None or outcome.ok else 422)


@bp.route("/bookings/<int:booking_id>/change/withdraw", methods=["POST"])
@roles_required()
def withdraw_change(booking_id: int):
    """Take back a change that waits for approval; the booking stays as it is."""
    the_booking = load_booking(booking_id)
    if not services.may_cancel(current_user, the_booking):
        abort(403)
    if EmptyForm().validate_on_submit():
        try:
            services.withdraw_change(the_booking, actor=current_user, now=timeutil.now())
        except RuleViolation as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("Change withdrawn; the booking stays as it was."), "success")
    return redirect_to(url_for("rooms.booking", booking_id=booking_id))


@bp.route("/bookings/<int:booking_id>/end", methods=["POST"])
@roles_required()
def end_early(booking_id: int):
    """End a meeting under way now (from the booking page or the door sign); asks first."""
    the_booking = db.get_or_404(Booking, booking_id)
    if not services.may_check_in(current_user, the_booking):
        abort(403)
    target = request.form.get("next", "")
    target = target if is_safe_next(target) else url_for("rooms.booking", booking_id=booking_id)
    if not EmptyForm().validate_on_submit():
        flash(_("The request could not be read; please try again."), "error")
        return redirect_to(target)
    if not confirmed():
        return confirmation_page(
            _("End this meeting now?"),
            detail=_("The room becomes free for others from now on; this cannot be undone."),
            button=_("End the meeting"),
            cancel_url=target,
        )
    try:
        services.end_early(the_booking, actor=current_user, now=timeutil.now())
    except RuleViolation as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("Meeting ended; the room is free."), "success")
    return redirect_to(target)


# ---------------------------------------------------------------- approval


@bp.route("/approvals")
@roles_required(*ADMINS)
def approvals():
    now = timeutil.now()
    page = paginate(services.pending_query(now))
    return render("rooms/approvals.html", page=page, action_form=EmptyForm(), reject_form=RejectForm(),
                  decision_form=DecisionForm(), now=now)


def _report(decisions: services.Decisions) -> None:
    """Flash what one decision on several requests did, and each refusal with its reason."""
    if decisions.done:
        message = (_("%(count)s request(s) approved.", count=len(decisions.done)) if decisions.approve
                   else _("%(count)s request(s) rejected.", count=len(decisions.done)))
        flash(message, "success")
    if decisions.first_approved:
        flash(_("%(count)s request(s) have their first approval and wait for a second one by someone else.",
                count=len(decisions.first_approved)), "success")
    for booking, why in decisions.refused:
        flash(_("Not decided: %(room)s, %(when)s: %(why)s", room=booking.room.label,
                when=booking.start_at.astimezone(timeutil.LOCAL_TZ).strftime("%Y-%m-%d %H:%M"), why=why), "error")


def _decide(form: DecisionForm, bookings: list[Booking]):
    """Hand one decision on ``bookings`` to the service; commit what it did."""
    if not bookings:
        flash(_("Choose at least one request."), "error")
        return None
    try:
        decisions = services.decide_many(bookings, approve=form.approves, reason=form.reason.data or "",
                                         actor=current_user, now=timeutil.now())
    except RuleViolation as error:  # a rejection without a reason: nothing is done
        db.session.rollback()
        flash(str(error), "error")
        return None
    db.session.commit()
    _report(decisions)
    return decisions


@bp.route("/approvals/decide", methods=["POST"])
@roles_required(*ADMINS)
def decide_many():
    """The approval queue's checkboxes: approve or reject the ticked requests in one go (JS off)."""
    form = DecisionForm()
    if not form.validate_on_submit():
        flash(_("The request could not be read; please try again."), "error")
    else:
        _decide(form, services.pending_by_ids(form.booking_ids.data or ()))
    return redirect_to(url_for("rooms.approvals"))


@bp.route("/bookings/<int:booking_id>/series-decision", methods=["POST"])
@roles_required(*ADMINS)
def decide_series(booking_id: int):
    """Approve or reject every waiting request of the booking's series."""
    the_booking = load_booking(booking_id)
    form = DecisionForm()
    back = url_for("rooms.booking", booking_id=booking_id)
    if not form.validate_on_submit():
        flash(_("The request could not be read; please try again."), "error")
    else:
        _decide(form, services.pending_in_series(the_booking, now=timeutil.now()))
    return redirect_to(back)


@bp.route("/bookings/<int:booking_id>/approve", methods=["POST"])
@roles_required(*ADMINS)
def approve(booking_id: int):
    the_booking = load_booking(booking_id)
    title = the_booking.title  # an approved change is gone after the commit
    if EmptyForm().validate_on_submit():
        try:
            approved = services.approve(the_booking, actor=current_user, now=timeutil.now())
        except RuleViolation as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            if approved:
                flash(_("Approved: %(title)s.", title=title), "success")
            else:
                flash(_("First approval given: %(title)s. A second approval by someone else is needed.",
                        title=title), "success")
    return redirect_to(url_for("rooms.approvals"))


@bp.route("/bookings/<int:booking_id>/reject", methods=["GET", "POST"])
@roles_required(*ADMINS)
def reject(booking_id: int):
    the_booking = load_booking(booking_id)
    title = the_booking.title  # a rejected change is gone after the commit
    form = RejectForm()
    if form.validate_on_submit():
        try:
            services.reject(the_booking, form.reason.data, actor=current_user, now=timeutil.now())
        except RuleViolation as error:
            db.session.rollback()
            error.show_on(form)
        else:
            db.session.commit()
            flash(_("Rejected: %(title)s.", title=title), "success")
            return redirect_to(url_for("rooms.approvals"))
    return render("rooms/reject.html", booking=the_booking, form=form, status=form_status(form))


@bp.route("/mine")
@roles_required(*STAFF)
def mine():
    feed = services.calendar_feed_of(current_user)
    return render("rooms/mine.html", page=paginate(services.bookings_of_query(current_user)), action_form=EmptyForm(),
                  feed_url=external_url("rooms.personal_feed", token=feed.token) if feed else None)


@bp.route("/mine/feed", methods=["POST"])
@roles_required(*STAFF)
def renew_feed():
    """Create the user's calendar feed link, or replace it (the old one stops working)."""
    if EmptyForm().validate_on_submit():
        had_one = services.calendar_feed_of(current_user) is not None
        services.renew_calendar_feed(current_user, actor=current_user, now=timeutil.now())
        db.session.commit()
        flash(_("New calendar link made; the old one no longer works.") if had_one
              else _("Your calendar link is ready; add it to your calendar app."), "success")
    else:
        flash(_("The request could not be read; please try again."), "error")
    return redirect_to(url_for("rooms.mine") + "#calendar-feed")


@bp.route("/feeds/<token>.ics")
def personal_feed(token: str):
    """A person's meetings for their calendar app: the secret link is the only key (no login, no cookie)."""
    user = services.feed_owner(token)
    if user is None:
        abort(404)
    body = ics.feed(
        services.feed_bookings(user, now=timeutil.now()),
        uid_domain=UID_DOMAIN,
        name=_("Meetings of %(name)s", name=user.display_name),
        title_for=lambda b: b.title,
        location_for=lambda b: _location(b.room),
    )
    response = _ics_response(body, "my-meetings.ics")
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


# ---------------------------------------------------------------- meeting arrangements (the property company's sheet)


@bp.route("/services")  # the public URL stays /rooms/services
@roles_required(*services.ARRANGERS)
def arrangements():
    the_day = requested_day()
    return render("rooms/arrangements.html", "rooms/_arrangements_table.html", day=the_day,
                  bookings=services.arrangements_sheet(the_day))


@bp.route("/services.xlsx")
@roles_required(*services.ARRANGERS)
def arrangements_xlsx():
    the_day = requested_day()
    workbook = ExportWorkbook()
    headers = [
        _("Time"), _("Meeting room"), _("Meeting"), _("Organizing unit"), _("Attendees"), _("Tea for"), _("Sound system"),
        _("Projector"), _("Banner text"), _("Name cards"), _("Welcome screen text"), _("Contact"), _("Notes"),
    ]
    sheet = workbook.sheet(
        the_day.isoformat(), headers, caption=_("Meeting services for %(day)s", day=the_day.isoformat()), wrap=True
    )
    yes = _("yes")
    for b in services.arrangements_sheet(the_day):
        sheet.row([
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
    response = Response(workbook_bytes(workbook), mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response.headers["Content-Disposition"] = f'attachment; filename="meeting-services-{the_day.isoformat()}.xlsx"'
    return response


@bp.route("/services/tasks")
@roles_required(*services.ARRANGERS)
def tasks_page():
    """The property company's task list: every item of the day's meeting services with its state and assignee."""
    the_day = requested_day()
    mine = request.args.get("mine") == "1"
    task_list = tasks.task_list(the_day, assignee=current_user if mine else None)
    forms = {}
    for meeting in task_list.meetings:
        for line in meeting.lines:
            form = TaskForm(formdata=None, staff=task_list.staff, prefix=f"t{meeting.booking.id}-{line.item.value}")
            form.state.data = line.state.value
            form.assignee_id.data = line.assignee.id if line.assignee else 0
            forms[(meeting.booking.id, line.item)] = form
    printed_form = PrintedForm(formdata=None, data={"day": the_day})
    return render("rooms/tasks.html", tasks=task_list, forms=forms, mine=mine, printed_form=printed_form)


def _task_back(booking: Booking) -> str:
    mine = "1" if request.form.get("mine") == "1" else None
    return url_for("rooms.tasks_page", date=_day_of(booking).isoformat(), mine=mine)


def _day_of(booking: Booking):
    return booking.start_at.astimezone(timeutil.LOCAL_TZ).date()


@bp.route("/services/tasks/<int:booking_id>/<item>", methods=["POST"])
@roles_required(*services.ARRANGERS)
def update_task(booking_id: int, item: str):
    """Set one item's state and assignee (one small form per item; JS off)."""
    the_booking = services.get_booking(booking_id)
    if the_booking is None:
        abort(404)
    try:
        the_item = ArrangementItem(item)
    except ValueError:
        abort(404)
    form = TaskForm(staff=tasks.property_staff(), prefix=f"t{the_booking.id}-{the_item.value}")
    back = _task_back(the_booking)
    if not form.validate_on_submit():
        flash(_("The request could not be read; please try again."), "error")
        return redirect_to(back)
    try:
        tasks.update_task(the_booking, the_item, form.to_update(), actor=current_user, now=timeutil.now())
    except RuleViolation as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return redirect_to(back)
    db.session.commit()
    flash(_("%(item)s: %(state)s.", item=the_item.label, state=form.to_update().state.label), "success")
    return redirect_to(back + f"#task-{the_booking.id}")


@bp.route("/services/printed", methods=["POST"])
@roles_required(*services.ARRANGERS)
def mark_printed():
    """The day's sheet was printed: meetings booked or changed after this get the change mark."""
    form = PrintedForm()
    if not form.validate_on_submit():
        flash(_("The request could not be read; please try again."), "error")
        return redirect_to(url_for("rooms.tasks_page"))
    tasks.mark_printed(form.day.data, actor=current_user, now=timeutil.now())
    db.session.commit()
    flash(_("Noted: the sheet for %(day)s is printed.", day=form.day.data.isoformat()), "success")
    return redirect_to(url_for("rooms.tasks_page", date=form.day.data.isoformat()))


# ---------------------------------------------------------------- statistics (the logistics center)


STATISTICS_DAYS = 30  # the default period: the last 30 days


def _statistics_period() -> tuple[StatisticsForm, object | None, int]:
    """The form, the statistics of its period (None when it cannot be read) and the status."""
    today = timeutil.today()
    if request.args:
        form = StatisticsForm(formdata=request.args)
        if not form.validate():
            return form, None, 400
    else:
        form = StatisticsForm(formdata=None, data={"start": today - timedelta(days=STATISTICS_DAYS - 1), "end": today})
    try:
        return form, stats_service.room_statistics(form.start.data, form.end.data, now=timeutil.now()), 200
    except RuleViolation as error:
        error.show_on(form)
        return form, None, 400


@bp.route("/statistics")
@roles_required(*ADMINS)
def statistics():
    """Use of the rooms per room and per organizing unit over a period (booked and used hours, no-shows, peaks)."""
    form, stats, status = _statistics_period()
    room_chart = figures.room_bars(stats) if stats else None
    return render("rooms/statistics.html", form=form, stats=stats, room_chart=room_chart, status=status)


def _rate(value):
    return percent(value, per_cent=False)


@bp.route("/statistics.xlsx")
@roles_required(*ADMINS)
def statistics_xlsx():
    form, stats, _status = _statistics_period()
    if stats is None:
        errors = [*form.form_errors, *(e for f in form for e in f.errors)]
        raise BadArgument(errors[0] if errors else _("Choose a period."))
    period = f"{stats.start.isoformat()} – {stats.end.isoformat()}"
    headers = [_("Booked hours"), _("Used hours"), _("Used share"), _("Meetings"), _("No-shows"), _("No-show rate"),
               _("Cancellations")]

    def figures(use):
        return [quantity(use.booked_hours), quantity(use.used_hours), _rate(use.used_share), use.meetings, use.no_shows,
                _rate(use.no_show_rate), use.cancellations]

    workbook = ExportWorkbook()
    rooms = workbook.sheet(_("By room"), [_("Meeting room"), _("Room number"), *headers],
                           caption=_("Meeting-room use %(period)s", period=period))
    for use in stats.rooms:
        rooms.row([use.name, use.detail, *figures(use)])
    rooms.row([_("Total"), "", *figures(stats.total)], bold=True)
    units = workbook.sheet(_("By organizing unit"), [_("Organizing unit"), *headers], caption=_("Meeting-room use %(period)s", period=period))
    for use in stats.units:
        units.row([use.name or _("No unit given"), *figures(use)])
    hours = workbook.sheet(_("Peak hours"), [_("Hour"), _("Booked hours"), _("Meetings")],
                           caption=_("Booked hours by hour of the day %(period)s", period=period))
    for load in stats.hours:
        hours.row([load.label, quantity(load.booked_hours), load.meetings])
    response = Response(workbook_bytes(workbook), mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    name = f"meeting-rooms-{stats.start:%Y%m%d}-{stats.end:%Y%m%d}.xlsx"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# ---------------------------------------------------------------- closures and settings


@bp.route("/closures", methods=["GET", "POST"])
@roles_required(*ADMINS)
def closures():
    form = ClosureForm(rooms=services.meeting_rooms(), all_rooms_label=_("All meeting rooms"))
    now = timeutil.now()
    if request.method == "GET":
        form.start_day.data = form.end_day.data = timeutil.today()
    if form.validate_on_submit():
        room = services.get_meeting_room(form.room_id.data) if form.room_id.data else None
        if form.room_id.data and room is None:
            form.room_id.errors = [_("Choose a meeting room.")]
        else:
            try:
                _closure, affected = services.close_rooms(room, *form.period(), form.reason.data, actor=current_user, now=now)
            except RuleViolation as error:
                db.session.rollback()
                error.show_on(form)
            else:
                db.session.commit()
                flash(_("Closure saved; %(count)s booking(s) in the period were cancelled.", count=len(affected)), "success")
                return redirect_to(url_for("rooms.closures"))
    page = paginate(services.recent_closures_query(now))
    return render("rooms/closures.html", form=form, page=page, delete_form=EmptyForm(), status=form_status(form))


@bp.route("/closures/<int:closure_id>/delete", methods=["POST"])
@roles_required(*ADMINS)
def delete_closure(closure_id: int):
    closure = services.get_closure(closure_id)
    if closure is None:
        abort(404)
    back = url_for("rooms.closures")
    if not EmptyForm().validate_on_submit():
        flash(_("The request could not be read; please try again."), "error")
        return redirect_to(back)
    if not confirmed():
        where = closure.room.name if closure.room else _("All meeting rooms")
        return confirmation_page(
            _("Reopen %(room)s?", room=where),
            detail=_("The closure (%(reason)s) is removed and the room can be booked again. Bookings it cancelled stay cancelled.",
                     reason=closure.reason),
            button=_("Reopen"),
            cancel_url=back,
        )
    services.reopen(closure, actor=current_user, now=timeutil.now())
    db.session.commit()
    flash(_("Closure removed; the room can be booked again."), "success")
    return redirect_to(back)


@bp.route("/settings")
@roles_required(*ADMINS)
def settings():
    rooms = services.meeting_rooms()
    return render("rooms/settings.html", rooms=rooms, policies=services.policies_for([r.id for r in rooms], default_grace()))


@bp.route("/<int:room_id>/settings", methods=["GET", "POST"])
@roles_required(*ADMINS)
def room_settings(room_id: int):
    room = load_room(room_id)
    form = RoomPolicyForm()
    form.allowed_roles.choices = [(r.value, r.label) for r in services.REQUESTER_ROLES]
    form.allowed_unit_ids.choices = [(u.id, u.name) for u in services.organizer_units(current_user)]
    if request.method == "GET":
        policy = services.policy_for(room, default_grace())
        form.allowed_roles.data = list(policy.allowed_roles or ())
        form.allowed_unit_ids.data = list(policy.allowed_unit_ids or ())
        form.second_approval.data = policy.second_approval
        form.reason_required.data = policy.reason_required
        form.requires_approval.data = policy.requires_approval
        form.release_no_shows.data = policy.no_show_grace_minutes is not None
        form.no_show_grace_minutes.data = policy.no_show_grace_minutes or default_grace()
    if form.validate_on_submit():
        grace = (form.no_show_grace_minutes.data or default_grace()) if form.release_no_shows.data else None
        services.save_policy(room, requires_approval=form.requires_approval.data, grace_minutes=grace,
                             actor=current_user, now=timeutil.now(), default_grace=default_grace(),
                             allowed_roles=form.allowed_roles.data or [], allowed_unit_ids=form.allowed_unit_ids.data or [],
                             second_approval=form.second_approval.data, reason_required=form.reason_required.data)
        db.session.commit()
        flash(_("Settings of %(room)s saved.", room=room.label), "success")
        return redirect_to(url_for("rooms.settings"))
    return render("rooms/room_settings.html", room=room, form=form, status=form_status(form))


# ---------------------------------------------------------------- door sign, QR codes, feeds


@bp.route("/<int:room_id>/sign")
def sign(room_id: int):
    room = load_room(room_id)
    sign = services.door_sign(room, now=timeutil.now(), default_grace=default_grace())
    return render(
        "rooms/sign.html",
        "rooms/_sign.html",
        sign=sign,
        room=room,
        may_check_in=sign.check_in_booking is not None and services.may_check_in(current_user, sign.check_in_booking),
        may_end=(sign.current is not None and services.can_end_early(sign.current, now=sign.now)
                 and services.may_check_in(current_user, sign.current)),
        action_form=EmptyForm(),
        book_now_form=BookNowForm(options=sign.book_now) if sign.book_now and _may_book() else None,
    )


def _may_book() -> bool:
    return current_user.is_authenticated and current_user.has_role(*STAFF)


@bp.route("/<int:room_id>/book-now", methods=["POST"])
@roles_required(*STAFF)
def book_now(room_id: int):
    """Book the free room at its door sign for the next 30 or 60 minutes (checked in at once)."""
    room = load_room(room_id)
    back = url_for("rooms.sign", room_id=room.id)
    form = BookNowForm(options=services.BOOK_NOW_MINUTES)
    if not form.validate_on_submit():
        errors = [e for f in form for e in f.errors]
        flash(errors[0] if errors else _("The request could not be read; please try again."), "error")
        return redirect_to(back)
    try:
        outcome = services.book_now(room, form.minutes.data, title=form.title.data or "", attendees=form.attendees.data,
                                    actor=current_user, now=timeutil.now(), default_grace=default_grace())
    except RuleViolation as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return redirect_to(back)
    if not outcome.ok:
        db.session.rollback()
        problems = [*outcome.problems, *(p for o in outcome.occurrences for p in o.problems)]
        if any(o.conflicts or o.closures for o in outcome.occurrences):
            problems.append(_("The room is no longer free for that long."))
        flash(str(problems[0]) if problems else _("The room is no longer free for that long."), "error")
        return redirect_to(back)
    db.session.commit()
    booking = outcome.bookings[0]
    flash(_("Booked and checked in until %(time)s.", time=booking.end_at.astimezone(timeutil.LOCAL_TZ).strftime("%H:%M")),
          "success")
    return redirect_to(back)


@bp.route("/<int:room_id>/qr.svg")
def qr_svg(room_id: int):
    room = load_room(room_id)
    code = segno.make(external_url("rooms.sign", room_id=room.id), error="m")
    out = BytesIO()
    code.save(out, kind="svg", scale=6, border=2, title=f"{room.label} {room.name}")
    response = Response(out.getvalue(), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


@bp.route("/<int:room_id>/qr")
@roles_required(*ADMINS)
def qr_page(room_id: int):
    room = load_room(room_id)
    return render("rooms/qr.html", room=room, sign_url=external_url("rooms.sign", room_id=room.id))


@bp.route("/<int:room_id>/calendar.ics")
def room_feed(room_id: int):
    """A feed for calendar clients; anyone may subscribe, so only public titles show (else 已预订)."""
    room = load_room(room_id)
    now = timeutil.now()
    bookings = services.bookings_between(now - timedelta(days=30), now + timedelta(days=366), room_id=room.id,
                                         released=services.due_no_shows(now, default_grace=default_grace()))
    body = ics.feed(
        bookings,
        uid_domain=UID_DOMAIN,
        name=f"{room.label} {room.name}",
        title_for=lambda b: services.public_title(b) or str(BOOKED),
        location_for=lambda b: _location(room),
    )
    return _ics_response(body, f"room-{room.id}.ics")
