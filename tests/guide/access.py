from sqlalchemy import select

from portal.blueprints.guide.models import Service
from portal.db import db
from portal.models import Unit
from tests.access import Access

EDITORS = ("unit_admin", "logistics_admin", "sysadmin")
ADMINS = ("logistics_admin", "sysadmin")


def service_of(short_name: str) -> int:
    return db.session.scalar(
        select(Service.id).join(Unit).where(Unit.short_name == short_name).order_by(Service.id)
    )


ACCESS = {
    "guide.index": Access("/services/"),
    "guide.service": Access(lambda: f"/services/{service_of('人社局')}"),
    "guide.admin_services": Access("/services/admin/", allowed=EDITORS),
    "guide.edit_service": [
        Access("/services/admin/new", allowed=EDITORS),
        Access(lambda: f"/services/admin/{service_of('人社局')}", allowed=EDITORS),  # the unit admin's own unit
        Access(lambda: f"/services/admin/{service_of('民政局')}", allowed=ADMINS),
    ],
    "guide.delete_service": Access(lambda: f"/services/admin/{service_of('人社局')}/delete", post_only=True, post_roles=EDITORS),
}
