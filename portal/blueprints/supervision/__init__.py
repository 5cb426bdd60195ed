"""物业监管 — the logistics center supervises the property company: checklists
per service area, inspections, rectification requests (整改), the security
patrol log (routes, the guards' rounds, missed rounds) and the monthly
evaluation computed from inspections, rectifications and the repairs data."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from portal.capabilities import Capability, NavItem
from portal.i18n import lazy_gettext as _l
from portal.models import Role
from portal.security import ADMINS

bp = Blueprint("supervision", __name__, url_prefix="/supervision")

VIEWERS = (Role.PROPERTY,) + ADMINS  # the property company sees its scores and tasks
PATROL_VIEWERS = VIEWERS + (Role.SECURITY,)  # the guards record their rounds and see the log

ADMIN_LINKS = (
    NavItem("supervision.index", _l("Property supervision"), ADMINS),
    NavItem("supervision.items", _l("Inspection checklists"), ADMINS),
    NavItem("supervision.patrol_routes", _l("Patrol routes"), ADMINS),
)


def home_panel() -> str | None:
    """Rectifications waiting: to carry out (property company), to verify (logistics); and, for
    staff, this month's satisfaction survey until they have answered it."""
    if not current_user.is_authenticated:
        return None
    from portal import timeutil
    from portal.blueprints.supervision.services import RESPONDENTS, has_answered, home_counts

    now = timeutil.now()
    survey_due = current_user.has_role(*RESPONDENTS) and not has_answered(current_user, now.year, now.month)
    counts = home_counts(current_user, now.date())
    if counts is None and not survey_due:
        return None
    return render_template("supervision/_home_panel.html", counts=counts, survey_due=survey_due,
                           is_property=current_user.has_role(Role.PROPERTY))


def object_notes(object_type: str, object_id: int) -> str | None:
    """On a staff feedback's page, for the logistics center: what the half-monthly meetings decided about it."""
    if object_type != "feedback" or not current_user.is_authenticated or not current_user.has_role(*ADMINS):
        return None
    from portal.blueprints.supervision.meetings import decisions_for
    from portal.blueprints.supervision.models import MeetingItem

    decisions = decisions_for(MeetingItem.SUGGESTION, object_id)
    if not decisions:
        return None
    return render_template("supervision/_meeting_notes.html", decisions=decisions)


CAPABILITY = Capability(
    "supervision",
    nav=NavItem("supervision.patrols_log", _l("Patrol rounds"), (Role.SECURITY,)),
    admin_links=ADMIN_LINKS,
    home_panel=home_panel,
    object_notes=object_notes,
)

from portal.blueprints.supervision import views  # noqa: E402,F401
