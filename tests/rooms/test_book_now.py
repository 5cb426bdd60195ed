"""Book now from the door sign (issue 18): a logged-in employee standing at a
free room books it for the next 30 or 60 minutes, through the room's rules."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal import timeutil
from portal.blueprints.rooms import services
from portal.blueprints.rooms.models import Booking, BookingStatus, RoomPolicy
from portal.db import db
from portal.models import Role, RoomKind
from portal.rules import RuleViolation
from tests.rooms.conftest import at


@pytest.fixture
def staff(make_user, create_unit):
    return make_user(roles=[Role.EMPLOYEE], username="zhang", display_name="张科员", unit=create_unit())


@pytest.fixture
def morning(clock, workday):
    """10:00:20 on a workday (the clock stands still)."""
    return clock(workday.year, workday.month, workday.day, 10, 0, 20)


def test_a_free_room_is_booked_from_the_next_minute_and_checked_in(app, staff, create_room, morning):
    room = create_room(capacity=8)
    sign = services.door_sign(room, now=morning)
    assert sign.book_now == [30, 60]
    outcome = services.book_now(room, 30, title="", attendees=3, actor=staff, now=morning)
    assert outcome.ok
    db.session.commit()
    [booking] = outcome.bookings
    assert booking.start_at == at(morning.date(), "10:01") and booking.end_at == at(morning.date(), "10:31")
    assert booking.status is BookingStatus.APPROVED and booking.checked_in_at == morning
    assert booking.requester_id == staff.id and booking.unit_id == staff.unit_id and booking.title
    assert not booking.is_public
    # The sign now shows the meeting and offers nothing.
    sign = services.door_sign(room, now=morning + timedelta(minutes=2))
    assert sign.current == booking and sign.book_now == []


def test_the_next_meeting_and_closing_time_limit_what_the_sign_offers(app, staff, create_room, create_booking, clock,
                                                                     morning):
    room = create_room()
    create_booking(room, at(morning.date(), "10:45"), at(morning.date(), "11:30"))
    assert services.door_sign(room, now=morning).book_now == [30]
    outcome = services.book_now(room, 60, title="碰头会", attendees=2, actor=staff, now=morning)
    assert not outcome.ok and outcome.occurrences[0].conflicts  # the same rules as a request
    evening = clock(morning.year, morning.month, morning.day, 20, 15)
    assert services.door_sign(room, now=evening).book_now == [30]
    late = clock(morning.year, morning.month, morning.day, 20, 40)
    assert services.door_sign(room, now=late).book_now == []
    assert not services.book_now(room, 30, title="", attendees=2, actor=staff, now=late).ok


def test_rooms_needing_approval_too_small_or_a_stranger_are_refused(app, staff, make_user, create_room, morning):
    vip = create_room(kind=RoomKind.VIP_RECEPTION)
    assert services.door_sign(vip, now=morning).book_now == []
    with pytest.raises(RuleViolation):
        services.book_now(vip, 30, title="", attendees=2, actor=staff, now=morning)
    approval = create_room()
    db.session.add(RoomPolicy(room_id=approval.id, requires_approval=True))
    db.session.commit()
    with pytest.raises(RuleViolation):
        services.book_now(approval, 30, title="", attendees=2, actor=staff, now=morning)
    small = create_room(capacity=4)
    assert services.book_now(small, 30, title="", attendees=9, actor=staff, now=morning).problems
    with pytest.raises(RuleViolation):
        services.book_now(small, 45, title="", attendees=2, actor=staff, now=morning)
    with pytest.raises(RuleViolation):
        services.book_now(small, 30, title="", attendees=2, actor=make_user(roles=[Role.PROPERTY]), now=morning)
    assert db.session.scalars(select(Booking)).all() == []


def test_the_door_sign_form_books_the_room_with_javascript_off(app, client, auth, staff, create_room, morning):
    room = create_room()
    anonymous = client.get(f"/rooms/{room.id}/sign").get_data(as_text=True)
    assert "book-now" not in anonymous and "登录后立即预订" in anonymous
    auth.login_as(staff)
    page = client.get(f"/rooms/{room.id}/sign").get_data(as_text=True)
    assert f"/rooms/{room.id}/book-now" in page and "data-hx-trigger" not in page  # no refresh under the typing
    response = client.post(f"/rooms/{room.id}/book-now", data={"minutes": "60", "attendees": "4", "title": "临时碰头会"})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/rooms/{room.id}/sign")
    booking = db.session.scalar(select(Booking).where(Booking.room_id == room.id))
    assert booking.title == "临时碰头会" and booking.end_at == at(morning.date(), "11:01")
    shown = client.get(f"/rooms/{room.id}/sign").get_data(as_text=True)
    assert "10:01–11:01" in shown and "立即预订" not in shown  # it starts at the coming minute
    # Again (someone else was quicker): a message, nothing saved, no 500.
    again = client.post(f"/rooms/{room.id}/book-now", data={"minutes": "30", "attendees": "2"}, follow_redirects=True)
    assert again.status_code == 200 and "不再空闲" in again.get_data(as_text=True)
    bad = client.post(f"/rooms/{room.id}/book-now", data={"minutes": "999", "attendees": "x"})
    assert bad.status_code == 303
    assert len(db.session.scalars(select(Booking)).all()) == 1
