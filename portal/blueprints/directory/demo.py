"""The directory's demo data is the core demo building itself; this only makes
sure the search keys exist for a database seeded before this capability."""

from __future__ import annotations

from portal.blueprints.directory.indexing import keys_missing, rebuild_search_keys


def seed_demo() -> None:
    if keys_missing():
        rebuild_search_keys()
