"""Regression tests for the reported defects (issues 13, 14 and 15), one or more per defect."""

from datetime import date
from io import BytesIO

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from portal.blueprints.utilities import services
from portal.blueprints.utilities.models import (
    BillAdjustment,
    Meter,
    MeterReading,
    Supply,
    UnitBill,
)
from portal.blueprints.utilities.services import Replacement
from portal.db import db
from portal.models import AuditLog, Role
from tests.utilities.conftest import D, after, count, grid_values, month, on, refused

E, W = Supply.ELECTRICITY, Supply.WATER
JAN, FEB = "2025-01", "2025-02"


# --- issue 12: the meter search takes a typed _ or % literally ---------------------------------


@pytest.mark.parametrize("typed", ["_", "%", "E_0"])
def test_meter_search_takes_wildcards_literally(client, site, as_property, typed):
    html = client.get("/utilities/meters/", query_string={"q": typed}).get_data(as_text=True)
    assert "E-001" not in html and "没有符合条件的表计" in html


def test_meter_search_still_finds_what_was_typed(client, site, as_property):
    db.session.add(Meter(code="E_LAB", name="实验室", supply=E, kind=site.common.kind, area=site.common.area,
                         parent_id=site.main[E].id, multiplier=1, rollover_at=D("100000"),
                         installed_on=month(0), initial_reading=D(0)))
    db.session.commit()
    html = client.get("/utilities/meters/", query_string={"q": "_"}).get_data(as_text=True)
    assert "E_LAB" in html and "E-001" not in html


# --- 14.1: a mistyped final reading at a replacement --------------------------------------------


def replacement(**overrides) -> Replacement:
    fields = {"removed_on": date(2025, 2, 14), "final_reading": D("3500"), "code": "W-001-2", "serial_no": "",
              "multiplier": 1, "rollover_at": D("100000"), "initial_reading": D("0")}
    fields.update(overrides)
    return Replacement(**fields)


def test_a_final_reading_below_the_last_reading_is_refused(site):
    old = site.unit_meters["甲", W]
    site.read(month(0), {old: "3592.40"})
    with refused("final reading 3500.00 is below the last reading 3592.40"):
        services.replace_meter(old, replacement(final_reading=D("3500.00")), actor=None, now=on(date(2025, 2, 20)))
    db.session.rollback()
    assert db.session.get(Meter, old.id).removed_on is None and count(Meter) == 9


def test_a_final_reading_past_a_rollover_is_accepted(site):
    old = site.unit_meters["甲", W]
    site.read(month(0), {old: "99990"})
    services.replace_meter(old, replacement(final_reading=D("15")), actor=None, now=on(date(2025, 2, 20)))
    db.session.commit()
    line = services.review_month(month(1)).lines[old.id]
    assert line.rows[0].usage.usage == D("25") and line.rows[0].usage.rolled_over


def test_the_replace_form_says_why_the_final_reading_is_refused(client, site, as_property):
    old = site.unit_meters["甲", W]
    site.read(month(0), {old: "3592.40"})
    response = client.post(f"/utilities/meters/{old.id}/replace", data={
        "removed_on": "2025-02-14", "final_reading": "3500", "code": "W-001-2", "serial_no": "",
        "multiplier": "1", "rollover_at": "100000", "initial_reading": "0"})
    assert response.status_code == 422
    assert "低于上次读数 3592.40" in response.get_data(as_text=True)
    assert db.session.scalar(select(Meter).where(Meter.code == "W-001-2")) is None


def test_final_and_first_readings_are_corrected_until_the_month_is_closed(client, site, as_property):
    old = site.unit_meters["甲", W]
    site.read(month(0), {old: "3592.40"})
    new = services.replace_meter(old, replacement(final_reading=D("3600")), actor=None, now=on(date(2025, 2, 20)))
    db.session.commit()
    page = client.get(f"/utilities/meters/{old.id}")
    assert f"/utilities/meters/{old.id}/replacement" in page.get_data(as_text=True)
    bad = client.post(f"/utilities/meters/{old.id}/replacement", data={"final_reading": "3500", "initial_reading": "0"})
    assert bad.status_code == 422 and "低于上次读数" in bad.get_data(as_text=True)
    response = client.post(f"/utilities/meters/{old.id}/replacement",
                           data={"final_reading": "3610.5", "initial_reading": "2"})
    assert response.status_code == 303
    assert db.session.get(Meter, old.id).final_reading == D("3610.50")
    assert db.session.get(Meter, new.id).initial_reading == D("2.00")
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "utilities.meter.correct_replacement"))
    assert entry.before == {"final_reading": "3600.00", "initial_reading": "0.00"}
    assert entry.after == {"final_reading": "3610.50", "initial_reading": "2.00"}
    site.read(month(1), {new: "10"})
    line = services.review_month(month(1)).lines[old.id]
    assert line.usage.usage == D("18.10") + D("8")


def test_a_replacement_in_a_closed_month_is_not_corrected(client, site, as_property):
    old = site.unit_meters["甲", W]
    new = services.replace_meter(old, replacement(removed_on=date(2025, 1, 20), final_reading=D("15")),
                                 actor=None, now=on(date(2025, 1, 25)))
    db.session.commit()
    values = {site.main[E]: 100, site.main[W]: 60, site.common: 250, new: 5,
              site.unit_meters["甲", E]: 300, site.unit_meters["乙", E]: 200, site.unit_meters["丙", E]: 100,
              site.unit_meters["乙", W]: 10, site.unit_meters["丙", W]: 10}
    site.read(month(0), values)
    site.invoice(month(0), E, "800.00", "1000")
    site.invoice(month(0), W, "240.00", "60")
    site.close(month(0))
    assert not services.replacement_is_correctable(old)
    with refused("2025-01 is closed"):
        services.correct_replacement(old, final_reading=D("16"), initial_reading=D("0"), actor=None,
                                     now=on(date(2025, 2, 3)))
    db.session.rollback()
    response = client.post(f"/utilities/meters/{old.id}/replacement", data={"final_reading": "16", "initial_reading": "0"})
    assert response.status_code == 422 and db.session.get(Meter, old.id).final_reading == D("15")


# --- 14.3: corrections and what is payable ----------------------------------------------------


@pytest.fixture
def corrected(site, quiet_month, make_user):
    """January closed; 乙's electricity credited ¥120.50 afterwards."""
    site.close(quiet_month())
    bill = db.session.scalar(services.bills_query(unit_id=site.units["乙"].id))
    manager = make_user(roles=[Role.LOGISTICS_ADMIN], username="houqin_corrects")
    services.add_adjustment(bill, E, D("-120.50"), "电表接线错误", actor=manager, now=after(month(0), 20))
    db.session.commit()
    return bill


def test_the_bills_comparison_uses_what_is_payable(client, corrected, as_manager):
    bill = db.session.get(UnitBill, corrected.id)
    # ¥316.00 billed, −¥120.50 corrected: ¥195.50 payable against ¥300.00 under the old ratio.
    assert bill.amount_due == D("195.50") and bill.difference_from_old_ratio == D("-104.50")
    html = client.get(f"/utilities/bills/{bill.id}").get_data(as_text=True)
    assert "按表计费节省 ¥104.50" in html and "多付 ¥16.00" not in html


def test_the_comparison_report_counts_corrections(client, site, corrected, as_manager):
    rows = services.all_comparison_rows(month(0), month(0))
    by_unit = {row.unit.short_name: row for row in rows}
    assert by_unit["乙"].metered == D("195.50") and by_unit["乙"].difference == D("-104.50")
    assert services.comparison_totals(month(0), month(0)) == (D("919.50"), D("1040.00"))
    assert "\u2212¥104.50" in client.get("/utilities/comparison/?year=2025").get_data(as_text=True)


def test_the_month_reconciles_invoices_bills_corrections_and_what_the_center_bears(client, corrected, as_manager):
    rows = services.reconciliation(services.get_month(month(0)))
    electricity, water, total = rows
    assert (electricity.supply, water.supply, total.supply) == (E, W, None)
    assert (electricity.invoiced, electricity.billed, electricity.corrections) == (D("800.00"), D("800.00"), D("-120.50"))
    assert electricity.payable == D("679.50") and electricity.borne_by_center == D("120.50")
    assert water.borne_by_center == D("0.00")
    for row in rows:
        assert row.invoiced == row.payable + row.borne_by_center
    assert total.invoiced == D("1040.00") and total.payable == D("919.50") and total.borne_by_center == D("120.50")
    assert total.billed + total.corrections == sum(
        (b.amount_due for b in db.session.scalars(services.bills_query(month_id=services.get_month(month(0)).id))),
        D("0.00"),
    )
    html = client.get(f"/utilities/months/{JAN}").get_data(as_text=True)
    assert "由后勤管理中心承担" in html
    for amount in ("¥1,040.00", "\u2212¥120.50", "¥919.50", "¥679.50", "¥120.50"):
        assert amount in html


# --- 14.4: the reading grid after a refusal, confirmed warnings, the import message ---------------


def test_a_refused_grid_keeps_every_rows_use_and_warnings(client, site, as_property):
    bad = site.unit_meters["乙", W]
    # The main electricity meter (60 × 10 = 600 kWh) is below its sub-meters (850 kWh): a warning.
    response = client.post(f"/utilities/months/{JAN}/readings",
                           data=grid_values(site, **{f"m-{bad.id}": "1O", f"m-{site.main[E].id}": "60"}))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert count(MeterReading) == 0
    assert "600.00 kWh" in html and "300.00 kWh" in html and "20.00 m³" in html  # the other rows' use
    assert "下级分表合计 850.00 kWh，超过本表的 600.00 kWh" in html
    assert "1 个读数需要更正" in html and "请输入数字" in html


def test_a_warning_confirmed_at_closing_shows_as_confirmed(client, site, quiet_month, as_manager):
    quiet_month()
    site.read(month(0), {site.main[E]: 60})
    assert "待核对" in client.get(f"/utilities/months/{JAN}").get_data(as_text=True)
    site.close(month(0), confirm=True)
    for path in (f"/utilities/months/{JAN}", f"/utilities/months/{JAN}/readings"):
        html = client.get(path).get_data(as_text=True)
        assert "待核对" not in html and "已在结账时确认" in html


def sheet_with(rows) -> BytesIO:
    book = Workbook()
    book.active.append(["Meter code", "Reading this month"])
    for row in rows:
        book.active.append(list(row))
    out = BytesIO()
    book.save(out)
    out.seek(0)
    return out


def test_the_import_says_how_many_readings_changed(client, site, as_property):
    site.read(month(0), {meter: 100 for meter in site.meters})
    rows = [(meter.code, 100) for meter in site.meters]
    rows[0], rows[1] = (rows[0][0], 101), (rows[1][0], 102)
    response = client.post(f"/utilities/months/{JAN}/import", data={"workbook": (sheet_with(rows), "r.xlsx")},
                           follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "2 个读数有变化" in html and "其余 7 个与已存读数相同" in html and "已导入 9" not in html
    response = client.post(f"/utilities/months/{JAN}/import", data={"workbook": (sheet_with(rows), "r.xlsx")},
                           follow_redirects=True)
    assert "9 个读数均与已存读数相同" in response.get_data(as_text=True)


# --- 14.8: per cent and plural forms --------------------------------------------------------------


def test_the_comparison_writes_per_cent_with_its_sign(client, site, quiet_month, as_manager):
    site.close(quiet_month())
    html = client.get("/utilities/comparison/?year=2025").get_data(as_text=True)
    assert "5.3%" in html  # 乙: ¥316 by meter against ¥300
    sheet = load_workbook(BytesIO(client.get("/utilities/comparison.xlsx?year=2025").data)).active
    first = next(sheet.iter_rows(min_row=3, max_row=3))
    assert first[4].number_format == "0.0%" and abs(first[4].value - 0.053) < 1e-9


def test_one_refused_reading_is_told_in_the_singular(client, site, as_property):
    bad = site.unit_meters["乙", E]
    client.set_cookie("portal_lang", "en")
    response = client.post(f"/utilities/months/{JAN}/readings", data=grid_values(site, **{f"m-{bad.id}": "x"}))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "1 reading needs correcting; nothing was saved." in html and "1 readings" not in html


# --- 15.10: the overview as an htmx request ---------------------------------------------------------


def test_a_unit_admins_overview_answers_htmx_without_an_error(client, site, quiet_month, make_user, auth):
    site.close(quiet_month())
    auth.login_as(make_user(roles=[Role.EMPLOYEE, Role.UNIT_ADMIN], username="jia", unit=site.units["甲"]))
    response = client.get("/utilities/", headers={"HX-Request": "true"})
    assert response.status_code == 200 and "SD202501-" in response.get_data(as_text=True)


def test_a_meter_readers_overview_answers_htmx_with_the_months_table(client, site, as_property):
    response = client.get("/utilities/", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html and "<table" in html


# --- 13.14: closing asks first -----------------------------------------------------------------------


def test_closing_a_month_asks_before_it_closes(client, site, quiet_month, as_manager):
    quiet_month()
    asked = client.post(f"/utilities/months/{JAN}/close", data={"note": "一月"})
    html = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "确定结账 2025-01 并生成账单吗" in html and count(UnitBill) == 0
    assert 'name="confirmed" value="1"' in html and f'action="/utilities/months/{JAN}/close"' in html
    closed = client.post(f"/utilities/months/{JAN}/close", data={"note": "一月", "confirmed": "1"})
    assert closed.status_code == 303 and count(UnitBill) == 3
    assert services.get_month(month(0)).close_note == "一月"


def test_closing_refused_before_asking(client, site, as_manager):
    site.read(month(0), {site.main[E]: 100})
    response = client.post(f"/utilities/months/{JAN}/close", data={"note": ""})
    assert response.status_code == 422 and "缺少读数或用量为负" in response.get_data(as_text=True)
    assert 'name="confirmed"' not in response.get_data(as_text=True)


def test_adjustments_stay_final(site, corrected):
    adjustment = db.session.scalar(select(BillAdjustment))
    adjustment.reason = "改"
    with refused("never edited"):
        db.session.flush()
    db.session.rollback()
