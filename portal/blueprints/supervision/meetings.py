"""The half-monthly meeting (物业例会) of the logistics center and the property company:
its pack (open staff feedback, open and overdue rectifications, the scores since the
last meeting) and the decisions it records against each item. Plain functions taking
``actor`` and ``now``; a refused change raises :class:`portal.rules.RuleViolation`;
the caller commits.

Anonymity: the pack names a sender only to the logistics center, and only when the
feedback was not sent anonymously (anonymous feedback stores no sender at all)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal import audit
from portal.blueprints.feedback.models import Feedback, Kind, Topic
from portal.blueprints.feedback.services import open_feedback
from portal.blueprints.supervision import scoring
from portal.blueprints.supervision.models import Meeting, MeetingDecision, MeetingItem, Rectification, RectificationStatus
from portal.blueprints.supervision.services import SUPERVISORS, _require_supervisor, month_score, rectifications_query
from portal.db import db
from portal.i18n import lazy_gettext as _l
from portal.models import User
from portal.rules import RuleViolation
from portal.timeutil import to_local

MAX_MONTHS = 12
MAX_DEADLINE_DAYS = 180


@dataclass(frozen=True)
class PackFeedback:
    id: int
    kind: Kind
    topic: Topic
    text: str
    created_at: datetime
    sender: str | None  # the sender's name: for the logistics center only, never for anonymous feedback


@dataclass(frozen=True)
class Pack:
    day: date
    previous: Meeting | None
    feedback: list[PackFeedback]
    rectifications: list[Rectification]
    scores: list[scoring.MonthScore]
    decisions: Mapping[tuple[MeetingItem, int], list[MeetingDecision]]  # earlier decisions on the items

    def overdue(self, item: Rectification) -> bool:
        return item.is_overdue(self.day)


def previous_meeting(day: date) -> Meeting | None:
    return db.session.scalar(select(Meeting).where(Meeting.held_on < day).order_by(Meeting.held_on.desc(), Meeting.id.desc()))


def _months(first: date, last: date) -> list[tuple[int, int]]:
    months = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month) and len(months) < MAX_MONTHS:
        months.append((year, month))
        year, month = (year, month + 1) if month < 12 else (year + 1, 1)
    return months


def decisions_on(kind: MeetingItem, ids: list[int]) -> dict[tuple[MeetingItem, int], list[MeetingDecision]]:
    found: dict[tuple[MeetingItem, int], list[MeetingDecision]] = {}
    if not ids:
        return found
    for decision in db.session.scalars(
        select(MeetingDecision).options(selectinload(MeetingDecision.meeting))
        .join(Meeting).where(MeetingDecision.item_kind == kind, MeetingDecision.item_id.in_(ids))
        .order_by(Meeting.held_on, MeetingDecision.id)
    ):
        found.setdefault((kind, decision.item_id), []).append(decision)
    return found


def pack(day: date, *, viewer: User, now: datetime) -> Pack:
    """What the meeting on ``day`` goes through: feedback not yet answered, rectifications not yet closed (the
    overdue ones marked), and the month scores since the last meeting (its month included)."""
    handler = viewer.has_role(*SUPERVISORS)
    feedback = [
        PackFeedback(item.id, item.kind, item.topic, item.text, item.created_at,
                     item.sender.display_name if handler and not item.anonymous and item.sender else None)
        for item in open_feedback()
    ]
    rectifications = list(db.session.scalars(
        rectifications_query().where(Rectification.status != RectificationStatus.CLOSED).limit(200)
    ))
    previous = previous_meeting(day)
    months = _months(previous.held_on if previous else day, day)
    decisions = decisions_on(MeetingItem.SUGGESTION, [f.id for f in feedback])
    decisions.update(decisions_on(MeetingItem.RECTIFICATION, [r.id for r in rectifications]))
    return Pack(day, previous, feedback, rectifications, [month_score(y, m, now=now) for y, m in months], decisions)


@dataclass(frozen=True)
class DecisionDraft:
    text: str
    owner: str = ""
    deadline: date | None = None


@dataclass(frozen=True)
class MeetingDraft:
    held_on: date | None
    attendees: str
    decisions: Mapping[tuple[MeetingItem, int], DecisionDraft]  # items left without a decision are left out


def _item_exists(kind: MeetingItem, item_id: int) -> bool:
    model = Feedback if kind is MeetingItem.SUGGESTION else Rectification
    return db.session.get(model, item_id) is not None


def record_meeting(draft: MeetingDraft, *, actor: User, now: datetime) -> Meeting:
    """The meeting as held: its date, who attended, and a decision against each item it settled."""
    _require_supervisor(actor)
    today = to_local(now).date()
    if draft.held_on is None:
        raise RuleViolation(_l("Give the date of the meeting."), field="held_on")
    if not today - timedelta(days=366) <= draft.held_on <= today:
        raise RuleViolation(_l("Record a meeting held within the last year, not one still to come."), field="held_on")
    attendees = (draft.attendees or "").strip()
    if not attendees:
        raise RuleViolation(_l("Say who attended."), field="attendees")
    if len(attendees) > 1000:
        raise RuleViolation(_l("Keep it under 1000 characters."), field="attendees")
    decisions = []
    for (kind, item_id), decision in sorted(draft.decisions.items(), key=lambda pair: (pair[0][0].value, pair[0][1])):
        prefix = item_key(kind, item_id)
        text, owner = (decision.text or "").strip(), (decision.owner or "").strip()
        if not text:
            if owner or decision.deadline:
                raise RuleViolation(_l("Write the decision, or leave the owner and deadline empty."),
                                    field=f"decision_{prefix}")
            continue
        if len(text) > 1000:
            raise RuleViolation(_l("Keep it under 1000 characters."), field=f"decision_{prefix}")
        if len(owner) > 80:
            raise RuleViolation(_l("Keep it under 80 characters."), field=f"owner_{prefix}")
        if decision.deadline is not None and not draft.held_on <= decision.deadline <= draft.held_on + timedelta(
                days=MAX_DEADLINE_DAYS):
            raise RuleViolation(_l("A deadline is on or after the meeting, at most 180 days away."),
                                field=f"deadline_{prefix}")
        if not _item_exists(kind, item_id):
            raise RuleViolation(_l("An item of the pack no longer exists; please start again."), status=409)
        decisions.append(MeetingDecision(item_kind=kind, item_id=item_id, text=text, owner=owner,
                                         deadline=decision.deadline))
    meeting = Meeting(held_on=draft.held_on, attendees=attendees, created_at=now, created_by_id=actor.id,
                      decisions=decisions)
    db.session.add(meeting)
    db.session.flush()
    audit.record(actor, "supervision.meeting", meeting,
                 after={"held_on": draft.held_on.isoformat(), "decisions": len(decisions)})
    return meeting


def find_meeting(meeting_id: int) -> Meeting | None:
    return db.session.scalar(select(Meeting).options(selectinload(Meeting.decisions)).where(Meeting.id == meeting_id))


def meetings_query():
    return select(Meeting).order_by(Meeting.held_on.desc(), Meeting.id.desc())


def decisions_for(kind: MeetingItem, item_id: int) -> list[MeetingDecision]:
    return decisions_on(kind, [item_id]).get((kind, item_id), [])


def item_key(kind: MeetingItem, item_id: int) -> str:
    """The form fields' suffix for an item: ``s_12`` (feedback no. 12), ``r_7`` (rectification no. 7)."""
    return f"{'s' if kind is MeetingItem.SUGGESTION else 'r'}_{item_id}"


def decided_items(meeting: Meeting) -> dict[tuple[MeetingItem, int], Feedback | Rectification]:
    """The items a meeting decided about, by kind and id (an item deleted since is left out)."""
    ids = {kind: [d.item_id for d in meeting.decisions if d.item_kind is kind] for kind in MeetingItem}
    found: dict[tuple[MeetingItem, int], Feedback | Rectification] = {}
    for kind, model in ((MeetingItem.SUGGESTION, Feedback), (MeetingItem.RECTIFICATION, Rectification)):
        if ids[kind]:
            found.update(((kind, item.id), item) for item in db.session.scalars(select(model).where(model.id.in_(ids[kind]))))
    return found
