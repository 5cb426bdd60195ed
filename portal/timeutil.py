"""Time in the building's zone. Every datetime the portal handles is aware."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def now() -> datetime:
    """The current moment, in Asia/Shanghai."""
    return datetime.now(LOCAL_TZ)


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
