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
