"""The directory's demo data is the core demo building itself; this makes sure
every unit, room and staff member has its search keys (a database seeded
before this capability was installed has none), and fills the synonym table
with the building's obvious everyday words."""

from __future__ import annotations

from portal import timeutil
from portal.blueprints.directory.indexing import reconcile_search_keys
from portal.blueprints.directory.synonyms import seed_demo_synonyms


def seed_demo() -> None:
    reconcile_search_keys()
    seed_demo_synonyms(timeutil.now())
