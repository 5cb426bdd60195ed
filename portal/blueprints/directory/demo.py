"""The directory's demo data is the core demo building itself; this only makes
sure every unit, room and staff member has its search keys (a database seeded
before this capability was installed has none)."""

from __future__ import annotations

from portal.blueprints.directory.indexing import reconcile_search_keys


def seed_demo() -> None:
    reconcile_search_keys()
