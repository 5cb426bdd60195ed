"""Staff feedback: anonymity that is real, triage and answers by logistics, events to a named sender."""

from __future__ import annotations

from sqlalchemy import select

from portal import timeutil
from portal.models import AuditLog
from portal.blueprints.feedback import notify
from portal.blueprints.feedback.models import Feedback, Kind, Status, Topic
from portal.blueprints.feedback.services import FeedbackDraft, answer, submit, take_in_hand
from portal.blueprints.notifications.models import Notification
from portal.db import db
from portal.models import Role

import pytest

from portal.rules import RuleViolation


@pytest.fixture
def logistics(make_user):
    return make_user(roles=[Role.LOGISTICS_ADMIN, Role.EMPLOYEE], username="houqin", display_name="后勤中心 李主任")


@pytest.fixture
def staff(make_user):
    return make_user(roles=[Role.EMPLOYEE], username="kuaiji", display_name="财政局 王会计")


def _kinds(user):
    return [m.kind for m in db.session.scalars(select(Notification).where(Notification.recipient_id == user.id))]


def test_anonymous_feedback_stores_no_account_anywhere(staff, logistics):
    item, code = submit(FeedbackDraft(Kind.COMPLAINT, Topic.SECURITY, "南门岗夜间无人值守", anonymous=True),
                        actor=staff, now=timeutil.now())
    db.session.commit()
    assert item.sender_id is None and item.anonymous
    assert code not in item.receipt_hash and len(code) == 12
    entries = db.session.scalars(select(AuditLog).where(AuditLog.object_id == str(item.id))).all()
    assert entries and all(e.actor_id is None for e in entries)
    row = db.session.execute(select(Feedback.__table__)).one()._asdict()
    assert row["sender_id"] is None
    assert staff.id not in [v for k, v in row.items() if k != "id" and type(v) is int]
    assert "王会计" not in str(row)


def test_named_feedback_is_triaged_and_answered_and_the_sender_hears_of_it(staff, logistics):
    item, _code = submit(FeedbackDraft(Kind.SUGGESTION, Topic.OTHER, "建议走廊照明改为声控", anonymous=False),
                         actor=staff, now=timeutil.now())
    db.session.commit()
    assert item.sender_id == staff.id
    [todo] = db.session.scalars(select(Notification).where(Notification.recipient_id == logistics.id)).all()
    assert todo.kind == notify.RECEIVED and todo.done_at is None

    with pytest.raises(RuleViolation) as refused:
        take_in_hand(item, "", None, actor=staff, now=timeutil.now())
    assert refused.value.status == 403
    take_in_hand(item, "已转物业公司", Topic.UTILITIES, actor=logistics, now=timeutil.now())
    with pytest.raises(RuleViolation):
        take_in_hand(item, "", None, actor=logistics, now=timeutil.now())
    with pytest.raises(RuleViolation) as refused:
        answer(item, "  ", True, actor=logistics, now=timeutil.now())
    assert refused.value.field == "answer"
    answer(item, "已列入节能改造计划。", True, actor=logistics, now=timeutil.now())
    db.session.commit()
    assert item.topic is Topic.UTILITIES and item.status is Status.ANSWERED and item.published
    assert _kinds(staff) == [notify.IN_HAND, notify.ANSWERED]
    db.session.refresh(todo)
    assert todo.done_at is not None


@pytest.mark.parametrize("draft, field", [
    (FeedbackDraft("bogus", Topic.OTHER, "一些意见", False), "kind"),
    (FeedbackDraft(Kind.PRAISE, "bogus", "一些意见", False), "topic"),
    (FeedbackDraft(Kind.PRAISE, Topic.OTHER, " 好 ", False), "text"),
    (FeedbackDraft(Kind.PRAISE, Topic.OTHER, "长" * 2001, False), "text"),
])
def test_bad_feedback_is_refused_and_nothing_is_saved(staff, draft, field):
    with pytest.raises(RuleViolation) as refused:
        submit(draft, actor=staff, now=timeutil.now())
    assert refused.value.field == field
    db.session.rollback()
    assert db.session.scalar(select(Feedback.id)) is None


def test_the_anonymous_sender_follows_it_by_receipt_code_only(client, auth, staff, logistics):
    auth.login_as(staff)
    response = client.post("/feedback/new", data={"kind": "complaint", "topic": "cleaning", "anonymous": "y",
                                                  "text": "四楼卫生间没有洗手液"})
    assert response.status_code == 303 and "code" not in response.headers["Location"]
    item = db.session.scalar(select(Feedback))
    assert item.sender_id is None
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    code = page.split("回执码为 ")[1][:12]
    # Not listed as mine, not reachable by number
    assert "四楼卫生间" not in client.get("/feedback/").get_data(as_text=True)
    assert client.get(f"/feedback/{item.id}").status_code == 403
    # Logistics sees it without a name and answers it
    auth.login_as(logistics)
    detail = client.get(f"/feedback/{item.id}").get_data(as_text=True)
    assert "匿名" in detail and "测试用户" not in detail and staff.display_name not in detail
    assert client.post(f"/feedback/{item.id}/answer", data={"answer": "已要求物业每日补充两次。"}).status_code == 303
    # The sender reads the answer with the code (lower case and spaces forgiven)
    auth.login_as(staff)
    found = client.post("/feedback/receipt", data={"code": " " + code.lower() + " "})
    assert found.status_code == 200 and "已要求物业每日补充两次" in found.get_data(as_text=True)
    assert client.post("/feedback/receipt", data={"code": "AAAAAAAAAAAA"}).status_code == 404
    assert _kinds(staff) == []  # nobody to tell


def test_published_answers_are_read_by_all_staff_without_the_sender(client, auth, staff, logistics, make_user):
    item, _ = submit(FeedbackDraft(Kind.PRAISE, Topic.MEETING, "会务服务周到", anonymous=False), actor=staff,
                     now=timeutil.now())
    answer(item, "已转达物业公司。", True, actor=logistics, now=timeutil.now())
    other, _ = submit(FeedbackDraft(Kind.COMPLAINT, Topic.MEETING, "投影仪坏了", anonymous=False), actor=staff,
                      now=timeutil.now())
    db.session.commit()
    auth.login_as(make_user(roles=[Role.EMPLOYEE]))
    index = client.get("/feedback/").get_data(as_text=True)
    assert "会务服务周到" in index and "投影仪坏了" not in index
    page = client.get(f"/feedback/{item.id}").get_data(as_text=True)
    assert "已转达物业公司" in page and staff.display_name not in page
    assert client.get(f"/feedback/{other.id}").status_code == 403


def test_the_form_refuses_bad_input_with_a_message(client, auth, staff):
    auth.login_as(staff)
    response = client.post("/feedback/new", data={"kind": "complaint", "topic": "", "text": "x"})
    assert response.status_code == 422
    assert "请选择" in response.get_data(as_text=True)
    assert db.session.scalar(select(Feedback.id)) is None


def test_logistics_home_panel_counts_what_waits(client, auth, staff, logistics):
    submit(FeedbackDraft(Kind.SUGGESTION, Topic.OTHER, "食堂菜品单一", anonymous=True), actor=staff, now=timeutil.now())
    db.session.commit()
    auth.login_as(logistics)
    assert "1 条意见建议待答复" in client.get("/").get_data(as_text=True)
