"""The office-space ledger (办公用房台账): the standard by rank, the dated record
of each room's allocation, who sits where (dated), approved exceptions, the
yearly publication (公示) and the hand-backs the reminder has noticed.

Everything is dated so the ledger can be shown as of any day: a room's
allocation is the latest ``OfficeRoomEntry`` whose ``valid_from`` is on or
before that day; a seat is held from ``start_date`` up to the day before
``end_date`` (``end_date`` is the day the room was handed back).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal import timeutil
from portal.cache import watch
from portal.db import AwareDateTime, ScaledDecimal, db, enum_column
from portal.i18n import lazy_gettext as _l
from portal.labels import LabelledEnum
from portal.models import Room, Unit, User


class RoomUse(LabelledEnum):
    """What a unit uses a room for: offices count against the standard, service rooms apart."""

    OFFICE = "office", _l("Office"), "info"
    ARCHIVES = "archives", _l("Archives room"), "neutral"
    EQUIPMENT = "equipment", _l("Equipment room"), "neutral"
    MEETING = "meeting", _l("Unit meeting room"), "neutral"
    SERVICE = "service", _l("Other service room"), "neutral"
    VACANT = "vacant", _l("Vacant, for reallocation"), "warn"


class OfficeStandard(db.Model):
    """One row of the standard: the office area one person of this rank may use."""

    __tablename__ = "office_standard"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    area_m2: Mapped[Decimal] = mapped_column(ScaledDecimal(2))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    def __repr__(self) -> str:
        return f"<OfficeStandard {self.name} {self.area_m2}>"


class OfficeRoomEntry(db.Model):
    """A room's allocation from ``valid_from`` on: unit, use and use area (使用面积)."""

    __tablename__ = "office_room_entry"
    __table_args__ = (UniqueConstraint("room_id", "valid_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id", ondelete="CASCADE"), index=True)
    valid_from: Mapped[date] = mapped_column(Date)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="SET NULL"), index=True)
    use: Mapped[RoomUse] = mapped_column(enum_column(RoomUse), default=RoomUse.OFFICE)
    area_m2: Mapped[Decimal] = mapped_column(ScaledDecimal(2))
    note: Mapped[str] = mapped_column(String(200), default="")
    recorded_at: Mapped[datetime] = mapped_column(AwareDateTime, default=timeutil.now)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    room: Mapped[Room] = relationship()
    unit: Mapped[Unit | None] = relationship()
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])


class OfficeSeat(db.Model):
    """A person's place in an office, with the rank the standard counts them at."""

    __tablename__ = "office_seat"
    __table_args__ = (Index("ix_office_seat_user_dates", "user_id", "start_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    standard_id: Mapped[int] = mapped_column(ForeignKey("office_standard.id", ondelete="RESTRICT"))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    end_reason: Mapped[str] = mapped_column(String(200), default="")
    # set by the hand-back reminder the first day it sees the person gone from the unit (or retired)
    flagged_on: Mapped[date | None] = mapped_column(Date)

    room: Mapped[Room] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    standard: Mapped[OfficeStandard] = relationship()

    def holds_on(self, day: date) -> bool:
        return self.start_date <= day and (self.end_date is None or day < self.end_date)


class OfficeException(db.Model):
    """An approved exception: the room may exceed the standard (e.g. a shared reception desk)."""

    __tablename__ = "office_exception"

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    approved_by: Mapped[str] = mapped_column(String(120))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(AwareDateTime, default=timeutil.now)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    room: Mapped[Room] = relationship()

    def holds_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class OfficePublication(db.Model):
    """The yearly internal publication (公示): the ledger as of a day, frozen when published."""

    __tablename__ = "office_publication"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, unique=True)
    as_of: Mapped[date] = mapped_column(Date)
    published_at: Mapped[datetime] = mapped_column(AwareDateTime, default=timeutil.now)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # one dict per room: unit, room, use, area, occupants (name and position), allowance, over
    rows: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    published_by: Mapped[User | None] = relationship()


class OfficeStockTake(db.Model):
    """A stock-take (清查盘点): logistics walks the rooms floor by floor and notes what differs from the ledger."""

    __tablename__ = "office_stock_take"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(200), default="")
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    closed_at: Mapped[datetime | None] = mapped_column(AwareDateTime)

    lines: Mapped[list[OfficeStockTakeLine]] = relationship(back_populates="stock_take", cascade="all, delete-orphan")


class OfficeStockTakeLine(db.Model):
    """What was found in one room: the measured use area (if measured), the people working there."""

    __tablename__ = "office_stock_take_line"
    __table_args__ = (UniqueConstraint("stock_take_id", "room_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    stock_take_id: Mapped[int] = mapped_column(ForeignKey("office_stock_take.id", ondelete="CASCADE"), index=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id", ondelete="CASCADE"))
    found_area: Mapped[Decimal | None] = mapped_column(ScaledDecimal(2))
    found_people: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str] = mapped_column(String(200), default="")
    differs: Mapped[bool] = mapped_column(db.Boolean, default=False)
    recorded_at: Mapped[datetime] = mapped_column(AwareDateTime, default=timeutil.now)

    stock_take: Mapped[OfficeStockTake] = relationship(back_populates="lines")
    room: Mapped[Room] = relationship()


# The ledger's and the publications' pages are kept per data version of this area (see views.LEDGER_DATA).
watch("offices", OfficeStandard, OfficeRoomEntry, OfficeSeat, OfficeException, OfficePublication, OfficeStockTake,
      OfficeStockTakeLine)
