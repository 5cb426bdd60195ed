"""The ledger as of a day, and every change's rules (services, no HTTP)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.blueprints.offices.models import OfficeSeat, RoomUse
from portal.blueprints.offices.services import (
    EntryDraft,
    ExceptionDraft,
    HandBackDraft,
    MoveDraft,
    SeatDraft,
    StandardDraft,
    hand_back,
    ledger,
    move_seat,
    record_entry,
    record_exception,
    save_standard,
    seat_person,
)
from portal.db import db
from portal.models import AuditLog
from portal.rules import RuleViolation
from tests.offices.conftest import NOW, START

D = Decimal


def seat(place, ranks, who, number, rank, day=START, actor=None):
    person = place["people"][who]
    result = seat_person(place["rooms"][number], SeatDraft(person.id, ranks[rank].id, day), actor=actor, now=NOW)
    db.session.commit()
    return result


def room_line(book, number):
    return next(r for r in book.rooms if r.label.endswith(number))


def test_ledger_shows_shared_rooms_mixed_ranks_and_unit_totals(allocated, ranks, logistics):
    seat(allocated, ranks, "head", "301", "乡科级")
    seat(allocated, ranks, "deputy", "302", "乡科级")
    seat(allocated, ranks, "clerk1", "303", "乡科级以下")
    seat(allocated, ranks, "clerk2", "303", "乡科级以下")
    book = ledger(date(2026, 1, 1))
    head_room = room_line(book, "301")
    assert head_room.check.allowance == D("12.00") and head_room.check.excess == D("24.00") and head_room.check.over
    shared = room_line(book, "303")
    assert [p.name for p in shared.occupants] == ["王一", "王二"]
    assert shared.check.per_person == D("12.00") and shared.check.allowance == D("18.00") and shared.check.over
    archives = room_line(book, "304")
    assert archives.use is RoomUse.ARCHIVES and archives.check is None
    hr = next(u for u in book.units if u.name == "县人力资源和社会保障局")
    assert hr.check.office_area == D("78.00") and hr.check.allowance == D("42.00") and hr.check.excess == D("36.00")
    assert hr.service_area == D("20.00") and hr.service_rooms == 1 and hr.check.rooms_over == 3
    assert [r.label for r in book.rooms_over] == ["主楼 301", "主楼 302", "主楼 303"]  # 302: 18 m² for 12
    fin = next(u for u in book.units if u.name == "县财政局")
    assert room_line(book, "401").vacant and fin.check.occupants == 0 and fin.check.over


def test_a_ledger_read_without_people_counts_them_in_sql_to_the_same_checks(allocated, ranks, logistics):
    seat(allocated, ranks, "head", "301", "乡科级")
    seat(allocated, ranks, "clerk1", "303", "乡科级以下")
    seat(allocated, ranks, "clerk2", "303", "乡科级以下")
    record_exception(allocated["rooms"]["301"], ExceptionDraft("兼作接待室", "县机关事务管理局 〔2025〕3号", date(2025, 1, 1)),
                     actor=logistics, now=NOW)
    db.session.commit()
    for day in (date(2024, 6, 1), date(2026, 1, 1)):
        full, counted = ledger(day), ledger(day, people=False)
        assert [(r.room_id, r.check, r.vacant, r.exception) for r in counted.rooms] == \
            [(r.room_id, r.check, r.vacant, r.exception) for r in full.rooms]
        assert counted.units == full.units and counted.rooms_over == [r for r in counted.rooms if r.check and r.check.over]
        assert all(r.occupants == [] for r in counted.rooms)
    assert room_line(ledger(date(2026, 1, 1), people=False), "303").check.allowance == D("18.00")


def test_an_exception_takes_a_room_off_the_over_list_from_its_date(allocated, ranks, logistics):
    seat(allocated, ranks, "head", "301", "乡科级")
    record_exception(allocated["rooms"]["301"], ExceptionDraft("兼作接待室", "县机关事务管理局 〔2025〕3号", date(2025, 1, 1)),
                     actor=logistics, now=NOW)
    db.session.commit()
    assert room_line(ledger(date(2024, 12, 31)), "301").check.over
    after = room_line(ledger(date(2025, 1, 1)), "301")
    assert not after.check.over and after.check.exempt and "兼作接待室" in after.exception
    hr = next(u for u in ledger(date(2025, 1, 1)).units if u.unit_id == allocated["units"]["hr"].id)
    assert hr.check.office_area == D("42.00")  # 301 left out on both sides


def test_the_ledger_as_of_a_day_follows_moves_hand_backs_and_reallocations(allocated, ranks, logistics):
    first = seat(allocated, ranks, "clerk1", "302", "乡科级以下")
    moved = move_seat(first, MoveDraft(allocated["rooms"]["303"].id, None, date(2023, 6, 1)), actor=logistics, now=NOW)
    db.session.commit()
    hand_back(moved, HandBackDraft(date(2025, 3, 1), "调往县财政局"), actor=logistics, now=NOW)
    db.session.commit()
    record_entry(allocated["rooms"]["302"], EntryDraft(allocated["units"]["fin"].id, "office", D("18.5"), date(2025, 6, 1)),
                 actor=logistics, now=NOW)
    db.session.commit()
    assert [p.name for p in room_line(ledger(date(2023, 5, 31)), "302").occupants] == ["王一"]
    assert room_line(ledger(date(2023, 6, 1)), "302").occupants == []
    assert [p.name for p in room_line(ledger(date(2023, 6, 1)), "303").occupants] == ["王一"]
    assert room_line(ledger(date(2025, 3, 1)), "303").occupants == []
    before, after = room_line(ledger(date(2025, 5, 31)), "302"), room_line(ledger(date(2025, 6, 1)), "302")
    assert before.unit_name == "县人力资源和社会保障局" and before.area == D("18.00")
    assert after.unit_name == "县财政局" and after.area == D("18.50")
    assert ledger(date(2019, 12, 31)).rooms == []
    # the directory follows: the room's unit and area, the person's office
    assert allocated["rooms"]["302"].unit_id == allocated["units"]["fin"].id and allocated["rooms"]["302"].area_m2 == D("18.50")
    assert allocated["people"]["clerk1"].office_room_id is None
    actions = db.session.scalars(select(AuditLog.action).where(AuditLog.action.like("offices.%")).order_by(AuditLog.id)).all()
    assert actions[-4:] == ["offices.seat", "offices.move", "offices.hand_back", "offices.entry"]


def test_a_person_cannot_sit_in_two_offices(allocated, ranks):
    seat(allocated, ranks, "clerk1", "302", "乡科级以下")
    with pytest.raises(RuleViolation) as refused:
        seat(allocated, ranks, "clerk1", "303", "乡科级以下", day=date(2024, 1, 1))
    assert refused.value.field == "user_id" and "主楼 302" in str(refused.value)
    db.session.rollback()
    assert db.session.scalar(select(db.func.count()).select_from(OfficeSeat)) == 1


def test_an_office_of_another_unit_or_a_service_room_is_refused(allocated, ranks):
    with pytest.raises(RuleViolation, match="not an office of"):
        seat(allocated, ranks, "fin1", "301", "乡科级以下")
    db.session.rollback()
    with pytest.raises(RuleViolation, match="not recorded as an office"):
        seat(allocated, ranks, "clerk1", "304", "乡科级以下")
    db.session.rollback()
    with pytest.raises(RuleViolation, match="not recorded as an office"):
        seat(allocated, ranks, "clerk1", "301", "乡科级以下", day=date(2019, 12, 31))


def test_a_rank_not_in_the_table_is_refused(allocated):
    person = allocated["people"]["clerk1"]
    with pytest.raises(RuleViolation) as refused:
        seat_person(allocated["rooms"]["302"], SeatDraft(person.id, 9999, START), actor=None, now=NOW)
    assert refused.value.field == "standard_id"


def test_people_who_left_get_no_office(allocated, ranks):
    allocated["people"]["clerk2"].active = False
    with pytest.raises(RuleViolation, match="left or retired"):
        seat(allocated, ranks, "clerk2", "303", "乡科级以下")


@pytest.mark.parametrize("area, message", [
    ("0", "more than zero"), ("-5", "more than zero"), ("3000.01", "whole floor"), ("12.345", "two decimal"),
    ("NaN", "square metres"), ("sNaN", "square metres"), ("1E+999999", "whole floor"), ("", "use area"),
])
def test_bad_areas_are_refused_with_nothing_saved(allocated, logistics, area, message):
    room = allocated["rooms"]["302"]
    with pytest.raises(RuleViolation, match=message) as refused:
        record_entry(room, EntryDraft(allocated["units"]["hr"].id, "office", Decimal(area) if area else None,
                                      date(2026, 1, 1)), actor=logistics, now=NOW)
    assert refused.value.field == "area_m2"
    db.session.rollback()
    assert room_line(ledger(date(2026, 1, 1)), "302").area == D("18.00")


def test_a_floor_cannot_hold_more_than_a_whole_floor(allocated, logistics, app):
    app.config["OFFICES_FLOOR_AREA_M2"] = Decimal("100")
    with pytest.raises(RuleViolation, match="add up to more than a whole floor"):
        record_entry(allocated["rooms"]["302"], EntryDraft(allocated["units"]["hr"].id, "office", D("30"), date(2026, 1, 1)),
                     actor=logistics, now=NOW)  # 36 + 30 + 24 + 20 > 100


def test_entries_are_recorded_in_date_order_and_not_in_the_future(allocated, logistics):
    room, hr = allocated["rooms"]["302"], allocated["units"]["hr"].id
    with pytest.raises(RuleViolation, match="date order"):
        record_entry(room, EntryDraft(hr, "office", D("18"), date(2019, 1, 1)), actor=logistics, now=NOW)
    with pytest.raises(RuleViolation, match="future"):
        record_entry(room, EntryDraft(hr, "office", D("18"), NOW.date() + timedelta(days=1)), actor=logistics, now=NOW)


def test_a_room_with_people_cannot_become_vacant_or_change_unit(allocated, ranks, logistics):
    seat(allocated, ranks, "clerk1", "302", "乡科级以下")
    for draft in (EntryDraft(None, "vacant", D("18"), date(2026, 1, 1)),
                  EntryDraft(allocated["units"]["fin"].id, "office", D("18"), date(2026, 1, 1))):
        with pytest.raises(RuleViolation, match="王一 still sit here"):
            record_entry(allocated["rooms"]["302"], draft, actor=logistics, now=NOW)
    # the area alone may be corrected
    record_entry(allocated["rooms"]["302"], EntryDraft(allocated["units"]["hr"].id, "office", D("17.8"), date(2026, 1, 1)),
                 actor=logistics, now=NOW)


def test_moves_and_hand_backs_are_dated_after_moving_in_and_only_once(allocated, ranks, logistics):
    first = seat(allocated, ranks, "clerk1", "302", "乡科级以下")
    with pytest.raises(RuleViolation, match="after the day they moved in"):
        move_seat(first, MoveDraft(allocated["rooms"]["303"].id, None, START), actor=logistics, now=NOW)
    with pytest.raises(RuleViolation, match="another office or another rank"):
        move_seat(first, MoveDraft(allocated["rooms"]["302"].id, None, date(2024, 1, 1)), actor=logistics, now=NOW)
    db.session.rollback()
    assert first.end_date is None
    # a promotion: the same room at another rank
    promoted = move_seat(first, MoveDraft(allocated["rooms"]["302"].id, ranks["乡科级"].id, date(2024, 1, 1)),
                         actor=logistics, now=NOW)
    db.session.commit()
    assert room_line(ledger(date(2024, 1, 1)), "302").occupants[0].rank == "乡科级"
    hand_back(promoted, HandBackDraft(date(2025, 1, 1), "退休"), actor=logistics, now=NOW)
    with pytest.raises(RuleViolation, match="already handed back"):
        hand_back(promoted, HandBackDraft(date(2025, 2, 1), "退休"), actor=logistics, now=NOW)


def test_the_standard_table_is_edited_with_its_rules(allocated, ranks, logistics):
    row = save_standard(ranks["乡科级以下"], StandardDraft("乡科级以下", D("10.5"), 30), actor=logistics, now=NOW)
    db.session.commit()
    assert row.area_m2 == D("10.50")
    with pytest.raises(RuleViolation, match="already has this rank"):
        save_standard(None, StandardDraft("乡科级", D("12"), 0), actor=logistics, now=NOW)
    with pytest.raises(RuleViolation, match="200"):
        save_standard(None, StandardDraft("特殊", D("201"), 0), actor=logistics, now=NOW)
    with pytest.raises(RuleViolation, match="more than zero"):
        save_standard(None, StandardDraft("特殊", D("0"), 0), actor=logistics, now=NOW)
