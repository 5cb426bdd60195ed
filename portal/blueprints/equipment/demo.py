"""The demo building's equipment, after the report in ``shared/seed``: completed in
December 2006, so twenty years on most original plant is at or past its expected
life; the April 2011 electrical retrofit (电效改造) replaced the low-voltage
switchgear and some distribution boards; after the Wenchuan (2008) and Moxi
(2010) earthquakes the worst-hit pipes and one lift were replaced.

Maintained by the property company (遂宁富航信息服务有限公司) and specialist
contractors. Idempotent: nothing is added once the register has items.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from portal import timeutil
from portal.blueprints.equipment.models import (
    Asset,
    AssetCategory,
    AssetRepair,
    Condition,
    DocumentKind,
    IntervalUnit,
    MaintenancePlan,
    MaintenanceRecord,
    PlanKind,
)
from portal.blueprints.equipment.schedule import add_months, first_after, nth_date
from portal.db import db
from portal.models import Building, Floor, Room, User

C = AssetCategory
G, F, P, X = Condition.GOOD, Condition.FAIR, Condition.POOR, Condition.FAILED
BUILT = date(2006, 11, 20)
RETROFIT = date(2011, 4, 15)
PROPERTY = "遂宁富航信息服务有限公司"
LIFT_CO = "四川某电梯工程有限公司"
FIRE_CO = "遂宁某消防技术服务有限公司"
POWER_CO = "国网蓬溪县供电公司运维班"

# code, name, category, building, floor, room number or None, zone, installed, life, cost, supplier, maintainer, condition
ITEMS: list[tuple] = [
    ("DT-ZL-01", "1号客梯", C.LIFT, "ZL", 1, None, "东侧电梯厅", BUILT, 15, 380000, "某电梯（中国）有限公司", LIFT_CO, P),
    ("DT-ZL-02", "2号客梯", C.LIFT, "ZL", 1, None, "东侧电梯厅", BUILT, 15, 380000, "某电梯（中国）有限公司", LIFT_CO, F),
    ("DT-ZL-03", "3号客梯", C.LIFT, "ZL", 1, None, "西侧电梯厅", date(2019, 8, 10), 15, 420000, "某电梯（中国）有限公司", LIFT_CO, G),
    ("DT-ZL-04", "4号货梯", C.LIFT, "ZL", 1, None, "西侧电梯厅", BUILT, 15, 300000, "某电梯（中国）有限公司", LIFT_CO, P),
    ("BYQ-01", "1号干式变压器 800kVA", C.TRANSFORMER, "ZL", 1, None, "配电房", BUILT, 25, 260000, "某变压器厂", POWER_CO, F),
    ("BYQ-02", "2号干式变压器 800kVA", C.TRANSFORMER, "ZL", 1, None, "配电房", BUILT, 25, 260000, "某变压器厂", POWER_CO, F),
    ("GYG-01", "10kV高压开关柜", C.TRANSFORMER, "ZL", 1, None, "配电房", BUILT, 25, 180000, "某电气成套公司", POWER_CO, F),
    ("DYG-01", "低压开关柜（进线）", C.TRANSFORMER, "ZL", 1, None, "配电房", RETROFIT, 20, 120000, "某电气成套公司", PROPERTY, G),
    ("DYG-02", "低压开关柜（出线）", C.TRANSFORMER, "ZL", 1, None, "配电房", RETROFIT, 20, 150000, "某电气成套公司", PROPERTY, G),
    ("DYG-03", "无功补偿柜", C.TRANSFORMER, "ZL", 1, None, "配电房", RETROFIT, 15, 60000, "某电气成套公司", PROPERTY, F),
    ("FDJ-01", "柴油发电机组 300kW", C.GENERATOR, "ZL", 1, None, "发电机房", BUILT, 20, 320000, "某动力设备公司", PROPERTY, F),
    ("ATS-01", "双电源自动切换柜", C.GENERATOR, "ZL", 1, None, "发电机房", RETROFIT, 15, 45000, "某电气成套公司", PROPERTY, G),
    ("SB-01", "生活给水泵（主）", C.PUMP, "ZL", 1, None, "水泵房", BUILT, 15, 38000, "某水泵厂", PROPERTY, P),
    ("SB-02", "生活给水泵（备）", C.PUMP, "ZL", 1, None, "水泵房", BUILT, 15, 38000, "某水泵厂", PROPERTY, F),
    ("SB-03", "变频供水控制柜", C.PUMP, "ZL", 1, None, "水泵房", date(2015, 6, 1), 12, 26000, "某水泵厂", PROPERTY, G),
    ("SX-01", "不锈钢生活水箱 36m³", C.PUMP, "ZL", 6, None, "屋顶水箱间", BUILT, 20, 85000, "某水箱厂", PROPERTY, F),
    ("WB-01", "1号潜污泵", C.PUMP, "ZL", 1, None, "地下集水井", BUILT, 10, 9000, "某水泵厂", PROPERTY, X),
    ("WB-02", "2号潜污泵", C.PUMP, "ZL", 1, None, "地下集水井", date(2021, 7, 12), 10, 9500, "某水泵厂", PROPERTY, G),
    ("GS-ZL-E", "主楼给水立管（东区）", C.PIPES, "ZL", 1, None, "东侧管井 1–6楼", BUILT, 20, 160000, "", PROPERTY, P),
    ("GS-ZL-W", "主楼给水立管（西区）", C.PIPES, "ZL", 1, None, "西侧管井 1–6楼", date(2009, 3, 20), 20, 150000, "", PROPERTY, F),
    ("PS-ZL-E", "主楼排水立管（东区）", C.PIPES, "ZL", 1, None, "东侧管井", BUILT, 25, 120000, "", PROPERTY, F),
    ("PS-ZL-W", "主楼排水立管（西区）", C.PIPES, "ZL", 1, None, "西侧管井", BUILT, 25, 120000, "", PROPERTY, P),
    ("GS-XW", "县委附楼给排水管", C.PIPES, "XW", 1, None, "管井", BUILT, 20, 60000, "", PROPERTY, F),
    ("GS-RD", "人大附楼给排水管", C.PIPES, "RD", 1, None, "管井", BUILT, 20, 60000, "", PROPERTY, F),
    ("GS-ZF", "政府附楼给排水管", C.PIPES, "ZF", 1, None, "管井", BUILT, 20, 60000, "", PROPERTY, P),
    ("GS-ZX", "政协附楼给排水管", C.PIPES, "ZX", 1, None, "管井", BUILT, 20, 60000, "", PROPERTY, F),
    ("GS-WW", "室外给水环网", C.PIPES, "ZL", 1, None, "大院地下", BUILT, 30, 220000, "", PROPERTY, F),
    ("XF-ZJ-01", "火灾自动报警主机", C.FIRE, "ZL", 1, None, "消防控制室", date(2016, 9, 1), 12, 90000, "某消防电子公司", FIRE_CO, G),
    ("XF-B-01", "消火栓泵（主）", C.FIRE, "ZL", 1, None, "消防泵房", BUILT, 15, 42000, "某水泵厂", FIRE_CO, F),
    ("XF-B-02", "消火栓泵（备）", C.FIRE, "ZL", 1, None, "消防泵房", BUILT, 15, 42000, "某水泵厂", FIRE_CO, F),
    ("XF-B-03", "喷淋泵", C.FIRE, "ZL", 1, None, "消防泵房", BUILT, 15, 40000, "某水泵厂", FIRE_CO, P),
    ("XF-WY", "消防稳压设备", C.FIRE, "ZL", 6, None, "屋顶水箱间", BUILT, 15, 28000, "某水泵厂", FIRE_CO, F),
    ("XF-QT-01", "配电房七氟丙烷气体灭火", C.FIRE, "ZL", 1, None, "配电房", RETROFIT, 15, 65000, "某消防设备公司", FIRE_CO, G),
]
for code, name in (("ZL", "主楼"), ("XW", "县委附楼"), ("RD", "人大附楼"), ("ZF", "政府附楼"), ("ZX", "政协附楼")):
    ITEMS += [
        (f"XF-XHS-{code}", f"{name}室内消火栓系统", C.FIRE, code, 1, None, "各层", BUILT, 20, 80000 if code == "ZL" else 30000, "", FIRE_CO, F),
        (f"XF-YJ-{code}", f"{name}应急照明及疏散指示", C.FIRE, code, 1, None, "各层", date(2017, 5, 1) if code == "ZL" else BUILT, 10, 50000 if code == "ZL" else 18000, "", FIRE_CO, G if code == "ZL" else P),
        (f"JK-{code}", f"{name}监控摄像机组", C.SECURITY, code, 1, None, "各层及出入口", date(2016, 3, 1), 8, 60000 if code == "ZL" else 20000, "某安防工程公司", PROPERTY, F),
    ]
for level in range(1, 7):
    ITEMS += [
        (f"PD-ZL-{level}", f"主楼{level}楼配电箱", C.DISTRIBUTION, "ZL", level, None, "强电井",
         RETROFIT if level <= 2 else BUILT, 20, 18000, "某电气成套公司", PROPERTY, G if level <= 2 else (P if level in (4, 5) else F)),
        (f"KT-ZL-{level}", f"主楼{level}楼多联机空调外机", C.HVAC, "ZL", level, None, "屋面设备平台" if level == 6 else "外廊设备平台",
         date(2018, 6, 1) if level in (1, 6) else BUILT, 15, 140000, "某空调公司", PROPERTY, G if level in (1, 6) else (P if level in (3, 4) else F)),
    ]
for code, name in (("XW", "县委附楼"), ("RD", "人大附楼"), ("ZF", "政府附楼"), ("ZX", "政协附楼")):
    ITEMS += [
        (f"PD-{code}", f"{name}总配电箱", C.DISTRIBUTION, code, 1, None, "配电间", BUILT, 20, 22000, "某电气成套公司", PROPERTY, F),
        (f"KT-{code}", f"{name}分体空调（组）", C.HVAC, code, 1, None, "各办公室", BUILT, 12, 90000, "某空调公司", PROPERTY, P),
    ]
ITEMS += [
    ("KT-BGT-01", "报告厅柜式空调（1）", C.HVAC, "ZL", 1, "101", "", BUILT, 12, 32000, "某空调公司", PROPERTY, P),
    ("KT-BGT-02", "报告厅柜式空调（2）", C.HVAC, "ZL", 1, "101", "", BUILT, 12, 32000, "某空调公司", PROPERTY, X),
    ("XF-FJ-01", "新风机组（服务大厅）", C.HVAC, "ZL", 1, None, "便民服务大厅吊顶", BUILT, 15, 55000, "某空调公司", PROPERTY, F),
    ("MJ-01", "大楼门禁系统", C.SECURITY, "ZL", 1, None, "各出入口", date(2016, 3, 1), 8, 45000, "某安防工程公司", PROPERTY, F),
    ("DZ-01", "车辆道闸及识别", C.SECURITY, "ZL", 1, None, "大院东门", date(2020, 10, 1), 8, 30000, "某安防工程公司", PROPERTY, G),
    ("NVR-01", "监控存储主机", C.SECURITY, "ZL", 1, None, "监控中心", date(2021, 4, 1), 6, 38000, "某安防工程公司", PROPERTY, G),
    ("AV-ZL101-YX", "报告厅扩声系统", C.AV, "ZL", 1, "101", "", BUILT, 10, 180000, "某音响工程公司", PROPERTY, P),
    ("AV-ZL101-TY", "报告厅投影机", C.AV, "ZL", 1, "101", "", date(2015, 5, 1), 8, 45000, "某投影机公司", PROPERTY, F),
    ("AV-ZL101-LED", "报告厅LED电子屏", C.AV, "ZL", 1, "101", "", date(2017, 9, 1), 8, 120000, "某显示公司", PROPERTY, F),
    ("AV-ZL102", "第一会议室音视频", C.AV, "ZL", 1, "102", "", BUILT, 10, 60000, "某音响工程公司", PROPERTY, P),
    ("AV-ZL501", "第八会议室视频会议", C.AV, "ZL", 5, "501", "", date(2019, 3, 1), 8, 70000, "某视讯公司", PROPERTY, G),
    ("AV-ZL601", "常委会议室音视频", C.AV, "ZL", 6, "601", "", date(2014, 7, 1), 10, 90000, "某音响工程公司", PROPERTY, F),
    ("AV-ZL602", "视频会议室终端及大屏", C.AV, "ZL", 6, "602", "", date(2020, 5, 1), 8, 110000, "某视讯公司", PROPERTY, G),
    ("AV-XW101", "县委第一会议室音视频", C.AV, "XW", 1, "101", "", date(2013, 4, 1), 10, 65000, "某音响工程公司", PROPERTY, F),
    ("AV-RD101", "人大常委会会议室音视频", C.AV, "RD", 1, "101", "", BUILT, 10, 70000, "某音响工程公司", PROPERTY, P),
    ("AV-ZF101", "政府常务会议室音视频", C.AV, "ZF", 1, "101", "", date(2016, 8, 1), 10, 85000, "某音响工程公司", PROPERTY, F),
    ("AV-ZX101", "政协常委会议室音视频", C.AV, "ZX", 1, "101", "", BUILT, 10, 70000, "某音响工程公司", PROPERTY, P),
]

# category: (title, kind, every, unit, cost per visit)
PLANS: dict[AssetCategory, list[tuple]] = {
    C.LIFT: [("半月维保", PlanKind.ROUTINE, 15, IntervalUnit.DAYS, 0),
             ("特种设备年度定期检验", PlanKind.STATUTORY, 12, IntervalUnit.MONTHS, 1200)],
    C.TRANSFORMER: [("电气预防性试验", PlanKind.STATUTORY, 12, IntervalUnit.MONTHS, 3500)],
    C.DISTRIBUTION: [("紧固与红外测温", PlanKind.ROUTINE, 6, IntervalUnit.MONTHS, 400)],
    C.PUMP: [("水泵保养", PlanKind.ROUTINE, 3, IntervalUnit.MONTHS, 600)],
    C.PIPES: [("管道阀门巡检", PlanKind.ROUTINE, 6, IntervalUnit.MONTHS, 800)],
    C.HVAC: [("清洗滤网与检查", PlanKind.ROUTINE, 3, IntervalUnit.MONTHS, 900)],
    C.FIRE: [("消防设施月度检查", PlanKind.ROUTINE, 1, IntervalUnit.MONTHS, 300),
             ("消防设施年度检测", PlanKind.STATUTORY, 12, IntervalUnit.MONTHS, 2500)],
    C.GENERATOR: [("试机带载运行", PlanKind.ROUTINE, 1, IntervalUnit.MONTHS, 200)],
    C.SECURITY: [("设备巡检与录像检查", PlanKind.ROUTINE, 3, IntervalUnit.MONTHS, 300)],
    C.AV: [("会前调试与保养", PlanKind.ROUTINE, 6, IntervalUnit.MONTHS, 500)],
}
LIFT_QUARTER_FEE = Decimal("4800.00")  # the lift contractor bills its half-monthly visits by quarter
HISTORY_DAYS = 730


def seed_demo() -> None:
    if db.session.scalar(select(func.count()).select_from(Asset)):
        return
    if db.session.scalar(select(func.count()).select_from(Room)) == 0:
        return
    # The repairs' own demo first (it only runs on an empty queue), so the lift repairs can be tied to the lifts.
    from portal.blueprints.repairs.demo import seed_demo as seed_repairs

    seed_repairs()
    rng = random.Random(2006)
    now = timeutil.now()
    today = now.astimezone(timeutil.LOCAL_TZ).date()
    floors = {(f.building.code, f.level): f for f in db.session.scalars(select(Floor).join(Building))}
    rooms = {(r.floor_id, r.number): r for r in db.session.scalars(select(Room))}
    property_user = db.session.scalar(select(User).where(User.username == "property"))
    assets: list[Asset] = []
    for (code, name, category, building, level, room, zone, installed, life, cost, supplier, maintainer,
         condition) in ITEMS:
        floor = floors.get((building, level))
        if floor is None:
            continue
        asset = Asset(
            code=code, name=name, category=category, floor=floor,
            room=rooms.get((floor.id, room)) if room else None, zone=zone, install_date=installed,
            expected_life_years=life, replacement_cost=Decimal(cost).quantize(Decimal("0.01")), supplier=supplier,
            maintainer=maintainer, contract_end=date(today.year + 1, 12, 31) if maintainer != PROPERTY else None,
            warranty_end=installed.replace(year=installed.year + 2), condition=condition,
            condition_date=today - timedelta(days=rng.randrange(20, 200)), notes="", created_at=now,
        )
        db.session.add(asset)
        assets.append(asset)
    db.session.flush()
    for asset in assets:
        _plans(asset, rng, today, property_user, now)
    _tie_lift_repairs(assets)
    logistics = db.session.scalar(select(User).where(User.username == "logistics"))
    _documents(assets, logistics, now)
    _stop_projector_plan(assets, logistics, now, today)
    _generator_hours(assets, property_user, logistics, now, today)
    db.session.flush()
    if property_user is not None:
        _rounds(property_user, now)
    db.session.commit()


def _rounds(inspector: User, now) -> None:
    """Last week's fire-system round of the main building: the sprinkler pump failed its check."""
    from portal.blueprints.equipment.models import CheckResult
    from portal.blueprints.equipment.services import Finding, finish_round, start_round

    main = db.session.scalar(select(Building).where(Building.code == "ZL"))
    if main is None:
        return
    started = now - timedelta(days=6, hours=2)
    round_ = start_round(AssetCategory.FIRE, main.id, actor=inspector, now=started)
    findings = {line.asset_id: Finding(CheckResult.PASS) for line in round_.results}
    for line in round_.results:
        if line.asset.code == "XF-B-03":
            findings[line.asset_id] = Finding(CheckResult.FAIL, "喷淋泵启动后压力达不到设定值，机械密封处滴水。")
    finish_round(round_, findings, note="", actor=inspector, now=started + timedelta(hours=1))


def _plans(asset: Asset, rng: random.Random, today: date, actor: User | None, now) -> None:
    for title, kind, every, unit, visit_cost in PLANS[asset.category]:
        # a schedule that started when the item came into use, on a day near its install day
        anchor = max(asset.install_date, date(2007, 1, 1)) + timedelta(days=rng.randrange(0, 28))
        due = first_after(anchor, every, unit, today - timedelta(days=HISTORY_DAYS))
        plan = MaintenancePlan(asset=asset, title=title, kind=kind, every=every, unit=unit, anchor=anchor,
                               next_due=due, remind_days=30 if kind is PlanKind.STATUTORY else 7, active=True)
        db.session.add(plan)
        # a few plans have fallen behind; the others are done up to today
        cutoff = today - timedelta(days=rng.randrange(20, 60)) if rng.random() < 0.12 else today - timedelta(days=1)
        while due <= cutoff:
            if visit_cost:
                cost = (Decimal(visit_cost) * Decimal(str(round(rng.uniform(0.8, 1.3), 2)))).quantize(Decimal("0.01"))
                done_on = min(due + timedelta(days=rng.randrange(0, 5)), today)
                db.session.add(MaintenanceRecord(asset=asset, plan=plan, due_on=due, done_on=done_on, cost=cost,
                                                 note=title, actor=actor, recorded_at=now))
            due = first_after(anchor, every, unit, due)
        plan.next_due = due
    if asset.category is AssetCategory.LIFT:
        quarter = date(today.year - 2, 1, 1)
        while quarter < today:
            end = nth_date(quarter, 3, IntervalUnit.MONTHS, 1) - timedelta(days=1)
            if end < today:
                db.session.add(MaintenanceRecord(asset=asset, due_on=None, done_on=end, cost=LIFT_QUARTER_FEE,
                                                 note="季度维保费（半月维保）", actor=actor, recorded_at=now))
            quarter = end + timedelta(days=1)


def _pdf(text: str) -> bytes:
    """A one-page PDF saying ``text`` (ASCII): the demo's stand-in for a scanned document."""
    stream = f"BT /F1 14 Tf 72 760 Td ({text}) Tj ET".encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


# item code, kind, title, file name, text of the stand-in PDF
DOCUMENTS = (
    ("DT-ZL-01", DocumentKind.MANUAL, "1号客梯使用维护说明书", "客梯使用维护说明书.pdf", "Passenger lift: operation and maintenance manual"),
    ("DT-ZL-01", DocumentKind.CERTIFICATE, "电梯定期检验报告", "电梯定期检验报告.pdf", "Lift DT-ZL-01: periodic inspection report"),
    ("FDJ-01", DocumentKind.MANUAL, "柴油发电机组操作手册", "发电机组操作手册.pdf", "Diesel generator set 300 kW: operating manual"),
)


def _documents(assets: list[Asset], actor: User | None, now) -> None:
    from portal.blueprints.equipment.services import add_document

    by_code = {asset.code: asset for asset in assets}
    for code, kind, title, name, text in DOCUMENTS:
        if code in by_code:
            add_document(by_code[code], kind, title, (_pdf(text), name), actor=actor, now=now)


def _generator_hours(assets: list[Asset], reader: User | None, planner: User | None, now, today: date) -> None:
    """The standby generator's hour meter, read monthly: an hour's test run a week, and the 2025 summer outages.
    Its oil-and-filters service is due every 250 running hours; the last was two years ago, so it is due soon."""
    from portal.blueprints.equipment.services import PlanDraft, create_plan, record_reading

    generator = next((a for a in assets if a.code == "FDJ-01"), None)
    if generator is None:
        return
    rng = random.Random(300)
    hours, month = 1662, add_months(today.replace(day=1), -24)
    record_reading(generator, read_on=month, value=hours, actor=reader, now=now)
    create_plan(generator, PlanDraft("250小时保养（机油、三滤）", PlanKind.ROUTINE, 250, IntervalUnit.HOURS, None, 14),
                actor=planner, now=now)
    while (month := add_months(month, 1)) <= today:
        hours += rng.randrange(7, 11) + (19 if (month.year, month.month) in ((2025, 7), (2025, 8)) else 0)
        record_reading(generator, read_on=month, value=hours, actor=reader, now=now)


def _stop_projector_plan(assets: list[Asset], actor: User | None, now, today: date) -> None:
    """The lecture hall's projector stays on the wall, but the LED screen does its work: its plan was stopped."""
    from portal.blueprints.equipment.services import stop_plan

    projector = next((a for a in assets if a.code == "AV-ZL101-TY"), None)
    if projector is not None and projector.plans:
        stop_plan(projector.plans[0], stopped_on=today - timedelta(days=60), reason="报告厅改用LED电子屏，投影机停用",
                  actor=actor, now=now)


def _tie_lift_repairs(assets: list[Asset]) -> None:
    """The repairs demo's lift faults belong to the lifts: "1号电梯" to DT-ZL-01, the others spread."""
    from portal.blueprints.repairs.models import Category, RepairRequest
    from portal.blueprints.repairs.services import normalise_spot

    lifts = [a for a in assets if a.category is AssetCategory.LIFT]
    if not lifts:
        return
    repairs = db.session.scalars(
        select(RepairRequest).where(RepairRequest.category == Category.ELEVATOR).order_by(RepairRequest.id)
    ).all()
    for index, repair in enumerate(repairs):
        spot = normalise_spot(repair.spot)
        lift = lifts[0] if "1号" in spot else lifts[index % len(lifts)]
        db.session.add(AssetRepair(asset=lift, repair_id=repair.id))
