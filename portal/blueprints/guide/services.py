"""The guide's rules as plain functions: what the pages read (as dataclasses)
and every change to a guide item (办事事项), with its audit record."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import case, func, select
from sqlalchemy.orm import contains_eager, joinedload

from portal import audit
from portal.blueprints.guide.models import GuideItem
from portal.cache import cached_facts
from portal.db import db
from portal.i18n import lazy_gettext as _l
from portal.models import Building, Floor, Room, RoomKind, Unit, User
from portal.paging import PageNavigation
from portal.permissions import can_edit_unit, editable_unit_ids
from portal.rules import RuleViolation
from portal.text import contains, normalise_identifier

ITEM_FIELDS = (
    "name", "unit_id", "category", "room_id", "window", "materials", "steps", "hours", "fee", "fee_note",
    "legal_days", "promised_days", "phone", "notes", "keywords",
)

# The order in which the guide lists its usual categories: what people come for
# most first, roughly as county service guides arrange them. Other categories
# follow in the database's order.
CATEGORY_ORDER = (
    "社会保障", "就业创业", "医疗保障", "婚姻家庭", "社会救助", "养老服务", "不动产登记", "住房保障",
    "企业开办", "行政许可", "工程建设", "教育", "卫生健康", "交通运输", "农业农村", "生态环境",
    "安全生产", "文化旅游", "法律服务", "劳动关系", "退役军人", "社会组织", "信访",
)


# Built once: a CASE of two dozen literals costs more to build than the query it sorts.
_CATEGORY_ORDER_BY = case(
    {name: i for i, name in enumerate(CATEGORY_ORDER)}, value=GuideItem.category, else_=len(CATEGORY_ORDER)
)


def category_order():
    """An ORDER BY expression for ``GuideItem.category`` following ``CATEGORY_ORDER``."""
    return _CATEGORY_ORDER_BY


# "1." "2、" "（3）" "四、" at the start of a line people paste from a Word document.
LIST_NUMBERING = re.compile(r"^\s*(?:\d{1,2}|[一二三四五六七八九十]{1,2})\s*[.、．)）]\s*|^\s*[（(]\d{1,2}[)）]\s*")


def split_lines(text: str | None) -> list[str]:
    """One item a line, without the numbering people type; blank lines dropped."""
    items = []
    for line in (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = LIST_NUMBERING.sub("", line).strip()
        if line:
            items.append(line)
    return items


def join_lines(items: Iterable[str]) -> str:
    return "\n".join(items)


def item_name_taken(unit_id: int | None, name: str, exclude_id: int | None = None) -> bool:
    query = select(GuideItem.id).where(GuideItem.unit_id == unit_id, GuideItem.name == name)
    if exclude_id is not None:
        query = query.where(GuideItem.id != exclude_id)
    return db.session.scalar(query) is not None


# ---------------------------------------------------------------- reading


@dataclass(frozen=True)
class GroupedPage(PageNavigation):
    """One page of the guide: small categories whole, a large one over several pages."""

    groups: list[tuple[str, list[GuideItem]]]
    page: int
    pages: int
    total: int

    @property
    def items(self) -> list[GuideItem]:
        return [item for _, items in self.groups for item in items]


@dataclass(frozen=True)
class Slice:
    """Part of a category on a page: ``count`` items from the ``start``-th."""

    category: str
    start: int
    count: int


def pack_categories(counts: list[tuple[str, int]], per_page: int) -> list[list[Slice]]:
    """Categories (in order, with their sizes) packed into pages of at most
    ``per_page`` items: categories that fit share a page whole; one larger than a
    page fills pages of its own, so no page grows with the data."""
    pages: list[list[Slice]] = []
    size = per_page  # the first category starts a page
    for name, count in counts:
        if count > per_page:
            pages.extend([Slice(name, start, min(per_page, count - start))] for start in range(0, count, per_page))
            size = per_page
        elif size + count <= per_page:
            pages[-1].append(Slice(name, 0, count))
            size += count
        else:
            pages.append([Slice(name, 0, count)])
            size = count
    return pages


@dataclass(frozen=True, slots=True)
class ListedUnit:
    id: int
    name: str
    short_name: str


@dataclass(frozen=True, slots=True)
class ListedRoom:
    label: str  # 主楼 305
    name: str


@dataclass(frozen=True, slots=True)
class ListedItem:
    """What the guide's list shows of an item (guide/_item_list.html), as a plain value."""

    id: int
    name: str
    category: str
    unit_id: int
    unit: ListedUnit
    room: ListedRoom | None
    window: str | None
    promised_days: int | None


@dataclass(frozen=True, slots=True)
class GuideFacts:
    """The whole guide as the public list shows it, whatever the filter or page: kept
    (portal.cache.cached_facts) until the guide or the building changes."""

    categories: tuple[tuple[str, int], ...]  # in the guide's order, with their counts
    units: tuple[tuple[int, str, str, int], ...]  # units with items: id, name, short name, count
    every_unit: dict[int, ListedUnit]
    by_category: dict[str, tuple[ListedItem, ...]]  # each in the list's order
    by_unit: dict[int, tuple[ListedItem, ...]]


_LISTED_ITEMS = (
    select(GuideItem.id, GuideItem.name, GuideItem.category, GuideItem.unit_id, GuideItem.window,
           GuideItem.promised_days, Room.id.label("room_id"), Building.name.label("building_name"), Room.number,
           Room.name.label("room_name"))
    .join(Unit, GuideItem.unit_id == Unit.id)
    .outerjoin(Room, GuideItem.room_id == Room.id)
    .outerjoin(Floor, Room.floor_id == Floor.id)
    .outerjoin(Building, Floor.building_id == Building.id)
    .order_by(category_order(), GuideItem.category, Unit.sort_order, GuideItem.name, GuideItem.id)
)
_EVERY_UNIT = select(Unit.id, Unit.name, Unit.short_name).order_by(Unit.sort_order, Unit.id)


def _guide_facts() -> GuideFacts:
    connection = db.session.connection()
    every_unit = {row.id: ListedUnit(row.id, row.name, row.short_name) for row in connection.execute(_EVERY_UNIT)}
    by_category: dict[str, list[ListedItem]] = {}
    by_unit: dict[int, list[ListedItem]] = {}
    for row in connection.execute(_LISTED_ITEMS):
        room = ListedRoom(f"{row.building_name} {row.number}", row.room_name) if row.room_id is not None else None
        item = ListedItem(row.id, row.name, row.category, row.unit_id, every_unit[row.unit_id], room, row.window,
                          row.promised_days)
        by_category.setdefault(item.category, []).append(item)
        by_unit.setdefault(item.unit_id, []).append(item)
    return GuideFacts(
        categories=tuple((name, len(items)) for name, items in by_category.items()),
        units=tuple((unit.id, unit.name, unit.short_name, len(by_unit[unit.id]))
                    for unit in every_unit.values() if unit.id in by_unit),
        every_unit=every_unit,
        by_category={name: tuple(items) for name, items in by_category.items()},
        by_unit={unit_id: tuple(items) for unit_id, items in by_unit.items()},
    )


def guide_facts() -> GuideFacts:
    return cached_facts(("building", "guide"), "guide.list", _guide_facts)


@dataclass(frozen=True)
class GuideIndex:
    page: GroupedPage
    categories: tuple[tuple[str, int], ...]
    units: tuple[tuple[int, str, str, int], ...]
    selected_unit: ListedUnit | None


def guide_index(*, category: str, unit_id: int | None, page: int, per_page: int) -> GuideIndex:
    """The public guide: every category with its count, the units with theirs, and
    one page of items (see :func:`pack_categories`), drawn from the kept :class:`GuideFacts`."""
    facts = guide_facts()

    def listed(name: str) -> list[ListedItem]:
        items = facts.by_category.get(name, ())
        return [item for item in items if item.unit_id == unit_id] if unit_id else list(items)

    if category:
        counts = [(category, n) for n in [len(listed(category))] if n]
    elif unit_id:
        in_order: dict[str, int] = {}
        for item in facts.by_unit.get(unit_id, ()):
            in_order[item.category] = in_order.get(item.category, 0) + 1
        counts = [(name, in_order[name]) for name, _ in facts.categories if name in in_order]
    else:  # unfiltered, the page's categories are the sidebar's
        counts = list(facts.categories)
    pages = pack_categories(counts, per_page)
    groups: list[tuple[str, list[ListedItem]]] = []
    if 1 <= page <= len(pages):
        for part in pages[page - 1]:
            items = listed(part.category)[part.start:part.start + part.count]
            if items:
                groups.append((part.category, items))
    total = sum(n for _, n in counts)
    selected_unit = facts.every_unit.get(unit_id) if unit_id else None
    return GuideIndex(GroupedPage(groups, page, max(1, len(pages)), total), facts.categories, facts.units, selected_unit)


RELATED_ITEMS = 10


@dataclass(frozen=True)
class ItemSheet:
    item: GuideItem
    related: list[GuideItem]


def item_sheet(item: GuideItem) -> ItemSheet:
    related = db.session.scalars(
        select(GuideItem)
        .where(GuideItem.unit_id == item.unit_id, GuideItem.id != item.id)
        .order_by(category_order(), GuideItem.category, GuideItem.name)
        .limit(RELATED_ITEMS)
    ).all()
    return ItemSheet(item, list(related))


def admin_items_query(scope: frozenset[int] | None, *, q: str, unit_id: int | None):
    """The administration list: the items this user edits, by unit, filtered."""
    query = (
        select(GuideItem)
        .join(Unit, GuideItem.unit_id == Unit.id)
        .options(contains_eager(GuideItem.unit))
        .order_by(Unit.sort_order, GuideItem.category, GuideItem.name, GuideItem.id)
    )
    if scope is not None:
        query = query.where(GuideItem.unit_id.in_(scope or {-1}))
    if unit_id:
        query = query.where(GuideItem.unit_id == unit_id)
    if q:
        query = query.where(contains(GuideItem.name, q))
    return query


def known_categories() -> list[str]:
    return list(db.session.scalars(select(GuideItem.category).distinct().order_by(GuideItem.category)))


def unit_options(scope: frozenset[int] | None) -> list[tuple[int, str]]:
    query = select(Unit.id, Unit.name).order_by(Unit.sort_order, Unit.id)
    if scope is not None:
        query = query.where(Unit.id.in_(scope or {-1}))
    return [(i, name) for i, name in db.session.execute(query)]


def allowed_rooms_query(scope: frozenset[int] | None):
    """Where an item may send people: service halls, then the rooms of the units
    this user edits (every room for the logistics center)."""
    query = (
        select(Room)
        .join(Floor)
        .join(Building)
        .options(contains_eager(Room.floor).contains_eager(Floor.building), joinedload(Room.unit))
        .order_by((Room.kind != RoomKind.SERVICE_HALL), Building.sort_order, Floor.level, Room.number)
    )
    if scope is not None:
        query = query.where((Room.kind == RoomKind.SERVICE_HALL) | Room.unit_id.in_(scope or {-1}))
    return query


def room_options(scope: frozenset[int] | None) -> list[tuple[int, str]]:
    options = []
    for room in db.session.scalars(allowed_rooms_query(scope)):
        label = room.label
        if room.name:
            label += f" {room.name}"
        if room.unit:
            label += f" · {room.unit.short_name or room.unit.name}"
        options.append((room.id, label))
    return options


# ---------------------------------------------------------------- changes

PHONE_TEXT = re.compile(r"^[0-9 ()（）+\-—,，/、转]*$")
MAX_LIST_TEXT = 5000


@dataclass
class ItemDraft:
    """A guide item as the form or a workbook row gives it."""

    name: str
    category: str
    unit_id: int | None
    room_id: int | None = None
    window: str = ""
    materials: list[str] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)
    hours: str = ""
    fee: Decimal | None = None
    fee_note: str = ""
    legal_days: int | None = None
    promised_days: int | None = None
    phone: str = ""
    notes: str = ""
    keywords: str = ""


@dataclass(frozen=True)
class Outcome:
    item: GuideItem
    created: bool
    changed: bool


def _scope(actor: User | None) -> frozenset[int] | None:
    return None if actor is None else editable_unit_ids(actor)


def _length(value: str, limit: int, name: str) -> None:
    if len(value or "") > limit:
        raise RuleViolation(_l("At most %(n)s characters.", n=limit), field=name)


def _days(value: int | None, name: str) -> None:
    if value is not None and not 0 <= value <= 3650:
        raise RuleViolation(_l("Must be between %(low)s and %(high)s.", low=0, high=3650), field=name)


def check_fee(fee: Decimal | None) -> Decimal | None:
    if fee is None:
        return None
    if not fee.is_finite() or not 0 <= fee <= 1000000:
        raise RuleViolation(_l("Write the fee in yuan as a number, such as 80 or 0 (free)."), field="fee")
    if fee != fee.quantize(Decimal("0.01")):
        raise RuleViolation(_l("A fee has at most two decimal places (fen)."), field="fee")
    return fee.quantize(Decimal("0.01"))


def save_item(item: GuideItem | None, draft: ItemDraft, *, actor: User | None, now: datetime,
              action: str | None = None, summary: str = "") -> Outcome:
    """Create or update a guide item: the editor's own unit only (every unit for the
    logistics center), a place they may name, one name per unit."""
    scope = _scope(actor)
    if item is not None and scope is not None and not can_edit_unit(actor, item.unit_id):
        raise RuleViolation(_l("You may only change your own unit's data."), status=403)
    if draft.unit_id is None or db.session.get(Unit, draft.unit_id) is None:
        raise RuleViolation(_l("Choose a unit."), field="unit_id")
    if scope is not None and draft.unit_id not in scope:
        raise RuleViolation(_l("You may only change your own unit's data."), field="unit_id")
    if not draft.name:
        raise RuleViolation(_l("This field is required."), field="name")
    if not draft.category:
        raise RuleViolation(_l("This field is required."), field="category")
    for name, limit in (("name", 120), ("category", 30), ("window", 30), ("hours", 120), ("fee_note", 200),
                        ("notes", 5000), ("keywords", 200)):
        _length(getattr(draft, name), limit, name)
    materials = [line.strip() for line in draft.materials if line and line.strip()]
    steps = [line.strip() for line in draft.steps if line and line.strip()]
    _length(join_lines(materials), MAX_LIST_TEXT, "materials")
    _length(join_lines(steps), MAX_LIST_TEXT, "steps")
    phone = normalise_identifier(draft.phone or "")
    _length(phone, 30, "phone")
    if not PHONE_TEXT.match(phone):
        raise RuleViolation(_l("Use digits, spaces and dashes only."), field="phone")
    fee = check_fee(draft.fee)
    _days(draft.legal_days, "legal_days")
    _days(draft.promised_days, "promised_days")
    if draft.legal_days is not None and draft.promised_days is not None and draft.promised_days > draft.legal_days:
        raise RuleViolation(_l("The promised time limit cannot be longer than the legal one."), field="promised_days")
    if draft.room_id is not None:
        allowed = allowed_rooms_query(scope).where(Room.id == draft.room_id)
        if db.session.scalars(allowed).first() is None:
            raise RuleViolation(_l("Choose a service hall or one of your unit's rooms."), field="room_id")
    if item_name_taken(draft.unit_id, draft.name, item.id if item is not None else None):
        raise RuleViolation(_l("This unit already has a service with this name."), field="name")
    before = audit.snapshot(item, ITEM_FIELDS) if item is not None else None
    if item is None:
        item = GuideItem(name=draft.name, unit_id=draft.unit_id, category=draft.category)
        db.session.add(item)
    item.name = draft.name
    item.category = draft.category
    item.unit_id = draft.unit_id
    item.room_id = draft.room_id
    item.materials = materials
    item.steps = steps
    item.fee = fee
    item.legal_days = draft.legal_days
    item.promised_days = draft.promised_days
    item.phone = phone
    for name in ("window", "hours", "fee_note", "notes", "keywords"):
        setattr(item, name, getattr(draft, name) or "")
    db.session.flush()
    after = audit.snapshot(item, ITEM_FIELDS)
    if before is not None and before == after:
        return Outcome(item, created=False, changed=False)
    default_action = "guide_item.create" if before is None else "guide_item.update"
    audit.record(actor, action or default_action, item, before=before, after=after, summary=summary)
    return Outcome(item, created=before is None, changed=True)


def delete_item(item: GuideItem, *, actor: User | None, now: datetime) -> None:
    """Take an item out of the guide (and the search); the audit log keeps its content."""
    if actor is not None and not can_edit_unit(actor, item.unit_id):
        raise RuleViolation(_l("You may only change your own unit's data."), status=403)
    audit.record(actor, "guide_item.delete", item, before=audit.snapshot(item, ITEM_FIELDS), summary=item.name)
    db.session.delete(item)
