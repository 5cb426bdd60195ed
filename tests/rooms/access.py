from sqlalchemy import select

from portal.blueprints.rooms.models import Booking, RoomClosure
from portal.db import db
from portal.models import Room
from tests.access import ROLES, STAFF, Access

ADMINS = ("logistics_admin", "sysadmin")
# Who may open a booking of the demo account ``staff`` (人社局): the requester,
# the unit's other staff, the logistics center, sysadmins and the property company.
BOOKING_VIEWERS = ("employee", "unit_admin", "property", "logistics_admin", "sysadmin")


def _room(name: str = "第一会议室") -> int:
    return db.session.scalar(select(Room.id).where(Room.name == name))


def _booking(title: str = "就业困难人员帮扶专题会") -> int:
    return db.session.scalar(select(Booking.id).where(Booking.title == title))


def _closure() -> int:
    return db.session.scalar(select(RoomClosure.id).order_by(RoomClosure.id))


ACCESS = {
    "rooms.index": Access("/rooms/"),
    "rooms.day": Access("/rooms/day"),
    "rooms.week": Access(lambda: f"/rooms/{_room()}/week"),
    "rooms.new_booking": Access("/rooms/new", allowed=STAFF),
    "rooms.booking": Access(lambda: f"/rooms/bookings/{_booking()}", allowed=BOOKING_VIEWERS),
    "rooms.booking_ics": Access(lambda: f"/rooms/bookings/{_booking()}.ics", allowed=BOOKING_VIEWERS),
    "rooms.series_ics": Access(lambda: f"/rooms/bookings/{_booking('人社局局务会')}/series.ics", allowed=BOOKING_VIEWERS),
    # Staff's meeting tomorrow (one today may be over, and then has no cancel form).
    "rooms.cancel": Access(lambda: f"/rooms/bookings/{_booking('医保基金监管培训')}/cancel", post_only=True,
                           post_roles=("employee", *ADMINS), form_page=lambda: f"/rooms/bookings/{_booking('医保基金监管培训')}"),
    "rooms.check_in": Access(lambda: f"/rooms/bookings/{_booking()}/check-in", post_only=True, post_roles=BOOKING_VIEWERS),
    "rooms.change": Access(lambda: f"/rooms/bookings/{_booking('医保基金监管培训')}/change", allowed=("employee", *ADMINS)),
    "rooms.withdraw_change": Access(lambda: f"/rooms/bookings/{_booking('医保基金监管培训')}/change/withdraw", post_only=True,
                                    post_roles=("employee", *ADMINS)),
    "rooms.end_early": Access(lambda: f"/rooms/bookings/{_booking()}/end", post_only=True, post_roles=BOOKING_VIEWERS),
    "rooms.approvals": Access("/rooms/approvals", allowed=ADMINS),
    "rooms.approve": Access(lambda: f"/rooms/bookings/{_booking('市领导调研座谈')}/approve", post_only=True, post_roles=ADMINS),
    "rooms.decide_many": Access("/rooms/approvals/decide", post_only=True, post_roles=ADMINS, form_page="/rooms/approvals"),
    "rooms.decide_series": Access(lambda: f"/rooms/bookings/{_booking('市领导调研座谈')}/series-decision", post_only=True,
                                  post_roles=ADMINS),
    "rooms.reject": Access(lambda: f"/rooms/bookings/{_booking('市领导调研座谈')}/reject", allowed=ADMINS),
    "rooms.mine": Access("/rooms/mine", allowed=STAFF),
    "rooms.arrangements": Access("/rooms/services", allowed=("property", *ADMINS)),
    "rooms.arrangements_xlsx": Access("/rooms/services.xlsx", allowed=("property", *ADMINS)),
    "rooms.statistics": Access("/rooms/statistics", allowed=ADMINS),
    "rooms.statistics_xlsx": Access("/rooms/statistics.xlsx", allowed=ADMINS),
    "rooms.tasks_page": Access("/rooms/services/tasks", allowed=("property", *ADMINS)),
    "rooms.update_task": Access(lambda: f"/rooms/services/tasks/{_booking()}/tea",
                                post_only=True, post_roles=("property", *ADMINS), form_page="/rooms/services/tasks"),
    "rooms.mark_printed": Access("/rooms/services/printed", post_only=True, post_roles=("property", *ADMINS),
                                 form_page="/rooms/services/tasks"),
    "rooms.closures": Access("/rooms/closures", allowed=ADMINS),
    "rooms.delete_closure": Access(lambda: f"/rooms/closures/{_closure()}/delete", post_only=True, post_roles=ADMINS),
    "rooms.settings": Access("/rooms/settings", allowed=ADMINS),
    "rooms.room_settings": Access(lambda: f"/rooms/{_room()}/settings", allowed=ADMINS),
    "rooms.sign": Access(lambda: f"/rooms/{_room()}/sign"),
    # The sign offers the form only while the room is free within opening hours (tests/rooms/test_book_now.py).
    "rooms.book_now": Access(lambda: f"/rooms/{_room('第七会议室')}/book-now", post_only=True, post_roles=STAFF),
    "rooms.qr_svg": Access(lambda: f"/rooms/{_room()}/qr.svg"),
    "rooms.qr_page": Access(lambda: f"/rooms/{_room()}/qr", allowed=ADMINS),
    "rooms.renew_feed": Access("/rooms/mine/feed", post_only=True, post_roles=STAFF, form_page="/rooms/mine"),
    # A personal feed is read through its secret link only: an unknown token is a 404 for everyone.
    "rooms.personal_feed": Access("/rooms/feeds/" + "x" * 43 + ".ics", expect={role: 404 for role in ROLES}),
    "rooms.room_feed": Access(lambda: f"/rooms/{_room()}/calendar.ics"),
}
