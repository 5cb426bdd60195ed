"""The lobby display updates itself in a real browser: htmx polling with
JavaScript (only the changed block is swapped), a meta refresh without it."""

from __future__ import annotations

import re

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


# Every block's content within its box: what the person at the door can actually read.
OVERFLOW = """() => Array.from(document.querySelectorAll('.display-block')).map(block => {
  const box = block.getBoundingClientRect();
  const style = getComputedStyle(block);
  const bottom = box.bottom - parseFloat(style.paddingBottom) - parseFloat(style.borderBottomWidth) + 1;
  const right = box.right - parseFloat(style.paddingRight) - parseFloat(style.borderRightWidth) + 1;
  const outside = Array.from(block.querySelectorAll('*')).filter(el => {
    const r = el.getBoundingClientRect();
    return r.height > 0 && (r.bottom > bottom || r.right > right);
  }).map(el => el.tagName + ':' + (el.textContent || '').trim().slice(0, 30));
  return {id: block.id, scroll: block.scrollHeight, client: block.clientHeight,
          scrollWidth: block.scrollWidth, clientWidth: block.clientWidth, outside: outside.slice(0, 3),
          page: (block.querySelector('.display-page') || {}).textContent || ''};
})"""


@pytest.mark.parametrize("size", [(1920, 1080), (1366, 768), (1080, 1920)], ids=["1920x1080", "1366x768", "1080x1920"])
def test_nothing_on_the_lobby_screen_is_cut(app, live_server, page, demo, size):
    """Issue 13.12: at landscape and portrait sizes no block's content overflows its box; long lists
    show every item a page at a time instead (the page turns by itself, with and without JavaScript)."""
    width, height = size
    app.config["DISPLAY_POLL_SECONDS"] = 600  # still while measuring
    page.set_viewport_size({"width": width, "height": height})
    cut = []
    pages_seen: dict[str, set[str]] = {}
    for turn in range(4):
        page.goto(f"{live_server.url}/display/?turn={turn}")
        for block in page.evaluate(OVERFLOW):
            pages_seen.setdefault(block["id"], set()).add(block["page"])
            if block["scroll"] > block["client"] or block["scrollWidth"] > block["clientWidth"] or block["outside"]:
                cut.append((turn, block))
    assert not cut, cut
    # The demo's meetings and buses do not fit on one page: they turn.
    assert len(pages_seen["display-meetings"]) > 1 and len(pages_seen["display-shuttle"]) > 1
    app.config["DISPLAY_POLL_SECONDS"] = 1
    page.goto(f"{live_server.url}/display/")
    if page.js_enabled:  # the block polls for its next page
        page.locator("#display-meetings .display-page", has_text="第 2/").wait_for(timeout=15_000)
        assert page.url.endswith("/display/")
    else:  # the meta refresh loads the next turn
        page.wait_for_url(re.compile(r"/display/\?turn=1$"), timeout=15_000)
        assert "第 2/" in page.locator("#display-meetings .display-page").inner_text()
