"""Changing a booking instead of cancelling and rebooking (issue 18.1):
ending a meeting early frees the rest of its slot at once."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from sqlalchemy import func, select

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


# ---------------------------------------------------------------- a change that needs approval


@pytest.fixture
def approvers(make_user):
    return (make_user(roles=[Role.EMPLOYEE, Role.LOGISTICS_ADMIN], username="houqin", display_name="后勤陈主任"),
            make_user(roles=[Role.EMPLOYEE, Role.LOGISTICS_ADMIN], username="houqin2", display_name="后勤刘科长"))


def messages(kind):
    return db.session.scalars(select(Notification).where(Notification.kind == kind).order_by(Notification.id)).all()


def approval_room(create_room):
    from portal.blueprints.rooms.models import RoomPolicy

    room = create_room(name="需审批会议室")
    db.session.add(RoomPolicy(room_id=room.id, requires_approval=True, no_show_grace_minutes=15))
    db.session.commit()
    return room


def propose(people, create_room, create_booking, workday, **arrangements):
    """An approved booking of 张科员 at 09:00–10:00, moved to 14:00–15:00 in a room that needs approval."""
    room, strict = create_room(), approval_room(create_room)
    mine = create_booking(room, at(workday, "09:00"), at(workday, "10:00"), requester_id=people["staff"].id,
                          unit_id=people["staff"].unit_id)
    outcome = services.change_booking(mine, change_of(mine, room=strict, start=time(14), end=time(15), attendees=8,
                                                      **arrangements), actor=people["staff"], now=timeutil.now())
    assert outcome.ok and outcome.proposed is not None and outcome.bookings == []
    db.session.commit()
    return mine, outcome.proposed, room, strict


def test_a_change_that_needs_approval_waits_and_the_booking_keeps_its_slot(app, people, approvers, create_room,
                                                                           create_booking, workday):
    mine, proposal, room, strict = propose(people, create_room, create_booking, workday)
    db.session.expire_all()
    # The booking is as it was, still approved and still holding its slot.
    assert (mine.room_id, mine.start_at, mine.attendees, mine.status) == (room.id, at(workday, "09:00"), 5,
                                                                          BookingStatus.APPROVED)
    assert services.find_conflicts(room.id, at(workday, "09:00"), at(workday, "10:00")) == [mine]
    # The proposal carries the new room, time and attendees and waits in the approval queue.
    assert mine.pending_change == proposal and proposal.status is BookingStatus.PROPOSED
    assert (proposal.room_id, proposal.start_at, proposal.attendees) == (strict.id, at(workday, "14:00"), 8)
    assert proposal.approval_codes == ["room_setting"] and proposal.change_of == mine
    assert db.session.scalars(services.pending_query(timeutil.now())).all() == [proposal]
    [todo, _second] = messages("rooms.change_request")
    assert todo.todo_key and "09:00" in todo.args["old_when"] and "14:00" in todo.args["when"]
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "booking.change_request")) is not None
    # It is not a booking of its own: not in the requester's list, not changeable, not cancellable.
    assert [b.id for b in db.session.scalars(services.bookings_of_query(people["staff"]))] == [mine.id]
    assert not services.may_change(people["staff"], mine, now=timeutil.now())
    with pytest.raises(RuleViolation):
        services.change_booking(mine, change_of(mine, attendees=6), actor=people["staff"], now=timeutil.now())


def test_the_proposed_slot_is_held_against_a_new_request_and_approval_moves_the_booking(
        app, people, approvers, create_room, create_booking, workday):
    tomorrow = timeutil.today() + timedelta(days=1)
    mine, proposal, room, strict = propose(people, create_room, create_booking, workday, tea_count=8)
    # Someone else asks for the proposed slot while the change waits: refused, naming the change.
    draft = services.BookingDraft(room=strict, day=workday, start=time(14, 30), end=time(15, 30), title="抢会",
                                  attendees=3, unit_id=None)
    taken = services.book_room(draft, actor=people["other"], now=timeutil.now())
    assert not taken.ok and taken.blocked[0].conflicts == [proposal]
    db.session.rollback()
    assert room not in services.free_rooms(at(workday, "09:00"), at(workday, "10:00"))
    assert strict not in services.free_rooms(at(workday, "14:00"), at(workday, "15:00"))

    assert services.approve(proposal, actor=approvers[0], now=timeutil.now()) is True
    db.session.commit()
    db.session.expire_all()
    assert (mine.room_id, mine.start_at, mine.end_at, mine.attendees, mine.tea_count, mine.status) == (
        strict.id, at(workday, "14:00"), at(workday, "15:00"), 8, 8, BookingStatus.APPROVED)
    assert mine.pending_change is None and db.session.get(type(mine), proposal.id) is None
    # The old slot is free again; the requester hears; the approvers' to-dos are done.
    assert services.find_conflicts(room.id, at(workday, "09:00"), at(workday, "10:00")) == []
    [told] = messages("rooms.change_approved")
    assert told.recipient_id == people["staff"].id and "09:00" in told.args["old_when"]
    assert all(m.done_at is not None for m in messages("rooms.change_request"))
    assert messages("rooms.approved") == []
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "booking.change_approve")) is not None
    # A change of today's or tomorrow's services tells the property company when it is approved.
    near, near_proposal, *_ = propose(people, create_room, create_booking, tomorrow, tea_count=12)
    assert messages("rooms.arrangements_changed") == []
    services.approve(near_proposal, actor=approvers[1], now=timeutil.now())
    db.session.commit()
    [service_message] = messages("rooms.arrangements_changed")
    assert service_message.recipient_id == people["wuye"].id


def test_a_rejected_change_keeps_the_old_slot_and_frees_the_new_one(app, people, approvers, create_room, create_booking,
                                                                     workday):
    mine, proposal, room, strict = propose(people, create_room, create_booking, workday)
    with pytest.raises(RuleViolation):
        services.reject(proposal, "  ", actor=approvers[0], now=timeutil.now())
    services.reject(proposal, "那天要用于接待", actor=approvers[0], now=timeutil.now())
    db.session.commit()
    db.session.expire_all()
    assert (mine.room_id, mine.start_at, mine.status, mine.pending_change) == (room.id, at(workday, "09:00"),
                                                                               BookingStatus.APPROVED, None)
    assert services.find_conflicts(strict.id, at(workday, "14:00"), at(workday, "15:00")) == []
    [told] = messages("rooms.change_rejected")
    assert told.recipient_id == people["staff"].id and told.args["reason"] == "那天要用于接待"
    assert all(m.done_at is not None for m in messages("rooms.change_request"))
    assert messages("rooms.rejected") == [] and messages("rooms.arrangements_removed") == []


def test_a_change_can_be_withdrawn_and_goes_with_its_booking(app, people, approvers, create_room, create_booking,
                                                             workday):
    mine, proposal, room, strict = propose(people, create_room, create_booking, workday)
    with pytest.raises(RuleViolation) as refused:
        services.withdraw_change(mine, actor=people["colleague"], now=timeutil.now())
    assert refused.value.status == 403
    services.withdraw_change(mine, actor=people["staff"], now=timeutil.now())
    db.session.commit()
    db.session.expire_all()
    assert mine.pending_change is None and mine.room_id == room.id
    assert services.find_conflicts(strict.id, at(workday, "14:00"), at(workday, "15:00")) == []
    assert all(m.done_at is not None for m in messages("rooms.change_request"))
    # Cancelling a booking takes its waiting change with it.
    mine, proposal, *_ = propose(people, create_room, create_booking, workday + timedelta(days=1))
    services.cancel(mine, actor=people["staff"], now=timeutil.now())
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(type(mine)).where(
        type(mine).status == BookingStatus.PROPOSED)) == 0


def test_approval_checks_the_new_slot_again(app, people, approvers, create_room, create_booking, workday):
    mine, proposal, room, strict = propose(people, create_room, create_booking, workday)
    services.close_rooms(strict, at(workday, "13:00"), at(workday, "16:00"), "线路检修", actor=approvers[0],
                         now=timeutil.now())
    db.session.commit()
    decisions = services.decide_many([proposal], approve=True, actor=approvers[0], now=timeutil.now())
    assert decisions.done == [] and len(decisions.refused) == 1
    db.session.commit()
    db.session.expire_all()
    assert mine.room_id == room.id and mine.pending_change == proposal


def test_extending_into_approval_holds_the_longer_slot_beside_the_booking(app, people, approvers, create_room,
                                                                          create_booking, workday):
    """The proposal overlaps the booking it changes (PostgreSQL's constraint lets exactly that through)."""
    strict = approval_room(create_room)
    mine = create_booking(strict, at(workday, "09:00"), at(workday, "10:00"), requester_id=people["staff"].id)
    outcome = services.change_booking(mine, change_of(mine, end=time(11)), actor=people["staff"], now=timeutil.now())
    assert outcome.proposed is not None
    db.session.commit()
    taken = services.book_room(services.BookingDraft(room=strict, day=workday, start=time(10), end=time(10, 30),
                                                     title="插队", attendees=2), actor=people["other"], now=timeutil.now())
    assert not taken.ok and taken.blocked[0].conflicts == [outcome.proposed]
    db.session.rollback()
    services.approve(outcome.proposed, actor=approvers[0], now=timeutil.now())
    db.session.commit()
    db.session.expire_all()
    assert (mine.start_at, mine.end_at) == (at(workday, "09:00"), at(workday, "11:00"))


def test_the_change_shows_on_the_booking_page_and_in_the_approval_queue(client, auth, people, approvers, create_room,
                                                                        create_booking, workday):
    room, strict = create_room(name="三楼小会议室"), approval_room(create_room)
    mine = create_booking(room, at(workday, "09:00"), at(workday, "10:00"), requester_id=people["staff"].id,
                          unit_id=people["staff"].unit_id)
    auth.login_as(people["staff"])
    data = {"room_id": strict.id, "day": workday.isoformat(), "start": "14:00", "end": "15:00", "attendees": "6"}
    done = client.post(f"/rooms/bookings/{mine.id}/change", data=data, follow_redirects=True)
    page = done.get_data(as_text=True)
    assert done.status_code == 200 and "等待审批" in page and "撤回" in page
    db.session.expire_all()
    proposal = mine.pending_change
    assert mine.room_id == room.id and proposal is not None
    assert client.get(f"/rooms/bookings/{proposal.id}").headers["Location"] == f"/rooms/bookings/{mine.id}"
    again = client.get(f"/rooms/bookings/{mine.id}/change", follow_redirects=True).get_data(as_text=True)
    assert "请先撤回该变更" in again
    auth.login_as(approvers[0])
    queue = client.get("/rooms/approvals").get_data(as_text=True)
    assert "三楼小会议室" in queue and "需审批会议室" in queue and "14:00" in queue and "09:00" in queue
    rejected = client.post(f"/rooms/bookings/{proposal.id}/reject", data={"reason": "已有安排"})
    assert rejected.status_code == 303
    db.session.expire_all()
    assert mine.pending_change is None and mine.room_id == room.id
    auth.login_as(people["staff"])
    client.post(f"/rooms/bookings/{mine.id}/change", data=data)
    db.session.expire_all()
    withdrawn = client.post(f"/rooms/bookings/{mine.id}/change/withdraw", data={})
    assert withdrawn.status_code == 303
    db.session.expire_all()
    assert mine.pending_change is None


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
