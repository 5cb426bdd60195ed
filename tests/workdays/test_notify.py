"""From 1 November an unknown next year is a to-do for logistics, sent once by the
reminder command and done when the year is filled (issue 17)."""

from __future__ import annotations

from flask_babel import force_locale
from sqlalchemy import select

from portal.blueprints.notifications.models import Notification
from portal.blueprints.notifications.services import render_message
from portal.blueprints.workdays import notify
from portal.blueprints.workdays import services as calendar
from portal.db import db
from portal.models import Role


def _todos(user):
    return db.session.scalars(select(Notification).where(Notification.recipient_id == user.id,
                                                         Notification.kind == notify.YEAR_MISSING)).all()


def test_next_year_missing_is_sent_once_from_november_and_done_when_filled(app, make_user, clock):
    admin = make_user(roles=[Role.LOGISTICS_ADMIN])
    employee = make_user(roles=[Role.EMPLOYEE])
    assert notify.remind_missing_years(now=clock(2026, 10, 31, 9, 0)) == 0
    assert _todos(admin) == []
    assert notify.remind_missing_years(now=clock(2026, 11, 1, 9, 0)) == 1
    db.session.commit()
    assert notify.remind_missing_years(now=clock(2026, 11, 2, 9, 0)) == 0  # once
    [todo] = _todos(admin)
    assert _todos(employee) == []
    assert todo.todo and todo.done_at is None and todo.endpoint_values == {"year": 2027}
    with force_locale("zh_CN"):
        assert "2027" in render_message(todo).subject and "工作日日历" in render_message(todo).subject
    with force_locale("en"):
        assert render_message(todo).subject == "The workday calendar does not know 2027 yet"
    calendar.fill_year(2027, actor=admin, now=clock(2026, 12, 2, 9, 0))
    db.session.commit()
    db.session.refresh(todo)
    assert todo.done_at is not None
    assert notify.remind_missing_years(now=clock(2026, 12, 3, 9, 0)) == 0
