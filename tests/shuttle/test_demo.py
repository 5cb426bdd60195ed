"""The demo shuttle: three buses, two directions, trips, a notice; every page has content."""

from sqlalchemy import func, select

from portal.blueprints.shuttle.demo import seed_demo
from portal.blueprints.shuttle.models import (
    Direction,
    ServiceException,
    ShuttleNotice,
    ShuttleRoute,
    ShuttleTrip,
    ShuttleVehicle,
)
from portal.blueprints.shuttle.services import direction_durations, slot_for, vehicle_conflicts
from portal.db import db


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_demo_data_is_realistic_consistent_and_idempotent(demo):
    assert count(ShuttleVehicle) == 3
    route = db.session.scalar(select(ShuttleRoute))
    assert route.direction_label(Direction.OUTBOUND) == "老城区·十字口 → 行政中心"
    assert route.direction_label(Direction.INBOUND) == "行政中心 → 老城区·十字口"
    assert len(route.pattern(Direction.OUTBOUND)) == len(route.pattern(Direction.INBOUND)) == 6
    trips = db.session.scalars(select(ShuttleTrip)).all()
    hours = {t.departs_at.hour for t in trips}
    assert hours & {7} and hours & {12, 13} and hours & {17, 18}  # morning, noon, evening
    durations = direction_durations()
    for trip in trips:  # the demo schedule passes its own validation
        assert vehicle_conflicts(slot_for(trip, durations[trip.route_id, trip.direction]), [trip.id]) == []
    assert count(ShuttleNotice) >= 1 and count(ServiceException) >= 1
    before = {model: count(model) for model in (ShuttleTrip, ShuttleVehicle, ShuttleNotice, ServiceException)}
    seed_demo()
    db.session.commit()
    assert {model: count(model) for model in before} == before


def test_every_shuttle_page_has_content(client, demo, auth):
    auth.login_as(demo["logistics_admin"])
    pages = {
        "/shuttle/": "川J·B1207",
        "/shuttle/manage/": "老城区·十字口",
        "/shuttle/manage/stops/": "新区管委会",
        "/shuttle/manage/vehicles/": "13908251207",
        "/shuttle/manage/trips/": "07:20",
        "/shuttle/manage/exceptions/": "全县干部大会",
        "/shuttle/manage/notices/": "送修",
        "/workdays/": "国庆节",
        "/admin/": "工作日日历",
    }
    for url, expected in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert expected in response.get_data(as_text=True), url
