"""Local calendar parts computed by the database (portal.sqltime), a month in the query
string (portal.requestargs) and the figures a chart's table shows but does not draw."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import literal, select

from portal.charts import Chart, Series, chart_table
from portal.db import AwareDateTime, db
from portal.requestargs import parse_month
from portal.rules import BadArgument
from portal.sqltime import local_day, local_hour, local_month, seconds_between
from portal.timeutil import LOCAL_TZ


def _moment(value: datetime):
    return literal(value, AwareDateTime())


@pytest.mark.parametrize(
    ("moment", "month", "day", "hour"),
    [
        (datetime(2026, 5, 31, 23, 30, tzinfo=LOCAL_TZ), "2026-05", "2026-05-31", 23),  # 15:30 UTC
        (datetime(2026, 6, 1, 0, 10, tzinfo=LOCAL_TZ), "2026-06", "2026-06-01", 0),  # still May 31 in UTC
        (datetime(2025, 12, 31, 16, 0, tzinfo=timezone.utc), "2026-01", "2026-01-01", 0),  # new year here
    ],
)
def test_the_local_month_day_and_hour_of_a_moment(app, moment, month, day, hour):
    row = db.session.execute(
        select(local_month(_moment(moment)), local_day(_moment(moment)), local_hour(_moment(moment)))
    ).one()
    assert tuple(row) == (month, day, hour)


def test_seconds_between_two_moments(app):
    start = datetime(2026, 5, 31, 23, 30, tzinfo=LOCAL_TZ)
    later = start + timedelta(days=1, hours=2, seconds=5)
    assert db.session.scalar(select(seconds_between(_moment(start), _moment(later)))) == 93605
    assert db.session.scalar(select(seconds_between(_moment(later), _moment(start)))) == -93605


def test_a_month_in_the_query_string(app):
    assert parse_month("2026-05") == date(2026, 5, 1)
    assert parse_month("２０２６-０５") == date(2026, 5, 1)  # full-width digits from a Chinese keyboard
    assert parse_month("") is None and parse_month(None) is None
    for bad in ("2026-13", "2026-5", "26-05", "2026-05-01", "abcd-ef", "0000-01"):
        with pytest.raises(BadArgument):
            parse_month(bad)


def test_a_chart_table_shows_figures_it_does_not_draw():
    chart = Chart("hbar", "Cost", "One bar per building.", ["A", "B"], [Series("Cost", [Decimal("1.5"), None])],
                  unit="¥", label_heading="Building", table_only=[Series("Repairs", [1200, 0])])
    table = chart_table(chart)
    assert table.columns == ["Cost (¥)", "Repairs"]
    assert [row.cells for row in table.rows] == [["1.50", "1,200"], ["—", "0"]]
    with pytest.raises(ValueError):
        Chart("bar", "t", "d", ["A"], [Series("x", [1])], table_only=[Series("y", [1, 2])])
