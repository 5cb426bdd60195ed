"""The arithmetic of the energy statistics, on plain values (no database).

Rounding, stated once: quantities and kgce are summed exactly (a quantity in
hundredths times a factor in ten-thousandths) and rounded only when shown, to
0.01 kgce; the indicators (kgce/m², kgce/person, m³/person) are rounded half up
to 0.01; a change in per cent half up to 0.1 (``change_percent``), computed
from the exact values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
TENTH = Decimal("0.1")
ZERO = Decimal(0)
HUNDRED = Decimal(100)


def rounded(value: Decimal | None, places: Decimal = CENT) -> Decimal | None:
    return None if value is None else value.quantize(places, rounding=ROUND_HALF_UP)


def to_kgce(quantity: Decimal, factor: Decimal | None) -> Decimal:
    """Standard coal equivalent of a quantity, exact."""
    return ZERO if factor is None else quantity * factor


def per(value: Decimal | None, divisor: Decimal | int | None) -> Decimal | None:
    """``value / divisor`` rounded half up to 0.01; None without a divisor."""
    if value is None or not divisor:
        return None
    return rounded(value / Decimal(divisor))


def change_percent(this: Decimal | None, last: Decimal | None) -> Decimal | None:
    """The change on last year in per cent (negative: less used), half up to 0.1."""
    if this is None or last is None or last == 0:
        return None
    return rounded((this - last) * HUNDRED / last, TENTH)


@dataclass
class Totals:
    """What was used in some months: per source, in kgce and in money."""

    quantities: dict[str, Decimal] = field(default_factory=dict)
    cost: Decimal = ZERO
    kgce: Decimal = ZERO  # exact
    months: int = 0  # how many months these totals cover

    def quantity(self, code: str) -> Decimal:
        return self.quantities.get(code, ZERO)

    @property
    def kgce_shown(self) -> Decimal:
        return rounded(self.kgce)  # type: ignore[return-value]


def add_up(rows: Iterable, factors: Mapping[str, Decimal | None], months: int = 0) -> Totals:
    """Totals of usage rows (anything with ``source``, ``quantity``, ``cost``)."""
    totals = Totals(months=months)
    for row in rows:
        totals.quantities[row.source] = totals.quantities.get(row.source, ZERO) + row.quantity
        if row.cost is not None:
            totals.cost += row.cost
        totals.kgce += to_kgce(row.quantity, factors.get(row.source))
    return totals


def combine(parts: Iterable[Totals], months: int = 0) -> Totals:
    """Totals of totals (say, of months): exactly what :func:`add_up` of all their rows gives."""
    totals = Totals(months=months)
    for part in parts:
        for code, quantity in part.quantities.items():
            totals.quantities[code] = totals.quantities.get(code, ZERO) + quantity
        totals.cost += part.cost
        totals.kgce += part.kgce
    return totals


@dataclass(frozen=True)
class Indicators:
    """Art. 23 of the 公共机构节能条例: per m² of floor area and per person."""

    kgce_per_m2: Decimal | None
    kgce_per_head: Decimal | None
    water_per_head: Decimal | None


def indicators(totals: Totals, floor_area: Decimal | None, headcount: int | None, water_code: str = "water") -> Indicators:
    return Indicators(
        kgce_per_m2=per(totals.kgce, floor_area),
        kgce_per_head=per(totals.kgce, headcount),
        water_per_head=per(totals.quantities.get(water_code), headcount) if water_code in totals.quantities else None,
    )


@dataclass(frozen=True)
class Comparison:
    """This period against the same months of last year."""

    this: Decimal
    last: Decimal | None

    @property
    def change(self) -> Decimal | None:
        return change_percent(self.this, self.last)

    @property
    def saving(self) -> Decimal | None:
        """How much less than last year (negative: more)."""
        return None if self.last is None else self.last - self.this


# National public-institution figures for orientation (国家机关事务管理局,
# 公共机构节约能源资源"十四五"规划): the 2020 baselines and the change by 2025.
BASELINES_2020 = {
    "kgce_per_m2": Decimal("18.48"),
    "kgce_per_head": Decimal("329.56"),
    "water_per_head": Decimal("21.53"),
}
TARGET_CHANGE_2025 = {"kgce_per_m2": Decimal(-5), "kgce_per_head": Decimal(-6), "water_per_head": Decimal(-6)}


def target_2025(key: str) -> Decimal:
    """The 2025 target value: the baseline less the target's per cent, half up to 0.01."""
    return rounded(BASELINES_2020[key] * (HUNDRED + TARGET_CHANGE_2025[key]) / HUNDRED)  # type: ignore[return-value]


def quota_share(quota: Decimal, months: int) -> Decimal:
    """The part of a yearly quota that ``months`` months may use (evenly), exact."""
    return quota * months / 12


def ahead_of_quota(used: Decimal, quota: Decimal, months: int) -> bool:
    """Whether use in the first ``months`` months runs ahead of an even share of the quota."""
    return months > 0 and used > quota_share(quota, months)


def per_workday(quantity: Decimal, workdays: int) -> Decimal | None:
    return per(quantity, workdays)
