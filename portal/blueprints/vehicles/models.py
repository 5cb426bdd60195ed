"""Official cars (公务用车) and the parking the building manages (机关车辆停放)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    DDL,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    event,
    func,
    text,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal import timeutil
from portal.cache import watch
from portal.db import AwareDateTime, Money, ScaledDecimal, db, enum_column
from portal.i18n import lazy_gettext as _l
from portal.labels import LabelledEnum
from portal.models import Unit, User


class VehicleKind(LabelledEnum):
    SEDAN = "sedan", _l("Sedan")
    SUV = "suv", _l("SUV")
    MPV = "mpv", _l("Business van (MPV)")
    MINIBUS = "minibus", _l("Minibus")
    PICKUP = "pickup", _l("Pickup")


class FuelType(LabelledEnum):
    """Litres for petrol and diesel, kWh for electricity."""

    PETROL = "petrol", _l("Petrol")
    DIESEL = "diesel", _l("Diesel")
    ELECTRIC = "electric", _l("Electricity (kWh)")


class TripStatus(LabelledEnum):
    PENDING = "pending", _l("Awaiting approval"), "warn"
    APPROVED = "approved", _l("Awaiting a car"), "info"
    DISPATCHED = "dispatched", _l("Car assigned"), "ok"
    DONE = "done", _l("Trip recorded"), "muted"
    REJECTED = "rejected", _l("Refused"), "danger"
    CANCELLED = "cancelled", _l("Cancelled"), "muted"


OPEN_TRIP_STATUSES = (TripStatus.PENDING, TripStatus.APPROVED, TripStatus.DISPATCHED)


class Vehicle(db.Model):
    """A car of the pool (``unit_id`` None) or of one unit."""

    __tablename__ = "vehicle"
    __table_args__ = (CheckConstraint("odometer >= 0", name="odometer_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plate: Mapped[str] = mapped_column(String(10), unique=True)
    kind: Mapped[VehicleKind] = mapped_column(enum_column(VehicleKind), default=VehicleKind.SEDAN)
    model: Mapped[str] = mapped_column(String(60), default="")
    seats: Mapped[int] = mapped_column(Integer, default=5)
    fuel: Mapped[FuelType] = mapped_column(enum_column(FuelType), default=FuelType.PETROL)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="SET NULL"), index=True)
    purchased_on: Mapped[date | None] = mapped_column(Date)
    odometer: Mapped[int] = mapped_column(Integer, default=0)  # km, the last recorded reading
    inspection_due: Mapped[date | None] = mapped_column(Date)  # 年检
    insurance_due: Mapped[date | None] = mapped_column(Date)
    service_due_on: Mapped[date | None] = mapped_column(Date)
    service_due_km: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    unit: Mapped[Unit | None] = relationship()

    @property
    def is_pool(self) -> bool:
        return self.unit_id is None

    def __repr__(self) -> str:
        return f"<Vehicle {self.plate}>"


class Driver(db.Model):
    __tablename__ = "vehicle_driver"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(30))
    licence_class: Mapped[str] = mapped_column(String(4), default="C1")
    licence_expires: Mapped[date] = mapped_column(Date)
    phone: Mapped[str] = mapped_column(String(30), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    def __repr__(self) -> str:
        return f"<Driver {self.name}>"


class Trip(db.Model):
    """A car request and, once dispatched and driven, its trip record (出车登记)."""

    __tablename__ = "vehicle_trip"
    __table_args__ = (
        CheckConstraint("return_at > depart_at", name="returns_after_departure"),
        CheckConstraint("passengers > 0", name="passengers_positive"),
        CheckConstraint("odometer_in IS NULL OR odometer_in >= odometer_out", name="odometer_forward"),
        Index("ix_vehicle_trip_status_depart", "status", "depart_at"),
        # Driven trips by month and their fuel, read from the index alone.
        Index("ix_vehicle_trip_status_actual_depart", "status", "actual_depart_at", "vehicle_id", "fuel_amount"),
        Index("ix_vehicle_trip_vehicle_depart", "vehicle_id", "depart_at"),
        # A car or a driver is never on two dispatched trips at once, whatever the timing (SQLite serializes writes).
        postgresql.ExcludeConstraint(
            (text("vehicle_id"), "="),
            (func.tstzrange(text("depart_at"), text("return_at")), "&&"),
            where=text("status = 'dispatched'"),
            using="gist",
            name="vehicle_trip_vehicle_no_overlap",
        ).ddl_if(dialect="postgresql"),
        postgresql.ExcludeConstraint(
            (text("driver_id"), "="),
            (func.tstzrange(text("depart_at"), text("return_at")), "&&"),
            where=text("status = 'dispatched' AND driver_id IS NOT NULL"),
            using="gist",
            name="vehicle_trip_driver_no_overlap",
        ).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    requester_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="SET NULL"), index=True)
    purpose: Mapped[str] = mapped_column(String(200))
    destination: Mapped[str] = mapped_column(String(100))
    passengers: Mapped[int] = mapped_column(Integer, default=1)
    depart_at: Mapped[datetime] = mapped_column(AwareDateTime)
    return_at: Mapped[datetime] = mapped_column(AwareDateTime)
    needs_driver: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[TripStatus] = mapped_column(enum_column(TripStatus), default=TripStatus.PENDING)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime, default=timeutil.now)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    decision_note: Mapped[str] = mapped_column(String(200), default="")
    vehicle_id: Mapped[int | None] = mapped_column(ForeignKey("vehicle.id", ondelete="RESTRICT"))
    driver_id: Mapped[int | None] = mapped_column(ForeignKey("vehicle_driver.id", ondelete="RESTRICT"), index=True)
    dispatched_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    dispatched_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    # The trip record, filled in when the car is back.
    actual_depart_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    actual_return_at: Mapped[datetime | None] = mapped_column(AwareDateTime, index=True)
    odometer_out: Mapped[int | None] = mapped_column(Integer)
    odometer_in: Mapped[int | None] = mapped_column(Integer)
    fuel_amount: Mapped[Decimal | None] = mapped_column(ScaledDecimal(2))  # litres, or kWh for electric cars
    fuel_cost: Mapped[Decimal | None] = mapped_column(Money())
    tolls: Mapped[Decimal | None] = mapped_column(Money())  # tolls and parking fees
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime | None] = mapped_column(AwareDateTime)

    requester: Mapped[User | None] = relationship(foreign_keys=[requester_id])
    unit: Mapped[Unit | None] = relationship()
    vehicle: Mapped[Vehicle | None] = relationship()
    driver: Mapped[Driver | None] = relationship()
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    dispatched_by: Mapped[User | None] = relationship(foreign_keys=[dispatched_by_id])

    @property
    def mileage(self) -> int | None:
        if self.odometer_in is None or self.odometer_out is None:
            return None
        return self.odometer_in - self.odometer_out

    @property
    def cost(self) -> Decimal | None:
        if self.status is not TripStatus.DONE:
            return None
        return (self.fuel_cost or Decimal("0.00")) + (self.tolls or Decimal("0.00"))

    def __repr__(self) -> str:
        return f"<Trip {self.id} {self.status}>"


# The exclusion constraints compare ids with gist, which needs btree_gist.
event.listen(
    Trip.__table__,
    "before_create",
    DDL("CREATE EXTENSION IF NOT EXISTS btree_gist").execute_if(dialect="postgresql"),
)


class SealingCheck(db.Model):
    """A pool car parked and sealed (封存) before a public holiday."""

    __tablename__ = "vehicle_sealing"
    __table_args__ = (UniqueConstraint("holiday", "vehicle_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    holiday: Mapped[date] = mapped_column(Date, index=True)  # the holiday's first day
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicle.id", ondelete="CASCADE"))
    place: Mapped[str] = mapped_column(String(60), default="")
    sealed_at: Mapped[datetime] = mapped_column(AwareDateTime)
    sealed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    vehicle: Mapped[Vehicle] = relationship()
    sealed_by: Mapped[User | None] = relationship()


class SealingSignoff(db.Model):
    """The dispatcher's signature under a holiday's sealing checklist."""

    __tablename__ = "vehicle_sealing_signoff"

    holiday: Mapped[date] = mapped_column(Date, primary_key=True)
    signed_at: Mapped[datetime] = mapped_column(AwareDateTime)
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    signed_by: Mapped[User | None] = relationship()


# --- parking -------------------------------------------------------------------------------------


class SpaceKind(LabelledEnum):
    UNIT = "unit", _l("Reserved for a unit"), "info"
    PERSON = "person", _l("Reserved for a person"), "info"
    SHARED = "shared", _l("Shared"), "neutral"
    VISITOR = "visitor", _l("Visitors"), "neutral"
    ACCESSIBLE = "accessible", _l("Accessible"), "warn"


class RegistrationStatus(LabelledEnum):
    PENDING = "pending", _l("Awaiting approval"), "warn"
    APPROVED = "approved", _l("Approved"), "ok"
    REJECTED = "rejected", _l("Refused"), "danger"
    WITHDRAWN = "withdrawn", _l("Withdrawn"), "muted"


class ParkingArea(db.Model):
    __tablename__ = "parking_area"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    location: Mapped[str] = mapped_column(String(100), default="")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    spaces: Mapped[list[ParkingSpace]] = relationship(back_populates="area", order_by="ParkingSpace.number")


class ParkingSpace(db.Model):
    __tablename__ = "parking_space"
    __table_args__ = (UniqueConstraint("area_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("parking_area.id", ondelete="CASCADE"))
    number: Mapped[str] = mapped_column(String(10))
    kind: Mapped[SpaceKind] = mapped_column(enum_column(SpaceKind), default=SpaceKind.SHARED)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="SET NULL"))
    holder_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    area: Mapped[ParkingArea] = relationship(back_populates="spaces")
    unit: Mapped[Unit | None] = relationship()
    holder: Mapped[User | None] = relationship()

    @property
    def label(self) -> str:
        return f"{self.area.name} {self.number}"


class StaffVehicle(db.Model):
    """A private car a member of staff parks at the building, approved by their unit's administrator."""

    __tablename__ = "parking_staff_vehicle"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    plate: Mapped[str] = mapped_column(String(10), index=True)
    description: Mapped[str] = mapped_column(String(60), default="")  # colour and make, for the guard
    status: Mapped[RegistrationStatus] = mapped_column(enum_column(RegistrationStatus), default=RegistrationStatus.PENDING)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime, default=timeutil.now)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(AwareDateTime)

    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class Sighting(db.Model):
    """A plate the guard saw on a reserved space on a round (占用快照)."""

    __tablename__ = "parking_sighting"
    __table_args__ = (Index("ix_parking_sighting_plate_at", "plate", "seen_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("parking_space.id", ondelete="CASCADE"), index=True)
    plate: Mapped[str] = mapped_column(String(10))
    seen_at: Mapped[datetime] = mapped_column(AwareDateTime, index=True)
    seen_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    allowed: Mapped[bool] = mapped_column(Boolean, default=False)  # the plate may use this space

    space: Mapped[ParkingSpace] = relationship()
    seen_by: Mapped[User | None] = relationship()



# The pages kept per data version of this area (see views.VEHICLES_DATA).
watch("vehicles", Vehicle, Driver, Trip, SealingCheck, SealingSignoff, ParkingArea, ParkingSpace, StaffVehicle, Sighting)
