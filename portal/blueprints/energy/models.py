"""What the energy statistics keep of their own: the floor areas and headcounts
used for a year (kept, so last year's report does not change when a unit moves),
monthly quantities of the energy not metered by utilities (natural gas, diesel,
petrol …), the units' yearly quotas, and savings measures."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal import timeutil
from portal.cache import watch
from portal.db import AwareDateTime, Money, ScaledDecimal, db
from portal.models import Unit


class EnergyBasis(db.Model):
    """The office floor area and headcount used for one year: a unit's, or the
    building's (``unit_id`` None)."""

    __tablename__ = "energy_basis"
    __table_args__ = (
        UniqueConstraint("year", "unit_id"),
        CheckConstraint("floor_area >= 0", name="floor_area_not_negative"),
        CheckConstraint("headcount >= 0", name="headcount_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"))
    floor_area: Mapped[Decimal] = mapped_column(ScaledDecimal(2))  # m², offices only
    headcount: Mapped[int] = mapped_column(Integer)  # people working there, contract staff included
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime, default=timeutil.now)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    unit: Mapped[Unit | None] = relationship()


class EnergyQuantity(db.Model):
    """One month's quantity of an entered source (``sources.Source.entered``),
    for a unit or for the building as a whole (``unit_id`` None)."""

    __tablename__ = "energy_quantity"
    __table_args__ = (
        UniqueConstraint("period", "source", "unit_id"),
        CheckConstraint("quantity >= 0", name="quantity_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[date] = mapped_column(Date, index=True)  # the first day of the month
    source: Mapped[str] = mapped_column(String(30))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"))
    quantity: Mapped[Decimal] = mapped_column(ScaledDecimal(2))
    cost: Mapped[Decimal | None] = mapped_column(Money())
    entered_at: Mapped[datetime] = mapped_column(AwareDateTime, default=timeutil.now)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    unit: Mapped[Unit | None] = relationship()


class EnergyQuota(db.Model):
    """A unit's quota (定额) of one source for a year, set by the logistics center."""

    __tablename__ = "energy_quota"
    __table_args__ = (
        UniqueConstraint("year", "unit_id", "source"),
        CheckConstraint("quantity > 0", name="quota_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(30))
    quantity: Mapped[Decimal] = mapped_column(ScaledDecimal(2))
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime, default=timeutil.now)

    unit: Mapped[Unit] = relationship()


class SavingsMeasure(db.Model):
    """A savings measure (节能措施), e.g. a lighting retrofit in April for ¥300 000."""

    __tablename__ = "energy_measure"
    __table_args__ = (CheckConstraint("cost >= 0", name="cost_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    source: Mapped[str] = mapped_column(String(30))  # what it should save
    started: Mapped[date] = mapped_column(Date)  # the first day of the month it took effect
    cost: Mapped[Decimal | None] = mapped_column(Money())
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(AwareDateTime, default=timeutil.now)


def _watch_areas() -> None:
    """What the statistics are drawn from besides the utilities' months and the building
    (portal.cache): the energy pages' own records, and the official cars' trips and
    fuels, whose litres count as the pool's petrol and diesel."""
    from portal.blueprints.vehicles.models import Trip, Vehicle

    watch("energy", EnergyBasis, EnergyQuantity, EnergyQuota, SavingsMeasure, Trip, Vehicle)


_watch_areas()
