"""报修 — fault reports, the property company's queue, and the maintenance-budget reports."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from portal.capabilities import Capability, NavItem
from portal.i18n import lazy_gettext as _l
from portal.models import Role
from portal.security import ADMINS, STAFF

bp = Blueprint("repairs", __name__, url_prefix="/repairs")

ADMIN_LINKS = (NavItem("repairs.reports_page", _l("Repair reports"), ADMINS),)


def home_panel() -> str | None:
    """What is waiting for this user: their open reports, or the property company's queue."""
    from portal.blueprints.repairs.services import home_counts
    from portal.blueprints.repairs.views import REPORTERS

    if not current_user.is_authenticated or not current_user.has_role(*REPORTERS, Role.LOGISTICS_ADMIN):
        return None
    from portal import timeutil

    counts = home_counts(current_user, timeutil.now())
    from portal.blueprints.repairs.models import Urgency

    return render_template("repairs/_home_panel.html", counts=counts, Urgency=Urgency)


CAPABILITY = Capability(
    "repairs",
    nav=NavItem("repairs.index", _l("Repairs"), STAFF + (Role.PROPERTY, Role.SECURITY)),
    nav_order=80,
    admin_links=ADMIN_LINKS,
    home_panel=home_panel,
)

from portal.blueprints.repairs import views  # noqa: E402,F401
