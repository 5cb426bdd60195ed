"""The service guide (办事指南): services (事项) by category and by unit, one
printable sheet per service, and their administration."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from portal.capabilities import Capability, NavItem
from portal.models import Role
from portal.security import ADMINS

bp = Blueprint("guide", __name__, url_prefix="/services")

ADMIN_LINKS = (NavItem("guide.admin_services", _l("Service guide"), ADMINS + (Role.UNIT_ADMIN,)),)


CAPABILITY = Capability(
    "guide",
    nav=NavItem("guide.index", _l("Service guide")),
    nav_order=20,
    admin_links=ADMIN_LINKS,
)

from portal.blueprints.guide import views  # noqa: E402,F401
