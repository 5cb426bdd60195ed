"""The main shuttle flow in a real browser, with JavaScript on and off: choose a
stop, see its next buses (refreshed by htmx polling when JS is on), and a
logistics admin posting a notice that appears on the trip."""

import pytest

from portal.blueprints.shuttle.models import Direction
from portal.models import Role

pytestmark = pytest.mark.browser


def test_choose_a_stop_and_follow_a_notice(live_server, page, line, clock, make_user):
    clock(2026, 12, 2, 7, 0)
    trip = line.trip(Direction.OUTBOUND, "07:20")
    line.trip(Direction.INBOUND, "17:35", bus=1)
    make_user(roles=[Role.EMPLOYEE, Role.LOGISTICS_ADMIN], username="fleet")

    if page.js_enabled:
        page.clock.install()  # so that a minute of polling can pass at once
    page.goto(f"{live_server.url}/shuttle/")
    assert "老城 → 中心" in page.content() and "运行" in page.inner_text(".service-status")

    page.select_option("#departure-stop", label="中心")
    if not page.js_enabled:
        page.click(".departure-form button[type=submit]")
    page.wait_for_selector("#next-departures h2:has-text('中心 近期发车')")
    block = page.inner_text("#next-departures")
    assert "17:35" in block and "07:20" not in block
    page.wait_for_url("**/shuttle/?stop=*")

    if page.js_enabled:
        # The block polls every minute: mark it, let a minute pass, and see it replaced.
        page.evaluate("document.getElementById('next-departures').setAttribute('data-old', '1')")
        page.clock.run_for(61_000)
        page.wait_for_selector("#next-departures:not([data-old])")
        assert "17:35" in page.inner_text("#next-departures")

    page.goto(f"{live_server.url}/login?next=/shuttle/manage/notices/new")
    page.fill("input[name=username]", "fleet")
    page.fill("input[name=password]", "demo-password-123")
    page.click("button.primary")
    page.wait_for_selector("form.stacked-form select[name=scope]")
    page.select_option("select[name=kind]", "breakdown")
    page.fill("input[name=message]", "1号车故障，备用车代跑")
    page.select_option("select[name=scope]", f"trip:{trip.id}")
    page.click("form.stacked-form button.primary")
    page.wait_for_selector("text=通知已保存")

    page.goto(f"{live_server.url}/shuttle/")
    assert "1号车故障，备用车代跑" in page.inner_text(f"#timetable-{line.route.id}-outbound")
    assert "13908250001" in page.content()  # logged in: the driver's phone


def test_shuttle_pages_fit_a_phone(live_server, page, demo, clock, make_user):
    """16: /shuttle/ was wider than a 390 px phone (409 px; 530 px in English):
    every table scrolls in its own box and the page itself never does."""
    clock(2026, 12, 2, 7, 0)
    make_user(roles=[Role.EMPLOYEE, Role.LOGISTICS_ADMIN], username="fleet")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/login?next=/shuttle/")
    page.fill("input[name=username]", "fleet")
    page.fill("input[name=password]", "demo-password-123")
    page.click("button.primary")
    page.wait_for_selector("h1")
    for language in ("zh_CN", "en"):
        page.context.add_cookies([{"name": "portal_lang", "value": language, "url": live_server.url}])
        for path in ("/shuttle/", "/shuttle/manage/", "/shuttle/manage/trips/", "/shuttle/manage/vehicles/",
                     "/shuttle/manage/exceptions/", "/shuttle/manage/notices/", "/shuttle/manage/stops/",
                     "/workdays/?year=2026"):
            page.goto(f"{live_server.url}{path}")
            assert page.evaluate("document.documentElement.scrollWidth") <= 390, (language, path)


def test_deleting_a_trip_and_filling_a_year_ask_first(live_server, page, line, clock, make_user):
    """13.14: with JavaScript on and off, deleting a trip and filling a calendar
    year show a confirmation page first; cancelling changes nothing."""
    clock(2026, 12, 2, 9, 0)
    line.trip(Direction.OUTBOUND, "07:20")
    make_user(roles=[Role.EMPLOYEE, Role.LOGISTICS_ADMIN], username="fleet")
    page.goto(f"{live_server.url}/login?next=/shuttle/manage/trips/")
    page.fill("input[name=username]", "fleet")
    page.fill("input[name=password]", "demo-password-123")
    page.click("button.primary")
    page.wait_for_selector("text=07:20")

    page.click("form.inline-form button.danger")
    page.wait_for_selector("#confirm-title:has-text('删除班次')")
    page.click("section.confirm a")  # cancel
    page.wait_for_selector("text=07:20")
    page.click("form.inline-form button.danger")
    page.wait_for_selector("#confirm-title")
    page.click("section.confirm button[type=submit]")
    page.wait_for_selector("text=已删除")
    assert "07:20" not in page.inner_text("table")

    page.goto(f"{live_server.url}/workdays/?year=2027")
    page.click("text=将 2027 年其余日期按正常周填充")
    page.wait_for_selector("#confirm-title:has-text('2027')")
    page.click("section.confirm button[type=submit]")
    page.wait_for_selector("text=按正常周录入 2027 年的 365 天")
