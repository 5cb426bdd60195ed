"""What maintenance plans tell the property company: work due soon and overdue.

``flask --app portal notify remind`` (cron) runs :func:`remind_due`: each
plan's due date is announced once when it comes within the plan's reminder
days, and once more when it has passed; recording the work clears both.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal import events
from portal.db import db
from portal.i18n import lazy_gettext as _l
from portal.models import Role
from portal.timeutil import LOCAL_TZ

DUE = "equipment.due"
OVERDUE = "equipment.overdue"

events.register(
    events.EventKind(
        code=DUE, todo=True,
        label=_l("Equipment maintenance coming due"),
        subject=_l("Maintenance due %(due)s: %(item)s"),
        body=_l("%(title)s. Record it when done."),
    ),
    events.EventKind(
        code=OVERDUE, todo=True,
        label=_l("Equipment maintenance overdue"),
        subject=_l("Maintenance overdue since %(due)s: %(item)s"),
        body=_l("%(title)s. Record it when done."),
    ),
)


def due_key(plan) -> str:
    return f"equipment.plan:{plan.id}:{plan.next_due.isoformat()}"


def overdue_key(plan) -> str:
    return f"equipment.plan:{plan.id}:{plan.next_due.isoformat()}:overdue"


def _args(plan) -> dict:
    return {"item": f"{plan.asset.code} {plan.asset.name}", "title": plan.title, "due": plan.next_due.isoformat()}


def settle(plan, *, now: datetime) -> None:
    """The work due on ``plan.next_due`` is done (or the date moved): its to-dos leave every list."""
    if plan.next_due is None:  # a counter plan not yet due has none
        return
    events.resolve(due_key(plan), now=now)
    events.resolve(overdue_key(plan), now=now)


@events.reminder
def remind_due(*, now: datetime) -> int:
    """Plans coming due (within their reminder days) to the property company; overdue ones also to logistics."""
    from portal.blueprints.equipment.models import Asset, MaintenancePlan

    today = now.astimezone(LOCAL_TZ).date()
    plans = db.session.scalars(
        select(MaintenancePlan).options(joinedload(MaintenancePlan.asset).joinedload(Asset.floor))
        .where(MaintenancePlan.active.is_(True), MaintenancePlan.next_due <= today + timedelta(days=90))
        .order_by(MaintenancePlan.next_due, MaintenancePlan.id)
    ).all()
    if not plans:
        return 0
    company = events.holders_of(Role.PROPERTY)
    staff = events.holders_of(Role.PROPERTY, Role.LOGISTICS_ADMIN)
    sent = 0
    for plan in plans:
        link = {"endpoint": "equipment.detail", "values": {"asset_id": plan.asset_id}}
        if plan.next_due < today:
            if events.emit(OVERDUE, recipients=staff, now=now, todo_key=overdue_key(plan), once=True,
                           args=_args(plan), **link):
                sent += 1
        elif plan.next_due <= today + timedelta(days=plan.remind_days):
            if events.emit(DUE, recipients=company, now=now, todo_key=due_key(plan), once=True,
                           args=_args(plan), **link):
                sent += 1
    return sent
