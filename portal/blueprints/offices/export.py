"""The published allocation as the workbook logistics files (one sheet, a row per room)."""

from __future__ import annotations

from flask_babel import gettext as _

from portal.blueprints.offices.models import OfficePublication
from portal.blueprints.offices.services import PublishedUnit
from portal.spreadsheets import ExportWorkbook, quantity

AREA_FORMAT = "0.00"


def occupants_text(room) -> str:
    return "、".join(f"{o.name}（{o.position}）" if o.position else o.name for o in room.occupants)


def publication_workbook(publication: OfficePublication, units: list[PublishedUnit]) -> ExportWorkbook:
    book = ExportWorkbook()
    header = [_("Unit"), _("Room"), _("Floor"), _("Room use"), _("Use area (m²)"), _("Occupants"), _("People"),
              _("Area per person (m²)"), _("Standard (m²)"), _("Over the standard")]
    sheet = book.sheet(
        _("Allocation %(year)s", year=publication.year), widths=[24, 16, 8, 12, 12, 40, 8, 12, 12, 10],
        caption=_("Office allocation as of %(day)s", day=publication.as_of.isoformat()),
    )
    sheet.header(header)
    for unit in units:
        for room in unit.rooms:
            sheet.row([
                unit.name, room.room, room.floor, str(room.use.label), quantity(room.area, AREA_FORMAT),
                occupants_text(room), len(room.occupants),
                quantity(room.per_person, AREA_FORMAT) if room.per_person is not None else "",
                quantity(room.allowance, AREA_FORMAT) if room.allowance is not None else "",
                (_("Approved exception") if room.exempt else _("Yes")) if room.over or room.exempt else "",
            ])
        sheet.row([_("Total: %(unit)s", unit=unit.name), "", "", "", quantity(unit.area, AREA_FORMAT), "", unit.people],
                  bold=True)
    return book
