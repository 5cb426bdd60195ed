"""What repairs tell people: the event kinds (registered at import) and the
helpers the services call inside their transaction.

A new fault is a to-do for the property company until someone accepts it; the
reporter hears when it is accepted, finished and reopened; a repair left open
too long is reported once to the property company and the logistics center
(``flask --app portal notify remind``, run by cron). Messages name the place
and the day, never the reporter's contact number.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal import events
from portal.blueprints.repairs.models import (
    OPEN_STATUSES,
    Action,
    RepairRequest,
    Urgency,
)
from portal.db import db
from portal.i18n import lazy_gettext as _l
from portal.models import Floor, Role
from portal.timeutil import LOCAL_TZ

REPORTED = "repairs.reported"
ACCEPTED = "repairs.accepted"
FINISHED = "repairs.finished"
REOPENED = "repairs.reopened"
OVERDUE = "repairs.overdue"

# How long a repair may stay open, by urgency, before it is overdue.


OVERDUE_AFTER = {Urgency.URGENT: timedelta(days=1), Urgency.NORMAL: timedelta(days=3), Urgency.LOW: timedelta(days=7)}


events.register(
    events.EventKind(
        code=REPORTED, todo=True,
        label=_l("New fault reports to accept"),
        subject=_l("New fault to accept: %(place)s"),
        body=_l("Reported %(when)s."),
    ),
    events.EventKind(
        code=ACCEPTED,
        label=_l("My fault reports accepted"),
        subject=_l("Your fault report is accepted: %(place)s"),
        body=_l("The property company has taken it on."),
    ),
    events.EventKind(
        code=FINISHED, todo=True,
        label=_l("My repairs finished, to confirm"),
        subject=_l("Repair finished, please confirm: %(place)s"),
        body=_l("Confirm the repair, or reopen it if the fault remains."),
    ),
    events.EventKind(
        code=REOPENED, todo=True,
        label=_l("Repairs reopened by their reporter"),
        subject=_l("Repair reopened: %(place)s"),
        body=_l("The reporter says the fault remains."),
    ),
    events.EventKind(
        code=OVERDUE, todo=True,
        label=_l("Overdue repairs"),
        subject=_l("Repair overdue: %(place)s"),
        body=_l("Reported %(when)s and still open."),
    ),
)


def _args(repair: RepairRequest) -> dict:
    return {"place": repair.location_label, "when": repair.reported_at.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")}


def _link(repair: RepairRequest) -> dict:
    return {"endpoint": "repairs.detail", "values": {"repair_id": repair.id}}


def accept_key(repair: RepairRequest) -> str:
    return f"repairs.repair:{repair.id}:accept"


def confirm_key(repair: RepairRequest) -> str:
    return f"repairs.repair:{repair.id}:confirm"


def rework_key(repair: RepairRequest) -> str:
    return f"repairs.repair:{repair.id}:rework:{repair.reopen_count}"


def overdue_key(repair: RepairRequest) -> str:
    return f"repairs.repair:{repair.id}:overdue"


def reported(repair: RepairRequest, *, now: datetime) -> None:
    events.emit(REPORTED, recipients=events.holders_of(Role.PROPERTY), now=now, todo_key=accept_key(repair),
                args=_args(repair), **_link(repair))


def moved(repair: RepairRequest, action, *, now: datetime) -> None:
    """After a step of the flow: tell whom it concerns, and clear the to-dos it settles."""

    if action is Action.ACCEPT:
        events.resolve(accept_key(repair), now=now)
        events.emit(ACCEPTED, recipients=[repair.reporter_id], now=now, args=_args(repair), **_link(repair))
    elif action is Action.FINISH:
        events.resolve(rework_key(repair), now=now)
        events.resolve(overdue_key(repair), now=now)
        events.emit(FINISHED, recipients=[repair.reporter_id], now=now, todo_key=confirm_key(repair),
                    args=_args(repair), **_link(repair))
    elif action is Action.CONFIRM:
        events.resolve(confirm_key(repair), now=now)
    elif action is Action.REOPEN:
        events.resolve(confirm_key(repair), now=now)
        recipients = [repair.handler_id] if repair.handler_id else events.holders_of(Role.PROPERTY)
        events.emit(REOPENED, recipients=recipients, now=now, todo_key=rework_key(repair),
                    args=_args(repair), **_link(repair))


def is_overdue(repair: RepairRequest, now: datetime) -> bool:
    return repair.status in OPEN_STATUSES and now - repair.reported_at > OVERDUE_AFTER[repair.urgency]


def overdue_cutoff(now: datetime) -> datetime:
    """Repairs reported before this may be overdue (the shortest allowance)."""
    return now - min(OVERDUE_AFTER.values())


@events.reminder


def remind_overdue(*, now: datetime) -> int:
    """Each open repair past its allowance, once, to the property company and the logistics center."""
    candidates = db.session.scalars(
        select(RepairRequest)
        .options(joinedload(RepairRequest.floor).joinedload(Floor.building), joinedload(RepairRequest.room))
        .where(RepairRequest.status.in_(OPEN_STATUSES), RepairRequest.reported_at < overdue_cutoff(now))
        .order_by(RepairRequest.reported_at)
    ).all()
    overdue = [r for r in candidates if is_overdue(r, now)]
    if not overdue:
        return 0
    staff = events.holders_of(Role.PROPERTY, Role.LOGISTICS_ADMIN)
    sent = 0
    for repair in overdue:
        if events.emit(OVERDUE, recipients=staff, now=now, todo_key=overdue_key(repair), once=True,
                       args=_args(repair), **_link(repair)):
            sent += 1
    return sent

