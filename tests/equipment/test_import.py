"""The register's Excel download, changed and sent back."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from io import BytesIO

from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from portal.blueprints.equipment.models import Asset, Condition
from portal.db import db


def _post(client, book) -> object:
    out = BytesIO()
    book.save(out)
    return client.post("/equipment/import", data={"workbook": (BytesIO(out.getvalue()), "台账.xlsx")},
                       content_type="multipart/form-data")


def test_the_export_comes_back_with_a_change_and_a_new_row(client, auth, logistics, place, make_asset):
    lift = make_asset(code="DT-01", name="1号客梯")
    auth.login_as(logistics)
    book = load_workbook(BytesIO(client.get("/equipment/register.xlsx").data))
    sheet = book.active
    header_row = next(i for i, row in enumerate(sheet.iter_rows(values_only=True), start=1) if row[0] == "编号")
    sheet.cell(header_row + 1, 16, "差")  # condition of DT-01
    sheet.append(["ＳＢ－０１", "生活给水泵", "水泵及水箱", "主楼", "1楼", "101", "水泵房", date(2015, 6, 1), 15,
                  2030, 38000, "某水泵厂", "", None, None, "fair", date(2026, 11, 1), ""])
    response = _post(client, book)
    assert response.status_code == 303, response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Asset, lift.id).condition is Condition.POOR
    pump = db.session.scalar(select(Asset).where(Asset.code == "SB-01"))
    assert pump.room.number == "101" and pump.replacement_cost == Decimal("38000.00")


def test_wrong_columns_and_bad_rows_save_nothing(client, auth, logistics, place):
    auth.login_as(logistics)
    book = Workbook()
    book.active.append(["编号", "名称"])
    book.active.append(["X-1", "某设备"])
    response = _post(client, book)
    assert response.status_code == 422 and "第一个工作表须包含台账各列" in response.get_data(as_text=True)

    from portal.blueprints.equipment.export import register_header

    with client.application.test_request_context():
        header = register_header()
    book = Workbook()
    book.active.append(header)
    good = ["A-1", "好设备", "lift", "主楼", "1楼", "", "", date(2010, 1, 1), 15, None, 1000, "", "", None, None, "good",
            None, ""]
    book.active.append(good)
    book.active.append(["A-2", "未来设备", "lift", "主楼", "1楼", "", "", date(2030, 1, 1), 15, None, 1000, "", "", None,
                        None, "good", None, ""])
    response = _post(client, book)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "第 3 行：安装日期不能晚于今天。" in page
    assert db.session.scalar(select(func.count()).select_from(Asset)) == 0
    book.active.delete_rows(3)
    book.active.append(["A-1", "重复", "lift", "主楼", "9楼", "", "", date(2010, 1, 1), 15, None, 1000, "", "", None, None,
                        "good", None, ""])
    assert "第 3 行：“主楼”没有“9楼”" in _post(client, book).get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Asset)) == 0
    response = client.post("/equipment/import", data={"workbook": (BytesIO(b"not a workbook"), "x.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code == 422


def test_only_the_logistics_center_imports(client, auth, property_user):
    auth.login_as(property_user)
    assert client.get("/equipment/import").status_code == 403
