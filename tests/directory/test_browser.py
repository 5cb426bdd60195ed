"""The search box in a real browser, with JavaScript on (active search) and off (plain form)."""

import re

import pytest
from sqlalchemy import select

from portal.blueprints.guide.models import GuideItem
from portal.db import db

pytestmark = pytest.mark.browser


def test_search_from_the_home_page(live_server, page, demo):
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(live_server.url + "/")
    page.fill("#home-q", "rsj")
    if page.js_enabled:
        # Active search: results appear under the box and the URL can be bookmarked.
        page.wait_for_selector("#home-search-results .search-hit")
        assert "县人力资源和社会保障局" in page.inner_text("#home-search-results")
        page.wait_for_url(re.compile(r"/directory/search\?q=rsj$"))
        page.go_back()
        page.wait_for_url(live_server.url + "/")
    else:
        page.press("#home-q", "Enter")
        page.wait_for_url(re.compile(r"/directory/search\?q=rsj$"))
        assert "县人力资源和社会保障局" in page.inner_text("#search-results")
        assert page.input_value("#search-q") == "rsj"
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_search_page_typing_back_and_bookmarks(live_server, page, demo):
    page.goto(live_server.url + "/directory/search?q=305")
    assert "主楼 305" in page.inner_text("#search-results")
    page.fill("#search-q", "shebao")
    if page.js_enabled:
        page.locator("#search-results").get_by_text("社会保障卡申领").first.wait_for()
        page.wait_for_url(re.compile(r"q=shebao$"))
        page.go_back()
        page.locator("#search-results").get_by_text("主楼 305").first.wait_for()
        assert page.input_value("#search-q") == "305"
    else:
        page.click("form.search-form button[type=submit]")
        page.wait_for_url(re.compile(r"q=shebao$"))
        assert "社会保障卡申领" in page.inner_text("#search-results")
    # A bookmarked result page opens as a full page either way.
    page.goto(live_server.url + "/directory/search?q=3楼")
    assert "主楼 3楼" in page.inner_text("#search-results")


def test_print_button_needs_javascript(live_server, page, demo):
    item_id = db.session.scalar(select(GuideItem.id).where(GuideItem.name == "结婚登记"))
    page.goto(f"{live_server.url}/services/{item_id}")
    assert page.is_visible("button.js-print") == page.js_enabled
    assert "双方居民身份证" in page.inner_text(".service-materials")


def test_the_units_table_fits_a_phone_screen(live_server, page, demo):
    """Regression (16): at 390 px the external phone numbers overprinted the office hours."""
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + "/directory/")
    overflowing = page.evaluate(
        """() => [...document.querySelectorAll('.directory-units td')]
               .filter(td => td.scrollWidth > td.clientWidth + 1)
               .map(td => td.textContent.trim())"""
    )
    assert overflowing == []
