"""The half-monthly meeting: its printable pack (anonymity kept), the decisions recorded
against the items, and the decisions shown on the items afterwards."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from portal.blueprints.feedback.models import Status as FeedbackStatus
from portal.blueprints.feedback.services import FeedbackDraft, submit
from portal.blueprints.supervision.meetings import DecisionDraft, MeetingDraft, pack, record_meeting
from portal.blueprints.supervision.models import (
    Area,
    Meeting,
    MeetingDecision,
    MeetingItem,
    Rectification,
    RectificationStatus,
)
from portal.db import db
from portal.models import Role
from portal.rules import RuleViolation
from portal.timeutil import LOCAL_TZ

NOW = datetime(2026, 11, 16, 9, 0, tzinfo=LOCAL_TZ)


@pytest.fixture
def items(app, make_user, logistics):
    """Two open feedback (one named, one anonymous), one answered; a rectification overdue, one closed."""
    sender = make_user(roles=[Role.EMPLOYEE], username="zhangsan", display_name="人社局 张三")
    named, _code = submit(FeedbackDraft("complaint", "cleaning", "三楼卫生间经常没有纸巾。", False), actor=sender,
                          now=datetime(2026, 11, 3, 10, 0, tzinfo=LOCAL_TZ))
    anonymous, _code = submit(FeedbackDraft("suggestion", "security", "晚上北门保安经常不在岗。", True), actor=sender,
                              now=datetime(2026, 11, 4, 10, 0, tzinfo=LOCAL_TZ))
    answered, _code = submit(FeedbackDraft("praise", "greening", "绿化修剪得很好。", False), actor=sender,
                             now=datetime(2026, 11, 5, 10, 0, tzinfo=LOCAL_TZ))
    answered.status = FeedbackStatus.ANSWERED
    overdue = Rectification(area=Area.CLEANING, description="卫生间纸巾补充", deadline=date(2026, 11, 10),
                            status=RectificationStatus.OPEN, created_by=logistics, reply="", review_note="",
                            returned_count=0, created_at=datetime(2026, 11, 7, tzinfo=LOCAL_TZ))
    closed = Rectification(area=Area.GREENING, description="草坪修剪", deadline=date(2026, 11, 10),
                           status=RectificationStatus.CLOSED, created_by=logistics, reply="已修剪", review_note="",
                           returned_count=0, created_at=datetime(2026, 11, 7, tzinfo=LOCAL_TZ))
    db.session.add_all([overdue, closed])
    db.session.commit()
    return {"named": named, "anonymous": anonymous, "answered": answered, "overdue": overdue, "closed": closed}


def test_the_pack_holds_what_is_open_and_names_a_sender_only_to_logistics(items, logistics, property_user):
    for_logistics = pack(date(2026, 11, 16), viewer=logistics, now=NOW)
    assert [f.id for f in for_logistics.feedback] == [items["named"].id, items["anonymous"].id]
    assert [f.sender for f in for_logistics.feedback] == ["人社局 张三", None]  # anonymous: no one to name
    assert [r.id for r in for_logistics.rectifications] == [items["overdue"].id]
    assert for_logistics.overdue(items["overdue"])
    for_property = pack(date(2026, 11, 16), viewer=property_user, now=NOW)
    assert [f.sender for f in for_property.feedback] == [None, None]


def test_scores_run_from_the_last_meetings_month(items, logistics):
    db.session.add(Meeting(held_on=date(2026, 10, 30), attendees="李主任", created_at=NOW))
    db.session.commit()
    found = pack(date(2026, 11, 16), viewer=logistics, now=NOW)
    assert found.previous.held_on == date(2026, 10, 30)
    assert [(m.year, m.month) for m in found.scores] == [(2026, 10), (2026, 11)]
    assert [(m.year, m.month) for m in pack(date(2026, 10, 20), viewer=logistics, now=NOW).scores] == [(2026, 10)]


def test_logistics_records_the_meeting_with_decisions_shown_on_the_items(items, logistics):
    draft = MeetingDraft(date(2026, 11, 16), "后勤中心 李主任；富航物业 张经理", {
        (MeetingItem.SUGGESTION, items["anonymous"].id): DecisionDraft("夜间门岗增加一人，物业每周报告在岗情况。", "富航物业 张经理",
                                                                      date(2026, 11, 30)),
        (MeetingItem.RECTIFICATION, items["overdue"].id): DecisionDraft("本周五前补齐。"),
        (MeetingItem.SUGGESTION, items["named"].id): DecisionDraft(""),  # not discussed
    })
    meeting = record_meeting(draft, actor=logistics, now=NOW)
    db.session.commit()
    assert sorted((d.item_kind, d.item_id, d.owner) for d in meeting.decisions) == [
        (MeetingItem.RECTIFICATION, items["overdue"].id, ""),
        (MeetingItem.SUGGESTION, items["anonymous"].id, "富航物业 张经理")]
    later = pack(date(2026, 12, 1), viewer=logistics, now=NOW)
    assert [d.text for d in later.decisions[(MeetingItem.SUGGESTION, items["anonymous"].id)]] == \
        ["夜间门岗增加一人，物业每周报告在岗情况。"]


@pytest.mark.parametrize(("change", "field"), [
    ({"held_on": None}, "held_on"),
    ({"held_on": date(2026, 11, 17)}, "held_on"),  # still to come
    ({"attendees": "  "}, "attendees"),
    ({"decision": DecisionDraft("", "张经理")}, "decision_r_{id}"),
    ({"decision": DecisionDraft("补齐", deadline=date(2026, 11, 15))}, "deadline_r_{id}"),  # before the meeting
    ({"decision": DecisionDraft("补齐", "张" * 81)}, "owner_r_{id}"),
])
def test_a_bad_meeting_is_refused_on_its_field_and_nothing_is_saved(items, logistics, change, field):
    key = (MeetingItem.RECTIFICATION, items["overdue"].id)
    draft = MeetingDraft(change.get("held_on", date(2026, 11, 16)), change.get("attendees", "李主任"), {key: change.get("decision", DecisionDraft("补齐"))})
    with pytest.raises(RuleViolation) as refused:
        record_meeting(draft, actor=logistics, now=NOW)
    assert refused.value.field == field.format(id=items["overdue"].id)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Meeting)) == 0


def test_only_logistics_records_a_meeting(items, property_user):
    with pytest.raises(RuleViolation) as refused:
        record_meeting(MeetingDraft(date(2026, 11, 16), "张经理", {}), actor=property_user, now=NOW)
    assert refused.value.status == 403


def test_the_printable_pack_and_the_recorded_decisions_on_the_pages(client, auth, clock, items, logistics, property_user):
    clock(2026, 11, 16, 9, 0)
    auth.login_as(property_user)
    page = client.get("/supervision/meetings/pack?date=2026-11-16")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "晚上北门保安经常不在岗" in html and "三楼卫生间经常没有纸巾" in html
    assert "人社局 张三" not in html  # the property company sees no sender, named or not
    assert "绿化修剪得很好" not in html and "草坪修剪" not in html  # answered and closed items are not in it
    assert "/supervision/meetings/new" not in html
    assert client.get("/supervision/meetings/new").status_code == 403

    auth.login_as(logistics)
    html = client.get("/supervision/meetings/pack?date=2026-11-16").get_data(as_text=True)
    assert "人社局 张三" in html and 'class="no-print"' in html
    anonymous, overdue = items["anonymous"].id, items["overdue"].id
    response = client.post("/supervision/meetings/new?date=2026-11-16", data={
        "held_on": "2026-11-16", "attendees": "后勤中心 李主任；富航物业 张经理",
        f"decision_s_{anonymous}": "夜间门岗增加一人。", f"owner_s_{anonymous}": "富航物业 张经理",
        f"deadline_s_{anonymous}": "2026-11-30", f"decision_r_{overdue}": "本周五前补齐。",
    })
    assert response.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(MeetingDecision)) == 2
    meeting_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "夜间门岗增加一人。" in meeting_page and "本周五前补齐。" in meeting_page
    assert "本周五前补齐。" in client.get(f"/supervision/rectifications/{overdue}").get_data(as_text=True)
    assert "夜间门岗增加一人。" in client.get(f"/feedback/{anonymous}").get_data(as_text=True)


def test_a_refused_meeting_keeps_what_was_typed(client, auth, clock, items, logistics):
    clock(2026, 11, 16, 9, 0)
    auth.login_as(logistics)
    overdue = items["overdue"].id
    response = client.post("/supervision/meetings/new?date=2026-11-16", data={
        "held_on": "2026-11-16", "attendees": "", f"decision_r_{overdue}": "本周五前补齐。"})
    assert response.status_code == 422
    assert "本周五前补齐。" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Meeting)) == 0
