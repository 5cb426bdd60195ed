"""What the energy statistics tell: a unit whose use runs ahead of its quota
(an even share of the year's quota for the months closed so far). Sent to the
logistics center and the unit's administrators once per unit, source and
month; the message names the unit and the source, not the figures."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from portal import events
from portal.i18n import lazy_gettext as _l
from portal.models import Role, User, UserRole

AHEAD_OF_QUOTA = "energy.ahead_of_quota"
REPORT_DUE = "energy.report_due"

events.register(
    events.EventKind(
        code=AHEAD_OF_QUOTA, todo=False,
        label=_l("A unit's energy use runs ahead of its quota"),
        subject=_l("%(unit)s: %(source)s use runs ahead of the %(year)s quota"),
        body=_l("The months closed so far used more than their share of the year's quota. Art. 17 of the regulation asks the unit to explain an overrun."),
    ),
    events.EventKind(
        code=REPORT_DUE, todo=True,
        label=_l("The annual energy report is due"),
        subject=_l("The %(year)s energy report is due by 31 March; %(count)s item(s) missing"),
        body=_l("Complete what is missing (months not closed, floor areas, headcounts) and send the report."),
    ),
)


def _unit_admins(unit_id: int) -> list[int]:
    from portal.db import db

    return list(db.session.scalars(
        select(User.id).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.UNIT_ADMIN, User.unit_id == unit_id, User.active.is_(True))
    ))


@events.reminder
def check_quotas(*, now: datetime) -> int:
    from portal.blueprints.energy.services import quota_warnings

    year = now.year
    sent = 0
    admins = None
    for unit, status in quota_warnings(year):
        if admins is None:
            admins = events.holders_of(Role.LOGISTICS_ADMIN)
        key = f"energy.quota:{year}:{unit.id}:{status.source.code}:{status.months}"
        event = events.emit(
            AHEAD_OF_QUOTA, recipients=[*admins, *_unit_admins(unit.id)], now=now, once=True, todo_key=key,
            args={"unit": unit.short_name or unit.name, "source": str(status.source.label), "year": year},
            endpoint="energy.index", values={"year": year, "unit": unit.id},
        )
        sent += event is not None
    return sent


@events.reminder
def report_due(*, now: datetime) -> int:
    """From 1 January to 31 March: while last year's report lacks something, tell the
    logistics center once a month (a to-do done when nothing is missing). Only for a
    year with closed utilities months: the report starts from them."""
    from portal.blueprints.energy.services import annual_report

    if now.month > 3:
        return 0
    year = now.year - 1
    report = annual_report(year)
    if not report.statistics.final_months:
        return 0  # nothing metered that year: no report kept here to prompt for
    key = f"energy.report:{year}"
    if report.complete:
        events.resolve(key, now=now)
        return 0
    event = events.emit(
        REPORT_DUE, recipients=events.holders_of(Role.LOGISTICS_ADMIN), now=now, once=True,
        todo_key=f"{key}:{now.month}", args={"year": year, "count": len(report.missing)},
        endpoint="energy.report", values={"year": year},
    )
    return int(event is not None)
