"""The ledger as a workbook and back: logistics downloads the rooms, corrects areas, units
and uses (after measuring, say), and uploads the sheet; every changed row becomes a dated
allocation record through the same rule as the form. All or nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from portal.blueprints.offices.models import RoomUse
from portal.blueprints.offices.services import (
    EntryDraft,
    Ledger,
    entry_on,
    record_entry,
)
from portal.db import db
from portal.i18n import lazy_gettext as _l
from portal.models import Room, Unit, User
from portal.rules import RuleViolation
from portal.spreadsheets import (
    ExportWorkbook,
    open_workbook_upload,
    quantity,
    read_rows,
)

AREA_FORMAT = "0.00"
FIRST_DATA_ROW = 3  # a caption, the header, then the rooms
MAX_ROWS = 5000


def _header() -> list[str]:
    return [_("Room no. (do not change)"), _("Room"), _("Floor"), _("Unit"), _("Room use"), _("Use area (m²)"),
            _("People")]


def ledger_workbook(book: Ledger) -> ExportWorkbook:
    workbook = ExportWorkbook()
    sheet = workbook.sheet(_("Ledger"), widths=[10, 16, 8, 26, 16, 12, 8],
                           caption=_("Office space ledger as of %(day)s", day=book.as_of.isoformat()))
    sheet.header(_header())
    for room in book.rooms:
        sheet.row([room.room_id, room.label, room.floor, room.unit_name, str(room.use.label),
                   quantity(room.area, AREA_FORMAT), len(room.occupants)])
    return workbook


@dataclass(frozen=True)
class ImportSummary:
    changed: int
    unchanged: int


def _use(value: Any) -> RoomUse:
    text = str(value or "").strip()
    for use in RoomUse:
        if text in (use.value, str(use.label)):
            return use
    raise RuleViolation(_l("“%(value)s” is not a room use.", value=text[:40]))


def _area(value: Any) -> Any:
    if isinstance(value, (int, float)):
        return Decimal(str(value))
    try:
        return Decimal(str(value or "").strip()) if str(value or "").strip() else None
    except InvalidOperation:
        raise RuleViolation(_l("Write the use area in square metres, such as 18 or 24.5.")) from None


def import_ledger(data: bytes, valid_from: date | None, *, actor: User | None, now: datetime) -> ImportSummary:
    """Apply the uploaded ledger sheet from ``valid_from``; raises RuleViolation naming the row."""
    if valid_from is None:
        raise RuleViolation(_l("Give the date."), field="valid_from")
    workbook = open_workbook_upload(data)
    try:
        sheet = workbook.worksheets[0]
        units = {name: i for i, name in db.session.execute(select(Unit.id, Unit.name))}
        changed = unchanged = 0
        for number, row in enumerate(read_rows(sheet, max_row=MAX_ROWS + FIRST_DATA_ROW, max_col=7), start=1):
            if number < FIRST_DATA_ROW or not any(v not in (None, "") for v in row):
                continue
            try:
                changed_here = _apply(row, units, valid_from, actor=actor, now=now)
            except RuleViolation as error:
                raise RuleViolation(_l("Row %(row)s: %(message)s", row=number, message=error.message),
                                    field="workbook") from None
            changed += changed_here
            unchanged += not changed_here
    finally:
        workbook.close()
    if changed + unchanged == 0:
        raise RuleViolation(_l("The workbook has no rooms."), field="workbook")
    return ImportSummary(changed, unchanged)


def _apply(row: tuple, units: dict[str, int], valid_from: date, *, actor: User | None, now: datetime) -> bool:
    row = tuple(row) + (None,) * (7 - len(row))
    room_id, _label, _floor, unit_name, use_text, area_value = row[:6]
    try:
        room = db.session.get(Room, int(room_id)) if room_id not in (None, "") and 0 < int(room_id) < 2**31 else None
    except (TypeError, ValueError):
        room = None
    if room is None:
        raise RuleViolation(_l("No such room."))
    use = _use(use_text)
    unit_name = str(unit_name or "").strip()
    unit_id = units.get(unit_name) if unit_name else None
    if unit_name and unit_id is None:
        raise RuleViolation(_l("“%(value)s” is not a unit.", value=unit_name[:40]))
    area = _area(area_value)
    current = entry_on(room.id, valid_from)
    if current is not None and (current.unit_id, current.use, current.area_m2) == (unit_id, use, area):
        return False
    record_entry(room, EntryDraft(unit_id, use, area, valid_from, _("From the workbook")), actor=actor, now=now)
    return True
