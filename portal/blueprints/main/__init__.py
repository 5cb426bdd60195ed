from flask import Blueprint

from portal.capabilities import Capability, NavItem
from portal.i18n import lazy_gettext as _l

bp = Blueprint("main", __name__)


CAPABILITY = Capability(
    "main",
    nav=NavItem("main.home", _l("Home")),
    nav_order=10,
)

from portal.blueprints.main import views  # noqa: E402,F401
