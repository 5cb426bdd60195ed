"""How well directory search answers what people type: top-1 and top-3 hit rates
over the query set in ``tests/directory/search_queries.py`` on the demo building.

    /work/main/.venv/bin/python -m benchmarks.search_quality [--misses]

Builds a throwaway SQLite database from the migrations and the demo data.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time

TOP1_TARGET = 0.95  # issue 20
TOP3_TARGET = 0.98


def measure() -> dict:
    """The hit rates and the misses, against their targets."""
    from flask_migrate import upgrade

    from portal import create_app
    from portal.extensions import attach_migrations
    from portal.blueprints.directory.search import search
    from portal.db import db
    from portal.demo import seed_demo
    from tests.directory.search_queries import QUERIES, score

    with tempfile.TemporaryDirectory(prefix="search-quality-") as tmp:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/q.db", "SECRET_KEY": "bench",
                          "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
        attach_migrations(app)
        with app.app_context():
            upgrade(revision="heads")
            seed_demo("benchmark-password", hash_method="pbkdf2:sha256:1000", reset_passwords=True)
            started = time.perf_counter()
            top1, top3, misses = score(lambda text: [h.label for h in search(text, include_staff=False).ranked])
            elapsed = (time.perf_counter() - started) * 1000 / len(QUERIES)
            db.engine.dispose()
    return {
        "queries": len(QUERIES), "ms_per_query": round(elapsed, 2),
        "top1": round(top1, 4), "top1_target": TOP1_TARGET, "top3": round(top3, 4), "top3_target": TOP3_TARGET,
        "ok": top1 >= TOP1_TARGET and top3 >= TOP3_TARGET,
        "misses": [{"query": text, "got": labels, "expected": list(expected)} for text, labels, expected in misses],
    }


def print_quality(quality: dict, *, misses: bool = False) -> None:
    print(f"{quality['queries']} queries, {quality['ms_per_query']:.1f} ms a query")
    for name in ("top1", "top3"):
        rate, target = quality[name], quality[f"{name}_target"]
        # OVER: more misses than the target allows
        print(f"  {name[:3]}-{name[3:]} {rate:6.1%}  target >= {target:.0%}  {'ok' if rate >= target else 'OVER'}")
    if misses:
        for miss in quality["misses"]:
            print(f"  {miss['query']}: got {miss['got']}, expected one of {miss['expected']}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--misses", action="store_true", help="list the queries whose first hit is not an answer")
    args = parser.parse_args()
    quality = measure()
    print_quality(quality, misses=args.misses)
    return 0 if quality["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
