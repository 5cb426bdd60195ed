"""What notices tell people: a notice, once it is shown, reaches its audience
(staff-only notices the units' staff, public ones every account). A notice
scheduled for later is announced by ``flask --app portal notify remind`` when
its time comes; each notice is announced once, and a withdrawn notice leaves
the inboxes it reached."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from portal import events
from portal.blueprints.notices.models import Audience, Notice
from portal.db import db
from portal.i18n import lazy_gettext as _l
from portal.models import User
from portal.security import STAFF
from portal.timeutil import LOCAL_TZ

PUBLISHED = "notices.published"
CATCH_UP = timedelta(days=2)  # a scheduled notice older than this when cron first runs is not announced

events.register(
    events.EventKind(
        code=PUBLISHED,
        label=_l("New notices"),
        subject=_l("Notice: %(title)s"),
        body=_l("Published %(when)s."),
    ),
)


def notice_key(notice: Notice) -> str:
    return f"notices.notice:{notice.id}:published"


def audience_of(notice: Notice) -> list[int]:
    if notice.audience is Audience.STAFF:
        return events.holders_of(*STAFF)
    return list(db.session.scalars(select(User.id).where(User.active.is_(True))))


def _is_shown(notice: Notice, now: datetime) -> bool:
    return (notice.withdrawn_at is None and notice.publish_at <= now
            and (notice.expires_at is None or notice.expires_at > now))


def announce(notice: Notice, *, now: datetime) -> bool:
    """Tell the notice's audience, once, if it is shown now."""
    if notice.id is None:
        db.session.flush()
    if not _is_shown(notice, now):
        return False
    return events.emit(
        PUBLISHED, recipients=audience_of(notice), now=now, todo_key=notice_key(notice), once=True,
        endpoint="notices.detail", values={"notice_id": notice.id},
        args={"title": notice.title, "when": notice.publish_at.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")},
    ) is not None


def withdrawn(notice: Notice, *, now: datetime) -> None:
    events.resolve(notice_key(notice), now=now)


@events.reminder
def announce_scheduled(*, now: datetime) -> int:
    due = db.session.scalars(
        select(Notice).where(Notice.publish_at <= now, Notice.publish_at > now - CATCH_UP, Notice.withdrawn_at.is_(None))
        .order_by(Notice.publish_at)
    ).all()
    return sum(1 for notice in due if announce(notice, now=now))


