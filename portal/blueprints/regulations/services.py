"""The rules of the rules library. Plain functions taking ``actor`` and ``now``;
a refused change raises :class:`portal.rules.RuleViolation`; the caller commits.

The first version of a rule may carry a past date (rules in force before the
portal existed); a revision takes effect today at the earliest, and after the
latest version's date, so versions follow each other in time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload
from wtforms import SelectChoice

from portal import audit
from portal.blueprints.regulations.models import Regulation, RegulationVersion
from portal.db import db
from portal.i18n import lazy_gettext as _l
from portal.models import Role, Unit, User
from portal.rules import RuleViolation
from portal.timeutil import to_local

EDITORS = (Role.LOGISTICS_ADMIN, Role.SYSADMIN)
EARLIEST = date(1990, 1, 1)
MAX_AHEAD = timedelta(days=366)
MAX_TEXT = 50_000
RECENT = timedelta(days=30)


def _require_editor(actor: User) -> None:
    if not actor.has_role(*EDITORS):
        raise RuleViolation(_l("Only the logistics center can do this."), status=403)


@dataclass(frozen=True)
class VersionDraft:
    text: str
    effective_from: date | None
    note: str = ""


@dataclass(frozen=True)
class RegulationDraft:
    title: str
    summary: str
    unit_id: int | None
    first: VersionDraft


def _check_version(draft: VersionDraft, earliest: date, latest: date) -> tuple[str, date, str]:
    text = (draft.text or "").strip()
    if not text:
        raise RuleViolation(_l("Enter the text of the rule."), field="text")
    if len(text) > MAX_TEXT:
        raise RuleViolation(_l("The text is limited to 50,000 characters."), field="text")
    if draft.effective_from is None:
        raise RuleViolation(_l("Give the date it takes effect."), field="effective_from")
    if draft.effective_from < earliest:
        raise RuleViolation(_l("It can take effect on %(date)s at the earliest.", date=earliest.isoformat()),
                            field="effective_from")
    if draft.effective_from > latest:
        raise RuleViolation(_l("It takes effect within a year at the latest."), field="effective_from")
    note = (draft.note or "").strip()
    if len(note) > 300:
        raise RuleViolation(_l("Keep it under 300 characters."), field="note")
    return text, draft.effective_from, note


def create(draft: RegulationDraft, *, actor: User, now: datetime) -> Regulation:
    _require_editor(actor)
    title = (draft.title or "").strip()
    if not title:
        raise RuleViolation(_l("Give the rule a title."), field="title")
    if len(title) > 120:
        raise RuleViolation(_l("Keep it under 120 characters."), field="title")
    if db.session.scalar(select(Regulation.id).where(func.lower(Regulation.title) == title.lower())):
        raise RuleViolation(_l("A rule with this title exists; add a new version to it instead."), field="title")
    summary = (draft.summary or "").strip()
    if len(summary) > 300:
        raise RuleViolation(_l("Keep it under 300 characters."), field="summary")
    unit = None
    if draft.unit_id is not None:
        unit = db.session.get(Unit, draft.unit_id)
        if unit is None:
            raise RuleViolation(_l("Choose the unit responsible."), field="unit_id")
    today = to_local(now).date()
    text, effective, note = _check_version(draft.first, EARLIEST, today + MAX_AHEAD)
    regulation = Regulation(title=title, summary=summary, unit=unit, created_at=now)
    regulation.versions.append(RegulationVersion(number=1, text=text, effective_from=effective, note=note,
                                                 published_at=now, published_by_id=actor.id))
    db.session.add(regulation)
    db.session.flush()
    audit.record(actor, "regulation.create", regulation, after={"title": title, "effective_from": effective.isoformat()})
    return regulation


def revise(regulation: Regulation, draft: VersionDraft, *, actor: User, now: datetime) -> RegulationVersion:
    """A new version, in force from its date (today or later, after the latest version's)."""
    _require_editor(actor)
    today = to_local(now).date()
    last = regulation.versions[-1]
    earliest = max(today, last.effective_from + timedelta(days=1))
    text, effective, note = _check_version(draft, earliest, today + MAX_AHEAD)
    if not note:
        raise RuleViolation(_l("Say what changed."), field="note")
    version = RegulationVersion(number=last.number + 1, text=text, effective_from=effective, note=note,
                                published_at=now, published_by_id=actor.id)
    regulation.versions.append(version)
    db.session.flush()
    audit.record(actor, "regulation.revise", regulation,
                 after={"version": version.number, "effective_from": effective.isoformat()}, summary=note)
    return version


# --- reads ----------------------------------------------------------------------------------------


def find(regulation_id: int) -> Regulation | None:
    return db.session.scalar(
        select(Regulation).options(selectinload(Regulation.versions), joinedload(Regulation.unit))
        .where(Regulation.id == regulation_id)
    )


def listing_query():
    return select(Regulation).options(selectinload(Regulation.versions), joinedload(Regulation.unit)).order_by(Regulation.title)


@dataclass(frozen=True)
class Change:
    regulation: Regulation
    version: RegulationVersion


def recent_changes(today: date) -> list[Change]:
    """Revisions (not first versions) taking effect within 30 days either side of today."""
    versions = db.session.scalars(
        select(RegulationVersion).options(joinedload(RegulationVersion.regulation))
        .where(RegulationVersion.number > 1, RegulationVersion.effective_from >= today - RECENT,
               RegulationVersion.effective_from <= today + RECENT)
        .order_by(RegulationVersion.effective_from.desc()).limit(5)
    ).all()
    return [Change(v.regulation, v) for v in versions]


def unit_choices(none_label: str) -> list[SelectChoice]:
    units = db.session.execute(select(Unit.id, Unit.name).order_by(Unit.sort_order, Unit.name))
    return [SelectChoice("", none_label)] + [SelectChoice(str(uid), name) for uid, name in units]
