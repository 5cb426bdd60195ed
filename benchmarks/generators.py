"""Bulk data for the 10-year dataset, one generator per capability.

Each takes a seeded ``random.Random``, inserts with Core ``insert()`` in
batches (the ORM would take minutes for a million rows) and returns the number
of rows it added.
"""

from __future__ import annotations

import random
from datetime import date, time, timedelta
from decimal import Decimal

from sqlalchemy import func, insert, select

from portal import timeutil
from portal.blueprints.visitors.models import VisitorEntry
from portal.db import db
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


def _month_back(day, months: int):
    index = day.year * 12 + day.month - 1 - months
    return day.replace(year=index // 12, month=index % 12 + 1, day=1)


def energy(rng: random.Random) -> int:
    """Ten years of energy statistics before the demo's months: each month closed in
    water and electricity (the two invoices, a bill per unit with its two lines; the
    statistics read these, the meters' readings are left out), the canteen's natural
    gas and the generator's diesel entered month by month, the floor areas and
    headcounts kept every year, the units' quotas, and a savings measure or two a year."""
    from decimal import Decimal

    from portal.blueprints.energy.models import (
        EnergyBasis,
        EnergyQuantity,
        EnergyQuota,
        SavingsMeasure,
    )
    from portal.blueprints.utilities.models import (
        AllocationKey,
        BillingMonth,
        Invoice,
        MonthStatus,
        Supply,
        UnitBill,
        UnitBillLine,
    )

    cent = Decimal("0.01")
    first_demo = db.session.scalar(select(func.min(BillingMonth.period)))
    this_year = timeutil.today().year
    if first_demo is None:
        return 0
    units = db.session.execute(select(Unit.id, Unit.headcount)).all()
    now = timeutil.now()
    rows = 0
    periods = [_month_back(first_demo, back) for back in range(120, 0, -1)]
    month_rows = [{"period": p, "status": MonthStatus.CLOSED, "created_at": now, "closed_at": now, "close_note": ""}
                  for p in periods]
    _insert(BillingMonth.__table__, month_rows)
    month_ids = dict(db.session.execute(select(BillingMonth.period, BillingMonth.id).where(BillingMonth.period < first_demo)).all())
    price = {Supply.ELECTRICITY: Decimal("0.78"), Supply.WATER: Decimal("4.35")}
    season = {Supply.ELECTRICITY: (1.25, 1.1, 0.9, 0.85, 0.95, 1.2, 1.45, 1.5, 1.15, 0.9, 0.95, 1.15),
              Supply.WATER: (0.85, 0.8, 0.95, 1.0, 1.05, 1.15, 1.25, 1.25, 1.1, 1.0, 0.9, 0.85)}
    bills, invoices = [], []
    for period in periods:
        totals = {supply: [Decimal(0), Decimal(0)] for supply in price}
        for unit_id, headcount in units:
            lines = []
            for supply, base in ((Supply.ELECTRICITY, 85), (Supply.WATER, 0.9)):
                use = Decimal(str(round((headcount or 5) * base * season[supply][period.month - 1] * rng.uniform(0.85, 1.15), 1)))
                metered = (use * price[supply]).quantize(cent)
                shared = (metered * Decimal(str(round(rng.uniform(0.12, 0.2), 3)))).quantize(cent)
                lines.append({"supply": supply, "usage": use, "rate": price[supply], "weight": Decimal(headcount or 5),
                              "allocation_key": AllocationKey.FLOOR_AREA if supply is Supply.ELECTRICITY else AllocationKey.HEADCOUNT,
                              "metered": metered, "shared": shared, "total": metered + shared,
                              "old_ratio_amount": ((metered + shared) * Decimal(str(round(rng.uniform(0.85, 1.15), 3)))).quantize(cent)})
                totals[supply][0] += use
                totals[supply][1] += metered + shared
            bills.append(({"month_id": month_ids[period], "unit_id": unit_id, "total": sum((l["total"] for l in lines), Decimal(0)),
                           "created_at": now}, lines))
        for supply, (use, amount) in totals.items():
            loss = Decimal(str(round(rng.uniform(1.25, 1.4), 3)))  # common areas and line loss on top of the units'
            invoices.append({"month_id": month_ids[period], "supply": supply, "invoice_no": f"{period:%Y%m}{supply.value[:2]}",
                             "amount": (amount * loss).quantize(cent), "consumption": (use * loss).quantize(cent),
                             "allocation_key": AllocationKey.FLOOR_AREA, "entered_at": now})
    _insert(Invoice.__table__, invoices)
    _insert(UnitBill.__table__, [bill for bill, _ in bills])
    bill_ids = {(m, u): i for i, m, u in db.session.execute(
        select(UnitBill.id, UnitBill.month_id, UnitBill.unit_id).where(UnitBill.month_id.in_(month_ids.values())))}
    _insert(UnitBillLine.__table__, [{**line, "bill_id": bill_ids[bill["month_id"], bill["unit_id"]]}
                                     for bill, lines in bills for line in lines])
    rows += len(month_rows) + len(invoices) + len(bills) + sum(len(lines) for _, lines in bills)

    quantities = []
    for period in periods:
        gas = Decimal(str(round(1450 * (1.3 if period.month in (12, 1, 2) else 0.9) * rng.uniform(0.9, 1.1), 2)))
        quantities.append({"period": period, "source": "natural_gas", "unit_id": None, "quantity": gas,
                           "cost": (gas * Decimal("3.45")).quantize(cent), "entered_at": now})
        diesel = Decimal(str(round(rng.uniform(40, 90) + (300 if rng.random() < 0.1 else 0), 2)))  # test runs, outages
        quantities.append({"period": period, "source": "diesel", "unit_id": None, "quantity": diesel,
                           "cost": (diesel * Decimal("8.1")).quantize(cent), "entered_at": now})
    _insert(EnergyQuantity.__table__, quantities)
    kept_years = set(db.session.scalars(select(EnergyBasis.year).distinct()))
    basis, quotas = [], []
    for year in range(this_year - 10, this_year - 1):
        if year in kept_years:
            continue
        for unit_id, headcount in [*units, (None, sum(h or 0 for _, h in units))]:
            people = max(1, int((headcount or 5) * rng.uniform(0.85, 1.1)))
            basis.append({"year": year, "unit_id": unit_id, "floor_area": Decimal(people * 12), "headcount": people,
                          "updated_at": now})
        for unit_id, headcount in rng.sample(units, 8):
            quotas.append({"year": year, "unit_id": unit_id, "source": "electricity",
                           "quantity": Decimal((headcount or 5) * 1000), "updated_at": now})
            quotas.append({"year": year, "unit_id": unit_id, "source": "water",
                           "quantity": Decimal((headcount or 5) * 12), "updated_at": now})
    _insert(EnergyBasis.__table__, basis)
    _insert(EnergyQuota.__table__, quotas)
    measures = [{"title": rng.choice(("空调温控改造", "卫生间节水器具更换", "走廊感应照明", "水泵变频改造", "屋面隔热")) + f"（{p:%Y}）",
                 "source": rng.choice(("electricity", "water")), "started": p, "cost": Decimal(rng.randrange(20, 400) * 1000),
                 "note": "", "created_at": now} for p in periods if p.month in (4, 9) and rng.random() < 0.7]
    _insert(SavingsMeasure.__table__, measures)
    return rows + len(quantities) + len(basis) + len(quotas) + len(measures)


# what the building's plant holds beyond the demo's register: category, name, how many per floor, life,
# price, maintenance every (months), cost of a visit
EQUIPMENT_KINDS = (
    ("hvac", "分体空调", 30, 10, 6500, 6, 120),
    ("fire", "灭火器箱", 12, 8, 1200, 1, 40),
    ("fire", "烟感探测器组", 10, 12, 8000, 12, 600),
    ("security", "监控摄像机", 10, 8, 2800, 6, 80),
    ("distribution", "照明配电箱", 3, 20, 9000, 12, 300),
    ("pipes", "阀门组", 3, 20, 4000, 12, 200),
    ("av", "会议室音视频设备", 2, 8, 30000, 6, 500),
)


def equipment(rng: random.Random) -> int:
    """The building's plant beyond the demo's main items (about 1 000: air conditioners in
    the rooms, extinguisher cabinets, detectors and cameras on every floor …), each with
    its plan and ten years of maintenance records (a replacement when it reached its end of
    life), the lifts' and generators' monthly counter readings, and monthly inspection rounds
    of each building's fire, HVAC, security and distribution equipment."""
    from datetime import date
    from decimal import Decimal

    from portal.blueprints.equipment.models import (
        Asset,
        AssetCategory,
        AssetRepair,
        CheckResult,
        Condition,
        CounterReading,
        InspectionRound,
        IntervalUnit,
        MaintenancePlan,
        MaintenanceRecord,
        PlanKind,
        RoundResult,
    )
    from portal.blueprints.repairs.models import RepairRequest
    from portal.models import Building, Floor, Room

    today = timeutil.today()
    now = timeutil.now()
    start = _month_back(today, 120)
    floors = db.session.execute(select(Floor.id, Floor.building_id)).all()
    rooms_on: dict[int, list[int]] = {}
    for room_id, floor_id in db.session.execute(select(Room.id, Room.floor_id)):
        rooms_on.setdefault(floor_id, []).append(room_id)
    worker = db.session.scalar(select(User.id).where(User.username == "property"))
    conditions = (Condition.GOOD,) * 5 + (Condition.FAIR,) * 3 + (Condition.POOR, Condition.FAILED)
    assets, kinds = [], []
    for category, name, per_floor, life, price, _, _ in EQUIPMENT_KINDS:
        for floor_id, _building in floors:
            for n in range(rng.randint(per_floor // 2 + 1, per_floor + 1)):
                installed = date(rng.randrange(today.year - life, today.year + 1), rng.randrange(1, 13), rng.randrange(1, 28))
                room_ids = rooms_on.get(floor_id) or [None]
                assets.append({
                    "code": f"G{len(assets) + 1:05d}", "name": f"{name}{n + 1}", "category": AssetCategory(category),
                    "floor_id": floor_id, "room_id": rng.choice(room_ids), "zone": "", "install_date": min(installed, today),
                    "expected_life_years": life, "replacement_cost": Decimal(price), "supplier": "", "maintainer": "",
                    "condition": rng.choice(conditions), "condition_date": today - timedelta(days=rng.randrange(0, 365)),
                    "notes": "", "created_at": now,
                })
                kinds.append((category, name, life, price))
    _insert(Asset.__table__, assets)
    ids = dict(db.session.execute(select(Asset.code, Asset.id).where(Asset.code.like("G%"))).all())
    plans, records = [], []
    for asset, (category, name, life, price) in zip(assets, kinds):
        every, visit = next((e, v) for c, n, *_, e, v in EQUIPMENT_KINDS if (c, n) == (category, name))
        asset_id = ids[asset["code"]]
        anchor = max(asset["install_date"], start)
        plans.append({"asset_id": asset_id, "title": f"{name}保养", "kind": PlanKind.STATUTORY if category == "fire" and every == 12 else PlanKind.ROUTINE,
                      "every": every, "unit": IntervalUnit.MONTHS, "anchor": anchor, "remind_days": 14, "active": True,
                      "stop_reason": "", "next_due": None, "asset_code": asset["code"]})
    for plan in plans:
        asset_id, anchor, every = plan["asset_id"], plan["anchor"], plan["every"]
        due, step = anchor, 0
        while True:
            step += 1
            due = _month_back(anchor, -every * step).replace(day=min(anchor.day, 28))
            if due >= today:
                break
            if rng.random() < 0.97:
                records.append({"asset_id": asset_id, "plan_id": None, "due_on": due,
                                "done_on": min(due + timedelta(days=rng.randrange(0, 6)), today), "cost": Decimal(visit),
                                "note": plan["title"], "actor_id": worker, "recorded_at": now})
        plan["next_due"] = due if rng.random() < 0.9 else _month_back(due, 1)  # a few fallen behind
    # replacements at the end of life, in the years before the item now in its place was installed
    for asset, (category, name, life, price) in zip(assets, kinds):
        if asset["install_date"] > start:
            day = asset["install_date"]
            records.append({"asset_id": ids[asset["code"]], "plan_id": None, "due_on": None, "done_on": day,
                            "cost": Decimal(price), "note": f"更换{name}（到期报废）", "actor_id": worker, "recorded_at": now})
    _insert(MaintenancePlan.__table__, plans)
    plan_ids = dict(db.session.execute(select(MaintenancePlan.asset_id, MaintenancePlan.id)
                                       .where(MaintenancePlan.asset_id.in_(list(ids.values())))).all())
    for record in records:
        if record["due_on"] is not None:
            record["plan_id"] = plan_ids[record["asset_id"]]
    _insert(MaintenanceRecord.__table__, records)
    rows = len(assets) + len(plans) + len(records)

    counters = []
    for asset_id, category in db.session.execute(select(Asset.id, Asset.category).where(
            Asset.category.in_([AssetCategory.LIFT, AssetCategory.GENERATOR]))):
        total = rng.randrange(1000, 5000)
        for back in range(120, 0, -1):
            total += rng.randrange(1500, 3000) if category is AssetCategory.LIFT else rng.randrange(4, 12)
            counters.append({"asset_id": asset_id, "read_on": _month_back(today, back), "value": total, "total": total,
                             "replaced": False, "actor_id": worker, "recorded_at": now})
    _insert(CounterReading.__table__, counters)

    in_building: dict[tuple[int, str], list[int]] = {}
    floor_building = dict(floors)
    for asset_id, category, floor_id in db.session.execute(select(Asset.id, Asset.category, Asset.floor_id)):
        in_building.setdefault((floor_building[floor_id], category.value), []).append(asset_id)
    buildings = db.session.scalars(select(Building.id)).all()
    results, total_rounds = [], 0
    for back in range(120, 0, -1):
        month = _month_back(today, back)
        rounds = []
        for building_id in buildings:
            for category in ("fire", "hvac", "security", "distribution"):
                if in_building.get((building_id, category)):
                    started = timeutil.local(month + timedelta(days=rng.randrange(0, 25)), time(9, 0))
                    rounds.append({"category": AssetCategory(category), "building_id": building_id, "inspector_id": worker,
                                   "started_at": started, "finished_at": started + timedelta(hours=2), "note": ""})
        _insert(InspectionRound.__table__, rounds)
        total_rounds += len(rounds)
        first_id = db.session.scalar(select(func.max(InspectionRound.id))) - len(rounds) + 1
        for offset, round_ in enumerate(rounds):
            for asset_id in in_building[round_["building_id"], round_["category"].value]:
                failed = rng.random() < 0.02
                results.append({"round_id": first_id + offset, "asset_id": asset_id,
                                "result": CheckResult.FAIL if failed else CheckResult.PASS,
                                "finding": "运行异常，已报修" if failed else ""})
        if len(results) >= BATCH:
            _insert(RoundResult.__table__, results)
            rows += len(results)
            results = []
    _insert(RoundResult.__table__, results)
    linked = set(db.session.scalars(select(AssetRepair.repair_id)))
    repairs = [r for r in db.session.scalars(select(RepairRequest.id)) if r not in linked and rng.random() < 0.3]
    asset_ids = list(ids.values())
    _insert(AssetRepair.__table__, [{"asset_id": rng.choice(asset_ids), "repair_id": r} for r in repairs])
    return rows + len(counters) + total_rounds + len(results) + len(repairs)


NOTICE_TITLES = ("关于开展消防安全检查的通知", "关于调整班车时刻的通知", "停水停电通知", "关于节假日值班安排的通知", "机关食堂菜谱调整",
                 "关于开展干部职工体检的通知", "电梯维保停运通知", "关于规范公务用车使用的通知", "网络维护通知", "关于集中学习的通知")
ROOM_NAMES = ("主楼三楼第一会议室", "主楼五楼第二会议室", "附楼一一楼多功能厅", "附楼二二楼小会议室", "贵宾接待室")
PLACES = ("主楼 2楼 205 办公室", "主楼 4楼 男卫生间", "附楼一 1楼 大厅", "附楼三 3楼 302 办公室", "主楼 6楼 走廊")
# What a member of staff hears of in a day: notices to everyone most, their own bookings, repairs and visitors.
NOTIFICATION_KINDS = (  # code, to do, how often, the arguments its text takes
    ("notices.published", False, 8, ("title", "when")), ("rooms.approved", False, 3, ("room", "when")),
    ("visitors.arrived", False, 2, ("time",)), ("repairs.accepted", False, 1, ("place",)),
    ("repairs.finished", True, 1, ("place",)), ("feedback.answered", False, 1, ("number",)),
    ("vehicles.approved", False, 1, ("destination", "when")), ("rooms.request", True, 1, ("room", "when")),
)


def notifications(rng: random.Random) -> int:
    """Ten years of messages for the building's ~530 staff: one or two a working day
    each, all read and done but for the last fortnight's few."""
    from portal.blueprints.notifications.models import DeliveryStatus, Notification

    recipients = db.session.scalars(select(User.id).order_by(User.id).limit(540)).all()
    kinds = [(code, todo, names) for code, todo, weight, names in NOTIFICATION_KINDS for _ in range(weight)]
    now = timeutil.now()
    first_day = timeutil.today() - timedelta(days=3652)
    rows: list[dict] = []
    total = 0
    for offset in range(3652):
        day = first_day + timedelta(days=offset)
        if day.weekday() >= 5:
            continue
        recent = offset > 3652 - 14
        for recipient_id in recipients:
            for _ in range(rng.choice((0, 1, 1, 2, 2, 3))):
                code, todo, names = rng.choice(kinds)
                at = timeutil.local(day, time(rng.randrange(8, 18), rng.randrange(60)))
                seen = at + timedelta(minutes=rng.randrange(5, 600))
                read = seen if not recent or rng.random() < 0.6 else None
                when = at.strftime("%Y-%m-%d %H:%M")
                values = {"title": rng.choice(NOTICE_TITLES), "room": rng.choice(ROOM_NAMES), "when": when,
                          "place": rng.choice(PLACES), "time": at.strftime("%H:%M"), "number": rng.randrange(1, 900),
                          "destination": "市政务服务中心"}
                args = {name: values[name] for name in names}
                rows.append({
                    "recipient_id": recipient_id, "kind": code, "args": args, "endpoint": None, "endpoint_values": {},
                    "todo": todo, "todo_key": None, "event_key": f"{offset:04x}{recipient_id:05x}{rng.getrandbits(64):016x}",
                    "created_at": at, "read_at": read if read is None or read < now else None,
                    "done_at": seen if todo and read is not None and read < now else None,
                    "email_status": DeliveryStatus.SKIPPED, "webhook_status": DeliveryStatus.SKIPPED, "attempts": 0,
                    "next_attempt_at": at, "last_error": "",
                })
        if len(rows) >= BATCH:
            _insert(Notification.__table__, rows)
            total += len(rows)
            rows = []
    _insert(Notification.__table__, rows)
    return total + len(rows)


LEAVING = ("调离", "退休", "轮岗交流", "借调结束")


def offices(rng: random.Random) -> int:
    """Ten years of the office ledger: each room reallocated a time or two and back,
    the seats of ~600 people who have since left, a yearly publication and stock-take,
    and a few approved exceptions."""
    from portal.blueprints.offices.models import (
        OfficeException,
        OfficePublication,
        OfficeRoomEntry,
        OfficeSeat,
        OfficeStandard,
        OfficeStockTake,
        OfficeStockTakeLine,
        RoomUse,
    )

    today = timeutil.today()
    now = timeutil.now()
    first_year = today.year - 10
    current = db.session.execute(select(
        OfficeRoomEntry.room_id, OfficeRoomEntry.unit_id, OfficeRoomEntry.use, OfficeRoomEntry.area_m2)).all()
    units = db.session.scalars(select(Unit.id)).all()
    standards = db.session.scalars(select(OfficeStandard.id).order_by(OfficeStandard.sort_order)).all()
    entries: list[dict] = []
    offices_now = []
    for room_id, unit_id, use, area in current:
        if use is RoomUse.OFFICE:
            offices_now.append(room_id)
        years = sorted(rng.sample(range(first_year, today.year), rng.choice((1, 2, 2, 3))))
        for year in years:  # lent to another unit, then given back as it is today
            entries.append({"room_id": room_id, "valid_from": date(year, rng.randrange(1, 7), 1),
                            "unit_id": rng.choice(units), "use": use, "area_m2": area, "note": f"{year}年调整",
                            "recorded_at": now, "recorded_by_id": None})
            entries.append({"room_id": room_id, "valid_from": date(year, rng.randrange(7, 13), 1),
                            "unit_id": unit_id, "use": use, "area_m2": area, "note": f"{year}年收回",
                            "recorded_at": now, "recorded_by_id": None})
    _insert(OfficeRoomEntry.__table__, entries)
    seated = set(db.session.scalars(select(OfficeSeat.user_id)))
    former = [uid for uid in db.session.scalars(select(User.id).order_by(User.id)) if uid not in seated][:600]
    seats: list[dict] = []
    for user_id in former:
        start = today - timedelta(days=rng.randrange(400, 3650))
        for _ in range(rng.choice((1, 1, 2))):
            end = min(start + timedelta(days=rng.randrange(180, 1500)), today - timedelta(days=30))
            if end <= start:
                break
            seats.append({"room_id": rng.choice(offices_now), "user_id": user_id, "standard_id": rng.choice(standards[1:]),
                          "start_date": start, "end_date": end, "end_reason": rng.choice(LEAVING), "flagged_on": end})
            start = end
    _insert(OfficeSeat.__table__, seats)
    exceptions = [{"room_id": rng.choice(offices_now), "reason": "窗口单位临时增加人员", "approved_by": "县机关事务管理局",
                   "valid_from": date(year, 3, 1), "valid_to": date(year + 1, 2, 28),
                   "recorded_at": now, "recorded_by_id": None} for year in range(first_year, today.year - 1)]
    _insert(OfficeException.__table__, exceptions)
    latest = db.session.scalars(select(OfficePublication).order_by(OfficePublication.year.desc()).limit(1)).first()
    published = set(db.session.scalars(select(OfficePublication.year)))
    publications = [{"year": year, "as_of": date(year, 12, 1), "published_at": now, "published_by_id": None,
                     "rows": latest.rows if latest else []}
                    for year in range(first_year, today.year) if year not in published]
    _insert(OfficePublication.__table__, publications)
    rooms = [row[0] for row in current]
    lines = 0
    for year in range(first_year, today.year):
        take_id = db.session.execute(insert(OfficeStockTake.__table__).values(
            started_on=date(year, 11, 1), note=f"{year}年度办公用房清查盘点", started_by_id=None,
            closed_at=timeutil.local(date(year, 11, 30), time(17)))).inserted_primary_key[0]
        found = [{"stock_take_id": take_id, "room_id": room_id, "found_area": None, "found_people": rng.randrange(0, 4),
                  "note": "", "differs": rng.random() < 0.05, "recorded_at": now} for room_id in rooms]
        _insert(OfficeStockTakeLine.__table__, found)
        lines += len(found) + 1
    return len(entries) + len(seats) + len(exceptions) + len(publications) + lines


TEN_YEARS = (staff, services, bookings, visitor_entries, vehicle_trips, supervision, energy, equipment, notifications,
             offices)
