"""Data versions, and the per-process cache of what hot pages build from them.

A *data version* is a token per area of data (``"rooms"``, ``"shuttle"`` …) kept
in the ``data_version`` table. Each capability names the models of its areas
with :func:`watch`; whenever a flush adds, changes or deletes one of them, or an
ORM bulk INSERT/UPDATE/DELETE targets one, the area gets a new token in the same
transaction, so every process sees the change when it is committed.

:func:`cached` returns what ``build()`` made for a key under the areas' current
tokens, at the cost of one query per request when it is cached. The tokens are read
before ``build()`` reads the data, so an entry may hold data newer than its
tokens, never older. An area without a token (data written only by raw SQL) is
never cached; a time limit bounds how long data changed outside the portal's
ORM can be served.

:func:`kept_page` keeps whole pages the same way: one for all visitors who have
not logged in, and, where a view says so, one per signed-in user's session.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import wraps
from typing import Any, TypeVar

from blinker import Namespace
from flask import Response, current_app, has_request_context, make_response, request, session
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy import Engine, String, event, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column

from portal import timeutil
from portal.db import db
from portal.extensions import login_manager

T = TypeVar("T")

# The area of the accounts and their roles (``portal.models`` watches them).
ACCOUNTS = "accounts"


class DataVersion(db.Model):
    __tablename__ = "data_version"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    token: Mapped[str] = mapped_column(String(32))

    def __repr__(self) -> str:
        return f"<DataVersion {self.name}={self.token}>"


class _Build:
    """One key being built: the threads that missed it take turns, the first builds."""

    __slots__ = ("lock", "threads")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.threads = 0


class LocalCache:
    """A small least-recently-used map whose entries also expire, per process."""

    def __init__(self, size: int = 512, seconds: float = 60.0) -> None:
        self.size, self.seconds = size, seconds
        self._entries: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._builds: dict[Hashable, _Build] = {}

    def get_or_build(self, key: Hashable, build: Callable[[], T], now: float) -> T:
        """The entry for ``key``, or ``build()``'s value, kept. Threads that miss the same key
        together wait for the first one's build instead of each building it (when facts expire
        or a worker starts, a worker's threads would otherwise read and hold the same data at
        once); if that build fails, the next one builds. A build may wait for another key's (a
        drawing for its facts), never for one whose build waits for it: facts are read from data."""
        value = self.get(key, now)
        if value is not None:
            return value
        with self._lock:
            turn = self._builds.get(key)
            if turn is None:
                turn = self._builds[key] = _Build()
            turn.threads += 1
        try:
            with turn.lock:
                value = self.get(key, now)
                if value is None:
                    value = build()
                    self.put(key, value, now)
                return value
        finally:
            with self._lock:
                turn.threads -= 1
                if not turn.threads:
                    del self._builds[key]

    def get(self, key: Hashable, now: float) -> Any | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            stored_at, value = entry
            if now - stored_at > self.seconds:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return value

    def put(self, key: Hashable, value: Any, now: float) -> None:
        with self._lock:
            self._entries[key] = (now, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


# ---------------------------------------------------------------- which models make up an area

_areas_of: dict[type, frozenset[str]] = {}


def watch(area: str, *models: type) -> None:
    """Changes to any of ``models`` give ``area`` a new version."""
    for model in models:
        _areas_of[model] = _areas_of.get(model, frozenset()) | {area}


def areas_changed_by(session: Session) -> set[str]:
    areas: set[str] = set()
    for obj in (*session.new, *session.deleted):
        areas |= _areas_of.get(type(obj), frozenset())
    for obj in session.dirty:
        touched = _areas_of.get(type(obj))
        if touched and not touched <= areas and session.is_modified(obj, include_collections=False):
            areas |= touched
    return areas


def bump(connection: Any, areas: Iterable[str]) -> None:
    """Give ``areas`` new tokens (in sorted order, so that concurrent writers lock
    the rows in one order)."""
    if has_request_context():
        request.__dict__.pop("_portal_tokens", None)
    dialect = connection.dialect.name
    for area in sorted(areas):
        token = secrets.token_hex(8)
        if dialect in {"sqlite", "postgresql"}:
            insert = sqlite_insert if dialect == "sqlite" else postgresql_insert
            statement = insert(DataVersion.__table__).values(name=area, token=token)
            connection.execute(statement.on_conflict_do_update(index_elements=["name"], set_={"token": token}))
        else:
            table = DataVersion.__table__
            if connection.execute(update(table).where(table.c.name == area).values(token=token)).rowcount == 0:
                connection.execute(table.insert().values(name=area, token=token))


@event.listens_for(Session, "after_flush")
def _bump_after_flush(session: Session, flush_context: Any) -> None:
    areas = areas_changed_by(session)
    if areas:
        bump(session.connection(), areas)


@event.listens_for(Session, "do_orm_execute")
def _bump_for_bulk_statements(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete) or state.bind_mapper is None:
        return
    areas = _areas_of.get(state.bind_mapper.class_)
    if areas:
        bump(state.session.connection(), areas)


# ---------------------------------------------------------------- reading through the cache

_cache = LocalCache(size=1024, seconds=300.0)

# Every map of drawn blocks and pages: ``_cache``, ``_pages`` and those capabilities keep of their own
# (:func:`drawing_store`). What is missed when a page is drawn for another date or filter.
_drawing_stores: list[LocalCache] = [_cache]


def drawing_store(size: int, seconds: float) -> LocalCache:
    """A capability's own map of drawings (say, charts by their figures), counted with the drawing cache."""
    store = LocalCache(size=size, seconds=seconds)
    _drawing_stores.append(store)
    return store


def forget_with_drawings(store: Any) -> None:
    """A capability's own memo of what its drawings work out (anything with ``clear()``): emptied with them."""
    _drawing_stores.append(store)


def forget_drawings() -> None:
    """Empty every drawing and kept page, not the facts (:func:`cached_facts`): the state a request for
    another date or filter finds. For the benchmark's cold requests and for tests."""
    for store in _drawing_stores:
        store.clear()


_ALL_TOKENS = select(DataVersion.__table__.c.name, DataVersion.__table__.c.token)
_ALL_TOKENS_SQL = f"SELECT name, token FROM {DataVersion.__tablename__}"

# Sent with the statement whenever the tokens are read outside the ORM (for tests that count queries).
tokens_read = Namespace().signal("tokens-read")


def _all_tokens() -> dict[str, str]:
    """Every area's token: the table has a row per area (a few dozen), and one plain
    SELECT of all of them costs a third of a filtered ORM query. Kept on the request,
    so the blocks of one page share one read; a write in the request forgets it.

    Before the request's session has begun a transaction (a kept page's lookup, the
    first block of a page) the SELECT runs alone on a pooled connection: it is then
    a tenth of a millisecond instead of most of one, as the session's transaction
    (BEGIN, ROLLBACK, its bookkeeping) is not started for a page served again. The
    data read after it is as new or newer, as before. Inside a transaction the read
    goes through it, so that the request sees its own writes' tokens."""
    memo = request.__dict__.get("_portal_tokens") if has_request_context() else None
    if memo is None:
        session = db.session()
        if session.in_transaction():
            memo = {name: token for name, token in session.connection().execute(_ALL_TOKENS)}
        else:
            # read just before the request by VisitorPages, when its page was out of date (once: a write forgets it)
            memo = request.environ.pop(_TOKENS_READ, None) if has_request_context() else None
            if memo is None:
                memo = _read_tokens_alone()
        if has_request_context():
            request.__dict__["_portal_tokens"] = memo
    return memo


def _read_tokens_alone(engine: Engine | None = None) -> dict[str, str]:
    connection = (engine or db.engine).raw_connection()  # back to the pool on close, which ends what the driver began
    try:
        cursor = connection.cursor()
        try:
            if tokens_read.receivers:
                tokens_read.send(_ALL_TOKENS_SQL)
            cursor.execute(_ALL_TOKENS_SQL)
            return {name: token for name, token in cursor.fetchall()}
        finally:
            cursor.close()
    finally:
        connection.close()


def read_tokens(areas: Iterable[str]) -> dict[str, str]:
    """The current tokens of ``areas`` (one query per request); areas never written are missing."""
    tokens = _all_tokens()
    return {area: tokens[area] for area in areas if area in tokens}


def cached(
    areas: tuple[str, ...], key: Hashable, build: Callable[[], T], *, tokens: Mapping[str, str] | None = None
) -> T:
    """``build()``, or what it returned before for ``key`` while ``areas`` are unchanged.

    ``key`` must hold everything else the result depends on: the language, the
    viewer, the day, the time where it shows. Cache plain values (text,
    dataclasses), never ORM objects: they belong to one session. ``tokens``
    from one :func:`read_tokens` call may serve several blocks of a page.
    """
    return _read_through(_cache, areas, key, build, tokens)


# What drawings are made from (a timetable, a register's rows, ten years' sums by month), apart from
# the drawings themselves: a block drawn for another date, filter or language finds its facts here.
_facts = LocalCache(size=256, seconds=300.0)


def cached_facts(
    areas: tuple[str, ...], key: Hashable, build: Callable[[], T], *, tokens: Mapping[str, str] | None = None
) -> T:
    """Like :func:`cached`, for the facts a page's blocks are drawn from, which every
    date, filter and language of the page shares: ``key`` names the facts, never the
    request (what depends on the date or filter is drawn, and cached with
    :func:`cached`). Kept in their own map, so that missing a drawing does not mean
    reading the data again."""
    return _read_through(_facts, areas, key, build, tokens)


def _read_through(
    store: LocalCache, areas: tuple[str, ...], key: Hashable, build: Callable[[], T], tokens: Mapping[str, str] | None
) -> T:
    if tokens is None:
        tokens = read_tokens(areas)
    if any(area not in tokens for area in areas):
        return build()
    return store.get_or_build((areas, tuple(tokens[area] for area in areas), key), build, time.monotonic())


# ---------------------------------------------------------------- whole pages, served again while nothing in them changed


@dataclass(frozen=True)
class StoredResponse:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


# Whole pages have their own, smaller map: query strings are endless, and pages
# must not push the hot blocks out of ``_cache`` nor grow a worker past its memory
# budget (128 pages of at most some tens of KB: the hot ones of a worker).
_pages = LocalCache(size=128, seconds=300.0)
_drawing_stores.append(_pages)

# Headers that tell htmx's kinds of request apart: the same URL answers each with other markup.
_REQUEST_KINDS = ("HX-Request", "HX-Boosted", "HX-History-Restore-Request", "HX-Target")


def _viewer(signed_in: bool) -> tuple[Hashable, ...] | None:
    """Who a page is drawn for, as far as it can differ between viewers; None: draw
    it afresh and do not keep it. Read from the session alone: a page served again
    needs no account loaded.

    A visitor with no session (and no remember-me cookie) sees what every such
    visitor sees. A signed-in user is known by the session's account id, which
    holds the account's session version, and the session's CSRF token, so a page
    is never served to another account nor to another browser of the same one; the
    ``"accounts"`` area's token (watched with every page for users) stands for the
    account's columns and roles. A flashed message waiting in the session is shown
    by a fresh page, as is a session Flask-Login would mark as no longer fresh."""
    if request.method != "GET":
        return None
    if not session:
        remember = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
        return None if remember in request.cookies else ("visitor",)
    account = session.get("_user_id")
    if not signed_in or account is None or "_flashes" in session or "csrf_token" not in session:
        return None
    if session.get("_fresh") is not False and session.get("_id") != login_manager._session_identifier_generator():
        return None
    return ("user", account, session["csrf_token"])


def session_account_id() -> int | None:
    """The id of the account the session names, read without loading it: for a
    kept page's own ``version`` of a viewer's data. Whether the session is still
    good is the access check's to say when the page is drawn; a page is kept only
    for the account the view loaded."""
    account, _dot, _version = str(session.get("_user_id") or "").partition(".")
    return int(account) if account.isdigit() else None


def _drawn_for(account: str) -> bool:
    """The view loaded the session's account (not a stale one, nor none)."""
    return current_user.is_authenticated and current_user.get_id() == account


def kept_page(
    areas: tuple[str, ...] | Callable[[], tuple[str, ...]],
    *,
    per: timedelta = timedelta(minutes=1),
    version: Callable[[], str | None] | None = None,
    signed_in: bool = False,
):
    """Serve a GET the page drawn for the same viewer before, while ``areas`` are
    unchanged, within the same ``per`` of the clock, for the same URL, language and
    kind of htmx request. ``version`` adds a capability's own token for data it
    versions itself (None: do not keep the page).

    Visitors who have not logged in all share one page. With ``signed_in``, a
    signed-in user is also served their own page again (see :func:`_viewer`); the
    header's areas (``Capability.header_areas``) and the accounts are then watched
    too, and ``areas`` must name everything the view reads for that user. Put it
    above the view's access check: a hit is the page that check let this session
    see, while its account is unchanged. A response that is not a plain 200, sets a
    cookie or changes the session is not kept, nor a page drawn for another account
    than the session names."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            viewer = _viewer(signed_in)
            if viewer is None:
                return view(*args, **kwargs)
            watched = areas() if callable(areas) else areas
            if viewer[0] == "user":
                from portal.blueprints import header_areas

                watched = tuple(sorted(set(watched).union(header_areas(), (ACCOUNTS,))))
            tokens = read_tokens(watched)
            own = version() if version is not None else ""
            if own is None or any(area not in tokens for area in watched):
                return view(*args, **kwargs)
            moment = timeutil.floor_to(timeutil.now(), per)
            kind = tuple(request.headers.get(header) for header in _REQUEST_KINDS)
            key = ("page", watched, tuple(tokens[a] for a in watched), own, request.full_path, str(get_locale()),
                   kind, moment, viewer)
            clock = time.monotonic()
            stored = _pages.get(key, clock)
            if stored is None:
                response = make_response(view(*args, **kwargs))
                if (response.status_code != 200 or response.is_streamed or "Set-Cookie" in response.headers
                        or session.modified or (viewer[0] == "visitor" and session)
                        or (viewer[0] == "user" and not _drawn_for(viewer[1]))):
                    return response
                stored = StoredResponse(200, tuple(response.headers.items()), response.get_data())
                _pages.put(key, stored, clock)
            else:
                response = Response(stored.body, stored.status, list(stored.headers))
            if viewer[0] == "visitor" and version is None:
                request.environ[_KEPT_FOR_VISITORS] = (watched, key[2], per, moment)
            return response

        return wrapped

    return decorator


# ---------------------------------------------------------------- visitors' kept pages, before the app

_KEPT_FOR_VISITORS = "portal.kept_for_visitors"  # kept_page's word to VisitorPages: (areas, tokens, per, moment)
_TOKENS_READ = "portal.tokens_read"  # VisitorPages' read of the tokens, handed to the request it could not answer

# What a visitor's page may vary on: the language asked for, the encodings accepted and htmx's kinds of request.
_VISITOR_HEADERS = ("HTTP_ACCEPT_LANGUAGE", "HTTP_ACCEPT_ENCODING",
                    *(f"HTTP_{name.upper().replace('-', '_')}" for name in _REQUEST_KINDS))
_MAY_VARY = frozenset({"cookie", "accept-language", "accept-encoding", *(name.lower() for name in _REQUEST_KINDS)})


@dataclass(frozen=True, slots=True)
class _VisitorPage:
    areas: tuple[str, ...]
    tokens: tuple[str, ...]
    per: timedelta
    moment: datetime
    status: str
    headers: tuple[tuple[str, str], ...]
    body: bytes


class VisitorPages:
    """The visitors' pages :func:`kept_page` keeps, answered before Flask runs.

    A GET with no cookie at all, or the language cookie alone naming a language the
    portal has (nothing else in the header, not even a comma-joined second cookie), comes from a visitor
    without a session, and every such visitor is shown the same page (in the language
    chosen): it is answered with the bytes the portal sent for the same URL, the same
    cookie and the same values of the headers a page may vary on, while the
    page's areas keep their tokens and within the same period of the clock, as a
    shared cache in front of the portal would (one read of the tokens, no request,
    session or locale machinery). Only what :func:`kept_page` kept for visitors is
    kept here, and only a plain 200 that sets no cookie, may be stored by any cache
    and varies on nothing else; every other request goes to the app."""

    def __init__(self, wsgi_app: Callable[..., Any], engine: Engine, language_cookies: Iterable[str] = ()) -> None:
        self.wsgi_app = wsgi_app
        self.engine = engine
        self._language_cookies = frozenset(language_cookies)  # whole Cookie headers: "portal_lang=en", …
        self._store = LocalCache(size=128, seconds=300.0)
        _drawing_stores.append(self._store)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        cookie = environ.get("HTTP_COOKIE")
        if environ.get("REQUEST_METHOD") != "GET" or not (cookie is None or cookie in self._language_cookies):
            return self.wsgi_app(environ, start_response)
        key = (environ.get("SCRIPT_NAME", ""), environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""),
               cookie, *map(environ.get, _VISITOR_HEADERS))
        page = self._store.get(key, time.monotonic())
        if page is not None and self._current(page, environ):
            start_response(page.status, list(page.headers))
            return [page.body]
        sent: list[Any] = []

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            sent[:] = (status, headers)
            return start_response(status, headers, exc_info)

        body = self.wsgi_app(environ, start)
        kept = environ.get(_KEPT_FOR_VISITORS)
        if kept is None or not sent or not _storable(*sent):
            return body
        try:
            data = b"".join(body)
        finally:
            if hasattr(body, "close"):
                body.close()
        self._store.put(key, _VisitorPage(*kept, sent[0], tuple(sent[1]), data), time.monotonic())
        return [data]

    def _current(self, page: _VisitorPage, environ: dict[str, Any]) -> bool:
        if timeutil.floor_to(timeutil.now(), page.per) != page.moment:
            return False
        tokens = environ[_TOKENS_READ] = _read_tokens_alone(self.engine)  # the app's, if the page is out of date
        return tuple(tokens.get(area) for area in page.areas) == page.tokens


def _storable(status: str, headers: list[tuple[str, str]]) -> bool:
    if not status.startswith("200 "):
        return False
    for name, value in headers:
        name = name.lower()
        if name == "set-cookie":
            return False
        if name == "cache-control" and ("no-store" in value or "private" in value):
            return False
        if name == "vary" and not {part.strip().lower() for part in value.split(",")} <= _MAY_VARY:
            return False
    return True
