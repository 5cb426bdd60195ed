"""The building's equipment (设备台账): items, their maintenance plans and records,
inspection rounds, and the link from an item to the repairs done on it."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
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
from portal.db import AwareDateTime, Money, db, enum_column
from portal.files import StoredFile
from portal.i18n import lazy_gettext as _l
from portal.labels import LabelledEnum
from portal.models import Building, Floor, Room, User


class AssetCategory(LabelledEnum):
    LIFT = "lift", _l("Lifts")
    TRANSFORMER = "transformer", _l("Transformers and switchgear")
    DISTRIBUTION = "distribution", _l("Distribution boards")
    PUMP = "pump", _l("Water pumps and tanks")
    PIPES = "pipes", _l("Supply and drain pipes")
    HVAC = "hvac", _l("HVAC units and chillers")
    FIRE = "fire", _l("Fire alarm, sprinklers and hydrants")
    GENERATOR = "generator", _l("Generators")
    SECURITY = "security", _l("CCTV and access control")
    AV = "av", _l("Meeting-room AV")


class Condition(LabelledEnum):
    GOOD = "good", _l("Good"), "ok"
    FAIR = "fair", _l("Fair"), "info"
    POOR = "poor", _l("Poor"), "warn"
    FAILED = "failed", _l("Out of order"), "danger"


class IntervalUnit(LabelledEnum):
    DAYS = "days", _l("days")
    WEEKS = "weeks", _l("weeks")
    MONTHS = "months", _l("months")
    HOURS = "hours", _l("running hours")  # by the item's counter (a generator's hour meter)
    TRIPS = "trips", _l("runs")  # by the item's counter (a lift's trip counter)

    @property
    def by_counter(self) -> bool:
        return self in COUNTER_UNITS


COUNTER_UNITS = frozenset({IntervalUnit.HOURS, IntervalUnit.TRIPS})


class DocumentKind(LabelledEnum):
    MANUAL = "manual", _l("Manual")
    CERTIFICATE = "certificate", _l("Certificate or inspection report")
    DRAWING = "drawing", _l("Drawing or wiring diagram")
    CONTRACT = "contract", _l("Contract or warranty")
    OTHER = "other", _l("Other file")


class PlanKind(LabelledEnum):
    ROUTINE = "routine", _l("Routine maintenance"), "neutral"
    STATUTORY = "statutory", _l("Statutory inspection"), "info"


class CheckResult(LabelledEnum):
    PASS = "pass", _l("Passed"), "ok"
    FAIL = "fail", _l("Failed the check"), "danger"
    SKIPPED = "skipped", _l("Not checked"), "muted"


class Asset(db.Model):
    """One item of the building's equipment, where it is and how it is."""

    __tablename__ = "equipment_asset"
    __table_args__ = (Index("ix_equipment_asset_category_code", "category", "code"),)  # the register's order

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    category: Mapped[AssetCategory] = mapped_column(enum_column(AssetCategory))
    floor_id: Mapped[int] = mapped_column(ForeignKey("floor.id", ondelete="RESTRICT"), index=True)
    room_id: Mapped[int | None] = mapped_column(ForeignKey("room.id", ondelete="SET NULL"), index=True)
    zone: Mapped[str] = mapped_column(String(80), default="")
    install_date: Mapped[date] = mapped_column(Date)
    expected_life_years: Mapped[int] = mapped_column(Integer)
    replacement_cost: Mapped[Decimal] = mapped_column(Money())
    supplier: Mapped[str] = mapped_column(String(80), default="")
    maintainer: Mapped[str] = mapped_column(String(80), default="")
    contract_end: Mapped[date | None] = mapped_column(Date)
    warranty_end: Mapped[date | None] = mapped_column(Date)
    condition: Mapped[Condition] = mapped_column(enum_column(Condition), default=Condition.GOOD)
    condition_date: Mapped[date] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="")
    # the latest counter reading as a running total (across counter replacements); None: never read
    counter_total: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime, default=timeutil.now)

    floor: Mapped[Floor] = relationship()
    room: Mapped[Room | None] = relationship()
    plans: Mapped[list[MaintenancePlan]] = relationship(
        back_populates="asset", order_by="MaintenancePlan.id", cascade="all, delete-orphan"
    )
    documents: Mapped[list[AssetDocument]] = relationship(
        back_populates="asset", order_by="AssetDocument.id", cascade="all, delete-orphan"
    )

    @property
    def building(self) -> Building:
        return self.floor.building

    @property
    def location_label(self) -> str:
        room = self.room
        return place_label(self.floor.building.name, self.floor.display_label, room.number if room else None,
                           room.name if room else None, self.zone)

    @property
    def end_of_life_year(self) -> int:
        return self.install_date.year + self.expected_life_years

    def __repr__(self) -> str:
        return f"<Asset {self.code}>"


def place_label(building: str, floor: str, room_number: str | None, room_name: str | None, zone: str) -> str:
    """Where an item is: ``主楼 1楼 101 报告厅 · 东侧``."""
    parts = [building, floor]
    if room_number is not None:
        parts.append(room_number + (f" {room_name}" if room_name else ""))
    label = " ".join(parts)
    return f"{label} · {zone}" if zone else label


class MaintenancePlan(db.Model):
    """Work due on an item every N days, weeks or months.

    Due dates follow a schedule counted from ``anchor`` (so a monthly plan
    anchored on 31 January is due 28/29 February, then 31 March: no drift);
    ``next_due`` is the next date of the schedule not yet done.

    A plan stopped on ``stopped_on`` produces no work due on or after that day:
    work due before it stays owed until it is recorded; ``active`` is false
    once nothing more is owed (see ``services.stop_plan``).
    """

    __tablename__ = "equipment_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("equipment_asset.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(80))
    kind: Mapped[PlanKind] = mapped_column(enum_column(PlanKind), default=PlanKind.ROUTINE)
    every: Mapped[int] = mapped_column(Integer)
    unit: Mapped[IntervalUnit] = mapped_column(enum_column(IntervalUnit))
    anchor: Mapped[date] = mapped_column(Date)
    # by a counter: None until the reading reaches ``due_reading``, then the day it did
    next_due: Mapped[date | None] = mapped_column(Date, index=True)
    due_reading: Mapped[int | None] = mapped_column(BigInteger)
    remind_days: Mapped[int] = mapped_column(Integer, default=14)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    stopped_on: Mapped[date | None] = mapped_column(Date)
    stop_reason: Mapped[str] = mapped_column(String(200), default="")

    asset: Mapped[Asset] = relationship(back_populates="plans")
    records: Mapped[list[MaintenanceRecord]] = relationship(
        back_populates="plan", order_by="MaintenanceRecord.done_on.desc()"
    )


class CounterReading(db.Model):
    """What an item's counter (hour meter, trip counter) showed on a day.

    ``total`` runs on across a counter replacement (the new counter's reading
    is added to the last total), so plans count the item's use, not the meter.
    """

    __tablename__ = "equipment_counter_reading"

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("equipment_asset.id", ondelete="CASCADE"), index=True)
    read_on: Mapped[date] = mapped_column(Date)
    value: Mapped[int] = mapped_column(BigInteger)
    total: Mapped[int] = mapped_column(BigInteger)
    replaced: Mapped[bool] = mapped_column(Boolean, default=False)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(AwareDateTime, default=timeutil.now)

    actor: Mapped[User | None] = relationship()


class MaintenanceRecord(db.Model):
    """Maintenance done on an item (from a plan, or one-off), with what it cost."""

    __tablename__ = "equipment_maintenance"
    # The plan sums each item's costs year by year from this index alone (services.cost_history).
    __table_args__ = (Index("ix_equipment_maintenance_done_on_asset_cost", "done_on", "asset_id", "cost"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("equipment_asset.id", ondelete="CASCADE"), index=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("equipment_plan.id", ondelete="SET NULL"), index=True)
    due_on: Mapped[date | None] = mapped_column(Date)
    done_on: Mapped[date] = mapped_column(Date)
    cost: Mapped[Decimal] = mapped_column(Money())
    note: Mapped[str] = mapped_column(Text, default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(AwareDateTime, default=timeutil.now)

    asset: Mapped[Asset] = relationship()
    plan: Mapped[MaintenancePlan | None] = relationship(back_populates="records")
    actor: Mapped[User | None] = relationship()


class AssetDocument(db.Model):
    """A file kept with an item: its manual, a certificate, a drawing."""

    __tablename__ = "equipment_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("equipment_asset.id", ondelete="CASCADE"), index=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_file.id", ondelete="RESTRICT"), unique=True)
    kind: Mapped[DocumentKind] = mapped_column(enum_column(DocumentKind))
    title: Mapped[str] = mapped_column(String(80), default="")

    asset: Mapped[Asset] = relationship(back_populates="documents")
    file: Mapped[StoredFile] = relationship()


class AssetRepair(db.Model):
    """A repair request done on an item (repairs know nothing of equipment)."""

    __tablename__ = "equipment_asset_repair"
    __table_args__ = (UniqueConstraint("repair_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("equipment_asset.id", ondelete="CASCADE"), index=True)
    repair_id: Mapped[int] = mapped_column(ForeignKey("repair_request.id", ondelete="CASCADE"))

    asset: Mapped[Asset] = relationship()


class InspectionRound(db.Model):
    """One walk of a category's checklist over its items in one building."""

    __tablename__ = "equipment_round"

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[AssetCategory] = mapped_column(enum_column(AssetCategory))
    building_id: Mapped[int] = mapped_column(ForeignKey("building.id", ondelete="RESTRICT"), index=True)
    inspector_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    started_at: Mapped[datetime] = mapped_column(AwareDateTime, default=timeutil.now, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    note: Mapped[str] = mapped_column(Text, default="")

    building: Mapped[Building] = relationship()
    inspector: Mapped[User | None] = relationship()
    results: Mapped[list[RoundResult]] = relationship(
        back_populates="round", order_by="RoundResult.id", cascade="all, delete-orphan"
    )


class RoundResult(db.Model):
    """One item of a round: each checklist point passed or not, and the finding."""

    __tablename__ = "equipment_round_result"
    __table_args__ = (UniqueConstraint("round_id", "asset_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("equipment_round.id", ondelete="CASCADE"), index=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("equipment_asset.id", ondelete="CASCADE"), index=True)
    result: Mapped[CheckResult | None] = mapped_column(enum_column(CheckResult))
    finding: Mapped[str] = mapped_column(String(500), default="")
    repair_id: Mapped[int | None] = mapped_column(ForeignKey("repair_request.id", ondelete="SET NULL"))

    round: Mapped[InspectionRound] = relationship(back_populates="results")
    asset: Mapped[Asset] = relationship()


class PublicReport(db.Model):
    """A fault reported without login from an item's QR label: kept to limit floods."""

    __tablename__ = "equipment_public_report"
    __table_args__ = (db.Index("ix_equipment_public_report_address_at", "address", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("equipment_asset.id", ondelete="CASCADE"), index=True)
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(AwareDateTime, default=timeutil.now)
    repair_id: Mapped[int | None] = mapped_column(ForeignKey("repair_request.id", ondelete="SET NULL"))


# What the register and the plans are drawn from (portal.cache): a change to any of them draws them again.
watch("equipment", Asset, MaintenancePlan, CounterReading, MaintenanceRecord, AssetDocument, AssetRepair,
      InspectionRound, RoundResult)
