"""能耗统计 — energy and water statistics for a public institution.

Every consumption source (electricity and water from the utilities' closed
months; natural gas, diesel, petrol entered month by month; more sources added
to ``sources.SOURCES``) converted to standard coal equivalent, per month, year,
unit and building, per m² of office floor area and per person, against last
year, the national baselines and the units' quotas; the annual report the
county collects before 31 March; savings measures with use before and after.
The logistics center sees everything; a unit administrator sees their unit's.
"""

from flask import Blueprint

from portal.capabilities import Capability, NavItem
from portal.i18n import lazy_gettext as _l
from portal.models import Role
from portal.security import ADMINS

bp = Blueprint("energy", __name__, url_prefix="/energy")

MANAGERS = ADMINS  # everything: all units, the report, quantities, quotas, measures
VIEWERS = (Role.UNIT_ADMIN, *ADMINS)  # the statistics (unit administrators: their own unit's)

ADMIN_LINKS = (
    NavItem("energy.index", _l("Energy and water statistics"), VIEWERS),
    NavItem("energy.report", _l("Annual energy report"), MANAGERS),
)


def _settings():
    from portal.blueprints.energy.sources import factor_settings

    return factor_settings()


CAPABILITY = Capability(
    "energy",
    admin_links=ADMIN_LINKS,
    settings=_settings(),
)

from portal.blueprints.energy import notify, views  # noqa: E402,F401
