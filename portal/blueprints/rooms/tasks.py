"""Meeting services as tasks for the property company (issue 18): every item of
a meeting's arrangements (tea for N, sound system, projector, banner, name
cards, welcome screen) has a state (to prepare / ready / done) and may be
assigned to a member of the property company's staff.

A task row exists once somebody touched the item (no row: to prepare, nobody
assigned), so meetings booked before tasks existed need no back-fill. When the
property company prints (or downloads) a day's sheet it says so; a meeting
booked or changed after that carries the "changed after printing" mark, and a
change sends its items back to "to prepare" (``services._arrangements_touched``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select

from portal import audit
from portal.blueprints.rooms import notify
from portal.blueprints.rooms.models import (
    ArrangementItem,
    ArrangementPrint,
    ArrangementTask,
    Booking,
    TaskState,
)
from portal.blueprints.rooms.services import ARRANGERS, arrangement_items, arrangements_sheet
from portal.db import db
from portal.i18n import lazy_gettext as _l
from portal.models import Role, User, UserRole
from portal.rules import RuleViolation

TASK_FIELDS = ("booking_id", "item", "state", "assignee_id")


@dataclass(frozen=True)
class TaskLine:
    booking: Booking
    item: ArrangementItem
    detail: str
    state: TaskState
    assignee: User | None


@dataclass(frozen=True)
class MeetingTasks:
    booking: Booking
    lines: list[TaskLine]
    changed_after_print: bool


@dataclass(frozen=True)
class TaskList:
    day: date
    meetings: list[MeetingTasks]
    printed_at: datetime | None
    staff: list[User]  # whom tasks can be assigned to
    counts: dict[TaskState, int] = field(default_factory=dict)

    @property
    def open_count(self) -> int:
        return sum(n for state, n in self.counts.items() if state is not TaskState.DONE)


def property_staff() -> list[User]:
    """Active members of the property company: tasks are assigned to them."""
    return list(db.session.scalars(
        select(User).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.PROPERTY, User.active.is_(True))
        .order_by(User.display_name)
    ).unique())


def last_print(day: date) -> ArrangementPrint | None:
    return db.session.get(ArrangementPrint, day)


def changed_after(booking: Booking, printed: ArrangementPrint | None) -> bool:
    """Booked or changed after the day's sheet was printed."""
    if printed is None:
        return False
    moment = printed.printed_at
    return booking.created_at > moment or (booking.arrangements_changed_at is not None
                                           and booking.arrangements_changed_at > moment)


def task_list(day: date, *, assignee: User | None = None) -> TaskList:
    """The day's meetings with services and the state of each item; with
    ``assignee``, only the items assigned to them."""
    bookings = [b for b in arrangements_sheet(day) if b.has_arrangements]
    rows: dict[tuple[int, ArrangementItem], ArrangementTask] = {}
    if bookings:
        for task in db.session.scalars(
            select(ArrangementTask).where(ArrangementTask.booking_id.in_([b.id for b in bookings]))
        ):
            rows[(task.booking_id, task.item)] = task
    printed = last_print(day)
    counts = dict.fromkeys(TaskState, 0)
    meetings = []
    for booking in bookings:
        lines = []
        for item, detail in arrangement_items(booking).items():
            task = rows.get((booking.id, item))
            if assignee is not None and (task is None or task.assignee_id != assignee.id):
                continue
            state = task.state if task else TaskState.TO_PREPARE
            counts[state] += 1
            lines.append(TaskLine(booking, item, detail, state, task.assignee if task else None))
        if lines:
            meetings.append(MeetingTasks(booking, lines, changed_after(booking, printed)))
    return TaskList(day, meetings, printed.printed_at if printed else None, property_staff(), counts)


@dataclass(frozen=True)
class TaskUpdate:
    """What the task form sends: a state and whom it is assigned to (None: nobody)."""

    state: TaskState
    assignee_id: int | None


def update_task(booking: Booking, item: ArrangementItem, update: TaskUpdate, *, actor: User,
                now: datetime) -> ArrangementTask:
    """Set the state and the assignee of one item of ``booking``'s arrangements."""
    if not actor.has_role(*ARRANGERS):
        raise RuleViolation(_l("Only the property company and the logistics center handle meeting services."),
                            status=403)
    if not booking.holds_room:
        raise RuleViolation(_l("This meeting no longer takes place."))
    if item not in arrangement_items(booking):
        raise RuleViolation(_l("This meeting does not ask for that service (any more)."))
    if update.assignee_id is not None and update.assignee_id not in {u.id for u in property_staff()}:
        raise RuleViolation(_l("Assign the task to a member of the property company's staff."), field="assignee_id")
    task = db.session.scalar(
        select(ArrangementTask).where(ArrangementTask.booking_id == booking.id, ArrangementTask.item == item)
    )
    before = audit.snapshot(task, TASK_FIELDS) if task else None
    if task is None:
        task = ArrangementTask(booking=booking, item=item, state=TaskState.TO_PREPARE)
        db.session.add(task)
    newly_assigned = update.assignee_id is not None and update.assignee_id != task.assignee_id
    task.state, task.assignee_id = update.state, update.assignee_id
    task.updated_at, task.updated_by_id = now, actor.id
    db.session.flush()
    audit.record(actor, "arrangement_task.update", task, before=before, after=audit.snapshot(task, TASK_FIELDS),
                 summary=f"{notify.room_of(booking)} {notify.when(booking)} {item.value}")
    if newly_assigned:
        notify.task_assigned(booking, str(item.label), assignee_id=update.assignee_id, actor=actor, now=now)
    return task


def mark_printed(day: date, *, actor: User, now: datetime) -> ArrangementPrint:
    """The property company printed the day's sheet: later changes get the mark."""
    if not actor.has_role(*ARRANGERS):
        raise RuleViolation(_l("Only the property company and the logistics center handle meeting services."),
                            status=403)
    printed = last_print(day)
    if printed is None:
        printed = ArrangementPrint(day=day, printed_at=now, printed_by_id=actor.id)
        db.session.add(printed)
    else:
        printed.printed_at, printed.printed_by_id = now, actor.id
    db.session.flush()
    audit.record(actor, "arrangement_sheet.print", object_type="arrangement_print", object_id=day.isoformat(),
                 summary=day.isoformat())
    return printed
