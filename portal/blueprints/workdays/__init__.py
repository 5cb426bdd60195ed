"""The workday calendar (工作日日历): China's statutory holidays and make-up
workdays from the ``chinesecalendar`` package, with the local entries
logistics admins add on top. Meeting rooms, the shuttle, visitors and the
lobby display read it through ``portal.blueprints.workdays.days``."""

from __future__ import annotations

from flask import Blueprint

from portal.capabilities import Capability, NavItem
from portal.i18n import lazy_gettext as _l
from portal.security import ADMINS

bp = Blueprint("workdays", __name__, url_prefix="/workdays")


def home_panel() -> str | None:
    from portal.blueprints.workdays.views import render_home_panel

    return render_home_panel()


CAPABILITY = Capability(
    "workdays",
    admin_links=(NavItem("workdays.calendar_page", _l("Workday calendar"), ADMINS),),
    home_panel=home_panel,
    home_order=10,  # a missing year concerns every booking: first
)

from portal.blueprints.workdays import views  # noqa: F401
