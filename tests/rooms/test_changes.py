"""Changing a booking instead of cancelling and rebooking (issue 18.1):
ending a meeting early frees the rest of its slot at once."""

from __future__ import annotations

from datetime import time, timedelta

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


# ---------------------------------------------------------------- moving, extending, shortening


def change_of(booking, room=None, day=None, start=None, end=None, attendees=None, **arrangements):
    from portal.timeutil import LOCAL_TZ

    start_at, end_at = booking.start_at.astimezone(LOCAL_TZ), booking.end_at.astimezone(LOCAL_TZ)
    return services.BookingChange(room=room or booking.room, day=day or start_at.date(),
                                  start=start or start_at.time(), end=end or end_at.time(),
                                  attendees=attendees or booking.attendees, arrangements=arrangements)


def test_extending_into_another_meeting_is_refused_with_what_is_in_the_way(app, people, create_room, create_booking,
                                                                           workday):
    room = create_room()
    mine = create_booking(room, at(workday, "09:00"), at(workday, "10:00"), requester_id=people["staff"].id)
    theirs = create_booking(room, at(workday, "10:30"), at(workday, "11:30"), requester_id=people["other"].id)
    outcome = services.change_booking(mine, change_of(mine, end=time(11)), actor=people["staff"], now=timeutil.now())
    assert not outcome.ok and outcome.blocked[0].conflicts == [theirs]
    db.session.rollback()
    db.session.expire_all()
    assert mine.end_at == at(workday, "10:00")
    # Extending up to the next meeting is fine; so is shortening; the booking itself never conflicts.
    outcome = services.change_booking(mine, change_of(mine, start=time(8, 30), end=time(10, 30)), actor=people["staff"],
                                      now=timeutil.now())
    assert outcome.ok
    db.session.commit()
    assert (mine.start_at, mine.end_at) == (at(workday, "08:30"), at(workday, "10:30"))
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "booking.change")) is not None


def test_a_change_passes_the_rules_of_a_new_request(app, people, create_room, create_booking, workday):
    room = create_room(capacity=10)
    mine = create_booking(room, at(workday, "09:00"), at(workday, "10:00"), requester_id=people["staff"].id)
    now = timeutil.now()
    too_many = services.change_booking(mine, change_of(mine, attendees=30), actor=people["staff"], now=now)
    late = services.change_booking(mine, change_of(mine, end=time(21, 30)), actor=people["staff"], now=now)
    far = services.change_booking(mine, change_of(mine, day=workday + timedelta(days=200)), actor=people["staff"], now=now)
    assert not (too_many.ok or late.ok or far.ok)
    closed_room = create_room()
    services.close_rooms(closed_room, at(workday, "08:00"), at(workday, "12:00"), "装修", actor=people["staff"], now=now)
    moved = services.change_booking(mine, change_of(mine, room=closed_room), actor=people["staff"], now=now)
    assert not moved.ok and moved.blocked[0].closures
    db.session.rollback()
    db.session.expire_all()
    assert mine.room_id == room.id and mine.attendees == 5
    with pytest.raises(RuleViolation) as refused:
        services.change_booking(mine, change_of(mine, attendees=6), actor=people["colleague"], now=now)
    assert refused.value.status == 403


def test_moving_to_another_room_and_changing_services_tells_the_property_company(app, people, create_room,
                                                                                 create_booking):
    tomorrow = timeutil.today() + timedelta(days=1)
    room, other_room = create_room(), create_room()
    mine = create_booking(room, at(tomorrow, "09:00"), at(tomorrow, "10:00"), requester_id=people["staff"].id,
                          tea_count=5)
    outcome = services.change_booking(mine, change_of(mine, room=other_room, tea_count=8, needs_audio=True),
                                      actor=people["staff"], now=timeutil.now())
    assert outcome.ok
    db.session.commit()
    assert mine.room_id == other_room.id and mine.tea_count == 8 and mine.needs_audio
    [message] = db.session.scalars(select(Notification).where(Notification.kind == "rooms.arrangements_changed")).all()
    assert message.recipient_id == people["wuye"].id


def test_a_pending_request_moved_waits_again_with_a_fresh_todo(app, people, create_room, create_booking, workday,
                                                               make_user):
    from portal.blueprints.rooms.models import RoomPolicy

    houqin = make_user(roles=[Role.EMPLOYEE, Role.LOGISTICS_ADMIN], username="houqin", display_name="后勤陈主任")
    room = create_room()
    db.session.add(RoomPolicy(room_id=room.id, requires_approval=True, no_show_grace_minutes=15))
    db.session.commit()
    draft = services.BookingDraft(room=room, day=workday, start=time(9), end=time(10), title="研讨", attendees=5,
                                  unit_id=people["staff"].unit_id)
    [mine] = services.book_room(draft, actor=people["staff"], now=timeutil.now()).bookings
    db.session.commit()
    free_room = create_room()
    outcome = services.change_booking(mine, change_of(mine, start=time(14), end=time(15)), actor=people["staff"],
                                      now=timeutil.now())
    assert outcome.ok and mine.status is BookingStatus.PENDING
    db.session.commit()
    todos = db.session.scalars(select(Notification).where(Notification.kind == "rooms.request",
                                                          Notification.recipient_id == houqin.id)
                                  .order_by(Notification.id)).all()
    assert len(todos) == 2 and "14:00" in todos[-1].args["when"]
    # Moved to a room without approval: approved at once.
    outcome = services.change_booking(mine, change_of(mine, room=free_room), actor=houqin, now=timeutil.now())
    db.session.commit()
    assert outcome.ok and mine.status is BookingStatus.APPROVED
    [told] = db.session.scalars(select(Notification).where(Notification.kind == "rooms.changed")).all()
    assert told.recipient_id == people["staff"].id


def test_an_approved_booking_moved_where_approval_is_needed_is_refused_and_kept(app, people, create_room, create_booking,
                                                                                workday):
    from portal.models import RoomKind

    room, vip = create_room(), create_room(kind=RoomKind.VIP_RECEPTION)
    mine = create_booking(room, at(workday, "09:00"), at(workday, "10:00"), requester_id=people["staff"].id)
    outcome = services.change_booking(mine, change_of(mine, room=vip), actor=people["staff"], now=timeutil.now())
    assert not outcome.ok and outcome.problems
    db.session.rollback()
    db.session.expire_all()
    assert mine.room_id == room.id and mine.status is BookingStatus.APPROVED


def test_a_running_meeting_can_be_extended_but_keeps_its_start(app, people, create_room, create_booking):
    from portal.timeutil import LOCAL_TZ

    room = create_room()
    mine = running(create_booking, room, people["staff"])
    new_end = (mine.end_at + timedelta(minutes=30)).astimezone(LOCAL_TZ).time()
    outcome = services.change_booking(mine, change_of(mine, end=new_end), actor=people["staff"], now=timeutil.now())
    assert outcome.ok, (outcome.problems, outcome.blocked)
    moved = services.change_booking(mine, change_of(mine, room=create_room()), actor=people["staff"], now=timeutil.now())
    assert not moved.ok


def test_the_change_page_moves_a_booking_without_javascript(client, auth, people, create_room, create_booking, workday):
    room, other_room = create_room(), create_room()
    mine = create_booking(room, at(workday, "09:00"), at(workday, "10:00"), requester_id=people["staff"].id,
                          unit_id=people["staff"].unit_id)
    create_booking(other_room, at(workday, "14:00"), at(workday, "15:00"), requester_id=people["other"].id)
    auth.login_as(people["colleague"])  # may read it, may not change it
    assert client.get(f"/rooms/bookings/{mine.id}/change").status_code == 403
    auth.login_as(people["staff"])
    page = client.get(f"/rooms/bookings/{mine.id}").get_data(as_text=True)
    assert f'href="/rooms/bookings/{mine.id}/change"' in page
    form = client.get(f"/rooms/bookings/{mine.id}/change").get_data(as_text=True)
    assert 'value="09:00" selected' in form or 'selected value="09:00"' in form
    data = {"room_id": other_room.id, "day": workday.isoformat(), "start": "14:30", "end": "15:30", "attendees": "6",
            "tea_count": "6"}
    refused = client.post(f"/rooms/bookings/{mine.id}/change", data=data)
    assert refused.status_code == 422 and "已被预订" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert mine.room_id == room.id
    data.update(start="15:00", end="16:00")
    done = client.post(f"/rooms/bookings/{mine.id}/change", data=data)
    assert done.status_code == 303 and done.headers["Location"] == f"/rooms/bookings/{mine.id}"
    db.session.expire_all()
    assert (mine.room_id, mine.start_at, mine.tea_count) == (other_room.id, at(workday, "15:00"), 6)
    bad = client.post(f"/rooms/bookings/{mine.id}/change", data={**data, "day": "2026-13-40", "attendees": "x"})
    assert bad.status_code == 422
