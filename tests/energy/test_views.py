"""The energy pages over HTTP with the demo building."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import time
from decimal import Decimal
from io import BytesIO

import pytest
from sqlalchemy import func, select

from portal.blueprints.energy.models import EnergyBasis, EnergyQuantity, EnergyQuota, SavingsMeasure
from portal.db import db

SVG = "{http://www.w3.org/2000/svg}"


def _svgs(html: str) -> list[ET.Element]:
    return [ET.fromstring(match) for match in re.findall(r"<svg\b.*?</svg>", html, flags=re.S)]


def _assert_accessible_charts(html: str, count: int) -> None:
    charts = _svgs(html)
    assert len(charts) == count
    for chart in charts:
        assert chart.get("role") == "img" and "pygal-chart" in chart.get("class")
        title, desc = chart.find(f"{SVG}title"), chart.find(f"{SVG}desc")
        assert title is not None and title.text and desc is not None and desc.text
        assert chart.get("aria-labelledby") == f"{chart.get('id')}-title {chart.get('id')}-desc"
        assert chart.find(f".//{SVG}script") is None and chart.find(f".//{SVG}style") is None
        assert "style" not in {k for e in chart.iter() for k in e.attrib}
    assert html.count('class="chart-table"') == count  # each chart has its figures as a table


def test_statistics_page_shows_figures_charts_and_their_tables(client, auth, demo):
    """The overview draws the year's total by month; each source and each unit have a view of
    their own (a page of its own, linked from the overview), with their charts and tables."""
    auth.login_as(demo["logistics_admin"])
    page = client.get("/energy/?year=2026")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "能耗统计" in html or "Energy" in html
    _assert_accessible_charts(html, 1)  # kgce bars
    assert "<script" not in html.split("<main", 1)[1]
    links = re.findall(r'href="(/energy/\?[^"]*view=[^"]*)"', html)
    assert sorted(link.replace("&amp;", "&") for link in links) == ["/energy/?year=2026&view=sources",
                                                                   "/energy/?year=2026&view=units"]
    sources = client.get("/energy/?year=2026&view=sources").get_data(as_text=True)
    _assert_accessible_charts(sources, 2)  # electricity and water lines
    assert 'aria-current="page">' in sources and 'name="view" value="sources"' in sources  # the year form keeps the view
    units = client.get("/energy/?year=2026&view=units").get_data(as_text=True)
    _assert_accessible_charts(units, 2)  # per person by unit, metered vs old ratio
    ratio_table = units.split('class="chart-table"')[-1]
    assert "−¥" in ratio_table and "¥" in ratio_table.replace("−¥", "")  # units that pay less and more by meter
    assert "审批局" in units
    assert client.get("/energy/?year=2026&view=nothing").status_code == 404


def test_unit_admin_sees_only_their_own_unit(client, auth, demo):
    admin = demo["unit_admin"]
    auth.login_as(admin)
    page = client.get(f"/energy/?year=2026&unit=999")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert admin.unit.name in html
    _assert_accessible_charts(html, 1)
    assert "view=units" not in html  # no per-unit view of one unit
    _assert_accessible_charts(client.get("/energy/?year=2026&view=sources").get_data(as_text=True), 2)
    assert client.get("/energy/?year=2026&view=units").get_data(as_text=True).count("<svg") == 1  # the overview
    assert client.get("/energy/report").status_code == 403


def test_exports_download(client, auth, demo):
    from openpyxl import load_workbook

    auth.login_as(demo["logistics_admin"])
    for url in ("/energy/statistics.xlsx?year=2026", "/energy/report.xlsx?year=2025"):
        response = client.get(url)
        assert response.status_code == 200, url
        book = load_workbook(BytesIO(response.get_data()))
        assert book.worksheets[0].max_row > 5


def test_annual_workbook_reproduces_the_page(client, auth, demo):
    from openpyxl import load_workbook

    auth.login_as(demo["logistics_admin"])
    html = client.get("/energy/report?year=2026").get_data(as_text=True)
    table = html.split('id="energy-report"', 1)[1].split("</table>", 1)[0]
    page_rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table.split("<tbody>", 1)[1], flags=re.S):
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S)]
        page_rows.append(cells)
    sheet = load_workbook(BytesIO(client.get("/energy/report.xlsx?year=2026").get_data())).worksheets[0]
    book_rows = [list(r) for r in sheet.iter_rows(min_row=3, values_only=True)]
    assert len(page_rows) == len(book_rows) > 3
    for shown, stored in zip(page_rows, book_rows):
        assert shown[0] == stored[0]
        for text, value in zip(shown[1:-1], stored[1:-1]):
            if value is None:
                assert text == "—", (shown, stored)
            else:
                assert Decimal(text.replace(",", "")) == Decimal(str(value)), (shown, stored)
        change = stored[-1]
        assert shown[-1] == ("—" if change is None else f"{Decimal(str(change)) * 100:+.1f} %")


def test_report_lists_what_is_missing(client, auth, demo):
    auth.login_as(demo["logistics_admin"])
    html = client.get("/energy/report?year=2026").get_data(as_text=True)
    assert "2026-11" in html and "2026-12" in html  # not closed yet


def test_keep_basis_and_edit(client, auth, demo):
    auth.login_as(demo["logistics_admin"])
    db.session.execute(db.delete(EnergyBasis).where(EnergyBasis.year == 2024))
    db.session.commit()
    response = client.post("/energy/basis/2024/keep", data={})
    assert response.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(EnergyBasis).where(EnergyBasis.year == 2024)) > 5
    unit_id = db.session.scalar(select(EnergyBasis.unit_id).where(EnergyBasis.year == 2024, EnergyBasis.unit_id.is_not(None)))
    page = client.post(f"/energy/basis/2024/{unit_id}", data={"floor_area": "abc", "headcount": "3"})
    assert page.status_code == 422
    response = client.post(f"/energy/basis/2024/{unit_id}", data={"floor_area": "123.45", "headcount": "7"})
    assert response.status_code == 303
    row = db.session.scalar(select(EnergyBasis).where(EnergyBasis.year == 2024, EnergyBasis.unit_id == unit_id))
    assert (str(row.floor_area), row.headcount) == ("123.45", 7)


def test_enter_quantity_quota_and_measure(client, auth, demo):
    auth.login_as(demo["logistics_admin"])
    response = client.post("/energy/quantities?year=2026", data={"period": "2026-03", "source": "diesel", "unit_id": "",
                                                                  "quantity": "120.5", "cost": "980"})
    assert response.status_code == 303
    assert db.session.scalar(select(EnergyQuantity.quantity).where(EnergyQuantity.source == "diesel")) == pytest.approx(120.5)
    future = client.post("/energy/quantities", data={"period": "2027-03", "source": "diesel", "quantity": "1"})
    assert future.status_code == 422
    unit_id = demo["unit_admin"].unit_id
    response = client.post("/energy/quotas?year=2026", data={"unit_id": str(unit_id), "source": "electricity", "quantity": "1"})
    assert response.status_code == 303
    page = client.get("/energy/quotas?year=2026").get_data(as_text=True)
    warnings = page.split("<main", 1)[1].split('method="post"', 1)[0]
    assert demo["unit_admin"].unit.name in warnings  # ahead of a 1 kWh quota
    response = client.post("/energy/measures", data={"title": "空调改造", "source": "electricity", "started": "2026-05",
                                                     "cost": "50000"})
    assert response.status_code == 303
    measure = db.session.scalar(select(SavingsMeasure).where(SavingsMeasure.title == "空调改造"))
    page = client.get(f"/energy/measures/{measure.id}")
    assert page.status_code == 200 and len(_svgs(page.get_data(as_text=True))) == 1


def test_quota_reminder_tells_once(app, demo, clock):
    from portal import events, timeutil
    from portal.blueprints.energy import notify

    sent = []

    def receive(event):
        sent.append(event)

    events.event_emitted.connect(receive)
    try:
        unit_id = demo["unit_admin"].unit_id
        db.session.add(EnergyQuota(year=2026, unit_id=unit_id, source="water", quantity=1))
        db.session.commit()
        notify.check_quotas(now=timeutil.now())
    finally:
        events.event_emitted.disconnect(receive)
    mine = [e for e in sent if e.kind == notify.AHEAD_OF_QUOTA and e.values.get("unit") == unit_id]
    assert mine and demo["unit_admin"].id in mine[0].recipient_ids


def test_chart_page_holds_the_page_weight_budget(client, auth, site, make_user):
    """Each view of the statistics, charts drawn, stays within the repeat-visit budget of the
    public pages (tests/test_page_weight.py), gzipped; the overview, with its one chart,
    within the benchmark's 5 KB (issue 21)."""
    from portal.models import Role
    from tests.test_page_weight import REPEAT_VISIT_BUDGET, gzipped_size

    auth.login_as(make_user(roles=[Role.EMPLOYEE, Role.LOGISTICS_ADMIN]))
    for view, charts in (("", 1), ("sources", 2), ("units", 1)):  # (no old ratios in this building)
        html = client.get(f"/energy/?year=2026&view={view}").get_data()
        assert html.count(b"<svg") == charts
        assert gzipped_size(html) <= REPEAT_VISIT_BUDGET, (view, gzipped_size(html))
    assert gzipped_size(client.get("/energy/?year=2026").get_data()) <= 5 * 1024


def test_demo_is_idempotent(demo):
    from portal.blueprints.energy import demo as energy_demo

    tables = (EnergyBasis, EnergyQuantity, EnergyQuota, SavingsMeasure)

    def counts():
        return [db.session.scalar(select(func.count()).select_from(t)) for t in tables]

    before = counts()
    assert all(before)
    energy_demo.seed_demo()
    db.session.commit()
    assert counts() == before


# --- the statistics as a kept page ----------------------------------------------------------------


def _gas_cell(html: str) -> str:
    row = re.search(r"<tr><th scope=\"row\">(?:天然气|Natural gas) \(m³\)</th><td class=\"num\">([^<]+)</td>", html)
    return row.group(1)


def test_the_statistics_are_kept_for_the_session_until_a_figure_changes(
    client, auth, site, make_user, clock, count_queries, areas_on_record
):
    from datetime import date

    from portal import timeutil
    from portal.blueprints.energy import services
    from portal.models import Role

    clock(2026, 12, 3, 10, 0)
    areas_on_record("energy", "utilities", "building")
    manager = make_user(roles=[Role.EMPLOYEE, Role.LOGISTICS_ADMIN], display_name="后勤 陈主任")
    auth.login_as(manager)
    client.get("/energy/?year=2026")  # the session's CSRF token
    first = client.get("/energy/?year=2026").get_data(as_text=True)
    with count_queries() as counted:
        again = client.get("/energy/?year=2026").get_data(as_text=True)
    assert again == first and _gas_cell(first) == "100.00"
    assert counted.count == 1  # the data versions: no account loaded
    services.save_quantity(services.QuantityDraft(date(2026, 5, 1), "natural_gas", None, Decimal(250), None),
                           actor=manager, now=timeutil.now())
    db.session.commit()
    assert _gas_cell(client.get("/energy/?year=2026").get_data(as_text=True)) == "250.00"
    unit_admin = make_user(roles=[Role.EMPLOYEE, Role.UNIT_ADMIN], unit=site["a"], display_name="甲局 管理员")
    auth.login_as(unit_admin)  # same browser: another account is drawn its own page, of its own unit
    page = client.get("/energy/?year=2026").get_data(as_text=True)
    assert "甲局 管理员" in page and "后勤 陈主任" not in page and len(_svgs(page)) == 1


def test_the_kept_statistics_show_a_change_to_the_cars_fuel_at_once(client, auth, demo, clock, areas_on_record):
    """The cars' petrol is one of the statistics' sources: a trip's record corrected in
    the car register is a change of the kept page's data."""
    from datetime import timedelta

    from portal import timeutil
    from portal.blueprints.vehicles.models import FuelType, Trip, TripStatus, Vehicle

    seeded = timeutil.now()
    clock(seeded.year, seeded.month, seeded.day, seeded.hour, seeded.minute)  # the demo's own days, stopped
    trip = db.session.scalars(
        select(Trip).join(Vehicle, Trip.vehicle_id == Vehicle.id)
        .where(Trip.status == TripStatus.DONE, Vehicle.fuel == FuelType.PETROL, Trip.fuel_amount > 0)
        .order_by(Trip.actual_depart_at)
    ).first()
    assert trip is not None, "the demo's cars have driven"
    # Two months before the demo's trips: a month whose utilities are closed, so counted.
    departed = timeutil.to_local(trip.actual_depart_at) - timedelta(days=62)

    def petrol_cell() -> Decimal:
        html = client.get(f"/energy/?year={departed.year}").get_data(as_text=True)
        row = re.search(r'<tr><th scope="row">(?:汽油（公务用车）|Petrol \(official cars\)) \(L\)</th>'
                        r'<td class="num">([^<]+)</td>', html)
        return Decimal(row.group(1).replace(",", ""))

    areas_on_record("energy", "utilities", "building")
    auth.login_as(demo["logistics_admin"])
    client.get("/energy/")  # the session's CSRF token
    before = petrol_cell()
    assert petrol_cell() == before  # the kept page
    trip.actual_depart_at, trip.actual_return_at = departed, departed + timedelta(hours=3)
    db.session.commit()
    assert petrol_cell() == before + trip.fuel_amount


def test_the_statistics_run_a_fixed_number_of_queries_and_draw_a_chart_once(
    client, auth, site, make_user, clock, count_queries, monkeypatch
):
    """Missing the drawings (another year, or the benchmark's cold request) reads no figures:
    every month's totals are kept facts, which any year's page is drawn from; a change of the
    data shows at once, and a chart whose figures did not change is not drawn again."""
    from datetime import date

    from portal import cache
    from portal.blueprints.energy import figures
    from portal.models import Role, Unit
    from tests.energy.conftest import E, W, _closed_month

    clock(2026, 12, 3, 10, 0)
    drawn = []
    monkeypatch.setattr(figures, "svg", lambda chart, dom_id: drawn.append(chart.title) or f"<svg id='{dom_id}'></svg>")
    auth.login_as(make_user(roles=[Role.EMPLOYEE, Role.LOGISTICS_ADMIN]))

    def queries(url: str, *, forget: bool = True) -> int:
        if forget:
            cache.forget_drawings()
        with count_queries() as counted:
            assert client.get(url).status_code == 200
        return counted.count

    first = queries("/energy/?year=2026")  # the facts are read
    assert first > 10
    few = queries("/energy/?year=2026")
    assert few == 3, few  # the data versions, the account, the header's count: no figures read
    assert queries("/energy/?year=2025", forget=False) == few  # another year: drawn from the same facts
    assert queries("/energy/?year=2026&view=sources", forget=False) == few
    assert queries("/energy/?year=2026&view=units", forget=False) == few + 4 + 2  # the units' facts; the old ratio
    assert queries("/energy/?year=2025&view=units", forget=False) == few + 2  # the old ratio: the utilities' comparison
    assert queries(f"/energy/?year=2026&unit={site['a'].id}", forget=False) == few + 1  # the unit asked for
    drawn.clear()
    cache.bump(db.session.connection(), ["energy"])  # a change elsewhere in the area: the page is drawn again
    db.session.commit()
    client.get("/energy/?year=2026")
    assert drawn == []  # the same figures: the drawings made before
    c = Unit(name="丙局", short_name="丙", headcount=8, sort_order=3)
    db.session.add(c)
    _closed_month(date(2026, 6, 1), {E: ("8000", "4800"), W: ("250", "750")},
                  {site["a"]: {E: ("2500", "1500"), W: ("80", "240")}, c: {E: ("1000", "600"), W: ("30", "90")}})
    db.session.commit()
    html = client.get("/energy/?year=2026").get_data(as_text=True)
    assert len(drawn) == 1 and ">6月<" in html.split("chart-table", 1)[1]  # the month closed shows at once
    assert "8,000.00" in client.get("/energy/?year=2026&view=sources").get_data(as_text=True)
    assert len(drawn) == 3  # each chart shows June now
    units = client.get("/energy/?year=2026&view=units").get_data(as_text=True)
    assert "丙局" in units  # the new unit, from the facts read again
    assert queries("/energy/?year=2026") == few
