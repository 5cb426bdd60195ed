"""The charts of the repairs reports page, built from :mod:`portal.blueprints.repairs.statistics`
(portal.charts draws them)."""

from __future__ import annotations

from flask_babel import gettext as _

from portal.blueprints.repairs.statistics import GroupFigures, RepairStatistics
from portal.charts import Chart, Series, month_label
from portal.labels import label


def _months(stats: RepairStatistics) -> list[str]:
    return [month_label(m.month) for m in stats.months]


def _hours(value) -> str:
    return f"{value:,.1f}"


def _span(stats: RepairStatistics) -> dict[str, str]:
    return {"first": month_label(stats.first), "last": month_label(stats.last)}


def count_bars(stats: RepairStatistics) -> Chart:
    return Chart(
        "bar", _("Repairs reported by month"),
        _("One bar per month from %(first)s to %(last)s: the number of repairs reported in that month.", **_span(stats)),
        _months(stats), [Series(_("Repairs"), [m.count for m in stats.months])], label_heading=_("Month"),
    )


def cost_bars(stats: RepairStatistics) -> Chart:
    return Chart(
        "bar", _("Cost of repairs by month (yuan)"),
        _("One bar per month from %(first)s to %(last)s: parts and labour of the repairs reported in that month.",
          **_span(stats)),
        _months(stats), [Series(_("Cost"), [m.cost for m in stats.months])], unit="¥", label_heading=_("Month"),
    )


def _time_lines(stats: RepairStatistics, which: str, title: str, description: str) -> Chart:
    durations = [getattr(m, which) for m in stats.months]
    return Chart(
        "line",
        title,
        description,
        _months(stats),
        [Series(_("Median"), [d.median_hours for d in durations]),
         Series(_("90th percentile"), [d.p90_hours for d in durations])],
        unit=_("hours"), label_heading=_("Month"), formatter=_hours,
        table_only=[Series(_("Repairs counted"), [d.measured for d in durations])],
    )


def response_lines(stats: RepairStatistics) -> Chart:
    return _time_lines(
        stats, "response", _("Response time by month (hours)"),
        _("Two lines, by month of the report: the median time from the report to its acceptance and, dashed, "
          "the time nine in ten repairs did not exceed."),
    )


def fix_lines(stats: RepairStatistics) -> Chart:
    return _time_lines(
        stats, "fix", _("Fix time by month (hours)"),
        _("Two lines, by month of the report: the median time from the report to the work marked done and, "
          "dashed, the time nine in ten repairs did not exceed."),
    )


def _cost_ranking(groups: list[GroupFigures], labels: list[str], title: str, description: str, heading: str) -> Chart:
    return Chart(
        "hbar", title, description, labels, [Series(_("Cost"), [g.cost for g in groups])], unit="¥",
        label_heading=heading, table_only=[Series(_("Repairs"), [g.count for g in groups])],
    )


def building_bars(stats: RepairStatistics) -> Chart:
    return _cost_ranking(
        stats.buildings, [str(g.label) for g in stats.buildings], _("Cost of repairs by building (yuan)"),
        _("One bar per building: parts and labour of the repairs reported there from %(first)s to %(last)s.",
          **_span(stats)),
        _("Building"),
    )


def category_bars(stats: RepairStatistics) -> Chart:
    return _cost_ranking(
        stats.categories, [str(label(g.label)) for g in stats.categories], _("Cost of repairs by kind of fault (yuan)"),
        _("One bar per kind of fault: parts and labour of the repairs reported from %(first)s to %(last)s.",
          **_span(stats)),
        _("Kind of fault"),
    )


def all_charts(stats: RepairStatistics) -> list[Chart]:
    return [count_bars(stats), cost_bars(stats), building_bars(stats), category_bars(stats),
            response_lines(stats), fix_lines(stats)]
