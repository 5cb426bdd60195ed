"""The register and the budget plan as Excel workbooks (the portal's workbook style)."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _

from portal.blueprints.equipment.budget import Projection, Tier
from portal.blueprints.equipment.models import Asset
from portal.labels import label
from portal.spreadsheets import ExportWorkbook


def register_header() -> list[str]:
    """The register's columns, as exported and as imported (``exchange.COLUMNS``)."""
    return [_("Code"), _("Item name"), _("Category"), _("Building"), _("Floor"), _("Room"), _("Zone or spot"),
            _("Installed on"), _("Expected life (years)"), _("End of life"), _("Replacement cost (yuan)"),
            _("Supplier"), _("Maintained by"), _("Maintenance contract ends"), _("Warranty ends"), _("Condition"),
            _("Condition assessed on"), _("Notes")]


def register_workbook(assets: list[Asset], now: datetime) -> ExportWorkbook:
    book = ExportWorkbook()
    header = register_header()
    rows = (
        [a.code, a.name, str(label(a.category)), a.floor.building.name, a.floor.display_label,
         a.room.number if a.room else "", a.zone, a.install_date, a.expected_life_years, a.end_of_life_year,
         a.replacement_cost, a.supplier, a.maintainer, a.contract_end, a.warranty_end, str(label(a.condition)),
         a.condition_date, a.notes]
        for a in assets
    )
    book.sheet(_("Equipment register"), header, rows, caption=_("Equipment register, %(day)s", day=now.date().isoformat()))
    return book


def budget_workbook(projection: Projection, places: dict[int, str]) -> ExportWorkbook:
    """The plan's sheets; ``places``: where each item of a replacement or overhaul is, by its id."""
    a = projection.assumptions
    book = ExportWorkbook()
    years = projection.years
    by_year = projection.by_year_tier()
    book.sheet(
        _("By year"), [_("Year")] + [str(label(t)) for t in Tier] + [_("Total")],
        ([y] + [by_year[y][t] for t in Tier] + [sum(by_year[y].values())] for y in years),
        caption=_("Maintenance and replacement plan %(first)s–%(last)s", first=a.first_year, last=a.last_year),
    )
    rows = [[str(label(c))] + values + [total] for c, values, total in projection.by_category_year()]
    rows.append([_("Total")] + projection.year_totals() + [projection.total()])
    book.sheet(_("By category"), [_("Category")] + [str(y) for y in years] + [_("Total")], rows)
    book.sheet(
        _("Major and mid-life work"),
        [_("Year"), _("Code"), _("Item name"), _("Category"), _("Where"), _("Work"), _("Amount (yuan)"), _("Reasons")],
        ([line.year, line.asset.code, line.asset.name, str(label(line.asset.category)), places[line.asset.id],
          str(label(line.tier)), line.amount, " ".join(str(r) for r in line.reasons)]
         for line in projection.major_lines()),
        wrap=True,
    )
    history_years = [c.year for c in projection.history[0].cells] if projection.history else []
    book.sheet(
        _("What the last years cost"),
        [_("Category")] + [f"{y} {_('maintenance cost')}" for y in history_years] + [f"{y} {_('repair cost')}" for y in history_years],
        ([str(label(row.category))] + [c.maintenance for c in row.cells] + [c.repairs for c in row.cells]
         for row in projection.history),
    )
    book.sheet(
        _("Assumptions"), [_("Assumption"), _("Value")],
        [[_("First year"), a.first_year], [_("Years"), a.years],
         [_("Price growth a year"), f"{a.price_growth * 100:.1f}%"],
         [_("Poor condition: years earlier"), a.poor_years_earlier],
         [_("Repairs above this share of the price (3 years): a year earlier"), f"{a.repair_ratio * 100:.0f}%"],
         [_("Mid-life overhaul: share of the price"), f"{a.overhaul_share * 100:.0f}%"],
         [_("Routine maintenance without history: share of the price a year"), f"{a.routine_share * 100:.1f}%"]],
    )
    return book
