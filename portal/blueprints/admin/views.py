from __future__ import annotations

from flask import current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload
from wtforms import SelectChoice

from portal import audit
from portal.blueprints import admin_links
from portal.blueprints.admin import bp
from portal.blueprints.admin.forms import ROLE_LABELS, UserForm
from portal.blueprints.auth.services import hash_password
from portal.db import db
from portal.htmx import redirect_to, render
from portal.models import AuditLog, Role, Unit, User
from portal.security import ADMINS, roles_required

USER_FIELDS = ("username", "display_name", "unit_id", "title", "phone_ext", "active", "roles")


@bp.route("/")
@roles_required(*ADMINS, Role.UNIT_ADMIN)
def index():
    links = [
        link
        for link in admin_links()
        if link.endpoint in current_app.view_functions and current_user.has_role(*link.roles)
    ]
    return render("admin/index.html", links=links)


@bp.route("/users/")
@roles_required(Role.SYSADMIN)
def users():
    q = request.args.get("q", "").strip()[:64]
    query = select(User).options(joinedload(User.unit)).order_by(User.username)
    if q:
        like = f"%{q}%"
        query = query.where(or_(User.username.ilike(like), User.display_name.ilike(like)))
    page = db.paginate(query, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render("admin/users.html", "admin/_users_table.html", page=page, q=q, role_labels=ROLE_LABELS)


def _unit_choices() -> list[SelectChoice]:
    units = db.session.scalars(select(Unit).order_by(Unit.sort_order, Unit.name))
    return [SelectChoice("0", "—")] + [SelectChoice(str(u.id), u.name) for u in units]


def _username_taken(username: str, exclude_id: int | None) -> bool:
    query = select(User.id).where(User.username == username)
    if exclude_id is not None:
        query = query.where(User.id != exclude_id)
    return db.session.scalar(query) is not None


@bp.route("/users/new", methods=["GET", "POST"])
@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.SYSADMIN)
def edit_user(user_id: int | None = None):
    user = db.get_or_404(User, user_id) if user_id is not None else None
    form = UserForm(obj=user)
    form.unit_id.choices = _unit_choices()
    if request.method == "GET" and user is not None:
        form.roles.data = [r.value for r in user.roles]
        form.unit_id.data = user.unit_id or 0
    status = 200
    if form.validate_on_submit():
        if _username_taken(form.username.data, user_id):
            form.username.errors.append(_("This username is already in use."))
        elif user is None and not form.password.data:
            form.password.errors.append(_("A new account needs a password."))
        elif user is not None and user.id == current_user.id and (
            Role.SYSADMIN.value not in form.roles.data or not form.active.data
        ):
            form.roles.errors.append(_("You cannot remove your own administrator access."))
        else:
            before = audit.snapshot(user, USER_FIELDS) if user else None
            if user is None:
                user = User()
                db.session.add(user)
            user.username = form.username.data
            user.display_name = form.display_name.data
            user.unit_id = form.unit_id.data or None
            user.title = form.title.data or ""
            user.phone_ext = form.phone_ext.data or ""
            user.active = form.active.data
            user.roles = {Role(r) for r in form.roles.data}
            if form.password.data:
                user.password_hash = hash_password(form.password.data, current_app.config["PASSWORD_HASH_METHOD"])
            audit.record(
                current_user,
                "user.create" if before is None else "user.update",
                user,
                before=before,
                after=audit.snapshot(user, USER_FIELDS),
                summary=("password changed" if form.password.data else ""),
            )
            db.session.commit()
            flash(_("Account %(name)s saved.", name=user.username), "success")
            return redirect_to(url_for("admin.users"))
    if request.method == "POST":
        status = 422
    return render("admin/user_form.html", form=form, user=user, status=status)


@bp.route("/audit/")
@roles_required(*ADMINS)
def audit_log():
    object_type = request.args.get("type", "").strip()[:60]
    query = select(AuditLog).options(joinedload(AuditLog.actor)).order_by(AuditLog.at.desc(), AuditLog.id.desc())
    if object_type:
        query = query.where(AuditLog.object_type == object_type)
    page = db.paginate(query, per_page=50, error_out=False)
    return render("admin/audit.html", "admin/_audit_table.html", page=page, object_type=object_type)
