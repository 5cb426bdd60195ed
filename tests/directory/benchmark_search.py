"""Latency of the search partial on a big directory, measured like the team's
benchmark: waitress with 8 threads, 20 concurrent keep-alive clients.

    /work/main/.venv/bin/python -m tests.directory.benchmark_search [--seconds 10] [--services 3000] [--staff 3000] [--uncached]

Builds a throwaway SQLite database from the migrations: the demo building plus
thousands of services and staff inserted with Core ``insert()`` (as a bulk load
would), so the search keys come from the repair pass, not from the ORM hook.
Not part of the test run: figures depend on the machine.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = 20
QUERIES = ("rsj", "shebao", "305", "3楼", "人社局", "z", "登记", "zhang")


def build(url: str, services: int, staff: int) -> None:
    from flask_migrate import upgrade
    from sqlalchemy import insert, select

    from portal import create_app, timeutil
    from portal.extensions import attach_migrations
    from portal.blueprints.directory.indexing import reconcile_search_keys
    from portal.blueprints.guide.models import GuideItem
    from portal.db import db
    from portal.demo import GIVEN, SURNAMES, seed_demo
    from portal.models import Unit, User

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    attach_migrations(app)
    with app.app_context():
        upgrade(revision="heads")
        seed_demo("benchmark-password", hash_method="pbkdf2:sha256:1000", reset_passwords=True)
        rng = random.Random(2016)
        units = db.session.scalars(select(Unit.id)).all()
        now = timeutil.now()
        words = ("申请", "登记", "变更", "注销", "补办", "备案", "审批", "核发", "查询", "认定", "延续", "年检")
        topics = ("社保", "医保", "不动产", "营业执照", "食品经营", "道路运输", "建设工程", "教师资格", "农机", "婚姻", "低保", "档案")
        services_rows = [
            {"name": f"{rng.choice(topics)}{rng.choice(words)}（{n}）", "category": rng.choice(topics), "unit_id": rng.choice(units),
             "window": "", "materials": ["居民身份证"], "steps": ["申请", "受理", "办结"], "hours": "", "fee_note": "",
             "phone": "", "notes": "", "keywords": "", "created_at": now, "updated_at": now}
            for n in range(services)
        ]
        staff_rows = [
            {"username": f"bulk{n}", "display_name": rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))),
             "unit_id": rng.choice(units), "title": "科员", "phone_ext": str(rng.randrange(5000, 5999)),
             "password_hash": "", "active": True, "created_at": now}
            for n in range(staff)
        ]
        if services_rows:
            db.session.execute(insert(GuideItem), services_rows)
        if staff_rows:
            db.session.execute(insert(User), staff_rows)
        db.session.commit()
        started = time.monotonic()
        added, _ = reconcile_search_keys()
        db.session.commit()
        print(f"repair pass keyed {added} rows in {time.monotonic() - started:.1f}s", file=sys.stderr)
        db.session.execute(db.text("ANALYZE"))
        db.session.commit()
        db.engine.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(conn: http.client.HTTPConnection, path: str, headers: dict[str, str]) -> int:
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    response.read()
    return response.status


def load(port: int, path: str, headers: dict[str, str], seconds: float, uncached: bool = False) -> list[float]:
    latencies: list[float] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds
    counter = iter(range(1, 10**9))

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        while time.monotonic() < stop_at:
            # A page number the view ignores but the result cache keys on: every request misses.
            target = f"{path}&page={next(counter) % 9000 + 2}" if uncached else path
            started = time.perf_counter()
            status = get(conn, target, headers)
            assert status == 200, (path, status)
            mine.append((time.perf_counter() - started) * 1000)
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(latencies)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--services", type=int, default=3000)
    parser.add_argument("--staff", type=int, default=3000)
    parser.add_argument("--queries", nargs="*", default=list(QUERIES))
    parser.add_argument("--uncached", action="store_true", help="defeat the result cache (worst case)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="directory-bench-") as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        build(url, args.services, args.staff)
        port = free_port()
        env = dict(os.environ, PORTAL_DATABASE_URL=url, PORTAL_SECRET_KEY="benchmark-only-secret-key-0123456789")
        server = subprocess.Popen(
            [sys.executable, "-m", "waitress", "--host=127.0.0.1", f"--port={port}", "--threads=8", "--call", "portal:create_app"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                    if get(conn, "/healthz", {}) == 200:
                        break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
            hx = {"HX-Request": "true"}
            print(f"{'query':<10} {'p50 ms':>8} {'p95 ms':>8} {'req/s':>8}")
            for path, label in [("/healthz", "healthz")] + [(f"/directory/search?q={quote(q)}", q) for q in args.queries]:
                get(http.client.HTTPConnection("127.0.0.1", port), path, hx)  # warm up
                latencies = load(port, path, hx, args.seconds, uncached=args.uncached and label != "healthz")
                p50 = latencies[len(latencies) // 2]
                p95 = latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))]
                print(f"{label:<10} {p50:8.1f} {p95:8.1f} {len(latencies) / args.seconds:8.0f}")
        finally:
            server.terminate()
            server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
