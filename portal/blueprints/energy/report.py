"""The annual report's table, once: the page and the workbook both show these rows
(per unit and for the building: floor area, headcount, each source, kgce, the
three indicators, and the change in kgce on last year)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _

from portal.blueprints.energy.services import AnnualReport, YearStatistics
from portal.blueprints.energy.stats import change_percent, indicators, rounded
from portal.spreadsheets import ExportWorkbook, percent, quantity


@dataclass(frozen=True)
class ReportRow:
    name: str
    floor_area: Decimal
    headcount: int
    quantities: list[Decimal]  # in the order of ``columns_sources``
    kgce: Decimal
    kgce_per_m2: Decimal | None
    kgce_per_head: Decimal | None
    water_per_head: Decimal | None
    last_kgce: Decimal | None
    change: Decimal | None
    building: bool = False


def report_sources(stats: YearStatistics):
    return stats.used_sources()


def report_rows(report: AnnualReport) -> list[ReportRow]:
    stats = report.statistics
    codes = [s.code for s in report_sources(stats)]
    rows = []
    for row in stats.unit_rows:
        rows.append(ReportRow(
            row.unit.name, row.basis.floor_area, row.basis.headcount,
            [rounded(row.this.quantity(c)) for c in codes], rounded(row.this.kgce),
            row.indicators.kgce_per_m2, row.indicators.kgce_per_head, row.indicators.water_per_head,
            rounded(row.last.kgce) if row.last.months else None,
            change_percent(row.this.kgce, row.last.kgce) if row.last.months else None,
        ))
    ind = indicators(stats.this, stats.basis.floor_area, stats.basis.headcount)
    rows.append(ReportRow(
        _("The building (common areas and losses included)"), stats.basis.floor_area, stats.basis.headcount,
        [rounded(stats.this.quantity(c)) for c in codes], rounded(stats.this.kgce),
        ind.kgce_per_m2, ind.kgce_per_head, ind.water_per_head,
        rounded(stats.last.kgce) if stats.last.months else None,
        change_percent(stats.this.kgce, stats.last.kgce) if stats.last.months else None, building=True,
    ))
    return rows


def report_header(report: AnnualReport) -> list[str]:
    return [
        _("Unit"), _("Office floor area (m²)"), _("People"),
        *[f"{s.label} ({s.unit_symbol})" for s in report_sources(report.statistics)],
        _("Total energy (kgce)"), _("kgce per m²"), _("kgce per person"), _("Water per person (m³)"),
        _("Last year (kgce)"), _("Change on last year"),
    ]


def report_workbook(report: AnnualReport) -> bytes:
    book = ExportWorkbook()
    sheet = book.sheet(_("Energy %(year)s", year=report.year),
                       caption=_("Energy and water use of the public institutions in the building, %(year)s", year=report.year))
    sheet.header(report_header(report))
    for row in report_rows(report):
        sheet.row([
            row.name, quantity(row.floor_area), row.headcount, *[quantity(q) for q in row.quantities],
            quantity(row.kgce), quantity(row.kgce_per_m2), quantity(row.kgce_per_head), quantity(row.water_per_head),
            quantity(row.last_kgce), percent(row.change),
        ], bold=row.building)
    if report.missing:
        missing = book.sheet(_("Missing"), [_("What"), _("Detail")])
        missing.rows([m.what, m.detail] for m in report.missing)
    return book.to_bytes()


def statistics_workbook(stats: YearStatistics) -> bytes:
    book = ExportWorkbook()
    used = stats.used_sources()
    scope = stats.unit.name if stats.unit is not None else _("The building")
    sheet = book.sheet(_("By month"), caption=f"{scope} · {stats.year}")
    sheet.header([
        _("Month"),
        *[f"{s.label} ({s.unit_symbol})" for s in used],
        *[f"{s.label} {stats.year - 1} ({s.unit_symbol})" for s in used],
        _("Total energy (kgce)"), _("Last year (kgce)"), _("Change on last year"), _("Cost (yuan)"), _("Final"),
    ])
    for row in stats.months:
        sheet.row([
            f"{row.period:%Y-%m}",
            *[quantity(row.this.quantities.get(s.code)) if row.final else None for s in used],
            *[quantity(row.last.quantities.get(s.code)) for s in used],
            quantity(rounded(row.this.kgce)) if row.final else None,
            quantity(rounded(row.last.kgce)) if row.last.quantities else None,
            percent(row.change), row.this.cost if row.final else None, _("yes") if row.final else _("no"),
        ])
    if stats.unit_rows:
        units = book.sheet(_("By unit"), [
            _("Unit"), _("Office floor area (m²)"), _("People"), *[f"{s.label} ({s.unit_symbol})" for s in used],
            _("Total energy (kgce)"), _("kgce per m²"), _("kgce per person"), _("Water per person (m³)"),
            _("Change on last year"),
        ])
        for row in stats.unit_rows:
            units.row([
                row.unit.name, quantity(row.basis.floor_area), row.basis.headcount,
                *[quantity(row.this.quantity(s.code)) for s in used], quantity(rounded(row.this.kgce)),
                quantity(row.indicators.kgce_per_m2), quantity(row.indicators.kgce_per_head),
                quantity(row.indicators.water_per_head), percent(row.kgce.change),
            ])
    return book.to_bytes()
