from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from portal import timeutil
from portal.blueprints.notices import bp
from portal.blueprints.notices.forms import NoticeForm
from portal.blueprints.notices.models import Audience, Notice
from portal.blueprints.notices.services import (
    NoticeState,
    audiences_for,
    current_notice_list,
    current_notices_query,
    excerpt,
    is_notice_admin,
    managed_notices_query,
    may_manage,
    may_publish,
    may_read,
    notice_state,
    publish_notice,
    render_body,
    update_notice,
    unit_choices,
    withdraw_notice,
)
from portal.confirm import confirmation_page, confirmed
from portal.db import db
from portal.extensions import login_manager
from portal.forms import EmptyForm, form_status
from portal.htmx import redirect_to, render
from portal.models import Role
from portal.requestargs import arg_enum, paginate
from portal.rules import RuleViolation
from portal.security import ADMINS, roles_required

HOME_PANEL_SIZE = 5
MANAGERS = ADMINS + (Role.UNIT_ADMIN,)


def load_notice(notice_id: int, *, manage: bool = False) -> Notice:
    """The notice, if this user may read it (or, with ``manage``, change it).

    A notice the user may not know of is a 404; a current staff-only notice
    sends visitors to the login page.
    """
    notice = db.get_or_404(Notice, notice_id)  # loading the object by id
    if manage:
        if not may_manage(current_user, notice):
            abort(403)
        return notice
    now = timeutil.now()
    if may_read(current_user, notice, now):
        return notice
    if notice_state(notice, now) is NoticeState.CURRENT and notice.audience is Audience.STAFF:
        if not current_user.is_authenticated:
            abort(login_manager.unauthorized())
        abort(403)
    abort(404)


def template_helpers() -> dict:
    return {"excerpt": excerpt, "NoticeState": NoticeState}


def home_panel_html() -> str:
    now = timeutil.now()
    notices = current_notice_list(now, audiences_for(current_user), HOME_PANEL_SIZE)
    return render_template("notices/_home_panel.html", notices=notices, **template_helpers())


@bp.route("/")
def index():
    now = timeutil.now()
    query = current_notices_query(now, audiences_for(current_user))
    page = paginate(query)
    return render(
        "notices/index.html", "notices/_list.html", page=page, may_publish=may_publish(current_user), **template_helpers()
    )


@bp.route("/<int:notice_id>")
def detail(notice_id: int):
    notice = load_notice(notice_id)
    now = timeutil.now()
    return render(
        "notices/detail.html",
        notice=notice,
        body_html=render_body(notice.body),
        state=notice_state(notice, now),
        may_manage=may_manage(current_user, notice),
        withdraw_form=EmptyForm(),
        **template_helpers(),
    )


@bp.route("/manage")
@roles_required(*MANAGERS)
def manage():
    now = timeutil.now()
    state = arg_enum("state", NoticeState)
    page = paginate(managed_notices_query(current_user, now, state))
    return render(
        "notices/manage.html",
        "notices/_manage_table.html",
        page=page,
        state=state.value if state else "",
        now=now,
        notice_state=notice_state,
        may_publish=may_publish(current_user),
        **template_helpers(),
    )


def _prepare(form: NoticeForm) -> NoticeForm:
    """Unit admins publish for their own unit and do not pin: those fields are not theirs."""
    if is_notice_admin(current_user):
        form.unit_id.choices = [SelectChoice(unit_id, name) for unit_id, name in unit_choices()]
    else:
        del form.unit_id
        del form.pinned
    return form


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def create():
    if not may_publish(current_user):
        abort(403)  # a unit admin without a unit
    form = _prepare(NoticeForm())
    if request.method == "GET":
        start = timeutil.now().replace(second=0, microsecond=0)
        form.publish_at.data = start
        form.expires_at.data = start + timedelta(days=7)
        if "unit_id" in form:
            form.unit_id.data = current_user.unit_id
    if form.validate_on_submit():
        try:
            notice = publish_notice(form.to_draft(unit_id=current_user.unit_id), actor=current_user,
                                    now=timeutil.now())
        except RuleViolation as error:
            db.session.rollback()
            error.show_on(form)
        else:
            db.session.commit()
            flash(_("Notice “%(title)s” saved.", title=notice.title), "success")
            return redirect_to(url_for("notices.detail", notice_id=notice.id))
    return render("notices/form.html", form=form, notice=None, status=form_status(form))


@bp.route("/<int:notice_id>/edit", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def edit(notice_id: int):
    notice = load_notice(notice_id, manage=True)
    if notice.withdrawn_at is not None:
        flash(_("This notice has been withdrawn and cannot be changed."), "warning")
        return redirect_to(url_for("notices.detail", notice_id=notice.id))
    form = _prepare(NoticeForm(obj=notice))
    if request.method == "GET":
        form.audience.data = notice.audience.value
    if form.validate_on_submit():
        try:
            update_notice(notice, form.to_draft(unit_id=current_user.unit_id, pinned_now=notice.pinned),
                          actor=current_user, now=timeutil.now())
        except RuleViolation as error:
            db.session.rollback()
            error.show_on(form)
        else:
            db.session.commit()
            flash(_("Notice “%(title)s” saved.", title=notice.title), "success")
            return redirect_to(url_for("notices.detail", notice_id=notice.id))
    return render("notices/form.html", form=form, notice=notice, status=form_status(form))


@bp.route("/<int:notice_id>/withdraw", methods=["POST"])
@roles_required(*MANAGERS)
def withdraw(notice_id: int):
    notice = load_notice(notice_id, manage=True)
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    if notice.withdrawn_at is None and not confirmed():
        # Withdrawing takes the notice off the portal and the lobby display at once: ask first.
        return confirmation_page(
            _("Withdraw the notice “%(title)s”?", title=notice.title),
            detail=_("It disappears from the portal and the lobby display at once. It stays in the records and "
                     "cannot be shown again."),
            button=_("Withdraw the notice"),
            cancel_url=url_for("notices.detail", notice_id=notice.id),
        )
    try:
        withdraw_notice(notice, actor=current_user, now=timeutil.now())
    except RuleViolation as error:
        db.session.rollback()
        flash(str(error), "warning")
    else:
        db.session.commit()
        flash(_("Notice “%(title)s” withdrawn.", title=notice.title), "success")
    return redirect_to(url_for("notices.manage"))
