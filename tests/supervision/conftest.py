"""Factories for the supervision tests: the two parties, a guard, a short checklist and a night patrol route."""

from __future__ import annotations

from datetime import datetime, time

import pytest

from portal.blueprints.supervision import patrols
from portal.blueprints.supervision.models import Area, CheckItem, PatrolRoute
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


@pytest.fixture
def guard(make_user) -> User:
    return make_user(roles=[Role.SECURITY], username="baoan", display_name="门岗保安 刘师傅")


@pytest.fixture
def night_route(app) -> PatrolRoute:
    """Every 2 hours from 18:00 to 08:00 (eight rounds a night), ±30 minutes, in use since 1 November 2026."""
    route = PatrolRoute(name="主楼夜间巡逻", checkpoints="北门岗\n主楼1楼大厅\n地下车库",
                        times=patrols.format_times(patrols.every(time(18), time(8), 120)), tolerance_minutes=30,
                        created_at=datetime(2026, 11, 1, 0, 0, tzinfo=LOCAL_TZ))
    db.session.add(route)
    db.session.commit()
    return route
