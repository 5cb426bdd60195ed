"""A small building for the utilities tests: three units, their meters, and
helpers to read, invoice and close a month."""

from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal import timeutil
from portal.blueprints.utilities import services
from portal.blueprints.utilities.models import (
    AllocationKey,
    CommonArea,
    FixedRatio,
    Meter,
    MeterKind,
    Supply,
)
from portal.blueprints.utilities.readings import add_months, in_english
from portal.db import db
from portal.models import Building, Floor, Role, Room, Unit
from portal.rules import RuleViolation

D = Decimal
START = date(2025, 1, 1)  # the meters' first month on record


def after(period: date, days: int = 1, hour: int = 9) -> datetime:
    """A moment early in the month after ``period``: when that month is read."""
    return timeutil.local(add_months(period, 1) + timedelta(days=days - 1), time(hour, 0))


def on(day: date, hour: int = 12) -> datetime:
    """A moment on ``day``: the ``now`` a service is given."""
    return timeutil.local(day, time(hour, 0))


@contextmanager
def refused(match: str | None = None):
    """The block raises a rule violation whose (English) message matches ``match``."""
    with pytest.raises(RuleViolation) as caught:
        yield caught
    if match is not None:
        message = in_english(caught.value.message)
        assert re.search(match, message), message


def month(n: int) -> date:
    """The n-th month of the test history: month(0) is January 2025."""
    return add_months(START, n)


@dataclass
class Site:
    units: dict[str, Unit]
    main: dict[Supply, Meter]
    unit_meters: dict[tuple[str, Supply], Meter]
    common: Meter
    meters: list[Meter] = field(default_factory=list)

    def read(self, period: date, values: dict[Meter, object], actor=None, clear_missing: bool = False):
        """Store readings (meter → value) for ``period``, as the grid would, and commit."""
        changes = services.save_readings(
            period,
            {meter.id: (None if value is None else D(str(value))) for meter, value in values.items()},
            actor=actor,
            now=after(period),
            clear_missing=clear_missing,
        )
        db.session.commit()
        return changes

    def invoice(self, period: date, supply: Supply, amount, consumption, key=AllocationKey.FLOOR_AREA, actor=None):
        invoice = services.save_invoice(
            period, supply, amount=D(str(amount)), consumption=D(str(consumption)), allocation_key=key,
            invoice_no="", actor=actor, now=after(period, 3),
        )
        db.session.commit()
        return invoice

    def close(self, period: date, confirm: bool = False, actor=None):
        closed = services.close_month(period, actor=actor, now=after(period, 5), confirm_warnings=confirm)
        db.session.commit()
        return closed

    def read_all(self, period: date, electricity: dict[str, object], water: dict[str, object] | None = None,
                 main: dict[Supply, object] | None = None, common: object = None):
        """Readings by unit name (and the main and common meters) for one month."""
        values: dict[Meter, object] = {}
        for name, value in electricity.items():
            values[self.unit_meters[name, Supply.ELECTRICITY]] = value
        for name, value in (water or {}).items():
            values[self.unit_meters[name, Supply.WATER]] = value
        for supply, value in (main or {}).items():
            values[self.main[supply]] = value
        if common is not None:
            values[self.common] = common
        return self.read(period, values)


def _meter(**fields) -> Meter:
    defaults = dict(multiplier=1, rollover_at=D("100000"), installed_on=START, initial_reading=D("0"))
    defaults.update(fields)
    meter = Meter(**defaults)
    db.session.add(meter)
    db.session.flush()
    return meter


@pytest.fixture
def site(app) -> Site:
    """Units 甲 (2 rooms, 50 m², 10 people), 乙 (30 m², 5) and 丙 (20 m², 5); an
    electricity main meter (×10) with a sub-meter per unit and a lobby meter; a
    water main meter with a sub-meter per unit."""
    building = Building(code="T", name="测试楼")
    floor = Floor(building=building, level=1)
    db.session.add_all([building, floor])
    units = {}
    for order, (name, headcount, areas) in enumerate((("甲", 10, (30, 20)), ("乙", 5, (30,)), ("丙", 5, (20,)))):
        unit = Unit(name=f"{name}局", short_name=name, headcount=headcount, sort_order=order)
        db.session.add(unit)
        for i, area in enumerate(areas):
            db.session.add(Room(floor=floor, number=f"{order}{i:02d}", unit=unit, area_m2=D(area)))
        units[name] = unit
    db.session.flush()
    main = {
        Supply.ELECTRICITY: _meter(code="E-000", name="总电表", supply=Supply.ELECTRICITY, kind=MeterKind.MAIN, multiplier=10),
        Supply.WATER: _meter(code="W-000", name="总水表", supply=Supply.WATER, kind=MeterKind.MAIN),
    }
    unit_meters = {}
    for number, (name, unit) in enumerate(units.items(), start=1):
        for supply, prefix in ((Supply.ELECTRICITY, "E"), (Supply.WATER, "W")):
            unit_meters[name, supply] = _meter(
                code=f"{prefix}-{number:03d}", name=f"{name}{prefix}", supply=supply, kind=MeterKind.UNIT,
                unit_id=unit.id, parent_id=main[supply].id,
            )
    common = _meter(code="E-C01", name="大厅", supply=Supply.ELECTRICITY, kind=MeterKind.COMMON,
                    area=CommonArea.LOBBY, parent_id=main[Supply.ELECTRICITY].id)
    for unit, electricity, water in ((units["甲"], "50", "50"), (units["乙"], "30", "25"), (units["丙"], "20", "25")):
        db.session.add(FixedRatio(unit_id=unit.id, supply=Supply.ELECTRICITY, percent=D(electricity)))
        db.session.add(FixedRatio(unit_id=unit.id, supply=Supply.WATER, percent=D(water)))
    db.session.commit()
    return Site(units, main, unit_meters, common, [*main.values(), *unit_meters.values(), common])


@pytest.fixture
def quiet_month(site):
    """Month 0 fully read and invoiced, ready to close. Electricity: main 100 ×10
    = 1 000 kWh; units 300 + 200 + 100; lobby 250; loss 150. Water: main 60 m³;
    units 20 + 10 + 10."""

    def fill(period: date = month(0), base: dict | None = None) -> date:
        base = base or {}
        site.read_all(
            period,
            electricity={name: D(base.get(name, 0)) + D(v) for name, v in (("甲", 300), ("乙", 200), ("丙", 100))},
            water={name: D(base.get("w" + name, 0)) + D(v) for name, v in (("甲", 20), ("乙", 10), ("丙", 10))},
            main={Supply.ELECTRICITY: D(base.get("E", 0)) + 100, Supply.WATER: D(base.get("W", 0)) + 60},
            common=D(base.get("C", 0)) + 250,
        )
        site.invoice(period, Supply.ELECTRICITY, "800.00", "1000")
        site.invoice(period, Supply.WATER, "240.00", "60", key=AllocationKey.HEADCOUNT)
        return period

    return fill


# --- shared by the page tests -------------------------------------------------


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def as_property(make_user, auth):
    user = make_user(roles=[Role.PROPERTY], username="wuye")
    auth.login_as(user)
    return user


@pytest.fixture
def as_manager(make_user, auth):
    user = make_user(roles=[Role.EMPLOYEE, Role.LOGISTICS_ADMIN], username="houqin")
    auth.login_as(user)
    return user


def grid_values(site, **overrides):
    """A full grid for January: every meter read."""
    E, W = Supply.ELECTRICITY, Supply.WATER
    values = {
        site.main[E]: "100", site.main[W]: "60", site.common: "250",
        site.unit_meters["甲", E]: "300", site.unit_meters["乙", E]: "200", site.unit_meters["丙", E]: "100",
        site.unit_meters["甲", W]: "20", site.unit_meters["乙", W]: "10", site.unit_meters["丙", W]: "10",
    }
    data = {f"m-{meter.id}": value for meter, value in values.items()}
    data.update(overrides)
    return data
