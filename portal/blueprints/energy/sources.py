"""The one list of what the statistics count: every consumption source, its
unit, its standard-coal conversion factor, and the function that says how much
was used.

Each :class:`Source` brings a ``usage(first, last)`` function returning
:class:`Usage` rows for the months ``first`` … ``last`` (first days of months):
how much one unit — or the building with no unit to charge (``unit_id`` None:
common areas, line loss, a boiler) — used in one month, and what it cost. The
building's figure is the sum of all rows; a unit's is the sum of its own.

The statistics read those sums from ``sums(periods, unit_id, by_unit=...)``
(:data:`SumsFunction`), added up by the database: per month for the building
(``unit_id`` None) or one unit, or per unit and year of ``periods``
(``by_unit``; the rows' period is then the year's first day); ``periods`` None: every month
there are figures for, by month (``by_unit``: per unit and month), for the facts the pages keep
(``services.building_facts``, ``services.unit_facts``). Sources read from
one table share one ``sums`` function, which returns the rows of all of them
from one grouped query (the utilities' two supplies, the entered sources): the
statistics call each function once. Adding up what they return gives exactly
what adding up the ``usage`` rows would (tested on the demo building).

Electricity and water come from the utilities capability (closed months only:
the units' metered use from their bills, and the rest of the utility's invoice
as the building's). Natural gas, diesel and petrol are entered as monthly
quantities on the energy pages (``entered=True``).

The official cars' petrol and diesel come from the vehicles capability's trip
records (litres).

Factors (kgce per unit) follow GB/T 2589-2020; electricity uses the
equivalent value (当量值) 0.1229 kgce/kWh. Each can be changed with the setting
``PORTAL_ENERGY_KGCE_<CODE>`` (e.g. ``PORTAL_ENERGY_KGCE_ELECTRICITY=0.3``
for the equivalent-generation value 等价值). Water is counted but is not energy.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from flask import current_app
from sqlalchemy import ColumnElement, case, func, select

from portal.cache import cached
from portal.db import db
from portal.i18n import lazy_gettext as _l


@dataclass(frozen=True, slots=True)
class Usage:
    source: str
    period: date  # the first day of the month (of the year, for sums by unit)
    unit_id: int | None  # None: the building's, no unit to charge
    quantity: Decimal
    cost: Decimal | None = None


UsageFunction = Callable[[date, date], Iterable[Usage]]
SumsFunction = Callable[..., Iterable[Usage]]  # (periods or None: all, unit_id=None, *, by_unit=False)


def year_of(period: ColumnElement[date], periods: Collection[date]) -> ColumnElement[int]:
    """The year of ``period`` (one of ``periods``) in SQL, alike on every database."""
    return case(*((period < date(year + 1, 1, 1), year) for year in sorted({p.year for p in periods})))


@dataclass(frozen=True)
class Source:
    code: str
    label: object  # a lazy string
    unit_symbol: str
    default_factor: Decimal | None  # kgce per unit_symbol; None: not energy (water)
    usage: UsageFunction
    sums: SumsFunction
    entered: bool = False  # quantities entered month by month on the energy pages
    per_head: bool = False  # an indicator per person of its own (water: m³ per person)

    @property
    def is_energy(self) -> bool:
        return self.default_factor is not None

    @property
    def setting_key(self) -> str:
        return f"ENERGY_KGCE_{self.code.upper()}"

    def factor(self) -> Decimal | None:
        if self.default_factor is None:
            return None
        return current_app.config.get(self.setting_key, self.default_factor)


# --- utilities: closed months -------------------------------------------------


def utilities_usage(supply_value: str) -> UsageFunction:
    """A supply's use in closed months: each unit's metered use (and its bill line),
    and the rest of the invoice (common areas, line loss) as the building's."""

    def usage(first: date, last: date) -> Iterable[Usage]:
        from portal.blueprints.utilities.models import (
            BillingMonth,
            Invoice,
            MonthStatus,
            Supply,
            UnitBill,
            UnitBillLine,
        )

        supply = Supply(supply_value)
        closed = (BillingMonth.status == MonthStatus.CLOSED, BillingMonth.period >= first, BillingMonth.period <= last)
        lines = db.session.execute(
            select(BillingMonth.period, UnitBill.unit_id, UnitBillLine.usage, UnitBillLine.total)
            .join(UnitBill, UnitBill.month_id == BillingMonth.id)
            .join(UnitBillLine, UnitBillLine.bill_id == UnitBill.id)
            .where(*closed, UnitBillLine.supply == supply)
        ).all()
        units_usage: dict[date, Decimal] = {}
        units_cost: dict[date, Decimal] = {}
        for period, unit_id, used, total in lines:
            units_usage[period] = units_usage.get(period, Decimal(0)) + used
            units_cost[period] = units_cost.get(period, Decimal(0)) + total
            yield Usage(supply_value, period, unit_id, used, total)
        invoices = db.session.execute(
            select(BillingMonth.period, Invoice.consumption, Invoice.amount)
            .join(Invoice, Invoice.month_id == BillingMonth.id)
            .where(*closed, Invoice.supply == supply)
        ).all()
        for period, consumption, amount in invoices:
            yield Usage(supply_value, period, None, consumption - units_usage.get(period, Decimal(0)),
                        amount - units_cost.get(period, Decimal(0)))

    return usage


UTILITY_SUPPLIES = ("electricity", "water")


def utilities_sums(periods: Collection[date] | None, unit_id: int | None = None, *, by_unit: bool = False) -> list[Usage]:
    """:func:`utilities_usage` of both supplies added up in SQL, grouped by supply: the units'
    lines per month (all, or one unit's) or per unit; the building's month is its lines plus,
    for each invoice, the invoice less those lines (as the usage rows say)."""
    from portal.blueprints.utilities.models import (
        BillingMonth,
        Invoice,
        MonthStatus,
        Supply,
        UnitBill,
        UnitBillLine,
    )

    if periods is not None and not periods:
        return []
    supplies = [Supply(code) for code in UTILITY_SUPPLIES]
    closed = (BillingMonth.status == MonthStatus.CLOSED,
              *(() if periods is None else (BillingMonth.period.in_(sorted(periods)),)))
    if periods is None:
        group = (UnitBillLine.supply, BillingMonth.period, *((UnitBill.unit_id,) if by_unit else ()))
    elif by_unit:
        group = (UnitBillLine.supply, year_of(BillingMonth.period, periods), UnitBill.unit_id)
    else:
        group = (UnitBillLine.supply, BillingMonth.period)
    lines = (
        select(*group, func.sum(UnitBillLine.usage), func.sum(UnitBillLine.total)).select_from(BillingMonth)
        .join(UnitBill, UnitBill.month_id == BillingMonth.id)
        .join(UnitBillLine, UnitBillLine.bill_id == UnitBill.id)
        .where(*closed, UnitBillLine.supply.in_(supplies)).group_by(*group)
    )
    if by_unit:
        return [Usage(supply.value, date(year, 1, 1) if periods is not None else year, unit, used, total)
                for supply, year, unit, used, total in db.session.execute(lines)]
    if unit_id is not None:
        return [Usage(supply.value, period, unit_id, used, total)
                for supply, period, used, total in db.session.execute(lines.where(UnitBill.unit_id == unit_id))]
    units = {(supply, period): (used, total) for supply, period, used, total in db.session.execute(lines)}
    result = [Usage(supply.value, period, None, used, total) for (supply, period), (used, total) in units.items()]
    for supply, period, consumption, amount, count in db.session.execute(
        select(Invoice.supply, BillingMonth.period, func.sum(Invoice.consumption), func.sum(Invoice.amount), func.count())
        .join(Invoice, Invoice.month_id == BillingMonth.id)
        .where(*closed, Invoice.supply.in_(supplies)).group_by(Invoice.supply, BillingMonth.period)
    ):
        used, total = units.get((supply, period), (Decimal(0), Decimal(0)))
        result.append(Usage(supply.value, period, None, consumption - count * used, amount - count * total))
    return result


def closed_periods(first: date | None = None, last: date | None = None) -> set[date]:
    """The utilities months closed in [first, last] (without them: all): the months whose figures are final."""
    from portal.blueprints.utilities.models import BillingMonth, MonthStatus

    within = () if first is None or last is None else (BillingMonth.period >= first, BillingMonth.period <= last)
    return set(db.session.scalars(
        select(BillingMonth.period).where(BillingMonth.status == MonthStatus.CLOSED, *within)
    ))


# --- entered on the energy pages -------------------------------------------------


def entered_usage(code: str) -> UsageFunction:
    def usage(first: date, last: date) -> Iterable[Usage]:
        from portal.blueprints.energy.models import EnergyQuantity

        rows = db.session.execute(
            select(EnergyQuantity.period, EnergyQuantity.unit_id, EnergyQuantity.quantity, EnergyQuantity.cost).where(
                EnergyQuantity.source == code, EnergyQuantity.period >= first, EnergyQuantity.period <= last
            )
        )
        for period, unit_id, quantity, cost in rows:
            yield Usage(code, period, unit_id, quantity, cost)

    return usage


def entered_sums(periods: Collection[date] | None, unit_id: int | None = None, *, by_unit: bool = False) -> list[Usage]:
    """:func:`entered_usage` of every entered source added up in SQL, grouped by source (a cost
    left empty counts for nothing)."""
    from portal.blueprints.energy.models import EnergyQuantity

    if periods is not None and not periods:
        return []
    if periods is None:
        group = (EnergyQuantity.source, EnergyQuantity.period, *((EnergyQuantity.unit_id,) if by_unit else ()))
    elif by_unit:
        group = (EnergyQuantity.source, year_of(EnergyQuantity.period, periods), EnergyQuantity.unit_id)
    else:
        group = (EnergyQuantity.source, EnergyQuantity.period)
    query = (
        select(*group, func.sum(EnergyQuantity.quantity), func.sum(EnergyQuantity.cost))
        .where(EnergyQuantity.source.in_([s.code for s in entered_sources()]),
               *(() if periods is None else (EnergyQuantity.period.in_(sorted(periods)),)))
        .group_by(*group)
    )
    if by_unit:
        return [Usage(code, date(year, 1, 1) if periods is not None else year, unit, quantity, cost)
                for code, year, unit, quantity, cost in db.session.execute(query)]
    if unit_id is not None:
        query = query.where(EnergyQuantity.unit_id == unit_id)
    return [Usage(code, period, unit_id, quantity, cost) for code, period, quantity, cost in db.session.execute(query)]


def entered_periods(code: str, first: date, last: date) -> set[date]:
    from portal.blueprints.energy.models import EnergyQuantity

    return set(db.session.scalars(
        select(func.distinct(EnergyQuantity.period)).where(
            EnergyQuantity.source == code, EnergyQuantity.period >= first, EnergyQuantity.period <= last
        )
    ))


# --- the official cars: fuel of recorded trips ----------------------------------------


# The months "every month" spans for the cars' record (trips are dated; the bounds are the data's, not today's).
ALL_MONTHS = (date(1900, 1, 1), date(9999, 11, 1))


def vehicle_fuel_usage(fuel: str) -> UsageFunction:
    """Litres of one fuel the official cars used on recorded trips (the pool's: no unit charged).
    Electric cars charge from the building's meters, so their kWh are in electricity already."""

    def usage(first: date, last: date) -> Iterable[Usage]:
        from portal.blueprints.vehicles.services import monthly_fuel

        end = date(last.year + last.month // 12, last.month % 12 + 1, 1)
        until = end.fromordinal(end.toordinal() - 1)
        # Petrol and diesel are read from one query (the "energy" area watches trips and cars).
        by_month = cached(("energy",), ("energy.vehicle_fuel", first, until), lambda: monthly_fuel(first, until))
        for period, fuels in sorted(by_month.items()):
            if fuels.get(fuel):
                yield Usage(f"vehicle_{fuel}", period, None, fuels[fuel])

    return usage


def vehicle_fuel_sums(fuel: str) -> SumsFunction:
    """The cars' litres by month are few rows already: the building's, no unit's."""
    usage = vehicle_fuel_usage(fuel)

    def sums(periods: Collection[date] | None, unit_id: int | None = None, *, by_unit: bool = False) -> list[Usage]:
        if by_unit or unit_id is not None:
            return []
        if periods is None:  # every month: the cars' whole record
            return [row for row in usage(ALL_MONTHS[0], ALL_MONTHS[1])]
        if not periods:
            return []
        return [row for row in usage(min(periods), max(periods)) if row.period in periods]

    return sums


# --- the list ----------------------------------------------------------------------

SOURCES: list[Source] = [
    Source("electricity", _l("Electricity"), "kWh", Decimal("0.1229"), utilities_usage("electricity"), utilities_sums),
    Source("water", _l("Water"), "m³", None, utilities_usage("water"), utilities_sums, per_head=True),
    Source("natural_gas", _l("Natural gas"), "m³", Decimal("1.2143"), entered_usage("natural_gas"), entered_sums,
           entered=True),
    Source("diesel", _l("Diesel"), "kg", Decimal("1.4571"), entered_usage("diesel"), entered_sums, entered=True),
    Source("petrol", _l("Petrol"), "kg", Decimal("1.4714"), entered_usage("petrol"), entered_sums, entered=True),
    # GB/T 2589-2020 per kg × density (petrol 0.73 kg/L, diesel 0.86 kg/L)
    Source("vehicle_petrol", _l("Petrol (official cars)"), "L", Decimal("1.0742"), vehicle_fuel_usage("petrol"),
           vehicle_fuel_sums("petrol")),
    Source("vehicle_diesel", _l("Diesel (official cars)"), "L", Decimal("1.2531"), vehicle_fuel_usage("diesel"),
           vehicle_fuel_sums("diesel")),
]


def sources() -> list[Source]:
    return list(SOURCES)


def source(code: str) -> Source | None:
    return next((s for s in SOURCES if s.code == code), None)


def entered_sources() -> list[Source]:
    return [s for s in SOURCES if s.entered]


def _decimal(raw: str) -> Decimal:
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ValueError("not a number") from None
    if not value.is_finite() or value < 0:
        raise ValueError("not a positive number")
    return value


def factor_settings():
    from portal.capabilities import Setting

    return tuple(Setting(s.setting_key, s.default_factor, parse=_decimal) for s in SOURCES if s.is_energy)
