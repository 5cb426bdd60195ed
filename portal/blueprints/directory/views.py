from __future__ import annotations

from flask import abort, current_app, flash, make_response, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload
from wtforms import SelectChoice

from portal import cache, timeutil
from portal.blueprints import floor_plan_layers
from portal.blueprints.directory import EDITORS, bp
from portal.blueprints.directory.exchange import export_workbook, import_workbook
from portal.blueprints.directory.forms import (
    ImportForm,
    RoomForm,
    StaffForm,
    SynonymForm,
    UnitForm,
)
from portal.blueprints.directory.indexing import SEARCH_AREA, key_index
from portal.blueprints.directory.models import Synonym
from portal.blueprints.directory.search import KINDS, PUBLIC_KINDS
from portal.blueprints.directory.search import search as search_directory
from portal.blueprints.directory.services import (
    ResultSection,
    admin_rooms_query,
    admin_staff_query,
    admin_units_query,
    building_options,
    building_page,
    directory_index,
    highlight,
    lead_with_unit,
    load_hits,
    office_options,
    save_room,
    save_staff,
    save_unit,
    staff_listing_query,
    unit_options,
    unit_page,
)
from portal.blueprints.directory.synonyms import delete_synonym as remove_synonym
from portal.blueprints.directory.synonyms import save_synonym, synonyms_query
from portal.blueprints.rooms.labels import EQUIPMENT_LABELS
from portal.confirm import confirmation_page, confirmed
from portal.db import db
from portal.forms import EmptyForm, form_status
from portal.htmx import add_vary, redirect_to, render, wants_partial
from portal.i18n import select_locale
from portal.models import Floor, Room, RoomKind, Unit, User
from portal.paging import ListPage
from portal.permissions import can_edit_unit, editable_unit_ids, edits_everything
from portal.requestargs import arg_int, arg_page, paginate
from portal.rules import RuleViolation
from portal.security import ADMINS, login_required, roles_required

SEARCH_HITS_PER_KIND = 8


@bp.app_template_filter("search_highlight")
def search_highlight(text: str, query: str) -> Markup:
    return highlight(text, query)


def lenient_int(name: str) -> int:
    """A filter id from a link or a select: anything that is not an id shows everything."""
    try:
        return arg_int(name, 0) or 0
    except RuleViolation:
        return 0


def lenient_page() -> int:
    try:
        return arg_page()
    except RuleViolation:
        return 1


# ---------------------------------------------------------------- loading with 404/403


def require_unit(unit_id: int | None) -> None:
    """403 unless the current user may edit this unit's data."""
    if not can_edit_unit(current_user, unit_id):
        abort(403)


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


def choices(options: list[tuple[int, str]], *, blank: str | None = None) -> list[SelectChoice]:
    return ([SelectChoice(0, blank)] if blank is not None else []) + [SelectChoice(i, label) for i, label in options]


# ---------------------------------------------------------------- public pages


@bp.route("/")
def index():
    data = directory_index()
    return render("directory/index.html", groups=data.groups, units_without_rooms=data.units_without_rooms)


@bp.route("/units/<int:unit_id>")
def unit(unit_id: int):
    data = unit_page(load_unit(unit_id), include_staff=current_user.is_authenticated)
    return render(
        "directory/unit.html",
        unit=data.unit,
        rooms=data.rooms,
        items=data.items,
        item_count=data.item_count,
        staff_count=data.staff_count,
        can_edit=can_edit_unit(current_user, data.unit.id),
    )


@bp.route("/buildings/<int:building_id>")
def building(building_id: int):
    """The floor guide; ``?layer=<key>`` draws the plan with a layer the user may see
    (any other value: the plain plan)."""
    layers = floor_plan_layers()
    layer = next((candidate for candidate in layers if candidate.key == request.args.get("layer")), None)
    data = building_page(building_id, layer, timeutil.today())
    if data is None:
        abort(404)
    return render(
        "directory/building.html",
        building=data.building,
        buildings=data.buildings,
        floors=data.floors,
        plan=data.plan,
        layers=layers,
        layer=layer,
        annotations=data.annotations,
    )


@bp.route("/search")
@cache.kept_page(("building", "guide", SEARCH_AREA))
def search():
    """One search box. The full page without JavaScript; the results fragment for htmx.

    Active search sends a request per pause in typing, and people look for the
    same few things (人社局, 社保, 305): fragments go through ``portal.cache``
    keyed on the directory's version token, so an edit anywhere makes older
    entries unreachable at once.
    """
    include_staff = current_user.is_authenticated
    kind = request.args.get("kind", "")
    if kind not in (KINDS if include_staff else PUBLIC_KINDS):
        kind = ""
    page_number = min(lenient_page(), 10000)
    text = request.args.get("q", "").strip()[:200]
    token, index = key_index()

    def build() -> str:
        return render_results(text, kind, page_number, include_staff, index).get_data(as_text=True)

    if token is not None and wants_partial():
        # Everything the fragment depends on: data, language, visitor or staff, the request.
        key = ("directory.search", str(db.engine.url), token, select_locale(), include_staff, kind, page_number, text)
        html = cache.cached((), key, build, tokens={})
        return add_vary(make_response(html), "HX-Request")
    return render_results(text, kind, page_number, include_staff, index)


def render_results(text: str, kind: str, page_number: int, include_staff: bool, index):
    results = search_directory(
        text,
        include_staff=include_staff,
        kinds=[kind] if kind else None,
        limit=None if kind else SEARCH_HITS_PER_KIND,  # one kind is paged through in full
        index=index,
    )
    listing = lead = None
    if kind:
        per_page = current_app.config["PAGE_SIZE"]
        group = results.group(kind)
        hits = group.hits if group else []
        start = (page_number - 1) * per_page
        items = load_hits(kind, hits[start : start + per_page])
        listing = ListPage(items, page_number, per_page, len(hits))
        sections = [ResultSection(kind, len(hits), items)] if hits else []
    else:
        sections = [
            ResultSection(group.kind, group.total, load_hits(group.kind, group.hits[:SEARCH_HITS_PER_KIND]))
            for group in results.groups
        ]
        lead = lead_with_unit(results, sections)
    return render(
        "directory/search.html",
        "directory/_search_results.html",
        results=results,
        sections=sections,
        lead=lead,
        kind=kind,
        listing=listing,
    )


# ---------------------------------------------------------------- staff directory (logged in)


@bp.route("/staff/")
@login_required
def staff():
    q = request.args.get("q", "").strip()[:60]
    unit_id = lenient_int("unit")
    page = paginate(staff_listing_query(q, unit_id or None))
    return render(
        "directory/staff.html",
        "directory/_staff_table.html",
        page=page,
        q=q,
        unit_id=unit_id,
        units=choices(unit_options(None), blank=_("All units")),
    )


# ---------------------------------------------------------------- administration: units


@bp.route("/admin/units/")
@roles_required(*EDITORS)
def admin_units():
    scope = editable_unit_ids(current_user)
    page = paginate(admin_units_query(scope))
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
            delattr(form, name)
    if form.validate_on_submit():
        try:
            outcome = save_unit(unit, form.to_draft(), actor=current_user, now=timeutil.now())
            db.session.commit()
        except RuleViolation as error:
            db.session.rollback()
            error.show_on(form)
        else:
            flash(_("Unit %(name)s saved.", name=outcome.obj.name), "success")
            return redirect_to(url_for("directory.unit", unit_id=outcome.obj.id))
    return render("directory/unit_form.html", form=form, unit=unit, limited=limited, status=form_status(form))


# ---------------------------------------------------------------- administration: rooms


@bp.route("/admin/rooms/")
@roles_required(*ADMINS)
def admin_rooms():
    building_id = lenient_int("building")
    page = paginate(admin_rooms_query(building_id or None), per_page=50)
    return render(
        "directory/admin_rooms.html",
        "directory/_admin_rooms_table.html",
        page=page,
        building_id=building_id,
        buildings=building_options(),
    )


@bp.route("/admin/rooms/<int:room_id>", methods=["GET", "POST"])
@roles_required(*ADMINS)
def edit_room(room_id: int):
    room = load_room(room_id)
    form = RoomForm(obj=room)
    form.kind.choices = [SelectChoice(value, label) for value, label in RoomKind.choices()]
    form.equipment.choices = [SelectChoice(code, label) for code, label in EQUIPMENT_LABELS.items()]
    form.unit_id.choices = choices(unit_options(None), blank=_("— vacant —"))
    if request.method == "GET":
        form.kind.data = room.kind.value
        form.unit_id.data = room.unit_id or 0
    if form.validate_on_submit():
        try:
            save_room(room, form.to_draft(), actor=current_user, now=timeutil.now())
            db.session.commit()
        except RuleViolation as error:
            db.session.rollback()
            error.show_on(form)
        else:
            flash(_("Room %(room)s saved.", room=room.label), "success")
            return redirect_to(url_for("directory.admin_rooms", building=room.floor.building_id))
    return render("directory/room_form.html", form=form, room=room, status=form_status(form))


# ---------------------------------------------------------------- administration: staff entries


@bp.route("/admin/staff/")
@roles_required(*EDITORS)
def admin_staff():
    scope = editable_unit_ids(current_user)
    q = request.args.get("q", "").strip()[:60]
    unit_id = lenient_int("unit")
    page = paginate(admin_staff_query(scope, q=q, unit_id=unit_id or None))
    return render(
        "directory/admin_staff.html",
        "directory/_admin_staff_table.html",
        page=page,
        q=q,
        unit_id=unit_id,
        units=choices(unit_options(scope), blank=_("All units")) if scope is None else [],
    )


@bp.route("/admin/staff/new", methods=["GET", "POST"])
@bp.route("/admin/staff/<int:user_id>", methods=["GET", "POST"])
@roles_required(*EDITORS)
def edit_staff(user_id: int | None = None):
    person = load_staff_entry(user_id) if user_id is not None else None
    scope = editable_unit_ids(current_user)
    form = StaffForm(obj=person)
    form.unit_id.choices = choices(unit_options(scope))
    form.office_room_id.choices = choices(office_options(scope), blank="—")
    has_login = person is not None and bool(person.password_hash)
    if has_login:
        delattr(form, "listed")
    if request.method == "GET":
        form.office_room_id.data = person.office_room_id if person and person.office_room_id else 0
        if person is not None:
            form.unit_id.data = person.unit_id or 0
            if not has_login:
                form.listed.data = person.active
    if form.validate_on_submit():
        try:
            outcome = save_staff(person, form.to_draft(), actor=current_user, now=timeutil.now())
            db.session.commit()
        except RuleViolation as error:
            db.session.rollback()
            error.show_on(form)
        else:
            flash(_("Staff entry %(name)s saved.", name=outcome.obj.display_name), "success")
            return redirect_to(url_for("directory.admin_staff"))
    return render("directory/staff_form.html", form=form, person=person, has_login=has_login, status=form_status(form))


# ---------------------------------------------------------------- administration: search synonyms


def load_synonym(synonym_id: int) -> Synonym:
    """An entry the current user may keep (404 if missing, 403 if another unit's or building-wide)."""
    synonym = db.session.get(Synonym, synonym_id)
    if synonym is None:
        abort(404)
    require_unit(synonym.unit_id)
    return synonym


@bp.route("/admin/synonyms/")
@roles_required(*EDITORS)
def admin_synonyms():
    q = request.args.get("q", "").strip()[:60]
    page = paginate(synonyms_query(editable_unit_ids(current_user), q=q))
    return render("directory/admin_synonyms.html", "directory/_admin_synonyms_table.html", page=page, q=q)


@bp.route("/admin/synonyms/new", methods=["GET", "POST"])
@bp.route("/admin/synonyms/<int:synonym_id>", methods=["GET", "POST"])
@roles_required(*EDITORS)
def edit_synonym(synonym_id: int | None = None):
    synonym = load_synonym(synonym_id) if synonym_id is not None else None
    form = SynonymForm(obj=synonym)
    if edits_everything(current_user):
        form.unit_id.choices = choices(unit_options(None), blank=_("Every unit"))
    else:
        delattr(form, "unit_id")
    if request.method == "GET" and synonym is not None:
        form.targets.data = "、".join(synonym.target_list)
        if "unit_id" in form:
            form.unit_id.data = synonym.unit_id or 0
    if form.validate_on_submit():
        try:
            saved = save_synonym(synonym, form.to_draft(), actor=current_user, now=timeutil.now())
            db.session.commit()
        except RuleViolation as error:
            db.session.rollback()
            error.show_on(form)
        else:
            flash(_("Synonym %(word)s saved.", word=saved.word), "success")
            return redirect_to(url_for("directory.admin_synonyms"))
    return render("directory/synonym_form.html", form=form, synonym=synonym, status=form_status(form))


@bp.route("/admin/synonyms/<int:synonym_id>/delete", methods=["POST"])
@roles_required(*EDITORS)
def delete_synonym(synonym_id: int):
    synonym = load_synonym(synonym_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if not confirmed():
        return confirmation_page(
            _("Delete the synonym “%(word)s”?", word=synonym.word),
            detail=_("The search stops looking for %(targets)s when people type it.", targets="、".join(synonym.target_list)),
            button=_("Delete this synonym"),
            cancel_url=url_for("directory.edit_synonym", synonym_id=synonym.id),
        )
    word = synonym.word
    remove_synonym(synonym, actor=current_user, now=timeutil.now())
    db.session.commit()
    flash(_("Synonym %(word)s deleted.", word=word), "success")
    return redirect_to(url_for("directory.admin_synonyms"))


# ---------------------------------------------------------------- Excel import and export


@bp.route("/admin/exchange", methods=["GET", "POST"])
@roles_required(*EDITORS)
def data_exchange():
    scope = editable_unit_ids(current_user)
    form = ImportForm()
    problems: list = []
    if form.validate_on_submit():
        try:
            result = import_workbook(form.workbook.data.read(), actor=current_user, now=timeutil.now())
            if result.problems:
                db.session.rollback()
                problems = result.problems
            else:
                db.session.commit()
                flash(import_message(result.summary), "success")
                return redirect_to(url_for("directory.data_exchange"))
        except RuleViolation as error:
            db.session.rollback()
            error.show_on(form)
        except IntegrityError:
            # Someone saved a clashing unit, room or person while we applied.
            db.session.rollback()
            form.workbook.errors.append(_("The data changed while importing; nothing was imported. Please try again."))
    return render("directory/exchange.html", form=form, problems=problems, scope=scope, status=form_status(form))


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
