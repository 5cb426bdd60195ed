"""Readings, replacement, anomalies, closing and corrections against the database."""

from datetime import date

import pytest
from sqlalchemy import select

from portal.blueprints.utilities import services
from portal.blueprints.utilities.models import (
    AllocationKey,
    BillAdjustment,
    Invoice,
    Meter,
    MeterReading,
    MonthStatus,
    Supply,
    UnitBill,
    UnitBillLine,
)
from portal.blueprints.utilities.readings import AnomalyKind
from portal.blueprints.utilities.services import Replacement
from portal.db import db
from portal.models import AuditLog
from tests.utilities.conftest import D, after, month, on, refused

E, W = Supply.ELECTRICITY, Supply.WATER


def kinds(review):
    return {(a.kind, review.lines[a.key].meter.code) for a in review.anomalies}


def test_first_month_starts_from_the_initial_reading_and_applies_the_multiplier(site):
    site.read(month(0), {site.main[E]: 100})
    review = services.review_month(month(0))
    main = review.lines[site.main[E].id]
    assert main.rows[0].start == D("0") and main.rows[0].start_is_initial
    assert main.usage.usage == D("1000")  # 100 × 10
    assert review.readings_entered() == 1 and review.readings_needed() == 9
    assert (AnomalyKind.MISSING, "E-001") in kinds(review)


def test_next_month_starts_from_last_months_reading(site):
    site.read(month(0), {site.unit_meters["甲", E]: 120})
    site.read(month(1), {site.unit_meters["甲", E]: "170.5"})
    row = next(r for r in services.review_month(month(1)).rows if r.meter.code == "E-001")
    assert row.start == D("120") and not row.start_is_initial
    assert row.usage.usage == D("50.5")


def test_a_missing_previous_reading_is_flagged(site):
    meter = site.unit_meters["甲", E]
    site.read(month(0), {meter: 100})
    site.read(month(2), {meter: 300})  # month 1 was skipped
    review = services.review_month(month(2))
    assert review.lines[meter.id].rows[0].start is None
    assert (AnomalyKind.MISSING, "E-001") in kinds(review)


def test_rollover_is_handled(site):
    meter = site.unit_meters["乙", E]
    site.read(month(0), {meter: "99950.00"})
    site.read(month(1), {meter: "30.00"})
    line = services.review_month(month(1)).lines[meter.id]
    assert line.usage.usage == D("80.00") and line.usage.rolled_over
    assert all(a.kind is not AnomalyKind.NEGATIVE for a in services.review_month(month(1)).anomalies)


def test_negative_use_blocks_closing(site, quiet_month):
    quiet_month()
    site.read(month(0), {site.unit_meters["丙", E]: 100})
    site.close(month(0))
    quiet_month(month(1), base={"甲": 300, "乙": 200, "丙": 100, "w甲": 20, "w乙": 10, "w丙": 10, "E": 100, "W": 60, "C": 250})
    site.read(month(1), {site.unit_meters["丙", E]: 90})  # went backwards by 10
    review = services.review_month(month(1))
    assert (AnomalyKind.NEGATIVE, "E-003") in kinds(review)
    with refused("missing or negative"):
        site.close(month(1), confirm=True)


def test_a_jump_over_three_times_the_six_month_average_is_a_warning_to_confirm(site, quiet_month):
    meter = site.unit_meters["甲", W]
    value = D(0)
    for n in range(7):
        base = {"甲": 300 * n, "乙": 200 * n, "丙": 100 * n, "w乙": 10 * n, "w丙": 10 * n, "E": 100 * n, "W": 200 * n, "C": 250 * n}
        quiet_month(month(n), base=base)
        value += 20 if n < 6 else 61  # six months of 20 m³, then 61 > 3 × 20
        site.read(month(n), {meter: value})
        if n < 6:
            site.close(month(n))
    review = services.review_month(month(6))
    jump = next(a for a in review.anomalies if a.kind is AnomalyKind.JUMP)
    assert review.lines[jump.key].meter.id == meter.id and jump.usage == D(61) and jump.reference == D(20)
    with refused("Confirm"):
        site.close(month(6))
    assert site.close(month(6), confirm=True).closed


def test_submeters_exceeding_the_main_meter_are_flagged(site, quiet_month):
    quiet_month()
    site.read(month(0), {site.main[E]: 60})  # 600 kWh, but units alone used 600 and the lobby 250
    review = services.review_month(month(0))
    assert (AnomalyKind.SUBMETERS_EXCEED_PARENT, "E-000") in kinds(review)
    assert not review.blocking


def test_save_readings_adds_changes_clears_and_audits(site, make_user):
    staff = make_user(username="reader")
    meter = site.unit_meters["甲", E]
    other = site.unit_meters["乙", E]
    changes = site.read(month(0), {meter: 10, other: 20}, actor=staff)
    assert (changes.added, changes.changed, changes.cleared) == (2, 0, 0)
    changes = site.read(month(0), {meter: 11, other: None}, actor=staff)
    assert (changes.added, changes.changed, changes.cleared) == (0, 1, 0)  # None leaves it unless clearing
    changes = site.read(month(0), {meter: 11, other: None}, actor=staff, clear_missing=True)
    assert (changes.added, changes.changed, changes.cleared) == (0, 0, 1)
    values = dict(db.session.execute(select(MeterReading.meter_id, MeterReading.value)).all())
    assert values == {meter.id: D("11.00")}
    entries = db.session.scalars(select(AuditLog).where(AuditLog.action == "utilities.readings.save").order_by(AuditLog.id)).all()
    assert [e.after for e in entries] == [{"E-001": "10.00", "E-002": "20.00"}, {"E-001": "11.00"}, {"E-002": None}]
    assert all(e.actor_id == staff.id for e in entries)


def test_readings_are_refused_for_the_future_and_for_meters_not_in_service(site):
    future = date(2099, 1, 1)
    with refused("future"):
        services.save_readings(future, {site.common.id: D(1)}, actor=None, now=after(month(0)), clear_missing=False)
    site.common.installed_on = month(3)
    db.session.commit()
    with refused("not in service"):
        services.save_readings(month(0), {site.common.id: D(1)}, actor=None, now=after(month(0)), clear_missing=False)
    db.session.rollback()
    assert db.session.scalar(select(MeterReading.id)) is None


# --- replacement ------------------------------------------------------------


def replacement(**overrides):
    fields = dict(removed_on=date(2025, 2, 14), final_reading=D("150"), code="E-001-2", serial_no="N2",
                  multiplier=1, rollover_at=D("100000"), initial_reading=D("5"))
    fields.update(overrides)
    return Replacement(**fields)


def test_a_replaced_meter_keeps_its_history_and_the_month_counts_both(site):
    old = site.unit_meters["甲", E]
    site.read(month(0), {old: 100})
    new = services.replace_meter(old, replacement(multiplier=2), actor=None, now=on(date(2025, 2, 20)))
    db.session.commit()
    assert old.removed_on == date(2025, 2, 14) and old.final_reading == D("150") and not old.active
    assert new.replaces_id == old.id and new.unit_id == old.unit_id and new.parent_id == old.parent_id
    site.read(month(1), {new: 25})
    review = services.review_month(month(1))
    line = review.lines[old.id]  # the metering point is keyed by the first meter
    assert [r.meter.code for r in line.rows] == ["E-001", "E-001-2"]
    assert line.rows[0].removed_this_month and line.rows[0].end == D("150")
    assert line.rows[1].installed_this_month and line.rows[1].start == D("5")
    assert line.usage.usage == D("50") + D("40")  # old: 100 → 150; new: (25 − 5) × 2
    assert review.unit_usage(E)[site.units["甲"].id] == D("90")
    assert [r.meter.code for r in review.rows if r.needs_reading and r.meter.code.startswith("E-001")] == ["E-001-2"]
    # The old meter's history stays where it was.
    assert db.session.scalar(select(MeterReading.value).where(MeterReading.meter_id == old.id)) == D("100")


def test_replacement_history_counts_for_the_jump_check(site):
    old = site.unit_meters["甲", W]
    for n in range(3):
        site.read(month(n), {old: 20 * (n + 1)})
    new = services.replace_meter(old, replacement(code="W-001-2", removed_on=date(2025, 4, 10), final_reading=D("70")),
                                 actor=None, now=on(date(2025, 4, 30)))
    db.session.commit()
    site.read(month(3), {new: 15})
    line = services.review_month(month(3)).lines[old.id]
    assert line.history == [D(20), D(20), D(20)]
    assert line.usage.usage == D(10) + D(10)


def test_replacing_the_main_meter_moves_its_sub_meters(site):
    old = site.main[E]
    new = services.replace_meter(old, replacement(code="E-000-2", final_reading=D("0"), initial_reading=D("0"), multiplier=10),
                                 actor=None, now=on(date(2025, 2, 20)))
    db.session.commit()
    assert {m.parent_id for m in site.meters if m.supply is E and m.kind.value != "main"} == {new.id}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"removed_on": date(2099, 1, 1)}, "future"),
        ({"removed_on": date(2024, 12, 31)}, "before it was installed"),
        ({"final_reading": D("100000")}, "final reading"),
        ({"code": "e-002"}, "Another meter"),
    ],
)
def test_replacement_is_refused_when_it_makes_no_sense(site, overrides, message):
    with refused(message):
        services.replace_meter(site.unit_meters["甲", E], replacement(**overrides), actor=None, now=on(date(2025, 3, 1)))
    db.session.rollback()
    assert site.unit_meters["甲", E].active


def test_replacement_is_refused_when_the_old_meter_was_already_read_that_month(site):
    old = site.unit_meters["甲", E]
    site.read(month(1), {old: 120})
    with refused("already has a reading for 2025-02"):
        services.replace_meter(old, replacement(), actor=None, now=on(date(2025, 3, 1)))


def test_replacement_cannot_reach_into_a_closed_month(site, quiet_month):
    site.close(quiet_month())
    with refused("2025-01 is closed"):
        services.replace_meter(site.unit_meters["甲", E], replacement(removed_on=date(2025, 1, 20)), actor=None,
                               now=on(date(2025, 2, 1)))


# --- closing a month ----------------------------------------------------------


def test_closing_makes_bills_that_add_up_to_the_invoices(site, quiet_month, make_user):
    manager = make_user(username="manager")
    site.close(quiet_month(), actor=manager)
    bills = {b.unit.short_name: b for b in db.session.scalars(services.bills_query())}
    lines = {(name, line.supply): line for name, bill in bills.items() for line in bill.lines}
    # Electricity: ¥0.80/kWh; 600 kWh metered to units; ¥320 shared 50:30:20 by floor area.
    assert [lines[n, E].metered for n in "甲乙丙"] == [D("240.00"), D("160.00"), D("80.00")]
    assert [lines[n, E].shared for n in "甲乙丙"] == [D("160.00"), D("96.00"), D("64.00")]
    assert [lines[n, E].weight for n in "甲乙丙"] == [D("50"), D("30"), D("20")]
    # Water: ¥4/m³; ¥80 shared 10:5:5 by headcount.
    assert [lines[n, W].total for n in "甲乙丙"] == [D("120.00"), D("60.00"), D("60.00")]
    assert sum(line.total for line in lines.values()) == D("1040.00")
    assert [bills[n].total for n in "甲乙丙"] == [D("520.00"), D("316.00"), D("204.00")]
    # What the old ratio (E 50/30/20, W 50/25/25) would have charged for the same invoices.
    assert [bills[n].old_ratio_total for n in "甲乙丙"] == [D("520.00"), D("300.00"), D("220.00")]
    invoice = db.session.scalar(select(Invoice).where(Invoice.supply == E))
    assert (invoice.main_usage, invoice.units_usage, invoice.common_usage, invoice.line_loss) == (
        D("1000"), D("600"), D("250"), D("150"))
    month_row = services.get_month(month(0))
    assert month_row.closed and month_row.closed_by_id == manager.id
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "utilities.month.close"))
    assert entry.actor_id == manager.id and entry.after["bills"] == 3 and entry.after["invoice_electricity"] == "800.00"


@pytest.mark.parametrize(
    ("key", "expected"),
    [(AllocationKey.EQUAL, ["346.67", "266.67", "186.66"]), (AllocationKey.HEADCOUNT, ["400.00", "240.00", "160.00"])],
)
def test_the_allocation_key_is_configurable(site, quiet_month, key, expected):
    quiet_month()
    site.invoice(month(0), E, "800.00", "1000", key=key)
    site.close(month(0))
    totals = {line.bill.unit.short_name: line.total for line in db.session.scalars(select(UnitBillLine).where(UnitBillLine.supply == E))}
    assert [totals[n] for n in "甲乙丙"] == [D(v) for v in expected]


def test_closing_needs_every_invoice(site, quiet_month):
    quiet_month()
    db.session.delete(db.session.scalar(select(Invoice).where(Invoice.supply == W)))
    db.session.commit()
    with refused("Enter the Water invoice first"):
        site.close(month(0))


def test_months_close_in_order(site, quiet_month):
    quiet_month()
    quiet_month(month(1), base={"甲": 300, "乙": 200, "丙": 100, "w甲": 20, "w乙": 10, "w丙": 10, "E": 100, "W": 60, "C": 250})
    with refused("Close 2025-01 first"):
        site.close(month(1))
    site.close(month(0))
    assert site.close(month(1)).closed


def test_a_month_without_readings_cannot_be_closed(site):
    with refused("Nothing has been entered"):
        site.close(month(0))


# --- a closed month is final --------------------------------------------------


@pytest.fixture
def closed(site, quiet_month):
    site.close(quiet_month())
    return month(0)


def test_services_refuse_to_change_a_closed_month(site, closed):
    with refused("closed"):
        site.read(closed, {site.main[E]: 101})
    db.session.rollback()
    with refused("closed"):
        site.invoice(closed, E, "900.00", "1000")
    db.session.rollback()
    with refused("closed"):
        site.close(closed)


@pytest.mark.parametrize(
    "change",
    [
        lambda: setattr(db.session.scalar(select(MeterReading)), "value", D("1")),
        lambda: db.session.delete(db.session.scalar(select(MeterReading))),
        lambda: setattr(db.session.scalar(select(Invoice)), "amount", D("1.00")),
        lambda: setattr(db.session.scalar(select(UnitBillLine)), "total", D("1.00")),
        lambda: setattr(db.session.scalar(select(UnitBill)), "total", D("1.00")),
        lambda: setattr(services.get_month(date(2025, 1, 1)), "status", MonthStatus.OPEN),
        lambda: db.session.add(MeterReading(month_id=services.get_month(date(2025, 1, 1)).id,
                                            meter_id=db.session.scalar(select(Meter.id).where(Meter.code == "E-C01")),
                                            value=D("1"))),
    ],
    ids=["edit reading", "delete reading", "edit invoice", "edit bill line", "edit bill", "reopen", "add reading"],
)
def test_the_database_layer_refuses_any_change_to_a_closed_month(site, closed, change):
    change()
    with refused("closed|never edited"):
        db.session.flush()
    db.session.rollback()


def test_a_meter_that_served_a_closed_month_keeps_what_the_bills_were_made_from(site, closed):
    meter = site.unit_meters["甲", E]
    assert services.meter_is_locked(meter)
    with refused("closed month"):
        services.update_meter(meter, {"multiplier": 2}, actor=None, now=on(date(2025, 3, 1)))
    db.session.rollback()
    services.update_meter(meter, {"name": "甲局办公区", "serial_no": "X1"}, actor=None, now=on(date(2025, 3, 1)))
    db.session.commit()
    assert db.session.get(Meter, meter.id).name == "甲局办公区"


# --- corrections --------------------------------------------------------------


def test_a_correction_is_a_new_audited_line_not_an_edit(site, closed, make_user):
    manager = make_user(username="manager")
    bill = db.session.scalar(services.bills_query(unit_id=site.units["乙"].id))
    services.add_adjustment(bill, E, D("-16.00"), "大厅电表接线错误，退还", actor=manager, now=after(closed, 20))
    db.session.commit()
    bill = db.session.get(UnitBill, bill.id)
    assert bill.total == D("316.00") and bill.amount_due == D("300.00")
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "utilities.adjustment.create"))
    assert entry.actor_id == manager.id and entry.after["amount"] == "-16.00"
    adjustment = db.session.scalar(select(BillAdjustment))
    adjustment.amount = D("-1.00")
    with refused("closed|never edited"):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.scalar(select(BillAdjustment)))
    with refused("closed|never edited"):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize(
    ("supply", "amount", "reason", "message"),
    [(E, "0.00", "x", "zero"), (E, "-5.00", " ", "Say why"), (E, "-257.00", "x", "negative")],
)
def test_corrections_that_make_no_sense_are_refused(site, closed, supply, amount, reason, message):
    bill = db.session.scalar(services.bills_query(unit_id=site.units["乙"].id))
    with refused(message):
        services.add_adjustment(bill, supply, D(amount), reason, actor=None, now=after(closed, 20))


def test_a_month_before_a_closed_month_is_final_too(site, closed):
    # December's readings would change where January's use started.
    december = date(2024, 12, 1)
    assert services.is_final(december) and services.is_final(closed) and not services.is_final(month(1))
    with refused("2024-12 is closed"):
        site.read(december, {site.main[E]: 1})
    db.session.rollback()
    with refused("2024-12 is closed"):
        site.invoice(december, E, "1.00", "1")


def test_a_meter_cannot_be_moved_back_into_a_closed_month(site, closed):
    meter = Meter(code="E-NEW", name="新表", supply=E, kind=site.common.kind, area=site.common.area,
                  parent_id=site.main[E].id, multiplier=1, rollover_at=D("100000"), installed_on=date(2025, 2, 3),
                  initial_reading=D(0))
    services.create_meter(meter, actor=None, now=on(date(2025, 2, 5)))
    db.session.commit()
    with refused("2025-01 is closed"):
        services.update_meter(meter, {"installed_on": date(2025, 1, 20)}, actor=None, now=on(date(2025, 2, 5)))


# ---------------------------------------------------------------- the old fixed ratios


@pytest.mark.parametrize(("typed", "percents"), [
    ({1: "50", 2: "30", 3: "20"}, {1: D("50"), 2: D("30"), 3: D("20")}),
    ({1: "33.333", 2: "33.333", 3: "33.334"}, {1: D("33.333"), 2: D("33.333"), 3: D("33.334")}),
    ({1: "１００", 2: "", 3: " 0 "}, {1: D("100"), 2: D("0"), 3: D("0")}),  # full-width digits; blank is 0
    ({1: "60%", 2: "40%"}, {1: D("60"), 2: D("40")}),
])
def test_ratio_entries_that_add_up(typed, percents):
    assert services.check_ratio_entries(typed) == (percents, {})


@pytest.mark.parametrize(("typed", "where"), [
    ({1: "50", 2: "30", 3: "19.999"}, 0),  # 99.999 in all
    ({1: "abc", 2: "100"}, 1),
    ({1: "-5", 2: "105"}, 1),
    ({1: "101", 2: "0"}, 1),
    ({1: "50.0001", 2: "49.9999"}, 1),
    ({1: "NaN", 2: "100"}, 1),
    ({1: "9" * 40, 2: "0"}, 1),
])
def test_ratio_entries_that_do_not(typed, where):
    percents, problems = services.check_ratio_entries(typed)
    assert where in problems
    if where == 0:
        assert "99.999" in str(problems[0])


def test_saving_ratios_replaces_them_and_is_audited(site):
    a, b, c = (site.units[name].id for name in ("甲", "乙", "丙"))
    services.save_fixed_ratios(Supply.WATER, {a: D("40"), b: D("40"), c: D("20")}, actor=None,
                              now=on(date(2025, 3, 1)))
    db.session.commit()
    assert services.fixed_ratios(Supply.WATER, [a, b, c]) == {a: D("40"), b: D("40"), c: D("20")}
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "fixed_ratio.update"))
    assert entry.object_id == "water" and entry.before[str(b)] == "25.000" and entry.after[str(b)] == "40"
