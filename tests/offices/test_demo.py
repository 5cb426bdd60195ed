"""The demo: the 2006 allocation plan for the whole building, consistent with the directory, and idempotent."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from portal import timeutil
from portal.blueprints.offices.demo import seed_demo
from portal.blueprints.offices.models import OfficePublication, OfficeRoomEntry, OfficeSeat
from portal.blueprints.offices.services import ledger
from portal.db import db
from portal.models import Unit, User


def test_demo_allocates_every_unit_and_seats_its_staff_once(demo):
    book = ledger(timeutil.now().date())
    units = db.session.scalar(select(func.count()).select_from(Unit))
    assert len(book.units) == units == 37
    seated = {p.user_id for room in book.rooms for p in room.occupants}
    assert len(seated) > 500
    # everyone seated sits where the directory says, in a room of their own unit
    for room in book.rooms:
        for person in room.occupants:
            user = db.session.get(User, person.user_id)
            assert user.office_room_id == room.room_id and user.unit_id == room.unit_id
    assert all(r.area > Decimal(0) for r in book.rooms)
    assert book.rooms_over and not any(r.check and r.check.over for r in book.rooms if r.exception)
    counts = [db.session.scalar(select(func.count()).select_from(m)) for m in (OfficeRoomEntry, OfficeSeat, OfficePublication)]
    seed_demo()
    assert [db.session.scalar(select(func.count()).select_from(m)) for m in (OfficeRoomEntry, OfficeSeat, OfficePublication)] == counts
    assert db.session.scalar(select(OfficePublication.year)) == 2025
