"""水电费 — water and electricity by meter instead of by fixed ratio.

Property staff read the meters every month; the logistics center enters the
utility's invoices and closes the month, which bills each unit for its own use
plus a share of the common areas and line loss. Unit administrators see their
unit's bills.
"""

from flask import Blueprint

from portal.capabilities import Capability, NavItem
from portal.i18n import lazy_gettext as _l
from portal.models import Role
from portal.security import ADMINS

bp = Blueprint("utilities", __name__, url_prefix="/utilities")

# Who may do what (see views): property staff read meters, the logistics
# center manages the rest, unit administrators see their own unit's bills.
METER_READERS = (Role.PROPERTY, *ADMINS)  # read meters, enter readings, replace meters
MANAGERS = ADMINS  # invoices, closing months, corrections, meters and the old ratios
BILL_VIEWERS = (Role.UNIT_ADMIN, *ADMINS)  # bills and the comparison (unit administrators: their own unit's)
UTILITIES_USERS = (Role.UNIT_ADMIN, Role.PROPERTY, *ADMINS)  # anyone with something to do here

ADMIN_LINKS = (
    NavItem("utilities.meters", _l("Water and electricity meters"), ADMINS),
    NavItem("utilities.ratios", _l("Old fixed ratios for water and electricity"), ADMINS),
)


def home_panel() -> str | None:
    from portal.blueprints.utilities.views import home_panel as panel

    return panel()


CAPABILITY = Capability(
    "utilities",
    nav=NavItem("utilities.index", _l("Water & power"), UTILITIES_USERS),
    nav_order=90,
    admin_links=ADMIN_LINKS,
    home_panel=home_panel,
)

from portal.blueprints.utilities import views  # noqa: E402,F401
