"""Repairs tell people: a new fault is the property company's to-do until accepted; the reporter
hears of acceptance and of the finished work; an overdue repair is reported once (issue 17)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from flask_babel import force_locale
from sqlalchemy import select

from portal.blueprints.notifications.models import Notification
from portal.blueprints.notifications.services import render_message
from portal.blueprints.repairs import notify
from portal.blueprints.repairs.models import Action, Status, Urgency
from portal.blueprints.repairs.services import move
from portal.db import db
from portal.models import Role
from tests.repairs.conftest import T0


def _messages(user, kind=None):
    query = select(Notification).where(Notification.recipient_id == user.id)
    if kind:
        query = query.where(Notification.kind == kind)
    return db.session.scalars(query.order_by(Notification.id)).all()


def test_a_new_fault_is_a_todo_for_the_property_company_until_accepted(make_user, make_repair, property_user):
    reporter = make_user(roles=[Role.EMPLOYEE])
    repair = make_repair(reporter)
    [todo] = _messages(property_user, notify.REPORTED)
    assert todo.todo and todo.done_at is None
    with force_locale("zh_CN"):
        assert "主楼" in render_message(todo).subject and "待受理" in render_message(todo).subject
    with force_locale("en"):
        assert render_message(todo).subject.startswith("New fault to accept")
    assert "5001" not in str(todo.args)  # never the reporter's contact number

    move(repair, Action.ACCEPT, actor=property_user, now=T0 + timedelta(hours=1))
    db.session.commit()
    assert _messages(property_user, notify.REPORTED)[0].done_at is not None
    assert [m.kind for m in _messages(reporter)] == [notify.ACCEPTED]


def test_finished_asks_the_reporter_to_confirm_and_reopening_goes_back_to_the_handler(make_user, make_repair,
                                                                                       property_user):
    reporter = make_user(roles=[Role.EMPLOYEE])
    repair = make_repair(reporter, Status.DONE)
    [finished] = _messages(reporter, notify.FINISHED)
    assert finished.todo and finished.done_at is None
    move(repair, Action.REOPEN, actor=reporter, now=T0 + timedelta(hours=5), note="还在漏")
    db.session.commit()
    db.session.refresh(finished)
    assert finished.done_at is not None
    [reopened] = _messages(property_user, notify.REOPENED)
    assert reopened.done_at is None
    move(repair, Action.FINISH, actor=property_user, now=T0 + timedelta(hours=6), resolution="换管",
         parts_cost=Decimal("0"), labour_cost=Decimal("20"))
    db.session.commit()
    db.session.refresh(reopened)
    assert reopened.done_at is not None
    assert len(_messages(reporter, notify.FINISHED)) == 2


def test_one_insert_per_event(make_user, make_repair, property_user, count_queries):
    make_user(roles=[Role.PROPERTY])
    reporter = make_user(roles=[Role.EMPLOYEE])
    repair = make_repair(reporter)
    with count_queries() as queries:
        notify.reported(repair, now=T0)
    inserts = [s for s in queries.statements if s.lstrip().upper().startswith("INSERT INTO NOTIFICATION ")]
    assert len(inserts) == 1


def test_overdue_repairs_are_reported_once_to_property_and_logistics(make_user, make_repair, property_user):
    logistics = make_user(roles=[Role.LOGISTICS_ADMIN])
    reporter = make_user(roles=[Role.EMPLOYEE])
    urgent = make_repair(reporter, urgency=Urgency.URGENT)
    low = make_repair(reporter, urgency=Urgency.LOW)
    make_repair(reporter, Status.DONE, urgency=Urgency.URGENT)  # finished: never overdue

    assert notify.remind_overdue(now=T0 + timedelta(hours=20)) == 0
    assert notify.remind_overdue(now=T0 + timedelta(days=2)) == 1
    db.session.commit()
    assert notify.remind_overdue(now=T0 + timedelta(days=2, hours=1)) == 0  # once per condition
    assert notify.remind_overdue(now=T0 + timedelta(days=8)) == 1
    db.session.commit()
    for user in (property_user, logistics):
        overdue = _messages(user, notify.OVERDUE)
        assert [m.endpoint_values["repair_id"] for m in overdue] == [urgent.id, low.id]
    assert _messages(reporter, notify.OVERDUE) == []


def test_the_remind_command_runs_the_reminders(app, make_user, make_repair, property_user, clock):
    reporter = make_user(roles=[Role.EMPLOYEE])
    make_repair(reporter, urgency=Urgency.URGENT)
    clock(2026, 3, 4, 9, 0)
    result = app.test_cli_runner().invoke(args=["notify", "remind"])
    assert result.exit_code == 0, result.output
    assert "1 reminder" in result.output
    assert len(_messages(property_user, notify.OVERDUE)) == 1


def test_the_workbench_shows_the_queue_by_urgency_and_the_overdue_repairs_with_links(
        client, make_user, make_repair, property_user, auth, clock):
    reporter = make_user(roles=[Role.EMPLOYEE])
    clock(2026, 3, 4, 9, 0)
    urgent = make_repair(reporter, urgency=Urgency.URGENT)  # 2 days old: overdue
    low = make_repair(reporter, urgency=Urgency.LOW)  # not yet
    for user in (property_user, make_user(roles=[Role.LOGISTICS_ADMIN])):
        auth.login_as(user)
        home = client.get("/").get_data(as_text=True)
        assert "/repairs/queue?urgency=urgent" in home and "/repairs/queue?urgency=low" in home
        assert "1 个报修已超时" in home and "/repairs/queue?overdue=1" in home
        overdue = client.get("/repairs/queue?overdue=1").get_data(as_text=True)
        assert f'/repairs/{urgent.id}">' in overdue and f'/repairs/{low.id}">' not in overdue
        by_urgency = client.get("/repairs/queue?urgency=low").get_data(as_text=True)
        assert f'/repairs/{low.id}">' in by_urgency and f'/repairs/{urgent.id}">' not in by_urgency
        auth.logout()
