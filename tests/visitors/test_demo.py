"""The demo data fills every page of the visitor log."""

import random

import pytest
from sqlalchemy import func, select

from portal import timeutil
from portal.blueprints.visitors.demo import fake_resident_id, seed_demo
from portal.blueprints.visitors.models import VisitorEntry, VisitorPreregistration, WatchlistEntry
from portal.blueprints.visitors.privacy import decrypt_document
from portal.blueprints.visitors.validation import validate_resident_id
from portal.db import db
from tests.visitors.conftest import FULL_MODE_CONFIG


def test_fake_ids_pass_the_checksum():
    rng = random.Random(1)
    for _ in range(500):
        validate_resident_id(fake_resident_id(rng), today=timeutil.today())


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_demo_fills_every_page(client, auth, demo):
    counts = {m: _count(m) for m in (VisitorEntry, VisitorPreregistration, WatchlistEntry)}
    assert counts[VisitorEntry] > 100 and counts[WatchlistEntry] == 1
    seed_demo()
    db.session.commit()
    assert {m: _count(m) for m in counts} == counts  # idempotent

    auth.login_as(demo["security"])
    desk = client.get("/visitors/").get_data(as_text=True)
    assert desk.count('formaction="/visitors/entries/') >= 6  # on site now
    assert "?expected=" in desk  # expected today
    assert "已过下班时间" in desk  # the one left over from yesterday
    for url in ("/visitors/on-site", "/visitors/on-site/evacuation", "/visitors/history"):
        html = client.get(url).get_data(as_text=True)
        assert "********" in html or "evacuation" in url, url
        assert "目前楼内没有访客" not in html and "没有符合条件的来访记录" not in html, url

    auth.login_as(demo["logistics_admin"])
    assert "钱某某" in client.get("/visitors/watchlist/").get_data(as_text=True)
    assert "没有来访记录" not in client.get("/visitors/statistics").get_data(as_text=True)

    auth.login_as(demo["employee"])
    mine = client.get("/visitors/expected/").get_data(as_text=True)
    assert "待到访" in mine and "您还没有预约过访客" not in mine


@pytest.mark.parametrize("app_config", [FULL_MODE_CONFIG])
def test_demo_in_full_mode_stores_encrypted_valid_numbers(app, demo):
    settings = app.extensions["visitors"]
    for entry in db.session.scalars(select(VisitorEntry).limit(20)):
        number = decrypt_document(entry.id_encrypted, settings.cipher)
        validate_resident_id(number, today=timeutil.today())
        assert entry.id_masked == number[:6] + "********" + number[-4:]
