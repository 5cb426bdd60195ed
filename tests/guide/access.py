from sqlalchemy import select

from portal.blueprints.guide.models import GuideItem
from portal.db import db
from portal.models import Unit
from tests.access import Access

EDITORS = ("unit_admin", "logistics_admin", "sysadmin")
ADMINS = ("logistics_admin", "sysadmin")


def item_of(short_name: str) -> int:
    return db.session.scalar(
        select(GuideItem.id).join(Unit).where(Unit.short_name == short_name).order_by(GuideItem.id)
    )


ACCESS = {
    "guide.index": Access("/services/"),
    "guide.item": Access(lambda: f"/services/{item_of('人社局')}"),
    "guide.admin_items": Access("/services/admin/", allowed=EDITORS),
    "guide.edit_item": [
        Access("/services/admin/new", allowed=EDITORS),
        Access(lambda: f"/services/admin/{item_of('人社局')}", allowed=EDITORS),  # the unit admin's own unit
        Access(lambda: f"/services/admin/{item_of('民政局')}", allowed=ADMINS),
    ],
    "guide.delete_item": Access(lambda: f"/services/admin/{item_of('人社局')}/delete", post_only=True, post_roles=EDITORS),
}
