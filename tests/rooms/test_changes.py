"""Changing a booking instead of cancelling and rebooking (issue 18.1):
ending a meeting early frees the rest of its slot at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal import timeutil
from portal.blueprints.notifications.models import Notification
from portal.blueprints.rooms import services
from portal.blueprints.rooms.models import BookingStatus
from portal.db import db
from portal.models import AuditLog, Role
from portal.rules import RuleViolation
from tests.rooms.conftest import at


@pytest.fixture
def people(make_user, create_unit):
    unit = create_unit(name="县人社局", short_name="人社局")
    return {
        "staff": make_user(roles=[Role.EMPLOYEE], username="zhang", display_name="张科员", unit=unit),
        "colleague": make_user(roles=[Role.EMPLOYEE], username="li", display_name="李科员", unit=unit),
        "other": make_user(roles=[Role.EMPLOYEE], username="wang", display_name="王科员"),
        "wuye": make_user(roles=[Role.PROPERTY], username="wuye", display_name="物业王"),
    }


def running(create_booking, room, requester, **extra):
    now = timeutil.now().replace(second=0, microsecond=0)
    values = {"checked_in_at": now - timedelta(minutes=18), **extra}
    return create_booking(room, now - timedelta(minutes=20), now + timedelta(minutes=70), requester_id=requester.id,
                          unit_id=requester.unit_id, **values)


def test_ending_a_meeting_early_frees_the_rest_of_the_slot_at_once(app, people, create_room, create_booking):
    room = create_room()
    booking = running(create_booking, room, people["staff"])
    now = timeutil.now()
    services.end_early(booking, actor=people["staff"], now=now)
    db.session.commit()
    assert booking.end_at == now.replace(second=0, microsecond=0) and booking.status is BookingStatus.APPROVED
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "booking.end_early")) is not None
    # The rest of the slot can be booked by someone else straight away.
    start = now.replace(second=0, microsecond=0) + timedelta(minutes=1)
    assert services.find_conflicts(room.id, start, start + timedelta(minutes=30)) == []
    assert room in services.free_rooms(start, start + timedelta(minutes=30))
    # Nobody is told when the requester ends their own meeting.
    assert db.session.scalars(select(Notification).where(Notification.kind == "rooms.ended_early")).all() == []


def test_the_staff_on_duty_ending_a_meeting_tells_the_requester(app, people, create_room, create_booking):
    room = create_room()
    booking = running(create_booking, room, people["staff"])
    services.end_early(booking, actor=people["wuye"], now=timeutil.now())
    db.session.commit()
    [message] = db.session.scalars(select(Notification).where(Notification.kind == "rooms.ended_early")).all()
    assert message.recipient_id == people["staff"].id and message.args["by"] == "物业王"


def test_only_a_running_approved_meeting_can_be_ended_by_its_people(app, people, create_room, create_booking, workday):
    room = create_room()
    later = create_booking(room, at(workday, "09:00"), at(workday, "10:00"), requester_id=people["staff"].id)
    with pytest.raises(RuleViolation):
        services.end_early(later, actor=people["staff"], now=timeutil.now())
    pending = running(create_booking, create_room(), people["staff"], status=BookingStatus.PENDING)
    with pytest.raises(RuleViolation):
        services.end_early(pending, actor=people["staff"], now=timeutil.now())
    booking = running(create_booking, create_room(), people["staff"])
    end = booking.end_at
    with pytest.raises(RuleViolation) as refused:
        services.end_early(booking, actor=people["other"], now=timeutil.now())
    assert refused.value.status == 403 and booking.end_at == end


def test_ending_in_the_first_minute_keeps_a_one_minute_meeting(app, people, create_room, create_booking):
    room = create_room()
    now = timeutil.now().replace(second=0, microsecond=0)
    booking = create_booking(room, now, now + timedelta(hours=1), requester_id=people["staff"].id)
    services.end_early(booking, actor=people["staff"], now=now + timedelta(seconds=20))
    assert booking.end_at == now + timedelta(minutes=1)


def test_end_early_from_the_door_sign_asks_first_and_works_without_javascript(client, auth, people, create_room,
                                                                               create_booking):
    room = create_room()
    booking = running(create_booking, room, people["staff"])
    end = booking.end_at
    assert "/end" not in client.get(f"/rooms/{room.id}/sign").get_data(as_text=True)  # visitors cannot
    auth.login_as(people["other"])
    assert f"/rooms/bookings/{booking.id}/end" not in client.get(f"/rooms/{room.id}/sign").get_data(as_text=True)
    assert client.post(f"/rooms/bookings/{booking.id}/end", data={"confirmed": "1"}).status_code == 403
    auth.login_as(people["colleague"])
    sign = client.get(f"/rooms/{room.id}/sign").get_data(as_text=True)
    assert f'action="/rooms/bookings/{booking.id}/end"' in sign
    asked = client.post(f"/rooms/bookings/{booking.id}/end", data={"next": f"/rooms/{room.id}/sign"})
    assert asked.status_code == 200 and 'name="confirmed"' in asked.get_data(as_text=True)
    db.session.expire_all()
    assert booking.end_at == end  # nothing yet
    done = client.post(f"/rooms/bookings/{booking.id}/end", data={"next": f"/rooms/{room.id}/sign", "confirmed": "1"})
    assert done.status_code == 303 and done.headers["Location"] == f"/rooms/{room.id}/sign"
    db.session.expire_all()
    assert booking.end_at < end
    sign = client.get(f"/rooms/{room.id}/sign").get_data(as_text=True)
    assert f'action="/rooms/bookings/{booking.id}/end"' not in sign


def test_end_early_from_the_booking_page(client, auth, people, create_room, create_booking):
    room = create_room()
    booking = running(create_booking, room, people["staff"])
    auth.login_as(people["staff"])
    page = client.get(f"/rooms/bookings/{booking.id}").get_data(as_text=True)
    assert f'action="/rooms/bookings/{booking.id}/end"' in page
    done = client.post(f"/rooms/bookings/{booking.id}/end", data={"confirmed": "1"})
    assert done.headers["Location"] == f"/rooms/bookings/{booking.id}"
    again = client.post(f"/rooms/bookings/{booking.id}/end", data={"confirmed": "1"}, follow_redirects=True)
    assert again.status_code == 200  # the meeting is over: a message, not a 500
