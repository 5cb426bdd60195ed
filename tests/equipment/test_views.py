from __future__ import annotations

from sqlalchemy import func, select

from portal.blueprints.equipment.models import Asset, InspectionRound
from portal.db import db


def test_demo_register_is_realistic_and_idempotent(app, demo):
    from portal.blueprints.equipment.demo import seed_demo

    count = db.session.scalar(select(func.count()).select_from(Asset))
    assert 60 <= count <= 120
    seed_demo()
    assert db.session.scalar(select(func.count()).select_from(Asset)) == count
    assert db.session.scalar(select(func.count()).select_from(InspectionRound)) == 1


def test_pages_render_for_logistics(client, auth, demo):
    auth.login_as(demo["logistics_admin"])
    asset = db.session.scalar(select(Asset).where(Asset.code == "DT-ZL-01"))
    for url in ("/equipment/", "/equipment/?category=lift&q=客梯", f"/equipment/{asset.id}", "/equipment/due",
                "/equipment/rounds", "/equipment/budget", "/equipment/new", f"/equipment/{asset.id}/edit",
                "/equipment/due?days=365", "/equipment/budget?page=2"):
        response = client.get(url)
        assert response.status_code == 200, url
    assert "1号客梯" in client.get("/equipment/?category=lift").get_data(as_text=True)
