"""Demo cars and parking: the logistics center's small pool (the three commuter
buses belong to the shuttle), a few drivers, a month of recorded trips, requests
in every state, parking areas with reserved spaces and staff vehicles. Idempotent."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select

from portal import timeutil
from portal.blueprints.vehicles.models import (
    Driver,
    FuelType,
    ParkingArea,
    ParkingSpace,
    RegistrationStatus,
    Sighting,
    SpaceKind,
    StaffVehicle,
    Trip,
    TripStatus,
    Vehicle,
    VehicleKind,
)
from portal.db import db
from portal.models import Unit, User

POOL = (
    # plate, kind, model, seats, fuel, odometer
    ("川J0A101", VehicleKind.SEDAN, "大众帕萨特", 5, FuelType.PETROL, 86420),
    ("川J0A102", VehicleKind.SEDAN, "大众帕萨特", 5, FuelType.PETROL, 91233),
    ("川J0A103", VehicleKind.SEDAN, "丰田凯美瑞", 5, FuelType.PETROL, 64118),
    ("川J0A105", VehicleKind.MPV, "别克GL8", 7, FuelType.PETROL, 120560),
    ("川J0A106", VehicleKind.SUV, "长城哈弗H6", 5, FuelType.PETROL, 45210),
    ("川JD01087", VehicleKind.SEDAN, "比亚迪秦PLUS EV", 5, FuelType.ELECTRIC, 23015),
    ("川J0A108", VehicleKind.MINIBUS, "江铃全顺", 14, FuelType.DIESEL, 150332),
)
UNIT_CARS = (("川J0B211", "应急局", VehicleKind.PICKUP, "江铃域虎", 5, FuelType.DIESEL, 58220),)
DRIVERS = (
    ("张建国", "A1", date(2029, 6, 30), "13890251234"),
    ("李志强", "B1", date(2027, 3, 15), "13981762345"),
    ("王勇", "C1", date(2028, 11, 20), "15108253456"),
    ("陈卫东", "A2", date(2026, 12, 20), "13778254567"),
)
PURPOSES = (
    ("到镇街督查防汛准备", "蓬莱镇"), ("送文件到市政府", "遂宁市政府"), ("陪同检查安全生产", "工业园区"),
    ("参加市里培训", "遂宁市委党校"), ("到村里开展入户走访", "拦江镇"), ("接送检查组", "县高铁站"),
)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return timeutil.local(day, time(hour, minute))


def seed_demo() -> None:
    if db.session.scalar(select(Vehicle.id).limit(1)) is not None:
        return
    today = timeutil.today()
    units = {u.short_name: u for u in db.session.scalars(select(Unit))}
    users = {u.username: u for u in db.session.scalars(select(User).where(User.username.in_(
        ("staff", "unitadmin", "logistics", "admin"))))}
    cars = []
    for i, (plate, kind, model, seats, fuel, km) in enumerate(POOL):
        car = Vehicle(plate=plate, kind=kind, model=model, seats=seats, fuel=fuel, odometer=km,
                      purchased_on=date(2016 + i % 6, 3 + i, 10),
                      inspection_due=today + timedelta(days=40 + 45 * i), insurance_due=today + timedelta(days=20 + 60 * i),
                      service_due_km=(km // 10000 + 1) * 10000)
        cars.append(car)
    cars[4].inspection_due = today + timedelta(days=12)
    for plate, short, kind, model, seats, fuel, km in UNIT_CARS:
        cars.append(Vehicle(plate=plate, kind=kind, model=model, seats=seats, fuel=fuel, odometer=km,
                            unit=units.get(short), inspection_due=today + timedelta(days=200),
                            insurance_due=today + timedelta(days=150)))
    drivers = [Driver(name=n, licence_class=c, licence_expires=e, phone=p) for n, c, e, p in DRIVERS]
    db.session.add_all(cars + drivers)
    db.session.flush()

    staff, logistics = users.get("staff"), users.get("logistics")
    requester_unit = staff.unit_id if staff else None
    # Last month and this month so far: recorded trips, for the register and the fuel statistics.
    start = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    day, n = start, 0
    while day < today - timedelta(days=1):
        if day.weekday() < 5:
            car, driver = cars[n % 5], drivers[n % 3]
            purpose, place = PURPOSES[n % len(PURPOSES)]
            km = 18 + (n * 7) % 60
            fuel = (Decimal(km) * Decimal("0.09")).quantize(Decimal("0.01"))
            trip = Trip(requester_id=staff.id if staff else None, unit_id=requester_unit, purpose=purpose,
                        destination=place, passengers=1 + n % 3, depart_at=_at(day, 9), return_at=_at(day, 12),
                        status=TripStatus.DONE, created_at=_at(day - timedelta(days=1), 15), vehicle=car, driver=driver,
                        decided_by_id=users["unitadmin"].id if "unitadmin" in users else None,
                        decided_at=_at(day - timedelta(days=1), 16), dispatched_at=_at(day - timedelta(days=1), 17),
                        dispatched_by_id=logistics.id if logistics else None,
                        actual_depart_at=_at(day, 9, 5), actual_return_at=_at(day, 11, 50),
                        odometer_out=car.odometer, odometer_in=car.odometer + km, fuel_amount=fuel,
                        fuel_cost=(fuel * Decimal("7.85")).quantize(Decimal("0.01")),
                        tolls=Decimal("15.00") if n % 4 == 0 else Decimal("0.00"),
                        recorded_at=_at(day, 12), recorded_by_id=logistics.id if logistics else None)
            car.odometer += km
            db.session.add(trip)
            n += 1
        day += timedelta(days=1)
    car_for_service = cars[0]
    car_for_service.service_due_km = car_for_service.odometer + 300
    # Open requests: one waiting for approval, one for a car, one dispatched.
    tomorrow = today + timedelta(days=1)
    if staff is not None:
        db.session.add_all([
            Trip(requester_id=staff.id, unit_id=requester_unit, purpose="到县社保中心核对参保数据", destination="县社保中心",
                 passengers=2, depart_at=_at(tomorrow, 9), return_at=_at(tomorrow, 11), created_at=timeutil.now()),
            Trip(requester_id=staff.id, unit_id=requester_unit, purpose="陪同市局检查就业服务站", destination="桂花镇就业服务站",
                 passengers=3, depart_at=_at(tomorrow, 14), return_at=_at(tomorrow, 17), status=TripStatus.APPROVED,
                 decided_at=timeutil.now(), created_at=timeutil.now()),
            Trip(requester_id=staff.id, unit_id=requester_unit, purpose="送审计资料", destination="遂宁市审计局",
                 passengers=1, depart_at=_at(tomorrow + timedelta(days=1), 8, 30),
                 return_at=_at(tomorrow + timedelta(days=1), 12), status=TripStatus.DISPATCHED, vehicle=cars[1],
                 driver=drivers[1], decided_at=timeutil.now(), dispatched_at=timeutil.now(), created_at=timeutil.now()),
        ])

    # Parking: the front court (reserved for leaders' units and visitors) and the basement.
    front = ParkingArea(name="前广场", location="主楼南侧", sort_order=0)
    basement = ParkingArea(name="地下车库", location="主楼负一层", sort_order=1)
    db.session.add_all([front, basement])
    spaces = []
    for i in range(1, 7):
        spaces.append(ParkingSpace(area=front, number=f"A{i:02d}", kind=SpaceKind.VISITOR if i > 4 else SpaceKind.UNIT,
                                   unit=units.get(("县委办", "人社局", "应急局", "财政局")[i - 1]) if i <= 4 else None))
    spaces.append(ParkingSpace(area=front, number="A07", kind=SpaceKind.ACCESSIBLE))
    for i in range(1, 13):
        kind = SpaceKind.PERSON if i <= 2 else SpaceKind.SHARED
        spaces.append(ParkingSpace(area=basement, number=f"B{i:02d}", kind=kind,
                                   holder=users.get("unitadmin") if i == 1 else (staff if i == 2 else None)))
    db.session.add_all(spaces)
    if staff is not None:
        db.session.add(StaffVehicle(owner=staff, plate="川J5K728", description="白色 大众朗逸",
                                    status=RegistrationStatus.APPROVED, created_at=timeutil.now() - timedelta(days=60),
                                    decided_at=timeutil.now() - timedelta(days=59)))
        db.session.add(StaffVehicle(owner=staff, plate="川JD36291", description="蓝色 比亚迪海豚",
                                    status=RegistrationStatus.PENDING, created_at=timeutil.now() - timedelta(days=1)))
    if "unitadmin" in users:
        db.session.add(StaffVehicle(owner=users["unitadmin"], plate="川J8M316", description="黑色 丰田卡罗拉",
                                    status=RegistrationStatus.APPROVED, created_at=timeutil.now() - timedelta(days=90)))
    db.session.flush()
    for days_ago in (20, 9, 2):
        db.session.add(Sighting(space=spaces[1], plate="川J7Q550", seen_at=timeutil.now() - timedelta(days=days_ago, hours=1),
                                allowed=False))
