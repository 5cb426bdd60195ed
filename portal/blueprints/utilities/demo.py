"""Demo meters and fourteen months of readings for the demo building.

Every unit has an electricity and a water sub-meter; the common areas (lobby,
corridors, lifts, meeting rooms) have their own; the main meters carry the
utility's invoices. Use follows the seasons (air conditioning in summer and
winter) and each unit's habits — which the old fixed ratio ignored, so the
comparison shows real winners and losers. Thirteen months are closed with
bills; last month is read and invoiced but still open, with one reading flagged.
One meter was replaced and one register rolls over. Deterministic for a given
current month, and idempotent.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select

from portal import timeutil
from portal.blueprints.utilities import services
from portal.blueprints.utilities.models import (
    AllocationKey,
    BillingMonth,
    CommonArea,
    FixedRatio,
    Invoice,
    Meter,
    MeterKind,
    MeterReading,
    MonthStatus,
    Supply,
)
from portal.blueprints.utilities.readings import add_months, month_start
from portal.db import db
from portal.models import Room, Unit, User

MONTHS = 14  # readings for the 14 months before this one; all but the last are closed
CENT = Decimal("0.01")

# Air conditioning: summer cooling peaks, a smaller winter heating peak.
ELECTRICITY_SEASON = {1: 1.35, 2: 1.15, 3: 0.9, 4: 0.85, 5: 0.95, 6: 1.25, 7: 1.6, 8: 1.65, 9: 1.2, 10: 0.9, 11: 0.95, 12: 1.3}
WATER_SEASON = {1: 0.85, 2: 0.8, 3: 0.95, 4: 1.0, 5: 1.05, 6: 1.2, 7: 1.3, 8: 1.3, 9: 1.15, 10: 1.0, 11: 0.95, 12: 0.9}

# How hard a unit uses power and water compared with its headcount: the service
# hall, petition office and the units with server rooms run long hours; small
# committees are often out. The old ratio knew nothing of this.
INTENSITY = {
    "审批局": (2.4, 2.6),
    "医保局": (1.7, 1.9),
    "信访局": (1.5, 1.7),
    "县委办": (1.5, 1.1),
    "经信局": (1.6, 0.9),
    "政府办": (1.3, 1.1),
    "统计局": (1.2, 0.9),
    "法工委": (0.55, 0.6),
    "提案委": (0.5, 0.6),
    "研究室": (0.6, 0.7),
    "科技局": (0.7, 0.8),
    "商务局": (0.7, 0.8),
}

# name, area, electricity kWh/month, water m³/month (before the seasons)
COMMON_AREAS = (
    (Supply.ELECTRICITY, CommonArea.LOBBY, "大厅照明及服务大厅空调", 5200),
    (Supply.ELECTRICITY, CommonArea.CORRIDORS, "走廊及楼梯间照明", 2600),
    (Supply.ELECTRICITY, CommonArea.LIFTS, "电梯（主楼4部）", 1900),
    (Supply.ELECTRICITY, CommonArea.MEETING_ROOMS, "会议室及贵宾接待室", 4300),
    (Supply.WATER, CommonArea.LOBBY, "大厅公共卫生间", 150),
    (Supply.WATER, CommonArea.CORRIDORS, "各楼层公共卫生间", 320),
    (Supply.WATER, CommonArea.MEETING_ROOMS, "会议室茶水间", 28),
)

ELECTRICITY_MAIN_CT = 400  # 2000/5 A
ELECTRICITY_PRICE = Decimal("0.7854")  # yuan per kWh, general industrial and commercial
WATER_PRICE = Decimal("4.35")  # yuan per m³, water and sewage, non-residential

REPLACED_UNIT = "财政局"  # its electricity meter failed and was replaced
ROLLOVER_UNIT = "统计局"  # its old five-digit register wraps past 99999.99
LEAKING_UNIT = "民政局"  # a leaking cistern last month: the flagged reading


@dataclass
class DemoMeter:
    meter: Meter
    register: Decimal
    readings: dict[date, Decimal] = field(default_factory=dict)

    def advance(self, usage: Decimal) -> Decimal:
        """Move the register for ``usage`` kWh or m³; returns the use actually metered."""
        step = (usage / self.meter.multiplier).quantize(CENT, rounding=ROUND_HALF_UP)
        self.register = (self.register + step) % self.meter.rollover_at
        return step * self.meter.multiplier


def _noise(rng: random.Random, spread: float = 0.08) -> float:
    return 1 + rng.uniform(-spread, spread)


def _at(period: date, day: int, hour: int) -> datetime:
    """A moment in the days after ``period`` (never later than now)."""
    return min(timeutil.local(add_months(period, 1) + timedelta(days=day - 1), time(hour, 0)), timeutil.now())


def seed_demo() -> None:
    if db.session.scalar(select(func.count()).select_from(Meter)):
        return
    units = db.session.scalars(select(Unit).order_by(Unit.sort_order, Unit.id)).all()
    if not units:
        return
    users = {u.username: u for u in db.session.scalars(select(User).where(User.username.in_(["logistics", "property"])))}
    staff, manager = users.get("property"), users.get("logistics")
    rng = random.Random(8)
    this_month = month_start(timeutil.today())
    periods = [add_months(this_month, -MONTHS + i) for i in range(MONTHS)]
    installed = add_months(periods[0], -1)

    mains = {
        Supply.ELECTRICITY: Meter(code="E-000", name="总电表（10kV配电房）", supply=Supply.ELECTRICITY, kind=MeterKind.MAIN,
                                  multiplier=ELECTRICITY_MAIN_CT, rollover_at=Decimal("1000000"), installed_on=installed,
                                  initial_reading=Decimal("35812.40"), serial_no="DTSD341-0710023"),
        Supply.WATER: Meter(code="W-000", name="总水表（市政进水口）", supply=Supply.WATER, kind=MeterKind.MAIN,
                            multiplier=1, rollover_at=Decimal("1000000"), installed_on=installed,
                            initial_reading=Decimal("48230.00"), serial_no="LXLG-100-0611")
    }
    db.session.add_all(mains.values())
    db.session.flush()

    sub: list[tuple[DemoMeter, Supply, float]] = []  # meter, supply, base use per month
    for index, unit in enumerate(units, start=1):
        power, water = INTENSITY.get(unit.short_name, (rng.uniform(0.8, 1.2), rng.uniform(0.8, 1.2)))
        big = unit.headcount >= 20
        electricity = Meter(
            code=f"E-{index:03d}", name=f"{unit.short_name}电表", supply=Supply.ELECTRICITY, kind=MeterKind.UNIT,
            unit=unit, parent_id=mains[Supply.ELECTRICITY].id, multiplier=20 if big else 1,
            rollover_at=Decimal("100000"), installed_on=installed,
            initial_reading=Decimal(rng.randrange(1000, 60000)) + Decimal(rng.randrange(100)) / 100,
        )
        water_meter = Meter(
            code=f"W-{index:03d}", name=f"{unit.short_name}水表", supply=Supply.WATER, kind=MeterKind.UNIT,
            unit=unit, parent_id=mains[Supply.WATER].id, multiplier=1, rollover_at=Decimal("100000"),
            installed_on=installed, initial_reading=Decimal(rng.randrange(200, 9000)),
        )
        db.session.add_all([electricity, water_meter])
        sub.append((DemoMeter(electricity, electricity.initial_reading), Supply.ELECTRICITY, unit.headcount * 85 * power))
        sub.append((DemoMeter(water_meter, water_meter.initial_reading), Supply.WATER, unit.headcount * 0.9 * water))
    for number, (supply, area, name, base) in enumerate(COMMON_AREAS, start=1):
        prefix = "E" if supply is Supply.ELECTRICITY else "W"
        meter = Meter(
            code=f"{prefix}-C{number:02d}", name=name, supply=supply, kind=MeterKind.COMMON, area=area,
            parent_id=mains[supply].id, multiplier=10 if supply is Supply.ELECTRICITY else 1,
            rollover_at=Decimal("100000"), installed_on=installed, initial_reading=Decimal(rng.randrange(100, 5000)),
        )
        db.session.add(meter)
        sub.append((DemoMeter(meter, meter.initial_reading), supply, float(base)))
    db.session.flush()

    by_unit = {(d.meter.unit.short_name if d.meter.unit else None, s): d for d, s, _ in sub}
    if (rolling := by_unit.get((ROLLOVER_UNIT, Supply.ELECTRICITY))) is not None:
        rolling.meter.initial_reading = rolling.register = Decimal("97650.00")  # wraps in the third month

    main_meters = {s: DemoMeter(m, m.initial_reading) for s, m in mains.items()}
    replaced = by_unit.get((REPLACED_UNIT, Supply.ELECTRICITY))
    replace_in = periods[6]
    usage_totals: dict[tuple[date, Supply], Decimal] = {}

    for period in periods:
        totals = {Supply.ELECTRICITY: Decimal(0), Supply.WATER: Decimal(0)}
        for demo_meter, supply, base in sub:
            season = (ELECTRICITY_SEASON if supply is Supply.ELECTRICITY else WATER_SEASON)[period.month]
            places = 0 if supply is Supply.ELECTRICITY else 1
            wanted = Decimal(str(round(base * season * _noise(rng), places)))
            unit = demo_meter.meter.unit
            if unit is not None and unit.short_name == LEAKING_UNIT and supply is Supply.WATER and period == periods[-1]:
                wanted *= 5
            if demo_meter is replaced and period == replace_in:
                totals[supply] += _replace(demo_meter, wanted, period, sub)
                continue
            totals[supply] += demo_meter.advance(wanted)
            demo_meter.readings[period] = demo_meter.register
        for supply, main in main_meters.items():
            loss = Decimal(str(round(rng.uniform(1.03, 1.05) if supply is Supply.ELECTRICITY else rng.uniform(1.04, 1.08), 3)))
            usage_totals[period, supply] = main.advance(totals[supply] * loss)
            main.readings[period] = main.register

    # The replaced meter keeps its readings up to the change; the new one has them from then on.
    all_meters = [d for d, _, _ in sub] + ([replaced] if replaced else []) + list(main_meters.values())
    months = {}
    for period in periods:
        month = BillingMonth(period=period, status=MonthStatus.OPEN, created_at=_at(period, 1, 8))
        db.session.add(month)
        months[period] = month
    db.session.flush()
    for demo_meter in all_meters:
        for period, value in demo_meter.readings.items():
            db.session.add(MeterReading(month_id=months[period].id, meter_id=demo_meter.meter.id, value=value,
                                        entered_at=_at(period, 2, 9), entered_by_id=staff.id if staff else None))
    for period in periods:
        for supply in (Supply.ELECTRICITY, Supply.WATER):
            consumption = usage_totals[period, supply]
            price = ELECTRICITY_PRICE if supply is Supply.ELECTRICITY else WATER_PRICE
            db.session.add(Invoice(
                month_id=months[period].id, supply=supply, consumption=consumption,
                amount=(consumption * price).quantize(CENT, rounding=ROUND_HALF_UP),
                invoice_no=f"{'GD' if supply is Supply.ELECTRICITY else 'SW'}{period:%Y%m}{rng.randrange(1000, 9999)}",
                allocation_key=AllocationKey.FLOOR_AREA if supply is Supply.ELECTRICITY else AllocationKey.HEADCOUNT,
                entered_at=_at(period, 5, 10), entered_by_id=manager.id if manager else None,
            ))
    _seed_fixed_ratios(units)
    db.session.commit()

    for period in periods[:-1]:
        services.close_month(period, actor=manager, now=_at(period, 6, 15), confirm_warnings=True)
        db.session.commit()
    _seed_correction(periods[-4], manager)
    db.session.commit()


def _replace(old: DemoMeter, wanted: Decimal, period: date, sub: list) -> Decimal:
    """Replace ``old`` mid-month: part of the month on the old meter, the rest on the new one."""
    before = old.advance((wanted * Decimal("0.45")).quantize(Decimal(1)))
    meter = old.meter
    meter.removed_on = period + timedelta(days=13)
    meter.final_reading = old.register
    new = Meter(
        code=f"{meter.code}-2", name=meter.name, serial_no="DDS1352-2417", supply=meter.supply, kind=meter.kind,
        unit=meter.unit, parent_id=meter.parent_id, replaces=meter, multiplier=meter.multiplier,
        rollover_at=meter.rollover_at, installed_on=meter.removed_on, initial_reading=Decimal("0.00"),
        note="原表计量芯片故障，更换新表。",
    )
    db.session.add(new)
    db.session.flush()
    successor = DemoMeter(new, Decimal("0.00"))
    after = successor.advance(wanted - before)
    successor.readings[period] = successor.register
    for i, (demo_meter, supply, base) in enumerate(sub):
        if demo_meter is old:
            sub[i] = (successor, supply, base)
    return before + after


def _seed_fixed_ratios(units: list[Unit]) -> None:
    """The 2007 split: half by headcount, half by office area, to 0.001 %, adding up to 100."""
    areas = dict(
        db.session.execute(select(Room.unit_id, func.sum(Room.area_m2)).group_by(Room.unit_id)).all()
    )
    people = sum(u.headcount for u in units) or 1
    space = sum((areas.get(u.id) or Decimal(0)) for u in units) or Decimal(1)
    for supply in (Supply.ELECTRICITY, Supply.WATER):
        shares = {
            u.id: (Decimal(u.headcount) / people * 50 + (areas.get(u.id) or Decimal(0)) / space * 50).quantize(Decimal("0.001"))
            for u in units
        }
        largest = max(shares, key=lambda unit_id: (shares[unit_id], -unit_id))
        shares[largest] += Decimal(100) - sum(shares.values())
        for unit_id, percent in shares.items():
            db.session.add(FixedRatio(unit_id=unit_id, supply=supply, percent=percent))


def _seed_correction(period: date, actor: User | None) -> None:
    """One disputed bill, corrected after the month was closed."""
    month = services.get_month(period)
    bills = {
        b.unit.short_name: b
        for b in db.session.scalars(services.bills_query(month_id=month.id)) if b.unit.short_name in {"医保局", "后勤管理中心"}
    } if month else {}
    if len(bills) != 2:
        return
    reason = "本月多功能报告厅培训期间临时接电误接入医保局电表，经核实更正。"
    services.add_adjustment(bills["医保局"], Supply.ELECTRICITY, Decimal("-186.40"), reason, actor=actor,
                            now=_at(period, 20, 10))
    services.add_adjustment(bills["后勤管理中心"], Supply.ELECTRICITY, Decimal("186.40"), reason, actor=actor,
                            now=_at(period, 20, 10))

