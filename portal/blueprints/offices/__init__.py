"""办公用房 — office space: the allocation ledger (who sits where, with the use
area of each room), the check against the standard by rank, moves and
hand-backs as dated, audited changes, and the yearly internal publication (公示).
For those who keep the ledger, the directory's building plan also draws the
allocation (a floor-plan layer, ``?layer=allocation``).

Operations: the hand-back reminder runs with the others (``flask --app portal
notify remind``, cron). ``PORTAL_OFFICES_FLOOR_AREA_M2`` is the largest area a
floor's rooms may add up to (default 3000 m²), the bound for mistyped areas.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal, InvalidOperation

from flask import Blueprint, render_template
from flask_login import current_user

from portal.capabilities import Capability, FloorPlanLayer, NavItem, PlanAnnotations, Setting
from portal.i18n import lazy_gettext as _l
from portal.models import Floor
from portal.security import ADMINS, STAFF

bp = Blueprint("offices", __name__, url_prefix="/offices")

ADMIN_LINKS = (
    NavItem("offices.ledger_page", _l("Office space ledger"), ADMINS),
    NavItem("offices.hand_backs", _l("Office hand-backs and vacant rooms"), ADMINS),
    NavItem("offices.standards", _l("Office space standard"), ADMINS),
)


def parse_area(raw: str) -> Decimal:
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ValueError("not a number of square metres") from None
    if not value.is_finite() or value <= 0:
        raise ValueError("must be more than zero")
    return value


def home_panel() -> str | None:
    """The latest published allocation, for staff."""
    if not current_user.is_authenticated or not current_user.has_role(*STAFF):
        return None
    from portal.blueprints.offices.services import publications

    published = publications(limit=1)
    if not published:
        return None
    return render_template("offices/_home_panel.html", publication=published[0])


def may_see_allocation() -> bool:
    """Who sees the directory's floor plan by allocation: those who keep the ledger."""
    return current_user.is_authenticated and current_user.has_role(*ADMINS)


def allocation_layer(floors: Sequence[Floor], day: date) -> PlanAnnotations:
    from portal.blueprints.offices.services import allocation_annotations

    return allocation_annotations(floors, day)


CAPABILITY = Capability(
    "offices",
    admin_links=ADMIN_LINKS,
    home_panel=home_panel,
    home_order=150,
    settings=(Setting("OFFICES_FLOOR_AREA_M2", Decimal("3000"), parse=parse_area),),
    floor_plan_layers=(FloorPlanLayer("allocation", _l("By allocation"), may_see_allocation, allocation_layer),),
)

from portal.blueprints.offices import notify, views  # noqa: E402,F401
