"""The directory's floor plan by allocation: offices' layer, what it marks, who sees it, and its cost."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.blueprints.offices.services import (
    PLAN_FILLS,
    EntryDraft,
    SeatDraft,
    allocation_annotations,
    fill_slots,
    record_entry,
    seat_person,
)
from portal.db import db
from portal.models import Floor, Room, RoomKind
from tests.offices.conftest import NOW, START

CSS = Path(__file__).resolve().parents[2] / "portal" / "static" / "css" / "portal.css"


@pytest.fixture
def plan(seated, ranks, logistics, clock):
    """The seated building, plus 305 (财政局's office, 9 m², 赵财 within the standard) and
    306 (the center's meeting room, not in the ledger)."""
    clock(*NOW.timetuple()[:5])
    floor = seated["rooms"]["301"].floor
    rooms = seated["rooms"]
    rooms["305"] = Room(floor=floor, number="305")
    rooms["306"] = Room(floor=floor, number="306", name="小会议室", kind=RoomKind.MEETING)
    db.session.add_all([rooms["305"], rooms["306"]])
    db.session.flush()
    fin = seated["units"]["fin"]
    record_entry(rooms["305"], EntryDraft(fin.id, "office", Decimal("9"), START), actor=logistics, now=NOW)
    seat_person(rooms["305"], SeatDraft(seated["people"]["fin1"].id, ranks["乡科级以下"].id, START),
                actor=logistics, now=NOW)
    db.session.commit()
    return seated


def floors_of(place) -> list[Floor]:
    building = place["rooms"]["301"].floor.building
    db.session.expire_all()
    return sorted(building.floors, key=lambda f: f.level, reverse=True)


def classes(mark) -> set[str]:
    return set(mark.css_class.split())


def html(response) -> str:
    assert response.status_code == 200
    return response.get_data(as_text=True)


# ---------------------------------------------------------------- the fills (pure)


def test_units_on_a_floor_get_different_fills_and_keep_them_on_other_floors():
    top, middle, bottom = fill_slots([[1, 2, 1], [3, 2], [1, 3]], fills=8)
    assert top == {1: 0, 2: 1}
    assert middle == {2: 1, 3: 0}  # 2 keeps its fill; 3 takes the first free one
    assert bottom == {1: 0, 3: 1}  # 1 came first to its fill; 3's is taken, so it takes the first free one


def test_more_units_than_fills_reuses_fills_rather_than_failing():
    (floor,) = fill_slots([[1, 2, 3]], fills=2)
    assert set(floor) == {1, 2, 3} and set(floor.values()) <= {0, 1}
    assert floor[1] != floor[2]


# ---------------------------------------------------------------- the layer's data


def test_the_layer_marks_each_room_by_unit_and_flags_what_colour_must_not_carry_alone(plan):
    floors = floors_of(plan)
    rooms = plan["rooms"]
    marks = allocation_annotations(floors, NOW.date())
    mark = {number: marks.rooms[room.id] for number, room in rooms.items()}

    over = classes(mark["301"])  # 36 m² for one 乡科级 (12 m²)
    assert "plan-alloc--over" in over and mark["301"].caption.startswith("!")
    assert mark["301"].cells == ("县人力资源和社会保障局", "36.00 m²", "1", "Office, over the standard by 24.00 m²")

    shared = classes(mark["303"])  # two 乡科级以下 in 24 m² (18 m² allowed)
    assert {"plan-alloc--shared", "plan-alloc--over"} <= shared
    assert mark["303"].cells[2:] == ("2", "Shared office, over the standard by 6.00 m²")

    assert "plan-alloc--vacant" in classes(mark["302"]) and not any(c.startswith("plan-unit-") for c in classes(mark["302"]))
    assert mark["302"].cells[3] == "Empty office, available for reallocation"

    service = classes(mark["304"])
    assert "plan-alloc--service" in service and "plan-alloc--over" not in service
    assert mark["304"].cells == ("县人力资源和社会保障局", "20.00 m²", "0", "Archives room")

    within = classes(mark["305"])
    assert within & {"plan-alloc--over", "plan-alloc--vacant", "plan-alloc--shared"} == set()
    assert mark["305"].caption == "财政局" and mark["305"].cells[3] == "Office"

    assert classes(mark["306"]) == {"plan-alloc", "plan-alloc--none"}
    assert mark["306"].cells[3] == "Not in the office ledger" and mark["306"].caption == "小会议室"

    # 人社局's rooms share a fill, 财政局's is another, and the floor's legend names both
    fill = {n: next(c for c in classes(mark[n]) if c.startswith("plan-unit-")) for n in ("301", "303", "304", "305")}
    assert fill["301"] == fill["303"] == fill["304"] != fill["305"]
    third = rooms["301"].floor_id
    assert {(e.css_class, e.label) for e in marks.floor_legends[third]} == {
        (fill["301"], "县人力资源和社会保障局"), (fill["305"], "县财政局")}
    fourth = rooms["401"].floor_id
    assert marks.floor_legends[fourth] == ()  # 401 is empty: no unit's fill on that floor
    assert [e.css_class for e in marks.legend] == [
        "plan-alloc--shared", "plan-alloc--service", "plan-alloc--vacant", "plan-alloc--over", "plan-alloc--none"]


def test_the_layer_shows_the_allocation_of_the_day_asked(plan):
    from datetime import date

    marks = allocation_annotations(floors_of(plan), date(2019, 12, 31))  # before the ledger began
    assert len(marks.rooms) == 7
    assert {m.css_class for m in marks.rooms.values()} == {"plan-alloc plan-alloc--none"}
    assert all(legend == () for legend in marks.floor_legends.values())


# ---------------------------------------------------------------- the page


def test_logistics_may_switch_the_directory_plan_to_the_allocation(client, auth, plan, logistics):
    auth.login_as(logistics)
    building = plan["rooms"]["301"].floor.building_id
    plain = html(client.get(f"/directory/buildings/{building}"))
    assert f'href="/directory/buildings/{building}?layer=allocation"' in plain and "plan-alloc" not in plain

    page = html(client.get(f"/directory/buildings/{building}?layer=allocation"))
    svg = page[page.index("<svg"): page.index("</svg>")]
    assert "plan-alloc--over" in svg and "plan-alloc--shared" in svg and "plan-alloc--vacant" in svg
    assert "plan-alloc--service" in svg and "plan-alloc--none" in svg
    assert "办公室，超标 24.00 m²；36.00 m²，使用人 1 人" in svg  # the room's title says it too (pages are in Chinese)
    assert 'role="img"' not in page and not re.search(r"<a [^>]*>\s*<a ", svg)
    legend = page[page.index("<figcaption"): page.index("</figcaption>")]
    assert "县人力资源和社会保障局" in legend and "县财政局" in legend and "超标：红色虚线边框" in legend
    table = page[page.index('id="floor-3"'):]
    table = table[: table.index("</table>")]
    assert re.search(r"<th scope=\"row\">303</th>\s*<td>县人力资源和社会保障局</td><td>24.00 m²</td><td>2</td>"
                     r"<td>合用办公室，超标 6.00 m²</td>", table)
    assert 'aria-current="page">按分配情况' in page
    other = html(client.get(f"/directory/buildings/{building}?layer=nonsense"))
    assert "plan-alloc" not in other


@pytest.mark.parametrize("who", ["visitor", "staff", "unit_admin"])
def test_everyone_else_sees_the_plan_as_before(client, auth, plan, make_user, who):
    from portal.models import Role

    if who != "visitor":
        role = Role.UNIT_ADMIN if who == "unit_admin" else Role.EMPLOYEE
        auth.login_as(make_user(roles=[Role.EMPLOYEE, role], unit=plan["units"]["hr"]))
    building = plan["rooms"]["301"].floor.building_id
    page = html(client.get(f"/directory/buildings/{building}?layer=allocation"))
    assert "plan-alloc" not in page and f'href="/directory/buildings/{building}?layer=allocation"' not in page
    assert "超标" not in page and "36.00 m²" not in page
    assert "plan-room--office" in page


def test_the_allocation_plan_costs_the_same_queries_however_many_rooms(client, auth, plan, logistics, ranks,
                                                                        count_queries):
    auth.login_as(logistics)
    building = plan["rooms"]["301"].floor.building_id
    url = f"/directory/buildings/{building}?layer=allocation"
    client.get(url)
    with count_queries() as before:
        html(client.get(url))
    floor = plan["rooms"]["401"].floor
    hr = plan["units"]["hr"]
    for number in ("402", "403", "404"):
        room = Room(floor=floor, number=number)
        db.session.add(room)
        db.session.flush()
        record_entry(room, EntryDraft(plan["units"]["fin"].id if number == "404" else hr.id, "office",
                                      Decimal("12"), START), actor=logistics, now=NOW)
    seat_person(db.session.scalar(select(Room).where(Room.number == "402")),
                SeatDraft(plan["people"]["deputy"].id, ranks["县级副职"].id, START), actor=logistics, now=NOW)
    db.session.commit()
    with count_queries() as after:
        page = html(client.get(url))
    assert "402" in page and "李副局长" not in page  # counts, never names, on the plan
    assert after.count == before.count, after.statements


# ---------------------------------------------------------------- the fills against the labels


def _luminance(colour: str) -> float:
    channels = [int(colour[i: i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_every_unit_fill_keeps_the_room_labels_readable():
    css = CSS.read_text(encoding="utf-8")
    fills = dict(re.findall(r"\.plan-unit-(\d+) \{ --unit-fill: (#[0-9a-f]{6}); \}", css))
    assert sorted(fills) == [str(i) for i in range(PLAN_FILLS)]
    ink, muted = re.search(r"--ink: (#[0-9a-f]{6}); --muted: (#[0-9a-f]{6})", css).groups()
    for fill in fills.values():
        assert _contrast(fill, ink) >= 4.5 and _contrast(fill, muted) >= 4.5, fill
    assert len(set(fills.values())) == PLAN_FILLS
