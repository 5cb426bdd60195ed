from sqlalchemy import select

from portal.blueprints.offices.models import OfficeRoomEntry, OfficeSeat, OfficeStandard, OfficeStockTake
from portal.db import db
from portal.models import Unit
from tests.access import STAFF, Access

ADMINS = ("logistics_admin", "sysadmin")


def _room() -> int:
    return db.session.scalar(select(OfficeRoomEntry.room_id).order_by(OfficeRoomEntry.id))


def _seat() -> int:
    return db.session.scalar(select(OfficeSeat.id).where(OfficeSeat.end_date.is_(None)).order_by(OfficeSeat.id))


def _seat_room() -> str:
    return f"/offices/rooms/{db.session.get(OfficeSeat, _seat()).room_id}"


def _unit() -> int:
    return db.session.scalar(select(Unit.id).order_by(Unit.sort_order, Unit.id))


def _standard() -> int:
    return db.session.scalar(select(OfficeStandard.id).order_by(OfficeStandard.id))


def _take() -> int:
    return db.session.scalar(select(OfficeStockTake.id).order_by(OfficeStockTake.id))


ACCESS = {
    # every member of staff sees the published allocation; the ledger is the logistics center's
    "offices.index": Access("/offices/", allowed=STAFF),
    "offices.published": Access("/offices/published/2025", allowed=STAFF),
    "offices.published_xlsx": Access("/offices/published/2025.xlsx", allowed=ADMINS),
    "offices.publish_page": Access("/offices/publish", allowed=ADMINS),
    "offices.ledger_page": Access("/offices/ledger", allowed=ADMINS),
    "offices.ledger_xlsx": Access("/offices/ledger.xlsx", allowed=ADMINS),
    "offices.import_page": Access("/offices/ledger/import", post_only=True, post_roles=ADMINS, form_page="/offices/ledger"),
    "offices.unit": Access(lambda: f"/offices/ledger/unit/{_unit()}", allowed=ADMINS),
    "offices.unrecorded": Access("/offices/ledger/unrecorded", allowed=ADMINS),
    "offices.plan": Access("/offices/plan", allowed=ADMINS),
    "offices.hand_backs": Access("/offices/hand-backs", allowed=ADMINS),
    "offices.room": Access(lambda: f"/offices/rooms/{_room()}", allowed=ADMINS),
    "offices.record_room_entry": Access(lambda: f"/offices/rooms/{_room()}/entry", post_only=True, post_roles=ADMINS,
                                        form_page=lambda: f"/offices/rooms/{_room()}"),
    "offices.seat": Access(lambda: f"{_seat_room()}/seat", post_only=True, post_roles=ADMINS,  # an office: people sit there
                           form_page=_seat_room),
    "offices.exception": Access(lambda: f"/offices/rooms/{_room()}/exception", post_only=True, post_roles=ADMINS,
                                form_page=lambda: f"/offices/rooms/{_room()}"),
    "offices.move": Access(lambda: f"/offices/seats/{_seat()}/move", post_only=True, post_roles=ADMINS,
                           form_page=_seat_room),
    "offices.record_hand_back": Access(lambda: f"/offices/seats/{_seat()}/hand-back", post_only=True, post_roles=ADMINS,
                                       form_page=_seat_room),
    "offices.standards": Access("/offices/standards", allowed=ADMINS),
    "offices.edit_standard": [
        Access("/offices/standards/new", allowed=ADMINS),
        Access(lambda: f"/offices/standards/{_standard()}", allowed=ADMINS),
    ],
    "offices.stock_take_list": Access("/offices/stock-takes", allowed=ADMINS),
    "offices.stock_take": Access(lambda: f"/offices/stock-takes/{_take()}", allowed=ADMINS),
    "offices.stock_take_room": Access(lambda: f"/offices/stock-takes/{_take()}/rooms/{_room()}", allowed=ADMINS),
    "offices.close_take": Access(lambda: f"/offices/stock-takes/{_take()}/close", post_only=True, post_roles=ADMINS,
                                 form_page=lambda: f"/offices/stock-takes/{_take()}"),
}
