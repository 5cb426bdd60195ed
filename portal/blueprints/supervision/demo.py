"""Demo supervision: the checklists the logistics center uses for 遂宁富航信息服务有限公司,
about three months of weekly inspections ending today, a few rectifications in
every state (one past its deadline), a photo with the failed items of the
latest inspections, two patrol routes with two weeks of rounds
(a few missed, one being walked now). Deterministic for a given day; idempotent."""

from __future__ import annotations

import random
import struct
import zlib
from datetime import datetime, time, timedelta

from sqlalchemy import func, select

from portal import files, timeutil
from portal.blueprints.supervision import patrols
from portal.blueprints.supervision.models import (
    Area,
    CheckItem,
    Inspection,
    InspectionResult,
    Meeting,
    MeetingDecision,
    MeetingItem,
    PatrolCheck,
    PatrolRound,
    PatrolRoute,
    Rectification,
    RectificationStatus,
    Satisfaction,
    SurveyParticipation,
    SurveyRating,
)
from portal.db import db
from portal.models import User

CHECKLISTS = {
    Area.CLEANING: (
        ("大厅、走廊地面干净，无积水、无垃圾", 3),
        ("卫生间地面干燥、无异味，纸巾洗手液齐备", 3),
        ("便民服务大厅桌椅、窗口台面整洁", 2),
        ("楼梯扶手、电梯轿厢擦拭干净", 1),
        ("垃圾桶按时清运，分类投放", 1),
    ),
    Area.GREENING: (
        ("草坪修剪整齐，无枯黄斑块", 2),
        ("绿篱、乔木修剪及时，无病虫害", 2),
        ("室内盆栽浇水养护，无枯死", 1),
        ("绿化带内无杂物、烟头", 1),
    ),
    Area.SECURITY: (
        ("门岗在岗在位，着装规范", 3),
        ("来访人员登记、核验证件", 3),
        ("按时巡逻并如实记录", 2),
        ("消防通道畅通，灭火器在有效期内", 3),
        ("监控室24小时值守", 2),
    ),
    Area.MEETING: (
        ("会前1小时完成会场布置、调试音响投影", 3),
        ("茶水、席卡、会标准备到位", 2),
        ("会后及时清理会场、关闭设备", 1),
    ),
    Area.REPAIRS: (
        ("报修电话有人接听，登记完整", 2),
        ("维修人员持证上岗", 2),
        ("维修后清理现场", 1),
    ),
}

PLACES = {
    Area.CLEANING: ("主楼1楼便民服务大厅", "主楼3楼东侧卫生间", "政府附楼2楼走廊", "主楼5楼卫生间", "县委附楼1楼大厅"),
    Area.GREENING: ("主楼前广场绿化带", "北门停车场绿篱", "主楼各楼层盆栽"),
    Area.SECURITY: ("北门岗", "南门岗", "监控室", "地下车库消防通道"),
    Area.MEETING: ("多功能报告厅", "第一会议室", "常委会议室", "视频会议室"),
    Area.REPAIRS: ("物业服务中心", "主楼配电房"),
}

FAILURE_NOTES = {
    Area.CLEANING: ("地面有积水未及时拖干", "纸巾用完未补充", "垃圾桶满溢"),
    Area.GREENING: ("草坪有枯黄斑块", "绿化带内有烟头、塑料袋"),
    Area.SECURITY: ("门岗人员离岗约10分钟", "来访人员未登记", "巡逻记录缺14:00一次", "一具灭火器已过期"),
    Area.MEETING: ("投影仪会前未调试，开会时无信号", "席卡缺两张"),
    Area.REPAIRS: ("维修后现场未清理", "报修登记缺联系人电话"),
}

WEEKS = 13


def seed_demo() -> None:
    if not db.session.scalar(select(func.count()).select_from(CheckItem)):
        _inspections()
    if not db.session.scalar(select(func.count()).select_from(PatrolRoute)):
        _patrols(random.Random(2012), timeutil.now())
    if not db.session.scalar(select(func.count()).select_from(Meeting)):
        _meeting(timeutil.now())
    db.session.commit()


def _inspections() -> None:
    logistics = db.session.scalar(select(User).where(User.username == "logistics"))
    property_user = db.session.scalar(select(User).where(User.username == "property"))
    if logistics is None:
        return
    rng = random.Random(2011)
    items: dict[Area, list[CheckItem]] = {}
    for area, rows in CHECKLISTS.items():
        items[area] = [CheckItem(area=area, text=text, weight=weight, active=True, sort_order=(n + 1) * 10)
                       for n, (text, weight) in enumerate(rows)]
        db.session.add_all(items[area])
    now = timeutil.now()
    today = now.date()
    failed_inspections: list[Inspection] = []
    for week in range(WEEKS, 0, -1):
        monday = today - timedelta(days=today.weekday() + 7 * week)
        for area in Area:
            day = monday + timedelta(days=rng.randrange(5))
            moment = timeutil.local(day, time(9 + rng.randrange(7), rng.choice((0, 15, 30, 45))))
            if moment >= now:
                continue
            results = []
            for item in items[area]:
                passed = rng.random() > 0.12
                note = "" if passed else rng.choice(FAILURE_NOTES[area])
                results.append(InspectionResult(item=item, text=item.text, weight=item.weight, passed=passed, note=note))
            inspection = Inspection(
                area=area, place=rng.choice(PLACES[area]), inspected_at=moment, inspector=logistics, note="",
                points=sum(r.weight for r in results if r.passed), possible=sum(r.weight for r in results),
            )
            inspection.results = results
            db.session.add(inspection)
            if any(not r.passed for r in results):
                failed_inspections.append(inspection)
    db.session.flush()
    _photos(failed_inspections[-3:], logistics)
    _rectifications(rng, failed_inspections, logistics, property_user, now)
    _survey(rng, now)


def _png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A plain-coloured PNG: the demo's stand-in for a photo taken on a phone."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def _photos(inspections: list[Inspection], inspector: User) -> None:
    """The first failed item of each of these inspections has a photo."""
    for inspection in inspections:
        result = next(r for r in inspection.results if not r.passed)
        result.photo = files.store((_png(160, 120, (150, 140, 120)), "现场照片.png"), actor=inspector,
                                   now=inspection.inspected_at, kinds=files.IMAGES)


def _rectifications(rng: random.Random, inspections: list[Inspection], logistics: User, property_user: User | None,
                    now: datetime) -> None:
    """One rectification per inspection with failures: closed (mostly on time) in the past, then the
    recent ones still with the property company or waiting for verification; one past its deadline."""
    inspections = sorted(inspections, key=lambda i: i.inspected_at)
    today = now.date()
    for n, inspection in enumerate(inspections):
        failed = [r for r in inspection.results if not r.passed]
        created = inspection.inspected_at + timedelta(hours=1)
        deadline = timeutil.to_local(created).date() + timedelta(days=rng.choice((1, 3, 3, 7)))
        item = Rectification(
            area=inspection.area, inspection=inspection, created_at=created, created_by=logistics,
            description="\n".join([inspection.place] + [f"{r.text}：{r.note}" for r in failed]),
            deadline=deadline, status=RectificationStatus.OPEN, reply="", review_note="", returned_count=0,
        )
        recent = len(inspections) - n
        if deadline < today - timedelta(days=2) and recent > 3:
            late = rng.random() < 0.15
            reported_day = deadline + timedelta(days=1 if late else -rng.randrange(0, 2))
            reported_day = max(reported_day, timeutil.to_local(created).date())
            item.reported_at = timeutil.local(reported_day, time(16, 30))
            item.closed_at = item.reported_at + timedelta(hours=18)
            item.status = RectificationStatus.CLOSED
            item.reply = "已按要求整改完毕，请复查。"
            item.review_note = "复查合格。"
        elif recent == 2 and deadline < today:
            item.reply = ""  # left open past its deadline: the overdue one
        elif recent == 1:
            item.reported_at = now - timedelta(hours=3)
            item.status = RectificationStatus.REPORTED
            item.reply = "已整改：" + failed[0].note.replace("未", "已") if failed else "已整改。"
        db.session.add(item)


# How the staff feel about each area: chances of satisfied / fairly satisfied (the rest dissatisfied).
MOOD = {Area.CLEANING: (0.6, 0.3), Area.GREENING: (0.7, 0.25), Area.SECURITY: (0.5, 0.35),
        Area.MEETING: (0.75, 0.2), Area.REPAIRS: (0.4, 0.4)}


def _survey(rng: random.Random, now: datetime) -> None:
    """About forty answers in each of the last three months (not the staff demo accounts: they have it to do)."""
    staff = db.session.scalars(
        select(User.id).where(User.unit_id.is_not(None), User.active.is_(True),
                              User.username.not_in(("staff", "unitadmin", "logistics", "admin"))).order_by(User.id)
    ).all()
    if not staff:
        return
    year, month = now.year, now.month
    for _ in range(3):
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        for person in rng.sample(staff, min(40, len(staff))):
            db.session.add(SurveyParticipation(respondent_id=person, year=year, month=month))
            for area, (good, fair) in MOOD.items():
                if rng.random() < 0.15:
                    continue  # "cannot say"
                draw = rng.random()
                rating = Satisfaction.SATISFIED if draw < good else Satisfaction.FAIRLY if draw < good + fair else Satisfaction.DISSATISFIED
                db.session.add(SurveyRating(year=year, month=month, area=area, rating=rating))


PATROL_DAYS = 14
ROUTES = (
    ("主楼夜间巡逻", ("北门岗", "主楼1楼大厅", "主楼各层楼梯间", "主楼配电房", "地下车库", "南门岗"),
     patrols.every(time(18), time(8), 120)),
    ("外围白天巡逻", ("主楼前广场", "北门停车场", "附楼之间通道", "消防通道"), [time(10), time(15)]),
)
PATROL_FINDINGS = ("楼梯间一处灯不亮", "消防通道停放电动车一辆", "配电房门未锁", "地下车库积水")


def _patrols(rng: random.Random, now: datetime) -> None:
    """Rounds for the last two weeks, most on time, a few missed or late; the guard is out on one now."""
    guard = db.session.scalar(select(User).where(User.username == "guard"))
    if guard is None:
        return
    start = timeutil.local(now.date() - timedelta(days=PATROL_DAYS), time(0))
    for name, checkpoints, times in ROUTES:
        route = PatrolRoute(name=name, checkpoints="\n".join(checkpoints), times=patrols.format_times(times),
                            tolerance_minutes=30, created_at=start)
        db.session.add(route)
        for at in patrols.slots(times, start.date(), now.date(), active_from=start):
            began = at + timedelta(minutes=rng.randrange(-20, 26))
            if rng.random() < 0.08 or began + timedelta(hours=1) > now:
                continue  # missed, or not walked yet
            if rng.random() < 0.05:
                began += timedelta(minutes=50)  # too late to count
            checks = []
            for position, checkpoint in enumerate(checkpoints):
                finding = rng.choice(PATROL_FINDINGS) if rng.random() < 0.03 else ""
                checks.append(PatrolCheck(position=position, checkpoint=checkpoint, checked=True, finding=finding))
            db.session.add(PatrolRound(route=route, guard=guard, started_at=began, ended_at=began + timedelta(minutes=35),
                                       note="", checks=checks))
    db.session.add(PatrolRound(route=route, guard=guard, started_at=now - timedelta(minutes=10), note=""))


def _meeting(now: datetime) -> None:
    """The last half-monthly meeting, two weeks ago, with a decision on the oldest open rectification."""
    logistics = db.session.scalar(select(User).where(User.username == "logistics"))
    oldest = db.session.scalar(select(Rectification).where(Rectification.status != RectificationStatus.CLOSED)
                               .order_by(Rectification.deadline, Rectification.id))
    if logistics is None:
        return
    held_on = now.date() - timedelta(days=14)
    decisions = []
    if oldest is not None:
        decisions.append(MeetingDecision(item_kind=MeetingItem.RECTIFICATION, item_id=oldest.id, owner="富航物业 张经理",
                                         text="物业公司本周内整改到位，后勤中心复查。", deadline=held_on + timedelta(days=7)))
    db.session.add(Meeting(held_on=held_on, attendees="后勤中心 李主任、王干事；富航物业 张经理、保安队长",
                           created_at=timeutil.local(held_on, time(16)), created_by_id=logistics.id, decisions=decisions))
