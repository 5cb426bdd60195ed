"""Domain rules without HTTP: requests, clash detection, trip records, roll-ups, fuel, reminders, sealing."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from portal import events, timeutil
from portal.blueprints.notifications.models import Notification
from portal.blueprints.vehicles import services as svc
from portal.blueprints.vehicles.models import TripStatus
from portal.db import db
from portal.rules import RuleViolation
from tests.vehicles.conftest import at, record


def test_return_before_departure_is_refused_and_nothing_saved(people, day):
    with pytest.raises(RuleViolation) as error:
        svc.request_trip(svc.TripDraft("开会", "市里", 1, at(day, "12:00"), at(day, "09:00")),
                         actor=people["staff"], now=timeutil.now())
    assert error.value.field == "return_time"
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count()).select_from(svc.Trip)) == 0


def test_departure_in_the_past_is_refused(people):
    now = timeutil.now()
    with pytest.raises(RuleViolation):
        svc.request_trip(svc.TripDraft("开会", "市里", 1, now - timedelta(hours=1), now + timedelta(hours=1)),
                         actor=people["staff"], now=now)


def test_request_goes_to_the_unit_admin_and_approval_to_the_dispatcher(people, make_trip):
    trip = make_trip(state="pending")
    assert trip.status is TripStatus.PENDING
    assert svc.approver_ids(trip) == [people["leader"].id]
    assert not svc.may_approve(people["other"], trip)
    with pytest.raises(RuleViolation) as error:
        svc.approve(trip, actor=people["staff"], now=timeutil.now())
    assert error.value.status == 403
    svc.approve(trip, actor=people["leader"], now=timeutil.now())
    db.session.commit()
    assert trip.status is TripStatus.APPROVED


def test_logistics_mode_sends_requests_to_the_logistics_center(app, people, make_trip):
    app.config["VEHICLE_APPROVAL"] = "logistics"
    trip = make_trip(state="pending")
    assert svc.approver_ids(trip) == [people["dispatcher"].id]
    assert not svc.may_approve(people["leader"], trip)


def test_the_requester_is_told_of_approval_and_dispatch(people, fleet, make_trip):
    trip = make_trip(state="dispatched", car=fleet["cars"][0], driver=fleet["drivers"][0])
    told = {(n.kind, n.args.get("plate")) for n in db.session.scalars(
        db.select(Notification).where(Notification.recipient_id == people["staff"].id))}
    assert ("vehicles.approved", "") in told and ("vehicles.dispatched", "川J0A101") in told, told
    assert trip.status is TripStatus.DISPATCHED


def test_a_car_is_never_on_two_overlapping_trips(people, fleet, make_trip):
    car, (d1, d2) = fleet["cars"][0], fleet["drivers"]
    make_trip("09:00", "12:00", state="dispatched", car=car, driver=d1)
    second = make_trip("11:00", "14:00")
    with pytest.raises(RuleViolation) as error:
        svc.dispatch(second.id, car.id, d2.id, actor=people["dispatcher"], now=timeutil.now())
    assert error.value.status == 409 and "川J0A101" in str(error.value)
    db.session.rollback()
    # Touching periods are fine, and so is another car.
    third = make_trip("12:00", "15:00")
    svc.dispatch(third.id, car.id, d2.id, actor=people["dispatcher"], now=timeutil.now())
    db.session.commit()


def test_a_driver_is_never_on_two_overlapping_trips(people, fleet, make_trip):
    (c1, c2), driver = fleet["cars"][:2], fleet["drivers"][0]
    make_trip("09:00", "12:00", state="dispatched", car=c1, driver=driver)
    second = make_trip("10:00", "11:00")
    with pytest.raises(RuleViolation) as error:
        svc.dispatch(second.id, c2.id, driver.id, actor=people["dispatcher"], now=timeutil.now())
    assert "张建国" in str(error.value)


def test_find_clashes_ignores_cancelled_and_recorded_trips(people, fleet, make_trip):
    car = fleet["cars"][0]
    trip = make_trip("09:00", "12:00", state="dispatched", car=car, driver=fleet["drivers"][0])
    assert svc.find_clashes(trip.depart_at, trip.return_at, vehicle_id=car.id, driver_id=None)
    svc.cancel(trip, actor=people["staff"], now=timeutil.now())
    db.session.commit()
    assert svc.find_clashes(trip.depart_at, trip.return_at, vehicle_id=car.id, driver_id=None) == []


def test_a_driver_with_an_expired_licence_is_refused(people, fleet, make_trip, day):
    driver = fleet["drivers"][0]
    driver.licence_expires = day - timedelta(days=1)
    db.session.commit()
    trip = make_trip()
    with pytest.raises(RuleViolation) as error:
        svc.dispatch(trip.id, fleet["cars"][0].id, driver.id, actor=people["dispatcher"], now=timeutil.now())
    assert error.value.field == "driver_id" and "张建国" in str(error.value)


def test_a_trip_with_a_driver_needs_one(people, fleet, make_trip):
    trip = make_trip()
    with pytest.raises(RuleViolation) as error:
        svc.dispatch(trip.id, fleet["cars"][0].id, None, actor=people["dispatcher"], now=timeutil.now())
    assert error.value.field == "driver_id"


def test_only_approved_requests_are_dispatched(people, fleet, make_trip):
    trip = make_trip(state="pending")
    with pytest.raises(RuleViolation) as error:
        svc.dispatch(trip.id, fleet["cars"][0].id, fleet["drivers"][0].id, actor=people["dispatcher"], now=timeutil.now())
    assert error.value.status == 409


def test_odometer_never_goes_backwards(people, fleet, make_trip):
    car = fleet["cars"][0]
    trip = make_trip(state="dispatched", car=car, driver=fleet["drivers"][0])
    later = trip.return_at + timedelta(hours=1)
    with pytest.raises(RuleViolation) as error:
        svc.record_trip(trip.id, svc.TripRecordDraft(trip.depart_at, trip.return_at, 900, 950), actor=people["dispatcher"],
                        now=later)
    assert error.value.field == "odometer_out"
    db.session.rollback()
    with pytest.raises(RuleViolation) as error:
        svc.record_trip(trip.id, svc.TripRecordDraft(trip.depart_at, trip.return_at, 1000, 990), actor=people["dispatcher"],
                        now=later)
    assert error.value.field == "odometer_in"
    db.session.rollback()
    record(trip, people, out=1000, back=1042)
    db.session.refresh(car)
    assert car.odometer == 1042 and trip.mileage == 42 and trip.cost == Decimal("93.50")


def test_a_trip_cannot_be_recorded_before_the_car_is_back(people, fleet, make_trip):
    trip = make_trip(state="dispatched", car=fleet["cars"][0], driver=fleet["drivers"][0])
    with pytest.raises(RuleViolation) as error:
        svc.record_trip(trip.id, svc.TripRecordDraft(trip.depart_at, trip.return_at, 1000, 1010), actor=people["dispatcher"],
                        now=trip.depart_at - timedelta(hours=1))
    assert error.value.field == "return_time"


def test_register_rolls_up_mileage_fuel_and_cost_per_car_and_unit(people, fleet, make_trip, day):
    c1, _c2, ev = fleet["cars"]
    d1, d2 = fleet["drivers"]
    t1 = make_trip("08:00", "10:00", state="dispatched", car=c1, driver=d1)
    t2 = make_trip("10:30", "12:00", state="dispatched", car=c1, driver=d1)
    t3 = make_trip("08:00", "12:00", state="dispatched", car=ev, driver=d2)
    record(t1, people, out=1000, back=1030, fuel="3.10", cost="24.34", tolls="10.00", now=t3.return_at + timedelta(hours=1))
    record(t2, people, out=1030, back=1050, fuel="2.00", cost="15.70", tolls="0.00", now=t3.return_at + timedelta(hours=1))
    record(t3, people, out=500, back=560, fuel="9.00", cost="5.40", tolls="0.00", now=t3.return_at + timedelta(hours=1))
    report = svc.month_register(day)
    assert [t.id for t in report.trips] == [t1.id, t3.id, t2.id]
    by_car = {t.label: t for t in report.by_vehicle}
    assert by_car["川J0A101"].trips == 2 and by_car["川J0A101"].mileage == 50
    assert by_car["川J0A101"].cost == Decimal("50.04")
    assert report.total.mileage == 110 and report.total.fuel == {"petrol": Decimal("5.10"), "electric": Decimal("9.00")}
    assert [t.label for t in report.by_unit] == ["县人力资源和社会保障局"]
    assert svc.month_register(day, vehicle_id=ev.id).total.trips == 1
    assert svc.month_register(day + timedelta(days=40)).total.trips == 0


def test_monthly_fuel_by_month_and_type(people, fleet, make_trip, day):
    c1, _c2, ev = fleet["cars"]
    t1 = make_trip("08:00", "10:00", state="dispatched", car=c1, driver=fleet["drivers"][0])
    t2 = make_trip("08:00", "10:00", state="dispatched", car=ev, driver=fleet["drivers"][1])
    record(t1, people, out=1000, back=1030, fuel="3.25")
    record(t2, people, out=500, back=530, fuel="6.50")
    first = day.replace(day=1)
    assert svc.monthly_fuel(first, day) == {first: {"electric": Decimal("6.50"), "petrol": Decimal("3.25")}}
    assert svc.monthly_fuel(day + timedelta(days=1), day + timedelta(days=60)) == {}
    assert svc.monthly_fuel(day, first - timedelta(days=1)) == {}


def test_due_items_by_date_and_by_mileage(fleet):
    today = timeutil.today()
    car, other = fleet["cars"][:2]
    car.inspection_due = today + timedelta(days=10)
    other.service_due_km = other.odometer + 200
    db.session.commit()
    items = svc.due_items(today)
    assert {(i.vehicle.plate, i.code) for i in items} == {("川J0A101", "inspection"), ("川J0A102", "service")}
    car.inspection_due = today + timedelta(days=31)
    db.session.commit()
    assert [(i.vehicle.plate, i.code) for i in svc.due_items(today)] == [("川J0A102", "service")]


def test_due_reminder_is_sent_once(people, fleet):
    fleet["cars"][0].insurance_due = timeutil.today() + timedelta(days=5)
    db.session.commit()
    now = timeutil.now()
    assert svc.remind_due(now=now) == 1
    db.session.commit()
    assert svc.remind_due(now=now) == 0
    told = [(n.kind, n.args["plate"]) for n in db.session.scalars(
        db.select(Notification).where(Notification.recipient_id == people["dispatcher"].id, Notification.kind == "vehicles.due"))]
    assert told == [("vehicles.due", "川J0A101")]


def test_a_car_due_for_inspection_during_the_trip_is_not_dispatched(people, fleet, make_trip, day):
    car = fleet["cars"][0]
    car.inspection_due = day - timedelta(days=1)
    db.session.commit()
    trip = make_trip()
    with pytest.raises(RuleViolation) as error:
        svc.dispatch(trip.id, car.id, fleet["drivers"][0].id, actor=people["dispatcher"], now=timeutil.now())
    assert error.value.field == "vehicle_id"


def test_next_holiday_is_national_day_before_october(app):
    holiday = svc.next_holiday(date(2026, 9, 28))
    assert holiday is not None and holiday.first_day == date(2026, 10, 1)
    assert svc.next_holiday(date(2026, 11, 10)) is None  # no public holiday in the next two weeks


def test_sealing_checklist_needs_every_pool_car(people, fleet, clock):
    clock(2026, 9, 29, 16, 0)
    holiday = svc.next_holiday(date(2026, 9, 29))
    actor, now = people["dispatcher"], timeutil.now()
    svc.seal(fleet["cars"][0], holiday, "地下车库B01", actor=actor, now=now)
    with pytest.raises(RuleViolation) as error:
        svc.sign_sealing(holiday, actor=actor, now=now)
    assert "川J0A102" in str(error.value)
    for car in fleet["cars"][1:]:
        svc.seal(car, holiday, "地下车库", actor=actor, now=now)
    svc.sign_sealing(holiday, actor=actor, now=now)
    db.session.commit()
    assert svc.sealing_checklist(holiday).signoff is not None


def test_sealing_reminder_three_days_ahead(people, fleet):
    assert svc.remind_sealing(now=timeutil.local(date(2026, 9, 20), timeutil.now().time())) == 0
    moment = timeutil.local(date(2026, 9, 29), timeutil.now().time())
    assert svc.remind_sealing(now=moment) == 1
    db.session.commit()
    assert svc.remind_sealing(now=moment) == 0


def test_events_are_registered():
    assert events.kind("vehicles.requested").todo and events.kind("vehicles.to_dispatch").todo


def test_days_off_fall_back_to_the_weekend(app):
    # 2026-12-02 is a Wednesday; no public holiday before New Year.
    off = svc.next_days_off(date(2026, 12, 2))
    assert (off.first_day, off.last_day) == (date(2026, 12, 5), date(2026, 12, 6)) and off.name in ("Weekend", "周末")
    national = svc.next_days_off(date(2026, 9, 30))
    assert national.first_day == date(2026, 10, 1) and national.name
