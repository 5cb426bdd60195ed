"""Meeting-room rules as plain functions: times, recurrence, conflicts,
approval, cancellation, check-in and no-show release.

Nothing here reads ``request`` or ``g``; the current moment is passed in as
``now``. Functions that change data add to the session and flush; the caller
commits (so the change and its audit entry land together).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from portal import audit
from portal.blueprints.rooms.models import (
    HOLDING,
    Booking,
    BookingSeries,
    BookingStatus,
    Recurrence,
    RoomClosure,
    RoomPolicy,
)
from portal.db import begin_serialized_write, db
from portal.models import Building, Floor, Role, Room, RoomKind, User
from portal.timeutil import LOCAL_TZ, local
from portal.blueprints.workdays.days import is_workday

OPENING = time(8, 0)
CLOSING = time(21, 0)
SLOT = timedelta(minutes=30)
DEFAULT_ADVANCE_DAYS = 60
DEFAULT_NO_SHOW_GRACE = 15
CHECK_IN_EARLY = timedelta(minutes=15)
MAX_OCCURRENCES = 52
BOOKABLE_KINDS = (RoomKind.MEETING, RoomKind.VIP_RECEPTION)

BOOKING_FIELDS = ("room_id", "start_at", "end_at", "title", "status", "attendees", "is_public", "decision_reason")


# ---------------------------------------------------------------- times


def slot_times() -> list[time]:
    """Every half hour from opening to closing, both included."""
    times, moment = [], datetime.combine(date(2000, 1, 1), OPENING)
    while moment.time() <= CLOSING and moment.date() == date(2000, 1, 1):
        times.append(moment.time())
        moment += SLOT
    return times


def day_slots(day: date) -> list[datetime]:
    """The starts of the half-hour slots of ``day`` (08:00 … 20:30)."""
    return [local(day, t) for t in slot_times()[:-1]]


def check_times(start_at: datetime, end_at: datetime, *, now: datetime, advance_days: int) -> list[object]:
    """Problems with a requested period, as messages (empty: fine)."""
    problems: list[object] = []
    start_at, end_at = start_at.astimezone(LOCAL_TZ), end_at.astimezone(LOCAL_TZ)
    if end_at <= start_at:
        problems.append(_l("The meeting must end after it starts."))
    elif not within_opening_hours(start_at, end_at):
        problems.append(_l("Meeting rooms can be booked between %(opening)s and %(closing)s.",
                           opening=OPENING.strftime("%H:%M"), closing=CLOSING.strftime("%H:%M")))
    if start_at < now:
        problems.append(_l("This time has already passed."))
    elif start_at.date() > now.astimezone(LOCAL_TZ).date() + timedelta(days=advance_days):
        problems.append(_l("Rooms can be booked at most %(days)s days ahead.", days=advance_days))
    return problems


def within_opening_hours(start_at: datetime, end_at: datetime) -> bool:
    start_at, end_at = start_at.astimezone(LOCAL_TZ), end_at.astimezone(LOCAL_TZ)
    return (
        start_at.date() == end_at.date()
        and OPENING <= start_at.time()
        and end_at.time() <= CLOSING
        and end_at.time() != time(0)
    )


def check_capacity(room: Room, attendees: int) -> list[object]:
    if room.capacity is not None and attendees > room.capacity:
        return [_l("%(room)s seats %(capacity)s; %(attendees)s attendees do not fit.",
                   room=room.name or room.number, capacity=room.capacity, attendees=attendees)]
    return []


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    """Half-open periods: a meeting ending at 10:00 does not clash with one starting at 10:00."""
    return a_start < b_end and b_start < a_end


# ---------------------------------------------------------------- recurrence


def nth_weekday(year: int, month: int, weekday: int, n: int) -> date | None:
    """The n-th ``weekday`` (0 = Monday) of a month; ``n = -1`` is the last. None if there is none."""
    days_in_month = calendar.monthrange(year, month)[1]
    if n == -1:
        last = date(year, month, days_in_month)
        return last - timedelta(days=(last.weekday() - weekday) % 7)
    first = date(year, month, 1)
    day = 1 + (weekday - first.weekday()) % 7 + 7 * (n - 1)
    return date(year, month, day) if day <= days_in_month else None


def monthly_position(day: date) -> int:
    """Which weekday of its month ``day`` is: 1–4, or -1 for a fifth (the last)."""
    n = (day.day - 1) // 7 + 1
    return -1 if n == 5 else n


def expand_recurrence(
    first: date, rule: Recurrence, *, until: date | None = None, count: int | None = None, limit: int = MAX_OCCURRENCES
) -> list[date]:
    """The dates of a series starting on ``first`` (included), until a date
    (inclusive) or for ``count`` occurrences, never more than ``limit``.

    Monthly series keep the weekday and its position: the 2nd Tuesday stays the
    2nd Tuesday; a 5th weekday (the 29th–31st) becomes the last of each month.
    """
    if until is None and count is None:
        raise ValueError("a series ends on a date or after a count")
    wanted = min(count, limit) if count is not None else limit
    dates: list[date] = []
    if rule is Recurrence.MONTHLY_NTH:
        position, weekday = monthly_position(first), first.weekday()
        year, month = first.year, first.month
        while len(dates) < wanted:
            candidate = nth_weekday(year, month, weekday, position)
            if candidate is not None and candidate >= first:
                if until is not None and candidate > until:
                    break
                dates.append(candidate)
            month += 1
            if month > 12:
                year, month = year + 1, 1
            if year > first.year + 10:
                break
    else:
        step = timedelta(weeks=1 if rule is Recurrence.WEEKLY else 2)
        candidate = first
        while len(dates) < wanted and (until is None or candidate <= until):
            dates.append(candidate)
            candidate += step
    return dates


# ---------------------------------------------------------------- rooms and policies


def meeting_rooms_query() -> Select:
    return (
        select(Room)
        .join(Room.floor)
        .join(Floor.building)
        .where(Room.kind.in_(BOOKABLE_KINDS))
        .options(joinedload(Room.floor).joinedload(Floor.building))
        .order_by(Building.sort_order, Floor.level, Room.number)
    )


def meeting_rooms() -> list[Room]:
    return list(db.session.scalars(meeting_rooms_query()).unique())


def get_meeting_room(room_id: int) -> Room | None:
    return db.session.scalars(meeting_rooms_query().where(Room.id == room_id)).unique().first()


def default_policy(room_id: int, default_grace: int | None = DEFAULT_NO_SHOW_GRACE) -> RoomPolicy:
    return RoomPolicy(room_id=room_id, requires_approval=False, no_show_grace_minutes=default_grace)


def policy_for(room: Room, default_grace: int | None = DEFAULT_NO_SHOW_GRACE) -> RoomPolicy:
    """The room's settings; an unsaved default when it has none."""
    return db.session.get(RoomPolicy, room.id) or default_policy(room.id, default_grace)


def policies_for(room_ids: Iterable[int], default_grace: int | None = DEFAULT_NO_SHOW_GRACE) -> dict[int, RoomPolicy]:
    ids = list(room_ids)
    stored = {p.room_id: p for p in db.session.scalars(select(RoomPolicy).where(RoomPolicy.room_id.in_(ids)))}
    return {i: stored.get(i) or default_policy(i, default_grace) for i in ids}


def approval_reasons(room: Room, policy: RoomPolicy, day: date) -> list[object]:
    """Why a booking of ``room`` on ``day`` waits for the logistics center (empty: auto-approved)."""
    reasons: list[object] = []
    if room.kind is RoomKind.VIP_RECEPTION:
        reasons.append(_l("The VIP reception room is approved by the logistics center."))
    elif policy.requires_approval:
        reasons.append(_l("This room needs approval."))
    workday = is_workday(day)
    if workday is False:
        reasons.append(_l("Bookings on non-workdays need approval."))
    elif workday is None:
        reasons.append(_l("The workday calendar does not know this date yet."))
    return reasons


# ---------------------------------------------------------------- conflicts and free rooms


# A booking lies within one day's opening hours, so one that overlaps a period
# starts less than a day before it. Saying so bounds the index range scan on
# start_at; without it the query reads every booking since the building opened.
LONGEST_BOOKING = timedelta(days=1)


def _holding_overlap(start_at: datetime, end_at: datetime):
    return (
        Booking.status.in_(HOLDING),
        Booking.start_at < end_at,
        Booking.start_at > start_at - LONGEST_BOOKING,
        Booking.end_at > start_at,
    )


def find_conflicts(room_id: int, start_at: datetime, end_at: datetime, *, exclude_id: int | None = None) -> list[Booking]:
    """Approved or pending bookings of the room that overlap the period."""
    query = (
        select(Booking)
        .where(Booking.room_id == room_id, *_holding_overlap(start_at, end_at))
        .options(joinedload(Booking.unit))
        .order_by(Booking.start_at)
    )
    if exclude_id is not None:
        query = query.where(Booking.id != exclude_id)
    return list(db.session.scalars(query))


def find_closures(room_id: int | None, start_at: datetime, end_at: datetime) -> list[RoomClosure]:
    """Closures of the room, or of every room, overlapping the period."""
    rooms = RoomClosure.room_id.is_(None) if room_id is None else or_(RoomClosure.room_id.is_(None), RoomClosure.room_id == room_id)
    query = select(RoomClosure).where(rooms, RoomClosure.start_at < end_at, RoomClosure.end_at > start_at)
    return list(db.session.scalars(query.order_by(RoomClosure.start_at)))


def closures_between(start_at: datetime, end_at: datetime) -> list[RoomClosure]:
    """Every closure (of one room or of all) overlapping the period."""
    query = select(RoomClosure).where(RoomClosure.start_at < end_at, RoomClosure.end_at > start_at)
    return list(db.session.scalars(query.order_by(RoomClosure.start_at)))


def free_rooms(
    start_at: datetime,
    end_at: datetime,
    *,
    attendees: int | None = None,
    equipment: Sequence[str] = (),
    exclude_room_id: int | None = None,
) -> list[Room]:
    """Meeting rooms that are neither booked nor closed for the whole period and fit the request."""
    return free_rooms_during([(start_at, end_at)], attendees=attendees, equipment=equipment, exclude_room_id=exclude_room_id)


def free_rooms_during(
    periods: Sequence[tuple[datetime, datetime]],
    *,
    attendees: int | None = None,
    equipment: Sequence[str] = (),
    exclude_room_id: int | None = None,
) -> list[Room]:
    """``free_rooms`` for every one of ``periods`` (a series' meetings), in three queries."""
    if not periods:
        return []
    busy = select(Booking.room_id).where(or_(*(and_(*_holding_overlap(start, end)) for start, end in periods)))
    closures = db.session.scalars(select(RoomClosure).where(
        or_(*(and_(RoomClosure.start_at < end, RoomClosure.end_at > start) for start, end in periods))
    )).all()
    if any(c.room_id is None for c in closures):
        return []
    closed = {c.room_id for c in closures}
    query = meeting_rooms_query().where(Room.id.not_in(busy))
    if attendees:
        query = query.where(Room.capacity >= attendees)
    if exclude_room_id is not None:
        query = query.where(Room.id != exclude_room_id)
    rooms = db.session.scalars(query).unique()
    wanted = set(equipment)
    return [r for r in rooms if r.id not in closed and wanted <= set(r.equipment or ())]


# ---------------------------------------------------------------- booking


@dataclass
class BookingRequest:
    """What the request form collects (times are wall-clock in the building's zone)."""

    room: Room
    day: date
    start: time
    end: time
    title: str
    attendees: int
    unit_id: int | None = None
    contact_name: str = ""
    contact_phone: str = ""
    is_public: bool = True
    tea_count: int = 0
    needs_audio: bool = False
    needs_projector: bool = False
    banner_text: str = ""
    name_cards: str = ""
    welcome_text: str = ""
    notes: str = ""
    recurrence: Recurrence | None = None
    until: date | None = None
    count: int | None = None

    def period(self, day: date) -> tuple[datetime, datetime]:
        return local(day, self.start), local(day, self.end)


@dataclass
class Occurrence:
    day: date
    start_at: datetime
    end_at: datetime
    conflicts: list[Booking] = field(default_factory=list)
    closures: list[RoomClosure] = field(default_factory=list)
    problems: list[object] = field(default_factory=list)

    @property
    def clear(self) -> bool:
        return not (self.conflicts or self.closures or self.problems)


@dataclass
class BookingOutcome:
    bookings: list[Booking] = field(default_factory=list)
    problems: list[object] = field(default_factory=list)
    occurrences: list[Occurrence] = field(default_factory=list)
    suggestions: list[Room] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.bookings)

    @property
    def blocked(self) -> list[Occurrence]:
        return [o for o in self.occurrences if not o.clear]


def occurrence_days(req: BookingRequest) -> list[date]:
    if req.recurrence is None:
        return [req.day]
    return expand_recurrence(req.day, req.recurrence, until=req.until, count=req.count)


def check_request(req: BookingRequest, *, now: datetime, advance_days: int) -> BookingOutcome:
    """Everything that can be checked without the room's bookings."""
    outcome = BookingOutcome(problems=check_capacity(req.room, req.attendees))
    if req.recurrence is not None:
        if req.until is None and req.count is None:
            outcome.problems.append(_l("Say when the series ends: a last date or a number of meetings."))
            return outcome
        if req.until is not None and req.until < req.day:
            outcome.problems.append(_l("The series cannot end before its first meeting."))
            return outcome
    for day in occurrence_days(req):
        start_at, end_at = req.period(day)
        occurrence = Occurrence(day, start_at, end_at, problems=check_times(start_at, end_at, now=now, advance_days=advance_days))
        outcome.occurrences.append(occurrence)
    if req.recurrence is not None and len(outcome.occurrences) < 2 and not outcome.blocked:
        outcome.problems.append(_l("This series has only one meeting; book it without repetition."))
    return outcome


def _is_overlap_violation(error: IntegrityError) -> bool:
    return getattr(error.orig, "sqlstate", None) == "23P01" or "booking_no_overlap" in str(error.orig)


def _find_blockers(outcome: BookingOutcome, room_id: int) -> None:
    for occurrence in outcome.occurrences:
        occurrence.conflicts = find_conflicts(room_id, occurrence.start_at, occurrence.end_at)
        occurrence.closures = find_closures(room_id, occurrence.start_at, occurrence.end_at)


def _suggest(outcome: BookingOutcome, req: BookingRequest) -> None:
    """Other rooms free for every meeting of the request, when its room is taken for some."""
    if any(o.conflicts or o.closures for o in outcome.occurrences):
        periods = [(o.start_at, o.end_at) for o in outcome.occurrences]
        outcome.suggestions = free_rooms_during(periods, attendees=req.attendees, exclude_room_id=req.room.id)[:6]


def book_room(req: BookingRequest, requester: User, *, now: datetime, advance_days: int = DEFAULT_ADVANCE_DAYS) -> BookingOutcome:
    """Check every occurrence, then save all of them or nothing.

    The check and the insert run in one serialized transaction on SQLite; on
    PostgreSQL the exclusion constraint refuses an overlapping insert from a
    concurrent request, which is reported as the same conflict. The caller
    commits when ``outcome.ok``.
    """
    outcome = check_request(req, now=now, advance_days=advance_days)
    if outcome.problems:
        return outcome
    if outcome.blocked:  # some meetings break a time rule: list what else is wrong as well, all at once
        _find_blockers(outcome, req.room.id)
        _suggest(outcome, req)
        return outcome

    begin_serialized_write()
    _find_blockers(outcome, req.room.id)
    if outcome.blocked:
        db.session.rollback()
        _suggest(outcome, req)
        return outcome

    policy = policy_for(req.room)
    series = None
    if req.recurrence is not None:
        series = BookingSeries(rule=req.recurrence, until=req.until, count=req.count, created_by_id=requester.id, created_at=now)
        db.session.add(series)
    for occurrence in outcome.occurrences:
        reasons = approval_reasons(req.room, policy, occurrence.day)
        booking = Booking(
            room_id=req.room.id,
            series=series,
            requester_id=requester.id,
            unit_id=req.unit_id,
            start_at=occurrence.start_at,
            end_at=occurrence.end_at,
            title=req.title,
            is_public=req.is_public,
            contact_name=req.contact_name,
            contact_phone=req.contact_phone,
            attendees=req.attendees,
            status=BookingStatus.PENDING if reasons else BookingStatus.APPROVED,
            approval_reason="；".join(str(r) for r in reasons)[:200],
            tea_count=req.tea_count,
            needs_audio=req.needs_audio,
            needs_projector=req.needs_projector,
            banner_text=req.banner_text,
            name_cards=req.name_cards,
            welcome_text=req.welcome_text,
            notes=req.notes,
            created_at=now,
            updated_at=now,
        )
        db.session.add(booking)
        outcome.bookings.append(booking)
    try:
        db.session.flush()
    except IntegrityError as error:
        if not _is_overlap_violation(error):
            raise
        db.session.rollback()  # another request won the race; show what it booked
        outcome.bookings = []
        _find_blockers(outcome, req.room.id)
        db.session.rollback()
        _suggest(outcome, req)
        return outcome
    for booking in outcome.bookings:
        audit.record(requester, "booking.request", booking, after=audit.snapshot(booking, BOOKING_FIELDS),
                     summary=f"{req.room.label} {booking.start_at:%Y-%m-%d %H:%M}")
    return outcome


# ---------------------------------------------------------------- decisions


class RuleError(ValueError):
    """A request that the rules refuse; ``message`` is for the user."""

    def __init__(self, message: object) -> None:
        super().__init__(str(message))
        self.message = message


def _change(booking: Booking, actor: User | None, action: str, now: datetime, summary: str = "", **values) -> None:
    before = audit.snapshot(booking, BOOKING_FIELDS)
    for name, value in values.items():
        setattr(booking, name, value)
    booking.updated_at = now
    audit.record(actor, action, booking, before=before, after=audit.snapshot(booking, BOOKING_FIELDS), summary=summary)


def approve(booking: Booking, actor: User, *, now: datetime) -> None:
    if booking.status is not BookingStatus.PENDING:
        raise RuleError(_l("Only pending requests can be approved."))
    if booking.end_at <= now:
        raise RuleError(_l("This meeting is over; it can no longer be approved."))
    _change(booking, actor, "booking.approve", now, status=BookingStatus.APPROVED, decided_by_id=actor.id, decided_at=now, decision_reason="")


def reject(booking: Booking, actor: User, reason: str, *, now: datetime) -> None:
    reason = reason.strip()
    if booking.status is not BookingStatus.PENDING:
        raise RuleError(_l("Only pending requests can be rejected."))
    if not reason:
        raise RuleError(_l("Give a reason for the rejection."))
    _change(booking, actor, "booking.reject", now, summary=reason[:200], status=BookingStatus.REJECTED,
            decided_by_id=actor.id, decided_at=now, decision_reason=reason[:300])


def cancellable(booking: Booking, *, now: datetime) -> bool:
    return booking.holds_room and booking.end_at > now


def cancel(booking: Booking, actor: User, *, now: datetime, rest_of_series: bool = False, reason: str = "") -> list[Booking]:
    """Cancel one booking, or it and every later holding occurrence of its series."""
    if not cancellable(booking, now=now):
        raise RuleError(_l("This booking can no longer be cancelled."))
    targets = [booking]
    if rest_of_series and booking.series_id is not None:
        targets = list(
            db.session.scalars(
                select(Booking)
                .where(Booking.series_id == booking.series_id, Booking.start_at >= booking.start_at, Booking.status.in_(HOLDING))
                .order_by(Booking.start_at)
            )
        )
    for target in targets:
        _change(target, actor, "booking.cancel", now, summary=reason[:200], status=BookingStatus.CANCELLED, decision_reason=reason[:300])
    return targets


def check_in_window(booking: Booking) -> tuple[datetime, datetime]:
    return booking.start_at - CHECK_IN_EARLY, booking.end_at


def can_check_in(booking: Booking, *, now: datetime) -> bool:
    opens, closes = check_in_window(booking)
    return booking.status is BookingStatus.APPROVED and booking.checked_in_at is None and opens <= now < closes


def check_in(booking: Booking, actor: User | None, *, now: datetime) -> None:
    if booking.checked_in_at is not None:
        return
    if not can_check_in(booking, now=now):
        raise RuleError(_l("Check-in opens 15 minutes before the meeting, for approved bookings."))
    _change(booking, actor, "booking.check_in", now, checked_in_at=now)


def _release_candidates(now: datetime, *, lock: bool = False) -> list[Booking]:
    query = select(Booking).where(
        Booking.status == BookingStatus.APPROVED,
        Booking.checked_in_at.is_(None),
        Booking.start_at <= now,
        Booking.start_at > now - LONGEST_BOOKING,
        Booking.end_at > now,
    )
    if lock:
        query = query.with_for_update(skip_locked=True)
    return list(db.session.scalars(query))


def _grace_passed(booking: Booking, policy: RoomPolicy, now: datetime) -> bool:
    grace = policy.no_show_grace_minutes
    return grace is not None and booking.start_at + timedelta(minutes=grace) <= now


def release_no_shows(now: datetime, *, default_grace: int | None = DEFAULT_NO_SHOW_GRACE) -> list[Booking]:
    """Release approved meetings that were not checked in within their room's
    grace time and are still running, so the rest of the slot is free again.
    Safe to run repeatedly and concurrently (cron); the caller commits."""
    begin_serialized_write()
    candidates = _release_candidates(now, lock=db.engine.dialect.name == "postgresql")
    if not candidates:
        return []
    policies = policies_for({b.room_id for b in candidates}, default_grace)
    released = []
    for booking in candidates:
        if _grace_passed(booking, policies[booking.room_id], now):
            _change(booking, None, "booking.release", now, summary="no-show", status=BookingStatus.RELEASED)
            released.append(booking)
    return released


def no_shows_due(now: datetime, *, default_grace: int | None = DEFAULT_NO_SHOW_GRACE) -> bool:
    """A cheap read: is there anything for :func:`release_no_shows` to do?"""
    candidates = _release_candidates(now)
    if not candidates:
        return False
    policies = policies_for({b.room_id for b in candidates}, default_grace)
    return any(_grace_passed(b, policies[b.room_id], now) for b in candidates)


# ---------------------------------------------------------------- closures


def close_rooms(room: Room | None, start_at: datetime, end_at: datetime, reason: str, actor: User, *, now: datetime) -> tuple[RoomClosure, list[Booking]]:
    """Block a room (or every room) and cancel the bookings that fall in the period."""
    if end_at <= start_at:
        raise RuleError(_l("The closure must end after it starts."))
    if not reason.strip():
        raise RuleError(_l("Give a reason for the closure."))
    begin_serialized_write()
    closure = RoomClosure(room_id=room.id if room else None, start_at=start_at, end_at=end_at, reason=reason.strip()[:200],
                          created_by_id=actor.id, created_at=now)
    db.session.add(closure)
    audit.record(actor, "room_closure.create", closure,
                 after=audit.snapshot(closure, ("room_id", "start_at", "end_at", "reason")), summary=closure.reason)
    query = select(Booking).where(*_holding_overlap(start_at, end_at), Booking.end_at > now)
    if room is not None:
        query = query.where(Booking.room_id == room.id)
    affected = list(db.session.scalars(query.order_by(Booking.start_at)))
    message = str(_l("Room closed: %(reason)s", reason=closure.reason))
    for booking in affected:
        _change(booking, actor, "booking.cancel", now, summary=message[:200], status=BookingStatus.CANCELLED, decision_reason=message[:300])
    return closure, affected


def reopen(closure: RoomClosure, actor: User) -> None:
    audit.record(actor, "room_closure.delete", closure,
                 before=audit.snapshot(closure, ("room_id", "start_at", "end_at", "reason")), summary=closure.reason)
    db.session.delete(closure)


# ---------------------------------------------------------------- who may see and do what


def title_is_public(booking: Booking) -> bool:
    """May a passer-by (lobby display, door sign, public feed) read the title?"""
    return booking.is_public and booking.room.kind is not RoomKind.VIP_RECEPTION


def screen_title(booking: Booking) -> str | None:
    """The title a public screen may show: a public meeting outside the VIP room,
    once approved (a request still waiting holds the room but is not announced).
    None: show 已预订. The lobby display applies the same rule."""
    return booking.title if title_is_public(booking) and booking.status is BookingStatus.APPROVED else None


def may_see_details(user, booking: Booking) -> bool:
    """The requester, the organizing unit, the logistics center, sysadmins and the property company."""
    return may_see_details_of(user, booking.requester_id, booking.unit_id)


def may_see_details_of(user, requester_id: int | None, unit_id: int | None) -> bool:
    """``may_see_details`` for a booking known by its requester and organizing unit."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.has_role(Role.LOGISTICS_ADMIN, Role.SYSADMIN, Role.PROPERTY):
        return True
    return requester_id == user.id or (unit_id is not None and unit_id == user.unit_id)


def meetings_ahead(room_id: int, now: datetime) -> int:
    """How many approved or pending meetings the room still has from ``now`` on."""
    query = select(func.count()).select_from(Booking).where(
        Booking.room_id == room_id, Booking.status.in_(HOLDING), Booking.end_at > now
    )
    return db.session.scalar(query) or 0


def holders_between(start_at: datetime, end_at: datetime) -> list[tuple[int, int | None, int | None]]:
    """(id, requester, organizing unit) of the bookings holding a room in the period:
    what decides who may read their details."""
    query = select(Booking.id, Booking.requester_id, Booking.unit_id).where(*_holding_overlap(start_at, end_at))
    return [tuple(row) for row in db.session.execute(query.order_by(Booking.id))]


def may_see_title(user, booking: Booking) -> bool:
    return title_is_public(booking) or may_see_details(user, booking)


def may_cancel(user, booking: Booking) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return booking.requester_id == user.id or user.has_role(Role.LOGISTICS_ADMIN, Role.SYSADMIN)


def may_check_in(user, booking: Booking) -> bool:
    """The organizer's side and the building's staff on duty."""
    if not getattr(user, "is_authenticated", False):
        return False
    return may_cancel(user, booking) or user.has_role(Role.PROPERTY) or (
        booking.unit_id is not None and booking.unit_id == user.unit_id
    )


# ---------------------------------------------------------------- reading


def bookings_between(start_at: datetime, end_at: datetime, *, room_id: int | None = None) -> list[Booking]:
    query = (
        select(Booking)
        .where(*_holding_overlap(start_at, end_at))
        .options(joinedload(Booking.room), joinedload(Booking.unit))
        .order_by(Booking.start_at, Booking.room_id)
    )
    if room_id is not None:
        query = query.where(Booking.room_id == room_id)
    return list(db.session.scalars(query))


def day_bounds(day: date) -> tuple[datetime, datetime]:
    return local(day, time(0)), local(day + timedelta(days=1), time(0))


@dataclass(frozen=True)
class DayBooking:
    """One meeting of a day, as a public screen may show it.

    ``public_title`` is None when the title must not be shown to passers-by
    (non-public meetings and the VIP reception room): show 已预订 instead.
    """

    booking_id: int
    room_id: int
    room_label: str
    room_name: str
    start_at: datetime
    end_at: datetime
    status: BookingStatus
    title_public: bool
    public_title: str | None
    checked_in: bool


def bookings_for_day(day: date) -> list[DayBooking]:
    """Today's (or any day's) approved and pending meetings, for the lobby display and door signs."""
    start_at, end_at = day_bounds(day)
    query = (
        select(Booking)
        .where(*_holding_overlap(start_at, end_at))
        .options(joinedload(Booking.room).joinedload(Room.floor).joinedload(Floor.building))
        .order_by(Booking.start_at, Booking.room_id)
    )
    result = []
    for booking in db.session.scalars(query):
        public = title_is_public(booking)
        result.append(
            DayBooking(
                booking_id=booking.id,
                room_id=booking.room_id,
                room_label=booking.room.label,
                room_name=booking.room.name,
                start_at=booking.start_at,
                end_at=booking.end_at,
                status=booking.status,
                title_public=public,
                public_title=booking.title if public else None,
                checked_in=booking.checked_in_at is not None,
            )
        )
    return result


def service_sheet(day: date) -> list[Booking]:
    """The day's holding bookings, by room and time, with what the property company prepares."""
    start_at, end_at = day_bounds(day)
    query = (
        select(Booking)
        .where(*_holding_overlap(start_at, end_at))
        .options(joinedload(Booking.room).joinedload(Room.floor).joinedload(Floor.building), joinedload(Booking.unit))
        .join(Booking.room)
        .join(Room.floor)
        .join(Floor.building)
        .order_by(Booking.start_at, Building.sort_order, Floor.level, Room.number)
    )
    return list(db.session.scalars(query).unique())


def upcoming_for(user: User, *, now: datetime, limit: int = 8) -> list[Booking]:
    query = (
        select(Booking)
        .where(Booking.requester_id == user.id, Booking.end_at > now)
        .options(joinedload(Booking.room).joinedload(Room.floor).joinedload(Floor.building))
        .order_by(Booking.start_at)
        .limit(limit)
    )
    return list(db.session.scalars(query).unique())


def pending_query(now: datetime) -> Select:
    """Requests waiting for a decision, soonest first; one whose meeting is over needs none."""
    return (
        select(Booking)
        .where(Booking.status == BookingStatus.PENDING, Booking.end_at > now)
        .options(
            joinedload(Booking.room).joinedload(Room.floor).joinedload(Floor.building),
            joinedload(Booking.unit),
            joinedload(Booking.requester),
            selectinload(Booking.series),
        )
        .order_by(Booking.start_at)
    )
