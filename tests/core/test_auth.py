from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal import timeutil
from portal.blueprints.auth import services
from portal.db import db
from portal.models import AuditLog, LoginFailure, Role
from tests.conftest import DEMO_PASSWORD


def test_login_page_renders_the_form(client):
    html = client.get("/login").get_data(as_text=True)
    assert 'name="username"' in html and 'name="password"' in html
    assert "登录" in html  # Chinese by default


def test_login_and_logout(client, auth, make_user):
    user = make_user(username="zhangwei")
    response = auth.login("zhangwei")
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    home = client.get("/").get_data(as_text=True)
    assert user.display_name in home
    assert db.session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "login")) == 1

    assert auth.logout().status_code == 303
    assert user.display_name not in client.get("/").get_data(as_text=True)


def test_logout_by_get_asks_for_confirmation(client, auth, make_user):
    user = make_user(username="li")
    auth.login("li")
    response = client.get("/logout")
    assert response.status_code == 200
    assert 'action="/logout"' in response.get_data(as_text=True)
    assert user.display_name in client.get("/").get_data(as_text=True)  # still logged in


@pytest.mark.parametrize(
    ("username", "password"),
    [("zhangwei", "wrong-password"), ("nobody", DEMO_PASSWORD), ("ZHANGWEI", DEMO_PASSWORD)],
)
def test_wrong_credentials_give_one_message(client, auth, make_user, username, password):
    make_user(username="zhangwei")
    response = auth.login(username, password)
    assert response.status_code == 422
    assert "用户名或密码错误" in response.get_data(as_text=True)
    with client.session_transaction() as session:
        assert "_user_id" not in session


def test_inactive_user_cannot_log_in(auth, make_user):
    make_user(username="gone", active=False)
    assert auth.login("gone").status_code == 422


def test_user_without_password_cannot_log_in(auth, make_user):
    user = make_user(username="nopw")
    user.password_hash = ""
    db.session.commit()
    assert auth.login("nopw", "").status_code == 422
    assert auth.login("nopw", DEMO_PASSWORD).status_code == 422


def test_repeated_failures_block_the_username(app, client, auth, make_user):
    make_user(username="target")
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert auth.login("target", "bad-guess").status_code == 422
    blocked = auth.login("target", DEMO_PASSWORD)  # even the right password
    assert blocked.status_code == 429
    assert "尝试次数过多" in blocked.get_data(as_text=True)
    with client.session_transaction() as session:
        assert "_user_id" not in session


def test_slow_down_expires_and_success_clears_failures(app, make_user):
    # Changed deliberately (15.4): failures slow down one address for one
    # username, growing with each failure; they no longer block the username
    # from every address.
    policy = services.ThrottlePolicy(max_failures=5, window=timedelta(minutes=15))
    now = timeutil.now()
    for seconds in range(5):
        services.record_failure("target", "10.0.0.1", now=now - timedelta(seconds=seconds))
    db.session.commit()
    assert services.blocked_until("target", "10.0.0.1", now=now, policy=policy) == now + timedelta(seconds=30)
    assert services.blocked_until("target", "10.0.0.9", now=now, policy=policy) is None  # another address
    later = now + timedelta(seconds=31)
    assert services.blocked_until("target", "10.0.0.1", now=later, policy=policy) is None
    services.record_failure("target", "10.0.0.1", now=later)
    db.session.commit()
    assert services.blocked_until("target", "10.0.0.1", now=later, policy=policy) == later + timedelta(seconds=60)

    services.clear_failures("target", "10.0.0.1", now=later, window=policy.window)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(LoginFailure)) == 0


def test_an_address_is_slowed_after_many_usernames(app):
    policy = services.ThrottlePolicy(max_failures=5, window=timedelta(minutes=15))
    now = timeutil.now()
    for n in range(20):
        services.record_failure(f"guess{n}", "10.0.0.7", now=now)
    db.session.commit()
    assert services.blocked_until("fresh", "10.0.0.7", now=now, policy=policy) is not None
    assert services.blocked_until("fresh", "10.0.0.8", now=now, policy=policy) is None


@pytest.mark.parametrize(
    ("next_value", "expected"),
    [
        ("/rooms/?date=2026-12-01", "/rooms/?date=2026-12-01"),
        ("//evil.example/", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_next_only_goes_to_local_paths(auth, make_user, next_value, expected):
    from urllib.parse import quote

    make_user(username="wang")
    response = auth.login("wang", next=quote(next_value, safe=""))
    assert response.status_code == 303
    assert response.headers["Location"] == expected


def test_over_long_and_empty_fields_are_rejected_cleanly(client):
    response = client.post("/login", data={"username": "x" * 5000, "password": "p"})
    assert response.status_code == 422
    response = client.post("/login", data={})
    assert response.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(LoginFailure)) == 0


def test_non_utf8_body_does_not_crash(client):
    response = client.post(
        "/login", data=b"username=\xff\xfe&password=\xc3\x28", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code in (400, 422)


def test_session_cookie_flags(app, client, auth, make_user):
    make_user(username="cookie")
    response = auth.login("cookie")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


@pytest.mark.parametrize("app_config", [{"SESSION_COOKIE_SECURE": True}])
def test_secure_cookie_when_configured(client, auth, make_user, app_config):
    make_user(username="secure")
    assert "Secure" in auth.login("secure").headers["Set-Cookie"]


def test_passwords_are_hashed(make_user):
    user = make_user(username="hashme", password="correct horse battery")
    assert "correct horse" not in user.password_hash
    assert user.password_hash.startswith("pbkdf2:")


def test_production_hashing_is_strong():
    from portal.config import Config

    method, digest, rounds = Config.PASSWORD_HASH_METHOD.split(":")
    assert (method, digest) == ("pbkdf2", "sha256") and int(rounds) >= 600_000


def test_an_older_hash_is_replaced_at_login(app, auth, make_user):
    """A password hashed another way (scrypt, say) still logs in, and is then hashed the configured way."""
    from werkzeug.security import check_password_hash, generate_password_hash

    user = make_user(username="legacy", password="correct horse battery")
    user.password_hash = generate_password_hash("correct horse battery", method="pbkdf2:sha256:1500")
    db.session.commit()
    assert auth.login("legacy", "correct horse battery").status_code == 303
    db.session.refresh(user)
    assert user.password_hash.startswith(app.config["PASSWORD_HASH_METHOD"] + "$")
    assert check_password_hash(user.password_hash, "correct horse battery")


def test_a_wrong_password_leaves_an_older_hash_alone(auth, make_user):
    from werkzeug.security import generate_password_hash

    user = make_user(username="legacy", password="correct horse battery")
    old = user.password_hash = generate_password_hash("correct horse battery", method="pbkdf2:sha256:1500")
    db.session.commit()
    assert auth.login("legacy", "wrong horse battery").status_code == 422
    db.session.refresh(user)
    assert user.password_hash == old


def test_create_user_command(runner):
    result = runner.invoke(
        args=["create-user", "zhaoli", "--name", "赵丽", "--role", "employee", "--role", "unit_admin",
              "--password", "long-enough-password"]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(services.User).where(services.User.username == "zhaoli"))
    assert user.roles == {Role.EMPLOYEE, Role.UNIT_ADMIN}
    again = runner.invoke(args=["create-user", "zhaoli", "--name", "x", "--password", "long-enough-password"])
    assert again.exit_code != 0


def test_nul_bytes_are_refused_before_reaching_the_database(client):
    response = client.post("/login", data={"username": "a\x00b", "password": "x"})
    assert response.status_code == 400
    assert client.get("/?q=\x00").status_code == 400
    assert client.get("/directory/search?q=a%00b").status_code == 400
    assert client.get("/directory/search?q=%2500").status_code == 200  # the text "%00", no NUL
