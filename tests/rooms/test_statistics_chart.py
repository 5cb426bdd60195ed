"""The room statistics page draws booked and used hours per room as a chart (issue 23), with
its figures as a table, in a fixed number of queries and within the page-weight budget."""

from __future__ import annotations

import re
from datetime import timedelta

from portal.blueprints.rooms.models import BookingStatus
from portal.models import Role
from tests.rooms.conftest import at
from tests.rooms.test_statistics import DAY, scene  # noqa: F401 (the week of bookings the statistics tests use)

PERIOD = f"start={DAY.isoformat()}&end={(DAY + timedelta(days=6)).isoformat()}"


def _rows(html: str) -> list[tuple[str, str, str]]:
    table = html[html.index('class="chart-table"'):]
    table = table[:table.index("</details>")]
    return re.findall(r'<th scope="row">([^<]+)</th><td class="num">([^<]+)</td><td class="num">([^<]+)</td>', table)


def test_booked_and_used_hours_per_room_as_a_chart_most_booked_first(client, auth, make_user, scene):  # noqa: F811
    auth.login_as(make_user(roles=[Role.LOGISTICS_ADMIN]))
    html = client.get(f"/rooms/statistics?{PERIOD}").get_data(as_text=True)
    assert html.count("<svg") == 1 and 'role="img"' in html
    assert "各会议室预订与实际使用小时数" in html
    # 小会议室: 1.5 h + 2 h booked, 2 h used; 大会议室: 2 h + 1 h booked, 1 h 50 min used.
    assert _rows(html) == [("小会议室", "3.50", "2.00"), ("大会议室", "3.00", "1.83")]


def test_the_page_reads_a_fixed_number_of_queries(client, auth, make_user, scene, create_booking, count_queries):  # noqa: F811
    auth.login_as(make_user(roles=[Role.LOGISTICS_ADMIN]))

    def queries() -> int:
        with count_queries() as counted:
            assert client.get(f"/rooms/statistics?{PERIOD}").status_code == 200
        return counted.count

    few = queries()
    wednesday = DAY + timedelta(days=2)
    for hour in range(8, 17):
        create_booking(scene["big"], at(wednesday, f"{hour:02d}:00"), unit_id=scene["hr"].id,
                       checked_in_at=at(wednesday, f"{hour:02d}:05"), status=BookingStatus.APPROVED)
    assert queries() == few


def test_the_page_with_every_demo_room_holds_the_page_weight_budget(client, auth, demo):
    from tests.test_page_weight import REPEAT_VISIT_BUDGET, gzipped_size

    auth.login_as(demo["logistics_admin"])
    html = client.get("/rooms/statistics").get_data()
    assert html.count(b"<svg") == 1
    assert gzipped_size(html) <= REPEAT_VISIT_BUDGET, gzipped_size(html)
