"""Notices (公告): published by the logistics center and the units' administrators,
read on the portal, on the home page and on the lobby display."""

from flask import Blueprint

from portal.capabilities import Capability, NavItem
from portal.i18n import lazy_gettext as _l
from portal.models import Role
from portal.security import ADMINS

bp = Blueprint("notices", __name__, url_prefix="/notices")

ADMIN_LINKS = (NavItem("notices.manage", _l("Notice board"), ADMINS + (Role.UNIT_ADMIN,)),)


def home_panel() -> str | None:
    from portal.blueprints.notices.views import home_panel_html

    return home_panel_html()


CAPABILITY = Capability(
    "notices",
    nav=NavItem("notices.index", _l("Notices")),
    nav_order=60,
    admin_links=ADMIN_LINKS,
    home_panel=home_panel,
    public_areas=("notices", "building"),
)

from portal.blueprints.notices import views  # noqa: E402,F401
