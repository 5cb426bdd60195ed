"""Accounts and the audit log: the administrators' services (no request here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import joinedload

from portal import audit
from portal.blueprints.auth.services import check_password_strength, hash_password
from portal.db import db
from portal.i18n import lazy_gettext as _l
from portal.models import AuditLog, Role, Unit, User
from portal.rules import RuleViolation
from portal.text import contains
from portal.timeutil import LOCAL_TZ

USER_FIELDS = ("username", "display_name", "unit_id", "title", "phone_ext", "active", "roles")


@dataclass(frozen=True)
class UserDraft:
    """An account as the form describes it; ``password`` empty keeps the current one."""

    username: str
    display_name: str
    unit_id: int | None = None
    title: str = ""
    phone_ext: str = ""
    active: bool = True
    roles: frozenset[Role] = field(default_factory=frozenset)
    password: str = ""


def users_query(q: str = "") -> Select:
    """Accounts whose username or name contains ``q`` (wildcards typed literally), by username."""
    query = select(User).options(joinedload(User.unit)).order_by(User.username)
    q = q.strip()[:64]
    if q:
        query = query.where(or_(contains(User.username, q), contains(User.display_name, q)))
    return query


def unit_choices() -> list[tuple[int, str]]:
    return [(u.id, u.name) for u in db.session.scalars(select(Unit).order_by(Unit.sort_order, Unit.name))]


def save_user(user: User | None, draft: UserDraft, *, actor: User, now: datetime, hash_method: str) -> User:
    """Create (``user`` None) or update an account; audited.

    Changing the password, the roles or the activation ends the account's
    sessions, so a removed role or a disabled account takes effect at once.
    """
    taken = select(User.id).where(User.username == draft.username)
    if user is not None:
        taken = taken.where(User.id != user.id)
    if db.session.scalar(taken) is not None:
        raise RuleViolation(_l("This username is already in use."), field="username")
    if user is None and not draft.password:
        raise RuleViolation(_l("A new account needs a password."), field="password")
    if user is not None and user.id == actor.id and (Role.SYSADMIN not in draft.roles or not draft.active):
        raise RuleViolation(_l("You cannot remove your own administrator access."), field="roles")
    if draft.unit_id is not None and db.session.get(Unit, draft.unit_id) is None:
        raise RuleViolation(_l("This unit does not exist."), field="unit_id")
    if draft.password:
        check_password_strength(draft.password, username=draft.username, names=[draft.display_name])

    before = audit.snapshot(user, USER_FIELDS) if user is not None else None
    if user is None:
        user = User(session_version=0)
        db.session.add(user)
    ends_sessions = before is not None and (
        bool(draft.password) or set(user.roles) != set(draft.roles) or (user.active and not draft.active)
    )
    user.username = draft.username
    user.display_name = draft.display_name
    user.unit_id = draft.unit_id
    user.title = draft.title
    user.phone_ext = draft.phone_ext
    user.active = draft.active
    user.roles = set(draft.roles)
    if draft.password:
        user.password_hash = hash_password(draft.password, hash_method)
    if ends_sessions:
        user.end_sessions()
    notes = []
    if draft.password:
        notes.append("password changed")
    if ends_sessions:
        notes.append("sessions ended")
    audit.record(
        actor,
        "user.create" if before is None else "user.update",
        user,
        before=before,
        after=audit.snapshot(user, USER_FIELDS),
        summary=", ".join(notes),
    )
    return user




# ---------------------------------------------------------------- audit log


@dataclass(frozen=True)
class AuditFilters:
    object_type: str = ""
    person: str = ""  # part of a username or name
    start: date | None = None
    end: date | None = None  # inclusive


@dataclass(frozen=True)
class AuditRow:
    at: datetime
    who: str | None  # None: the system
    action: Any  # a readable label, or the code itself
    action_code: str
    object_label: str
    summary: str
    before: Any
    after: Any


def audit_query(filters: AuditFilters) -> Select:
    """Entries matching ``filters``, newest first."""
    if filters.start and filters.end and filters.start > filters.end:
        raise RuleViolation(_l("The start date is after the end date."), field="start", status=400)
    query = select(AuditLog).options(joinedload(AuditLog.actor)).order_by(AuditLog.at.desc(), AuditLog.id.desc())
    if filters.object_type:
        query = query.where(AuditLog.object_type == filters.object_type[:60])
    if filters.start:
        query = query.where(AuditLog.at >= datetime.combine(filters.start, time(0), LOCAL_TZ))
    if filters.end:
        query = query.where(AuditLog.at < datetime.combine(filters.end + timedelta(days=1), time(0), LOCAL_TZ))
    if filters.person:
        person = filters.person.strip()[:64]
        actors = select(User.id).where(or_(contains(User.username, person), contains(User.display_name, person)))
        query = query.where(AuditLog.actor_id.in_(actors))
    return query


def audit_rows(entries: list[AuditLog]) -> list[AuditRow]:
    return [
        AuditRow(
            at=entry.at,
            who=entry.actor.display_name if entry.actor else None,
            action=audit.action_label(entry.action),
            action_code=entry.action,
            object_label=" ".join(
                part for part in (str(audit.object_type_label(entry.object_type)), entry.object_id) if part
            ),
            summary=entry.summary,
            before=entry.before,
            after=entry.after,
        )
        for entry in entries
    ]


def audited_object_types() -> list[tuple[str, Any]]:
    """The object types the log holds, with their labels, for the filter."""
    types = db.session.scalars(select(AuditLog.object_type).distinct().order_by(AuditLog.object_type)).all()
    return [(code, audit.object_type_label(code)) for code in types if code]
