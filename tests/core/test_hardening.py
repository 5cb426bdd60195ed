"""Web hardening and the admin pages: HSTS, base URL warning, the embedded
server's connection limit, SQLite file permissions, the audit log, the first
visit's language, the favicon and compression (issues 13-16)."""

from __future__ import annotations

import gzip
import os
import socket
import stat
import time
from datetime import datetime
from pathlib import Path
from urllib.request import urlopen

import brotli
import pytest
from flask import Flask
from sqlalchemy import text

from portal import create_app
from portal.config import WAITRESS_OPTIONS, waitress_arguments
from portal.db import db
from portal.models import AuditLog, Role
from portal.timeutil import LOCAL_TZ
from tests.conftest import LiveServer, make_test_config

ROOT = Path(__file__).resolve().parents[2]

# ---------------------------------------------------------------- 15.11


@pytest.mark.parametrize("app_config", [{"SESSION_COOKIE_SECURE": True}])
def test_hsts_when_cookies_are_secure(client, app_config):
    assert client.get("/").headers["Strict-Transport-Security"] == "max-age=31536000"


def test_no_hsts_over_plain_http(client):
    assert "Strict-Transport-Security" not in client.get("/").headers


@pytest.mark.parametrize("app_config", [{"TESTING": False}])
def test_admin_index_warns_while_the_base_url_is_unset_in_production(app, client, login_as_role, app_config):
    login_as_role("sysadmin")
    assert "PORTAL_BASE_URL" in client.get("/admin/").get_data(as_text=True)
    app.config["BASE_URL"] = "https://portal.example.gov.cn"
    assert "PORTAL_BASE_URL" not in client.get("/admin/").get_data(as_text=True)


def test_no_base_url_warning_in_development_or_tests(client, login_as_role):
    login_as_role("sysadmin")
    assert "PORTAL_BASE_URL" not in client.get("/admin/").get_data(as_text=True)


def test_readme_passes_the_host_and_forwarded_headers_and_documents_the_base_url():
    readme = (ROOT / "README.md").read_text()
    for line in ("proxy_set_header Host $host;", "proxy_set_header X-Forwarded-For $remote_addr;",
                 "proxy_set_header X-Forwarded-Proto $scheme;", "| `PORTAL_BASE_URL` |"):
        assert line in readme, line


# ---------------------------------------------------------------- 15.12


def test_demo_script_and_readme_run_waitress_with_the_tested_settings():
    flags = waitress_arguments()
    assert "--connection-limit" in flags and "--channel-timeout" in flags
    assert flags in (ROOT / "scripts" / "demo").read_text()
    assert flags in (ROOT / "README.md").read_text()


@pytest.mark.live_server
def test_idle_connections_do_not_stop_the_server_answering(app: Flask):
    server = LiveServer(app, **WAITRESS_OPTIONS).start()
    idle: list[socket.socket] = []
    try:
        for _ in range(120):
            idle.append(socket.create_connection(("127.0.0.1", server.port), timeout=5))
        started = time.monotonic()
        with urlopen(f"{server.url}/healthz", timeout=10) as response:
            assert response.status == 200
        assert time.monotonic() - started < 5
    finally:
        for sock in idle:
            sock.close()
        server.stop()


# ---------------------------------------------------------------- 15.14


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_sqlite_database_and_instance_folder_are_private(tmp_path, monkeypatch):
    monkeypatch.setattr(Flask, "auto_find_instance_path", lambda self: str(tmp_path / "instance"))
    old_umask = os.umask(0o022)
    try:
        app = create_app(make_test_config("", SQLALCHEMY_DATABASE_URI=None))
        with app.app_context():
            db.session.execute(text("CREATE TABLE t (x INTEGER)"))
            db.session.execute(text("INSERT INTO t VALUES (1)"))
            db.session.commit()
            assert db.session.execute(text("PRAGMA secure_delete")).scalar() == 1
            db.session.remove()
            db.engine.dispose()
    finally:
        os.umask(old_umask)
    folder = tmp_path / "instance"
    assert _mode(folder) == 0o700
    assert _mode(folder / "portal.db") == 0o600
    for extra in ("portal.db-wal", "portal.db-shm"):
        if (folder / extra).exists():
            assert _mode(folder / extra) == 0o600, extra


def test_an_existing_world_readable_database_is_tightened(tmp_path):
    path = tmp_path / "old.db"
    path.touch()
    path.chmod(0o644)
    app = create_app(make_test_config(f"sqlite:///{path}"))
    with app.app_context():
        db.session.execute(text("SELECT 1"))
        db.session.remove()
        db.engine.dispose()
    assert _mode(path) == 0o600


# ---------------------------------------------------------------- 14.8


def _entry(action: str, at: datetime, actor=None, object_type: str = "user", object_id: str = "1") -> AuditLog:
    entry = AuditLog(action=action, at=at, actor_id=actor.id if actor else None, object_type=object_type,
                     object_id=object_id, summary="")
    db.session.add(entry)
    return entry


def test_audit_log_shows_readable_actions_and_unknown_codes_as_they_are(client, login_as_role):
    admin = login_as_role("sysadmin")
    now = datetime(2026, 12, 2, 9, 0, tzinfo=LOCAL_TZ)
    _entry("login", now, admin)
    _entry("mystery.thing", now, admin, object_type="mystery", object_id="7")
    db.session.commit()
    page = client.get("/admin/audit/").get_data(as_text=True)
    assert 'title="login">登录<' in page
    assert 'title="mystery.thing">mystery.thing<' in page
    assert "账号 1" in page and "mystery 7" in page
    client.set_cookie("portal_lang", "en")
    english = client.get("/admin/audit/").get_data(as_text=True)
    assert 'title="login">Logged in<' in english


def test_audit_log_filters_by_dates_and_person(client, make_user, auth):
    admin = make_user(roles=[Role.SYSADMIN], username="boss", display_name="王主任")
    clerk = make_user(username="clerk", display_name="李文员")
    _entry("user.update", datetime(2026, 11, 1, 23, 30, tzinfo=LOCAL_TZ), admin, object_id="101")
    _entry("user.update", datetime(2026, 11, 2, 8, 0, tzinfo=LOCAL_TZ), clerk, object_id="102")
    _entry("user.update", datetime(2026, 11, 3, 0, 0, tzinfo=LOCAL_TZ), clerk, object_id="103")
    db.session.commit()
    auth.login_as(admin)

    def ids(query: str) -> set[str]:
        response = client.get(f"/admin/audit/?{query}")
        assert response.status_code == 200, query
        html = response.get_data(as_text=True)
        return {n for n in ("101", "102", "103") if f"账号 {n}" in html}

    assert ids("") == {"101", "102", "103"}
    assert ids("start=2026-11-02&end=2026-11-02") == {"102"}  # local days, the end day included
    assert ids("start=2026-11-02") == {"102", "103"}
    assert ids("end=2026-11-01") == {"101"}
    assert ids("person=李") == {"102", "103"}
    assert ids("person=boss&start=2026-11-01") == {"101"}
    assert ids("person=%25") == set()  # a typed wildcard is literal
    assert ids("type=user") == {"101", "102", "103"}
    assert client.get("/admin/audit/?start=2026-13-01").status_code == 400
    assert client.get("/admin/audit/?start=2026-11-03&end=2026-11-01").status_code == 400


def test_audit_log_pages(client, login_as_role):
    admin = login_as_role("sysadmin")
    for n in range(60):
        _entry("user.update", datetime(2026, 11, 1, 9, 0, tzinfo=LOCAL_TZ), admin, object_id=str(n))
    db.session.commit()
    first = client.get("/admin/audit/?person=as_sys").get_data(as_text=True)
    assert 'rel="next"' in first and "person=as_sys" in first
    assert client.get("/admin/audit/?page=abc").status_code == 400


# ---------------------------------------------------------------- 14.7


@pytest.mark.parametrize(
    ("accept", "lang"),
    [("en-US,en;q=0.9", "en"), ("en", "en"), ("zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"), ("fr-FR,de;q=0.5", "zh-CN"),
     ("zh-TW", "zh-CN"), ("", "zh-CN")],
)
def test_first_visit_language_follows_the_browser(client, accept, lang):
    response = client.get("/login", headers={"Accept-Language": accept} if accept else {})
    assert f'<html lang="{lang}">' in response.get_data(as_text=True)
    assert "Accept-Language" in response.headers["Vary"]


def test_the_language_cookie_wins_over_the_browser(client):
    client.set_cookie("portal_lang", "zh_CN")
    response = client.get("/login", headers={"Accept-Language": "en"})
    assert '<html lang="zh-CN">' in response.get_data(as_text=True)


# ---------------------------------------------------------------- 13.15 and 16


def test_favicon_is_served_and_linked(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype == "image/x-icon"
    assert response.get_data()[:4] == b"\x00\x00\x01\x00"
    response.close()
    page = client.get("/").get_data(as_text=True)
    assert '<link rel="icon" href="/static/favicon.svg?v=' in page
    svg = client.get("/static/favicon.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    svg.close()


def test_pages_have_a_meta_description(client):
    assert '<meta name="description" content="行政中心门户：' in client.get("/").get_data(as_text=True)
    assert '<meta name="description" content="使用后勤管理中心发放的账号登录' in client.get("/login").get_data(as_text=True)


@pytest.mark.parametrize(("encoding", "decompress"), [("br", brotli.decompress), ("gzip", gzip.decompress)])
def test_responses_are_compressed_when_the_browser_accepts_it(client, encoding, decompress):
    plain = client.get("/")
    assert "Content-Encoding" not in plain.headers
    packed = client.get("/", headers={"Accept-Encoding": f"{encoding}, deflate"})
    assert packed.headers["Content-Encoding"] == encoding
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert len(packed.get_data()) < len(plain.get_data()) / 2
    assert decompress(packed.get_data()).decode().count("<html") == 1


def test_brotli_is_preferred_when_both_are_accepted(client):
    response = client.get("/", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert response.headers["Content-Encoding"] == "br"
