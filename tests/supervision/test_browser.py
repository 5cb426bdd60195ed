"""On a phone (390 px): an inspection with a failed item, the rectification it opens,
and the property company reporting it done; a guard's patrol round — with JavaScript on and off."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from portal import timeutil
from portal.blueprints.supervision.models import PatrolRound, Rectification, RectificationStatus
from portal.db import db
from portal.models import Role
from tests.conftest import log_in, log_out

pytestmark = pytest.mark.browser


def test_an_inspection_with_a_failed_item_on_a_phone(live_server, page, make_user, cleaning_items):
    make_user(roles=[Role.LOGISTICS_ADMIN, Role.EMPLOYEE], username="houqin", display_name="后勤中心 李主任")
    make_user(roles=[Role.PROPERTY], username="wuye", display_name="富航物业 张经理")
    base = live_server.url
    page.set_viewport_size({"width": 390, "height": 844})

    log_in(page, base, "houqin")
    page.goto(f"{base}/supervision/inspect")
    page.click("a:has-text('清洁卫生')")
    page.wait_for_url(re.compile(r"area=cleaning"))
    page.fill("#place", "主楼3楼东侧卫生间")
    for item in cleaning_items:
        page.check(f"input[name=item_{item.id}][value=pass]")
    toilets = cleaning_items[1].id
    page.check(f"input[name=item_{toilets}][value=fail]")
    page.click("button:has-text('保存检查')")
    assert "请说明存在的问题" in page.content()  # a failed item needs a note; the marks are kept
    assert page.is_checked(f"input[name=item_{toilets}][value=fail]")
    if page.js_enabled:
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.fill(f"#note_{toilets}", "有异味，纸巾用完")
    page.click("button:has-text('保存检查')")
    page.wait_for_url(re.compile(r"/supervision/inspections/\d+$"))
    assert "70.0" in page.content() and "有异味，纸巾用完" in page.content()

    page.click("a:has-text('发起整改')")
    assert "卫生间无异味：有异味，纸巾用完" in page.input_value("#description")
    page.fill("#deadline", (timeutil.today() + timedelta(days=1)).isoformat())
    page.click("button:has-text('发送给物业公司')")
    page.wait_for_url(re.compile(r"/supervision/rectifications/\d+$"))
    assert "已发给物业公司" in page.content()
    if page.js_enabled:
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    log_out(page)

    log_in(page, base, "wuye")
    page.click("a:has-text('1 项整改待落实')")
    page.click("table a")
    page.fill("#reply", "已加放香薰并改为每两小时巡查补充。")
    page.click("button:has-text('报告已完成')")
    page.wait_for_selector("text=后勤管理中心将复查")
    db.session.commit()  # end the test's transaction: read what the server wrote
    item = db.session.scalar(db.select(Rectification))
    assert item.status is RectificationStatus.REPORTED


def test_a_guard_records_a_patrol_round_on_a_phone(live_server, page, make_user, night_route):
    make_user(roles=[Role.SECURITY], username="baoan", display_name="门岗保安 刘师傅")
    base = live_server.url
    page.set_viewport_size({"width": 390, "height": 844})

    log_in(page, base, "baoan")
    page.goto(f"{base}/supervision/patrols")
    page.click("button:has-text('开始巡逻：主楼夜间巡逻')")
    page.wait_for_url(re.compile(r"/supervision/patrols/rounds/\d+$"))
    page.uncheck("#checked_2")  # the car park could not be reached
    page.fill("#finding_1", "大厅东侧门未锁")
    page.click("button:has-text('结束本次巡逻')")
    assert "请说明未到达该巡逻点的原因" in page.content()  # the ticks and findings are kept
    assert not page.is_checked("#checked_2") and page.input_value("#finding_1") == "大厅东侧门未锁"
    if page.js_enabled:
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.fill("#finding_2", "车库卷帘门故障，进不去")
    page.click("button:has-text('结束本次巡逻')")
    page.wait_for_selector("text=巡逻已结束并记录")
    if page.js_enabled:
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    db.session.commit()  # end the test's transaction: read what the server wrote
    patrol_round = db.session.scalar(db.select(PatrolRound))
    assert patrol_round.ended_at is not None
    assert [(c.checked, c.finding) for c in patrol_round.checks] == [
        (True, ""), (True, "大厅东侧门未锁"), (False, "车库卷帘门故障，进不去")]
