"""Entering a month's readings in the grid, closing the month and reading a bill, in a real
browser, with JavaScript on and off."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.blueprints.utilities.models import Meter, MeterReading
from portal.db import db
from portal.models import Role
from tests.conftest import DEMO_PASSWORD, log_in, log_out
from tests.utilities.conftest import D, month

pytestmark = pytest.mark.browser

FEB = "2025-02"


def test_property_staff_enter_a_month_in_the_grid(live_server, page, site, make_user):
    make_user(roles=[Role.PROPERTY], username="wuye_browser")
    january = {meter: 100 for meter in site.meters}
    site.read(month(0), january)
    meters = {meter.code: meter.id for meter in site.meters}

    page.goto(f"{live_server.url}/login?next=/utilities/months/{FEB}/readings")
    page.fill("input[name=username]", "wuye_browser")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button.primary")
    page.wait_for_selector("table.reading-grid")
    assert page.locator("input.reading-input").count() == len(site.meters)

    main = f"#m-{meters['E-000']}"
    page.fill(main, "112.5")
    if page.js_enabled:
        page.press(main, "Tab")  # leaving the box checks it at once
        expect(page.locator(f"#use-{meters['E-000']}")).to_contain_text("125.00 kWh")  # 12.5 × 10

    # A typo: the whole grid comes back with the mistake marked and nothing saved.
    for code, meter_id in meters.items():
        if code != "E-000":
            page.fill(f"#m-{meter_id}", "150")
    page.fill(f"#m-{meters['W-002']}", "15O")
    page.click("text=保存全部读数")
    page.wait_for_selector(".form-errors")
    assert "请输入数字" in page.content()
    db.session.commit()
    assert db.session.scalar(select(MeterReading.id).join(MeterReading.month).where(MeterReading.value == D("150"))) is None
    assert page.input_value(f"#m-{meters['E-001']}") == "150"  # what was typed is still there

    page.fill(f"#m-{meters['W-002']}", "105")
    page.click("text=保存全部读数")
    page.wait_for_selector(".message--success")
    assert "新增 9 个" in page.content()
    assert "125.00 kWh" in page.content()

    db.session.commit()
    february = dict(
        db.session.execute(
            select(Meter.code, MeterReading.value).join(MeterReading).where(MeterReading.month.has(period=month(1)))
        ).all()
    )
    assert february == {code: D("112.50") if code == "E-000" else D("105") if code == "W-002" else D("150") for code in meters}


def test_the_logistics_center_closes_the_month_and_a_unit_reads_its_bill(live_server, page, site, quiet_month, make_user):
    make_user(roles=[Role.EMPLOYEE, Role.LOGISTICS_ADMIN], username="houqin_browser")
    make_user(roles=[Role.EMPLOYEE, Role.UNIT_ADMIN], username="jia_browser", unit=site.units["甲"])
    quiet_month()
    base = live_server.url

    log_in(page, base, "houqin_browser")
    page.goto(f"{base}/utilities/months/2025-01")
    assert "草拟账单" in page.content()  # the bills as they would be, before anything is final
    page.fill("#note", "一月份按表结账")
    page.click("#close button.primary")
    # Closing is for good: a second page asks first, with JavaScript on and off.
    page.wait_for_selector("section.confirm")
    assert "2025-01" in page.inner_text("section.confirm h1")
    page.click("section.confirm button[type=submit]")
    page.wait_for_selector(".message--success")
    assert "已结账" in page.content() and "一月份按表结账" in page.content()
    log_out(page)

    # The unit's administrator sees their own bill, and the old fixed ratio beside it.
    log_in(page, base, "jia_browser")
    page.goto(f"{base}/utilities/bills/")
    bills = page.locator("table a[href^='/utilities/bills/']")
    assert bills.count() == 1
    bills.first.click()
    page.wait_for_url(re.compile(r"/utilities/bills/\d+$"))
    sheet = page.inner_text("main")
    assert "甲局" in sheet and "乙局" not in sheet
