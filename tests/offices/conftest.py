"""A small building for the office-space tests: two units, four offices, a service room, staff of each rank."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from portal.blueprints.offices.models import OfficeStandard
from portal.blueprints.offices.services import EntryDraft, SeatDraft, ensure_default_standards, record_entry, seat_person
from portal.db import db
from portal.models import Building, Floor, Role, Room, Unit, User
from portal.timeutil import LOCAL_TZ

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=LOCAL_TZ)
START = date(2020, 1, 1)


@pytest.fixture
def place(app, make_user) -> dict:
    building = Building(code="ZL", name="主楼", sort_order=0)
    floor = Floor(building=building, level=3, label="3楼")
    floor4 = Floor(building=building, level=4, label="4楼")
    hr = Unit(name="县人力资源和社会保障局", short_name="人社局", sort_order=1)
    fin = Unit(name="县财政局", short_name="财政局", sort_order=2)
    rooms = {
        "301": Room(floor=floor, number="301"),
        "302": Room(floor=floor, number="302"),
        "303": Room(floor=floor, number="303"),
        "304": Room(floor=floor, number="304"),
        "401": Room(floor=floor4, number="401"),
    }
    db.session.add_all([building, hr, fin, *rooms.values()])
    db.session.flush()
    ensure_default_standards()
    people = {
        "head": User(username="hr_head", display_name="张局长", unit=hr, title="局长"),
        "deputy": User(username="hr_deputy", display_name="李副局长", unit=hr, title="副局长"),
        "clerk1": User(username="hr_c1", display_name="王一", unit=hr, title="科员"),
        "clerk2": User(username="hr_c2", display_name="王二", unit=hr, title="科员"),
        "fin1": User(username="fin_c1", display_name="赵财", unit=fin, title="科员"),
    }
    db.session.add_all(people.values())
    db.session.commit()
    return {"rooms": rooms, "units": {"hr": hr, "fin": fin}, "people": people}


@pytest.fixture
def ranks(place) -> dict[str, OfficeStandard]:
    return {s.name: s for s in db.session.query(OfficeStandard)}


@pytest.fixture
def logistics(make_user) -> User:
    return make_user(roles=[Role.EMPLOYEE, Role.LOGISTICS_ADMIN], username="hq", display_name="后勤 陈主任")


@pytest.fixture
def allocated(place, logistics) -> dict:
    """301 (36 m²) and 302 (18 m²) and 303 (24 m²) to 人社局 as offices, 304 (20 m²) its archives,
    401 (24 m²) to 财政局, all from 2020-01-01."""
    hr, fin = place["units"]["hr"].id, place["units"]["fin"].id
    plan = {"301": (hr, "office", "36"), "302": (hr, "office", "18"), "303": (hr, "office", "24"),
            "304": (hr, "archives", "20"), "401": (fin, "office", "24")}
    for number, (unit_id, use, area) in plan.items():
        record_entry(place["rooms"][number], EntryDraft(unit_id, use, Decimal(area), START), actor=logistics, now=NOW)
    db.session.commit()
    return place


@pytest.fixture
def seated(allocated, ranks, logistics):
    """张局长 (乡科级) alone in 301, 王一 and 王二 (乡科级以下) sharing 303; 302 and 401 empty."""
    people = allocated["people"]
    for who, number, rank in (("head", "301", "乡科级"), ("clerk1", "303", "乡科级以下"), ("clerk2", "303", "乡科级以下")):
        seat_person(allocated["rooms"][number], SeatDraft(people[who].id, ranks[rank].id, START), actor=logistics, now=NOW)
    people["clerk1"].phone_ext = "5123"
    db.session.commit()
    return allocated


@pytest.fixture(autouse=True)
def _english(app):
    """Rule messages are matched in English here (the Chinese is checked by the i18n test)."""
    from flask_babel import force_locale

    with force_locale("en"):
        yield
