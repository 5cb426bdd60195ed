"""Bulk data for the 10-year dataset, one generator per capability.

Each takes a seeded ``random.Random``, inserts with Core ``insert()`` in
batches (the ORM would take minutes for a million rows) and returns the number
of rows it added.
"""

from __future__ import annotations

import random
from datetime import time, timedelta

from sqlalchemy import func, insert, select

from portal import timeutil
from portal.db import db
from portal.blueprints.visitors.models import VisitorEntry
from portal.models import Unit, User
from portal.pinyin import full_pinyin

BATCH = 5000


def _insert(table, rows: list[dict]) -> None:
    for start in range(0, len(rows), BATCH):
        db.session.execute(insert(table), rows[start : start + BATCH])


def staff(rng: random.Random) -> int:
    """Thousands of staff entries (directory search has to stay fast)."""
    from portal.demo import GIVEN, SURNAMES

    units = db.session.scalars(select(Unit.id)).all()
    taken = set(db.session.scalars(select(User.username)))
    now = timeutil.now()
    rows = []
    for n in range(3000):
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        username = f"{full_pinyin(name)}{n}"
        if username in taken:
            continue
        rows.append(
            {"username": username, "display_name": name, "unit_id": rng.choice(units), "title": "科员",
             "phone_ext": str(rng.randrange(5000, 5999)), "password_hash": "", "active": True,
             "created_at": now}
        )
    _insert(User.__table__, rows)
    return len(rows)


SERVICE_ACTIONS = ("申请", "办理", "变更", "注销", "补办", "备案", "审核", "查询", "认定", "登记", "换领", "年检")
SERVICE_OBJECTS = (
    "社会保障卡", "城乡居民养老保险", "失业保险金", "就业登记", "营业执照", "食品经营许可", "建设工程规划许可", "不动产权证",
    "婚姻登记", "最低生活保障", "残疾人证", "医疗救助", "道路运输证", "取水许可", "林木采伐许可", "个体工商户", "农村宅基地",
    "退役军人优待证", "高龄津贴", "临时救助", "出生医学证明", "户籍迁移", "居住证", "特种设备使用", "排污许可", "档案查阅",
)


def services(rng: random.Random) -> int:
    """Thousands of guide services (事项) across the units: the guide and search stay fast."""
    from portal.blueprints.guide.models import GuideItem
    from portal.blueprints.guide.services import CATEGORY_ORDER

    units = db.session.scalars(select(Unit.id)).all()
    taken = set(db.session.execute(select(GuideItem.unit_id, GuideItem.name)).all())
    now = timeutil.now()
    rows = []
    for n in range(3000):
        unit_id = rng.choice(units)
        name = f"{rng.choice(SERVICE_OBJECTS)}{rng.choice(SERVICE_ACTIONS)}（{n}）"
        if (unit_id, name) in taken:
            continue
        taken.add((unit_id, name))
        rows.append({
            "name": name, "category": rng.choice(CATEGORY_ORDER), "unit_id": unit_id, "window": f"{rng.randrange(1, 20)}号窗口",
            "materials": ["居民身份证原件", "申请表"], "steps": ["提交材料", "受理审核", "办结"], "hours": "", "fee": None,
            "fee_note": "", "legal_days": 20, "promised_days": rng.choice((0, 3, 5, 10)), "phone": "", "notes": "",
            "keywords": "", "created_at": now, "updated_at": now,
        })
    _insert(GuideItem.__table__, rows)
    return len(rows)


MEETING_TITLES = ("党组会", "局务会", "专题学习会", "工作调度会", "项目评审会", "业务培训", "座谈会", "视频会议", "接待来访", "审计进点会")


def bookings(rng: random.Random) -> int:
    """Ten years of meetings before today: ~2 a day in each of the 22 rooms."""
    from portal.blueprints.rooms.models import Booking, BookingStatus
    from portal.models import Room, RoomKind

    rooms = db.session.execute(
        select(Room.id, Room.capacity).where(Room.kind.in_([RoomKind.MEETING, RoomKind.VIP_RECEPTION]))
    ).all()
    units = db.session.scalars(select(Unit.id)).all()
    requesters = db.session.scalars(select(User.id).limit(500)).all()
    first_day = timeutil.today() - timedelta(days=3652)
    rows: list[dict] = []
    total = 0
    for offset in range(3650):
        day = first_day + timedelta(days=offset)
        if day.weekday() >= 5:
            continue
        for room_id, capacity in rooms:
            hour = 8
            while True:
                hour += rng.choice((0, 1, 1, 2, 3))
                length = rng.choice((1, 1, 2, 2, 3))
                if hour + length > 21 or rng.random() < 0.18:
                    break
                start = timeutil.local(day, time(hour, rng.choice((0, 30))))
                rows.append({
                    "room_id": room_id, "requester_id": rng.choice(requesters), "unit_id": rng.choice(units),
                    "start_at": start, "end_at": start + timedelta(hours=length),
                    "title": rng.choice(MEETING_TITLES), "is_public": rng.random() < 0.8,
                    "contact_name": "", "contact_phone": "", "attendees": max(1, min(capacity or 10, rng.randint(5, 40))),
                    "status": BookingStatus.APPROVED if rng.random() < 0.93 else BookingStatus.CANCELLED,
                    "approval_reason": "", "decision_reason": "", "tea_count": rng.choice((0, 0, 10, 20)),
                    "needs_audio": rng.random() < 0.3, "needs_projector": rng.random() < 0.4, "banner_text": "",
                    "name_cards": "", "welcome_text": "", "notes": "", "created_at": start - timedelta(days=3),
                    "updated_at": start - timedelta(days=3),
                })
                hour += length
            if len(rows) >= BATCH:
                _insert(Booking.__table__, rows)
                total += len(rows)
                rows = []
    _insert(Booking.__table__, rows)
    return total + len(rows)


def visitor_entries(rng: random.Random) -> int:
    """A million visits over ten years, and 300 nobody checked out."""
    from benchmarks.visitors_on_site import load

    before = db.session.scalar(select(func.count()).select_from(VisitorEntry))
    load(1_000_000, stale=300)
    return db.session.scalar(select(func.count()).select_from(VisitorEntry)) - before


TEN_YEARS = (staff, services, bookings, visitor_entries)
