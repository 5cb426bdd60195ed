"""The delivery rules of issue 17 not covered elsewhere: exactly once for group robots under two senders,
a receiver that was not listening at all, giving up after the last attempt, quiet hours by day, a
recipient without an address, and SMTP settings that are wrong."""

from __future__ import annotations

import socket
import threading
from datetime import time, timedelta

import pytest
from sqlalchemy import select

from portal import events, timeutil
from portal.blueprints.notifications.channels import SmtpMailer, SmtpSettings, WebhookPoster
from portal.blueprints.notifications.models import (
    DeliveryStatus,
    Notification,
    NotificationProfile,
    WebhookDelivery,
    WebhookTarget,
)
from portal.blueprints.notifications.services import MAX_ATTEMPTS, backoff, send_due
from portal.db import db
from portal.models import Role
from tests.repairs.conftest import place  # noqa: F401 - the building a fault is reported in


def _mailer(smtp) -> SmtpMailer:
    return SmtpMailer(SmtpSettings(host=smtp.hostname, port=smtp.port, sender="portal@example.gov.cn"))


def _profile(user, email="", **extra):
    db.session.add(NotificationProfile(user_id=user.id, email=email, locale="zh_CN", email_kinds=None, **extra))
    db.session.commit()


def _closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_two_senders_at_once_post_each_event_to_each_robot_exactly_once(app, make_user, make_unit, webhook_receiver):
    units = [make_unit() for _ in range(3)]
    for unit in units:
        db.session.add(WebhookTarget(name=f"{unit.name}群", url=webhook_receiver.url, unit_id=unit.id, kinds=[],
                                     locale="zh_CN"))
    db.session.add(WebhookTarget(name="物业群", url=webhook_receiver.url, role=Role.PROPERTY, kinds=[], locale="zh_CN"))
    people = [make_user(unit=units[n % 3], roles=[Role.PROPERTY] if n % 5 == 0 else [Role.EMPLOYEE]) for n in range(15)]
    expected = []
    for n, person in enumerate(people):
        events.emit("notifications.test", recipients=[person], now=timeutil.now(), args={"target": f"事件{n}"})
        expected += [f"事件{n}"] * (2 if n % 5 == 0 else 1)  # the unit's robot, and the property robot
    db.session.commit()
    db.session.remove()
    now = timeutil.now()
    errors: list[BaseException] = []

    def sender() -> None:
        try:
            with app.app_context():
                for batch in (4, 50, 50):
                    send_due(now=now, mailer=None, poster=WebhookPoster(), batch=batch)
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    received = sorted(p["text"]["content"].split("\n")[0].removesuffix("的测试消息") for p in webhook_receiver.received)
    assert received == sorted(expected)
    assert {d.status for d in db.session.scalars(select(WebhookDelivery))} == {DeliveryStatus.SENT}


def test_a_robot_that_was_not_listening_gets_the_message_once_it_is_back(app, make_user, make_unit, webhook_receiver):
    unit = make_unit()
    user = make_user(unit=unit)
    target = WebhookTarget(name="群", url=f"http://127.0.0.1:{_closed_port()}/robot/send?access_token=x",
                           unit_id=unit.id, kinds=[], locale="zh_CN")
    db.session.add(target)
    db.session.commit()
    events.emit("notifications.test", recipients=[user], now=timeutil.now(), args={"target": "群"})
    db.session.commit()

    now = timeutil.now()
    report = send_due(now=now, mailer=None, poster=WebhookPoster(timeout=2))
    assert report.webhooks_failed == 1
    delivery = db.session.scalar(select(WebhookDelivery))
    assert (delivery.status, delivery.attempts, delivery.claimed_by) == (DeliveryStatus.PENDING, 1, None)
    assert "webhook" in delivery.last_error and delivery.next_attempt_at == now + backoff(1)

    target.url = webhook_receiver.url  # the robot's server is back (here: at another port)
    db.session.commit()
    assert send_due(now=now + backoff(1), mailer=None, poster=WebhookPoster()).webhooks_sent == 1
    assert send_due(now=now + timedelta(hours=7), mailer=None, poster=WebhookPoster()).total == 0
    assert len(webhook_receiver.received) == 1


def test_after_the_last_attempt_the_failure_is_recorded_and_nothing_more_is_tried(app, make_user):
    user = make_user()
    _profile(user, "zhang@example.gov.cn")
    events.emit("notifications.test", recipients=[user], now=timeutil.now(), args={"target": "x"})
    db.session.commit()
    down = SmtpMailer(SmtpSettings(host="127.0.0.1", port=_closed_port(), sender="portal@example.gov.cn", timeout=2))

    moment = timeutil.now()
    for attempt in range(1, MAX_ATTEMPTS + 1):
        report = send_due(now=moment, mailer=down, poster=WebhookPoster())
        assert report.total == 1
        moment += backoff(attempt)
    assert report.failed == 1 and report.retried == 0
    row = db.session.scalar(select(Notification))
    db.session.refresh(row)
    assert (row.email_status, row.attempts) == (DeliveryStatus.FAILED, MAX_ATTEMPTS) and "SMTP" in row.last_error
    assert send_due(now=moment + timedelta(days=1), mailer=down, poster=WebhookPoster()).total == 0
    # In the portal the message is there all the same.
    assert row.read_at is None and row.done_at is None


def test_daytime_quiet_hours_hold_email_but_not_the_inbox(app, client, auth, make_user, smtp_server, clock):
    lunch = clock(2026, 12, 2, 12, 30)
    user = make_user()
    _profile(user, "zhang@example.gov.cn", quiet_from=time(12, 0), quiet_until=time(14, 0))
    events.emit("notifications.test", recipients=[user], now=lunch, args={"target": "值班群"})
    db.session.commit()

    assert send_due(now=lunch, mailer=_mailer(smtp_server), poster=WebhookPoster()).emailed == 0
    auth.login_as(user)
    assert 'inbox-count__number">1<' in client.get("/inbox/count").get_data(as_text=True)
    assert "值班群的测试消息" in client.get("/inbox/").get_data(as_text=True)
    row = db.session.scalar(select(Notification))
    db.session.refresh(row)
    assert row.next_attempt_at == lunch.replace(hour=14, minute=0) and row.attempts == 0
    # Outside them, at once.
    assert send_due(now=lunch.replace(hour=14, minute=0), mailer=_mailer(smtp_server), poster=WebhookPoster()).emailed == 1
    assert [m["To"] for m in smtp_server.messages] == ["zhang@example.gov.cn"]


@pytest.mark.parametrize("smtp", [True, False], ids=["smtp-set-up", "no-smtp"])
def test_a_recipient_without_an_address_still_gets_the_message_in_the_portal(app, client, auth, make_user, smtp_server,
                                                                              smtp):
    with_address, without = make_user(), make_user()
    _profile(with_address, "li@example.gov.cn")
    events.emit("notifications.test", recipients=[with_address, without], now=timeutil.now(), args={"target": "值班群"})
    db.session.commit()

    report = send_due(now=timeutil.now(), mailer=_mailer(smtp_server) if smtp else None, poster=WebhookPoster())

    assert (report.emailed, report.skipped) == ((1, 1) if smtp else (0, 2))
    row = db.session.scalar(select(Notification).where(Notification.recipient_id == without.id))
    assert row.email_status == DeliveryStatus.SKIPPED
    auth.login_as(without)
    assert "值班群的测试消息" in client.get("/inbox/").get_data(as_text=True)
    assert 'inbox-count__number">1<' in client.get("/inbox/count").get_data(as_text=True)


@pytest.mark.parametrize("settings, message", [
    ({"SMTP_HOST": "mail.example.gov.cn", "SMTP_FROM": "行政中心"}, "PORTAL_SMTP_FROM 必须是电子邮箱地址"),
    ({"SMTP_HOST": "mail.example.gov.cn", "SMTP_FROM": "portal@example.gov.cn", "SMTP_PORT": 0},
     "PORTAL_SMTP_PORT 0 不是有效的端口号"),
    ({"SMTP_HOST": "mail.example.gov.cn", "SMTP_FROM": "portal@example.gov.cn", "SMTP_SECURITY": "tls"},
     "PORTAL_SMTP_SECURITY 必须是以下之一：none, starttls, ssl"),
    ({"SMTP_HOST": "mail.example.gov.cn", "SMTP_FROM": "portal@example.gov.cn", "SMTP_USERNAME": "portal"},
     "PORTAL_SMTP_PASSWORD 为空"),
])
def test_wrong_smtp_settings_are_refused_with_a_clear_message_and_emails_wait(app, client, login_as_role, make_user,
                                                                              runner, settings, message):
    app.config.update(settings)
    login_as_role("logistics_admin")
    page = client.get("/inbox/webhooks/").get_data(as_text=True)
    assert "邮件未发送" in page and message in page

    user = make_user()
    _profile(user, "zhang@example.gov.cn")
    events.emit("notifications.test", recipients=[user], now=timeutil.now(), args={"target": "x"})
    db.session.commit()
    result = runner.invoke(args=["notify", "send"])
    assert result.exit_code == 0
    row = db.session.scalar(select(Notification).where(Notification.recipient_id == user.id))
    db.session.refresh(row)
    # Not marked "not sent": it waits for the settings to be fixed.
    assert (row.email_status, row.attempts) == (DeliveryStatus.PENDING, 0)


def test_without_an_smtp_host_emails_are_not_sent_and_the_page_says_so(app, client, login_as_role, runner, make_user):
    user = make_user()
    _profile(user, "zhang@example.gov.cn")
    events.emit("notifications.test", recipients=[user], now=timeutil.now(), args={"target": "x"})
    db.session.commit()
    assert runner.invoke(args=["notify", "send"]).exit_code == 0
    row = db.session.scalar(select(Notification))
    db.session.refresh(row)
    assert row.email_status == DeliveryStatus.SKIPPED and row.last_error == "no SMTP server configured"
    login_as_role("logistics_admin")
    assert "未设置 PORTAL_SMTP_HOST：不发送邮件。" in client.get("/inbox/webhooks/").get_data(as_text=True)


def test_a_failing_channel_never_breaks_the_action_that_caused_the_event(app, client, login_as_role, make_user,
                                                                          place):  # noqa: F811
    """Sending is the sender's business, after the request: a dead SMTP server changes nothing for the page."""
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=_closed_port(), SMTP_FROM="portal@example.gov.cn")
    handler = make_user(roles=[Role.PROPERTY])
    _profile(handler, "wang@example.gov.cn")
    login_as_role("employee")
    response = client.post("/repairs/new", data={"location": f"room-{place['rooms']['ZL102'].id}", "spot": "靠窗",
                                                 "category": "electric", "urgency": "urgent",
                                                 "description": "插座冒烟，已经断电", "contact": "5123"})
    assert response.status_code == 303
    assert db.session.scalar(select(Notification.recipient_id)) == handler.id
