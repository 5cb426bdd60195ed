"""Shuttle buses (班车): timetables on the portal's workday calendar, next
departures, temporary notices, administration and a GTFS export."""

from __future__ import annotations

from flask import Blueprint

from portal.capabilities import Capability, NavItem, Setting
from portal.i18n import lazy_gettext as _l
from portal.security import ADMINS
from portal.urls import validate_base_url

bp = Blueprint("shuttle", __name__, url_prefix="/shuttle")

# What the timetable and the departures are drawn from (portal.cache).
SHUTTLE_DATA = ("calendar", "shuttle")

ADMIN_LINKS = (
    NavItem("shuttle.manage", _l("Shuttle bus schedule"), ADMINS),
)


def home_panel() -> str | None:
    from portal.blueprints.shuttle.views import render_home_panel

    return render_home_panel()


CAPABILITY = Capability(
    "shuttle",
    nav=NavItem("shuttle.index", _l("Shuttle bus")),
    nav_order=50,
    admin_links=ADMIN_LINKS,
    home_panel=home_panel,
    public_areas=SHUTTLE_DATA,
    # The GTFS feed's agency URL when it is not the portal's own timetable page.
    settings=(Setting("SHUTTLE_GTFS_AGENCY_URL", "", parse=validate_base_url),),
)

from portal.blueprints.shuttle import manage, views  # noqa: F401
