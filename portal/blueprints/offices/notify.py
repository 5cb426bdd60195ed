"""What office space tells people: a place not handed back within a month of
its holder leaving the unit or retiring is a to-do for the logistics center
(art. 19 of 党政机关办公用房管理办法). The reminder (``flask --app portal notify
remind``, run by cron) notes the first day it sees the person gone, and asks
once when a month has passed; recording the hand-back clears the to-do."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal import events
from portal.blueprints.offices.models import OfficeSeat
from portal.db import db
from portal.i18n import lazy_gettext as _l
from portal.models import Floor, Role, Room

HAND_BACK_OVERDUE = "offices.hand_back_overdue"

events.register(
    events.EventKind(
        code=HAND_BACK_OVERDUE, todo=True,
        label=_l("Offices not handed back within a month"),
        subject=_l("Office not handed back: %(room)s"),
        body=_l("%(name)s left the unit or retired on or before %(since)s and still holds the office."),
    ),
)


def todo_key(seat: OfficeSeat) -> str:
    return f"offices.seat:{seat.id}:hand_back"


def handed_back(seat: OfficeSeat, *, now: datetime) -> None:
    events.resolve(todo_key(seat), now=now)


@events.reminder
def remind_hand_backs(*, now: datetime) -> int:
    """Flag the places whose holder is gone; a month after the flag, ask the logistics center once."""
    from portal.blueprints.offices.services import (
        HAND_BACK_DAYS,
        entries_as_of,
        gone_reason,
        today,
    )

    day = today(now)
    open_seats = db.session.scalars(
        select(OfficeSeat).where(OfficeSeat.end_date.is_(None))
        .options(joinedload(OfficeSeat.user), joinedload(OfficeSeat.room).joinedload(Room.floor).joinedload(Floor.building))
    ).all()
    if not open_seats:
        return 0
    units = {e.room_id: e.unit_id for e in entries_as_of(day, room_ids={s.room_id for s in open_seats})}
    staff = None
    sent = 0
    for seat in open_seats:
        gone = gone_reason(seat, units.get(seat.room_id)) is not None
        if not gone:
            seat.flagged_on = None
            continue
        if seat.flagged_on is None:
            seat.flagged_on = day
        if day - seat.flagged_on < timedelta(days=HAND_BACK_DAYS):
            continue
        if staff is None:
            staff = events.holders_of(Role.LOGISTICS_ADMIN)
        if events.emit(HAND_BACK_OVERDUE, recipients=staff, now=now, todo_key=todo_key(seat), once=True,
                       args={"room": seat.room.label, "name": seat.user.display_name,
                             "since": seat.flagged_on.isoformat()},
                       endpoint="offices.room", values={"room_id": seat.room_id}):
            sent += 1
    return sent
