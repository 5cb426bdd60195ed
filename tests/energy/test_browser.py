"""A chart page in a real browser, with JavaScript on and off: the charts are there as
drawings with their titles, and their figures open as tables."""

import pytest

from portal.models import Role
from tests.conftest import log_in

pytestmark = pytest.mark.browser


def test_statistics_page_with_charts(live_server, page, site, make_user):
    make_user(roles=[Role.EMPLOYEE, Role.LOGISTICS_ADMIN], username="nengyuan_browser")
    log_in(page, live_server.url, "nengyuan_browser")
    page.goto(f"{live_server.url}/energy/?year=2026")
    charts = page.locator("svg.pygal-chart[role=img]")
    assert charts.count() == 1  # the overview: the year by month (each source, each unit: views of their own)
    assert "逐月综合能耗" in charts.first.locator("title").text_content()
    box = charts.first.bounding_box()
    assert box and box["width"] > 300 and box["height"] > 100  # drawn, styled by the stylesheet
    table = page.locator("details.chart-table").first
    assert not table.locator("table").is_visible()
    table.locator("summary").click()
    assert table.locator("table").is_visible()
    assert "1,227.53" in page.locator("main").inner_text()  # May 2026, kgce
    page.set_viewport_size({"width": 390, "height": 800})
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    page.get_by_role("link", name="按能源").click()  # a link, with or without JavaScript
    page.wait_for_url("**view=sources**")
    page.wait_for_load_state("load")  # the stylesheet applied before the width is measured
    assert page.locator("svg.pygal-chart[role=img]").count() == 2
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    box = page.locator("svg.pygal-chart").first.bounding_box()
    assert box and 300 < box["width"] <= 390
