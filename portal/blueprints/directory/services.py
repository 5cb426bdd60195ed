"""Directory rules as plain functions: grouping units by floor, the floor-plan
schematic's geometry, loading search hits, staff usernames."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from markupsafe import Markup, escape
from sqlalchemy import and_, bindparam, case, func, or_, select
from sqlalchemy.orm import contains_eager, joinedload, lazyload, selectinload

from portal import audit
from portal.blueprints.directory.models import SearchKey
from portal.blueprints.directory.search import (
    Hit,
    MatchRules,
    Rank,
    candidate_filter,
    normalize,
)
from portal.blueprints.guide.models import GuideItem
from portal.blueprints.guide.services import ListedItem, category_order, guide_facts
from portal.blueprints.rooms.services import BOOKABLE_KINDS, meetings_ahead
from portal.capabilities import FloorPlanLayer, PlanAnnotations, RoomMark
from portal.db import db
from portal.i18n import lazy_gettext as _l
from portal.labels import LabelledEnum
from portal.models import Building, Equipment, Floor, Room, RoomKind, Unit, User
from portal.permissions import can_edit_unit, editable_unit_ids
from portal.pinyin import full_pinyin
from portal.rules import RuleViolation
from portal.text import contains, normalise_identifier


class SearchKind(LabelledEnum):
    """Result group headings. (Not "Services": that word means the service layer.)"""

    UNIT = "unit", _l("Units")
    GUIDE = "guide", _l("Guide services")
    FLOOR = "floor", _l("Floors")
    ROOM = "room", _l("Rooms")
    STAFF = "staff", _l("Staff")


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
    note: str = ""  # what a floor-plan layer adds to the room's title
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


def _cell(room: Room, x: int, y: int, marks: Mapping[int, RoomMark]) -> PlanCell:
    mark = marks.get(room.id)
    if mark is None:
        return PlanCell(room, x, y, room_css_class(room), _caption(room))
    caption = mark.caption if len(mark.caption) <= CAPTION_CHARS else mark.caption[: CAPTION_CHARS - 1] + "…"
    return PlanCell(room, x, y, f"plan-room {mark.css_class}", caption, note=mark.title)


def floor_plan(building: Building, marks: Mapping[int, RoomMark] | None = None) -> FloorPlan:
    """A schematic of ``building``: one row per floor, top floor first, one box per room;
    ``marks`` (a floor-plan layer's, by room id) replace the plain classes and captions."""
    floors = sorted(building.floors, key=lambda f: f.level, reverse=True)
    widest = max((len(f.rooms) for f in floors), default=0)
    width = LABEL_WIDTH + GAP + max(widest, 1) * (CELL_WIDTH + GAP)
    rows = []
    for i, floor in enumerate(floors):
        y = GAP + i * (CELL_HEIGHT + GAP)
        cells = [
            _cell(room, LABEL_WIDTH + GAP + j * (CELL_WIDTH + GAP), y, marks or {})
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
        return SearchKind(self.kind).label

    @property
    def families(self) -> list[tuple[str, list[ResultItem]]]:
        """Guide items by family (their category: 不动产登记 …), each family together,
        families in the order of their best hit."""
        families: dict[str, list[ResultItem]] = {}
        for item in self.items:
            families.setdefault(getattr(item.obj, "category", "") or "", []).append(item)
        return list(families.items())


@dataclass
class UnitLead:
    """The unit a query names (人社局, 医保, 民政局), shown first with its guide items under it."""

    unit: ResultItem
    services: list[ListedItem]
    service_total: int


LEAD_SERVICES = 8


def lead_with_unit(results: Any, sections: list[ResultSection]) -> UnitLead | None:
    """When the best hit of all is a unit the query names, take it out of ``sections``
    (and its guide items out of the guide section) and return it with its guide items."""
    if not results.groups or results.groups[0].kind != "unit" or results.groups[0].best not in (Rank.EXACT, Rank.PINYIN_EXACT):
        return None
    section = next((s for s in sections if s.kind == "unit"), None)
    if section is None or not section.items:
        return None
    unit_item = section.items.pop(0)
    section.total -= 1
    # The unit's items in the guide's order, from the guide kept as facts (see guide.services.guide_facts).
    listed = guide_facts().by_unit.get(unit_item.obj.id, ())
    services = list(listed[:LEAD_SERVICES])
    total = len(listed)
    shown = {item.id for item in services}
    for other in sections:
        if other.kind == "guide":
            kept = [item for item in other.items if item.obj.id not in shown]
            other.total -= len(other.items) - len(kept)
            other.items = kept
    sections[:] = [s for s in sections if s.items]
    return UnitLead(unit_item, services, total)


# Built once, with the hits' ids bound: the results are read on every search.
_IDS = bindparam("ids", expanding=True)
_UNIT_PLACES = (
    select(Room.unit_id, Building.sort_order, Building.id, Building.name, Floor.level, Floor.label, Room.number)
    .join(Floor, Room.floor_id == Floor.id)
    .join(Building, Floor.building_id == Building.id)
    .where(Room.unit_id.in_(_IDS))
)
_FLOOR_OCCUPANTS = (
    select(Room.floor_id, Unit.id, Unit.short_name, Unit.name)
    .join(Unit, Room.unit_id == Unit.id)
    .where(Room.floor_id.in_(_IDS))
    .order_by(Room.floor_id, Unit.sort_order, Unit.id)
)
# The objects behind some hits (only what their line in the results shows).
_HITS = {
    "unit": select(Unit).where(Unit.id.in_(_IDS)),
    "guide": select(GuideItem).options(
        joinedload(GuideItem.unit), joinedload(GuideItem.room).joinedload(Room.floor).joinedload(Floor.building)
    ).where(GuideItem.id.in_(_IDS)),
    "floor": select(Floor).options(joinedload(Floor.building)).where(Floor.id.in_(_IDS)),
    "room": select(Room).options(
        joinedload(Room.floor).joinedload(Floor.building), joinedload(Room.unit)
    ).where(Room.id.in_(_IDS)),
    "staff": select(User).options(
        joinedload(User.unit),
        joinedload(User.office_room).joinedload(Room.floor).joinedload(Floor.building),
        lazyload(User.role_rows),  # roles are not shown
    ).where(User.id.in_(_IDS), User.active.is_(True), User.unit_id.is_not(None)),
}


def _unit_places(unit_ids: list[int]) -> dict[int, str]:
    """``rooms_summary`` for each unit, from one query of plain rows."""
    rows = db.session.execute(_UNIT_PLACES, {"ids": unit_ids})
    by_unit: dict[int, list[tuple[tuple[int, int, int], str, str]]] = {}
    for unit_id, order, building_id, building, level, label, number in rows:
        by_unit.setdefault(unit_id, []).append(((order, building_id, level), f"{building} {label or f'{level}F'}", number))
    return {unit_id: rooms_summary(rooms) for unit_id, rooms in by_unit.items()}


def _floor_occupants(floor_ids: list[int]) -> dict[int, str]:
    rows = db.session.execute(_FLOOR_OCCUPANTS, {"ids": floor_ids})
    names: dict[int, list[str]] = {}
    for floor_id, _unit_id, short_name, name in rows:
        label = short_name or name
        if label not in names.setdefault(floor_id, []):
            names[floor_id].append(label)
    return {floor_id: "、".join(labels) for floor_id, labels in names.items()}


def _load(kind: str, ids: list[int]) -> tuple[dict[int, Any], dict[int, str]]:
    """The objects behind some hits (only what their line in the results shows), and details."""
    query = _HITS.get(kind)
    if query is None:
        raise ValueError(kind)
    details = _unit_places(ids) if kind == "unit" else _floor_occupants(ids) if kind == "floor" else {}
    return {obj.id: obj for obj in db.session.scalars(query, {"ids": ids}).unique()}, details


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


def meetings_blocking(room: Room, kind: RoomKind, now: datetime) -> int:
    """How many meetings still to come keep ``room`` from becoming ``kind`` (0: it may):
    a meeting room stays bookable until they are cancelled."""
    if kind in BOOKABLE_KINDS or room.kind not in BOOKABLE_KINDS or room.id is None:
        return 0
    return meetings_ahead(room.id, now)


# ---------------------------------------------------------------- what the pages read


@dataclass(frozen=True)
class DirectoryIndex:
    groups: list[BuildingGroup]
    units_without_rooms: list[Unit]


def directory_index() -> DirectoryIndex:
    units = db.session.scalars(select(Unit).where(~Unit.rooms.any()).order_by(Unit.sort_order, Unit.id)).all()
    return DirectoryIndex(group_units_by_floor(load_buildings()), list(units))


UNIT_PAGE_ITEMS = 20


@dataclass(frozen=True)
class UnitPage:
    unit: Unit
    rooms: list[Room]
    items: list[GuideItem]
    item_count: int
    staff_count: int | None  # None: not shown (visitors)


def unit_page(unit: Unit, *, include_staff: bool) -> UnitPage:
    items = db.session.scalars(
        select(GuideItem)
        .options(joinedload(GuideItem.room).joinedload(Room.floor).joinedload(Floor.building))
        .where(GuideItem.unit_id == unit.id)
        .order_by(category_order(), GuideItem.category, GuideItem.name)
        .limit(UNIT_PAGE_ITEMS)
    ).all()
    item_count = db.session.scalar(select(func.count()).select_from(GuideItem).where(GuideItem.unit_id == unit.id))
    staff_count = None
    if include_staff:
        staff_count = db.session.scalar(
            select(func.count()).select_from(User).where(User.unit_id == unit.id, User.active.is_(True))
        )
    rooms = sorted(unit.rooms, key=lambda r: (r.floor.building.sort_order, r.floor.level, r.number))
    return UnitPage(unit, rooms, list(items), item_count or 0, staff_count)


@dataclass(frozen=True)
class BuildingPage:
    building: Building
    buildings: list[tuple[int, str]]
    floors: list[Floor]
    plan: FloorPlan
    annotations: PlanAnnotations | None = None


def building_page(building_id: int, layer: FloorPlanLayer | None = None, day: date | None = None) -> BuildingPage | None:
    """The building's floors and plan, drawn with ``layer`` (as of ``day``) when one is given."""
    building = db.session.scalar(
        select(Building)
        .options(selectinload(Building.floors).selectinload(Floor.rooms).joinedload(Room.unit))
        .where(Building.id == building_id)
    )
    if building is None:
        return None
    floors = sorted(building.floors, key=lambda f: f.level, reverse=True)
    annotations = layer.annotate(floors, day) if layer is not None and day is not None else None
    plan = floor_plan(building, annotations.rooms if annotations is not None else None)
    return BuildingPage(building, building_options(), floors, plan, annotations)


def building_options() -> list[tuple[int, str]]:
    return [(i, name) for i, name in db.session.execute(
        select(Building.id, Building.name).order_by(Building.sort_order, Building.id)
    )]


def unit_options(scope: frozenset[int] | None) -> list[tuple[int, str]]:
    query = select(Unit.id, Unit.name).order_by(Unit.sort_order, Unit.id)
    if scope is not None:
        query = query.where(Unit.id.in_(scope or {-1}))
    return [(i, name) for i, name in db.session.execute(query)]


def office_options(scope: frozenset[int] | None) -> list[tuple[int, str]]:
    query = (
        office_rooms_query(scope)
        .join(Floor, Room.floor_id == Floor.id)
        .join(Building, Floor.building_id == Building.id)
        .join(Unit, Room.unit_id == Unit.id)
        .options(contains_eager(Room.floor).contains_eager(Floor.building), contains_eager(Room.unit))
        .order_by(Unit.sort_order, Building.sort_order, Room.number)
    )
    return [(room.id, f"{room.unit.short_name or room.unit.name} · {room.label}") for room in db.session.scalars(query)]


def title_rank():
    """An ORDER BY expression for ``User.title``: heads first, then deputies, section
    heads, … clerks (局长, 副局长, 科长, 副科长, 主任科员, 科员); no title last."""
    title = User.title
    return case(
        (title.like("%副主任科员"), 6),
        (title.like("%主任科员"), 5),
        (title.like("%科员"), 7),
        (title.like("%办事员"), 8),
        (or_(title.like("%副科长"), title.like("%副股长")), 4),
        (or_(title.like("%科长"), title.like("%股长"), title.like("%室主任")), 3),
        (title.like("%调研员"), 2),
        (or_(title.like("副%"), title.like("%、副%")), 1),
        (title == "", 9),
        else_=0,
    )


def staff_listing_query(q: str, unit_id: int | None):
    """Listed staff (active, with a unit), in unit order, by rank, then by the pinyin
    of their names; ``q`` matches names (also in pinyin) and extension numbers."""
    query = (
        select(User)
        .join(SearchKey, and_(SearchKey.kind == "staff", SearchKey.object_id == User.id))
        .join(Unit, User.unit_id == Unit.id)
        .options(
            contains_eager(User.unit),
            joinedload(User.office_room).joinedload(Room.floor).joinedload(Floor.building),
            lazyload(User.role_rows),
        )
        .order_by(Unit.sort_order, Unit.id, title_rank(), SearchKey.pinyin, User.id)
    )
    if unit_id:
        query = query.where(User.unit_id == unit_id)
    normalized = normalize(q)
    if normalized:
        rules = MatchRules.for_query(normalized)
        query = query.where(candidate_filter(rules, SearchKey.terms, SearchKey.pinyin, SearchKey.initials))
    return query


def admin_units_query(scope: frozenset[int] | None):
    query = select(Unit).order_by(Unit.sort_order, Unit.id)
    if scope is not None:
        query = query.where(Unit.id.in_(scope or {-1}))
    return query


def admin_rooms_query(building_id: int | None):
    query = (
        select(Room)
        .join(Floor)
        .join(Building)
        .options(contains_eager(Room.floor).contains_eager(Floor.building), joinedload(Room.unit))
        .order_by(Building.sort_order, Floor.level, Room.number)
    )
    if building_id:
        query = query.where(Floor.building_id == building_id)
    return query


def admin_staff_query(scope: frozenset[int] | None, *, q: str, unit_id: int | None):
    query = (
        select(User)
        .join(Unit, User.unit_id == Unit.id)
        .options(
            contains_eager(User.unit),
            joinedload(User.office_room).joinedload(Room.floor).joinedload(Floor.building),
            lazyload(User.role_rows),
        )
        .order_by(Unit.sort_order, Unit.id, User.active.desc(), title_rank(), User.display_name, User.id)
    )
    if scope is not None:
        query = query.where(User.unit_id.in_(scope or {-1}))
    if unit_id:
        query = query.where(User.unit_id == unit_id)
    if q:
        query = query.where(or_(contains(User.display_name, q), contains(User.username, q), contains(User.phone_ext, q)))
    return query


# ---------------------------------------------------------------- changes (one place for every rule)
#
# The edit forms and the Excel import both end here, so an imported row obeys
# exactly the rules of the form. ``actor`` None is the system itself (the CLI);
# a view always passes the logged-in user.

UNIT_FIELDS = ("name", "short_name", "phone", "office_hours", "duties", "headcount", "sort_order")
UNIT_ADMIN_ONLY_FIELDS = ("name", "short_name", "headcount", "sort_order")
ROOM_FIELDS = ("name", "kind", "capacity", "area_m2", "equipment", "unit_id")
STAFF_FIELDS = ("display_name", "unit_id", "title", "office_room_id", "phone_ext", "active")
PHONE_TEXT = re.compile(r"^[0-9 ()（）+\-—,，/、转]*$")
USERNAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


@dataclass(frozen=True)
class Outcome:
    """What a change did: the object, whether it is new, whether anything changed."""

    obj: Any
    created: bool
    changed: bool


def scope_of(actor: User | None) -> frozenset[int] | None:
    """The units ``actor`` edits (None: all). The system itself (no actor) edits all."""
    return None if actor is None else editable_unit_ids(actor)


def _may_edit(actor: User | None, unit_id: int | None) -> bool:
    return actor is None or can_edit_unit(actor, unit_id)


def _forbidden() -> RuleViolation:
    return RuleViolation(_l("You may only change your own unit's data."), status=403)


def _length(value: str, limit: int, field_name: str) -> None:
    if len(value) > limit:
        raise RuleViolation(_l("At most %(n)s characters.", n=limit), field=field_name)


def _required(value: str, field_name: str) -> None:
    if not value:
        raise RuleViolation(_l("This field is required."), field=field_name)


def _phone_text(value: str, field_name: str) -> str:
    value = normalise_identifier(value)
    _length(value, 30, field_name)
    if not PHONE_TEXT.match(value):
        raise RuleViolation(_l("Use digits, spaces and dashes only."), field=field_name)
    return value


def _whole(value: int | None, low: int, high: int, field_name: str) -> None:
    if value is not None and not low <= value <= high:
        raise RuleViolation(_l("Must be between %(low)s and %(high)s.", low=low, high=high), field=field_name)


def _record(actor: User | None, action: str, obj: Any, before: dict | None, fields: tuple[str, ...],
            summary: str = "") -> Outcome:
    db.session.flush()
    after = audit.snapshot(obj, fields)
    if before is not None and before == after:
        return Outcome(obj, created=False, changed=False)
    audit.record(actor, action, obj, before=before, after=after, summary=summary)
    return Outcome(obj, created=before is None, changed=True)


@dataclass
class UnitDraft:
    """A unit as a form or a workbook row gives it. ``None`` in an administrators-only
    field: keep what is stored (a unit administrator's form has no such field)."""

    phone: str = ""
    office_hours: str = ""
    duties: str = ""
    name: str | None = None
    short_name: str | None = None
    headcount: int | None = None
    sort_order: int | None = None


def save_unit(unit: Unit | None, draft: UnitDraft, *, actor: User | None, now: datetime,
              action: str | None = None, summary: str = "") -> Outcome:
    """Create (administrators only) or update a unit."""
    everything = scope_of(actor) is None
    if unit is None and not everything:
        raise RuleViolation(_l("Only the logistics center adds units."), status=403)
    if unit is not None and not _may_edit(actor, unit.id):
        raise _forbidden()
    if not everything:
        for name in UNIT_ADMIN_ONLY_FIELDS:
            given = getattr(draft, name)
            if given is not None and given != getattr(unit, name):
                raise RuleViolation(_l("The unit's name and headcount are kept by the logistics center."), field=name)
    name = draft.name if draft.name is not None else (unit.name if unit is not None else "")
    _required(name, "name")
    _length(name, 80, "name")
    _length(draft.short_name or "", 30, "short_name")
    phone = _phone_text(draft.phone or "", "phone")
    _length(draft.office_hours or "", 120, "office_hours")
    _length(draft.duties or "", 2000, "duties")
    _whole(draft.headcount, 0, 10000, "headcount")
    _whole(draft.sort_order, 0, 100000, "sort_order")
    taken = select(Unit.id).where(Unit.name == name)
    if unit is not None and unit.id is not None:
        taken = taken.where(Unit.id != unit.id)
    if db.session.scalar(taken) is not None:
        raise RuleViolation(_l("Another unit already has this name."), field="name")
    before = audit.snapshot(unit, UNIT_FIELDS) if unit is not None else None
    if unit is None:
        unit = Unit(name=name)
        db.session.add(unit)
    unit.name = name
    if draft.short_name is not None:
        unit.short_name = draft.short_name
    unit.phone = phone
    unit.office_hours = draft.office_hours or ""
    unit.duties = draft.duties or ""
    for key in ("headcount", "sort_order"):
        value = getattr(draft, key)
        if value is not None:
            setattr(unit, key, value)
        elif getattr(unit, key) is None:
            setattr(unit, key, 0)
    default_action = "unit.create" if before is None else "unit.update"
    return _record(actor, action or default_action, unit, before, UNIT_FIELDS, summary)


@dataclass
class RoomDraft:
    kind: RoomKind = RoomKind.OFFICE
    name: str = ""
    capacity: int | None = None
    area_m2: Decimal | None = None
    equipment: list[str] = field(default_factory=list)
    unit_id: int | None = None


def save_room(room: Room | None, draft: RoomDraft, *, actor: User | None, now: datetime, floor: Floor | None = None,
              number: str = "", action: str | None = None, summary: str = "") -> Outcome:
    """Change a room's details and occupant (administrators only); a new room needs
    ``floor`` and ``number`` (the import adds rooms)."""
    if scope_of(actor) is not None:
        raise RuleViolation(_l("Only the logistics center assigns rooms."), status=403)
    if not isinstance(draft.kind, RoomKind):
        raise RuleViolation(_l("Not a valid choice."), field="kind")
    _length(draft.name or "", 80, "name")
    _whole(draft.capacity, 1, 5000, "capacity")
    area = draft.area_m2
    if area is not None:
        if not area.is_finite() or not 0 <= area <= 100000:
            raise RuleViolation(_l("Write the area in square metres, such as 36 or 42.5."), field="area_m2")
        if area != area.quantize(Decimal("0.01")):
            raise RuleViolation(_l("At most two decimal places."), field="area_m2")
        area = area.quantize(Decimal("0.01"))
    known = [item.value for item in Equipment]
    unknown = [code for code in draft.equipment if code not in known]
    if unknown:
        raise RuleViolation(_l("Not a valid choice."), field="equipment")
    if draft.unit_id is not None and db.session.get(Unit, draft.unit_id) is None:
        raise RuleViolation(_l("Not a valid choice."), field="unit_id")
    if room is not None and (blocking := meetings_blocking(room, draft.kind, now)):
        raise RuleViolation(_l(
            "%(n)s meetings are booked in this room from now on; cancel them before it stops being a meeting room.",
            n=blocking,
        ), field="kind")
    before = audit.snapshot(room, ROOM_FIELDS) if room is not None else None
    if room is None:
        if floor is None or not number:
            raise RuleViolation(_l("A new room needs its floor and number."), field="number")
        room = Room(floor=floor, number=number, kind=draft.kind, equipment=[])
        db.session.add(room)
    room.name = draft.name or ""
    room.kind = draft.kind
    room.capacity = draft.capacity
    room.area_m2 = area
    room.equipment = [code for code in known if code in draft.equipment]
    room.unit_id = draft.unit_id
    default_action = "room.create" if before is None else "room.update"
    return _record(actor, action or default_action, room, before, ROOM_FIELDS, summary)


@dataclass
class StaffDraft:
    """A staff directory entry. ``listed`` None: unchanged (a new entry is listed);
    ``username`` only for a new entry (empty: made from the name's pinyin)."""

    display_name: str
    unit_id: int | None
    title: str = ""
    office_room_id: int | None = None
    phone_ext: str = ""
    listed: bool | None = None
    username: str = ""


def office_rooms_query(scope: frozenset[int] | None):
    """Rooms that may be someone's office: occupied by a unit (for a unit
    administrator, by their own unit)."""
    query = select(Room).where(Room.unit_id.is_not(None))
    if scope is not None:
        query = query.where(Room.unit_id.in_(scope or {-1}))
    return query


def save_staff(person: User | None, draft: StaffDraft, *, actor: User | None, now: datetime,
               taken_usernames: set[str] | None = None, action: str | None = None, summary: str = "") -> Outcome:
    """Create or update a staff entry. Accounts with a portal login are switched on
    and off by the system administrator only: here their "listed" cannot change."""
    scope = scope_of(actor)
    if person is not None and not _may_edit(actor, person.unit_id):
        raise _forbidden()
    display_name = draft.display_name or ""
    _required(display_name, "display_name")
    _length(display_name, 64, "display_name")
    _length(draft.title or "", 64, "title")
    phone_ext = _phone_text(draft.phone_ext or "", "phone_ext")
    if draft.unit_id is None or db.session.get(Unit, draft.unit_id) is None:
        raise RuleViolation(_l("Choose a unit."), field="unit_id")
    if scope is not None and draft.unit_id not in scope:
        raise RuleViolation(_l("You may only change your own unit's data."), field="unit_id")
    if draft.office_room_id is not None:
        allowed = office_rooms_query(scope).where(Room.id == draft.office_room_id).with_only_columns(Room.id)
        if db.session.scalar(allowed) is None:
            if scope is None:
                raise RuleViolation(_l("An office is a room that a unit occupies."), field="office_room_id")
            raise RuleViolation(_l("Choose an office of your own unit."), field="office_room_id")
    has_login = person is not None and bool(person.password_hash)
    if has_login and draft.listed is not None and draft.listed != person.active:
        raise RuleViolation(
            _l("Accounts with a portal login are switched on and off by the system administrator."), field="listed"
        )
    before = audit.snapshot(person, STAFF_FIELDS) if person is not None else None
    if person is None:
        username = draft.username
        if username:
            if not USERNAME.match(username):
                raise RuleViolation(_l("Use letters, digits, dot, dash or underscore only."), field="username")
            if db.session.scalar(select(User.id).where(User.username == username)) is not None:
                raise RuleViolation(_l("This username is taken."), field="username")
        else:
            username = directory_username(display_name, taken_usernames)
        if taken_usernames is not None:
            taken_usernames.add(username)
        person = User(username=username, display_name=display_name, password_hash="", active=True)
        db.session.add(person)
    person.display_name = display_name
    person.unit_id = draft.unit_id
    person.title = draft.title or ""
    person.office_room_id = draft.office_room_id
    person.phone_ext = phone_ext
    if not has_login and draft.listed is not None:
        person.active = draft.listed
    default_action = "staff.create" if before is None else "staff.update"
    return _record(actor, action or default_action, person, before, STAFF_FIELDS, summary)
