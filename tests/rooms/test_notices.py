"""What meeting rooms tell people through the notifications capability, and
deciding several requests (or a whole series) at once."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from sqlalchemy import select

from portal import timeutil
from portal.blueprints.notifications.models import Notification
from portal.blueprints.rooms import services
from portal.blueprints.rooms.models import (
    Booking,
    BookingStatus,
    Recurrence,
    RoomPolicy,
)
from portal.db import db
from portal.models import Role, RoomKind
from tests.rooms.conftest import at, workday_after


@pytest.fixture
def people(make_user, create_unit):
    unit = create_unit(name="县人社局", short_name="人社局")
    return {
        "staff": make_user(roles=[Role.EMPLOYEE], display_name="张科员", unit=unit),
        "houqin": make_user(roles=[Role.EMPLOYEE, Role.LOGISTICS_ADMIN], display_name="后勤陈主任"),
        "houqin2": make_user(roles=[Role.EMPLOYEE, Role.LOGISTICS_ADMIN], display_name="后勤李"),
        "sysadmin": make_user(roles=[Role.SYSADMIN]),
        "wuye": make_user(roles=[Role.PROPERTY], display_name="物业王"),
        "retired": make_user(roles=[Role.PROPERTY], active=False),
    }


def messages(kind=None, recipient=None) -> list[Notification]:
    query = select(Notification).order_by(Notification.id)
    if kind:
        query = query.where(Notification.kind == kind)
    if recipient is not None:
        query = query.where(Notification.recipient_id == recipient.id)
    return list(db.session.scalars(query))


def approval_room(create_room):
    room = create_room(name="第三会议室")
    db.session.add(RoomPolicy(room_id=room.id, requires_approval=True, no_show_grace_minutes=15))
    db.session.commit()
    return room


def request(room, day, actor, **extra) -> services.BookingOutcome:
    draft = services.BookingDraft(room=room, day=day, start=time(9), end=time(10), title="内部研讨（不公开）", attendees=8,
                                  unit_id=actor.unit_id, is_public=False, **extra)
    outcome = services.book_room(draft, actor=actor, now=timeutil.now())
    assert outcome.ok, (outcome.problems, outcome.blocked)
    db.session.commit()
    return outcome


# ---------------------------------------------------------------- requests and decisions


def test_a_request_waiting_is_a_todo_for_each_logistics_admin_cleared_by_anyones_decision(app, people, create_room, workday):
    room = approval_room(create_room)
    booking = request(room, workday, people["staff"]).bookings[0]

    todos = messages("rooms.request")
    assert sorted(m.recipient_id for m in todos) == sorted([people["houqin"].id, people["houqin2"].id])
    assert {m.todo_key for m in todos} == {f"rooms.booking:{booking.id}:decide"} and all(m.todo for m in todos)
    args = todos[0].args
    assert args["room"] == f"第三会议室（{room.label}）" and args["when"] == f"{workday.isoformat()} 09:00–10:00"
    assert args["requester"] == "张科员" and args["unit"] == "人社局"
    assert "内部研讨" not in str(args)  # a non-public title goes nowhere

    services.approve(booking, actor=people["houqin"], now=timeutil.now())
    db.session.commit()
    assert all(m.done_at is not None for m in messages("rooms.request"))  # gone from both lists
    [approved] = messages("rooms.approved")
    assert approved.recipient_id == people["staff"].id and approved.endpoint == "rooms.booking"
    assert approved.endpoint_values == {"booking_id": booking.id}


def test_an_auto_approved_request_asks_nobody(app, people, create_room, workday):
    request(create_room(), workday, people["staff"])
    assert messages() == []


def test_a_rejection_tells_the_requester_the_reason_and_clears_the_todo(app, people, create_room, workday):
    booking = request(approval_room(create_room), workday, people["staff"]).bookings[0]
    services.reject(booking, "  当天另有全县大会  ", actor=people["houqin2"], now=timeutil.now())
    db.session.commit()
    [rejected] = messages("rooms.rejected")
    assert rejected.recipient_id == people["staff"].id and rejected.args["reason"] == "当天另有全县大会"
    assert all(m.done_at is not None for m in messages("rooms.request"))


def test_a_rejection_without_reason_changes_nothing_and_tells_nobody(app, people, create_room, workday):
    from portal.rules import RuleViolation

    booking = request(approval_room(create_room), workday, people["staff"]).bookings[0]
    with pytest.raises(RuleViolation):
        services.reject(booking, "  ", actor=people["houqin"], now=timeutil.now())
    db.session.rollback()
    assert booking.status is BookingStatus.PENDING and messages("rooms.rejected") == []
    assert all(m.done_at is None for m in messages("rooms.request"))


def test_withdrawing_a_request_clears_the_todo_without_telling_the_requester(app, people, create_room, workday):
    booking = request(approval_room(create_room), workday, people["staff"]).bookings[0]
    services.cancel(booking, actor=people["staff"], now=timeutil.now())
    db.session.commit()
    assert all(m.done_at is not None for m in messages("rooms.request"))
    assert messages("rooms.cancelled") == []


def test_an_admin_cancelling_a_series_tells_the_requester_once(app, people, create_room, create_booking):
    room = create_room()
    day = workday_after(3)
    outcome = request(room, day, people["staff"], recurrence=Recurrence.WEEKLY, count=3)
    services.cancel(outcome.bookings[0], actor=people["houqin"], now=timeutil.now(), rest_of_series=True)
    db.session.commit()
    [cancelled] = messages("rooms.cancelled")
    assert cancelled.recipient_id == people["staff"].id
    assert cancelled.args["count"] == 3 and cancelled.args["by"] == "后勤陈主任"


def test_a_closure_tells_each_requester_and_clears_waiting_todos(app, people, create_room, workday):
    room = approval_room(create_room)
    booking = request(room, workday, people["staff"]).bookings[0]
    services.close_rooms(room, at(workday, "08:00"), at(workday, "18:00"), "空调检修", actor=people["houqin"],
                         now=timeutil.now())
    db.session.commit()
    [closed] = messages("rooms.closed")
    assert closed.recipient_id == people["staff"].id and closed.args["reason"] == "空调检修"
    assert closed.endpoint_values == {"booking_id": booking.id}
    assert all(m.done_at is not None for m in messages("rooms.request"))


def test_a_no_show_release_tells_the_requester(app, people, create_room, create_booking):
    room = create_room()
    now = timeutil.now()
    booking = create_booking(room, now - timedelta(minutes=20), now + timedelta(minutes=40), requester_id=people["staff"].id)
    assert services.release_no_shows(now) == [booking]
    db.session.commit()
    [released] = messages("rooms.released")
    assert released.recipient_id == people["staff"].id and released.args["grace"] == 15


def test_the_calendar_approving_a_waiting_request_clears_its_todo_and_tells_the_requester(app, people, create_room):
    from portal.blueprints.workdays.days import set_override

    day = workday_after(5)
    set_override(day, False, "test")
    db.session.commit()
    booking = request(create_room(), day, people["staff"]).bookings[0]
    assert booking.status is BookingStatus.PENDING
    set_override(day, True, "test")
    services.reevaluate_pending([day], actor=None, now=timeutil.now())
    db.session.commit()
    assert booking.status is BookingStatus.APPROVED
    assert all(m.done_at is not None for m in messages("rooms.request"))
    assert [m.recipient_id for m in messages("rooms.approved")] == [people["staff"].id]


# ---------------------------------------------------------------- several at once, series


def test_approving_a_whole_series_tells_the_requester_once(app, people, create_room):
    room = approval_room(create_room)
    outcome = request(room, workday_after(3), people["staff"], recurrence=Recurrence.WEEKLY, count=4)
    pending = services.pending_in_series(outcome.bookings[2], now=timeutil.now())
    assert pending == outcome.bookings

    decisions = services.decide_many(pending, approve=True, actor=people["houqin"], now=timeutil.now())
    db.session.commit()
    assert len(decisions.done) == 4 and decisions.refused == []
    assert all(b.status is BookingStatus.APPROVED for b in outcome.bookings)
    [series] = messages("rooms.series_approved")
    assert series.args["count"] == 4 and series.recipient_id == people["staff"].id
    assert messages("rooms.approved") == []
    assert all(m.done_at is not None for m in messages("rooms.request"))


def test_refusing_part_of_a_series_says_which_meetings_and_that_the_others_stand(app, people, create_room):
    room = approval_room(create_room)
    bookings = request(room, workday_after(3), people["staff"], recurrence=Recurrence.WEEKLY, count=3).bookings
    services.decide_many(bookings[1:], approve=False, reason="月底盘点", actor=people["houqin"], now=timeutil.now())
    db.session.commit()
    [partly] = messages("rooms.series_partly_refused")
    assert partly.args["count"] == 2 and partly.args["reason"] == "月底盘点"
    assert partly.args["dates"] == "、".join(b.start_at.astimezone(timeutil.LOCAL_TZ).date().isoformat() for b in bookings[1:])
    assert bookings[0].status is BookingStatus.PENDING

    services.reject(bookings[0], "改期", actor=people["houqin"], now=timeutil.now())
    db.session.commit()
    [whole] = messages("rooms.rejected")  # the last one: nothing of the series stands any more
    assert whole.args["reason"] == "改期"


def test_rejecting_a_whole_series_is_one_message(app, people, create_room):
    bookings = request(approval_room(create_room), workday_after(3), people["staff"], recurrence=Recurrence.WEEKLY,
                       count=3).bookings
    services.decide_many(bookings, approve=False, reason="会议室改造", actor=people["houqin"], now=timeutil.now())
    db.session.commit()
    [rejected] = messages("rooms.series_rejected")
    assert rejected.args["count"] == 3


def test_deciding_several_reports_the_refused_and_does_the_others(app, people, create_room, create_booking, workday):
    room = approval_room(create_room)
    first = request(room, workday, people["staff"]).bookings[0]
    already = create_booking(room, at(workday, "14:00"), status=BookingStatus.APPROVED, requester_id=people["staff"].id)
    decisions = services.decide_many([first, already], approve=True, actor=people["houqin"], now=timeutil.now())
    db.session.commit()
    assert decisions.done == [first]
    with app.test_request_context():
        assert [(b, str(why)) for b, why in decisions.refused] == [(already, "只能批准待审批的申请。")]
    assert [m.args["when"] for m in messages("rooms.approved")] == [f"{workday.isoformat()} 09:00–10:00"]


def test_a_batch_rejection_needs_a_reason_before_anything_is_done(app, people, create_room, workday):
    from portal.rules import RuleViolation

    booking = request(approval_room(create_room), workday, people["staff"]).bookings[0]
    with pytest.raises(RuleViolation) as refused:
        services.decide_many([booking], approve=False, reason=" ", actor=people["houqin"], now=timeutil.now())
    assert refused.value.field == "reason" and booking.status is BookingStatus.PENDING


# ---------------------------------------------------------------- the property company


def test_meeting_services_booked_for_tomorrow_reach_the_property_company(app, people, create_room):
    tomorrow = timeutil.today() + timedelta(days=1)
    room = create_room()
    request(room, tomorrow, people["staff"], tea_count=8)
    request(room, workday_after(3), people["staff"], tea_count=8)  # later: the printed sheet is not concerned
    [added] = messages("rooms.arrangements_added")
    assert added.recipient_id == people["wuye"].id  # not the inactive account
    assert added.endpoint == "rooms.arrangements" and added.endpoint_values == {"date": tomorrow.isoformat()}
    assert added.args["day"] == tomorrow.isoformat()


def test_a_meeting_without_services_does_not_bother_the_property_company(app, people, create_room):
    request(create_room(), timeutil.today() + timedelta(days=1), people["staff"])
    assert messages("rooms.arrangements_added") == []


def test_services_called_off_for_today_reach_the_property_company(app, people, create_room, create_booking):
    now = timeutil.now()
    booking = create_booking(create_room(), now + timedelta(hours=2), requester_id=people["staff"].id, tea_count=10)
    services.cancel(booking, actor=people["staff"], now=now)
    db.session.commit()
    [removed] = messages("rooms.arrangements_removed")
    assert removed.recipient_id == people["wuye"].id
    assert messages("rooms.cancelled") == []  # the requester did it themselves


def test_the_days_meeting_services_are_announced(app, people, create_room, create_booking, runner):
    tomorrow = timeutil.today() + timedelta(days=1)
    room = create_room()
    create_booking(room, at(tomorrow, "09:00"), tea_count=5)
    create_booking(room, at(tomorrow, "14:00"), needs_projector=True)
    create_booking(room, at(tomorrow, "16:00"))  # nothing to prepare
    result = runner.invoke(args=["announce-meeting-services", "--tomorrow"])
    assert result.exit_code == 0 and "2 meeting(s)" in result.output
    [day] = messages("rooms.arrangements_day")
    assert day.args == {"day": tomorrow.isoformat(), "count": 2} and day.recipient_id == people["wuye"].id


# ---------------------------------------------------------------- cost and language


def test_emitting_adds_one_insert_per_event(app, people, create_room, count_queries):
    room = approval_room(create_room)
    draft = services.BookingDraft(room=room, day=workday_after(3), start=time(9), end=time(10), title="周例会",
                                  attendees=8, unit_id=people["staff"].unit_id, recurrence=Recurrence.WEEKLY, count=3)
    with count_queries() as queries:
        services.book_room(draft, actor=people["staff"], now=timeutil.now())
        db.session.flush()
    into_notification = _inserts_into_notification(queries.statements)
    assert len(into_notification) == 3  # three to-dos (each for two admins): one statement each
    approvers_read = [s for s in queries.statements if "JOIN user_role" in s]
    assert len(approvers_read) == 1  # who approves is read once, not per meeting
    db.session.commit()

    bookings = list(db.session.scalars(select(Booking).order_by(Booking.start_at)))
    with count_queries() as queries:
        services.decide_many(bookings, approve=True, actor=people["houqin"], now=timeutil.now())
        db.session.flush()
    assert len(_inserts_into_notification(queries.statements)) == 1  # one message for the series


def _inserts_into_notification(statements) -> list[str]:
    return [s for s in statements if s.lstrip().upper().startswith("INSERT") and "INTO notification " in s + " "]


def test_messages_read_in_the_recipients_language(app, people, create_room, workday):
    from portal.blueprints.notifications.services import render_for

    booking = request(approval_room(create_room), workday, people["staff"]).bookings[0]
    services.reject(booking, "另有安排", actor=people["houqin"], now=timeutil.now())
    db.session.commit()
    [rejected] = messages("rooms.rejected")
    zh, en = render_for(rejected, "zh_CN"), render_for(rejected, "en")
    assert en.subject == f"Rejected: 第三会议室（{booking.room.label}）, {workday.isoformat()} 09:00–10:00"
    assert "另有安排" in zh.body and zh.subject != en.subject and zh.subject.startswith("已驳回")
    assert zh.path == f"/rooms/bookings/{booking.id}"


def test_the_vip_room_request_goes_to_the_logistics_center(app, people, create_room, workday):
    request(create_room(name="贵宾接待室", kind=RoomKind.VIP_RECEPTION), workday, people["staff"])
    assert len(messages("rooms.request")) == 2


# ---------------------------------------------------------------- pages (JavaScript off)


def test_the_approval_queue_decides_the_ticked_requests_in_one_post(app, client, auth, people, create_room,
                                                                     create_booking, workday):
    room = approval_room(create_room)
    a = request(room, workday, people["staff"]).bookings[0]
    b = create_booking(room, at(workday, "14:00"), status=BookingStatus.PENDING, requester_id=people["staff"].id)
    over = create_booking(room, timeutil.now() - timedelta(hours=3), status=BookingStatus.APPROVED,
                          requester_id=people["staff"].id)
    auth.login_as(people["houqin"])
    page = client.get("/rooms/approvals").get_data(as_text=True)
    assert f'name="booking_ids" value="{a.id}" form="decide-many"' in page and 'id="decide-many"' in page
    assert 'name="decision" value="approve"' in page and 'name="decision" value="reject"' in page

    response = client.post("/rooms/approvals/decide", data={"booking_ids": [a.id, b.id, over.id], "decision": "approve"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/rooms/approvals")
    db.session.expire_all()
    assert a.status is BookingStatus.APPROVED and b.status is BookingStatus.APPROVED
    shown = client.get("/rooms/approvals").get_data(as_text=True)
    assert "已批准2项申请。" in shown and "未处理" in shown and "只能批准待审批的申请。" in shown
    assert len(messages("rooms.approved")) == 2


def test_a_batch_rejection_without_reason_does_nothing(app, client, auth, people, create_room, workday):
    booking = request(approval_room(create_room), workday, people["staff"]).bookings[0]
    auth.login_as(people["houqin"])
    response = client.post("/rooms/approvals/decide", data={"booking_ids": [booking.id], "decision": "reject", "reason": " "})
    assert response.status_code == 303
    db.session.expire_all()
    assert booking.status is BookingStatus.PENDING and messages("rooms.rejected") == []
    assert "请填写驳回原因。" in client.get("/rooms/approvals").get_data(as_text=True)


@pytest.mark.parametrize("data", [
    {"decision": "approve"},  # nothing ticked
    {"booking_ids": ["abc"], "decision": "approve"},
    {"booking_ids": [str(2**40)], "decision": "approve"},
    {"booking_ids": ["1"], "decision": "maybe"},
])
def test_bad_batch_posts_are_refused_with_a_message(app, client, auth, people, data):
    auth.login_as(people["houqin"])
    response = client.post("/rooms/approvals/decide", data=data)
    assert response.status_code == 303
    assert "message--error" in client.get("/rooms/approvals").get_data(as_text=True)


def test_a_whole_series_is_rejected_from_the_booking_page(app, client, auth, people, create_room):
    bookings = request(approval_room(create_room), workday_after(3), people["staff"], recurrence=Recurrence.WEEKLY,
                       count=3).bookings
    auth.login_as(people["houqin"])
    page = client.get(f"/rooms/bookings/{bookings[1].id}").get_data(as_text=True)
    assert f'/rooms/bookings/{bookings[1].id}/series-decision' in page and "该系列有3项申请待审批。" in page
    response = client.post(f"/rooms/bookings/{bookings[1].id}/series-decision",
                           data={"decision": "reject", "reason": "会议室改造"})
    assert response.status_code == 303
    db.session.expire_all()
    assert all(b.status is BookingStatus.REJECTED for b in bookings)
    [rejected] = messages("rooms.series_rejected")
    assert rejected.args["count"] == 3
    auth.login_as(people["staff"])
    assert client.post(f"/rooms/bookings/{bookings[1].id}/series-decision", data={"decision": "approve"}).status_code == 403
