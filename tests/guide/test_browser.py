"""The printed service sheet, in Chromium: one clean A4 page."""

import re

import pytest
from sqlalchemy import select

from portal.blueprints.guide.models import GuideItem
from portal.db import db

pytestmark = pytest.mark.browser


def test_the_longest_service_sheet_prints_on_one_clean_page(live_server, page, demo):
    services = db.session.scalars(select(GuideItem)).all()
    longest = max(services, key=lambda s: len("".join(s.materials + s.steps)) + len(s.notes))
    page.goto(f"{live_server.url}/services/{longest.id}")
    page.emulate_media(media="print")
    assert not page.is_visible(".site-header") and not page.is_visible(".site-nav")
    assert not page.is_visible(".breadcrumbs") and not page.is_visible("button.js-print")
    assert page.is_visible(".service-sheet__masthead") and page.is_visible(".service-materials")
    pdf = page.pdf(format="A4")
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1
