"""The figures without HTTP, against sums worked out by hand (Decimal, exact).

Two units in a small building: A (offices 100.00 + 50.50 m², a meeting room of
80 m² that does not count, 10 people) and B (200 m², nobody counted yet).
May 2025 and May 2026 are closed:

==============  ===========  ===========  =========  =========
May             building     A            B          the rest
==============  ===========  ===========  =========  =========
2025 power kWh  10 000 ¥6000 3000 ¥1800   5000 ¥3000 2000 ¥1200
2025 water m³   300 ¥900     100 ¥300     150 ¥450   50 ¥150
2026 power kWh  9 000 ¥5400  2700 ¥1620   4500 ¥2700 1800 ¥1080
2026 water m³   270 ¥810     90 ¥270      140 ¥420   40 ¥120
==============  ===========  ===========  =========  =========

and 100 m³ of natural gas in May 2026 for the building (¥345).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from portal import timeutil
from portal.blueprints.energy import services, stats
from portal.blueprints.energy.models import EnergyQuota
from portal.db import db
from portal.rules import RuleViolation


def test_building_year_to_date_against_last_year(site):
    figures = services.year_statistics(2026)
    assert figures.final_months == [date(2026, 5, 1)]
    assert figures.this.quantities == {"electricity": D(9000), "water": D(270), "natural_gas": D(100)}
    # 9000 × 0.1229 + 100 × 1.2143 = 1106.1 + 121.43
    assert figures.this.kgce == D("1227.53")
    assert figures.last.kgce == D("1229.0")  # 10 000 × 0.1229
    kgce = figures.comparison()
    assert kgce.saving == D("1.47")
    assert kgce.change == D("-0.1")  # −1.47 / 1229 = −0.1196 % → −0.1
    assert figures.comparison("electricity").change == D("-10.0")
    assert figures.cost.this == D(6555) and figures.cost.last == D(6900) and figures.cost.saving == D(345)


def test_indicators_use_office_floor_area_and_headcount(site):
    figures = services.year_statistics(2026)
    assert figures.basis.floor_area == D("350.50") and figures.basis.headcount == 10  # the meeting room left out
    assert figures.indicators.kgce_per_m2 == D("3.50")  # 1227.53 / 350.5 = 3.5022
    assert figures.indicators.kgce_per_head == D("122.75")  # 122.753
    assert figures.indicators.water_per_head == D("27.00")


def test_a_unit_counts_its_own_meters_only(site):
    figures = services.year_statistics(2026, site["a"])
    assert figures.this.quantities == {"electricity": D(2700), "water": D(90)}
    assert figures.this.kgce == D("331.83")
    assert figures.indicators.kgce_per_m2 == D("2.20")  # 331.83 / 150.5 = 2.2048
    assert figures.indicators.kgce_per_head == D("33.18")
    assert figures.indicators.water_per_head == D("9.00")
    assert figures.comparison().change == D("-10.0")


def test_unit_rows_round_half_up_and_leave_out_what_cannot_be_divided(site):
    rows = {r.unit.short_name: r for r in services.year_statistics(2026, with_units=True).unit_rows}
    assert rows["乙"].indicators.kgce_per_m2 == D("2.77")  # 553.05 / 200 = 2.76525 → 2.77
    assert rows["乙"].indicators.kgce_per_head is None and rows["乙"].indicators.water_per_head is None
    # the building is the units plus the rest of the invoices
    assert sum((r.this.quantity("electricity") for r in rows.values()), D(0)) == D(7200)


def test_the_rest_of_the_invoice_counts_for_the_building(site):
    from portal.blueprints.energy.sources import utilities_usage

    rest = [u for u in utilities_usage("electricity")(date(2026, 1, 1), date(2026, 12, 1)) if u.unit_id is None]
    assert [(u.quantity, u.cost) for u in rest] == [(D(1800), D(1080))]


def test_the_electricity_factor_is_a_setting(app, site):
    app.config["ENERGY_KGCE_ELECTRICITY"] = D("0.3")
    try:
        assert services.year_statistics(2026, site["a"]).this.kgce == D("810.0")
    finally:
        del app.config["ENERGY_KGCE_ELECTRICITY"]


def test_kept_values_replace_the_directory_for_their_year(site):
    now = timeutil.now()
    services.keep_directory_basis(2026, actor=None, now=now)
    services.save_basis(2026, site["b"].id, services.BasisDraft(D("200.00"), 5), actor=None, now=now)
    db.session.commit()
    site["b"].headcount = 99  # the directory moves on; 2026 keeps its 5
    db.session.commit()
    assert services.basis_for(2026)[site["b"].id].headcount == 5
    assert services.basis_for(2025)[site["b"].id].headcount == 99
    rows = {r.unit.short_name: r for r in services.year_statistics(2026, with_units=True).unit_rows}
    assert rows["乙"].indicators.kgce_per_head == D("110.61")  # 553.05 / 5


def test_quota_runs_ahead_of_an_even_share(site):
    a = site["a"]
    db.session.add(EnergyQuota(year=2026, unit_id=a.id, source="electricity", quantity=D(6000)))  # 500 a month
    db.session.add(EnergyQuota(year=2026, unit_id=a.id, source="water", quantity=D(1200)))  # 100 a month
    db.session.commit()
    warnings = services.quota_warnings(2026)
    assert [(unit.short_name, q.source.code, q.used_percent) for unit, q in warnings] == [("甲", "electricity", D("45.0"))]


def test_annual_report_lists_open_months_and_units_without_people(site):
    report = services.annual_report(2026)
    whats = [m.what for m in report.missing]
    assert any("2026-01" in m.detail and "2026-05" not in m.detail for m in report.missing)
    assert any("乙" in m.detail for m in report.missing if m.what == whats[-1])


def test_entered_quantities_are_checked(app, site):
    now = timeutil.now()
    with pytest.raises(RuleViolation):
        services.save_quantity(services.QuantityDraft(date(2026, 5, 1), "electricity", None, D(1), None), actor=None, now=now)
    with pytest.raises(RuleViolation):
        services.save_quantity(services.QuantityDraft(date(2026, 5, 1), "diesel", None, D(-1), None), actor=None, now=now)
    services.save_quantity(services.QuantityDraft(date(2026, 5, 1), "natural_gas", None, D(50), D("172.5")), actor=None, now=now)
    db.session.commit()
    assert services.year_statistics(2026).this.quantity("natural_gas") == D(50)  # replaced, not added


def test_stats_arithmetic():
    assert stats.change_percent(D(95), D(100)) == D("-5.0")
    assert stats.change_percent(D(1), D(0)) is None
    assert stats.per(D("1.005"), 1) == D("1.01")  # half up
    assert stats.per(D(1), 0) is None
    assert stats.target_2025("kgce_per_m2") == D("17.56")  # 18.48 × 0.95 = 17.556
    assert stats.target_2025("kgce_per_head") == D("309.79")  # 329.56 × 0.94 = 309.7864
    assert stats.target_2025("water_per_head") == D("20.24")  # 21.53 × 0.94 = 20.2382
    assert stats.ahead_of_quota(D("500.01"), D(6000), 1) and not stats.ahead_of_quota(D(500), D(6000), 1)


def test_measure_before_and_after_per_working_day(site):
    from portal.blueprints.energy.models import SavingsMeasure

    measure = SavingsMeasure(title="照明改造", source="electricity", started=date(2026, 5, 1), cost=D(300000))
    db.session.add(measure)
    db.session.commit()
    effect = services.measure_effect(measure)
    may = next(m for m in effect.months if m.period == date(2026, 5, 1))
    assert may.after and may.quantity == D(9000) and may.workdays == 19  # May 2026: 1–5 holiday, 9 May worked
    assert may.per_workday == D("473.68")
    assert effect.before_per_workday is None  # nothing closed in the six months before


def test_the_report_reminder_runs_in_the_first_quarter_only(site, make_user):
    from datetime import time

    from portal import events
    from portal.blueprints.energy import notify
    from portal.models import Role

    make_user(roles=[Role.EMPLOYEE, Role.LOGISTICS_ADMIN], username="houqin_report")
    sent = []

    def receive(event):
        sent.append(event)

    events.event_emitted.connect(receive)
    try:
        assert notify.report_due(now=timeutil.local(date(2027, 4, 1), time(9))) == 0
        assert notify.report_due(now=timeutil.local(date(2027, 3, 2), time(9))) == 1
    finally:
        events.event_emitted.disconnect(receive)
    assert [(e.kind, e.args["year"]) for e in sent] == [("energy.report_due", 2026)]
    assert sent[0].args["count"] >= 1  # months of 2026 not closed



def _row_by_row(usage: list, unit_id: int | None, periods) -> stats.Totals:
    """The definition the sums in SQL must keep: every usage row of the sources, added up in Python."""
    rows = [row for row in usage if row.period in periods and (unit_id is None or row.unit_id == unit_id)]
    return stats.add_up(rows, services.factors(), len(periods))


def _assert_same(totals: stats.Totals, expected: stats.Totals, months: int | None = None) -> None:
    assert (totals.quantities, totals.cost, totals.kgce) == (expected.quantities, expected.cost, expected.kgce)
    assert totals.months == (expected.months if months is None else months)


def test_the_figures_are_the_sums_of_every_usage_row(demo):
    """On the demo building (every source, some months open), the building's and each unit's
    figures month by month and each unit's year to date are exactly the row-by-row sums."""
    from sqlalchemy import select

    from portal.blueprints.energy import sources
    from portal.models import Unit

    year = timeutil.today().year
    usage = [row for one in sources.sources() for row in one.usage(date(year - 1, 1, 1), date(year, 12, 1))]
    building = services.year_statistics(year, with_units=True)
    closed = sources.closed_periods(date(year - 1, 1, 1), date(year, 12, 1))
    final = set(building.final_months)
    final_last = {p.replace(year=year - 1) for p in final} & closed
    assert final and final_last and building.unit_rows
    for row in building.months:
        _assert_same(row.this, _row_by_row(usage, None, {row.period}))
        _assert_same(row.last, _row_by_row(usage, None, {row.period.replace(year=year - 1)}))
    _assert_same(building.this, _row_by_row(usage, None, final))
    _assert_same(building.last, _row_by_row(usage, None, final_last))
    for row in building.unit_rows:
        _assert_same(row.this, _row_by_row(usage, row.unit.id, final))
        _assert_same(row.last, _row_by_row(usage, row.unit.id, final_last))
    for unit in db.session.scalars(select(Unit)):
        one = services.year_statistics(year, unit)
        for row in one.months:
            _assert_same(row.this, _row_by_row(usage, unit.id, {row.period}), 1)
            _assert_same(row.last, _row_by_row(usage, unit.id, {row.period.replace(year=year - 1)}), 1)
        _assert_same(one.this, _row_by_row(usage, unit.id, final))
