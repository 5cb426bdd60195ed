"""Meeting-room rules as plain functions: times, recurrence, conflicts,
approval, cancellation, check-in and no-show release, and the read models the
pages draw (day grid, week view, door sign, the arrangements sheet).

Nothing here reads ``request``, ``g``, the session or the logged-in user; the
acting user and the current moment are passed in as ``actor`` and ``now``.
Every state change happens here, with its audit entry; a refusal raises
:class:`portal.rules.RuleViolation`. The caller commits.

"Meeting arrangements" (茶水、音响、横幅 …) are what the property company
prepares for a meeting; "service" in code means this layer only.
"""

from __future__ import annotations

import calendar
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, and_, bindparam, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from portal import audit
from portal.blueprints.rooms import notify
from portal.blueprints.rooms.models import (
    AWAITING,
    BLOCKING,
    HOLDING,
    ArrangementItem,
    ArrangementTask,
    Booking,
    BookingSeries,
    BookingStatus,
    CalendarFeed,
    DateStatus,
    Reason,
    Recurrence,
    RoomClosure,
    RoomPolicy,
    TaskState,
)
from portal.blueprints.workdays.days import DayInfo, day_info, days_info, is_workday
from portal.cache import cached_facts
from portal.db import begin_serialized_write, db
from portal.i18n import lazy_gettext as _l
from portal.models import Building, Floor, Role, Room, RoomKind, Unit, User
from portal.rules import RuleViolation
from portal.timeutil import LOCAL_TZ, local

OPENING = time(8, 0)
CLOSING = time(21, 0)
SLOT = timedelta(minutes=30)
DEFAULT_ADVANCE_DAYS = 60
DEFAULT_NO_SHOW_GRACE = 15
CHECK_IN_EARLY = timedelta(minutes=15)
MAX_OCCURRENCES = 52
BOOKABLE_KINDS = (RoomKind.MEETING, RoomKind.VIP_RECEPTION)

BOOKING_FIELDS = ("room_id", "unit_id", "start_at", "end_at", "title", "status", "attendees", "is_public",
                  "approval_codes", "decision_reason", "decision_code")
CLOSURE_FIELDS = ("room_id", "start_at", "end_at", "reason")
POLICY_FIELDS = ("requires_approval", "no_show_grace_minutes", "allowed_roles", "allowed_unit_ids", "second_approval",
                 "reason_required")
# Who may request rooms.
BOOKERS = (Role.EMPLOYEE, Role.UNIT_ADMIN, Role.LOGISTICS_ADMIN, Role.SYSADMIN)
# Who prepares the meeting arrangements (tea, sound, banners) and reads their sheet.
ARRANGERS = (Role.PROPERTY, Role.LOGISTICS_ADMIN, Role.SYSADMIN)
# Who may name any unit as a booking's organizer; everyone else books for their own unit.
ORGANIZE_FOR_ANY_UNIT = (Role.LOGISTICS_ADMIN, Role.SYSADMIN)


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


def _meeting_rooms_select(*columns) -> Select:
    return (
        select(*columns)
        .join(Room.floor)
        .join(Floor.building)
        .where(Room.kind.in_(BOOKABLE_KINDS))
        .order_by(Building.sort_order, Floor.level, Room.number)
    )


def meeting_rooms_query() -> Select:
    return _meeting_rooms_select(Room).options(joinedload(Room.floor).joinedload(Floor.building))


def meeting_rooms() -> list[Room]:
    return list(db.session.scalars(meeting_rooms_query()).unique())


def get_meeting_room(room_id: int) -> Room | None:
    return db.session.scalars(meeting_rooms_query().where(Room.id == room_id)).unique().first()


def default_policy(room_id: int, default_grace: int | None = DEFAULT_NO_SHOW_GRACE) -> RoomPolicy:
    return RoomPolicy(room_id=room_id, requires_approval=False, no_show_grace_minutes=default_grace, allowed_roles=[],
                      allowed_unit_ids=[], second_approval=False, reason_required=False)


def policy_for(room: Room, default_grace: int | None = DEFAULT_NO_SHOW_GRACE) -> RoomPolicy:
    """The room's settings; an unsaved default when it has none."""
    return db.session.get(RoomPolicy, room.id) or default_policy(room.id, default_grace)


def policies_for(room_ids: Iterable[int], default_grace: int | None = DEFAULT_NO_SHOW_GRACE) -> dict[int, RoomPolicy]:
    ids = list(room_ids)
    stored = {p.room_id: p for p in db.session.scalars(select(RoomPolicy).where(RoomPolicy.room_id.in_(ids)))}
    return {i: stored.get(i) or default_policy(i, default_grace) for i in ids}


def approval_reasons(room: Room, policy: RoomPolicy, day: date) -> list[Reason]:
    """Why a booking of ``room`` on ``day`` waits for the logistics center (empty: auto-approved)."""
    reasons: list[Reason] = []
    if room.kind is RoomKind.VIP_RECEPTION:
        reasons.append(Reason.VIP_ROOM)
    elif policy.requires_approval:
        reasons.append(Reason.ROOM_SETTING)
    workday = is_workday(day)
    if workday is False:
        reasons.append(Reason.NON_WORKDAY)
    elif workday is None:
        reasons.append(Reason.CALENDAR_UNKNOWN)
    return reasons


REQUESTER_ROLES = (Role.EMPLOYEE, Role.UNIT_ADMIN)  # the roles a room's policy may name (admins always may)


def save_policy(room: Room, *, requires_approval: bool, grace_minutes: int | None, actor: User, now: datetime,
                default_grace: int | None = DEFAULT_NO_SHOW_GRACE, allowed_roles: Iterable[str] | None = None,
                allowed_unit_ids: Iterable[int] | None = None, second_approval: bool | None = None,
                reason_required: bool | None = None) -> RoomPolicy:
    """Store a room's settings (``grace_minutes`` None: no-show release off;
    the request rules left as they are where None)."""
    policy = db.session.get(RoomPolicy, room.id)
    if policy is None:
        policy = default_policy(room.id, default_grace)
        before = audit.snapshot(policy, POLICY_FIELDS)
        db.session.add(policy)
    else:
        before = audit.snapshot(policy, POLICY_FIELDS)
    policy.requires_approval = requires_approval
    policy.no_show_grace_minutes = grace_minutes
    if allowed_roles is not None:
        known = {r.value for r in REQUESTER_ROLES}
        policy.allowed_roles = sorted({r for r in allowed_roles if r in known})
    if allowed_unit_ids is not None:
        wanted = sorted(set(allowed_unit_ids))
        policy.allowed_unit_ids = list(db.session.scalars(select(Unit.id).where(Unit.id.in_(wanted)).order_by(Unit.id))) if wanted else []
    if second_approval is not None:
        policy.second_approval = second_approval
    if reason_required is not None:
        policy.reason_required = reason_required
    audit.record(actor, "room_policy.update", policy, object_id=room.id, before=before,
                 after=audit.snapshot(policy, POLICY_FIELDS), summary=room.label)
    return policy


# ---------------------------------------------------------------- conflicts and free rooms


# A booking lies within one day's opening hours, so one that overlaps a period
# starts less than a day before it. Saying so bounds the index range scan on
# start_at; without it the query reads every booking since the building opened.
LONGEST_BOOKING = timedelta(days=1)


def _holding_overlap(start_at: datetime, end_at: datetime, statuses: Sequence[BookingStatus] = HOLDING):
    return (
        Booking.status.in_(statuses),
        Booking.start_at < end_at,
        Booking.start_at > start_at - LONGEST_BOOKING,
        Booking.end_at > start_at,
    )


def find_conflicts(room_id: int, start_at: datetime, end_at: datetime, *, exclude_id: int | None = None) -> list[Booking]:
    """Approved or pending bookings of the room, and proposed changes, that
    overlap the period; ``exclude_id``: a booking being changed (and its own
    proposed change)."""
    query = (
        select(Booking)
        .where(Booking.room_id == room_id, *_holding_overlap(start_at, end_at, BLOCKING))
        .options(joinedload(Booking.unit))
        .order_by(Booking.start_at)
    )
    if exclude_id is not None:
        query = query.where(Booking.id != exclude_id,
                            or_(Booking.change_of_id.is_(None), Booking.change_of_id != exclude_id))
    return list(db.session.scalars(query))


def find_closures(room_id: int | None, start_at: datetime, end_at: datetime) -> list[RoomClosure]:
    """Closures of the room, or of every room, overlapping the period."""
    rooms = RoomClosure.room_id.is_(None) if room_id is None else or_(RoomClosure.room_id.is_(None), RoomClosure.room_id == room_id)
    query = select(RoomClosure).where(rooms, RoomClosure.start_at < end_at, RoomClosure.end_at > start_at)
    return list(db.session.scalars(query.order_by(RoomClosure.start_at)))


def free_rooms(
    start_at: datetime,
    end_at: datetime,
    *,
    attendees: int | None = None,
    equipment: Sequence[str] = (),
    exclude_room_id: int | None = None,
    released: Iterable[int] = (),
) -> list[Room]:
    """Meeting rooms that are neither booked nor closed for the whole period and fit the request."""
    return free_rooms_during([(start_at, end_at)], attendees=attendees, equipment=equipment,
                             exclude_room_id=exclude_room_id, released=released)


def free_rooms_during(
    periods: Sequence[tuple[datetime, datetime]],
    *,
    attendees: int | None = None,
    equipment: Sequence[str] = (),
    exclude_room_id: int | None = None,
    released: Iterable[int] = (),
) -> list[Room]:
    """``free_rooms`` for every one of ``periods`` (a series' meetings), in three queries.

    ``released``: ids of due no-shows, counted as free although not yet released.
    """
    if not periods:
        return []
    busy = select(Booking.room_id).where(or_(*(and_(*_holding_overlap(start, end, BLOCKING)) for start, end in periods)))
    if released := list(released):
        busy = busy.where(Booking.id.not_in(released))
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
class BookingDraft:
    """What the request form collects, once (times are wall-clock in the building's zone)."""

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
    # Meeting arrangements, prepared by the property company.
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
    request_reason: str = ""
    # The series' dates the requester chose after planning it (None: every date of the rule).
    days: frozenset[date] | None = None

    # The fields a booking copies from the draft as they are.
    COPIED = ("title", "attendees", "unit_id", "contact_name", "contact_phone", "is_public", "tea_count", "needs_audio",
              "needs_projector", "banner_text", "name_cards", "welcome_text", "notes", "request_reason")

    def period(self, day: date) -> tuple[datetime, datetime]:
        return local(day, self.start), local(day, self.end)

    def booking(self, day: date, **values) -> Booking:
        start_at, end_at = self.period(day)
        copied = {name: getattr(self, name) for name in self.COPIED}
        return Booking(room_id=self.room.id, start_at=start_at, end_at=end_at, **copied, **values)


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
    proposed: Booking | None = None  # a change that waits for approval (the booking itself is unchanged)

    @property
    def ok(self) -> bool:
        return bool(self.bookings) or self.proposed is not None

    @property
    def blocked(self) -> list[Occurrence]:
        return [o for o in self.occurrences if not o.clear]


def occurrence_days(draft: BookingDraft) -> list[date]:
    if draft.recurrence is None:
        return [draft.day]
    days = expand_recurrence(draft.day, draft.recurrence, until=draft.until, count=draft.count)
    return days if draft.days is None else [d for d in days if d in draft.days]


@dataclass(frozen=True)
class PlannedDate:
    """One date of a series being planned: its meeting, what the workday calendar says, its status."""

    occurrence: Occurrence
    info: DayInfo

    @property
    def status(self) -> DateStatus:
        if self.occurrence.problems:
            return DateStatus.UNAVAILABLE
        if self.occurrence.closures:
            return DateStatus.CLOSED
        if self.occurrence.conflicts:
            return DateStatus.CONFLICT
        return DateStatus.FREE if self.info.is_workday else DateStatus.NON_WORKDAY

    @property
    def bookable(self) -> bool:
        return self.status in (DateStatus.FREE, DateStatus.NON_WORKDAY)

    @property
    def proposed(self) -> bool:
        """Chosen unless the requester says otherwise: the free workdays."""
        return self.status is DateStatus.FREE


def plan_series(draft: BookingDraft, *, now: datetime, advance_days: int = DEFAULT_ADVANCE_DAYS) -> tuple[BookingOutcome, list[PlannedDate]]:
    """Every date of the series ``draft`` repeats (all of them, whatever was
    chosen before) with its status: free, a non-workday (needs approval),
    booked by another meeting (which), the room closed, or outside the advance
    window. Reads only; ``outcome.problems`` says what is wrong with the request
    as a whole (then there are no dates)."""
    draft = replace(draft, days=None)
    outcome = check_request(draft, now=now, advance_days=advance_days)
    if outcome.problems:
        return outcome, []
    _find_blockers(outcome, draft.room.id)
    infos = {info.day: info for info in days_info(outcome.occurrences[0].day, outcome.occurrences[-1].day)}
    return outcome, [PlannedDate(o, infos[o.day]) for o in outcome.occurrences]


def may_organize_for_any_unit(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.has_role(*ORGANIZE_FOR_ANY_UNIT)


def organizer_units(user) -> list[Unit]:
    """The units ``user`` may name as a booking's organizer: any for the
    logistics center and sysadmins, else their own unit only."""
    if may_organize_for_any_unit(user):
        return list(db.session.scalars(select(Unit).order_by(Unit.sort_order, Unit.name)))
    unit = db.session.get(Unit, user.unit_id) if getattr(user, "unit_id", None) else None
    return [unit] if unit is not None else []


def check_organizer(unit_id: int | None, actor: User) -> None:
    if unit_id is None or may_organize_for_any_unit(actor):
        if unit_id is not None and db.session.get(Unit, unit_id) is None:
            raise RuleViolation(_l("Choose an organizing unit from the list."), field="unit_id")
        return
    if unit_id != actor.unit_id:
        raise RuleViolation(_l("You can book for your own unit only; the logistics center books for other units."),
                            field="unit_id")


def may_request(room: Room, policy: RoomPolicy, user) -> bool:
    """Whether ``user`` may request ``room``: the roles and units its policy
    names (none named: all staff); the logistics center always may."""
    if may_organize_for_any_unit(user):
        return True
    roles, units = list(policy.allowed_roles or ()), list(policy.allowed_unit_ids or ())
    if not (roles or units):
        return True
    named = [Role(r) for r in roles if r in {m.value for m in Role}]
    return bool(named and user.has_role(*named)) or (getattr(user, "unit_id", None) in units)


def check_requester(room: Room, reason: str, policy: RoomPolicy, actor: User) -> None:
    """The room's own rules of who may request it and whether a reason is required."""
    if not may_request(room, policy, actor):
        raise RuleViolation(_l("%(room)s can be requested by the units and roles the logistics center named; "
                               "ask the logistics center.", room=room.name or room.label), field="room_id")
    if policy.reason_required and not (reason or "").strip():
        raise RuleViolation(_l("Say why the meeting needs this room."), field="request_reason")


def check_request(draft: BookingDraft, *, now: datetime, advance_days: int) -> BookingOutcome:
    """Everything that can be checked without the room's bookings."""
    outcome = BookingOutcome(problems=check_capacity(draft.room, draft.attendees))
    if draft.recurrence is not None:
        if draft.until is None and draft.count is None:
            outcome.problems.append(_l("Say when the series ends: a last date or a number of meetings."))
            return outcome
        if draft.until is not None and draft.until < draft.day:
            outcome.problems.append(_l("The series cannot end before its first meeting."))
            return outcome
    for day in occurrence_days(draft):
        start_at, end_at = draft.period(day)
        occurrence = Occurrence(day, start_at, end_at, problems=check_times(start_at, end_at, now=now, advance_days=advance_days))
        outcome.occurrences.append(occurrence)
    if not outcome.occurrences:
        outcome.problems.append(_l("Tick at least one date of the series to book."))
        return outcome
    if draft.recurrence is not None and len(outcome.occurrences) < 2 and not outcome.blocked:
        outcome.problems.append(_l("This series has only one meeting; book it without repetition."))
    return outcome


def _is_overlap_violation(error: IntegrityError) -> bool:
    return getattr(error.orig, "sqlstate", None) == "23P01" or "booking_no_overlap" in str(error.orig)


def _find_blockers(outcome: BookingOutcome, room_id: int) -> None:
    for occurrence in outcome.occurrences:
        occurrence.conflicts = find_conflicts(room_id, occurrence.start_at, occurrence.end_at)
        occurrence.closures = find_closures(room_id, occurrence.start_at, occurrence.end_at)


def _suggest(outcome: BookingOutcome, draft: BookingDraft, *, too_small: bool = False) -> None:
    """Other rooms free for every meeting of the request that seat everyone, when
    its room is taken for some or too small. The VIP reception room is offered
    only instead of itself: an ordinary meeting is not sent there."""
    if not (too_small or any(o.conflicts or o.closures for o in outcome.occurrences)):
        return
    periods = [(o.start_at, o.end_at) for o in outcome.occurrences if not o.problems]
    if not periods:
        return
    rooms = free_rooms_during(periods, attendees=draft.attendees, exclude_room_id=draft.room.id)
    vip_wanted = draft.room.kind is RoomKind.VIP_RECEPTION
    outcome.suggestions = [r for r in rooms if vip_wanted or r.kind is not RoomKind.VIP_RECEPTION][:6]


def book_room(draft: BookingDraft, *, actor: User, now: datetime, advance_days: int = DEFAULT_ADVANCE_DAYS,
              default_grace: int | None = DEFAULT_NO_SHOW_GRACE) -> BookingOutcome:
    """Check every occurrence, then save all of them or nothing.

    Due no-shows are released first, so their slots are free. The check and the
    insert run in one serialized transaction on SQLite; on PostgreSQL the
    exclusion constraint refuses an overlapping insert from a concurrent
    request, which is reported as the same conflict. The caller commits when
    ``outcome.ok``. Naming another unit as organizer raises RuleViolation.
    """
    check_organizer(draft.unit_id, actor)
    check_requester(draft.room, draft.request_reason, policy_for(draft.room, default_grace), actor)
    outcome = check_request(draft, now=now, advance_days=advance_days)
    if outcome.problems:
        if check_capacity(draft.room, draft.attendees):
            _suggest(outcome, draft, too_small=True)
        return outcome
    if outcome.blocked:  # some meetings break a time rule: list what else is wrong as well, all at once
        _find_blockers(outcome, draft.room.id)
        _suggest(outcome, draft)
        return outcome

    release_no_shows(now, default_grace=default_grace)  # their slots are free for this request (kept either way)
    _find_blockers(outcome, draft.room.id)
    if outcome.blocked:
        _suggest(outcome, draft)
        return outcome

    policy = policy_for(draft.room, default_grace)
    series = None
    if draft.recurrence is not None:
        start_at, end_at = draft.period(draft.day)  # the rule's first date, even where it was not chosen
        series = BookingSeries(rule=draft.recurrence, until=draft.until, count=draft.count, created_by_id=actor.id,
                               created_at=now, room_id=draft.room.id, start_at=start_at, end_at=end_at)
        db.session.add(series)
    for occurrence in outcome.occurrences:
        reasons = approval_reasons(draft.room, policy, occurrence.day)
        booking = draft.booking(
            occurrence.day,
            series=series,
            requester_id=actor.id,
            status=BookingStatus.PENDING if reasons else BookingStatus.APPROVED,
            approval_codes=[r.value for r in reasons],
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
        _find_blockers(outcome, draft.room.id)
        db.session.rollback()
        _suggest(outcome, draft)
        return outcome
    for booking in outcome.bookings:
        audit.record(actor, "booking.request", booking, after=audit.snapshot(booking, BOOKING_FIELDS),
                     summary=f"{draft.room.label} {booking.start_at:%Y-%m-%d %H:%M}")
    notify.request_pending([b for b in outcome.bookings if b.status is BookingStatus.PENDING], requester=actor, now=now)
    notify.arrangements_changed(notify.ARRANGEMENTS_ADDED, outcome.bookings, now=now)
    return outcome


# ---------------------------------------------------------------- book now (at the door sign)

BOOK_NOW_MINUTES = (30, 60)


def book_now_start(now: datetime) -> datetime:
    """A meeting booked at the door starts at the coming full minute."""
    start = now.astimezone(LOCAL_TZ).replace(second=0, microsecond=0)
    return start if start >= now else start + timedelta(minutes=1)


def book_now_options(room: Room, *, now: datetime, next_start: datetime | None, closed: bool,
                     policy: RoomPolicy) -> list[int]:
    """The lengths (minutes) one may book at the door now: the room free and
    open, no approval needed, and the meeting over before the next one and closing."""
    if closed or approval_reasons(room, policy, now.astimezone(LOCAL_TZ).date()):
        return []
    start = book_now_start(now)
    options = []
    for minutes in BOOK_NOW_MINUTES:
        end = start + timedelta(minutes=minutes)
        if within_opening_hours(start, end) and (next_start is None or end <= next_start):
            options.append(minutes)
    return options


def book_now(room: Room, minutes: int, *, title: str, attendees: int, actor: User, now: datetime,
             default_grace: int | None = DEFAULT_NO_SHOW_GRACE) -> BookingOutcome:
    """Book a free room from its door sign for the next 30 or 60 minutes: the
    same checks as any request (opening hours, capacity, closures, conflicts,
    race-proofed), checked in at once since the organizer stands at the door. A
    room (or day) that needs approval cannot be booked at the door. The caller
    commits when ``outcome.ok``."""
    if minutes not in BOOK_NOW_MINUTES:
        raise RuleViolation(_l("Book 30 or 60 minutes at the door."), field="minutes")
    if not actor.has_role(*BOOKERS):
        raise RuleViolation(_l("Only staff of the building can book meeting rooms."), status=403)
    start = book_now_start(now).astimezone(LOCAL_TZ)
    end = start + timedelta(minutes=minutes)
    reasons = approval_reasons(room, policy_for(room, default_grace), start.date())
    if reasons:
        raise RuleViolation(_l("This room cannot be booked at the door: %(reason)s",
                               reason="；".join(str(r.label) for r in reasons)))
    if end.date() != start.date():
        end = start  # past midnight: the opening-hours rule refuses it below
    draft = BookingDraft(room=room, day=start.date(), start=start.time(), end=end.time(),
                         title=(title or "").strip()[:100] or str(_l("Meeting booked at the door")),
                         attendees=attendees, unit_id=actor.unit_id, contact_name=actor.display_name[:40],
                         contact_phone=(actor.phone_ext or "")[:30], is_public=False)
    outcome = book_room(draft, actor=actor, now=now, advance_days=1, default_grace=default_grace)
    for booking in outcome.bookings:
        _change(booking, actor, "booking.check_in", now, summary="door", checked_in_at=now)
    return outcome


ARRANGEMENT_FIELDS = ("tea_count", "needs_audio", "needs_projector", "banner_text", "name_cards", "welcome_text", "notes")


def arrangement_items(booking: Booking) -> dict[ArrangementItem, str]:
    """The items the property company prepares for ``booking``, each with what it says
    (the number of cups, the banner's text, the names …; empty for equipment)."""
    items: dict[ArrangementItem, str] = {}
    if booking.tea_count:
        items[ArrangementItem.TEA] = str(booking.tea_count)
    if booking.needs_audio:
        items[ArrangementItem.AUDIO] = ""
    if booking.needs_projector:
        items[ArrangementItem.PROJECTOR] = ""
    if booking.banner_text:
        items[ArrangementItem.BANNER] = booking.banner_text
    if booking.name_card_list:
        items[ArrangementItem.NAME_CARDS] = "、".join(booking.name_card_list)
    if booking.welcome_text:
        items[ArrangementItem.WELCOME] = booking.welcome_text
    return items


def _arrangements_touched(booking: Booking, before: dict[ArrangementItem, str], *, moved: bool, actor: User,
                          now: datetime) -> None:
    """After a change: items whose content changed (every item when the meeting
    moved) are to be prepared again, items no longer wanted lose their task, and
    the staff assigned to them are told; the booking carries the moment, which
    marks it "changed after printing" on a sheet printed before."""
    after = arrangement_items(booking)
    touched = {item for item in after if moved or before.get(item) != after[item]}
    gone = set(before) - set(after)
    if not (touched or gone):
        return
    booking.arrangements_changed_at = now
    tasks = db.session.scalars(select(ArrangementTask).where(ArrangementTask.booking_id == booking.id)).all()
    told: set[int] = set()
    for task in tasks:
        if task.item in gone:
            db.session.delete(task)
        elif task.item in touched and (task.state is not TaskState.TO_PREPARE or task.assignee_id):
            task.state, task.updated_at, task.updated_by_id = TaskState.TO_PREPARE, now, actor.id
        else:
            continue
        if task.assignee_id and task.assignee_id != actor.id:
            told.add(task.assignee_id)
    if told:
        notify.task_changed(booking, recipients=sorted(told), now=now)


@dataclass
class BookingChange:
    """What a change of a booking asks for: the same room and times as a new
    request, the attendees and the meeting arrangements (title and organizer stay)."""

    room: Room
    day: date
    start: time
    end: time
    attendees: int
    arrangements: dict[str, object] = field(default_factory=dict)  # ARRANGEMENT_FIELDS → new value

    def period(self) -> tuple[datetime, datetime]:
        return local(self.day, self.start), local(self.day, self.end)


def may_change(user, booking: Booking, *, now: datetime) -> bool:
    return (may_cancel(user, booking) and booking.holds_room and booking.end_at > now
            and booking.pending_change is None)


def _flush_or_taken(occurrence: Occurrence, room_id: int, exclude_id: int) -> bool:
    """Write the change; False when a concurrent request took the slot first
    (PostgreSQL's exclusion constraint refused it): ``occurrence`` then names
    what is in the way and nothing is kept."""
    try:
        db.session.flush()
    except IntegrityError as error:
        if not _is_overlap_violation(error):
            raise
        db.session.rollback()
        occurrence.conflicts = find_conflicts(room_id, occurrence.start_at, occurrence.end_at, exclude_id=exclude_id)
        db.session.rollback()
        return False
    return True


@dataclass(frozen=True)
class _BeforeChange:
    """What a booking was before a change, for the messages about it."""

    room: str
    when: str
    had_arrangements: bool
    items: dict[ArrangementItem, str]

    @classmethod
    def of(cls, booking: Booking) -> _BeforeChange:
        return cls(notify.room_of(booking), notify.when(booking), booking.has_arrangements, arrangement_items(booking))

    @property
    def old(self) -> tuple[str, str]:
        return self.room, self.when


def _tell_property_company(booking: Booking, before: _BeforeChange, *, moved: bool, arrangements_changed: bool,
                           actor: User, now: datetime) -> None:
    """After a change is made: tasks to prepare again, and the property company told of today's and tomorrow's."""
    _arrangements_touched(booking, before.items, moved=moved, actor=actor, now=now)
    if moved or arrangements_changed:
        if booking.has_arrangements:
            notify.arrangements_changed(notify.ARRANGEMENTS_CHANGED, [booking], now=now)
        elif before.had_arrangements:
            notify.arrangements_removed_from(booking, old=before.old, now=now)


def change_booking(booking: Booking, change: BookingChange, *, actor: User, now: datetime,
                   advance_days: int = DEFAULT_ADVANCE_DAYS,
                   default_grace: int | None = DEFAULT_NO_SHOW_GRACE) -> BookingOutcome:
    """Move (time or room), extend, shorten, or change the attendees and
    arrangements of one booking, through the same checks as a new request:
    opening hours, advance window, capacity, closures and conflicts (the
    booking itself excluded), race-proofed like :func:`book_room`.

    A pending request keeps waiting with the reasons of its new slot (or is
    approved when none is left). An approved booking whose new time or room
    needs approval goes back to approval (:func:`propose_change`): it keeps its
    slot until the decision, and the new one is held meanwhile. The caller
    commits when ``outcome.ok``.
    """
    if not may_cancel(actor, booking):
        raise RuleViolation(_l("Only the requester and the logistics center can change a booking."), status=403)
    if booking.pending_change is not None:
        raise RuleViolation(_l("A change of this booking waits for approval; withdraw it before changing the booking "
                               "again."))
    if not may_change(actor, booking, now=now):
        raise RuleViolation(_l("This booking can no longer be changed."))
    if change.room.id != booking.room_id:  # the new room's own rules of who may request it
        check_requester(change.room, booking.request_reason, policy_for(change.room, default_grace), actor)
    start_at, end_at = change.period()
    moved = change.room.id != booking.room_id or start_at != booking.start_at or end_at != booking.end_at
    started = booking.start_at <= now
    outcome = BookingOutcome(problems=check_capacity(change.room, change.attendees))
    if started and (change.room.id != booking.room_id or start_at != booking.start_at):
        outcome.problems.append(_l("A meeting under way keeps its room and start; only its end can change."))
    # A meeting under way keeps its start, which has passed: check the rest from its start.
    problems = check_times(start_at, end_at, now=booking.start_at if started else now, advance_days=advance_days)
    if started and end_at <= now:
        problems.append(_l("The new end has already passed; end the meeting now instead."))
    occurrence = Occurrence(change.day, start_at, end_at, problems=problems)
    outcome.occurrences.append(occurrence)
    if outcome.problems or outcome.blocked:
        return outcome

    if moved:
        release_no_shows(now, default_grace=default_grace)  # takes the write lock: the checks below cannot race
        if not booking.holds_room:  # cancelled or decided meanwhile
            raise RuleViolation(_l("This booking can no longer be changed."))
        occurrence.conflicts = find_conflicts(change.room.id, start_at, end_at, exclude_id=booking.id)
        occurrence.closures = find_closures(change.room.id, start_at, end_at)
        if outcome.blocked:
            return outcome
    policy = policy_for(change.room, default_grace)
    codes = [r.value for r in approval_reasons(change.room, policy, change.day)]
    was_pending = booking.status is BookingStatus.PENDING
    if moved and not was_pending and codes:
        return propose_change(booking, change, codes, outcome, actor=actor, now=now)

    before = _BeforeChange.of(booking)
    arrangements_changed = any(getattr(booking, name) != value for name, value in change.arrangements.items())
    values: dict[str, object] = {"room_id": change.room.id, "start_at": start_at, "end_at": end_at,
                                 "attendees": change.attendees, **change.arrangements}
    if was_pending:
        values["approval_codes"] = codes
        if not codes:
            values.update(status=BookingStatus.APPROVED, decided_at=now)
    _change(booking, actor, "booking.change", now, summary=f"{before.room} {before.when}", **values)
    booking.room = change.room
    if not _flush_or_taken(occurrence, change.room.id, booking.id):  # a concurrent request took the slot first
        return outcome
    outcome.bookings.append(booking)
    if was_pending and moved:
        notify.decided(booking, now=now)  # the old to-do named the old time
        if booking.status is BookingStatus.PENDING:
            notify.request_pending([booking], requester=booking.requester or actor, now=now)
        else:
            notify.approved([booking], now=now)
    notify.changed(booking, old=before.old, actor=actor, now=now)
    _tell_property_company(booking, before, moved=moved, arrangements_changed=arrangements_changed, actor=actor,
                           now=now)
    return outcome


# The values a proposed change carries to the booking when it is approved.
PROPOSAL_FIELDS = ("room_id", "start_at", "end_at", "attendees", *ARRANGEMENT_FIELDS)


def propose_change(booking: Booking, change: BookingChange, codes: list[str], outcome: BookingOutcome, *,
                   actor: User, now: datetime) -> BookingOutcome:
    """Send a change of an approved booking back to approval: a proposal row
    (status ``proposed``, ``change_of`` the booking) carries the new room, time,
    attendees and arrangements and holds the new slot like a new request does
    (the same checks under the same write lock; PostgreSQL's exclusion
    constraint covers it, letting it overlap only the booking it changes). The
    booking keeps its own slot until the decision. Called by
    :func:`change_booking` once the new slot is checked and free."""
    start_at, end_at = change.period()
    copied = {name: getattr(booking, name) for name in BookingDraft.COPIED}
    copied.update(attendees=change.attendees, **change.arrangements)
    proposal = Booking(room_id=change.room.id, start_at=start_at, end_at=end_at, requester_id=booking.requester_id,
                       status=BookingStatus.PROPOSED, approval_codes=codes, change_of_id=booking.id, created_at=now,
                       updated_at=now, **copied)
    db.session.add(proposal)
    occurrence = outcome.occurrences[0]
    if not _flush_or_taken(occurrence, change.room.id, booking.id):
        return outcome
    outcome.proposed = proposal
    audit.record(actor, "booking.change_request", booking, before=audit.snapshot(booking, PROPOSAL_FIELDS),
                 after=audit.snapshot(proposal, PROPOSAL_FIELDS),
                 summary=f"{notify.room_of(booking)} {notify.when(booking)} → {notify.room_of(proposal)} {notify.when(proposal)}")
    notify.change_requested(proposal, booking, actor=actor, now=now)
    return outcome


def _drop_proposal(proposal: Booking, *, actor: User | None, action: str, now: datetime, reason: str = "") -> None:
    """The proposed change is gone (rejected, withdrawn, or its booking no longer
    holds the room): its slot is free and its to-do done."""
    audit.record(actor, action, proposal.change_of, before=audit.snapshot(proposal, PROPOSAL_FIELDS),
                 summary=(reason or f"{notify.room_of(proposal)} {notify.when(proposal)}")[:200])
    notify.decided(proposal, now=now)
    db.session.delete(proposal)


def _apply_proposal(proposal: Booking, *, actor: User, now: datetime) -> None:
    """An approved change moves its booking: the new slot is checked again (a
    closure may have come since), the booking takes the proposal's values and
    the proposal goes. The requester hears; so does the property company where
    the meeting's services move or change."""
    booking = proposal.change_of
    if booking is None or not booking.holds_room:
        raise RuleViolation(_l("The booking this change was for no longer holds its room."))
    if (find_conflicts(proposal.room_id, proposal.start_at, proposal.end_at, exclude_id=booking.id)
            or find_closures(proposal.room_id, proposal.start_at, proposal.end_at)):
        raise RuleViolation(_l("The new time or room is no longer free; reject the change."))
    before = _BeforeChange.of(booking)
    values = {name: getattr(proposal, name) for name in PROPOSAL_FIELDS}
    moved = any(values[name] != getattr(booking, name) for name in ("room_id", "start_at", "end_at"))
    arrangements_changed = any(values[name] != getattr(booking, name) for name in ARRANGEMENT_FIELDS)
    _change(booking, actor, "booking.change_approve", now, summary=f"{before.room} {before.when}", **values)
    booking.room = proposal.room
    notify.decided(proposal, now=now)
    db.session.delete(proposal)
    db.session.flush()
    notify.change_approved(booking, old=before.old, now=now)
    _tell_property_company(booking, before, moved=moved, arrangements_changed=arrangements_changed, actor=actor,
                           now=now)


def withdraw_change(booking: Booking, *, actor: User, now: datetime) -> None:
    """The requester (or the logistics center) takes back a change still waiting: the booking stays as it is."""
    if not may_cancel(actor, booking):
        raise RuleViolation(_l("Only the requester and the logistics center can change a booking."), status=403)
    if booking.pending_change is None:
        raise RuleViolation(_l("No change of this booking is waiting for approval."))
    _drop_proposal(booking.pending_change, actor=actor, action="booking.change_withdraw", now=now)


# ---------------------------------------------------------------- decisions


# What a calendar file shows of a booking: a change raises its (and its series') SEQUENCE.
CALENDAR_FIELDS = frozenset({"room_id", "start_at", "end_at", "status", "title"})


def _change(booking: Booking, actor: User | None, action: str, now: datetime, summary: str = "", **values) -> None:
    before = audit.snapshot(booking, BOOKING_FIELDS)
    for name, value in values.items():
        setattr(booking, name, value)
    booking.updated_at = now
    if CALENDAR_FIELDS & values.keys():
        booking.sequence = (booking.sequence or 0) + 1
        if booking.series_id is not None and booking.series is not None:
            booking.series.sequence = (booking.series.sequence or 0) + 1
    audit.record(actor, action, booking, before=before, after=audit.snapshot(booking, BOOKING_FIELDS), summary=summary)
    if "status" in values and values["status"] not in HOLDING and booking.pending_change is not None:
        # Cancelled, closed or released: a change waiting for approval has nothing left to change.
        _drop_proposal(booking.pending_change, actor=actor, action="booking.change_drop", now=now)


def needs_second_approval(booking: Booking) -> bool:
    """A request of a room that needs two approvals, with the first given."""
    return booking.first_approved_at is not None


def _approve(booking: Booking, *, actor: User, now: datetime) -> bool:
    """Approve, or give the first of two approvals where the room needs two
    (then the request keeps waiting; the second must come from someone else).
    A proposed change, once approved, moves its booking (:func:`_apply_proposal`).
    True when the booking is approved."""
    if booking.status not in AWAITING:
        raise RuleViolation(_l("Only pending requests can be approved."))
    if booking.end_at <= now:
        raise RuleViolation(_l("This meeting is over; it can no longer be approved."))
    policy = db.session.get(RoomPolicy, booking.room_id)
    if policy is not None and policy.second_approval:
        if booking.first_approved_at is None:
            _change(booking, actor, "booking.approve_first", now, first_approved_by_id=actor.id, first_approved_at=now)
            return False
        if booking.first_approved_by_id == actor.id:
            raise RuleViolation(_l("This room needs a second approval by someone else."))
    if booking.status is BookingStatus.PROPOSED:
        _apply_proposal(booking, actor=actor, now=now)
        return True
    _change(booking, actor, "booking.approve", now, status=BookingStatus.APPROVED, decided_by_id=actor.id, decided_at=now,
            decision_reason="", decision_code=None, decision_args=None)
    notify.decided(booking, now=now)
    return True


def _reject(booking: Booking, reason: str, *, actor: User, now: datetime) -> None:
    """Reject a request; a rejected change leaves its booking as it is (the requester hears here)."""
    if booking.status not in AWAITING:
        raise RuleViolation(_l("Only pending requests can be rejected."))
    if booking.status is BookingStatus.PROPOSED:
        notify.change_rejected(booking, booking.change_of, reason, now=now)
        _drop_proposal(booking, actor=actor, action="booking.change_reject", now=now, reason=reason)
        return
    _change(booking, actor, "booking.reject", now, summary=reason[:200], status=BookingStatus.REJECTED,
            decided_by_id=actor.id, decided_at=now, decision_reason=reason[:300])
    notify.decided(booking, now=now)


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise RuleViolation(_l("Give a reason for the rejection."), field="reason")
    return reason[:300]


def approve(booking: Booking, *, actor: User, now: datetime) -> bool:
    """True when approved; False when this was the first of two approvals."""
    if _approve(booking, actor=actor, now=now):
        _tell_approved([booking], now=now)
        return True
    return False


def reject(booking: Booking, reason: str, *, actor: User, now: datetime) -> None:
    if booking.status not in AWAITING:
        raise RuleViolation(_l("Only pending requests can be rejected."))
    reason = _reason(reason)
    _reject(booking, reason, actor=actor, now=now)
    _tell_rejected([booking], reason, now=now)


def _groups(bookings: Sequence[Booking]) -> list[list[Booking]]:
    """Decided requests by requester and series (a single request alone), each by
    time; decided changes are left out (their requester heard as they were decided)."""
    groups: dict[tuple, list[Booking]] = {}
    requests = [b for b in bookings if b.status is not BookingStatus.PROPOSED]
    for booking in sorted(requests, key=lambda b: b.start_at):
        key = (booking.requester_id, booking.series_id or -booking.id)
        groups.setdefault(key, []).append(booking)
    return list(groups.values())


def _tell_approved(bookings: Sequence[Booking], *, now: datetime) -> None:
    for group in _groups(bookings):
        notify.approved(group, now=now)


def _tell_rejected(bookings: Sequence[Booking], reason: str, *, now: datetime) -> None:
    for group in _groups(bookings):
        series_id = group[0].series_id
        stands = series_id is not None and bool(db.session.scalar(
            select(func.count()).select_from(Booking).where(Booking.series_id == series_id, Booking.status.in_(HOLDING))
        ))
        notify.rejected(group, reason, series_stands=stands, now=now)
    notify.arrangements_changed(notify.ARRANGEMENTS_REMOVED, [b for b in bookings if b.status is not BookingStatus.PROPOSED],
                                now=now)


@dataclass
class Decisions:
    """What one decision on several requests did: ``done`` the decided ones,
    ``refused`` the others with the rule that refused them."""

    approve: bool
    done: list[Booking] = field(default_factory=list)
    refused: list[tuple[Booking, object]] = field(default_factory=list)  # the (lazily translated) rule
    first_approved: list[Booking] = field(default_factory=list)  # waiting for their second approval


def decide_many(bookings: Sequence[Booking], *, approve: bool, reason: str = "", actor: User,
                now: datetime) -> Decisions:
    """Approve (or reject with one reason) several requests: each through the
    same rules as one at a time; a refused one is reported and the others done.
    The requester hears once per series. The caller commits."""
    if not approve:
        reason = _reason(reason)
    decisions = Decisions(approve)
    for booking in sorted(bookings, key=lambda b: b.start_at):
        try:
            if approve:
                if not _approve(booking, actor=actor, now=now):
                    decisions.first_approved.append(booking)
                    continue
            else:
                _reject(booking, reason, actor=actor, now=now)
        except RuleViolation as error:
            decisions.refused.append((booking, error.message))
        else:
            decisions.done.append(booking)
    if decisions.done:
        if approve:
            _tell_approved(decisions.done, now=now)
        else:
            _tell_rejected(decisions.done, reason, now=now)
    return decisions


def pending_in_series(booking: Booking, *, now: datetime) -> list[Booking]:
    """The requests of ``booking``'s series still waiting for a decision (just it, outside a series)."""
    if booking.series_id is None:
        return [booking] if booking.status is BookingStatus.PENDING else []
    return list(db.session.scalars(
        select(Booking)
        .where(Booking.series_id == booking.series_id, Booking.status == BookingStatus.PENDING, Booking.end_at > now)
        .order_by(Booking.start_at)
    ))


def pending_by_ids(ids: Iterable[int]) -> list[Booking]:
    """The requests named by id (any that are gone or decided are left to the rules to refuse)."""
    wanted = sorted({i for i in ids if 0 < i < 2**31})
    if not wanted:
        return []
    return list(db.session.scalars(
        select(Booking).where(Booking.id.in_(wanted)).options(joinedload(Booking.room)).order_by(Booking.start_at)
    ).unique())


def cancellable(booking: Booking, *, now: datetime) -> bool:
    return booking.holds_room and booking.end_at > now


def cancel(booking: Booking, *, actor: User, now: datetime, rest_of_series: bool = False) -> list[Booking]:
    """Cancel one booking, or it and every later holding occurrence of its series."""
    if not may_cancel(actor, booking):
        raise RuleViolation(_l("Only the requester and the logistics center can cancel a booking."), status=403)
    if not cancellable(booking, now=now):
        raise RuleViolation(_l("This booking can no longer be cancelled."))
    targets = [booking]
    if rest_of_series and booking.series_id is not None:
        targets = later_in_series(booking)
    for target in targets:
        was_pending = target.status is BookingStatus.PENDING
        _change(target, actor, "booking.cancel", now, status=BookingStatus.CANCELLED)
        if was_pending:
            notify.decided(target, now=now)
    notify.cancelled_by_admin(targets, actor=actor, now=now)
    notify.arrangements_changed(notify.ARRANGEMENTS_REMOVED, targets, now=now)
    return targets


def later_in_series(booking: Booking) -> list[Booking]:
    """This booking and the later occurrences of its series that still hold the room."""
    return list(
        db.session.scalars(
            select(Booking)
            .where(Booking.series_id == booking.series_id, Booking.start_at >= booking.start_at, Booking.status.in_(HOLDING))
            .order_by(Booking.start_at)
        )
    )


def check_in_window(booking: Booking) -> tuple[datetime, datetime]:
    return booking.start_at - CHECK_IN_EARLY, booking.end_at


def can_check_in(booking: Booking, *, now: datetime) -> bool:
    opens, closes = check_in_window(booking)
    return booking.status is BookingStatus.APPROVED and booking.checked_in_at is None and opens <= now < closes


def check_in(booking: Booking, *, actor: User | None, now: datetime) -> None:
    if booking.checked_in_at is not None:
        return
    if not can_check_in(booking, now=now):
        raise RuleViolation(_l("Check-in opens 15 minutes before the meeting, for approved bookings."))
    _change(booking, actor, "booking.check_in", now, checked_in_at=now)


def can_end_early(booking: Booking, *, now: datetime) -> bool:
    """An approved meeting under way can be ended before its booked end."""
    return booking.status is BookingStatus.APPROVED and booking.start_at <= now < booking.end_at


def end_early(booking: Booking, *, actor: User, now: datetime) -> None:
    """End a meeting under way now: the rest of its slot is free at once.

    The organizer's side and the staff on duty (whoever may check in) may end
    it. The meeting keeps its status; its end moves to this minute (at least
    one minute after its start). The requester hears when someone else ended it.
    """
    if not may_check_in(actor, booking):
        raise RuleViolation(_l("Only the organizers, the logistics center and the property company can end a meeting."),
                            status=403)
    if not can_end_early(booking, now=now):
        raise RuleViolation(_l("Only an approved meeting under way can be ended early."))
    end_at = max(now.replace(second=0, microsecond=0), booking.start_at + timedelta(minutes=1))
    if end_at >= booking.end_at:
        return
    _change(booking, actor, "booking.end_early", now, summary=f"{end_at.astimezone(LOCAL_TZ):%H:%M}", end_at=end_at)
    notify.ended_early(booking, actor=actor, now=now)


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
    Safe to run repeatedly and concurrently (cron, and the requests that need a
    free slot); the caller commits."""
    begin_serialized_write()
    candidates = _release_candidates(now, lock=db.engine.dialect.name == "postgresql")
    if not candidates:
        return []
    policies = policies_for({b.room_id for b in candidates}, default_grace)
    released = []
    for booking in candidates:
        if _grace_passed(booking, policies[booking.room_id], now):
            _change(booking, None, "booking.release", now, summary="no-show", status=BookingStatus.RELEASED)
            notify.released(booking, grace=policies[booking.room_id].no_show_grace_minutes, now=now)
            released.append(booking)
    notify.arrangements_changed(notify.ARRANGEMENTS_REMOVED, released, now=now)
    return released


def due_no_shows(now: datetime, *, default_grace: int | None = DEFAULT_NO_SHOW_GRACE) -> frozenset[int]:
    """Ids of the meetings :func:`release_no_shows` would release now, without
    writing: pages read them as released (one query when there are none)."""
    candidates = _release_candidates(now)
    if not candidates:
        return frozenset()
    policies = policies_for({b.room_id for b in candidates}, default_grace)
    return frozenset(b.id for b in candidates if _grace_passed(b, policies[b.room_id], now))


def no_shows_due(now: datetime, *, default_grace: int | None = DEFAULT_NO_SHOW_GRACE) -> bool:
    """A cheap read: is there anything for :func:`release_no_shows` to do?"""
    return bool(due_no_shows(now, default_grace=default_grace))


# ---------------------------------------------------------------- the workday calendar changed


def reevaluate_pending(days: Iterable[date], *, actor: User | None, now: datetime,
                       default_grace: int | None = DEFAULT_NO_SHOW_GRACE) -> list[Booking]:
    """Pending requests on ``days`` take their approval reasons again from the
    calendar as it now is; one left without any reason is approved, as it
    would have been when requested. Returns the requests that changed."""
    days = sorted(set(days))
    if not days:
        return []
    changed = []
    pending = db.session.scalars(
        select(Booking)
        .where(Booking.status == BookingStatus.PENDING, Booking.end_at > now,
               or_(*(and_(Booking.start_at >= day_bounds(d)[0], Booking.start_at < day_bounds(d)[1]) for d in days)))
        .options(joinedload(Booking.room))
        .order_by(Booking.start_at)
    ).unique().all()
    policies = policies_for({b.room_id for b in pending}, default_grace)
    for booking in pending:
        codes = [r.value for r in approval_reasons(booking.room, policies[booking.room_id], booking.start_at.astimezone(LOCAL_TZ).date())]
        if codes == list(booking.approval_codes or ()):
            continue
        if codes:
            _change(booking, actor, "booking.reevaluate", now, summary="calendar", approval_codes=codes)
        else:
            _change(booking, actor, "booking.approve", now, summary="calendar", approval_codes=[],
                    status=BookingStatus.APPROVED, decided_at=now)
            notify.decided(booking, now=now)
            notify.approved([booking], now=now)
        changed.append(booking)
    return changed


def on_calendar_changed(sender=None, *, days: Iterable[date] = (), actor: User | None = None,
                        now: datetime | None = None, **_extra) -> None:
    """Receiver of ``portal.signals.calendar_changed`` (connected in the capability's init_app)."""
    from flask import current_app

    from portal import timeutil

    reevaluate_pending(days, actor=actor, now=now or timeutil.now(),
                       default_grace=current_app.config.get("ROOMS_DEFAULT_NO_SHOW_GRACE", DEFAULT_NO_SHOW_GRACE))


# ---------------------------------------------------------------- closures


def close_rooms(room: Room | None, start_at: datetime, end_at: datetime, reason: str, *, actor: User,
                now: datetime) -> tuple[RoomClosure, list[Booking]]:
    """Block a room (or every room) and cancel the bookings that fall in the period."""
    if end_at <= start_at:
        raise RuleViolation(_l("The closure must end after it starts."), field="end_day")
    if not reason.strip():
        raise RuleViolation(_l("Give a reason for the closure."), field="reason")
    begin_serialized_write()
    closure = RoomClosure(room_id=room.id if room else None, start_at=start_at, end_at=end_at, reason=reason.strip()[:200],
                          created_by_id=actor.id, created_at=now)
    db.session.add(closure)
    db.session.flush()
    audit.record(actor, "room_closure.create", closure, after=audit.snapshot(closure, CLOSURE_FIELDS), summary=closure.reason)
    query = select(Booking).where(*_holding_overlap(start_at, end_at), Booking.end_at > now)
    if room is not None:
        query = query.where(Booking.room_id == room.id)
    affected = list(db.session.scalars(query.order_by(Booking.start_at)))
    for booking in affected:
        was_pending = booking.status is BookingStatus.PENDING
        _change(booking, actor, "booking.cancel", now, summary=closure.reason, status=BookingStatus.CANCELLED,
                decision_code=Reason.ROOM_CLOSED.value, decision_args={"reason": closure.reason})
        if was_pending:
            notify.decided(booking, now=now)
        notify.closed(booking, closure.reason, now=now)
    notify.arrangements_changed(notify.ARRANGEMENTS_REMOVED, affected, now=now)
    return closure, affected


def reopen(closure: RoomClosure, *, actor: User, now: datetime) -> None:
    audit.record(actor, "room_closure.delete", closure, before=audit.snapshot(closure, CLOSURE_FIELDS), summary=closure.reason)
    db.session.delete(closure)


def recent_closures_query(now: datetime) -> Select:
    return (
        select(RoomClosure)
        .where(RoomClosure.end_at > now - timedelta(days=30))
        .options(joinedload(RoomClosure.room).joinedload(Room.floor).joinedload(Floor.building))
        .order_by(RoomClosure.start_at.desc())
    )


def get_closure(closure_id: int) -> RoomClosure | None:
    return db.session.get(RoomClosure, closure_id)


# ---------------------------------------------------------------- who may see and do what


def title_is_public(booking: Booking) -> bool:
    """May passers-by ever read the title (a public meeting outside the VIP room)?"""
    return booking.is_public and booking.room.kind is not RoomKind.VIP_RECEPTION


def public_title(booking: Booking) -> str | None:
    """THE public-title rule: what the lobby display, door signs and iCalendar
    feeds may show for a booking. The title of a public meeting outside the VIP
    room, once approved (a request still waiting holds the room but is not
    announced); None: show 已预订."""
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


def get_booking(booking_id: int) -> Booking | None:
    return db.session.scalars(
        select(Booking)
        .where(Booking.id == booking_id)
        .options(
            joinedload(Booking.room).joinedload(Room.floor).joinedload(Floor.building),
            joinedload(Booking.unit),
            joinedload(Booking.requester),
            joinedload(Booking.series),
        )
    ).first()


@dataclass(frozen=True)
class SeriesCalendar:
    """A series as one recurring calendar event: the planned first meeting
    repeated by the rule on ``days``; ``skipped`` the planned days without a
    meeting at the planned time and room (cancelled, rejected, released or
    moved); ``others`` the series' meetings off the plan (moved), each an event
    of its own."""

    series: BookingSeries
    room: Room
    start_at: datetime
    end_at: datetime
    days: list[date]
    skipped: list[date]
    others: list[Booking]
    pending: bool  # some planned meetings still wait for approval
    updated_at: datetime

    @property
    def position(self) -> int:
        """The monthly rule's weekday position (1–4, -1 the last)."""
        return monthly_position(self.start_at.astimezone(LOCAL_TZ).date())


def series_calendar(series: BookingSeries) -> SeriesCalendar | None:
    """The recurring event of ``series`` (None when it has no meetings left to show)."""
    bookings = series_of_id(series.id)
    if not bookings:
        return None
    first = bookings[0]
    room_id = series.room_id or first.room_id
    start_at = (series.start_at or first.start_at).astimezone(LOCAL_TZ)
    end_at = (series.end_at or first.end_at).astimezone(LOCAL_TZ)
    days = expand_recurrence(start_at.date(), series.rule, until=series.until, count=series.count)
    planned = set(days)

    def on_plan(b: Booking) -> bool:
        start, end = b.start_at.astimezone(LOCAL_TZ), b.end_at.astimezone(LOCAL_TZ)
        return (b.room_id == room_id and start.date() in planned and start.time() == start_at.time()
                and end.time() == end_at.time())

    holding = [b for b in bookings if b.holds_room]
    kept = [b for b in holding if on_plan(b)]
    kept_days = {b.start_at.astimezone(LOCAL_TZ).date() for b in kept}
    room = db.session.get(Room, room_id) or first.room
    return SeriesCalendar(
        series=series, room=room, start_at=start_at, end_at=end_at, days=days,
        skipped=[d for d in days if d not in kept_days], others=[b for b in holding if not on_plan(b)],
        pending=any(b.status is BookingStatus.PENDING for b in kept),
        updated_at=max(b.updated_at or b.created_at for b in bookings),
    )


def series_of_id(series_id: int) -> list[Booking]:
    return list(db.session.scalars(select(Booking).where(Booking.series_id == series_id).order_by(Booking.start_at)))


def series_of(booking: Booking) -> list[Booking]:
    return series_of_id(booking.series_id) if booking.series_id is not None else []


def bookings_between(start_at: datetime, end_at: datetime, *, room_id: int | None = None,
                     released: Iterable[int] = ()) -> list[Booking]:
    """Holding bookings overlapping the period; ``released`` (due no-shows) left out."""
    query = (
        select(Booking)
        .where(*_holding_overlap(start_at, end_at))
        .options(joinedload(Booking.room), joinedload(Booking.unit))
        .order_by(Booking.start_at, Booking.room_id)
    )
    if room_id is not None:
        query = query.where(Booking.room_id == room_id)
    gone = set(released)
    return [b for b in db.session.scalars(query) if b.id not in gone]


def day_bounds(day: date) -> tuple[datetime, datetime]:
    return local(day, time(0)), local(day + timedelta(days=1), time(0))


@dataclass(frozen=True)
class DayBooking:
    """One meeting of a day, as a public screen may show it.

    ``public_title`` is None when the title must not be shown to passers-by
    (see :func:`public_title`): show 已预订 instead.
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
    """Today's (or any day's) approved and pending meetings, for the lobby display."""
    start_at, end_at = day_bounds(day)
    query = (
        select(Booking)
        .where(*_holding_overlap(start_at, end_at))
        .options(joinedload(Booking.room).joinedload(Room.floor).joinedload(Floor.building))
        .order_by(Booking.start_at, Booking.room_id)
    )
    return [
        DayBooking(
            booking_id=booking.id,
            room_id=booking.room_id,
            room_label=booking.room.label,
            room_name=booking.room.name,
            start_at=booking.start_at,
            end_at=booking.end_at,
            status=booking.status,
            title_public=title_is_public(booking),
            public_title=public_title(booking),
            checked_in=booking.checked_in_at is not None,
        )
        for booking in db.session.scalars(query)
    ]


@dataclass(frozen=True)
class RoomSearch:
    rooms: list[Room]
    policies: dict[int, RoomPolicy]
    searched: bool = False  # a period was given: ``rooms`` are the free ones
    period: tuple[datetime, datetime] | None = None


def search_rooms(day: date | None, start: time | None, end: time | None, *, attendees: int | None,
                 equipment: Sequence[str], now: datetime, default_grace: int | None = DEFAULT_NO_SHOW_GRACE) -> RoomSearch:
    """Meeting rooms that fit; free ones when a day is given. A due no-show counts as released (nothing is written)."""
    if day is not None:
        period = (local(day, start or OPENING), local(day, end or CLOSING))
        if period[1] <= period[0]:
            raise RuleViolation(_l("The meeting must end after it starts."), field="end")
        rooms = free_rooms(*period, attendees=attendees, equipment=equipment,
                           released=due_no_shows(now, default_grace=default_grace))
        return RoomSearch(rooms, policies_for([r.id for r in rooms], default_grace), True, period)
    wanted = set(equipment)
    rooms = [r for r in meeting_rooms() if (not attendees or (r.capacity or 0) >= attendees) and wanted <= set(r.equipment or ())]
    return RoomSearch(rooms, policies_for([r.id for r in rooms], default_grace))


# ---------------------------------------------------------------- day grid, week view, door sign


def _layout(day: date, bookings: Sequence[GridBooking], closures: Sequence[GridClosure], now: datetime,
            slots: Sequence[datetime] | None = None):
    from portal.blueprints.rooms.grid import grid_row

    return grid_row(day, bookings, closures, now=now, slots=slots)


@dataclass(frozen=True, slots=True)
class GridRoom:
    """A meeting room as the day grid and the week view name it: plain values, kept as facts."""

    id: int
    name: str
    capacity: int | None
    label: str  # how people write it on a door or a form: 主楼 305 (``Room.label``)


@dataclass(frozen=True)
class GridBooking:
    """A booking as the day grid and the week view draw it: plain values, kept in the cache."""

    id: int
    room_id: int
    start_at: datetime
    end_at: datetime
    status: BookingStatus
    title: str
    title_public: bool  # see :func:`title_is_public`
    requester_id: int | None
    unit_id: int | None
    release_at: datetime | None  # released as a no-show from then on unless checked in; None: never
    hours: str  # "09:00–10:30", local time

    def released(self, now: datetime) -> bool:
        """A due no-show (what :func:`release_no_shows` would release at ``now``): the grid shows it as free."""
        return self.release_at is not None and self.release_at <= now < self.end_at


@dataclass(frozen=True)
class GridClosure:
    room_id: int | None
    start_at: datetime
    end_at: datetime
    reason: str


@dataclass(frozen=True)
class GridData:
    """What a day grid or a week view is laid out from, before the clock is read
    (the same for every viewer and every minute while the rooms' data is unchanged)."""

    rooms: Sequence[GridRoom]
    bookings: list[GridBooking]
    closures: list[GridClosure]
    days: list[DayInfo]

    def holders(self) -> list[tuple[int, int | None, int | None]]:
        """(id, requester, organizing unit): what decides who may read a booking's details."""
        return [(b.id, b.requester_id, b.unit_id) for b in self.bookings]

    def released(self, now: datetime) -> frozenset[int]:
        return frozenset(b.id for b in self.bookings if b.released(now))


def _hhmm(moment: datetime) -> str:
    return moment.astimezone(LOCAL_TZ).strftime("%H:%M")


# The grid's statements, built once (the period and the room are parameters): building a
# statement costs more than running it. Read as rows through the connection, no ORM objects.
def _grid_bookings_select(one_room: bool) -> Select:
    query = (
        select(Booking.id, Booking.room_id, Booking.start_at, Booking.end_at, Booking.status, Booking.title,
               Booking.is_public, Room.kind, Booking.requester_id, Booking.unit_id, Booking.checked_in_at,
               RoomPolicy.room_id, RoomPolicy.no_show_grace_minutes)
        .join(Room, Room.id == Booking.room_id)
        .outerjoin(RoomPolicy, RoomPolicy.room_id == Booking.room_id)
        .where(Booking.status.in_(HOLDING), Booking.start_at < bindparam("end_at"),
               Booking.start_at > bindparam("earliest"), Booking.end_at > bindparam("start_at"))
        .order_by(Booking.start_at, Booking.room_id)
    )
    return query.where(Booking.room_id == bindparam("room_id")) if one_room else query


def _grid_closures_select(one_room: bool) -> Select:
    query = select(RoomClosure.room_id, RoomClosure.start_at, RoomClosure.end_at, RoomClosure.reason).where(
        RoomClosure.start_at < bindparam("end_at"), RoomClosure.end_at > bindparam("start_at")
    )
    if one_room:
        query = query.where(or_(RoomClosure.room_id.is_(None), RoomClosure.room_id == bindparam("room_id")))
    return query.order_by(RoomClosure.start_at)


_GRID_BOOKINGS = {one_room: _grid_bookings_select(one_room) for one_room in (False, True)}
_GRID_CLOSURES = {one_room: _grid_closures_select(one_room) for one_room in (False, True)}
_GRID_ROOMS = _meeting_rooms_select(Room.id, Room.name, Room.capacity, Building.name, Room.number)


def grid_bookings(start_at: datetime, end_at: datetime, *, room_id: int | None = None,
                  default_grace: int | None = DEFAULT_NO_SHOW_GRACE) -> list[GridBooking]:
    """Holding bookings overlapping the period, with when each is released as a no-show (one query)."""
    rows = db.session.connection().execute(_GRID_BOOKINGS[room_id is not None], {
        "start_at": start_at, "end_at": end_at, "earliest": start_at - LONGEST_BOOKING, "room_id": room_id})
    bookings = []
    for (id_, room, start, end, status, title, is_public, kind, requester_id, unit_id, checked_in_at,
         policy_room, policy_grace) in rows:
        grace = policy_grace if policy_room is not None else default_grace
        releasable = status is BookingStatus.APPROVED and checked_in_at is None and grace is not None
        bookings.append(GridBooking(
            id_, room, start, end, status, title, is_public and kind is not RoomKind.VIP_RECEPTION, requester_id,
            unit_id, start + timedelta(minutes=grace) if releasable else None, f"{_hhmm(start)}–{_hhmm(end)}",
        ))
    return bookings


def grid_closures(start_at: datetime, end_at: datetime, *, room_id: int | None = None) -> list[GridClosure]:
    """Closures of the room (or of every room when none is given) and of all rooms, overlapping the period."""
    rows = db.session.connection().execute(_GRID_CLOSURES[room_id is not None],
                                           {"start_at": start_at, "end_at": end_at, "room_id": room_id})
    return [GridClosure(*row) for row in rows]


def grid_rooms() -> tuple[GridRoom, ...]:
    """The meeting rooms in the order of :func:`meeting_rooms`, as the day grid and the week view name them:
    kept as facts (they do not depend on the day) while the buildings' data is unchanged."""

    def read() -> tuple[GridRoom, ...]:
        return tuple(GridRoom(id_, name, capacity, f"{building} {number}")
                     for id_, name, capacity, building, number in db.session.connection().execute(_GRID_ROOMS))

    return cached_facts(("building",), "rooms.grid-rooms", read)


def grid_room(room_id: int) -> GridRoom | None:
    """A meeting room by its id (None: no such meeting room), from :func:`grid_rooms`."""
    return next((room for room in grid_rooms() if room.id == room_id), None)


def day_grid_data(day: date, *, default_grace: int | None = DEFAULT_NO_SHOW_GRACE) -> GridData:
    start_at, end_at = day_bounds(day)
    return GridData(grid_rooms(), grid_bookings(start_at, end_at, default_grace=default_grace),
                    grid_closures(start_at, end_at), [day_info(day)])


@dataclass(frozen=True)
class GridRow:
    room: GridRoom
    cells: list


@dataclass(frozen=True)
class DayGrid:
    day: date
    info: DayInfo
    slots: list[datetime]
    rows: list[GridRow]

    @property
    def previous(self) -> date:
        return self.day - timedelta(days=1)

    @property
    def next(self) -> date:
        return self.day + timedelta(days=1)


def day_grid(day: date, data: GridData, *, now: datetime) -> DayGrid:
    """Every meeting room's half-hour row of ``day`` (``data``: :func:`day_grid_data`);
    due no-shows show as free."""
    bookings = [b for b in data.bookings if not b.released(now)]
    slots = day_slots(day)
    rows = [
        GridRow(room, _layout(day, [b for b in bookings if b.room_id == room.id],
                              [c for c in data.closures if c.room_id in (None, room.id)], now, slots))
        for room in data.rooms
    ]
    return DayGrid(day, data.days[0], slots, rows)


@dataclass(frozen=True)
class WeekDay:
    day: date
    info: DayInfo
    cells: list

    @property
    def mark(self) -> tuple[object, str] | None:
        """What the week view writes under the day, and its badge style: a
        holiday's name, 调休上班, 周末; nothing for an ordinary workday."""
        info = self.info
        if info.makeup_workday:
            return info.label, "info"
        if info.is_workday is False:
            if info.holiday or info.note:
                return info.label, "warn"
            return (_l("Weekend") if self.day.weekday() >= 5 else _l("Non-workday")), "muted"
        if info.is_workday is None:
            return _l("Calendar unknown"), "neutral"
        return None


@dataclass(frozen=True)
class WeekView:
    room: GridRoom
    monday: date
    slots: list[datetime]
    days: list[WeekDay]

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    @property
    def previous(self) -> date:
        return self.monday - timedelta(days=7)

    @property
    def next(self) -> date:
        return self.monday + timedelta(days=7)


def week_monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week_grid_data(room_id: int, monday: date, *, default_grace: int | None = DEFAULT_NO_SHOW_GRACE) -> GridData:
    start_at, end_at = day_bounds(monday)[0], day_bounds(monday + timedelta(days=6))[1]
    return GridData([], grid_bookings(start_at, end_at, room_id=room_id, default_grace=default_grace),
                    grid_closures(start_at, end_at, room_id=room_id), days_info(monday, monday + timedelta(days=6)))


def week_view(room: GridRoom, data: GridData, *, now: datetime) -> WeekView:
    """The room's week (Monday to Sunday; ``data``: :func:`week_grid_data`), each day
    marked with what the workday calendar says (weekend, holiday, make-up workday);
    due no-shows show as free."""
    monday = data.days[0].day
    bookings = [b for b in data.bookings if not b.released(now)]
    days = [WeekDay(info.day, info, _layout(info.day, bookings, data.closures, now)) for info in data.days]
    return WeekView(room, monday, day_slots(monday), days)


@dataclass(frozen=True)
class DoorSign:
    room: Room
    now: datetime
    current: Booking | None
    coming: list[Booking]
    later: Booking | None  # the next booking after today, when nothing more is on today
    closure: RoomClosure | None
    check_in_booking: Booking | None
    grace_minutes: int | None  # this room's no-show rule; None: meetings are not released
    book_now: list[int] = field(default_factory=list)  # minutes one may book at the door now (30, 60)

    def title(self, booking: Booking) -> str | None:
        return public_title(booking)


def door_sign(room: Room, *, now: datetime, default_grace: int | None = DEFAULT_NO_SHOW_GRACE) -> DoorSign:
    """What the door sign shows: the meeting now, the next ones today, the
    room's own no-show rule; a due no-show reads as released."""
    policy = policy_for(room, default_grace)
    released = {b.id for b in _release_candidates(now) if b.room_id == room.id and _grace_passed(b, policy, now)}
    end_at = day_bounds(now.astimezone(LOCAL_TZ).date())[1]
    today = bookings_between(now - timedelta(hours=14), end_at, room_id=room.id, released=released)
    current = next((b for b in today if b.start_at <= now < b.end_at), None)
    coming = [b for b in today if b.start_at > now][:3]
    later = None
    if not coming:
        later = next(iter(bookings_between(end_at, end_at + timedelta(days=14), room_id=room.id)), None)
    closure = next(iter(find_closures(room.id, now, now + timedelta(minutes=1))), None)
    check_in_booking = next((b for b in ([current] if current else []) + coming[:1] if can_check_in(b, now=now)), None)
    options = []
    if current is None:
        options = book_now_options(room, now=now, next_start=coming[0].start_at if coming else None,
                                   closed=closure is not None, policy=policy)
    return DoorSign(room, now, current, coming, later, closure, check_in_booking, policy.no_show_grace_minutes, options)


# ---------------------------------------------------------------- meeting arrangements (the property company's sheet)


def arrangements_sheet(day: date) -> list[Booking]:
    """The day's holding bookings, by time and room, with what the property company prepares."""
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


@dataclass(frozen=True)
class ArrangementLine:
    """One meeting on the property company's home panel: what, where, when, for how many."""

    start_at: datetime
    end_at: datetime
    room: str
    what: list[str]
    attendees: int


def announce_arrangements(day: date, *, now: datetime) -> int:
    """Tell the property company how many meetings with services ``day`` has
    (cron: the evening before and the morning of); returns the count."""
    count = sum(1 for b in arrangements_sheet(day) if b.has_arrangements)
    if count:
        notify.arrangements_day(day, count, now=now)
    return count


def arrangements_today(day: date) -> list[ArrangementLine]:
    from flask_babel import gettext as _

    lines = []
    for b in arrangements_sheet(day):
        if not b.has_arrangements:
            continue
        what = []
        if b.tea_count:
            what.append(_("Tea for %(num)s", num=b.tea_count))
        if b.needs_audio:
            what.append(_("Sound system"))
        if b.needs_projector:
            what.append(_("Projector"))
        if b.banner_text:
            what.append(_("Banner"))
        if b.name_card_list:
            what.append(_("Name cards"))
        if b.welcome_text:
            what.append(_("Welcome screen"))
        lines.append(ArrangementLine(b.start_at, b.end_at, f"{b.room.name}（{b.room.label}）", what, b.attendees))
    return lines


# ---------------------------------------------------------------- lists and the home panel


def bookings_of_query(user: User) -> Select:
    return (
        select(Booking)
        .where(Booking.requester_id == user.id, Booking.change_of_id.is_(None))
        .options(joinedload(Booking.room).joinedload(Room.floor).joinedload(Floor.building))
        .order_by(Booking.start_at.desc())
    )


def upcoming_for(user: User, *, now: datetime, limit: int = 8) -> list[Booking]:
    query = (
        select(Booking)
        .where(Booking.requester_id == user.id, Booking.change_of_id.is_(None), Booking.end_at > now)
        .options(joinedload(Booking.room).joinedload(Room.floor).joinedload(Floor.building))
        .order_by(Booking.start_at)
        .limit(limit)
    )
    return list(db.session.scalars(query).unique())


# ---------------------------------------------------------------- a person's own calendar feed

FEED_DAYS_BACK, FEED_DAYS_AHEAD = 30, 366
FEED_TOKEN_LENGTH = 43  # secrets.token_urlsafe(32)


def calendar_feed_of(user: User) -> CalendarFeed | None:
    return db.session.get(CalendarFeed, user.id)


def renew_calendar_feed(user: User, *, actor: User, now: datetime) -> CalendarFeed:
    """Give ``user`` a feed link, or a new one: the old link stops working at once. The caller commits."""
    feed = db.session.get(CalendarFeed, user.id)
    renewed = feed is not None
    if feed is None:
        feed = CalendarFeed(user_id=user.id)
        db.session.add(feed)
    feed.token, feed.created_at = secrets.token_urlsafe(32), now
    audit.record(actor, "calendar_feed.renew" if renewed else "calendar_feed.create", object_type="calendar_feed",
                 object_id=user.id, summary=user.display_name)  # never the token
    return feed


def feed_owner(token: str) -> User | None:
    """The active user whose feed link carries ``token`` (None: no such link)."""
    if not token or len(token) != FEED_TOKEN_LENGTH:
        return None
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.token == token).options(joinedload(CalendarFeed.user)))
    if feed is None or not secrets.compare_digest(feed.token, token) or not feed.user.active:
        return None
    return feed.user


def feed_bookings(user: User, *, now: datetime) -> list[Booking]:
    """The meetings ``user`` booked that still take place, from a month back to a year ahead."""
    return list(db.session.scalars(
        select(Booking)
        .where(Booking.requester_id == user.id, Booking.status.in_(HOLDING),
               Booking.start_at >= now - timedelta(days=FEED_DAYS_BACK),
               Booking.start_at < now + timedelta(days=FEED_DAYS_AHEAD))
        .options(joinedload(Booking.room).joinedload(Room.floor).joinedload(Floor.building))
        .order_by(Booking.start_at)
    ).unique())


@dataclass(frozen=True)
class HomePanel:
    upcoming: list[Booking] = field(default_factory=list)
    decided: list[Booking] = field(default_factory=list)
    pending_count: int | None = None
    arrangements: list[ArrangementLine] | None = None  # the property company's (and admins') day
    books: bool = False  # may request rooms


def home_panel(user: User, *, now: datetime) -> HomePanel | None:
    books = user.has_role(*BOOKERS)
    arranges = user.has_role(Role.PROPERTY)
    if not (books or arranges):
        return None
    arrangements = arrangements_today(now.astimezone(LOCAL_TZ).date()) if arranges else None
    if not books:
        return HomePanel(arrangements=arrangements)
    upcoming = upcoming_for(user, now=now, limit=6)
    decided = list(
        db.session.scalars(
            select(Booking)
            .where(
                Booking.requester_id == user.id,
                Booking.updated_at >= now - timedelta(days=7),
                Booking.status.in_((BookingStatus.REJECTED, BookingStatus.CANCELLED, BookingStatus.RELEASED)),
            )
            .options(joinedload(Booking.room).joinedload(Room.floor).joinedload(Floor.building))
            .order_by(Booking.updated_at.desc())
            .limit(5)
        ).unique()
    )
    decided = [b for b in decided if b not in upcoming]
    pending_count = None
    if user.has_role(Role.LOGISTICS_ADMIN, Role.SYSADMIN):
        pending_count = db.session.scalar(select(func.count()).select_from(Booking).where(Booking.status.in_(AWAITING)))
    return HomePanel(upcoming, decided, pending_count, arrangements, books=True)


def pending_query(now: datetime) -> Select:
    """Requests and changes waiting for a decision, soonest first; one whose meeting is over needs none."""
    return (
        select(Booking)
        .where(Booking.status.in_(AWAITING), Booking.end_at > now)
        .options(
            joinedload(Booking.change_of).joinedload(Booking.room).joinedload(Room.floor).joinedload(Floor.building),
            joinedload(Booking.room).joinedload(Room.floor).joinedload(Floor.building),
            joinedload(Booking.unit),
            joinedload(Booking.requester),
            selectinload(Booking.series),
        )
        .order_by(Booking.start_at)
    )
