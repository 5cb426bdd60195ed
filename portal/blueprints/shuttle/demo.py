"""Demo shuttle: the three buses the building bought (seed report: 投入 50 万元购置三辆大巴车),
one route 老城区 ⇄ 行政中心 with six stops each way, morning, noon and evening
trips on workdays, and a few exceptions and notices around today."""

from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from portal import timeutil
from portal.blueprints.workdays.days import is_workday
from portal.blueprints.workdays.models import CalendarDay
from portal.db import db

from .models import (
    Direction,
    ExceptionKind,
    NoticeKind,
    RouteStop,
    ServiceException,
    ShuttleNotice,
    ShuttleRoute,
    ShuttleStop,
    ShuttleTrip,
    ShuttleVehicle,
)

# name, where exactly, latitude, longitude
STOPS = (
    ("老城区·十字口", "太和大道与美丰路口东北角公交港湾", "30.868421", "105.388512"),
    ("县人民医院", "医院正门对面", "30.872105", "105.379244"),
    ("老汽车站", "原客运站门口", "30.876530", "105.371066"),
    ("滨江路口", "滨江路与子昂大道路口", "30.883912", "105.362431"),
    ("新区管委会", "管委会大门东侧", "30.891207", "105.353875"),
    ("行政中心", "主楼前广场东侧停车区", "30.897664", "105.347120"),
)
OUTBOUND = ((0, 0), (1, 5), (2, 10), (3, 16), (4, 23), (5, 30))  # stop index, minutes
INBOUND = ((5, 0), (4, 7), (3, 14), (2, 20), (1, 25), (0, 30))

VEHICLES = (
    ("1号车", "川J·B1207", 45, "张国强", "13908251207"),
    ("2号车", "川J·B1208", 45, "李建华", "13908251208"),
    ("3号车", "川J·B1209", 39, "王志勇", "13908251209"),
)

# direction, departure, bus index, note — all on workdays
TRIPS = (
    (Direction.OUTBOUND, time(7, 20), 0, "早班"),
    (Direction.OUTBOUND, time(7, 35), 1, "早班"),
    (Direction.OUTBOUND, time(7, 50), 2, "早班"),
    (Direction.INBOUND, time(12, 5), 0, "午班"),
    (Direction.INBOUND, time(12, 10), 1, "午班"),
    (Direction.OUTBOUND, time(13, 20), 0, "午班"),
    (Direction.OUTBOUND, time(13, 30), 1, "午班"),
    (Direction.INBOUND, time(17, 35), 0, "晚班"),
    (Direction.INBOUND, time(17, 45), 1, "晚班"),
    (Direction.INBOUND, time(18, 0), 2, "晚班"),
    (Direction.INBOUND, time(20, 30), 2, "加班车"),
)


def _workdays_after(day: date, count: int) -> list[date]:
    """The next ``count`` workdays after ``day`` (Monday–Friday where the calendar does not know)."""
    found = []
    while len(found) < count:
        day += timedelta(days=1)
        known = is_workday(day)
        if known if known is not None else day.weekday() < 5:
            found.append(day)
    return found


def seed_demo() -> None:
    if db.session.scalar(select(func.count()).select_from(ShuttleRoute)):
        return
    stops = [
        ShuttleStop(name=name, description=where, latitude=Decimal(lat), longitude=Decimal(lon))
        for name, where, lat, lon in STOPS
    ]
    db.session.add_all(stops)
    route = ShuttleRoute(
        code="1路",
        name="老城区—行政中心 通勤班车",
        description="机关干部职工上下班交通车，工作日运行（含调休上班日），法定节假日停运。",
        sort_order=1,
    )
    db.session.add(route)
    for direction, pattern in ((Direction.OUTBOUND, OUTBOUND), (Direction.INBOUND, INBOUND)):
        for sequence, (stop_index, minutes) in enumerate(pattern, start=1):
            db.session.add(
                RouteStop(route=route, direction=direction, sequence=sequence, stop=stops[stop_index], minutes=minutes)
            )
    vehicles = [
        ShuttleVehicle(label=label, plate=plate, seats=seats, driver_name=driver, driver_phone=phone)
        for label, plate, seats, driver, phone in VEHICLES
    ]
    db.session.add_all(vehicles)
    trips = [
        ShuttleTrip(route=route, direction=direction, departs_at=at, vehicle=vehicles[bus], note=note)
        for direction, at, bus, note in TRIPS
    ]
    db.session.add_all(trips)
    db.session.flush()

    today = timeutil.today()
    soon, later = _workdays_after(today, 8)[0], _workdays_after(today, 8)[-1]
    evening = next(t for t in trips if t.departs_at == time(17, 35))
    db.session.add_all(
        [
            ServiceException(
                day=soon, kind=ExceptionKind.CHANGED, trip=evening, departs_at=time(18, 30),
                note="全县干部大会，晚班推迟至 18:30 发车",
            ),
            ServiceException(day=later, kind=ExceptionKind.NO_SERVICE, note="行政中心停电检修，全天停止办公"),
            ShuttleNotice(
                kind=NoticeKind.BREAKDOWN,
                message="2号车（川J·B1208）送修，由备用车代跑，可能晚到约 10 分钟",
                trip=next(t for t in trips if t.departs_at == time(7, 35)),
                starts_on=today,
                ends_on=today + timedelta(days=6),
            ),
            ShuttleNotice(
                kind=NoticeKind.CHANGED_TIME,
                message="滨江路口施工，双向绕行，到站时间约推后 5 分钟",
                route=route,
                starts_on=today,
                ends_on=today + timedelta(days=13),
            ),
        ]
    )
    # A local entry for a year the package does not know yet.
    new_year = date(today.year + 1, 1, 1)
    if db.session.get(CalendarDay, new_year) is None and is_workday(new_year) is None:
        db.session.add(CalendarDay(day=new_year, is_workday=False, note="元旦（按惯例预排，待国务院公布）"))
    db.session.flush()
