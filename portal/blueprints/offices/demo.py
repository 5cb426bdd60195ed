"""Demo office space: the allocation plan of December 2006, when the 37 units
moved into the building (各单位按照房间分配方案实施集中办公), with every
staff member at their directory office and ranked from their title; then a
little history — a move within 人社局 in 2024, an approved exception for
县委办's confidential-equipment room — and the 2025 publication. Idempotent.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from portal import timeutil
from portal.blueprints.offices.models import (
    OfficePublication,
    OfficeRoomEntry,
    OfficeSeat,
    OfficeStandard,
    RoomUse,
)
from portal.blueprints.offices.services import (
    ExceptionDraft,
    FindingDraft,
    MoveDraft,
    PublishDraft,
    StockTakeDraft,
    ensure_default_standards,
    ledger,
    move_seat,
    publish,
    record_exception,
    record_finding,
    start_stock_take,
    today,
)
from portal.db import db
from portal.models import Room, RoomKind, Unit, User

MOVED_IN = date(2006, 12, 1)
LOGISTICS_UNIT = "后勤管理中心"
SERVICE_ROOMS = {"安保值班室": RoomUse.SERVICE, "物业服务中心": RoomUse.SERVICE}
SECTION_TITLES = ("局长", "部长", "主任", "书记")  # in a county, heads and deputies of bureaus are 乡科级


def rank_for(title: str) -> str:
    """The standard's row for a directory title (the demo's guess; logistics corrects it per person)."""
    if any(word in title for word in SECTION_TITLES) and "科员" not in title:
        return "乡科级"
    return "乡科级以下"


def seed_demo() -> None:
    if db.session.scalar(select(func.count()).select_from(OfficeRoomEntry)):
        return
    if not db.session.scalar(select(func.count()).select_from(Room)):
        return
    ensure_default_standards()
    standards = {s.name: s for s in db.session.scalars(select(OfficeStandard))}
    logistics = db.session.scalar(select(Unit).where(Unit.short_name == LOGISTICS_UNIT))
    rooms = db.session.scalars(select(Room).where(Room.kind.in_([RoomKind.OFFICE, RoomKind.OTHER]))).all()
    for room in rooms:
        if room.unit_id is not None:
            db.session.add(OfficeRoomEntry(room_id=room.id, valid_from=MOVED_IN, unit_id=room.unit_id,
                                           use=RoomUse.OFFICE, area_m2=room.area_m2 or 18, note="2006年房间分配方案"))
        elif room.name in SERVICE_ROOMS and logistics is not None:
            room.unit_id = logistics.id
            db.session.add(OfficeRoomEntry(room_id=room.id, valid_from=MOVED_IN, unit_id=logistics.id,
                                           use=SERVICE_ROOMS[room.name], area_m2=room.area_m2 or 30,
                                           note="2006年房间分配方案"))
    db.session.flush()
    offices = {room.id for room in rooms if room.unit_id is not None}
    people = db.session.scalars(
        select(User).where(User.active.is_(True), User.unit_id.is_not(None), User.office_room_id.is_not(None))
        .order_by(User.id)
    ).all()
    for person in people:
        if person.office_room_id in offices and person.office_room.unit_id == person.unit_id:
            db.session.add(OfficeSeat(room_id=person.office_room_id, user_id=person.id,
                                      standard_id=standards[rank_for(person.title)].id, start_date=MOVED_IN))
    db.session.flush()
    now = timeutil.now()
    _history(now)
    if timeutil.now().date() > date(2025, 12, 1) and not db.session.scalar(select(OfficePublication.id)):
        publish(PublishDraft(year=2025, as_of=date(2025, 12, 1)), actor=None, now=now)
    _stock_take(now)
    db.session.commit()


def _history(now) -> None:
    """A move in 人社局 and an exception in 县委办, through the services (so audited)."""
    hr = db.session.scalar(select(Unit).where(Unit.short_name == "人社局"))
    if hr is not None and len(hr.rooms) >= 2:
        seat = db.session.scalar(
            select(OfficeSeat).join(User, OfficeSeat.user_id == User.id)
            .where(OfficeSeat.room_id == hr.rooms[0].id, User.password_hash == "").order_by(OfficeSeat.id).limit(1)
        )
        if seat is not None:
            move_seat(seat, MoveDraft(room_id=hr.rooms[1].id, standard_id=seat.standard_id, on=date(2024, 3, 1)),
                      actor=None, now=now)
    party = db.session.scalar(select(Unit).where(Unit.short_name == "县委办"))
    if party is not None and party.rooms:
        record_exception(party.rooms[-1], ExceptionDraft(
            reason="机要室：涉密设备须单独房间存放，按规定核定", approved_by="县机关事务管理局 蓬机管〔2019〕12号",
            valid_from=date(2019, 5, 1)), actor=None, now=now)


def _stock_take(now) -> None:
    """This year's stock-take, under way: the first rooms checked, one with a difference."""
    day = today(now) - timedelta(days=2)
    take = start_stock_take(StockTakeDraft(on=day, note=f"{day.year}年度办公用房清查盘点"), actor=None, now=now)
    rooms = [r for r in ledger(day).rooms if r.label.startswith("主楼")][:4]
    for n, line in enumerate(rooms):
        people = len(line.occupants) + (1 if n == 1 else 0)  # one more person found than the ledger has
        record_finding(take, db.session.get(Room, line.room_id), FindingDraft(
            found_area=line.area, found_people=people, note="借调人员临时在此办公" if n == 1 else ""), actor=None, now=now)
