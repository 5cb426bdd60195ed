from __future__ import annotations

from datetime import timedelta

from flask import current_app, flash, render_template, request, url_for
from flask_babel import format_time
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy.orm import joinedload

from portal import audit, timeutil
from portal.blueprints.auth import bp, services
from portal.db import db
from portal.extensions import login_manager
from portal.forms import EmptyForm
from portal.htmx import redirect_to
from portal.models import User
from portal.security import is_safe_next, login_required

from .forms import LoginForm


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    try:
        # One query with the roles (every request of a logged-in user runs it).
        user = db.session.get(User, int(user_id), options=[joinedload(User.role_rows)])
    except ValueError:
        return None
    return user if user is not None and user.active else None


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
    status = 200
    if form.validate_on_submit():
        config = current_app.config
        username = form.username.data.strip()
        address = request.remote_addr or "unknown"
        now = timeutil.now()
        window = timedelta(minutes=config["LOGIN_FAILURE_WINDOW_MINUTES"])
        until = services.blocked_until(
            username, address, now=now, max_failures=config["LOGIN_MAX_FAILURES"], window=window
        )
        if until is not None:
            form.form_errors.append(
                _("Too many failed attempts. Please try again after %(time)s.", time=format_time(until, "HH:mm"))
            )
            status = 429
        else:
            user = services.authenticate(username, form.password.data, hash_method=config["PASSWORD_HASH_METHOD"])
            if user is None:
                services.record_failure(username, address, now=now)
                db.session.commit()
                form.form_errors.append(_("Wrong username or password."))
                status = 422
            else:
                services.clear_failures(username, now=now, window=window)
                user.last_login_at = now
                audit.record(user, "login", user, summary=f"login from {address}")
                db.session.commit()
                login_user(user)
                flash(_("Welcome, %(name)s.", name=user.display_name), "success")
                return redirect_to(_next_target())
    elif request.method == "POST":
        status = 422
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["GET", "POST"])
@login_required
def logout():
    form = EmptyForm()
    if form.validate_on_submit():
        logout_user()
        flash(_("You have logged out."), "success")
        return redirect_to(url_for("main.home"))
    return render_template("auth/logout.html", form=form)
