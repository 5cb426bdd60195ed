"""The demo: a small pool (the commuter buses are the shuttle's), trips in every state, parking, idempotent."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from portal import timeutil
from portal.blueprints.vehicles import services as svc
from portal.blueprints.vehicles.demo import seed_demo
from portal.blueprints.vehicles.models import (
    Driver,
    StaffVehicle,
    Trip,
    TripStatus,
    Vehicle,
)
from portal.db import db


def test_demo_is_a_small_pool_with_trips_in_every_open_state_and_is_seeded_once(demo):
    pool = db.session.scalar(select(func.count()).select_from(Vehicle).where(Vehicle.unit_id.is_(None)))
    assert 6 <= pool <= 10
    assert 2 <= db.session.scalar(select(func.count()).select_from(Driver)) <= 6
    statuses = set(db.session.scalars(select(Trip.status).distinct()))
    assert {TripStatus.PENDING, TripStatus.APPROVED, TripStatus.DISPATCHED, TripStatus.DONE} <= statuses
    counts = [db.session.scalar(select(func.count()).select_from(m)) for m in (Vehicle, Trip, StaffVehicle)]
    seed_demo()
    assert [db.session.scalar(select(func.count()).select_from(m)) for m in (Vehicle, Trip, StaffVehicle)] == counts


def test_demo_register_and_fuel_are_consistent(demo):
    today = timeutil.today()
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    report = svc.month_register(last_month)
    assert report.total.trips > 10
    fuel = svc.monthly_fuel(last_month, today)
    assert sum(fuel[last_month].values()) == sum(report.total.fuel.values())
    for trip in db.session.scalars(select(Trip).where(Trip.status == TripStatus.DONE)):
        assert trip.odometer_in >= trip.odometer_out and trip.actual_depart_at <= timeutil.now()


def test_home_panel_shows_what_waits(client, auth, demo):
    auth.login_as(demo["logistics_admin"])
    page = client.get("/").get_data(as_text=True)
    assert "待派车" in page
    auth.login_as(demo["security"])
    assert "查询车牌" in client.get("/").get_data(as_text=True)

