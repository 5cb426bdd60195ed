"""Demo visitor log: people on site now, a few weeks of history, visitors
expected today and one watchlist entry. Document numbers are made up but pass
the checksum, and are stored the way the configured mode says (masked by
default). Idempotent: nothing is added once the log has entries."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import func, select

from portal import timeutil
from portal.blueprints.visitors.models import (
    PreregistrationStatus,
    VisitorEntry,
    VisitorPreregistration,
    WatchAction,
    WatchlistEntry,
)
from portal.blueprints.visitors.privacy import document_digest, mask_document, reduce_document
from portal.blueprints.visitors.services import new_submission_token, settings_from_config
from portal.blueprints.visitors.validation import IdType, id_check_digit, normalize_name
from portal.db import db
from portal.models import Unit, User
from portal.blueprints.workdays.days import is_workday

# Pengxi county and its neighbours (Suining, Chengdu, Chongqing, Nanchong).
REGION_CODES = ("510921", "510921", "510921", "510903", "510904", "510922", "510107", "500103", "511302")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红玲芬燕彬斌宇浩凯健俊帆旭宁龙林欣颖晨阳雪梅海波鹏辉丹云峰"
ORGANIZATIONS = ("蓬溪县某建筑公司", "遂宁市某律师事务所", "县第一小学", "四川某信息技术有限公司", "县人民医院",
                 "赤城镇人民政府", "某保险公司蓬溪支公司", "", "", "")
PURPOSES = ("办事", "开会", "送文件", "施工维修", "走访", "面试", "办理社保", "项目对接")
PLATE_LETTERS = "ABCDEFGHJ"


def fake_resident_id(rng: random.Random) -> str:
    """A well-formed, made-up resident ID number (it passes the check digit)."""
    born = date(1955, 1, 1) + timedelta(days=rng.randrange(0, 365 * 48))
    first17 = f"{rng.choice(REGION_CODES)}{born:%Y%m%d}{rng.randrange(0, 1000):03d}"
    return first17 + id_check_digit(first17)


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def _plate(rng: random.Random) -> str:
    if rng.random() < 0.3:
        return f"川{rng.choice('JA')}D{rng.randrange(10000, 99999)}"  # new-energy
    return f"川{rng.choice('JA')}{rng.choice(PLATE_LETTERS)}{rng.randrange(1000, 9999)}"


def seed_demo() -> None:
    if db.session.scalar(select(func.count()).select_from(VisitorEntry)):
        return
    units = db.session.scalars(select(Unit).order_by(Unit.sort_order)).all()
    if not units:
        return
    rng = random.Random(5)
    settings = settings_from_config(current_app.config)
    guard = db.session.scalar(select(User).where(User.username == "guard"))
    hosts = {
        unit.id: [u.display_name for u in unit.members if not u.password_hash] or [unit.short_name]
        for unit in units
    }
    now = timeutil.now()
    today = now.date()

    def entry(at: datetime, *, out: datetime | None, badge: str | None = None, **fields) -> VisitorEntry:
        unit = fields.pop("unit", None) or rng.choice(units)
        stored = reduce_document(IdType.RESIDENT_ID, fake_resident_id(rng), settings.storage, settings.cipher)
        values = {
            "phone": f"1{rng.choice('3589')}{rng.randrange(0, 10**9):09d}",
            "organization": rng.choice(ORGANIZATIONS),
            "host_name": rng.choice(hosts[unit.id]),
            "purpose": rng.choice(PURPOSES),
            "companions": rng.choice((0, 0, 0, 0, 1, 2)),
            "plate": _plate(rng) if rng.random() < 0.35 else "",
        } | fields
        visit = VisitorEntry(
            submission_token=new_submission_token(),
            name=values.pop("name", None) or _name(rng),
            id_type=IdType.RESIDENT_ID,
            id_checked=True,
            id_masked=stored.masked,
            id_encrypted=stored.encrypted,
            unit_id=unit.id,
            badge=badge,
            checked_in_at=at,
            checked_in_by_id=guard.id if guard else None,
            checked_out_at=out,
            checked_out_by_id=guard.id if guard and out else None,
            **values,
        )
        db.session.add(visit)
        return visit

    # History: the last five weeks of workdays, 6–14 visits a day.
    for days_ago in range(35, 0, -1):
        day = today - timedelta(days=days_ago)
        if is_workday(day) is False or (is_workday(day) is None and day.weekday() >= 5):
            continue
        for _ in range(rng.randrange(6, 15)):
            at = timeutil.local(day, time(8, 30)) + timedelta(minutes=rng.randrange(0, 8 * 60))
            entry(at, out=at + timedelta(minutes=rng.randrange(10, 150)), badge=str(rng.randrange(1, 60)))
    # One left behind yesterday: still "on site", flagged as after closing.
    yesterday = timeutil.local(today - timedelta(days=1), time(16, 40))
    entry(yesterday, out=None, badge="58", purpose="施工维修", organization="四川某信息技术有限公司")
    # On site now: came in over the last hours.
    for minutes_ago, badge in ((170, "3"), (95, "7"), (64, "12"), (41, "15"), (18, "21"), (6, None)):
        entry(now - timedelta(minutes=minutes_ago), out=None, badge=badge)

    # Expected today (and tomorrow), registered by the demo staff accounts.
    accounts = {u.username: u for u in db.session.scalars(select(User).where(User.username.in_(["staff", "unitadmin", "logistics"])))}
    by_short = {u.short_name: u for u in units}
    plans = (
        ("staff", 0, time(9, 0), time(11, 0), "人社局", "办理社保"),
        ("staff", 0, time(14, 0), time(16, 0), "人社局", "项目对接"),
        ("unitadmin", 0, time(10, 0), time(17, 0), "人社局", "开会"),
        ("logistics", 0, time(13, 30), time(15, 0), "后勤管理中心", "施工维修"),
        ("staff", 1, time(9, 30), time(11, 30), "人社局", "面试"),
    )
    for username, offset, start, end, short, purpose in plans:
        user = accounts.get(username)
        if user is None:
            continue
        db.session.add(
            VisitorPreregistration(
                created_by_id=user.id,
                unit_id=by_short[short].id if short in by_short else None,
                host_name=user.display_name,
                visit_date=today + timedelta(days=offset),
                window_start=start,
                window_end=end,
                visitor_name=_name(rng),
                id_type=IdType.RESIDENT_ID,
                phone=f"1{rng.choice('3589')}{rng.randrange(0, 10**9):09d}",
                organization=rng.choice(ORGANIZATIONS[:7]),
                purpose=purpose,
                companions=rng.choice((0, 1)),
                plate=_plate(rng) if rng.random() < 0.5 else "",
                status=PreregistrationStatus.EXPECTED,
            )
        )

    watched_number = fake_resident_id(rng)
    logistics = accounts.get("logistics")
    db.session.add(
        WatchlistEntry(
            name="钱某某",
            name_key=normalize_name("钱某某"),
            id_type=IdType.RESIDENT_ID,
            id_masked=mask_document(IdType.RESIDENT_ID, watched_number),
            id_digest=document_digest(IdType.RESIDENT_ID, watched_number, settings.digest_secret),
            reason="多次在办公区推销保险，已被投诉；请劝离。",
            action=WatchAction.ESCALATE,
            created_by_id=logistics.id if logistics else None,
        )
    )
    db.session.flush()
