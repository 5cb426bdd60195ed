"""The visitor desk's pages. Each view loads what it needs (404/403), builds a
draft from its form, calls a service with the actor and the time, commits and
redirects (303); a refused change is rolled back and the form comes back with
the message. Flash messages never carry a visitor's name or a watchlist
reason: the session cookie lives in the browser."""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps
from datetime import date, datetime, time, timedelta

from flask import (
    abort,
    current_app,
    flash,
    get_template_attribute,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from markupsafe import Markup
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from portal import timeutil
from portal.blueprints.visitors import DESK, HOSTS, bp, current_settings, figures
from portal.blueprints.visitors import services as svc
from portal.blueprints.visitors.forms import (
    PURPOSES,
    BadgeCheckOutForm,
    CheckInForm,
    HistoryFilterForm,
    InvitationForm,
    PassCheckInForm,
    PassCodeForm,
    PreregistrationForm,
    RegistrationForm,
    StatisticsForm,
    WatchlistForm,
)
from portal.blueprints.visitors.models import (
    VisitorEntry,
    VisitorInvitation,
    VisitorPreregistration,
    WatchlistEntry,
)
from portal.blueprints.visitors.privacy import IdStorage
from portal.blueprints.visitors.tables import on_site_rows
from portal.cache import cached, kept_page, read_tokens
from portal.db import db
from portal.forms import EmptyForm, form_status
from portal.htmx import redirect_to, render, wants_partial
from portal.models import Role
from portal.requestargs import arg_date, arg_int, arg_page, paginate, parse_date
from portal.rules import BadArgument, RuleViolation
from portal.security import is_safe_next, login_required, roles_required
from portal.urls import external_url

HISTORY_PAGE_SIZE = 50
MINUTE = timedelta(minutes=1)


def page_context() -> dict:
    """What every visitor-log page shows besides its own data."""
    settings = current_settings()
    now = timeutil.now()
    return {
        "now": now,
        "closing_time": settings.closing_time,
        "is_overstay": lambda entry: entry.checked_out_at is None
        and svc.is_overstay(entry.checked_in_at, now, settings.closing_time),
        "id_storage": settings.storage.value,
        "can_reveal": settings.storage is IdStorage.FULL
        and current_user.is_authenticated
        and current_user.has_role(Role.LOGISTICS_ADMIN),
    }


def show(page: str, partial=None, /, *, status: int = 200, **context):
    return render(page, partial, status=status, **(page_context() | context))


# ---------------------------------------------------------------- loading


def load_entry(entry_id: int) -> VisitorEntry:
    entry = db.session.get(VisitorEntry, entry_id, options=[joinedload(VisitorEntry.unit)])
    if entry is None:
        abort(404)
    return entry


def load_own_preregistration(prereg_id: int) -> VisitorPreregistration:
    """A pre-registration of the current user: others' are not theirs to see or change."""
    prereg = db.session.get(VisitorPreregistration, prereg_id)
    if prereg is None:
        abort(404)
    if prereg.created_by_id != current_user.id:
        abort(403)
    return prereg


def _actor():
    return current_user._get_current_object()


def _back(default: str) -> str:
    target = request.form.get("next", "")
    return target if is_safe_next(target) else default


def _check_token() -> None:
    if not EmptyForm().validate_on_submit():
        abort(400)


# ---------------------------------------------------------------- the desk


def _prefill_from_preregistration(form: CheckInForm, prereg: VisitorPreregistration) -> None:
    form.name.data = prereg.visitor_name
    form.id_type.data = prereg.id_type.value
    form.phone.data = prereg.phone
    form.organization.data = prereg.organization
    form.unit.data = prereg.unit.name if prereg.unit else ""
    form.host_name.data = prereg.host_name
    form.purpose.data = prereg.purpose
    form.companions.data = prereg.companions
    form.plate.data = prereg.plate
    form.expected_id.data = str(prereg.id)


def _first_error(form, order: tuple[str, ...]) -> str | None:
    for name in order:
        if form[name].errors:
            return form[name].id
    return None


CHECK_IN_ORDER = ("name", "id_type", "id_number", "phone", "unit", "host_name", "purpose", "organization",
                  "companions", "plate", "badge")


# Where a kept desk's check-in form takes its one-time submission token: the kept
# drawing holds this marker, and each serving fills in a token of its own
# (:func:`fills_submission_token`). Text typed by people is escaped in the drawing,
# so none of it can spell the marker.
SUBMISSION_SLOT = Markup("<submission-token>")


def _fresh_check_in_form(*, slot: bool = False) -> CheckInForm:
    form = CheckInForm(formdata=None)
    if slot:
        form.submission_token.render_kw = {"value": SUBMISSION_SLOT}
    else:
        form.submission_token.data = svc.new_submission_token()
    return form


def fills_submission_token(view):
    """Each serving of the view's page (kept or drawn) gets its own submission token in the slot."""
    slot = str(SUBMISSION_SLOT).encode()

    @wraps(view)
    def wrapped(*args, **kwargs):
        response = make_response(view(*args, **kwargs))
        if response.status_code < 300 and not response.direct_passthrough:
            body = response.get_data()
            if slot in body:
                response.set_data(body.replace(slot, svc.new_submission_token().encode()))
        return response

    return wrapped


# What the panels every guard sees are drawn from: a change to any of them redraws them.
DESK_DATA = ("visitors", "building")


@dataclass(frozen=True)
class OnSiteDrawing:
    """The on-site list drawn for every guard; the form around the table (token,
    way back) is the request's own."""

    page: int
    head: Markup
    table: Markup | None  # None: nobody inside
    tail: Markup


def on_site_drawing(number: int, now: datetime, closing_time: time, tokens: dict[str, str]) -> OnSiteDrawing:
    """The on-site panel for page ``number``, drawn once a minute (overstays and the
    day's times change on the minute) while nobody comes or goes."""

    def draw() -> OnSiteDrawing:
        page = svc.on_site_page(number, now, closing_time)
        head, table, tail = (get_template_attribute("visitors/_on_site_parts.html", name)
                             for name in ("head", "table", "tail"))
        return OnSiteDrawing(
            page=page.page,
            head=Markup(head(page, closing_time)),
            table=Markup(table(on_site_rows(page.items, now.date()))) if page.items else None,
            tail=Markup(tail(page)),
        )

    key = ("visitors.on-site", str(get_locale()), number, closing_time, timeutil.floor_to(now, MINUTE))
    return cached(DESK_DATA, key, draw, tokens=tokens)


@dataclass(frozen=True)
class DeskDrawing:
    expected: Markup  # today's expected visitors, a page of them
    lists: Markup  # the units and purposes the check-in form suggests


def desk_panels(now: datetime, expected_page: int, tokens: dict[str, str]) -> DeskDrawing:
    """Today's expected visitors and the pickers' lists, drawn once a minute while they are unchanged."""
    today = now.astimezone(timeutil.LOCAL_TZ).date()

    def draw() -> DeskDrawing:
        expected, lists = (get_template_attribute("visitors/_desk_parts.html", name) for name in ("expected", "lists"))
        return DeskDrawing(
            expected=Markup(expected(svc.expected_page(today, expected_page))),
            lists=Markup(lists(svc.unit_hints(), PURPOSES)),
        )

    key = ("visitors.desk", str(get_locale()), today, expected_page, timeutil.floor_to(now, MINUTE))
    return cached(DESK_DATA, key, draw, tokens=tokens)


# A fresh check-in form's fields by language: they depend on no data, so a worker
# draws them once (the form's widgets are the desk's dearest drawing) and keeps
# them while the data caches come and go.
_fresh_fields: dict[str, Markup] = {}


def fresh_check_in_fields(form: CheckInForm) -> Markup:
    """A fresh check-in form's fields (nothing typed, the name first) are the same
    for every guard: drawn once per language. Its hidden fields are the request's own."""
    locale = str(get_locale())
    fields = _fresh_fields.get(locale)
    if fields is None:
        fields = _fresh_fields[locale] = Markup(
            render_template("visitors/_check_in_fields.html", form=form, focus=form.name.id))
    return fields


def render_desk(form: CheckInForm | None = None, out_form: BadgeCheckOutForm | None = None, *, status: int = 200,
                focus: str | None = None, slot: bool = False):
    """The desk, with a form that came back (what was typed stays, a valid
    document number too) or a fresh one. Also answers GET at the forms' own
    URLs, so a page reached by a refused POST can be reloaded or re-shown in
    another language. With ``slot``, a fresh form's submission token is left
    to :func:`fills_submission_token`."""
    now = timeutil.now()
    settings = current_settings()
    fields = None
    if form is None:
        form = _fresh_check_in_form(slot=slot)
        if focus is None:
            fields = fresh_check_in_fields(form)  # the same for every guard
    if focus is None:
        focus = _first_error(form, CHECK_IN_ORDER) or form.name.id
    tokens = read_tokens(DESK_DATA)
    return show(
        "visitors/desk.html",
        form=form,
        check_in_fields=fields,
        out_form=out_form or BadgeCheckOutForm(formdata=None),
        focus=focus,
        panels=desk_panels(now, arg_page(), tokens),
        on_site=on_site_drawing(1, now, settings.closing_time, tokens),
        alerts=cached(DESK_DATA, "visitors.warnings", svc.open_warnings, tokens=tokens),
        back=url_for("visitors.index"),
        status=status,
    )


# The desk is kept for the guard's session while nobody comes or goes, with a slot
# where its check-in form's one-time submission token goes: each serving fills in
# its own, so two drawings never hand two check-ins the same one.
@bp.route("/")
@fills_submission_token
@kept_page(DESK_DATA, signed_in=True)
@login_required
def index():
    """The guard's desk. Employees who follow a link here find their own visitors."""
    if not current_user.has_role(*DESK):
        if current_user.has_role(*HOSTS):
            return redirect(url_for("visitors.my_expected"), 303)
        abort(403)
    expected_id = arg_int("expected")
    if expected_id is not None:
        prereg = svc.expected_today(expected_id, timeutil.today())
        if prereg is None:
            flash(_("That expected visitor is not on today's list any more."), "warning")
        else:
            form = _fresh_check_in_form(slot=True)
            _prefill_from_preregistration(form, prereg)
            # everything else is filled in: confirm the document
            return render_desk(form, focus=form.id_number.id)
    return render_desk(slot=True)


DECISIONS = ("admit", "refuse", "edit")


@bp.route("/check-in", methods=["GET", "POST"])
@roles_required(*DESK)
def check_in():
    if request.method == "GET":
        return render_desk()
    form = CheckInForm()
    form.unit_options = svc.all_unit_options()
    if not form.validate_on_submit():
        return render_desk(form, status=422)
    decision = request.form.get("decision", "")
    if decision == "edit":  # back from the watchlist warning, to correct what was typed
        return render_desk(form)
    prereg_id = int(form.expected_id.data) if form.expected_id.data else None
    if prereg_id is not None and db.session.get(VisitorPreregistration, prereg_id) is None:
        prereg_id = None
    draft = form.to_draft(prereg_id)
    settings, now = current_settings(), timeutil.now()
    try:
        if decision == "refuse":
            result = svc.refuse_entry(draft, settings=settings, actor=_actor(), now=now)
        else:
            result = svc.check_in(draft, settings=settings, actor=_actor(), now=now, admit_watched=decision == "admit")
    except RuleViolation as error:
        db.session.rollback()
        error.show_on(form)
        return render_desk(form, status=form_status(form))
    if result.needs_decision:
        db.session.rollback()  # nothing was added: the guard decides first
        fields = [(name, value) for name, value in request.form.items(multi=True) if name != "decision"]
        return show("visitors/watch_decision.html", form=form, matches=result.matches, fields=fields,
                    refuse=any(m.refuse for m in result.matches))
    db.session.commit()
    _flash_check_in(result)
    return redirect_to(url_for("visitors.index"))


def _flash_check_in(result: svc.CheckInResult) -> None:
    entry = result.entry
    if not result.created:
        flash(_("This check-in had already been saved; nothing was added."), "info")
        return
    if entry.refused:
        flash(_("Entry refused: the visit is logged as refused and the visitor is not on site."), "success")
        return
    unit = (entry.unit.short_name or entry.unit.name) if entry.unit else ""
    if entry.badge:
        flash(_("Checked in for %(unit)s, badge %(badge)s.", unit=unit, badge=entry.badge), "success")
    else:
        flash(_("Checked in for %(unit)s.", unit=unit), "success")
    if entry.watchlist_hit:
        flash(_("Let in after a watchlist warning: the visit is marked on the desk while the visitor is inside."),
              "warning")


@bp.route("/units/resolve")
@roles_required(*DESK, *HOSTS)
def resolve_unit():
    """What the unit typed so far resolves to: feedback beside the desk's unit field."""
    text = request.args.get("unit", "")[:80]
    unit = error = None
    if text.strip():
        try:
            unit = svc.resolve_unit(text, svc.all_unit_options())
        except RuleViolation as problem:
            error = str(problem.message)
    return render("visitors/unit_resolved.html", "visitors/_unit_resolved.html", text=text, unit=unit, error=error)


# ---------------------------------------------------------------- check-out


def _respond_after_check_out(default: str, notice: str, category: str):
    if wants_partial() and request.headers.get("HX-Target") == "on-site":
        # The message goes straight into this response (never through the session cookie).
        number = arg_int_form("page")
        drawing = on_site_drawing(number, timeutil.now(), current_settings().closing_time, read_tokens(DESK_DATA))
        return show("visitors/_on_site_swap.html", on_site=drawing, back=_back(default),
                    notice=notice, notice_category=category)
    flash(_("The visitor has checked out.") if category == "success" else
          _("This visitor had already been checked out."), category)
    return redirect_to(_back(default))


def arg_int_form(name: str) -> int:
    raw = request.form.get(name, "")
    return int(raw) if raw.isdigit() and len(raw) <= 6 else 1


@bp.route("/entries/<int:entry_id>/check-out", methods=["POST"])
@roles_required(*DESK)
def check_out(entry_id: int):
    _check_token()
    entry = load_entry(entry_id)
    if svc.check_out(entry, actor=_actor(), now=timeutil.now()):
        db.session.commit()
        return _respond_after_check_out(url_for("visitors.index"), _("%(name)s checked out.", name=entry.name),
                                        "success")
    return _respond_after_check_out(url_for("visitors.index"),
                                    _("%(name)s had already been checked out.", name=entry.name), "info")


@bp.route("/entries/<int:entry_id>/refuse", methods=["POST"])
@roles_required(*DESK)
def refuse(entry_id: int):
    """Turned away after a watchlist warning: closed at once, kept in the log."""
    _check_token()
    entry = load_entry(entry_id)
    if svc.refuse(entry, actor=_actor(), now=timeutil.now()):
        db.session.commit()
        flash(_("Entry refused: the visit is logged as refused and the visitor is not on site."), "success")
    else:
        flash(_("This visitor had already been checked out."), "info")
    return redirect_to(_back(url_for("visitors.index")))


@bp.route("/check-out", methods=["GET", "POST"])
@roles_required(*DESK)
def check_out_badge():
    if request.method == "GET":
        return render_desk()
    out_form = BadgeCheckOutForm()
    if out_form.validate_on_submit():
        try:
            entry = svc.check_out_by_badge(out_form.badge.data, actor=_actor(), now=timeutil.now())
        except RuleViolation as error:
            db.session.rollback()
            error.show_on(out_form)
        else:
            db.session.commit()
            flash(_("Badge %(badge)s checked out.", badge=entry.badge), "success")
            return redirect_to(url_for("visitors.index"))
    return render_desk(out_form=out_form, status=422, focus=out_form.badge.id)


# ---------------------------------------------------------------- on site


@bp.route("/on-site")
@kept_page(DESK_DATA, signed_in=True)
@roles_required(*DESK)
def on_site():
    drawing = on_site_drawing(arg_page(), timeutil.now(), current_settings().closing_time, read_tokens(DESK_DATA))
    return show("visitors/on_site.html", {"on-site": "visitors/_on_site.html"}, on_site=drawing,
                back=url_for("visitors.on_site", page=drawing.page))


@bp.route("/on-site/evacuation")
@roles_required(*DESK)
def evacuation_list():
    """Everyone inside, on paper: not paged, because an evacuation needs every name."""
    listing = svc.evacuation_list(timeutil.now(), current_settings().closing_time)
    return show("visitors/evacuation.html", rows=listing.rows, summary=listing.summary)


@bp.route("/entries/<int:entry_id>")
@roles_required(*DESK)
def show_entry(entry_id: int):
    return show("visitors/entry.html", entry=load_entry(entry_id), revealed=None)


@bp.route("/entries/<int:entry_id>/reveal", methods=["POST"])
@roles_required(Role.LOGISTICS_ADMIN)
def reveal(entry_id: int):
    """Show the full document number once, to a logistics admin; audited (without the number)."""
    settings = current_settings()
    if settings.storage is not IdStorage.FULL:
        abort(404)
    _check_token()
    visit = load_entry(entry_id)
    number = svc.reveal_document(visit, settings, actor=_actor(), now=timeutil.now())
    if number is None:
        flash(_("No full number is kept for this visit, or the configured key cannot open it."), "warning")
        return redirect_to(url_for("visitors.show_entry", entry_id=visit.id))
    db.session.commit()
    response = show("visitors/entry.html", entry=visit, revealed=number)
    response.headers["Cache-Control"] = "no-store"
    return response


# ---------------------------------------------------------------- history


def _dates_in_range(form, source=None) -> bool:
    """Dates the portal can reason about (``arg_date``): a year 1 or 9999 is a clear message, not a 500."""
    fine = True
    for name in ("start", "end"):
        if form[name].errors:
            continue
        try:
            if source is None:
                arg_date(name)
            else:
                parse_date(source.get(name), name=name)
        except BadArgument as error:
            error.show_on(form)
            fine = False
    return fine


def _history_form(source=None) -> tuple[HistoryFilterForm, bool]:
    """The search from the query string (the page) or from the export button's fields."""
    form = HistoryFilterForm(formdata=request.args if source is None else source)
    form.unit_options = svc.all_unit_options()
    valid = form.validate()
    valid = _dates_in_range(form, source) and valid
    if valid:
        form.fill_defaults(timeutil.today())
    return form, valid


def _history_args(form: HistoryFilterForm) -> dict[str, str]:
    args = {"start": form.start.data.isoformat(), "end": form.end.data.isoformat()}
    for name in ("name", "unit", "plate", "badge"):
        if form[name].data:
            args[name] = form[name].data
    return args


@bp.route("/history")
@roles_required(*DESK)
def history():
    form, valid = _history_form()
    page = paginate(svc.history_query(form.to_filter()), per_page=HISTORY_PAGE_SIZE) if valid else None
    return show(
        "visitors/history.html",
        "visitors/_history_results.html",
        form=form,
        page=page,
        args=_history_args(form) if valid else {},
        unit_options=svc.all_unit_options(),
        status=200 if valid else 422,
    )


def _export_labels() -> dict[str, str]:
    return {
        "sheet": _("Visitors"),
        "checked_in_at": _("Time in"),
        "checked_out_at": _("Time out"),
        "name": _("Name"),
        "id_type": _("Document"),
        "id_masked": _("Document number (masked)"),
        "phone": _("Phone"),
        "organization": _("Organization"),
        "unit": _("Unit visited"),
        "host_name": _("Host"),
        "purpose": _("Purpose"),
        "companions": _("Companions"),
        "plate": _("Plate"),
        "badge": _("Badge"),
        "note": _("Note"),
        "refused": _("Refused entry"),
    }


SEARCH_FIELDS = ("start", "end", "name", "unit", "plate", "badge")


@bp.route("/history.xlsx", methods=["GET", "POST"])
@roles_required(Role.LOGISTICS_ADMIN)
def export_history():
    """The search as a workbook. The export is audited (a write), so it is a POST
    from the history page's button; a GET goes back to that search."""
    if request.method == "GET":
        return redirect(url_for("visitors.history", **{k: v for k, v in request.args.items() if k in SEARCH_FIELDS}),
                        303)
    _check_token()
    form, valid = _history_form(request.form)
    # The history page's button always sends the period it shows; without one there is nothing to export.
    if not valid or not (request.form.get("start") and request.form.get("end")):
        flash(_("Correct the search before exporting."), "error")
        return redirect(url_for("visitors.history", **{k: v for k, v in request.form.items() if k in SEARCH_FIELDS}),
                        303)
    search = form.to_filter()
    try:
        data = svc.export_history(search, _export_labels(), actor=_actor(), now=timeutil.now())
    except RuleViolation as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return redirect(url_for("visitors.history", **_history_args(form)), 303)
    db.session.commit()  # the export's audit record
    response = make_response(data)
    response.headers["Content-Type"] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    filename = f"visitors-{search.start:%Y%m%d}-{search.end:%Y%m%d}.xlsx"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.route("/statistics")
@roles_required(*DESK)  # counts only, no personal data: the guards who see the history see when visitors come
def statistics():
    form = StatisticsForm(formdata=request.args)
    valid = form.validate()
    in_range = _dates_in_range(form)
    valid = valid and in_range
    stats = None
    if valid:
        end = form.end.data or timeutil.today()
        start = form.start.data or end.replace(day=1)
        stats = svc.statistics(start, end)
        form.start.data, form.end.data = start, end
    return show(
        "visitors/statistics.html",
        form=form,
        rows=stats.rows if stats else [],
        total_visits=stats.total_visits if stats else 0,
        total_people=stats.total_people if stats else 0,
        arrivals=stats.arrivals if stats else None,
        day_chart=figures.day_bars(stats.arrivals) if stats else None,
        hour_chart=figures.hour_bars(stats.arrivals) if stats else None,
        longest_day_chart=figures.LONGEST_DAY_CHART,
        status=200 if valid else (422 if in_range else 400),
    )


# ---------------------------------------------------------------- pre-registration


@bp.route("/expected/")
@roles_required(*HOSTS)
def my_expected():
    page = paginate(svc.own_preregistrations_query(_actor()), per_page=25)
    return show("visitors/my_expected.html", page=page, cancel_form=EmptyForm(formdata=None), today=timeutil.today())


def _default_window(now: datetime) -> tuple[date, time, time]:
    now = now.astimezone(timeutil.LOCAL_TZ)
    if now.time() < time(16, 30):
        return now.date(), time(9, 0) if now.time() < time(9, 0) else time(now.hour + 1, 0), time(17, 30)
    return now.date() + timedelta(days=1), time(9, 0), time(17, 30)


@bp.route("/expected/new", methods=["GET", "POST"])
@roles_required(*HOSTS)
def preregister():
    user = _actor()
    form = PreregistrationForm()
    form.unit_options = svc.all_unit_options()
    if request.method == "GET":
        form.visit_date.data, form.window_start.data, form.window_end.data = _default_window(timeutil.now())
        form.unit.data = user.unit.name if user.unit else ""
        form.host_name.data = user.display_name
    if form.validate_on_submit():
        try:
            prereg = svc.preregister(form.to_draft(), actor=user, now=timeutil.now())
        except RuleViolation as error:
            db.session.rollback()
            error.show_on(form)
        else:
            db.session.commit()
            flash(_("The visitor is expected on %(date)s; the desk will see it on the day.",
                    date=prereg.visit_date.isoformat()), "success")
            return redirect_to(url_for("visitors.my_expected"))
    return show("visitors/preregister.html", form=form, unit_options=form.unit_options, purposes=PURPOSES,
                status=form_status(form))


@bp.route("/expected/<int:prereg_id>/cancel", methods=["POST"])
@roles_required(*HOSTS)
def cancel_expected(prereg_id: int):
    _check_token()
    prereg = load_own_preregistration(prereg_id)
    if svc.cancel_preregistration(prereg, actor=_actor(), now=timeutil.now()):
        db.session.commit()
        flash(_("The visit is cancelled."), "success")
    else:
        flash(_("This visit can no longer be cancelled."), "info")
    return redirect_to(url_for("visitors.my_expected"))


# ---------------------------------------------------------------- watchlist


@bp.route("/watchlist/", methods=["GET", "POST"])
@roles_required(Role.LOGISTICS_ADMIN)
def watchlist():
    form = WatchlistForm()
    if form.validate_on_submit():
        try:
            svc.add_watch(form.to_draft(), settings=current_settings(), actor=_actor(), now=timeutil.now())
        except RuleViolation as error:
            db.session.rollback()
            error.show_on(form)
        else:
            db.session.commit()
            flash(_("Added to the watchlist."), "success")
            return redirect_to(url_for("visitors.watchlist"))
    if request.method == "POST":
        form.id_number.data = ""  # never shown again
    return show("visitors/watchlist.html", form=form, page=paginate(svc.watchlist_query(), per_page=25),
                delete_form=EmptyForm(formdata=None), status=form_status(form))


@bp.route("/watchlist/<int:watch_id>/delete", methods=["POST"])
@roles_required(Role.LOGISTICS_ADMIN)
def delete_watch(watch_id: int):
    _check_token()
    watch = db.session.get(WatchlistEntry, watch_id)
    if watch is None:
        abort(404)
    svc.remove_watch(watch, actor=_actor(), now=timeutil.now())
    db.session.commit()
    flash(_("Removed from the watchlist."), "success")
    return redirect_to(url_for("visitors.watchlist"))


# ---------------------------------------------------------------- invitations (host side)


def load_own_invitation(invitation_id: int) -> VisitorInvitation:
    invitation = db.session.get(VisitorInvitation, invitation_id)
    if invitation is None:
        abort(404)
    if invitation.created_by_id != current_user.id:
        abort(403)
    return invitation


def qr_svg(data: str) -> Markup:
    import segno

    return Markup(segno.make(data, error="m").svg_inline(scale=4, dark="#000", light="#fff", omitsize=True))


@bp.route("/invitations/")
@roles_required(*HOSTS)
def my_invitations():
    now = timeutil.now()
    page = paginate(svc.own_invitations_query(_actor()), per_page=25)
    return show("visitors/my_invitations.html", page=page, state=lambda inv: svc.invitation_state(inv, now))


@bp.route("/invitations/new", methods=["GET", "POST"])
@roles_required(*HOSTS)
def invite():
    user = _actor()
    form = InvitationForm()
    form.unit_options = svc.all_unit_options()
    if request.method == "GET":
        form.first_day.data, form.window_start.data, form.window_end.data = _default_window(timeutil.now())
        form.unit.data = user.unit.name if user.unit else ""
        form.host_name.data = user.display_name
    if form.validate_on_submit():
        try:
            invitation = svc.create_invitation(form.to_draft(), actor=user, now=timeutil.now())
        except RuleViolation as error:
            db.session.rollback()
            error.show_on(form)
        else:
            db.session.commit()
            flash(_("Invitation ready: send the link or the QR code to your visitor."), "success")
            return redirect_to(url_for("visitors.show_invitation", invitation_id=invitation.id))
    return show("visitors/invite.html", form=form, unit_options=form.unit_options, purposes=PURPOSES,
                status=form_status(form))


@bp.route("/invitations/<int:invitation_id>")
@roles_required(*HOSTS)
def show_invitation(invitation_id: int):
    invitation = load_own_invitation(invitation_id)
    link = external_url("visitors.register", token=invitation.token)
    return show("visitors/invitation.html", invitation=invitation, link=link, qr=qr_svg(link),
                state=svc.invitation_state(invitation, timeutil.now()), revoke_form=EmptyForm(formdata=None),
                pass_code=svc.format_pass_code(invitation.pass_code))


@bp.route("/invitations/<int:invitation_id>/revoke", methods=["POST"])
@roles_required(*HOSTS)
def revoke_invitation(invitation_id: int):
    _check_token()
    invitation = load_own_invitation(invitation_id)
    if svc.revoke_invitation(invitation, actor=_actor(), now=timeutil.now()):
        db.session.commit()
        flash(_("The invitation is revoked: the link and the pass no longer work."), "success")
    else:
        flash(_("This invitation was already revoked."), "info")
    return redirect_to(url_for("visitors.show_invitation", invitation_id=invitation.id))


# ---------------------------------------------------------------- self-registration (public)


def _closed(message: str, status: int):
    response = make_response(render_template("visitors/register_closed.html", message=message), status)
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/i/<token>", methods=["GET", "POST"])
def register(token: str):
    """The visitor's own page, reached by the link's token: no account, works with JavaScript off."""
    limiter = current_app.extensions["visitors.registration_limit"]
    now, address = timeutil.now(), request.remote_addr or "?"
    if not limiter.allowed(address, now):
        return _closed(_("Too many attempts from this connection. Please wait ten minutes and try again."), 429)
    invitation = svc.invitation_by_token(token)
    if invitation is None:
        limiter.miss(address, now)
        return _closed(_("This link is not valid. Please check it with the person who invited you."), 404)
    try:
        svc.check_link_open(invitation, now)
    except RuleViolation as error:
        return _closed(str(error.message), error.status)
    form = RegistrationForm()
    if request.method == "GET" and invitation.registered_at is not None and not request.args.get("edit"):
        return _registration_page("visitors/pass.html", invitation=invitation,
                                  pass_code=svc.format_pass_code(invitation.pass_code),
                                  qr=qr_svg(invitation.pass_code))
    if form.validate_on_submit():
        try:
            svc.register_visitor(invitation, form.to_draft(), settings=current_settings(), now=now)
        except RuleViolation as error:
            db.session.rollback()
            error.show_on(form)
        else:
            db.session.commit()
            flash(_("Thank you: show this pass at the visitor desk."), "success")
            return redirect_to(url_for("visitors.register", token=token))
    return _registration_page("visitors/register.html", form=form, invitation=invitation,
                              location=svc.unit_locations([invitation.unit_id]).get(invitation.unit_id, "")
                              if invitation.unit_id else "",
                              retention_days=current_settings().retention_days, status=form_status(form))


def _registration_page(template: str, *, status: int = 200, **context):
    response = make_response(render_template(template, **context), status)
    # The token is in the URL: never pass it on to another site, never keep the page in a shared cache.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


# ---------------------------------------------------------------- pass check-in (desk)


@bp.route("/pass")
@roles_required(*DESK)
def find_pass():
    """The guard types (or scans) the pass code and presses Enter: who it is, and the check-in button."""
    form = PassCodeForm(request.args)
    invitation = None
    if request.args.get("code") is not None and form.validate():
        try:
            invitation = svc.invitation_for_desk(form.code.data, now=timeutil.now())
        except RuleViolation as error:
            error.show_on(form)
    status = 422 if form.errors else 200
    check_form = PassCheckInForm(formdata=None, submission_token=svc.new_submission_token())
    return _pass_page(form, invitation, check_form, status=status)


def _pass_page(form, invitation, check_form, *, status=200, matches=None):
    inside = svc.on_site_with(invitation) if invitation is not None else None
    return show("visitors/pass_desk.html", form=form, invitation=invitation, check_form=check_form,
                inside=inside, matches=matches or [], status=status,
                refuse=any(m.refuse for m in matches or []))


@bp.route("/pass/<int:invitation_id>/check-in", methods=["POST"])
@roles_required(*DESK)
def check_in_pass(invitation_id: int):
    invitation = db.session.get(VisitorInvitation, invitation_id)
    if invitation is None:
        abort(404)
    code_form = PassCodeForm(formdata=None, code=svc.format_pass_code(invitation.pass_code))
    form = PassCheckInForm()
    if not form.validate_on_submit():
        return _pass_page(code_form, invitation, form, status=422)
    try:
        result = svc.check_in_invitation(invitation, badge=form.badge.data or "",
                                         submission_token=form.submission_token.data,
                                         settings=current_settings(), actor=_actor(), now=timeutil.now(),
                                         decision=form.decision.data or "")
    except RuleViolation as error:
        db.session.rollback()
        error.show_on(form)
        if error.field == "code":
            error.show_on(code_form)
        return _pass_page(code_form, invitation, form, status=422)
    if result.needs_decision:
        db.session.rollback()
        return _pass_page(code_form, invitation, form, status=200, matches=result.matches)
    db.session.commit()
    _flash_check_in(result)
    entry = result.entry
    if entry is not None and not entry.refused:
        return redirect_to(url_for("visitors.slip", entry_id=entry.id))
    return redirect_to(url_for("visitors.index"))


@bp.route("/entries/<int:entry_id>/slip")
@roles_required(*DESK)
def slip(entry_id: int):
    """The printed visitor slip (A6 or an 80 mm receipt printer): name masked, a QR to check out by badge."""
    entry = load_entry(entry_id)
    layout = "receipt" if request.args.get("layout") == "receipt" else "a6"
    # The QR holds the badge number: the desk's scanner types it into the check-out field.
    return show("visitors/slip.html", entry=entry, layout=layout, masked_name=svc.mask_name(entry.name),
                qr=qr_svg(entry.badge) if entry.badge else None)
