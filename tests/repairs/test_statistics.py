"""Repairs by month for the charts: counts, costs, buildings, kinds of fault and the median and
90th-percentile response and fix times, counted in SQL in the building's time zone, against
figures worked out by hand; the page, its query count, its weight and its Excel sheet."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook

from portal.blueprints.repairs.models import Category, Status
from portal.blueprints.repairs.statistics import (
    Durations,
    GroupFigures,
    check_range,
    default_range,
    months_between,
    repair_statistics,
)
from portal.db import db
from portal.rules import RuleViolation
from portal.timeutil import LOCAL_TZ

D = Decimal


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=LOCAL_TZ)


@pytest.fixture
def may(make_user, make_repair):
    """Five repairs around May 2026 (local time), with their times set by hand:

    ====  ===================  ======  ========  ======  =========  =======
    no.   reported (local)     place   kind      cost    response   fix
    ====  ===================  ======  ========  ======  =========  =======
    r0    04-30 23:59          主楼    water     0       —          —
    r1    05-01 00:30          主楼    water     0       —          —
    r2    05-10 09:00          主楼    water     120.10  2 h        10 h
    r3    05-20 09:00          政府附楼 electric  30.05   30 min     5 h
    r4    05-31 23:30          主楼    electric  0       1 h        —
    ====  ===================  ======  ========  ======  =========  =======

    r1 is 2026-04-30 16:30 UTC and r4 2026-05-31 15:30 UTC: both in May here.
    """
    staff = make_user()
    r0 = make_repair(staff, Status.SUBMITTED, at=at(2026, 4, 30, 23, 59))
    r1 = make_repair(staff, Status.SUBMITTED, at=at(2026, 5, 1, 0, 30))
    r2 = make_repair(staff, Status.CONFIRMED, at=at(2026, 5, 10, 9, 0), parts=D("100.10"), labour=D("20.00"))
    r3 = make_repair(staff, Status.DONE, room="ZF101", category=Category.ELECTRIC, at=at(2026, 5, 20, 9, 0),
                     parts=D("30.05"), labour=D("0.00"))
    r4 = make_repair(staff, Status.ACCEPTED, category=Category.ELECTRIC, at=at(2026, 5, 31, 23, 30))
    r2.accepted_at, r2.done_at = r2.reported_at + timedelta(hours=2), r2.reported_at + timedelta(hours=10)
    r3.accepted_at, r3.done_at = r3.reported_at + timedelta(minutes=30), r3.reported_at + timedelta(hours=5)
    db.session.commit()
    return [r0, r1, r2, r3, r4]


def test_months_counts_costs_and_times_by_local_month(may):
    stats = repair_statistics(date(2026, 4, 1), date(2026, 6, 1))
    april, in_may, june = stats.months
    assert [m.month for m in stats.months] == [date(2026, 4, 1), date(2026, 5, 1), date(2026, 6, 1)]
    assert (april.count, april.cost) == (1, D("0.00"))
    assert (in_may.count, in_may.cost) == (4, D("150.15"))  # 120.10 + 30.05
    # Response in May: 30 min, 1 h, 2 h → median the 2nd of 3 (1 h), 90th percentile the 3rd (2 h).
    assert in_may.response == Durations(3, 3600, 7200)
    assert (in_may.response.median_hours, in_may.response.p90_hours) == (D("1.0"), D("2.0"))
    # Fix in May: 5 h, 10 h → median the 1st of 2 (ceil 2/2), 90th percentile the 2nd (ceil 1.8).
    assert in_may.fix == Durations(2, 5 * 3600, 10 * 3600)
    assert april.response == april.fix == Durations()  # r0 is still waiting
    assert (june.count, june.cost, june.response.median_hours) == (0, D("0.00"), None)
    assert (stats.count, stats.cost) == (5, D("150.15"))


def test_buildings_and_kinds_of_fault_in_the_months(may):
    stats = repair_statistics(date(2026, 5, 1), date(2026, 5, 1))  # May only: r0 (April) left out
    assert stats.buildings == [GroupFigures("主楼", 3, D("120.10")), GroupFigures("政府附楼", 1, D("30.05"))]
    assert stats.categories == [GroupFigures(Category.WATER, 2, D("120.10")),
                                GroupFigures(Category.ELECTRIC, 2, D("30.05"))]


def test_percentiles_by_nearest_rank_over_ten_repairs(make_user, make_repair):
    """Fix times 1 … 10 h in one month: the median is the 5th (5 h), the 90th percentile the 9th (9 h)."""
    staff = make_user()
    for hours in (7, 3, 10, 1, 5, 9, 2, 8, 4, 6):
        repair = make_repair(staff, Status.DONE, at=at(2026, 3, hours, 9, 0))
        repair.done_at = repair.reported_at + timedelta(hours=hours)
    db.session.commit()
    (march,) = repair_statistics(date(2026, 3, 1), date(2026, 3, 1)).months
    assert march.fix == Durations(10, 5 * 3600, 9 * 3600)
    assert march.response == Durations(10, 3600, 3600)  # the factory accepts after one hour


def test_the_months_shown_and_their_limits():
    assert default_range(date(2026, 6, 15)) == (date(2025, 7, 1), date(2026, 6, 1))
    assert default_range(date(2026, 1, 31)) == (date(2025, 2, 1), date(2026, 1, 1))
    assert months_between(date(2025, 11, 1), date(2026, 2, 1)) == [
        date(2025, 11, 1), date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1)]
    check_range(date(2024, 1, 1), date(2026, 12, 1))  # 36 months
    with pytest.raises(RuleViolation):
        check_range(date(2024, 1, 1), date(2027, 1, 1))
    with pytest.raises(RuleViolation):
        check_range(date(2026, 5, 1), date(2026, 4, 1))


# --- the page ---------------------------------------------------------------------------------------


def test_the_reports_page_charts_the_chosen_months(client, clock, may, login_as_role):
    clock(2026, 6, 15, 10, 0)
    login_as_role("logistics_admin")
    page = client.get("/repairs/reports?from=2026-04&to=2026-06").get_data(as_text=True)
    assert page.count('<svg') == 6 and page.count('role="img"') == 6
    for title in ("每月报修数", "每月维修费用（元）", "各楼栋维修费用（元）", "各类故障维修费用（元）",
                  "每月响应时间（小时）", "每月修复时间（小时）"):
        assert title in page
    assert "2026年5月" in page and "¥150.15" in page
    months = re.sub(r">\s+<", "><", page[page.index('id="months"'):page.index('id="repeats"')])
    assert '<th scope="row">2026-05</th><td class="num">4</td><td class="num">¥150.15</td>' in months
    assert '<td class="num">1.0</td><td class="num">2.0</td><td class="num">5.0</td><td class="num">10.0</td>' in months
    assert 'value="2026-04"' in months and 'value="2026-06"' in months


def test_the_default_months_are_the_last_twelve_and_bad_months_are_explained(client, clock, may, login_as_role):
    clock(2026, 6, 15, 10, 0)
    login_as_role("logistics_admin")
    page = client.get("/repairs/reports").get_data(as_text=True)
    assert 'value="2025-07"' in page and 'value="2026-06"' in page
    assert "2025年7月" in page
    for query, message in (("from=2026-13", "不是月份"), ("from=2026-05&to=2026-04", "早于"),
                           ("from=2020-01&to=2026-06", "36")):
        response = client.get(f"/repairs/reports?{query}")
        assert response.status_code == 400 and message in response.get_data(as_text=True)


def test_the_month_table_pages_by_twelve(client, clock, may, login_as_role):
    clock(2026, 6, 15, 10, 0)
    login_as_role("logistics_admin")
    first = client.get("/repairs/reports?from=2025-01&to=2026-06").get_data(as_text=True)
    second = client.get("/repairs/reports?from=2025-01&to=2026-06&page=2").get_data(as_text=True)
    assert '<th scope="row">2025-12</th>' in first and '<th scope="row">2026-05</th>' not in first
    assert '<th scope="row">2026-05</th><td class="num">4</td>' in second
    assert "from=2025-01" in first[first.index('rel="next"') - 200:first.index('rel="next"')]


def test_the_page_reads_a_fixed_number_of_queries(client, clock, make_user, make_repair, login_as_role, count_queries):
    clock(2026, 6, 15, 10, 0)
    login_as_role("logistics_admin")
    staff = make_user()

    def queries() -> int:
        with count_queries() as counted:
            assert client.get("/repairs/reports?from=2026-01&to=2026-06").status_code == 200
        return counted.count

    make_repair(staff, Status.DONE, at=at(2026, 2, 2, 9, 0))
    few = queries()
    for day in range(3, 13):
        make_repair(staff, Status.DONE, room="ZF101", category=Category.ELECTRIC, at=at(2026, 3, day, 9, 0))
    assert queries() == few


def test_the_page_with_its_charts_holds_the_page_weight_budget(client, clock, may, login_as_role):
    from tests.test_page_weight import REPEAT_VISIT_BUDGET, gzipped_size

    clock(2026, 6, 15, 10, 0)
    login_as_role("logistics_admin")
    html = client.get("/repairs/reports?from=2025-07&to=2026-06").get_data()
    assert html.count(b"<svg") == 6
    assert gzipped_size(html) <= REPEAT_VISIT_BUDGET, gzipped_size(html)


def test_the_excel_export_has_the_months_of_the_charts(client, clock, may, login_as_role):
    clock(2026, 6, 15, 10, 0)
    login_as_role("logistics_admin")
    book = load_workbook(BytesIO(client.get("/repairs/reports.xlsx?from=2026-04&to=2026-06").data))
    rows = list(book["按月"].iter_rows(min_row=2, values_only=True))
    assert [row[0] for row in rows] == ["2026-04", "2026-05", "2026-06"]
    month, count, cost, response_median, response_p90, accepted, fix_median, fix_p90, done = rows[1]
    assert (count, D(str(cost)), accepted, done) == (4, D("150.15"), 3, 2)
    assert [D(str(v)) for v in (response_median, response_p90, fix_median, fix_p90)] == [D("1"), D("2"), D("5"), D("10")]
    assert book["按月"]["D3"].number_format == "0.0"
    by_building = list(book["各月按楼栋"].iter_rows(values_only=True))
    assert ("主楼", 4, 120.1) in by_building and "2026-04" in by_building[0][0]
