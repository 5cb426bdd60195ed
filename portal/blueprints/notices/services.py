"""Notice rules as plain functions: who reads and who manages what, when a
notice is shown, how its plain-text body becomes safe HTML, and the changes
(publish, edit, withdraw) with their audit entries. Time is always passed in."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from markupsafe import Markup, escape
from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import joinedload

from portal import audit
from portal.blueprints.notices import notify
from portal.blueprints.notices.models import BODY_MAX, TITLE_MAX, Audience, Notice
from portal.db import db
from portal.i18n import lazy_gettext as _l
from portal.labels import LabelledEnum
from portal.rules import RuleViolation
from portal.models import Role, Unit, User
from portal.security import ADMINS, STAFF

AUDIT_FIELDS = ("title", "body", "audience", "publish_at", "expires_at", "pinned", "unit_id", "withdrawn_at")
# Dates outside this range are typing mistakes (and year 1 cannot even be converted to UTC).
EARLIEST_YEAR, LATEST_YEAR = 2000, 2099


class NoticeState(LabelledEnum):
    SCHEDULED = "scheduled", _l("Not yet published"), "info"
    CURRENT = "current", _l("Being shown"), "ok"
    EXPIRED = "expired", _l("Expired"), "muted"
    WITHDRAWN = "withdrawn", _l("Withdrawn"), "muted"


# ---------------------------------------------------------------- when a notice is shown


def notice_state(notice: Notice, now: datetime) -> NoticeState:
    if notice.withdrawn_at is not None:
        return NoticeState.WITHDRAWN
    if now < notice.publish_at:
        return NoticeState.SCHEDULED
    if now >= notice.expires_at:
        return NoticeState.EXPIRED
    return NoticeState.CURRENT


def is_current(notice: Notice, now: datetime) -> bool:
    return notice_state(notice, now) is NoticeState.CURRENT


def _current_clauses(now: datetime) -> tuple:
    return (Notice.withdrawn_at.is_(None), Notice.publish_at <= now, Notice.expires_at > now)


def current_notices_query(now: datetime, audiences: frozenset[Audience]) -> Select:
    """Current notices for these audiences: pinned first, then newest."""
    return (
        select(Notice)
        .where(*_current_clauses(now), Notice.audience.in_(sorted(audiences)))
        .options(joinedload(Notice.unit))
        .order_by(Notice.pinned.desc(), Notice.publish_at.desc(), Notice.id.desc())
    )


def current_notices(now: datetime, audiences: frozenset[Audience], limit: int | None = None) -> list[Notice]:
    query = current_notices_query(now, audiences)
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(query))



@dataclass(frozen=True, slots=True)
class CurrentNotice:
    """A current notice as the home page's panel and the lobby display list it."""

    id: int
    title: str
    body: str
    audience: Audience
    pinned: bool
    publish_at: datetime
    unit: str  # the unit's short name, or its name


_NOTICE = Notice.__table__
_UNIT = Unit.__table__
# Built once: the lists on every home page and display are read with new values only.
_CURRENT_NOTICES = (
    select(_NOTICE.c.id, _NOTICE.c.title, _NOTICE.c.body, _NOTICE.c.audience, _NOTICE.c.pinned,
           _NOTICE.c.publish_at, _UNIT.c.short_name, _UNIT.c.name)
    .join_from(_NOTICE, _UNIT, _NOTICE.c.unit_id == _UNIT.c.id)
    .where(_NOTICE.c.withdrawn_at.is_(None), _NOTICE.c.publish_at <= bindparam("now"),
           _NOTICE.c.expires_at > bindparam("now"), _NOTICE.c.audience.in_(bindparam("audiences", expanding=True)))
    .order_by(_NOTICE.c.pinned.desc(), _NOTICE.c.publish_at.desc(), _NOTICE.c.id.desc())
    .limit(bindparam("limit"))
)


def current_notice_list(now: datetime, audiences: frozenset[Audience], limit: int) -> list[CurrentNotice]:
    """The first ``limit`` of :func:`current_notices`, as plain values."""
    rows = db.session.connection().execute(
        _CURRENT_NOTICES, {"now": now, "audiences": sorted(audiences), "limit": limit}
    )
    return [CurrentNotice(*row[:6], row.short_name or row.name) for row in rows]

# ---------------------------------------------------------------- who reads and who manages


def audiences_for(user) -> frozenset[Audience]:
    """Visitors, the guards and the property company read public notices; the
    units' staff also read staff-only ones."""
    if getattr(user, "is_authenticated", False) and user.has_role(*STAFF):
        return frozenset(Audience)
    return frozenset({Audience.PUBLIC})


def is_notice_admin(user) -> bool:
    """The logistics center (and sysadmins) publish for any unit and may pin."""
    return bool(getattr(user, "is_authenticated", False) and user.has_role(*ADMINS))


def may_publish(user) -> bool:
    if is_notice_admin(user):
        return True
    return bool(getattr(user, "is_authenticated", False) and user.has_role(Role.UNIT_ADMIN) and user.unit_id)


def may_manage(user, notice: Notice) -> bool:
    """Edit and withdraw: the logistics center any notice, a unit admin their unit's."""
    if is_notice_admin(user):
        return True
    return may_publish(user) and notice.unit_id == user.unit_id


def may_read(user, notice: Notice, now: datetime) -> bool:
    if may_manage(user, notice):
        return True  # managers preview scheduled, expired and withdrawn notices
    return is_current(notice, now) and notice.audience in audiences_for(user)


def managed_notices_query(user, now: datetime, state: NoticeState | None = None) -> Select:
    """The notices ``user`` manages, newest first, optionally in one state."""
    query = select(Notice).options(joinedload(Notice.unit)).order_by(Notice.publish_at.desc(), Notice.id.desc())
    if not is_notice_admin(user):
        query = query.where(Notice.unit_id == (user.unit_id if may_publish(user) else -1))
    if state is NoticeState.CURRENT:
        query = query.where(*_current_clauses(now))
    elif state is NoticeState.SCHEDULED:
        query = query.where(Notice.withdrawn_at.is_(None), Notice.publish_at > now)
    elif state is NoticeState.EXPIRED:
        query = query.where(Notice.withdrawn_at.is_(None), Notice.expires_at <= now)
    elif state is NoticeState.WITHDRAWN:
        query = query.where(Notice.withdrawn_at.is_not(None))
    return query


# ---------------------------------------------------------------- the body: plain text to safe HTML

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# The characters RFC 3986 allows in a URL, minus quotes: Chinese text often
# follows a link without a space, and must not become part of it.
_URL = re.compile(r"https?://[A-Za-z0-9\-._~:/?#\[\]@!$&()*+,;=%]+", re.IGNORECASE)
_TRAILING = ".,;:!?"
_PARAGRAPH_BREAK = re.compile(r"\n(?:[ \t\u3000]*\n)+")


def clean_text(text: str | None) -> str:
    """Normalized line breaks, no control characters, no trailing blanks."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text).strip()


def _trim_url(url: str) -> str:
    while url and (url[-1] in _TRAILING or (url[-1] == ")" and url.count("(") < url.count(")"))):
        url = url[:-1]
    return url


def _linkify(line: str) -> Markup:
    parts: list[Markup] = []
    position = 0
    for match in _URL.finditer(line):
        url = _trim_url(match.group(0))
        try:
            host = urlsplit(url).hostname
        except ValueError:  # e.g. an unclosed IPv6 bracket
            host = None
        if not host:
            continue
        parts.append(escape(line[position : match.start()]))
        parts.append(Markup('<a href="{0}" rel="noopener" target="_blank">{0}</a>').format(url))
        position = match.start() + len(url)
    parts.append(escape(line[position:]))
    return Markup("").join(parts)


def render_body(text: str | None) -> Markup:
    """A notice body as HTML: paragraphs at blank lines, ``<br>`` at line
    breaks, http(s) addresses as links; everything else is escaped text."""
    paragraphs = [p.strip("\n") for p in _PARAGRAPH_BREAK.split(clean_text(text)) if p.strip()]
    html = []
    for paragraph in paragraphs:
        lines = [_linkify(line) for line in paragraph.split("\n")]
        html.append(Markup("<p>") + Markup("<br>\n").join(lines) + Markup("</p>"))
    return Markup("\n").join(html)


def excerpt(text: str | None, length: int = 80) -> str:
    """The body on one line, cut at ``length`` characters (for lists and the lobby display)."""
    flat = " ".join(clean_text(text).split())
    return flat if len(flat) <= length else flat[: length - 1].rstrip() + "…"


# ---------------------------------------------------------------- changes


@dataclass(frozen=True)
class NoticeDraft:
    title: str
    body: str
    audience: Audience
    publish_at: datetime
    expires_at: datetime
    pinned: bool
    unit_id: int


def window_errors(publish_at: datetime | None, expires_at: datetime | None) -> dict[str, list[object]]:
    """Problems with a publishing window, by field name."""
    errors: dict[str, list[object]] = {}
    for name, value in (("publish_at", publish_at), ("expires_at", expires_at)):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime")
        if value is not None and not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
            errors.setdefault(name, []).append(
                _l("Enter a date between %(first)s and %(last)s.", first=EARLIEST_YEAR, last=LATEST_YEAR)
            )
    if not errors and publish_at is not None and expires_at is not None and expires_at <= publish_at:
        errors.setdefault("expires_at", []).append(_l("The expiry time must be after the publish time."))
    return errors


def draft_errors(draft: NoticeDraft) -> dict[str, list[object]]:
    errors = window_errors(draft.publish_at, draft.expires_at)
    if not draft.title.strip():
        errors.setdefault("title", []).append(_l("Enter a title."))
    if len(draft.title) > TITLE_MAX:
        errors.setdefault("title", []).append(_l("At most %(max)s characters.", max=TITLE_MAX))
    if not draft.body.strip():
        errors.setdefault("body", []).append(_l("Enter the text of the notice."))
    if len(draft.body) > BODY_MAX:
        errors.setdefault("body", []).append(_l("At most %(max)s characters.", max=BODY_MAX))
    return errors


def _check_scope(user: User, draft: NoticeDraft, *, pinned_now: bool = False) -> None:
    if not may_publish(user):
        raise RuleViolation(_l("You may not publish notices."), status=403)
    if not is_notice_admin(user):
        if draft.unit_id != user.unit_id:
            raise RuleViolation(_l("Unit administrators publish for their own unit only."), field="unit_id", status=403)
        if draft.pinned != pinned_now:
            raise RuleViolation(_l("Only the logistics center pins or unpins notices."), field="pinned", status=403)
    errors = draft_errors(draft)
    if errors:
        field, messages = next(iter(errors.items()))
        raise RuleViolation(messages[0], field=field)


def _apply(notice: Notice, draft: NoticeDraft) -> None:
    notice.title = draft.title.strip()
    notice.body = clean_text(draft.body)
    notice.audience = draft.audience
    notice.publish_at = draft.publish_at
    notice.expires_at = draft.expires_at
    notice.pinned = draft.pinned
    notice.unit_id = draft.unit_id


def publish_notice(draft: NoticeDraft, *, actor: User, now: datetime) -> Notice:
    """Add a notice (shown from its publish time) and its audit entry; the caller commits."""
    _check_scope(actor, draft)
    notice = Notice(author_id=actor.id, created_at=now, updated_at=now)
    _apply(notice, draft)
    db.session.add(notice)
    db.session.flush()
    audit.record(actor, "notice.create", notice, after=audit.snapshot(notice, AUDIT_FIELDS), summary=notice.title)
    notify.announce(notice, now=now)
    return notice


def update_notice(notice: Notice, draft: NoticeDraft, *, actor: User, now: datetime) -> Notice:
    if not may_manage(actor, notice):
        raise RuleViolation(_l("You may not change this notice."), status=403)
    if notice.withdrawn_at is not None:
        raise RuleViolation(_l("This notice has been withdrawn and cannot be changed."), status=409)
    _check_scope(actor, draft, pinned_now=notice.pinned)
    before = audit.snapshot(notice, AUDIT_FIELDS)
    _apply(notice, draft)
    notice.updated_at = now
    audit.record(actor, "notice.update", notice, before=before, after=audit.snapshot(notice, AUDIT_FIELDS),
                 summary=notice.title)
    notify.announce(notice, now=now)  # e.g. brought forward to now; a notice already announced is not again
    return notice


def withdraw_notice(notice: Notice, *, actor: User, now: datetime) -> None:
    """Take a notice down at once; it stays in the records."""
    if not may_manage(actor, notice):
        raise RuleViolation(_l("You may not withdraw this notice."), status=403)
    if notice.withdrawn_at is not None:
        raise RuleViolation(_l("This notice has already been withdrawn."), status=409)
    before = audit.snapshot(notice, AUDIT_FIELDS)
    notice.withdrawn_at = now
    notice.withdrawn_by_id = actor.id
    notice.updated_at = now
    audit.record(actor, "notice.withdraw", notice, before=before, after=audit.snapshot(notice, AUDIT_FIELDS),
                 summary=notice.title)
    notify.withdrawn(notice, now=now)


def unit_choices() -> list[tuple[int, str]]:
    """The units a notice can be published for, as (id, name), in the directory's order."""
    return [(unit_id, name) for unit_id, name in db.session.execute(select(Unit.id, Unit.name).order_by(Unit.sort_order, Unit.name))]
