"""Meeting-room bookings: the booking itself, recurring series, per-room
policy and closures. Rooms are the core ``Room`` rows of kind meeting or
vip_reception."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    DDL,
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    func,
    text,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal import timeutil
from portal.cache import watch
from portal.db import AwareDateTime, db
from portal.i18n import lazy_gettext as _l
from portal.labels import LabelledEnum
from portal.models import Room, Unit, User


def _enum(cls: type[enum.Enum], length: int = 20):
    return db.Enum(cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e])


class BookingStatus(LabelledEnum):
    PENDING = "pending", _l("Pending"), "warn"
    APPROVED = "approved", _l("Approved"), "ok"
    REJECTED = "rejected", _l("Rejected"), "danger"
    CANCELLED = "cancelled", _l("Cancelled"), "muted"
    RELEASED = "released", _l("Released (no-show)"), "danger"  # not checked in within the grace time
    # A change of an approved booking waiting for approval: the row holds the proposed slot
    # (see ``Booking.change_of_id``) while the booking keeps its own.
    PROPOSED = "proposed", _l("Change waiting for approval"), "warn"


# Statuses that hold the room; nothing else may overlap them.
HOLDING = (BookingStatus.PENDING, BookingStatus.APPROVED)
# Statuses that keep other requests out of a slot: the holding ones and a proposed change.
BLOCKING = (*HOLDING, BookingStatus.PROPOSED)
# Waiting for the logistics center: a request, or a change of an approved booking.
AWAITING = (BookingStatus.PENDING, BookingStatus.PROPOSED)


class Recurrence(LabelledEnum):
    WEEKLY = "weekly", _l("Every week")
    BIWEEKLY = "biweekly", _l("Every two weeks")
    MONTHLY_NTH = "monthly_nth", _l("Monthly on the same weekday (e.g. 2nd Tuesday)")  # the n-th (or last) weekday


class Reason(LabelledEnum):
    """Why a booking waits for approval, or why the system cancelled it: stored
    as a code (and its arguments), shown in the reader's language."""

    VIP_ROOM = "vip_room", _l("The VIP reception room is approved by the logistics center.")
    ROOM_SETTING = "room_setting", _l("This room needs approval.")
    NON_WORKDAY = "non_workday", _l("Bookings on non-workdays need approval.")
    CALENDAR_UNKNOWN = "calendar_unknown", _l("The workday calendar does not know this date yet.")
    ROOM_CLOSED = "room_closed", _l("Room closed: %(reason)s")


class DateStatus(LabelledEnum):
    """What planning a series says of one of its dates."""

    FREE = "free", _l("Free"), "ok"
    NON_WORKDAY = "non_workday", _l("Non-workday (or not in the workday calendar): needs approval"), "warn"
    CONFLICT = "conflict", _l("Already booked"), "danger"
    CLOSED = "closed", _l("Room closed"), "danger"
    UNAVAILABLE = "unavailable", _l("Cannot be booked"), "danger"


def reason_text(code: str, args: dict[str, Any] | None = None) -> str:
    """A stored reason in the current language (an unknown code as it is)."""
    try:
        reason = Reason(code)
    except ValueError:
        return code
    message = str(reason.label)  # translated, not yet formatted
    try:
        return message % (args or {}) if args else message
    except (KeyError, TypeError, ValueError):
        return message


# What the word 已预订 stands for where a title may not be shown.
BOOKED = _l("Booked")


class RoomPolicy(db.Model):
    """Booking settings of one meeting room (absent row: the defaults)."""

    __tablename__ = "room_policy"

    room_id: Mapped[int] = mapped_column(ForeignKey("room.id", ondelete="CASCADE"), primary_key=True)
    requires_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    # Minutes after the start by which the meeting must be checked in; None: no-show release off.
    no_show_grace_minutes: Mapped[int | None] = mapped_column(Integer)  # no default: None must stay None
    # Who may request the room (the VIP reception room): role values and unit ids; both empty: all staff.
    allowed_roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    allowed_unit_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    second_approval: Mapped[bool] = mapped_column(Boolean, default=False)  # two people approve, one after the other
    reason_required: Mapped[bool] = mapped_column(Boolean, default=False)  # a request says why it needs the room

    room: Mapped[Room] = relationship()


class BookingSeries(db.Model):
    __tablename__ = "booking_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    rule: Mapped[Recurrence] = mapped_column(_enum(Recurrence))
    until: Mapped[date | None] = mapped_column(Date)
    count: Mapped[int | None] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(AwareDateTime, default=timeutil.now)
    # The series as planned: its first meeting's room and period (the rule repeats them).
    room_id: Mapped[int | None] = mapped_column(ForeignKey("room.id", ondelete="SET NULL"))
    start_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    end_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    # iCalendar SEQUENCE: raised by every change of one of its meetings, so calendar clients update the series.
    sequence: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    created_by: Mapped[User | None] = relationship()
    bookings: Mapped[list[Booking]] = relationship(back_populates="series", order_by="Booking.start_at")


class Booking(db.Model):
    __tablename__ = "booking"
    __table_args__ = (
        CheckConstraint("end_at > start_at", name="ends_after_start"),
        CheckConstraint("attendees > 0", name="attendees_positive"),
        Index("ix_booking_room_start", "room_id", "start_at"),
        Index("ix_booking_start", "start_at"),  # a day across all rooms (grid, display, no-shows)
        Index("ix_booking_requester_start", "requester_id", "start_at"),
        # Two holding bookings (or proposed changes) of one room never overlap, whatever the timing of
        # the requests; a proposed change may overlap only the booking it changes (the same slot key).
        postgresql.ExcludeConstraint(
            (text("room_id"), "="),
            (func.tstzrange(text("start_at"), text("end_at")), "&&"),
            (func.coalesce(text("change_of_id"), text("id")), "<>"),
            where=text("status IN ('pending', 'approved', 'proposed')"),
            using="gist",
            name="booking_no_overlap",
        ).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id", ondelete="RESTRICT"))
    # A proposed change (status ``proposed``) of an approved booking that needs approval: this row
    # carries the new room, time, attendees and arrangements and holds that slot against other
    # requests (the exclusion constraint covers it) until the decision; the booking keeps its own.
    change_of_id: Mapped[int | None] = mapped_column(ForeignKey("booking.id", ondelete="CASCADE"), unique=True)
    series_id: Mapped[int | None] = mapped_column(ForeignKey("booking_series.id", ondelete="SET NULL"), index=True)
    requester_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="SET NULL"))
    start_at: Mapped[datetime] = mapped_column(AwareDateTime)
    end_at: Mapped[datetime] = mapped_column(AwareDateTime)
    title: Mapped[str] = mapped_column(String(100))
    is_public: Mapped[bool] = mapped_column(Boolean, default=True)
    contact_name: Mapped[str] = mapped_column(String(40), default="")
    contact_phone: Mapped[str] = mapped_column(String(30), default="")
    attendees: Mapped[int] = mapped_column(Integer)
    status: Mapped[BookingStatus] = mapped_column(_enum(BookingStatus), default=BookingStatus.PENDING, index=True)
    # Why it needs approval: ``Reason`` codes (VIP room, room setting, non-workday); empty for auto-approved.
    approval_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The reason a person typed (a rejection); ``decision_code``/``decision_args`` when the system decided (a closure).
    decision_reason: Mapped[str] = mapped_column(String(300), default="")
    decision_code: Mapped[str | None] = mapped_column(String(30))
    decision_args: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    # Why the requester needs the room (required where the room's policy says so).
    request_reason: Mapped[str] = mapped_column(String(300), default="")
    # The first of two approvals, where the room needs two.
    first_approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    first_approved_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    checked_in_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    # Meeting arrangements prepared by the property company (tea, sound, banner …).
    tea_count: Mapped[int] = mapped_column(Integer, default=0)
    needs_audio: Mapped[bool] = mapped_column(Boolean, default=False)
    needs_projector: Mapped[bool] = mapped_column(Boolean, default=False)
    banner_text: Mapped[str] = mapped_column(String(200), default="")
    name_cards: Mapped[str] = mapped_column(Text, default="")  # one name per line
    welcome_text: Mapped[str] = mapped_column(String(200), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    # When a change last touched what the property company prepares (time, room or arrangements).
    arrangements_changed_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime, default=timeutil.now)
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime, default=timeutil.now, onupdate=timeutil.now)
    # iCalendar SEQUENCE: raised by every change of its time, room, title or status.
    sequence: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    room: Mapped[Room] = relationship()
    series: Mapped[BookingSeries | None] = relationship(back_populates="bookings")
    requester: Mapped[User | None] = relationship(foreign_keys=[requester_id])
    unit: Mapped[Unit | None] = relationship()
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    first_approved_by: Mapped[User | None] = relationship(foreign_keys=[first_approved_by_id])
    change_of: Mapped[Booking | None] = relationship(remote_side=[id], back_populates="pending_change")
    pending_change: Mapped[Booking | None] = relationship(back_populates="change_of", passive_deletes=True)

    @property
    def holds_room(self) -> bool:
        return self.status in HOLDING

    @property
    def approval_reason(self) -> str:
        """Why it waits, in the reader's language."""
        return "；".join(reason_text(code) for code in (self.approval_codes or ()))

    @property
    def decision_text(self) -> str:
        """Why it was rejected or cancelled, in the reader's language (a typed reason as typed)."""
        if self.decision_code:
            return reason_text(self.decision_code, self.decision_args)
        return self.decision_reason

    @property
    def has_arrangements(self) -> bool:
        return bool(
            self.tea_count or self.needs_audio or self.needs_projector or self.banner_text
            or self.name_cards.strip() or self.welcome_text
        )

    @property
    def name_card_list(self) -> list[str]:
        return [line.strip() for line in self.name_cards.splitlines() if line.strip()]

    def __repr__(self) -> str:
        return f"<Booking {self.id} room={self.room_id} {self.start_at:%Y-%m-%d %H:%M} {self.status}>"


# The exclusion constraint compares room ids with gist, which needs btree_gist.
event.listen(
    Booking.__table__,
    "before_create",
    DDL("CREATE EXTENSION IF NOT EXISTS btree_gist").execute_if(dialect="postgresql"),
)


class RoomClosure(db.Model):
    """A period in which a room (or, with no room, every meeting room) cannot be booked."""

    __tablename__ = "room_closure"
    __table_args__ = (CheckConstraint("end_at > start_at", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int | None] = mapped_column(ForeignKey("room.id", ondelete="CASCADE"), index=True)
    start_at: Mapped[datetime] = mapped_column(AwareDateTime, index=True)
    end_at: Mapped[datetime] = mapped_column(AwareDateTime)
    reason: Mapped[str] = mapped_column(String(200))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(AwareDateTime, default=timeutil.now)

    room: Mapped[Room | None] = relationship()
    created_by: Mapped[User | None] = relationship()


class ArrangementItem(LabelledEnum):
    """One thing the property company prepares for a meeting."""

    TEA = "tea", _l("Tea")
    AUDIO = "audio", _l("Sound system")
    PROJECTOR = "projector", _l("Projector")
    BANNER = "banner", _l("Banner")
    NAME_CARDS = "name_cards", _l("Name cards")
    WELCOME = "welcome", _l("Welcome screen")


class TaskState(LabelledEnum):
    TO_PREPARE = "to_prepare", _l("To prepare"), "warn"
    READY = "ready", _l("Ready"), "info"
    DONE = "done", _l("Finished"), "ok"


class ArrangementTask(db.Model):
    """The property company's state of one item of a booking's arrangements
    (absent row: to prepare, nobody assigned)."""

    __tablename__ = "arrangement_task"
    __table_args__ = (UniqueConstraint("booking_id", "item", name="uq_arrangement_task_item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("booking.id", ondelete="CASCADE"), index=True)
    item: Mapped[ArrangementItem] = mapped_column(_enum(ArrangementItem))
    state: Mapped[TaskState] = mapped_column(_enum(TaskState), default=TaskState.TO_PREPARE)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime, default=timeutil.now)

    booking: Mapped[Booking] = relationship()
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])


class ArrangementPrint(db.Model):
    """When the property company last printed (or downloaded to print) a day's sheet."""

    __tablename__ = "arrangement_print"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    printed_at: Mapped[datetime] = mapped_column(AwareDateTime)
    printed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))


class CalendarFeed(db.Model):
    """A person's own calendar feed: the secret token in its URL (like the
    visitors' invitation links: whoever has the link reads the feed, no login);
    renewing it makes the old link stop working."""

    __tablename__ = "calendar_feed"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime, default=timeutil.now)

    user: Mapped[User] = relationship()


# Pages cached by portal.cache show these models' data.
watch("rooms", RoomPolicy, BookingSeries, Booking, RoomClosure, ArrangementTask, ArrangementPrint)
