from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import abort, flash, make_response, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from portal import audit, timeutil
from portal.blueprints.directory.indexing import stored_keys
from portal.blueprints.visitors import DESK, HOSTS, bp, current_settings
from portal.blueprints.visitors import services as svc
from portal.blueprints.visitors.forms import (
    ID_TYPE_LABELS,
    PURPOSES,
    WATCH_ACTION_LABELS,
    BadgeCheckOutForm,
    CheckInForm,
    HistoryFilterForm,
    PreregistrationForm,
    StatisticsForm,
    WatchlistForm,
)
from portal.blueprints.visitors.models import (
    PreregistrationStatus,
    VisitorEntry,
    VisitorPreregistration,
    WatchAction,
    WatchlistEntry,
)
from portal.blueprints.visitors.privacy import IdStorage, document_digest, mask_document
from portal.blueprints.visitors.validation import IdType, normalize_name
from portal.db import db
from portal.forms import EmptyForm
from portal.htmx import redirect_to, render, wants_partial
from portal.models import Role, Unit
from portal.security import is_safe_next, login_required, roles_required

ON_SITE_PAGE_SIZE = 50
HISTORY_PAGE_SIZE = 50


@bp.context_processor
def visitor_template_context() -> dict:
    settings = current_settings()
    now = timeutil.now()
    return {
        "id_type_labels": ID_TYPE_LABELS,
        "id_type_text": lambda: {t: str(label) for t, label in ID_TYPE_LABELS.items()},
        "watch_action_labels": WATCH_ACTION_LABELS,
        "now": now,
        "closing_time": settings.closing_time,
        "is_overstay": lambda entry: entry.checked_out_at is None
        and svc.is_overstay(entry.checked_in_at, now, settings.closing_time),
        "id_storage": settings.storage.value,
        "can_reveal": settings.storage is IdStorage.FULL
        and current_user.is_authenticated
        and current_user.has_role(Role.LOGISTICS_ADMIN),
    }


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


def _unit_options() -> list[svc.UnitOption]:
    units = db.session.scalars(select(Unit).order_by(Unit.sort_order, Unit.name)).all()
    return svc.unit_options(units, stored_keys("unit"))


def _actor():
    return current_user._get_current_object()


def _back(default: str) -> str:
    target = request.form.get("next", "")
    return target if is_safe_next(target) else default


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


def render_desk(form: CheckInForm | None = None, out_form: BadgeCheckOutForm | None = None, *, status: int = 200,
                focus: str | None = None):
    now = timeutil.now()
    options = _unit_options()
    if form is None:
        form = CheckInForm(formdata=None)
        form.submission_token.data = svc.new_submission_token()
    if focus is None:
        focus = _first_error(form, CHECK_IN_ORDER) or form.name.id
    out_form = out_form or BadgeCheckOutForm(formdata=None)
    on_site, summary = on_site_page(1, now)
    expected = db.paginate(svc.expected_query(now.date()), per_page=20, error_out=False)
    alerts = db.session.scalars(svc.open_warnings_query().limit(10)).all()
    return render(
        "visitors/desk.html",
        form=form,
        out_form=out_form,
        focus=focus,
        unit_options=options,
        purposes=PURPOSES,
        page=on_site,
        expected=expected,
        alerts=alerts,
        summary=summary,
        back=url_for("visitors.index"),
        status=status,
    )


@bp.route("/")
@login_required
def index():
    """The guard's desk. Employees who follow a link here find their own visitors."""
    if not current_user.has_role(*DESK):
        if current_user.has_role(*HOSTS):
            return redirect(url_for("visitors.my_expected"), 303)
        abort(403)
    form = CheckInForm(formdata=None)
    form.submission_token.data = svc.new_submission_token()
    focus = None
    expected_id = request.args.get("expected", type=int)
    if expected_id is not None:
        prereg = db.session.get(VisitorPreregistration, expected_id)
        if (
            prereg is None
            or prereg.status is not PreregistrationStatus.EXPECTED
            or prereg.visit_date != timeutil.today()
        ):
            flash(_("That expected visitor is not on today's list any more."), "warning")
        else:
            _prefill_from_preregistration(form, prereg)
            focus = form.id_number.id  # everything else is filled in: confirm the document
    return render_desk(form, focus=focus)


@bp.route("/check-in", methods=["POST"])
@roles_required(*DESK)
def check_in():
    form = CheckInForm()
    form.unit_options = _unit_options()
    if form.validate_on_submit():
        prereg_id = int(form.expected_id.data) if form.expected_id.data else None
        if prereg_id is not None and db.session.get(VisitorPreregistration, prereg_id) is None:
            prereg_id = None
        data = svc.CheckIn(
            submission_token=form.submission_token.data,
            name=form.name.data,
            id_type=IdType(form.id_type.data),
            id_number=form.document_number,
            id_checked=form.id_checked.data,
            unit_id=form.resolved_unit.id,
            phone=form.phone.data or "",
            organization=form.organization.data or "",
            host_name=form.host_name.data or "",
            purpose=form.purpose.data or "",
            companions=form.companions.data or 0,
            plate=form.plate.data or "",
            badge=svc.normalize_badge(form.badge.data or ""),
            preregistration_id=prereg_id,
        )
        try:
            result = svc.check_in(data, settings=current_settings(), actor=_actor(), now=timeutil.now())
        except svc.BadgeInUse as error:
            db.session.rollback()
            form.badge.errors = [*form.badge.errors, str(error.message)]
        else:
            db.session.commit()
            _flash_check_in(result)
            return redirect_to(url_for("visitors.index"))
    return render_desk(form, status=422)


def _flash_check_in(result: svc.CheckInResult) -> None:
    entry = result.entry
    if not result.created:
        flash(_("This check-in had already been saved (%(name)s); nothing was added.", name=entry.name), "info")
        return
    unit = entry.unit.short_name or entry.unit.name if entry.unit else ""
    if entry.badge:
        flash(_("%(name)s checked in for %(unit)s, badge %(badge)s.", name=entry.name, unit=unit, badge=entry.badge),
              "success")
    else:
        flash(_("%(name)s checked in for %(unit)s.", name=entry.name, unit=unit), "success")
    for match in result.matches:
        flash(
            _(
                "Watchlist: %(name)s matches an entry (%(by)s). Reason: %(reason)s. What to do: %(action)s.",
                name=entry.name,
                by="、".join(MATCH_LABELS[b]() for b in match.by),
                reason=match.entry.reason,
                action=WATCH_ACTION_LABELS[match.entry.action],
            ),
            "danger",
        )


MATCH_LABELS = {
    "name": lambda: _("same name"),
    "document": lambda: _("same document"),
    "plate": lambda: _("same plate"),
}


@bp.route("/units/resolve")
@roles_required(*DESK, *HOSTS)
def resolve_unit():
    """What the unit typed so far resolves to: feedback beside the desk's unit field."""
    text = request.args.get("unit", "")[:80]
    unit = error = None
    if text.strip():
        try:
            unit = svc.resolve_unit(text, _unit_options())
        except svc.InvalidInput as problem:
            error = str(problem.message)
    return render("visitors/unit_resolved.html", "visitors/_unit_resolved.html", text=text, unit=unit, error=error)


# ---------------------------------------------------------------- check-out


def _respond_after_check_out(default: str):
    if wants_partial() and request.headers.get("HX-Target") == "on-site":
        page, summary = on_site_page(request.form.get("page", 1, type=int), timeutil.now())
        return render("visitors/_on_site_swap.html", page=page, summary=summary, back=_back(default))
    return redirect_to(_back(default))


@bp.route("/entries/<int:entry_id>/check-out", methods=["POST"])
@roles_required(*DESK)
def check_out(entry_id: int):
    if not EmptyForm().validate_on_submit():
        abort(400)
    entry = load_entry(entry_id)
    if svc.check_out(entry, actor=_actor(), now=timeutil.now()):
        db.session.commit()
        flash(_("%(name)s checked out.", name=entry.name), "success")
    else:
        flash(_("%(name)s had already been checked out.", name=entry.name), "info")
    return _respond_after_check_out(url_for("visitors.index"))


@bp.route("/entries/<int:entry_id>/refuse", methods=["POST"])
@roles_required(*DESK)
def refuse(entry_id: int):
    """Turned away after a watchlist warning: closed at once, kept in the log."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    entry = load_entry(entry_id)
    if svc.check_out(entry, actor=_actor(), now=timeutil.now(), refused=True):
        audit.record(_actor(), "visitor.refuse", entry, summary="turned away after a watchlist warning")
        db.session.commit()
        flash(_("%(name)s was refused entry; the visit is closed.", name=entry.name), "success")
    else:
        flash(_("%(name)s had already been checked out.", name=entry.name), "info")
    return redirect_to(_back(url_for("visitors.index")))


@bp.route("/check-out", methods=["POST"])
@roles_required(*DESK)
def check_out_badge():
    out_form = BadgeCheckOutForm()
    if out_form.validate_on_submit():
        badge = svc.normalize_badge(out_form.badge.data)
        entry = svc.holder_of_badge(badge)
        if entry is None:
            out_form.badge.errors = [_("No visitor on site has badge %(badge)s.", badge=badge)]
        else:
            svc.check_out(entry, actor=_actor(), now=timeutil.now())
            db.session.commit()
            flash(_("%(name)s checked out (badge %(badge)s).", name=entry.name, badge=badge), "success")
            return redirect_to(url_for("visitors.index"))
    return render_desk(out_form=out_form, status=422, focus=out_form.badge.id)


# ---------------------------------------------------------------- on site


def on_site_page(number: int, now: datetime):
    """One page of the on-site list and its head counts; the pager's total comes
    from the counts, so the open rows are counted once per request."""
    summary = svc.on_site_summary(now, current_settings().closing_time)
    page = db.paginate(svc.on_site_query(), page=max(number, 1), per_page=ON_SITE_PAGE_SIZE, error_out=False,
                       count=False)
    page.total = summary.visitors
    return page, summary


@bp.route("/on-site")
@roles_required(*DESK)
def on_site():
    page, summary = on_site_page(request.args.get("page", 1, type=int), timeutil.now())
    return render("visitors/on_site.html", {"on-site": "visitors/_on_site.html"}, page=page, summary=summary,
                  back=url_for("visitors.on_site", page=page.page))


@bp.route("/on-site/evacuation")
@roles_required(*DESK)
def evacuation_list():
    """Everyone inside, on paper: not paged, because an evacuation needs every name."""
    entries = db.session.scalars(svc.on_site_query()).all()
    summary = svc.on_site_summary(timeutil.now(), current_settings().closing_time)
    return render("visitors/evacuation.html", entries=entries, summary=summary)


@bp.route("/entries/<int:entry_id>")
@roles_required(*DESK)
def show_entry(entry_id: int):
    return render("visitors/entry.html", entry=load_entry(entry_id), revealed=None)


@bp.route("/entries/<int:entry_id>/reveal", methods=["POST"])
@roles_required(Role.LOGISTICS_ADMIN)
def reveal(entry_id: int):
    """Show the full document number once, to a logistics admin; audited (without the number)."""
    settings = current_settings()
    if settings.storage is not IdStorage.FULL:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    visit = load_entry(entry_id)
    number = svc.reveal_document(visit, settings)
    if number is None:
        flash(_("No full number is kept for this visit, or the configured key cannot open it."), "warning")
        return redirect_to(url_for("visitors.show_entry", entry_id=visit.id))
    audit.record(_actor(), "visitor.reveal_id", visit, summary=f"document number of visit {visit.id} shown")
    db.session.commit()
    return render("visitors/entry.html", entry=visit, revealed=number)


# ---------------------------------------------------------------- history


def _history_filter(form: HistoryFilterForm) -> svc.HistoryFilter:
    return svc.HistoryFilter(
        start=form.start.data,
        end=form.end.data,
        name=form.name.data or "",
        unit_id=form.resolved_unit.id if form.resolved_unit else None,
        plate=form.plate.data or "",
        badge=svc.normalize_badge(form.badge.data or ""),
    )


def _history_form() -> tuple[HistoryFilterForm, bool]:
    form = HistoryFilterForm(formdata=request.args)
    form.unit_options = _unit_options()
    valid = form.validate()
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
    page = None
    if valid:
        page = db.paginate(svc.history_query(_history_filter(form)), per_page=HISTORY_PAGE_SIZE, error_out=False)
    return render(
        "visitors/history.html",
        "visitors/_history_results.html",
        form=form,
        page=page,
        args=_history_args(form) if valid else {},
        unit_options=_unit_options(),
        status=200 if valid else 422,
    )


@bp.route("/history.xlsx")
@roles_required(Role.LOGISTICS_ADMIN)
def export_history():
    form, valid = _history_form()
    if not valid:
        flash(_("Correct the search before exporting."), "error")
        return redirect(url_for("visitors.history", **request.args), 303)
    query = svc.history_query(_history_filter(form))
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    if total > svc.EXPORT_LIMIT:
        flash(_("%(count)s visits match; export at most %(limit)s at a time (choose a shorter period).",
                count=total, limit=svc.EXPORT_LIMIT), "error")
        return redirect(url_for("visitors.history", **_history_args(form)), 303)
    labels = {
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
    data = svc.history_workbook(db.session.scalars(query), labels, ID_TYPE_LABELS)
    audit.record(
        _actor(),
        "visitor.export",
        object_type="visitor_entry",
        summary=f"exported {total} visits from {form.start.data} to {form.end.data}",
    )
    db.session.commit()
    response = make_response(data)
    response.headers["Content-Type"] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    filename = f"visitors-{form.start.data:%Y%m%d}-{form.end.data:%Y%m%d}.xlsx"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.route("/statistics")
@roles_required(Role.LOGISTICS_ADMIN)
def statistics():
    form = StatisticsForm(formdata=request.args)
    valid = form.validate()
    today = timeutil.today()
    end = form.end.data or today
    start = form.start.data or end.replace(day=1)
    rows = svc.unit_statistics(start, end) if valid else []
    form.start.data, form.end.data = start, end
    return render(
        "visitors/statistics.html",
        form=form,
        rows=rows,
        total_visits=sum(r.visits for r in rows),
        total_people=sum(r.people for r in rows),
        status=200 if valid else 422,
    )


# ---------------------------------------------------------------- pre-registration


@bp.route("/expected/")
@roles_required(*HOSTS)
def my_expected():
    page = db.paginate(svc.own_preregistrations_query(_actor()), per_page=25, error_out=False)
    return render("visitors/my_expected.html", page=page, cancel_form=EmptyForm(formdata=None),
                  today=timeutil.today())


def _default_window(now: datetime) -> tuple[date, time, time]:
    if now.time() < time(16, 30):
        return now.date(), time(9, 0) if now.time() < time(9, 0) else time(now.hour + 1, 0), time(17, 30)
    return now.date() + timedelta(days=1), time(9, 0), time(17, 30)


@bp.route("/expected/new", methods=["GET", "POST"])
@roles_required(*HOSTS)
def preregister():
    user = _actor()
    form = PreregistrationForm()
    form.unit_options = _unit_options()
    if request.method == "GET":
        form.visit_date.data, form.window_start.data, form.window_end.data = _default_window(timeutil.now())
        form.unit.data = user.unit.name if user.unit else ""
        form.host_name.data = user.display_name
    if form.validate_on_submit():
        try:
            svc.check_visit_window(form.visit_date.data, form.window_start.data, form.window_end.data,
                                   now=timeutil.now())
        except svc.InvalidInput as error:
            form.visit_date.errors = [*form.visit_date.errors, str(error.message)]
        else:
            prereg = VisitorPreregistration(
                created_by_id=user.id,
                unit_id=form.resolved_unit.id,
                host_name=form.host_name.data,
                visit_date=form.visit_date.data,
                window_start=form.window_start.data,
                window_end=form.window_end.data,
                visitor_name=form.visitor_name.data,
                id_type=IdType(form.id_type.data),
                phone=form.phone.data or "",
                organization=form.organization.data or "",
                purpose=form.purpose.data or "",
                companions=form.companions.data or 0,
                plate=form.plate.data or "",
            )
            db.session.add(prereg)
            db.session.commit()
            flash(_("%(name)s is expected on %(date)s; the desk will see it on the day.",
                    name=prereg.visitor_name, date=prereg.visit_date.isoformat()), "success")
            return redirect_to(url_for("visitors.my_expected"))
    return render("visitors/preregister.html", form=form, unit_options=_unit_options(), purposes=PURPOSES,
                  status=422 if request.method == "POST" else 200)


@bp.route("/expected/<int:prereg_id>/cancel", methods=["POST"])
@roles_required(*HOSTS)
def cancel_expected(prereg_id: int):
    if not EmptyForm().validate_on_submit():
        abort(400)
    prereg = load_own_preregistration(prereg_id)
    if svc.cancel_preregistration(prereg):
        db.session.commit()
        flash(_("The visit of %(name)s is cancelled.", name=prereg.visitor_name), "success")
    else:
        flash(_("This visit can no longer be cancelled."), "info")
    return redirect_to(url_for("visitors.my_expected"))


# ---------------------------------------------------------------- watchlist

WATCH_FIELDS = ("name", "id_type", "id_masked", "plate", "reason", "action")


@bp.route("/watchlist/", methods=["GET", "POST"])
@roles_required(Role.LOGISTICS_ADMIN)
def watchlist():
    form = WatchlistForm()
    if form.validate_on_submit():
        number = form.document_number
        id_type = IdType(form.id_type.data) if number else None
        watch = WatchlistEntry(
            name=form.name.data or "",
            name_key=normalize_name(form.name.data or ""),
            id_type=id_type,
            id_masked=mask_document(id_type, number) if id_type else "",
            id_digest=document_digest(id_type, number, current_settings().digest_secret) if id_type else None,
            plate=form.plate.data or "",
            reason=form.reason.data,
            action=WatchAction(form.action.data),
            created_by_id=current_user.id,
        )
        db.session.add(watch)
        audit.record(_actor(), "visitor.watch_add", watch, after=audit.snapshot(watch, WATCH_FIELDS))
        db.session.commit()
        flash(_("Added to the watchlist."), "success")
        return redirect_to(url_for("visitors.watchlist"))
    page = db.paginate(
        select(WatchlistEntry).options(joinedload(WatchlistEntry.created_by)).order_by(WatchlistEntry.created_at.desc()),
        per_page=25,
        error_out=False,
    )
    if request.method == "POST":
        form.id_number.data = ""
    return render("visitors/watchlist.html", form=form, page=page, delete_form=EmptyForm(formdata=None),
                  status=422 if request.method == "POST" else 200)


@bp.route("/watchlist/<int:watch_id>/delete", methods=["POST"])
@roles_required(Role.LOGISTICS_ADMIN)
def delete_watch(watch_id: int):
    if not EmptyForm().validate_on_submit():
        abort(400)
    watch = db.session.get(WatchlistEntry, watch_id)
    if watch is None:
        abort(404)
    audit.record(_actor(), "visitor.watch_remove", watch, before=audit.snapshot(watch, WATCH_FIELDS))
    db.session.delete(watch)
    db.session.commit()
    flash(_("Removed from the watchlist."), "success")
    return redirect_to(url_for("visitors.watchlist"))
