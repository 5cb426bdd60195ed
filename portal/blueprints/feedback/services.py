"""The rules of staff feedback. Plain functions taking ``actor`` and ``now``;
a refused change raises :class:`portal.rules.RuleViolation`; the caller commits.

Anonymity is real: anonymous feedback is stored without the sender's account,
and its audit entry names no actor. The sender follows it with a receipt code
(only its hash is kept)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select

from portal import audit
from portal.blueprints.feedback import notify
from portal.blueprints.feedback.models import Feedback, Kind, Status, Topic
from portal.db import db
from portal.i18n import lazy_gettext as _l
from portal.models import Role, User
from portal.rules import RuleViolation

HANDLERS = (Role.LOGISTICS_ADMIN, Role.SYSADMIN)
MAX_TEXT = 2000
RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud or copied by hand


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def normalise_receipt(code: str) -> str:
    return "".join(c for c in (code or "").upper() if c.isalnum())[:32]


def new_receipt() -> str:
    return "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(12))


def is_handler(user: User) -> bool:
    return user.has_role(*HANDLERS)


@dataclass(frozen=True)
class FeedbackDraft:
    kind: Kind | str
    topic: Topic | str
    text: str
    anonymous: bool


def submit(draft: FeedbackDraft, *, actor: User, now: datetime) -> tuple[Feedback, str]:
    """Store the feedback; returns it and the receipt code (shown to the sender once)."""
    try:
        kind = Kind(draft.kind)
    except ValueError:
        raise RuleViolation(_l("Choose complaint, praise or suggestion."), field="kind") from None
    try:
        topic = Topic(draft.topic)
    except ValueError:
        raise RuleViolation(_l("Choose what it is about."), field="topic") from None
    text = (draft.text or "").strip()
    if len(text) < 4:
        raise RuleViolation(_l("Write at least a few words."), field="text")
    if len(text) > MAX_TEXT:
        raise RuleViolation(_l("Keep it under 2000 characters."), field="text")
    code = new_receipt()
    item = Feedback(
        kind=kind, topic=topic, text=text, anonymous=bool(draft.anonymous),
        sender_id=None if draft.anonymous else actor.id, receipt_hash=_hash(code), created_at=now,
        status=Status.NEW, handling_note="", answer="", published=False,
    )
    db.session.add(item)
    db.session.flush()
    audit.record(None if draft.anonymous else actor, "feedback.submit", item,
                 after=audit.snapshot(item, ("kind", "topic", "anonymous")))
    notify.received(item, now=now)
    return item, code


def _require_handler(actor: User) -> None:
    if not is_handler(actor):
        raise RuleViolation(_l("Only the logistics center can do this."), status=403)


def take_in_hand(item: Feedback, note: str, topic: Topic | str | None, *, actor: User, now: datetime) -> None:
    """Triage: the logistics center takes it on (correcting the topic if need be), with a note for the sender."""
    _require_handler(actor)
    if item.status is not Status.NEW:
        raise RuleViolation(_l("This feedback has already been taken in hand."), status=409)
    note = (note or "").strip()
    if len(note) > 500:
        raise RuleViolation(_l("Keep it under 500 characters."), field="note")
    before = audit.snapshot(item, ("status", "topic", "handling_note"))
    if topic:
        try:
            item.topic = Topic(topic)
        except ValueError:
            raise RuleViolation(_l("Choose what it is about."), field="topic") from None
    item.status = Status.IN_HAND
    item.handling_note = note
    audit.record(actor, "feedback.in_hand", item, before=before,
                 after=audit.snapshot(item, ("status", "topic", "handling_note")))
    notify.in_hand(item, now=now)


def answer(item: Feedback, text: str, publish: bool, *, actor: User, now: datetime) -> None:
    """Answer it (or correct the answer); a published answer is shown to all staff, never the sender."""
    _require_handler(actor)
    text = (text or "").strip()
    if not text:
        raise RuleViolation(_l("Write the answer."), field="answer")
    if len(text) > MAX_TEXT:
        raise RuleViolation(_l("Keep it under 2000 characters."), field="answer")
    before = audit.snapshot(item, ("status", "answer", "published"))
    first = item.status is not Status.ANSWERED
    item.status = Status.ANSWERED
    item.answer = text
    item.answered_at = now
    item.answered_by_id = actor.id
    item.published = bool(publish)
    audit.record(actor, "feedback.answer", item, before=before, after=audit.snapshot(item, ("status", "answer", "published")))
    if first:
        notify.answered(item, now=now)


# --- reads ------------------------------------------------------------------------------------


def can_view(user: User, item: Feedback) -> bool:
    return is_handler(user) or item.published or (item.sender_id is not None and item.sender_id == user.id)


def find(feedback_id: int) -> Feedback | None:
    return db.session.get(Feedback, feedback_id)


def find_by_receipt(code: str) -> Feedback | None:
    code = normalise_receipt(code)
    if not code:
        return None
    return db.session.scalar(select(Feedback).where(Feedback.receipt_hash == _hash(code)))


def mine_query(user: User):
    return select(Feedback).where(Feedback.sender_id == user.id).order_by(Feedback.created_at.desc(), Feedback.id.desc())


def published_query(topic: Topic | None = None):
    query = select(Feedback).where(Feedback.published.is_(True))
    if topic is not None:
        query = query.where(Feedback.topic == topic)
    return query.order_by(Feedback.answered_at.desc(), Feedback.id.desc())


def manage_query(status: Status | None = None, kind: Kind | None = None):
    query = select(Feedback)
    if status is not None:
        query = query.where(Feedback.status == status)
    if kind is not None:
        query = query.where(Feedback.kind == kind)
    waiting_first = case((Feedback.status == Status.NEW, 0), (Feedback.status == Status.IN_HAND, 1), else_=2)
    return query.order_by(waiting_first, Feedback.created_at.desc(), Feedback.id.desc())


def waiting_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Feedback).where(Feedback.status != Status.ANSWERED)) or 0


def open_feedback(limit: int = 200) -> list[Feedback]:
    """Feedback not yet answered, oldest first (for the half-monthly meeting's pack)."""
    return list(db.session.scalars(
        select(Feedback).where(Feedback.status != Status.ANSWERED).order_by(Feedback.created_at, Feedback.id).limit(limit)
    ))
