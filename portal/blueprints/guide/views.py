from __future__ import annotations

from flask import abort, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from wtforms import SelectChoice

from portal import timeutil
from portal.blueprints.guide import EDITORS, bp
from portal.blueprints.guide.forms import GuideItemForm
from portal.blueprints.guide.models import GuideItem
from portal.blueprints.guide.services import (
    admin_items_query,
    guide_index,
    item_sheet,
    join_lines,
    known_categories,
    room_options,
    save_item,
    unit_options,
)
from portal.blueprints.guide.services import (
    delete_item as remove_item,
)
from portal.cache import kept_page
from portal.confirm import confirmation_page, confirmed
from portal.db import db
from portal.forms import EmptyForm, form_status
from portal.htmx import redirect_to, render
from portal.models import Floor, Room
from portal.permissions import can_edit_unit, editable_unit_ids
from portal.requestargs import arg_int, arg_page, paginate
from portal.rules import RuleViolation
from portal.security import roles_required


def load_item(item_id: int, *, for_edit: bool = False) -> GuideItem:
    item = db.session.scalar(
        select(GuideItem)
        .options(joinedload(GuideItem.unit), joinedload(GuideItem.room).joinedload(Room.floor).joinedload(Floor.building))
        .where(GuideItem.id == item_id)
    )
    if item is None:
        abort(404)
    if for_edit and not can_edit_unit(current_user, item.unit_id):
        abort(403)
    return item


def lenient_int(name: str) -> int:
    """A filter id from a link: anything that is not an id shows everything."""
    try:
        return arg_int(name, 0) or 0
    except RuleViolation:
        return 0


# ---------------------------------------------------------------- public guide


# What the public guide shows is drawn from (portal.cache).
GUIDE_DATA = ("building", "guide")


@bp.route("/")
@kept_page(GUIDE_DATA)
def index():
    category = request.args.get("category", "").strip()[:30]
    unit_id = lenient_int("unit")
    try:
        page_number = arg_page()
    except RuleViolation:
        page_number = 1
    data = guide_index(category=category, unit_id=unit_id or None, page=page_number,
                       per_page=current_app.config["PAGE_SIZE"])
    return render(
        "guide/index.html",
        "guide/_item_list.html",
        page=data.page,
        item_groups=data.page.groups,
        categories=data.categories,
        units=data.units,
        category=category,
        unit_id=unit_id,
        selected_unit=data.selected_unit,
    )


@bp.route("/<int:item_id>")
@kept_page(GUIDE_DATA)
def item(item_id: int):
    sheet = item_sheet(load_item(item_id))
    return render(
        "guide/item.html",
        item=sheet.item,
        related=sheet.related,
        can_edit=can_edit_unit(current_user, sheet.item.unit_id),
    )


# ---------------------------------------------------------------- administration


@bp.route("/admin/")
@roles_required(*EDITORS)
def admin_items():
    scope = editable_unit_ids(current_user)
    q = request.args.get("q", "").strip()[:60]
    unit_id = lenient_int("unit")
    page = paginate(admin_items_query(scope, q=q, unit_id=unit_id or None))
    units = []
    if scope is None:
        units = [SelectChoice(0, _("All units"))] + [SelectChoice(i, name) for i, name in unit_options(None)]
    return render(
        "guide/admin_items.html",
        "guide/_admin_items_table.html",
        page=page,
        q=q,
        unit_id=unit_id,
        units=units,
    )


@bp.route("/admin/new", methods=["GET", "POST"])
@bp.route("/admin/<int:item_id>", methods=["GET", "POST"])
@roles_required(*EDITORS)
def edit_item(item_id: int | None = None):
    item = load_item(item_id, for_edit=True) if item_id is not None else None
    scope = editable_unit_ids(current_user)
    form = GuideItemForm(obj=item)
    form.unit_id.choices = [SelectChoice(i, name) for i, name in unit_options(scope)]
    form.room_id.choices = [SelectChoice(0, "—")] + [SelectChoice(i, label) for i, label in room_options(scope)]
    if request.method == "GET":
        if item is not None:
            form.materials.data = join_lines(item.materials)
            form.steps.data = join_lines(item.steps)
            form.room_id.data = item.room_id or 0
        else:
            form.unit_id.data = lenient_int("unit") or (next(iter(scope)) if scope else 0)
    if form.validate_on_submit():
        try:
            outcome = save_item(item, form.to_draft(), actor=current_user, now=timeutil.now())
            db.session.commit()
        except RuleViolation as error:
            db.session.rollback()
            error.show_on(form)
        else:
            flash(_("Service %(name)s saved.", name=outcome.item.name), "success")
            return redirect_to(url_for("guide.item", item_id=outcome.item.id))
    return render(
        "guide/item_form.html",
        form=form,
        item=item,
        categories=known_categories(),
        status=form_status(form),
    )


@bp.route("/admin/<int:item_id>/delete", methods=["POST"])
@roles_required(*EDITORS)
def delete_item(item_id: int):
    item = load_item(item_id, for_edit=True)
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    if not confirmed():
        return confirmation_page(
            _("Delete “%(name)s” from the guide?", name=item.name),
            detail=_("The service disappears from the guide and the search; the audit log keeps its last content."),
            button=_("Delete this service"),
            cancel_url=url_for("guide.edit_item", item_id=item.id),
        )
    name = item.name
    remove_item(item, actor=current_user, now=timeutil.now())
    db.session.commit()
    flash(_("Service %(name)s deleted.", name=name), "success")
    return redirect_to(url_for("guide.admin_items"))
