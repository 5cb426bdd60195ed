from datetime import datetime, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal import audit, timeutil
from portal.db import ScaledDecimal, db
from portal.models import AuditLog, Building, Floor, Room


def test_datetimes_come_back_aware_in_shanghai(app, make_user):
    user = make_user()
    user.last_login_at = datetime(2026, 3, 1, 0, 30, tzinfo=timezone.utc)
    db.session.commit()
    db.session.expire_all()
    value = db.session.get(type(user), user.id).last_login_at
    assert value.utcoffset().total_seconds() == 8 * 3600
    assert (value.hour, value.minute) == (8, 30)


def test_naive_datetimes_are_refused(app, make_user):
    user = make_user()
    user.last_login_at = datetime(2026, 3, 1, 8, 30)
    with pytest.raises(Exception):
        db.session.commit()
    db.session.rollback()


def test_scaled_decimal_is_exact():
    money = ScaledDecimal(2)
    assert money.process_bind_param(Decimal("12.30"), None) == 1230
    assert money.process_result_value(1230, None) == Decimal("12.30")
    with pytest.raises(ValueError):
        money.process_bind_param(Decimal("0.005"), None)
    with pytest.raises(TypeError):
        money.process_bind_param(0.1, None)


def test_area_round_trips(app):
    building = Building(code="T", name="测试楼")
    room = Room(floor=Floor(building=building, level=1), number="101", area_m2=Decimal("36.50"))
    db.session.add(room)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Room, room.id).area_m2 == Decimal("36.50")


def test_audit_record_keeps_before_and_after(app, make_user):
    actor = make_user()
    building = Building(code="A", name="甲楼")
    db.session.add(building)
    before = audit.snapshot(building, ["name"])
    building.name = "乙楼"
    audit.record(actor, "building.update", building, before=before, after=audit.snapshot(building, ["name"]))
    db.session.commit()
    entry = db.session.scalar(select(AuditLog))
    assert entry.actor_id == actor.id and entry.object_type == "building"
    assert entry.before == {"name": "甲楼"} and entry.after == {"name": "乙楼"}
    assert entry.at <= timeutil.now()


def test_begin_serialized_write_ends_a_read_transaction_and_refuses_pending_changes(app):
    from portal.db import begin_serialized_write
    from portal.models import Unit

    db.session.scalar(select(func.count()).select_from(Unit))  # a read transaction is open
    begin_serialized_write()
    db.session.add(Unit(name="测试单位"))
    db.session.commit()
    db.session.add(Unit(name="另一个单位"))
    with pytest.raises(RuntimeError, match="unsaved changes"):
        begin_serialized_write()
    db.session.rollback()
