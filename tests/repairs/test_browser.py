"""Report → accept → start → done → confirm in a real browser, with JavaScript on and off."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from portal.blueprints.repairs.models import RepairRequest, Status
from portal.db import db
from portal.models import Role
from tests.conftest import log_in, log_out

pytestmark = pytest.mark.browser


def test_a_fault_is_reported_repaired_and_confirmed(live_server, page, make_user, place):
    make_user(username="lili", display_name="人社局 李丽")
    make_user(roles=[Role.PROPERTY], username="zhou", display_name="物业 周师傅")
    annex_room = place["rooms"]["ZF101"].id
    base = live_server.url

    # The employee narrows the rooms to one building and reports a leak.
    log_in(page, base, "lili")
    page.goto(f"{base}/repairs/new")
    page.select_option("#report-building", label="政府附楼")
    if page.js_enabled:
        expect(page.locator("#location option")).to_have_count(3)  # htmx swapped the field
    else:
        page.click("text=列出房间")
        page.wait_for_load_state()
    options = page.locator("#location option").all_text_contents()
    assert len(options) == 3 and any("101" in o for o in options)  # "choose", the floor, the room
    assert page.locator("#location optgroup").get_attribute("label") == "政府附楼 1楼"
    page.select_option("#location", value=f"room-{annex_room}")
    page.fill("#spot", "洗手池下面")
    page.select_option("#category", value="water")
    page.check("input[name=urgency][value=urgent]")
    page.fill("#description", "下水管漏水，地上都是水")
    page.click("button:has-text('提交报修')")
    page.wait_for_url(re.compile(r"/repairs/\d+$"))
    repair_id = int(page.url.rsplit("/", 1)[1])
    assert "已提交给物业公司" in page.content() and "政府附楼 1楼 101" in page.content()
    log_out(page)

    # The property company accepts and starts it from the queue, then finishes it with the cost.
    log_in(page, base, "zhou")
    page.goto(f"{base}/repairs/queue")
    row = f"tr:has(a[href='/repairs/{repair_id}'])"
    assert "紧急" in page.locator(row).inner_text()
    page.click(f"{row} button[value=accept]")
    page.wait_for_selector(f"{row} button[value=start]")
    page.click(f"{row} button[value=start]")
    page.wait_for_selector(f"{row} :text('维修中')")
    page.click(f"{row} a[href='/repairs/{repair_id}']")
    page.fill("#resolution", "更换下水管和密封圈")
    page.fill("#parts_cost", "86.50")
    page.fill("#labour_cost", "60")
    page.click("button:has-text('维修完成')")
    page.wait_for_selector("text=等待报修人确认")
    assert "¥146.50" in page.content()
    log_out(page)

    # The reporter confirms it is fixed.
    log_in(page, base, "lili")
    page.goto(f"{base}/repairs/")
    page.click(f"a[href='/repairs/{repair_id}'] >> nth=0")
    page.click("button:has-text('是的，已经修好')")
    page.wait_for_selector("h1 :text('已确认')")
    history = page.locator(".timeline").inner_text()
    for step in ("提交报修", "已受理", "开始维修", "维修完成", "报修人确认修好"):
        assert step in history

    db.session.rollback()  # end the test's read snapshot: the server committed meanwhile
    repair = db.session.get(RepairRequest, repair_id)
    assert repair.status is Status.CONFIRMED and str(repair.total_cost) == "146.50"
