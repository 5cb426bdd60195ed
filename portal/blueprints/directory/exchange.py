"""Excel (xlsx) export and import of units, rooms, services and staff.

The logistics center keeps this data in spreadsheets. An import is read and
checked cell by cell first (``plan_import``); then every row goes through the
same service function as the edit form (``save_unit``, ``save_room``,
``save_item``, ``save_staff``), so a row obeys exactly the form's rules.
Every problem is reported with its sheet, row number and column, in the
user's language; if there is any, nothing is written (all rows or none).

A unit administrator exports and imports only their own unit's services and
staff; the scope is the set from ``permissions.editable_unit_ids``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.blueprints.directory.indexing import building_aliases
from portal.blueprints.directory.search import normalize
from portal.blueprints.directory.services import (
    USERNAME,
    RoomDraft,
    StaffDraft,
    UnitDraft,
    meetings_blocking,
    save_room,
    save_staff,
    save_unit,
    scope_of,
)
from portal.blueprints.guide.models import GuideItem
from portal.blueprints.guide.services import ItemDraft, save_item, split_lines
from portal.db import db
from portal.i18n import lazy_gettext as _l
from portal.models import Building, Equipment, Floor, Room, RoomKind, Unit, User
from portal.rules import RuleViolation
from portal.spreadsheets import (
    ExportWorkbook,
    open_workbook_upload,
    quantity,
    read_rows,
)

MAX_ROWS = 20000


@dataclass(frozen=True)
class Column:
    header: str  # as written in the workbook (Chinese: the spreadsheets are Chinese)
    key: str
    required: bool = False
    width: int = 14


@dataclass(frozen=True)
class Sheet:
    title: str
    kind: str
    columns: tuple[Column, ...]

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


UNITS = Sheet("单位", "unit", (
    Column("单位名称", "name", True, 30), Column("简称", "short_name"), Column("对外电话", "phone"),
    Column("办公时间", "office_hours", width=30), Column("主要职责", "duties", width=50),
    Column("编制人数", "headcount", width=10), Column("排序", "sort_order", width=8),
))
ROOMS = Sheet("房间", "room", (
    Column("楼栋", "building", True, 12), Column("楼层", "level", True, 8), Column("房间号", "number", True, 10),
    Column("房间名称", "name", width=20), Column("使用单位", "unit", width=30), Column("类型", "kind", width=12),
    Column("座位数", "capacity", width=8), Column("面积（平方米）", "area", width=10), Column("设备", "equipment", width=30),
))
ROOM_KIND_NAMES = {
    RoomKind.OFFICE: "办公室", RoomKind.MEETING: "会议室", RoomKind.VIP_RECEPTION: "贵宾接待室",
    RoomKind.SERVICE_HALL: "便民服务大厅", RoomKind.OTHER: "其他",
}
EQUIPMENT_NAMES = {
    Equipment.PROJECTOR: "投影", Equipment.SCREEN: "幕布", Equipment.MICROPHONES: "话筒",
    Equipment.VIDEO_CONFERENCE: "视频会议", Equipment.WELCOME_SCREEN: "电子欢迎屏",
}
ITEMS = Sheet("事项", "guide_item", (
    Column("事项名称", "name", True, 30), Column("办理单位", "unit", True, 24), Column("分类", "category", True),
    Column("办理地点", "room", width=16), Column("窗口", "window", width=10), Column("申请材料", "materials", width=50),
    Column("办理流程", "steps", width=40), Column("办理时间", "hours", width=24), Column("收费金额（元）", "fee", width=12),
    Column("收费说明", "fee_note", width=24), Column("法定时限（工作日）", "legal_days", width=12),
    Column("承诺时限（工作日）", "promised_days", width=12), Column("咨询电话", "phone"), Column("备注", "notes", width=30),
    Column("搜索关键词", "keywords", width=20),
))
STAFF = Sheet("人员", "staff", (
    Column("用户名", "username", width=16), Column("姓名", "display_name", True, 12), Column("单位", "unit", True, 24),
    Column("职务", "title"), Column("办公室", "office"), Column("分机", "phone_ext", width=10), Column("在册", "listed", width=8),
))
SHEETS = (UNITS, ROOMS, ITEMS, STAFF)
UNIT_ADMIN_SHEETS = (ITEMS, STAFF)

YES, NO = "是", "否"


def sheets_for(scope: frozenset[int] | None) -> tuple[Sheet, ...]:
    return SHEETS if scope is None else UNIT_ADMIN_SHEETS


# ---------------------------------------------------------------- problems


@dataclass(frozen=True)
class RowProblem:
    sheet: str
    row: int
    column: str
    message: Any  # a lazy string

    def __str__(self) -> str:
        if not self.column:
            return str(_l("Sheet “%(sheet)s”, row %(row)s: %(message)s", sheet=self.sheet, row=self.row, message=self.message))
        return str(
            _l(
                "Sheet “%(sheet)s”, row %(row)s, column “%(column)s”: %(message)s",
                sheet=self.sheet, row=self.row, column=self.column, message=self.message,
            )
        )


# ---------------------------------------------------------------- cell values


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value).strip()


class CellProblem(ValueError):
    def __init__(self, message: Any) -> None:
        super().__init__(message)  # a lazy string: translated when shown
        self.message = message


def parse_int(text: str, *, minimum: int = 0, maximum: int = 100000, on_the_spot: bool = False) -> int | None:
    if not text:
        return None
    if on_the_spot and text in {"即办", "即办件", "当场办结", "当场"}:
        return 0
    cleaned = text.removesuffix("个工作日").removesuffix("工作日").removesuffix("天").strip()
    try:
        value = int(Decimal(cleaned))
        if Decimal(cleaned) != value:
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        raise CellProblem(_l("“%(value)s” is not a whole number.", value=text)) from None
    if not minimum <= value <= maximum:
        raise CellProblem(_l("Must be between %(low)s and %(high)s.", low=minimum, high=maximum))
    return value


def parse_fee(text: str) -> Decimal | None:
    if not text:
        return None
    if text in {"不收费", "免费", "无"}:
        return Decimal("0.00")
    cleaned = text.removeprefix("¥").removeprefix("￥").removesuffix("元").replace(",", "").strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise CellProblem(_l("Write the fee in yuan as a number, such as 80 or 0 (free).")) from None
    if not value.is_finite() or value < 0 or value > Decimal("1000000"):
        raise CellProblem(_l("Write the fee in yuan as a number, such as 80 or 0 (free)."))
    if value != value.quantize(Decimal("0.01")):
        raise CellProblem(_l("A fee has at most two decimal places (fen)."))
    return value.quantize(Decimal("0.01"))


def parse_room_kind(text: str) -> RoomKind:
    if not text:
        return RoomKind.OFFICE
    for kind, name in ROOM_KIND_NAMES.items():
        if text in {name, kind.value} or (kind is RoomKind.SERVICE_HALL and text == "服务大厅"):
            return kind
    raise CellProblem(_l("Write one of %(names)s.", names="、".join(ROOM_KIND_NAMES.values())))


def parse_area(text: str) -> Decimal | None:
    if not text:
        return None
    try:
        value = Decimal(text.removesuffix("㎡").removesuffix("平方米").strip())
    except InvalidOperation:
        raise CellProblem(_l("Write the area in square metres, such as 36 or 42.5.")) from None
    if not value.is_finite() or value < 0 or value > 100000 or value != value.quantize(Decimal("0.01")):
        raise CellProblem(_l("Write the area in square metres, such as 36 or 42.5."))
    return value.quantize(Decimal("0.01"))


def parse_equipment(text: str) -> list[str]:
    """``投影、幕布`` → the codes, in the catalogue's order."""
    names = {name: equipment.value for equipment, name in EQUIPMENT_NAMES.items()}
    found = set()
    for part in (p.strip() for p in text.replace("，", "、").replace(",", "、").split("、")):
        if not part:
            continue
        if part not in names:
            raise CellProblem(_l("“%(value)s” is not equipment the portal knows; write %(names)s.",
                                 value=part, names="、".join(EQUIPMENT_NAMES.values())))
        found.add(names[part])
    return [equipment.value for equipment in EQUIPMENT_NAMES if equipment.value in found]


def parse_yes_no(text: str) -> bool:
    if text in {"", YES, "y", "yes", "1", "true"}:
        return True
    if text in {NO, "n", "no", "0", "false"}:
        return False
    raise CellProblem(_l("Write 是 or 否."))


# ---------------------------------------------------------------- reading


@dataclass
class SheetRows:
    sheet: Sheet
    rows: list[tuple[int, dict[str, str]]]  # (row number in Excel, column key → text)


def read_workbook(data: bytes, sheets: Iterable[Sheet] = SHEETS) -> tuple[list[SheetRows], list[RowProblem]]:
    """The rows of every known sheet in the workbook, and header problems."""
    try:
        workbook = open_workbook_upload(data)
    except RuleViolation as error:
        error.field = error.field or "workbook"
        raise
    found: list[SheetRows] = []
    problems: list[RowProblem] = []
    try:
        by_title = {ws.title.strip(): ws for ws in workbook.worksheets}
        for sheet in sheets:
            worksheet = by_title.get(sheet.title)
            if worksheet is None:
                continue
            rows = read_rows(worksheet, max_row=MAX_ROWS + 2)
            header = next(rows, None)
            if header is None:
                continue
            positions: dict[str, int] = {}
            for index, value in enumerate(header):
                title = cell_text(value).replace(" ", "")
                for column in sheet.columns:
                    if title in {column.header, column.header.split("（")[0]}:
                        positions[column.key] = index
            missing = [c for c in sheet.columns if c.required and c.key not in positions]
            for column in missing:
                problems.append(RowProblem(sheet.title, 1, column.header, _l("This column is missing.")))
            if missing:
                continue
            data_rows = []
            for number, values in enumerate(rows, start=2):
                if number - 1 > MAX_ROWS:
                    problems.append(RowProblem(sheet.title, number, "", _l("Too many rows (at most %(n)s).", n=MAX_ROWS)))
                    break
                record = {
                    key: cell_text(values[index]) if index < len(values) else "" for key, index in positions.items()
                }
                if any(record.values()):
                    data_rows.append((number, record))
            found.append(SheetRows(sheet, data_rows))
    except RuleViolation as error:  # a row the file's XML does not let us read
        error.field = error.field or "workbook"
        raise
    finally:
        workbook.close()
    if not found and not problems:
        raise RuleViolation(
            _l("The workbook has none of the sheets %(names)s.", names="、".join(f"“{s.title}”" for s in sheets)),
            field="workbook",
        )
    return found, problems


# ---------------------------------------------------------------- planning


@dataclass
class PlannedRow:
    sheet: Sheet
    row: int
    existing: Any  # the object to update, or None to create one
    values: dict[str, Any]


@dataclass
class ImportPlan:
    rows: list[PlannedRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class Lookups:
    """Units, buildings and rooms by the names people write, including those
    the workbook itself creates (so a new unit can be used on the same day)."""

    def __init__(self) -> None:
        self.units = {u.name: u for u in db.session.scalars(select(Unit))}
        self.short_names: dict[str, list[str]] = {}
        for unit in self.units.values():
            if unit.short_name:
                self.short_names.setdefault(unit.short_name, []).append(unit.name)
        self.new_units: set[str] = set()
        self.buildings: dict[str, Building] = {}
        for building in db.session.scalars(select(Building).options(joinedload(Building.floors))).unique():
            for alias in building_aliases(building):
                self.buildings[normalize(alias)] = building
        self.rooms: dict[tuple[int, str], Room] = {}
        for room in db.session.scalars(select(Room).options(joinedload(Room.floor))):
            self.rooms[room.floor.building_id, normalize(room.number)] = room
        self.new_rooms: set[tuple[int, str]] = set()

    def unit_name(self, text: str) -> str:
        """The full name of the unit ``text`` names (full or short name)."""
        if text in self.units or text in self.new_units:
            return text
        names = self.short_names.get(text, [])
        if len(names) == 1:
            return names[0]
        if len(names) > 1:
            raise CellProblem(_l("“%(name)s” is the short name of several units; write the full name.", name=text))
        raise CellProblem(_l("No unit named “%(name)s”.", name=text))

    def unit_id(self, name: str) -> int | None:
        unit = self.units.get(name)
        return unit.id if unit else None

    def building(self, text: str) -> Building:
        building = self.buildings.get(normalize(text))
        if building is None:
            raise CellProblem(_l("No building named “%(name)s”.", name=text))
        return building

    def room_reference(self, text: str) -> tuple[int, str]:
        """``主楼 305`` → (building id, number), for a room that exists or is being created."""
        compact = normalize(text)
        for alias, building in sorted(self.buildings.items(), key=lambda item: -len(item[0])):
            if compact.startswith(alias):
                number = compact[len(alias):].removesuffix("室")
                key = (building.id, number)
                if number and (key in self.rooms or key in self.new_rooms):
                    return key
                break
        raise CellProblem(_l("No room “%(room)s”; write the building and number, such as 主楼 305.", room=text))


Check = Callable[[str], Any]


class RowChecker:
    """Collects the problems of one row, column by column."""

    def __init__(self, plan: ImportPlan, sheet: Sheet, row: int, record: dict[str, str]) -> None:
        self.plan, self.sheet, self.row, self.record = plan, sheet, row, record
        self.failed = False

    def problem(self, key: str, message: Any) -> None:
        header = self.sheet.column(key).header if key else ""
        self.plan.problems.append(RowProblem(self.sheet.title, self.row, header, message))
        self.failed = True

    def get(self, key: str, *, max_length: int | None = None, parse: Check | None = None) -> Any:
        text = self.record.get(key, "")
        column = self.sheet.column(key)
        if column.required and not text:
            self.problem(key, _l("This column must be filled in."))
            return None
        if max_length is not None and len(text) > max_length:
            self.problem(key, _l("At most %(n)s characters.", n=max_length))
            return None
        if parse is None:
            return text
        try:
            return parse(text)
        except CellProblem as error:
            self.problem(key, error.message)
            return None


def _allowed(scope: frozenset[int] | None, lookups: Lookups, unit_name: str | None) -> bool:
    if scope is None:
        return True
    unit_id = lookups.unit_id(unit_name) if unit_name else None
    return unit_id is not None and unit_id in scope


def _plan_units(plan: ImportPlan, rows: SheetRows, lookups: Lookups) -> None:
    seen: set[str] = set()
    for number, record in rows.rows:
        check = RowChecker(plan, rows.sheet, number, record)
        values = {
            "name": check.get("name", max_length=80),
            "short_name": check.get("short_name", max_length=30),
            "phone": check.get("phone", max_length=30),
            "office_hours": check.get("office_hours", max_length=120),
            "duties": check.get("duties", max_length=2000),
            "headcount": check.get("headcount", parse=parse_int),
            "sort_order": check.get("sort_order", parse=parse_int),
        }
        name = values["name"]
        if name and name in seen:
            check.problem("name", _l("“%(name)s” appears twice in this sheet.", name=name))
        if check.failed:
            continue
        seen.add(name)
        existing = lookups.units.get(name)
        if existing is None:
            lookups.new_units.add(name)
            if values["short_name"]:
                lookups.short_names.setdefault(values["short_name"], []).append(name)
        for key in ("headcount", "sort_order"):
            if values[key] is None:
                values[key] = getattr(existing, key) if existing is not None else 0
        plan.rows.append(PlannedRow(rows.sheet, number, existing, values))


def _plan_rooms(plan: ImportPlan, rows: SheetRows, lookups: Lookups, now: datetime) -> None:
    seen: set[tuple[int, str]] = set()
    for number, record in rows.rows:
        check = RowChecker(plan, rows.sheet, number, record)
        building = check.get("building", parse=lookups.building)
        level = check.get("level", parse=lambda t: parse_int(t.removesuffix("楼").removesuffix("层"), minimum=-5, maximum=200))
        room_number = check.get("number", max_length=20, parse=lambda t: t.removesuffix("室").strip())
        name = check.get("name", max_length=80)
        unit_text = check.get("unit")
        unit_name = None
        if unit_text:
            unit_name = check.get("unit", parse=lookups.unit_name)
        details = {}  # a sheet without these columns (an older export) leaves them as they are
        if "kind" in record:
            details["kind"] = check.get("kind", parse=parse_room_kind)
        if "capacity" in record:
            details["capacity"] = check.get("capacity", parse=lambda t: parse_int(t.removesuffix("人"), minimum=1, maximum=5000))
        if "area" in record:
            details["area_m2"] = check.get("area", parse=parse_area)
        if "equipment" in record:
            details["equipment"] = check.get("equipment", parse=parse_equipment)
        if check.failed:
            continue
        floor = next((f for f in building.floors if f.level == level), None)
        if floor is None:
            check.problem("level", _l("%(building)s has no floor %(level)s.", building=building.name, level=level))
            continue
        key = (building.id, normalize(room_number))
        if key in seen:
            check.problem("number", _l("Room %(number)s appears twice in this sheet.", number=room_number))
            continue
        seen.add(key)
        existing = lookups.rooms.get(key)
        if existing is not None and existing.floor_id != floor.id:
            check.problem("level", _l("Room %(number)s is on floor %(level)s.", number=room_number, level=existing.floor.level))
            continue
        if existing is not None and "kind" in details and (blocking := meetings_blocking(existing, details["kind"], now)):
            check.problem("kind", _l("%(n)s meetings are booked in this room from now on; cancel them before it stops being a meeting room.",
                                     n=blocking))
            continue
        if existing is None:
            lookups.new_rooms.add(key)
        plan.rows.append(PlannedRow(rows.sheet, number, existing, {
            "floor": floor, "number": room_number, "name": name, "unit_name": unit_name, "details": details,
        }))


def _plan_items(plan: ImportPlan, rows: SheetRows, lookups: Lookups, scope: frozenset[int] | None) -> None:
    existing_by_key = {(s.unit_id, s.name): s for s in db.session.scalars(select(GuideItem))}
    seen: set[tuple[str, str]] = set()
    for number, record in rows.rows:
        check = RowChecker(plan, rows.sheet, number, record)
        name = check.get("name", max_length=120)
        unit_name = check.get("unit", parse=lookups.unit_name)
        if unit_name and not _allowed(scope, lookups, unit_name):
            check.problem("unit", _l("You may only import your own unit's data."))
        room_text = check.get("room")
        room_key = check.get("room", parse=lookups.room_reference) if room_text else None
        values = {
            "name": name,
            "unit_name": unit_name,
            "room_key": room_key,
            "category": check.get("category", max_length=30),
            "window": check.get("window", max_length=30),
            "materials": split_lines(check.get("materials", max_length=5000) or ""),
            "steps": split_lines(check.get("steps", max_length=5000) or ""),
            "hours": check.get("hours", max_length=120),
            "fee": check.get("fee", parse=parse_fee),
            "fee_note": check.get("fee_note", max_length=200),
            "legal_days": check.get("legal_days", parse=lambda t: parse_int(t, maximum=3650, on_the_spot=True)),
            "promised_days": check.get("promised_days", parse=lambda t: parse_int(t, maximum=3650, on_the_spot=True)),
            "phone": check.get("phone", max_length=30),
            "notes": check.get("notes", max_length=5000),
            "keywords": check.get("keywords", max_length=200),
        }
        legal, promised = values["legal_days"], values["promised_days"]
        if legal is not None and promised is not None and promised > legal:
            check.problem("promised_days", _l("The promised time limit cannot be longer than the legal one."))
        if name and unit_name:
            if (unit_name, name) in seen:
                check.problem("name", _l("“%(name)s” appears twice for this unit.", name=name))
            seen.add((unit_name, name))
        if check.failed:
            continue
        existing = existing_by_key.get((lookups.unit_id(unit_name), name))
        plan.rows.append(PlannedRow(rows.sheet, number, existing, values))


def _plan_staff(plan: ImportPlan, rows: SheetRows, lookups: Lookups, scope: frozenset[int] | None) -> None:
    usernames = [record["username"] for _, record in rows.rows if record.get("username")]
    users = {u.username: u for u in db.session.scalars(select(User).where(User.username.in_(usernames)))} if usernames else {}
    seen: set[str] = set()
    for number, record in rows.rows:
        check = RowChecker(plan, rows.sheet, number, record)
        username = check.get("username", max_length=64)
        if username and not USERNAME.match(username):
            check.problem("username", _l("Use letters, digits, dot, dash or underscore only."))
        if username and username in seen:
            check.problem("username", _l("“%(name)s” appears twice in this sheet.", name=username))
        seen.add(username or "")
        unit_name = check.get("unit", parse=lookups.unit_name)
        if unit_name and not _allowed(scope, lookups, unit_name):
            check.problem("unit", _l("You may only import your own unit's data."))
        existing = users.get(username) if username else None
        if existing is not None and scope is not None and existing.unit_id not in scope:
            check.problem("username", _l("This person belongs to another unit."))
        office_text = check.get("office")
        office_key = check.get("office", parse=lookups.room_reference) if office_text else None
        values = {
            "username": username,
            "display_name": check.get("display_name", max_length=64),
            "unit_name": unit_name,
            "title": check.get("title", max_length=64),
            "office_key": office_key,
            "phone_ext": check.get("phone_ext", max_length=30),
            "listed": check.get("listed", parse=parse_yes_no),
        }
        if check.failed:
            continue
        plan.rows.append(PlannedRow(rows.sheet, number, existing, values))


def plan_import(data: bytes, scope: frozenset[int] | None, now: datetime) -> ImportPlan:
    """Check a workbook completely. ``scope``: None for every unit, else the unit ids allowed.

    Raises ``RuleViolation`` if the file cannot be read as a workbook at all.
    """
    sheets_found, header_problems = read_workbook(data)
    plan = ImportPlan(problems=list(header_problems))
    lookups = Lookups()
    allowed_sheets = sheets_for(scope)
    for rows in sheets_found:
        if rows.sheet not in allowed_sheets:
            if rows.rows:
                plan.problems.append(RowProblem(
                    rows.sheet.title, rows.rows[0][0], "", _l("You may only import your own unit's services and staff.")
                ))
            continue
        if rows.sheet is UNITS:
            _plan_units(plan, rows, lookups)
        elif rows.sheet is ROOMS:
            _plan_rooms(plan, rows, lookups, now)
        elif rows.sheet is ITEMS:
            _plan_items(plan, rows, lookups, scope)
        elif rows.sheet is STAFF:
            _plan_staff(plan, rows, lookups, scope)
    if not plan.problems and not plan.rows:
        plan.problems.append(RowProblem(sheets_found[0].sheet.title if sheets_found else "", 2, "", _l("There are no rows to import.")))
    plan.problems.sort(key=lambda p: (SHEET_ORDER.get(p.sheet, 99), p.row))
    return plan


SHEET_ORDER = {sheet.title: i for i, sheet in enumerate(SHEETS)}


# ---------------------------------------------------------------- applying

# A service's field name → the workbook column it comes from, per sheet.
FIELD_COLUMNS = {
    "unit": {"name": "name", "short_name": "short_name", "phone": "phone", "office_hours": "office_hours",
             "duties": "duties", "headcount": "headcount", "sort_order": "sort_order"},
    "room": {"name": "name", "kind": "kind", "capacity": "capacity", "area_m2": "area", "equipment": "equipment",
             "unit_id": "unit", "number": "number"},
    "guide_item": {"name": "name", "unit_id": "unit", "category": "category", "room_id": "room", "window": "window",
                   "materials": "materials", "steps": "steps", "hours": "hours", "fee": "fee", "fee_note": "fee_note",
                   "legal_days": "legal_days", "promised_days": "promised_days", "phone": "phone", "notes": "notes",
                   "keywords": "keywords"},
    "staff": {"display_name": "display_name", "unit_id": "unit", "title": "title", "office_room_id": "office",
              "phone_ext": "phone_ext", "listed": "listed", "username": "username"},
}


@dataclass
class ImportSummary:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)

    def count(self, bucket: dict[str, int], sheet: Sheet) -> None:
        bucket[sheet.title] = bucket.get(sheet.title, 0) + 1


def _problem_for(planned: PlannedRow, error: RuleViolation) -> RowProblem:
    key = FIELD_COLUMNS[planned.sheet.kind].get(error.field or "", "")
    header = planned.sheet.column(key).header if key else ""
    return RowProblem(planned.sheet.title, planned.row, header, error.message)


def apply_import(plan: ImportPlan, *, actor: User | None, now: datetime) -> ImportSummary:
    """Write a plan without cell problems, row by row through the services (each
    writes its own audit entry). A row a service refuses becomes a problem of the
    plan; then nothing at all is written (the savepoint is rolled back)."""
    if not plan.ok:
        raise RuleViolation(_l("The workbook has problems; nothing was imported."))
    summary = ImportSummary()
    units = {u.name: u for u in db.session.scalars(select(Unit))}
    rooms = {
        (room.floor.building_id, normalize(room.number)): room
        for room in db.session.scalars(select(Room).options(joinedload(Room.floor)))
    }
    # Usernames written in the workbook are reserved before any is generated.
    taken_usernames = set(db.session.scalars(select(User.username)))
    taken_usernames.update(p.values["username"] for p in plan.rows if p.sheet is STAFF and p.values["username"])
    savepoint = db.session.begin_nested()
    for planned in plan.rows:
        values, obj, kind = planned.values, planned.existing, planned.sheet.kind
        options = {"actor": actor, "now": now, "action": f"{kind}.import",
                   "summary": f"{'updated' if obj is not None else 'created'} from workbook row {planned.row}"}
        try:
            if kind == "unit":
                outcome = save_unit(obj, UnitDraft(
                    name=values["name"], short_name=values["short_name"] or "", phone=values["phone"] or "",
                    office_hours=values["office_hours"] or "", duties=values["duties"] or "",
                    headcount=values["headcount"], sort_order=values["sort_order"],
                ), **options)
                units[outcome.obj.name] = outcome.obj
            elif kind == "room":
                details = values["details"]
                draft = RoomDraft(
                    kind=details.get("kind", obj.kind if obj is not None else RoomKind.OFFICE),
                    name=values["name"] or "",
                    capacity=details.get("capacity", obj.capacity if obj is not None else None),
                    area_m2=details.get("area_m2", obj.area_m2 if obj is not None else None),
                    equipment=details.get("equipment", list(obj.equipment or []) if obj is not None else []),
                    unit_id=units[values["unit_name"]].id if values["unit_name"] else None,
                )
                outcome = save_room(obj, draft, floor=values["floor"], number=values["number"], **options)
                rooms[values["floor"].building_id, normalize(values["number"])] = outcome.obj
            elif kind == "guide_item":
                outcome = save_item(obj, ItemDraft(
                    name=values["name"], category=values["category"] or "", unit_id=units[values["unit_name"]].id,
                    room_id=rooms[values["room_key"]].id if values["room_key"] else None,
                    window=values["window"] or "", materials=values["materials"], steps=values["steps"],
                    hours=values["hours"] or "", fee=values["fee"], fee_note=values["fee_note"] or "",
                    legal_days=values["legal_days"], promised_days=values["promised_days"],
                    phone=values["phone"] or "", notes=values["notes"] or "", keywords=values["keywords"] or "",
                ), **options)
            else:
                outcome = save_staff(obj, StaffDraft(
                    display_name=values["display_name"] or "", unit_id=units[values["unit_name"]].id,
                    title=values["title"] or "",
                    office_room_id=rooms[values["office_key"]].id if values["office_key"] else None,
                    phone_ext=values["phone_ext"] or "", listed=values["listed"],
                    username=values["username"] or "",
                ), taken_usernames=taken_usernames, **options)
        except RuleViolation as error:
            plan.problems.append(_problem_for(planned, error))
            continue
        if outcome.created:
            summary.count(summary.created, planned.sheet)
        elif outcome.changed:
            summary.count(summary.updated, planned.sheet)
        else:
            summary.count(summary.unchanged, planned.sheet)
    if plan.problems:
        savepoint.rollback()
    else:
        savepoint.commit()
    return summary


@dataclass
class ImportResult:
    summary: ImportSummary
    problems: list[RowProblem]


def import_workbook(data: bytes, *, actor: User | None, now: datetime) -> ImportResult:
    """Check and apply a workbook for ``actor`` (their units only). With problems,
    nothing is written and they are returned, sorted by sheet and row; the
    caller commits. Raises ``RuleViolation`` for a file that is no workbook."""
    plan = plan_import(data, scope_of(actor), now)
    summary = ImportSummary()
    if plan.ok:
        summary = apply_import(plan, actor=actor, now=now)
    plan.problems.sort(key=lambda p: (SHEET_ORDER.get(p.sheet, 99), p.row))
    return ImportResult(summary, plan.problems)


# ---------------------------------------------------------------- export


def _room_text(room: Room | None) -> str:
    return f"{room.floor.building.name} {room.number}" if room is not None else ""


def _days_text(days: int | None) -> str | int:
    return "" if days is None else days


def export_rows(sheet: Sheet, scope: frozenset[int] | None) -> list[list[Any]]:
    in_scope = (lambda column: column.in_(scope or {-1})) if scope is not None else None
    if sheet is UNITS:
        units = db.session.scalars(select(Unit).order_by(Unit.sort_order, Unit.id))
        return [[u.name, u.short_name, u.phone, u.office_hours, u.duties, u.headcount, u.sort_order] for u in units]
    if sheet is ROOMS:
        rooms = db.session.scalars(
            select(Room).join(Floor).join(Building)
            .options(joinedload(Room.floor).joinedload(Floor.building), joinedload(Room.unit))
            .order_by(Building.sort_order, Floor.level, Room.number)
        )
        return [
            [r.floor.building.name, r.floor.level, r.number, r.name, r.unit.name if r.unit else "", ROOM_KIND_NAMES[r.kind],
             r.capacity, quantity(r.area_m2), "、".join(EQUIPMENT_NAMES[Equipment(code)] for code in r.equipment or [])]
            for r in rooms
        ]
    if sheet is ITEMS:
        query = (
            select(GuideItem).join(Unit)
            .options(joinedload(GuideItem.unit), joinedload(GuideItem.room).joinedload(Room.floor).joinedload(Floor.building))
            .order_by(Unit.sort_order, GuideItem.category, GuideItem.name)
        )
        if in_scope:
            query = query.where(in_scope(GuideItem.unit_id))
        return [
            [s.name, s.unit.name, s.category, _room_text(s.room), s.window, "\n".join(s.materials), "\n".join(s.steps),
             s.hours, "" if s.fee is None else s.fee, s.fee_note, _days_text(s.legal_days), _days_text(s.promised_days),
             s.phone, s.notes, s.keywords]
            for s in db.session.scalars(query)
        ]
    query = (
        select(User).join(Unit, User.unit_id == Unit.id)
        .options(joinedload(User.unit), joinedload(User.office_room).joinedload(Room.floor).joinedload(Floor.building))
        .order_by(Unit.sort_order, User.id)
    )
    if in_scope:
        query = query.where(in_scope(User.unit_id))
    return [
        [u.username, u.display_name, u.unit.name, u.title, _room_text(u.office_room), u.phone_ext, YES if u.active else NO]
        for u in db.session.scalars(query)
    ]


INSTRUCTIONS = (
    "行政中心门户 · 单位、房间、办事事项和人员数据",
    "修改后在“管理 → Excel 导入导出”上传本文件。导入前会检查每一行；只要有一行有误，就一行也不导入，并列出出错的行和列。",
    "单位按“单位名称”对应，房间按“楼栋 + 房间号”对应，事项按“办理单位 + 事项名称”对应，人员按“用户名”对应（新人员用户名留空即可）。",
    "“申请材料”“办理流程”每行一项（单元格内按 Alt+Enter 换行）。收费金额填数字（元），0 表示不收费；时限填工作日数，0 表示即办。",
    "办理地点、办公室写楼栋和房间号，如“主楼 104”。“在册”填“是”或“否”。",
    "房间“类型”填办公室、会议室、贵宾接待室、便民服务大厅或其他；“设备”用顿号分隔，可填投影、幕布、话筒、视频会议、电子欢迎屏。",
)


def export_workbook(scope: frozenset[int] | None) -> bytes:
    workbook = ExportWorkbook()  # multi-line cells (materials, steps) wrap
    workbook.sheet("说明", [INSTRUCTIONS[0]], ([line] for line in INSTRUCTIONS[1:]), widths=[120])
    for sheet in sheets_for(scope):
        workbook.sheet(
            sheet.title, [column.header for column in sheet.columns], export_rows(sheet, scope),
            widths=[column.width for column in sheet.columns],
        )
    return workbook.to_bytes()
