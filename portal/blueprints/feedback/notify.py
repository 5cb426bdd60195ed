"""What feedback tells people: new feedback is a to-do for the logistics center
until answered; a named sender hears when it is taken in hand and answered.
Anonymous feedback has no sender to tell: its sender looks it up by receipt code."""

from __future__ import annotations

from datetime import datetime


from portal import events
from portal.blueprints.feedback.models import Feedback
from portal.i18n import lazy_gettext as _l
from portal.models import Role

RECEIVED = "feedback.received"
IN_HAND = "feedback.in_hand"
ANSWERED = "feedback.answered"

events.register(
    events.EventKind(
        code=RECEIVED, todo=True,
        label=_l("Staff feedback to answer"),
        subject=_l("New staff feedback no. %(number)s to answer"),
    ),
    events.EventKind(
        code=IN_HAND,
        label=_l("My feedback taken in hand"),
        subject=_l("Your feedback no. %(number)s is being handled"),
    ),
    events.EventKind(
        code=ANSWERED,
        label=_l("My feedback answered"),
        subject=_l("Your feedback no. %(number)s has an answer"),
    ),
)


def answer_key(item: Feedback) -> str:
    return f"feedback:{item.id}:answer"


def _link(item: Feedback) -> dict:
    return {"endpoint": "feedback.detail", "values": {"feedback_id": item.id}}


def received(item: Feedback, *, now: datetime) -> None:
    events.emit(RECEIVED, recipients=events.holders_of(Role.LOGISTICS_ADMIN), now=now, todo_key=answer_key(item),
                args={"number": item.id}, **_link(item))


def in_hand(item: Feedback, *, now: datetime) -> None:
    if item.sender_id is not None:
        events.emit(IN_HAND, recipients=[item.sender_id], now=now, args={"number": item.id}, **_link(item))


def answered(item: Feedback, *, now: datetime) -> None:
    events.resolve(answer_key(item), now=now)
    if item.sender_id is not None:
        events.emit(ANSWERED, recipients=[item.sender_id], now=now, args={"number": item.id}, **_link(item))
