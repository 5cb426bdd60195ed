"""The pages per role: request → approve → dispatch → record, refusals shown on the form, parking."""

from __future__ import annotations

from datetime import timedelta

from portal import timeutil
from portal.blueprints.vehicles import parking
from portal.blueprints.vehicles import services as svc
from portal.blueprints.vehicles.models import (
    RegistrationStatus,
    StaffVehicle,
    Trip,
    TripStatus,
)
from portal.db import db
from portal.models import Role
from tests.pages import drawn_afresh
from tests.vehicles.conftest import at


def test_request_approve_dispatch_record_through_the_pages(client, auth, people, fleet, day):
    auth.login_as(people["staff"])
    response = client.post("/vehicles/new", data={
        "purpose": "到镇街督查防汛", "destination": "蓬莱镇", "passengers": "2",
        "depart_day": day.isoformat(), "depart_time": "09:00", "return_day": day.isoformat(), "return_time": "12:00",
        "needs_driver": "y"})
    assert response.status_code == 303
    trip = db.session.scalar(db.select(Trip))
    assert trip.status is TripStatus.PENDING

    auth.login_as(people["leader"])
    assert "到镇街督查防汛" in client.get("/vehicles/approvals").get_data(as_text=True)
    assert client.post(f"/vehicles/trips/{trip.id}/approve", data={"note": ""}).status_code == 303

    auth.login_as(people["dispatcher"])
    page = client.get(f"/vehicles/trips/{trip.id}").get_data(as_text=True)
    assert "川J0A101" in page and "张建国" in page
    car, driver = fleet["cars"][0], fleet["drivers"][0]
    assert client.post(f"/vehicles/trips/{trip.id}/dispatch",
                       data={"vehicle_id": car.id, "driver_id": driver.id}).status_code == 303
    db.session.expire_all()
    assert trip.status is TripStatus.DISPATCHED and trip.vehicle_id == car.id

    timeutil.set_clock(at(day, "13:00"))
    response = client.post(f"/vehicles/trips/{trip.id}/record", data={
        "depart_day": day.isoformat(), "depart_time": "09:05", "return_day": day.isoformat(), "return_time": "11:55",
        "odometer_out": "990", "odometer_in": "1030", "fuel_amount": "3.5", "fuel_cost": "27.48", "tolls": "10"})
    assert response.status_code == 422
    assert "里程表读数不能倒退" in response.get_data(as_text=True)
    db.session.expire_all()
    assert trip.status is TripStatus.DISPATCHED
    response = client.post(f"/vehicles/trips/{trip.id}/record", data={
        "depart_day": day.isoformat(), "depart_time": "09:05", "return_day": day.isoformat(), "return_time": "11:55",
        "odometer_out": "1000", "odometer_in": "1030", "fuel_amount": "3.5", "fuel_cost": "27.48", "tolls": "10"})
    assert response.status_code == 303
    register = client.get(f"/vehicles/register?month={day:%Y-%m}").get_data(as_text=True)
    assert "川J0A101" in register and "37.48" in register
    xlsx = client.get(f"/vehicles/register.xlsx?month={day:%Y-%m}")
    assert xlsx.status_code == 200 and xlsx.mimetype.endswith("sheet")


def test_return_before_departure_is_shown_on_the_form(client, auth, people, day):
    auth.login_as(people["staff"])
    response = client.post("/vehicles/new", data={
        "purpose": "开会", "destination": "市里", "passengers": "1", "depart_day": day.isoformat(),
        "depart_time": "12:00", "return_day": day.isoformat(), "return_time": "09:00"})
    assert response.status_code == 422
    assert "返回时间必须晚于出发时间" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Trip)) == 0


def test_other_units_cannot_see_or_approve_a_request(client, auth, people, make_trip):
    trip = make_trip(state="pending")
    auth.login_as(people["other"])
    assert client.get(f"/vehicles/trips/{trip.id}").status_code == 403
    assert client.post(f"/vehicles/trips/{trip.id}/approve", data={}).status_code == 403
    auth.login_as(people["staff"])
    assert client.post(f"/vehicles/trips/{trip.id}/approve", data={}).status_code == 403


def test_dispatch_clash_is_a_clear_409(client, auth, people, fleet, make_trip):
    car = fleet["cars"][0]
    make_trip("09:00", "12:00", state="dispatched", car=car, driver=fleet["drivers"][0])
    second = make_trip("10:00", "11:00")
    auth.login_as(people["dispatcher"])
    response = client.post(f"/vehicles/trips/{second.id}/dispatch", data={"vehicle_id": car.id, "driver_id": fleet["drivers"][1].id})
    assert response.status_code == 409
    assert "已有其他出车任务" in response.get_data(as_text=True)


def test_bad_month_is_a_400(client, auth, people):
    auth.login_as(people["dispatcher"])
    assert client.get("/vehicles/register?month=2026-13").status_code == 400
    assert client.get("/vehicles/register?month=abc").status_code == 400


def test_vehicle_plate_is_normalised_and_validated_like_the_visitor_desk(client, auth, people):
    auth.login_as(people["dispatcher"])
    data = {"plate": "川ａ 12345", "kind": "sedan", "seats": "5", "fuel": "petrol", "unit_id": "0", "odometer": "100"}
    response = client.post("/vehicles/fleet/new", data=data)
    assert response.status_code == 303
    data["plate"] = "川A1234"
    response = client.post("/vehicles/fleet/new", data=data)
    assert response.status_code == 422 and "7" in response.get_data(as_text=True)


def test_staff_vehicle_registration_approved_by_the_unit_admin_and_found_by_the_guard(client, auth, people):
    auth.login_as(people["staff"])
    assert client.post("/vehicles/parking", data={"plate": "川j5k728", "description": "白色朗逸"}).status_code == 303
    registration = db.session.scalar(db.select(StaffVehicle))
    assert registration.plate == "川J5K728"
    auth.login_as(people["other"])
    assert client.post(f"/vehicles/parking/{registration.id}/decide", data={"decision": "approve"}).status_code == 403
    auth.login_as(people["leader"])
    assert client.post(f"/vehicles/parking/{registration.id}/decide", data={"decision": "approve"}).status_code == 303
    db.session.expire_all()
    assert registration.status is RegistrationStatus.APPROVED
    auth.login_as(people["guard"])
    page = client.get("/vehicles/parking/lookup?plate=川J5K728").get_data(as_text=True)
    assert "李明" in page
    assert client.get("/vehicles/parking/lookup?plate=XX").status_code == 422


def test_at_most_n_vehicles_per_person(client, auth, people, app):
    app.config["PARKING_MAX_VEHICLES"] = 1
    auth.login_as(people["staff"])
    assert client.post("/vehicles/parking", data={"plate": "川J5K728"}).status_code == 303
    response = client.post("/vehicles/parking", data={"plate": "川J5K729"})
    assert response.status_code == 422 and "最多登记 1 辆车" in response.get_data(as_text=True)


def test_refusing_needs_a_reason(client, auth, people, make_trip):
    trip = make_trip(state="pending")
    auth.login_as(people["leader"])
    response = client.post(f"/vehicles/trips/{trip.id}/refuse", data={"note": ""})
    assert response.status_code == 422 and "请说明拒绝的理由" in response.get_data(as_text=True)
    assert client.post(f"/vehicles/trips/{trip.id}/refuse", data={"note": "当天无车"}).status_code == 303
    db.session.expire_all()
    assert trip.status is TripStatus.REJECTED


def test_sealing_checklist_page_for_the_weekend(client, auth, people, fleet, clock):
    clock(2026, 12, 3, 16, 0)
    auth.login_as(people["dispatcher"])
    page = client.get("/vehicles/sealing").get_data(as_text=True)
    assert "2026-12-05" in page and "川J0A101" in page
    for car in fleet["cars"]:
        assert client.post(f"/vehicles/sealing/{car.id}", data={"place": "地下车库"}).status_code == 303
    assert client.post("/vehicles/sealing/sign", data={}).status_code == 303
    page = client.get("/vehicles/sealing").get_data(as_text=True)
    assert "陈主任 于" in page and 'action="/vehicles/sealing/sign"' not in page


# --- kept pages ----------------------------------------------------------------------------------


def _kept(client, path: str, count_queries) -> bytes:
    """The page drawn for the session (its first visit gives it a CSRF token), served again with no query
    beyond the account's and the data versions'."""
    client.get(path)
    first = client.get(path).get_data()
    with count_queries() as counted:
        again = client.get(path).get_data()
    assert again == first and counted.count == 1  # the data versions: no account loaded
    return first


def test_the_dispatch_queue_is_kept_for_the_dispatchers_session_until_a_request_changes(
        client, auth, make_user, people, make_trip, count_queries, areas_on_record):
    trip = make_trip("09:00", "10:00")
    areas_on_record("vehicles", "building")
    auth.login_as(people["dispatcher"])
    first = _kept(client, "/vehicles/dispatch", count_queries)
    assert f"/vehicles/trips/{trip.id}".encode() in first
    later = make_trip("14:00", "16:00")
    page = client.get("/vehicles/dispatch").get_data()
    assert page != first and f"/vehicles/trips/{later.id}".encode() in page

    other = make_user(roles=[Role.EMPLOYEE, Role.LOGISTICS_ADMIN], username="v_disp2", display_name="赵副主任")
    auth.login_as(other)
    client.get("/vehicles/dispatch")
    theirs = client.get("/vehicles/dispatch").get_data(as_text=True)
    assert "赵副主任" in theirs and "陈主任" not in theirs


def test_my_car_requests_are_kept_until_one_of_mine_changes_and_never_shown_to_another(
        client, auth, people, make_trip, count_queries, areas_on_record):
    trip = make_trip("09:00", "10:00", state="pending")
    areas_on_record("vehicles", "building")
    auth.login_as(people["staff"])
    first = _kept(client, "/vehicles/", count_queries)
    assert f"/vehicles/trips/{trip.id}".encode() in first
    svc.cancel(trip, actor=people["staff"], now=timeutil.now())
    db.session.commit()
    page = client.get("/vehicles/").get_data()
    assert page != first

    auth.login_as(people["other"])
    client.get("/vehicles/")
    theirs = client.get("/vehicles/").get_data()
    assert f"/vehicles/trips/{trip.id}".encode() not in theirs


def test_the_plate_lookup_is_kept_for_the_guard_until_a_registration_changes(
        client, auth, people, count_queries, areas_on_record):
    areas_on_record("vehicles", "visitors", "building")
    path = "/vehicles/parking/lookup?plate=川J5K728"
    auth.login_as(people["guard"])
    first = _kept(client, path, count_queries)
    assert "李明".encode() not in first
    parking.register_vehicle(parking.RegistrationDraft("川J5K728", "白色 大众朗逸"), actor=people["staff"],
                             now=timeutil.now())
    db.session.commit()
    assert "李明" in client.get(path).get_data(as_text=True)


def test_drawing_the_dispatch_queue_takes_the_same_queries_for_one_request_or_many(
        client, auth, people, fleet, make_trip, count_queries):
    make_trip("08:00", "09:00")
    auth.login_as(people["dispatcher"])
    client.get("/vehicles/dispatch")
    _page, one = drawn_afresh(client, "/vehicles/dispatch", count_queries)
    for hour in range(10, 16):
        make_trip(f"{hour}:00", f"{hour}:30")
    client.get("/vehicles/dispatch")  # the fleet's facts read again after the change
    _page, many = drawn_afresh(client, "/vehicles/dispatch", count_queries)
    # the data versions, the account, the page of trips as columns, their count, the header's count
    assert many.count == one.count == 5


def test_the_dispatch_queue_reads_its_fleet_once_for_every_status_and_shows_a_change_at_once(
        client, auth, people, fleet, make_trip, count_queries):
    make_trip("08:00", "09:00")
    due = timeutil.today() + timedelta(days=16)
    auth.login_as(people["dispatcher"])
    first = client.get("/vehicles/dispatch").get_data(as_text=True)
    assert due.isoformat() not in first
    for status in ("done", "dispatched", "pending"):
        _page, counted = drawn_afresh(client, f"/vehicles/dispatch?status={status}", count_queries)
        assert counted.count == 5 and not any("vehicle.active" in s for s in counted.statements)
    car = fleet["cars"][1]
    car.inspection_due = due
    db.session.commit()
    page, counted = drawn_afresh(client, "/vehicles/dispatch?status=done", count_queries)
    assert counted.count == 6  # the fleet read again
    assert f'/vehicles/fleet/{car.id}">川J0A102</a>' in page and due.isoformat() in page


def test_the_dispatch_queue_names_requester_unit_car_and_driver(
        client, auth, people, fleet, make_trip):
    car, driver = fleet["cars"][0], fleet["drivers"][0]
    make_trip("08:00", "09:00", state="dispatched", car=car, driver=driver)
    make_trip("10:00", "11:00", state="pending", needs_driver=False)
    auth.login_as(people["dispatcher"])
    page = client.get("/vehicles/dispatch?status=dispatched").get_data(as_text=True)
    assert "李明（人社局）" in page and "川J0A101" in page and "张建国" in page and "自驾" not in page
    assert "自驾" in client.get("/vehicles/dispatch?status=pending").get_data(as_text=True)


def test_my_car_requests_are_drawn_in_fixed_queries_as_columns(
        client, auth, people, fleet, make_trip, count_queries):
    trips = [make_trip(f"{hour}:00", f"{hour}:30", state="pending") for hour in range(8, 12)]
    auth.login_as(people["staff"])
    client.get("/vehicles/")
    page, counted = drawn_afresh(client, "/vehicles/", count_queries)
    # the data versions, the account, the page of trips, their count, the header's count
    assert counted.count == 5
    assert all(f"/vehicles/trips/{trip.id}" in page for trip in trips) and "到镇街督查" in page


def test_the_plate_lookup_reads_the_registrations_once_for_every_plate_and_shows_a_change_at_once(
        client, auth, people, count_queries):
    registration = parking.register_vehicle(parking.RegistrationDraft("川J5K728", "白色 大众朗逸"),
                                            actor=people["staff"], now=timeutil.now())
    db.session.commit()
    auth.login_as(people["guard"])
    assert "李明" in client.get("/vehicles/parking/lookup?plate=川J5K728").get_data(as_text=True)
    page, counted = drawn_afresh(client, "/vehicles/parking/lookup?plate=川J0A101", count_queries)
    # the data versions, the account, the visitor log, the header's count: the building's cars are kept
    assert counted.count == 4 and not any("parking_staff_vehicle" in s for s in counted.statements)
    people["staff"].phone_ext = "8123"
    db.session.commit()
    page, counted = drawn_afresh(client, "/vehicles/parking/lookup?plate=川J5K728", count_queries)
    assert counted.count == 7 and "8123" in page
    parking.withdraw(registration, actor=people["staff"], now=timeutil.now())
    db.session.commit()
    assert "李明" not in client.get("/vehicles/parking/lookup?plate=川J5K728").get_data(as_text=True)
