"""Repair requests (报修) and their history."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal import timeutil
from portal.cache import watch
from portal.db import AwareDateTime, Money, db, enum_column
from portal.i18n import lazy_gettext as _l
from portal.labels import LabelledEnum
from portal.models import Floor, Room, User


class Category(LabelledEnum):
    WATER = "water", _l("Water")
    ELECTRIC = "electric", _l("Electricity")
    AIR_CONDITIONING = "air_conditioning", _l("Air conditioning")
    NETWORK = "network", _l("Network")
    DOOR_WINDOW = "door_window", _l("Doors & windows")
    ELEVATOR = "elevator", _l("Elevator")
    OTHER = "other", _l("Other")


class Urgency(LabelledEnum):
    """How soon it must be fixed; the queue serves ``URGENT`` first."""

    URGENT = "urgent", _l("Urgent"), "danger"
    NORMAL = "normal", _l("Normal"), "warn"
    LOW = "low", _l("Can wait"), "neutral"


class Status(LabelledEnum):
    SUBMITTED = "submitted", _l("Submitted"), "danger"
    ACCEPTED = "accepted", _l("Accepted"), "warn"
    IN_PROGRESS = "in_progress", _l("In progress"), "warn"
    ON_HOLD = "on_hold", _l("On hold"), "muted"
    DONE = "done", _l("Done, awaiting confirmation"), "info"
    CONFIRMED = "confirmed", _l("Confirmed"), "ok"


class Action(LabelledEnum):
    """What happened to a request: the report itself, then the moves in ``services.TRANSITIONS``."""

    REPORT = "report", _l("Fault reported")
    ACCEPT = "accept", _l("Accepted")
    START = "start", _l("Work started")
    HOLD = "hold", _l("Put on hold")
    RESUME = "resume", _l("Work resumed")
    FINISH = "finish", _l("Marked done")
    CONFIRM = "confirm", _l("Confirmed by the reporter")
    REOPEN = "reopen", _l("Reopened by the reporter")
    CORRECT_COST = "correct_cost", _l("Cost corrected")


class HoldReason(LabelledEnum):
    """Why the work stopped (stored as the code; shown in the reader's language)."""

    PARTS = "parts", _l("Waiting for parts")
    CONTRACTOR = "contractor", _l("Needs a specialist contractor")
    CANNOT_FIX = "cannot_fix", _l("Cannot be fixed; needs replacing")
    ACCESS = "access", _l("Cannot get into the room")
    OTHER = "other", _l("Other reason")


# Still waiting for the property company: what the queue shows.
OPEN_STATUSES = (Status.SUBMITTED, Status.ACCEPTED, Status.IN_PROGRESS, Status.ON_HOLD)


class RepairRequest(db.Model):
    """One fault report and the work on it.

    The place is a floor, optionally a room on it, plus free text for spots
    that are not rooms ("男卫生间"). Each time the work is finished is a
    :class:`RepairVisit` with its own costs; ``parts_cost`` and ``labour_cost``
    here are the sums over the visits (kept by ``services``), so a reopened
    repair keeps what its first visit cost. ``resolution`` is the latest
    visit's. ``hold_reason`` says why the work is on hold.
    """

    __tablename__ = "repair_request"
    __table_args__ = (Index("ix_repair_request_status_reported_at", "status", "reported_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"), index=True)
    floor_id: Mapped[int] = mapped_column(ForeignKey("floor.id", ondelete="RESTRICT"), index=True)
    room_id: Mapped[int | None] = mapped_column(ForeignKey("room.id", ondelete="RESTRICT"), index=True)
    spot: Mapped[str] = mapped_column(String(80), default="")
    category: Mapped[Category] = mapped_column(enum_column(Category))
    urgency: Mapped[Urgency] = mapped_column(enum_column(Urgency), default=Urgency.NORMAL)
    description: Mapped[str] = mapped_column(Text)
    contact: Mapped[str] = mapped_column(String(30), default="")
    status: Mapped[Status] = mapped_column(enum_column(Status), default=Status.SUBMITTED)

    reported_at: Mapped[datetime] = mapped_column(AwareDateTime, default=timeutil.now, index=True)
    accepted_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    started_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    done_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    hold_reason: Mapped[HoldReason | None] = mapped_column(enum_column(HoldReason))

    resolution: Mapped[str] = mapped_column(Text, default="")
    parts_cost: Mapped[Decimal | None] = mapped_column(Money())
    labour_cost: Mapped[Decimal | None] = mapped_column(Money())

    reporter: Mapped[User] = relationship(foreign_keys=[reporter_id])
    handler: Mapped[User | None] = relationship(foreign_keys=[handler_id])
    floor: Mapped[Floor] = relationship()
    room: Mapped[Room | None] = relationship()
    events: Mapped[list[RepairEvent]] = relationship(
        back_populates="request", order_by="RepairEvent.id", cascade="all, delete-orphan"
    )
    visits: Mapped[list[RepairVisit]] = relationship(
        back_populates="request", order_by="RepairVisit.number", cascade="all, delete-orphan"
    )

    @property
    def total_cost(self) -> Decimal | None:
        if self.parts_cost is None and self.labour_cost is None:
            return None
        return (self.parts_cost or Decimal("0.00")) + (self.labour_cost or Decimal("0.00"))

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def location_label(self) -> str:
        """主楼 3楼 305 · 东侧窗户"""
        parts = [self.floor.building.name, self.floor.display_label]
        if self.room is not None:
            parts.append(self.room.number + (f" {self.room.name}" if self.room.name else ""))
        label = " ".join(parts)
        return f"{label} · {self.spot}" if self.spot else label

    def __repr__(self) -> str:
        return f"<RepairRequest {self.id} {self.status}>"


class RepairVisit(db.Model):
    """One round of work that ended with "done": what was done and what it cost.

    A reopened repair gets a second visit; the first keeps its costs.
    """

    __tablename__ = "repair_visit"
    __table_args__ = (UniqueConstraint("request_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("repair_request.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, … in the order the work was finished
    finished_at: Mapped[datetime] = mapped_column(AwareDateTime)
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    resolution: Mapped[str] = mapped_column(Text, default="")
    parts_cost: Mapped[Decimal] = mapped_column(Money())
    labour_cost: Mapped[Decimal] = mapped_column(Money())

    request: Mapped[RepairRequest] = relationship(back_populates="visits")
    handler: Mapped[User | None] = relationship()

    @property
    def total_cost(self) -> Decimal:
        return self.parts_cost + self.labour_cost


class RepairEvent(db.Model):
    """One step in a request's life, shown to the reporter as its timeline.

    ``note`` is what the person typed; ``details`` holds codes and values
    (a hold reason, the old and new cost), worded in the reader's language
    when shown.
    """

    __tablename__ = "repair_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("repair_request.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(AwareDateTime, default=timeutil.now)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    action: Mapped[Action] = mapped_column(enum_column(Action))
    from_status: Mapped[Status | None] = mapped_column(enum_column(Status))
    to_status: Mapped[Status] = mapped_column(enum_column(Status))
    note: Mapped[str] = mapped_column(String(500), default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)

    request: Mapped[RepairRequest] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


# The queue's drawings are kept per data version of this area (see views.QUEUE_DATA).
watch("repairs", RepairRequest, RepairVisit, RepairEvent)
