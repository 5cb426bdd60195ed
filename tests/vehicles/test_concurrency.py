"""Dispatching one car to overlapping trips at once: exactly one wins, through a real server."""

from __future__ import annotations

import threading

import pytest

from portal.blueprints.vehicles.models import Trip, TripStatus
from portal.db import db
from portal.models import Role
from tests.conftest import DEMO_PASSWORD
from tests.rooms.test_concurrency import _post

pytestmark = pytest.mark.live_server

REQUESTS = 12


def test_concurrent_dispatches_of_one_car_one_wins(live_server, make_user, fleet, make_trip):
    trips = [make_trip(f"{9 + i % 3:02d}:00", f"{12 + i % 2:02d}:00", needs_driver=False) for i in range(REQUESTS)]
    make_user(roles=[Role.EMPLOYEE, Role.LOGISTICS_ADMIN], username="racer")
    status, headers, _ = _post(live_server.url, "/login", {"username": "racer", "password": DEMO_PASSWORD})
    assert status == 303
    cookie = headers["set-cookie"].split(";", 1)[0]
    car_id, ids = fleet["cars"][0].id, [t.id for t in trips]
    db.session.commit()

    results: list[int] = []
    lock = threading.Lock()
    barrier = threading.Barrier(REQUESTS)

    def dispatch(trip_id: int) -> None:
        barrier.wait()
        code, _headers, _body = _post(live_server.url, f"/vehicles/trips/{trip_id}/dispatch",
                                      {"vehicle_id": car_id, "driver_id": "0"}, cookie)
        with lock:
            results.append(code)

    threads = [threading.Thread(target=dispatch, args=(i,)) for i in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(results).count(303) == 1, results
    assert sorted(results).count(409) == REQUESTS - 1, results
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count()).select_from(Trip).where(
        Trip.status == TripStatus.DISPATCHED, Trip.vehicle_id == car_id)) == 1


def test_postgresql_itself_refuses_a_car_or_driver_on_two_trips(app, people, fleet, make_trip):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the exclusion constraints are PostgreSQL's; SQLite serializes writes instead")
    from sqlalchemy.exc import IntegrityError

    car, driver = fleet["cars"][0], fleet["drivers"][0]
    make_trip("09:00", "12:00", state="dispatched", car=car, driver=driver)
    other = make_trip("10:00", "11:00")
    other.status, other.vehicle_id = TripStatus.DISPATCHED, car.id
    with pytest.raises(IntegrityError) as error:
        db.session.commit()
    assert "vehicle_trip_vehicle_no_overlap" in str(error.value)
    db.session.rollback()
    other = db.session.get(Trip, other.id)
    other.status, other.vehicle_id, other.driver_id = TripStatus.DISPATCHED, fleet["cars"][1].id, driver.id
    with pytest.raises(IntegrityError) as error:
        db.session.commit()
    assert "vehicle_trip_driver_no_overlap" in str(error.value)
