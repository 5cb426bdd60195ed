"""The charts of the energy pages, built from the statistics (portal.charts draws them)."""

from __future__ import annotations

import hashlib
import time
from datetime import date
from decimal import Decimal
from functools import lru_cache

from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from markupsafe import Markup

from portal.blueprints.energy.services import YearStatistics
from portal.blueprints.energy.stats import rounded
from portal.cache import drawing_store
from portal.charts import Chart, Series
from portal.chartsvg import svg

# Drawings by their figures: the same numbers, words and labels draw the same picture, so a
# drawing is never stale and is kept across data versions. Drawn by portal.chartsvg (not pygal:
# a fraction of a millisecond and a quarter of the markup).
_drawings = drawing_store(size=64, seconds=24 * 3600.0)


def drawing(chart: Chart) -> Markup:
    """``chart_svg(chart)``, drawn once for the same figures; its element id follows from them."""
    key = (chart.kind, chart.title, chart.description, chart.unit, tuple(chart.labels),
           tuple((one.name, tuple(one.values)) for one in chart.series))
    now = time.monotonic()
    drawn = _drawings.get(key, now)
    if drawn is None:
        dom_id = "chart-" + hashlib.blake2s(repr(key).encode(), digest_size=6).hexdigest()
        drawn = svg(chart, dom_id=dom_id)
        _drawings.put(key, drawn, now)
    return drawn


def shown(value: Decimal | None, places: int = 2) -> str:
    """A figure in the tables (as the ``num`` macro of energy/_energy.html): ``12,345.60``, "—" for none."""
    return "—" if value is None else f"{value:,.{places}f}"


def shown_change(value: Decimal | None) -> str:
    """A change in per cent (as the ``change`` macro): ``+3.5 %``, "—" for none."""
    return "—" if value is None else f"{value:+.1f} %"


@lru_cache(maxsize=64)
def month_name(month: int, locale: str) -> str:
    """A month's short name in ``locale`` (the current one): asked for 36 times a page."""
    return format_date(date(2000, month, 1), "MMM")


def month_labels(stats: YearStatistics) -> list[str]:
    locale = str(get_locale())
    return [month_name(row.period.month, locale) for row in stats.months]


def _scope(stats: YearStatistics) -> str:
    return stats.unit.name if stats.unit is not None else _("the building")


def kgce_bars(stats: YearStatistics) -> Chart:
    this = [rounded(r.this.kgce) if r.final else None for r in stats.months]
    last = [rounded(r.last.kgce) if r.last.quantities else None for r in stats.months]
    return Chart(
        "bar",
        _("Total energy by month, %(year)s and %(last)s (kgce)", year=stats.year, last=stats.year - 1),
        _("Bars for each month: the standard coal equivalent of all energy used by %(scope)s in %(year)s beside the same month of %(last)s.",
          scope=_scope(stats), year=stats.year, last=stats.year - 1),
        month_labels(stats),
        [Series(str(stats.year), this), Series(str(stats.year - 1), last)],
        unit="kgce", label_heading=_("Month"),
    )


def source_lines(stats: YearStatistics, code: str) -> Chart:
    source = next(s for s in stats.sources if s.code == code)
    this = [r.this.quantities.get(code) if r.final else None for r in stats.months]
    last = [r.last.quantities.get(code) for r in stats.months]
    return Chart(
        "line",
        _("%(source)s by month, %(year)s against %(last)s (%(symbol)s)", source=source.label, year=stats.year,
          last=stats.year - 1, symbol=source.unit_symbol),
        _("Two lines, one per year: the monthly %(source)s use of %(scope)s; the dashed line is %(last)s.",
          source=source.label, scope=_scope(stats), last=stats.year - 1),
        month_labels(stats),
        [Series(str(stats.year), this), Series(str(stats.year - 1), last)],
        unit=source.unit_symbol, label_heading=_("Month"),
    )


def units_per_head(stats: YearStatistics) -> Chart | None:
    rows = [r for r in stats.unit_rows if r.indicators.kgce_per_head is not None]
    if not rows:
        return None
    rows.sort(key=lambda r: r.indicators.kgce_per_head or Decimal(0), reverse=True)
    return Chart(
        "hbar",
        _("Energy per person by unit, %(year)s to date (kgce/person)", year=stats.year),
        _("One bar per unit, the highest first: the standard coal equivalent of the unit's own metered use per person working there."),
        [r.unit.short_name or r.unit.name for r in rows],
        [Series(_("kgce per person"), [r.indicators.kgce_per_head for r in rows])],
        unit="kgce", label_heading=_("Unit"),
    )


def measure_bars(effect) -> Chart:
    return Chart(
        "bar",
        _("%(source)s per working day, before and after (%(symbol)s)", source=effect.source.label,
          symbol=effect.source.unit_symbol),
        _("Bars for the six months before and after the measure took effect: the building's use per working day."),
        [f"{m.period:%Y-%m}" for m in effect.months],
        [Series(_("Before"), [None if m.after else m.per_workday for m in effect.months]),
         Series(_("After"), [m.per_workday if m.after else None for m in effect.months])],
        unit=effect.source.unit_symbol, label_heading=_("Month"),
    )


def _yuan(value) -> str:
    amount = Decimal(str(value)).quantize(Decimal("0.01"))
    return f"−¥{-amount:,.2f}" if amount < 0 else f"¥{amount:,.2f}"


def ratio_bars(year: int, rows) -> Chart | None:
    """Diverging bars: what metering costs each unit more (right) or less (left) than the old ratio."""
    if not rows:
        return None
    return Chart(
        "hbar",
        _("Metered against the old fixed ratio, %(year)s (yuan)", year=year),
        _("One bar per unit: to the right, metering costs the unit more than the old fixed ratio did; to the left, less. Closed months only."),
        [r.unit.short_name or r.unit.name for r in rows],
        [Series(_("Metered minus old ratio"), [r.difference for r in rows])],
        unit="¥", label_heading=_("Unit"), formatter=_yuan,
    )
