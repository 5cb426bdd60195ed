"""The service guide (办事指南): what the public can get done in the building."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal import timeutil
from portal.cache import watch
from portal.db import AwareDateTime, Money, db
from portal.models import Room, Unit


class GuideItem(db.Model):
    """One guide item (办事事项) a unit handles, as printed on its guide sheet."""

    __tablename__ = "guide_item"
    __table_args__ = (UniqueConstraint("unit_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    category: Mapped[str] = mapped_column(String(30), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"), index=True)
    # Where to go: a room (often the service hall) and, there, a window.
    room_id: Mapped[int | None] = mapped_column(ForeignKey("room.id", ondelete="SET NULL"), index=True)
    window: Mapped[str] = mapped_column(String(30), default="")
    materials: Mapped[list[str]] = mapped_column(JSON, default=list)
    steps: Mapped[list[str]] = mapped_column(JSON, default=list)
    hours: Mapped[str] = mapped_column(String(120), default="")  # empty: the unit's office hours
    # None: no fixed amount (see fee_note); 0: free of charge.
    fee: Mapped[Decimal | None] = mapped_column(Money())
    fee_note: Mapped[str] = mapped_column(String(200), default="")
    # Working days; 0 means done on the spot (即办件).
    legal_days: Mapped[int | None] = mapped_column(Integer)
    promised_days: Mapped[int | None] = mapped_column(Integer)
    phone: Mapped[str] = mapped_column(String(30), default="")  # empty: the unit's phone
    notes: Mapped[str] = mapped_column(Text, default="")
    # Other words people search with (社保卡 → 社会保障卡), separated by spaces or commas.
    keywords: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(AwareDateTime, default=timeutil.now)
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime, default=timeutil.now, onupdate=timeutil.now)

    unit: Mapped[Unit] = relationship()
    room: Mapped[Room | None] = relationship()

    @property
    def contact_phone(self) -> str:
        return self.phone or self.unit.phone

    @property
    def office_hours(self) -> str:
        return self.hours or self.unit.office_hours

    def __repr__(self) -> str:
        return f"<GuideItem {self.name}>"


watch("guide", GuideItem)
