"""规章制度 — the building's rules in one place: each a document with versions,
effective dates and the unit responsible; everyone working in the building
reads the text in force, and the older versions stay readable."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from portal.capabilities import Capability, NavItem
from portal.i18n import lazy_gettext as _l
from portal.security import ADMINS

bp = Blueprint("regulations", __name__, url_prefix="/regulations")

ADMIN_LINKS = (NavItem("regulations.index", _l("Building rules"), ADMINS),)


def home_panel() -> str | None:
    """Rules revised lately, or about to change."""
    if not current_user.is_authenticated:
        return None
    from portal import timeutil
    from portal.blueprints.regulations.services import recent_changes

    changes = recent_changes(timeutil.today())
    if not changes:
        return None
    return render_template("regulations/_home_panel.html", changes=changes, today=timeutil.today())


CAPABILITY = Capability(
    "regulations",
    admin_links=ADMIN_LINKS,
    home_panel=home_panel,
    home_order=150,
)

from portal.blueprints.regulations import views  # noqa: E402,F401
