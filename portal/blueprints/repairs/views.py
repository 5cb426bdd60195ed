from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from typing import Any

from flask import abort, current_app, flash, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import joinedload
from wtforms import SelectChoice

from portal import timeutil
from portal.blueprints.repairs import bp, reports
from portal.blueprints.repairs.export import build_workbook
from portal.blueprints.repairs.forms import CostCorrectionForm, FinishForm, ReportForm, StepForm
from portal.blueprints.repairs.models import (
    ACTION_LABELS,
    CATEGORY_LABELS,
    OPEN_STATUSES,
    STATUS_LABELS,
    URGENCY_LABELS,
    Action,
    Category,
    RepairEvent,
    RepairRequest,
    Status,
    Urgency,
)
from portal.blueprints.repairs.services import (
    TransitionError,
    allowed_actions,
    can_correct_cost,
    can_view,
    correct_cost,
    location_choices,
    location_value,
    move,
    report_fault,
    resolve_location,
)
from portal.db import db
from portal.htmx import redirect_to, render
from portal.models import Building, Floor, Role, User
from portal.security import ADMINS, STAFF, roles_required
from portal.spreadsheets import workbook_bytes

REPORTERS = STAFF + (Role.PROPERTY, Role.SECURITY)  # anyone working in the building may report a fault (guards on their rounds too)
WORKERS = (Role.PROPERTY,) + ADMINS  # the queue and the full list

URGENCY_RANK = case(
    (RepairRequest.urgency == Urgency.URGENT, 0),
    (RepairRequest.urgency == Urgency.NORMAL, 1),
    else_=2,
)


@bp.context_processor
def repair_labels() -> dict[str, Any]:
    return {
        "CATEGORY_LABELS": CATEGORY_LABELS,
        "STATUS_LABELS": STATUS_LABELS,
        "URGENCY_LABELS": URGENCY_LABELS,
        "ACTION_LABELS": ACTION_LABELS,
        "Status": Status,
        "Action": Action,
        "is_worker": current_user.is_authenticated and current_user.has_role(*WORKERS),
        "is_admin": current_user.is_authenticated and current_user.has_role(*ADMINS),
    }


def _with_place(query):
    return query.options(
        joinedload(RepairRequest.floor).joinedload(Floor.building),
        joinedload(RepairRequest.room),
        joinedload(RepairRequest.reporter).joinedload(User.unit),
    )


def load_repair(repair_id: int) -> RepairRequest:
    """The request, if it exists (404) and this user may see it (403)."""
    repair = db.session.scalar(
        _with_place(select(RepairRequest)).options(joinedload(RepairRequest.handler)).where(RepairRequest.id == repair_id)
    )
    if repair is None:
        abort(404)
    if not can_view(current_user, repair):
        abort(403)
    return repair


def _enum_arg(name: str, enum_cls):
    try:
        return enum_cls(request.args.get(name, ""))
    except ValueError:
        return None


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else None


def _page_size() -> int:
    return current_app.config["PAGE_SIZE"]


# --- reporting a fault -------------------------------------------------------------------------


@bp.route("/")
@roles_required(*REPORTERS)
def index():
    """My reports, newest first."""
    only_open = request.args.get("show") != "all"
    query = _with_place(select(RepairRequest)).where(RepairRequest.reporter_id == current_user.id)
    if only_open:
        query = query.where(RepairRequest.status != Status.CONFIRMED)
    query = query.order_by(RepairRequest.reported_at.desc(), RepairRequest.id.desc())
    page = db.paginate(query, per_page=_page_size(), error_out=False)
    return render(
        "repairs/index.html",
        "repairs/_my_table.html",
        page=page,
        show="open" if only_open else "all",
        counts=home_counts(current_user),
    )


def _building_choices() -> list[SelectChoice]:
    buildings = db.session.execute(select(Building.id, Building.name).order_by(Building.sort_order, Building.id))
    return [SelectChoice("", _("All buildings"))] + [SelectChoice(str(bid), name) for bid, name in buildings]


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*REPORTERS)
def new():
    form = ReportForm()
    building_id = _int_arg("building") if request.method == "GET" else None
    form.location.choices = [SelectChoice("", _("— choose —"))] + location_choices(
        building_id, _("common areas (corridor, toilets, stairs)")
    )
    if request.method == "GET":
        office = current_user.office_room
        if office is not None and (building_id is None or office.floor.building_id == building_id):
            form.location.data = location_value(office.floor_id, office.id)
        form.contact.data = current_user.phone_ext
    if form.validate_on_submit():
        place = resolve_location(form.location.data)
        if place is None:  # the room was removed since the page was loaded
            form.location.errors.append(_("Choose the room, or the floor for corridors and toilets."))
        else:
            floor, room = place
            repair = report_fault(
                current_user,
                floor=floor,
                room=room,
                spot=form.spot.data or "",
                category=Category(form.category.data),
                urgency=Urgency(form.urgency.data),
                description=form.description.data,
                contact=form.contact.data or "",
                at=timeutil.now(),
            )
            db.session.commit()
            flash(_("Your report no. %(id)s has been sent to the property company.", id=repair.id), "success")
            return redirect_to(url_for("repairs.detail", repair_id=repair.id))
    return render(
        "repairs/new.html",
        {"location-field": "repairs/_location_field.html"},
        form=form,
        building_choices=_building_choices(),
        building_id=building_id,
        status=422 if request.method == "POST" else 200,
    )


# --- one request and its status flow ----------------------------------------------------------


@dataclass
class DetailForms:
    step: StepForm | None = None
    finish: FinishForm | None = None
    cost: CostCorrectionForm | None = None


def _render_detail(repair: RepairRequest, forms: DetailForms | None = None, *, status: int = 200, error: str = ""):
    forms = forms or DetailForms()
    actions = allowed_actions(repair, current_user)
    if forms.step is None:
        forms.step = StepForm(formdata=None)
    if forms.finish is None and Action.FINISH in actions:
        forms.finish = FinishForm(formdata=None, obj=repair)
    if forms.cost is None and can_correct_cost(repair, current_user):
        forms.cost = CostCorrectionForm(formdata=None, obj=repair)
    events = db.session.scalars(
        select(RepairEvent).options(joinedload(RepairEvent.actor)).where(RepairEvent.request_id == repair.id).order_by(RepairEvent.id)
    ).all()
    return render(
        "repairs/detail.html",
        repair=repair,
        events=events,
        actions=actions,
        forms=forms,
        error=error,
        now=timeutil.now(),
        status=status,
    )


def _refused(repair: RepairRequest, error: TransitionError, forms: DetailForms | None = None):
    db.session.rollback()
    return _render_detail(repair, forms, status=error.status, error=str(error.message))


@bp.route("/<int:repair_id>")
@roles_required(*REPORTERS)
def detail(repair_id: int):
    return _render_detail(load_repair(repair_id))


@bp.route("/<int:repair_id>/step", methods=["POST"])
@roles_required(*REPORTERS)
def step(repair_id: int):
    """Accept, start, confirm or reopen: one button of the flow."""
    repair = load_repair(repair_id)
    form = StepForm()
    if not form.validate_on_submit():
        error = _("That is not a step a repair request can take.") if form.action.errors else ""
        return _render_detail(repair, DetailForms(step=form), status=422, error=error)
    action = Action(form.action.data)
    try:
        move(repair, action, current_user, timeutil.now(), note=form.note.data or "")
    except TransitionError as error:
        if error.status == 422:
            form.note.errors.append(str(error.message))
        return _refused(repair, error, DetailForms(step=form))
    db.session.commit()
    flash(_("Report no. %(id)s: %(action)s.", id=repair.id, action=ACTION_LABELS[action]), "success")
    target = "repairs.queue" if action in (Action.ACCEPT, Action.START) and request.form.get("back") == "queue" else None
    return redirect_to(url_for(target) if target else url_for("repairs.detail", repair_id=repair.id))


@bp.route("/<int:repair_id>/finish", methods=["POST"])
@roles_required(Role.PROPERTY)
def finish(repair_id: int):
    """Mark the work done, with what was done and what it cost."""
    repair = load_repair(repair_id)
    form = FinishForm()
    if not form.validate_on_submit():
        return _render_detail(repair, DetailForms(finish=form), status=422)
    try:
        move(
            repair,
            Action.FINISH,
            current_user,
            timeutil.now(),
            note=form.note.data or "",
            resolution=form.resolution.data,
            parts_cost=form.parts_cost.data,
            labour_cost=form.labour_cost.data,
        )
    except TransitionError as error:
        return _refused(repair, error, DetailForms(finish=form))
    db.session.commit()
    flash(_("Report no. %(id)s is done; the reporter is asked to confirm.", id=repair.id), "success")
    return redirect_to(url_for("repairs.detail", repair_id=repair.id))


@bp.route("/<int:repair_id>/cost", methods=["POST"])
@roles_required(Role.PROPERTY)
def correct(repair_id: int):
    """Correct the cost of a finished repair (a late invoice); the reason is kept."""
    repair = load_repair(repair_id)
    form = CostCorrectionForm()
    if not form.validate_on_submit():
        return _render_detail(repair, DetailForms(cost=form), status=422)
    try:
        correct_cost(
            repair, current_user, timeutil.now(),
            parts_cost=form.parts_cost.data, labour_cost=form.labour_cost.data, note=form.note.data,
        )
    except TransitionError as error:
        return _refused(repair, error, DetailForms(cost=form))
    db.session.commit()
    flash(_("The cost of report no. %(id)s was corrected.", id=repair.id), "success")
    return redirect_to(url_for("repairs.detail", repair_id=repair.id))


# --- the property company's queue and the full list ------------------------------------------


def _filters() -> dict[str, Any]:
    return {
        "status": _enum_arg("status", Status),
        "category": _enum_arg("category", Category),
        "building": _int_arg("building"),
    }


def _filter_query(query, filters: dict[str, Any]):
    if filters.get("status") is not None:
        query = query.where(RepairRequest.status == filters["status"])
    if filters.get("category") is not None:
        query = query.where(RepairRequest.category == filters["category"])
    if filters.get("building") is not None:
        query = query.join(Floor, RepairRequest.floor_id == Floor.id).where(Floor.building_id == filters["building"])
    return query


def _url_args(filters: dict[str, Any]) -> dict[str, Any]:
    """Filters as query arguments for links (pager, polling)."""
    return {k: (v.value if hasattr(v, "value") else v) for k, v in filters.items() if v not in (None, "")}


@bp.route("/queue")
@roles_required(*WORKERS)
def queue():
    """Open requests, most urgent first, then oldest first."""
    filters = _filters()
    if filters["status"] not in (None, *OPEN_STATUSES):
        filters["status"] = None
    query = _filter_query(_with_place(select(RepairRequest)).where(RepairRequest.status.in_(OPEN_STATUSES)), filters)
    query = query.order_by(URGENCY_RANK, RepairRequest.reported_at, RepairRequest.id)
    page = db.paginate(query, per_page=_page_size(), error_out=False)
    return render(
        "repairs/queue.html",
        "repairs/_queue_table.html",
        page=page,
        filters=filters,
        args=_url_args(filters),
        building_choices=_building_choices(),
        now=timeutil.now(),
        step_form=StepForm(formdata=None),
    )


@bp.route("/all")
@roles_required(*WORKERS)
def browse():
    """Every request, newest first, with filters and a text search."""
    filters = _filters()
    filters["year"] = _int_arg("year")
    filters["q"] = request.args.get("q", "").strip()[:60]
    query = _filter_query(_with_place(select(RepairRequest)), filters)
    if filters["year"] is not None and 2000 <= filters["year"] <= 2100:
        start, end = reports.year_bounds(filters["year"])
        query = query.where(RepairRequest.reported_at >= start, RepairRequest.reported_at < end)
    if filters["q"]:
        like = "%" + filters["q"].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(
            or_(
                RepairRequest.description.ilike(like, escape="\\"),
                RepairRequest.spot.ilike(like, escape="\\"),
                RepairRequest.resolution.ilike(like, escape="\\"),
            )
        )
    query = query.order_by(RepairRequest.reported_at.desc(), RepairRequest.id.desc())
    page = db.paginate(query, per_page=_page_size(), error_out=False)
    return render(
        "repairs/all.html",
        "repairs/_all_table.html",
        page=page,
        filters=filters,
        args=_url_args(filters),
        building_choices=_building_choices(),
        years=reports.years_with_repairs(),
    )


# --- reports for the maintenance budget ------------------------------------------------------


def _report_year() -> int | None:
    year = _int_arg("year")
    return year if year is not None and 2000 <= year <= 2100 else None


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
        "awaiting_confirmation": db.session.scalar(
            select(func.count()).select_from(RepairRequest).where(RepairRequest.status == Status.DONE)
        ),
        "repeats": reports.repeat_faults(facts, repeat_end),
        "repeat_end": repeat_end,
        "repeat_window": reports.REPEAT_WINDOW_DAYS,
        "repeat_threshold": reports.REPEAT_THRESHOLD,
        "now": now,
    }


@bp.route("/reports")
@roles_required(*ADMINS)
def reports_page():
    year = _report_year()
    return render(
        "repairs/reports.html",
        years=reports.years_with_repairs(),
        **report_context(year, timeutil.now()),
    )


@bp.route("/reports.xlsx")
@roles_required(*ADMINS)
def export():
    year = _report_year()
    now = timeutil.now()
    buffer = BytesIO(workbook_bytes(build_workbook(report_context(year, now))))
    name = _("repairs-%(scope)s-%(day)s.xlsx", scope=year or _("all-years"), day=now.date().isoformat())
    return send_file(
        buffer,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name=name,
    )


# --- the home page ---------------------------------------------------------------------------


def home_counts(user: User) -> dict[str, int]:
    """Numbers for the home panel and the index: my open reports, what awaits my
    confirmation, and (for the property company) the queue."""
    mine = dict(
        db.session.execute(
            select(RepairRequest.status, func.count())
            .where(RepairRequest.reporter_id == user.id, RepairRequest.status != Status.CONFIRMED)
            .group_by(RepairRequest.status)
        ).all()
    )
    counts = {
        "mine_open": sum(n for status, n in mine.items() if status in OPEN_STATUSES),
        "to_confirm": mine.get(Status.DONE, 0),
    }
    if user.has_role(Role.PROPERTY):
        queue = db.session.execute(
            select(func.count(), func.count(case((RepairRequest.urgency == Urgency.URGENT, 1))))
            .select_from(RepairRequest)
            .where(RepairRequest.status.in_(OPEN_STATUSES))
        ).one()
        counts["queue"], counts["queue_urgent"] = queue
    return counts
