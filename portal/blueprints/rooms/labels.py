"""Names shown for codes (statuses, rules, equipment)."""

from flask_babel import lazy_gettext as _l

from portal.blueprints.rooms.models import BookingStatus, Recurrence
from portal.models import Equipment

STATUS_LABELS = {
    BookingStatus.PENDING: _l("Pending"),
    BookingStatus.APPROVED: _l("Approved"),
    BookingStatus.REJECTED: _l("Rejected"),
    BookingStatus.CANCELLED: _l("Cancelled"),
    BookingStatus.RELEASED: _l("Released (no-show)"),
}
STATUS_BADGES = {
    BookingStatus.PENDING: "badge--warn",
    BookingStatus.APPROVED: "badge--ok",
    BookingStatus.REJECTED: "badge--danger",
    BookingStatus.CANCELLED: "",
    BookingStatus.RELEASED: "badge--danger",
}
RECURRENCE_LABELS = {
    Recurrence.WEEKLY: _l("Every week"),
    Recurrence.BIWEEKLY: _l("Every two weeks"),
    Recurrence.MONTHLY_NTH: _l("Monthly on the same weekday (e.g. 2nd Tuesday)"),
}
EQUIPMENT_LABELS = {
    Equipment.PROJECTOR.value: _l("Projector"),
    Equipment.SCREEN.value: _l("Screen"),
    Equipment.MICROPHONES.value: _l("Microphones"),
    Equipment.VIDEO_CONFERENCE.value: _l("Video conference"),
    Equipment.WELCOME_SCREEN.value: _l("Electronic welcome screen"),
}
BOOKED = _l("Booked")  # what passers-by see instead of a non-public title
