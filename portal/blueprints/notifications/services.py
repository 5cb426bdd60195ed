"""Notifications: storing events as messages, the inbox, delivery with retries,
and each person's choices. Plain functions; the caller commits (except the
sender, which commits each claim and each delivery so nothing is sent twice)."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any, Protocol

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, insert, or_, select, update
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
from portal.models import Role, User, UserRole
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


def _fill(text: Any, args: dict[str, Any]) -> str:
    template = str(text)
    try:
        return template % args if args else template.replace("%%", "%")
    except (KeyError, ValueError, TypeError):
        return template


def render_message(notification: Notification) -> Message:
    """The message in the current locale (call inside ``force_locale`` for another)."""
    kind = events.kind(notification.kind)
    if kind is None:
        return Message(notification.kind, "", None)
    path = None
    if notification.endpoint:
        try:
            path = path_for(notification.endpoint, **notification.endpoint_values)
        except Exception:  # noqa: BLE001 - a page renamed since: the message still reads
            path = None
    return Message(_fill(kind.subject, notification.args), _fill(kind.body, notification.args), path)


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


def open_count(user_id: int) -> int:
    """The header's number: one indexed count."""
    return db.session.scalar(select(func.count()).select_from(Notification).where(_open_for(user_id))) or 0


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


def inbox_query(user_id: int, *, todos_only: bool = False):
    query = select(Notification).where(Notification.recipient_id == user_id)
    if todos_only:
        query = query.where(Notification.todo.is_(True), Notification.done_at.is_(None))
    # Open to-dos first, then the newest.
    open_todo = and_(Notification.todo.is_(True), Notification.done_at.is_(None))
    return query.order_by(open_todo.desc(), Notification.created_at.desc(), Notification.id.desc())


def inbox_entries(notifications: Iterable[Notification]) -> list[InboxEntry]:
    entries = []
    for n in notifications:
        message = render_message(n)
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


def in_quiet_hours(profile: NotificationProfile, moment: datetime) -> datetime | None:
    """When the quiet hours containing ``moment`` end, or None outside them."""
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


def _finish(model, row_id: int, token: str, **values: Any) -> None:
    begin_serialized_write()
    db.session.execute(
        update(model).where(model.id == row_id, model.claimed_by == token)
        .values(claimed_by=None, claimed_until=None, **values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _failure(attempts: int, error: Exception, now: datetime) -> dict[str, Any]:
    attempts += 1
    status = DeliveryStatus.FAILED if attempts >= MAX_ATTEMPTS else DeliveryStatus.PENDING
    return {"attempts": attempts, "last_error": str(error)[:255], "next_attempt_at": now + backoff(attempts),
            "_status": status}


def send_emails(*, now: datetime, mailer: Channel | None, report: SendReport, batch: int = 200) -> None:
    token = secrets.token_hex(8)
    _claim(Notification, Notification.email_status, token=token, now=now, batch=batch)
    claimed = db.session.execute(
        select(Notification, NotificationProfile)
        .outerjoin(NotificationProfile, NotificationProfile.user_id == Notification.recipient_id)
        .where(Notification.claimed_by == token)
        .order_by(Notification.id)
    ).all()
    for notification, profile in claimed:
        row_id, attempts = notification.id, notification.attempts
        wanted = profile is not None and profile.email and (
            profile.email_kinds is None or notification.kind in profile.email_kinds
        )
        if not wanted or mailer is None:
            reason = "" if mailer is not None else "no SMTP server configured"
            _finish(Notification, row_id, token, email_status=DeliveryStatus.SKIPPED, last_error=reason)
            report.skipped += 1
            continue
        quiet_until = in_quiet_hours(profile, now)
        if quiet_until is not None:
            _finish(Notification, row_id, token, next_attempt_at=quiet_until)
            continue
        message = render_for(notification, profile.locale)
        try:
            mailer.send(profile.email, message.subject, plain_text(message))
        except DeliveryError as error:
            values = _failure(attempts, error, now)
            status = values.pop("_status")
            _finish(Notification, row_id, token, email_status=status, **values)
            report.failed += status == DeliveryStatus.FAILED
            report.retried += status == DeliveryStatus.PENDING
            continue
        _finish(Notification, row_id, token, email_status=DeliveryStatus.SENT, sent_at=now, attempts=attempts + 1,
                last_error="")
        report.emailed += 1


def queue_webhooks(*, now: datetime, batch: int = 200) -> None:
    """Turn new events into one delivery per matching group robot (once per event)."""
    pending = db.session.execute(
        select(Notification.event_key, Notification.kind, func.min(Notification.id))
        .where(Notification.webhook_status == DeliveryStatus.PENDING)
        .group_by(Notification.event_key, Notification.kind)
        .limit(batch)
    ).all()
    if not pending:
        return
    targets = db.session.scalars(select(WebhookTarget).where(WebhookTarget.active.is_(True))).all()
    for event_key, kind, first_id in pending:
        matching = [t for t in targets if not t.kinds or kind in t.kinds]
        if matching:
            recipients = db.session.execute(
                select(User.id, User.unit_id).join(Notification, Notification.recipient_id == User.id)
                .where(Notification.event_key == event_key)
            ).all()
            units = {unit_id for _, unit_id in recipients if unit_id is not None}
            roles = set(db.session.scalars(
                select(UserRole.role).where(UserRole.user_id.in_([user_id for user_id, _ in recipients]))
            ))
            matching = [t for t in matching if (t.unit_id in units) or (t.role in roles)]
        try:
            begin_serialized_write()
            for target in matching:
                db.session.add(WebhookDelivery(event_key=event_key, target_id=target.id, notification_id=first_id,
                                               status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=now,
                                               last_error=""))
            db.session.execute(
                update(Notification).where(Notification.event_key == event_key)
                .values(webhook_status=DeliveryStatus.SENT if matching else DeliveryStatus.SKIPPED)
                .execution_options(synchronize_session=False)
            )
            db.session.commit()
        except IntegrityError:
            db.session.rollback()  # another sender queued this event first


def send_webhooks(*, now: datetime, poster: Channel, report: SendReport, batch: int = 200) -> None:
    token = secrets.token_hex(8)
    _claim(WebhookDelivery, WebhookDelivery.status, token=token, now=now, batch=batch)
    claimed = db.session.scalars(
        select(WebhookDelivery).where(WebhookDelivery.claimed_by == token).order_by(WebhookDelivery.id)
    ).all()
    for delivery in claimed:
        row_id, attempts, target = delivery.id, delivery.attempts, delivery.target
        message = render_for(delivery.notification, target.locale)
        try:
            poster.send(target.url, target.secret, plain_text(message))
        except DeliveryError as error:
            values = _failure(attempts, error, now)
            status = values.pop("_status")
            _finish(WebhookDelivery, row_id, token, status=status, **values)
            report.webhooks_failed += 1
            continue
        _finish(WebhookDelivery, row_id, token, status=DeliveryStatus.SENT, sent_at=now, attempts=attempts + 1,
                last_error="")
        report.webhooks_sent += 1


def send_due(*, now: datetime, mailer: Channel | None, poster: Channel, batch: int = 200) -> SendReport:
    """Deliver what is due: e-mails, then group-robot messages. Safe to run from
    several processes at once: each row is claimed by one sender."""
    report = SendReport()
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
