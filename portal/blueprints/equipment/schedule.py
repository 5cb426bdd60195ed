"""Due dates of a maintenance plan: pure date arithmetic, no database.

A plan's dates are ``anchor + k × interval`` for k = 0, 1, 2 …, each counted
from the anchor (never from the previous date), so a monthly plan anchored on
31 January falls on 28/29 February and then on 31 March again.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from portal.blueprints.equipment.models import IntervalUnit


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months``, on the same day of the month or the month's last day."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def nth_date(anchor: date, every: int, unit: IntervalUnit, n: int) -> date:
    """The ``n``-th date of the schedule (the anchor is the 0th)."""
    if unit is IntervalUnit.MONTHS:
        return add_months(anchor, every * n)
    days = every * (7 if unit is IntervalUnit.WEEKS else 1)
    return anchor + timedelta(days=days * n)


def first_after(anchor: date, every: int, unit: IntervalUnit, after: date) -> date:
    """The first date of the schedule strictly later than ``after``."""
    if after < anchor:
        return anchor
    if unit is IntervalUnit.MONTHS:
        months = (after.year - anchor.year) * 12 + (after.month - anchor.month)
        n = max(0, months // every - 1)
    else:
        days = every * (7 if unit is IntervalUnit.WEEKS else 1)
        n = (after - anchor).days // days
    while (candidate := nth_date(anchor, every, unit, n)) <= after:
        n += 1
    return candidate


def next_after_done(anchor: date, every: int, unit: IntervalUnit, due: date, done_on: date) -> date:
    """The next due date once the work due on ``due`` was done on ``done_on``.

    Done early: the following date of the schedule. Done late, past further
    dates: those cycles are skipped (not owed twice), the next is the first
    date after the day it was done.
    """
    return first_after(anchor, every, unit, max(due, done_on))
