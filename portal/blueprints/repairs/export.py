"""The reports as an Excel workbook (openpyxl), one sheet per table, for the budget request."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from portal.blueprints.repairs.models import CATEGORY_LABELS, OPEN_STATUSES, STATUS_LABELS
from portal.timeutil import LOCAL_TZ

MONEY_FORMAT = "#,##0.00"


def _sheet(workbook: Workbook, title: str, header: list[str], rows: list[list[Any]], money_columns: tuple[int, ...] = ()):
    sheet = workbook.create_sheet(title[:31])
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    for column in money_columns:
        for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
            cell.number_format = MONEY_FORMAT
    for index, title_cell in enumerate(header, start=1):
        width = max([len(str(title_cell))] + [len(str(r[index - 1])) for r in rows if index - 1 < len(r)] or [8])
        sheet.column_dimensions[get_column_letter(index)].width = min(60, max(10, width * 1.6 + 2))
    sheet.freeze_panes = "A2"
    return sheet


def _label(value: Any) -> str:
    return str(CATEGORY_LABELS.get(value, value))


def _tally_rows(tallies) -> list[list[Any]]:
    return [[_label(t.label), t.count, t.cost, t.open] for t in tallies]


def _naive(moment):
    """Excel has no time zones: local wall-clock time."""
    return moment.astimezone(LOCAL_TZ).replace(tzinfo=None) if moment is not None else None


def build_workbook(report: dict[str, Any]) -> Workbook:
    workbook = Workbook()
    workbook.remove(workbook.active)
    tally_header = [_("Group"), _("Repairs"), _("Cost (yuan)"), _("Still open")]

    _sheet(workbook, _("By year"), tally_header, _tally_rows(report["by_year"]), (3,))
    _sheet(workbook, _("By building"), tally_header, _tally_rows(report["by_building"]), (3,))
    _sheet(workbook, _("By floor"), tally_header, _tally_rows(report["by_floor"]), (3,))
    _sheet(workbook, _("By category"), tally_header, _tally_rows(report["by_category"]), (3,))

    trend = report["category_trend"]
    _sheet(
        workbook,
        _("Cost by category and year"),
        [_("Category")] + [str(y) for y in trend.years],
        [[_label(label)] + [cell.cost for cell in cells] for label, cells in trend.rows]
        + [[_("Total")] + [t.cost for t in trend.totals]],
        tuple(range(2, len(trend.years) + 2)),
    )

    _sheet(
        workbook,
        _("Repeat faults"),
        [_("Location"), _("Category"), _("Times reported"), _("Cost (yuan)"), _("First"), _("Last"), _("Report numbers")],
        [
            [r.location, _label(r.category), r.count, r.cost, _naive(r.first), _naive(r.last),
             ", ".join(str(f.id) for f in r.facts)]
            for r in report["repeats"]
        ],
        (4,),
    )

    open_header = [_("Waiting")] + [str(STATUS_LABELS[s]) for s in OPEN_STATUSES] + [_("Total")]
    open_rows = []
    for row in report["open_by_age"]:
        if row.upper_days is None:
            label = _("over %(days)s days", days=row.lower_days)
        else:
            label = _("%(low)s–%(high)s days", low=row.lower_days, high=row.upper_days)
        open_rows.append([label] + [row.counts[s] for s in OPEN_STATUSES] + [row.total])
    _sheet(workbook, _("Open by age"), open_header, open_rows)

    detail = [
        [f.id, _naive(f.reported_at), f.building, f.floor_label, f.room_label, f.spot, _label(f.category),
         str(STATUS_LABELS[f.status]), f.parts_cost, f.labour_cost, f.cost]
        for f in report["facts"]
    ]
    sheet = _sheet(
        workbook,
        _("All repairs"),
        [_("No."), _("Reported"), _("Building"), _("Floor"), _("Room"), _("Spot"), _("Category"), _("Status"),
         _("Parts (yuan)"), _("Labour (yuan)"), _("Total (yuan)")],
        detail,
        (9, 10, 11),
    )
    for (cell,) in sheet.iter_rows(min_row=2, min_col=2, max_col=2):
        cell.number_format = "yyyy-mm-dd hh:mm"
    return workbook
