"""Administration of the portal's one workday calendar (``portal.workdays``):
what the ``chinesecalendar`` package knows about a year, the local entries
logistics admins add on top, and the plain answer that a year is unknown."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from portal import audit
from portal.db import db
from portal.models import CalendarDay, User
from portal.workdays import DayInfo, days_info, official_day, set_override

CALENDAR_FIELDS = ("day", "is_workday", "note")
FIRST_YEAR = 2004  # the package's first year; nothing earlier matters for a bus timetable


def package_knows_year(year: int) -> bool:
    """The package covers whole years: it knows 1 January or nothing of the year."""
    return official_day(date(year, 1, 1)).known


def ordinary_workday(day: date) -> bool:
    return day.weekday() < 5


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


def _noteworthy(row: CalendarRow) -> bool:
    if row.local is not None and (row.local.note or row.overrides_official):
        return True
    for info in (row.effective, row.official):
        if info.known and (info.is_workday != ordinary_workday(row.day) or info.holiday):
            return True
    return False


def year_overview(year: int) -> YearOverview:
    start, end = date(year, 1, 1), date(year, 12, 31)
    local = {row.day: row for row in db.session.scalars(select(CalendarDay).where(CalendarDay.day.between(start, end)))}
    rows = []
    unknown = []
    for info in days_info(start, end):
        row = CalendarRow(info.day, info, official_day(info.day), local.get(info.day))
        if not info.known:
            unknown.append(info.day)
        if _noteworthy(row):
            rows.append(row)
    return YearOverview(
        year=year,
        package_knows=package_knows_year(year),
        rows=rows,
        local_count=len(local),
        unknown_count=len(unknown),
        first_unknown=unknown[0] if unknown else None,
    )


def save_day(actor: User, day: date, is_workday: bool, note: str) -> CalendarDay:
    """Add or change a local entry, audited (the caller commits)."""
    existing = db.session.get(CalendarDay, day)
    before = audit.snapshot(existing, CALENDAR_FIELDS) if existing is not None else None
    row = set_override(day, is_workday, note.strip())
    db.session.flush()
    audit.record(
        actor,
        "calendar_day.create" if before is None else "calendar_day.update",
        object_type="calendar_day",
        object_id=day.isoformat(),
        before=before,
        after=audit.snapshot(row, CALENDAR_FIELDS),
    )
    return row


def remove_day(actor: User, day: date) -> bool:
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
    db.session.delete(row)
    return True


def fill_ordinary_weeks(actor: User, year: int) -> int:
    """For a year the package does not know: enter every day without a local
    entry as the ordinary week (Monday–Friday workdays). Admins enter the
    holidays and make-up days first, or after. Returns how many days were added."""
    if package_knows_year(year):
        raise ValueError("the package knows this year")
    start = date(year, 1, 1)
    taken = set(db.session.scalars(select(CalendarDay.day).where(CalendarDay.day.between(start, date(year, 12, 31)))))
    added = 0
    day = start
    while day.year == year:
        if day not in taken:
            db.session.add(CalendarDay(day=day, is_workday=ordinary_workday(day), note=""))
            added += 1
        day += timedelta(days=1)
    audit.record(
        actor,
        "calendar_day.fill_year",
        object_type="calendar_day",
        object_id=str(year),
        summary=f"{added} ordinary days entered for {year}",
    )
    return added


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


def remove_redundant(actor: User, year: int) -> int:
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
