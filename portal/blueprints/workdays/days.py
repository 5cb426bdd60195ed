"""The portal's one workday calendar, read side (China's statutory holidays and make-up
workdays), used by meeting rooms, the shuttle and the lobby display.

Official dates come from the maintained ``chinesecalendar`` package; logistics
admins add or override dates in ``CalendarDay`` (a year the package does not
know yet, a local change). Outside what either knows, the answer is
``is_workday=None``: callers say so instead of guessing.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar
from sqlalchemy import bindparam, select

from portal.db import db
from portal.i18n import lazy_gettext as _l

from .models import CalendarDay


class DaySource(enum.StrEnum):
    LOCAL = "local"  # a CalendarDay row
    OFFICIAL = "official"  # the chinesecalendar package
    UNKNOWN = "unknown"  # outside both


# The package names holidays in English; these are the names people use.
HOLIDAY_NAMES = {
    "New Year's Day": _l("New Year's Day"),
    "Spring Festival": _l("Spring Festival"),
    "Tomb-sweeping Day": _l("Tomb-sweeping Day"),
    "Labour Day": _l("Labour Day"),
    "Dragon Boat Festival": _l("Dragon Boat Festival"),
    "National Day": _l("National Day"),
    "Mid-autumn Festival": _l("Mid-autumn Festival"),
    "Anti-Fascist 70th Day": _l("Victory Day (70th anniversary)"),
}


@dataclass(frozen=True)
class DayInfo:
    day: date
    is_workday: bool | None
    source: DaySource
    holiday: str = ""  # package name of the holiday, for HOLIDAY_NAMES
    note: str = ""  # a local override's note
    makeup_workday: bool = False  # a weekend day worked in lieu of a holiday (调休上班)

    @property
    def known(self) -> bool:
        return self.is_workday is not None

    @property
    def label(self) -> object:
        """What to show: the local note, the holiday's name, or nothing."""
        if self.note:
            return self.note
        if self.makeup_workday:
            return _l("Make-up workday")
        if self.holiday:
            return HOLIDAY_NAMES.get(self.holiday, self.holiday)
        return ""


@lru_cache(maxsize=4096)  # a pure function of the date (a frozen answer), asked for every day a page shows
def official_day(day: date) -> DayInfo:
    """What the package says, without local overrides."""
    try:
        workday = chinese_calendar.is_workday(day)
        on_holiday, holiday = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return DayInfo(day, None, DaySource.UNKNOWN)
    return DayInfo(
        day,
        workday,
        DaySource.OFFICIAL,
        holiday=(holiday or "") if on_holiday else "",
        makeup_workday=workday and day.weekday() >= 5,
    )


def _combine(day: date, override) -> DayInfo:
    """``override``: a local entry (a ``CalendarDay`` or a row of its day, is_workday and note), or None."""
    if override is not None:
        return DayInfo(
            day,
            override.is_workday,
            DaySource.LOCAL,
            note=override.note,
            makeup_workday=override.is_workday and day.weekday() >= 5,
        )
    return official_day(day)


# Built once (the days are parameters): building a statement costs more than running it.
# Run through the session, so that a local entry changed and not yet flushed is seen.
_LOCAL_DAYS = (select(CalendarDay.day, CalendarDay.is_workday, CalendarDay.note)
               .where(CalendarDay.day.between(bindparam("start"), bindparam("end"))))


def day_info(day: date) -> DayInfo:
    return _combine(day, db.session.execute(_LOCAL_DAYS, {"start": day, "end": day}).first())


def is_workday(day: date) -> bool | None:
    """True or False, or None when neither the package nor a local entry knows the date."""
    return day_info(day).is_workday


def days_info(start: date, end: date) -> list[DayInfo]:
    """Every day from ``start`` to ``end`` inclusive, with one query."""
    overrides = {row.day: row for row in db.session.execute(_LOCAL_DAYS, {"start": start, "end": end})}
    days = []
    current = start
    while current <= end:
        days.append(_combine(current, overrides.get(current)))
        current += timedelta(days=1)
    return days


def unknown_days(start: date, end: date) -> list[date]:
    """The days from ``start`` to ``end`` that neither the package nor a local entry knows."""
    return [info.day for info in days_info(start, end) if not info.known]


def set_override(day: date, is_workday: bool, note: str = "") -> CalendarDay:
    """Add or change a local entry without audit or signal: for tests and demo
    data. People's changes go through ``services.save_day``."""
    row = db.session.get(CalendarDay, day)
    if row is None:
        row = CalendarDay(day=day, is_workday=is_workday, note=note)
        db.session.add(row)
    else:
        row.is_workday = is_workday
        row.note = note
    return row
