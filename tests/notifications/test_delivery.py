"""Events become messages; the sender delivers them through real peers on loopback."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import select

from portal import events, timeutil
from portal.blueprints.notifications.channels import SmtpMailer, SmtpSettings, WebhookPoster, signed_url
from portal.blueprints.notifications.models import DeliveryStatus, Notification, NotificationProfile, WebhookTarget
from portal.blueprints.notifications.services import backoff, send_due
from portal.db import db
from portal.models import Role


def _mailer(smtp) -> SmtpMailer:
    return SmtpMailer(SmtpSettings(host=smtp.hostname, port=smtp.port, sender="portal@example.gov.cn"))


def _profile(user, email="", locale="zh_CN", kinds=None, **extra):
    db.session.add(NotificationProfile(user_id=user.id, email=email, locale=locale, email_kinds=kinds, **extra))
    db.session.commit()


def test_an_event_is_one_message_per_recipient_in_one_statement(app, make_user, count_queries):
    a, b, c = (make_user().id for _ in range(3))
    with count_queries() as queries:
        events.emit("notifications.test", recipients=[a, b, c, a], now=timeutil.now(), args={"target": "值班群"})
    inserts = [s for s in queries.statements if s.lstrip().upper().startswith("INSERT")]
    assert len(inserts) == 1 and queries.count == 1
    db.session.commit()
    rows = db.session.scalars(select(Notification).order_by(Notification.recipient_id)).all()
    assert [r.recipient_id for r in rows] == sorted([a, b, c])
    assert len({r.event_key for r in rows}) == 1


def test_an_unregistered_kind_is_a_programming_error(app, make_user):
    import pytest

    with pytest.raises(LookupError):
        events.emit("nobody.registered.this", recipients=[make_user()], now=timeutil.now())


def test_email_is_written_in_the_recipients_language(app, make_user, smtp_server):
    chinese, english, silent = make_user(), make_user(), make_user()
    _profile(chinese, "zhang@example.gov.cn")
    _profile(english, "li@example.gov.cn", locale="en")
    events.emit("notifications.test", recipients=[chinese, english, silent], now=timeutil.now(), args={"target": "值班群"})
    db.session.commit()

    report = send_due(now=timeutil.now(), mailer=_mailer(smtp_server), poster=WebhookPoster())

    assert (report.emailed, report.skipped) == (2, 1)
    by_address = {m["To"]: m for m in smtp_server.messages}
    assert by_address["zhang@example.gov.cn"]["Subject"] == "值班群的测试消息"
    assert by_address["li@example.gov.cn"]["Subject"] == "Test message for 值班群"
    assert "messages from the portal reach you" in by_address["li@example.gov.cn"].get_content()
    # Without an address the message stays in the portal only.
    silent_row = db.session.scalar(select(Notification).where(Notification.recipient_id == silent.id))
    assert silent_row.email_status == DeliveryStatus.SKIPPED and silent_row.read_at is None


def test_nothing_is_lost_while_the_smtp_server_is_down(app, make_user, smtp_server):
    user = make_user()
    _profile(user, "zhang@example.gov.cn")
    events.emit("notifications.test", recipients=[user], now=timeutil.now(), args={"target": "x"})
    db.session.commit()
    down = SmtpMailer(SmtpSettings(host="127.0.0.1", port=1, sender="portal@example.gov.cn", timeout=2))

    now = timeutil.now()
    first = send_due(now=now, mailer=down, poster=WebhookPoster())
    assert first.retried == 1 and smtp_server.messages == []
    row = db.session.scalar(select(Notification))
    db.session.refresh(row)
    assert row.email_status == DeliveryStatus.PENDING and row.attempts == 1
    assert row.next_attempt_at == now + backoff(1) and "SMTP" in row.last_error

    # Not due yet: nothing is tried; once due, the server that is back gets it once.
    assert send_due(now=now + timedelta(seconds=10), mailer=_mailer(smtp_server), poster=WebhookPoster()).total == 0
    later = now + backoff(1)
    assert send_due(now=later, mailer=_mailer(smtp_server), poster=WebhookPoster()).emailed == 1
    assert send_due(now=later + timedelta(hours=1), mailer=_mailer(smtp_server), poster=WebhookPoster()).total == 0
    assert len(smtp_server.messages) == 1


def test_quiet_hours_hold_email_until_they_end(app, make_user, smtp_server, clock):
    from datetime import time

    user = make_user()
    _profile(user, "zhang@example.gov.cn", quiet_from=time(22, 0), quiet_until=time(7, 30))
    night = clock(2026, 12, 2, 23, 15)
    events.emit("notifications.test", recipients=[user], now=night, args={"target": "x"})
    db.session.commit()
    assert send_due(now=night, mailer=_mailer(smtp_server), poster=WebhookPoster()).emailed == 0
    row = db.session.scalar(select(Notification))
    db.session.refresh(row)
    assert row.next_attempt_at == night.replace(day=3, hour=7, minute=30)
    assert send_due(now=row.next_attempt_at, mailer=_mailer(smtp_server), poster=WebhookPoster()).emailed == 1


def test_a_group_robot_hears_of_an_event_once_with_a_dingtalk_signature(app, make_user, webhook_receiver, make_unit):
    unit = make_unit()
    a = make_user(unit=unit)
    b = make_user(unit=unit)
    other = make_user(roles=[Role.PROPERTY])
    db.session.add_all([
        WebhookTarget(name="人社局群", url=webhook_receiver.url, secret="SEC123", unit_id=unit.id, kinds=[], locale="zh_CN"),
        WebhookTarget(name="物业群", url=webhook_receiver.url, role=Role.SECURITY, kinds=[], locale="en"),
    ])
    db.session.commit()
    events.emit("notifications.test", recipients=[a, b, other], now=timeutil.now(), args={"target": "人社局群"})
    db.session.commit()

    report = send_due(now=timeutil.now(), mailer=None, poster=WebhookPoster())

    assert report.webhooks_sent == 1  # one event, one matching robot (the unit's), whatever the number of recipients
    [payload] = webhook_receiver.received
    assert payload["msgtype"] == "text" and payload["text"]["content"].startswith("人社局群的测试消息")
    [query] = webhook_receiver.queries
    assert query["access_token"] == ["abc"] and "timestamp" in query and "sign" in query
    assert send_due(now=timeutil.now() + timedelta(hours=1), mailer=None, poster=WebhookPoster()).total == 0


def test_webhook_retries_after_the_receiver_was_down(app, make_user, webhook_receiver, make_unit):
    unit = make_unit()
    user = make_user(unit=unit)
    db.session.add(WebhookTarget(name="群", url=webhook_receiver.url, unit_id=unit.id, kinds=[], locale="zh_CN"))
    db.session.commit()
    events.emit("notifications.test", recipients=[user], now=timeutil.now(), args={"target": "群"})
    db.session.commit()

    webhook_receiver.status = 500
    now = timeutil.now()
    assert send_due(now=now, mailer=None, poster=WebhookPoster()).webhooks_failed == 1
    webhook_receiver.status = 200
    assert send_due(now=now + backoff(1), mailer=None, poster=WebhookPoster()).webhooks_sent == 1
    assert len(webhook_receiver.received) == 1


def test_two_senders_at_once_send_each_message_exactly_once(app, make_user, smtp_server):
    users = [make_user() for _ in range(30)]
    for n, user in enumerate(users):
        _profile(user, f"u{n}@example.gov.cn")
    events.emit("notifications.test", recipients=users, now=timeutil.now(), args={"target": "x"})
    db.session.commit()
    db.session.remove()

    now = timeutil.now()
    errors: list[BaseException] = []

    def sender() -> None:
        try:
            with app.app_context():
                send_due(now=now, mailer=_mailer(smtp_server), poster=WebhookPoster(), batch=7)
                send_due(now=now, mailer=_mailer(smtp_server), poster=WebhookPoster(), batch=50)
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    addresses = sorted(m["To"] for m in smtp_server.messages)
    assert addresses == sorted(f"u{n}@example.gov.cn" for n in range(30))


def test_dingtalk_signature_matches_the_documented_algorithm():
    # Worked by hand: HMAC-SHA256("SEC1", "1700000000000\nSEC1"), base64, URL-encoded.
    import base64
    import hashlib
    import hmac
    from urllib.parse import quote_plus

    expected = quote_plus(base64.b64encode(hmac.new(b"SEC1", b"1700000000000\nSEC1", hashlib.sha256).digest()))
    url = signed_url("https://oapi.dingtalk.com/robot/send?access_token=t", "SEC1", now_ms=1700000000000)
    assert url == f"https://oapi.dingtalk.com/robot/send?access_token=t&timestamp=1700000000000&sign={expected}"


def test_smtp_settings_say_what_is_wrong():
    assert SmtpSettings(host="").problems() == ["PORTAL_SMTP_HOST is not set: no e-mail is sent."]
    problems = SmtpSettings(host="mail", port=70000, security="tls", sender="nobody").problems()
    assert len(problems) == 3


def test_a_batch_goes_over_one_smtp_connection_and_one_kept_alive_http_connection(app, make_user, smtp_server,
                                                                                  webhook_receiver, make_unit):
    unit = make_unit()
    users = [make_user(unit=unit) for _ in range(6)]
    for n, user in enumerate(users):
        _profile(user, f"u{n}@example.gov.cn")
    db.session.add(WebhookTarget(name="群", url=webhook_receiver.url, unit_id=unit.id, kinds=[], locale="zh_CN"))
    db.session.commit()
    for user in users:  # six events: six e-mails, six robot posts
        events.emit("notifications.test", recipients=[user], now=timeutil.now(), args={"target": "群"})
    db.session.commit()

    report = send_due(now=timeutil.now(), mailer=_mailer(smtp_server), poster=WebhookPoster())

    assert (report.emailed, report.webhooks_sent) == (6, 6)
    assert smtp_server.connections == 1 and len(smtp_server.messages) == 6
    assert webhook_receiver.connections == 1 and len(webhook_receiver.received) == 6


def test_a_kept_alive_connection_the_receiver_closed_is_opened_again(webhook_receiver):
    webhook_receiver.hang_up = True
    poster = WebhookPoster(timeout=5)
    with poster.connection():
        poster.send(webhook_receiver.url, "", "一")
        poster.send(webhook_receiver.url, "", "二")
    assert [p["text"]["content"] for p in webhook_receiver.received] == ["一", "二"]
    assert webhook_receiver.connections == 2


def test_an_unreachable_smtp_server_fails_the_batch_at_once_and_keeps_it_for_later(app, make_user):
    users = [make_user() for _ in range(3)]
    for n, user in enumerate(users):
        _profile(user, f"u{n}@example.gov.cn")
    events.emit("notifications.test", recipients=users, now=timeutil.now(), args={"target": "x"})
    db.session.commit()
    down = SmtpMailer(SmtpSettings(host="127.0.0.1", port=1, sender="portal@example.gov.cn", timeout=2))
    calls = []
    original = down._connect

    def counting_connect():
        calls.append(1)
        return original()

    down._connect = counting_connect
    report = send_due(now=timeutil.now(), mailer=down, poster=WebhookPoster())
    assert report.retried == 3 and len(calls) == 1  # one try of the server, not one per message
    rows = db.session.scalars(select(Notification)).all()
    assert {(r.email_status, r.attempts, r.claimed_by) for r in rows} == {(DeliveryStatus.PENDING, 1, None)}


def test_a_line_break_in_a_subject_cannot_add_a_header(smtp_server):
    _mailer(smtp_server).send("li@example.gov.cn", "会议室\r\nBcc: evil@example.com", "正文")
    [message] = smtp_server.messages
    assert message["Bcc"] is None and message["Subject"] == "会议室 Bcc: evil@example.com"
