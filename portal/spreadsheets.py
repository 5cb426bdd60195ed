"""Excel in and out, the same for every capability.

Exports
-------
Every export builds its workbook with :class:`ExportWorkbook`, so every file
looks alike: a bold, filled header row that stays in view (frozen), column
widths from the content (a Chinese character counts double), real dates and
times (local wall-clock time: Excel has no time zones) with a date format,
money (``Decimal``) as ``#,##0.00``, percentages as numbers with a ``%``
format::

    book = ExportWorkbook()
    sheet = book.sheet(_("Bills"), [_("Unit"), _("Amount due"), _("Change")])
    for bill in bills:
        sheet.row([bill.unit.name, bill.amount_due, percent(bill.change)])
    return book.to_bytes()

Cells are typed by their value: ``Decimal`` is money, ``datetime``/``date``/
``time`` get a date format, text stays text. :func:`quantity`, :func:`percent`
and :func:`number` wrap a value that needs another number format.

Stored text never breaks an export and never becomes a formula: control
characters that XML cannot hold are dropped, and text that begins with "="
(a meeting title, a visitor's name …) reaches a colleague's spreadsheet as
the text it is, not as a formula that runs when the file is opened.

The workbook is written in openpyxl's write-only mode (a decade of repairs is
tens of thousands of rows): the first :data:`SAMPLE_ROWS` rows of a sheet are
held back to size its columns, the rest stream straight to the file.

Imports
-------
:func:`open_workbook_upload` is the one way an uploaded workbook is opened. An
xlsx is a zip of XML files, so a small upload can inflate to gigabytes or hold
XML that expands without end; the zip's directory is checked (members, sizes,
compression ratio) and every XML part is parsed once by a streaming parser
that refuses document type declarations (entity expansion, external
entities) before openpyxl reads anything, in read-only mode. Whatever is
wrong with the file becomes a :class:`~portal.rules.RuleViolation` with a
message for the user (413 for a file too large once unpacked, 422 otherwise);
:func:`read_rows` keeps that promise while the rows are read.

openpyxl is imported only when a workbook is made or read.
"""

from __future__ import annotations

import enum
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from io import BytesIO
from typing import Any
from xml.parsers import expat


from portal.i18n import lazy_gettext as _l
from portal.rules import RuleViolation
from portal.timeutil import LOCAL_TZ

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

MONEY_FORMAT = "#,##0.00"
QUANTITY_FORMAT = "0.00"
PERCENT_FORMAT = "0.0%"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
TIME_FORMAT = "hh:mm"

HEADER_FILL = "DDEBF7"
SAMPLE_ROWS = 500  # rows of a sheet that size its columns
MIN_WIDTH, MAX_WIDTH = 6, 60
MAX_CELL_TEXT = 32767  # Excel refuses longer text in a cell

# The characters XML 1.0 cannot hold (openpyxl refuses them with an error).
ILLEGAL_CHARACTERS = re.compile(r"[\000-\010\013\014\016-\037]")
INVALID_TITLE_CHARACTERS = re.compile(r"[\\/?*\[\]:]")


# ---------------------------------------------------------------- cell values


@dataclass(frozen=True)
class Number:
    """A number written with a chosen number format."""

    value: Any
    number_format: str


def number(value: Any, number_format: str) -> Number | None:
    return None if value is None else Number(value, number_format)


def quantity(value: Any, number_format: str = QUANTITY_FORMAT) -> Number | None:
    """A measured amount (kWh, m³, a meter reading): not money."""
    return number(value, number_format)


def percent(value: Any, *, per_cent: bool = True) -> Number | None:
    """A percentage as a number with a % format; ``value`` in per cent (12.5 → 12.5 %)
    unless ``per_cent=False`` (0.125 → 12.5 %)."""
    if value is None:
        return None
    if per_cent:
        value = Decimal(str(value)) / 100
    return Number(value, PERCENT_FORMAT)


def sheet_text(value: str) -> str:
    """Stored text as a cell can hold it: no control characters, at most Excel's length."""
    return ILLEGAL_CHARACTERS.sub("", value)[:MAX_CELL_TEXT]


def sheet_title(title: Any) -> str:
    """A title Excel accepts: none of ``\\/?*[]:``, at most 31 characters."""
    return INVALID_TITLE_CHARACTERS.sub("_", sheet_text(str(title)))[:31] or "Sheet"


def _display_width(text: str) -> int:
    """Columns the text needs: East Asian wide characters count double."""
    longest = 0
    for line in text.split("\n"):
        width = sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in line)
        longest = max(longest, width)
    return longest


def cell_value(value: Any) -> tuple[Any, str | None]:
    """``value`` as openpyxl stores it and its number format (None: General)."""
    if value is None:
        return None, None
    if isinstance(value, Number):
        inner, number_format = cell_value(value.value)
        if isinstance(inner, int | float | Decimal) and not isinstance(inner, bool):
            return inner, value.number_format
        return inner, number_format
    if isinstance(value, enum.Enum):
        value = getattr(value, "label", value.value)
    if isinstance(value, bool):
        return value, None
    if isinstance(value, Decimal):
        return value, MONEY_FORMAT
    if isinstance(value, int | float):
        return value, None
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(LOCAL_TZ).replace(tzinfo=None)
        return value, DATETIME_FORMAT
    if isinstance(value, date):
        return value, DATE_FORMAT
    if isinstance(value, time):
        return value.replace(tzinfo=None), TIME_FORMAT
    text = sheet_text(str(value))
    return (text or None), None  # empty text: an empty cell


def shown_width(stored: Any, number_format: str | None) -> int:
    """Columns a stored value needs as Excel shows it."""
    if stored is None:
        return 0
    if isinstance(stored, str):
        return _display_width(stored)
    if isinstance(stored, bool):
        return 5
    if isinstance(stored, datetime | date | time):
        return len(number_format or DATETIME_FORMAT)
    if number_format and number_format != "General":
        return len(f"{stored:,.2f}") + (1 if "%" in number_format else 0)
    return len(str(stored))


# ---------------------------------------------------------------- export


class ExportSheet:
    """One sheet of an :class:`ExportWorkbook`: optional caption rows, a header, rows."""

    def __init__(self, book: ExportWorkbook, title: str, *, wrap: bool = False) -> None:
        self._sheet = book.workbook.create_sheet(sheet_title(title))
        self._wrap = wrap
        from openpyxl.styles import Alignment

        self._wrapped = Alignment(wrap_text=True, vertical="top")
        self._pending: list[list[Any]] = []  # rows held back to size the columns
        self._widths: dict[int, int] = {}  # from the content, at most MAX_WIDTH
        self._minimum: dict[int, int] = {}  # asked for by the caller
        self._rows = 0
        self._frozen = False
        self._flushed = False

    # -- rows

    def caption(self, text: Any, *more: Any) -> ExportSheet:
        """A title row above the header (bold, larger)."""
        from openpyxl.styles import Font

        first, _width = self._cell(text, font=Font(bold=True, size=14))
        self._append([(first, 0)] + [self._cell(value) for value in more])
        return self

    def header(self, names: Sequence[Any]) -> ExportSheet:
        """A header row: bold on a fill; the sheet's first header stays in view when scrolling."""
        from openpyxl.styles import Alignment, Font, PatternFill

        font = Font(bold=True)
        fill = PatternFill("solid", fgColor=HEADER_FILL)
        align = Alignment(vertical="center", wrap_text=False)
        self._append([self._cell(name, font=font, fill=fill, alignment=align, extra=2) for name in names])
        if not self._frozen and not self._flushed:
            self._sheet.freeze_panes = f"A{self._rows + 1}"
            self._frozen = True
        return self

    def row(self, values: Iterable[Any], *, bold: bool = False) -> ExportSheet:
        """A row of cells typed by their values; ``bold`` for a total."""
        if bold:
            from openpyxl.styles import Font

            font = Font(bold=True)
            self._append([self._cell(value, font=font) for value in values])
        else:
            self._append([self._cell(value) for value in values])
        return self

    def rows(self, rows: Iterable[Iterable[Any]]) -> ExportSheet:
        for values in rows:
            self.row(values)
        return self

    def blank(self) -> ExportSheet:
        self._append([])
        return self

    def widths(self, minimum: Sequence[int | None]) -> ExportSheet:
        """At least these widths (in characters) for the first columns, e.g. for a column
        people will type into. (Before the first rows stream out.)"""
        for index, width in enumerate(minimum, start=1):
            if width:
                self._minimum[index] = width
        return self

    # -- machinery

    def _cell(self, value: Any, *, font=None, fill=None, alignment=None, extra: int = 0) -> tuple[Any, int]:
        """The cell for ``value`` and the width it needs."""
        from openpyxl.cell import WriteOnlyCell

        stored, number_format = cell_value(value)
        width = 0 if self._flushed else shown_width(stored, number_format) + extra
        text = isinstance(stored, str)
        plain = not (number_format or font or fill or alignment or (text and (self._wrap or "\n" in stored)))
        if plain and not (text and stored.startswith("=")):
            return stored, width  # openpyxl makes the cell (the cheapest way)
        cell = WriteOnlyCell(self._sheet, value=stored)
        if isinstance(stored, str):
            cell.data_type = "s"  # never a formula, whatever the text begins with
        if number_format:
            cell.number_format = number_format
        if font is not None:
            cell.font = font
        if fill is not None:
            cell.fill = fill
        if alignment is not None:
            cell.alignment = alignment
        elif isinstance(stored, str) and (self._wrap or "\n" in stored):
            cell.alignment = self._wrapped
        return cell, width

    def _append(self, sized_cells: list[tuple[Any, int]]) -> None:
        self._rows += 1
        cells = [cell for cell, _width in sized_cells]
        if self._flushed:
            self._sheet.append(cells)
            return
        for index, (_ignored, width) in enumerate(sized_cells, start=1):
            self._widths[index] = max(self._widths.get(index, 0), min(width, MAX_WIDTH))
        self._pending.append(cells)
        if len(self._pending) >= SAMPLE_ROWS:
            self._flush()

    def _flush(self) -> None:
        from openpyxl.utils import get_column_letter

        if self._flushed:
            return
        for index in sorted(self._widths.keys() | self._minimum.keys()):
            width = max(MIN_WIDTH, min(self._widths.get(index, 0) + 2, MAX_WIDTH), self._minimum.get(index, 0))
            self._sheet.column_dimensions[get_column_letter(index)].width = width
        self._flushed = True
        for cells in self._pending:
            self._sheet.append(cells)
        self._pending = []

    def close(self) -> None:
        self._flush()


class ExportWorkbook:
    """A workbook for download, written as it is built (openpyxl's write-only mode)."""

    def __init__(self) -> None:
        from openpyxl import Workbook

        self.workbook = Workbook(write_only=True)
        self._sheets: list[ExportSheet] = []

    def sheet(
        self,
        title: Any,
        header: Sequence[Any] | None = None,
        rows: Iterable[Iterable[Any]] = (),
        *,
        caption: Any = None,
        wrap: bool = False,
        widths: Sequence[int | None] = (),
    ) -> ExportSheet:
        """A new sheet; with ``header`` (and ``rows``) written at once. ``wrap``: long text
        wraps; ``widths``: minimum column widths (characters)."""
        sheet = ExportSheet(self, title, wrap=wrap)
        self._sheets.append(sheet)
        sheet.widths(widths)
        if caption is not None:
            sheet.caption(caption)
        if header is not None:
            sheet.header(header)
        sheet.rows(rows)
        return sheet

    def to_bytes(self) -> bytes:
        if not self._sheets:
            self.sheet("Sheet")
        for sheet in self._sheets:
            sheet.close()
        out = BytesIO()
        self.workbook.save(out)
        return out.getvalue()


def text_cells(sheet: Any, values: list[Any]) -> list[Any]:
    """``values`` for ``sheet.append`` on a write-only sheet, with text that
    would be read as a formula wrapped as a plain-text cell and characters a
    cell cannot hold dropped. (Prefer :class:`ExportWorkbook`.)"""
    from openpyxl.cell import WriteOnlyCell

    row = []
    for value in values:
        if isinstance(value, str):
            value = sheet_text(value)
            if value.startswith("="):
                value = WriteOnlyCell(sheet, value=value)
                value.data_type = "s"
        row.append(value)
    return row


def workbook_bytes(workbook: Any) -> bytes:
    """The workbook as xlsx bytes; in a normal (not write-only) workbook every
    cell openpyxl took for a formula is turned back into text first.
    (Prefer :class:`ExportWorkbook`.)"""
    if isinstance(workbook, ExportWorkbook):
        return workbook.to_bytes()
    if not workbook.write_only:
        for sheet in workbook.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    if cell.data_type == "f":
                        cell.data_type = "s"
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()


# ---------------------------------------------------------------- import

MAX_UPLOAD_BYTES = 8 * 1024 * 1024  # the packed file (the request body is bounded too)
MAX_UNPACKED_BYTES = 50 * 1024 * 1024  # all members together, unpacked
MAX_MEMBERS = 1000
MAX_RATIO = 100  # unpacked / packed size of one member …
RATIO_FROM_BYTES = 1024 * 1024  # … once it unpacks to more than this
MAX_COLUMNS = 64  # columns read from a row; an import needs far fewer
XML_SUFFIXES = (".xml", ".rels", ".vml")
_CHUNK = 64 * 1024

NOT_A_WORKBOOK = _l("The file is not an Excel workbook (.xlsx), or it is damaged.")


class _UnsafeXml(ValueError):
    pass


def _refuse(*_args: Any) -> None:
    raise _UnsafeXml("document type declarations and entities are not accepted")


def _check_xml(stream: Any) -> None:
    """Parse one XML part as a stream (constant memory); refuse any DTD or entity."""
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _refuse
    parser.EntityDeclHandler = _refuse
    parser.UnparsedEntityDeclHandler = _refuse
    parser.ExternalEntityRefHandler = _refuse
    while chunk := stream.read(_CHUNK):
        parser.Parse(chunk, False)
    parser.Parse(b"", True)


def _read_upload(file: Any) -> bytes:
    if isinstance(file, bytes | bytearray):
        data = bytes(file)
    else:
        data = file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise RuleViolation(
            _l("The file is too large (at most %(limit)s MB).", limit=MAX_UPLOAD_BYTES // (1024 * 1024)), status=413
        )
    return data


def check_archive(archive: zipfile.ZipFile) -> None:
    """Refuse a zip that would unpack to too much, before anything is unpacked.

    The sizes come from the zip's directory. Python's zipfile never unpacks a
    member beyond the size written there (and then fails its checksum), so a
    directory that lies cannot make the reading below larger either.
    """
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise RuleViolation(NOT_A_WORKBOOK)
    too_large = RuleViolation(
        _l("The workbook is too large once unpacked (at most %(limit)s MB); split it into smaller files.",
           limit=MAX_UNPACKED_BYTES // (1024 * 1024)),
        status=413,
    )
    total = 0
    for member in members:
        total += member.file_size
        if total > MAX_UNPACKED_BYTES:
            raise too_large
        if member.file_size > RATIO_FROM_BYTES and member.file_size > MAX_RATIO * max(member.compress_size, 1):
            raise too_large


def open_workbook_upload(file: Any) -> Any:
    """An uploaded xlsx (bytes or a file object) as a read-only openpyxl workbook.

    Raises :class:`RuleViolation` (413: too large once unpacked; 422: not a
    workbook, damaged, or XML with entities) before anything big is read.
    Read its rows with :func:`read_rows`; close it when done.
    """
    data = _read_upload(file)
    try:
        archive = zipfile.ZipFile(BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as error:
        raise RuleViolation(NOT_A_WORKBOOK) from error
    with archive:
        check_archive(archive)
        try:
            for member in archive.infolist():
                if member.filename.lower().endswith(XML_SUFFIXES) and not member.is_dir():
                    with archive.open(member) as stream:
                        _check_xml(stream)
        except (expat.ExpatError, _UnsafeXml, zipfile.BadZipFile, NotImplementedError, OSError, ValueError,
                EOFError, RuntimeError) as error:
            raise RuleViolation(NOT_A_WORKBOOK) from error
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # an untrusted file: whatever openpyxl trips over, the user gets a message
        raise RuleViolation(NOT_A_WORKBOOK) from error
    if not workbook.worksheets:
        workbook.close()
        raise RuleViolation(NOT_A_WORKBOOK)
    return workbook


def read_rows(worksheet: Any, *, max_row: int | None = None, max_col: int = MAX_COLUMNS) -> Iterator[tuple[Any, ...]]:
    """The values of a read-only worksheet's rows (at most ``max_col`` columns each);
    a cell openpyxl cannot read gives a :class:`RuleViolation`, not a 500."""
    declared = worksheet.max_column  # from the sheet's <dimension>, if it has one
    if isinstance(declared, int) and declared > 0:
        max_col = min(declared, max_col)
    rows = worksheet.iter_rows(values_only=True, max_row=max_row, max_col=max_col)
    while True:
        try:
            values = next(rows)
        except StopIteration:
            return
        except Exception as error:  # an untrusted file, see open_workbook_upload
            raise RuleViolation(NOT_A_WORKBOOK) from error
        yield values

