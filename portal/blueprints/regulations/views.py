from __future__ import annotations

from typing import Any

from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal import timeutil
from portal.blueprints.regulations import bp
from portal.blueprints.regulations.forms import RegulationForm, ReviseForm
from portal.blueprints.regulations.models import Regulation
from portal.blueprints.regulations.services import EDITORS, create, find, listing_query, revise, unit_choices
from portal.db import db
from portal.forms import form_status
from portal.htmx import redirect_to, render
from portal.requestargs import arg_int, paginate
from portal.rules import RuleViolation
from portal.security import login_required, roles_required


def _page(template: str, partial: Any = None, **context: Any):
    context.setdefault("is_editor", current_user.has_role(*EDITORS))
    context.setdefault("today", timeutil.today())
    return render(template, partial, **context)


def load(regulation_id: int) -> Regulation:
    regulation = find(regulation_id)
    if regulation is None:
        abort(404)
    return regulation


@bp.route("/")
@login_required
def index():
    """Every rule of the building, with the date its text in force took effect."""
    return _page("regulations/index.html", page=paginate(listing_query()))


@bp.route("/<int:regulation_id>")
@login_required
def detail(regulation_id: int):
    """The text in force (or the version asked for), and the list of versions."""
    regulation = load(regulation_id)
    today = timeutil.today()
    number = arg_int("version", None, minimum=1, maximum=10_000)
    current = regulation.in_force(today)
    if number is not None:
        shown = next((v for v in regulation.versions if v.number == number), None)
        if shown is None:
            abort(404)
    else:
        shown = current or regulation.versions[0]
    return _page("regulations/detail.html", regulation=regulation, shown=shown, current=current,
                 upcoming=regulation.upcoming(today))


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def new():
    form = RegulationForm()
    form.unit_id.choices = unit_choices(_("— none —"))
    if request.method == "GET":
        form.effective_from.data = timeutil.today()
    if form.validate_on_submit():
        try:
            regulation = create(form.to_draft(), actor=current_user, now=timeutil.now())
        except RuleViolation as error:
            db.session.rollback()
            error.show_on(form)
        else:
            db.session.commit()
            flash(_("“%(title)s” is in the rules library.", title=regulation.title), "success")
            return redirect_to(url_for("regulations.detail", regulation_id=regulation.id))
    return _page("regulations/new.html", form=form, status=form_status(form))


@bp.route("/<int:regulation_id>/revise", methods=["GET", "POST"])
@roles_required(*EDITORS)
def revise_view(regulation_id: int):
    """A new version: the current text to edit, a date it takes effect and what changed."""
    regulation = load(regulation_id)
    form = ReviseForm()
    if request.method == "GET":
        form.text.data = regulation.versions[-1].text
        form.effective_from.data = max(timeutil.today(), regulation.versions[-1].effective_from)
    if form.validate_on_submit():
        try:
            version = revise(regulation, form.version_draft(), actor=current_user, now=timeutil.now())
        except RuleViolation as error:
            db.session.rollback()
            error.show_on(form)
        else:
            db.session.commit()
            flash(_("Version %(num)s of “%(title)s” is saved; it is in force from %(date)s.", num=version.number,
                    title=regulation.title, date=version.effective_from.isoformat()), "success")
            return redirect_to(url_for("regulations.detail", regulation_id=regulation.id))
    return _page("regulations/revise.html", form=form, regulation=regulation, status=form_status(form))
