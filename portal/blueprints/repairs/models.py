"""Repair requests (报修) and their history."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal import timeutil
from portal.db import AwareDateTime, Money, db
from portal.models import Floor, Room, User


class Category(enum.StrEnum):
    WATER = "water"
    ELECTRIC = "electric"
    AIR_CONDITIONING = "air_conditioning"
    NETWORK = "network"
    DOOR_WINDOW = "door_window"
    ELEVATOR = "elevator"
    OTHER = "other"


class Urgency(enum.StrEnum):
    """How soon it must be fixed; the queue serves ``URGENT`` first."""

    URGENT = "urgent"
    NORMAL = "normal"
    LOW = "low"


class Status(enum.StrEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CONFIRMED = "confirmed"


class Action(enum.StrEnum):
    """What happened to a request: the report itself, then the moves in ``services.TRANSITIONS``."""

    REPORT = "report"
    ACCEPT = "accept"
    START = "start"
    FINISH = "finish"
    CONFIRM = "confirm"
    REOPEN = "reopen"
    CORRECT_COST = "correct_cost"


CATEGORY_LABELS = {
    Category.WATER: _l("Water"),
    Category.ELECTRIC: _l("Electricity"),
    Category.AIR_CONDITIONING: _l("Air conditioning"),
    Category.NETWORK: _l("Network"),
    Category.DOOR_WINDOW: _l("Doors & windows"),
    Category.ELEVATOR: _l("Elevator"),
    Category.OTHER: _l("Other"),
}
URGENCY_LABELS = {
    Urgency.URGENT: _l("Urgent"),
    Urgency.NORMAL: _l("Normal"),
    Urgency.LOW: _l("Can wait"),
}
STATUS_LABELS = {
    Status.SUBMITTED: _l("Submitted"),
    Status.ACCEPTED: _l("Accepted"),
    Status.IN_PROGRESS: _l("In progress"),
    Status.DONE: _l("Done, awaiting confirmation"),
    Status.CONFIRMED: _l("Confirmed"),
}
ACTION_LABELS = {
    Action.REPORT: _l("Fault reported"),
    Action.ACCEPT: _l("Accepted"),
    Action.START: _l("Work started"),
    Action.FINISH: _l("Marked done"),
    Action.CONFIRM: _l("Confirmed by the reporter"),
    Action.REOPEN: _l("Reopened by the reporter"),
    Action.CORRECT_COST: _l("Cost corrected"),
}
# The moves as verbs, for "you can only … when …".
STEP_LABELS = {
    Action.ACCEPT: _l("accept it"),
    Action.START: _l("start the work"),
    Action.FINISH: _l("mark it done"),
    Action.CONFIRM: _l("confirm the repair"),
    Action.REOPEN: _l("reopen it"),
}

# Still waiting for the property company: what the queue shows.
OPEN_STATUSES = (Status.SUBMITTED, Status.ACCEPTED, Status.IN_PROGRESS)


def _enum(cls: type[enum.Enum], name: str):
    return db.Enum(cls, name=name, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])


class RepairRequest(db.Model):
    """One fault report and the work on it.

    The place is a floor, optionally a room on it, plus free text for spots
    that are not rooms ("男卫生间"). ``parts_cost`` and ``labour_cost`` are
    the totals for the repair, entered when the work is done.
    """

    __tablename__ = "repair_request"
    __table_args__ = (Index("ix_repair_request_status_reported_at", "status", "reported_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"), index=True)
    floor_id: Mapped[int] = mapped_column(ForeignKey("floor.id", ondelete="RESTRICT"), index=True)
    room_id: Mapped[int | None] = mapped_column(ForeignKey("room.id", ondelete="RESTRICT"), index=True)
    spot: Mapped[str] = mapped_column(String(80), default="")
    category: Mapped[Category] = mapped_column(_enum(Category, "repair_category"))
    urgency: Mapped[Urgency] = mapped_column(_enum(Urgency, "repair_urgency"), default=Urgency.NORMAL)
    description: Mapped[str] = mapped_column(Text)
    contact: Mapped[str] = mapped_column(String(30), default="")
    status: Mapped[Status] = mapped_column(_enum(Status, "repair_status"), default=Status.SUBMITTED)

    reported_at: Mapped[datetime] = mapped_column(AwareDateTime, default=timeutil.now, index=True)
    accepted_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    started_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    done_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)

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


class RepairEvent(db.Model):
    """One step in a request's life, shown to the reporter as its timeline."""

    __tablename__ = "repair_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("repair_request.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(AwareDateTime, default=timeutil.now)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    action: Mapped[Action] = mapped_column(_enum(Action, "repair_action"))
    from_status: Mapped[Status | None] = mapped_column(_enum(Status, "repair_status"))
    to_status: Mapped[Status] = mapped_column(_enum(Status, "repair_status"))
    note: Mapped[str] = mapped_column(String(500), default="")

    request: Mapped[RepairRequest] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()
