"""The security patrol schedule and missed rounds, as plain functions of facts.

A route expects a round at each of its clock times every day (a night schedule
"every 2 hours from 18:00 to 08:00" is the times 18:00, 20:00 … 06:00, 08:00).
A recorded round counts for an expected round when it started within the
route's tolerance either side of the expected time (both ends included); each
recorded round counts for one expected round at most, the earliest it fits. An
expected round is **missed** once its tolerance window has passed with no round
counted for it. Windows cross midnight: a round started at 23:50 counts for the
00:00 round of the next day.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta


from portal.i18n import lazy_gettext as _l
from portal.labels import LabelledEnum
from portal.timeutil import LOCAL_TZ, to_local

MINUTES_PER_DAY = 24 * 60


class SlotStatus(LabelledEnum):
    DONE = "done", _l("Patrolled"), "ok"
    MISSED = "missed", _l("Missed"), "danger"
    DUE = "due", _l("Still to walk"), "muted"


def parse_times(text: str) -> list[time] | None:
    """``"08:00, 12:30 17:00"`` → sorted distinct times; None when a part is not HH:MM."""
    parts = [p for p in (text or "").replace("，", " ").replace(",", " ").replace("、", " ").split() if p]
    found: set[time] = set()
    for part in parts:
        hours, sep, minutes = part.partition(":")
        if not (sep and hours.isascii() and hours.isdigit() and minutes.isascii() and minutes.isdigit()
                and len(minutes) == 2 and int(hours) < 24 and int(minutes) < 60):
            return None
        found.add(time(int(hours), int(minutes)))
    return sorted(found)


def every(start: time, end: time, step_minutes: int) -> list[time]:
    """The times from ``start`` every ``step_minutes`` up to ``end`` (included), across midnight when
    ``end`` is earlier than ``start``: 18:00 to 08:00 every 120 minutes is eight times."""
    first = start.hour * 60 + start.minute
    span = (end.hour * 60 + end.minute - first) % MINUTES_PER_DAY
    found = {(first + offset) % MINUTES_PER_DAY for offset in range(0, span + 1, step_minutes)}
    return sorted(time(m // 60, m % 60) for m in found)


def format_times(times: Iterable[time]) -> str:
    return " ".join(t.strftime("%H:%M") for t in times)


@dataclass(slots=True)  # not frozen: a week of the log makes ~70, and frozen ones are slow to make
class Slot:
    """An expected round, and the recorded round counted for it (its id and start), if any."""

    at: datetime
    status: SlotStatus
    round_id: int | None = None
    started_at: datetime | None = None


def slots(times: Sequence[time], first: date, last: date, *, active_from: datetime,
          active_until: datetime | None = None) -> list[datetime]:
    """The expected round times on the days ``first`` to ``last`` while the route was in use."""
    found = []
    day = first
    while day <= last:
        for at in times:
            moment = datetime.combine(day, at, tzinfo=LOCAL_TZ)
            if moment >= active_from and (active_until is None or moment < active_until):
                found.append(moment)
        day += timedelta(days=1)
    return found


def match(expected: Sequence[datetime], rounds: Iterable[tuple[int, datetime]], tolerance: timedelta,
          now: datetime) -> list[Slot]:
    """Each expected time with the round counted for it (``rounds`` as (id, started_at)).

    One pass over both in time order: a round too early for an expected time is too early for every
    later one, so the earliest unused round that fits is always the next one not yet passed."""
    waiting = sorted(rounds, key=lambda r: (r[1], r[0]))
    next_round = 0
    result = []
    for at in sorted(expected):
        while next_round < len(waiting) and waiting[next_round][1] < at - tolerance:
            next_round += 1
        found = waiting[next_round] if next_round < len(waiting) and waiting[next_round][1] <= at + tolerance else None
        if found is not None:
            next_round += 1
            result.append(Slot(at, SlotStatus.DONE, found[0], found[1]))
        elif now > at + tolerance:
            result.append(Slot(at, SlotStatus.MISSED))
        else:
            result.append(Slot(at, SlotStatus.DUE))
    return result


def local_day(moment: datetime) -> date:
    return to_local(moment).date()
