"""The lobby display (大厅电子显示屏): a full-screen, self-refreshing page for
the TV at the entrance. Public: it needs no login and shows only what any
visitor may see, whoever is logged in on the TV's browser."""

from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

from portal.security import ADMINS
from portal.templating import NavItem

bp = Blueprint("display", __name__, url_prefix="/display")

# For whoever sets up the TV: the address to open full-screen.
ADMIN_LINKS = (NavItem("display.index", _l("Lobby display"), ADMINS),)

# How often each block asks whether it changed (htmx), and how often the whole
# page reloads without JavaScript. Tests use a short interval.
DEFAULT_POLL_SECONDS = 45


def init_app(app: Flask) -> None:
    app.config.setdefault("DISPLAY_POLL_SECONDS", DEFAULT_POLL_SECONDS)


from portal.blueprints.display import views  # noqa: E402,F401
