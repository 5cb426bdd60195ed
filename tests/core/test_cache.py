"""Data versions and the per-process cache built on them (portal.cache)."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from decimal import Decimal

import pytest
from sqlalchemy import delete, insert, select, update

from portal import cache
from portal.cache import DataVersion, LocalCache, bump, cached, cached_facts, read_tokens
from portal.db import db
from portal.models import AuditLog, Building, Floor, Room, RoomKind, Unit


def token(area: str) -> str | None:
    return db.session.scalar(select(DataVersion.token).where(DataVersion.name == area))


def test_adding_changing_and_deleting_a_watched_model_gives_its_area_a_new_token(app):
    assert token("building") is None
    unit = Unit(name="测试局", short_name="测试")
    db.session.add(unit)
    db.session.commit()
    first = token("building")
    assert first is not None

    unit.phone = "0825-5400000"
    db.session.commit()
    second = token("building")
    assert second not in {None, first}

    db.session.delete(unit)
    db.session.commit()
    assert token("building") not in {None, first, second}


def test_unwatched_models_and_unchanged_objects_leave_the_tokens_alone(app):
    unit = Unit(name="测试局")
    db.session.add(unit)
    db.session.commit()
    before = token("building")
    db.session.add(AuditLog(action="test", object_type="test"))
    unit.name = unit.name  # loaded, then set to the same value: no change
    db.session.commit()
    assert token("building") == before
    assert token("rooms") is None


def test_a_rolled_back_change_keeps_the_old_token(app):
    db.session.add(Unit(name="甲局"))
    db.session.commit()
    before = token("building")
    db.session.add(Unit(name="乙局"))
    db.session.flush()
    assert token("building") != before  # inside the transaction
    db.session.rollback()
    assert token("building") == before


def test_orm_bulk_statements_give_a_new_token(app):
    db.session.execute(insert(Building), [{"code": "T", "name": "测试楼", "sort_order": 1, "description": ""}])
    db.session.commit()
    seen = {token("building")}
    db.session.execute(update(Building).values(description="新"))
    db.session.commit()
    seen.add(token("building"))
    db.session.execute(delete(Building))
    db.session.commit()
    seen.add(token("building"))
    assert None not in seen and len(seen) == 3


def test_cached_keeps_a_value_while_its_areas_are_unchanged(app):
    building = Building(code="T", name="测试楼")
    db.session.add(Floor(building=building, level=1, label="1楼"))
    db.session.commit()
    calls = []

    def build():
        calls.append(1)
        return sorted(db.session.scalars(select(Room.number)))

    assert cached(("building",), "rooms", build) == []
    assert cached(("building",), "rooms", build) == []
    assert len(calls) == 1
    assert cached(("building",), "another key", build) == [] and len(calls) == 2

    floor = db.session.scalar(select(Floor))
    db.session.add(Room(floor=floor, number="101", kind=RoomKind.OFFICE, area_m2=Decimal(20)))
    db.session.commit()
    assert cached(("building",), "rooms", build) == ["101"]
    assert len(calls) == 3


def test_facts_outlive_the_drawings_and_follow_their_data(app):
    db.session.add(Unit(name="甲局"))
    db.session.commit()
    calls = []

    def build():
        calls.append(1)
        return sorted(db.session.scalars(select(Unit.name)))

    assert cached_facts(("building",), "units", build) == ["甲局"]
    cache.forget_drawings()  # as for another date or filter
    assert cached_facts(("building",), "units", build) == ["甲局"]
    assert len(calls) == 1
    db.session.add(Unit(name="乙局"))
    db.session.commit()
    assert cached_facts(("building",), "units", build) == ["乙局", "甲局"]
    assert len(calls) == 2


def test_forgetting_the_drawings_empties_every_drawing_store_but_not_the_facts(app):
    db.session.add(Unit(name="甲局"))
    db.session.commit()
    charts = cache.drawing_store(size=4, seconds=60)
    charts.put("chart", "<svg/>", now=0)
    cached(("building",), "block", lambda: "drawn")
    cached_facts(("building",), "facts", lambda: "read")
    cache.forget_drawings()
    assert charts.get("chart", now=1) is None
    assert cached(("building",), "block", lambda: "drawn again") == "drawn again"
    assert cached_facts(("building",), "facts", lambda: "read again") == "read"
    cache._drawing_stores.remove(charts)


def test_an_area_never_written_through_the_orm_is_not_cached(app):
    calls = []
    for _ in range(2):
        cached(("rooms",), "k", lambda: calls.append(1) or "value")
    assert calls == [1, 1]
    assert read_tokens(["rooms"]) == {}


def test_tokens_read_once_serve_several_lookups(app, count_queries):
    db.session.add(Unit(name="甲局"))
    db.session.commit()
    with count_queries() as counter:
        tokens = read_tokens(["building", "calendar"])
        cached(("building",), "a", lambda: "A", tokens=tokens)
        cached(("building",), "b", lambda: "B", tokens=tokens)
    assert counter.count == 1


def test_local_cache_forgets_old_and_least_used_entries():
    cache = LocalCache(size=2, seconds=60)
    cache.put("a", "A", now=0)
    cache.put("b", "B", now=1)
    assert cache.get("a", now=2) == "A"  # a is now the most recently used
    cache.put("c", "C", now=3)
    assert cache.get("b", now=3) is None and cache.get("a", now=3) == "A" and cache.get("c", now=3) == "C"
    assert cache.get("a", now=61) is None  # too old
    assert len(cache) == 1


def _wait_until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, "the other thread never got there"
        time.sleep(0.001)


def _second_waits_for_first(cache: LocalCache, key: str, ask, builds: list, release: threading.Event) -> None:
    """Two threads ``ask`` for ``key``: the first starts the build, the second arrives while
    it is under way and waits for it; then the build is let go and both finish."""
    first = threading.Thread(target=ask)
    first.start()
    _wait_until(lambda: len(builds) == 1)
    second = threading.Thread(target=ask)
    second.start()
    _wait_until(lambda: cache._builds[key].threads == 2)  # the second is waiting for the first's build
    release.set()
    first.join(10)
    second.join(10)


def test_threads_missing_the_same_entry_together_wait_for_one_build():
    cache = LocalCache(size=8, seconds=60)
    release, builds, answers = threading.Event(), [], []

    def build() -> str:
        builds.append(threading.get_ident())
        assert release.wait(10)
        return "facts"

    def ask() -> None:
        answers.append(cache.get_or_build("plan", build, now=1))

    _second_waits_for_first(cache, "plan", ask, builds, release)
    assert answers == ["facts", "facts"] and len(builds) == 1
    assert cache.get("plan", now=2) == "facts" and cache._builds == {}
    assert cache.get_or_build("other", lambda: "another", now=2) == "another"  # another key builds at once


def test_when_the_first_build_fails_the_waiting_thread_builds_and_nothing_is_left_behind():
    cache = LocalCache(size=8, seconds=60)
    release, builds, answers, errors = threading.Event(), [], [], []

    def build() -> str:
        builds.append(1)
        if len(builds) == 1:
            assert release.wait(10)
            raise RuntimeError("the database went away")
        return "facts"

    def ask() -> None:
        try:
            answers.append(cache.get_or_build("plan", build, now=1))
        except RuntimeError as error:
            errors.append(error)

    _second_waits_for_first(cache, "plan", ask, builds, release)
    assert len(errors) == 1 and answers == ["facts"] and len(builds) == 2
    assert cache._builds == {}


# ---------------------------------------------------------------- whole pages for visitors (kept_page)


@pytest.fixture
def versioned_home(app):
    """A building on record and a data version for every area the visitor's home page is drawn from."""
    from portal.blueprints import public_home_areas

    building = Building(code="T", name="测试楼")
    db.session.add(building)
    db.session.flush()
    bump(db.session.connection(), public_home_areas())
    db.session.commit()
    return building


def test_a_visitors_home_page_is_kept_until_its_data_change(client, versioned_home, count_queries):
    first = client.get("/")
    assert first.status_code == 200 and "测试楼" in first.get_data(as_text=True)
    assert "Set-Cookie" not in first.headers
    with count_queries() as counter:
        again = client.get("/")
    assert again.get_data() == first.get_data()
    assert counter.count == 1  # the areas' tokens, nothing else
    assert again.headers["Content-Security-Policy"] and "HX-Request" in again.headers["Vary"]

    versioned_home.name = "综合楼"
    db.session.commit()
    with count_queries() as counter:
        changed = client.get("/").get_data(as_text=True)
    assert "综合楼" in changed and "测试楼" not in changed
    assert counter.count > 1


def test_the_kept_page_is_drawn_again_the_next_minute(client, versioned_home, count_queries, clock):
    clock(2026, 11, 4, 9, 0, 10)
    client.get("/")
    clock(2026, 11, 4, 9, 0, 50)
    with count_queries() as counter:
        client.get("/")
    assert counter.count == 1
    clock(2026, 11, 4, 9, 1, 0)
    with count_queries() as counter:
        client.get("/")
    assert counter.count > 1


def test_each_language_and_kind_of_request_has_its_own_page(client, versioned_home):
    chinese = client.get("/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    english = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'lang="zh' in chinese and 'lang="en"' in english
    assert client.get("/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True) == chinese
    assert client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True) == english


def test_signed_in_users_and_visitors_with_a_session_are_never_served_a_kept_page(
    client, versioned_home, login_as_role, count_queries
):
    visitor_page = client.get("/").get_data(as_text=True)
    user = login_as_role("employee")
    mine = client.get("/").get_data(as_text=True)
    assert user.display_name in mine and mine != visitor_page
    client.post("/logout", data={})
    # Logged out, the session still holds the message saying so: the page is drawn for it.
    with count_queries() as counter:
        after = client.get("/").get_data(as_text=True)
    assert counter.count > 1 and user.display_name not in after


@pytest.fixture
def app_runs(app):
    """How many requests reached Flask (the visitors' kept pages are answered before it)."""
    from flask import request_started

    started = []

    def count(sender, **extra):
        started.append(1)

    request_started.connect(count, app)
    yield started
    request_started.disconnect(count, app)


def test_a_visitors_kept_page_is_answered_before_the_app_with_the_same_bytes(
    client, versioned_home, app_runs, count_queries
):
    first = client.get("/", headers={"Accept-Language": "en"})
    assert len(app_runs) == 1
    with count_queries() as counter:
        again = client.get("/", headers={"Accept-Language": "en"})
    assert len(app_runs) == 1 and counter.count == 1  # the areas' tokens, read before Flask
    assert again.get_data() == first.get_data() and list(again.headers) == list(first.headers)
    client.get("/", headers={"Accept-Language": "zh-CN"})  # another language: its own page, from the app
    client.get("/", headers={"Accept-Language": "en", "HX-Request": "true"})  # another kind of request
    assert len(app_runs) == 3

    versioned_home.name = "综合楼"
    db.session.commit()
    assert "综合楼" in client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert len(app_runs) == 4
    cache.forget_drawings()
    client.get("/", headers={"Accept-Language": "en"})
    assert len(app_runs) == 5


def test_a_request_with_a_cookie_always_reaches_the_app(client, versioned_home, app_runs):
    client.get("/")
    client.set_cookie("lang", "zh_CN")
    client.get("/")
    client.get("/")
    assert len(app_runs) == 3


def test_a_visitor_who_chose_a_language_is_answered_before_the_app_in_it(app, client, versioned_home, app_runs):
    """The language cookie alone is no session: the page kept for that language is answered before
    Flask. With any other cookie beside it (a session, remember-me), the request reaches the app."""
    language = app.config["LANGUAGE_COOKIE"]
    client.set_cookie(language, "en")
    english = client.get("/").get_data(as_text=True)
    assert 'lang="en"' in english and len(app_runs) == 1
    assert client.get("/").get_data(as_text=True) == english and len(app_runs) == 1
    client.set_cookie(language, "zh_CN")
    chinese = client.get("/").get_data(as_text=True)
    assert 'lang="zh' in chinese and len(app_runs) == 2  # the other language: its own page, from the app
    assert client.get("/").get_data(as_text=True) == chinese and len(app_runs) == 2
    client.set_cookie("session", "anything")
    client.get("/")
    client.get("/")
    assert len(app_runs) == 4
    client.delete_cookie("session")
    client.set_cookie(language, "xx")  # not a language the portal has: the app answers, each time
    client.get("/")
    client.get("/")
    assert len(app_runs) == 6


@pytest.mark.parametrize(("status", "headers", "storable"), [
    ("200 OK", [("Vary", "HX-Request, Accept-Language, Cookie")], True),
    ("200 OK", [("Vary", "Accept")], False),
    ("200 OK", [("Set-Cookie", "session=x")], False),
    ("200 OK", [("Cache-Control", "no-store")], False),
    ("302 FOUND", [], False),
])
def test_only_a_plain_page_for_every_visitor_is_kept_before_the_app(status, headers, storable):
    assert cache._storable(status, headers) is storable


def test_an_area_without_a_version_keeps_no_page(client, app, count_queries):
    db.session.add(Building(code="T", name="测试楼"))
    db.session.commit()  # "building" has a token, the other areas of the home page none
    client.get("/")
    with count_queries() as counter:
        client.get("/")
    assert counter.count > 1


# ---------------------------------------------------------------- a signed-in user's own pages (kept_page(signed_in=True))


@pytest.fixture
def kept_for_users(app):
    """A page kept for signed-in users too: the account's name and the buildings' names."""
    from flask import render_template_string
    from flask_login import current_user, login_required

    from portal.cache import kept_page

    @kept_page(("building",), signed_in=True)
    @login_required
    def buildings_for_me():
        names = ", ".join(db.session.scalars(select(Building.name).order_by(Building.code)))
        return render_template_string(
            "{% extends 'base.html' %}{% block content %}<p id=mine>{{ me }}: {{ names }}</p>{% endblock %}",
            me=current_user.display_name, names=names)

    app.add_url_rule("/_test/buildings", "test_buildings", buildings_for_me)
    building = Building(code="T", name="测试楼")
    db.session.add(building)
    db.session.flush()
    from portal.blueprints import header_areas

    bump(db.session.connection(), ("building", *header_areas()))
    db.session.commit()
    return building


def _signed_in_client(app, make_user, name):
    """A session as ``login_user`` leaves it: the account, fresh, and this browser's identifier."""
    from portal.extensions import login_manager

    client = app.test_client()
    user = make_user(display_name=name)
    from importlib.metadata import version

    browser = {"REMOTE_ADDR": "127.0.0.1", "HTTP_USER_AGENT": f"Werkzeug/{version('werkzeug')}"}  # the test client's
    with app.test_request_context(environ_base=browser):
        identifier = login_manager._session_identifier_generator()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
        session["_id"] = identifier
    client.get("/_test/buildings")  # the first page puts the session's CSRF token in it
    return client, user


def test_a_signed_in_users_page_is_kept_for_their_session_until_its_data_change(
    app, kept_for_users, make_user, count_queries
):
    client, user = _signed_in_client(app, make_user, "王芳")
    first = client.get("/_test/buildings")
    assert "王芳: 测试楼" in first.get_data(as_text=True)
    with count_queries() as counter:
        again = client.get("/_test/buildings")
    assert again.get_data() == first.get_data()
    assert counter.count == 1  # the areas' tokens: no account is loaded to serve it again
    assert again.headers["Cache-Control"] == "no-store"

    kept_for_users.name = "综合楼"
    db.session.commit()
    assert "王芳: 综合楼" in client.get("/_test/buildings").get_data(as_text=True)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda user: setattr(user, "active", False), id="deactivated"),
        pytest.param(lambda user: user.end_sessions(), id="sessions-ended"),
    ],
)
def test_an_account_change_ends_the_kept_page(app, kept_for_users, make_user, change):
    client, user = _signed_in_client(app, make_user, "王芳")
    assert client.get("/_test/buildings").status_code == 200
    change(user)
    db.session.commit()
    response = client.get("/_test/buildings")
    assert response.status_code == 303 and "/login" in response.headers["Location"]


def test_a_renamed_account_sees_its_new_name(app, kept_for_users, make_user):
    client, user = _signed_in_client(app, make_user, "王芳")
    assert "王芳: 测试楼" in client.get("/_test/buildings").get_data(as_text=True)
    user.display_name = "王芳芳"
    db.session.commit()
    assert "王芳芳: 测试楼" in client.get("/_test/buildings").get_data(as_text=True)


def test_a_session_seen_from_another_browser_is_drawn_for_flask_login_first(
    app, kept_for_users, make_user, count_queries
):
    """Flask-Login marks a session no longer fresh when it comes from another address
    or browser; serving a kept page would skip that."""
    client, _ = _signed_in_client(app, make_user, "王芳")
    client.get("/_test/buildings")
    with count_queries() as counter:
        client.get("/_test/buildings", headers={"User-Agent": "another browser"})
    assert counter.count > 1
    with client.session_transaction() as session:
        assert session["_fresh"] is False


def test_each_account_and_each_session_has_its_own_page(app, kept_for_users, make_user):
    wang, wang_user = _signed_in_client(app, make_user, "王芳")
    li, _ = _signed_in_client(app, make_user, "李明")
    assert "王芳" in wang.get("/_test/buildings").get_data(as_text=True)
    assert "李明" in li.get("/_test/buildings").get_data(as_text=True)

    # The same account in a second browser: its page carries that browser's CSRF token.
    other_browser = app.test_client()
    with other_browser.session_transaction() as session:
        session["_user_id"] = wang_user.get_id()
        session["_fresh"] = True
    other_browser.get("/_test/buildings")
    with other_browser.session_transaction() as session:
        raw_token = session["csrf_token"]
    page = other_browser.get("/_test/buildings").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    with app.test_request_context():
        from itsdangerous import URLSafeTimedSerializer

        serializer = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token")
        assert serializer.loads(token) == raw_token


def test_a_new_notice_shows_in_the_header_when_the_minute_turns(app, kept_for_users, make_user, clock):
    """Notices have no data area (a version row locked by every event would serialise the
    writes that emit them): a kept page shows a new one at the next minute, as the
    header's own count does when it refreshes itself."""
    from portal import timeutil
    from portal.blueprints.notifications.models import Notification

    clock(2026, 11, 4, 9, 0, 10)
    client, user = _signed_in_client(app, make_user, "王芳")
    assert "inbox-count__number" not in client.get("/_test/buildings").get_data(as_text=True)
    now = timeutil.now()
    db.session.add(Notification(recipient_id=user.id, kind="test", event_key="k", created_at=now, next_attempt_at=now))
    db.session.commit()
    clock(2026, 11, 4, 9, 1, 0)
    assert "inbox-count__number" in client.get("/_test/buildings").get_data(as_text=True)


def test_a_flashed_message_is_shown_by_a_fresh_page(app, kept_for_users, make_user, count_queries):
    client, _ = _signed_in_client(app, make_user, "王芳")
    client.get("/_test/buildings")
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "已保存。")]
    assert "已保存。" in client.get("/_test/buildings").get_data(as_text=True)
    assert "已保存。" not in client.get("/_test/buildings").get_data(as_text=True)


def test_views_keep_no_page_for_signed_in_users_unless_they_say_so(client, versioned_home, login_as_role, count_queries):
    login_as_role("employee")
    client.get("/")
    client.get("/")
    with count_queries() as counter:
        client.get("/")
    assert counter.count > 2
