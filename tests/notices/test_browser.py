"""Publish → read → withdraw a notice in a real browser, with JavaScript on and off."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.blueprints.notices.models import Audience, Notice
from portal.db import db
from portal.models import Role
from tests.conftest import log_in

pytestmark = pytest.mark.browser


def test_logistics_publishes_a_notice_everyone_reads_it_then_it_is_withdrawn(live_server, page, make_user, make_unit):
    unit = make_unit(name="县机关事务服务中心", short_name="后勤管理中心")
    make_user(roles=[Role.EMPLOYEE, Role.LOGISTICS_ADMIN], username="chen", display_name="后勤 陈主任", unit=unit)
    base = live_server.url

    log_in(page, base, "chen")
    page.goto(f"{base}/notices/new")
    # Publishing now for a week is what the form offers; the unit is the admin's own.
    assert page.input_value("#publish_at") and page.input_value("#expires_at")
    page.fill("#title", "元旦假期开放安排")
    page.fill("#body", "1月1日至3日大楼关闭。\n\n详见 https://example.gov.cn/notice <script>alert(1)</script>")
    page.check("input[name=audience][value=public]")
    page.check("#pinned")
    page.click("form button.primary")
    page.wait_for_url(re.compile(r"/notices/\d+$"))
    notice = db.session.scalar(select(Notice).where(Notice.title == "元旦假期开放安排"))
    assert notice.audience is Audience.PUBLIC and notice.pinned and notice.unit_id == unit.id
    body = page.locator(".notice__body")
    assert body.locator("a[href='https://example.gov.cn/notice']").count() == 1
    assert "<script>alert(1)</script>" in body.inner_text()  # shown as text, never run
    assert body.locator("script").count() == 0

    # A visitor without an account reads it on the home page and the notice board.
    visitor = page.context.browser.new_context(java_script_enabled=page.js_enabled, locale="zh-CN").new_page()
    visitor.goto(f"{base}/")
    assert "元旦假期开放安排" in visitor.inner_text("body")
    visitor.goto(f"{base}/notices/")
    assert "元旦假期开放安排" in visitor.inner_text("#notice-list")

    # Withdrawn after a confirmation (with and without JavaScript), it is gone for the visitor too.
    page.click("form.inline-form button:has-text('撤回')")
    assert "元旦假期开放安排" in page.inner_text("#confirm-title")
    db.session.rollback()
    assert db.session.get(Notice, notice.id).withdrawn_at is None
    page.click("section.confirm button[type=submit]")
    page.wait_for_url(re.compile(r"/notices/manage$"))
    db.session.rollback()  # end the test's read transaction: see what the server wrote
    assert db.session.get(Notice, notice.id).withdrawn_at is not None
    visitor.goto(f"{base}/notices/")
    assert "元旦假期开放安排" not in visitor.inner_text("#notice-list")
    visitor.context.close()
