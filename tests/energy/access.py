from sqlalchemy import select

from portal.blueprints.energy.models import SavingsMeasure
from portal.db import db
from tests.access import Access

VIEWERS = ("unit_admin", "logistics_admin", "sysadmin")
ADMINS = ("logistics_admin", "sysadmin")


def _measure() -> str:
    return f"/energy/measures/{db.session.scalar(select(SavingsMeasure.id).order_by(SavingsMeasure.id))}"


ACCESS = {
    "energy.index": [Access("/energy/", allowed=VIEWERS), Access("/energy/?view=sources", allowed=VIEWERS),
                     Access("/energy/?view=units", allowed=VIEWERS)],  # the overview and its views
    "energy.export": Access("/energy/statistics.xlsx", allowed=VIEWERS),
    "energy.report": Access("/energy/report", allowed=ADMINS),
    "energy.report_export": Access("/energy/report.xlsx", allowed=ADMINS),
    "energy.basis": Access("/energy/basis", allowed=ADMINS),
    "energy.keep_basis": Access("/energy/basis/2026/keep", allowed=ADMINS, post_only=True, form_page="/energy/basis"),
    "energy.edit_basis": Access("/energy/basis/2026/0", allowed=ADMINS),
    "energy.quantities": Access("/energy/quantities", allowed=ADMINS),
    "energy.quotas": Access("/energy/quotas", allowed=ADMINS),
    "energy.measures": Access("/energy/measures", allowed=ADMINS),
    "energy.measure": Access(_measure, allowed=ADMINS),
}
