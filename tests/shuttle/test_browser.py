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
