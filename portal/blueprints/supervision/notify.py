"""What supervision tells people: a rectification request is a to-do for the
property company until it reports the work done; then a to-do for the
logistics center until it verifies. An open rectification past its deadline
is reported once to both (``flask --app portal notify remind``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from portal import events
from portal.blueprints.supervision.models import Rectification, RectificationStatus
from portal.db import db
from portal.i18n import lazy_gettext as _l
from portal.models import Role

REQUESTED = "supervision.rectification_requested"
REPORTED = "supervision.rectification_reported"
RETURNED = "supervision.rectification_returned"
CLOSED = "supervision.rectification_closed"
OVERDUE = "supervision.rectification_overdue"

events.register(
    events.EventKind(
        code=REQUESTED, todo=True,
        label=_l("Rectification requests to carry out"),
        subject=_l("Rectification no. %(number)s requested, due %(deadline)s"),
        body=_l("%(summary)s"),
    ),
    events.EventKind(
        code=REPORTED, todo=True,
        label=_l("Rectifications reported done, to verify"),
        subject=_l("Rectification no. %(number)s reported done: please verify"),
        body=_l("%(summary)s"),
    ),
    events.EventKind(
        code=RETURNED, todo=True,
        label=_l("Rectifications sent back"),
        subject=_l("Rectification no. %(number)s sent back: not yet acceptable"),
        body=_l("%(summary)s"),
    ),
    events.EventKind(
        code=CLOSED,
        label=_l("Rectifications verified and closed"),
        subject=_l("Rectification no. %(number)s verified and closed"),
    ),
    events.EventKind(
        code=OVERDUE, todo=True,
        label=_l("Overdue rectifications"),
        subject=_l("Rectification no. %(number)s is past its deadline (%(deadline)s)"),
        body=_l("%(summary)s"),
    ),
)


def _args(item: Rectification) -> dict:
    summary = item.description if len(item.description) <= 80 else item.description[:79] + "…"
    return {"number": item.id, "deadline": item.deadline.isoformat(), "summary": summary}


def _link(item: Rectification) -> dict:
    return {"endpoint": "supervision.rectification", "values": {"rectification_id": item.id}}


def work_key(item: Rectification) -> str:
    return f"supervision.rectification:{item.id}:work:{item.returned_count}"


def verify_key(item: Rectification) -> str:
    return f"supervision.rectification:{item.id}:verify:{item.returned_count}"


def overdue_key(item: Rectification) -> str:
    return f"supervision.rectification:{item.id}:overdue"


def requested(item: Rectification, *, now: datetime) -> None:
    events.emit(REQUESTED, recipients=events.holders_of(Role.PROPERTY), now=now, todo_key=work_key(item),
                args=_args(item), **_link(item))


def reported(item: Rectification, *, now: datetime) -> None:
    events.resolve(work_key(item), now=now)
    events.resolve(overdue_key(item), now=now)
    events.emit(REPORTED, recipients=events.holders_of(Role.LOGISTICS_ADMIN), now=now, todo_key=verify_key(item),
                args=_args(item), **_link(item))


def reviewed(item: Rectification, previous_verify_key: str, *, now: datetime) -> None:
    events.resolve(previous_verify_key, now=now)
    if item.status is RectificationStatus.CLOSED:
        events.emit(CLOSED, recipients=events.holders_of(Role.PROPERTY), now=now, args=_args(item), **_link(item))
    else:
        events.emit(RETURNED, recipients=events.holders_of(Role.PROPERTY), now=now, todo_key=work_key(item),
                    args=_args(item), **_link(item))


@events.reminder
def remind_overdue(*, now: datetime) -> int:
    """Each open rectification past its deadline, once, to the property company and the logistics center."""
    overdue = db.session.scalars(
        select(Rectification)
        .where(Rectification.status == RectificationStatus.OPEN, Rectification.deadline < now.date())
        .order_by(Rectification.deadline, Rectification.id)
    ).all()
    staff = events.holders_of(Role.PROPERTY, Role.LOGISTICS_ADMIN)
    sent = 0
    for item in overdue:
        if events.emit(OVERDUE, recipients=staff, now=now, todo_key=overdue_key(item), once=True,
                       args=_args(item), **_link(item)):
            sent += 1
    return sent
