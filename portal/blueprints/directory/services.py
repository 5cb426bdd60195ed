"""Directory rules as plain functions: grouping units by floor, the floor-plan
schematic's geometry, loading search hits, staff usernames."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from math import ceil
from typing import Any

from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import joinedload, lazyload, selectinload

from portal import timeutil
from portal.blueprints.directory.search import Hit
from portal.blueprints.guide.models import Service
from portal.blueprints.rooms.services import BOOKABLE_KINDS, meetings_ahead
from portal.db import db
from portal.models import Building, Floor, Room, RoomKind, Unit, User
from portal.pinyin import full_pinyin

ROOM_KIND_LABELS = {
    RoomKind.OFFICE: _l("Office"),
    RoomKind.MEETING: _l("Meeting room"),
    RoomKind.VIP_RECEPTION: _l("VIP reception room"),
    RoomKind.SERVICE_HALL: _l("Service hall"),
    RoomKind.OTHER: _l("Other"),
}

# Result group headings. (Not "Services": the core catalog uses that word for something else.)
KIND_LABELS = {
    "unit": _l("Units"),
    "service": _l("Guide services"),
    "floor": _l("Floors"),
    "room": _l("Rooms"),
    "staff": _l("Staff"),
}


# ---------------------------------------------------------------- units by floor


@dataclass
class UnitOnFloor:
    unit: Unit
    rooms: list[Room]


@dataclass
class FloorGroup:
    floor: Floor
    units: list[UnitOnFloor]


@dataclass
class BuildingGroup:
    building: Building
    floors: list[FloorGroup]


def group_units_by_floor(buildings: Iterable[Building]) -> list[BuildingGroup]:
    """Each building's floors (bottom up) with the units that have rooms there.

    A unit with offices on two floors is listed on both, with that floor's rooms.
    """
    groups = []
    for building in buildings:
        floors = []
        for floor in sorted(building.floors, key=lambda f: f.level):
            by_unit: dict[int, UnitOnFloor] = {}
            for room in sorted(floor.rooms, key=lambda r: r.number):
                if room.unit is not None:
                    by_unit.setdefault(room.unit.id, UnitOnFloor(room.unit, [])).rooms.append(room)
            if by_unit:
                units = sorted(by_unit.values(), key=lambda u: (u.unit.sort_order, u.unit.name))
                floors.append(FloorGroup(floor, units))
        groups.append(BuildingGroup(building, floors))
    return groups


def load_buildings() -> Sequence[Building]:
    """Every building with floors, rooms and occupants, in three queries."""
    return db.session.scalars(
        select(Building)
        .options(selectinload(Building.floors).selectinload(Floor.rooms).joinedload(Room.unit))
        .order_by(Building.sort_order, Building.id)
    ).all()


# ---------------------------------------------------------------- floor plan

CELL_WIDTH, CELL_HEIGHT, GAP, LABEL_WIDTH = 76, 58, 6, 64
CAPTION_CHARS = 6


@dataclass(frozen=True)
class PlanCell:
    room: Room
    x: int
    y: int
    css_class: str
    caption: str  # occupant's short name, or the room's name
    width: int = CELL_WIDTH
    height: int = CELL_HEIGHT

    @property
    def center_x(self) -> float:
        return self.x + self.width / 2


@dataclass(frozen=True)
class PlanRow:
    floor: Floor
    y: int
    cells: list[PlanCell]


@dataclass(frozen=True)
class FloorPlan:
    width: int
    height: int
    rows: list[PlanRow] = field(default_factory=list)


def _caption(room: Room) -> str:
    text = (room.unit.short_name or room.unit.name) if room.unit else room.name
    return text if len(text) <= CAPTION_CHARS else text[: CAPTION_CHARS - 1] + "…"


def room_css_class(room: Room) -> str:
    css = f"plan-room plan-room--{room.kind.value.replace('_', '-')}"
    if room.kind is RoomKind.OFFICE and room.unit is None:
        css += " plan-room--vacant"
    return css


def floor_plan(building: Building) -> FloorPlan:
    """A schematic of ``building``: one row per floor, top floor first, one box per room."""
    floors = sorted(building.floors, key=lambda f: f.level, reverse=True)
    widest = max((len(f.rooms) for f in floors), default=0)
    width = LABEL_WIDTH + GAP + max(widest, 1) * (CELL_WIDTH + GAP)
    rows = []
    for i, floor in enumerate(floors):
        y = GAP + i * (CELL_HEIGHT + GAP)
        cells = [
            PlanCell(room, LABEL_WIDTH + GAP + j * (CELL_WIDTH + GAP), y, room_css_class(room), _caption(room))
            for j, room in enumerate(sorted(floor.rooms, key=lambda r: r.number))
        ]
        rows.append(PlanRow(floor, y, cells))
    height = GAP + len(floors) * (CELL_HEIGHT + GAP)
    return FloorPlan(width, height, rows)


# ---------------------------------------------------------------- search results


@dataclass
class ResultItem:
    hit: Hit
    obj: Any
    detail: str = ""  # units: where their rooms are; floors: who is there


@dataclass
class ResultSection:
    kind: str
    total: int
    items: list[ResultItem]

    @property
    def label(self) -> object:
        return KIND_LABELS[self.kind]


def _unit_places(unit_ids: list[int]) -> dict[int, str]:
    """``rooms_summary`` for each unit, from one query of plain rows."""
    rows = db.session.execute(
        select(Room.unit_id, Building.sort_order, Building.id, Building.name, Floor.level, Floor.label, Room.number)
        .join(Floor, Room.floor_id == Floor.id)
        .join(Building, Floor.building_id == Building.id)
        .where(Room.unit_id.in_(unit_ids))
    )
    by_unit: dict[int, list[tuple[tuple[int, int, int], str, str]]] = {}
    for unit_id, order, building_id, building, level, label, number in rows:
        by_unit.setdefault(unit_id, []).append(((order, building_id, level), f"{building} {label or f'{level}F'}", number))
    return {unit_id: rooms_summary(rooms) for unit_id, rooms in by_unit.items()}


def _floor_occupants(floor_ids: list[int]) -> dict[int, str]:
    rows = db.session.execute(
        select(Room.floor_id, Unit.id, Unit.short_name, Unit.name)
        .join(Unit, Room.unit_id == Unit.id)
        .where(Room.floor_id.in_(floor_ids))
        .order_by(Room.floor_id, Unit.sort_order, Unit.id)
    )
    names: dict[int, list[str]] = {}
    for floor_id, _unit_id, short_name, name in rows:
        label = short_name or name
        if label not in names.setdefault(floor_id, []):
            names[floor_id].append(label)
    return {floor_id: "、".join(labels) for floor_id, labels in names.items()}


def _load(kind: str, ids: list[int]) -> tuple[dict[int, Any], dict[int, str]]:
    """The objects behind some hits (only what their line in the results shows), and details."""
    details: dict[int, str] = {}
    if kind == "unit":
        query = select(Unit).where(Unit.id.in_(ids))
        details = _unit_places(ids)
    elif kind == "service":
        query = select(Service).options(
            joinedload(Service.unit), joinedload(Service.room).joinedload(Room.floor).joinedload(Floor.building)
        ).where(Service.id.in_(ids))
    elif kind == "floor":
        query = select(Floor).options(joinedload(Floor.building)).where(Floor.id.in_(ids))
        details = _floor_occupants(ids)
    elif kind == "room":
        query = select(Room).options(
            joinedload(Room.floor).joinedload(Floor.building), joinedload(Room.unit)
        ).where(Room.id.in_(ids))
    elif kind == "staff":
        query = select(User).options(
            joinedload(User.unit),
            joinedload(User.office_room).joinedload(Room.floor).joinedload(Floor.building),
            lazyload(User.role_rows),  # roles are not shown
        ).where(User.id.in_(ids), User.active.is_(True), User.unit_id.is_not(None))
    else:
        raise ValueError(kind)
    return {obj.id: obj for obj in db.session.scalars(query).unique()}, details


def load_hits(kind: str, hits: Sequence[Hit]) -> list[ResultItem]:
    """The objects behind ``hits``, in the hits' order (hits whose object is gone are skipped)."""
    if not hits:
        return []
    objects, details = _load(kind, [hit.object_id for hit in hits])
    return [
        ResultItem(hit, objects[hit.object_id], details.get(hit.object_id, ""))
        for hit in hits
        if hit.object_id in objects
    ]


@dataclass(frozen=True)
class ListPage:
    """A page of an already ranked list, shaped like Flask-SQLAlchemy's pagination for ``pager``."""

    items: list[Any]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


# ---------------------------------------------------------------- staff entries

_USERNAME_CHARS = re.compile(r"[^a-z0-9]+")


def directory_username(display_name: str, taken: Iterable[str] | None = None) -> str:
    """A free username for a directory entry: the name's pinyin (``zhangwei``, ``zhangwei2``…)."""
    base = _USERNAME_CHARS.sub("", full_pinyin(display_name).lower())[:56] or "staff"
    taken_names = set(taken) if taken is not None else None

    def is_taken(name: str) -> bool:
        if taken_names is not None:
            return name in taken_names
        return db.session.scalar(select(User.id).where(User.username == name)) is not None

    candidate, n = base, 1
    while is_taken(candidate):
        n += 1
        candidate = f"{base}{n}"
    return candidate


# ---------------------------------------------------------------- display helpers


def rooms_summary(rooms: Iterable[tuple[Any, str, str]]) -> str:
    """Where a unit is, from (sort key of the floor, floor's name, room number):
    ``主楼 3楼 305、306；县委附楼 2楼 201``."""
    by_floor: dict[Any, tuple[str, list[str]]] = {}
    for key, place, number in rooms:
        by_floor.setdefault(key, (place, []))[1].append(number)
    return "；".join(f"{place} {'、'.join(sorted(numbers))}" for _, (place, numbers) in sorted(by_floor.items()))


def highlight(text: str, query: str) -> Markup:
    """``text`` with the first case-insensitive occurrence of ``query`` in ``<mark>``, escaped."""
    text = text or ""
    position = text.lower().find(query) if query else -1
    if position < 0:
        return escape(text)
    end = position + len(query)
    return escape(text[:position]) + Markup("<mark>") + escape(text[position:end]) + Markup("</mark>") + escape(text[end:])


# ---------------------------------------------------------------- rooms


def meetings_blocking(room: Room, kind: RoomKind) -> int:
    """How many meetings still to come keep ``room`` from becoming ``kind`` (0: it may):
    a meeting room stays bookable until they are cancelled."""
    if kind in BOOKABLE_KINDS or room.kind not in BOOKABLE_KINDS:
        return 0
    return meetings_ahead(room.id, timeutil.now())
