"""The building's rules (规章制度) and their versions."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal import timeutil
from portal.db import AwareDateTime, db
from portal.models import Unit, User


class Regulation(db.Model):
    __tablename__ = "regulation"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120), unique=True)
    summary: Mapped[str] = mapped_column(String(300), default="")
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(AwareDateTime, default=timeutil.now)

    unit: Mapped[Unit | None] = relationship()
    versions: Mapped[list[RegulationVersion]] = relationship(
        back_populates="regulation", order_by="RegulationVersion.number", cascade="all, delete-orphan"
    )

    def in_force(self, today: date) -> RegulationVersion | None:
        """The version in force on ``today``: the latest that has taken effect."""
        current = None
        for version in self.versions:
            if version.effective_from <= today:
                current = version
        return current

    def upcoming(self, today: date) -> RegulationVersion | None:
        return next((v for v in self.versions if v.effective_from > today), None)


class RegulationVersion(db.Model):
    """One wording of a rule, in force from ``effective_from`` until the next version's."""

    __tablename__ = "regulation_version"
    __table_args__ = (UniqueConstraint("regulation_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    regulation_id: Mapped[int] = mapped_column(ForeignKey("regulation.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    effective_from: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(300), default="")  # what changed
    published_at: Mapped[datetime] = mapped_column(AwareDateTime, default=timeutil.now)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    regulation: Mapped[Regulation] = relationship(back_populates="versions")
    published_by: Mapped[User | None] = relationship()
