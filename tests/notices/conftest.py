from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from portal import timeutil
from portal.blueprints.notices.models import Audience, Notice
from portal.db import db
from portal.models import Unit
from portal.timeutil import LOCAL_TZ

NOON = datetime(2026, 3, 2, 12, 0, tzinfo=LOCAL_TZ)  # a Monday


@pytest.fixture
def make_unit(app) -> Callable[..., Unit]:
    counter = iter(range(1, 10_000))

    def factory(**overrides: object) -> Unit:
        n = next(counter)
        unit = Unit(name=str(overrides.pop("name", f"测试单位{n}")), short_name=str(overrides.pop("short_name", f"单位{n}")))
        for key, value in overrides.items():
            setattr(unit, key, value)
        db.session.add(unit)
        db.session.commit()
        return unit

    return factory


@pytest.fixture
def create_notice(app, make_unit) -> Callable[..., Notice]:
    """Factory: a current public notice unless told otherwise (times around ``now``)."""

    def factory(now: datetime | None = None, **overrides: object) -> Notice:
        now = now or timeutil.now()
        values: dict[str, object] = {
            "title": "测试公告",
            "body": "公告正文",
            "audience": Audience.PUBLIC,
            "publish_at": now - timedelta(hours=1),
            "expires_at": now + timedelta(days=1),
            "pinned": False,
        }
        values.update(overrides)
        if "unit" not in values and "unit_id" not in values:
            values["unit"] = make_unit()
        notice = Notice(**values)
        db.session.add(notice)
        db.session.commit()
        return notice

    return factory
