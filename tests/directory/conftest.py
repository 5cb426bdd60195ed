"""A small building for directory tests that do not need the whole demo."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from portal.blueprints.guide.models import GuideItem
from portal.db import db
from portal.models import Building, Floor, Room, RoomKind, Unit, User


@dataclass
class SmallBuilding:
    main: Building
    annex: Building
    renshe: Unit  # 县人力资源和社会保障局 (人社局), main building 3F, room 305
    minzheng: Unit  # 县民政局, main building 3F, room 306
    hall: Room  # main building 104, the service hall
    room_305: Room
    annex_305: Room  # the other 305, in 县委附楼, vacant
    clerk: User  # 张伟 of 人社局, a directory entry without a login


@pytest.fixture
def small_building(app) -> SmallBuilding:
    main = Building(code="ZL", name="主楼", sort_order=0)
    annex = Building(code="XW", name="县委附楼", sort_order=1)
    floors = {(b.code, level): Floor(building=b, level=level, label=f"{level}楼") for b in (main, annex) for level in (1, 3)}
    renshe = Unit(name="县人力资源和社会保障局", short_name="人社局", phone="0825-5400001", office_hours="工作日 8:30–17:30",
                  duties="负责就业创业、社会保险和社保卡。", sort_order=1)
    minzheng = Unit(name="县民政局", short_name="民政局", phone="0825-5400002", sort_order=2)
    hall = Room(floor=floors["ZL", 1], number="104", name="便民服务大厅", kind=RoomKind.SERVICE_HALL)
    room_305 = Room(floor=floors["ZL", 3], number="305", unit=renshe)
    room_306 = Room(floor=floors["ZL", 3], number="306", unit=minzheng)
    annex_305 = Room(floor=floors["XW", 3], number="305")
    clerk = User(username="zhangwei", display_name="张伟", unit=renshe, title="科员", phone_ext="5123",
                 office_room=room_305, password_hash="")
    db.session.add_all([main, annex, *floors.values(), renshe, minzheng, hall, room_305, room_306, annex_305, clerk])
    db.session.commit()
    return SmallBuilding(main, annex, renshe, minzheng, hall, room_305, annex_305, clerk)


@pytest.fixture
def create_item(app) -> Callable[..., GuideItem]:
    """Factory: ``create_item(unit, name="社保卡办理", **overrides)``."""

    def factory(unit: Unit, name: str = "社会保障卡申领", **overrides: object) -> GuideItem:
        values: dict[str, object] = {
            "category": "社会保障",
            "materials": ["居民身份证原件"],
            "steps": ["提交材料", "当场办结"],
            "promised_days": 0,
        }
        values.update(overrides)
        service = GuideItem(name=name, unit=unit, **values)
        db.session.add(service)
        db.session.commit()
        return service

    return factory
