"""Rules without HTTP: due dates, the register's checks, rounds, cost roll-ups and the budget projection."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal import events
from portal.blueprints.equipment import notify
from portal.blueprints.equipment.budget import Assumptions, PlanItem, Tier, end_of_life, project
from portal.blueprints.equipment.models import (
    Asset,
    AssetCategory,
    AssetRepair,
    CheckResult,
    Condition,
    InspectionRound,
    IntervalUnit,
    MaintenancePlan,
    PlanKind,
)
from portal.blueprints.equipment.schedule import add_months, first_after, next_after_done
from portal.blueprints.equipment.services import (
    AssetDraft,
    Finding,
    PlanDraft,
    YearCost,
    cost_history,
    create_asset,
    create_plan,
    finish_round,
    record_maintenance,
    start_round,
    update_asset,
    update_plan,
)
from portal.blueprints.repairs.models import RepairRequest
from portal.db import db
from portal.models import AuditLog
from portal.rules import RuleViolation
from tests.equipment.conftest import NOW

M = IntervalUnit.MONTHS


# --- due dates ---------------------------------------------------------------------------------


def test_monthly_dates_keep_the_month_end_without_drifting():
    anchor = date(2027, 1, 31)
    assert add_months(anchor, 1) == date(2027, 2, 28)
    assert add_months(anchor, 2) == date(2027, 3, 31)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)  # leap year
    # done on time each month: Feb 28, then back to Mar 31 (not Mar 28)
    assert next_after_done(anchor, 1, M, date(2027, 1, 31), date(2027, 1, 31)) == date(2027, 2, 28)
    assert next_after_done(anchor, 1, M, date(2027, 2, 28), date(2027, 2, 28)) == date(2027, 3, 31)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert add_months(date(2026, 12, 15), -12) == date(2025, 12, 15)


def test_work_done_late_skips_the_cycles_it_missed_and_early_work_keeps_the_schedule():
    anchor = date(2026, 1, 10)
    # due 10 March, done 25 May: April and May are not owed twice; next is 10 June
    assert next_after_done(anchor, 1, M, date(2026, 3, 10), date(2026, 5, 25)) == date(2026, 6, 10)
    # done on the due day of a later cycle: that cycle counts as done
    assert next_after_done(anchor, 1, M, date(2026, 3, 10), date(2026, 5, 10)) == date(2026, 6, 10)
    # done early: the next date of the schedule, not a month after the work
    assert next_after_done(anchor, 1, M, date(2026, 3, 10), date(2026, 3, 1)) == date(2026, 4, 10)
    # days and weeks
    assert next_after_done(date(2026, 1, 1), 15, IntervalUnit.DAYS, date(2026, 1, 16), date(2026, 1, 20)) == date(2026, 1, 31)
    assert first_after(date(2026, 1, 5), 2, IntervalUnit.WEEKS, date(2026, 1, 19)) == date(2026, 2, 2)
    assert first_after(date(2026, 1, 5), 2, IntervalUnit.WEEKS, date(2025, 1, 1)) == date(2026, 1, 5)
    # a quarterly plan anchored on 31 August
    assert first_after(date(2025, 8, 31), 3, M, date(2026, 3, 1)) == date(2026, 5, 31)
    assert first_after(date(2025, 8, 31), 3, M, date(2025, 11, 30)) == date(2026, 2, 28)


def test_recording_maintenance_moves_the_plan_and_keeps_the_cost(make_asset, property_user):
    asset = make_asset()
    plan = create_plan(asset, PlanDraft("月度保养", PlanKind.ROUTINE, 1, M, date(2026, 10, 31)), actor=None, now=NOW)
    record = record_maintenance(plan, done_on=date(2026, 11, 2), cost=Decimal("350.50"), note="换油",
                                actor=property_user, now=NOW)
    assert record.due_on == date(2026, 10, 31) and record.cost == Decimal("350.50")
    assert plan.next_due == date(2026, 11, 30)
    record_maintenance(plan, done_on=date(2026, 12, 1), cost=Decimal("0"), note="", actor=property_user, now=NOW)
    assert plan.next_due == date(2026, 12, 31)
    db.session.commit()
    assert cost_history([asset.id])[asset.id] == [YearCost(2026, Decimal("350.50"), Decimal("0.00"))]


@pytest.mark.parametrize(("done_on", "cost", "field"), [
    (date(2026, 12, 3), Decimal("10"), "done_on"),  # tomorrow
    (date(2026, 12, 1), Decimal("-1"), "cost"),
    (date(2026, 12, 1), Decimal("1.005"), "cost"),
    (date(2026, 12, 1), Decimal("NaN"), "cost"),
    (date(2000, 1, 1), Decimal("1"), "done_on"),  # before it was installed
])
def test_bad_maintenance_records_are_refused_and_the_plan_stays(make_asset, done_on, cost, field):
    plan = create_plan(make_asset(), PlanDraft("保养", PlanKind.ROUTINE, 1, M, date(2026, 11, 30)), actor=None, now=NOW)
    with pytest.raises(RuleViolation) as refused:
        record_maintenance(plan, done_on=done_on, cost=cost, note="", actor=None, now=NOW)
    assert refused.value.field == field
    assert plan.next_due == date(2026, 11, 30)


def test_a_plan_changed_mid_way_restarts_from_the_date_given(make_asset):
    asset = make_asset()
    plan = create_plan(asset, PlanDraft("保养", PlanKind.ROUTINE, 1, M, date(2026, 9, 30)), actor=None, now=NOW)
    record_maintenance(plan, done_on=date(2026, 9, 30), cost=Decimal("1"), note="", actor=None, now=NOW)
    assert plan.next_due == date(2026, 10, 30)
    update_plan(plan, PlanDraft("季度保养", PlanKind.ROUTINE, 3, M, date(2026, 12, 15)), actor=None, now=NOW)
    assert (plan.anchor, plan.next_due, plan.every) == (date(2026, 12, 15), date(2026, 12, 15), 3)
    record_maintenance(plan, done_on=date(2026, 12, 2), cost=Decimal("1"), note="", actor=None, now=NOW)
    assert plan.next_due == date(2027, 3, 15)


def test_plan_checks():
    from portal.blueprints.equipment.services import _check_plan

    for draft, field in ((PlanDraft("", "routine", 1, "months", date(2027, 1, 1)), "title"),
                         (PlanDraft("x", "routine", 0, "months", date(2027, 1, 1)), "every"),
                         (PlanDraft("x", "routine", 1, "fortnights", date(2027, 1, 1)), "unit"),
                         (PlanDraft("x", "routine", 1, "months", None), "first_due"),
                         (PlanDraft("x", "routine", 1, "months", date(2027, 1, 1), 400), "remind_days")):
        with pytest.raises(RuleViolation) as refused:
            _check_plan(draft)
        assert refused.value.field == field


# --- stopping a plan ---------------------------------------------------------------------------


def _due_plan_ids(days: int = 366) -> set[int]:
    from portal.blueprints.equipment.services import due_query

    return {plan.id for plan in db.session.scalars(due_query(NOW.date(), days))}


def test_a_stop_keeps_the_work_due_before_it_and_cancels_the_rest(make_asset, logistics):
    from portal.blueprints.equipment.services import stop_plan

    plan = create_plan(make_asset(), PlanDraft("月度保养", PlanKind.ROUTINE, 1, M, date(2026, 11, 30)), actor=None,
                       now=NOW)
    stop_plan(plan, stopped_on=date(2026, 12, 31), reason="设备更换", actor=logistics, now=NOW)
    # 30 Nov (overdue) is before the stop: still owed, still listed
    assert plan.active and plan.id in _due_plan_ids()
    record_maintenance(plan, done_on=date(2026, 12, 1), cost=Decimal("1"), note="", actor=None, now=NOW)
    # 30 Dec is before 31 Dec: owed too
    assert (plan.next_due, plan.active) == (date(2026, 12, 30), True)
    record_maintenance(plan, done_on=date(2026, 12, 2), cost=Decimal("1"), note="", actor=None, now=NOW)
    # 30 Jan is after the stop: nothing more is produced
    assert plan.active is False and plan.id not in _due_plan_ids()
    with pytest.raises(RuleViolation):
        record_maintenance(plan, done_on=date(2026, 12, 2), cost=Decimal("1"), note="", actor=None, now=NOW)
    db.session.commit()
    actions = db.session.scalars(select(AuditLog.action).where(AuditLog.object_type == "equipment_plan")).all()
    assert "equipment.plan_stop" in actions


def test_a_stop_on_or_before_the_next_date_cancels_it_at_once_and_clears_its_reminders(make_asset, logistics):
    from portal.blueprints.equipment.services import stop_plan

    resolved = []
    plan = create_plan(make_asset(), PlanDraft("年检", PlanKind.STATUTORY, 12, M, date(2026, 12, 10), 30),
                       actor=None, now=NOW)
    with events.todo_resolved.connected_to(lambda key, **kw: resolved.append(key)):
        stop_plan(plan, stopped_on=date(2026, 12, 10), reason="停用", actor=logistics, now=NOW)
    assert plan.active is False and plan.stop_reason == "停用"
    assert f"equipment.plan:{plan.id}:2026-12-10" in resolved
    assert notify.remind_due(now=NOW) == 0


@pytest.mark.parametrize(("stopped_on", "reason", "field"), [
    (None, "更换", "stopped_on"),
    (date(2026, 12, 2), " ", "reason"),
    (date(2028, 1, 1), "更换", "stopped_on"),  # more than a year ahead
    (date(2000, 1, 1), "更换", "stopped_on"),  # before it was installed
])
def test_a_bad_stop_is_refused_and_the_plan_runs_on(make_asset, stopped_on, reason, field):
    from portal.blueprints.equipment.services import stop_plan

    plan = create_plan(make_asset(), PlanDraft("保养", PlanKind.ROUTINE, 1, M, date(2026, 12, 30)), actor=None, now=NOW)
    with pytest.raises(RuleViolation) as refused:
        stop_plan(plan, stopped_on=stopped_on, reason=reason, actor=None, now=NOW)
    assert refused.value.field == field
    assert plan.active and plan.stopped_on is None


def test_a_stopped_plan_resumes_from_the_date_given(make_asset):
    from portal.blueprints.equipment.services import resume_plan, stop_plan

    plan = create_plan(make_asset(), PlanDraft("保养", PlanKind.ROUTINE, 1, M, date(2026, 10, 31)), actor=None, now=NOW)
    stop_plan(plan, stopped_on=date(2026, 10, 1), reason="合同暂停", actor=None, now=NOW)
    with pytest.raises(RuleViolation):
        update_plan(plan, PlanDraft("保养", PlanKind.ROUTINE, 1, M, date(2027, 1, 31)), actor=None, now=NOW)
    with pytest.raises(RuleViolation):
        stop_plan(plan, stopped_on=date(2026, 10, 1), reason="again", actor=None, now=NOW)
    resume_plan(plan, next_due=date(2027, 1, 31), actor=None, now=NOW)
    assert (plan.active, plan.stopped_on, plan.anchor, plan.next_due) == (True, None, date(2027, 1, 31),
                                                                         date(2027, 1, 31))
    record_maintenance(plan, done_on=date(2026, 12, 2), cost=Decimal("1"), note="", actor=None, now=NOW)
    assert plan.next_due == date(2027, 2, 28)
    with pytest.raises(RuleViolation):
        resume_plan(plan, next_due=date(2027, 1, 31), actor=None, now=NOW)


# --- plans by counters -------------------------------------------------------------------------

H = IntervalUnit.HOURS


def _read(asset, day: date, value: int, replaced: bool = False):
    from portal.blueprints.equipment.services import record_reading

    return record_reading(asset, read_on=day, value=value, replaced=replaced, actor=None, now=NOW)


def test_readings_only_rise_unless_the_counter_was_replaced(make_asset):
    generator = make_asset(category=AssetCategory.GENERATOR)
    assert _read(generator, date(2026, 10, 1), 1200).total == 1200
    assert _read(generator, date(2026, 11, 1), 1260).total == 1260
    with pytest.raises(RuleViolation) as refused:
        _read(generator, date(2026, 11, 15), 1250)
    assert refused.value.field == "value" and "1260" in str(refused.value) and "2026-11-01" in str(refused.value)
    with pytest.raises(RuleViolation) as refused:
        _read(generator, date(2026, 10, 15), 1300)  # older than the last reading
    assert refused.value.field == "read_on"
    for day, value in ((date(2026, 12, 3), 1300), (date(2000, 1, 1), 1300), (date(2026, 12, 1), -1)):
        with pytest.raises(RuleViolation):
            _read(generator, day, value)
    # a new hour meter starts from 0: the item's use runs on from the old total
    assert _read(generator, date(2026, 11, 20), 15, replaced=True).total == 1275
    assert _read(generator, date(2026, 12, 1), 40).total == 1300
    assert generator.counter_total == 1300
    assert _read(generator, date(2026, 12, 1), 40).total == 1300  # the same reading again is no use


def test_a_counter_plan_is_due_soon_within_a_tenth_and_due_at_the_threshold(make_asset):
    from portal.blueprints.equipment.services import DueState, due_counts, due_query, due_state

    generator = make_asset(category=AssetCategory.GENERATOR)
    _read(generator, date(2026, 6, 1), 1000)
    plan = create_plan(generator, PlanDraft("250小时保养", PlanKind.ROUTINE, 250, H, None), actor=None, now=NOW)
    assert (plan.due_reading, plan.next_due) == (1250, None)
    _read(generator, date(2026, 9, 1), 1224)
    assert due_state(plan, NOW.date()) is DueState.LATER
    assert plan not in db.session.scalars(due_query(NOW.date(), 30)).all()
    _read(generator, date(2026, 10, 1), 1225)  # 1250 − 25: due soon
    assert due_state(plan, NOW.date()) is DueState.DUE_SOON and plan.next_due is None
    assert plan in db.session.scalars(due_query(NOW.date(), 30)).all()
    assert due_counts(NOW).due_soon == 1
    _read(generator, date(2026, 11, 1), 1250)  # at the threshold: the work order, due that day
    assert plan.next_due == date(2026, 11, 1)
    assert due_state(plan, NOW.date()) is DueState.OVERDUE
    record_maintenance(plan, done_on=date(2026, 11, 3), cost=Decimal("800"), note="换机油", actor=None, now=NOW)
    assert (plan.next_due, plan.due_reading) == (None, 1500)


def test_a_reading_that_jumps_past_two_intervals_makes_one_work_order(make_asset):
    from portal.blueprints.equipment.models import MaintenanceRecord

    lift = make_asset()
    _read(lift, date(2026, 1, 1), 10_000)
    plan = create_plan(lift, PlanDraft("钢丝绳检查", PlanKind.ROUTINE, 5_000, IntervalUnit.TRIPS, None), actor=None,
                       now=NOW)
    _read(lift, date(2026, 9, 1), 21_000)  # two intervals and more at once
    assert plan.next_due == date(2026, 9, 1)
    _read(lift, date(2026, 10, 1), 23_000)  # the open work order stays the one of September
    assert plan.next_due == date(2026, 9, 1)
    record_maintenance(plan, done_on=date(2026, 10, 2), cost=Decimal("0"), note="", actor=None, now=NOW)
    # one record, not owed twice; next due a full interval after the reading when it was done
    assert db.session.scalar(select(func.count()).select_from(MaintenanceRecord)) == 1
    assert (plan.next_due, plan.due_reading) == (None, 28_000)


def test_counter_plan_checks(make_asset):
    from portal.blueprints.equipment.services import _check_plan

    assert _check_plan(PlanDraft("x", "routine", 500, "hours", None))[2] == 500
    with pytest.raises(RuleViolation) as refused:
        _check_plan(PlanDraft("x", "routine", 2_000_000, "trips", None))
    assert refused.value.field == "every"
    with pytest.raises(RuleViolation):
        _check_plan(PlanDraft("x", "routine", 500, "days", None))


# --- reminders ----------------------------------------------------------------------------------


def test_due_and_overdue_reminders_go_once_and_recording_clears_them(make_asset, property_user, logistics):
    sent, resolved = [], []
    asset = make_asset()
    soon = create_plan(asset, PlanDraft("保养", PlanKind.ROUTINE, 1, M, date(2026, 12, 10), 14), actor=None, now=NOW)
    late = create_plan(asset, PlanDraft("年检", PlanKind.STATUTORY, 12, M, date(2026, 11, 20), 30), actor=None, now=NOW)
    create_plan(asset, PlanDraft("远期", PlanKind.ROUTINE, 12, M, date(2027, 6, 1), 14), actor=None, now=NOW)
    db.session.commit()
    with events.event_emitted.connected_to(lambda e: sent.append(e)), \
            events.todo_resolved.connected_to(lambda key, **kw: resolved.append(key)), \
            events.todo_asked.connected_to(lambda key: any(e.todo_key == key for e in sent)):
        assert notify.remind_due(now=NOW) == 2
        assert notify.remind_due(now=NOW) == 0  # once
        kinds = {e.kind: e for e in sent}
        assert kinds[notify.DUE].recipient_ids == (property_user.id,)
        assert set(kinds[notify.OVERDUE].recipient_ids) == {property_user.id, logistics.id}
        assert kinds[notify.DUE].args["item"].startswith(asset.code)
        record_maintenance(late, done_on=date(2026, 12, 1), cost=Decimal("1"), note="", actor=None, now=NOW)
        assert f"equipment.plan:{late.id}:2026-11-20:overdue" in resolved
        assert late.next_due == date(2027, 11, 20)
    assert soon.next_due == date(2026, 12, 10)


# --- the register --------------------------------------------------------------------------------


def _draft(place, **changes) -> AssetDraft:
    values = dict(code="DT-01", name="1号客梯", category="lift", floor_id=place["f1"].id,
                  install_date=date(2006, 12, 1), expected_life_years=15, replacement_cost=Decimal("380000"))
    values.update(changes)
    return AssetDraft(**values)


def test_codes_are_normalised_and_unique(place, logistics):
    asset = create_asset(_draft(place, code="ｄｔ－０１ "), actor=logistics, now=NOW)
    assert asset.code == "DT-01"
    db.session.commit()
    with pytest.raises(RuleViolation) as refused:
        create_asset(_draft(place, code=" dt-01"), actor=logistics, now=NOW)
    assert refused.value.field == "code"


@pytest.mark.parametrize(("changes", "field"), [
    ({"install_date": date(2026, 12, 3)}, "install_date"),
    ({"install_date": None}, "install_date"),
    ({"replacement_cost": Decimal("-5")}, "replacement_cost"),
    ({"expected_life_years": 0}, "expected_life_years"),
    ({"category": "spaceship"}, "category"),
    ({"floor_id": 999999}, "floor_id"),
    ({"code": "   "}, "code"),
    ({"name": ""}, "name"),
    ({"condition": "excellent"}, "condition"),
    ({"condition_date": date(2027, 1, 1)}, "condition_date"),
])
def test_bad_items_are_refused_and_nothing_is_saved(place, logistics, changes, field):
    with pytest.raises(RuleViolation) as refused:
        create_asset(_draft(place, **changes), actor=logistics, now=NOW)
    assert refused.value.field == field
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Asset)) == 0


def test_a_room_must_be_on_the_chosen_floor(place, logistics):
    with pytest.raises(RuleViolation) as refused:
        create_asset(_draft(place, floor_id=place["f2"].id, room_id=place["room"].id), actor=logistics, now=NOW)
    assert refused.value.field == "room_id"
    asset = create_asset(_draft(place, room_id=place["room"].id), actor=logistics, now=NOW)
    assert "101 报告厅" in asset.location_label
    update_asset(asset, _draft(place, name="一号客梯", zone="东侧电梯厅"), actor=logistics, now=NOW)
    assert asset.location_label.endswith("· 东侧电梯厅") and asset.room is None


# --- inspection rounds ---------------------------------------------------------------------------


def test_a_failed_item_opens_a_repair_tied_to_it(place, make_asset, property_user):
    lift = make_asset(category=AssetCategory.LIFT, zone="东侧")
    other = make_asset(category=AssetCategory.LIFT, floor_id=place["f2"].id)
    make_asset(category=AssetCategory.PUMP)
    round_ = start_round("lift", place["building"].id, actor=property_user, now=NOW)
    assert [line.asset_id for line in round_.results] == [lift.id, other.id]
    with pytest.raises(RuleViolation) as refused:  # a failure needs its finding
        finish_round(round_, {lift.id: Finding("fail", ""), other.id: Finding("pass")}, actor=property_user, now=NOW)
    assert refused.value.field == f"finding-{lift.id}"
    with pytest.raises(RuleViolation):  # every item needs a result
        finish_round(round_, {lift.id: Finding("pass")}, actor=property_user, now=NOW)
    assert db.session.scalar(select(func.count()).select_from(RepairRequest)) == 0
    opened = finish_round(round_, {lift.id: Finding("fail", "门关不严，反复开合"), other.id: Finding("pass")},
                          actor=property_user, now=NOW)
    db.session.commit()
    assert len(opened) == 1
    repair = opened[0]
    assert lift.code in repair.description and "门关不严" in repair.description
    assert repair.floor_id == lift.floor_id and repair.category.value == "elevator"
    assert db.session.scalar(select(AssetRepair.asset_id).where(AssetRepair.repair_id == repair.id)) == lift.id
    assert round_.finished_at is not None and round_.results[0].result is CheckResult.FAIL
    assert round_.results[0].repair_id == repair.id
    with pytest.raises(RuleViolation) as refused:
        finish_round(round_, {}, actor=property_user, now=NOW)
    assert refused.value.status == 409


def test_a_round_needs_items_of_its_category(place, make_asset, property_user):
    make_asset(category=AssetCategory.LIFT)
    with pytest.raises(RuleViolation):
        start_round("av", place["building"].id, actor=property_user, now=NOW)
    with pytest.raises(RuleViolation):
        start_round("lift", None, actor=property_user, now=NOW)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(InspectionRound)) == 0


# --- the budget ----------------------------------------------------------------------------------


def _assumptions(**changes) -> Assumptions:
    values = dict(first_year=2027, years=10, price_growth=Decimal("0.03"))
    values.update(changes)
    return Assumptions(**values)


def test_end_of_life_is_advanced_by_condition_and_repairs(make_asset):
    a = _assumptions()
    old = make_asset(install_date=date(2006, 12, 1), expected_life_years=15)
    year, reasons = end_of_life(old, [], a, 2026)
    assert year == 2027 and len(reasons) == 2  # 2021, past: planned in the first year
    newer = make_asset(install_date=date(2019, 8, 10), expected_life_years=15)
    assert end_of_life(newer, [], a, 2026)[0] == 2034
    poor = make_asset(install_date=date(2019, 8, 10), expected_life_years=15, condition=Condition.POOR)
    assert end_of_life(poor, [], a, 2026)[0] == 2032
    failed = make_asset(install_date=date(2024, 1, 1), expected_life_years=15, condition=Condition.FAILED)
    assert end_of_life(failed, [], a, 2026)[0] == 2027
    costly = [YearCost(2025, repairs=Decimal("20000")), YearCost(2026, repairs=Decimal("15000")),
              YearCost(2020, repairs=Decimal("90000"))]  # 2020 is outside the three years
    year, reasons = end_of_life(newer, costly, a, 2026)
    assert year == 2033 and "35,000.00" in str(reasons[-1])


def test_projection_rolls_up_by_year_category_and_kind_of_work(make_asset):
    a = _assumptions(years=10, price_growth=Decimal("0.03"), overhaul_share=Decimal("0.15"),
                     routine_share=Decimal("0.02"))
    lift = make_asset(install_date=date(2006, 12, 1), expected_life_years=15, replacement_cost=Decimal("100000"))
    pump = make_asset(category=AssetCategory.PUMP, install_date=date(2020, 5, 1), expected_life_years=16,
                      replacement_cost=Decimal("10000"))
    projection = project(a, 2026, assets=[lift, pump], history={})
    major = [line for line in projection.lines if line.tier is Tier.MAJOR]
    # the lift is replaced in 2027 at next year's price; the pump reaches its end in 2036
    assert [(line.asset.code, line.year, line.amount) for line in major] == [
        (lift.code, 2027, Decimal("103000.00")), (pump.code, 2036, Decimal("13439.16"))]
    medium = [(line.asset.code, line.year) for line in projection.lines if line.tier is Tier.MEDIUM]
    # the new lift's half-life (2027 + 7) and the pump's (2020 + 8)
    assert medium == [(lift.code, 2034), (pump.code, 2028)]
    routine_2027 = [projection.routine_amount(routine, 2027) for routine in projection.routine]
    assert routine_2027 == [Decimal("2060.00"), Decimal("206.00")]
    by_year = projection.by_year_tier()
    assert by_year[2027][Tier.ROUTINE] == Decimal("2266.00")
    assert sum(by_year[2027].values()) == Decimal("103000.00") + Decimal("2266.00")
    rows = {category: total for category, _, total in projection.by_category_year()}
    assert sum(rows.values()) == projection.total() == sum(projection.year_totals())
    assert set(rows) == {AssetCategory.LIFT, AssetCategory.PUMP}


@pytest.mark.parametrize("growth", ["0.03", "0.035", "0.0123456789", "0.5", "-0.02",
                                    # 1 + growth is 0.8333…3 (28 digits): 3 fen grown a year is 2.4999…9 (29
                                    # digits) exactly, which Decimal's 28 digits round to 2.5, so half up to 3
                                    "-0.1666666666666666666666666667"])
def test_routine_sums_round_each_item_as_its_own_figure_does(growth):
    """A year's routine sum is the sum of each item's figure rounded to the fen as it is shown, to the fen,
    on 25 years (some products exact, some past Decimal's precision), with half-fen ties."""
    a = _assumptions(years=25, price_growth=Decimal(growth))
    bases = ["0.03", "0.50", "0.01", "0", "12.35", "2000.00", "123456.78", "98765432.10", "0.25", "7.77"]
    items = [PlanItem(n, f"EQ-{n:03d}", "设备", AssetCategory.LIFT if n % 2 else AssetCategory.PUMP, date(2020, 1, 1),
                      60, Decimal("1000"), Condition.GOOD, date(2020, 1, 1)) for n in range(len(bases))]
    history = {n: [YearCost(2025, maintenance=Decimal(base))] for n, base in enumerate(bases) if base != "0"}
    projection = project(a, 2026, assets=items, history=history)
    by_year = projection.by_year_tier()
    for year in projection.years:
        expected = sum((projection.routine_amount(routine, year) for routine in projection.routine), Decimal(0))
        assert by_year[year][Tier.ROUTINE] == expected, year
    if growth.startswith("-0.1666"):
        assert projection.routine_amount(projection.routine[0], 2027) == Decimal("0.03")


def test_routine_cost_comes_from_the_maintenance_history(make_asset):
    a = _assumptions(price_growth=Decimal("0"))
    lift = make_asset(install_date=date(2019, 1, 1), expected_life_years=30)
    history = {lift.id: [YearCost(2024, maintenance=Decimal("1000")), YearCost(2025, maintenance=Decimal("3000")),
                         YearCost(2019, maintenance=Decimal("99999"))]}
    projection = project(a, 2026, assets=[lift], history=history)
    assert [routine.base for routine in projection.routine] == [Decimal("2000.00")]
    assert {amount[Tier.ROUTINE] for amount in projection.by_year_tier().values()} == {Decimal("2000.00")}
    assert "2024, 2025" in str(projection.routine[0].reasons[0])


def test_repair_costs_of_an_item_roll_up_by_year(make_asset, make_user):
    from portal.blueprints.equipment.services import link_repair, open_repair

    lift = make_asset()
    reporter = make_user()
    repair = open_repair(lift, "异响", actor=reporter, now=NOW)
    repair.parts_cost, repair.labour_cost = Decimal("100.00"), Decimal("50.00")
    db.session.commit()
    assert cost_history([lift.id])[lift.id] == [YearCost(2026, Decimal("0.00"), Decimal("150.00"))]
    with pytest.raises(RuleViolation):  # tied already
        link_repair(make_asset(), repair.id, actor=None, now=NOW)
    with pytest.raises(RuleViolation):
        link_repair(lift, 987654, actor=None, now=NOW)


def test_the_demo_plan_starts_next_year_and_explains_itself(app, demo):
    from portal import timeutil

    now = timeutil.now()
    a = Assumptions.from_config(app.config, now.date())
    assert a.first_year == now.year + 1 and a.years == 10
    projection = project(a, now.year)
    first = projection.by_year_tier()[a.first_year]
    assert first[Tier.MAJOR] > 0 and first[Tier.ROUTINE] > 0
    assert all(line.reasons for line in projection.lines)
    assert db.session.scalar(select(func.count()).select_from(MaintenancePlan)) > 60


def test_the_recent_costs_roll_up_by_category_and_year(make_asset):
    from portal.blueprints.equipment.budget import category_history

    lift, pump = make_asset(), make_asset(category=AssetCategory.PUMP)
    other_lift = make_asset()
    history = {lift.id: [YearCost(2025, Decimal("100"), Decimal("50")), YearCost(2019, Decimal("999"))],
               other_lift.id: [YearCost(2025, Decimal("1"), Decimal("2"))],
               pump.id: [YearCost(2026, Decimal("0"), Decimal("7"))]}
    rows = category_history([lift, pump, other_lift], history, [2024, 2025, 2026])
    assert [row.category for row in rows] == [AssetCategory.LIFT, AssetCategory.PUMP]
    assert rows[0].cells[1] == YearCost(2025, Decimal("101"), Decimal("52"))
    assert rows[0].total.total == Decimal("153") and rows[1].total.repairs == Decimal("7")


def _realistic_register(make_asset, make_user):
    """Items of several kinds, ages and conditions, with ten years of maintenance and repairs
    (some outside the three years that count, one repair reported on New Year's Eve in UTC)."""
    from datetime import UTC, datetime

    from portal.blueprints.equipment.models import MaintenanceRecord
    from portal.blueprints.equipment.services import open_repair

    reporter = make_user()
    items = [
        make_asset(install_date=date(2006, 12, 1), expected_life_years=15, replacement_cost=Decimal("380000.00")),
        make_asset(install_date=date(2015, 3, 9), expected_life_years=20, replacement_cost=Decimal("250000.00"),
                   condition=Condition.POOR),
        make_asset(category=AssetCategory.PUMP, install_date=date(2018, 6, 1), expected_life_years=12,
                   replacement_cost=Decimal("18500.50")),
        make_asset(category=AssetCategory.PUMP, install_date=date(2023, 1, 1), expected_life_years=8,
                   replacement_cost=Decimal("9999.99"), condition=Condition.FAILED),
        make_asset(category=AssetCategory.PUMP, install_date=date(2020, 5, 1), expected_life_years=16,
                   replacement_cost=Decimal("12000.00")),
    ]
    for n, asset in enumerate(items):
        for year in range(2016, 2027):
            if (year + n) % 3:
                db.session.add(MaintenanceRecord(asset_id=asset.id, done_on=date(year, 1 + (n * 5 + year) % 12, 15),
                                                 cost=Decimal(f"{300 + 97 * n + 13 * (year % 7)}.{(year * n) % 100:02d}")))
    db.session.commit()
    moments = [(items[0], datetime(2025, 12, 31, 17, 0), "90000.00"),  # UTC: 2026 in Shanghai
               (items[0], datetime(2023, 12, 31, 20, 0), "41000.00"),
               (items[1], datetime(2026, 3, 1, 9, 0), "80000.00"),
               (items[2], datetime(2019, 7, 1, 9, 0), "15000.00"),
               (items[4], datetime(2026, 11, 20, 9, 0), "1234.56")]
    for asset, at, parts in moments:
        repair = open_repair(asset, "故障", actor=reporter, now=NOW)
        repair.reported_at = at.replace(tzinfo=UTC)
        repair.parts_cost, repair.labour_cost = Decimal(parts), Decimal("150.00")
        db.session.commit()
    return items


def test_the_plan_of_a_realistic_register_keeps_its_figures(make_asset, make_user):
    _realistic_register(make_asset, make_user)
    projection = project(_assumptions(), 2026)
    by_year = {year: {tier.value: str(amount) for tier, amount in tiers.items()}
               for year, tiers in projection.by_year_tier().items()}
    categories = [(category.value, [str(v) for v in values], str(total))
                  for category, values, total in projection.by_category_year()]
    history = [(row.category.value, [(c.year, str(c.maintenance), str(c.repairs)) for c in row.cells])
               for row in projection.history]
    major = [(line.year, line.asset.code, line.tier.value, str(line.amount), [str(r) for r in line.reasons])
             for line in projection.major_lines()]
    assert by_year == {
        2027: {"major": "401699.99", "medium": "0.00", "routine": "2686.26"},
        2028: {"major": "0.00", "medium": "1909.62", "routine": "2766.84"},
        2029: {"major": "0.00", "medium": "0.00", "routine": "2849.85"},
        2030: {"major": "20822.48", "medium": "0.00", "routine": "2935.35"},
        2031: {"major": "0.00", "medium": "0.00", "routine": "3023.41"},
        2032: {"major": "298513.07", "medium": "0.00", "routine": "3114.12"},
        2033: {"major": "0.00", "medium": "0.00", "routine": "3207.53"},
        2034: {"major": "0.00", "medium": "72205.89", "routine": "3303.77"},
        2035: {"major": "13047.72", "medium": "0.00", "routine": "3402.88"},
        2036: {"major": "16127.00", "medium": "3729.47", "routine": "3504.96"},
    }
    assert categories == [
        ("lift", ["392178.43", "801.78", "825.84", "850.62", "876.13", "299415.49", "929.49", "73163.27", "986.10",
                  "1015.68"], "771042.83"),
        ("pump", ["12207.82", "3874.68", "2024.01", "22907.21", "2147.28", "2211.70", "2278.04", "2346.39",
                  "15464.50", "22345.75"], "87807.38"),
    ]
    assert str(projection.total()) == "858850.21"
    # the repair reported 2025-12-31 17:00 UTC counts in 2026, the one of 2023-12-31 20:00 UTC in 2024
    assert history == [("lift", [(2024, "313.00", "41150.00"), (2025, "423.25", "0.00"), (2026, "775.26", "170300.00")]),
                       ("pump", [(2024, "1112.20", "0.00"), (2025, "1234.50", "0.00"), (2026, "1357.82", "1384.56")])]
    assert [line[:4] for line in major] == [
        (2027, "T-01", "major", "391400.00"), (2027, "T-04", "major", "10299.99"), (2028, "T-05", "medium", "1909.62"),
        (2030, "T-03", "major", "20822.48"), (2032, "T-02", "major", "298513.07"), (2034, "T-01", "medium", "72205.89"),
        (2035, "T-04", "major", "13047.72"), (2036, "T-05", "major", "16127.00"), (2036, "T-03", "medium", "3729.47")]
    assert [len(line[4]) for line in major] == [3, 2, 1, 1, 3, 1, 1, 1, 1]
    assert "131,300.00" in major[0][4][1] and "80,150.00" in major[4][4][2]
