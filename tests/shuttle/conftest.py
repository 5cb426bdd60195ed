"""Factories for shuttle tests: a small line with stops both ways and two buses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal

import pytest

from portal.blueprints.shuttle.models import (
    Direction,
    ExceptionKind,
    RouteStop,
    ServiceException,
    ServicePattern,
    ShuttleRoute,
    ShuttleStop,
    ShuttleTrip,
    ShuttleVehicle,
)
from portal.db import db


@dataclass
class Line:
    route: ShuttleRoute
    stops: list[ShuttleStop]  # 老城, 医院, 中心
    buses: list[ShuttleVehicle]

    def trip(self, direction: Direction, at: str, *, bus: int = 0,
             pattern: ServicePattern = ServicePattern.WORKDAYS, note: str = "") -> ShuttleTrip:
        hours, minutes = (int(part) for part in at.split(":"))
        trip = ShuttleTrip(route=self.route, direction=direction, departs_at=time(hours, minutes),
                           vehicle=self.buses[bus], pattern=pattern, note=note)
        db.session.add(trip)
        db.session.commit()
        return trip

    def exception(self, day: date, kind: ExceptionKind, *, trip: ShuttleTrip | None = None,
                  route: ShuttleRoute | None = None, note: str = "test", departs_at: time | None = None,
                  vehicle: ShuttleVehicle | None = None) -> ServiceException:
        exception = ServiceException(day=day, kind=kind, trip=trip, route=route, note=note, departs_at=departs_at,
                                     vehicle=vehicle)
        db.session.add(exception)
        db.session.commit()
        return exception


def build_line(code: str = "1路", prefix: str = "", outbound=(0, 10, 25), inbound=(0, 15, 25)) -> Line:
    """老城 → 医院 → 中心 (``outbound`` minutes) and back (``inbound``), and two buses."""
    names = [f"{prefix}老城", f"{prefix}医院", f"{prefix}中心"]
    stops = [
        ShuttleStop(name=name, latitude=Decimal("30.87") + n, longitude=Decimal("105.38") + n)
        for n, name in enumerate(names)
    ]
    route = ShuttleRoute(code=code, name=f"{prefix}老城—中心")
    for sequence, (stop, minutes) in enumerate(zip(stops, outbound), start=1):
        route.route_stops.append(RouteStop(direction=Direction.OUTBOUND, sequence=sequence, stop=stop, minutes=minutes))
    for sequence, (stop, minutes) in enumerate(zip(reversed(stops), inbound), start=1):
        route.route_stops.append(RouteStop(direction=Direction.INBOUND, sequence=sequence, stop=stop, minutes=minutes))
    buses = [
        ShuttleVehicle(plate=f"川J·{prefix}T000{n}", label=f"{n}号车", seats=45, driver_name=f"司机{n}",
                       driver_phone=f"1390825000{n}")
        for n in (1, 2)
    ]
    db.session.add_all([route, *stops, *buses])
    db.session.commit()
    return Line(route, stops, buses)


@pytest.fixture
def line(app) -> Line:
    return build_line()
