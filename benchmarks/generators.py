"""Bulk data for the 10-year dataset, one generator per capability.

Each takes a seeded ``random.Random``, inserts with Core ``insert()`` in
batches (the ORM would take minutes for a million rows) and returns the number
of rows it added.
"""

from __future__ import annotations

import random
from datetime import time, timedelta
from decimal import Decimal

from sqlalchemy import func, insert, select

from portal import timeutil
from portal.db import db
from portal.blueprints.visitors.models import VisitorEntry
from portal.models import Unit, User
from portal.pinyin import full_pinyin

BATCH = 5000


def _insert(table, rows: list[dict]) -> None:
    for start in range(0, len(rows), BATCH):
        db.session.execute(insert(table), rows[start : start + BATCH])


def staff(rng: random.Random) -> int:
    """Thousands of staff entries (directory search has to stay fast)."""
    from portal.demo import GIVEN, SURNAMES

    units = db.session.scalars(select(Unit.id)).all()
    taken = set(db.session.scalars(select(User.username)))
    now = timeutil.now()
    rows = []
    for n in range(3000):
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        username = f"{full_pinyin(name)}{n}"
        if username in taken:
            continue
        rows.append(
            {"username": username, "display_name": name, "unit_id": rng.choice(units), "title": "科员",
             "phone_ext": str(rng.randrange(5000, 5999)), "password_hash": "", "active": True,
             "created_at": now}
        )
    _insert(User.__table__, rows)
    return len(rows)


SERVICE_ACTIONS = ("申请", "办理", "变更", "注销", "补办", "备案", "审核", "查询", "认定", "登记", "换领", "年检")
SERVICE_OBJECTS = (
    "社会保障卡", "城乡居民养老保险", "失业保险金", "就业登记", "营业执照", "食品经营许可", "建设工程规划许可", "不动产权证",
    "婚姻登记", "最低生活保障", "残疾人证", "医疗救助", "道路运输证", "取水许可", "林木采伐许可", "个体工商户", "农村宅基地",
    "退役军人优待证", "高龄津贴", "临时救助", "出生医学证明", "户籍迁移", "居住证", "特种设备使用", "排污许可", "档案查阅",
)


def services(rng: random.Random) -> int:
    """Thousands of guide services (事项) across the units: the guide and search stay fast."""
    from portal.blueprints.guide.models import GuideItem
    from portal.blueprints.guide.services import CATEGORY_ORDER

    units = db.session.scalars(select(Unit.id)).all()
    taken = set(db.session.execute(select(GuideItem.unit_id, GuideItem.name)).all())
    now = timeutil.now()
    rows = []
    for n in range(3000):
        unit_id = rng.choice(units)
        name = f"{rng.choice(SERVICE_OBJECTS)}{rng.choice(SERVICE_ACTIONS)}（{n}）"
        if (unit_id, name) in taken:
            continue
        taken.add((unit_id, name))
        rows.append({
            "name": name, "category": rng.choice(CATEGORY_ORDER), "unit_id": unit_id, "window": f"{rng.randrange(1, 20)}号窗口",
            "materials": ["居民身份证原件", "申请表"], "steps": ["提交材料", "受理审核", "办结"], "hours": "", "fee": None,
            "fee_note": "", "legal_days": 20, "promised_days": rng.choice((0, 3, 5, 10)), "phone": "", "notes": "",
            "keywords": "", "created_at": now, "updated_at": now,
        })
    _insert(GuideItem.__table__, rows)
    return len(rows)


MEETING_TITLES = ("党组会", "局务会", "专题学习会", "工作调度会", "项目评审会", "业务培训", "座谈会", "视频会议", "接待来访", "审计进点会")


def bookings(rng: random.Random) -> int:
    """Ten years of meetings before today: ~2 a day in each of the 22 rooms."""
    from portal.blueprints.rooms.models import Booking, BookingStatus
    from portal.models import Room, RoomKind

    rooms = db.session.execute(
        select(Room.id, Room.capacity).where(Room.kind.in_([RoomKind.MEETING, RoomKind.VIP_RECEPTION]))
    ).all()
    units = db.session.scalars(select(Unit.id)).all()
    requesters = db.session.scalars(select(User.id).limit(500)).all()
    first_day = timeutil.today() - timedelta(days=3652)
    rows: list[dict] = []
    total = 0
    for offset in range(3650):
        day = first_day + timedelta(days=offset)
        if day.weekday() >= 5:
            continue
        for room_id, capacity in rooms:
            hour = 8
            while True:
                hour += rng.choice((0, 1, 1, 2, 3))
                length = rng.choice((1, 1, 2, 2, 3))
                if hour + length > 21 or rng.random() < 0.18:
                    break
                start = timeutil.local(day, time(hour, rng.choice((0, 30))))
                rows.append({
                    "room_id": room_id, "requester_id": rng.choice(requesters), "unit_id": rng.choice(units),
                    "start_at": start, "end_at": start + timedelta(hours=length),
                    "title": rng.choice(MEETING_TITLES), "is_public": rng.random() < 0.8,
                    "contact_name": "", "contact_phone": "", "attendees": max(1, min(capacity or 10, rng.randint(5, 40))),
                    "status": BookingStatus.APPROVED if rng.random() < 0.93 else BookingStatus.CANCELLED,
                    "approval_reason": "", "decision_reason": "", "tea_count": rng.choice((0, 0, 10, 20)),
                    "needs_audio": rng.random() < 0.3, "needs_projector": rng.random() < 0.4, "banner_text": "",
                    "name_cards": "", "welcome_text": "", "notes": "", "created_at": start - timedelta(days=3),
                    "updated_at": start - timedelta(days=3),
                })
                hour += length
            if len(rows) >= BATCH:
                _insert(Booking.__table__, rows)
                total += len(rows)
                rows = []
    _insert(Booking.__table__, rows)
    return total + len(rows)


def visitor_entries(rng: random.Random) -> int:
    """A million visits over ten years, and 300 nobody checked out."""
    from benchmarks.visitors_on_site import load

    before = db.session.scalar(select(func.count()).select_from(VisitorEntry))
    load(1_000_000, stale=300)
    return db.session.scalar(select(func.count()).select_from(VisitorEntry)) - before



TRIP_PURPOSES = (
    ("到镇街督查防汛准备", "蓬莱镇"), ("送文件到市政府", "遂宁市政府"), ("陪同检查安全生产", "工业园区"),
    ("参加市里培训", "遂宁市委党校"), ("到村里开展入户走访", "拦江镇"), ("接送检查组", "县高铁站"),
    ("项目现场踏勘", "河东新区"), ("送审材料到市局", "遂宁市行政审批局"), ("督导秸秆禁烧", "三家镇"),
)


def _plate(rng: random.Random) -> str:
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
    return "川J" + rng.choice(letters) + "".join(rng.choice("0123456789") for _ in range(4))


def vehicle_trips(rng: random.Random) -> int:
    """Ten years of official-car trips before today: ~10–30 requests a workday over the fleet (most driven and
    recorded, some refused or cancelled); the staff's registered cars over the years and the guard's daily rounds
    of the reserved spaces."""
    from portal.blueprints.vehicles.models import (
        Driver,
        ParkingSpace,
        RegistrationStatus,
        Sighting,
        SpaceKind,
        StaffVehicle,
        Trip,
        TripStatus,
        Vehicle,
    )

    cars = db.session.execute(select(Vehicle.id, Vehicle.odometer).where(Vehicle.active.is_(True))).all()
    drivers = db.session.scalars(select(Driver.id)).all()
    people = db.session.execute(select(User.id, User.unit_id).limit(500)).all()
    deciders = db.session.scalars(select(User.id).limit(5)).all()
    if not cars or not people:
        return 0
    odometer = {car_id: max(0, km - 250_000) for car_id, km in cars}
    first_day = timeutil.today() - timedelta(days=3652)
    rows: list[dict] = []
    total = 0
    for offset in range(3650):
        day = first_day + timedelta(days=offset)
        if day.weekday() >= 5:
            continue
        for _ in range(rng.randint(10, 30)):
            requester_id, unit_id = rng.choice(people)
            depart = timeutil.local(day, time(rng.randrange(7, 17), rng.choice((0, 30))))
            back = depart + timedelta(hours=rng.choice((1, 2, 2, 3, 4, 8)))
            purpose, destination = rng.choice(TRIP_PURPOSES)
            created = depart - timedelta(days=rng.randrange(1, 4), hours=rng.randrange(0, 8))
            outcome = rng.random()
            status = TripStatus.DONE if outcome < 0.86 else TripStatus.CANCELLED if outcome < 0.94 else TripStatus.REJECTED
            row = {
                "requester_id": requester_id, "unit_id": unit_id, "purpose": purpose, "destination": destination,
                "passengers": rng.randint(1, 4), "depart_at": depart, "return_at": back,
                "needs_driver": rng.random() < 0.8, "status": status, "created_at": created,
                "decided_by_id": rng.choice(deciders), "decided_at": created + timedelta(hours=1),
                "decision_note": "" if status is not TripStatus.REJECTED else "与会议时间冲突，请合并出行",
                "vehicle_id": None, "driver_id": None, "dispatched_by_id": None, "dispatched_at": None,
                "actual_depart_at": None, "actual_return_at": None, "odometer_out": None, "odometer_in": None,
                "fuel_amount": None, "fuel_cost": None, "tolls": None, "recorded_by_id": None, "recorded_at": None,
            }
            if status is TripStatus.DONE:
                car_id = rng.choice(cars)[0]
                km = rng.randrange(8, 160)
                litres = Decimal(km * rng.randrange(7, 11)) / 100
                row.update(
                    vehicle_id=car_id, driver_id=rng.choice(drivers) if drivers and row["needs_driver"] else None,
                    dispatched_by_id=row["decided_by_id"], dispatched_at=created + timedelta(hours=2),
                    actual_depart_at=depart + timedelta(minutes=5), actual_return_at=back - timedelta(minutes=10),
                    odometer_out=odometer[car_id], odometer_in=odometer[car_id] + km,
                    fuel_amount=litres.quantize(Decimal("0.01")), fuel_cost=(litres * Decimal("7.80")).quantize(Decimal("0.01")),
                    tolls=Decimal(rng.choice((0, 0, 0, 15, 35))), recorded_by_id=row["decided_by_id"], recorded_at=back,
                )
                odometer[car_id] += km
            rows.append(row)
        if len(rows) >= BATCH:
            _insert(Trip.__table__, rows)
            total += len(rows)
            rows = []
    _insert(Trip.__table__, rows)
    total += len(rows)

    # Staff cars: a few hundred registrations over the years, most long withdrawn as cars were replaced.
    held = set(db.session.scalars(select(StaffVehicle.plate)))
    registrations = []
    for owner_id, _unit in people[:400]:
        for _ in range(rng.randint(0, 2)):
            plate = _plate(rng)
            if plate in held:
                continue
            held.add(plate)
            created = timeutil.local(first_day + timedelta(days=rng.randrange(3600)), time(9))
            registrations.append({
                "owner_id": owner_id, "plate": plate, "description": rng.choice(("白色 大众朗逸", "黑色 丰田卡罗拉", "银色 本田雅阁")),
                "status": RegistrationStatus.WITHDRAWN if rng.random() < 0.6 else RegistrationStatus.APPROVED,
                "created_at": created, "decided_by_id": rng.choice(deciders), "decided_at": created + timedelta(days=1),
            })
    _insert(StaffVehicle.__table__, registrations)
    total += len(registrations)

    # The guard's round of the reserved spaces every workday: most plates allowed, a few repeat offenders.
    spaces = db.session.scalars(select(ParkingSpace.id).where(ParkingSpace.kind.in_((SpaceKind.UNIT, SpaceKind.PERSON)))).all()
    guard = db.session.scalar(select(User.id).where(User.username == "guard"))
    offenders = [_plate(rng) for _ in range(40)]
    plates = [r["plate"] for r in registrations] or offenders
    sightings: list[dict] = []
    for offset in range(3650):
        day = first_day + timedelta(days=offset)
        if day.weekday() >= 5:
            continue
        seen_at = timeutil.local(day, time(9, 30))
        for space_id in spaces:
            if rng.random() < 0.3:
                continue
            allowed = rng.random() < 0.9
            sightings.append({"space_id": space_id, "plate": rng.choice(plates if allowed else offenders),
                              "seen_at": seen_at, "seen_by_id": guard, "allowed": allowed})
    _insert(Sighting.__table__, sightings)
    return total + len(sightings)


def supervision(rng: random.Random) -> int:
    """Ten years of property supervision: a few checklist inspections a workday with their item results, a
    rectification for about one in eight, the guards' rounds of the patrol routes (several a night, a few
    missed) with their checkpoints, and the monthly satisfaction survey's ratings."""
    from portal.blueprints.supervision import patrols
    from portal.blueprints.supervision.demo import PLACES, ROUTES
    from portal.blueprints.supervision.models import (
        Area,
        CheckItem,
        Inspection,
        InspectionResult,
        PatrolCheck,
        PatrolRound,
        PatrolRoute,
        Rectification,
        RectificationStatus,
        Satisfaction,
        SurveyRating,
    )

    items: dict[Area, list[tuple[int, str, int]]] = {}
    for item_id, area, text, weight in db.session.execute(
        select(CheckItem.id, CheckItem.area, CheckItem.text, CheckItem.weight).where(CheckItem.active.is_(True))
    ):
        items.setdefault(area, []).append((item_id, text, weight))
    inspector = db.session.scalar(select(User.id).where(User.username == "logistics"))
    guard = db.session.scalar(select(User.id).where(User.username == "guard"))
    first_day = timeutil.today() - timedelta(days=3652)
    last_day = timeutil.today() - timedelta(days=100)  # the demo's own months follow
    total = 0

    inspection_id = (db.session.scalar(select(func.max(Inspection.id))) or 0) + 1
    inspections: list[dict] = []
    results: list[dict] = []
    rectifications: list[dict] = []
    day = first_day
    while day < last_day and items:
        if day.weekday() < 5:
            for _ in range(rng.randint(2, 4)):
                area = rng.choice(list(items))
                at = timeutil.local(day, time(rng.randrange(8, 17), rng.choice((0, 15, 30, 45))))
                points = possible = 0
                for item_id, text, weight in items[area]:
                    passed = rng.random() < 0.9
                    possible += weight
                    points += weight if passed else 0
                    results.append({"inspection_id": inspection_id, "item_id": item_id, "text": text, "weight": weight,
                                    "passed": passed, "note": "" if passed else "已现场指出", "photo_id": None})
                inspections.append({"id": inspection_id, "area": area, "place": rng.choice(PLACES[area]),
                                    "inspected_at": at, "inspector_id": inspector, "note": "", "points": points,
                                    "possible": possible})
                if points < possible and rng.random() < 0.5:
                    deadline = day + timedelta(days=3)
                    rectifications.append({
                        "area": area, "inspection_id": inspection_id, "description": "按检查意见整改", "deadline": deadline,
                        "status": RectificationStatus.CLOSED, "created_at": at, "created_by_id": inspector,
                        "reply": "已按要求整改完毕，请复查。", "reported_at": at + timedelta(days=rng.randint(1, 4)),
                        "closed_at": at + timedelta(days=5), "returned_count": 0, "review_note": "复查合格。",
                        "patrol_round_id": None,
                    })
                inspection_id += 1
        day += timedelta(days=1)
    for table, rows in ((Inspection, inspections), (InspectionResult, results), (Rectification, rectifications)):
        _insert(table.__table__, rows)
        total += len(rows)

    start = timeutil.local(first_day, time(0))
    routes = db.session.execute(select(PatrolRoute.id, PatrolRoute.checkpoints, PatrolRoute.times)).all()
    if not routes:
        route_rows = [{"name": name, "checkpoints": "\n".join(checkpoints), "times": patrols.format_times(times),
                       "tolerance_minutes": 30, "created_at": start, "retired_at": None}
                      for name, checkpoints, times in ROUTES]
        _insert(PatrolRoute.__table__, route_rows)
        total += len(route_rows)
        routes = db.session.execute(select(PatrolRoute.id, PatrolRoute.checkpoints, PatrolRoute.times)).all()
    first_round = db.session.scalar(select(func.min(PatrolRound.started_at)))
    until = min(first_round, timeutil.now()) if first_round else timeutil.now() - timedelta(hours=2)
    round_id = (db.session.scalar(select(func.max(PatrolRound.id))) or 0) + 1
    rounds: list[dict] = []
    checks: list[dict] = []
    for route_id, checkpoints, times in routes:
        for at in patrols.slots(patrols.parse_times(times) or [], first_day, until.date(), active_from=start):
            began = at + timedelta(minutes=rng.randrange(-20, 26))
            if began + timedelta(hours=1) > until or rng.random() < 0.04:
                continue
            rounds.append({"id": round_id, "route_id": route_id, "guard_id": guard, "started_at": began,
                           "ended_at": began + timedelta(minutes=35), "note": ""})
            for position, checkpoint in enumerate(checkpoints.splitlines()):
                checks.append({"round_id": round_id, "position": position, "checkpoint": checkpoint, "checked": True,
                               "finding": "楼梯间一处灯不亮" if rng.random() < 0.01 else ""})
            round_id += 1
    for table, rows in ((PatrolRound, rounds), (PatrolCheck, checks)):
        _insert(table.__table__, rows)
        total += len(rows)

    ratings = []
    month = first_day.replace(day=1)
    while month < last_day:
        for _ in range(rng.randint(30, 60)):
            for area in Area:
                ratings.append({"year": month.year, "month": month.month, "area": area,
                                "rating": rng.choice((Satisfaction.SATISFIED, Satisfaction.SATISFIED,
                                                      Satisfaction.FAIRLY, Satisfaction.DISSATISFIED))})
        month = (month + timedelta(days=32)).replace(day=1)
    _insert(SurveyRating.__table__, ratings)
    return total + len(ratings)


TEN_YEARS = (staff, services, bookings, visitor_entries, vehicle_trips, supervision)
