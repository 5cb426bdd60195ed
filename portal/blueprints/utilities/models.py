"""Meters, monthly readings, the utility's invoices and the units' bills.

A *meter* is one physical device. When it is replaced, the old row is closed
with its final reading and the new row (``replaces_id``) starts with its initial
reading, so history is never rewritten; the chain of meters that served one
place is a *metering point* (keyed by the first meter's id).
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from itertools import chain

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint, event, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from portal import timeutil
from portal.blueprints.utilities.allocation import effective_rate
from portal.cache import watch
from portal.db import AwareDateTime, Money, ScaledDecimal, db
from portal.i18n import lazy_gettext as _l
from portal.labels import LabelledEnum
from portal.models import Unit, User
from portal.rules import RuleViolation


def _enum(kind: type[enum.Enum], length: int = 20):
    return db.Enum(kind, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e])


class Supply(LabelledEnum):
    ELECTRICITY = "electricity", _l("Electricity")
    WATER = "water", _l("Water")

    @property
    def unit_symbol(self) -> str:
        return "kWh" if self is Supply.ELECTRICITY else "m³"


class MeterKind(LabelledEnum):
    MAIN = "main", _l("Main meter")  # the utility's supply point: what the invoice is for
    UNIT = "unit", _l("Unit sub-meter")  # a unit's own sub-meter
    COMMON = "common", _l("Common-area meter")  # a common area's sub-meter


class CommonArea(LabelledEnum):
    LOBBY = "lobby", _l("Lobby")
    CORRIDORS = "corridors", _l("Corridors")
    LIFTS = "lifts", _l("Lifts")
    MEETING_ROOMS = "meeting_rooms", _l("Meeting rooms")
    OTHER = "other", _l("Other common area")


class AllocationKey(LabelledEnum):
    """How the remainder (common areas and line loss) is shared."""

    FLOOR_AREA = "floor_area", _l("Floor area")
    HEADCOUNT = "headcount", _l("Headcount")
    EQUAL = "equal", _l("Equal parts")


class MonthStatus(LabelledEnum):
    OPEN = "open", _l("Open"), "warn"
    CLOSED = "closed", _l("Month closed"), "ok"


def meter_place(kind: MeterKind, area: CommonArea | None, unit) -> str:
    """Whose or where a meter is: the unit, the common area, or the supply.
    ``unit`` is anything with ``name`` and ``short_name`` (a Unit, or the
    meter book's light copy of one)."""
    if kind is MeterKind.UNIT and unit is not None:
        return unit.short_name or unit.name
    if kind is MeterKind.COMMON and area is not None:
        return str(area.label)
    return str(kind.label)


class Meter(db.Model):
    __tablename__ = "utility_meter"
    __table_args__ = (
        CheckConstraint("multiplier >= 1", name="multiplier_positive"),
        CheckConstraint("rollover_at > 0", name="rollover_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    serial_no: Mapped[str] = mapped_column(String(40), default="")
    supply: Mapped[Supply] = mapped_column(_enum(Supply))
    kind: Mapped[MeterKind] = mapped_column(_enum(MeterKind))
    area: Mapped[CommonArea | None] = mapped_column(_enum(CommonArea))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("utility_meter.id"), index=True)
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("utility_meter.id"), unique=True)
    # Current-transformer ratio (electricity) or 1: consumption = register advance × multiplier.
    multiplier: Mapped[int] = mapped_column(Integer, default=1)
    # The register shows 0 … rollover_at − 0.01 and then starts again at 0.
    rollover_at: Mapped[Decimal] = mapped_column(ScaledDecimal(2))
    installed_on: Mapped[date] = mapped_column(Date)
    initial_reading: Mapped[Decimal] = mapped_column(ScaledDecimal(2))
    removed_on: Mapped[date | None] = mapped_column(Date)
    final_reading: Mapped[Decimal | None] = mapped_column(ScaledDecimal(2))
    note: Mapped[str] = mapped_column(Text, default="")

    unit: Mapped[Unit | None] = relationship()
    parent: Mapped[Meter | None] = relationship(remote_side=[id], foreign_keys=[parent_id])
    replaces: Mapped[Meter | None] = relationship(
        remote_side=[id], foreign_keys=[replaces_id], back_populates="replaced_by"
    )
    replaced_by: Mapped[Meter | None] = relationship(foreign_keys=[replaces_id], back_populates="replaces")

    @property
    def active(self) -> bool:
        return self.removed_on is None

    @property
    def place(self) -> str:
        return meter_place(self.kind, self.area, self.unit)

    def __repr__(self) -> str:
        return f"<Meter {self.code}>"


class BillingMonth(db.Model):
    """A month of readings; once closed, its readings, invoices and bills are final."""

    __tablename__ = "utility_month"

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[date] = mapped_column(Date, unique=True)  # the first day of the month
    status: Mapped[MonthStatus] = mapped_column(_enum(MonthStatus), default=MonthStatus.OPEN)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime, default=timeutil.now)
    closed_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    close_note: Mapped[str] = mapped_column(Text, default="")

    closed_by: Mapped[User | None] = relationship()
    invoices: Mapped[list[Invoice]] = relationship(back_populates="month", order_by="Invoice.supply")

    @property
    def closed(self) -> bool:
        return self.status is MonthStatus.CLOSED

    @property
    def label(self) -> str:
        return f"{self.period:%Y-%m}"

    def __repr__(self) -> str:
        return f"<BillingMonth {self.label} {self.status}>"


class MeterReading(db.Model):
    """A meter's register at the end of a month, as read by property staff."""

    __tablename__ = "utility_reading"
    __table_args__ = (UniqueConstraint("month_id", "meter_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    month_id: Mapped[int] = mapped_column(ForeignKey("utility_month.id"), index=True)
    meter_id: Mapped[int] = mapped_column(ForeignKey("utility_meter.id"), index=True)
    value: Mapped[Decimal] = mapped_column(ScaledDecimal(2))
    entered_at: Mapped[datetime] = mapped_column(AwareDateTime, default=timeutil.now)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    month: Mapped[BillingMonth] = relationship()
    meter: Mapped[Meter] = relationship()
    entered_by: Mapped[User | None] = relationship()


class Invoice(db.Model):
    """The utility company's invoice for one supply and month."""

    __tablename__ = "utility_invoice"
    __table_args__ = (
        UniqueConstraint("month_id", "supply"),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        CheckConstraint("consumption > 0", name="consumption_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    month_id: Mapped[int] = mapped_column(ForeignKey("utility_month.id"))
    supply: Mapped[Supply] = mapped_column(_enum(Supply))
    invoice_no: Mapped[str] = mapped_column(String(40), default="")
    amount: Mapped[Decimal] = mapped_column(Money())
    consumption: Mapped[Decimal] = mapped_column(ScaledDecimal(2))
    allocation_key: Mapped[AllocationKey] = mapped_column(_enum(AllocationKey), default=AllocationKey.FLOOR_AREA)
    entered_at: Mapped[datetime] = mapped_column(AwareDateTime, default=timeutil.now)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # Metered totals, kept when the month is closed.
    main_usage: Mapped[Decimal | None] = mapped_column(ScaledDecimal(2))
    units_usage: Mapped[Decimal | None] = mapped_column(ScaledDecimal(2))
    common_usage: Mapped[Decimal | None] = mapped_column(ScaledDecimal(2))

    month: Mapped[BillingMonth] = relationship(back_populates="invoices")
    entered_by: Mapped[User | None] = relationship()

    @property
    def rate(self) -> Decimal | None:
        """Yuan per kWh or m³."""
        return effective_rate(self.amount, self.consumption)

    @property
    def line_loss(self) -> Decimal | None:
        if self.main_usage is None or self.units_usage is None or self.common_usage is None:
            return None
        return self.main_usage - self.units_usage - self.common_usage


class FixedRatio(db.Model):
    """The old way: each unit's fixed percentage of a supply's invoice."""

    __tablename__ = "utility_fixed_ratio"
    __table_args__ = (UniqueConstraint("unit_id", "supply"), CheckConstraint("percent >= 0", name="percent_not_negative"))

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"))
    supply: Mapped[Supply] = mapped_column(_enum(Supply))
    percent: Mapped[Decimal] = mapped_column(ScaledDecimal(3))

    unit: Mapped[Unit] = relationship()


class UnitBill(db.Model):
    """What one unit owes for one month (all supplies), made when the month closes."""

    __tablename__ = "utility_bill"
    __table_args__ = (UniqueConstraint("month_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    month_id: Mapped[int] = mapped_column(ForeignKey("utility_month.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    total: Mapped[Decimal] = mapped_column(Money())
    created_at: Mapped[datetime] = mapped_column(AwareDateTime, default=timeutil.now)

    month: Mapped[BillingMonth] = relationship()
    unit: Mapped[Unit] = relationship()
    lines: Mapped[list[UnitBillLine]] = relationship(
        back_populates="bill", order_by="UnitBillLine.supply", cascade="all, delete-orphan"
    )
    adjustments: Mapped[list[BillAdjustment]] = relationship(back_populates="bill", order_by="BillAdjustment.id")

    @property
    def number(self) -> str:
        return f"SD{self.month.period:%Y%m}-{self.unit_id:03d}"

    @property
    def adjustments_total(self) -> Decimal:
        return sum((a.amount for a in self.adjustments), Decimal("0.00"))

    @property
    def amount_due(self) -> Decimal:
        return self.total + self.adjustments_total

    @property
    def old_ratio_total(self) -> Decimal | None:
        amounts = [line.old_ratio_amount for line in self.lines]
        if not amounts or any(a is None for a in amounts):
            return None
        return sum(amounts, Decimal("0.00"))  # type: ignore[arg-type]

    @property
    def difference_from_old_ratio(self) -> Decimal | None:
        """What is payable (corrections included) minus what the old ratio would
        have charged; positive: metering costs the unit more."""
        old = self.old_ratio_total
        return None if old is None else self.amount_due - old


class UnitBillLine(db.Model):
    """One supply on a unit's bill, with how it was worked out."""

    __tablename__ = "utility_bill_line"
    __table_args__ = (UniqueConstraint("bill_id", "supply"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bill_id: Mapped[int] = mapped_column(ForeignKey("utility_bill.id", ondelete="CASCADE"))
    supply: Mapped[Supply] = mapped_column(_enum(Supply))
    usage: Mapped[Decimal] = mapped_column(ScaledDecimal(2))
    rate: Mapped[Decimal | None] = mapped_column(ScaledDecimal(4))
    allocation_key: Mapped[AllocationKey] = mapped_column(_enum(AllocationKey))
    weight: Mapped[Decimal] = mapped_column(ScaledDecimal(2))
    metered: Mapped[Decimal] = mapped_column(Money())
    shared: Mapped[Decimal] = mapped_column(Money())
    total: Mapped[Decimal] = mapped_column(Money())
    # What the old fixed ratio would have charged; None where no ratio was on record.
    old_ratio_amount: Mapped[Decimal | None] = mapped_column(Money())

    bill: Mapped[UnitBill] = relationship(back_populates="lines")


class BillAdjustment(db.Model):
    """A correction to a closed month's bill: added, never edited or removed."""

    __tablename__ = "utility_adjustment"

    id: Mapped[int] = mapped_column(primary_key=True)
    bill_id: Mapped[int] = mapped_column(ForeignKey("utility_bill.id"), index=True)
    supply: Mapped[Supply] = mapped_column(_enum(Supply))
    amount: Mapped[Decimal] = mapped_column(Money())  # positive: the unit owes more
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime, default=timeutil.now)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    bill: Mapped[UnitBill] = relationship(back_populates="adjustments")
    created_by: Mapped[User | None] = relationship()


# The month page's drawings are kept per data version of this area (see views.MONTH_DATA).
watch("utilities", Meter, BillingMonth, MeterReading, Invoice, FixedRatio, UnitBill, UnitBillLine, BillAdjustment)


def was_closed(month: BillingMonth) -> bool:
    """Whether the month was already closed before the changes now in the session
    (closing a month therefore sets all its fields before anything is flushed)."""
    state = inspect(month)
    if state.transient or state.pending:
        return False
    history = state.attrs.status.history
    original = (history.deleted or history.unchanged or [month.status])[0]
    return original == MonthStatus.CLOSED


def _month_of(session: Session, obj: object) -> BillingMonth | None:
    # A new row may carry only the foreign key (pending objects do not lazy-load).
    if isinstance(obj, UnitBillLine):
        bill = obj.bill or (session.get(UnitBill, obj.bill_id) if obj.bill_id is not None else None)
        return _month_of(session, bill) if bill is not None else None
    if isinstance(obj, (MeterReading, Invoice, UnitBill)):
        return obj.month or (session.get(BillingMonth, obj.month_id) if obj.month_id is not None else None)
    return None


@event.listens_for(Session, "before_flush")
def _keep_closed_months_final(session: Session, flush_context, instances) -> None:
    """The last line of defence; services refuse such changes with a message first."""
    with session.no_autoflush:
        for obj in chain(session.new, session.dirty, session.deleted):
            changed = obj in session.new or obj in session.deleted or session.is_modified(obj, include_collections=False)
            if not changed:
                continue
            if isinstance(obj, BillAdjustment) and obj not in session.new:
                raise RuleViolation(_l("A correction is never edited or removed; add another one."), status=409)
            if isinstance(obj, BillingMonth):
                if obj not in session.new and was_closed(obj):
                    raise RuleViolation(_l("%(month)s is closed; a correction is entered as an adjustment to a bill.", month=obj.label), status=409)
                continue
            month = _month_of(session, obj)
            if month is not None and was_closed(month):
                raise RuleViolation(_l("%(month)s is closed; a correction is entered as an adjustment to a bill.", month=month.label), status=409)
