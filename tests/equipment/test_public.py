"""QR labels and the fault form they open, without login."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.blueprints.equipment.models import AssetRepair, PublicReport
from portal.blueprints.equipment.public import PER_ADDRESS, PER_ITEM
from portal.blueprints.repairs.models import RepairRequest
from portal.db import db

FORM = {"name": "王先生", "phone": "１３９ ０８２５ ００００", "description": "电梯门关不上", "website": ""}


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_label_opens_a_form_that_files_a_repair_tied_to_the_item(client, make_asset, property_user):
    lift = make_asset(code="DT-ZL-01", name="1号客梯")
    page = client.get("/equipment/report/dt-zl-01")
    assert page.status_code == 200 and "1号客梯" in page.get_data(as_text=True)
    response = client.post("/equipment/report/DT-ZL-01", data=FORM)
    assert response.status_code == 303 and response.headers["Location"].endswith("/equipment/report/DT-ZL-01/sent")
    repair = db.session.scalar(select(RepairRequest))
    assert "电梯门关不上" in repair.description and "王先生" in repair.description
    assert repair.contact == "13908250000"
    assert db.session.scalar(select(AssetRepair.asset_id).where(AssetRepair.repair_id == repair.id)) == lift.id
    assert not repair.reporter.active  # the QR-label account cannot log in
    assert client.get("/equipment/report/NOPE").status_code == 404


def test_bad_input_and_robots_save_nothing(client, make_asset):
    make_asset(code="DT-01")
    for changes in ({"name": ""}, {"phone": "abc"}, {"description": "坏"}):
        assert client.post("/equipment/report/DT-01", data=FORM | changes).status_code == 422
    assert client.post("/equipment/report/DT-01", data=FORM | {"website": "http://spam"}).status_code == 303
    assert _count(RepairRequest) == 0 and _count(PublicReport) == 0


def test_floods_are_refused_per_item_and_per_address(client, make_asset):
    lift, pump = make_asset(code="DT-01"), make_asset(code="SB-01")
    for _ in range(PER_ITEM):
        assert client.post("/equipment/report/DT-01", data=FORM).status_code == 303
    response = client.post("/equipment/report/DT-01", data=FORM)
    assert response.status_code == 429 and "物业公司正在处理" in response.get_data(as_text=True)
    for _ in range(PER_ADDRESS - PER_ITEM):
        assert client.post("/equipment/report/SB-01", data=FORM).status_code == 303
    response = client.post("/equipment/report/SB-01", data=FORM)
    assert response.status_code == 429
    assert _count(RepairRequest) == PER_ADDRESS
    other = client.post("/equipment/report/SB-01", data=FORM, environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 303


def test_the_label_sheet_has_a_code_per_item(client, auth, property_user, make_asset):
    make_asset(code="DT-01")
    auth.login_as(property_user)
    page = client.get("/equipment/labels").get_data(as_text=True)
    assert "DT-01" in page and "<svg" in page
