# Shared factories: notices from the notices tests, rooms and bookings from the rooms tests.
from tests.notices.conftest import create_notice, make_unit  # noqa: F401
from tests.rooms.conftest import create_booking, create_room, floor  # noqa: F401
