"""设备 — the building's equipment register, planned maintenance, inspection rounds,
and the maintenance and replacement plan the logistics center takes to its budget."""

from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, render_template
from flask_login import current_user

from portal.capabilities import Capability, NavItem, Setting
from portal.i18n import lazy_gettext as _l
from portal.models import Role
from portal.security import ADMINS

bp = Blueprint("equipment", __name__, url_prefix="/equipment")

WORKERS = (Role.PROPERTY,) + ADMINS  # see the register, record maintenance, walk inspection rounds
VIEWERS = WORKERS
EDITORS = ADMINS  # the logistics center keeps the register, the plans and the budget

ADMIN_LINKS = (
    NavItem("equipment.index", _l("Equipment register"), WORKERS),
    NavItem("equipment.budget", _l("Maintenance and replacement plan"), EDITORS),
)


def home_panel() -> str | None:
    """Maintenance due and overdue, for the property company and the logistics center."""
    if not current_user.is_authenticated or not current_user.has_role(*WORKERS):
        return None
    from portal import timeutil
    from portal.blueprints.equipment.services import due_counts

    counts = due_counts(timeutil.now())
    return render_template("equipment/_home_panel.html", counts=counts)


CAPABILITY = Capability(
    "equipment",
    admin_links=ADMIN_LINKS,
    home_panel=home_panel,
    settings=(
        Setting("EQUIPMENT_BUDGET_YEARS", 10),
        Setting("EQUIPMENT_PRICE_GROWTH", Decimal("0.03"), parse=Decimal),
        Setting("EQUIPMENT_POOR_YEARS_EARLIER", 2),
        Setting("EQUIPMENT_REPAIR_RATIO", Decimal("0.30"), parse=Decimal),
        Setting("EQUIPMENT_OVERHAUL_SHARE", Decimal("0.15"), parse=Decimal),
        Setting("EQUIPMENT_ROUTINE_SHARE", Decimal("0.02"), parse=Decimal),
    ),
)

from portal.blueprints.equipment import notify, views  # noqa: E402,F401
