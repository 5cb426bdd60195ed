"""Excel round trip: the ledger downloaded, corrected and uploaded; a refused row saves nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from io import BytesIO

from openpyxl import load_workbook
from sqlalchemy import func, select

from portal.blueprints.offices.models import OfficeRoomEntry, RoomUse
from portal.blueprints.offices.services import entry_on
from portal.db import db


def _download(client):
    response = client.get("/offices/ledger.xlsx?date=2026-01-01")
    assert response.status_code == 200
    return load_workbook(BytesIO(response.data))


def _upload(client, workbook, day="2026-02-01"):
    out = BytesIO()
    workbook.save(out)
    out.seek(0)
    return client.post("/offices/ledger/import", data={"workbook": (out, "ledger.xlsx"), "valid_from": day},
                       content_type="multipart/form-data")


def _rows(sheet):
    return {row[1].value: row for row in sheet.iter_rows(min_row=3) if row[1].value}


def test_an_unchanged_workbook_changes_nothing(client, auth, allocated, logistics):
    auth.login_as(logistics)
    before = db.session.scalar(select(func.count()).select_from(OfficeRoomEntry))
    response = _upload(client, _download(client))
    assert response.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(OfficeRoomEntry)) == before


def test_corrections_come_back_as_dated_records(client, auth, allocated, logistics):
    auth.login_as(logistics)
    workbook = _download(client)
    rows = _rows(workbook.active)
    assert Decimal(str(rows["主楼 301"][5].value)) == Decimal("36")
    rows["主楼 301"][5].value = 35.6       # measured
    rows["主楼 302"][3].value = "县财政局"  # reallocated
    rows["主楼 304"][3].value = None
    rows["主楼 304"][4].value = "vacant"
    assert _upload(client, workbook).status_code == 303
    db.session.expire_all()
    room = allocated["rooms"]
    assert entry_on(room["301"].id, date(2026, 2, 1)).area_m2 == Decimal("35.60")
    assert entry_on(room["301"].id, date(2026, 1, 31)).area_m2 == Decimal("36.00")
    assert entry_on(room["302"].id, date(2026, 2, 1)).unit_id == allocated["units"]["fin"].id
    assert entry_on(room["304"].id, date(2026, 2, 1)).use is RoomUse.VACANT


def test_a_bad_row_is_named_and_nothing_is_saved(client, auth, allocated, logistics):
    auth.login_as(logistics)
    workbook = _download(client)
    rows = _rows(workbook.active)
    rows["主楼 301"][5].value = 20            # fine on its own
    rows["主楼 303"][5].value = -4            # refused
    before = db.session.scalar(select(func.count()).select_from(OfficeRoomEntry))
    response = _upload(client, workbook)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "第 5 行" in page or "Row 5" in page
    assert db.session.scalar(select(func.count()).select_from(OfficeRoomEntry)) == before
    rows["主楼 303"][5].value = 24
    rows["主楼 303"][3].value = "不存在的单位"
    assert _upload(client, workbook).status_code == 422
    not_a_workbook = client.post("/offices/ledger/import", data={"workbook": (BytesIO(b"hello"), "x.xlsx"),
                                                                 "valid_from": "2026-02-01"},
                                 content_type="multipart/form-data")
    assert not_a_workbook.status_code == 422
