"""The benchmark's datasets: the demo building, and the same building after ten
years of use (≥ 100k bookings, ≥ 1M visitor entries, thousands of services and
staff). Built once into ``benchmarks/out/`` and reused."""

from __future__ import annotations

import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from portal import create_app
from portal.db import db

PASSWORD = "benchmark-password"
DATASET_VERSION = "4"  # 2: data versions (portal.cache); 3: thousands of services; 4: cars, supervision, energy, equipment


@dataclass(frozen=True)
class Dataset:
    logins: dict[str, tuple[str, str]]
    ten_years: bool = False  # add ten years of use on top of the demo


LOGINS = {"employee": ("staff", PASSWORD), "security": ("guard", PASSWORD), "property": ("property", PASSWORD),
          "logistics": ("logistics", PASSWORD)}

DATASETS = {"demo": Dataset(LOGINS), "ten_year": Dataset(LOGINS, ten_years=True)}


def ensure_dataset(name: str, out: Path, *, rebuild: bool = False) -> str:
    path = out / f"{name}.db"
    stamp = out / f"{name}.version"
    url = f"sqlite:///{path}"
    if not rebuild and path.exists() and stamp.exists() and stamp.read_text() == DATASET_VERSION:
        upgrade_dataset(url)
        stamp_data_versions(url)
        return url
    for stale in out.glob(f"{name}.db*"):
        stale.unlink()
    build(name, url)
    stamp_data_versions(url)
    stamp.write_text(DATASET_VERSION)
    return url


def upgrade_dataset(url: str) -> None:
    """A dataset built by an older portal gets the newer migrations, as a server would (``db upgrade heads``)."""
    from flask_migrate import upgrade

    from portal.extensions import attach_migrations

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "benchmark"})
    attach_migrations(app)
    with app.app_context():
        upgrade(revision="heads")
        db.session.execute(db.text("ANALYZE"))  # as after a build: rebuilt tables lose their statistics
        rehash_logins(app.config["PASSWORD_HASH_METHOD"])
        db.session.commit()
        db.engine.dispose()


def rehash_logins(method: str) -> None:
    """The benchmark's accounts get the configured password hash (a dataset built
    when production hashed with scrypt would otherwise be rehashed by its first
    login, inside the measured server)."""
    from sqlalchemy import select

    from portal.blueprints.auth.services import hash_password
    from portal.models import User

    names = {username for username, _password in LOGINS.values()}
    for user in db.session.scalars(select(User).where(User.username.in_(names))):
        if not user.password_hash.startswith(method + "$"):
            user.password_hash = hash_password(PASSWORD, method)


def stamp_data_versions(url: str) -> None:
    """Every watched area gets a data version (portal.cache): the generators write
    in bulk, past the ORM events that keep them, and an area without one is never
    cached. Areas a newer portal watches get theirs on an existing dataset too."""
    from portal import cache

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "benchmark"})
    with app.app_context():
        areas = set().union(*cache._areas_of.values())
        missing = areas - set(cache.read_tokens(areas))
        if missing:
            with db.engine.begin() as connection:
                cache.bump(connection, missing)
        db.engine.dispose()


def build(name: str, url: str) -> None:
    from flask_migrate import upgrade

    from portal.demo import seed_demo
    from portal.extensions import attach_migrations

    # Passwords are hashed as in production (Config's method, not the tests' cheap one).
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "benchmark"})
    attach_migrations(app)
    with app.app_context():
        upgrade(revision="heads")
        seed_demo(PASSWORD, hash_method=app.config["PASSWORD_HASH_METHOD"], reset_passwords=True)
        if DATASETS[name].ten_years:
            from benchmarks.generators import TEN_YEARS

            rng = random.Random(2016)
            for generate in TEN_YEARS:
                started = time.monotonic()
                rows = generate(rng)
                db.session.commit()
                print(f"  {generate.__name__}: {rows} rows in {time.monotonic() - started:.1f}s", file=sys.stderr)
            # Bulk inserts bypass the search-key maintenance done on save.
            from portal.blueprints.directory.indexing import rebuild_search_keys

            rebuild_search_keys()
            db.session.commit()
        db.session.execute(db.text("ANALYZE"))
        db.session.commit()
        db.engine.dispose()
