"""The shared workday calendar, as plain functions."""

from datetime import date

from portal.blueprints.workdays.days import (
    DaySource,
    day_info,
    days_info,
    is_workday,
    official_day,
    set_override,
)
from portal.db import db


def test_national_day_week_2026_with_make_up_saturday():
    # 2026: 1–7 October off; Sunday 27 September and Saturday 10 October are worked.
    assert official_day(date(2026, 10, 1)).is_workday is False
    assert official_day(date(2026, 10, 1)).holiday == "National Day"
    assert official_day(date(2026, 10, 7)).is_workday is False
    assert official_day(date(2026, 10, 8)).is_workday is True
    saturday = official_day(date(2026, 10, 10))
    assert saturday.is_workday is True and saturday.makeup_workday
    assert official_day(date(2026, 10, 11)).is_workday is False  # ordinary Sunday


def test_ordinary_week():
    assert official_day(date(2026, 11, 25)).is_workday is True  # Wednesday
    assert official_day(date(2026, 11, 28)).is_workday is False  # Saturday


def test_unknown_year_is_said_plainly(app):
    info = day_info(date(2031, 3, 4))
    assert info.is_workday is None and info.source is DaySource.UNKNOWN and not info.known


def test_local_override_wins_and_fills_unknown_years(app):
    set_override(date(2031, 1, 1), False, "元旦")
    set_override(date(2026, 11, 25), False, "县级重大活动停止办公")
    db.session.commit()
    assert is_workday(date(2031, 1, 1)) is False
    info = day_info(date(2026, 11, 25))
    assert info.is_workday is False and info.source is DaySource.LOCAL and info.label == "县级重大活动停止办公"
    assert is_workday(date(2031, 1, 2)) is None


def test_days_info_covers_a_range_with_overrides(app):
    set_override(date(2026, 10, 9), False, "local")
    db.session.commit()
    days = days_info(date(2026, 9, 28), date(2026, 10, 11))
    assert len(days) == 14
    assert [d.is_workday for d in days if d.day.month == 10] == [False] * 7 + [True, False, True, False]
