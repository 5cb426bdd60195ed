"""Settings, read from ``PORTAL_*`` environment variables with safe defaults.

``create_app(config)`` layers a mapping (tests) over the class chosen here.
"""

from __future__ import annotations

import ctypes
import gc
import os
import sys


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


# How the embedded server (waitress) runs: scripts/demo and the README's command
# line pass exactly these (a test checks both and serves with them). waitress's
# default of 100 connections lets a hundred idle keep-alive sockets (or someone
# opening them on purpose) stop it answering; idle ones are closed sooner, too.
WAITRESS_OPTIONS = {"threads": 8, "connection_limit": 500, "channel_timeout": 30}


def waitress_arguments() -> str:
    """``--threads 8 --connection-limit 500 --channel-timeout 30``."""
    return " ".join(f"--{key.replace('_', '-')} {value}" for key, value in WAITRESS_OPTIONS.items())


# How the production server (gunicorn, Linux) runs: one process per core, so
# every core serves pages (Python runs one thread at a time per process), each
# with a few threads for requests that wait on the database. gunicorn.conf.py
# reads these; the benchmark serves with exactly that file.
#   workers            one per core (PORTAL_WORKERS overrides; os.cpu_count())
#   threads            4 per worker: 2 cores → 8 requests in progress at once
#   worker_connections 250 per worker: 500 keep-alive connections in all (as waitress)
#   timeout            30 s: a worker stuck longer is replaced (pages answer in ms)
#   graceful_timeout   30 s for requests in progress at a restart
#   keepalive          5 s idle keep-alive before the socket is closed
#   max_requests       a worker is recycled after 200000-300000 requests (weeks of use), a guard against a leak
#                      in a library: the portal's own memory is bounded (its caches have sizes; a worker
#                      levels off at ~134 MB on the ten-year data once every page has been drawn)
#   preload_app        the app is loaded once, before the workers fork: a recycled worker starts in
#                      milliseconds instead of a second and a half of imports on a busy core
#   when_ready         then prepared (portal.warmup): templates compiled, languages and search keys
#                      read, so a recycled worker's first pages are not a second slower than the rest
#   backlog            2048 connections may wait for accept
def gunicorn_settings() -> dict[str, object]:
    workers = _env_int("PORTAL_WORKERS", os.cpu_count() or 1)
    return {
        "bind": os.environ.get("PORTAL_BIND", "127.0.0.1:8000"),
        "workers": max(1, workers),
        "worker_class": "gthread",
        "threads": _env_int("PORTAL_THREADS", 4),
        "worker_connections": 250,
        "timeout": 30,
        "graceful_timeout": 30,
        "keepalive": 5,
        "max_requests": 200000,
        # Evenly loaded workers reach a common limit together: a wide jitter keeps their restarts apart,
        # so one worker serves at full speed while the other starts again.
        "max_requests_jitter": 100000,
        "backlog": 2048,
        "preload_app": True,
        "accesslog": None,
        "when_ready": prepare_workers,
        "post_worker_init": settle_worker,
    }


# Young objects are collected after this many allocations (Python's default is 700):
# a page allocates thousands of short-lived ones, and each collection walks them all.
GC_YOUNG_THRESHOLD = 5000


def prepare_workers(server: object) -> None:
    """In gunicorn's master, once the app is loaded and before any worker forks:
    what every worker would otherwise work out on its first requests (portal.warmup)."""
    from flask import Flask

    from portal.warmup import warm_up

    app = server.app.wsgi() if getattr(server.cfg, "preload_app", False) else None  # type: ignore[attr-defined]
    if isinstance(app, Flask):
        warm_up(app)


# glibc's malloc raises its mmap threshold each time it frees a large block (up to
# 32 MB); from then on blocks of that size come from the heap, and what a thread
# frees among blocks still in use stays with the process. A worker whose four threads
# compress and draw pages side by side kept ~10 MB that way. mallopt(3): setting the
# threshold (here to glibc's own starting value) also ends the raising, so large
# blocks go back to the system when freed.
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD_BYTES = 128 * 1024


def return_large_blocks() -> bool:
    """Fix glibc's mmap threshold for this process; False where there is no glibc
    (Windows, macOS, musl) and nothing to fix."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    return mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES) == 1


def settle_worker(worker: object = None) -> None:
    """Once a worker has forked from the loaded app: the database connections it
    would share with its parent are left to the parent (SQLAlchemy's rule for a
    fork), so it opens its own; what it holds for good (modules, the routes, the
    translations, the pinyin table: some 170,000 objects) is set aside from the
    garbage collector, which would otherwise walk all of it in every full
    collection (about 6 ms each on this hardware, a latency spike every few dozen
    pages); young objects are collected less often; and freed large blocks go back
    to the system (return_large_blocks)."""
    app = getattr(worker, "wsgi", None)
    if hasattr(app, "app_context"):
        from portal.db import db

        with app.app_context():
            for engine in db.engines.values():
                engine.dispose(close=False)
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])
    return_large_blocks()


class Config:
    # None means "SQLite file in the instance folder"; resolved by create_app.
    SQLALCHEMY_DATABASE_URI: str | None = None
    # A server database also gets ``pool_pre_ping`` (create_app): see _finish_config.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    SECRET_KEY: str | None = None

    TIMEZONE = "Asia/Shanghai"
    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = {"zh_CN": "中文", "en": "English"}
    LANGUAGE_COOKIE = "portal_lang"

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = 8 * 3600  # one working day

    WTF_CSRF_TIME_LIMIT = 8 * 3600
    WTF_CSRF_HEADERS = ["X-CSRFToken"]
    FILE_MAX_BYTES = 10 * 1024 * 1024  # an uploaded file (portal.files); PORTAL_FILE_MAX_MB
    MAX_CONTENT_LENGTH = FILE_MAX_BYTES + 1024 * 1024  # the largest file and the form around it

    # PBKDF2-HMAC-SHA256 at 10^6 rounds (OWASP asks for 600,000): about 0.3 s of one
    # core a login and no memory. Werkzeug's scrypt needs 32 MB per hash being
    # checked, so a morning's logins on eight threads would add 256 MB to a worker.
    # Older scrypt hashes still verify and are replaced at the next login.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000000"  # tests use a cheap method
    LOGIN_MAX_FAILURES = 5
    LOGIN_FAILURE_WINDOW_MINUTES = 15
    PROXY_COUNT = 0  # reverse proxies in front (nginx: 1), for the client address

    # Static files are served with a content hash in the URL, so they may be cached for long.
    SEND_FILE_MAX_AGE_DEFAULT = 365 * 24 * 3600
    PAGE_SIZE = 25
    # Where people reach the portal; the one source of absolute URLs (portal.urls).
    BASE_URL: str | None = None

    TESTING = False
    DEBUG = False


class DevelopmentConfig(Config):
    DEBUG = True


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing-only-secret"
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    SEND_FILE_MAX_AGE_DEFAULT = 0


CONFIGS = {
    "production": Config,
    "development": DevelopmentConfig,
    "testing": TestingConfig,
}


def settings_from_environment() -> dict[str, object]:
    """The class chosen by ``PORTAL_ENV`` (default production), then ``PORTAL_*`` variables."""
    config_class = CONFIGS.get(os.environ.get("PORTAL_ENV", "production"), Config)
    settings: dict[str, object] = {k: getattr(config_class, k) for k in dir(config_class) if k.isupper()}
    env = os.environ
    if env.get("PORTAL_DATABASE_URL"):
        settings["SQLALCHEMY_DATABASE_URI"] = env["PORTAL_DATABASE_URL"]
    if env.get("PORTAL_SECRET_KEY"):
        settings["SECRET_KEY"] = env["PORTAL_SECRET_KEY"]
    secure = _env_bool("PORTAL_SECURE_COOKIES", bool(settings["SESSION_COOKIE_SECURE"]))
    settings["SESSION_COOKIE_SECURE"] = settings["REMEMBER_COOKIE_SECURE"] = secure
    if env.get("PORTAL_PASSWORD_HASH_METHOD"):
        settings["PASSWORD_HASH_METHOD"] = env["PORTAL_PASSWORD_HASH_METHOD"]
    settings["LOGIN_MAX_FAILURES"] = _env_int("PORTAL_LOGIN_MAX_FAILURES", int(settings["LOGIN_MAX_FAILURES"]))
    settings["LOGIN_FAILURE_WINDOW_MINUTES"] = _env_int(
        "PORTAL_LOGIN_FAILURE_WINDOW_MINUTES", int(settings["LOGIN_FAILURE_WINDOW_MINUTES"])
    )
    settings["PROXY_COUNT"] = _env_int("PORTAL_PROXY_COUNT", int(settings["PROXY_COUNT"]))
    if env.get("PORTAL_FILE_MAX_MB"):
        settings["FILE_MAX_BYTES"] = _env_int("PORTAL_FILE_MAX_MB", 10) * 1024 * 1024
        settings["MAX_CONTENT_LENGTH"] = int(settings["FILE_MAX_BYTES"]) + 1024 * 1024
    if env.get("PORTAL_BASE_URL"):
        from portal.urls import validate_base_url

        try:
            settings["BASE_URL"] = validate_base_url(env["PORTAL_BASE_URL"])
        except ValueError as error:
            from portal import ConfigurationError

            raise ConfigurationError(f"PORTAL_BASE_URL={env['PORTAL_BASE_URL']!r}: {error}") from None
    return settings
