"""The register read back from a workbook in the export's layout: new codes are added,
known codes updated; one bad row and nothing is saved (the caller rolls back)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from portal.blueprints.equipment.models import Asset, AssetCategory, Condition
from portal.blueprints.equipment.services import AssetDraft, create_asset, update_asset
from portal.db import db
from portal.i18n import lazy_gettext as _l
from portal.models import Building, Floor, Room, User
from portal.rules import RuleViolation
from portal.spreadsheets import open_workbook_upload, read_rows
from portal.text import normalise_identifier

MAX_ROWS = 2000
# The export's columns (portal.blueprints.equipment.export.register_workbook), in order.
COLUMNS = ("code", "name", "category", "building", "floor", "room", "zone", "install_date", "expected_life_years",
           "end_of_life", "replacement_cost", "supplier", "maintainer", "contract_end", "warranty_end", "condition",
           "condition_date", "notes")


def header_titles() -> list[str]:
    from portal.blueprints.equipment.export import register_header

    return register_header()


@dataclass(frozen=True)
class ImportResult:
    added: int
    updated: int


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _date(value, row: int, title: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise RuleViolation(_l("Row %(row)s: “%(value)s” in “%(column)s” is not a date (YYYY-MM-DD).",
                               row=row, value=str(value)[:20], column=title)) from None


def _choice(enum_cls, value, row: int, title: str):
    text = _text(value)
    for member in enum_cls:
        if text in (member.value, str(member.label)):
            return member
        with force_locale("en"):
            if text == str(member.label):
                return member
    raise RuleViolation(_l("Row %(row)s: “%(value)s” is not a known %(column)s.", row=row, value=text[:30],
                           column=title))


def import_register(data, *, actor: User, now: datetime) -> ImportResult:
    book = open_workbook_upload(data)
    try:
        rows = list(read_rows(book.worksheets[0], max_row=MAX_ROWS + 3))
    finally:
        book.close()
    titles = header_titles()
    with force_locale("en"):
        english = header_titles()
    start = None
    for index, values in enumerate(rows[:3]):
        cells = [_text(v) for v in values[:len(COLUMNS)]]
        if cells in (titles, english):
            start = index + 1
            break
    if start is None:
        raise RuleViolation(_l("The first sheet needs the register's columns, in the order of the export: %(columns)s.",
                               columns="、".join(titles)), field="workbook")
    if len(rows) - start > MAX_ROWS:
        raise RuleViolation(_l("At most %(num)s items at a time.", num=MAX_ROWS), field="workbook")
    floors = {(b, f.display_label): f for f, b in db.session.execute(select(Floor, Building.name).join(Building))}
    added = updated = 0
    for offset, values in enumerate(rows[start:], start=start + 1):
        cells = dict(zip(COLUMNS, list(values) + [None] * len(COLUMNS)))
        if not any(_text(v) for v in values):
            continue
        title = dict(zip(COLUMNS, titles))
        floor = floors.get((_text(cells["building"]), _text(cells["floor"])))
        if floor is None:
            raise RuleViolation(_l("Row %(row)s: there is no floor “%(floor)s” in “%(building)s”.", row=offset,
                                   floor=_text(cells["floor"])[:20], building=_text(cells["building"])[:30]),
                                field="workbook")
        room_id = None
        if _text(cells["room"]):
            room_id = db.session.scalar(select(Room.id).where(Room.floor_id == floor.id,
                                                              Room.number == normalise_identifier(_text(cells["room"]))))
            if room_id is None:
                raise RuleViolation(_l("Row %(row)s: there is no room %(room)s on that floor.", row=offset,
                                       room=_text(cells["room"])[:20]), field="workbook")
        try:
            life = int(cells["expected_life_years"]) if cells["expected_life_years"] not in (None, "") else None
            cost = Decimal(str(cells["replacement_cost"])) if cells["replacement_cost"] not in (None, "") else None
        except (ValueError, TypeError, InvalidOperation):
            raise RuleViolation(_l("Row %(row)s: the expected life and the cost must be numbers.", row=offset),
                                field="workbook") from None
        draft = AssetDraft(
            code=_text(cells["code"]), name=_text(cells["name"]),
            category=_choice(AssetCategory, cells["category"], offset, title["category"]),
            floor_id=floor.id, room_id=room_id, zone=_text(cells["zone"]),
            install_date=_date(cells["install_date"], offset, title["install_date"]),
            expected_life_years=life, replacement_cost=cost,
            supplier=_text(cells["supplier"]), maintainer=_text(cells["maintainer"]),
            contract_end=_date(cells["contract_end"], offset, title["contract_end"]),
            warranty_end=_date(cells["warranty_end"], offset, title["warranty_end"]),
            condition=_choice(Condition, cells["condition"], offset, title["condition"]),
            condition_date=_date(cells["condition_date"], offset, title["condition_date"]),
            notes=_text(cells["notes"]),
        )
        existing = db.session.scalar(select(Asset).where(Asset.code == normalise_identifier(draft.code, upper=True)))
        try:
            if existing is None:
                create_asset(draft, actor=actor, now=now)
                added += 1
            else:
                update_asset(existing, draft, actor=actor, now=now)
                updated += 1
        except RuleViolation as error:
            raise RuleViolation(_("Row %(row)s: %(message)s", row=offset, message=str(error)), field="workbook") from None
    if not added and not updated:
        raise RuleViolation(_l("The workbook has no items below its header."), field="workbook")
    return ImportResult(added, updated)
