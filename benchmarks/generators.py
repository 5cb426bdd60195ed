"""Bulk data for the 10-year dataset, one generator per capability.

Each takes a seeded ``random.Random``, inserts with Core ``insert()`` in
batches (the ORM would take minutes for a million rows) and returns the number
of rows it added.
"""

from __future__ import annotations

import random

from sqlalchemy import insert, select

from portal import timeutil
from portal.db import db
from portal.models import Unit, User
from portal.pinyin import full_pinyin

BATCH = 5000


def _insert(table, rows: list[dict]) -> None:
    for start in range(0, len(rows), BATCH):
        db.session.execute(insert(table), rows[start : start + BATCH])


def staff(rng: random.Random) -> int:
    """Thousands of staff entries (directory search has to stay fast)."""
    from portal.demo import GIVEN, SURNAMES

    units = db.session.scalars(select(Unit.id)).all()
    taken = set(db.session.scalars(select(User.username)))
    now = timeutil.now()
    rows = []
    for n in range(3000):
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        username = f"{full_pinyin(name)}{n}"
        if username in taken:
            continue
        rows.append(
            {"username": username, "display_name": name, "unit_id": rng.choice(units), "title": "科员",
             "phone_ext": str(rng.randrange(5000, 5999)), "password_hash": "", "active": True,
             "created_at": now}
        )
    _insert(User.__table__, rows)
    return len(rows)


TEN_YEARS = (staff,)
