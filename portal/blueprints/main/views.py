from __future__ import annotations

from flask import current_app, jsonify, request, session, url_for
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from portal.blueprints import home_panels, public_home_areas
from portal.blueprints.main import bp
from portal.blueprints.main.services import building_overview
from portal.cache import cached_facts, kept_page
from portal.db import db
from portal.extensions import csrf
from portal.htmx import redirect_to, render
from portal.security import is_safe_next
from portal.signals import language_chosen


@bp.route("/")
@kept_page(public_home_areas)
def home():
    # Assembled from cached blocks like the display: the overview's figures are kept as facts
    # until the building data change; capabilities' panels cache their own. A visitor
    # who has not logged in gets no session cookie here (see base.html), so a proxy may
    # cache it, and so does the portal: the whole page, for all visitors.
    overview = cached_facts(("building",), "home-overview", building_overview)
    return render(
        "main/home.html",
        buildings=overview.buildings,
        building_count=overview.building_count,
        unit_count=overview.unit_count,
        meeting_room_count=overview.meeting_room_count,
        panels=home_panels(),
    )


@bp.route("/language", methods=["POST"])
@csrf.exempt
def set_language():
    """Remember the chosen language in a cookie and go back where the user was.

    A visitor who has not logged in gets no session (so no session cookie: a
    proxy may cache public pages, issue 21) and so no CSRF token in the switch;
    forging the switch could only change that visitor's language cookie. Signed-in
    users (whose choice is saved to their account) keep the CSRF check."""
    if current_app.config["WTF_CSRF_ENABLED"] and (current_user.is_authenticated or "csrf_token" in session):
        csrf.protect()
    config = current_app.config
    chosen = request.form.get("lang", "")
    target = request.form.get("next", "")
    response = redirect_to(target if is_safe_next(target) else url_for("main.home"))
    if chosen in config["LANGUAGES"]:
        if current_user.is_authenticated:
            language_chosen.send(current_user._get_current_object(), locale=chosen)
            db.session.commit()
        response.set_cookie(
            config["LANGUAGE_COOKIE"],
            chosen,
            max_age=365 * 24 * 3600,
            httponly=True,
            samesite="Lax",
            secure=config["SESSION_COOKIE_SECURE"],
        )
    return response


@bp.route("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="error", database="unavailable"), 503
    return jsonify(status="ok", database="ok", engine=db.engine.dialect.name)
