"""The charts of the visitor statistics, built from :class:`~portal.blueprints.visitors.services.Arrivals`
(portal.charts draws them)."""

from __future__ import annotations

from flask_babel import gettext as _

from portal.blueprints.visitors.services import Arrivals
from portal.charts import Chart, Series, day_label

LONGEST_DAY_CHART = 62  # days: one bar each still reads on a phone; longer periods show the table only


def day_bars(arrivals: Arrivals) -> Chart | None:
    if not arrivals.by_day or len(arrivals.by_day) > LONGEST_DAY_CHART:
        return None
    first, last = arrivals.by_day[0][0], arrivals.by_day[-1][0]
    return Chart(
        "bar",
        _("Arrivals by day"),
        _("One bar per day from %(first)s to %(last)s: the visitors who arrived that day (refused visits left out).",
          first=day_label(first), last=day_label(last)),
        [day_label(day) for day, _count in arrivals.by_day],
        [Series(_("Arrivals"), [count for _day, count in arrivals.by_day])],
        label_heading=_("Day"),
    )


def hour_bars(arrivals: Arrivals) -> Chart:
    return Chart(
        "bar",
        _("Arrivals by hour of the day"),
        _("One bar per hour, from the first hour with an arrival to the last: the visitors who arrived in that hour "
          "over the whole period."),
        [f"{hour:02d}:00" for hour, _count in arrivals.by_hour],
        [Series(_("Arrivals"), [count for _hour, count in arrivals.by_hour])],
        label_heading=_("Hour"),
    )
