"""Time in the building's zone. Every datetime the portal handles is aware."""

from __future__ import annotations

import time as time_module
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


# Tests set the clock (``set_clock``); the portal itself never does.
_clock_start: datetime | None = None
_clock_started_at = 0.0
_clock_runs = True


def now() -> datetime:
    """The current moment, in Asia/Shanghai (or the moment the tests chose)."""
    if _clock_start is None:
        return datetime.now(LOCAL_TZ)
    if not _clock_runs:
        return _clock_start
    return _clock_start + timedelta(seconds=time_module.monotonic() - _clock_started_at)


def set_clock(moment: datetime | None, *, runs: bool = False) -> None:
    """Make :func:`now` answer ``moment`` (aware), standing still or running on
    from it; ``None`` gives the real clock back. For tests only."""
    global _clock_start, _clock_started_at, _clock_runs
    if moment is not None and moment.tzinfo is None:
        raise ValueError("naive datetime")
    _clock_start = None if moment is None else moment.astimezone(LOCAL_TZ)
    _clock_started_at = time_module.monotonic()
    _clock_runs = runs


def today() -> date:
    return now().date()


def local(day: date, at: time) -> datetime:
    """Combine a calendar day and a wall-clock time in the building's zone."""
    return datetime.combine(day, at, tzinfo=LOCAL_TZ)


def to_local(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.astimezone(LOCAL_TZ)


def floor_to(moment: datetime, step: timedelta) -> datetime:
    """``moment`` rounded down to a whole ``step`` since midnight (local wall clock)."""
    midnight = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight + (moment - midnight) // step * step
