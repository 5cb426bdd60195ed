"""The service guide (办事指南): guide items (办事事项) by category and by unit,
one printable sheet per item, and their administration. Depends on the core
only (the directory depends on the guide, never the other way round)."""

from flask import Blueprint

from portal.capabilities import Capability, NavItem
from portal.i18n import lazy_gettext as _l
from portal.permissions import UNIT_EDITORS

bp = Blueprint("guide", __name__, url_prefix="/services")

EDITORS = UNIT_EDITORS

ADMIN_LINKS = (NavItem("guide.admin_items", _l("Service guide"), EDITORS),)


CAPABILITY = Capability(
    "guide",
    nav=NavItem("guide.index", _l("Service guide")),
    nav_order=20,
    admin_links=ADMIN_LINKS,
)

from portal.blueprints.guide import views  # noqa: E402,F401
