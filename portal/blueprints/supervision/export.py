"""The evaluation as a workbook, for the contract's payment discussion: the month's
components with what they were counted from, the areas, and the year's months."""

from __future__ import annotations

from flask_babel import gettext as _

from portal.blueprints.supervision.scoring import WEIGHTS, Component
from portal.blueprints.supervision.services import Evaluation
from portal.labels import label as label_of
from portal.spreadsheets import ExportWorkbook, number, percent

SCORE_FORMAT = "0.0"


def _score(value):
    return number(value, SCORE_FORMAT)


def build_workbook(evaluation: Evaluation) -> ExportWorkbook:
    month = evaluation.month
    title = _("%(year)s-%(month)02d", year=month.year, month=month.month)
    workbook = ExportWorkbook()
    sheet = workbook.sheet(
        _("Month"), [_("Component"), _("Score"), _("Up to standard"), _("Counted"), _("Weight"), _("Counts as")],
        (
            [str(label_of(component)), _score(counted.value),
             None if component in (Component.INSPECTIONS, Component.SATISFACTION) else counted.good, counted.counted,
             percent(WEIGHTS[component]), percent(month.weight_used(component))]
            for component, counted in month.components.items()
        ),
        caption=_("Monthly evaluation of the property service") + " " + title, widths=[28, 10, 8, 8, 10, 10],
    )
    sheet.row([_("Month's score"), _score(month.total), str(label_of(month.grade)) if month.grade else ""], bold=True)
    sheet.row([_("Patrol rounds made (not part of the score)"), _score(month.patrols.value), month.patrols.good,
               month.patrols.counted])
    sheet.row([_("Patrol rounds missed"), month.missed_rounds])
    workbook.sheet(
        _("Inspections by service area"), [_("Service area"), _("Mean score")],
        ([str(label_of(area)), _score(value)] for area, value in month.areas.items()), widths=[16, 12],
    )
    year = workbook.sheet(
        _("The year %(year)s so far", year=month.year), [_("Month"), _("Score"), _("Grade")],
        ([_("%(year)s-%(month)02d", year=m.year, month=m.month), _score(m.total),
          str(label_of(m.grade)) if m.grade else ""] for m in evaluation.year_months),
        widths=[14, 10, 30],
    )
    year.row([_("This quarter"), _score(evaluation.quarter_total)], bold=True)
    year.row([_("The year"), _score(evaluation.year_total)], bold=True)
    return workbook
