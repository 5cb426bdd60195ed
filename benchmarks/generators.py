"""Bulk data for the 10-year dataset, one generator per capability.

Each takes a seeded ``random.Random``, inserts with Core ``insert()`` in
batches (the ORM would take minutes for a million rows) and returns the number
of rows it added.
"""

from __future__ import annotations

import random
from datetime import date, time, timedelta

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


NOTICE_TITLES = ("关于开展消防安全检查的通知", "关于调整班车时刻的通知", "停水停电通知", "关于节假日值班安排的通知", "机关食堂菜谱调整",
                 "关于开展干部职工体检的通知", "电梯维保停运通知", "关于规范公务用车使用的通知", "网络维护通知", "关于集中学习的通知")
ROOM_NAMES = ("主楼三楼第一会议室", "主楼五楼第二会议室", "附楼一一楼多功能厅", "附楼二二楼小会议室", "贵宾接待室")
PLACES = ("主楼 2楼 205 办公室", "主楼 4楼 男卫生间", "附楼一 1楼 大厅", "附楼三 3楼 302 办公室", "主楼 6楼 走廊")
# What a member of staff hears of in a day: notices to everyone most, their own bookings, repairs and visitors.
NOTIFICATION_KINDS = (  # code, to do, how often, the arguments its text takes
    ("notices.published", False, 8, ("title", "when")), ("rooms.approved", False, 3, ("room", "when")),
    ("visitors.arrived", False, 2, ("time",)), ("repairs.accepted", False, 1, ("place",)),
    ("repairs.finished", True, 1, ("place",)), ("feedback.answered", False, 1, ("number",)),
    ("vehicles.approved", False, 1, ("destination", "when")), ("rooms.request", True, 1, ("room", "when")),
)


def notifications(rng: random.Random) -> int:
    """Ten years of messages for the building's ~530 staff: one or two a working day
    each, all read and done but for the last fortnight's few."""
    from portal.blueprints.notifications.models import DeliveryStatus, Notification

    recipients = db.session.scalars(select(User.id).order_by(User.id).limit(540)).all()
    kinds = [(code, todo, names) for code, todo, weight, names in NOTIFICATION_KINDS for _ in range(weight)]
    now = timeutil.now()
    first_day = timeutil.today() - timedelta(days=3652)
    rows: list[dict] = []
    total = 0
    for offset in range(3652):
        day = first_day + timedelta(days=offset)
        if day.weekday() >= 5:
            continue
        recent = offset > 3652 - 14
        for recipient_id in recipients:
            for _ in range(rng.choice((0, 1, 1, 2, 2, 3))):
                code, todo, names = rng.choice(kinds)
                at = timeutil.local(day, time(rng.randrange(8, 18), rng.randrange(60)))
                seen = at + timedelta(minutes=rng.randrange(5, 600))
                read = seen if not recent or rng.random() < 0.6 else None
                when = at.strftime("%Y-%m-%d %H:%M")
                values = {"title": rng.choice(NOTICE_TITLES), "room": rng.choice(ROOM_NAMES), "when": when,
                          "place": rng.choice(PLACES), "time": at.strftime("%H:%M"), "number": rng.randrange(1, 900),
                          "destination": "市政务服务中心"}
                args = {name: values[name] for name in names}
                rows.append({
                    "recipient_id": recipient_id, "kind": code, "args": args, "endpoint": None, "endpoint_values": {},
                    "todo": todo, "todo_key": None, "event_key": f"{offset:04x}{recipient_id:05x}{rng.getrandbits(64):016x}",
                    "created_at": at, "read_at": read if read is None or read < now else None,
                    "done_at": seen if todo and read is not None and read < now else None,
                    "email_status": DeliveryStatus.SKIPPED, "webhook_status": DeliveryStatus.SKIPPED, "attempts": 0,
                    "next_attempt_at": at, "last_error": "",
                })
        if len(rows) >= BATCH:
            _insert(Notification.__table__, rows)
            total += len(rows)
            rows = []
    _insert(Notification.__table__, rows)
    return total + len(rows)


LEAVING = ("调离", "退休", "轮岗交流", "借调结束")


def offices(rng: random.Random) -> int:
    """Ten years of the office ledger: each room reallocated a time or two and back,
    the seats of ~600 people who have since left, a yearly publication and stock-take,
    and a few approved exceptions."""
    from portal.blueprints.offices.models import (
        OfficeException,
        OfficePublication,
        OfficeRoomEntry,
        OfficeSeat,
        OfficeStandard,
        OfficeStockTake,
        OfficeStockTakeLine,
        RoomUse,
    )

    today = timeutil.today()
    now = timeutil.now()
    first_year = today.year - 10
    current = db.session.execute(select(
        OfficeRoomEntry.room_id, OfficeRoomEntry.unit_id, OfficeRoomEntry.use, OfficeRoomEntry.area_m2)).all()
    units = db.session.scalars(select(Unit.id)).all()
    standards = db.session.scalars(select(OfficeStandard.id).order_by(OfficeStandard.sort_order)).all()
    entries: list[dict] = []
    offices_now = []
    for room_id, unit_id, use, area in current:
        if use is RoomUse.OFFICE:
            offices_now.append(room_id)
        years = sorted(rng.sample(range(first_year, today.year), rng.choice((1, 2, 2, 3))))
        for year in years:  # lent to another unit, then given back as it is today
            entries.append({"room_id": room_id, "valid_from": date(year, rng.randrange(1, 7), 1),
                            "unit_id": rng.choice(units), "use": use, "area_m2": area, "note": f"{year}年调整",
                            "recorded_at": now, "recorded_by_id": None})
            entries.append({"room_id": room_id, "valid_from": date(year, rng.randrange(7, 13), 1),
                            "unit_id": unit_id, "use": use, "area_m2": area, "note": f"{year}年收回",
                            "recorded_at": now, "recorded_by_id": None})
    _insert(OfficeRoomEntry.__table__, entries)
    seated = set(db.session.scalars(select(OfficeSeat.user_id)))
    former = [uid for uid in db.session.scalars(select(User.id).order_by(User.id)) if uid not in seated][:600]
    seats: list[dict] = []
    for user_id in former:
        start = today - timedelta(days=rng.randrange(400, 3650))
        for _ in range(rng.choice((1, 1, 2))):
            end = min(start + timedelta(days=rng.randrange(180, 1500)), today - timedelta(days=30))
            if end <= start:
                break
            seats.append({"room_id": rng.choice(offices_now), "user_id": user_id, "standard_id": rng.choice(standards[1:]),
                          "start_date": start, "end_date": end, "end_reason": rng.choice(LEAVING), "flagged_on": end})
            start = end
    _insert(OfficeSeat.__table__, seats)
    exceptions = [{"room_id": rng.choice(offices_now), "reason": "窗口单位临时增加人员", "approved_by": "县机关事务管理局",
                   "valid_from": date(year, 3, 1), "valid_to": date(year + 1, 2, 28),
                   "recorded_at": now, "recorded_by_id": None} for year in range(first_year, today.year - 1)]
    _insert(OfficeException.__table__, exceptions)
    latest = db.session.scalars(select(OfficePublication).order_by(OfficePublication.year.desc()).limit(1)).first()
    published = set(db.session.scalars(select(OfficePublication.year)))
    publications = [{"year": year, "as_of": date(year, 12, 1), "published_at": now, "published_by_id": None,
                     "rows": latest.rows if latest else []}
                    for year in range(first_year, today.year) if year not in published]
    _insert(OfficePublication.__table__, publications)
    rooms = [row[0] for row in current]
    lines = 0
    for year in range(first_year, today.year):
        take_id = db.session.execute(insert(OfficeStockTake.__table__).values(
            started_on=date(year, 11, 1), note=f"{year}年度办公用房清查盘点", started_by_id=None,
            closed_at=timeutil.local(date(year, 11, 30), time(17)))).inserted_primary_key[0]
        found = [{"stock_take_id": take_id, "room_id": room_id, "found_area": None, "found_people": rng.randrange(0, 4),
                  "note": "", "differs": rng.random() < 0.05, "recorded_at": now} for room_id in rooms]
        _insert(OfficeStockTakeLine.__table__, found)
        lines += len(found) + 1
    return len(entries) + len(seats) + len(exceptions) + len(publications) + lines


TEN_YEARS = (staff, services, bookings, visitor_entries, notifications, offices)
