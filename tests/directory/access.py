from sqlalchemy import select

from portal.blueprints.directory.models import Synonym
from portal.db import db
from portal.models import Building, Room, Unit, User
from tests.access import LOGGED_IN, Access

EDITORS = ("unit_admin", "logistics_admin", "sysadmin")
ADMINS = ("logistics_admin", "sysadmin")


def unit_id(short_name: str) -> int:
    return db.session.scalar(select(Unit.id).where(Unit.short_name == short_name))


def directory_entry_of(short_name: str) -> int:
    """A staff entry without a login in the unit."""
    return db.session.scalar(
        select(User.id).where(User.unit_id == unit_id(short_name), User.password_hash == "").order_by(User.id)
    )


def synonym_of(short_name: str | None) -> int:
    """A demo synonym kept by the unit (None: a building-wide one)."""
    owner = Synonym.unit_id.is_(None) if short_name is None else Synonym.unit_id == unit_id(short_name)
    return db.session.scalar(select(Synonym.id).where(owner).order_by(Synonym.id))


ACCESS = {
    "directory.index": Access("/directory/"),
    "directory.unit": Access(lambda: f"/directory/units/{unit_id('人社局')}"),
    "directory.building": [
        Access(lambda: f"/directory/buildings/{db.session.scalar(select(Building.id).order_by(Building.id))}"),
        # with a floor-plan layer (offices' allocation): drawn for those the layer lets see it, plain for the others
        Access(lambda: f"/directory/buildings/{db.session.scalar(select(Building.id).order_by(Building.id))}?layer=allocation"),
    ],
    "directory.search": Access("/directory/search?q=人社局"),
    "directory.staff": Access("/directory/staff/", allowed=LOGGED_IN),
    "directory.admin_units": Access("/directory/admin/units/", allowed=EDITORS),
    "directory.edit_unit": [
        Access("/directory/admin/units/new", allowed=ADMINS),
        Access(lambda: f"/directory/admin/units/{unit_id('人社局')}", allowed=EDITORS),  # the unit admin's own unit
        Access(lambda: f"/directory/admin/units/{unit_id('财政局')}", allowed=ADMINS),
    ],
    "directory.admin_rooms": Access("/directory/admin/rooms/", allowed=ADMINS),
    "directory.edit_room": Access(
        lambda: f"/directory/admin/rooms/{db.session.scalar(select(Room.id).order_by(Room.id))}", allowed=ADMINS
    ),
    "directory.admin_staff": Access("/directory/admin/staff/", allowed=EDITORS),
    "directory.edit_staff": [
        Access("/directory/admin/staff/new", allowed=EDITORS),
        Access(lambda: f"/directory/admin/staff/{directory_entry_of('人社局')}", allowed=EDITORS),
        Access(lambda: f"/directory/admin/staff/{directory_entry_of('财政局')}", allowed=ADMINS),
    ],
    "directory.admin_synonyms": Access("/directory/admin/synonyms/", allowed=EDITORS),
    "directory.edit_synonym": [
        Access("/directory/admin/synonyms/new", allowed=EDITORS),
        Access(lambda: f"/directory/admin/synonyms/{synonym_of('人社局')}", allowed=EDITORS),  # the unit admin's own unit's
        Access(lambda: f"/directory/admin/synonyms/{synonym_of(None)}", allowed=ADMINS),  # building-wide
    ],
    "directory.delete_synonym": Access(
        lambda: f"/directory/admin/synonyms/{synonym_of('人社局')}/delete", post_only=True, post_roles=EDITORS
    ),
    "directory.data_exchange": Access("/directory/admin/exchange", allowed=EDITORS),
    "directory.export": Access("/directory/admin/export.xlsx", allowed=EDITORS),
}
