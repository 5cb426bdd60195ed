"""Every Excel export of the portal, found in the URL map, downloaded with the demo
data as a role that may: the same header style (bold, filled, frozen), column
widths, real dates with a date format, money as #,##0.00 — and stored text with
control characters never breaks one."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from urllib.parse import parse_qsl
from io import BytesIO

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from sqlalchemy import select

from portal import timeutil
from portal.db import db
from portal.spreadsheets import DATETIME_FORMAT, MONEY_FORMAT, PERCENT_FORMAT
from tests.test_access_matrix import collect_access

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KNOWN = {
    "directory.export", "repairs.export", "rooms.arrangements_xlsx", "utilities.month_bills_xlsx",
    "utilities.readings_xlsx", "utilities.bill_xlsx", "utilities.comparison_xlsx", "visitors.export_history",
    "vehicles.register_xlsx",
}
TEXT_DATE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")
PREFERRED_ROLES = ("logistics_admin", "sysadmin", "property", "unit_admin")


def xlsx_endpoints(app) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules() if rule.rule.endswith(".xlsx")}


# Audited exports are a POST from their page's button (a GET goes back to the page); the query is the form.
POSTED_EXPORTS = {"/visitors/history.xlsx"}


def download(client, auth, demo, url: str, role: str):
    auth.login_as(demo[role])
    path, _, query = url.partition("?")
    if path in POSTED_EXPORTS:
        # the page's button always sends the period it shows (by default the last 30 days)
        today = timeutil.today()
        period = {"start": (today - timedelta(days=30)).isoformat(), "end": today.isoformat()}
        response = client.post(path, data=period | dict(parse_qsl(query)))
    else:
        response = client.get(url)
    assert response.status_code == 200, f"{url} as {role}: {response.status_code}"
    assert response.mimetype == XLSX, url
    return load_workbook(BytesIO(response.data))


def exports(app):
    """(endpoint, url, role) of every xlsx export, as a role that may download it."""
    table = collect_access()
    for endpoint in sorted(xlsx_endpoints(app)):
        for entry in table[endpoint]:
            role = next(r for r in PREFERRED_ROLES if r in (entry.allowed or PREFERRED_ROLES))
            yield endpoint, entry.url(), role


def column_widths(sheet) -> dict[int, float]:
    widths = {}
    for dimension in sheet.column_dimensions.values():
        if dimension.width and dimension.customWidth:
            for index in range(dimension.min or 1, (dimension.max or dimension.min or 1) + 1):
                widths[index] = dimension.width
    return widths


def sheet_problems(where: str, sheet) -> list[str]:
    problems = []
    frozen = sheet.freeze_panes
    if not frozen or not re.fullmatch(r"A\d+", frozen) or int(frozen[1:]) < 2:
        return [f"{where}: no frozen header row (freeze_panes={frozen!r})"]
    header_row = int(frozen[1:]) - 1
    header = [cell for cell in sheet[header_row] if cell.value not in (None, "")]
    if not header:
        return [f"{where}: the frozen row {header_row} is empty"]
    plain = [cell.coordinate for cell in header if not cell.font.b or cell.fill.fill_type != "solid"]
    if plain:
        problems.append(f"{where}: header cells {', '.join(plain)} are not bold on a fill")
    widths = column_widths(sheet)
    unsized = [get_column_letter(cell.column) for cell in header if cell.column not in widths]
    if unsized:
        problems.append(f"{where}: columns {', '.join(unsized)} have no width")
    money_general: dict[int, set[str]] = {}
    for row in sheet.iter_rows(min_row=header_row + 1):
        for cell in row:
            value = cell.value
            if isinstance(value, datetime | date):
                if "yy" not in cell.number_format:
                    problems.append(f"{where}: {cell.coordinate} is a date without a date format")
                if cell.column in widths and widths[cell.column] < len(cell.number_format) - 1:
                    problems.append(f"{where}: column {get_column_letter(cell.column)} too narrow for its dates (###)")
            elif isinstance(value, str) and TEXT_DATE.match(value.strip()):
                problems.append(f"{where}: {cell.coordinate} is a date written as text ({value!r})")
            elif isinstance(value, float) and cell.number_format == "General":
                problems.append(f"{where}: {cell.coordinate} is a decimal number without a number format ({value})")
            if isinstance(value, int | float) and not isinstance(value, bool):
                money_general.setdefault(cell.column, set()).add(cell.number_format)
    for column, formats in money_general.items():
        if MONEY_FORMAT in formats and "General" in formats:
            problems.append(f"{where}: column {get_column_letter(column)} mixes General and {MONEY_FORMAT}")
    return problems


def test_every_xlsx_route_is_found(app):
    assert xlsx_endpoints(app) >= KNOWN


def test_every_excel_export_has_the_same_header_widths_dates_money_and_local_times(app, client, auth, demo):
    problems, seen = [], 0
    for endpoint, url, role in exports(app):
        book = download(client, auth, demo, url, role)
        for sheet in book.worksheets:
            problems += sheet_problems(f"{endpoint} {url} [{sheet.title}]", sheet)
            seen += sheet.max_row
    assert not problems, "\n".join(problems)
    assert seen > 50  # the demo data fill the exports
    # (one test: seeding the demo building is the slow part)
    check_money_and_percent_in_the_comparison(client, auth, demo)
    check_visitor_history_times_are_real_local_times(client, auth, demo)


def check_money_and_percent_in_the_comparison(client, auth, demo):
    sheet = download(client, auth, demo, "/utilities/comparison.xlsx", "logistics_admin").active
    start = int(sheet.freeze_panes[1:])
    rows = list(sheet.iter_rows(min_row=start))
    assert rows, "the demo comparison has rows"
    for row in rows:
        assert all(cell.number_format == MONEY_FORMAT for cell in row[1:4] if cell.value is not None)
        if row[4].value is not None:
            assert row[4].number_format == PERCENT_FORMAT and abs(row[4].value) < 10


def check_visitor_history_times_are_real_local_times(client, auth, demo):
    from portal.blueprints.visitors.models import VisitorEntry

    entry = db.session.scalars(
        select(VisitorEntry).where(VisitorEntry.checked_out_at.is_not(None)).order_by(VisitorEntry.id.desc()).limit(1)
    ).one()
    day = timeutil.to_local(entry.checked_in_at).date()
    sheet = download(
        client, auth, demo,
        f"/visitors/history.xlsx?start={day - timedelta(days=1)}&end={day + timedelta(days=1)}", "logistics_admin",
    ).active
    assert sheet.freeze_panes == "A2" and sheet["A1"].value == "进入时间"
    local_in = timeutil.to_local(entry.checked_in_at).replace(tzinfo=None, second=0, microsecond=0)
    local_out = timeutil.to_local(entry.checked_out_at).replace(tzinfo=None, second=0, microsecond=0)
    times = {(row[0].value.replace(second=0, microsecond=0), row[1].value.replace(second=0, microsecond=0))
             for row in sheet.iter_rows(min_row=2) if isinstance(row[1].value, datetime)}
    assert (local_in, local_out) in times  # wall-clock time in the building, not UTC
    assert sheet["A2"].number_format == DATETIME_FORMAT


ESC = "\x1b"


def test_stored_control_characters_never_break_an_export(app, client, auth, demo):
    from portal.blueprints.repairs.models import RepairRequest
    from portal.blueprints.visitors.models import VisitorEntry
    from portal.models import User

    repair = db.session.scalars(select(RepairRequest).order_by(RepairRequest.id).limit(1)).one()
    repair.spot = f"东侧{ESC}走廊"
    visitor = db.session.scalars(select(VisitorEntry).order_by(VisitorEntry.id.desc()).limit(1)).one()
    visitor.name = f"王{ESC}五"
    listed = select(User).where(User.unit_id.is_not(None), User.active).order_by(User.id).limit(1)
    staff = db.session.scalars(listed).one()
    staff.display_name = f"=李{ESC}四"
    day = timeutil.to_local(visitor.checked_in_at).date()
    db.session.commit()

    def texts(book) -> set[str]:
        return {cell.value for sheet in book.worksheets for row in sheet.iter_rows() for cell in row
                if isinstance(cell.value, str)}

    assert "东侧走廊" in texts(download(client, auth, demo, "/repairs/reports.xlsx", "logistics_admin"))
    history = f"/visitors/history.xlsx?start={day}&end={day}"
    assert "王五" in texts(download(client, auth, demo, history, "logistics_admin"))
    assert "=李四" in texts(download(client, auth, demo, "/directory/admin/export.xlsx", "logistics_admin"))


# ---------------------------------------------------------------- hostile uploads to both importers


def test_both_importers_refuse_bombs_and_hostile_xml_with_a_message_and_save_nothing(app, client, auth, demo):
    from tests.core.test_spreadsheets import LAUGHS, SHEET, replaced
    from tests.test_fuzz_forms import _row_counts
    from tests.utilities.access import open_month

    uploads = {
        "bomb": (replaced({}, inflate=(SHEET, 60)), "该工作簿解压后太大"),  # 200 MB: tests/core
        "laughs": (replaced({"xl/sharedStrings.xml": LAUGHS}), "不是 Excel 工作簿"),
        "truncated": (replaced({SHEET: b'<?xml version="1.0"?><worksheet><sheetData><row r="1">'}),
                      "不是 Excel 工作簿"),
    }
    importers = {
        "utilities": (f"/utilities/months/{open_month()}/import", "property"),
        "directory": ("/directory/admin/exchange", "logistics_admin"),
    }
    before = _row_counts()
    for importer, (url, role) in importers.items():
        auth.login_as(demo[role])
        for kind, (data, message) in uploads.items():
            response = client.post(url, data={"workbook": (BytesIO(data), "导入.xlsx")})
            assert response.status_code in (413, 422), (importer, kind, response.status_code)
            assert message in response.get_data(as_text=True), (importer, kind)
    assert _row_counts() == before
