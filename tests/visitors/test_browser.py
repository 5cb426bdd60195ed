"""A guard checks a visitor in with the keyboard alone, with JavaScript on and off."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.blueprints.visitors.models import VisitorEntry
from portal.db import db
from tests.conftest import DEMO_PASSWORD
from tests.visitors.conftest import make_resident_id

pytestmark = pytest.mark.browser

NUMBER = make_resident_id("510921", "19880808", "246")
MASKED = "510921********" + NUMBER[-4:]


def log_in_as_guard(page, live_server) -> None:
    """With the keyboard too: the login form has the focus."""
    page.goto(f"{live_server.url}/login?next=/visitors/")
    expect(page.locator("#username")).to_be_focused()
    page.keyboard.type("guard")
    page.keyboard.press("Tab")
    page.keyboard.type(DEMO_PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert urlsplit(page.url).path == "/visitors/"


def test_check_in_with_the_keyboard_alone(live_server, page, demo):
    log_in_as_guard(page, live_server)

    expect(page.locator("#name")).to_be_focused()  # ready to type at once
    keys = [
        ("type", "键盘访客"),
        ("press", "Tab"),  # document type: resident ID card is the default
        ("press", "Tab"),
        ("type", NUMBER),
        ("press", "Tab"),
        ("press", "Space"),  # 已核验证件
        ("press", "Tab"),
        ("type", "13912345678"),
        ("press", "Tab"),
        ("type", "rsj"),  # the unit by its pinyin initials
        ("press", "Tab"),
        ("type", "王科长"),
        ("press", "Tab"),
        ("type", "办理社保"),
        ("press", "Tab"),
        ("press", "Tab"),  # organization: none
        ("press", "Tab"),  # companions: 0
        ("type", "川JD12345"),
        ("press", "Tab"),
        ("type", "88"),
    ]
    for action, value in keys:
        getattr(page.keyboard, action)(value)
    expect(page.locator("#badge")).to_be_focused()
    if page.js_enabled:  # htmx confirms the unit while typing; without JavaScript the server resolves it
        expect(page.locator("#unit-resolved")).to_contain_text("县人力资源和社会保障局")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    expect(page.locator(".message--success")).to_contain_text("已登记：键盘访客，来访 人社局，访客证 88 号。")
    row = page.locator("#on-site tr", has_text="键盘访客")
    expect(row).to_contain_text(MASKED)
    expect(row).to_contain_text("川JD12345")
    assert NUMBER not in page.content()
    expect(page.locator("#name")).to_be_focused()  # and ready for the next visitor

    db.session.rollback()
    [entry] = db.session.scalars(select(VisitorEntry).where(VisitorEntry.name == "键盘访客")).all()
    assert entry.id_checked and entry.unit.short_name == "人社局" and entry.badge == "88"
    assert entry.phone == "13912345678" and entry.id_masked == MASKED


def test_a_mistyped_number_is_explained_and_the_focus_returns_to_it(live_server, page, demo):
    log_in_as_guard(page, live_server)
    expect(page.locator("#name")).to_be_focused()
    page.keyboard.type("输错号码")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.type(NUMBER[:15] + str((int(NUMBER[15]) + 1) % 10) + NUMBER[16:])  # one digit mistyped
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.type("rsj")
    page.keyboard.press("Tab")
    page.keyboard.type("王科长")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("#id_number-errors")).to_contain_text("校验码")
    expect(page.locator("#id_number")).to_be_focused()
    expect(page.locator("#id_number")).to_have_value("")
    expect(page.locator("#name")).to_have_value("输错号码")


def test_check_out_from_the_on_site_list(live_server, page, demo):
    log_in_as_guard(page, live_server)
    rows = page.locator("#on-site tbody tr")
    before = rows.count()
    name = rows.last.locator("td").nth(1).inner_text().strip()
    if page.js_enabled:
        page.evaluate("window.stillTheSamePage = true")
    rows.last.get_by_role("button").click()
    expect(page.locator("#messages")).to_contain_text(f"{name} 已离开")
    expect(rows).to_have_count(before - 1)
    if page.js_enabled:  # htmx swapped the list in place: the page was not reloaded
        assert page.evaluate("window.stillTheSamePage") is True
