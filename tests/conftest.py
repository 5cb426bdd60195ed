"""Fixtures shared by every capability's tests.

The database is SQLite (a file per xdist worker) unless
``PORTAL_TEST_DATABASE_URL`` names a PostgreSQL server, in which case each
worker gets its own database there. The schema is created once per worker;
every test starts with empty tables.
"""

from __future__ import annotations

import os
import re
import socket
import sqlite3
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from portal import create_app, timeutil
from portal.db import db
from portal.i18n import compile_catalogs
from portal.models import Role, User

DEMO_PASSWORD = "demo-password-123"

# Every test runs on a clock it controls: from this moment (a Wednesday
# workday morning) unless PORTAL_TEST_NOW names another (ISO 8601, with offset),
# which is how the date-sensitive tests are run at other hours and days.
DEFAULT_TEST_NOW = "2026-12-02T10:00:00+08:00"

# Demo account per role: the matrix and the browser tests log in with these.
ROLE_ACCOUNTS = {
    "employee": "staff",
    "unit_admin": "unitadmin",
    "security": "guard",
    "property": "property",
    "logistics_admin": "logistics",
    "sysadmin": "admin",
}
ALL_ROLES = ("anonymous", *ROLE_ACCOUNTS)


def pytest_configure(config: pytest.Config) -> None:
    compile_catalogs()
    _share_url_builders()


def _share_url_builders() -> None:
    """Most of ``create_app``'s 0.2 s is Werkzeug generating and compiling a
    Python URL builder for each of the ~290 rules, and nearly every test creates
    an app. The generated function depends only on the rule's text, its defaults
    and its parsed parts (converters are looked up on the rule at call time), so
    the test run compiles each one once. Tests only; the portal does not patch
    Werkzeug. If Werkzeug's private method ever changes, nothing is shared."""
    from werkzeug.routing.rules import Rule

    compile_builder = getattr(Rule, "_compile_builder", None)
    if compile_builder is None or getattr(compile_builder, "shared", False):
        return
    builders: dict[tuple[object, ...], Any] = {}

    def shared_compile_builder(self: Rule, append_unknown: bool = True) -> Any:
        key = (self.rule, tuple(self._trace), repr(sorted((self.defaults or {}).items())), append_unknown)
        builder = builders.get(key)
        if builder is None:
            builder = builders[key] = compile_builder(self, append_unknown)
        return builder

    shared_compile_builder.shared = True  # type: ignore[attr-defined]
    Rule._compile_builder = shared_compile_builder  # type: ignore[method-assign]


def _postgres_url() -> str | None:
    url = os.environ.get("PORTAL_TEST_DATABASE_URL", "")
    return url if url.startswith("postgresql") else None


def test_start_moment() -> datetime:
    return datetime.fromisoformat(os.environ.get("PORTAL_TEST_NOW") or DEFAULT_TEST_NOW)


@pytest.fixture(autouse=True)
def _test_clock() -> Iterator[None]:
    """The portal's clock runs on from the chosen moment during each test."""
    timeutil.set_clock(test_start_moment(), runs=True)
    yield
    timeutil.set_clock(None)


@pytest.fixture
def clock() -> Callable[..., datetime]:
    """Stop the portal's clock at a moment: ``clock(2026, 9, 30, 21, 0)``
    (``runs=True`` lets it run on from there)."""

    def set_time(*parts: int, runs: bool = False) -> datetime:
        moment = datetime(*parts, tzinfo=timeutil.LOCAL_TZ)
        timeutil.set_clock(moment, runs=runs)
        return moment

    return set_time


@contextmanager
def scratch_database(name: str) -> Iterator[str]:
    """A new, empty database: a SQLite file under /tmp, or one on the PostgreSQL
    server of ``PORTAL_TEST_DATABASE_URL`` (dropped afterwards)."""
    base = _postgres_url()
    if base is None:
        with tempfile.TemporaryDirectory(prefix="portal-test-") as folder:
            yield f"sqlite:///{Path(folder) / (name + '.db')}"
        return
    url = make_url(base).set(drivername="postgresql+psycopg")
    name = re.sub(r"[^a-z0-9_]", "_", name.lower())
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def database_url(worker_id: str) -> Iterator[str]:
    """The database this xdist worker's tests share (tables emptied after each test)."""
    with scratch_database(f"portal_test_{worker_id}") as url:
        yield url


def make_test_config(database_url: str, **overrides: object) -> dict[str, object]:
    config: dict[str, object] = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "SEND_FILE_MAX_AGE_DEFAULT": 0,
    }
    config.update(overrides)
    return config


@pytest.fixture(scope="session")
def _schema(database_url: str) -> None:
    app = create_app(make_test_config(database_url))
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.engine.dispose()


def _tables_with_rows() -> list[Any]:
    """The tables that hold at least one row, parents first (one query)."""
    tables = db.metadata.sorted_tables
    probe = " UNION ALL ".join(
        f"SELECT {index} FROM (SELECT 1 FROM \"{table.name}\" LIMIT 1) AS t{index}"
        for index, table in enumerate(tables)
    )
    return [tables[index] for index in sorted(row[0] for row in db.session.execute(text(probe)))]


_superuser: dict[str, bool] = {}  # per database URL: asked once per worker, not in every teardown


def _skip_foreign_key_checks() -> None:
    """On PostgreSQL, as a superuser (the throwaway server of scripts/with-postgres),
    this transaction does not fire triggers, foreign-key checks included: emptying
    and restoring the demo building's tables drop from about 1.2 s to 0.3 s a test.
    Both only ever produce states the checks allowed before."""
    if db.engine.dialect.name != "postgresql":
        return
    url = str(db.engine.url)
    if url not in _superuser:
        _superuser[url] = db.session.scalar(text("SELECT current_setting('is_superuser')")) == "on"
    if _superuser[url]:
        db.session.execute(text("SET LOCAL session_replication_role = replica"))


def _empty_all_tables() -> None:
    """Delete the rows the test left, children first. Most tests touch a few of
    the ~100 tables, so only those are emptied (TRUNCATE of every table costs
    PostgreSQL a new file per table: 0.12 s a test). Sequences are restarted
    as well, so ids start at 1 in every test on both databases."""
    _skip_foreign_key_checks()
    for table in reversed(_tables_with_rows()):
        db.session.execute(table.delete())
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text(
            "SELECT setval(format('%I.%I', schemaname, sequencename)::regclass, 1, false)"
            " FROM pg_sequences WHERE schemaname = current_schema() AND last_value IS NOT NULL"
        ))
    db.session.commit()


class PortalTestClient(FlaskClient):
    """Runs each request in its own app context, as a real server does.

    The ``app`` fixture keeps an app context open so tests can use
    ``db.session`` directly; without this, requests would share its ``g`` (and
    the cached user and locale) and its database session. The test's pending
    work is committed first, so the request sees it, and the test's objects are
    expired, so it sees what the request did.
    """

    def open(self, *args, **kwargs):  # type: ignore[override]
        db.session.commit()
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def app_config() -> dict[str, object]:
    """Override in a test module (or parametrize) to change settings."""
    return {}


@pytest.fixture
def app(database_url: str, _schema: None, app_config: dict[str, object]) -> Iterator[Flask]:
    app = create_app(make_test_config(database_url, **app_config))
    app.test_client_class = PortalTestClient
    with app.app_context():
        yield app
        db.session.remove()
        _empty_all_tables()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def areas_on_record(app: Flask) -> Callable[..., None]:
    """``areas_on_record("building")``: those areas and the header's get a data version, as in
    a building in use (an area never written is never cached, so no page would be kept)."""
    from portal.blueprints import header_areas
    from portal.cache import bump

    def record(*areas: str) -> None:
        bump(db.session.connection(), (*areas, *header_areas()))
        db.session.commit()

    return record


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


class QueryCounter:
    """The statements of a ``count_queries`` block as they are sent, transaction control (BEGIN, COMMIT…) left out."""

    def __init__(self, sent: list[str]) -> None:
        self._sent = sent

    @property
    def statements(self) -> list[str]:
        return [s for s in self._sent if not s.lstrip().upper().startswith(
            ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "PRAGMA"))]

    @property
    def count(self) -> int:
        return len(self.statements)


@contextmanager
def sql_statements() -> Iterator[list[str]]:
    """Every statement sent to the database inside the block, through the ORM or not
    (the data versions are read outside it: portal.cache.tokens_read), in order."""
    from sqlalchemy import event

    from portal.cache import tokens_read

    statements: list[str] = []

    def sent(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    def read_alone(statement: str) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", sent)
    tokens_read.connect(read_alone)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", sent)
        tokens_read.disconnect(read_alone)


@pytest.fixture
def count_queries(app: Flask) -> Callable[[], Any]:
    """``with count_queries() as queries: client.get(...)``; then ``queries.count``."""

    @contextmanager
    def counting() -> Iterator[QueryCounter]:
        with sql_statements() as sent:
            yield QueryCounter(sent)

    return counting


@pytest.fixture
def make_user(app: Flask) -> Callable[..., User]:
    """Factory: ``make_user(roles=[Role.EMPLOYEE], username=..., password=...)``."""
    from portal.blueprints.auth.services import create_user

    counter = iter(range(1, 10_000))

    def factory(roles: list[Role] | tuple[Role, ...] = (Role.EMPLOYEE,), **overrides: object) -> User:
        n = next(counter)
        password = overrides.pop("password", DEMO_PASSWORD)
        user = create_user(
            str(overrides.pop("username", f"user{n}")),
            str(overrides.pop("display_name", f"测试用户{n}")),
            password,  # type: ignore[arg-type]
            roles,
            hash_method=app.config["PASSWORD_HASH_METHOD"],
        )
        for key, value in overrides.items():
            setattr(user, key, value)
        db.session.commit()
        return user

    return factory


class AuthActions:
    def __init__(self, client: FlaskClient) -> None:
        self._client = client

    def login(self, username: str, password: str = DEMO_PASSWORD, next: str | None = None):
        url = "/login" + (f"?next={next}" if next else "")
        return self._client.post(url, data={"username": username, "password": password})

    def login_as(self, user: User) -> None:
        """Log in without the form (fast): what Flask-Login stores after a login."""
        with self._client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)


@pytest.fixture
def login_as_role(make_user: Callable[..., User], auth: AuthActions) -> Callable[[str], User | None]:
    """Log the client in as a fresh account holding ``role`` (a ``Role`` value), or stay anonymous."""

    def login(role: str) -> User | None:
        if role == "anonymous":
            return None
        roles = [Role(role)]
        if role in {"unit_admin", "logistics_admin"}:
            roles.append(Role.EMPLOYEE)
        user = make_user(roles=roles, username=f"as_{role}")
        auth.login_as(user)
        return user

    return login


def _database_is_empty() -> bool:
    return not _tables_with_rows()


class DemoSnapshots:
    """Copies of the seeded demo building, kept by one worker for its later tests.

    SQLite: the database file, copied with SQLite's backup API. PostgreSQL: each
    table copied into a schema of the worker's database, and copied back with
    INSERT … SELECT; the id sequences are then moved past the copied ids."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.taken: dict[tuple[object, ...], tuple[str, datetime]] = {}

    def take(self, key: tuple[object, ...], seeded_until: datetime) -> None:
        name = f"demo_snapshot_{len(self.taken)}"
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text(f'CREATE SCHEMA "{name}"'))
            for table in db.metadata.sorted_tables:
                db.session.execute(text(f'CREATE TABLE "{name}"."{table.name}" AS SELECT * FROM "{table.name}"'))
            db.session.commit()
        else:
            with db.engine.connect() as conn, closing(sqlite3.connect(self.folder / f"{name}.db")) as copy:
                conn.connection.driver_connection.backup(copy)
        self.taken[key] = (name, seeded_until)

    def restore(self, key: tuple[object, ...]) -> None:
        from portal.cache import DataVersion, bump

        name, seeded_until = self.taken[key]
        if db.engine.dialect.name == "postgresql":
            _skip_foreign_key_checks()
            statements = []
            for table in db.metadata.sorted_tables:
                statements.append(f'INSERT INTO "{table.name}" SELECT * FROM "{name}"."{table.name}"')
                column = table.autoincrement_column
                if column is not None:
                    statements.append(
                        f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', '{column.name}'), "
                        f'COALESCE(MAX("{column.name}"), 1), MAX("{column.name}") IS NOT NULL) FROM "{table.name}"'
                    )
            db.session.connection().exec_driver_sql(";\n".join(statements))  # one round trip
        else:
            db.session.remove()
            with db.engine.connect() as conn, closing(sqlite3.connect(self.folder / f"{name}.db")) as copy:
                copy.backup(conn.connection.driver_connection)
        # New data-version tokens, as a fresh seeding would make: the process's page cache
        # must not serve what an earlier test built under the snapshot's tokens.
        bump(db.session.connection(), db.session.scalars(db.select(DataVersion.name)).all())
        db.session.commit()
        # The clock stands where it would after seeding: no demo record is dated after "now".
        if timeutil.now() < seeded_until:
            timeutil.set_clock(seeded_until, runs=True)


@pytest.fixture(scope="session")
def demo_snapshots(tmp_path_factory: pytest.TempPathFactory) -> DemoSnapshots:
    return DemoSnapshots(tmp_path_factory.mktemp("demo"))


@pytest.fixture
def demo(app: Flask, app_config: dict[str, object], demo_snapshots: DemoSnapshots) -> dict[str, User]:
    """The demo building with every capability's demo data; returns the role accounts.

    Seeding takes seconds and hundreds of tests use it: a worker seeds once per
    starting hour and configuration and copies the result into later tests'
    empty database (a test that wrote data first gets a real seeding on top)."""
    from portal.demo import seed_demo

    key = (timeutil.now().replace(minute=0, second=0, microsecond=0), repr(sorted(app_config.items())))
    empty = _database_is_empty()
    if empty and key in demo_snapshots.taken:
        demo_snapshots.restore(key)
    else:
        seed_demo(DEMO_PASSWORD, hash_method=app.config["PASSWORD_HASH_METHOD"], reset_passwords=True)
        if empty:
            demo_snapshots.take(key, timeutil.now())
    users = {u.username: u for u in db.session.scalars(db.select(User).where(User.username.in_(ROLE_ACCOUNTS.values())))}
    return {role: users[name] for role, name in ROLE_ACCOUNTS.items()}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    def __init__(self, app: Flask, **options: Any) -> None:
        """``options`` are waitress's (default: 8 threads)."""
        from waitress.server import create_server

        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server = create_server(app, host="127.0.0.1", port=self.port, **({"threads": 8} | options))
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def start(self) -> LiveServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        # The serving thread notices the flag within one short poll and closes the
        # sockets itself: closing them from here races its select() (EBADF), and
        # waking it through waitress's trigger fails if that pipe has been closed.
        self._stopping.set()
        self._thread.join(timeout=5)
        self._server.task_dispatcher.shutdown()
        assert not self._thread.is_alive(), "the live server did not stop"

    def _serve(self) -> None:
        from waitress import wasyncore

        channels = self._server._map
        try:
            while not self._stopping.is_set():
                wasyncore.loop(timeout=0.05, map=channels, count=1)
        finally:
            for channel in list(channels.values()):
                if channel is not self._server and channel is not self._server.trigger:
                    channel.close()
            self._server.close()  # the listening socket and the trigger


@pytest.fixture
def live_server(app: Flask) -> Iterator[LiveServer]:
    """The test app served by waitress on a free loopback port."""
    server = LiveServer(app).start()
    yield server
    server.stop()


CHROMIUM = Path(os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright; never a downloaded browser."""
    if not CHROMIUM.exists():
        if os.environ.get("PORTAL_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} is missing; install Debian's chromium package")
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import expect, sync_playwright

    # An assertion waits up to 15 s (Playwright's default is 5): two workers, each with a browser,
    # a server and PostgreSQL, share two cores, and a page sent by a click can take longer than 5 s.
    expect.set_options(timeout=15_000)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(params=[True, False], ids=["js", "nojs"])
def page(request: pytest.FixtureRequest, browser):
    """A fresh browser page, once with JavaScript on and once with it off.

    A script error or anything the Content-Security-Policy refuses fails the
    test: both would go unseen by assertions on the page's text.
    """
    context = browser.new_context(java_script_enabled=request.param, locale="zh-CN")
    page = context.new_page()
    page.js_enabled = request.param  # type: ignore[attr-defined]
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on("console", lambda message: problems.append(f"refused by the CSP: {message.text}")
            if message.type == "error" and "Content Security Policy" in message.text else None)
    yield page
    context.close()
    assert not problems, "\n".join(problems)


def log_in(page, base: str, username: str, password: str = DEMO_PASSWORD) -> None:
    """Log a browser page in through the login form."""
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button.primary")
    page.wait_for_selector("header .link-button")


def log_out(page) -> None:
    page.click("header .link-button")
    page.wait_for_selector("a[href^='/login']")
