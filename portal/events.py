"""Events: what happened, and who should hear of it.

A service that changes data calls :func:`emit` inside the same transaction,
naming the recipients (user ids) and the facts the message needs (JSON-able
arguments, never an ID number or a title the recipient may not read). The
message itself is written later, when it is delivered, in the recipient's
language, from the kind's registered text. :func:`resolve` marks a to-do done
for everybody it was addressed to, whoever did it.

The core only dispatches: whatever stores and delivers messages (the
``notifications`` capability) connects to the two signals below, so a
capability can emit events whether or not one is installed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from blinker import Namespace

_signals = Namespace()
event_emitted = _signals.signal("event-emitted")
todo_resolved = _signals.signal("todo-resolved")
# Asked with a todo_key: receivers answer True when that to-do was ever sent.
todo_asked = _signals.signal("todo-asked")


@dataclass(frozen=True)
class EventKind:
    """A kind of message, registered by the capability that emits it.

    ``subject`` and ``body`` are lazily translated strings with ``%(name)s``
    placeholders filled from the event's arguments. A ``todo`` asks the
    recipient to act; otherwise it tells them something happened.
    """

    code: str
    label: Any  # what the preferences page calls it
    subject: Any
    body: Any = ""
    todo: bool = False


_kinds: dict[str, EventKind] = {}


def register(*kinds: EventKind) -> None:
    for kind in kinds:
        _kinds[kind.code] = kind


def kind(code: str) -> EventKind | None:
    return _kinds.get(code)


def registered_kinds() -> list[EventKind]:
    return sorted(_kinds.values(), key=lambda k: k.code)


@dataclass(frozen=True)
class Event:
    kind: str
    recipient_ids: tuple[int, ...]
    now: datetime
    args: Mapping[str, Any] = field(default_factory=dict)
    # Where the recipient acts or reads more: an endpoint and its values.
    endpoint: str | None = None
    values: Mapping[str, Any] = field(default_factory=dict)
    # To-dos that are one piece of work share a key, so doing it clears it for all.
    todo_key: str | None = None


def emit(code: str, *, recipients: Iterable[Any], now: datetime, args: Mapping[str, Any] | None = None,
         endpoint: str | None = None, values: Mapping[str, Any] | None = None, todo_key: str | None = None,
         once: bool = False) -> Event | None:
    """Tell ``recipients`` (users or user ids) that ``code`` happened; None when nobody is left to tell.

    With ``once``, nothing is sent when the ``todo_key`` was sent before (periodic reminders)."""
    if code not in _kinds:
        raise LookupError(f"event kind {code!r} is not registered")
    if once and todo_key and was_asked(todo_key):
        return None
    ids = tuple(sorted({getattr(r, "id", r) for r in recipients if r is not None}))
    if not ids:
        return None
    event = Event(code, ids, now, dict(args or {}), endpoint, dict(values or {}), todo_key)
    event_emitted.send(event)
    return event


def resolve(todo_key: str, *, now: datetime) -> None:
    """The to-do ``todo_key`` is done: it leaves every recipient's list."""
    todo_resolved.send(todo_key, now=now)


def was_asked(todo_key: str) -> bool:
    """Whether a message with this to-do key was ever stored."""
    return any(answer for _, answer in todo_asked.send(todo_key))


# Periodic conditions (a repair overdue, next year's calendar missing): each
# capability registers a function ``check(now=...) -> int`` (events emitted);
# ``flask --app portal notify remind`` (cron) runs them all.
_reminders: list[Callable[..., int]] = []


def reminder(check: Callable[..., int]) -> Callable[..., int]:
    if check not in _reminders:
        _reminders.append(check)
    return check


def remind(*, now: datetime) -> int:
    return sum(check(now=now) or 0 for check in list(_reminders))


def holders_of(*roles: Any) -> list[int]:
    """The ids of the active accounts holding any of ``roles`` (the usual recipients of a to-do)."""
    from sqlalchemy import select

    from portal.db import db
    from portal.models import User, UserRole

    return list(db.session.scalars(
        select(User.id).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role.in_(roles), User.active.is_(True)).distinct()
    ))
