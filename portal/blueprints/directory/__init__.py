"""Office directory: units, floors and rooms of the building, the staff
directory (logged-in users only), the one search box, and the administration
and Excel import/export of units, rooms, services and staff.

Operations:

- Search keys (pinyin, initials, room spellings, phone and extension numbers)
  are stored in ``directory_search_key`` and kept current whenever units,
  rooms, floors, buildings, guide items or staff are saved through the portal.
  Rows loaded another way (SQL, bulk scripts) are picked up by
  ``flask --app portal directory reindex --repair`` (run it after such a load,
  or from cron); without ``--repair`` it rebuilds every key at once. After
  upgrading to a version that keys more texts, run ``reindex`` once.
- Each process keeps the keys in memory; result fragments are cached through
  ``portal.cache``. Both are keyed on a version token that every change replaces.
"""

from flask import Blueprint, Flask, render_template

from portal.capabilities import Capability, NavItem
from portal.i18n import lazy_gettext as _l
from portal.permissions import UNIT_EDITORS
from portal.security import ADMINS

bp = Blueprint("directory", __name__, url_prefix="/directory")

EDITORS = UNIT_EDITORS

ADMIN_LINKS = (
    NavItem("directory.admin_units", _l("Units"), EDITORS),
    NavItem("directory.admin_rooms", _l("Room assignment"), ADMINS),
    NavItem("directory.admin_staff", _l("Staff directory entries"), EDITORS),
    NavItem("directory.data_exchange", _l("Excel import and export"), EDITORS),
    NavItem("directory.admin_synonyms", _l("Search synonyms"), EDITORS),
)


def init_app(app: Flask) -> None:
    from portal.blueprints.directory.cli import directory_cli

    app.cli.add_command(directory_cli)


def home_panel() -> str:
    """The search box on the home page."""
    return render_template("directory/_home_panel.html")


def warm_up() -> None:
    """Every search key in memory, for workers forked later (only the changes since are read then)."""
    from portal.blueprints.directory.indexing import key_index

    key_index()


CAPABILITY = Capability(
    "directory",
    nav=NavItem("directory.index", _l("Units & offices")),
    nav_order=30,
    admin_links=ADMIN_LINKS,
    home_panel=home_panel,
    init_app=init_app,
    warm_up=warm_up,
)

from portal.blueprints.directory import indexing, views  # noqa: E402,F401
