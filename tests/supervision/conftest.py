"""Factories for the supervision tests: the two parties and a short checklist."""

from __future__ import annotations

from datetime import datetime

import pytest

from portal.blueprints.supervision.models import Area, CheckItem
from portal.db import db
from portal.models import Role, User
from portal.timeutil import LOCAL_TZ

T0 = datetime(2026, 11, 10, 9, 0, tzinfo=LOCAL_TZ)


@pytest.fixture
def logistics(make_user) -> User:
    return make_user(roles=[Role.LOGISTICS_ADMIN, Role.EMPLOYEE], username="houqin", display_name="后勤中心 李主任")


@pytest.fixture
def property_user(make_user) -> User:
    return make_user(roles=[Role.PROPERTY], username="wuye", display_name="富航物业 张经理")


@pytest.fixture
def cleaning_items(app) -> list[CheckItem]:
    """Weights 3, 3, 2, 2 (10 points)."""
    items = [
        CheckItem(area=Area.CLEANING, text="大厅地面干净", weight=3, active=True, sort_order=10),
        CheckItem(area=Area.CLEANING, text="卫生间无异味", weight=3, active=True, sort_order=20),
        CheckItem(area=Area.CLEANING, text="服务大厅台面整洁", weight=2, active=True, sort_order=30),
        CheckItem(area=Area.CLEANING, text="垃圾按时清运", weight=2, active=True, sort_order=40),
    ]
    db.session.add_all(items)
    db.session.commit()
    return items
