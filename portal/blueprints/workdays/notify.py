"""What the workday calendar tells people: from 1 November, a next year the
calendar does not know is a to-do for the logistics center (once, through
``flask --app portal notify remind``), done when someone fills the year."""

from __future__ import annotations

from datetime import datetime


from portal import events
from portal.i18n import lazy_gettext as _l
from portal.models import Role
from portal.timeutil import LOCAL_TZ

YEAR_MISSING = "workdays.year_missing"

events.register(
    events.EventKind(
        code=YEAR_MISSING, todo=True,
        label=_l("Workday calendar years to fill in"),
        subject=_l("The workday calendar does not know %(year)s yet"),
        body=_l("%(count)s days from %(first)s are unknown. Enter the announced holidays, or fill the year with "
                "the ordinary week."),
    ),
)


def year_key(year: int) -> str:
    return f"workdays.year:{year}:fill"


def year_filled(year: int, *, now: datetime) -> None:
    events.resolve(year_key(year), now=now)


@events.reminder
def remind_missing_years(*, now: datetime) -> int:
    from portal.blueprints.workdays.services import calendar_gaps

    gaps = calendar_gaps(now.astimezone(LOCAL_TZ).date())
    if not gaps:
        return 0
    admins = events.holders_of(Role.LOGISTICS_ADMIN)
    sent = 0
    for gap in gaps:
        if events.emit(YEAR_MISSING, recipients=admins, now=now, todo_key=year_key(gap.year), once=True,
                       endpoint="workdays.calendar_page", values={"year": gap.year},
                       args={"year": gap.year, "count": gap.unknown_count, "first": gap.first_unknown.isoformat()}):
            sent += 1
    return sent
