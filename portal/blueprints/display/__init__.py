"""The lobby display (大厅电子显示屏): a full-screen, self-refreshing page for
the TV at the entrance. Public: it needs no login and shows only what any
visitor may see, whoever is logged in on the TV's browser."""

from flask import Blueprint

from portal.capabilities import Capability, NavItem, Setting
from portal.i18n import lazy_gettext as _l
from portal.security import ADMINS

bp = Blueprint("display", __name__, url_prefix="/display")

# For whoever sets up the TV: the address to open full-screen.
ADMIN_LINKS = (NavItem("display.index", _l("Lobby display"), ADMINS),)

CAPABILITY = Capability(
    "display",
    admin_links=ADMIN_LINKS,
    # How often each block asks whether it changed (htmx), and how often the
    # whole page reloads without JavaScript. Tests use a short interval.
    settings=(Setting("DISPLAY_POLL_SECONDS", 45),),
)

from portal.blueprints.display import views  # noqa: E402,F401
