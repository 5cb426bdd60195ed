"""How fast the on-site list and the desk stay with ten years of visits.

    PORTAL_DATABASE_URL=sqlite:////tmp/visitors-bench.db \\
        python benchmarks/visitors_on_site.py --rows 1000000 [--stale 300]

Builds the schema with the migrations, loads the demo building, adds ``--rows``
checked-out visits spread over ten years (plus the demo's visitors on site and
``--stale`` visits nobody checked out over the years), then times GET requests
as the guard. Prints p50/p95 per page and the query plan of the on-site query.
Reuses the database if it already holds the rows.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func, insert, select, text  # noqa: E402

from portal import create_app, timeutil  # noqa: E402
from portal.extensions import attach_migrations  # noqa: E402
from portal.blueprints.visitors.models import VisitorEntry  # noqa: E402
from portal.blueprints.visitors.services import on_site_query  # noqa: E402
from portal.blueprints.visitors.validation import IdType  # noqa: E402
from portal.db import db  # noqa: E402
from portal.models import Unit, User  # noqa: E402


def load(rows: int, stale: int) -> None:
    have = db.session.scalar(select(func.count()).select_from(VisitorEntry))
    if have >= rows:
        print(f"reusing {have} visits")
        return
    rng = random.Random(10)
    unit_ids = list(db.session.scalars(select(Unit.id)))
    now = timeutil.now()
    start = now - timedelta(days=3650)
    table = VisitorEntry.__table__
    batch, made = [], 0
    t0 = time.perf_counter()
    for i in range(rows - have):
        at = start + timedelta(seconds=rng.randrange(0, 3650 * 86400 - 86400))
        left = i < stale
        batch.append(
            {
                "submission_token": f"bench-{have + i:012d}-{rng.getrandbits(40):010x}",
                "name": "测试访客",
                "id_type": IdType.RESIDENT_ID,
                "id_checked": True,
                "id_masked": "510921********1234",
                "id_encrypted": None,
                "phone": "",
                "organization": "",
                "unit_id": rng.choice(unit_ids),
                "host_name": "",
                "purpose": "办事",
                "companions": rng.choice((0, 0, 1)),
                "plate": "",
                "badge": None,
                "checked_in_at": at,
                "checked_in_by_id": None,
                "checked_out_at": None if left else at + timedelta(minutes=rng.randrange(5, 240)),
                "checked_out_by_id": None,
                "refused": False,
                "watchlist_note": "",
                "preregistration_id": None,
                "anonymized_at": None,
            }
        )
        if len(batch) == 20_000:
            db.session.execute(insert(table), batch)
            db.session.commit()
            made += len(batch)
            batch.clear()
            print(f"  {made} rows, {time.perf_counter() - t0:.0f}s", flush=True)
    if batch:
        db.session.execute(insert(table), batch)
        db.session.commit()
    if db.engine.dialect.name == "sqlite":
        db.session.execute(text("ANALYZE"))
    else:
        db.session.execute(text("ANALYZE visitor_entry"))
    db.session.commit()


def time_page(client, url: str, runs: int) -> tuple[float, float]:
    client.get(url)  # warm up
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--stale", type=int, default=300, help="visits never checked out over the years")
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    os.environ.setdefault("PORTAL_SECRET_KEY", "benchmark")
    app = create_app({"WTF_CSRF_ENABLED": False})
    attach_migrations(app)
    with app.app_context():
        upgrade(revision="heads")
        if not db.session.scalar(select(func.count()).select_from(Unit)):
            from portal.demo import seed_demo

            seed_demo("benchmark-password", hash_method="pbkdf2:sha256:1000", reset_passwords=True)
        load(args.rows, args.stale)
        total = db.session.scalar(select(func.count()).select_from(VisitorEntry))
        inside = db.session.scalar(select(func.count()).select_from(VisitorEntry).where(VisitorEntry.checked_out_at.is_(None)))
        print(f"{total} visits, {inside} on site, engine {db.engine.dialect.name}")
        compiled = on_site_query().limit(50).compile(db.engine, compile_kwargs={"literal_binds": True})
        explain = "EXPLAIN QUERY PLAN " if db.engine.dialect.name == "sqlite" else "EXPLAIN "
        for row in db.session.execute(text(explain + str(compiled))):
            print("  plan:", row[-1])
        guard_session = db.session.scalar(select(User).where(User.username == "guard")).get_id()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = guard_session  # "<id>.<session version>", as Flask-Login stores it
        session["_fresh"] = True
    for url in ("/visitors/on-site", "/visitors/", "/visitors/on-site/evacuation", "/visitors/history"):
        p50, p95 = time_page(client, url, args.runs)
        print(f"GET {url:<32} p50 {p50:6.1f} ms   p95 {p95:6.1f} ms")


if __name__ == "__main__":
    main()
