"""Changes to the portal's one workday calendar and the reads its pages need:
what the ``chinesecalendar`` package knows about a year, the local entries
logistics admins add on top, and the plain answer that a year is unknown.

Every change is audited and sends ``portal.signals.calendar_changed`` in the
same transaction (meeting-room requests re-evaluate their reasons on it); the
caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from portal import audit
from portal.db import begin_serialized_write, db
from portal.i18n import lazy_gettext as _l
from portal.models import User
from portal.rules import RuleViolation
from portal.signals import calendar_changed

from . import notify
from .days import DayInfo, days_info, official_day, set_override
from .models import CalendarDay

CALENDAR_FIELDS = ("day", "is_workday", "note")
FIRST_YEAR = 2004  # the package's first year; nothing earlier matters for a workday
YEARS_AHEAD = 3  # how far ahead local entries may be made
WARN_FROM_MONTH = 11  # from 1 November, an unfilled next year is announced to logistics


def package_knows_year(year: int) -> bool:
    """The package covers whole years: it knows 1 January or nothing of the year."""
    return official_day(date(year, 1, 1)).known


def ordinary_workday(day: date) -> bool:
    return day.weekday() < 5


def year_range(today: date) -> range:
    """The years whose calendar may be looked at and changed."""
    return range(FIRST_YEAR, today.year + YEARS_AHEAD + 1)


def check_year(year: int, today: date, *, field: str | None = None) -> None:
    years = year_range(today)
    if year not in years:
        raise RuleViolation(
            _l("Choose a date between %(first)s and %(last)s.", first=years[0], last=years[-1]), field=field
        )


@dataclass(frozen=True)
class CalendarRow:
    day: date
    effective: DayInfo  # what the portal answers
    official: DayInfo  # what the package says
    local: CalendarDay | None

    @property
    def overrides_official(self) -> bool:
        return self.local is not None and self.official.known and self.official.is_workday != self.local.is_workday


@dataclass(frozen=True)
class YearOverview:
    year: int
    package_knows: bool
    rows: list[CalendarRow]  # holidays, make-up workdays and every noteworthy local entry
    local_count: int
    unknown_count: int  # days nobody can answer for
    first_unknown: date | None
    redundant_count: int  # local entries that only repeat the package


def _noteworthy(row: CalendarRow) -> bool:
    if row.local is not None and (row.local.note or row.overrides_official):
        return True
    for info in (row.effective, row.official):
        if info.known and (info.is_workday != ordinary_workday(row.day) or info.holiday):
            return True
    return False


def _local_entries(year: int) -> dict[date, CalendarDay]:
    start, end = date(year, 1, 1), date(year, 12, 31)
    return {row.day: row for row in db.session.scalars(select(CalendarDay).where(CalendarDay.day.between(start, end)))}


def year_overview(year: int) -> YearOverview:
    local = _local_entries(year)
    rows = []
    unknown = []
    for info in days_info(date(year, 1, 1), date(year, 12, 31)):
        row = CalendarRow(info.day, info, official_day(info.day), local.get(info.day))
        if not info.known:
            unknown.append(info.day)
        if _noteworthy(row):
            rows.append(row)
    knows = package_knows_year(year)
    return YearOverview(
        year=year,
        package_knows=knows,
        rows=rows,
        local_count=len(local),
        unknown_count=len(unknown),
        first_unknown=unknown[0] if unknown else None,
        redundant_count=len(redundant_days(year)) if knows else 0,
    )


@dataclass(frozen=True)
class DayDraft:
    day: date
    is_workday: bool
    note: str = ""


def day_draft(day: date) -> DayDraft | None:
    """What the form shows for ``day``: its local entry, else the package's answer (None: unknown)."""
    local = db.session.get(CalendarDay, day)
    if local is not None:
        return DayDraft(day, local.is_workday, local.note)
    official = official_day(day)
    return DayDraft(day, official.is_workday) if official.known else None


def _changed(days: list[date], *, actor: User, now: datetime) -> None:
    if days:
        calendar_changed.send(None, days=days, actor=actor, now=now)


def save_day(draft: DayDraft, *, actor: User, now: datetime) -> CalendarDay:
    """Add or change a local entry, audited (the caller commits)."""
    check_year(draft.day.year, now.date(), field="day")
    existing = db.session.get(CalendarDay, draft.day)
    before = audit.snapshot(existing, CALENDAR_FIELDS) if existing is not None else None
    was = None if existing is None else existing.is_workday
    row = set_override(draft.day, draft.is_workday, draft.note.strip())
    db.session.flush()
    audit.record(
        actor,
        "calendar_day.create" if before is None else "calendar_day.update",
        object_type="calendar_day",
        object_id=draft.day.isoformat(),
        before=before,
        after=audit.snapshot(row, CALENDAR_FIELDS),
    )
    if existing is None:
        was = official_day(draft.day).is_workday
    _changed([draft.day] if was != draft.is_workday else [], actor=actor, now=now)
    return row


def remove_day(day: date, *, actor: User, now: datetime) -> bool:
    """Drop a local entry: the package's answer (or none) applies again."""
    row = db.session.get(CalendarDay, day)
    if row is None:
        return False
    audit.record(
        actor,
        "calendar_day.delete",
        object_type="calendar_day",
        object_id=day.isoformat(),
        before=audit.snapshot(row, CALENDAR_FIELDS),
    )
    was = row.is_workday
    db.session.delete(row)
    db.session.flush()
    _changed([day] if official_day(day).is_workday != was else [], actor=actor, now=now)
    return True


def fill_year(year: int, *, actor: User, now: datetime) -> int:
    """Give every day of ``year`` that nobody knows an answer: the package's
    where it knows the day, else the ordinary week (Monday–Friday workdays).
    Admins enter the announced holidays and make-up days before or after.
    Returns how many days were entered."""
    check_year(year, now.date())
    if package_knows_year(year):
        raise RuleViolation(_l("The official calendar already knows %(year)s.", year=year))
    begin_serialized_write()
    start, end = date(year, 1, 1), date(year, 12, 31)
    taken = set(_local_entries(year))
    added = []
    day = start
    while day <= end:
        if day not in taken:
            official = official_day(day)
            workday = official.is_workday if official.known else ordinary_workday(day)
            db.session.add(CalendarDay(day=day, is_workday=workday, note=""))
            added.append(day)
        day += timedelta(days=1)
    db.session.flush()
    audit.record(
        actor,
        "calendar_day.fill_year",
        object_type="calendar_day",
        object_id=str(year),
        summary=f"{len(added)} ordinary days entered for {year}",
    )
    _changed(added, actor=actor, now=now)
    notify.year_filled(year, now=now)
    return len(added)


def redundant_days(year: int) -> list[CalendarDay]:
    """Local entries without a note that say what the package says now (after
    the package learnt a year that was filled in locally)."""
    rows = db.session.scalars(
        select(CalendarDay).where(CalendarDay.day.between(date(year, 1, 1), date(year, 12, 31)), CalendarDay.note == "")
    )
    redundant = []
    for row in rows:
        official = official_day(row.day)
        if official.known and official.is_workday == row.is_workday:
            redundant.append(row)
    return redundant


def remove_redundant(year: int, *, actor: User, now: datetime) -> int:
    """Drop the redundant entries: no day changes its answer, so no signal."""
    check_year(year, now.date())
    rows = redundant_days(year)
    for row in rows:
        db.session.delete(row)
    if rows:
        audit.record(
            actor,
            "calendar_day.remove_redundant",
            object_type="calendar_day",
            object_id=str(year),
            summary=f"{len(rows)} local entries equal to the official calendar removed for {year}",
        )
    return len(rows)


@dataclass(frozen=True)
class CalendarGap:
    """A year that is (partly) unknown while it matters: this year, or next
    year from 1 November on."""

    year: int
    unknown_count: int
    first_unknown: date


def calendar_gaps(today: date) -> list[CalendarGap]:
    years = [today.year] + ([today.year + 1] if today.month >= WARN_FROM_MONTH else [])
    gaps = []
    for year in years:
        start = max(date(year, 1, 1), today)
        unknown = [info.day for info in days_info(start, date(year, 12, 31)) if not info.known]
        if unknown:
            gaps.append(CalendarGap(year, len(unknown), unknown[0]))
    return gaps
