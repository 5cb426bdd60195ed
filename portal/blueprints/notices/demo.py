"""Demo notices: a few current public and staff-only ones (one pinned) and one
expired, dated around the day the demo is loaded. Idempotent by title."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal import timeutil
from portal.blueprints.notices.models import Audience, Notice
from portal.db import db
from portal.models import Unit, User

# title, body, audience, unit short name, author, days from today (publish, expiry), pinned
DEMO_NOTICES = (
    (
        "关于元旦假期行政中心开放安排的通知",
        "元旦假期期间（1月1日至1月3日），行政中心主楼正门开放时间为 8:30–17:30，附楼暂停对外开放。\n\n"
        "便民服务大厅假期不办理业务，急办事项请拨打值班电话 0825-5400000。\n"
        "办事指南详见：https://www.example.gov.cn/bmfw/",
        Audience.PUBLIC, "后勤管理中心", "logistics", (-2, 20), True,
    ),
    (
        "主楼电梯年度检验的通知",
        "本周四 9:00–12:00 对主楼 1 号、2 号电梯进行年度检验，检验期间请使用 3 号电梯或楼梯。\n给各位带来的不便，敬请谅解。",
        Audience.PUBLIC, "后勤管理中心", "logistics", (-1, 6), False,
    ),
    (
        "社保卡集中补换领服务时间调整",
        "即日起，人社局社保卡窗口（便民服务大厅 8 号窗口）工作日中午 12:00–14:00 延时服务，方便群众办理社保卡补换领。",
        Audience.PUBLIC, "人社局", "unitadmin", (-3, 30), False,
    ),
    (
        "机关食堂下周菜单及就餐时间",
        "下周起机关食堂午餐时间调整为 11:45–12:45，请各单位干部职工错峰就餐。\n本周菜单已张贴在食堂门口。",
        Audience.STAFF, "后勤管理中心", "logistics", (0, 7), False,
    ),
    (
        "人社局关于本周五下午集中学习的通知",
        "本周五 15:00 在主楼第四会议室（301）召开集中学习会，请局机关全体干部准时参加，不得无故缺席。",
        Audience.STAFF, "人社局", "unitadmin", (-1, 4), False,
    ),
    (
        "国庆假期班车停运通知",
        "国庆假期期间机关通勤班车停运，节后第一个工作日恢复正常运行。",
        Audience.PUBLIC, "后勤管理中心", "logistics", (-60, -45), False,
    ),
)


def seed_demo() -> None:
    existing = set(db.session.scalars(select(Notice.title)))
    units = {u.short_name: u for u in db.session.scalars(select(Unit))}
    users = {u.username: u for u in db.session.scalars(select(User).where(User.username.in_(["logistics", "unitadmin"])))}
    today = timeutil.now().replace(minute=0, second=0, microsecond=0)
    for title, body, audience, unit_name, author, (start, end), pinned in DEMO_NOTICES:
        if title in existing or unit_name not in units:
            continue
        author_user = users.get(author)
        db.session.add(
            Notice(
                title=title,
                body=body,
                audience=audience,
                unit=units[unit_name],
                author_id=author_user.id if author_user else None,
                publish_at=today + timedelta(days=start),
                expires_at=today + timedelta(days=end),
                pinned=pinned,
            )
        )
    db.session.flush()
