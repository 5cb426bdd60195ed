"""Notifications: storing events as messages, the inbox, delivery with retries,
and each person's choices. Plain functions; the caller commits (except the
sender, which commits each claim and each delivery so nothing is sent twice)."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from time import monotonic
from typing import Any, Protocol
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import and_, bindparam, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from portal import audit, events, signals
from portal.blueprints.notifications.channels import DeliveryError, validate_webhook_url
from portal.blueprints.notifications.models import (
    DeliveryStatus,
    Notification,
    NotificationProfile,
    WebhookDelivery,
    WebhookTarget,
)
from portal.db import begin_serialized_write, db
from portal.i18n import lazy_gettext as _l
from portal.models import Role, User, UserRole
from portal.paging import ListPage
from portal.rules import RuleViolation
from portal.timeutil import to_local
from portal.urls import base_url, path_for

MAX_ATTEMPTS = 8
LEASE = timedelta(minutes=5)


# --- events → messages -----------------------------------------------------------------------

def store_event(event: events.Event) -> None:
    """One row per recipient, in one statement, in the emitter's transaction."""
    kind = events.kind(event.kind)
    event_key = secrets.token_hex(16)
    rows = [
        {
            "recipient_id": recipient_id,
            "kind": event.kind,
            "args": dict(event.args),
            "endpoint": event.endpoint,
            "endpoint_values": dict(event.values),
            "todo": bool(kind and kind.todo),
            "todo_key": event.todo_key,
            "event_key": event_key,
            "created_at": event.now,
            "next_attempt_at": event.now,
            "email_status": DeliveryStatus.PENDING,
            "webhook_status": DeliveryStatus.PENDING,
            "attempts": 0,
            "last_error": "",
        }
        for recipient_id in event.recipient_ids
    ]
    db.session.execute(insert(Notification), rows)


def resolve_todo(todo_key: str, *, now: datetime) -> None:
    db.session.execute(
        update(Notification)
        .where(Notification.todo_key == todo_key, Notification.done_at.is_(None))
        .values(done_at=now)
    )


# --- rendering ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Message:
    subject: str
    body: str
    path: str | None


def _fill(template: str, args: dict[str, Any]) -> str:
    try:
        return template % args if args else template.replace("%%", "%")
    except (KeyError, ValueError, TypeError):
        return template


def render_message(notification: Notification, texts: dict[str, tuple[str, str]] | None = None) -> Message:
    """The message in the current locale (call inside ``force_locale`` for another).
    ``texts``: the kinds' subject and body translated already, for a list of messages."""
    kind = events.kind(notification.kind)
    if kind is None:
        return Message(notification.kind, "", None)
    if texts is None:
        subject, body = str(kind.subject), str(kind.body)
    elif (subject_body := texts.get(kind.code)) is None:
        subject, body = texts[kind.code] = str(kind.subject), str(kind.body)
    else:
        subject, body = subject_body
    path = None
    if notification.endpoint:
        try:
            path = path_for(notification.endpoint, **notification.endpoint_values)
        except Exception:  # noqa: BLE001 - a page renamed since: the message still reads
            path = None
    return Message(_fill(subject, notification.args), _fill(body, notification.args), path)


def render_for(notification: Notification, locale: str) -> Message:
    with force_locale(locale):
        return render_message(notification)


def plain_text(message: Message) -> str:
    lines = [message.subject]
    if message.body:
        lines.append(message.body)
    if message.path:
        lines.append(base_url() + message.path)
    return "\n".join(lines)


# --- the inbox ---------------------------------------------------------------------------------

def _open_for(user_id: int):
    """To-dos not yet done, and notices not yet read."""
    return and_(
        Notification.recipient_id == user_id,
        Notification.done_at.is_(None),
        or_(Notification.todo.is_(True), Notification.read_at.is_(None)),
    )


def _open_todos(user_id: int):
    return and_(Notification.recipient_id == user_id, Notification.todo.is_(True), Notification.done_at.is_(None))


def _count(*conditions) -> Any:
    return select(func.count()).select_from(Notification).where(*conditions).scalar_subquery()


def open_count_query(user_id: Any):
    """:func:`_open_for` counted as the open to-dos and the unread notices, each through
    its own index, so the count costs what is open, not the years of messages read."""
    unread_notices = and_(Notification.recipient_id == user_id, Notification.read_at.is_(None),
                          Notification.done_at.is_(None), Notification.todo.is_(False))
    return select(_count(_open_todos(user_id)) + _count(unread_notices))


# The header's count and the inbox's version run on every page of a signed-in user: built once,
# as building a statement (and its cache key) costs several times what SQLite takes to answer it.
_OPEN_COUNT = open_count_query(bindparam("user"))


def _inbox_version_query(user_id: Any):
    newest = (select(func.max(Notification.created_at)).where(Notification.recipient_id == user_id)
              .scalar_subquery())
    unread = _count(Notification.recipient_id == user_id, Notification.read_at.is_(None))
    return select(newest, unread, _count(_open_todos(user_id)))


_INBOX_VERSION = _inbox_version_query(bindparam("user"))


def open_count(user_id: int) -> int:
    """The header's number: one statement."""
    return db.session.connection().execute(_OPEN_COUNT, {"user": user_id}).scalar() or 0


def inbox_version(user_id: int) -> str:
    """What the inbox shows changes with it: the newest message, the number unread, the
    open to-dos (a message arrives unread, reading lowers the one, doing the other).
    One statement of three index look-ups."""
    row = db.session.connection().execute(_INBOX_VERSION, {"user": user_id}).one()
    return "/".join(str(value) for value in row)


@dataclass(frozen=True)
class InboxEntry:
    id: int
    subject: str
    body: str
    path: str | None
    created_at: datetime
    todo: bool
    read: bool
    done: bool


_INBOX_COLUMNS = (Notification.id, Notification.kind, Notification.args, Notification.endpoint,
                  Notification.endpoint_values, Notification.created_at, Notification.todo, Notification.read_at,
                  Notification.done_at)
_NEWEST_FIRST = (Notification.created_at.desc(), Notification.id.desc())


# The inbox's three statements, built once (see _OPEN_COUNT).
_INBOX_TODOS = select(*_INBOX_COLUMNS).where(_open_todos(bindparam("user"))).order_by(*_NEWEST_FIRST)
_INBOX_TOTAL = select(func.count()).select_from(Notification).where(Notification.recipient_id == bindparam("user"))
_INBOX_OTHERS = (
    select(*_INBOX_COLUMNS)
    .where(Notification.recipient_id == bindparam("user"),
           or_(Notification.todo.is_(False), Notification.done_at.is_not(None)))
    .order_by(*_NEWEST_FIRST).offset(bindparam("skip")).limit(bindparam("take"))
)


def inbox_page(user_id: int, number: int, per_page: int) -> ListPage:
    """A page of the inbox: the open to-dos first (few), then everything else newest
    first, read through the index a page at a time."""
    connection = db.session.connection()
    todos = connection.execute(_INBOX_TODOS, {"user": user_id}).all()
    total = connection.execute(_INBOX_TOTAL, {"user": user_id}).scalar() or 0
    start = (number - 1) * per_page
    rows = todos[start:start + per_page]
    if len(rows) < per_page:
        rows += connection.execute(
            _INBOX_OTHERS, {"user": user_id, "skip": max(start - len(todos), 0), "take": per_page - len(rows)}
        ).all()
    return ListPage(inbox_entries(rows), number, per_page, total)


def inbox_entries(notifications: Iterable[Any]) -> list[InboxEntry]:
    """``notifications``: rows or objects with the message's columns (see :func:`render_message`)."""
    texts: dict[str, tuple[str, str]] = {}
    entries = []
    for n in notifications:
        message = render_message(n, texts)
        entries.append(InboxEntry(n.id, message.subject, message.body, message.path, n.created_at, n.todo,
                                  n.read_at is not None, n.done_at is not None))
    return entries


def mark_read(user: User, notification_ids: Iterable[int] | None, *, now: datetime) -> int:
    """Mark the user's messages read (all of them when ``notification_ids`` is None)."""
    statement = update(Notification).where(Notification.recipient_id == user.id, Notification.read_at.is_(None))
    if notification_ids is not None:
        ids = [int(i) for i in notification_ids]
        if not ids:
            return 0
        statement = statement.where(Notification.id.in_(ids))
    return db.session.execute(statement.values(read_at=now)).rowcount or 0


# --- choices -------------------------------------------------------------------------------------

@dataclass
class ProfileDraft:
    email: str = ""
    locale: str = "zh_CN"
    email_kinds: list[str] = field(default_factory=list)
    quiet_from: time | None = None
    quiet_until: time | None = None


def profile_for(user: User) -> NotificationProfile:
    return db.session.get(NotificationProfile, user.id) or NotificationProfile(
        user_id=user.id, email="", locale="zh_CN", email_kinds=None
    )


def save_profile(user: User, draft: ProfileDraft, *, actor: User, now: datetime) -> NotificationProfile:
    if (draft.quiet_from is None) != (draft.quiet_until is None):
        raise RuleViolation(_l("Give both the start and the end of the quiet hours, or neither."), field="quiet_until")
    if draft.quiet_from is not None and draft.quiet_from == draft.quiet_until:
        raise RuleViolation(_l("Quiet hours must start and end at different times."), field="quiet_until")
    if draft.locale not in current_app.config["LANGUAGES"]:
        raise RuleViolation(_l("Choose one of the portal's languages."), field="locale")
    known = {k.code for k in events.registered_kinds()}
    profile = db.session.get(NotificationProfile, user.id)
    before = audit.snapshot(profile, ("email", "locale", "email_kinds", "quiet_from", "quiet_until")) if profile else None
    if profile is None:
        profile = NotificationProfile(user_id=user.id)
        db.session.add(profile)
    profile.email = draft.email
    profile.locale = draft.locale
    profile.email_kinds = sorted(set(draft.email_kinds) & known)
    profile.quiet_from, profile.quiet_until = draft.quiet_from, draft.quiet_until
    db.session.flush()
    audit.record(actor, "notification_profile.update", object_type="notification_profile", object_id=user.id,
                 before=before, after=audit.snapshot(profile, ("email", "locale", "email_kinds", "quiet_from", "quiet_until")))
    return profile


def remember_locale(user: User, locale: str) -> None:
    """The language a person last chose: messages sent later are written in it."""
    profile = db.session.get(NotificationProfile, user.id)
    if profile is None:
        db.session.add(NotificationProfile(user_id=user.id, locale=locale, email="", email_kinds=None))
    elif profile.locale != locale:
        profile.locale = locale


@dataclass
class TargetDraft:
    name: str
    url: str
    secret: str = ""
    unit_id: int | None = None
    role: Role | None = None
    kinds: list[str] = field(default_factory=list)
    locale: str = "zh_CN"
    active: bool = True


def save_target(target: WebhookTarget | None, draft: TargetDraft, *, actor: User, now: datetime) -> WebhookTarget:
    try:
        url = validate_webhook_url(draft.url)
    except ValueError:
        raise RuleViolation(_l("Enter the robot's full web address, starting with https:// (or http://)."),
                            field="url") from None
    if (draft.unit_id is None) == (draft.role is None):
        raise RuleViolation(_l("Choose either a unit or a role whose messages this robot receives."), field="unit_id")
    fields = ("name", "url", "unit_id", "role", "kinds", "locale", "active")
    before = audit.snapshot(target, fields) if target is not None else None
    if target is None:
        target = WebhookTarget()
        db.session.add(target)
    target.name, target.url, target.secret = draft.name, url, draft.secret
    target.unit_id, target.role = draft.unit_id, draft.role
    target.kinds = sorted(set(draft.kinds) & {k.code for k in events.registered_kinds()})
    target.locale, target.active = draft.locale, draft.active
    db.session.flush()
    # The secret is never written to the audit log.
    audit.record(actor, "webhook_target.save", target, before=before, after=audit.snapshot(target, fields))
    return target


def send_test_message(target: WebhookTarget, *, actor: User, now: datetime) -> None:
    """Queue a test message to ``target`` (and to the actor's inbox), to check a robot's set-up."""
    notification = Notification(
        recipient_id=actor.id, kind="notifications.test", args={"target": target.name}, endpoint_values={},
        todo=False, event_key=secrets.token_hex(16), created_at=now, next_attempt_at=now,
        email_status=DeliveryStatus.SKIPPED, webhook_status=DeliveryStatus.SENT, attempts=0, last_error="",
    )
    db.session.add(notification)
    db.session.flush()
    db.session.add(WebhookDelivery(event_key=notification.event_key, target_id=target.id, notification_id=notification.id,
                                   status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=now, last_error=""))
    audit.record(actor, "webhook_target.test", target)


def delete_target(target: WebhookTarget, *, actor: User, now: datetime) -> None:
    audit.record(actor, "webhook_target.delete", target, before=audit.snapshot(target, ("name", "url")))
    db.session.delete(target)


# --- delivery ------------------------------------------------------------------------------------
#
# The sender claims a batch of rows (one UPDATE, committed), reads what it needs
# as plain rows (no ORM objects, so its many small commits expire nothing),
# sends the batch over one SMTP connection / kept-alive HTTP connections, and
# records each delivery in its own short commit right after it went out: a
# crash loses at most the record of the one message in flight. Rows nobody
# sends to (no address, not wanted) are settled in one statement per batch.


class Channel(Protocol):
    def send(self, *args: Any) -> None: ...


@dataclass
class SendReport:
    emailed: int = 0
    skipped: int = 0
    retried: int = 0
    failed: int = 0
    webhooks_sent: int = 0
    webhooks_failed: int = 0

    @property
    def total(self) -> int:
        return self.emailed + self.skipped + self.retried + self.failed + self.webhooks_sent + self.webhooks_failed


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min … doubling, at most six hours."""
    return min(timedelta(seconds=30 * 2 ** max(attempts - 1, 0)), timedelta(hours=6))


def _claim(model, status_column, *, token: str, now: datetime, batch: int) -> None:
    free = and_(
        status_column == DeliveryStatus.PENDING,
        model.next_attempt_at <= now,
        or_(model.claimed_until.is_(None), model.claimed_until < now),
    )
    begin_serialized_write()  # SQLite: writers queue instead of failing with "database is locked"
    due = select(model.id).where(free).order_by(model.id).limit(batch)
    if db.session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    # The outer condition is checked again on each row at update time, so two
    # senders racing for the same rows cannot both claim one.
    db.session.execute(
        update(model).where(model.id.in_(due.scalar_subquery()), free)
        .values(claimed_by=token, claimed_until=now + LEASE)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def in_quiet_hours(profile: Any, moment: datetime) -> datetime | None:
    """When the quiet hours (``profile.quiet_from``/``quiet_until``) containing ``moment`` end, or None outside them."""
    start, end = profile.quiet_from, profile.quiet_until
    if start is None or end is None:
        return None
    local = to_local(moment)
    now_time = local.time()
    inside = start <= now_time < end if start < end else (now_time >= start or now_time < end)
    if not inside:
        return None
    ends = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    return ends if ends > local else ends + timedelta(days=1)


def _finish(model, row_ids: int | list[int], token: str, **values: Any) -> None:
    """Record the outcome for rows this sender holds, and let go of them (one short commit).

    A Core statement on the table: the ORM's bulk-update bookkeeping cost more
    than the UPDATE itself, once per message."""
    ids = [row_ids] if isinstance(row_ids, int) else list(row_ids)
    if not ids:
        return
    table = model.__table__
    begin_serialized_write()
    db.session.execute(
        table.update().where(table.c.id.in_(ids) if len(ids) > 1 else table.c.id == ids[0], table.c.claimed_by == token)
        .values(claimed_by=None, claimed_until=None, **values)
    )
    db.session.commit()


def _failure(attempts: int, error: Exception, now: datetime) -> dict[str, Any]:
    attempts += 1
    status = DeliveryStatus.FAILED if attempts >= MAX_ATTEMPTS else DeliveryStatus.PENDING
    return {"attempts": attempts, "last_error": str(error)[:255], "next_attempt_at": now + backoff(attempts),
            "_status": status}


def _deadline() -> float:
    """Stop a batch well before its claim runs out, so no other sender can take a row still being sent."""
    return monotonic() + LEASE.total_seconds() * 0.8


def _held(channel: Any):
    """The channel's batch connection (one SMTP session, kept-alive HTTP), if it has one."""
    connection = getattr(channel, "connection", None)
    return connection() if connection is not None else nullcontext()


@dataclass(frozen=True)
class _Outgoing:
    """A claimed message as the sender reads it (and as :func:`render_message` needs it)."""

    id: int
    attempts: int
    kind: str
    args: dict[str, Any]
    endpoint: str | None
    endpoint_values: dict[str, Any]


def _render_all(messages: list[tuple[_Outgoing, str]]) -> list[tuple[str, str]]:
    """(subject, plain text) of each message in its locale: one locale switch per language, not per message."""
    texts: list[tuple[str, str]] = [("", "")] * len(messages)
    by_locale: dict[str, list[int]] = {}
    for position, (_, locale) in enumerate(messages):
        by_locale.setdefault(locale, []).append(position)
    for locale, positions in by_locale.items():
        with force_locale(locale):
            for position in positions:
                message = render_message(messages[position][0])  # type: ignore[arg-type]
                texts[position] = (message.subject, plain_text(message))
    return texts


def _record_failure(model, status_field: str, row: _Outgoing, token: str, error: Exception, now: datetime,
                    report: SendReport, *, webhook: bool) -> None:
    values = _failure(row.attempts, error, now)
    status = values.pop("_status")
    _finish(model, row.id, token, **{status_field: status}, **values)
    if webhook:
        report.webhooks_failed += 1
    else:
        report.failed += status == DeliveryStatus.FAILED
        report.retried += status == DeliveryStatus.PENDING


def send_emails(*, now: datetime, mailer: Channel | None, report: SendReport, batch: int = 200) -> None:
    token = secrets.token_hex(8)
    _claim(Notification, Notification.email_status, token=token, now=now, batch=batch)
    claimed = db.session.execute(
        select(Notification.id, Notification.attempts, Notification.kind, Notification.args, Notification.endpoint,
               Notification.endpoint_values, NotificationProfile.email, NotificationProfile.locale,
               NotificationProfile.email_kinds, NotificationProfile.quiet_from, NotificationProfile.quiet_until)
        .outerjoin(NotificationProfile, NotificationProfile.user_id == Notification.recipient_id)
        .where(Notification.claimed_by == token)
        .order_by(Notification.id)
    ).all()
    db.session.commit()
    if not claimed:
        return
    unwanted: list[int] = []
    postponed: dict[datetime, list[int]] = {}
    outgoing: list[tuple[_Outgoing, Any]] = []
    for row in claimed:
        wanted = bool(row.email) and (row.email_kinds is None or row.kind in row.email_kinds)
        if not wanted or mailer is None:
            unwanted.append(row.id)
            continue
        quiet_until = in_quiet_hours(row, now)
        if quiet_until is not None:
            postponed.setdefault(quiet_until, []).append(row.id)
            continue
        outgoing.append((_Outgoing(row.id, row.attempts, row.kind, row.args or {}, row.endpoint,
                                   row.endpoint_values or {}), row))
    _finish(Notification, unwanted, token, email_status=DeliveryStatus.SKIPPED,
            last_error="" if mailer is not None else "no SMTP server configured")
    report.skipped += len(unwanted)
    for until, ids in postponed.items():
        _finish(Notification, ids, token, next_attempt_at=until)
    if not outgoing:
        return
    texts = _render_all([(m, row.locale or "zh_CN") for m, row in outgoing])
    deadline = _deadline()
    down: DeliveryError | None = None
    with _held(mailer):
        for position, (message_row, row) in enumerate(outgoing):
            if down is not None:
                # The server could not be reached: the rest of the batch waits for the next try.
                _record_failure(Notification, "email_status", message_row, token, down, now, report, webhook=False)
                continue
            if monotonic() > deadline:
                _finish(Notification, [m.id for m, _ in outgoing[position:]], token)
                break
            subject, text = texts[position]
            try:
                mailer.send(row.email, subject, text)  # type: ignore[union-attr]
            except DeliveryError as error:
                _record_failure(Notification, "email_status", message_row, token, error, now, report, webhook=False)
                if error.unreachable:
                    down = error
                continue
            _finish(Notification, message_row.id, token, email_status=DeliveryStatus.SENT, sent_at=now,
                    attempts=message_row.attempts + 1, last_error="")
            report.emailed += 1


def queue_webhooks(*, now: datetime, batch: int = 200) -> None:
    """Turn new events into one delivery per matching group robot (once per event), in one transaction."""
    targets = db.session.execute(
        select(WebhookTarget.id, WebhookTarget.unit_id, WebhookTarget.role, WebhookTarget.kinds)
        .where(WebhookTarget.active.is_(True))
    ).all()
    begin_serialized_write()  # SQLite: one sender at a time queues; PostgreSQL: the unique key decides
    pending = db.session.execute(
        select(Notification.event_key, Notification.kind, func.min(Notification.id))
        .where(Notification.webhook_status == DeliveryStatus.PENDING)
        .group_by(Notification.event_key, Notification.kind)
        .order_by(func.min(Notification.id))
        .limit(batch)
    ).all()
    if not pending:
        db.session.commit()
        return
    units: dict[str, set[int]] = {}
    roles: dict[str, set[Role]] = {}
    if targets:
        for event_key, unit_id, role in db.session.execute(
            select(Notification.event_key, User.unit_id, UserRole.role)
            .join(User, User.id == Notification.recipient_id)
            .outerjoin(UserRole, UserRole.user_id == User.id)
            .where(Notification.event_key.in_([key for key, _, _ in pending]))
        ):
            if unit_id is not None:
                units.setdefault(event_key, set()).add(unit_id)
            if role is not None:
                roles.setdefault(event_key, set()).add(role)
    deliveries: list[dict[str, Any]] = []
    heard: list[str] = []
    unheard: list[str] = []
    for event_key, kind, first_id in pending:
        matching = [t for t in targets if (not t.kinds or kind in t.kinds)
                    and (t.unit_id in units.get(event_key, ()) or t.role in roles.get(event_key, ()))]
        (heard if matching else unheard).append(event_key)
        deliveries += [{"event_key": event_key, "target_id": t.id, "notification_id": first_id,
                        "status": DeliveryStatus.PENDING, "attempts": 0, "next_attempt_at": now, "last_error": ""}
                       for t in matching]
    try:
        if deliveries:
            db.session.execute(insert(WebhookDelivery), deliveries)
        for keys, status in ((heard, DeliveryStatus.SENT), (unheard, DeliveryStatus.SKIPPED)):
            if keys:
                db.session.execute(
                    update(Notification).where(Notification.event_key.in_(keys))
                    .values(webhook_status=status).execution_options(synchronize_session=False)
                )
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # another sender queued these events first


def send_webhooks(*, now: datetime, poster: Channel, report: SendReport, batch: int = 200) -> None:
    token = secrets.token_hex(8)
    _claim(WebhookDelivery, WebhookDelivery.status, token=token, now=now, batch=batch)
    claimed = db.session.execute(
        select(WebhookDelivery.id, WebhookDelivery.attempts, Notification.kind, Notification.args,
               Notification.endpoint, Notification.endpoint_values, WebhookTarget.url, WebhookTarget.secret,
               WebhookTarget.locale)
        .join(WebhookTarget, WebhookTarget.id == WebhookDelivery.target_id)
        .join(Notification, Notification.id == WebhookDelivery.notification_id)
        .where(WebhookDelivery.claimed_by == token)
        .order_by(WebhookDelivery.id)
    ).all()
    db.session.commit()
    if not claimed:
        return
    deliveries = [_Outgoing(r.id, r.attempts, r.kind, r.args or {}, r.endpoint, r.endpoint_values or {}) for r in claimed]
    texts = _render_all([(d, r.locale) for d, r in zip(deliveries, claimed)])
    deadline = _deadline()
    down: dict[str, DeliveryError] = {}  # robot servers that could not be reached in this batch
    with _held(poster):
        for position, row in enumerate(claimed):
            if monotonic() > deadline:
                _finish(WebhookDelivery, [r.id for r in claimed[position:]], token)
                break
            delivery = deliveries[position]
            server = urlsplit(row.url).netloc
            if server in down:
                _record_failure(WebhookDelivery, "status", delivery, token, down[server], now, report, webhook=True)
                continue
            try:
                poster.send(row.url, row.secret, texts[position][1])
            except DeliveryError as error:
                _record_failure(WebhookDelivery, "status", delivery, token, error, now, report, webhook=True)
                if error.unreachable:
                    down[server] = error
                continue
            _finish(WebhookDelivery, row.id, token, status=DeliveryStatus.SENT, sent_at=now,
                    attempts=row.attempts + 1, last_error="")
            report.webhooks_sent += 1


def send_due(*, now: datetime, mailer: Channel | None, poster: Channel, batch: int = 200,
             hold_email: bool = False) -> SendReport:
    """Deliver what is due: e-mails, then group-robot messages. Safe to run from
    several processes at once: each row is claimed by one sender.

    Without a ``mailer`` (no SMTP server set up) e-mails are marked not sent;
    with ``hold_email`` (an SMTP server set up wrongly) they wait instead."""
    report = SendReport()
    if not hold_email:
        send_emails(now=now, mailer=mailer, report=report, batch=batch)
    queue_webhooks(now=now, batch=batch)
    send_webhooks(now=now, poster=poster, report=report, batch=batch)
    return report


def connect() -> Callable[[], None]:
    """Store every event the capabilities emit (connected once, at start-up)."""

    def on_event(event: events.Event) -> None:
        store_event(event)

    def on_resolved(todo_key: str, now: datetime) -> None:
        resolve_todo(todo_key, now=now)

    def on_language(user: User, locale: str) -> None:
        remember_locale(user, locale)

    def on_asked(todo_key: str) -> bool:
        return db.session.scalar(select(Notification.id).where(Notification.todo_key == todo_key).limit(1)) is not None

    events.event_emitted.connect(on_event, weak=False)
    events.todo_resolved.connect(on_resolved, weak=False)
    signals.language_chosen.connect(on_language, weak=False)
    events.todo_asked.connect(on_asked, weak=False)

    def disconnect() -> None:
        events.event_emitted.disconnect(on_event)
        events.todo_resolved.disconnect(on_resolved)
        signals.language_chosen.disconnect(on_language)
        events.todo_asked.disconnect(on_asked)

    return disconnect
