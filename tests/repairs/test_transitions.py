"""The status flow: every move by every kind of user, allowed or refused, and what a move records."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.blueprints.repairs.models import Action, RepairEvent, RepairRequest, Status
from portal.blueprints.repairs.services import (
    TransitionError,
    allowed_actions,
    check_move,
    correct_cost,
    move,
    report_fault,
    total_cost,
)
from portal.db import db
from portal.models import AuditLog, Role, User
from tests.repairs.conftest import T0

# The flow as the issue states it, written out independently of services.TRANSITIONS:
# (from, action) -> (who may do it, to).
EXPECTED_MOVES = {
    (Status.SUBMITTED, Action.ACCEPT): ("property", Status.ACCEPTED),
    (Status.ACCEPTED, Action.START): ("property", Status.IN_PROGRESS),
    (Status.IN_PROGRESS, Action.FINISH): ("property", Status.DONE),
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
            except TransitionError as error:
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
        with pytest.raises(TransitionError) as by_reporter:
            check_move(repair, Action.ACCEPT, staff)
        assert str(by_reporter.value.message) == "只有物业公司可以进行此操作。"
        with pytest.raises(TransitionError) as twice:
            check_move(repair, Action.ACCEPT, worker)
        assert "已受理" in str(twice.value.message) and "已提交" in str(twice.value.message)
        with pytest.raises(TransitionError) as confirm:
            check_move(repair, Action.CONFIRM, worker)
        assert str(confirm.value.message) == "只有报修人本人可以进行此操作。"


# --- what a move records (database) ---------------------------------------------------------


def test_the_whole_flow_stamps_each_step_and_audits_it(place, make_user, property_user):
    staff = make_user()
    repair = report_fault(
        staff, floor=place["floors"]["ZL1"], room=place["rooms"]["ZL101"], spot=" 东墙 ", category="water",
        urgency="urgent", description=" 暖气片漏水 ", contact="5001", at=T0,
    )
    db.session.commit()
    times = {action: T0 + timedelta(hours=n) for n, action in enumerate(
        (Action.ACCEPT, Action.START, Action.FINISH, Action.REOPEN, Action.FINISH, Action.CONFIRM), start=1)}
    move(repair, Action.ACCEPT, property_user, times[Action.ACCEPT], note="马上到")
    move(repair, Action.START, property_user, times[Action.START])
    move(repair, Action.FINISH, property_user, T0 + timedelta(hours=3), resolution="更换阀门",
         parts_cost=Decimal("80.00"), labour_cost=Decimal("40.00"))
    move(repair, Action.REOPEN, staff, T0 + timedelta(hours=4), note="还在滴水")
    assert repair.status is Status.IN_PROGRESS and repair.done_at is None and repair.reopen_count == 1
    move(repair, Action.FINISH, property_user, T0 + timedelta(hours=5), resolution="更换整段水管",
         parts_cost=Decimal("380.50"), labour_cost=Decimal("120.00"))
    move(repair, Action.CONFIRM, staff, T0 + timedelta(hours=6))
    db.session.commit()

    repair = db.session.get(RepairRequest, repair.id)
    assert repair.status is Status.CONFIRMED
    assert repair.spot == "东墙" and repair.description == "暖气片漏水"
    assert repair.accepted_at == T0 + timedelta(hours=1) and repair.handler_id == property_user.id
    assert repair.started_at == T0 + timedelta(hours=2)
    assert repair.done_at == T0 + timedelta(hours=5)
    assert repair.confirmed_at == T0 + timedelta(hours=6)
    assert repair.resolution == "更换整段水管"
    assert (repair.parts_cost, repair.labour_cost, repair.total_cost) == (
        Decimal("380.50"), Decimal("120.00"), Decimal("500.50"))

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
    with pytest.raises(TransitionError) as error:
        move(repair, Action.REOPEN, staff, T0 + timedelta(days=1), note="   ")
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
    with pytest.raises(TransitionError) as error:
        move(repair, Action.FINISH, property_user, T0 + timedelta(days=1), resolution=resolution,
             parts_cost=parts, labour_cost=labour)
    assert error.value.status == 422
    assert repair.status is Status.IN_PROGRESS and repair.done_at is None and repair.parts_cost is None
    assert len(repair.events) == events_before


def test_zero_costs_are_a_valid_answer(make_user, make_repair, property_user):
    repair = make_repair(make_user(), Status.IN_PROGRESS)
    move(repair, Action.FINISH, property_user, T0 + timedelta(days=1), resolution="重启交换机",
         parts_cost=Decimal("0"), labour_cost=Decimal("0.00"))
    assert repair.total_cost == Decimal("0.00") and repair.status is Status.DONE


def test_cost_correction_by_the_property_company_after_the_work(make_user, make_repair, property_user):
    staff = make_user()
    repair = make_repair(staff, Status.DONE, parts=Decimal("100.00"), labour=Decimal("50.00"))
    with pytest.raises(TransitionError) as not_property:
        correct_cost(repair, staff, T0, parts_cost=Decimal("1"), labour_cost=Decimal("1"), note="x")
    assert not_property.value.status == 403
    with pytest.raises(TransitionError) as no_reason:
        correct_cost(repair, property_user, T0, parts_cost=Decimal("1"), labour_cost=Decimal("1"), note=" ")
    assert no_reason.value.status == 422

    correct_cost(repair, property_user, T0 + timedelta(days=2), parts_cost=Decimal("135.00"),
                 labour_cost=Decimal("50.00"), note="材料发票到了")
    db.session.commit()
    assert repair.total_cost == Decimal("185.00") and repair.status is Status.DONE
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "repair.correct_cost"))
    assert entry.before == {"parts_cost": "100.00", "labour_cost": "50.00"}
    assert entry.after == {"parts_cost": "135.00", "labour_cost": "50.00"}
    assert repair.events[-1].action is Action.CORRECT_COST and repair.events[-1].note == "材料发票到了"

    open_repair = make_repair(staff, Status.IN_PROGRESS)
    with pytest.raises(TransitionError) as too_early:
        correct_cost(open_repair, property_user, T0, parts_cost=Decimal("1"), labour_cost=Decimal("1"), note="x")
    assert too_early.value.status == 409


def test_a_room_must_be_on_the_floor_given(place, make_user):
    with pytest.raises(ValueError):
        report_fault(make_user(), floor=place["floors"]["ZL2"], room=place["rooms"]["ZL101"], spot="",
                     category="water", urgency="normal", description="漏水", contact="", at=T0)


def test_total_cost_adds_parts_and_labour_and_counts_missing_as_nothing():
    assert total_cost(Decimal("12.30"), Decimal("7.70")) == Decimal("20.00")
    assert total_cost(None, Decimal("5.00")) == Decimal("5.00")
    assert total_cost(None, None) == Decimal("0.00")
