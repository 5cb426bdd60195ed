"""The repairs reports page's charts in a real browser with JavaScript off: the month range is a
plain form, the charts are drawings with titles, their figures open as tables, the phone width holds."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from portal.blueprints.repairs.models import Category, Status
from portal.models import Role
from portal.timeutil import LOCAL_TZ
from tests.conftest import log_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("page", [False], indirect=True, ids=["nojs"])
def test_the_charts_of_the_chosen_months_without_javascript(live_server, page, clock, make_user, make_repair):
    clock(2026, 6, 15, 10, 0, runs=True)
    staff = make_user()
    make_user(roles=[Role.EMPLOYEE, Role.LOGISTICS_ADMIN], username="houqin_charts")
    make_repair(staff, Status.CONFIRMED, at=datetime(2026, 5, 10, 9, 0, tzinfo=LOCAL_TZ),
                parts=Decimal("100.10"), labour=Decimal("20.00"))
    make_repair(staff, Status.DONE, room="ZF101", category=Category.ELECTRIC,
                at=datetime(2026, 2, 3, 9, 0, tzinfo=LOCAL_TZ), parts=Decimal("30.05"), labour=Decimal("0.00"))
    assert not page.js_enabled
    log_in(page, live_server.url, "houqin_charts")
    page.goto(f"{live_server.url}/repairs/reports")
    page.fill("#r-from", "2026-04")
    page.fill("#r-to", "2026-06")
    page.locator("form:has(#r-to) button[type=submit]").click()
    page.wait_for_url("**/repairs/reports?*from=2026-04*")
    charts = page.locator("svg.pygal-chart[role=img]")
    assert charts.count() == 6
    assert charts.first.locator("title").text_content() == "每月报修数"
    box = charts.first.bounding_box()
    assert box and box["width"] > 300 and box["height"] > 100  # drawn and sized by the stylesheet
    table = page.locator("details.chart-table").nth(1)  # the cost by month
    assert not table.locator("table").is_visible()
    table.locator("summary").click()
    assert table.locator("table").is_visible()
    assert "120.10" in table.inner_text() and "30.05" not in table.inner_text()  # February is outside the months
    page.set_viewport_size({"width": 390, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
