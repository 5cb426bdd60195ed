"""Factories for the repairs tests: a small building and requests in any status."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from portal.blueprints.repairs.models import Action, Category, RepairRequest, Status, Urgency
from portal.blueprints.repairs.services import ReportDraft, location_value, move, report_fault
from portal.db import db
from portal.models import Building, Floor, Role, Room, User
from portal.timeutil import LOCAL_TZ

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=LOCAL_TZ)

# The moves that lead from a new report to each status.
PATH_TO = {
    Status.SUBMITTED: (),
    Status.ACCEPTED: (Action.ACCEPT,),
    Status.IN_PROGRESS: (Action.ACCEPT, Action.START),
    Status.DONE: (Action.ACCEPT, Action.START, Action.FINISH),
    Status.CONFIRMED: (Action.ACCEPT, Action.START, Action.FINISH, Action.CONFIRM),
}


@pytest.fixture
def place(app) -> dict:
    """主楼 with two floors (rooms 101, 102 and 201) and 政府附楼 with one floor (room 101)."""
    main = Building(code="ZL", name="主楼", sort_order=0)
    annex = Building(code="ZF", name="政府附楼", sort_order=1)
    floors = {
        "ZL1": Floor(building=main, level=1, label="1楼"),
        "ZL2": Floor(building=main, level=2, label="2楼"),
        "ZF1": Floor(building=annex, level=1, label="1楼"),
    }
    rooms = {
        "ZL101": Room(floor=floors["ZL1"], number="101", name="第一会议室"),
        "ZL102": Room(floor=floors["ZL1"], number="102"),
        "ZL201": Room(floor=floors["ZL2"], number="201"),
        "ZF101": Room(floor=floors["ZF1"], number="101"),
    }
    db.session.add_all([main, annex])
    db.session.commit()
    return {"buildings": {"ZL": main, "ZF": annex}, "floors": floors, "rooms": rooms}


@pytest.fixture
def property_user(make_user) -> User:
    return make_user(roles=[Role.PROPERTY], username="wuye", display_name="物业 张师傅")


@pytest.fixture
def make_repair(place, property_user) -> Callable[..., RepairRequest]:
    """``make_repair(reporter, status=Status.DONE, room="ZL101", at=T0, ...)``: a request moved
    through the real flow to ``status``, one hour per step."""

    def factory(
        reporter: User,
        status: Status = Status.SUBMITTED,
        *,
        room: str | None = "ZL101",
        floor: str | None = None,
        spot: str = "",
        category: Category = Category.WATER,
        urgency: Urgency = Urgency.NORMAL,
        at: datetime = T0,
        parts: Decimal = Decimal("100.00"),
        labour: Decimal = Decimal("50.00"),
        description: str = "水龙头漏水",
    ) -> RepairRequest:
        room_obj = place["rooms"][room] if room else None
        floor_obj = room_obj.floor if room_obj else place["floors"][floor or "ZL1"]
        repair = report_fault(
            ReportDraft(location=location_value(floor_obj.id, room_obj.id if room_obj else None), spot=spot,
                        category=category, urgency=urgency, description=description, contact="5001"),
            actor=reporter, now=at,
        )
        moment = at
        for action in PATH_TO[status]:
            moment += timedelta(hours=1)
            actor = reporter if action is Action.CONFIRM else property_user
            move(repair, action, actor=actor, now=moment, resolution="更换阀芯", parts_cost=parts, labour_cost=labour)
        db.session.commit()
        return repair

    return factory
