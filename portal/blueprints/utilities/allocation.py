"""Splitting a utility invoice between the units: ``allocate_bill``.

Each unit pays its own metered use at the invoice's effective rate (amount ÷
invoiced consumption); what is left — common areas and line loss, i.e. the main
meter minus the units' sub-meters — is shared by a key (floor area, headcount or
equal parts). The arithmetic is exact (fractions); only the final shares are
rounded to the fen, by the largest-remainder method, so they add up to the
invoice to the fen. A plain function: no database, no request.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import TypeVar

K = TypeVar("K", bound=Hashable)

FEN = Decimal("0.01")
RATE_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class BillShare:
    """One unit's part of an invoice. ``metered + shared == total`` (yuan, to the fen)."""

    usage: Decimal
    weight: Decimal
    metered: Decimal
    shared: Decimal
    total: Decimal


def _fraction(value: Decimal, what: str) -> Fraction:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise TypeError(f"{what} must be a finite Decimal, not {value!r}")
    if value < 0:
        raise ValueError(f"{what} must not be negative ({value})")
    return Fraction(value)


def effective_rate(amount: Decimal, consumption: Decimal) -> Decimal | None:
    """Yuan per unit of consumption, for display (4 places); None without consumption."""
    if consumption <= 0:
        return None
    return (amount / consumption).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def largest_remainder(exact: Mapping[K, Fraction], total_fen: int) -> dict[K, int]:
    """Round non-negative exact amounts (in fen) to whole fen that sum to ``total_fen``.

    Every amount is first rounded down; the fen still missing go one each to the
    largest fractional parts. Ties go to the smaller key, so the result does not
    depend on the order of the mapping.
    """
    floors = {key: value.numerator // value.denominator for key, value in exact.items()}
    missing = total_fen - sum(floors.values())
    if not 0 <= missing <= len(exact):
        raise ValueError("the exact amounts do not add up to the total")
    by_remainder = sorted(exact, key=lambda key: (-(exact[key] - floors[key]), key))
    for key in by_remainder[:missing]:
        floors[key] += 1
    return floors


def allocate_bill(
    amount: Decimal,
    consumption: Decimal,
    usage: Mapping[K, Decimal],
    weights: Mapping[K, Decimal],
) -> dict[K, BillShare]:
    """Split ``amount`` yuan (an invoice for ``consumption`` kWh or m³) between units.

    ``usage`` is each unit's metered consumption, ``weights`` its key for the
    remainder (floor area, headcount, 1 for equal parts). The units are the keys
    of either mapping (a missing usage or weight counts as zero); keys must be
    sortable, e.g. unit ids. When every weight is zero the remainder is shared
    equally. If the sub-meters add up to more than was invoiced, the whole
    amount is split in proportion to use and nothing is left to share.

    Guarantees: the totals add up to ``amount`` exactly, none is negative, and
    the result does not depend on the order of the units.
    """
    whole = _fraction(amount, "amount")
    if amount != amount.quantize(FEN):
        raise ValueError(f"amount {amount} has more than two decimal places")
    invoiced = _fraction(consumption, "consumption")
    units = sorted(set(usage) | set(weights))
    if not units:
        raise ValueError("there is no unit to allocate the bill to")
    used = {unit: _fraction(usage.get(unit, Decimal(0)), f"usage of {unit!r}") for unit in units}
    weight = {unit: _fraction(weights.get(unit, Decimal(0)), f"weight of {unit!r}") for unit in units}

    total_used = sum(used.values(), Fraction(0))
    if invoiced > 0 and total_used > 0:
        # At the effective rate, unless the sub-meters claim more than the invoice covers.
        divisor = max(invoiced, total_used)
        metered = {unit: whole * used[unit] / divisor for unit in units}
    else:
        metered = {unit: Fraction(0) for unit in units}
    remainder = whole - sum(metered.values(), Fraction(0))

    total_weight = sum(weight.values(), Fraction(0))
    if total_weight == 0:
        weight = {unit: Fraction(1) for unit in units}
        total_weight = Fraction(len(units))
    shared = {unit: remainder * weight[unit] / total_weight for unit in units}

    exact_fen = {unit: (metered[unit] + shared[unit]) * 100 for unit in units}
    total_fen = largest_remainder(exact_fen, int(amount * 100))

    result: dict[K, BillShare] = {}
    for unit in units:
        # Show the metered part rounded half up, never more than the unit's total.
        metered_fen = min(_round_half_up(metered[unit] * 100), total_fen[unit])
        result[unit] = BillShare(
            usage=usage.get(unit, Decimal(0)),
            weight=weights.get(unit, Decimal(0)),
            metered=_yuan(metered_fen),
            shared=_yuan(total_fen[unit] - metered_fen),
            total=_yuan(total_fen[unit]),
        )
    return result


def _round_half_up(value: Fraction) -> int:
    return int((value + Fraction(1, 2)).__floor__())


def _yuan(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(FEN)
