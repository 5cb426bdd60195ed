"""The administration services on their own: plain functions taking the draft,
the actor and the time, raising RuleViolation on the field concerned, writing
nothing when they refuse, and auditing what they change."""

from __future__ import annotations

from datetime import date, time

import pytest
from sqlalchemy import func, select

from portal import timeutil
from portal.blueprints.shuttle import admin_services as admin
from portal.blueprints.shuttle.models import (
    Direction,
    ExceptionKind,
    NoticeKind,
    ServiceException,
    ServicePattern,
    ShuttleNotice,
    ShuttleTrip,
    ShuttleVehicle,
)
from portal.db import db
from portal.models import AuditLog, Role
from portal.rules import RuleViolation


@pytest.fixture
def admin_user(make_user):
    return make_user(roles=[Role.EMPLOYEE, Role.LOGISTICS_ADMIN], username="fleet")


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def vehicle(plate="川JB1210", phone=""):
    return admin.VehicleDraft(plate, "4号车", 45, "赵师傅", phone, True)


@pytest.mark.parametrize(("draft", "field"), [
    (vehicle(plate="XYZ"), "plate"),
    (vehicle(plate="川J12"), "plate"),
    (vehicle(phone="123"), "driver_phone"),
    (vehicle(phone="call me"), "driver_phone"),
])
def test_a_bus_needs_a_real_plate_and_phone(app, admin_user, draft, field):
    with pytest.raises(RuleViolation) as refused:
        admin.save_vehicle(draft, actor=admin_user, now=timeutil.now())
    assert refused.value.field == field
    db.session.rollback()
    assert count(ShuttleVehicle) == 0


def test_a_bus_is_saved_normalised_and_audited_without_the_phone(app, admin_user):
    bus = admin.save_vehicle(vehicle(plate="川j·b1210", phone="0825-5421234"), actor=admin_user, now=timeutil.now())
    db.session.commit()
    assert (bus.plate, bus.driver_phone) == ("川JB1210", "0825-5421234")
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "shuttle_vehicle.create"))
    assert entry.actor_id == admin_user.id and "5421234" not in str(entry.after)
    with pytest.raises(RuleViolation) as taken:
        admin.save_vehicle(vehicle(plate="川J B1210"), actor=admin_user, now=timeutil.now())
    assert taken.value.field == "plate"


def test_exceptions_are_for_today_or_later(app, line, admin_user, clock):
    now = clock(2026, 12, 2, 10, 0)
    draft = admin.ExceptionDraft(date(2026, 12, 1), ExceptionKind.NO_SERVICE, None, None, None, None, "停电")
    with pytest.raises(RuleViolation) as refused:
        admin.save_exception(draft, actor=admin_user, now=now)
    assert refused.value.field == "day"
    db.session.rollback()
    admin.save_exception(admin.ExceptionDraft(date(2026, 12, 2), ExceptionKind.NO_SERVICE, None, None, None, None,
                                              "停电"), actor=admin_user, now=now)
    db.session.commit()
    assert count(ServiceException) == 1


def test_trips_and_their_deletion(app, line, admin_user):
    now = timeutil.now()
    draft = admin.TripDraft(line.route.id, Direction.OUTBOUND, time(7, 20, 30), line.buses[0].id,
                            ServicePattern.WORKDAYS, "早班")
    trip = admin.save_trip(draft, actor=admin_user, now=now)
    db.session.commit()
    assert trip.departs_at == time(7, 20)
    with pytest.raises(RuleViolation) as busy:
        admin.save_trip(admin.TripDraft(line.route.id, Direction.INBOUND, time(7, 30), line.buses[0].id,
                                        ServicePattern.WORKDAYS, ""), actor=admin_user, now=now)
    assert busy.value.field == "vehicle_id"
    db.session.rollback()
    refused = admin.route_deletion_refused(line.route)
    assert refused is not None
    with pytest.raises(RuleViolation):
        admin.delete_route(line.route, actor=admin_user, now=now)
    db.session.rollback()
    assert "07:20" in admin.delete_trip(trip, actor=admin_user, now=now)
    db.session.commit()
    assert count(ShuttleTrip) == 0 and admin.route_deletion_refused(line.route) is None


def test_notices_keep_their_dates_in_order(app, line, admin_user):
    now = timeutil.now()
    draft = admin.NoticeDraft(NoticeKind.OTHER, "说明", None, None, date(2026, 12, 3), date(2026, 12, 2))
    with pytest.raises(RuleViolation) as refused:
        admin.save_notice(draft, actor=admin_user, now=now)
    assert refused.value.field == "ends_on"
    db.session.rollback()
    notice = admin.save_notice(admin.NoticeDraft(NoticeKind.OTHER, "说明", line.route.id, None, date(2026, 12, 2),
                                                 date(2026, 12, 3)), actor=admin_user, now=now)
    db.session.commit()
    assert notice.created_by_id == admin_user.id and count(ShuttleNotice) == 1
