"""The lobby display updates itself in a real browser: htmx polling with
JavaScript (only the changed block is swapped), a meta refresh without it."""

from __future__ import annotations

import pytest

from portal.blueprints.notices.models import Audience

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config():
    return {"DISPLAY_POLL_SECONDS": 1}


def test_the_display_shows_a_new_notice_by_itself(live_server, page, create_notice):
    create_notice(title="已有的公告")
    page.goto(f"{live_server.url}/display/")
    assert page.locator("#display-notices").inner_text().count("已有的公告") == 1
    assert "新发布的公告" not in page.content()
    if page.js_enabled:
        # Marks that a page reload or a swap of the other blocks would wipe out.
        page.evaluate("window.displayMarker = 1; document.getElementById('display-today').displayMarker = 1")
    else:
        assert page.locator('head noscript').count() == 1

    create_notice(title="新发布的公告")
    create_notice(title="内部公告不上屏", audience=Audience.STAFF)
    page.locator("#display-notices", has_text="新发布的公告").wait_for(timeout=15_000)
    assert "内部公告不上屏" not in page.content()

    if page.js_enabled:
        assert page.evaluate("window.displayMarker") == 1, "the page was reloaded instead of polled"
        assert page.evaluate("document.getElementById('display-today').displayMarker") == 1, "an unchanged block was swapped"
        assert page.evaluate("document.querySelectorAll('meta[http-equiv=refresh]').length") == 0
