"""The pages, per role: the reading grid and its import, invoices, closing, bills."""

import re
from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from portal.blueprints.utilities import services
from portal.blueprints.utilities.models import (
    BillAdjustment,
    Invoice,
    Meter,
    MeterKind,
    MeterReading,
    Supply,
    UnitBill,
)
from portal.db import db
from portal.models import AuditLog, Role
from tests.utilities.conftest import D, count, grid_values, month

E, W = Supply.ELECTRICITY, Supply.WATER
JAN = "2025-01"


@pytest.fixture
def as_unit_admin(make_user, auth, site):
    user = make_user(roles=[Role.EMPLOYEE, Role.UNIT_ADMIN], username="jia_admin", unit=site.units["甲"])
    auth.login_as(user)
    return user


# --- the reading grid ---------------------------------------------------------


def test_property_staff_enter_a_whole_month_in_one_post(client, site, as_property):
    page = client.get(f"/utilities/months/{JAN}/readings")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for meter in site.meters:
        assert f'name="m-{meter.id}"' in html
    response = client.post(f"/utilities/months/{JAN}/readings", data=grid_values(site))
    assert response.status_code == 303
    assert response.headers["Location"] == f"/utilities/months/{JAN}/readings"
    assert count(MeterReading) == 9
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "1,000.00 kWh" in html  # the main meter: 100 × 10
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "utilities.readings.save"))
    assert entry.actor_id == as_property.id and entry.after["E-000"] == "100.00"


def test_one_bad_value_saves_nothing_and_says_where(client, site, as_property):
    bad = site.unit_meters["乙", E]
    response = client.post(f"/utilities/months/{JAN}/readings", data=grid_values(site, **{f"m-{bad.id}": "20O"}))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert count(MeterReading) == 0
    assert 'value="20O"' in html and 'aria-invalid="true"' in html
    assert "请输入数字" in html and "没有保存任何读数" in html
    assert 'value="300"' in html  # what was typed is kept


def test_clearing_a_box_removes_that_reading(client, site, as_property):
    client.post(f"/utilities/months/{JAN}/readings", data=grid_values(site))
    client.post(f"/utilities/months/{JAN}/readings", data=grid_values(site, **{f"m-{site.common.id}": ""}))
    assert count(MeterReading) == 8


def test_a_closed_month_shows_its_readings_and_refuses_changes(client, site, quiet_month, as_property):
    site.close(quiet_month())
    html = client.get(f"/utilities/months/{JAN}/readings").get_data(as_text=True)
    assert 'name="m-' not in html and "已结账" in html
    response = client.post(f"/utilities/months/{JAN}/readings", data=grid_values(site, **{f"m-{site.common.id}": "260"}))
    assert response.status_code == 422
    assert db.session.scalar(select(MeterReading.value).where(MeterReading.meter_id == site.common.id)) == D("250")


def test_future_months_and_nonsense_periods_are_not_found(client, site, as_property):
    assert client.get("/utilities/months/2099-01/readings").status_code == 404
    assert client.get("/utilities/months/2025-13/readings").status_code == 404
    assert client.get("/utilities/months/latest/readings").status_code == 404


@pytest.mark.parametrize(
    ("value", "expected"),
    [("130.5", "305.00 kWh"), ("abc", "请输入数字"), ("99", "用量为负")],
)
def test_inline_check_of_one_reading(client, site, as_property, value, expected):
    site.read(month(0), {site.main[E]: 100})
    meter = site.main[E]
    response = client.get(f"/utilities/months/2025-02/readings/{meter.id}/check?m-{meter.id}={value}",
                          headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert expected in html
    # Without JavaScript the same address is a page of its own.
    page = client.get(f"/utilities/months/2025-02/readings/{meter.id}/check?m-{meter.id}={value}")
    assert "<html" in page.get_data(as_text=True) and expected in page.get_data(as_text=True)


def test_the_grid_runs_a_fixed_number_of_queries(client, site, as_property, count_queries):
    site.read(month(0), {site.main[E]: 100})
    with count_queries() as small:
        assert client.get(f"/utilities/months/{JAN}/readings").status_code == 200
    for n in range(30):
        db.session.add(Meter(code=f"E-X{n:02d}", name="新表", supply=E, kind=MeterKind.UNIT, unit_id=site.units["丙"].id,
                             parent_id=site.main[E].id, multiplier=1, rollover_at=D("100000"),
                             installed_on=month(0), initial_reading=D(0)))
    db.session.commit()
    with count_queries() as large:
        assert client.get(f"/utilities/months/{JAN}/readings").status_code == 200
    assert large.count == small.count


# --- Excel ------------------------------------------------------------------------


def test_reading_sheet_round_trip(client, site, as_property):
    response = client.get(f"/utilities/months/{JAN}/readings.xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = load_workbook(BytesIO(response.data))
    sheet = book.active
    header = [cell.value for cell in sheet[1]]
    assert header[0] == "表计编号" and header[5] == "本月读数"
    codes = [row[0].value for row in sheet.iter_rows(min_row=2)]
    assert sorted(codes) == sorted(m.code for m in site.meters)
    for row in sheet.iter_rows(min_row=2):
        row[5].value = 42 if row[0].value != "E-000" else 7.5
    out = BytesIO()
    book.save(out)
    response = client.post(f"/utilities/months/{JAN}/import", data={"workbook": (BytesIO(out.getvalue()), "抄表.xlsx")})
    assert response.status_code == 303
    values = dict(db.session.execute(select(Meter.code, MeterReading.value).join(MeterReading)).all())
    assert values["E-000"] == D("7.50") and values["W-003"] == D("42.00") and len(values) == 9


def sheet_with(rows, header=("Meter code", "Reading this month")) -> BytesIO:
    book = Workbook()
    book.active.append(list(header))
    for row in rows:
        book.active.append(list(row))
    out = BytesIO()
    book.save(out)
    out.seek(0)
    return out


def test_import_checks_every_row_and_applies_all_or_none(client, site, as_property):
    workbook = sheet_with([("E-000", 100), ("E-001", "abc"), ("E-999", 5), ("E-000", 101), ("", 3), ("W-001", -1), ("W-002", 12)])
    response = client.post(f"/utilities/months/{JAN}/import", data={"workbook": (workbook, "readings.xlsx")})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert count(MeterReading) == 0
    for row in ("第 3 行", "第 4 行", "第 5 行", "第 6 行", "第 7 行"):
        assert row in html
    assert "<li>第 2 行" not in html and "第 8 行" not in html


def test_import_of_a_good_sheet_leaves_blank_meters_alone(client, site, as_property):
    site.read(month(0), {site.common: 5})
    workbook = sheet_with([("e-000", "1,234.5"), ("E-C01", None)])  # codes are not case-sensitive
    assert client.post(f"/utilities/months/{JAN}/import", data={"workbook": (workbook, "r.xlsx")}).status_code == 303
    values = dict(db.session.execute(select(Meter.code, MeterReading.value).join(MeterReading)).all())
    assert values == {"E-000": D("1234.50"), "E-C01": D("5.00")}


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        ((BytesIO(b"not a spreadsheet"), "r.xlsx"), "不是 Excel"),
        ((BytesIO(b"a,b"), "r.csv"), "只能导入 .xlsx"),
        (None, "请选择文件"),
    ],
)
def test_import_refuses_what_is_not_a_reading_sheet(client, site, as_property, upload, message):
    data = {"workbook": upload} if upload else {}
    response = client.post(f"/utilities/months/{JAN}/import", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_import_needs_the_sheets_column_names(client, site, as_property):
    workbook = sheet_with([("E-000", 1)], header=("编号", "读数"))
    response = client.post(f"/utilities/months/{JAN}/import", data={"workbook": (workbook, "r.xlsx")})
    assert response.status_code == 422 and "表计编号" in response.get_data(as_text=True)


# --- invoices, the month page and closing --------------------------------------------


def test_property_staff_see_readings_and_anomalies_but_no_money(client, site, quiet_month, as_property):
    quiet_month()
    html = client.get(f"/utilities/months/{JAN}").get_data(as_text=True)
    assert "1,000.00 kWh" in html and "水电公司发票" not in html and "草拟账单" not in html
    assert client.get(f"/utilities/months/{JAN}/invoices/electricity").status_code == 403
    assert client.post(f"/utilities/months/{JAN}/close").status_code == 403


def test_flagged_readings_list_each_meter_with_its_problem_escaped(client, site, as_property):
    """A month not read yet flags every meter (written a row each, the problem and badge alike)."""
    site.main[Supply.ELECTRICITY].code, site.units["甲"].short_name = "E-<b>0", "甲 & <i>局</i>"
    db.session.commit()
    html = client.get(f"/utilities/months/{JAN}").get_data(as_text=True)
    flagged = html[html.index('id="anomalies"'):]
    flagged = flagged[:flagged.index("</section>")]
    rows = re.findall(r"<tr>\s*<td><a href=\"/utilities/meters/(\d+)\">(.*?)</a></td>\s*<td>(.*?)</td>\s*<td>(.*?)</td>",
                      flagged, re.S)
    assert {int(row[0]) for row in rows} == {meter.id for meter in site.meters} and len(rows) == len(site.meters)
    assert {row[1] for row in rows} >= {"E-&lt;b&gt;0", "E-C01"} and "甲 &amp; &lt;i&gt;局&lt;/i&gt;" in {row[2] for row in rows}
    assert "<b>" not in flagged and "<i>" not in flagged
    assert {" ".join(row[3].split()) for row in rows} == {"缺少读数"}


def test_manager_enters_an_invoice(client, site, as_manager):
    response = client.post(
        f"/utilities/months/{JAN}/invoices/electricity",
        data={"invoice_no": "GD-1", "amount": "1,234.50", "consumption": "1571.9", "allocation_key": "headcount"},
    )
    assert response.status_code == 303
    invoice = db.session.scalar(select(Invoice))
    assert (invoice.amount, invoice.consumption, invoice.allocation_key.value) == (D("1234.50"), D("1571.90"), "headcount")
    assert db.session.scalar(select(AuditLog.action).where(AuditLog.object_type == "utility_invoice")) == "utilities.invoice.save"


@pytest.mark.parametrize(
    "data",
    [
        {"amount": "abc", "consumption": "10", "allocation_key": "equal"},
        {"amount": "10.001", "consumption": "10", "allocation_key": "equal"},
        {"amount": "10", "consumption": "0", "allocation_key": "equal"},
        {"amount": "10", "consumption": "10", "allocation_key": "by_mood"},
        {"amount": "1e309", "consumption": "10", "allocation_key": "equal"},
    ],
)
def test_a_bad_invoice_is_refused(client, site, as_manager, data):
    response = client.post(f"/utilities/months/{JAN}/invoices/water", data=data)
    assert response.status_code == 422
    assert count(Invoice) == 0


def test_unknown_supply_is_not_found(client, site, as_manager):
    assert client.get(f"/utilities/months/{JAN}/invoices/gas").status_code == 404


def test_manager_sees_draft_bills_then_closes_the_month(client, site, quiet_month, as_manager):
    quiet_month()
    site.read(month(0), {site.main[E]: 60})  # sub-meters now exceed the main meter: a warning
    html = client.get(f"/utilities/months/{JAN}").get_data(as_text=True)
    assert "草拟账单" in html and "¥400.00" in html and 'name="confirm_warnings"' in html
    response = client.post(f"/utilities/months/{JAN}/close", data={"note": ""})
    assert response.status_code == 422 and count(UnitBill) == 0
    assert "请确认" in response.get_data(as_text=True)
    # Closing asks first (a page of its own, which posts the same fields again), then closes.
    response = client.post(f"/utilities/months/{JAN}/close", data={"confirm_warnings": "y", "note": "大厅表已复核"})
    assert response.status_code == 200 and count(UnitBill) == 0
    html = response.get_data(as_text=True)
    assert 'name="confirmed" value="1"' in html and 'value="大厅表已复核"' in html and "3 张账单" in html
    response = client.post(f"/utilities/months/{JAN}/close",
                           data={"confirm_warnings": "y", "note": "大厅表已复核", "confirmed": "1"})
    assert response.status_code == 303 and count(UnitBill) == 3
    html = client.get(f"/utilities/months/{JAN}").get_data(as_text=True)
    assert "已结账" in html and "大厅表已复核" in html and "SD202501-" in html
    assert client.get(f"/utilities/months/{JAN}/bills.xlsx").status_code == 200


def test_closing_with_missing_readings_explains_and_changes_nothing(client, site, as_manager):
    site.read(month(0), {site.main[E]: 100})
    response = client.post(f"/utilities/months/{JAN}/close", data={"confirm_warnings": "y"})
    assert response.status_code == 422
    assert "缺少读数或用量为负" in response.get_data(as_text=True)
    assert not services.get_month(month(0)).closed


# --- bills, per role -----------------------------------------------------------------


@pytest.fixture
def billed(site, quiet_month):
    site.close(quiet_month())
    return {b.unit.short_name: b for b in db.session.scalars(services.bills_query())}


def test_unit_admin_sees_only_their_own_units_bills(client, billed, as_unit_admin):
    own, other = billed["甲"], billed["乙"]
    page = client.get(f"/utilities/bills/{own.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "甲局" in html and "¥520.00" in html and "按原固定比例" in html
    assert client.get(f"/utilities/bills/{own.id}.xlsx").status_code == 200
    assert client.get(f"/utilities/bills/{other.id}").status_code == 403
    assert client.get(f"/utilities/bills/{other.id}.xlsx").status_code == 403
    assert client.get(f"/utilities/bills/{other.id}/adjust").status_code == 403
    listing = client.get("/utilities/bills/").get_data(as_text=True)
    assert own.number in listing and other.number not in listing
    comparison = client.get("/utilities/comparison/?year=2025").get_data(as_text=True)
    assert "甲局" in comparison and "乙局" not in comparison


def test_unit_admin_without_a_unit_sees_no_bills(client, billed, make_user, auth):
    auth.login_as(make_user(roles=[Role.UNIT_ADMIN], username="nobody"))
    assert "SD2025" not in client.get("/utilities/bills/").get_data(as_text=True)
    assert client.get(f"/utilities/bills/{billed['甲'].id}").status_code == 403


def test_manager_sees_every_bill_and_the_comparison(client, billed, as_manager):
    listing = client.get("/utilities/bills/?month=2025-01").get_data(as_text=True)
    assert all(bill.number in listing for bill in billed.values())
    assert billed["丙"].number not in client.get(f"/utilities/bills/?unit={billed['甲'].unit_id}").get_data(as_text=True)
    html = client.get("/utilities/comparison/?year=2025").get_data(as_text=True)
    # 乙 pays ¥316 by meter against ¥300 by the old ratio; 丙 ¥204 against ¥220.
    assert "¥16.00" in html and "\u2212¥16.00" in html
    sheet = load_workbook(BytesIO(client.get("/utilities/comparison.xlsx?year=2025").data)).active
    assert [row[0].value for row in sheet.iter_rows(min_row=3)] == ["乙局", "甲局", "丙局", "合计"]


def test_manager_corrects_a_closed_bill(client, billed, as_manager):
    bill = billed["乙"]
    response = client.post(f"/utilities/bills/{bill.id}/adjust",
                           data={"supply": "electricity", "amount": "-16.00", "reason": "大厅电表接线错误"})
    assert response.status_code == 303
    html = client.get(f"/utilities/bills/{bill.id}").get_data(as_text=True)
    assert "大厅电表接线错误" in html and "¥300.00" in html
    for data in ({"supply": "electricity", "amount": "abc", "reason": "x"},
                 {"supply": "gas", "amount": "1", "reason": "x"},
                 {"supply": "water", "amount": "-61", "reason": "x"},
                 {"supply": "water", "amount": "1", "reason": ""}):
        assert client.post(f"/utilities/bills/{bill.id}/adjust", data=data).status_code == 422
    assert count(BillAdjustment) == 1


def test_bill_sheet_lists_the_lines(client, billed, as_manager):
    sheet = load_workbook(BytesIO(client.get(f"/utilities/bills/{billed['甲'].id}.xlsx").data)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert ["单位", "甲局"] == values[1][:2]
    assert any(row[0] == "应付金额" and Decimal(str(row[1])) == D("520.00") for row in values)


# --- meters ----------------------------------------------------------------------------


def meter_form(site, **overrides):
    data = {"code": "E-010", "name": "丙局新增电表", "serial_no": "", "supply": "electricity", "kind": "unit",
            "parent_id": str(site.main[E].id), "unit_id": str(site.units["丙"].id), "area": "", "multiplier": "1",
            "rollover_at": "100000", "installed_on": "2025-01-05", "initial_reading": "12.5", "note": ""}
    data.update(overrides)
    return data


def test_manager_adds_a_meter(client, site, as_manager):
    response = client.post("/utilities/meters/new", data=meter_form(site))
    assert response.status_code == 303
    meter = db.session.scalar(select(Meter).where(Meter.code == "E-010"))
    assert meter.unit_id == site.units["丙"].id and meter.initial_reading == D("12.50")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"code": "e-001"}, "编号已被"),
        ({"unit_id": "0"}, "需要指定所属单位"),
        ({"kind": "main", "parent_id": "0"}, "已有在用的总表"),
        ({"parent_id": str(0)}, "所属的总表"),
        ({"multiplier": "0"}, None),
        ({"initial_reading": "100000"}, "初始读数"),
        ({"installed_on": "2025-02-30"}, None),
    ],
)
def test_a_bad_meter_is_refused(client, site, as_manager, overrides, message):
    response = client.post("/utilities/meters/new", data=meter_form(site, **overrides))
    assert response.status_code == 422
    if message:
        assert message in response.get_data(as_text=True)
    assert count(Meter) == 9


def test_a_meter_that_served_a_closed_month_only_edits_its_labels(client, site, quiet_month, as_manager):
    site.close(quiet_month())
    meter = site.unit_meters["甲", E]
    html = client.get(f"/utilities/meters/{meter.id}/edit").get_data(as_text=True)
    assert 'name="multiplier"' not in html and 'name="name"' in html
    response = client.post(f"/utilities/meters/{meter.id}/edit",
                           data={"code": "E-001", "name": "甲局（东区）", "area": "", "multiplier": "5"})
    assert response.status_code == 303
    meter = db.session.get(Meter, meter.id)
    assert meter.name == "甲局（东区）" and meter.multiplier == 1


def test_property_staff_replace_a_meter(client, site, as_property):
    old = site.unit_meters["甲", E]
    site.read(month(0), {old: 100})
    response = client.post(f"/utilities/meters/{old.id}/replace", data={
        "removed_on": "2025-02-10", "final_reading": "130", "code": "E-001-2", "serial_no": "",
        "multiplier": "1", "rollover_at": "100000", "initial_reading": "0"})
    assert response.status_code == 303
    new = db.session.scalar(select(Meter).where(Meter.code == "E-001-2"))
    assert response.headers["Location"] == f"/utilities/meters/{new.id}"
    assert db.session.get(Meter, old.id).final_reading == D("130")
    html = client.get(f"/utilities/meters/{new.id}").get_data(as_text=True)
    assert "E-001" in html and "E-001-2" in html
    again = client.post(f"/utilities/meters/{old.id}/replace", data={"removed_on": "2025-02-11"})
    assert again.status_code == 422


def test_meter_history_shows_use_per_month(client, site, as_property):
    meter = site.unit_meters["乙", E]
    site.read(month(0), {meter: "99950"})
    site.read(month(1), {meter: "30"})
    html = client.get(f"/utilities/meters/{meter.id}").get_data(as_text=True)
    assert "80.00 kWh" in html and "读数回零" in html


def test_meter_list_searches_and_answers_htmx_with_the_table_only(client, site, as_property):
    html = client.get("/utilities/meters/?q=甲").get_data(as_text=True)
    assert "E-001" in html and "E-002" not in html
    fragment = client.get("/utilities/meters/?supply=water&kind=unit", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in fragment and "W-001" in fragment and "E-001" not in fragment


def test_home_panel_points_staff_to_their_work(client, billed, as_unit_admin):
    html = client.get("/").get_data(as_text=True)
    assert "最近账单（2025-01）" in html


def test_invoice_form_starts_from_the_main_meters_use(client, site, as_manager):
    site.read(month(0), {site.main[E]: "123.4"})
    html = client.get(f"/utilities/months/{JAN}/invoices/electricity").get_data(as_text=True)
    assert 'value="1234.00"' in html


def test_bill_list_and_closed_month_run_a_fixed_number_of_queries(client, site, quiet_month, as_manager, count_queries):
    site.close(quiet_month())
    with count_queries() as one_month:
        assert client.get("/utilities/bills/").status_code == 200
    with count_queries() as month_page:
        assert client.get(f"/utilities/months/{JAN}").status_code == 200
    assert month_page.count == 15  # a closed month is final without asking for the last closed one; read once
    quiet_month(month(1), base={"甲": 300, "乙": 200, "丙": 100, "w甲": 20, "w乙": 10, "w丙": 10, "E": 100, "W": 60, "C": 250})
    site.close(month(1))
    with count_queries() as two_months:
        assert client.get("/utilities/bills/").status_code == 200
    assert two_months.count == one_month.count
    with count_queries() as later_month_page:
        assert client.get("/utilities/months/2025-02").status_code == 200
    assert later_month_page.count == month_page.count


def test_the_month_page_costs_the_same_after_months_of_history_and_is_drawn_once_per_change(
    client, site, quiet_month, as_manager, count_queries, clock
):
    clock(2026, 3, 10, 9, 0)
    usage = {"甲": 300, "乙": 200, "丙": 100, "w甲": 20, "w乙": 10, "w丙": 10, "E": 100, "W": 60, "C": 250}
    for n in range(9):
        quiet_month(month(n), base={name: used * n for name, used in usage.items()})
    client.get("/utilities/months/2025-01")  # the meter book is kept for every month from here on
    with count_queries() as early:
        assert client.get("/utilities/months/2025-02").status_code == 200
    with count_queries() as late:
        page = client.get("/utilities/months/2025-09")
    assert late.count == early.count  # eight months of readings before it cost nothing more
    assert early.count == 13  # the meter book kept as plain values, the month read once
    # The readings, invoices and draft bills are drawn once; the page around them is not.
    with count_queries() as again:
        html = client.get("/utilities/months/2025-09").get_data(as_text=True)
    # The same page below the header (whose CSRF token is signed anew each second).
    assert html[html.index("<main"):] == page.get_data(as_text=True)[page.get_data(as_text=True).index("<main"):]
    assert again.count < late.count
    assert "250.00 kWh" in page.get_data(as_text=True)  # the lobby's use
    site.read(month(8), {site.common: D(250 * 8 + 300)})
    html = client.get("/utilities/months/2025-09").get_data(as_text=True)
    assert "300.00 kWh" in html and "250.00 kWh" not in html


def test_control_characters_never_reach_the_database(client, site, as_manager):
    # NUL is refused for the whole portal (400); other control characters are stripped.
    refused = client.post("/utilities/meters/new", data=meter_form(site, name="丙局\x00新表", note="x"))
    assert refused.status_code == 400
    assert db.session.scalar(select(Meter).where(Meter.code == "E-010")) is None
    response = client.post("/utilities/meters/new", data=meter_form(site, name="丙局新表\x1b", note="第一行\n第二行\x07"))
    assert response.status_code == 303
    meter = db.session.scalar(select(Meter).where(Meter.code == "E-010"))
    assert meter.name == "丙局新表" and meter.note == "第一行\n第二行"
    assert client.get("/utilities/meters/?q=%00E-0").status_code == 400


def test_manager_sets_the_old_percentages_on_one_form(client, site, as_manager):
    a, b, c = (site.units[name] for name in ("甲", "乙", "丙"))
    page = client.get("/utilities/ratios/electricity").get_data(as_text=True)
    assert f'name="percent-{a.id}" value="50.000"' in page
    response = client.post("/utilities/ratios/electricity",
                           data={f"percent-{a.id}": "45.5", f"percent-{b.id}": "34.5", f"percent-{c.id}": "20"})
    assert response.status_code == 303
    assert services.fixed_ratios(Supply.ELECTRICITY, [a.id, b.id, c.id]) == {a.id: D("45.5"), b.id: D("34.5"), c.id: D("20")}
    assert "45.500" in client.get("/utilities/ratios/").get_data(as_text=True)


def test_percentages_that_do_not_add_up_save_nothing(client, site, as_manager):
    a, b, c = (site.units[name] for name in ("甲", "乙", "丙"))
    response = client.post("/utilities/ratios/water", data={f"percent-{a.id}": "50", f"percent-{b.id}": "30", f"percent-{c.id}": "x"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'aria-invalid="true"' in page and "请输入数字" in page
    response = client.post("/utilities/ratios/water", data={f"percent-{a.id}": "50", f"percent-{b.id}": "30"})
    assert response.status_code == 422 and "合计为 80.000%" in response.get_data(as_text=True)
    assert services.fixed_ratios(Supply.WATER, [a.id, b.id, c.id]) == {a.id: D("50"), b.id: D("25"), c.id: D("25")}
    assert client.get("/utilities/ratios/gas").status_code == 404


def test_a_managers_month_page_is_kept_for_their_session_until_a_reading_changes(
    client, site, quiet_month, as_manager, count_queries, clock, areas_on_record
):
    clock(2026, 3, 10, 9, 0)
    quiet_month(month(0), base={"E": 0})
    areas_on_record()
    client.get("/utilities/months/2025-02")  # the session's CSRF token
    first = client.get("/utilities/months/2025-02").get_data()
    with count_queries() as counted:
        again = client.get("/utilities/months/2025-02").get_data()
    assert again == first and counted.count <= 3  # (SQLite's BEGIN,) the account and the data versions
    site.read(month(0), {site.common: D(123)})
    with count_queries() as counted:
        client.get("/utilities/months/2025-02")
    assert counted.count > 3  # a new reading: drawn again


def test_the_month_page_keeps_the_meter_book_for_every_month_and_sees_a_change_at_once(
    client, site, quiet_month, as_manager, count_queries, areas_on_record
):
    from portal.cache import forget_drawings

    areas_on_record("utilities", "building")
    quiet_month()
    client.get(f"/utilities/months/{JAN}")  # the session's CSRF token; the facts are kept

    def drawn(period: str) -> tuple[str, list[str]]:
        forget_drawings()  # as a request for a month not drawn yet finds it
        with count_queries() as counted:
            response = client.get(f"/utilities/months/{period}")
        assert response.status_code == 200
        return response.get_data(as_text=True), counted.statements

    def book_reads(statements: list[str]) -> int:
        return sum("FROM utility_meter" in statement for statement in statements)

    html, statements = drawn("2025-02")  # another month: the same meter book, read no more
    # the data versions, the account, the month, its readings, the last month closed (none), the header's count
    assert book_reads(statements) == 0 and len(statements) == 6
    assert "E-C01" in html
    html, statements = drawn(JAN)
    assert book_reads(statements) == 0 and len(statements) == 13  # with its invoices and draft bills
    # A meter renamed by its code shows at once: the book is read again.
    site.common.code = "E-C09"
    db.session.commit()
    html, statements = drawn("2025-02")
    assert "E-C09" in html and "E-C01" not in html
    assert book_reads(statements) == 1 and len(statements) == 7
    assert book_reads(drawn(JAN)[1]) == 0
