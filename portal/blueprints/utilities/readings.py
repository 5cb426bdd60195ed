"""Meter-reading rules as plain functions: parsing what staff type, the register
advance (with rollover), a meter's use in a month, and the anomalies that must be
looked at before a month is closed. No database, no request."""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from flask_babel import force_locale

from portal.i18n import lazy_gettext as _l
from portal.rules import RuleViolation

READING_PLACES = Decimal("0.01")
JUMP_FACTOR = 3
JUMP_HISTORY_MONTHS = 6
JUMP_MIN_HISTORY = 3  # fewer months than this say too little about "normal"


def in_english(message: object) -> str:
    """A (lazy) message as its English id, for logs and exceptions; pages show it translated."""
    with force_locale("en"):
        return str(message)


def parse_reading(raw: object, rollover_at: Decimal) -> Decimal | None:
    """What a person typed (or an xlsx cell held) as a register value.

    Empty means "no reading". Accepts digits with up to two decimals, full-width
    digits and a thousands separator; refuses negatives and values the register
    cannot show (at or above ``rollover_at``).
    """
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise RuleViolation(_l("Enter a number."))
    if isinstance(raw, int):
        value = Decimal(raw)
    elif isinstance(raw, float):
        value = Decimal(repr(raw))
    elif isinstance(raw, Decimal):
        value = raw
    else:
        text = str(raw).strip()
        if not text:
            return None
        text = text.translate(FULL_WIDTH).replace(",", "").replace(" ", "")
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise RuleViolation(_l("Enter a number.")) from None
    if not value.is_finite():
        raise RuleViolation(_l("Enter a number."))
    if value < 0:
        raise RuleViolation(_l("A register reading cannot be negative."))
    if value >= rollover_at:
        raise RuleViolation(_l("The register cannot show this value."))
    if value != value.quantize(READING_PLACES):
        raise RuleViolation(_l("Use at most two decimal places."))
    return value.quantize(READING_PLACES) + 0  # + 0 turns -0.00 into 0.00


FULL_WIDTH = str.maketrans("０１２３４５６７８９．，", "0123456789.,")


@dataclass(frozen=True)
class Advance:
    """How far a register moved: negative only when it really went backwards."""

    amount: Decimal
    rolled_over: bool = False


def register_advance(start: Decimal, end: Decimal, rollover_at: Decimal) -> Advance:
    """The register's movement from ``start`` to ``end``.

    A register counts up to ``rollover_at`` and then starts again at zero. When
    the end value is below the start, either the register wrapped or the
    reading is wrong; the shorter of the two distances is taken as what
    happened (a wrap from 99 950 to 30 is 80 forwards, a drop from 5 000 to
    4 990 is 10 backwards).
    """
    if end >= start:
        return Advance(end - start)
    forwards = rollover_at - start + end
    backwards = start - end
    if forwards < backwards:
        return Advance(forwards, rolled_over=True)
    return Advance(end - start)


@dataclass(frozen=True)
class MeterSpan:
    """One physical meter during one month: where its register started and ended.

    ``start`` is the previous month's reading (or the meter's initial reading
    if it was installed this month); ``end`` is this month's reading (or its
    final reading if it was removed this month). None: not read yet.
    """

    start: Decimal | None
    end: Decimal | None
    multiplier: int
    rollover_at: Decimal


@dataclass(frozen=True)
class SpanUsage:
    usage: Decimal | None  # None when a reading is missing
    rolled_over: bool = False

    @property
    def negative(self) -> bool:
        return self.usage is not None and self.usage < 0


def span_usage(span: MeterSpan) -> SpanUsage:
    """Consumption of one meter in one month: register advance × multiplier."""
    if span.start is None or span.end is None:
        return SpanUsage(None)
    advance = register_advance(span.start, span.end, span.rollover_at)
    return SpanUsage(advance.amount * span.multiplier, advance.rolled_over)


def line_usage(parts: Iterable[SpanUsage]) -> SpanUsage:
    """A metering point's use in a month, over every meter that served it (a
    replaced meter and its successor): None if any of them is not read."""
    total = Decimal(0)
    rolled = False
    for part in parts:
        if part.usage is None:
            return SpanUsage(None)
        total += part.usage
        rolled = rolled or part.rolled_over
    return SpanUsage(total, rolled)


class AnomalyKind(enum.StrEnum):
    MISSING = "missing"
    NEGATIVE = "negative"
    JUMP = "jump"
    SUBMETERS_EXCEED_PARENT = "submeters_exceed_parent"


BLOCKING = frozenset({AnomalyKind.MISSING, AnomalyKind.NEGATIVE})


@dataclass(frozen=True)
class LineMonth:
    """A metering point (a meter and the meters that replaced it) in one month."""

    key: Hashable
    parent: Hashable | None
    usage: SpanUsage


@dataclass(frozen=True)
class Anomaly:
    kind: AnomalyKind
    key: Hashable
    usage: Decimal | None = None
    reference: Decimal | None = None  # the 6-month average, or the parent's use
    children: tuple[Hashable, ...] = field(default=())

    @property
    def blocking(self) -> bool:
        """Must be fixed before closing; the others must be acknowledged."""
        return self.kind in BLOCKING


def average_use(history: Sequence[Decimal]) -> Decimal | None:
    """The mean of the last six months' use, if there are enough of them."""
    recent = list(history)[-JUMP_HISTORY_MONTHS:]
    if len(recent) < JUMP_MIN_HISTORY:
        return None
    return sum(recent, Decimal(0)) / len(recent)


def is_jump(usage: Decimal, history: Sequence[Decimal]) -> Decimal | None:
    """The average ``usage`` jumps over (more than 3×), or None."""
    average = average_use(history)
    if average is None or average <= 0:
        return None
    return average if usage > JUMP_FACTOR * average else None


def find_anomalies(lines: Sequence[LineMonth], history: Mapping[Hashable, Sequence[Decimal]]) -> list[Anomaly]:
    """Everything to look at before a month is closed.

    ``history`` holds each line's use in the months before, oldest first.
    Missing and negative readings block the close; a jump over three times the
    six-month average and sub-meters that add up to more than their parent
    (main) meter are warnings to confirm.
    """
    found: list[Anomaly] = []
    children: dict[Hashable, list[LineMonth]] = defaultdict(list)
    for line in lines:
        if line.parent is not None:
            children[line.parent].append(line)
        usage = line.usage.usage
        if usage is None:
            found.append(Anomaly(AnomalyKind.MISSING, line.key))
        elif usage < 0:
            found.append(Anomaly(AnomalyKind.NEGATIVE, line.key, usage))
        elif (average := is_jump(usage, history.get(line.key, ()))) is not None:
            found.append(Anomaly(AnomalyKind.JUMP, line.key, usage, average))
    for line in lines:
        parent_use = line.usage.usage
        kids = children.get(line.key)
        if not kids or parent_use is None or any(k.usage.usage is None for k in kids):
            continue
        kids_use = sum((k.usage.usage for k in kids), Decimal(0))  # type: ignore[misc]
        if kids_use > parent_use:
            found.append(
                Anomaly(
                    AnomalyKind.SUBMETERS_EXCEED_PARENT,
                    line.key,
                    kids_use,
                    parent_use,
                    tuple(k.key for k in kids),
                )
            )
    return found


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(period: date, months: int) -> date:
    index = period.year * 12 + period.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_end(period: date) -> date:
    return add_months(period, 1) - timedelta(days=1)
