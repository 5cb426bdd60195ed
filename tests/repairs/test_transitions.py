"""The status flow: every move by every kind of user, allowed or refused, and what a move records."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.blueprints.repairs.models import Action, RepairEvent, RepairRequest, Status
from portal.blueprints.repairs.services import (
    allowed_actions,
    check_move,
    correct_cost,
    move,
    ReportDraft,
    location_value,
    report_fault,
    total_cost,
)
from portal.db import db
from portal.models import AuditLog, Role, User
from portal.rules import RuleViolation
from tests.repairs.conftest import T0

# The flow as the issue states it, written out independently of services.TRANSITIONS:
# (from, action) -> (who may do it, to).
EXPECTED_MOVES = {
    (Status.SUBMITTED, Action.ACCEPT): ("property", Status.ACCEPTED),
    (Status.ACCEPTED, Action.START): ("property", Status.IN_PROGRESS),
    (Status.IN_PROGRESS, Action.FINISH): ("property", Status.DONE),
    (Status.IN_PROGRESS, Action.HOLD): ("property", Status.ON_HOLD),
    (Status.ON_HOLD, Action.RESUME): ("property", Status.IN_PROGRESS),
    (Status.DONE, Action.CONFIRM): ("reporter", Status.CONFIRMED),
    (Status.DONE, Action.REOPEN): ("reporter", Status.IN_PROGRESS),
}
MOVE_ACTIONS = {action for _, action in EXPECTED_MOVES}

ROLE_SETS = {
    "employee": {Role.EMPLOYEE},
    "unit_admin": {Role.EMPLOYEE, Role.UNIT_ADMIN},
    "security": {Role.SECURITY},
    "property": {Role.PROPERTY},
    "logistics_admin": {Role.EMPLOYEE, Role.LOGISTICS_ADMIN},
    "sysadmin": {Role.SYSADMIN},
}


def _user(roles: set[Role], user_id: int = 7) -> User:
    user = User(id=user_id, username=f"u{user_id}", display_name="测试")
    user.roles = roles
    return user


@pytest.mark.parametrize("is_reporter", [True, False], ids=["reporter", "not-reporter"])
@pytest.mark.parametrize("role", list(ROLE_SETS))
def test_every_move_by_every_role_from_every_status(role, is_reporter):
    user = _user(ROLE_SETS[role])
    wrong = []
    for status in Status:
        repair = RepairRequest(status=status, reporter_id=user.id if is_reporter else user.id + 1)
        for action in Action:
            expected = EXPECTED_MOVES.get((status, action))
            may = expected is not None and (
                (expected[0] == "property" and Role.PROPERTY in ROLE_SETS[role])
                or (expected[0] == "reporter" and is_reporter)
            )
            try:
                transition = check_move(repair, action, user)
            except RuleViolation as error:
                if may:
                    wrong.append(f"{status} {action}: refused ({error.message}) but allowed")
                    continue
                # The wrong person hears 403; the right person at the wrong moment, 409.
                party_ok = any(
                    act == action and (
                        (who == "property" and Role.PROPERTY in ROLE_SETS[role]) or (who == "reporter" and is_reporter)
                    )
                    for (_, act), (who, _) in EXPECTED_MOVES.items()
                )
                wanted = 403 if action in MOVE_ACTIONS and not party_ok else 409
                if error.status != wanted:
                    wrong.append(f"{status} {action}: answered {error.status}, expected {wanted}")
            else:
                if not may:
                    wrong.append(f"{status} {action}: allowed but must be refused")
                elif transition.target is not expected[1]:
                    wrong.append(f"{status} {action}: goes to {transition.target}, expected {expected[1]}")
            if (action in allowed_actions(repair, user)) != may:
                wrong.append(f"{status} {action}: allowed_actions disagrees")
    assert not wrong, "\n".join(wrong)


def test_a_property_worker_who_reported_the_fault_may_also_confirm_it():
    worker = _user({Role.PROPERTY})
    repair = RepairRequest(status=Status.DONE, reporter_id=worker.id)
    assert allowed_actions(repair, worker) == [Action.CONFIRM, Action.REOPEN]
    repair.status = Status.SUBMITTED
    assert allowed_actions(repair, worker) == [Action.ACCEPT]


def test_refusals_say_why_in_the_users_language(app):
    staff, worker = _user({Role.EMPLOYEE}, 1), _user({Role.PROPERTY}, 2)
    repair = RepairRequest(status=Status.ACCEPTED, reporter_id=staff.id)
    with app.test_request_context(headers={"Cookie": "portal_lang=zh_CN"}):
        with pytest.raises(RuleViolation) as by_reporter:
            check_move(repair, Action.ACCEPT, staff)
        assert str(by_reporter.value.message) == "只有物业公司可以进行此操作。"
        with pytest.raises(RuleViolation) as twice:
            check_move(repair, Action.ACCEPT, worker)
        assert "已受理" in str(twice.value.message) and "已提交" in str(twice.value.message)
        with pytest.raises(RuleViolation) as confirm:
            check_move(repair, Action.CONFIRM, worker)
        assert str(confirm.value.message) == "只有报修人本人可以进行此操作。"


# --- what a move records (database) ---------------------------------------------------------


def test_the_whole_flow_stamps_each_step_and_audits_it(place, make_user, property_user):
    staff = make_user()
    repair = report_fault(
        ReportDraft(location=location_value(place["floors"]["ZL1"].id, place["rooms"]["ZL101"].id), spot=" 东墙 ",
                    category="water", urgency="urgent", description=" 暖气片漏水 ", contact="5001"),
        actor=staff, now=T0,
    )
    db.session.commit()
    times = {action: T0 + timedelta(hours=n) for n, action in enumerate(
        (Action.ACCEPT, Action.START, Action.FINISH, Action.REOPEN, Action.FINISH, Action.CONFIRM), start=1)}
    move(repair, Action.ACCEPT, actor=property_user, now=times[Action.ACCEPT], note="马上到")
    move(repair, Action.START, actor=property_user, now=times[Action.START])
    move(repair, Action.FINISH, actor=property_user, now=T0 + timedelta(hours=3), resolution="更换阀门",
         parts_cost=Decimal("80.00"), labour_cost=Decimal("40.00"))
    move(repair, Action.REOPEN, actor=staff, now=T0 + timedelta(hours=4), note="还在滴水")
    assert repair.status is Status.IN_PROGRESS and repair.done_at is None and repair.reopen_count == 1
    move(repair, Action.FINISH, actor=property_user, now=T0 + timedelta(hours=5), resolution="更换整段水管",
         parts_cost=Decimal("380.50"), labour_cost=Decimal("120.00"))
    move(repair, Action.CONFIRM, actor=staff, now=T0 + timedelta(hours=6))
    db.session.commit()

    repair = db.session.get(RepairRequest, repair.id)
    assert repair.status is Status.CONFIRMED
    assert repair.spot == "东墙" and repair.description == "暖气片漏水"
    assert repair.accepted_at == T0 + timedelta(hours=1) and repair.handler_id == property_user.id
    assert repair.started_at == T0 + timedelta(hours=2)
    assert repair.done_at == T0 + timedelta(hours=5)
    assert repair.confirmed_at == T0 + timedelta(hours=6)
    assert repair.resolution == "更换整段水管"
    # Both visits count (issue 14.5: the second finish no longer overwrites the first's cost).
    assert (repair.parts_cost, repair.labour_cost, repair.total_cost) == (
        Decimal("460.50"), Decimal("160.00"), Decimal("620.50"))

    events = db.session.scalars(select(RepairEvent).where(RepairEvent.request_id == repair.id).order_by(RepairEvent.id)).all()
    assert [(e.action, e.from_status, e.to_status, e.actor_id) for e in events] == [
        (Action.REPORT, None, Status.SUBMITTED, staff.id),
        (Action.ACCEPT, Status.SUBMITTED, Status.ACCEPTED, property_user.id),
        (Action.START, Status.ACCEPTED, Status.IN_PROGRESS, property_user.id),
        (Action.FINISH, Status.IN_PROGRESS, Status.DONE, property_user.id),
        (Action.REOPEN, Status.DONE, Status.IN_PROGRESS, staff.id),
        (Action.FINISH, Status.IN_PROGRESS, Status.DONE, property_user.id),
        (Action.CONFIRM, Status.DONE, Status.CONFIRMED, staff.id),
    ]
    assert events[1].note == "马上到" and events[4].note == "还在滴水"
    assert [e.at for e in events][1:] == [T0 + timedelta(hours=h) for h in range(1, 7)]

    audits = db.session.scalars(
        select(AuditLog).where(AuditLog.object_type == "repair_request", AuditLog.object_id == str(repair.id)).order_by(AuditLog.id)
    ).all()
    assert [a.action for a in audits] == [
        "repair.report", "repair.accept", "repair.start", "repair.finish", "repair.reopen", "repair.finish", "repair.confirm",
    ]
    reopen = audits[4]
    assert reopen.actor_id == staff.id
    assert reopen.before["status"] == "done" and reopen.after["status"] == "in_progress"
    assert audits[3].after["parts_cost"] == "80.00"


def test_reopening_needs_a_reason(make_user, make_repair):
    staff = make_user()
    repair = make_repair(staff, Status.DONE)
    with pytest.raises(RuleViolation) as error:
        move(repair, Action.REOPEN, actor=staff, now=T0 + timedelta(days=1), note="   ")
    assert error.value.status == 422
    assert repair.status is Status.DONE and repair.reopen_count == 0


@pytest.mark.parametrize(
    ("parts", "labour", "resolution"),
    [
        (None, Decimal("10"), "换了"),
        (Decimal("10"), None, "换了"),
        (Decimal("-0.01"), Decimal("10"), "换了"),
        (Decimal("1.234"), Decimal("10"), "换了"),
        (Decimal("NaN"), Decimal("10"), "换了"),
        (Decimal("1000000"), Decimal("10"), "换了"),
        (Decimal("10"), Decimal("10"), "  "),
    ],
)
def test_finishing_needs_what_was_done_and_a_valid_cost(make_user, make_repair, property_user, parts, labour, resolution):
    repair = make_repair(make_user(), Status.IN_PROGRESS)
    events_before = len(repair.events)
    with pytest.raises(RuleViolation) as error:
        move(repair, Action.FINISH, actor=property_user, now=T0 + timedelta(days=1), resolution=resolution,
             parts_cost=parts, labour_cost=labour)
    assert error.value.status == 422
    assert repair.status is Status.IN_PROGRESS and repair.done_at is None and repair.parts_cost is None
    assert len(repair.events) == events_before


def test_zero_costs_are_a_valid_answer(make_user, make_repair, property_user):
    repair = make_repair(make_user(), Status.IN_PROGRESS)
    move(repair, Action.FINISH, actor=property_user, now=T0 + timedelta(days=1), resolution="重启交换机",
         parts_cost=Decimal("0"), labour_cost=Decimal("0.00"))
    assert repair.total_cost == Decimal("0.00") and repair.status is Status.DONE


def test_cost_correction_by_the_property_company_after_the_work(make_user, make_repair, property_user):
    staff = make_user()
    repair = make_repair(staff, Status.DONE, parts=Decimal("100.00"), labour=Decimal("50.00"))
    with pytest.raises(RuleViolation) as not_property:
        correct_cost(repair, actor=staff, now=T0, parts_cost=Decimal("1"), labour_cost=Decimal("1"), note="x")
    assert not_property.value.status == 403
    with pytest.raises(RuleViolation) as no_reason:
        correct_cost(repair, actor=property_user, now=T0, parts_cost=Decimal("1"), labour_cost=Decimal("1"), note=" ")
    assert no_reason.value.status == 422

    correct_cost(repair, actor=property_user, now=T0 + timedelta(days=2), parts_cost=Decimal("135.00"),
                 labour_cost=Decimal("50.00"), note="材料发票到了")
    db.session.commit()
    assert repair.total_cost == Decimal("185.00") and repair.status is Status.DONE
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "repair.correct_cost"))
    assert entry.before == {"parts_cost": "100.00", "labour_cost": "50.00"}
    assert entry.after == {"parts_cost": "135.00", "labour_cost": "50.00"}
    assert repair.events[-1].action is Action.CORRECT_COST and repair.events[-1].note == "材料发票到了"

    open_repair = make_repair(staff, Status.IN_PROGRESS)
    with pytest.raises(RuleViolation) as too_early:
        correct_cost(open_repair, actor=property_user, now=T0, parts_cost=Decimal("1"), labour_cost=Decimal("1"), note="x")
    assert too_early.value.status == 409


@pytest.mark.parametrize("location", ["room-999999", "floor-0", "kitchen-1", "", "room-１"])
def test_a_place_that_does_not_exist_is_refused_on_its_field(place, make_user, location):
    with pytest.raises(RuleViolation) as error:
        report_fault(ReportDraft(location=location, category="water", description="漏水"), actor=make_user(), now=T0)
    assert error.value.field == "location" and error.value.status == 422


def test_total_cost_adds_parts_and_labour_and_counts_missing_as_nothing():
    assert total_cost(Decimal("12.30"), Decimal("7.70")) == Decimal("20.00")
    assert total_cost(None, Decimal("5.00")) == Decimal("5.00")
    assert total_cost(None, None) == Decimal("0.00")


# --- visits: each round of work keeps its own cost (issue 14.5) -----------------------------


def test_a_reopened_repair_keeps_the_cost_of_its_first_visit(make_user, make_repair, property_user):
    """Finished at ¥85.50, corrected to ¥103.50, reopened, finished again with 0 + 30: ¥133.50, not ¥30.00."""
    staff = make_user()
    repair = make_repair(staff, Status.DONE, parts=Decimal("60.50"), labour=Decimal("25.00"))
    assert repair.total_cost == Decimal("85.50")
    correct_cost(repair, actor=property_user, now=T0 + timedelta(days=1), parts_cost=Decimal("78.50"),
                 labour_cost=Decimal("25.00"), note="发票金额")
    assert repair.total_cost == Decimal("103.50")
    move(repair, Action.REOPEN, actor=staff, now=T0 + timedelta(days=2), note="又漏了")
    move(repair, Action.FINISH, actor=property_user, now=T0 + timedelta(days=3), resolution="拧紧接头",
         parts_cost=Decimal("0"), labour_cost=Decimal("30"))
    db.session.commit()

    repair = db.session.get(RepairRequest, repair.id)
    assert [(v.number, v.parts_cost, v.labour_cost) for v in repair.visits] == [
        (1, Decimal("78.50"), Decimal("25.00")), (2, Decimal("0.00"), Decimal("30.00"))]
    assert (repair.parts_cost, repair.labour_cost, repair.total_cost) == (
        Decimal("78.50"), Decimal("55.00"), Decimal("133.50"))
    assert repair.resolution == "拧紧接头"

    # A correction after the second visit changes that visit only.
    correct_cost(repair, actor=property_user, now=T0 + timedelta(days=4), parts_cost=Decimal("5.00"),
                 labour_cost=Decimal("30.00"), note="补了垫圈")
    assert repair.visits[0].total_cost == Decimal("103.50") and repair.total_cost == Decimal("138.50")


def test_the_cost_correction_keeps_the_old_and_new_amounts_as_values(make_user, make_repair, property_user):
    repair = make_repair(make_user(), Status.DONE, parts=Decimal("100.00"), labour=Decimal("50.00"))
    event = correct_cost(repair, actor=property_user, now=T0 + timedelta(days=1), parts_cost=Decimal("135.00"),
                         labour_cost=Decimal("50.00"), note="材料发票到了")
    assert event.details == {"visit": 1, "before": {"parts": "100.00", "labour": "50.00"},
                             "after": {"parts": "135.00", "labour": "50.00"}}


# --- on hold: cannot fix now / waiting for parts (issue 14.6) ------------------------------


def test_work_goes_on_hold_with_a_reason_and_back_to_in_progress(make_user, make_repair, property_user):
    from portal.blueprints.repairs.models import HoldReason

    repair = make_repair(make_user(), Status.IN_PROGRESS)
    with pytest.raises(RuleViolation) as no_reason:
        move(repair, Action.HOLD, actor=property_user, now=T0 + timedelta(days=1))
    assert no_reason.value.field == "hold_reason" and repair.status is Status.IN_PROGRESS
    with pytest.raises(RuleViolation) as other_without_words:
        move(repair, Action.HOLD, actor=property_user, now=T0 + timedelta(days=1), hold_reason="other")
    assert other_without_words.value.field == "note"

    event = move(repair, Action.HOLD, actor=property_user, now=T0 + timedelta(days=1), hold_reason="parts",
                 note="压缩机已订货")
    assert repair.status is Status.ON_HOLD and repair.hold_reason is HoldReason.PARTS and repair.is_open
    assert event.details == {"reason": "parts"} and event.note == "压缩机已订货"
    with pytest.raises(RuleViolation) as finish_on_hold:
        move(repair, Action.FINISH, actor=property_user, now=T0 + timedelta(days=2), resolution="x",
             parts_cost=Decimal("1"), labour_cost=Decimal("1"))
    assert finish_on_hold.value.status == 409

    move(repair, Action.RESUME, actor=property_user, now=T0 + timedelta(days=5))
    assert repair.status is Status.IN_PROGRESS and repair.hold_reason is None
    move(repair, Action.FINISH, actor=property_user, now=T0 + timedelta(days=5, hours=2), resolution="换了压缩机",
         parts_cost=Decimal("800"), labour_cost=Decimal("100"))
    db.session.commit()
    assert repair.status is Status.DONE
    assert [a.action for a in db.session.scalars(select(AuditLog).where(
        AuditLog.object_id == str(repair.id), AuditLog.action.in_(["repair.hold", "repair.resume"])))] == [
        "repair.hold", "repair.resume"]


def test_waiting_time_counts_hours_against_the_clock():
    from datetime import datetime

    from portal.blueprints.repairs.services import Waiting, waiting_time
    from portal.timeutil import LOCAL_TZ

    now = datetime(2026, 12, 2, 10, 0, tzinfo=LOCAL_TZ)
    # Reported yesterday afternoon: 19 hours, not "today".
    assert waiting_time(datetime(2026, 12, 1, 15, 0, tzinfo=LOCAL_TZ), now) == Waiting(0, 19, 0)
    assert waiting_time(datetime(2026, 11, 29, 8, 30, tzinfo=LOCAL_TZ), now) == Waiting(3, 1, 30)
    assert waiting_time(now - timedelta(minutes=5), now) == Waiting(0, 0, 5)
    assert waiting_time(now + timedelta(minutes=5), now) == Waiting(0, 0, 0)


@pytest.mark.parametrize(("a", "b"), [
    ("1号电梯", "一号电梯"), ("1号 电梯", "１号电梯"), ("十二楼男厕", "12楼男厕"), ("二十层茶水间", "20层茶水间"),
    ("East Stairs", "east stairs"),
])
def test_spots_spelled_differently_are_the_same_spot(a, b):
    from portal.blueprints.repairs.services import normalise_spot

    assert normalise_spot(a) == normalise_spot(b)
    assert normalise_spot("1号电梯") != normalise_spot("2号电梯")
