"""The reports as an Excel workbook (openpyxl), one sheet per table, for the budget request.

Written in openpyxl's write-only mode: a decade of repairs is tens of thousands
of detail rows, and streaming them keeps the export fast and small in memory.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import gettext as _

from portal.blueprints.repairs.models import OPEN_STATUSES
from portal.labels import label as label_of
from portal.spreadsheets import ExportWorkbook, quantity

HOURS_FORMAT = "0.0"


def _sheet(workbook: ExportWorkbook, title: str, header: list[str], rows: Iterable[list[Any]], widths: list[int]) -> None:
    # Cells are typed by the helper: Decimal as money, datetimes in local wall-clock time.
    workbook.sheet(title, header, rows, widths=widths)


def _label(value: Any) -> str:
    return str(label_of(value))


def _tally_rows(tallies) -> list[list[Any]]:
    return [[_label(t.label), t.count, t.cost, t.open] for t in tallies]


def build_workbook(report: dict[str, Any]) -> ExportWorkbook:
    workbook = ExportWorkbook()
    tally_header = [_("Group"), _("Repairs"), _("Cost (yuan)"), _("Still open")]
    tally_widths = [24, 10, 16, 10]

    _sheet(workbook, _("By year"), tally_header, _tally_rows(report["by_year"]), tally_widths)
    _sheet(workbook, _("By building"), tally_header, _tally_rows(report["by_building"]), tally_widths)
    _sheet(workbook, _("By floor"), tally_header, _tally_rows(report["by_floor"]), tally_widths)
    _sheet(workbook, _("By category"), tally_header, _tally_rows(report["by_category"]), tally_widths)

    monthly = report.get("monthly")
    if monthly is not None:  # the months of the page's charts, with the same figures
        _sheet(
            workbook,
            _("By month"),
            [_("Month"), _("Repairs"), _("Cost (yuan)"), _("Response, median (h)"), _("Response, 90th percentile (h)"),
             _("Repairs accepted"), _("Fix, median (h)"), _("Fix, 90th percentile (h)"), _("Repairs done")],
            [[f"{m.month:%Y-%m}", m.count, m.cost, quantity(m.response.median_hours, HOURS_FORMAT),
              quantity(m.response.p90_hours, HOURS_FORMAT), m.response.measured, quantity(m.fix.median_hours, HOURS_FORMAT),
              quantity(m.fix.p90_hours, HOURS_FORMAT), m.fix.measured] for m in monthly.months],
            [10, 10, 14, 14, 14, 10, 14, 14, 10],
        )
        period = _("Repairs reported from %(first)s to %(last)s", first=f"{monthly.first:%Y-%m}", last=f"{monthly.last:%Y-%m}")
        for title, groups in ((_("Months by building"), monthly.buildings), (_("Months by category"), monthly.categories)):
            workbook.sheet(title, tally_header[:3], [[_label(g.label), g.count, g.cost] for g in groups],
                           caption=period, widths=tally_widths[:3])

    trend = report["category_trend"]
    _sheet(
        workbook,
        _("Cost by category and year"),
        [_("Category")] + [str(y) for y in trend.years],
        [[_label(label)] + [cell.cost for cell in cells] for label, cells in trend.rows]
        + [[_("Total")] + [t.cost for t in trend.totals]],
        [16] + [14] * len(trend.years),
    )

    _sheet(
        workbook,
        _("Repeat faults"),
        [_("Location"), _("Category"), _("Times reported"), _("Cost (yuan)"), _("First"), _("Last"), _("Report numbers")],
        (
            [r.location, _label(r.category), r.count, r.cost, r.first, r.last, ", ".join(str(f.id) for f in r.facts)]
            for r in report["repeats"]
        ),
        [36, 10, 10, 14, 18, 18, 30],
    )

    open_rows = []
    for row in report["open_by_age"]:
        if row.upper_days is None:
            label = _("over %(days)s days", days=row.lower_days)
        else:
            label = _("%(low)s–%(high)s days", low=row.lower_days, high=row.upper_days)
        open_rows.append([label] + [row.counts[s] for s in OPEN_STATUSES] + [row.total])
    _sheet(
        workbook,
        _("Open by age"),
        [_("Waiting")] + [str(s.label) for s in OPEN_STATUSES] + [_("Total")],
        open_rows,
        [14] + [10] * (len(OPEN_STATUSES) + 1),
    )

    # Every repair with its texts, people and times: the list the budget office filters itself.
    _sheet(
        workbook,
        _("All repairs"),
        [_("No."), _("Reported"), _("Building"), _("Floor"), _("Room"), _("Spot"), _("Category"), _("Urgency"),
         _("Status"), _("What is wrong"), _("Reported by"), _("Contact phone"), _("Handled by"), _("What was done"),
         _("Repair visits"), _("Reopened"), _("Accepted at"), _("Work started at"), _("Done at"), _("Confirmed at"),
         _("Parts (yuan)"), _("Labour (yuan)"), _("Total (yuan)")],
        (
            [r.id, r.reported_at, r.building, r.floor_label, r.room_label, r.spot, _label(r.category),
             _label(r.urgency), _label(r.status), r.description, r.reporter, r.contact, r.handler, r.resolution,
             r.visits, r.reopen_count, r.accepted_at, r.started_at, r.done_at, r.confirmed_at,
             r.parts_cost, r.labour_cost, r.cost]
            for r in report["rows"]
        ),
        [8, 18, 12, 8, 20, 16, 10, 8, 16, 40, 12, 12, 12, 40, 8, 8, 18, 18, 18, 18, 12, 12, 12],
    )
    return workbook
