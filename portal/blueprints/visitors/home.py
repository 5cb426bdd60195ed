"""The visitors' part of the home-page workbench (issue 17): what the desk and
a host have to act on today, as counts, each read by one query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, exists, func, or_, select

from portal.blueprints.visitors.models import (
    STILL_ON_SITE,
    PreregistrationStatus,
    VisitorEntry,
    VisitorInvitation,
    VisitorPreregistration,
)
from portal.blueprints.visitors.services import on_site_summary
from portal.db import db
from portal.models import User
from portal.timeutil import LOCAL_TZ

# A visitor is "expected now" inside their window, and from half an hour before it opens.
EARLY = timedelta(minutes=30)


@dataclass(frozen=True)
class DeskWorkbench:
    on_site: int  # visits open now
    people: int  # with their companions
    overstaying: int  # still inside after closing time
    expected_now: int  # pre-registered for today, window open now (or within half an hour)
    expected_today: int  # everyone still expected today
    warnings: int  # watch-list warnings not yet dealt with


@dataclass(frozen=True)
class HostWorkbench:
    expected_today: int  # my visitors still expected today (pre-registered, or registered on my invitation)
    arrived_today: int  # my visitors checked in today
    inside: int  # of those, still in the building
    later: int  # pre-registered for a later day


def _day_bounds(today: date) -> tuple[datetime, datetime]:
    start = datetime.combine(today, time.min, tzinfo=LOCAL_TZ)
    return start, start + timedelta(days=1)


def desk_workbench(*, now: datetime, closing_time: time) -> DeskWorkbench:
    local = now.astimezone(LOCAL_TZ)
    today, clock = local.date(), local.time().replace(tzinfo=None)
    soon = local + EARLY
    opens_by = soon.time().replace(tzinfo=None) if soon.date() == today else time.max
    summary = on_site_summary(now, closing_time)
    expected = VisitorPreregistration
    row = db.session.execute(
        select(
            func.count(),
            func.count().filter(and_(expected.window_start <= opens_by, expected.window_end >= clock)),
        ).where(expected.visit_date == today, expected.status == PreregistrationStatus.EXPECTED)
    ).one()
    warnings = db.session.scalar(  # as the desk lists them (services.open_warnings)
        select(func.count()).select_from(VisitorEntry).where(STILL_ON_SITE, VisitorEntry.watchlist_hit.is_(True))
    ) or 0
    return DeskWorkbench(on_site=summary.visitors, people=summary.people, overstaying=summary.overstaying,
                         expected_now=row[1], expected_today=row[0], warnings=warnings)


def host_workbench(user: User, *, now: datetime) -> HostWorkbench:
    today = now.astimezone(LOCAL_TZ).date()
    start, end = _day_bounds(today)
    prereg = VisitorPreregistration
    mine = prereg.created_by_id == user.id
    expected = prereg.status == PreregistrationStatus.EXPECTED
    counts = db.session.execute(
        select(
            func.count().filter(prereg.visit_date == today),
            func.count().filter(prereg.visit_date > today),
        ).where(mine, expected, prereg.visit_date >= today)
    ).one()
    invitation = VisitorInvitation
    came_today = exists().where(VisitorEntry.invitation_id == invitation.id, VisitorEntry.checked_in_at >= start,
                                VisitorEntry.checked_in_at < end)
    invited = db.session.scalar(
        select(func.count()).select_from(invitation).where(
            invitation.created_by_id == user.id, invitation.revoked_at.is_(None),
            invitation.registered_at.is_not(None), invitation.first_day <= today, invitation.last_day >= today,
            ~came_today,
        )
    ) or 0
    arrivals = db.session.execute(
        select(func.count(), func.count().filter(STILL_ON_SITE))
        .select_from(VisitorEntry)
        .outerjoin(prereg, prereg.id == VisitorEntry.preregistration_id)
        .outerjoin(invitation, invitation.id == VisitorEntry.invitation_id)
        .where(VisitorEntry.checked_in_at >= start, VisitorEntry.checked_in_at < end,
               VisitorEntry.refused.is_(False),
               or_(prereg.created_by_id == user.id, invitation.created_by_id == user.id))
    ).one()
    return HostWorkbench(expected_today=counts[0] + invited, arrived_today=arrivals[0], inside=arrivals[1],
                         later=counts[1])
