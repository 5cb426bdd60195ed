"""Factories for the equipment tests: a small building and items on it."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from portal.blueprints.equipment.models import AssetCategory, Condition
from portal.blueprints.equipment.services import AssetDraft, create_asset
from portal.db import db
from portal.models import Building, Floor, Role, Room
from portal.timeutil import LOCAL_TZ

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=LOCAL_TZ)


@pytest.fixture
def place(app) -> dict:
    main = Building(code="ZL", name="主楼", sort_order=0)
    f1 = Floor(building=main, level=1, label="1楼")
    f2 = Floor(building=main, level=2, label="2楼")
    room = Room(floor=f1, number="101", name="报告厅")
    db.session.add(main)
    db.session.commit()
    return {"building": main, "f1": f1, "f2": f2, "room": room}


@pytest.fixture
def logistics(make_user):
    return make_user(roles=[Role.LOGISTICS_ADMIN, Role.EMPLOYEE], username="houqin", display_name="后勤 李主任")


@pytest.fixture
def property_user(make_user):
    return make_user(roles=[Role.PROPERTY], username="wuye", display_name="物业 张师傅")


@pytest.fixture
def make_asset(place, logistics):
    counter = iter(range(1, 1000))

    def factory(**overrides):
        n = next(counter)
        values = dict(code=f"T-{n:02d}", name=f"测试设备{n}", category=AssetCategory.LIFT, floor_id=place["f1"].id,
                      install_date=date(2006, 12, 1), expected_life_years=15, replacement_cost=Decimal("100000.00"),
                      condition=Condition.GOOD, condition_date=date(2026, 11, 1))
        values.update(overrides)
        asset = create_asset(AssetDraft(**values), actor=logistics, now=NOW)
        db.session.commit()
        return asset

    return factory
