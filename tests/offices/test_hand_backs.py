"""Art. 19: an office is handed back within a month of a transfer or retirement. The reminder flags the
place the first day it sees the person gone, asks the logistics center once after a month, and the
hand-back clears the to-do."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from portal.blueprints.notifications.models import Notification
from portal.blueprints.offices import notify
from portal.blueprints.offices.models import OfficeSeat
from portal.blueprints.offices.services import (
    HandBackDraft,
    SeatDraft,
    hand_back,
    pending_hand_backs,
    seat_person,
)
from portal.db import db
from portal.timeutil import LOCAL_TZ
from tests.offices.conftest import NOW, START


def _todos(user):
    return db.session.scalars(select(Notification).where(Notification.recipient_id == user.id,
                                                         Notification.kind == notify.HAND_BACK_OVERDUE)).all()


def test_a_person_gone_from_the_unit_is_flagged_then_reminded_once_after_a_month(allocated, ranks, logistics):
    clerk = allocated["people"]["clerk1"]
    seat = seat_person(allocated["rooms"]["302"], SeatDraft(clerk.id, ranks["乡科级以下"].id, START), actor=logistics, now=NOW)
    db.session.commit()
    day0 = datetime(2026, 5, 4, 9, 0, tzinfo=LOCAL_TZ)
    assert notify.remind_hand_backs(now=day0) == 0 and seat.flagged_on is None and pending_hand_backs(day0.date()) == []
    clerk.unit_id = allocated["units"]["fin"].id  # the directory records the transfer
    db.session.commit()
    assert notify.remind_hand_backs(now=day0) == 0
    db.session.commit()
    assert seat.flagged_on == date(2026, 5, 4)
    [pending] = pending_hand_backs(day0.date())
    assert pending.seat.id == seat.id and not pending.overdue
    assert notify.remind_hand_backs(now=day0 + timedelta(days=29)) == 0
    assert notify.remind_hand_backs(now=day0 + timedelta(days=30)) == 1
    db.session.commit()
    assert notify.remind_hand_backs(now=day0 + timedelta(days=31)) == 0  # once
    [todo] = _todos(logistics)
    assert todo.todo and todo.done_at is None
    assert pending_hand_backs((day0 + timedelta(days=30)).date())[0].overdue
    hand_back(seat, HandBackDraft(date(2026, 6, 5), "调往县财政局"), actor=logistics, now=day0 + timedelta(days=32))
    db.session.commit()
    assert _todos(logistics)[0].done_at is not None
    assert pending_hand_backs(date(2026, 6, 6)) == []


def test_a_retired_person_is_flagged_and_a_return_clears_the_flag(allocated, ranks, logistics):
    clerk = allocated["people"]["clerk2"]
    seat = seat_person(allocated["rooms"]["303"], SeatDraft(clerk.id, ranks["乡科级以下"].id, START), actor=logistics, now=NOW)
    clerk.active = False
    db.session.commit()
    notify.remind_hand_backs(now=NOW)
    assert seat.flagged_on == NOW.date()
    clerk.active = True
    db.session.commit()
    notify.remind_hand_backs(now=NOW)
    assert db.session.get(OfficeSeat, seat.id).flagged_on is None
