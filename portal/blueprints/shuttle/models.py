"""The shuttle buses: stops, routes with an ordered stop pattern per direction,
vehicles, trips, dated service exceptions and temporary notices.

A trip's times come from its route's pattern: the departure time at the first
stop plus each stop's minutes. Which days a trip runs comes from its
``ServicePattern`` (workdays by default, from the portal's workday calendar)
and the dated ``ServiceException`` rows (see ``services.trip_day``).
"""

from __future__ import annotations

import enum
from datetime import date, datetime, time
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, String, Text, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal import timeutil
from portal.cache import watch
from portal.db import AwareDateTime, ScaledDecimal, db
from portal.i18n import lazy_gettext as _l
from portal.labels import LabelledEnum
from portal.models import User


def _enum(cls: type[enum.Enum], length: int = 20):
    return db.Enum(cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e])


class Direction(LabelledEnum):
    """GTFS ``direction_id`` 0 and 1: e.g. 老城区 → 行政中心 and back."""

    OUTBOUND = "outbound", _l("Outbound")
    INBOUND = "inbound", _l("Return")

    @property
    def gtfs_id(self) -> int:
        return 0 if self is Direction.OUTBOUND else 1


class ServicePattern(LabelledEnum):
    """The days a trip runs before dated exceptions."""

    WORKDAYS = "workdays", _l("Workdays")  # the portal's workday calendar, make-up Saturdays included
    DAILY = "daily", _l("Every day")
    REST_DAYS = "rest_days", _l("Weekends and holidays")  # e.g. a duty bus


class ExceptionKind(LabelledEnum):
    NO_SERVICE = "no_service", _l("No service"), "danger"
    EXTRA_SERVICE = "extra_service", _l("Extra service"), "ok"
    CHANGED = "changed", _l("One-off change (time or vehicle)"), "warn"  # one trip's time and/or vehicle


class NoticeKind(LabelledEnum):
    BREAKDOWN = "breakdown", _l("Breakdown"), "danger"
    CHANGED_TIME = "changed_time", _l("Changed time"), "warn"
    OTHER = "other", _l("Other"), "info"


class ShuttleStop(db.Model):
    __tablename__ = "shuttle_stop"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    description: Mapped[str] = mapped_column(String(200), default="")
    # WGS84, six places (about 10 cm); GTFS needs a position for every stop.
    latitude: Mapped[Decimal] = mapped_column(ScaledDecimal(6))
    longitude: Mapped[Decimal] = mapped_column(ScaledDecimal(6))

    def __repr__(self) -> str:
        return f"<ShuttleStop {self.name}>"


class ShuttleRoute(db.Model):
    __tablename__ = "shuttle_route"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)  # 1路
    name: Mapped[str] = mapped_column(String(80))  # 老城区—行政中心
    description: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    route_stops: Mapped[list[RouteStop]] = relationship(
        back_populates="route",
        order_by="(RouteStop.direction, RouteStop.sequence)",
        cascade="all, delete-orphan",
    )
    trips: Mapped[list[ShuttleTrip]] = relationship(back_populates="route")

    def pattern(self, direction: Direction) -> list[RouteStop]:
        """The stops of one direction, in order."""
        return sorted((rs for rs in self.route_stops if rs.direction == direction), key=lambda rs: rs.sequence)

    def direction_label(self, direction: Direction) -> str:
        """老城区 → 行政中心, from the pattern's first and last stop."""
        stops = self.pattern(direction)
        if len(stops) < 2:
            return ""
        return f"{stops[0].stop.name} → {stops[-1].stop.name}"

    def __repr__(self) -> str:
        return f"<ShuttleRoute {self.code}>"


class RouteStop(db.Model):
    """One stop of a route's direction: its place in the order and its minutes
    after the departure from the first stop."""

    __tablename__ = "shuttle_route_stop"
    __table_args__ = (
        UniqueConstraint("route_id", "direction", "sequence"),
        CheckConstraint("minutes >= 0", name="minutes_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    route_id: Mapped[int] = mapped_column(ForeignKey("shuttle_route.id", ondelete="CASCADE"), index=True)
    direction: Mapped[Direction] = mapped_column(_enum(Direction))
    sequence: Mapped[int] = mapped_column(Integer)
    stop_id: Mapped[int] = mapped_column(ForeignKey("shuttle_stop.id", ondelete="RESTRICT"), index=True)
    minutes: Mapped[int] = mapped_column(Integer)

    route: Mapped[ShuttleRoute] = relationship(back_populates="route_stops")
    stop: Mapped[ShuttleStop] = relationship(lazy="joined")


class ShuttleVehicle(db.Model):
    __tablename__ = "shuttle_vehicle"
    __table_args__ = (CheckConstraint("seats > 0", name="seats_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plate: Mapped[str] = mapped_column(String(20), unique=True)
    label: Mapped[str] = mapped_column(String(30), default="")  # 1号车
    seats: Mapped[int] = mapped_column(Integer)
    driver_name: Mapped[str] = mapped_column(String(30), default="")
    # For logged-in staff only: never in public pages, the GTFS feed or the
    # service functions other capabilities call.
    driver_phone: Mapped[str] = mapped_column(String(30), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    @property
    def display_name(self) -> str:
        return f"{self.label} {self.plate}" if self.label else self.plate

    def __repr__(self) -> str:
        return f"<ShuttleVehicle {self.plate}>"


class ShuttleTrip(db.Model):
    __tablename__ = "shuttle_trip"

    id: Mapped[int] = mapped_column(primary_key=True)
    route_id: Mapped[int] = mapped_column(ForeignKey("shuttle_route.id", ondelete="RESTRICT"), index=True)
    direction: Mapped[Direction] = mapped_column(_enum(Direction))
    departs_at: Mapped[time] = mapped_column(Time)  # at the first stop of the direction
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("shuttle_vehicle.id", ondelete="RESTRICT"), index=True)
    pattern: Mapped[ServicePattern] = mapped_column(_enum(ServicePattern), default=ServicePattern.WORKDAYS)
    note: Mapped[str] = mapped_column(String(80), default="")

    route: Mapped[ShuttleRoute] = relationship(back_populates="trips")
    vehicle: Mapped[ShuttleVehicle] = relationship()

    def __repr__(self) -> str:
        return f"<ShuttleTrip {self.route_id}/{self.direction} {self.departs_at:%H:%M}>"


class ServiceException(db.Model):
    """A dated exception: no service, extra service, or a one-off change.

    Scope: one trip (``trip_id``), one route (``route_id``), or every trip
    (neither). A trip-level exception wins over a route-level one, which wins
    over one for every trip.
    """

    __tablename__ = "shuttle_service_exception"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    kind: Mapped[ExceptionKind] = mapped_column(_enum(ExceptionKind))
    route_id: Mapped[int | None] = mapped_column(ForeignKey("shuttle_route.id", ondelete="CASCADE"), index=True)
    trip_id: Mapped[int | None] = mapped_column(ForeignKey("shuttle_trip.id", ondelete="CASCADE"), index=True)
    # CHANGED only: the new departure time and/or vehicle for that day.
    departs_at: Mapped[time | None] = mapped_column(Time)
    vehicle_id: Mapped[int | None] = mapped_column(ForeignKey("shuttle_vehicle.id", ondelete="RESTRICT"), index=True)
    note: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(AwareDateTime, default=timeutil.now)

    route: Mapped[ShuttleRoute | None] = relationship()
    trip: Mapped[ShuttleTrip | None] = relationship()
    vehicle: Mapped[ShuttleVehicle | None] = relationship()


class ShuttleNotice(db.Model):
    """A temporary notice (breakdown, changed time…) shown on the trips it
    concerns from ``starts_on`` to ``ends_on``: one trip, one route, or all."""

    __tablename__ = "shuttle_notice"
    __table_args__ = (CheckConstraint("ends_on >= starts_on", name="dates_in_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[NoticeKind] = mapped_column(_enum(NoticeKind), default=NoticeKind.OTHER)
    message: Mapped[str] = mapped_column(String(200))
    route_id: Mapped[int | None] = mapped_column(ForeignKey("shuttle_route.id", ondelete="CASCADE"), index=True)
    trip_id: Mapped[int | None] = mapped_column(ForeignKey("shuttle_trip.id", ondelete="CASCADE"), index=True)
    starts_on: Mapped[date] = mapped_column(Date, index=True)
    ends_on: Mapped[date] = mapped_column(Date, index=True)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime, default=timeutil.now)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    route: Mapped[ShuttleRoute | None] = relationship()
    trip: Mapped[ShuttleTrip | None] = relationship()
    created_by: Mapped[User | None] = relationship()

    def applies_to(self, trip: ShuttleTrip, day: date) -> bool:
        if not (self.starts_on <= day <= self.ends_on):
            return False
        if self.trip_id is not None:
            return self.trip_id == trip.id
        return self.route_id is None or self.route_id == trip.route_id


# Pages cached by portal.cache show these models' data.
watch("shuttle", ShuttleStop, ShuttleRoute, RouteStop, ShuttleVehicle, ShuttleTrip, ServiceException, ShuttleNotice)
