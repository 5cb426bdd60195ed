"""A notice reaches its audience once it is shown: staff-only notices only the units' staff (issue 17)."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import force_locale
from sqlalchemy import select

from portal import events, timeutil
from portal.blueprints.notices import notify
from portal.blueprints.notices.models import Audience
from portal.blueprints.notices.services import NoticeDraft, publish_notice, withdraw_notice
from portal.blueprints.notifications.models import Notification
from portal.blueprints.notifications.services import open_count, render_message
from portal.db import db
from portal.models import Role


def _received(user):
    return db.session.scalars(select(Notification).where(Notification.recipient_id == user.id,
                                                         Notification.kind == notify.PUBLISHED)).all()


def _draft(unit, audience, publish_at, **extra):
    values = {"title": "停水通知", "body": "周六停水", "audience": audience, "publish_at": publish_at,
              "expires_at": publish_at + timedelta(days=3), "pinned": False, "unit_id": unit.id}
    values.update(extra)
    return NoticeDraft(**values)


def test_a_staff_notice_reaches_staff_only(make_user, make_unit):
    admin = make_user(roles=[Role.LOGISTICS_ADMIN])
    employee = make_user(roles=[Role.EMPLOYEE])
    guard = make_user(roles=[Role.SECURITY])
    now = timeutil.now()
    notice = publish_notice(_draft(make_unit(), Audience.STAFF, now), actor=admin, now=now)
    db.session.commit()
    [message] = _received(employee)
    assert _received(guard) == []  # a guard may not read a staff-only notice
    assert message.endpoint_values == {"notice_id": notice.id} and not message.todo
    with force_locale("zh_CN"):
        assert render_message(message).subject == "公告：停水通知"
    withdraw_notice(notice, actor=admin, now=now + timedelta(minutes=5))
    db.session.commit()
    assert open_count(employee.id) == 0  # withdrawn: it leaves the inbox


def test_a_scheduled_public_notice_is_announced_once_when_its_time_comes(make_user, make_unit):
    admin = make_user(roles=[Role.LOGISTICS_ADMIN])
    guard = make_user(roles=[Role.SECURITY])
    now = timeutil.now()
    publish_notice(_draft(make_unit(), Audience.PUBLIC, now + timedelta(hours=2)), actor=admin, now=now)
    db.session.commit()
    assert _received(guard) == []
    assert notify.announce_scheduled(now=now + timedelta(hours=1)) == 0
    assert notify.announce_scheduled(now=now + timedelta(hours=3)) == 1
    db.session.commit()
    events.remind(now=now + timedelta(hours=4))  # the cron command: not again
    assert notify.announce_scheduled(now=now + timedelta(hours=5)) == 0
    assert len(_received(guard)) == 1 and len(_received(admin)) == 1
