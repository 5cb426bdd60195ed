"""Demo repairs: about four years of faults in the demo building, ending today.

The building is aging (the report behind this portal says so): some places
keep failing — the third-floor men's toilet in the main building leaks, the
second-floor distribution box in the government annex trips, one office's
sockets burn out — so the repeat-fault report has something to show. A few
requests are open right now in every status, some of them the demo accounts'
own, so every page has content. Deterministic for a given day; idempotent.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from portal import timeutil
from portal.blueprints.repairs.models import Action, Category, HoldReason, RepairEvent, RepairRequest, RepairVisit, Status, Urgency
from portal.db import db
from portal.models import Building, Floor, Room, User

YEARS = 4

DESCRIPTIONS = {
    Category.WATER: (
        "水龙头关不紧，一直滴水。", "洗手池下水管漏水，地面有积水。", "蹲便器冲水阀失灵，一直流水。",
        "暖气片/水管接头渗水，墙面发霉。", "下水道堵塞，返味严重。", "热水器不出热水。",
    ),
    Category.ELECTRIC: (
        "插座冒火花后没电了。", "办公室灯管闪烁，有两根不亮。", "空气开关频繁跳闸。",
        "走廊声控灯不亮。", "墙上开关面板松动，有焦味。", "会议室电源插座无电。",
    ),
    Category.AIR_CONDITIONING: (
        "空调不制冷，出风是热的。", "空调室内机漏水，滴到文件柜上。", "空调遥控无反应，开不了机。",
        "空调噪音很大。", "空调制热效果差。",
    ),
    Category.NETWORK: (
        "网口不通，电脑上不了内网。", "无线网络信号很弱。", "电话线无拨号音。", "网线水晶头断了。",
    ),
    Category.DOOR_WINDOW: (
        "门锁坏了，锁不上。", "窗户关不严，漏风漏雨。", "闭门器损坏，门关得很响。", "窗户把手断了。",
        "卫生间隔断门合页脱落。",
    ),
    Category.ELEVATOR: ("电梯运行时有异响。", "电梯门关不上，反复开合。", "电梯按钮不亮。", "电梯停靠不平层。"),
    Category.OTHER: ("天花板扣板掉了一块。", "墙面瓷砖脱落。", "办公桌抽屉锁坏了。", "百叶窗拉绳断了。"),
}

RESOLUTIONS = {
    Category.WATER: ("更换水龙头阀芯。", "更换下水管及密封圈。", "更换冲水阀。", "疏通下水道。", "更换老化的镀锌水管一段。"),
    Category.ELECTRIC: ("更换烧毁插座。", "更换灯管及镇流器。", "更换空气开关，排查线路。", "更换老化电线一段。"),
    Category.AIR_CONDITIONING: ("补充冷媒。", "疏通冷凝水管。", "更换遥控接收板。", "清洗滤网和蒸发器。", "更换压缩机电容。"),
    Category.NETWORK: ("重新压接水晶头。", "更换网络模块。", "调整无线接入点位置。", "更换电话线。"),
    Category.DOOR_WINDOW: ("更换锁芯。", "调整窗扇，更换密封条。", "更换闭门器。", "更换窗户把手。", "更换合页。"),
    Category.ELEVATOR: ("维保单位调整门机。", "更换按钮板。", "维保单位校准平层感应器。", "更换导靴衬。"),
    Category.OTHER: ("重新安装扣板。", "重新粘贴瓷砖。", "更换抽屉锁。", "更换百叶窗拉绳。"),
}

# (parts low, parts high, labour low, labour high), in yuan.
COSTS = {
    Category.WATER: (20, 900, 50, 300),
    Category.ELECTRIC: (15, 800, 50, 300),
    Category.AIR_CONDITIONING: (0, 2500, 100, 500),
    Category.NETWORK: (0, 150, 0, 80),
    Category.DOOR_WINDOW: (20, 400, 40, 200),
    Category.ELEVATOR: (200, 6000, 300, 1500),
    Category.OTHER: (0, 300, 30, 150),
}

CATEGORY_WEIGHTS = {
    Category.WATER: 24, Category.ELECTRIC: 24, Category.AIR_CONDITIONING: 20, Category.NETWORK: 12,
    Category.DOOR_WINDOW: 11, Category.ELEVATOR: 3, Category.OTHER: 6,
}
# Where outside the rooms each kind of fault happens.
COMMON_SPOTS = {
    Category.WATER: ("男卫生间", "女卫生间", "茶水间"),
    Category.ELECTRIC: ("走廊", "楼梯间", "电梯厅", "男卫生间"),
    Category.DOOR_WINDOW: ("男卫生间", "女卫生间", "楼梯间", "走廊尽头窗户"),
    Category.ELEVATOR: ("电梯厅",),
    Category.OTHER: ("走廊", "楼梯间"),
}


@dataclass(frozen=True)
class Hotspot:
    """A place that keeps failing: (building code, level, room number or None, spot, category, per year)."""

    building: str
    level: int
    room: str | None
    spot: str
    category: Category
    per_year: int


HOTSPOTS = (
    Hotspot("ZL", 3, None, "男卫生间", Category.WATER, 4),
    Hotspot("ZL", 5, None, "茶水间", Category.WATER, 3),
    Hotspot("ZF", 2, None, "走廊配电箱", Category.ELECTRIC, 3),
    Hotspot("ZL", 4, "405", "", Category.ELECTRIC, 3),
    Hotspot("ZL", 6, "602", "", Category.AIR_CONDITIONING, 3),
    Hotspot("ZL", 1, None, "1号电梯", Category.ELEVATOR, 2),
    Hotspot("XW", 3, "301", "", Category.DOOR_WINDOW, 3),
)


def seed_demo() -> None:
    if db.session.scalar(select(func.count()).select_from(RepairRequest)):
        return
    property_user = db.session.scalar(select(User).where(User.username == "property"))
    if property_user is None or db.session.scalar(select(func.count()).select_from(Room)) == 0:
        return
    DemoRepairs(random.Random(2011), timeutil.now(), property_user).build()
    db.session.commit()


class DemoRepairs:
    def __init__(self, rng: random.Random, now: datetime, property_user: User) -> None:
        self.rng = rng
        self.now = now
        self.property_user = property_user
        self.floors = {
            (code, level): floor
            for floor, code, level in db.session.execute(select(Floor, Building.code, Floor.level).join(Building))
        }
        self.rooms = db.session.scalars(select(Room)).all()
        self.room_by_place = {(r.floor_id, r.number): r for r in self.rooms}
        staff = db.session.scalars(select(User).where(User.unit_id.is_not(None), User.active.is_(True))).all()
        self.staff_by_unit: dict[int, list[User]] = {}
        for user in staff:
            self.staff_by_unit.setdefault(user.unit_id, []).append(user)
        self.everyone = staff
        self.accounts = {
            u.username: u
            for u in db.session.scalars(select(User).where(User.username.in_(("staff", "unitadmin", "logistics"))))
        }

    # -- when ------------------------------------------------------------------------------------

    def office_time(self, day) -> datetime:
        while day.weekday() >= 5:
            day += timedelta(days=1)
        minutes = self.rng.randrange(8 * 60 + 30, 17 * 60 + 30)
        return timeutil.local(day, time(minutes // 60, minutes % 60))

    def later(self, moment: datetime, low_hours: float, high_hours: float) -> datetime:
        """Some working time after ``moment``: the property company works office hours."""
        start = moment
        moment = moment + timedelta(hours=self.rng.uniform(low_hours, high_hours))
        opening, closing = time(8, 30), time(17, 30)
        if moment.time() > closing or moment.weekday() >= 5:
            moment = self.office_time(moment.date() + timedelta(days=1))
        elif moment.time() < opening:
            moment = self.office_time(moment.date())
        return max(start, min(moment, self.now))  # never in the future

    # -- what ------------------------------------------------------------------------------------

    def reporter_for(self, room: Room | None) -> User:
        if room is not None and room.unit_id in self.staff_by_unit:
            return self.rng.choice(self.staff_by_unit[room.unit_id])
        return self.rng.choice(self.everyone)

    def cost(self, category: Category, heavy: bool = False) -> tuple[Decimal, Decimal]:
        p_low, p_high, l_low, l_high = COSTS[category]
        if heavy:
            p_low, p_high = p_high, p_high * 3
        parts = Decimal(self.rng.randint(p_low, p_high)) + (Decimal("0.50") if self.rng.random() < 0.2 else 0)
        labour = Decimal(self.rng.randrange(l_low, l_high + 1, 10) if l_high >= 10 else 0)
        return parts.quantize(Decimal("0.01")), labour.quantize(Decimal("0.01"))

    def random_place(self, category: Category) -> tuple[Floor, Room | None, str]:
        spots = COMMON_SPOTS.get(category)
        if spots and (category is Category.ELEVATOR or self.rng.random() < 0.35):
            floor = self.rng.choice(list(self.floors.values()))
            return floor, None, self.rng.choice(spots)
        room = self.rng.choice(self.rooms)
        return room.floor, room, ""

    def add(
        self,
        reported_at: datetime,
        floor: Floor,
        room: Room | None,
        spot: str,
        category: Category,
        *,
        reporter: User | None = None,
        status: Status = Status.CONFIRMED,
        urgency: Urgency | None = None,
        reopened: bool = False,
        heavy: bool = False,
    ) -> RepairRequest:
        rng = self.rng
        if urgency is None:
            urgency = rng.choices(list(Urgency), weights=(2, 6, 2))[0]
            if category is Category.ELEVATOR or (category is Category.WATER and "漏" in spot):
                urgency = Urgency.URGENT
        reporter = reporter or self.reporter_for(room)
        repair = RepairRequest(
            reporter=reporter, floor=floor, room=room, spot=spot, category=category, urgency=urgency,
            description=rng.choice(DESCRIPTIONS[category]), contact=reporter.phone_ext, status=Status.SUBMITTED,
            reported_at=reported_at, reopen_count=0, resolution="",
        )
        events = [RepairEvent(at=reported_at, actor=reporter, action=Action.REPORT, to_status=Status.SUBMITTED)]
        moment = reported_at
        speed = {Urgency.URGENT: 0.2, Urgency.NORMAL: 1.0, Urgency.LOW: 2.5}[urgency]

        def step(action: Action, source: Status, target: Status, at: datetime, actor: User, note: str = "",
                 details: dict | None = None) -> None:
            events.append(RepairEvent(at=at, actor=actor, action=action, from_status=source, to_status=target, note=note,
                                      details=details or {}))
            repair.status = target

        order = [Status.ACCEPTED, Status.IN_PROGRESS, Status.DONE, Status.CONFIRMED]
        reach = 1 if status is Status.ON_HOLD else order.index(status) if status in order else -1
        if reach >= 0:
            moment = self.later(moment, 0.1 * speed, 20 * speed)
            repair.accepted_at, repair.handler = moment, self.property_user
            step(Action.ACCEPT, Status.SUBMITTED, Status.ACCEPTED, moment, self.property_user)
        if reach >= 1:
            moment = self.later(moment, 0.2 * speed, 30 * speed)
            repair.started_at = moment
            step(Action.START, Status.ACCEPTED, Status.IN_PROGRESS, moment, self.property_user)
        if status is Status.ON_HOLD:
            moment = self.later(moment, 0.5, 24)
            repair.hold_reason = HoldReason.PARTS
            step(Action.HOLD, Status.IN_PROGRESS, Status.ON_HOLD, moment, self.property_user, "压缩机已向厂家订货，约一周到货。",
                 details={"reason": HoldReason.PARTS.value})
        if reach >= 2:
            rounds = 2 if reopened else 1
            for n in range(rounds):
                moment = self.later(moment, 0.5, 60 * speed)
                repair.done_at = moment
                repair.resolution = rng.choice(RESOLUTIONS[category])
                parts, labour = self.cost(category, heavy=heavy and n == rounds - 1)
                repair.visits.append(RepairVisit(
                    number=n + 1, finished_at=moment, handler=self.property_user, resolution=repair.resolution,
                    parts_cost=parts, labour_cost=labour,
                ))
                # The repair's cost is the sum of its visits (as services keep it).
                repair.parts_cost = sum((v.parts_cost for v in repair.visits), Decimal("0.00"))
                repair.labour_cost = sum((v.labour_cost for v in repair.visits), Decimal("0.00"))
                step(Action.FINISH, Status.IN_PROGRESS, Status.DONE, moment, self.property_user,
                     details={"visit": n + 1, "parts": str(parts), "labour": str(labour)})
                if n < rounds - 1:
                    moment = self.later(moment, 2, 48)
                    repair.done_at = None
                    repair.reopen_count += 1
                    step(Action.REOPEN, Status.DONE, Status.IN_PROGRESS, moment, reporter, "修好两天又坏了。")
        if reach >= 3:
            moment = self.later(moment, 1, 72)
            repair.confirmed_at = moment
            step(Action.CONFIRM, Status.DONE, Status.CONFIRMED, moment, reporter)
        repair.events = events
        db.session.add(repair)
        return repair

    # -- the story ---------------------------------------------------------------------------------

    def past_status(self, reported_at: datetime) -> Status:
        """Old requests are closed; a few were never confirmed by the reporter."""
        age_days = (self.now - reported_at).days
        if age_days > 20:
            return Status.DONE if self.rng.random() < 0.06 else Status.CONFIRMED
        return self.rng.choice((Status.DONE, Status.CONFIRMED, Status.CONFIRMED))

    def build(self) -> None:
        rng, now = self.rng, self.now
        start = now.date().replace(month=1, day=1, year=now.year - YEARS + 1)
        history_end = now - timedelta(days=16)  # the last two weeks are scripted below
        span_days = (history_end.date() - start).days

        # Background faults: more each year as the building ages.
        per_year = 70
        for offset in range(span_days):
            day = start + timedelta(days=offset)
            growth = 1 + 0.15 * (day.year - start.year)
            if rng.random() < per_year * growth / 365:
                category = rng.choices(list(CATEGORY_WEIGHTS), weights=list(CATEGORY_WEIGHTS.values()))[0]
                floor, room, spot = self.random_place(category)
                reported_at = self.office_time(day)
                self.add(reported_at, floor, room, spot, category, status=self.past_status(reported_at),
                         reopened=rng.random() < 0.05)

        # The places that keep failing, about evenly through the years (more often lately), so
        # that any twelve months show them again.
        for hotspot in HOTSPOTS:
            floor = self.floors[hotspot.building, hotspot.level]
            room = self.room_by_place.get((floor.id, hotspot.room)) if hotspot.room else None
            moment = history_end - timedelta(days=rng.randrange(0, 30))
            while moment.date() >= start:
                reported_at = self.office_time(moment.date())
                if reported_at < history_end:
                    self.add(reported_at, floor, room, hotspot.spot, hotspot.category,
                             status=self.past_status(reported_at), reopened=rng.random() < 0.15,
                             heavy=rng.random() < 0.1)
                recent = moment.year >= now.year - 1
                interval = 365 / (hotspot.per_year + (1 if recent else 0))
                moment -= timedelta(days=interval * rng.uniform(0.85, 1.15))

        self.open_now()

    def open_now(self) -> None:
        """The last two weeks: something in every status, including the demo accounts' own."""
        rng, now = self.rng, self.now
        staff, unitadmin, logistics = (self.accounts.get(n) for n in ("staff", "unitadmin", "logistics"))

        def recent(days_ago: float) -> datetime:
            moment = now - timedelta(days=days_ago, minutes=rng.randrange(0, 90))
            if moment.time() < time(8, 30) or moment.time() > time(17, 30) or moment.weekday() >= 5:
                moment = self.office_time(moment.date() - timedelta(days=1 if moment.time() < time(8, 30) else 0))
            return min(moment, now)

        def office_of(user: User | None, category: Category) -> tuple[Floor, Room | None, str]:
            if user is not None and user.office_room is not None:
                return user.office_room.floor, user.office_room, ""
            return self.random_place(category)

        scripted = [
            # (days ago, status, category, urgency, reporter)
            (14, Status.CONFIRMED, Category.NETWORK, Urgency.NORMAL, staff),
            (9, Status.DONE, Category.ELECTRIC, Urgency.NORMAL, staff),
            (3, Status.IN_PROGRESS, Category.AIR_CONDITIONING, Urgency.NORMAL, staff),
            (0.2, Status.SUBMITTED, Category.DOOR_WINDOW, Urgency.LOW, staff),
            (6, Status.DONE, Category.WATER, Urgency.URGENT, unitadmin),
            (2, Status.ACCEPTED, Category.NETWORK, Urgency.NORMAL, unitadmin),
            (1, Status.SUBMITTED, Category.ELECTRIC, Urgency.NORMAL, logistics),
            (12, Status.CONFIRMED, Category.OTHER, Urgency.LOW, logistics),
        ]
        for days, status, category, urgency, user in scripted:
            floor, room, spot = office_of(user, category)
            self.add(recent(days), floor, room, spot, category, reporter=user, status=status, urgency=urgency)

        others = [
            (0.1, Status.SUBMITTED, Urgency.URGENT), (0.5, Status.SUBMITTED, Urgency.NORMAL),
            (1.5, Status.SUBMITTED, Urgency.LOW), (4, Status.SUBMITTED, Urgency.NORMAL),
            (1, Status.ACCEPTED, Urgency.URGENT), (3, Status.ACCEPTED, Urgency.NORMAL),
            (8, Status.ACCEPTED, Urgency.LOW), (2, Status.IN_PROGRESS, Urgency.NORMAL),
            (5, Status.IN_PROGRESS, Urgency.NORMAL), (11, Status.IN_PROGRESS, Urgency.LOW),
            (3, Status.DONE, Urgency.NORMAL), (7, Status.DONE, Urgency.NORMAL),
        ]
        for days, status, urgency in others:
            category = rng.choices(list(CATEGORY_WEIGHTS), weights=list(CATEGORY_WEIGHTS.values()))[0]
            floor, room, spot = self.random_place(category)
            self.add(recent(days), floor, room, spot, category, status=status, urgency=urgency)
        # The third-floor toilet is leaking again.
        floor = self.floors["ZL", 3]
        self.add(recent(0.05), floor, None, "男卫生间", Category.WATER, status=Status.SUBMITTED, urgency=Urgency.URGENT)
        # An air conditioner waiting for a compressor.
        floor, room, spot = self.random_place(Category.AIR_CONDITIONING)
        self.add(recent(6), floor, room, spot, Category.AIR_CONDITIONING, status=Status.ON_HOLD, urgency=Urgency.NORMAL)
