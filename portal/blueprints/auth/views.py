from __future__ import annotations

from datetime import timedelta

from flask import current_app, flash, render_template, request, session, url_for
from flask_babel import format_time
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from portal import timeutil
from portal.blueprints.auth import bp, services
from portal.db import db
from portal.extensions import login_manager
from portal.forms import EmptyForm, form_status
from portal.htmx import redirect_to
from portal.models import User
from portal.rules import RuleViolation
from portal.security import is_safe_next, login_required

from .forms import LoginForm, PasswordChangeForm


# One query with the roles, built once: every request of a logged-in user runs it.
_USER_WITH_ROLES = select(User).options(joinedload(User.role_rows)).where(User.id == bindparam("id"))


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The account of a session id ``"<id>.<version>"``; a stale version is no account."""
    user_id, _dot, version = session_id.partition(".")
    if not user_id.isdigit() or not version.isdigit() or int(user_id) > 2**31 - 1:
        return None
    user = db.session.execute(_USER_WITH_ROLES, {"id": int(user_id)}).unique().scalar_one_or_none()
    if user is None or not user.active or (user.session_version or 0) != int(version):
        return None
    return user


def throttle_policy() -> services.ThrottlePolicy:
    config = current_app.config
    return services.ThrottlePolicy(
        max_failures=int(config["LOGIN_MAX_FAILURES"]),
        window=timedelta(minutes=int(config["LOGIN_FAILURE_WINDOW_MINUTES"])),
    )


def _next_target() -> str:
    target = request.args.get("next")
    if is_safe_next(target):
        return target
    from portal.blueprints import landing_endpoint

    landing = landing_endpoint(current_user) if current_user.is_authenticated else None
    return url_for(landing or "main.home")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated and request.method == "GET":
        return redirect_to(_next_target())
    form = LoginForm()
    status = form_status(form)
    headers: dict[str, str] = {}
    if form.validate_on_submit():
        config = current_app.config
        username = form.username.data.strip()
        address = request.remote_addr or "unknown"
        now = timeutil.now()
        policy = throttle_policy()
        until = services.blocked_until(username, address, now=now, policy=policy)
        if until is not None:
            form.form_errors.append(
                _("Too many failed attempts. Please try again after %(time)s.", time=format_time(until, "HH:mm:ss"))
            )
            status = 429
            headers["Retry-After"] = str(max(1, int((until - now).total_seconds()) + 1))
        else:
            user = services.authenticate(username, form.password.data, hash_method=config["PASSWORD_HASH_METHOD"])
            if user is None:
                services.record_failure(username, address, now=now)
                db.session.commit()
                form.form_errors.append(_("Wrong username or password."))
            else:
                services.log_in(user, address, now=now, window=policy.window)
                db.session.commit()
                # A new session: nothing from before the login (a CSRF token,
                # another account's leftovers) is carried into it.
                session.clear()
                login_user(user)
                flash(_("Welcome, %(name)s.", name=user.display_name), "success")
                return redirect_to(_next_target())
    return render_template("auth/login.html", form=form), status, headers


@bp.route("/logout", methods=["GET", "POST"])
@login_required
def logout():
    form = EmptyForm()
    if form.validate_on_submit():
        user = db.session.get(User, current_user.id)
        services.log_out(user, now=timeutil.now())
        db.session.commit()
        logout_user()
        session.clear()
        flash(_("You have logged out."), "success")
        return redirect_to(url_for("main.home"))
    return render_template("auth/logout.html", form=form)


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        user = db.session.get(User, current_user.id)
        try:
            services.change_own_password(
                user, form.current.data, form.password.data,
                now=timeutil.now(), hash_method=current_app.config["PASSWORD_HASH_METHOD"],
            )
        except RuleViolation as error:
            db.session.rollback()
            error.show_on(form)
        else:
            db.session.commit()
            # This session goes on with the new version; all others have ended.
            session.clear()
            login_user(user)
            flash(_("Your password has been changed. You have been logged out everywhere else."), "success")
            return redirect_to(url_for("main.home"))
    return render_template("auth/password.html", form=form), form_status(form)
