"""Inspections, rectifications and the month's facts, through the services (no HTTP)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from portal.blueprints.notifications.models import Notification
from portal.blueprints.repairs.models import Action as RepairAction
from portal.blueprints.repairs.models import Category, Urgency
from portal.blueprints.repairs.services import ReportDraft, location_value, move, report_fault
from portal.blueprints.supervision import notify
from portal.blueprints.supervision.models import Area, Inspection, Rectification, RectificationStatus
from portal.blueprints.supervision.scoring import Component
from portal.blueprints.supervision.services import (
    InspectionDraft,
    ItemDraft,
    Mark,
    RectificationDraft,
    add_item,
    checklist,
    find_result_photo,
    month_score,
    record_inspection,
    report_done,
    request_rectification,
    review,
    set_item_active,
)
from portal.db import db
from portal.files import StoredFile
from portal.models import Building, Floor, Role
from portal.rules import RuleViolation
from tests.supervision.conftest import T0


def _marks(items, failed=(), notes=None):
    notes = notes or {}
    return {i.id: Mark(passed=i.id not in failed, note=notes.get(i.id, "地面有积水" if i.id in failed else ""))
            for i in items}


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _messages(user, kind):
    return db.session.scalars(
        select(Notification).where(Notification.recipient_id == user.id, Notification.kind == kind).order_by(Notification.id)
    ).all()


def test_an_inspection_scores_the_weights_of_the_passed_items(logistics, cleaning_items):
    first = cleaning_items[0]
    inspection = record_inspection(
        InspectionDraft(Area.CLEANING, "主楼3楼东侧卫生间", "", _marks(cleaning_items, failed={first.id})),
        actor=logistics, now=T0,
    )
    db.session.commit()
    assert (inspection.points, inspection.possible) == (7, 10)
    assert [r.passed for r in inspection.results] == [False, True, True, True]
    assert inspection.failed[0].note == "地面有积水" and inspection.failed[0].text == "大厅地面干净"


@pytest.mark.parametrize("case", ["unmarked", "failed without note", "unknown item", "note too long"])
def test_an_incomplete_inspection_is_refused_and_nothing_is_saved(logistics, cleaning_items, case):
    marks = _marks(cleaning_items)
    target = cleaning_items[1].id
    if case == "unmarked":
        marks[target] = Mark(passed=None)
    elif case == "failed without note":
        marks[target] = Mark(passed=False, note="  ")
    elif case == "unknown item":
        marks[999_999] = Mark(passed=True)
    else:
        marks[target] = Mark(passed=True, note="长" * 301)
    with pytest.raises(RuleViolation) as refused:
        record_inspection(InspectionDraft(Area.CLEANING, "", "", marks), actor=logistics, now=T0)
    db.session.rollback()
    assert _count(Inspection) == 0
    if case in ("unmarked", "failed without note"):
        assert refused.value.field in (f"item_{target}", f"note_{target}")


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def test_a_photo_is_kept_with_its_item(logistics, cleaning_items):
    first, second = cleaning_items[0], cleaning_items[1]
    marks = _marks(cleaning_items, failed={first.id})
    marks[first.id] = Mark(passed=False, note="地面有积水", photo=(PNG, "积水.png"))
    inspection = record_inspection(InspectionDraft(Area.CLEANING, "", "", marks), actor=logistics, now=T0)
    db.session.commit()
    photos = {r.item_id: r.photo for r in inspection.results}
    assert photos[first.id].name == "积水.png" and photos[first.id].mimetype == "image/png"
    assert photos[first.id].uploaded_by == logistics and photos[first.id].uploaded_at == T0
    assert photos[second.id] is None
    assert find_result_photo(inspection.failed[0].id) == photos[first.id]
    assert find_result_photo(inspection.results[1].id) is None


@pytest.mark.parametrize("case", ["not an image", "failed without note"])
def test_a_refused_inspection_keeps_no_photo(logistics, cleaning_items, case):
    target = cleaning_items[1].id
    marks = _marks(cleaning_items)
    marks[cleaning_items[0].id] = Mark(passed=True, photo=(PNG, "好.png"))
    if case == "not an image":
        marks[target] = Mark(passed=True, photo=(PDF, "报告.pdf"))
    else:
        marks[target] = Mark(passed=False, note="", photo=(PNG, "坏.png"))
    with pytest.raises(RuleViolation) as refused:
        record_inspection(InspectionDraft(Area.CLEANING, "", "", marks), actor=logistics, now=T0)
    db.session.rollback()
    assert refused.value.field == (f"photo_{target}" if case == "not an image" else f"note_{target}")
    assert _count(Inspection) == 0 and _count(StoredFile) == 0


def test_only_the_logistics_center_inspects(property_user, cleaning_items):
    with pytest.raises(RuleViolation) as refused:
        record_inspection(InspectionDraft(Area.CLEANING, "", "", _marks(cleaning_items)), actor=property_user, now=T0)
    assert refused.value.status == 403


def test_a_changed_checklist_does_not_change_past_inspections(logistics, cleaning_items):
    inspection = record_inspection(InspectionDraft(Area.CLEANING, "", "", _marks(cleaning_items)), actor=logistics, now=T0)
    set_item_active(cleaning_items[0], False, actor=logistics, now=T0)
    add_item(ItemDraft(Area.CLEANING, "电梯轿厢干净", 5), actor=logistics, now=T0)
    db.session.commit()
    assert [i.text for i in checklist(Area.CLEANING)] == ["卫生间无异味", "服务大厅台面整洁", "垃圾按时清运", "电梯轿厢干净"]
    db.session.refresh(inspection)
    assert (inspection.points, inspection.possible, len(inspection.results)) == (10, 10, 4)


@pytest.mark.parametrize("weight", [0, 11, None])
def test_a_weight_is_from_1_to_10(logistics, weight):
    with pytest.raises(RuleViolation) as refused:
        add_item(ItemDraft(Area.GREENING, "草坪修剪整齐", weight), actor=logistics, now=T0)
    assert refused.value.field == "weight"


def test_a_rectification_goes_to_the_property_company_and_back(logistics, property_user, clock):
    now = clock(2026, 11, 10, 9, 0)
    item = request_rectification(
        RectificationDraft(Area.SECURITY, "北门岗人员离岗，请加强管理。", date(2026, 11, 12)), actor=logistics, now=now,
    )
    db.session.commit()
    [todo] = _messages(property_user, notify.REQUESTED)
    assert todo.todo and todo.done_at is None

    with pytest.raises(RuleViolation) as refused:
        report_done(item, "已整改", actor=logistics, now=now)
    assert refused.value.status == 403
    with pytest.raises(RuleViolation):
        report_done(item, "  ", actor=property_user, now=now)

    report_done(item, "已对门岗人员批评教育，增设换岗登记。", actor=property_user, now=now + timedelta(days=1))
    db.session.commit()
    assert item.status is RectificationStatus.REPORTED
    assert _messages(property_user, notify.REQUESTED)[0].done_at is not None
    [verify] = _messages(logistics, notify.REPORTED)
    assert verify.done_at is None

    with pytest.raises(RuleViolation) as refused:
        review(item, False, "", actor=logistics, now=now)
    assert refused.value.field == "note"
    review(item, False, "换岗登记表未见张贴。", actor=logistics, now=now + timedelta(days=1, hours=2))
    db.session.commit()
    assert item.status is RectificationStatus.OPEN and item.returned_count == 1
    assert _messages(logistics, notify.REPORTED)[0].done_at is not None
    [returned] = _messages(property_user, notify.RETURNED)
    assert returned.done_at is None

    report_done(item, "登记表已张贴于门岗。", actor=property_user, now=now + timedelta(days=2))
    review(item, True, "复查合格。", actor=logistics, now=now + timedelta(days=2, hours=1))
    db.session.commit()
    assert item.status is RectificationStatus.CLOSED and item.on_time is True
    assert _messages(property_user, notify.RETURNED)[0].done_at is not None
    assert _messages(property_user, notify.CLOSED)


def test_reviewing_twice_is_refused(logistics, property_user):
    item = request_rectification(RectificationDraft(Area.CLEANING, "卫生间有异味", T0.date()), actor=logistics, now=T0)
    with pytest.raises(RuleViolation) as refused:
        review(item, True, "", actor=logistics, now=T0)
    assert refused.value.status == 409


@pytest.mark.parametrize("deadline, message", [
    (date(2026, 11, 9), "past"), (None, "deadline"), (date(2027, 6, 1), "180"),
])
def test_a_deadline_in_the_past_or_too_far_is_refused(logistics, property_user, deadline, message):
    with pytest.raises(RuleViolation) as refused:
        request_rectification(RectificationDraft(Area.CLEANING, "卫生间有异味", deadline), actor=logistics, now=T0)
    with force_locale("en"):
        assert refused.value.field == "deadline" and message in str(refused.value)
    db.session.rollback()
    assert _count(Rectification) == 0


def test_a_deadline_of_today_is_accepted(logistics, property_user):
    item = request_rectification(RectificationDraft(Area.CLEANING, "卫生间有异味", T0.date()), actor=logistics, now=T0)
    assert item.deadline == T0.date()


def test_an_overdue_rectification_is_reported_once(logistics, property_user):
    request_rectification(RectificationDraft(Area.GREENING, "草坪枯黄", T0.date()), actor=logistics, now=T0)
    db.session.commit()
    later = T0 + timedelta(days=2)
    assert notify.remind_overdue(now=later) == 1
    assert notify.remind_overdue(now=later + timedelta(days=1)) == 0
    db.session.commit()
    assert len(_messages(property_user, notify.OVERDUE)) == 1
    assert len(_messages(logistics, notify.OVERDUE)) == 1


def test_the_month_score_reads_inspections_rectifications_and_repairs(logistics, property_user, cleaning_items, make_user):
    # Inspection: 7 of 10 → 70.0
    record_inspection(InspectionDraft(Area.CLEANING, "", "", _marks(cleaning_items, failed={cleaning_items[0].id})),
                      actor=logistics, now=T0)
    # Rectification due 11-12, reported 11-11 and closed: on time → 100.0
    item = request_rectification(RectificationDraft(Area.CLEANING, "大厅地面积水", date(2026, 11, 12)), actor=logistics, now=T0)
    report_done(item, "已拖干并加放防滑垫", actor=property_user, now=T0 + timedelta(days=1))
    review(item, True, "", actor=logistics, now=T0 + timedelta(days=1, hours=1))
    # Two repairs: one accepted in 30 minutes and done in a day, one accepted after 5 hours, never done
    building = Building(code="ZL", name="主楼")
    floor = Floor(building=building, level=1, label="1楼")
    db.session.add(building)
    db.session.flush()
    reporter = make_user(roles=[Role.EMPLOYEE])
    fixer = make_user(roles=[Role.PROPERTY])
    for offset, accept_after, finish_after in ((0, timedelta(minutes=30), timedelta(days=1)), (1, timedelta(hours=5), None)):
        at = T0 + timedelta(days=offset)
        repair = report_fault(ReportDraft(location=location_value(floor.id, None), category=Category.WATER,
                                          urgency=Urgency.NORMAL, description="洗手池漏水"), actor=reporter, now=at)
        move(repair, RepairAction.ACCEPT, actor=fixer, now=at + accept_after)
        if finish_after:
            move(repair, RepairAction.START, actor=fixer, now=at + accept_after)
            move(repair, RepairAction.FINISH, actor=fixer, now=at + finish_after, resolution="更换软管",
                 parts_cost=Decimal("20.00"), labour_cost=Decimal("0.00"))
    db.session.commit()

    score = month_score(2026, 11, now=T0 + timedelta(days=20))
    c = score.components
    assert c[Component.INSPECTIONS].value == Decimal("70.0")
    assert c[Component.RECTIFICATION].value == Decimal("100.0")
    assert c[Component.RESPONSE].value == Decimal("50.0")
    assert c[Component.FIX].value == Decimal("50.0")  # the second is past its 3 days and not done
    # No survey answers: (40 × 70 + 20 × 100 + 10 × 50 + 10 × 50) / 80 = 5800 / 80 = 72.5
    assert score.total == Decimal("72.5")
    # October had none of it
    assert month_score(2026, 10, now=T0).total is None


def test_the_request_reaches_only_the_property_company_and_names_nobody(logistics, property_user):
    request_rectification(RectificationDraft(Area.MEETING, "投影仪未调试", T0.date()), actor=logistics, now=T0)
    db.session.commit()
    messages = db.session.scalars(select(Notification).where(Notification.kind == notify.REQUESTED)).all()
    assert [m.recipient_id for m in messages] == [property_user.id]
    assert logistics.display_name not in str(messages[0].args)
