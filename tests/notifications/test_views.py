"""The inbox, the header count, personal settings and the group-robot admin pages."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal import events, timeutil
from portal.blueprints.notifications.models import Notification, NotificationProfile, WebhookTarget
from portal.db import db
from portal.models import AuditLog


def _tell(users, target="值班群", todo_key=None):
    events.emit("notifications.test", recipients=users, now=timeutil.now(), args={"target": target}, todo_key=todo_key,
                endpoint="notifications.settings")
    db.session.commit()


@pytest.mark.parametrize("role", ["employee", "security", "property", "logistics_admin"])
def test_everyone_logged_in_sees_their_count_in_the_header(client, login_as_role, role):
    user = login_as_role(role)
    assert "inbox-count__number" not in client.get("/").get_data(as_text=True)
    _tell([user])
    html = client.get("/").get_data(as_text=True)
    assert 'class="inbox-count__number">1<' in html and 'data-hx-get="/inbox/count"' in html


def test_visitors_have_no_inbox(client):
    assert "inbox-count" not in client.get("/").get_data(as_text=True)
    response = client.get("/inbox/")
    assert response.status_code == 303 and "/login" in response.headers["Location"]


def test_the_inbox_lists_messages_in_the_readers_language_and_marks_them_read(client, login_as_role, make_user):
    user = login_as_role("employee")
    other = make_user()
    _tell([user, other])
    html = client.get("/inbox/").get_data(as_text=True)
    assert "值班群的测试消息" in html and 'href="/inbox/settings"' in html
    client.set_cookie("portal_lang", "en")
    assert "Test message for 值班群" in client.get("/inbox/").get_data(as_text=True)

    mine = db.session.scalar(select(Notification).where(Notification.recipient_id == user.id))
    response = client.post("/inbox/read", data={"notification": str(mine.id)})
    assert response.status_code == 303
    assert client.get("/inbox/count").get_data(as_text=True).count("inbox-count__number") == 0
    # Someone else's message is not theirs to mark.
    theirs = db.session.scalar(select(Notification).where(Notification.recipient_id == other.id))
    client.post("/inbox/read", data={"notification": str(theirs.id)})
    db.session.refresh(theirs)
    assert theirs.read_at is None


def test_a_todo_stays_until_done_by_anyone_then_leaves_every_list(client, login_as_role, make_user, greeting_kind):
    user = login_as_role("logistics_admin")
    colleague = make_user()
    events.emit(greeting_kind.code, recipients=[user, colleague], now=timeutil.now(), todo_key="booking:7:decide",
                args={"room": "主楼 301", "when": "12月3日", "requester": "张伟"})
    db.session.commit()
    client.post("/inbox/read", data={"all": "1"})
    # Read, but still to do.
    assert 'inbox-count__number">1<' in client.get("/inbox/count").get_data(as_text=True)
    events.resolve("booking:7:decide", now=timeutil.now())
    db.session.commit()
    assert "inbox-count__number" not in client.get("/inbox/count").get_data(as_text=True)
    assert db.session.scalars(select(Notification.done_at)).all() and all(db.session.scalars(select(Notification.done_at)))


def test_settings_are_saved_and_bad_input_is_explained(client, login_as_role):
    user = login_as_role("employee")
    bad = client.post("/inbox/settings", data={"email": "not-an-address", "locale": "en", "quiet_from": "22:00"})
    assert bad.status_code == 422 and "请填写电子邮箱" in bad.get_data(as_text=True)
    half = client.post("/inbox/settings", data={"email": "zhang@example.gov.cn", "locale": "en", "quiet_from": "22:00"})
    assert half.status_code == 422 and "免打扰时间请同时填写开始和结束" in half.get_data(as_text=True)
    assert db.session.get(NotificationProfile, user.id) is None
    ok = client.post("/inbox/settings", data={"email": "zhang@example.gov.cn", "locale": "en", "quiet_from": "22:00",
                                              "quiet_until": "07:30", "email_kinds": ["notifications.test"]})
    assert ok.status_code == 303
    profile = db.session.get(NotificationProfile, user.id)
    assert (profile.email, profile.locale, profile.email_kinds) == ("zhang@example.gov.cn", "en", ["notifications.test"])
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "notification_profile.update")) is not None


def test_a_malformed_robot_address_is_refused_and_nothing_is_saved(client, login_as_role):
    login_as_role("logistics_admin")
    response = client.post("/inbox/webhooks/new", data={"name": "群", "url": "javascript:alert(1)", "unit_id": "0",
                                                        "role": "security", "locale": "zh_CN", "active": "y"})
    assert response.status_code == 422 and "请填写机器人的完整地址" in response.get_data(as_text=True)
    neither = client.post("/inbox/webhooks/new", data={"name": "群", "url": "https://oapi.dingtalk.com/robot/send?access_token=x",
                                                       "unit_id": "0", "role": "", "locale": "zh_CN"})
    assert neither.status_code == 422 and "二选一" in neither.get_data(as_text=True)
    assert db.session.scalars(select(WebhookTarget)).all() == []


def test_a_robot_is_added_tested_and_removed_after_confirmation(client, login_as_role):
    login_as_role("logistics_admin")
    response = client.post("/inbox/webhooks/new", data={"name": "保卫群", "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",
                                                        "unit_id": "0", "role": "security", "locale": "zh_CN", "active": "y"})
    assert response.status_code == 303
    target_id = db.session.scalar(select(WebhookTarget.id))
    page = client.get("/inbox/webhooks/").get_data(as_text=True)
    assert "保卫群" in page and "未设置 PORTAL_SMTP_HOST" in page  # the settings problems are translated now
    assert client.post(f"/inbox/webhooks/{target_id}/test").status_code == 303
    asking = client.post(f"/inbox/webhooks/{target_id}/delete")
    assert asking.status_code == 200 and 'name="confirmed" value="1"' in asking.get_data(as_text=True)
    assert db.session.scalar(select(WebhookTarget.id)) == target_id
    assert client.post(f"/inbox/webhooks/{target_id}/delete", data={"confirmed": "1"}).status_code == 303
    assert db.session.scalar(select(WebhookTarget.id)) is None


@pytest.mark.parametrize("role", ["anonymous", "employee", "unit_admin", "security", "property"])
def test_only_administrators_manage_robots(client, login_as_role, role):
    login_as_role(role)
    response = client.get("/inbox/webhooks/")
    assert response.status_code in (303, 403)


def test_the_language_a_person_chooses_is_the_language_of_their_email(client, login_as_role):
    import re

    user = login_as_role("employee")
    # The language switch checks its CSRF token for signed-in people even where forms do not (issue 21).
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").get_data(as_text=True)).group(1)
    assert client.post("/language", data={"lang": "en", "next": "/", "csrf_token": token}).status_code == 303
    assert db.session.get(NotificationProfile, user.id).locale == "en"


@pytest.mark.parametrize("value", ["9" * 40, str(2**63), "-1", "x" * 500, "1 OR 1=1"])
def test_marking_read_refuses_numbers_that_are_no_id(client, login_as_role, value):
    """Regression: a 40-digit number overflowed SQLite's integers and gave a 500 (found by the form fuzzer)."""
    user = login_as_role("employee")
    _tell([user])
    response = client.post("/inbox/read", data={"notification": value})
    assert response.status_code == 400
    assert db.session.scalar(select(Notification.read_at)) is None


def test_the_inbox_puts_open_todos_first_then_pages_the_rest_newest_first(client, login_as_role, greeting_kind, clock,
                                                                          app):
    app.config["PAGE_SIZE"] = 3
    user = login_as_role("employee")
    for hour in range(8, 13):
        clock(2026, 12, 1, hour, 0)
        _tell([user], target=f"{hour}点群")
    clock(2026, 12, 1, 7, 0)  # the oldest, but to do
    events.emit(greeting_kind.code, recipients=[user], now=timeutil.now(), todo_key="booking:9:decide",
                args={"room": "主楼 301", "when": "12月3日", "requester": "张伟"})
    db.session.commit()
    clock(2026, 12, 1, 13, 0)
    first = client.get("/inbox/").get_data(as_text=True)
    second = client.get("/inbox/?page=2").get_data(as_text=True)
    order = [first.index(text) for text in ("主楼 301", "12点群", "11点群")]
    assert order == sorted(order) and "10点群" not in first
    assert "10点群" in second and "9点群" in second and "8点群" in second and "主楼 301" not in second
    assert "第 2 页，共 2 页" in second


def test_a_page_of_the_inbox_costs_the_same_few_queries_however_many_messages(client, login_as_role, count_queries):
    user = login_as_role("employee")
    _tell([user])
    client.get("/inbox/")  # the session's CSRF token

    def queries() -> int:
        with count_queries() as counted:
            client.get("/inbox/?fresh")
        return counted.count

    few = queries()
    for n in range(30):
        _tell([user], target=f"群{n}")
    assert queries() == few


def test_the_inbox_is_kept_for_the_session_until_a_message_arrives_or_is_read(
        client, app, login_as_role, make_user, count_queries, areas_on_record):
    from tests.conftest import AuthActions

    areas_on_record()
    user = login_as_role("employee")
    _tell([user], target="甲群")
    client.get("/inbox/")  # the session's CSRF token
    first = client.get("/inbox/").get_data()
    with count_queries() as counted:
        again = client.get("/inbox/").get_data()
    assert again == first and "甲群的测试消息" in again.decode()
    assert counted.count == 2  # the data versions and the inbox's own version: no account loaded
    _tell([user], target="乙群")  # arrives: shown at once
    assert "乙群的测试消息" in client.get("/inbox/").get_data(as_text=True)
    client.post("/inbox/read", data={"all": "1"})
    client.get("/inbox/")  # the flashed message is shown
    assert "inbox__item--unread" not in client.get("/inbox/").get_data(as_text=True)
    other = app.test_client()
    AuthActions(other).login_as(make_user(display_name="另一位"))
    other.get("/inbox/")
    html = other.get("/inbox/").get_data(as_text=True)
    assert "甲群" not in html and "另一位" in html
