"""Request → approve → dispatch → trip record in a real browser, with JavaScript on and off."""

from __future__ import annotations

import re

import pytest

from portal import timeutil
from portal.blueprints.vehicles.models import Trip, TripStatus
from portal.db import db
from tests.conftest import log_in, log_out
from tests.vehicles.conftest import at

pytestmark = pytest.mark.browser


def test_a_car_is_requested_approved_dispatched_and_recorded(live_server, page, people, fleet, day):
    base = live_server.url

    log_in(page, base, "v_staff")
    page.goto(f"{base}/vehicles/new")
    page.fill("#purpose", "到镇街督查防汛准备")
    page.fill("#destination", "蓬莱镇")
    page.fill("#passengers", "2")
    page.fill("#depart_day", day.isoformat())
    page.fill("#depart_time", "09:00")
    page.fill("#return_day", day.isoformat())
    page.fill("#return_time", "12:00")
    page.click("button:has-text('提交申请')")
    page.wait_for_url(re.compile(r"/vehicles/trips/\d+$"))
    trip_id = int(page.url.rsplit("/", 1)[1])
    assert "待审批" in page.content()
    log_out(page)

    log_in(page, base, "v_leader")
    page.goto(f"{base}/vehicles/approvals")
    page.click(f"a[href='/vehicles/trips/{trip_id}']")
    page.click("button:has-text('批准')")
    page.wait_for_selector("h1 :text('待派车')")
    log_out(page)

    log_in(page, base, "v_disp")
    page.goto(f"{base}/vehicles/dispatch")
    page.click(f"a[href='/vehicles/trips/{trip_id}']")
    page.select_option("#vehicle_id", value=str(fleet["cars"][1].id))
    page.select_option("#driver_id", value=str(fleet["drivers"][1].id))
    page.click("form[action$='/dispatch'] button")
    page.wait_for_selector("h1 :text('已派车')")
    assert "川J0A102" in page.content() and "李志强" in page.content()

    timeutil.set_clock(at(day, "13:00"), runs=True)  # the car is back
    page.reload()
    page.fill("#odometer_in", "1046")
    page.fill("#fuel_amount", "4.20")
    page.fill("#fuel_cost", "32.97")
    page.fill("#tolls", "10")
    page.click("button:has-text('保存出车登记')")
    page.wait_for_selector("h1 :text('已登记出车')")
    assert "46 km" in page.content() and "¥42.97" in page.content()

    db.session.rollback()  # end the test's read snapshot: the server committed meanwhile
    trip = db.session.get(Trip, trip_id)
    assert trip.status is TripStatus.DONE and trip.mileage == 46 and trip.vehicle.odometer == 1046
