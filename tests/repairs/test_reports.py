"""The budget reports as plain functions of flattened rows, and the one query that loads them."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from itertools import count

import pytest

from portal.blueprints.repairs.models import Category, Status
from portal.blueprints.repairs.reports import (
    RepairFact,
    by_building,
    by_category,
    by_floor,
    by_year,
    by_year_crosstab,
    load_facts,
    oldest_open,
    open_by_age,
    repeat_faults,
    sum_costs,
    tally,
    year_bounds,
)
from portal.timeutil import LOCAL_TZ

NOW = datetime(2026, 6, 15, 10, 0, tzinfo=LOCAL_TZ)
_ids = count(1)

FLOORS = {
    # floor id: (building, building order, level, label)
    1: ("主楼", 0, 1, "1楼"),
    2: ("主楼", 0, 3, "3楼"),
    3: ("政府附楼", 3, 2, "2楼"),
}


def fact(
    *,
    floor: int = 1,
    room: int | None = 10,
    spot: str = "",
    category: Category = Category.WATER,
    status: Status = Status.CONFIRMED,
    at: datetime = NOW,
    parts: str | None = "10.00",
    labour: str | None = "5.00",
) -> RepairFact:
    building, order, level, label = FLOORS[floor]
    return RepairFact(
        id=next(_ids), building=building, building_order=order, floor_level=level, floor_label=label,
        floor_id=floor, room_id=room, room_label=f"{room}" if room else "", spot=spot, category=category,
        status=status, reported_at=at, parts_cost=Decimal(parts) if parts else None,
        labour_cost=Decimal(labour) if labour else None,
    )


def test_costs_sum_exactly_and_missing_costs_count_as_nothing():
    facts = [fact(parts="0.10", labour="0.20"), fact(parts="0.30", labour=None), fact(parts=None, labour=None)]
    assert sum_costs(facts) == Decimal("0.60")
    assert isinstance(sum_costs(facts), Decimal)
    assert sum_costs([]) == Decimal("0.00")


def test_tally_by_building_floor_category_and_year():
    facts = [
        fact(floor=3, category=Category.ELECTRIC, parts="100.00", labour="50.00", at=datetime(2024, 5, 1, tzinfo=LOCAL_TZ)),
        fact(floor=1, category=Category.WATER, parts="20.00", labour="0.00", at=datetime(2025, 5, 1, tzinfo=LOCAL_TZ)),
        fact(floor=2, category=Category.WATER, parts=None, labour=None, status=Status.SUBMITTED),
        fact(floor=2, category=Category.ELECTRIC, parts="7.25", labour="2.75", at=datetime(2025, 12, 31, 23, 59, tzinfo=LOCAL_TZ)),
    ]
    buildings = tally(facts, by_building)
    assert [(t.label, t.count, t.cost, t.open) for t in buildings] == [
        ("主楼", 3, Decimal("30.00"), 1),
        ("政府附楼", 1, Decimal("150.00"), 0),
    ]
    floors = tally(facts, by_floor)
    assert [(t.label, t.count, t.cost) for t in floors] == [
        ("主楼 1楼", 1, Decimal("20.00")),
        ("主楼 3楼", 2, Decimal("10.00")),
        ("政府附楼 2楼", 1, Decimal("150.00")),
    ]
    categories = tally(facts, by_category)
    assert [(t.label, t.count, t.cost) for t in categories] == [
        (Category.WATER, 2, Decimal("20.00")),
        (Category.ELECTRIC, 2, Decimal("160.00")),
    ]
    years = tally(facts, by_year)
    assert [(t.label, t.count, t.cost) for t in years] == [
        ("2024", 1, Decimal("150.00")),
        ("2025", 2, Decimal("30.00")),
        ("2026", 1, Decimal("0.00")),
    ]
    # Every grouping accounts for every repair and every fen.
    for grouping in (buildings, floors, categories, years):
        assert sum(t.count for t in grouping) == 4 and sum(t.cost for t in grouping) == Decimal("180.00")


def test_the_year_is_the_local_year_of_the_report():
    assert by_year(fact(at=datetime(2025, 12, 31, 15, 30, tzinfo=timezone.utc))) == (2025, "2025")  # 23:30 here
    assert by_year(fact(at=datetime(2025, 12, 31, 16, 30, tzinfo=timezone.utc))) == (2026, "2026")  # 00:30 here


def test_crosstab_of_cost_by_category_and_year_with_empty_cells():
    facts = [
        fact(category=Category.WATER, at=datetime(2024, 3, 1, tzinfo=LOCAL_TZ), parts="100.00", labour="0.00"),
        fact(category=Category.WATER, at=datetime(2026, 3, 1, tzinfo=LOCAL_TZ), parts="300.00", labour="0.00"),
        fact(category=Category.ELEVATOR, at=datetime(2025, 3, 1, tzinfo=LOCAL_TZ), parts="1000.00", labour="200.00"),
    ]
    table = by_year_crosstab(facts, by_category)
    assert table.years == [2024, 2025, 2026]
    rows = {label: [(c.count, c.cost) for c in cells] for label, cells in table.rows}
    assert rows[Category.WATER] == [(1, Decimal("100.00")), (0, Decimal("0.00")), (1, Decimal("300.00"))]
    assert rows[Category.ELEVATOR] == [(0, Decimal("0.00")), (1, Decimal("1200.00")), (0, Decimal("0.00"))]
    assert [t.cost for t in table.totals] == [Decimal("100.00"), Decimal("1200.00"), Decimal("300.00")]


def test_open_items_by_age_bucket_and_status():
    facts = [
        fact(status=Status.SUBMITTED, at=NOW - timedelta(hours=2)),
        fact(status=Status.SUBMITTED, at=NOW - timedelta(days=1)),  # exactly one day: first bucket
        fact(status=Status.ACCEPTED, at=NOW - timedelta(days=1, minutes=1)),
        fact(status=Status.IN_PROGRESS, at=NOW - timedelta(days=5)),
        fact(status=Status.IN_PROGRESS, at=NOW - timedelta(days=30)),
        fact(status=Status.ACCEPTED, at=NOW - timedelta(days=45)),
        fact(status=Status.DONE, at=NOW - timedelta(days=45)),  # done: not open
        fact(status=Status.CONFIRMED, at=NOW - timedelta(days=400)),
    ]
    rows = open_by_age(facts, NOW)
    assert [(r.lower_days, r.upper_days) for r in rows] == [(0, 1), (1, 3), (3, 7), (7, 30), (30, None)]
    assert [
        (r.counts[Status.SUBMITTED], r.counts[Status.ACCEPTED], r.counts[Status.IN_PROGRESS]) for r in rows
    ] == [(2, 0, 0), (0, 1, 0), (0, 0, 1), (0, 0, 1), (0, 1, 0)]
    assert sum(r.total for r in rows) == 6
    oldest = oldest_open(facts, limit=2)
    assert [f.status for f in oldest] == [Status.ACCEPTED, Status.IN_PROGRESS]
    assert oldest[0].reported_at == NOW - timedelta(days=45)


def test_repeat_faults_need_three_at_one_place_and_kind_within_a_year():
    day = timedelta(days=1)
    facts = [
        # Room 10, water: three within the year -> a repeat fault.
        fact(room=10, at=NOW - 300 * day, parts="100.00", labour="0.00"),
        fact(room=10, at=NOW - 100 * day, parts="200.00", labour="0.00"),
        fact(room=10, at=NOW - 1 * day, parts="300.00", labour="0.00"),
        # Room 11, water: three, but the first is more than a year ago.
        fact(room=11, at=NOW - 366 * day),
        fact(room=11, at=NOW - 20 * day),
        fact(room=11, at=NOW - 10 * day),
        # Room 12: three faults of different kinds.
        fact(room=12, category=Category.WATER),
        fact(room=12, category=Category.ELECTRIC),
        fact(room=12, category=Category.NETWORK),
        # A floor's toilet, spelled with stray spaces: the same place, four times.
        fact(floor=2, room=None, spot="男卫生间", at=NOW - 200 * day),
        fact(floor=2, room=None, spot=" 男卫生间", at=NOW - 150 * day),
        fact(floor=2, room=None, spot="男卫生间 ", at=NOW - 50 * day),
        fact(floor=2, room=None, spot="男 卫生间", at=NOW - 5 * day),
        # The women's toilet on that floor is another place.
        fact(floor=2, room=None, spot="女卫生间", at=NOW - 5 * day),
        # After the end of the window: not counted.
        fact(room=11, at=NOW + day),
    ]
    found = repeat_faults(facts, NOW)
    assert [(r.location, r.category, r.count) for r in found] == [
        ("主楼 3楼 · 男卫生间", Category.WATER, 4),
        ("主楼 1楼 10", Category.WATER, 3),
    ]
    room_10 = found[1]
    assert room_10.cost == Decimal("600.00")
    assert room_10.first == NOW - 300 * day and room_10.last == NOW - day

    assert repeat_faults(facts, NOW, threshold=5) == []
    wider = repeat_faults(facts, NOW, window_days=400)
    assert ("主楼 1楼 11", Category.WATER, 3) in [(r.location, r.category, r.count) for r in wider]


def test_repeat_faults_are_ordered_by_count_then_cost():
    facts = [fact(room=20, parts="1.00", labour="0.00") for _ in range(3)]
    facts += [fact(room=21, parts="9.00", labour="0.00") for _ in range(3)]
    facts += [fact(room=22, parts="1.00", labour="0.00") for _ in range(4)]
    assert [r.location for r in repeat_faults(facts, NOW)] == ["主楼 1楼 22", "主楼 1楼 21", "主楼 1楼 20"]


# --- the query ----------------------------------------------------------------------------------


def test_load_facts_flattens_and_filters_by_local_year(make_user, make_repair):
    staff = make_user()
    eve = datetime(2025, 12, 31, 23, 30, tzinfo=LOCAL_TZ)  # 15:30 UTC, still 2025 here
    new_year = datetime(2026, 1, 1, 0, 30, tzinfo=LOCAL_TZ)  # 2025-12-31 16:30 UTC, already 2026 here
    make_repair(staff, Status.CONFIRMED, room="ZL101", at=eve, parts=Decimal("12.34"), labour=Decimal("1.00"))
    make_repair(staff, Status.SUBMITTED, room=None, floor="ZF1", spot="男卫生间", at=new_year)

    start, end = year_bounds(2025)
    in_2025 = load_facts(start=start, end=end)
    assert [(f.building, f.floor_label, f.room_label, f.cost) for f in in_2025] == [
        ("主楼", "1楼", "101 第一会议室", Decimal("13.34"))
    ]
    start, end = year_bounds(2026)
    in_2026 = load_facts(start=start, end=end)
    assert [(f.location, f.status, f.cost) for f in in_2026] == [("政府附楼 1楼 · 男卫生间", Status.SUBMITTED, Decimal("0.00"))]
    assert in_2026[0].year == 2026
    assert [f.status for f in load_facts(statuses=[Status.SUBMITTED])] == [Status.SUBMITTED]
    assert len(load_facts()) == 2


@pytest.mark.parametrize("category", list(Category))
def test_every_category_has_a_place_in_the_order(category):
    assert by_category(fact(category=category))[1] is category
