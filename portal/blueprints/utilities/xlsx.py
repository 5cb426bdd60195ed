"""Excel in and out: the reading sheet (template and import), bills, the comparison."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from flask_babel import force_locale
from flask_babel import gettext as _

from portal.blueprints.utilities.readings import parse_reading
from portal.i18n import lazy_gettext as _l
from portal.rules import RuleViolation
from portal.spreadsheets import ExportWorkbook, open_workbook_upload, percent, quantity, read_rows
from portal.timeutil import to_local

if TYPE_CHECKING:
    from portal.blueprints.utilities.services import BookMeter

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_IMPORT_ROWS = 5000
RATE_FORMAT = "0.0000"

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
    book = ExportWorkbook()
    sheet = book.sheet(
        export.label,
        [
            _(CODE_HEADER), _("Meter name"), _("Unit or area"), _("Multiplier"), _("Previous reading"), _(READING_HEADER),
            _("Supply"), _("Kind"), _("Unit"), _("Register rolls over at"), _("Previous reading is the initial reading"),
            _("Replaced on"), _("Final reading"), _("Use"),
        ],
        widths=(None, None, None, None, 14, 14),
    )
    for row in export.rows:
        meter = row.meter
        sheet.row([
            meter.code, meter.name, meter.place, meter.multiplier, quantity(row.start), quantity(row.reading),
            str(meter.supply.label), str(meter.kind.label), meter.unit.name if meter.unit is not None else "",
            quantity(meter.rollover_at), _yes(row.start_is_initial),
            meter.removed_on if row.removed_this_month else None,
            quantity(meter.final_reading) if row.removed_this_month else None,
            quantity(row.usage.usage),
        ])
    if export.with_money:
        invoices = book.sheet(_("Invoices"), [_("Supply"), _("Invoice number"), _("Amount"), _("Invoiced consumption"),
                                               _("Shared by")])
        for invoice in export.invoices:
            invoices.row([str(invoice.supply.label), invoice.invoice_no, invoice.amount, quantity(invoice.consumption),
                          str(invoice.allocation_key.label)])
        keys = book.sheet(_("Allocation keys"), [_("Unit"), _("Supply"), _("Shared by"), _("Key value")])
        for weight in export.weights:
            keys.row([weight.unit.name, str(weight.supply.label), str(weight.key.label), quantity(weight.weight)])
    return book.to_bytes()


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
    meters_by_code: Mapping[str, BookMeter],
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
        book = open_workbook_upload(data)
    except RuleViolation as error:
        result.problems.append(ImportProblem(None, "", error.message))
        return result
    try:
        sheet = book.worksheets[0]
        rows = read_rows(sheet, max_row=MAX_IMPORT_ROWS + 2)
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
    except RuleViolation as error:  # a row the file's XML does not let us read
        result.problems.append(ImportProblem(None, "", error.message))
    finally:
        book.close()
    return result


def bills_workbook(period_label: str, bills: Iterable) -> bytes:
    """One row per unit: both supplies, corrections, the amount due and the old ratio."""
    book = ExportWorkbook()
    sheet = book.sheet(
        period_label,
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
            row += [quantity(line.usage), line.metered, line.shared, line.total] if line else [None] * 4
        row += [bill.adjustments_total, bill.amount_due, bill.old_ratio_total]
        sheet.row(row)
    return book.to_bytes()


def bill_workbook(bill, invoices: Mapping) -> bytes:
    """One unit's bill, laid out like the printed page."""
    book = ExportWorkbook()
    sheet = book.sheet(bill.number)
    sheet.caption(_("Water and electricity bill"), bill.number)
    sheet.row([_("Unit"), bill.unit.name])
    sheet.row([_("Month"), bill.month.label])
    sheet.blank()
    sheet.header([
        _("Supply"), _("Metered use"), _("Effective rate"), _("Metered amount"), _("Shared by"),
        _("Key value"), _("Shared amount"), _("Total"), _("Under the old fixed ratio"),
    ])
    for line in bill.lines:
        sheet.row([
            str(line.supply.label), quantity(line.usage), quantity(line.rate, RATE_FORMAT), line.metered,
            str(line.allocation_key.label), quantity(line.weight), line.shared, line.total, line.old_ratio_amount,
        ])
    if bill.adjustments:
        sheet.blank()
        sheet.header([_("Adjustments"), _("Supply"), _("Amount"), _("Reason")])
        for adjustment in bill.adjustments:
            sheet.row([to_local(adjustment.created_at).date(), str(adjustment.supply.label),
                       adjustment.amount, adjustment.reason])
    sheet.blank()
    sheet.row([_("Amount due"), bill.amount_due], bold=True)
    for invoice in invoices.values():
        sheet.row([
            _("Invoice"), str(invoice.supply.label), invoice.invoice_no, invoice.amount, quantity(invoice.consumption),
        ])
    return book.to_bytes()


def comparison_workbook(title: str, rows: Iterable, totals: tuple[Decimal, Decimal]) -> bytes:
    book = ExportWorkbook()
    sheet = book.sheet("comparison", caption=title)
    sheet.header([_("Unit"), _("Metered"), _("Under the old fixed ratio"), _("Difference"), _("Difference in per cent")])
    for row in rows:
        sheet.row([row.unit.name, row.metered, row.old_ratio, row.difference, percent(row.percent)])
    metered, old = totals
    sheet.row([_("Total"), metered, old, metered - old], bold=True)
    return book.to_bytes()
