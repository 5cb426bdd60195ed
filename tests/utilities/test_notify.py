"""Logistics hear of a month's flagged readings and of a month ready to close, once each,
until the month is closed (issue 17)."""

from __future__ import annotations

from decimal import Decimal as D

from flask_babel import force_locale
from sqlalchemy import select

from portal.blueprints.notifications.models import Notification
from portal.blueprints.notifications.services import render_message
from portal.blueprints.utilities import notify
from portal.blueprints.utilities.models import AllocationKey, Supply
from portal.db import db
from portal.models import Role
from tests.utilities.conftest import month


def _todos(user, kind):
    return db.session.scalars(select(Notification).where(Notification.recipient_id == user.id,
                                                         Notification.kind == kind)).all()


def test_flagged_readings_and_a_ready_month_are_logistics_todos_until_closed(site, make_user):
    admin = make_user(roles=[Role.LOGISTICS_ADMIN])
    unit_admin = make_user(roles=[Role.UNIT_ADMIN], unit=site.units["甲"])
    period = month(0)
    # The units' electricity (600 kWh) is more than the main meter's (10 × 10 = 100): flagged.
    site.read_all(period, electricity={"甲": 300, "乙": 200, "丙": 100}, water={"甲": 20, "乙": 10, "丙": 10},
                  main={Supply.ELECTRICITY: 10, Supply.WATER: 60}, common=50)
    [review] = _todos(admin, notify.ANOMALIES)
    assert review.todo and review.done_at is None and review.endpoint_values == {"period": "2025-01"}
    with force_locale("zh_CN"):
        assert "2025-01" in render_message(review).subject
    assert _todos(admin, notify.READY) == []  # no invoices yet
    site.read(period, {site.common: D(60)})  # another change: the to-do is not sent again
    assert len(_todos(admin, notify.ANOMALIES)) == 1

    site.invoice(period, Supply.ELECTRICITY, "800.00", "1000")
    assert _todos(admin, notify.READY) == []
    site.invoice(period, Supply.WATER, "240.00", "60", key=AllocationKey.HEADCOUNT)
    [ready] = _todos(admin, notify.READY)
    assert ready.done_at is None
    assert _todos(unit_admin, notify.READY) == [] and _todos(unit_admin, notify.ANOMALIES) == []

    site.close(period, confirm=True)
    for todo in (review, ready):
        db.session.refresh(todo)
        assert todo.done_at is not None


def test_logistics_see_the_months_to_close_on_the_home_page(client, site, quiet_month, auth, make_user, clock):
    period = quiet_month()
    clock(2025, 2, 3, 9, 0)
    auth.login_as(make_user(roles=[Role.LOGISTICS_ADMIN]))
    home = client.get("/").get_data(as_text=True)
    assert "核对并结账 2025-01" in home and "/utilities/months/2025-01" in home
    site.close(period, confirm=True)
    assert "核对并结账 2025-01" not in client.get("/").get_data(as_text=True)
