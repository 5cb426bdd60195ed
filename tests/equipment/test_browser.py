"""An inspection round on a phone, with JavaScript on and off: a failed item opens a repair."""

from __future__ import annotations

import re

import pytest

from portal.blueprints.equipment.models import AssetCategory, AssetRepair
from portal.blueprints.repairs.models import RepairRequest
from portal.db import db
from tests.conftest import log_in

pytestmark = pytest.mark.browser


def test_a_round_on_a_phone_opens_a_repair_for_the_failed_item(live_server, page, make_asset, property_user, place):
    pump = make_asset(code="XF-B-03", name="喷淋泵", category=AssetCategory.FIRE, zone="消防泵房")
    panel = make_asset(code="XF-ZJ-01", name="火灾报警主机", category=AssetCategory.FIRE)
    base = live_server.url
    page.set_viewport_size({"width": 390, "height": 800})

    log_in(page, base, "wuye")
    page.goto(f"{base}/equipment/rounds")
    page.select_option("#category", value="fire")
    page.select_option("#building", label="主楼")
    page.click("button:has-text('开始巡检')")
    page.wait_for_url(re.compile(r"/equipment/rounds/\d+$"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.check(f"input[name=result-{panel.id}][value=pass]")
    page.check(f"input[name=result-{pump.id}][value=fail]")
    page.click("button:has-text('完成巡检')")  # no finding: refused, nothing lost
    page.wait_for_selector("text=请说明 XF-B-03 的问题")
    assert page.is_checked(f"input[name=result-{pump.id}][value=fail]")
    page.fill(f"#finding-{pump.id}", "启动后压力达不到设定值")
    page.click("button:has-text('完成巡检')")
    page.wait_for_selector("text=已为不合格设备生成 1 张报修单")

    db.session.commit()  # end the test's read transaction: see what the server wrote
    repair = db.session.scalar(db.select(RepairRequest))
    assert "启动后压力达不到设定值" in repair.description and "XF-B-03" in repair.description
    assert db.session.scalar(db.select(AssetRepair.asset_id).where(AssetRepair.repair_id == repair.id)) == pump.id
    page.click(f"a[href='/repairs/{repair.id}']")
    page.wait_for_url(re.compile(rf"/repairs/{repair.id}$"))
    assert "启动后压力达不到设定值" in page.content()


def test_scanning_a_label_reports_a_fault_without_login(live_server, page, make_asset):
    lift = make_asset(code="DT-ZL-01", name="1号客梯", zone="东侧电梯厅")
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(f"{live_server.url}/equipment/report/DT-ZL-01")  # what the label's QR code holds
    assert "1号客梯" in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.fill("#name", "王先生")
    page.fill("#phone", "13908250000")
    page.fill("#description", "电梯门关不上，反复开合")
    page.click("button:has-text('发送给物业公司')")
    page.wait_for_selector("text=报修已提交")
    db.session.commit()
    repair = db.session.scalar(db.select(RepairRequest))
    assert "反复开合" in repair.description and repair.contact == "13908250000"
    assert db.session.scalar(db.select(AssetRepair.asset_id).where(AssetRepair.repair_id == repair.id)) == lift.id
