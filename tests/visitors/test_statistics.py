"""Arrivals by day and by hour of the day, counted in SQL in the building's zone, against
figures worked out by hand; the statistics page's charts, its query count and its weight."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from portal.blueprints.visitors import services as svc
from portal.models import Role
from portal.timeutil import LOCAL_TZ


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=LOCAL_TZ)


def test_an_arrival_at_half_past_eleven_at_night_counts_on_that_local_day_and_hour(make_entry):
    """Sunday 2026-11-29 to Tuesday 12-01. 23:30 here is 15:30 UTC (same day); 00:10 on Dec 1 is
    16:10 UTC on Nov 30, yet it belongs to Dec 1 and to hour 0 here."""
    make_entry(at=at(2026, 11, 30, 23, 30), checked_out_at=at(2026, 11, 30, 23, 50))  # stayed 20 min
    make_entry(at=at(2026, 12, 1, 0, 10), checked_out_at=at(2026, 12, 1, 1, 10))  # stayed 60 min
    make_entry(at=at(2026, 11, 30, 9, 5))
    make_entry(at=at(2026, 11, 30, 9, 55))
    make_entry(at=at(2026, 11, 30, 10, 0), refused=True)  # not an arrival
    make_entry(at=at(2026, 11, 28, 23, 59))  # the day before the period
    make_entry(at=at(2026, 12, 2, 0, 0))  # the day after
    arrivals = svc.arrival_statistics(date(2026, 11, 29), date(2026, 12, 1))
    assert arrivals.by_day == [(date(2026, 11, 29), 0), (date(2026, 11, 30), 3), (date(2026, 12, 1), 1)]
    hours = dict(arrivals.by_hour)
    assert (hours[0], hours[9], hours[10], hours[23]) == (1, 2, 0, 1)
    assert [h for h, _ in arrivals.by_hour] == list(range(24)) and sum(hours.values()) == 4
    assert arrivals.by_weekday == [3, 1, 0, 0, 0, 0, 0]  # Monday the 30th, Tuesday the 1st, Sunday none
    assert arrivals.average_minutes == 40  # (20 + 60) / 2


def test_no_arrivals_in_the_period(make_entry):
    make_entry(at=at(2026, 11, 30, 9, 0))
    arrivals = svc.arrival_statistics(date(2026, 12, 1), date(2026, 12, 2))
    assert (arrivals.by_hour, arrivals.by_weekday, arrivals.average_minutes) == ([], [0] * 7, None)
    assert arrivals.by_day == [(date(2026, 12, 1), 0), (date(2026, 12, 2), 0)]


def _page(client, auth, make_user, query: str) -> str:
    auth.login_as(make_user(roles=[Role.LOGISTICS_ADMIN]))
    response = client.get(f"/visitors/statistics?{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_statistics_page_charts_arrivals_by_day_and_by_hour(client, auth, make_user, make_entry, clock):
    clock(2026, 12, 3, 10, 0)
    make_entry(at=at(2026, 11, 30, 23, 30))
    make_entry(at=at(2026, 12, 1, 9, 15))
    html = _page(client, auth, make_user, "start=2026-11-29&end=2026-12-01")
    assert html.count('<svg') == 2 and html.count('role="img"') == 2
    assert "按日来访人次" in html and "按小时来访人次" in html
    assert '<th scope="row">11月30日</th><td class="num">1</td>' in html
    assert '<th scope="row">23:00</th><td class="num">1</td>' in html


def test_a_long_period_shows_no_day_chart(client, auth, make_user, make_entry, clock):
    clock(2026, 12, 3, 10, 0)
    make_entry(at=at(2026, 11, 30, 9, 30))
    html = _page(client, auth, make_user, "start=2026-01-01&end=2026-12-03")
    assert html.count("<svg") == 1 and "按小时来访人次" in html and "按日来访人次" not in html
    assert "62" in html


def test_the_page_reads_a_fixed_number_of_queries(client, auth, make_user, make_entry, clock, count_queries):
    clock(2026, 12, 3, 10, 0)
    auth.login_as(make_user(roles=[Role.LOGISTICS_ADMIN]))

    def queries() -> int:
        with count_queries() as counted:
            assert client.get("/visitors/statistics?start=2026-11-01&end=2026-11-30").status_code == 200
        return counted.count

    make_entry(at=at(2026, 11, 2, 9, 0))
    few = queries()
    for day in range(3, 20):
        make_entry(at=at(2026, 11, day, 8 + day % 9, 0), checked_out_at=at(2026, 11, day, 18, 0))
    assert queries() == few


def test_the_page_with_its_charts_holds_the_page_weight_budget(client, auth, make_user, make_entry, clock):
    from tests.test_page_weight import REPEAT_VISIT_BUDGET, gzipped_size

    clock(2026, 12, 3, 10, 0)
    for day in range(1, 63):
        make_entry(at=at(2026, 10, 1, 8, 0) + timedelta(days=day, hours=day % 10))
    html = _page(client, auth, make_user, "start=2026-10-02&end=2026-12-02").encode()
    assert html.count(b"<svg") == 2
    assert gzipped_size(html) <= REPEAT_VISIT_BUDGET, gzipped_size(html)
