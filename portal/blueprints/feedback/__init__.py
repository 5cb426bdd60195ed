"""意见建议 — staff send complaints, praise and suggestions about the building's
services; the logistics center triages and answers them, and may publish the
answer to all staff. Anonymous feedback stores no account at all: its sender
follows it with the receipt code shown once."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from portal.capabilities import Capability, NavItem
from portal.i18n import lazy_gettext as _l
from portal.security import ADMINS

bp = Blueprint("feedback", __name__, url_prefix="/feedback")

ADMIN_LINKS = (NavItem("feedback.manage", _l("Staff feedback"), ADMINS),)


def home_panel() -> str | None:
    """Logistics: feedback waiting for an answer."""
    if not current_user.is_authenticated or not current_user.has_role(*ADMINS):
        return None
    from portal.blueprints.feedback.services import waiting_count

    return render_template("feedback/_home_panel.html", waiting=waiting_count())


CAPABILITY = Capability(
    "feedback",
    admin_links=ADMIN_LINKS,
    home_panel=home_panel,
)

from portal.blueprints.feedback import views  # noqa: E402,F401
