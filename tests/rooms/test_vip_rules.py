"""VIP reception room rules (issue 18): who may request it (roles or units, set
by logistics), a second approval level where set, and a required reason."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal import timeutil
from portal.blueprints.notifications.models import Notification
from portal.blueprints.rooms import services
from portal.blueprints.rooms.models import BookingStatus, RoomPolicy
from portal.db import db
from portal.models import AuditLog, Role, RoomKind
from portal.rules import RuleViolation
from tests.rooms.test_notices import request


@pytest.fixture
def people(make_user, create_unit):
    office, other = create_unit(name="县委办"), create_unit(name="县林业局")
    return {
        "office": make_user(roles=[Role.EMPLOYEE], username="zhao", unit=office),
        "other": make_user(roles=[Role.EMPLOYEE], username="qian", unit=other),
        "unitadmin": make_user(roles=[Role.UNIT_ADMIN], username="sun", unit=other),
        "logistics": make_user(roles=[Role.LOGISTICS_ADMIN], username="li"),
        "logistics2": make_user(roles=[Role.LOGISTICS_ADMIN], username="zhou"),
        "offices": office,
    }


@pytest.fixture
def vip(app, create_room, people):
    room = create_room(kind=RoomKind.VIP_RECEPTION, name="贵宾接待室")
    services.save_policy(room, requires_approval=True, grace_minutes=None, actor=people["logistics"],
                         now=timeutil.now(), allowed_roles=["unit_admin", "sysadmin", "nonsense"],
                         allowed_unit_ids=[people["offices"].id, 987654], second_approval=True, reason_required=True)
    db.session.commit()
    return room


def test_logistics_names_who_may_request_the_room(vip, people):
    policy = db.session.get(RoomPolicy, vip.id)
    assert policy.allowed_roles == ["unit_admin"] and policy.allowed_unit_ids == [people["offices"].id]
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "room_policy.update")) is not None
    assert services.may_request(vip, policy, people["office"])  # by unit
    assert services.may_request(vip, policy, people["unitadmin"])  # by role
    assert services.may_request(vip, policy, people["logistics"])  # the logistics center always
    assert not services.may_request(vip, policy, people["other"])


def test_a_request_from_outside_or_without_a_reason_is_refused(vip, people, workday):
    with pytest.raises(RuleViolation) as refused:
        request(vip, workday, people["other"], request_reason="接待")
    assert refused.value.field == "room_id"
    with pytest.raises(RuleViolation) as refused:
        request(vip, workday, people["office"], request_reason="  ")
    assert refused.value.field == "request_reason"
    outcome = request(vip, workday, people["office"], request_reason="市领导调研座谈")
    assert outcome.ok and outcome.bookings[0].request_reason == "市领导调研座谈"


def test_two_people_approve_one_after_the_other(vip, people, workday):
    booking = request(vip, workday, people["office"], request_reason="市领导调研座谈").bookings[0]
    db.session.commit()
    now = timeutil.now()
    assert services.approve(booking, actor=people["logistics"], now=now) is False
    db.session.commit()
    assert booking.status is BookingStatus.PENDING and booking.first_approved_by_id == people["logistics"].id
    assert not db.session.scalars(select(Notification).where(Notification.kind == "rooms.approved")).all()
    with pytest.raises(RuleViolation):  # not the same person twice
        services.approve(booking, actor=people["logistics"], now=now)
    decisions = services.decide_many([booking], approve=True, actor=people["logistics2"], now=now)
    db.session.commit()
    assert decisions.done == [booking] and booking.status is BookingStatus.APPROVED
    [told] = db.session.scalars(select(Notification).where(Notification.kind == "rooms.approved")).all()
    assert told.recipient_id == people["office"].id


def test_rooms_without_the_rules_work_as_before(app, create_room, people, workday):
    room = create_room()
    outcome = request(room, workday, people["other"])
    assert outcome.ok and outcome.bookings[0].status is BookingStatus.APPROVED


def test_the_settings_page_stores_the_rules(client, auth, demo):
    from portal.models import Room, Unit

    room = db.session.scalar(select(Room).where(Room.name == "贵宾接待室"))
    unit = db.session.scalar(select(Unit).where(Unit.short_name == "县委办"))
    auth.login_as(demo["logistics_admin"])
    page = client.get(f"/rooms/{room.id}/settings").get_data(as_text=True)
    assert "第二人审批" in page or "second" in page.lower()
    response = client.post(f"/rooms/{room.id}/settings", data={
        "requires_approval": "y", "release_no_shows": "y", "no_show_grace_minutes": "15",
        "allowed_roles": ["unit_admin"], "allowed_unit_ids": [str(unit.id)], "second_approval": "y", "reason_required": "y",
    })
    assert response.status_code == 303
    policy = db.session.get(RoomPolicy, room.id)
    assert policy.allowed_roles == ["unit_admin"] and policy.allowed_unit_ids == [unit.id]
    assert policy.second_approval and policy.reason_required


def test_moving_a_booking_into_the_room_follows_its_rules(vip, people, create_room, workday):
    from tests.rooms.test_changes import change_of

    booking = request(create_room(), workday, people["other"]).bookings[0]
    with pytest.raises(RuleViolation):
        services.change_booking(booking, change_of(booking, room=vip), actor=people["other"], now=timeutil.now())
