from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from io import BytesIO
from typing import Any

from flask import abort, current_app, flash, render_template, request, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from wtforms import SelectChoice

from portal import timeutil
from portal.blueprints.repairs import bp, figures, reports, statistics
from portal.blueprints.repairs.export import build_workbook
from portal.blueprints.repairs.forms import CostCorrectionForm, FinishForm, HoldForm, ReportForm, StepForm
from portal.blueprints.repairs.models import OPEN_STATUSES, Action, Category, HoldReason, RepairRequest, Status, Urgency
from portal.blueprints.repairs.services import (
    Filters,
    allowed_actions,
    awaiting_confirmation,
    browse_query,
    building_choices,
    can_correct_cost,
    can_view,
    correct_cost,
    find_repair,
    history,
    home_counts,
    kept_building_choices,
    location_choices,
    location_value,
    move,
    my_reports_query,
    queue_page,
    report_fault,
    waiting_time,
)
from portal.blueprints.repairs.tables import queue_rows
from portal.cache import cached, kept_page, read_tokens
from portal.db import db
from portal.forms import form_status
from portal.htmx import redirect_to, render
from portal.models import Role
from portal.paging import ListPage
from portal.requestargs import arg_enum, arg_int, arg_month, arg_page, paginate
from portal.rules import BadArgument, RuleViolation
from portal.security import ADMINS, STAFF, roles_required
from portal.spreadsheets import workbook_bytes

REPORTERS = STAFF + (Role.PROPERTY, Role.SECURITY)  # anyone working in the building may report a fault (guards on their rounds too)
WORKERS = (Role.PROPERTY,) + ADMINS  # the queue and the full list
FIRST_YEAR, LAST_YEAR = 2000, 2100


def _page(template: str, partial: Any = None, **context: Any):
    """Render a repairs page; the sub-navigation needs to know who is looking."""
    context.setdefault("is_worker", current_user.has_role(*WORKERS))
    context.setdefault("is_admin", current_user.has_role(*ADMINS))
    context.update(Status=Status, Action=Action, categories=list(Category), HoldReason=HoldReason, open_statuses=OPEN_STATUSES,
                   repairs_waiting=waiting_time)
    return render(template, partial, **context)


def load_repair(repair_id: int) -> RepairRequest:
    """The request, if it exists (404) and this user may see it (403)."""
    repair = find_repair(repair_id)
    if repair is None:
        abort(404)
    if not can_view(current_user, repair):
        abort(403)
    return repair


def _year_arg() -> int | None:
    return arg_int("year", None, minimum=FIRST_YEAR, maximum=LAST_YEAR)


# --- reporting a fault -------------------------------------------------------------------------


@bp.route("/")
@roles_required(*REPORTERS)
def index():
    """My reports, newest first."""
    only_open = request.args.get("show") != "all"
    return _page(
        "repairs/index.html",
        "repairs/_my_table.html",
        page=paginate(my_reports_query(current_user, only_open=only_open)),
        show="open" if only_open else "all",
        counts=home_counts(current_user),
    )


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*REPORTERS)
def new():
    form = ReportForm()
    building_id = arg_int("building") if request.method == "GET" else None
    form.location.choices = [SelectChoice("", _("— choose —"))] + location_choices(
        building_id, _("common areas (corridor, toilets, stairs)")
    )
    if request.method == "GET":
        office = current_user.office_room
        if office is not None and (building_id is None or office.floor.building_id == building_id):
            form.location.data = location_value(office.floor_id, office.id)
        form.contact.data = current_user.phone_ext
    if form.validate_on_submit():
        try:
            repair = report_fault(form.to_draft(), actor=current_user, now=timeutil.now())
        except RuleViolation as error:
            db.session.rollback()
            error.show_on(form)
        else:
            db.session.commit()
            flash(_("Your report no. %(id)s has been sent to the property company.", id=repair.id), "success")
            return redirect_to(url_for("repairs.detail", repair_id=repair.id))
    return _page(
        "repairs/new.html",
        {"location-field": "repairs/_location_field.html"},
        form=form,
        building_choices=building_choices(_("All buildings")),
        building_id=building_id,
        status=form_status(form),
    )


# --- one request and its status flow ----------------------------------------------------------


@dataclass
class DetailForms:
    step: StepForm | None = None
    hold: HoldForm | None = None
    finish: FinishForm | None = None
    cost: CostCorrectionForm | None = None


def _render_detail(repair: RepairRequest, forms: DetailForms | None = None, *, status: int = 200, error: str = ""):
    forms = forms or DetailForms()
    actions = allowed_actions(repair, current_user)
    if forms.step is None:
        forms.step = StepForm(formdata=None)
    if forms.hold is None and Action.HOLD in actions:
        forms.hold = HoldForm(formdata=None)
    if forms.finish is None and Action.FINISH in actions:
        forms.finish = FinishForm(formdata=None, data={"parts_cost": None, "labour_cost": None})
    if forms.cost is None and can_correct_cost(repair, current_user):
        last = repair.visits[-1] if repair.visits else None
        forms.cost = CostCorrectionForm(formdata=None, obj=last)
    return _page(
        "repairs/detail.html",
        repair=repair,
        events=history(repair),
        actions=actions,
        forms=forms,
        error=error,
        now=timeutil.now(),
        status=status,
    )


def _refused(repair: RepairRequest, error: RuleViolation, form: Any, forms: DetailForms):
    db.session.rollback()
    if error.status == 422:
        error.show_on(form)
        return _render_detail(repair, forms, status=422)
    return _render_detail(repair, forms, status=error.status, error=str(error))


@bp.route("/<int:repair_id>")
@roles_required(*REPORTERS)
def detail(repair_id: int):
    return _render_detail(load_repair(repair_id))


@bp.route("/<int:repair_id>/step", methods=["POST"])
@roles_required(*REPORTERS)
def step(repair_id: int):
    """Accept, start, resume, confirm or reopen: one button of the flow."""
    repair = load_repair(repair_id)
    form = StepForm()
    if not form.validate_on_submit():
        error = _("That is not a step a repair request can take.") if form.action.errors else ""
        return _render_detail(repair, DetailForms(step=form), status=422, error=error)
    action = Action(form.action.data)
    try:
        move(repair, action, actor=current_user, now=timeutil.now(), note=form.note.data or "")
    except RuleViolation as error:
        return _refused(repair, error, form, DetailForms(step=form))
    db.session.commit()
    flash(_("Report no. %(id)s: %(action)s.", id=repair.id, action=action.label), "success")
    target = "repairs.queue" if action in (Action.ACCEPT, Action.START) and request.form.get("back") == "queue" else None
    return redirect_to(url_for(target) if target else url_for("repairs.detail", repair_id=repair.id))


@bp.route("/<int:repair_id>/hold", methods=["POST"])
@roles_required(Role.PROPERTY)
def hold(repair_id: int):
    """Stop the work for a reason (parts on order, a contractor needed); it goes back to in progress later."""
    repair = load_repair(repair_id)
    form = HoldForm()
    if not form.validate_on_submit():
        return _render_detail(repair, DetailForms(hold=form), status=422)
    try:
        move(repair, Action.HOLD, actor=current_user, now=timeutil.now(), note=form.hold_note.data or "",
             hold_reason=form.hold_reason.data)
    except RuleViolation as error:
        return _refused(repair, error, form, DetailForms(hold=form))
    db.session.commit()
    flash(_("Report no. %(id)s: %(action)s.", id=repair.id, action=Action.HOLD.label), "success")
    return redirect_to(url_for("repairs.detail", repair_id=repair.id))


@bp.route("/<int:repair_id>/finish", methods=["POST"])
@roles_required(Role.PROPERTY)
def finish(repair_id: int):
    """Mark the work done, with what was done and what this visit cost."""
    repair = load_repair(repair_id)
    form = FinishForm()
    if not form.validate_on_submit():
        return _render_detail(repair, DetailForms(finish=form), status=422)
    try:
        move(
            repair,
            Action.FINISH,
            actor=current_user,
            now=timeutil.now(),
            note=form.note.data or "",
            resolution=form.resolution.data,
            parts_cost=form.parts_cost.data,
            labour_cost=form.labour_cost.data,
        )
    except RuleViolation as error:
        return _refused(repair, error, form, DetailForms(finish=form))
    db.session.commit()
    flash(_("Report no. %(id)s is done; the reporter is asked to confirm.", id=repair.id), "success")
    return redirect_to(url_for("repairs.detail", repair_id=repair.id))


@bp.route("/<int:repair_id>/cost", methods=["POST"])
@roles_required(Role.PROPERTY)
def correct(repair_id: int):
    """Correct the cost of the latest visit (a late invoice); the reason and the old amounts are kept."""
    repair = load_repair(repair_id)
    form = CostCorrectionForm()
    if not form.validate_on_submit():
        return _render_detail(repair, DetailForms(cost=form), status=422)
    try:
        correct_cost(
            repair, actor=current_user, now=timeutil.now(),
            parts_cost=form.parts_cost.data, labour_cost=form.labour_cost.data, note=form.note.data,
        )
    except RuleViolation as error:
        return _refused(repair, error, form, DetailForms(cost=form))
    db.session.commit()
    flash(_("The cost of report no. %(id)s was corrected.", id=repair.id), "success")
    return redirect_to(url_for("repairs.detail", repair_id=repair.id))


# --- the property company's queue and the full list ------------------------------------------


def _filters(*, statuses: tuple[Status, ...] | None = None, with_text: bool = False) -> Filters:
    status = arg_enum("status", Status)
    if statuses is not None and status not in statuses:
        status = None
    return Filters(
        status=status,
        category=arg_enum("category", Category),
        building=arg_int("building"),
        year=_year_arg() if with_text else None,
        q=request.args.get("q", "").strip()[:60] if with_text else "",
        urgency=arg_enum("urgency", Urgency),
        overdue_at=timeutil.now() if request.args.get("overdue") == "1" else None,
    )


# What the queue's table is drawn from. Reporters' names come from the accounts,
# which have no data version: a renamed reporter shows once the drawing expires
# (portal.cache keeps it five minutes at most).
QUEUE_DATA = ("repairs", "building")
# Where each row's form takes the viewer's CSRF token: the drawing is shared by
# every property worker, the token is not. Text typed by people is escaped in the
# drawing, so none of it can read as this slot.
TOKEN_SLOT = Markup("<csrf-token>")


@bp.route("/queue")
@kept_page(QUEUE_DATA, signed_in=True)
@roles_required(*WORKERS)
def queue():
    """Open requests, most urgent first, then oldest first."""
    filters = _filters(statuses=OPEN_STATUSES)
    now = timeutil.now()
    may_step = current_user.has_role(Role.PROPERTY)
    tokens = read_tokens(QUEUE_DATA)
    locale = str(get_locale())
    # The waiting times move on each minute; "overdue" is worked out at the moment drawn.
    key = ("repairs.queue", replace(filters, overdue_at=None), filters.overdue_at is not None, arg_page(), locale,
           may_step, timeutil.floor_to(now, timedelta(minutes=1)))

    def draw() -> Markup:
        return Markup(render_template(
            "repairs/_queue_table.html",
            page=queue_page(filters, arg_page(), current_app.config["PAGE_SIZE"]),
            args=filters.url_args(),
            now=now,
            may_step=may_step,
            step_token=TOKEN_SLOT,
            queue_rows=queue_rows,
        ))

    table = cached(QUEUE_DATA, key, draw, tokens=tokens)
    if may_step:
        table = Markup(table.replace(TOKEN_SLOT, generate_csrf()))
    return _page(
        "repairs/queue.html",
        table,
        table=table,
        filters=filters,
        building_choices=kept_building_choices(_("All buildings")),
    )


@bp.route("/all")
@roles_required(*WORKERS)
def browse():
    """Every request, newest first, with filters and a text search."""
    filters = _filters(with_text=True)
    return _page(
        "repairs/all.html",
        "repairs/_all_table.html",
        page=paginate(browse_query(filters)),
        filters=filters,
        args=filters.url_args(),
        building_choices=building_choices(_("All buildings")),
        years=reports.years_with_repairs(),
    )


# --- reports for the maintenance budget ------------------------------------------------------


def report_context(year: int | None, now: datetime) -> dict[str, Any]:
    start, end = reports.year_bounds(year) if year else (None, None)
    facts = reports.load_facts(start=start, end=end)
    open_facts = reports.load_facts(statuses=OPEN_STATUSES)
    repeat_end = min(now, end) if end is not None else now
    return {
        "year": year,
        "facts": facts,
        "total": reports.Tally("", len(facts), reports.sum_costs(facts)),
        "by_year": reports.tally(facts, reports.by_year),
        "by_building": reports.tally(facts, reports.by_building),
        "by_floor": reports.tally(facts, reports.by_floor),
        "by_category": reports.tally(facts, reports.by_category),
        "category_trend": reports.by_year_crosstab(facts, reports.by_category),
        "open_by_age": reports.open_by_age(open_facts, now),
        "oldest_open": reports.oldest_open(open_facts),
        "awaiting_confirmation": awaiting_confirmation(),
        "repeats": reports.repeat_faults(facts, repeat_end),
        "repeat_end": repeat_end,
        "repeat_window": reports.REPEAT_WINDOW_DAYS,
        "repeat_threshold": reports.REPEAT_THRESHOLD,
        "now": now,
    }


MONTHS_PER_PAGE = 12


def _month_range() -> tuple[date, date]:
    """The months of the charts (``from``, ``to``: 2026-05); the last twelve when not given."""
    first, last = statistics.default_range(timeutil.today())
    first, last = arg_month("from", first), arg_month("to", last)
    try:
        statistics.check_range(first, last)
    except RuleViolation as error:
        raise BadArgument(error.message, field=error.field) from None
    return first, last


def _range_args(first: date, last: date) -> dict[str, str]:
    return {"from": f"{first:%Y-%m}", "to": f"{last:%Y-%m}"}


@bp.route("/reports")
@roles_required(*ADMINS)
def reports_page():
    first, last = _month_range()
    monthly = statistics.repair_statistics(first, last)
    return _page(
        "repairs/reports.html",
        years=reports.years_with_repairs(),
        monthly=monthly,
        charts=figures.all_charts(monthly),
        month_page=ListPage.of(monthly.months, arg_page(), MONTHS_PER_PAGE),
        range_args=_range_args(first, last),
        longest_months=statistics.LONGEST_MONTHS,
        **report_context(_year_arg(), timeutil.now()),
    )


@bp.route("/reports.xlsx")
@roles_required(*ADMINS)
def export():
    year = _year_arg()
    now = timeutil.now()
    start, end = reports.year_bounds(year) if year else (None, None)
    context = report_context(year, now)
    context["monthly"] = statistics.repair_statistics(*_month_range())
    context["rows"] = reports.detail_rows(start=start, end=end)
    buffer = BytesIO(workbook_bytes(build_workbook(context)))
    name = _("repairs-%(scope)s-%(day)s.xlsx", scope=year or _("all-years"), day=now.date().isoformat())
    return send_file(
        buffer,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name=name,
    )

