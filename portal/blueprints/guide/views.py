from __future__ import annotations

from itertools import groupby

from flask import abort, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, joinedload
from wtforms import SelectChoice

from portal import audit
from portal.blueprints.directory.permissions import can_edit_unit, editable_unit_ids, require_unit
from portal.blueprints.guide import bp
from portal.blueprints.guide.forms import ServiceForm
from portal.blueprints.guide.models import Service
from portal.blueprints.guide.services import SERVICE_FIELDS, category_order, join_lines, service_name_taken, split_lines
from portal.db import db
from portal.forms import EmptyForm
from portal.htmx import redirect_to, render
from portal.models import Building, Floor, Role, Room, RoomKind, Unit
from portal.security import ADMINS, roles_required

EDITORS = ADMINS + (Role.UNIT_ADMIN,)
RELATED_SERVICES = 10


def page_size() -> int:
    return current_app.config["PAGE_SIZE"]


def load_service(service_id: int, *, for_edit: bool = False) -> Service:
    service = db.session.scalar(
        select(Service)
        .options(joinedload(Service.unit), joinedload(Service.room).joinedload(Room.floor).joinedload(Floor.building))
        .where(Service.id == service_id)
    )
    if service is None:
        abort(404)
    if for_edit:
        require_unit(service.unit_id)
    return service


# ---------------------------------------------------------------- public guide


@bp.route("/")
def index():
    category = request.args.get("category", "").strip()[:30]
    unit_id = request.args.get("unit", 0, type=int)
    categories = db.session.execute(
        select(Service.category, func.count()).group_by(Service.category).order_by(category_order(), Service.category)
    ).all()
    units = db.session.execute(
        select(Unit.id, Unit.name, Unit.short_name, func.count(Service.id))
        .join(Service, Service.unit_id == Unit.id)
        .group_by(Unit.id, Unit.name, Unit.short_name, Unit.sort_order)
        .order_by(Unit.sort_order, Unit.id)
    ).all()
    query = (
        select(Service)
        .join(Unit, Service.unit_id == Unit.id)
        .options(contains_eager(Service.unit), joinedload(Service.room).joinedload(Room.floor).joinedload(Floor.building))
        .order_by(category_order(), Service.category, Unit.sort_order, Service.name, Service.id)
    )
    if category:
        query = query.where(Service.category == category)
    if unit_id:
        query = query.where(Service.unit_id == unit_id)
    page = db.paginate(query, per_page=page_size(), error_out=False)
    selected_unit = db.session.get(Unit, unit_id) if unit_id else None
    # Consecutive runs (Jinja's groupby would re-sort the categories by code point).
    service_groups = [(name, list(services)) for name, services in groupby(page.items, key=lambda s: s.category)]
    return render(
        "guide/index.html",
        "guide/_service_list.html",
        page=page,
        service_groups=service_groups,
        categories=categories,
        units=units,
        category=category,
        unit_id=unit_id,
        selected_unit=selected_unit,
    )


@bp.route("/<int:service_id>")
def service(service_id: int):
    service = load_service(service_id)
    related = db.session.scalars(
        select(Service)
        .where(Service.unit_id == service.unit_id, Service.id != service.id)
        .order_by(category_order(), Service.category, Service.name)
        .limit(RELATED_SERVICES)
    ).all()
    return render(
        "guide/service.html",
        service=service,
        related=related,
        can_edit=can_edit_unit(current_user, service.unit_id),
    )


# ---------------------------------------------------------------- administration


@bp.route("/admin/")
@roles_required(*EDITORS)
def admin_services():
    scope = editable_unit_ids(current_user)
    q = request.args.get("q", "").strip()[:60]
    unit_id = request.args.get("unit", 0, type=int)
    query = (
        select(Service)
        .join(Unit, Service.unit_id == Unit.id)
        .options(contains_eager(Service.unit))
        .order_by(Unit.sort_order, Service.category, Service.name, Service.id)
    )
    if scope is not None:
        query = query.where(Service.unit_id.in_(scope or {-1}))
    if unit_id:
        query = query.where(Service.unit_id == unit_id)
    if q:
        escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(Service.name.like(f"%{escaped}%", escape="\\"))
    page = db.paginate(query, per_page=page_size(), error_out=False)
    units = []
    if scope is None:
        units = [SelectChoice(0, _("All units"))] + [
            SelectChoice(i, name) for i, name in db.session.execute(select(Unit.id, Unit.name).order_by(Unit.sort_order))
        ]
    return render(
        "guide/admin_services.html",
        "guide/_admin_services_table.html",
        page=page,
        q=q,
        unit_id=unit_id,
        units=units,
    )


def unit_choices(scope: frozenset[int] | None) -> list[SelectChoice]:
    query = select(Unit.id, Unit.name).order_by(Unit.sort_order, Unit.id)
    if scope is not None:
        query = query.where(Unit.id.in_(scope or {-1}))
    return [SelectChoice(i, name) for i, name in db.session.execute(query)]


def room_choices(scope: frozenset[int] | None) -> list[SelectChoice]:
    """Service halls, then the rooms of the units this user edits (every room for logistics)."""
    query = (
        select(Room)
        .join(Floor)
        .join(Building)
        .options(contains_eager(Room.floor).contains_eager(Floor.building), joinedload(Room.unit))
        .order_by((Room.kind != RoomKind.SERVICE_HALL), Building.sort_order, Floor.level, Room.number)
    )
    if scope is not None:
        query = query.where((Room.kind == RoomKind.SERVICE_HALL) | Room.unit_id.in_(scope or {-1}))
    choices = [SelectChoice(0, "—")]
    for room in db.session.scalars(query):
        label = room.label
        if room.name:
            label += f" {room.name}"
        if room.unit:
            label += f" · {room.unit.short_name or room.unit.name}"
        choices.append(SelectChoice(room.id, label))
    return choices


@bp.route("/admin/new", methods=["GET", "POST"])
@bp.route("/admin/<int:service_id>", methods=["GET", "POST"])
@roles_required(*EDITORS)
def edit_service(service_id: int | None = None):
    service = load_service(service_id, for_edit=True) if service_id is not None else None
    scope = editable_unit_ids(current_user)
    form = ServiceForm(obj=service)
    form.unit_id.choices = unit_choices(scope)
    form.room_id.choices = room_choices(scope)
    if request.method == "GET":
        if service is not None:
            form.materials.data = join_lines(service.materials)
            form.steps.data = join_lines(service.steps)
            form.room_id.data = service.room_id or 0
        else:
            form.unit_id.data = request.args.get("unit", 0, type=int) or (next(iter(scope)) if scope else 0)
    if form.validate_on_submit():
        if service_name_taken(form.unit_id.data, form.name.data, service_id):
            form.name.errors.append(_("This unit already has a service with this name."))
        else:
            before = audit.snapshot(service, SERVICE_FIELDS) if service is not None else None
            if service is None:
                service = Service()
                db.session.add(service)
            service.name = form.name.data
            service.category = form.category.data
            service.unit_id = form.unit_id.data
            service.room_id = form.room_id.data or None
            service.materials = split_lines(form.materials.data)
            service.steps = split_lines(form.steps.data)
            service.fee = form.fee.data
            service.legal_days = form.legal_days.data
            service.promised_days = form.promised_days.data
            for name in ("window", "hours", "fee_note", "phone", "notes", "keywords"):
                setattr(service, name, getattr(form, name).data or "")
            audit.record(
                current_user, "service.create" if before is None else "service.update", service,
                before=before, after=audit.snapshot(service, SERVICE_FIELDS),
            )
            db.session.commit()
            flash(_("Service %(name)s saved.", name=service.name), "success")
            return redirect_to(url_for("guide.service", service_id=service.id))
    status = 422 if request.method == "POST" else 200
    categories = db.session.scalars(select(Service.category).distinct().order_by(Service.category)).all()
    return render(
        "guide/service_form.html",
        form=form,
        service=service,
        categories=categories,
        status=status,
    )


@bp.route("/admin/<int:service_id>/delete", methods=["POST"])
@roles_required(*EDITORS)
def delete_service(service_id: int):
    service = load_service(service_id, for_edit=True)
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    audit.record(current_user, "service.delete", service, before=audit.snapshot(service, SERVICE_FIELDS),
                 summary=service.name)
    db.session.delete(service)
    db.session.commit()
    flash(_("Service %(name)s deleted.", name=service.name), "success")
    return redirect_to(url_for("guide.admin_services"))
