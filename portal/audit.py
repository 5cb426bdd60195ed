"""The audit trail. Capabilities call :func:`record` in the same transaction as
the change it describes, so a change and its record commit (or fail) together.

The log stores codes (``"user.update"``, ``"guide_service"``); the audit page
shows their labels in the reader's language. Capabilities register theirs with
:func:`register_labels` (lazy strings); unknown codes are shown as they are.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Any

from portal.db import db
from portal.models import AuditLog, User


_ACTION_LABELS: dict[str, Any] = {}
_OBJECT_TYPE_LABELS: dict[str, Any] = {}


def register_labels(actions: dict[str, Any] | None = None, object_types: dict[str, Any] | None = None) -> None:
    """Readable (lazily translated) labels for action codes and object types."""
    _ACTION_LABELS.update(actions or {})
    _OBJECT_TYPE_LABELS.update(object_types or {})


def action_label(code: str) -> Any:
    return _ACTION_LABELS.get(code, code)


def object_type_label(code: str) -> Any:
    return _OBJECT_TYPE_LABELS.get(code, code)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    return value


def snapshot(obj: Any, fields: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """The named attributes of ``obj`` as JSON-safe values, for before/after."""
    return {name: _jsonable(getattr(obj, name)) for name in fields}


def record(
    actor: User | None,
    action: str,
    obj: Any = None,
    *,
    object_type: str | None = None,
    object_id: Any = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    summary: str = "",
) -> AuditLog:
    """Add an audit entry to the session (the caller commits).

    ``obj`` supplies type and id when given; the entry must say nothing secret
    (callers pass masked values for personal data).
    """
    if obj is not None:
        object_type = object_type or type(obj).__tablename__
        if object_id is None:
            if obj in db.session.new:
                db.session.flush()  # the new row needs its id
            object_id = getattr(obj, "id", None)
    entry = AuditLog(
        actor_id=actor.id if actor is not None and getattr(actor, "is_authenticated", False) else None,
        action=action,
        object_type=object_type or "",
        object_id="" if object_id is None else str(object_id),
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
        summary=summary[:255],
    )
    db.session.add(entry)
    return entry
