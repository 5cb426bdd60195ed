from __future__ import annotations

from flask import current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user
from wtforms import SelectChoice

from portal import timeutil
from portal.blueprints import admin_links
from portal.blueprints.admin import bp, services
from portal.blueprints.admin.forms import ThrottleClearForm, UserForm
from portal.blueprints.auth import services as auth_services
from portal.blueprints.auth.views import throttle_policy
from portal.db import db
from portal.forms import form_status
from portal.htmx import redirect_to, render
from portal.models import Role, User
from portal.paging import ListPage
from portal.requestargs import arg_date, arg_page, paginate
from portal.rules import RuleViolation
from portal.security import ADMINS, roles_required


def base_url_missing() -> bool:
    """True in production while ``PORTAL_BASE_URL`` is unset (links in e-mails, QR codes and calendars break)."""
    app = current_app
    return not (app.debug or app.testing) and not app.config.get("BASE_URL")


@bp.route("/")
@roles_required(*ADMINS, Role.UNIT_ADMIN)
def index():
    links = [
        link
        for link in admin_links()
        if link.endpoint in current_app.view_functions and current_user.has_role(*link.roles)
    ]
    return render("admin/index.html", links=links, base_url_missing=base_url_missing())


@bp.route("/users/")
@roles_required(Role.SYSADMIN)
def users():
    q = request.args.get("q", "").strip()[:64]
    page = paginate(services.users_query(q))
    return render("admin/users.html", "admin/_users_table.html", page=page, q=q)


@bp.route("/users/new", methods=["GET", "POST"])
@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.SYSADMIN)
def edit_user(user_id: int | None = None):
    user = db.get_or_404(User, user_id) if user_id is not None else None
    form = UserForm(obj=user)
    form.unit_id.choices = [SelectChoice(0, "—")] + [SelectChoice(i, name) for i, name in services.unit_choices()]
    if request.method == "GET" and user is not None:
        form.roles.data = [r.value for r in user.roles]
        form.unit_id.data = user.unit_id or 0
    if form.validate_on_submit():
        try:
            saved = services.save_user(
                user,
                form.to_draft(),
                actor=current_user,
                now=timeutil.now(),
                hash_method=current_app.config["PASSWORD_HASH_METHOD"],
            )
        except RuleViolation as error:
            db.session.rollback()
            error.show_on(form)
        else:
            db.session.commit()
            if saved.id == current_user.id:
                login_user(saved)  # their other sessions ended; this one goes on
            flash(_("Account %(name)s saved.", name=saved.username), "success")
            return redirect_to(url_for("admin.users"))
    return render("admin/user_form.html", form=form, user=user, status=form_status(form))


@bp.route("/throttles", methods=["GET", "POST"])
@roles_required(Role.SYSADMIN)
def throttles():
    form = ThrottleClearForm()
    if form.validate_on_submit():
        removed = auth_services.clear_throttle(
            form.address.data, form.username.data or "", actor=current_user, now=timeutil.now()
        )
        db.session.commit()
        flash(_("%(count)s failed login(s) forgotten.", count=removed), "success")
        return redirect_to(url_for("admin.throttles"))
    policy = throttle_policy()
    page = ListPage.of(auth_services.current_throttles(now=timeutil.now(), policy=policy), arg_page(), 50)
    return render("admin/throttles.html", page=page, policy=policy, form=form, status=form_status(form))


@bp.route("/audit/")
@roles_required(*ADMINS)
def audit_log():
    filters = services.AuditFilters(
        object_type=request.args.get("type", "").strip()[:60],
        person=request.args.get("person", "").strip()[:64],
        start=arg_date("start"),
        end=arg_date("end"),
    )
    page = paginate(services.audit_query(filters), per_page=50)
    return render(
        "admin/audit.html",
        "admin/_audit_table.html",
        page=page,
        rows=services.audit_rows(page.items),
        filters=filters,
        object_types=services.audited_object_types(),
    )
