"""What every Excel export of the portal shares: no cell becomes a formula.

The portal never writes formulas, but openpyxl stores any text that begins with
"=" as one. A meeting title, a banner text or a visitor's name typed that way
must reach a colleague's spreadsheet as the text it is, not as a formula that
runs when the file is opened (formula injection). openpyxl is imported by the
callers only when they export.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any


def _is_formula_text(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("=")


def text_cells(sheet: Any, values: list[Any]) -> list[Any]:
    """``values`` for ``sheet.append`` on a write-only sheet, with text that
    would be read as a formula wrapped as a plain-text cell."""
    from openpyxl.cell import WriteOnlyCell

    row = []
    for value in values:
        if _is_formula_text(value):
            value = WriteOnlyCell(sheet, value=value)
            value.data_type = "s"
        row.append(value)
    return row


def workbook_bytes(workbook: Any) -> bytes:
    """The workbook as xlsx bytes; in a normal (not write-only) workbook every
    cell openpyxl took for a formula is turned back into text first."""
    if not workbook.write_only:
        for sheet in workbook.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    if cell.data_type == "f":
                        cell.data_type = "s"
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()
