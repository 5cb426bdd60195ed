from __future__ import annotations

import time

from flask import abort, current_app, flash, make_response, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, joinedload, lazyload, selectinload
from wtforms import SelectChoice

from portal import audit, timeutil
from portal.blueprints.directory import EDITORS, bp
from portal.blueprints.directory.exchange import WorkbookError, apply_import, export_workbook, plan_import
from portal.blueprints.directory.forms import ImportForm, RoomForm, StaffForm, UnitForm
from portal.blueprints.directory.indexing import key_index, reconcile_now_and_then
from portal.blueprints.directory.models import SearchKey
from portal.blueprints.directory.permissions import can_edit_unit, editable_unit_ids, edits_everything, require_unit
from portal.blueprints.directory.search import KINDS, PUBLIC_KINDS, MatchRules, candidate_filter, normalize
from portal.blueprints.directory.search import search as search_directory
from portal.blueprints.directory.services import (
    ROOM_KIND_LABELS,
    ListPage,
    ResultSection,
    directory_username,
    floor_plan,
    group_units_by_floor,
    highlight,
    load_buildings,
    load_hits,
    meetings_blocking,
)
from portal.blueprints.guide.models import Service
from portal.blueprints.guide.services import category_order
from portal.blueprints.rooms.labels import EQUIPMENT_LABELS
from portal.cache import LocalCache
from portal.db import db
from portal.htmx import add_vary, redirect_to, render, wants_partial
from portal.i18n import select_locale
from portal.models import Building, Floor, Room, RoomKind, Unit, User
from portal.security import ADMINS, login_required, roles_required

SEARCH_HITS_PER_KIND = 8
UNIT_PAGE_SERVICES = 20

UNIT_FIELDS = ("name", "short_name", "phone", "office_hours", "duties", "headcount", "sort_order")
ROOM_FIELDS = ("name", "kind", "capacity", "area_m2", "equipment", "unit_id")
STAFF_FIELDS = ("display_name", "unit_id", "title", "office_room_id", "phone_ext", "active")


@bp.app_template_filter("search_highlight")
def search_highlight(text: str, query: str) -> Markup:
    return highlight(text, query)


def page_size() -> int:
    return current_app.config["PAGE_SIZE"]


# ---------------------------------------------------------------- loading with 404/403


def load_unit(unit_id: int, *, for_edit: bool = False) -> Unit:
    unit = db.session.scalar(
        select(Unit)
        .options(selectinload(Unit.rooms).joinedload(Room.floor).joinedload(Floor.building))
        .where(Unit.id == unit_id)
    )
    if unit is None:
        abort(404)
    if for_edit:
        require_unit(unit.id)
    return unit


def load_room(room_id: int) -> Room:
    room = db.session.scalar(
        select(Room).options(joinedload(Room.floor).joinedload(Floor.building), joinedload(Room.unit)).where(Room.id == room_id)
    )
    if room is None:
        abort(404)
    return room


def load_staff_entry(user_id: int) -> User:
    """A staff entry the current user may edit (404 if missing, 403 if another unit's)."""
    user = db.session.scalar(select(User).options(joinedload(User.unit)).where(User.id == user_id))
    if user is None:
        abort(404)
    require_unit(user.unit_id)
    return user


def unit_choices(scope: frozenset[int] | None, *, blank: str | None = None) -> list[SelectChoice]:
    query = select(Unit.id, Unit.name).order_by(Unit.sort_order, Unit.id)
    if scope is not None:
        query = query.where(Unit.id.in_(scope or {-1}))
    choices = [SelectChoice(0, blank)] if blank is not None else []
    return choices + [SelectChoice(unit_id, name) for unit_id, name in db.session.execute(query)]


# ---------------------------------------------------------------- public pages


@bp.route("/")
def index():
    buildings = load_buildings()
    units_without_rooms = db.session.scalars(select(Unit).where(~Unit.rooms.any()).order_by(Unit.sort_order, Unit.id)).all()
    return render(
        "directory/index.html",
        groups=group_units_by_floor(buildings),
        units_without_rooms=units_without_rooms,
    )


@bp.route("/units/<int:unit_id>")
def unit(unit_id: int):
    unit = load_unit(unit_id)
    services_query = (
        select(Service)
        .options(joinedload(Service.room).joinedload(Room.floor).joinedload(Floor.building))
        .where(Service.unit_id == unit.id)
        .order_by(category_order(), Service.category, Service.name)
    )
    services = db.session.scalars(services_query.limit(UNIT_PAGE_SERVICES)).all()
    service_count = db.session.scalar(select(func.count()).select_from(Service).where(Service.unit_id == unit.id))
    staff_count = None
    if current_user.is_authenticated:
        staff_count = db.session.scalar(
            select(func.count()).select_from(User).where(User.unit_id == unit.id, User.active.is_(True))
        )
    rooms = sorted(unit.rooms, key=lambda r: (r.floor.building.sort_order, r.floor.level, r.number))
    return render(
        "directory/unit.html",
        unit=unit,
        rooms=rooms,
        services=services,
        service_count=service_count,
        staff_count=staff_count,
        can_edit=can_edit_unit(current_user, unit.id),
        room_kind_labels=ROOM_KIND_LABELS,
    )


@bp.route("/buildings/<int:building_id>")
def building(building_id: int):
    building = db.session.scalar(
        select(Building)
        .options(selectinload(Building.floors).selectinload(Floor.rooms).joinedload(Room.unit))
        .where(Building.id == building_id)
    )
    if building is None:
        abort(404)
    buildings = db.session.execute(select(Building.id, Building.name).order_by(Building.sort_order, Building.id)).all()
    floors = sorted(building.floors, key=lambda f: f.level, reverse=True)
    return render(
        "directory/building.html",
        building=building,
        buildings=buildings,
        floors=floors,
        plan=floor_plan(building),
        room_kind_labels=ROOM_KIND_LABELS,
    )


# Active search sends a request per pause in typing, and people look for the
# same few things (人社局, 社保, 305). Keys hold the directory's version token, so
# an edit anywhere makes older entries unreachable at once; the time limit
# covers data changed outside the portal.
SEARCH_FRAGMENTS = LocalCache(size=512, seconds=60.0)


@bp.route("/search")
def search():
    """One search box. The full page without JavaScript; the results fragment for htmx."""
    now = time.monotonic()
    reconcile_now_and_then(now)
    include_staff = current_user.is_authenticated
    kind = request.args.get("kind", "")
    if kind not in (KINDS if include_staff else PUBLIC_KINDS):
        kind = ""
    page_number = max(1, min(request.args.get("page", 1, type=int) or 1, 10000))
    text = request.args.get("q", "").strip()[:200]
    token, index = key_index()
    cache_key = None
    if token is not None and wants_partial():
        # Everything the fragment depends on: data, language, visitor or staff, the request.
        cache_key = (db.engine.url, token, select_locale(), include_staff, kind, page_number, text)
        html = SEARCH_FRAGMENTS.get(cache_key, now)
        if html is not None:
            return add_vary(make_response(html), "HX-Request")
    results = search_directory(
        text,
        include_staff=include_staff,
        kinds=[kind] if kind else None,
        limit=None if kind else SEARCH_HITS_PER_KIND,  # one kind is paged through in full
        index=index,
    )
    listing = None
    if kind:
        group = results.group(kind)
        hits = group.hits if group else []
        start = (page_number - 1) * page_size()
        items = load_hits(kind, hits[start : start + page_size()])
        listing = ListPage(items, page_number, page_size(), len(hits))
        sections = [ResultSection(kind, len(hits), items)] if hits else []
    else:
        sections = [
            ResultSection(group.kind, group.total, load_hits(group.kind, group.hits[:SEARCH_HITS_PER_KIND]))
            for group in results.groups
        ]
    response = render(
        "directory/search.html",
        "directory/_search_results.html",
        results=results,
        sections=sections,
        kind=kind,
        listing=listing,
    )
    if cache_key is not None:
        SEARCH_FRAGMENTS.put(cache_key, response.get_data(as_text=True), now)
    return response


# ---------------------------------------------------------------- staff directory (logged in)


def staff_query(q: str, unit_id: int | None):
    """Listed staff (active, with a unit), in unit order, then by the pinyin of their names."""
    query = (
        select(User)
        .join(SearchKey, and_(SearchKey.kind == "staff", SearchKey.object_id == User.id))
        .join(Unit, User.unit_id == Unit.id)
        .options(
            contains_eager(User.unit),
            joinedload(User.office_room).joinedload(Room.floor).joinedload(Floor.building),
            lazyload(User.role_rows),
        )
        .order_by(Unit.sort_order, Unit.id, SearchKey.pinyin, User.id)
    )
    if unit_id:
        query = query.where(User.unit_id == unit_id)
    normalized = normalize(q)
    if normalized:
        rules = MatchRules.for_query(normalized)
        query = query.where(candidate_filter(rules, SearchKey.terms, SearchKey.pinyin, SearchKey.initials))
    return query


@bp.route("/staff/")
@login_required
def staff():
    reconcile_now_and_then(time.monotonic())
    q = request.args.get("q", "").strip()[:60]
    unit_id = request.args.get("unit", 0, type=int) or None
    page = db.paginate(staff_query(q, unit_id), per_page=page_size(), error_out=False)
    return render(
        "directory/staff.html",
        "directory/_staff_table.html",
        page=page,
        q=q,
        unit_id=unit_id or 0,
        units=unit_choices(None, blank=_("All units")),
    )


# ---------------------------------------------------------------- administration: units


@bp.route("/admin/units/")
@roles_required(*EDITORS)
def admin_units():
    scope = editable_unit_ids(current_user)
    query = select(Unit).order_by(Unit.sort_order, Unit.id)
    if scope is not None:
        query = query.where(Unit.id.in_(scope or {-1}))
    page = db.paginate(query, per_page=page_size(), error_out=False)
    return render("directory/admin_units.html", page=page, can_create=scope is None)


@bp.route("/admin/units/new", methods=["GET", "POST"])
@bp.route("/admin/units/<int:unit_id>", methods=["GET", "POST"])
@roles_required(*EDITORS)
def edit_unit(unit_id: int | None = None):
    if unit_id is None and not edits_everything(current_user):
        abort(403)  # only the logistics center creates units
    unit = load_unit(unit_id, for_edit=True) if unit_id is not None else None
    form = UnitForm(obj=unit)
    limited = not edits_everything(current_user)
    if limited:
        for name in UnitForm.ADMIN_ONLY_FIELDS:
            delete_field(form, name)
    if form.validate_on_submit():
        name_taken = (
            not limited
            and db.session.scalar(select(Unit.id).where(Unit.name == form.name.data, Unit.id != (unit_id or 0))) is not None
        )
        if name_taken:
            form.name.errors.append(_("Another unit already has this name."))
        else:
            before = audit.snapshot(unit, UNIT_FIELDS) if unit is not None else None
            if unit is None:
                unit = Unit()
                db.session.add(unit)
            for field in form:
                if field.name in UNIT_FIELDS:
                    value = field.data
                    setattr(unit, field.name, value if value is not None else (0 if field.name in {"headcount", "sort_order"} else ""))
            audit.record(
                current_user, "unit.create" if before is None else "unit.update", unit,
                before=before, after=audit.snapshot(unit, UNIT_FIELDS),
            )
            db.session.commit()
            flash(_("Unit %(name)s saved.", name=unit.name), "success")
            return redirect_to(url_for("directory.unit", unit_id=unit.id))
    status = 422 if request.method == "POST" else 200
    return render("directory/unit_form.html", form=form, unit=unit, limited=limited, status=status)


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def delete_field(form, name: str) -> None:
    if hasattr(form, name):
        delattr(form, name)


# ---------------------------------------------------------------- administration: rooms


@bp.route("/admin/rooms/")
@roles_required(*ADMINS)
def admin_rooms():
    building_id = request.args.get("building", 0, type=int)
    query = (
        select(Room)
        .join(Floor)
        .join(Building)
        .options(contains_eager(Room.floor).contains_eager(Floor.building), joinedload(Room.unit))
        .order_by(Building.sort_order, Floor.level, Room.number)
    )
    if building_id:
        query = query.where(Floor.building_id == building_id)
    page = db.paginate(query, per_page=50, error_out=False)
    buildings = db.session.execute(select(Building.id, Building.name).order_by(Building.sort_order)).all()
    return render(
        "directory/admin_rooms.html",
        "directory/_admin_rooms_table.html",
        page=page,
        building_id=building_id,
        buildings=buildings,
        room_kind_labels=ROOM_KIND_LABELS,
    )


@bp.route("/admin/rooms/<int:room_id>", methods=["GET", "POST"])
@roles_required(*ADMINS)
def edit_room(room_id: int):
    room = load_room(room_id)
    form = RoomForm(obj=room)
    form.kind.choices = [SelectChoice(kind.value, label) for kind, label in ROOM_KIND_LABELS.items()]
    form.equipment.choices = [SelectChoice(code, label) for code, label in EQUIPMENT_LABELS.items()]
    form.unit_id.choices = unit_choices(None, blank=_("— vacant —"))
    if request.method == "GET":
        form.kind.data = room.kind.value
        form.unit_id.data = room.unit_id or 0
    if form.validate_on_submit():
        kind = RoomKind(form.kind.data)
        blocking = meetings_blocking(room, kind)
        if not blocking:
            before = audit.snapshot(room, ROOM_FIELDS)
            room.name = form.name.data or ""
            room.kind = kind
            room.capacity = form.capacity.data
            room.area_m2 = form.area_m2.data
            room.equipment = [code for code in EQUIPMENT_LABELS if code in (form.equipment.data or [])]
            room.unit_id = form.unit_id.data or None
            audit.record(current_user, "room.update", room, before=before, after=audit.snapshot(room, ROOM_FIELDS))
            db.session.commit()
            flash(_("Room %(room)s saved.", room=room.label), "success")
            return redirect_to(url_for("directory.admin_rooms", building=room.floor.building_id))
        form.kind.errors.append(_(
            "%(n)s meetings are booked in this room from now on; cancel them before it stops being a meeting room.",
            n=blocking,
        ))
    status = 422 if request.method == "POST" else 200
    return render("directory/room_form.html", form=form, room=room, room_kind_labels=ROOM_KIND_LABELS, status=status)


# ---------------------------------------------------------------- administration: staff entries


@bp.route("/admin/staff/")
@roles_required(*EDITORS)
def admin_staff():
    scope = editable_unit_ids(current_user)
    q = request.args.get("q", "").strip()[:60]
    unit_id = request.args.get("unit", 0, type=int)
    query = (
        select(User)
        .join(Unit, User.unit_id == Unit.id)
        .options(
            contains_eager(User.unit),
            joinedload(User.office_room).joinedload(Room.floor).joinedload(Floor.building),
            lazyload(User.role_rows),
        )
        .order_by(Unit.sort_order, Unit.id, User.active.desc(), User.display_name, User.id)
    )
    if scope is not None:
        query = query.where(User.unit_id.in_(scope or {-1}))
    if unit_id:
        query = query.where(User.unit_id == unit_id)
    if q:
        like = "%" + escape_like(q) + "%"
        query = query.where(User.display_name.like(like, escape="\\") | User.username.like(like, escape="\\"))
    page = db.paginate(query, per_page=page_size(), error_out=False)
    return render(
        "directory/admin_staff.html",
        "directory/_admin_staff_table.html",
        page=page,
        q=q,
        unit_id=unit_id,
        units=unit_choices(scope, blank=_("All units")) if scope is None else [],
    )


def office_choices(scope: frozenset[int] | None) -> list[SelectChoice]:
    query = (
        select(Room)
        .join(Floor)
        .join(Building)
        .join(Unit, Room.unit_id == Unit.id)
        .options(contains_eager(Room.floor).contains_eager(Floor.building), contains_eager(Room.unit))
        .order_by(Unit.sort_order, Building.sort_order, Room.number)
    )
    if scope is not None:
        query = query.where(Room.unit_id.in_(scope or {-1}))
    choices = [SelectChoice(0, "—")]
    for room in db.session.scalars(query):
        choices.append(SelectChoice(room.id, f"{room.unit.short_name or room.unit.name} · {room.label}"))
    return choices


@bp.route("/admin/staff/new", methods=["GET", "POST"])
@bp.route("/admin/staff/<int:user_id>", methods=["GET", "POST"])
@roles_required(*EDITORS)
def edit_staff(user_id: int | None = None):
    person = load_staff_entry(user_id) if user_id is not None else None
    scope = editable_unit_ids(current_user)
    form = StaffForm(obj=person)
    form.unit_id.choices = unit_choices(scope)
    form.office_room_id.choices = office_choices(scope)
    has_login = person is not None and bool(person.password_hash)
    if has_login:
        delete_field(form, "listed")
    if request.method == "GET":
        form.office_room_id.data = person.office_room_id if person and person.office_room_id else 0
        if person is not None:
            form.unit_id.data = person.unit_id or 0
            if not has_login:
                form.listed.data = person.active
    if form.validate_on_submit():
        before = audit.snapshot(person, STAFF_FIELDS) if person is not None else None
        if person is None:
            person = User(username=directory_username(form.display_name.data), password_hash="")
            db.session.add(person)
        person.display_name = form.display_name.data
        person.unit_id = form.unit_id.data
        person.title = form.title.data or ""
        person.office_room_id = form.office_room_id.data or None
        person.phone_ext = form.phone_ext.data or ""
        if not has_login:
            person.active = form.listed.data
        audit.record(
            current_user, "staff.create" if before is None else "staff.update", person,
            before=before, after=audit.snapshot(person, STAFF_FIELDS),
        )
        db.session.commit()
        flash(_("Staff entry %(name)s saved.", name=person.display_name), "success")
        return redirect_to(url_for("directory.admin_staff"))
    status = 422 if request.method == "POST" else 200
    return render("directory/staff_form.html", form=form, person=person, has_login=has_login, status=status)


# ---------------------------------------------------------------- Excel import and export


@bp.route("/admin/exchange", methods=["GET", "POST"])
@roles_required(*EDITORS)
def data_exchange():
    scope = editable_unit_ids(current_user)
    form = ImportForm()
    problems: list = []
    status = 200
    if form.validate_on_submit():
        try:
            plan = plan_import(form.workbook.data.read(), scope)
        except WorkbookError as error:
            form.workbook.errors.append(error.message)
        else:
            if plan.ok:
                try:
                    summary = apply_import(plan, current_user)
                    db.session.commit()
                except IntegrityError:
                    # Someone saved a clashing unit, room or person while we applied.
                    db.session.rollback()
                    form.workbook.errors.append(_("The data changed while importing; nothing was imported. Please try again."))
                else:
                    flash(import_message(summary), "success")
                    return redirect_to(url_for("directory.data_exchange"))
            else:
                db.session.rollback()
                problems = plan.problems
    if request.method == "POST":
        status = 422
    return render("directory/exchange.html", form=form, problems=problems, scope=scope, status=status)


def import_message(summary) -> str:
    parts = []
    for title in sorted(set(summary.created) | set(summary.updated) | set(summary.unchanged)):
        parts.append(
            _(
                "%(sheet)s: %(created)s added, %(updated)s updated, %(unchanged)s unchanged",
                sheet=title,
                created=summary.created.get(title, 0),
                updated=summary.updated.get(title, 0),
                unchanged=summary.unchanged.get(title, 0),
            )
        )
    return _("Import finished.") + " " + "；".join(parts)


@bp.route("/admin/export.xlsx")
@roles_required(*EDITORS)
def export():
    data = export_workbook(editable_unit_ids(current_user))
    response = make_response(data)
    response.headers["Content-Type"] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    filename = f"directory-{timeutil.now():%Y%m%d}.xlsx"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
