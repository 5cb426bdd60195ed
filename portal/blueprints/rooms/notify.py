"""What meeting rooms tell people: the event kinds (registered at import) and
the emitting helpers the services call inside their transaction.

Messages name the room and the time, never the meeting's title (it may not be
public, and group robots pass messages on) and never an ID number. Approval
to-dos go to the logistics center, one per request, keyed by the booking, and
leave everybody's list when anyone decides (or the request is cancelled).
Changes to today's and tomorrow's meeting arrangements go to the property
company: its sheet for those days may already be printed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta

from sqlalchemy import select

from portal import events
from portal.blueprints.rooms.models import Booking
from portal.db import db
from portal.i18n import lazy_gettext as _l
from portal.models import Role, User, UserRole
from portal.timeutil import LOCAL_TZ

REQUEST = "rooms.request"
APPROVED = "rooms.approved"
SERIES_APPROVED = "rooms.series_approved"
REJECTED = "rooms.rejected"
SERIES_REJECTED = "rooms.series_rejected"
SERIES_PARTLY_REFUSED = "rooms.series_partly_refused"
RELEASED = "rooms.released"
CANCELLED = "rooms.cancelled"
CLOSED = "rooms.closed"
ARRANGEMENTS_ADDED = "rooms.arrangements_added"
ARRANGEMENTS_REMOVED = "rooms.arrangements_removed"
ARRANGEMENTS_DAY = "rooms.arrangements_day"
ENDED_EARLY = "rooms.ended_early"
CHANGED = "rooms.changed"
ARRANGEMENTS_CHANGED = "rooms.arrangements_changed"
TASK_ASSIGNED = "rooms.task_assigned"
TASK_CHANGED = "rooms.task_changed"
CHANGE_REQUEST = "rooms.change_request"
CHANGE_APPROVED = "rooms.change_approved"
CHANGE_REJECTED = "rooms.change_rejected"

events.register(
    events.EventKind(
        code=REQUEST, todo=True,
        label=_l("Meeting-room requests waiting for approval"),
        subject=_l("Approve or reject: %(room)s, %(when)s"),
        body=_l("Requested by %(requester)s (%(unit)s) for %(attendees)s attendees."),
    ),
    events.EventKind(
        code=APPROVED,
        label=_l("My meeting-room requests approved"),
        subject=_l("Approved: %(room)s, %(when)s"),
        body=_l("Your meeting-room request is approved."),
    ),
    events.EventKind(
        code=SERIES_APPROVED,
        label=_l("My meeting-room series approved"),
        subject=_l("Approved: %(count)s meetings in %(room)s from %(when)s"),
        body=_l("The meetings of your series from %(first)s to %(last)s are approved."),
    ),
    events.EventKind(
        code=REJECTED,
        label=_l("My meeting-room requests rejected"),
        subject=_l("Rejected: %(room)s, %(when)s"),
        body=_l("Reason: %(reason)s"),
    ),
    events.EventKind(
        code=SERIES_REJECTED,
        label=_l("My meeting-room series rejected"),
        subject=_l("Rejected: %(count)s meetings in %(room)s from %(when)s"),
        body=_l("Reason: %(reason)s"),
    ),
    events.EventKind(
        code=SERIES_PARTLY_REFUSED,
        label=_l("Meetings of my series refused"),
        subject=_l("%(count)s meetings of your series in %(room)s were refused"),
        body=_l("Refused: %(dates)s. The other meetings of the series stand. Reason: %(reason)s"),
    ),
    events.EventKind(
        code=RELEASED,
        label=_l("My meetings released as no-shows"),
        subject=_l("Released: %(room)s, %(when)s"),
        body=_l("Nobody checked in within %(grace)s minutes of the start, so the room was freed for others."),
    ),
    events.EventKind(
        code=CANCELLED,
        label=_l("My bookings cancelled by the logistics center"),
        subject=_l("Cancelled by the logistics center: %(room)s, %(when)s"),
        body=_l("%(count)s meeting(s) cancelled by %(by)s."),
    ),
    events.EventKind(
        code=CLOSED,
        label=_l("My bookings cancelled by a room closure"),
        subject=_l("Cancelled, the room is closed: %(room)s, %(when)s"),
        body=_l("Room closed: %(reason)s"),
    ),
    events.EventKind(
        code=ARRANGEMENTS_ADDED,
        label=_l("Meeting services added for today or tomorrow"),
        subject=_l("Meeting services added: %(room)s, %(when)s"),
        body=_l("A meeting with services was booked after the sheet for %(day)s may have been printed."),
    ),
    events.EventKind(
        code=ARRANGEMENTS_REMOVED,
        label=_l("Meeting services called off for today or tomorrow"),
        subject=_l("Meeting services called off: %(room)s, %(when)s"),
        body=_l("The meeting no longer takes place; nothing needs preparing for it."),
    ),
    events.EventKind(
        code=ARRANGEMENTS_DAY,
        label=_l("The day's meeting services"),
        subject=_l("Meeting services for %(day)s: %(count)s meeting(s)"),
        body=_l("Open the sheet to print it for the service staff."),
    ),
    events.EventKind(
        code=ENDED_EARLY,
        label=_l("My meetings ended early by someone else"),
        subject=_l("Ended early: %(room)s, now %(when)s"),
        body=_l("%(by)s ended the meeting; the rest of the slot is free for others."),
    ),
    events.EventKind(
        code=CHANGED,
        label=_l("My bookings changed by the logistics center"),
        subject=_l("Booking changed: %(room)s, %(when)s"),
        body=_l("%(by)s changed your booking (before: %(old_room)s, %(old_when)s)."),
    ),
    events.EventKind(
        code=ARRANGEMENTS_CHANGED,
        label=_l("Meeting services changed for today or tomorrow"),
        subject=_l("Meeting services changed: %(room)s, %(when)s"),
        body=_l("A meeting with services on %(day)s was changed after the sheet may have been printed."),
    ),
    events.EventKind(
        code=TASK_ASSIGNED,
        label=_l("Meeting services assigned to me"),
        subject=_l("Assigned to you: %(item)s, %(room)s, %(when)s"),
        body=_l("%(by)s assigned this meeting service to you."),
    ),
    events.EventKind(
        code=TASK_CHANGED,
        label=_l("Meeting services of mine changed"),
        subject=_l("Meeting changed, prepare again: %(room)s, %(when)s"),
        body=_l("The meeting or its services changed after you were assigned; check the task list."),
    ),
    events.EventKind(
        code=CHANGE_REQUEST, todo=True,
        label=_l("Changes of bookings waiting for approval"),
        subject=_l("Approve or reject a change: %(old_room)s, %(old_when)s → %(room)s, %(when)s"),
        body=_l("Requested by %(requester)s for %(attendees)s attendees. The booking keeps its time until the decision."),
    ),
    events.EventKind(
        code=CHANGE_APPROVED,
        label=_l("Changes of my bookings approved"),
        subject=_l("Change approved: %(room)s, %(when)s"),
        body=_l("Your booking moved here from %(old_room)s, %(old_when)s."),
    ),
    events.EventKind(
        code=CHANGE_REJECTED,
        label=_l("Changes of my bookings rejected"),
        subject=_l("Change rejected: %(room)s, %(when)s"),
        body=_l("Your booking stays as it was: %(old_room)s, %(old_when)s. Reason: %(reason)s"),
    ),
)


def when(booking: Booking) -> str:
    """``2026-12-03 09:00–10:00`` in the building's zone."""
    start, end = booking.start_at.astimezone(LOCAL_TZ), booking.end_at.astimezone(LOCAL_TZ)
    return f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}"


def day_of(booking: Booking) -> date:
    return booking.start_at.astimezone(LOCAL_TZ).date()


def room_of(booking: Booking) -> str:
    room = booking.room
    return f"{room.name}（{room.label}）" if room.name else room.label


def todo_key(booking: Booking) -> str:
    return f"rooms.booking:{booking.id}:decide"


def _holders_of(role: Role) -> list[int]:
    return list(db.session.scalars(
        select(User.id).join(UserRole, UserRole.user_id == User.id).where(UserRole.role == role, User.active.is_(True))
    ))


def _link(booking: Booking) -> dict:
    """The booking's page (a proposed change is shown on the page of the booking it changes)."""
    return {"endpoint": "rooms.booking", "values": {"booking_id": booking.change_of_id or booking.id}}


def request_pending(bookings: Iterable[Booking], *, requester: User, now: datetime) -> None:
    """One to-do per pending request, to the logistics center."""
    pending = list(bookings)
    if not pending:
        return
    approvers = _holders_of(Role.LOGISTICS_ADMIN)
    organizer = pending[0].unit
    unit = (organizer.short_name or organizer.name) if organizer else ""
    for booking in pending:
        events.emit(REQUEST, recipients=approvers, now=now, todo_key=todo_key(booking), **_link(booking),
                    args={"room": room_of(booking), "when": when(booking), "requester": requester.display_name,
                          "unit": unit, "attendees": booking.attendees})


def decided(booking: Booking, *, now: datetime) -> None:
    """The request is no longer waiting (decided, cancelled, closed): its to-do is done."""
    events.resolve(todo_key(booking), now=now)


def approved(group: Sequence[Booking], *, now: datetime) -> None:
    """Approved requests of one requester and one series (or a single request)."""
    first = group[0]
    if len(group) == 1:
        events.emit(APPROVED, recipients=[first.requester_id], now=now, **_link(first),
                    args={"room": room_of(first), "when": when(first)})
        return
    events.emit(SERIES_APPROVED, recipients=[first.requester_id], now=now, **_link(first),
                args={"room": room_of(first), "when": when(first), "count": len(group),
                      "first": day_of(first).isoformat(), "last": day_of(group[-1]).isoformat()})


def rejected(group: Sequence[Booking], reason: str, *, series_stands: bool, now: datetime) -> None:
    """Rejected requests of one requester and one series; ``series_stands``: other meetings of the series remain."""
    first = group[0]
    if series_stands:
        events.emit(SERIES_PARTLY_REFUSED, recipients=[first.requester_id], now=now, **_link(first),
                    args={"room": room_of(first), "count": len(group), "reason": reason,
                          "dates": "、".join(day_of(b).isoformat() for b in group)})
    elif len(group) == 1:
        events.emit(REJECTED, recipients=[first.requester_id], now=now, **_link(first),
                    args={"room": room_of(first), "when": when(first), "reason": reason})
    else:
        events.emit(SERIES_REJECTED, recipients=[first.requester_id], now=now, **_link(first),
                    args={"room": room_of(first), "when": when(first), "count": len(group), "reason": reason})


def released(booking: Booking, *, grace: int | None, now: datetime) -> None:
    events.emit(RELEASED, recipients=[booking.requester_id], now=now, **_link(booking),
                args={"room": room_of(booking), "when": when(booking), "grace": grace})


def cancelled_by_admin(targets: Sequence[Booking], *, actor: User, now: datetime) -> None:
    """Bookings cancelled by someone other than their requester (one message per requester)."""
    first = targets[0]
    if first.requester_id is None or first.requester_id == actor.id:
        return
    events.emit(CANCELLED, recipients=[first.requester_id], now=now, **_link(first),
                args={"room": room_of(first), "when": when(first), "count": len(targets), "by": actor.display_name})


def closed(booking: Booking, reason: str, *, now: datetime) -> None:
    events.emit(CLOSED, recipients=[booking.requester_id], now=now, **_link(booking),
                args={"room": room_of(booking), "when": when(booking), "reason": reason})


def _soon(booking: Booking, now: datetime) -> bool:
    """Today's or tomorrow's meeting: its sheet may be printed already."""
    today = now.astimezone(LOCAL_TZ).date()
    return booking.has_arrangements and today <= day_of(booking) <= today + timedelta(days=1)


def arrangements_changed(code: str, bookings: Iterable[Booking], *, now: datetime) -> None:
    """Tell the property company of today's and tomorrow's meetings with services that came or went."""
    changed = [b for b in bookings if _soon(b, now)]
    if not changed:
        return
    staff = _holders_of(Role.PROPERTY)
    for booking in changed:
        day = day_of(booking).isoformat()
        events.emit(code, recipients=staff, now=now, endpoint="rooms.arrangements", values={"date": day},
                    args={"room": room_of(booking), "when": when(booking), "day": day})


def arrangements_day(day: date, count: int, *, now: datetime) -> None:
    events.emit(ARRANGEMENTS_DAY, recipients=_holders_of(Role.PROPERTY), now=now, endpoint="rooms.arrangements",
                values={"date": day.isoformat()}, args={"day": day.isoformat(), "count": count})


def ended_early(booking: Booking, *, actor: User, now: datetime) -> None:
    """The requester hears when someone else ended their meeting (``when`` carries the new end)."""
    if booking.requester_id is None or booking.requester_id == actor.id:
        return
    events.emit(ENDED_EARLY, recipients=[booking.requester_id], now=now, **_link(booking),
                args={"room": room_of(booking), "when": when(booking), "by": actor.display_name})


def changed(booking: Booking, *, old: tuple[str, str], actor: User, now: datetime) -> None:
    """The requester hears when someone else changed their booking (``old``: room and time before)."""
    if booking.requester_id is None or booking.requester_id == actor.id:
        return
    events.emit(CHANGED, recipients=[booking.requester_id], now=now, **_link(booking),
                args={"room": room_of(booking), "when": when(booking), "by": actor.display_name,
                      "old_room": old[0], "old_when": old[1]})


def arrangements_removed_from(booking: Booking, *, old: tuple[str, str], now: datetime) -> None:
    """A change took every service off a meeting of today or tomorrow (``old``: its room and time)."""
    today = now.astimezone(LOCAL_TZ).date()
    if not today <= day_of(booking) <= today + timedelta(days=1):
        return
    day = day_of(booking).isoformat()
    events.emit(ARRANGEMENTS_CHANGED, recipients=_holders_of(Role.PROPERTY), now=now, endpoint="rooms.arrangements",
                values={"date": day}, args={"room": old[0], "when": old[1], "day": day})


def _tasks_link(booking: Booking) -> dict:
    return {"endpoint": "rooms.tasks", "values": {"date": day_of(booking).isoformat()}}


def task_assigned(booking: Booking, item_label: str, *, assignee_id: int, actor: User, now: datetime) -> None:
    """The property company's staff member hears of a meeting service given to them (not when they took it)."""
    if assignee_id == actor.id:
        return
    events.emit(TASK_ASSIGNED, recipients=[assignee_id], now=now, **_tasks_link(booking),
                args={"item": item_label, "room": room_of(booking), "when": when(booking), "by": actor.display_name})


def task_changed(booking: Booking, *, recipients: Sequence[int], now: datetime) -> None:
    events.emit(TASK_CHANGED, recipients=recipients, now=now, **_tasks_link(booking),
                args={"room": room_of(booking), "when": when(booking)})


def _change_args(proposal: Booking, booking: Booking) -> dict:
    """The proposed room and time, and the booking's own (``old_``)."""
    return {"room": room_of(proposal), "when": when(proposal), "old_room": room_of(booking), "old_when": when(booking)}


def change_requested(proposal: Booking, booking: Booking, *, actor: User, now: datetime) -> None:
    """A change of an approved booking needs approval: a to-do for the logistics center, keyed by the proposal."""
    events.emit(CHANGE_REQUEST, recipients=_holders_of(Role.LOGISTICS_ADMIN), now=now, todo_key=todo_key(proposal),
                **_link(proposal), args={**_change_args(proposal, booking), "requester": actor.display_name,
                                         "attendees": proposal.attendees})


def change_approved(booking: Booking, *, old: tuple[str, str], now: datetime) -> None:
    """The requester hears that their booking moved (``old``: its room and time before)."""
    events.emit(CHANGE_APPROVED, recipients=[booking.requester_id], now=now, **_link(booking),
                args={"room": room_of(booking), "when": when(booking), "old_room": old[0], "old_when": old[1]})


def change_rejected(proposal: Booking, booking: Booking, reason: str, *, now: datetime) -> None:
    events.emit(CHANGE_REJECTED, recipients=[booking.requester_id], now=now, **_link(proposal),
                args={**_change_args(proposal, booking), "reason": reason})
