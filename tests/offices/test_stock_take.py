"""The stock-take: rooms walked floor by floor, findings compared with the ledger on the day."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.blueprints.offices.models import OfficeStockTakeLine
from portal.blueprints.offices.services import (
    FindingDraft,
    SeatDraft,
    StockTakeDraft,
    close_stock_take,
    record_finding,
    seat_person,
    start_stock_take,
    stock_take_view,
)
from portal.db import db
from portal.rules import RuleViolation
from tests.offices.conftest import NOW, START


@pytest.fixture
def take(allocated, ranks, logistics):
    seat_person(allocated["rooms"]["303"], SeatDraft(allocated["people"]["clerk1"].id, ranks["乡科级以下"].id, START),
                actor=logistics, now=NOW)
    result = start_stock_take(StockTakeDraft(date(2026, 11, 30), "年度清查"), actor=logistics, now=NOW)
    db.session.commit()
    return result


def test_findings_that_match_the_ledger_and_those_that_differ(allocated, take, logistics):
    rooms = allocated["rooms"]
    same = record_finding(take, rooms["303"], FindingDraft(Decimal("24"), 1), actor=logistics, now=NOW)
    more_people = record_finding(take, rooms["302"], FindingDraft(None, 2, "借调人员"), actor=logistics, now=NOW)
    other_area = record_finding(take, rooms["301"], FindingDraft(Decimal("35.4"), 0), actor=logistics, now=NOW)
    db.session.commit()
    assert not same.differs and more_people.differs and other_area.differs
    view = stock_take_view(take, None)
    assert [(f.label, f.checked, f.total) for f in view.floors] == [("主楼 3楼", 3, 4), ("主楼 4楼", 0, 1)]
    assert view.floor_id == view.floors[0].floor_id  # the first floor not finished
    assert {r.line.label for r in view.differences} == {"主楼 301", "主楼 302"}
    # recording a room again corrects its finding
    record_finding(take, rooms["302"], FindingDraft(None, 0), actor=logistics, now=NOW)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(OfficeStockTakeLine)) == 3
    assert {r.line.label for r in stock_take_view(take, None).differences} == {"主楼 301"}


def test_one_stock_take_at_a_time_and_none_after_closing(allocated, take, logistics):
    with pytest.raises(RuleViolation, match="under way"):
        start_stock_take(StockTakeDraft(date(2026, 12, 1)), actor=logistics, now=NOW)
    with pytest.raises(RuleViolation, match="between 0 and 500"):
        record_finding(take, allocated["rooms"]["301"], FindingDraft(None, -1), actor=logistics, now=NOW)
    with pytest.raises(RuleViolation, match="more than zero"):
        record_finding(take, allocated["rooms"]["301"], FindingDraft(Decimal("0"), 1), actor=logistics, now=NOW)
    close_stock_take(take, actor=logistics, now=NOW)
    db.session.commit()
    with pytest.raises(RuleViolation, match="closed"):
        record_finding(take, allocated["rooms"]["301"], FindingDraft(None, 1), actor=logistics, now=NOW)
    start_stock_take(StockTakeDraft(date(2026, 12, 1)), actor=logistics, now=NOW)


def test_the_stock_take_pages(client, auth, allocated, take, logistics):
    auth.login_as(logistics)
    room = allocated["rooms"]["302"]
    page = client.get(f"/offices/stock-takes/{take.id}").get_data(as_text=True)
    assert "主楼 3楼 (0/4)" in page
    bad = client.post(f"/offices/stock-takes/{take.id}/rooms/{room.id}", data={"found_people": "x"})
    assert bad.status_code == 422
    ok = client.post(f"/offices/stock-takes/{take.id}/rooms/{room.id}", data={"found_people": "1", "found_area": ""})
    assert ok.status_code == 303
    assert "主楼 3楼 (1/4)" in client.get(f"/offices/stock-takes/{take.id}").get_data(as_text=True)
    asked = client.post(f"/offices/stock-takes/{take.id}/close")
    assert asked.status_code == 200 and 'name="confirmed"' in asked.get_data(as_text=True)
    assert client.post(f"/offices/stock-takes/{take.id}/close", data={"confirmed": "1"}).status_code == 303
    assert client.post(f"/offices/stock-takes/{take.id}/close", data={"confirmed": "1"}).status_code == 422
