"""What utilities tell the logistics center: a month whose readings show
anomalies to review (jumps, sub-meters over their main meter) and a month ready
to close. Both are to-dos for the month, sent once each, and done when the month
is closed (closing confirms the flagged readings). Messages name the month and
the number of flagged readings, never a unit's use or bill."""

from __future__ import annotations

from datetime import date, datetime


from portal import events
from portal.i18n import lazy_gettext as _l
from portal.models import Role
from portal.rules import RuleViolation

ANOMALIES = "utilities.anomalies"
READY = "utilities.ready_to_close"

events.register(
    events.EventKind(
        code=ANOMALIES, todo=True,
        label=_l("Meter readings to review"),
        subject=_l("%(month)s: %(count)s meter reading(s) to review"),
        body=_l("Check the flagged readings before the month is closed."),
    ),
    events.EventKind(
        code=READY, todo=True,
        label=_l("Utility months ready to close"),
        subject=_l("%(month)s is ready to close"),
        body=_l("All readings and invoices are in; close the month to issue the units' bills."),
    ),
)


def _key(period: date, what: str) -> str:
    return f"utilities.month:{period:%Y-%m}:{what}"


def month_changed(period: date, *, now: datetime) -> None:
    """After readings or an invoice changed: announce what now needs logistics (once each)."""
    from portal.blueprints.utilities.services import check_closable, review_month

    review = review_month(period)
    label = f"{period:%Y-%m}"
    link = {"endpoint": "utilities.month", "values": {"period": label}}
    admins = None
    if review.warnings:
        admins = events.holders_of(Role.LOGISTICS_ADMIN)
        events.emit(ANOMALIES, recipients=admins, now=now, todo_key=_key(period, "review"), once=True,
                    args={"month": label, "count": len(review.warnings)}, **link)
    try:
        check_closable(period, confirm_warnings=True)
    except RuleViolation:
        return
    if admins is None:
        admins = events.holders_of(Role.LOGISTICS_ADMIN)
    events.emit(READY, recipients=admins, now=now, todo_key=_key(period, "close"), once=True,
                args={"month": label}, **link)


def month_closed(period: date, *, now: datetime) -> None:
    events.resolve(_key(period, "review"), now=now)
    events.resolve(_key(period, "close"), now=now)
