"""Factories for the vehicles tests: a unit, cars, drivers and trips in any state."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest

from portal import timeutil
from portal.blueprints.vehicles import services as svc
from portal.blueprints.vehicles.models import (
    Driver,
    FuelType,
    Trip,
    Vehicle,
    VehicleKind,
)
from portal.db import db
from portal.models import Role, Unit


def at(day: date, hhmm: str) -> datetime:
    hour, minute = map(int, hhmm.split(":"))
    return timeutil.local(day, time(hour, minute))


@pytest.fixture
def unit(app) -> Unit:
    unit = Unit(name="县人力资源和社会保障局", short_name="人社局")
    db.session.add(unit)
    db.session.commit()
    return unit


@pytest.fixture
def people(make_user, unit) -> dict:
    return {
        "staff": make_user(roles=[Role.EMPLOYEE], username="v_staff", display_name="李明", unit=unit),
        "leader": make_user(roles=[Role.EMPLOYEE, Role.UNIT_ADMIN], username="v_leader", display_name="王科长", unit=unit),
        "dispatcher": make_user(roles=[Role.EMPLOYEE, Role.LOGISTICS_ADMIN], username="v_disp", display_name="陈主任"),
        "other": make_user(roles=[Role.EMPLOYEE], username="v_other", display_name="外单位"),
        "guard": make_user(roles=[Role.SECURITY], username="v_guard", display_name="刘师傅"),
    }


@pytest.fixture
def day() -> date:
    """A day a week ahead: requests for it are in the future whatever the test clock says."""
    return timeutil.today() + timedelta(days=7)


@pytest.fixture
def fleet(app) -> dict:
    far = timeutil.today() + timedelta(days=400)
    cars = [Vehicle(plate=p, kind=VehicleKind.SEDAN, seats=5, fuel=FuelType.PETROL, odometer=1000,
                    inspection_due=far, insurance_due=far) for p in ("川J0A101", "川J0A102")]
    cars.append(Vehicle(plate="川JD01087", kind=VehicleKind.SEDAN, seats=5, fuel=FuelType.ELECTRIC, odometer=500,
                        inspection_due=far, insurance_due=far))
    drivers = [Driver(name="张建国", licence_class="B1", licence_expires=far, phone="13890251234"),
               Driver(name="李志强", licence_class="C1", licence_expires=far, phone="13981762345")]
    db.session.add_all(cars + drivers)
    db.session.commit()
    return {"cars": cars, "drivers": drivers}


@pytest.fixture
def make_trip(people, day):
    """``make_trip(start="09:00", end="12:00", state="approved")``: a request moved through the real flow."""

    def factory(start: str = "09:00", end: str = "12:00", *, state: str = "approved", on: date | None = None,
                car: Vehicle | None = None, driver: Driver | None = None, needs_driver: bool = True) -> Trip:
        when = on or day
        now = timeutil.now()
        trip = svc.request_trip(svc.TripDraft("到镇街督查", "蓬莱镇", 2, at(when, start), at(when, end), needs_driver),
                                actor=people["staff"], now=now)
        if state in ("approved", "dispatched"):
            svc.approve(trip, actor=people["leader"], now=now)
        db.session.commit()
        if state == "dispatched":
            svc.dispatch(trip.id, car.id, driver.id if driver else None, actor=people["dispatcher"], now=now)
            db.session.commit()
        return trip

    return factory


def record(trip: Trip, people, *, out: int, back: int, fuel: str = "10.00", cost: str = "78.50", tolls: str = "15.00",
           now: datetime | None = None) -> Trip:
    now = now or trip.return_at + timedelta(hours=1)
    svc.record_trip(trip.id, svc.TripRecordDraft(trip.depart_at, trip.return_at, out, back, Decimal(fuel), Decimal(cost),
                                                 Decimal(tolls)), actor=people["dispatcher"], now=now)
    db.session.commit()
    return trip
