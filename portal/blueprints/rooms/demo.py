"""Demo bookings around today: past and checked in, running now, later today,
the coming weeks, a pending VIP visit, a rejected request, a weekly series
and a renovation closure, so every meeting-room page has something to show."""

from __future__ import annotations

from datetime import date, time, timedelta

from sqlalchemy import func, select

from portal import timeutil
from portal.blueprints.rooms.models import (
    Booking,
    BookingSeries,
    BookingStatus,
    Reason,
    Recurrence,
    RoomClosure,
    RoomPolicy,
)
from portal.blueprints.rooms.services import meeting_rooms
from portal.db import db
from portal.models import Unit, User

A, P, R = BookingStatus.APPROVED, BookingStatus.PENDING, BookingStatus.REJECTED
C, N = BookingStatus.CANCELLED, BookingStatus.RELEASED

# room, day offset, start, end, title, unit, requester, public, status, arrangements
BOOKINGS = (
    ("第三会议室", -6, "14:00", "16:00", "统计数据质量核查会", "统计局", "staff", True, N, {}),
    ("第五会议室", -3, "09:30", "10:30", "信访工作例会", "信访局", "unitadmin", True, C, {}),
    ("第二会议室", -2, "09:00", "11:00", "全县社保扩面工作推进会", "人社局", "staff", True, A, {"tea_count": 35, "banner_text": "全县社保扩面工作推进会"}),
    ("第四会议室", -1, "14:30", "16:30", "重点项目用地协调会", "自然资源局", "unitadmin", False, A, {"tea_count": 20}),
    ("第一会议室", 0, "08:30", "10:00", "全县教育系统安全工作会议", "教育局", "staff", True, A, {"tea_count": 50, "needs_audio": True, "banner_text": "全县教育系统安全工作会议"}),
    ("第二会议室", 0, "10:00", "12:00", "就业困难人员帮扶专题会", "人社局", "staff", True, A, {"tea_count": 30, "needs_projector": True}),
    ("常委会议室", 0, "14:30", "17:00", "县政府常务会议", "政府办", "unitadmin", False, A, {"tea_count": 36, "needs_audio": True, "name_cards": "县长\n常务副县长\n副县长\n政府办主任"}),
    ("视频会议室", 0, "15:00", "17:00", "全省安全生产电视电话会议", "应急局", "logistics", True, A, {"needs_audio": True, "needs_projector": True, "welcome_text": "全省安全生产电视电话会议（分会场）"}),
    ("第五会议室", 0, "19:00", "20:30", "防汛值班调度会", "水利局", "staff", True, A, {}),
    ("第三会议室", 1, "09:00", "11:30", "医保基金监管培训", "医保局", "staff", True, A, {"tea_count": 28, "needs_projector": True, "banner_text": "医保基金监管业务培训班"}),
    ("多功能报告厅", 2, "14:00", "17:30", "全县干部大会", "组织部", "logistics", True, A, {"tea_count": 220, "needs_audio": True, "banner_text": "全县干部大会", "welcome_text": "热烈欢迎参加全县干部大会的同志们"}),
    ("贵宾接待室", 3, "10:00", "11:30", "市领导调研座谈", "县委办", "unitadmin", False, P, {"tea_count": 10, "name_cards": "市委副书记\n县委书记\n县长", "welcome_text": "热烈欢迎市领导莅临指导", "request_reason": "市领导来县调研，县委主要领导陪同座谈"}),
    ("第一会议室", 4, "14:30", "16:00", "政务服务“一网通办”推进会", "审批局", "staff", True, P, {"tea_count": 40}),
    ("政府第二会议室", 5, "09:30", "11:00", "人社业务经办风险排查", "人社局", "staff", True, R, {}),
)


def _at(day: date, hhmm: str):
    return timeutil.local(day, time.fromisoformat(hhmm))


def seed_demo() -> None:
    if db.session.scalar(select(func.count()).select_from(Booking)):
        return
    rooms = {r.name: r for r in meeting_rooms()}
    if not rooms:
        return
    users = {u.username: u for u in db.session.scalars(select(User).where(User.username.in_(("staff", "unitadmin", "logistics"))))}
    units = {u.short_name: u for u in db.session.scalars(select(Unit))}
    logistics = users.get("logistics")
    now = timeutil.now()
    today = now.date()

    db.session.add(RoomPolicy(room_id=rooms["多功能报告厅"].id, requires_approval=True, no_show_grace_minutes=30))
    db.session.add(RoomPolicy(room_id=rooms["常委会议室"].id, requires_approval=True, no_show_grace_minutes=None))
    db.session.add(RoomPolicy(room_id=rooms["视频会议室"].id, requires_approval=False, no_show_grace_minutes=None))
    # The VIP reception room: requested by unit administrators and the two offices, with a reason, approved twice.
    db.session.add(RoomPolicy(room_id=rooms["贵宾接待室"].id, requires_approval=True, no_show_grace_minutes=None,
                              allowed_roles=["unit_admin"], second_approval=True, reason_required=True,
                              allowed_unit_ids=[units[name].id for name in ("县委办", "政府办") if name in units]))

    for room, offset, start, end, title, unit, who, public, status, extra in BOOKINGS:
        day = today + timedelta(days=offset)
        requester = users.get(who)
        unit_row = units.get(unit)
        booking = Booking(
            room=rooms[room], requester=requester, unit=unit_row, start_at=_at(day, start), end_at=_at(day, end),
            title=title, is_public=public, attendees=max(extra.get("tea_count", 0), 8),
            contact_name=requester.display_name if requester else "", contact_phone=f"5{offset + 310:03d}",
            status=status, created_at=now - timedelta(days=7), updated_at=now - timedelta(days=1), **extra,
        )
        if status is P:
            booking.approval_codes = [(Reason.VIP_ROOM if room == "贵宾接待室" else Reason.ROOM_SETTING).value]
        if status is R:
            booking.decided_by, booking.decided_at = logistics, now - timedelta(days=1)
            booking.decision_reason = "该时段已安排县级重要接待，请改约第八会议室。"
        if status is A and room in ("常委会议室", "多功能报告厅"):
            booking.decided_by, booking.decided_at = logistics, now - timedelta(days=2)
        if booking.start_at <= now and status is A:
            booking.checked_in_at = booking.start_at + timedelta(minutes=5)
        db.session.add(booking)

    # 人社局's weekly office meeting, every Monday morning for eight weeks.
    monday = today - timedelta(days=today.weekday())
    series = BookingSeries(rule=Recurrence.WEEKLY, count=8, created_by=users.get("unitadmin"), created_at=now - timedelta(days=10),
                           room_id=rooms["第六会议室"].id, start_at=_at(monday, "08:30"), end_at=_at(monday, "10:00"))
    db.session.add(series)
    for week in range(8):
        day = monday + timedelta(weeks=week)
        start = _at(day, "08:30")
        db.session.add(
            Booking(
                room=rooms["第六会议室"], series=series, requester=users.get("unitadmin"), unit=units.get("人社局"),
                start_at=start, end_at=_at(day, "10:00"), title="人社局局务会", is_public=False, attendees=18,
                contact_name="王科长", contact_phone="5306", status=A, tea_count=18,
                checked_in_at=start + timedelta(minutes=3) if start <= now else None,
                created_at=now - timedelta(days=10), updated_at=now - timedelta(days=10),
            )
        )

    db.session.add(
        RoomClosure(room=rooms["第九会议室"], start_at=_at(today + timedelta(days=3), "08:00"),
                    end_at=_at(today + timedelta(days=10), "21:00"), reason="会议室音响系统改造", created_by=logistics)
    )
    db.session.flush()
