"""A small building with two closed Mays (see test_figures for the figures)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from portal import timeutil
from portal.blueprints.energy.models import EnergyQuantity
from portal.blueprints.utilities.models import (
    AllocationKey,
    BillingMonth,
    Invoice,
    MonthStatus,
    Supply,
    UnitBill,
    UnitBillLine,
)
from portal.db import db
from portal.models import Building, Floor, Room, RoomKind, Unit

E, W = Supply.ELECTRICITY, Supply.WATER


def _closed_month(period: date, invoices: dict, lines: dict) -> None:
    month = BillingMonth(period=period, status=MonthStatus.CLOSED, closed_at=timeutil.now())
    db.session.add(month)
    for supply, (consumption, amount) in invoices.items():
        db.session.add(Invoice(month=month, supply=supply, consumption=D(consumption), amount=D(amount),
                               allocation_key=AllocationKey.FLOOR_AREA))
    for unit, supplies in lines.items():
        bill = UnitBill(month=month, unit=unit, total=sum((D(a) for _, a in supplies.values()), D(0)))
        for supply, (usage, total) in supplies.items():
            bill.lines.append(UnitBillLine(supply=supply, usage=D(usage), rate=None, allocation_key=AllocationKey.FLOOR_AREA,
                                           weight=D(1), metered=D(total), shared=D(0), total=D(total)))
        db.session.add(bill)


@pytest.fixture
def site(app):
    a = Unit(name="甲局", short_name="甲", headcount=10, sort_order=1)
    b = Unit(name="乙局", short_name="乙", headcount=0, sort_order=2)
    floor = Floor(building=Building(code="T", name="测试楼"), level=1)
    db.session.add_all([a, b, floor])
    db.session.add_all([
        Room(floor=floor, number="101", kind=RoomKind.OFFICE, area_m2=D("100.00"), unit=a),
        Room(floor=floor, number="102", kind=RoomKind.OFFICE, area_m2=D("50.50"), unit=a),
        Room(floor=floor, number="103", kind=RoomKind.MEETING, area_m2=D("80.00"), unit=a),
        Room(floor=floor, number="201", kind=RoomKind.OFFICE, area_m2=D("200.00"), unit=b),
    ])
    _closed_month(date(2025, 5, 1), {E: ("10000", "6000"), W: ("300", "900")},
                  {a: {E: ("3000", "1800"), W: ("100", "300")}, b: {E: ("5000", "3000"), W: ("150", "450")}})
    _closed_month(date(2026, 5, 1), {E: ("9000", "5400"), W: ("270", "810")},
                  {a: {E: ("2700", "1620"), W: ("90", "270")}, b: {E: ("4500", "2700"), W: ("140", "420")}})
    db.session.add(EnergyQuantity(period=date(2026, 5, 1), source="natural_gas", unit_id=None, quantity=D(100), cost=D(345)))
    db.session.commit()
    return {"a": a, "b": b}


