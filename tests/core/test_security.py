"""Accounts and sessions: session versions, throttling, timing, password strength (issue 15)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal import timeutil
from portal.blueprints.auth import services
from portal.db import db
from portal.models import AuditLog, LoginFailure, Role, User
from tests.conftest import DEMO_PASSWORD


def _logged_in(client, user: User) -> bool:
    """The header names the account (a flash may name it too, so look at the header's link)."""
    return f'class="account-name" href="/password" title="修改密码">{user.display_name}<' in client.get("/").get_data(
        as_text=True
    )


def _form_login(client, username: str, password: str = DEMO_PASSWORD, address: str = "127.0.0.1"):
    return client.post(
        "/login", data={"username": username, "password": password}, environ_base={"REMOTE_ADDR": address}
    )


# ---------------------------------------------------------------- 15.3 sessions


def test_logout_ends_the_accounts_sessions_on_other_computers(app, make_user):
    user = make_user(username="twopcs")
    office, home = app.test_client(), app.test_client()
    assert _form_login(office, "twopcs").status_code == 303
    assert _form_login(home, "twopcs").status_code == 303
    assert _logged_in(home, user)

    assert office.post("/logout").status_code == 303
    assert not _logged_in(office, user)
    assert not _logged_in(home, user)  # the other computer's session has ended too
    assert db.session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "logout")) == 1


@pytest.mark.parametrize(
    "change",
    [
        {"password": "a-brand-new-phrase-42"},
        {"roles": ["employee", "security"]},
        {"active": ""},
    ],
    ids=["password", "roles", "deactivated"],
)
def test_an_administrators_change_ends_the_accounts_sessions(app, client, make_user, auth, change):
    user = make_user(username="changed", display_name="被修改")
    admin = make_user(roles=[Role.SYSADMIN], username="boss")
    theirs = app.test_client()
    assert _form_login(theirs, "changed").status_code == 303
    auth.login_as(admin)
    data = {"username": "changed", "display_name": "被修改", "unit_id": "0", "roles": ["employee"], "active": "y"}
    data.update(change)
    if not data["active"]:
        del data["active"]
    assert client.post(f"/admin/users/{user.id}", data=data).status_code == 303
    response = theirs.get("/rooms/mine")
    assert response.status_code == 303 and "/login" in response.headers["Location"]
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "user.update"))
    assert "sessions ended" in entry.summary


def test_an_edit_that_changes_no_access_keeps_the_sessions(app, client, make_user, auth):
    user = make_user(username="kept", display_name="旧名")
    theirs = app.test_client()
    assert _form_login(theirs, "kept").status_code == 303
    auth.login_as(make_user(roles=[Role.SYSADMIN], username="boss"))
    data = {"username": "kept", "display_name": "新名", "unit_id": "0", "roles": ["employee"], "active": "y"}
    assert client.post(f"/admin/users/{user.id}", data=data).status_code == 303
    assert "新名" in theirs.get("/").get_data(as_text=True)


def test_own_password_change_keeps_this_session_and_ends_the_others(app, client, make_user):
    user = make_user(username="mover")
    other = app.test_client()
    assert _form_login(client, "mover").status_code == 303
    assert _form_login(other, "mover").status_code == 303
    new = "violet-harbour-kettle-9"
    response = client.post("/password", data={"current": DEMO_PASSWORD, "password": new, "confirm": new})
    assert response.status_code == 303
    assert _logged_in(client, user)
    assert not _logged_in(other, user)
    client.post("/logout")
    assert _form_login(client, "mover", new).status_code == 303


def test_own_password_change_checks_the_current_password_and_strength(client, make_user):
    make_user(username="mover")
    assert _form_login(client, "mover").status_code == 303
    wrong = client.post("/password", data={"current": "not-it-at-all", "password": "violet-harbour-kettle-9",
                                           "confirm": "violet-harbour-kettle-9"})
    assert wrong.status_code == 422 and "当前密码不正确" in wrong.get_data(as_text=True)
    weak = client.post("/password", data={"current": DEMO_PASSWORD, "password": "password12", "confirm": "password12"})
    assert weak.status_code == 422 and "太容易被猜到" in weak.get_data(as_text=True)


def test_a_session_id_without_the_current_version_is_no_login(client, make_user):
    user = make_user(username="stale")
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)  # what sessions held before versions
    assert not _logged_in(client, user)
    with client.session_transaction() as session:
        session["_user_id"] = f"{user.id}.{user.session_version + 1}"
    assert not _logged_in(client, user)
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
    assert _logged_in(client, user)


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_login_starts_a_new_session(client, make_user, app_config):
    make_user(username="fresh")
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    with client.session_transaction() as session:
        before = session["csrf_token"]
        session["left_behind"] = "from before the login"
    response = client.post("/login", data={"username": "fresh", "password": DEMO_PASSWORD, "csrf_token": token})
    assert response.status_code == 303
    with client.session_transaction() as session:
        assert session.get("csrf_token") != before
        assert "left_behind" not in session
    # The pre-login token no longer works for a form.
    refused = client.post("/logout", data={"csrf_token": token})
    assert refused.status_code == 400


# ---------------------------------------------------------------- 15.4 throttling


def test_failures_from_other_addresses_do_not_lock_the_account(client, make_user):
    make_user(username="target")
    for n in range(5):
        assert _form_login(client, "target", "bad-guess", address=f"10.0.0.{n + 1}").status_code == 422
    assert _form_login(client, "target", address="10.0.0.99").status_code == 303


def test_one_address_is_slowed_for_that_username_only_and_not_for_long(app, client, make_user, clock):
    make_user(username="target")
    start = clock(2026, 12, 2, 10, 0)
    for _ in range(5):
        assert _form_login(client, "target", "bad-guess", address="10.0.0.1").status_code == 422
    slowed = _form_login(client, "target", address="10.0.0.1")
    assert slowed.status_code == 429 and int(slowed.headers["Retry-After"]) <= 31
    assert _form_login(app.test_client(), "target", address="10.0.0.2").status_code == 303  # the owner, elsewhere
    clock(2026, 12, 2, 10, 0, 31)
    assert start + timedelta(seconds=31) == timeutil.now()
    assert _form_login(client, "target", address="10.0.0.1").status_code == 303


def test_an_administrator_sees_and_clears_throttles(client, make_user, auth):
    now = timeutil.now()
    for _ in range(6):
        services.record_failure("victim", "10.9.9.9", now=now)
    services.record_failure("other", "10.8.8.8", now=now)
    db.session.commit()
    auth.login_as(make_user(roles=[Role.SYSADMIN], username="boss"))
    page = client.get("/admin/throttles").get_data(as_text=True)
    assert "10.9.9.9" in page and "victim" in page and "10.8.8.8" in page

    response = client.post("/admin/throttles", data={"address": "10.9.9.9", "username": "victim"})
    assert response.status_code == 303
    remaining = db.session.scalars(select(LoginFailure.address)).all()
    assert remaining == ["10.8.8.8"]
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "login.throttle_clear"))
    assert entry.object_id == "victim@10.9.9.9"
    assert "清除了登录限制" in client.get("/admin/audit/").get_data(as_text=True)


def test_the_throttle_list_pages(client, make_user, auth):
    now = timeutil.now()
    for n in range(60):
        services.record_failure("u", f"10.1.{n}.1", now=now)
    db.session.commit()
    auth.login_as(make_user(roles=[Role.SYSADMIN], username="boss"))
    first = client.get("/admin/throttles").get_data(as_text=True)
    assert 'rel="next"' in first
    assert client.get("/admin/throttles?page=3").status_code == 200
    assert client.get("/admin/throttles?page=x").status_code == 400


# ---------------------------------------------------------------- 15.5 timing


def test_every_login_attempt_verifies_exactly_one_hash_and_computes_none(app, make_user, monkeypatch):
    make_user(username="known")
    services._DUMMY_HASHES.clear()
    services.dummy_hash(app.config["PASSWORD_HASH_METHOD"])  # computed once, as at the first login
    computed, verified = [], []
    real_check = services.check_password_hash
    monkeypatch.setattr(services, "generate_password_hash", lambda *a, **k: computed.append(a) or "x")
    monkeypatch.setattr(services, "check_password_hash", lambda h, p: verified.append(h) or real_check(h, p))
    method = app.config["PASSWORD_HASH_METHOD"]
    for username in ("nobody", "nobody-else", "known"):
        verified.clear()
        assert services.authenticate(username, "wrong-password", hash_method=method) is None
        assert len(verified) == 1, username
        assert verified[0].startswith(method.split(":")[0])  # the configured method, for unknown names too
    assert computed == []


# ---------------------------------------------------------------- 15.6 strength


@pytest.mark.parametrize(
    "password",
    ["aaaaaaaaaa", "1234567890", "password12", "zhangsanfengx", " " * 10, "qwertyuiop", "ZhangSanFeng2026"],
)
def test_weak_passwords_are_refused(client, login_as_role, password):
    login_as_role("sysadmin")
    data = {"username": "zhangsanfeng", "display_name": "张三丰", "unit_id": "0", "roles": ["employee"],
            "active": "y", "password": password}
    response = client.post("/admin/users/new", data=data)
    assert response.status_code == 422
    assert db.session.scalar(select(User).where(User.username == "zhangsanfeng")) is None


@pytest.mark.parametrize("password", [DEMO_PASSWORD, "a-long-password", "correct horse battery", "violet-harbour-kettle-9"])
def test_the_passwords_people_are_told_to_use_pass(password):
    assert services.password_problem(password, username="zhangsanfeng", names=["张三丰"]) is None


def test_create_user_command_refuses_a_weak_password(runner):
    result = runner.invoke(args=["create-user", "zhaoli", "--name", "赵丽", "--password", "1234567890"])
    assert result.exit_code == 1
    assert "太容易被猜到" in result.output
    assert db.session.scalar(select(User).where(User.username == "zhaoli")) is None


def test_an_administrator_changing_their_own_password_stays_logged_in(client, make_user):
    admin = make_user(roles=[Role.SYSADMIN], username="boss", display_name="管理员")
    assert _form_login(client, "boss").status_code == 303
    data = {"username": "boss", "display_name": "管理员", "unit_id": "0", "roles": ["sysadmin"], "active": "y",
            "password": "violet-harbour-kettle-9"}
    assert client.post(f"/admin/users/{admin.id}", data=data).status_code == 303
    assert client.get("/admin/users/").status_code == 200
