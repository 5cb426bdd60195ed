"""Excel in and out: the reading sheet (template and import), bills, the comparison."""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils.exceptions import InvalidFileException

from portal.blueprints.utilities.models import Meter
from portal.blueprints.utilities.readings import parse_reading
from portal.rules import RuleViolation
from portal.spreadsheets import workbook_bytes

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_IMPORT_ROWS = 5000
MONEY_FORMAT = "#,##0.00"
QUANTITY_FORMAT = "0.00"
PERCENT_FORMAT = "0.0%"

# Column headers of the reading sheet; an import finds its columns by these
# (in English or Chinese, whatever language the sheet was made in).
CODE_HEADER = "Meter code"
READING_HEADER = "Reading this month"


def accepted_headers(message_id: str) -> set[str]:
    with force_locale("zh_CN"):
        chinese = _(message_id)
    return {_normal(message_id), _normal(chinese)}


def _normal(text: object) -> str:
    return "".join(str(text or "").split()).casefold()


def _bold_header(sheet, headers: Sequence[str]) -> None:
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"


def _save(book: Workbook) -> bytes:
    return workbook_bytes(book)


def _yes(flag: bool) -> str:
    return _("yes") if flag else ""


def readings_sheet(export) -> bytes:
    """The month's meters with last month's reading and a column to fill in.

    The first sheet also carries everything a bill rests on: each meter's
    supply, kind, unit, multiplier and register maximum, where its use starts
    (the initial reading of a new meter) and ends (the final reading of a meter
    replaced this month). For the logistics center, the invoices and each
    unit's allocation key follow on two more sheets, so the export alone
    reproduces every bill of a closed month.
    """
    book = Workbook()
    sheet = book.active
    sheet.title = export.label
    _bold_header(
        sheet,
        [
            _(CODE_HEADER), _("Meter name"), _("Unit or area"), _("Multiplier"), _("Previous reading"), _(READING_HEADER),
            _("Supply"), _("Kind"), _("Unit"), _("Register rolls over at"), _("Previous reading is the initial reading"),
            _("Replaced on"), _("Final reading"), _("Use"),
        ],
    )
    for row in export.rows:
        meter = row.meter
        sheet.append([
            meter.code, meter.name, meter.place, meter.multiplier, row.start, row.reading,
            str(meter.supply.label), str(meter.kind.label), meter.unit.name if meter.unit is not None else "",
            meter.rollover_at, _yes(row.start_is_initial),
            meter.removed_on if row.removed_this_month else None,
            meter.final_reading if row.removed_this_month else None,
            row.usage.usage,
        ])
        for column in (5, 6, 10, 13, 14):
            sheet.cell(sheet.max_row, column).number_format = QUANTITY_FORMAT
        if row.removed_this_month:
            sheet.cell(sheet.max_row, 12).number_format = "yyyy-mm-dd"
    for column, width in zip("ABCDEFGHIJKLMN", (14, 24, 16, 8, 14, 14, 8, 14, 24, 12, 10, 12, 12, 12), strict=True):
        sheet.column_dimensions[column].width = width
    if export.with_money:
        invoices = book.create_sheet(_("Invoices"))
        _bold_header(invoices, [_("Supply"), _("Invoice number"), _("Amount"), _("Invoiced consumption"), _("Shared by")])
        for invoice in export.invoices:
            invoices.append([str(invoice.supply.label), invoice.invoice_no, invoice.amount, invoice.consumption,
                             str(invoice.allocation_key.label)])
            invoices.cell(invoices.max_row, 3).number_format = MONEY_FORMAT
        keys = book.create_sheet(_("Allocation keys"))
        _bold_header(keys, [_("Unit"), _("Supply"), _("Shared by"), _("Key value")])
        for weight in export.weights:
            keys.append([weight.unit.name, str(weight.supply.label), str(weight.key.label), weight.weight])
        keys.column_dimensions["A"].width = 28
    return _save(book)


@dataclass(frozen=True)
class ImportProblem:
    row: int | None  # the sheet's row number; None for the whole file
    code: str
    message: object  # a lazy translated sentence


@dataclass
class ImportResult:
    values: dict[int, Decimal]
    problems: list[ImportProblem]


def parse_readings_workbook(
    data: bytes,
    meters_by_code: Mapping[str, Meter],
    code_headers: set[str],
    reading_headers: set[str],
    no_reading_codes: Iterable[str] = (),
) -> ImportResult:
    """Read meter codes and readings from the first sheet; report every bad row.

    ``meters_by_code`` holds the meters that take a reading this month (codes
    compared case-insensitively). A blank reading leaves that meter as it is.
    The caller applies the values only when there are no problems.
    """
    result = ImportResult({}, [])
    try:
        book = load_workbook(BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError):
        result.problems.append(ImportProblem(None, "", _l("This is not an Excel (.xlsx) file.")))
        return result
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None) or ()
        names = [_normal(cell) for cell in header]
        code_col = next((i for i, name in enumerate(names) if name in code_headers), None)
        reading_col = next((i for i, name in enumerate(names) if name in reading_headers), None)
        if code_col is None or reading_col is None:
            result.problems.append(
                ImportProblem(None, "", _l("The first row must name the columns “%(code)s” and “%(reading)s”; "
                                           "start from the sheet you can download here.",
                                           code=_(CODE_HEADER), reading=_(READING_HEADER)))
            )
            return result
        by_code = {code.casefold(): meter for code, meter in meters_by_code.items()}
        replaced = {code.casefold() for code in no_reading_codes}
        seen: dict[str, int] = {}
        for number, cells in enumerate(rows, start=2):
            if number > MAX_IMPORT_ROWS + 1:
                result.problems.append(ImportProblem(None, "", _l("The sheet has too many rows.")))
                break
            code_cell = cells[code_col] if code_col < len(cells) else None
            raw = cells[reading_col] if reading_col < len(cells) else None
            code = str(code_cell).strip() if code_cell is not None else ""
            if not code:
                if raw not in (None, ""):
                    result.problems.append(ImportProblem(number, "", _l("A reading without a meter code.")))
                continue
            meter = by_code.get(code.casefold())
            if meter is None and code.casefold() in replaced and raw in (None, ""):
                continue  # a meter replaced this month: its final reading is on its own page
            if meter is None:
                result.problems.append(ImportProblem(number, code, _l("No meter with this code takes a reading this month.")))
                continue
            if code.casefold() in seen:
                result.problems.append(
                    ImportProblem(number, code, _l("This meter is already in row %(row)s.", row=seen[code.casefold()]))
                )
                continue
            seen[code.casefold()] = number
            try:
                value = parse_reading(raw, meter.rollover_at)
            except RuleViolation as error:
                result.problems.append(ImportProblem(number, code, error.message))
                continue
            if value is not None:
                result.values[meter.id] = value
    finally:
        book.close()
    return result


def bills_workbook(period_label: str, bills: Iterable) -> bytes:
    """One row per unit: both supplies, corrections, the amount due and the old ratio."""
    book = Workbook()
    sheet = book.active
    sheet.title = period_label
    _bold_header(
        sheet,
        [
            _("Bill"), _("Unit"),
            _("Electricity (kWh)"), _("Electricity metered"), _("Electricity shared"), _("Electricity total"),
            _("Water (m³)"), _("Water metered"), _("Water shared"), _("Water total"),
            _("Adjustments"), _("Amount due"), _("Under the old fixed ratio"),
        ],
    )
    for bill in bills:
        lines = {line.supply.value: line for line in bill.lines}
        row: list[object] = [bill.number, bill.unit.name]
        for supply in ("electricity", "water"):
            line = lines.get(supply)
            row += [line.usage, line.metered, line.shared, line.total] if line else [None] * 4
        row += [bill.adjustments_total, bill.amount_due, bill.old_ratio_total]
        sheet.append(row)
        for column in range(3, 14):
            sheet.cell(sheet.max_row, column).number_format = MONEY_FORMAT
    sheet.column_dimensions["A"].width = 16
    sheet.column_dimensions["B"].width = 28
    return _save(book)


def bill_workbook(bill, invoices: Mapping) -> bytes:
    """One unit's bill, laid out like the printed page."""
    book = Workbook()
    sheet = book.active
    sheet.title = bill.number
    sheet.append([_("Water and electricity bill"), bill.number])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([_("Unit"), bill.unit.name])
    sheet.append([_("Month"), bill.month.label])
    sheet.append([])
    _header_row = [
        _("Supply"), _("Metered use"), _("Effective rate"), _("Metered amount"), _("Shared by"),
        _("Key value"), _("Shared amount"), _("Total"), _("Under the old fixed ratio"),
    ]
    sheet.append(_header_row)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for line in bill.lines:
        sheet.append([
            str(line.supply.label), line.usage, line.rate, line.metered, str(line.allocation_key.label),
            line.weight, line.shared, line.total, line.old_ratio_amount,
        ])
        for column in (4, 7, 8, 9):
            sheet.cell(sheet.max_row, column).number_format = MONEY_FORMAT
    if bill.adjustments:
        sheet.append([])
        sheet.append([_("Adjustments"), _("Supply"), _("Amount"), _("Reason")])
        for adjustment in bill.adjustments:
            sheet.append([adjustment.created_at.strftime("%Y-%m-%d"), str(adjustment.supply.label),
                          adjustment.amount, adjustment.reason])
    sheet.append([])
    sheet.append([_("Amount due"), bill.amount_due])
    sheet.cell(sheet.max_row, 2).number_format = MONEY_FORMAT
    sheet.cell(sheet.max_row, 1).font = Font(bold=True)
    for invoice in invoices.values():
        sheet.append([
            _("Invoice"), str(invoice.supply.label), invoice.invoice_no, invoice.amount, invoice.consumption,
        ])
    for column, width in zip("ABCDEFGHI", (18, 14, 12, 14, 12, 12, 14, 14, 16), strict=True):
        sheet.column_dimensions[column].width = width
    return _save(book)


def comparison_workbook(title: str, rows: Iterable, totals: tuple[Decimal, Decimal]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "comparison"
    sheet.append([title])
    sheet["A1"].font = Font(bold=True)
    sheet.append([_("Unit"), _("Metered"), _("Under the old fixed ratio"), _("Difference"), _("Difference in per cent")])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in rows:
        share = None if row.percent is None else row.percent / 100
        sheet.append([row.unit.name, row.metered, row.old_ratio, row.difference, share])
        for column in (2, 3, 4):
            sheet.cell(sheet.max_row, column).number_format = MONEY_FORMAT
        sheet.cell(sheet.max_row, 5).number_format = PERCENT_FORMAT
    metered, old = totals
    sheet.append([_("Total"), metered, old, metered - old])
    sheet.column_dimensions["A"].width = 30
    return _save(book)
