"""Demo feedback: what staff of the building write about its services over a few
weeks, some anonymous, most answered, a few published; one new and one in hand.
Idempotent."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from portal import timeutil
from portal.blueprints.feedback.models import Feedback, Kind, Status, Topic
from portal.blueprints.feedback.services import _hash, new_receipt
from portal.db import db
from portal.models import User

# kind, topic, anonymous, text, answer (empty: not answered), published, days ago
ITEMS = (
    (Kind.COMPLAINT, Topic.CLEANING, True, "主楼4楼男卫生间下午经常没有洗手液，地面也有积水。",
     "已要求物业公司增加下午巡查保洁一次，洗手液改为每日两次补充。", True, 40),
    (Kind.SUGGESTION, Topic.PARKING, False, "建议在北门停车场划出访客临时车位，现在来办事的群众车辆经常占用单位车位。",
     "已在北门停车场东侧划出8个访客临时车位并设置标识。", True, 33),
    (Kind.PRAISE, Topic.MEETING, False, "上周人大常委会会议期间，物业会务人员布置细致、服务周到，特此表扬。",
     "已转达物业公司并在月度考核中予以记录，谢谢您的反馈。", True, 26),
    (Kind.COMPLAINT, Topic.SECURITY, True, "下班后南门岗经常无人，外来人员可以随意进出大楼。",
     "已约谈物业公司安保负责人，南门岗夜间改为双人值守，并下达整改通知。", False, 19),
    (Kind.SUGGESTION, Topic.UTILITIES, False, "建议走廊照明改为声控或定时，晚上很多楼层整夜亮灯。",
     "已列入今年节能改造计划，先在主楼3至5楼试点。", True, 12),
    (Kind.COMPLAINT, Topic.REPAIRS, False, "报修的办公室空调已经一周没有修好，物业说在等配件。", "", False, 4),
    (Kind.SUGGESTION, Topic.GREENING, True, "主楼前广场绿化带里烟头较多，建议设置吸烟区。", "", False, 1),
)


def seed_demo() -> None:
    if db.session.scalar(select(func.count()).select_from(Feedback)):
        return
    staff = db.session.scalar(select(User).where(User.username == "staff"))
    logistics = db.session.scalar(select(User).where(User.username == "logistics"))
    if staff is None or logistics is None:
        return
    now = timeutil.now()
    for n, (kind, topic, anonymous, text, answer, published, days) in enumerate(ITEMS):
        created = now - timedelta(days=days, hours=n)
        item = Feedback(
            kind=kind, topic=topic, text=text, anonymous=anonymous, sender_id=None if anonymous else staff.id,
            receipt_hash=_hash(new_receipt()), created_at=created, status=Status.NEW, handling_note="", answer="",
            published=False,
        )
        if answer:
            item.status, item.answer, item.published = Status.ANSWERED, answer, published
            item.answered_at, item.answered_by_id = created + timedelta(days=2), logistics.id
        elif days > 2:
            item.status, item.handling_note = Status.IN_HAND, "已转物业公司，配件到货后安排维修。"
        db.session.add(item)
    db.session.commit()
