"""Page-weight budgets for old office PCs (bytes, not times; the benchmark
script measures times): a first visit to any public page is at most 40 KB
gzipped including CSS and htmx, a repeat visit (cached static files) at most
10 KB."""

from __future__ import annotations

import gzip
import re

import pytest

from tests.test_access_matrix import collect_access

FIRST_VISIT_BUDGET = 40 * 1024
REPEAT_VISIT_BUDGET = 10 * 1024
NOT_PAGES = {"/healthz", "/shuttle/gtfs.zip", "/favicon.ico"}  # public, but JSON, a zip file and an icon


def gzipped_size(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6))


def _public_pages() -> list[str]:
    pages = []
    for endpoint, entries in sorted(collect_access().items()):
        for entry in entries:
            if entry.allowed is None and not entry.post_only and not entry.expect and isinstance(entry.path, str):
                if entry.path not in NOT_PAGES:
                    pages.append(entry.path)
    return pages


@pytest.mark.parametrize("path", _public_pages())
def test_public_page_weight(client, demo, path):
    page = client.get(path)
    assert page.status_code == 200
    assert page.mimetype == "text/html", f"{path} is {page.mimetype}: list it in NOT_PAGES"
    html = page.get_data()
    static = set(re.findall(rb'(?:src|href)="(/static/[^"]+)"', html))
    static_bytes = 0
    for url in static:
        response = client.get(url.decode())
        static_bytes += gzipped_size(response.get_data())
        response.close()
    first_visit = gzipped_size(html) + static_bytes
    assert first_visit <= FIRST_VISIT_BUDGET, f"{path}: first visit {first_visit} bytes gzipped"
    assert gzipped_size(html) <= REPEAT_VISIT_BUDGET, f"{path}: repeat visit {gzipped_size(html)} bytes gzipped"


DAY_GRID_BUDGET = 25 * 1024
DAY_GRID_GZIP_BUDGET = 5 * 1024


def test_logged_in_day_grid_is_light_and_keeps_its_plus_controls(client, auth, demo):
    """Issue 21: the day grid a booker sees was 60 KB (572 "+" links, each with a full
    query string). Each free slot is still a no-JavaScript control, in fewer bytes."""
    auth.login_as(demo["employee"])
    page = client.get("/rooms/day?date=2026-12-03")
    assert page.status_code == 200
    html = page.get_data()
    plus = html.count(b">+<")
    assert plus > 200, plus
    assert len(html) <= DAY_GRID_BUDGET, f"day grid {len(html)} bytes"
    assert gzipped_size(html) <= DAY_GRID_GZIP_BUDGET, f"day grid {gzipped_size(html)} bytes gzipped"


def test_a_plus_in_the_grid_opens_the_request_form_for_that_room_and_slot(client, auth, demo):
    auth.login_as(demo["employee"])
    html = client.get("/rooms/day?date=2026-12-03").get_data(as_text=True)
    action = re.search(r'<form[^>]*action="([^"]+)"[^>]*class="grid-book"', html) or re.search(
        r'<form class="grid-book"[^>]*action="([^"]+)"', html)
    assert action, "the grid is a GET form to the request form"
    room = re.search(r'<td><button name=(\d+)m>\+</button>', html).group(1)  # slot 12 (m): 14:00
    form = client.get(f"{action.group(1)}?date=2026-12-03&{room}m=").get_data(as_text=True)
    assert re.search(rf'<option[^>]*value="{room}"[^>]*selected|<option[^>]*selected[^>]*value="{room}"', form), "room chosen"
    assert re.search(r'<option[^>]*value="14:00"[^>]*selected|<option[^>]*selected[^>]*value="14:00"', form), "time chosen"
    assert 'value="2026-12-03"' in form


def test_first_visit_takes_at_most_three_requests(client, demo):
    html = client.get("/").get_data(as_text=True)
    static = set(re.findall(r'(?:src|href)="(/static/[^"]+)"', html))
    static = {url for url in static if not url.startswith("/static/favicon.svg")}
    assert len(static) + 1 <= 3, static


def test_the_home_page_sets_no_cookie_for_an_anonymous_visitor(client, demo):
    page = client.get("/")
    assert page.status_code == 200
    assert "Set-Cookie" not in page.headers


def test_the_script_bundle_is_htmx_then_app_js(client):
    html = client.get("/").get_data(as_text=True)
    url = re.search(r'<script src="(/static/js/bundle\.js\?v=[^"]+)"', html).group(1)
    response = client.get(url)
    bundle = response.get_data()
    response.close()
    assert b'version:"1.9.12"' in bundle and b"Portal behaviour on top of htmx" in bundle
    assert bundle.index(b'version:"1.9.12"') < bundle.index(b"Portal behaviour on top of htmx")
