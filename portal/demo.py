"""The demo building, modelled on the report in ``shared/seed``: a 6-storey main
building (主楼), four 3-storey annexes, 37 units, ~530 staff, 21 meeting rooms
and the VIP reception room. Deterministic, and idempotent: running it again
changes nothing that is already there."""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal
from importlib import import_module, util

from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from portal import events, timeutil
from portal.blueprints import capability_modules
from portal.db import db
from portal.models import Building, Equipment, Floor, Role, Room, RoomKind, Unit, User

BUILDINGS = (
    # code, name, storeys, description
    ("ZL", "主楼", 6, "六层行政主楼，平面呈弧形；一楼为便民服务大厅和多功能报告厅。"),
    ("XW", "县委附楼", 3, "主楼后侧，县委机关。"),
    ("RD", "人大附楼", 3, "主楼后侧，县人大常委会机关。"),
    ("ZF", "政府附楼", 3, "主楼后侧，县政府机关。"),
    ("ZX", "政协附楼", 3, "主楼后侧，县政协机关。"),
)

P, S, M, V, W = (
    Equipment.PROJECTOR,
    Equipment.SCREEN,
    Equipment.MICROPHONES,
    Equipment.VIDEO_CONFERENCE,
    Equipment.WELCOME_SCREEN,
)

# building, floor, number, name, kind, capacity, equipment
MEETING_ROOMS = (
    ("ZL", 1, "101", "多功能报告厅", RoomKind.MEETING, 240, (P, S, M, W)),
    ("ZL", 1, "102", "第一会议室", RoomKind.MEETING, 60, (P, S, M, W)),
    ("ZL", 1, "103", "贵宾接待室", RoomKind.VIP_RECEPTION, 12, (S, W)),
    ("ZL", 2, "201", "第二会议室", RoomKind.MEETING, 40, (P, S, M)),
    ("ZL", 2, "218", "第三会议室", RoomKind.MEETING, 30, (P, S)),
    ("ZL", 3, "301", "第四会议室", RoomKind.MEETING, 30, (P, S, M)),
    ("ZL", 3, "318", "第五会议室", RoomKind.MEETING, 20, (S,)),
    ("ZL", 4, "401", "第六会议室", RoomKind.MEETING, 30, (P, S, M)),
    ("ZL", 4, "418", "第七会议室", RoomKind.MEETING, 20, (S,)),
    ("ZL", 5, "501", "第八会议室", RoomKind.MEETING, 50, (P, S, M, V)),
    ("ZL", 5, "518", "第九会议室", RoomKind.MEETING, 20, (S,)),
    ("ZL", 6, "601", "常委会议室", RoomKind.MEETING, 40, (P, S, M, W)),
    ("ZL", 6, "602", "视频会议室", RoomKind.MEETING, 60, (P, S, M, V, W)),
    ("ZL", 6, "618", "第十会议室", RoomKind.MEETING, 16, (S,)),
    ("XW", 1, "101", "县委第一会议室", RoomKind.MEETING, 40, (P, S, M, V)),
    ("XW", 3, "301", "县委第二会议室", RoomKind.MEETING, 20, (S,)),
    ("RD", 1, "101", "人大常委会会议室", RoomKind.MEETING, 60, (P, S, M, W)),
    ("RD", 2, "201", "人大第二会议室", RoomKind.MEETING, 20, (S,)),
    ("ZF", 1, "101", "政府常务会议室", RoomKind.MEETING, 40, (P, S, M, V, W)),
    ("ZF", 2, "201", "政府第二会议室", RoomKind.MEETING, 24, (P, S)),
    ("ZX", 1, "101", "政协常委会议室", RoomKind.MEETING, 60, (P, S, M, W)),
    ("ZX", 2, "201", "政协第二会议室", RoomKind.MEETING, 20, (S,)),
)

OTHER_ROOMS = (
    ("ZL", 1, "104", "便民服务大厅", RoomKind.SERVICE_HALL, 120),
    ("ZL", 1, "105", "安保值班室", RoomKind.OTHER, None),
    ("ZL", 1, "106", "物业服务中心", RoomKind.OTHER, None),
)

# name, short name, building, floor, headcount, duties
UNITS = (
    ("县委办公室", "县委办", "XW", 2, 24, "负责县委日常事务、文电会务、督查督办和机要保密工作。"),
    ("县纪委监委", "纪委监委", "XW", 2, 26, "负责党风廉政建设、监督执纪问责和监察调查处置。"),
    ("县委组织部", "组织部", "XW", 3, 18, "负责党的组织建设、干部管理和人才工作。"),
    ("县委宣传部", "宣传部", "XW", 3, 14, "负责宣传思想、新闻发布和精神文明建设工作。"),
    ("县委统战部", "统战部", "XW", 1, 9, "负责统一战线工作、民族宗教和侨务工作。"),
    ("县委政法委", "政法委", "XW", 1, 11, "负责政法工作统筹、平安建设和社会治安综合治理。"),
    ("县人大常委会办公室", "人大办", "RD", 2, 16, "负责县人大常委会会议组织、代表联络和信访接待。"),
    ("县人大常委会法制工作委员会", "法工委", "RD", 3, 6, "负责地方立法联系、规范性文件备案审查。"),
    ("县人民政府办公室", "政府办", "ZF", 2, 25, "负责县政府日常运转、政务公开和政务督查。"),
    ("县信访局", "信访局", "ZF", 1, 10, "负责群众来信来访的受理、交办和督办。"),
    ("县政府研究室", "研究室", "ZF", 3, 6, "负责政策研究和重要文稿起草。"),
    ("县政协办公室", "政协办", "ZX", 2, 14, "负责县政协会议组织、委员联络和文史资料工作。"),
    ("县政协提案委员会", "提案委", "ZX", 3, 5, "负责政协提案的征集、审查、交办和督办。"),
    ("县行政审批局", "审批局", "ZL", 1, 22, "负责政务服务大厅运行，集中办理行政许可事项。"),
    ("县医疗保障局", "医保局", "ZL", 1, 13, "负责医疗保险参保、待遇和医药服务管理。"),
    ("县统计局", "统计局", "ZL", 1, 9, "负责统计调查、统计监督和数据发布。"),
    ("县机关事务服务中心", "后勤管理中心", "ZL", 1, 8, "行政中心后勤管理中心：物业监管、水电费收取、会议室和交通车管理。"),
    ("县发展和改革局", "发改局", "ZL", 2, 17, "负责国民经济和社会发展规划、项目审批和价格管理。"),
    ("县经济和信息化局", "经信局", "ZL", 2, 13, "负责工业经济运行、中小企业发展和信息化建设。"),
    ("县教育局", "教育局", "ZL", 2, 20, "负责全县教育事业规划、学校管理和招生考试。"),
    ("县科学技术局", "科技局", "ZL", 2, 7, "负责科技计划、科技成果转化和科普工作。"),
    ("县民政局", "民政局", "ZL", 3, 15, "负责社会救助、婚姻登记、养老服务和社会组织管理。"),
    ("县司法局", "司法局", "ZL", 3, 12, "负责法治宣传、人民调解、法律援助和公共法律服务。"),
    ("县财政局", "财政局", "ZL", 3, 24, "负责财政预算、国库支付、政府采购和国有资产管理。"),
    ("县人力资源和社会保障局", "人社局", "ZL", 3, 21, "负责就业创业、社会保险、社保卡和劳动关系工作。"),
    ("县自然资源和规划局", "自然资源局", "ZL", 4, 19, "负责国土空间规划、不动产登记和自然资源管理。"),
    ("县生态环境局", "生态环境局", "ZL", 4, 12, "负责生态环境保护、环境影响评价和污染防治。"),
    ("县住房和城乡建设局", "住建局", "ZL", 4, 18, "负责建筑市场、房地产市场和城乡建设管理。"),
    ("县交通运输局", "交通局", "ZL", 4, 14, "负责公路建设养护、道路运输和交通执法。"),
    ("县水利局", "水利局", "ZL", 5, 13, "负责水资源管理、水利工程建设和防汛抗旱。"),
    ("县农业农村局", "农业农村局", "ZL", 5, 20, "负责农业生产、农村改革和乡村振兴工作。"),
    ("县商务局", "商务局", "ZL", 5, 9, "负责商贸流通、招商引资和对外贸易。"),
    ("县文化广播电视和旅游局", "文广旅局", "ZL", 5, 12, "负责文化、广播电视、旅游和文物工作。"),
    ("县卫生健康局", "卫健局", "ZL", 6, 16, "负责医疗卫生服务、公共卫生和计划生育工作。"),
    ("县退役军人事务局", "退役军人局", "ZL", 6, 9, "负责退役军人安置、优抚和权益保障。"),
    ("县应急管理局", "应急局", "ZL", 6, 12, "负责安全生产监管、应急救援和防灾减灾。"),
    ("县审计局", "审计局", "ZL", 6, 11, "负责财政收支和国有资产的审计监督。"),
)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范廖石金贾夏韦付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严欧莫孔向常汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬斌宇浩凯健俊帆帅旭宁龙林欣颖琳晨阳雪梅海波鹏辉丹云峰建国志勇春花晓东文博思远佳怡子涵雨轩梓萱浩然"
TITLES = ("科员", "科员", "科员", "一级科员", "副主任科员", "副科长", "科长", "副局长")


@dataclass(frozen=True)
class DemoAccount:
    username: str
    display_name: str
    roles: tuple[Role, ...]
    unit_short_name: str | None
    title: str = ""


DEMO_ACCOUNTS = (
    DemoAccount("admin", "系统管理员", (Role.SYSADMIN,), "后勤管理中心", "信息系统管理员"),
    DemoAccount("logistics", "后勤管理中心 陈主任", (Role.EMPLOYEE, Role.LOGISTICS_ADMIN), "后勤管理中心", "主任"),
    DemoAccount("guard", "门岗保安 刘师傅", (Role.SECURITY,), None, "安保员"),
    DemoAccount("property", "物业公司 周经理", (Role.PROPERTY,), None, "物业项目经理"),
    DemoAccount("unitadmin", "人社局 王科长", (Role.EMPLOYEE, Role.UNIT_ADMIN), "人社局", "办公室科长"),
    DemoAccount("staff", "人社局 李明", (Role.EMPLOYEE,), "人社局", "科员"),
)


def building_is_empty() -> bool:
    return db.session.scalar(select(func.count()).select_from(Building)) == 0


def seed_building(rng: random.Random) -> None:
    buildings: dict[str, Building] = {}
    floors: dict[tuple[str, int], Floor] = {}
    for order, (code, name, storeys, description) in enumerate(BUILDINGS):
        building = Building(code=code, name=name, sort_order=order, description=description)
        db.session.add(building)
        buildings[code] = building
        for level in range(1, storeys + 1):
            floor = Floor(building=building, level=level, label=f"{level}楼")
            db.session.add(floor)
            floors[code, level] = floor

    used: set[tuple[str, str]] = set()
    for code, level, number, name, kind, capacity, equipment in MEETING_ROOMS:
        area = Decimal(max(20, capacity * 2))
        db.session.add(
            Room(floor=floors[code, level], number=number, name=name, kind=kind, capacity=capacity,
                 area_m2=area, equipment=[e.value for e in equipment])
        )
        used.add((code, number))
    for code, level, number, name, kind, capacity in OTHER_ROOMS:
        db.session.add(Room(floor=floors[code, level], number=number, name=name, kind=kind,
                            capacity=capacity, area_m2=Decimal(240 if kind is RoomKind.SERVICE_HALL else 30)))
        used.add((code, number))

    next_number: dict[tuple[str, int], int] = {}
    for order, (name, short_name, code, level, headcount, duties) in enumerate(UNITS):
        unit = Unit(
            name=name,
            short_name=short_name,
            phone=f"0825-54{rng.randrange(10000, 99999)}",
            office_hours="工作日 8:30–12:00，14:00–17:30",
            duties=duties,
            headcount=headcount,
            sort_order=order,
        )
        db.session.add(unit)
        offices = max(2, headcount // 5)
        for _ in range(offices):
            while True:
                n = next_number.get((code, level), 2)
                next_number[code, level] = n + 1
                number = f"{level}{n:02d}"
                if (code, number) not in used:
                    break
            used.add((code, number))
            db.session.add(
                Room(floor=floors[code, level], number=number, kind=RoomKind.OFFICE, unit=unit,
                     area_m2=Decimal(rng.choice((18, 24, 24, 30, 36))), capacity=None)
            )
    db.session.flush()


def seed_staff(rng: random.Random) -> None:
    """Directory entries (no login) for every unit's headcount."""
    from pypinyin import lazy_pinyin  # heavy; only seeding needs it here
    taken = set(db.session.scalars(select(User.username)))
    units = db.session.scalars(select(Unit).order_by(Unit.sort_order)).all()
    for unit in units:
        offices = list(unit.rooms)
        for i in range(unit.headcount):
            name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
            base = "".join(lazy_pinyin(name))
            username, n = base, 1
            while username in taken:
                n += 1
                username = f"{base}{n}"
            taken.add(username)
            db.session.add(
                User(
                    username=username,
                    display_name=name,
                    unit=unit,
                    title=TITLES[-1] if i == 0 else rng.choice(TITLES[:-1]),
                    phone_ext=f"{rng.randrange(5000, 5999)}",
                    office_room=offices[i % len(offices)] if offices else None,
                    password_hash="",
                )
            )
    db.session.flush()


def seed_accounts(password: str, *, hash_method: str, reset_passwords: bool) -> list[DemoAccount]:
    units = {u.short_name: u for u in db.session.scalars(select(Unit))}
    password_hash = generate_password_hash(password, method=hash_method)
    for account in DEMO_ACCOUNTS:
        user = db.session.scalar(select(User).where(User.username == account.username))
        if user is None:
            user = User(username=account.username, display_name=account.display_name, password_hash=password_hash)
            db.session.add(user)
        elif reset_passwords:
            user.password_hash = password_hash
        user.display_name = account.display_name
        user.title = account.title
        user.unit = units.get(account.unit_short_name) if account.unit_short_name else None
        user.active = True
        user.roles = set(account.roles)
        if user.unit and not user.office_room and user.unit.rooms:
            user.office_room = user.unit.rooms[0]
    db.session.flush()
    return list(DEMO_ACCOUNTS)


def seed_capabilities() -> list[str]:
    """Run each capability's ``demo.seed_demo()`` (each is idempotent itself)."""
    seeded = []
    for module in capability_modules():
        name = f"{module.__name__}.demo"
        if util.find_spec(name) is None:
            continue
        import_module(name).seed_demo()
        seeded.append(module.__name__.rsplit(".", 1)[-1])
    return seeded


def seed_demo(password: str, *, hash_method: str, reset_passwords: bool) -> list[str]:
    """Load the demo building; returns the capabilities that added their own data."""
    rng = random.Random(2006)  # the building opened in December 2006
    if building_is_empty():
        seed_building(rng)
        seed_staff(rng)
    seed_accounts(password, hash_method=hash_method, reset_passwords=reset_passwords)
    db.session.commit()
    seeded = seed_capabilities()
    db.session.commit()
    # the reminders' first run (cron runs them later): the demo's overdue repairs and open months are to-dos
    events.remind(now=timeutil.now())
    db.session.commit()
    return seeded
