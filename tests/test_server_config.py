"""Issue 21: the production server uses every core, with documented limits, and
the demo script, the README and the benchmark all use that one configuration."""

from __future__ import annotations

import gc
import os
import runpy
from pathlib import Path

from portal.config import gunicorn_settings

ROOT = Path(__file__).resolve().parent.parent


def test_gunicorn_runs_a_process_per_core_with_threads_and_limits(monkeypatch):
    monkeypatch.delenv("PORTAL_WORKERS", raising=False)
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert settings["workers"] == (os.cpu_count() or 1)
    assert settings["worker_class"] == "gthread" and settings["threads"] >= 2
    for name in ("timeout", "graceful_timeout", "keepalive", "worker_connections", "max_requests", "backlog"):
        assert settings[name] == gunicorn_settings()[name] and settings[name] > 0


def test_workers_can_be_set_for_a_bigger_or_smaller_server(monkeypatch):
    monkeypatch.setenv("PORTAL_WORKERS", "3")
    monkeypatch.setenv("PORTAL_BIND", "127.0.0.1:9000")
    assert gunicorn_settings()["workers"] == 3
    assert gunicorn_settings()["bind"] == "127.0.0.1:9000"


def test_demo_readme_and_benchmark_use_the_production_configuration():
    command = "gunicorn -c gunicorn.conf.py"
    assert command in (ROOT / "scripts" / "demo").read_text()
    assert command in (ROOT / "README.md").read_text()
    assert '"gunicorn", "-c", "gunicorn.conf.py"' in (ROOT / "benchmarks" / "run.py").read_text()


def test_a_loaded_worker_sets_what_it_keeps_aside_from_the_garbage_collector():
    from portal.config import GC_YOUNG_THRESHOLD

    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    threshold = gc.get_threshold()
    try:
        settings["post_worker_init"](None)
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == (GC_YOUNG_THRESHOLD, *threshold[1:]) and GC_YOUNG_THRESHOLD > threshold[0]
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)


def test_a_worker_forked_from_the_loaded_app_opens_its_own_database_connections(app):
    """preload_app: the workers fork from one loaded app, and must not share its pooled connections."""
    from types import SimpleNamespace

    from sqlalchemy import text

    from portal.config import settle_worker
    from portal.db import db

    assert gunicorn_settings()["preload_app"] is True
    engine = db.engine
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    inherited = engine.pool
    threshold = gc.get_threshold()
    try:
        settle_worker(SimpleNamespace(wsgi=app))
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
    try:
        assert engine.pool is not inherited  # a new pool: the parent's connections stay the parent's
        with engine.connect() as connection:
            assert connection.execute(text("SELECT 1")).scalar() == 1
    finally:
        inherited.dispose()  # as the parent would close them (here parent and child are one process)


def test_workers_fork_from_an_app_that_has_compiled_its_templates_and_left_the_database(app, client, monkeypatch):
    """when_ready, in the master before any worker forks (portal.warmup): every template compiled and
    each language's catalogs read once there, so a worker's first pages, a recycled worker's too,
    compile nothing; no connection is kept open for the workers to share."""
    from types import SimpleNamespace

    from portal.db import db

    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    master = SimpleNamespace(cfg=SimpleNamespace(preload_app=True), app=SimpleNamespace(wsgi=lambda: app))
    client.get("/")  # a connection in the pool, as after loading the app
    try:
        settings["when_ready"](master)
        assert gc.get_freeze_count() > 0  # set aside in the parent: no worker's collection walks it
    finally:
        gc.unfreeze()
    assert db.engine.pool.checkedin() == 0

    compiled: list[str] = []
    compile_template = app.jinja_env.compile

    def compile_and_note(source, name=None, *args, **kwargs):
        compiled.append(name)
        return compile_template(source, name, *args, **kwargs)

    monkeypatch.setattr(app.jinja_env, "compile", compile_and_note)
    for language in app.config["LANGUAGES"]:
        client.set_cookie(app.config["LANGUAGE_COOKIE"], language)
        for path in ("/", "/login", "/directory/", "/no-such-page"):
            assert client.get(path).status_code in (200, 404)
    assert compiled == []


def test_without_a_preloaded_app_the_master_prepares_nothing(monkeypatch):
    """Without preload_app the master has no app: it must not load one just to warm it up."""
    from types import SimpleNamespace

    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))

    def load() -> None:
        raise AssertionError("the master loaded the app")

    settings["when_ready"](SimpleNamespace(cfg=SimpleNamespace(preload_app=False), app=SimpleNamespace(wsgi=load)))


def test_the_server_starts_when_the_database_cannot_be_read_yet(app, monkeypatch, caplog):
    """At a reboot the database may come up after the portal: the warm-up says so and the server starts;
    workers read what they keep on first use."""
    from types import SimpleNamespace

    from sqlalchemy.exc import OperationalError

    import portal.blueprints
    from portal.capabilities import Capability
    from portal.db import db

    def unreachable() -> None:
        db.session.execute(db.select(1))  # a connection taken from the pool, as a real warm-up would
        raise OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))

    monkeypatch.setattr(portal.blueprints, "capabilities", lambda: (Capability("reads_at_start", warm_up=unreachable),))
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    try:
        settings["when_ready"](SimpleNamespace(cfg=SimpleNamespace(preload_app=True), app=SimpleNamespace(wsgi=lambda: app)))
    finally:
        gc.unfreeze()
    assert "the database could not be read" in caplog.text
    assert db.engine.pool.checkedin() == 0 and db.engine.pool.checkedout() == 0


FRAGMENTED_HEAP = """
import re, sys
def rss_mb():
    return int(re.search(r"VmRSS:\\s+(\\d+)", open("/proc/self/status").read()).group(1)) // 1024
if sys.argv[1] == "worker":
    import runpy
    runpy.run_path("gunicorn.conf.py")["post_worker_init"](None)
big = bytearray(8 << 20)
del big  # glibc would now raise its mmap threshold to 8 MB
before = rss_mb()
blocks = [bytearray(512 << 10) for _ in range(40)]  # 20 MB, as half-megabyte blocks
still_used = blocks[1::2]
del blocks  # every other block freed, between blocks still in use
print(rss_mb() - before - 10)
"""


def test_a_worker_gives_freed_large_blocks_back_to_the_system():
    """glibc's raised mmap threshold kept what a worker's threads freed among blocks
    still in use; a worker fixes it (portal.config.return_large_blocks)."""
    import subprocess
    import sys

    import pytest

    if not sys.platform.startswith("linux") or not os.confstr("CS_GNU_LIBC_VERSION"):
        pytest.skip("glibc's allocator only")

    def kept_mb(role: str) -> int:
        run = subprocess.run([sys.executable, "-c", FRAGMENTED_HEAP, role], cwd=ROOT, capture_output=True, text=True,
                             check=True, env={**os.environ, "GLIBC_TUNABLES": ""})
        return int(run.stdout.split()[-1])

    assert kept_mb("plain") >= 8  # the freed half stays with a plain process
    assert kept_mb("worker") <= 2  # and goes back from a worker
