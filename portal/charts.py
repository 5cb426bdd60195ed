"""Charts drawn on the server as SVG, for every capability.

A chart is data first (:class:`Chart`: a title, a description, the category
labels and one or more :class:`Series`); :func:`svg` draws it with pygal (LGPL,
pure Python) and :func:`chart_table` gives the same numbers as a table, so a
page shows both: the picture for those who would rather look, the table for
screen readers, for copying and for anyone who prefers to read. The template
macro ``chart_figure`` in ``_charts.html`` puts the two together.

The SVG goes inline into the page and keeps the strict Content-Security-Policy:
pygal's script (tooltips), its configuration ``<script>`` and its ``<style>``
element are removed; the look comes from the ``charts`` block at the end of
``portal.css`` (pygal's class names). The drawing is ``role="img"`` with a
``<title>`` and ``<desc>`` for screen readers. Series are told apart by colour
(a palette safe for colour blindness and dark enough against white) *and* by
shape: line series after the first are dashed, and every point has a dot.

The core names no capability: callers pass the numbers.
"""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from babel.dates import format_skeleton
from flask_babel import get_locale
from markupsafe import Markup

SVG_NS = "http://www.w3.org/2000/svg"
ET.register_namespace("", SVG_NS)

KINDS = ("bar", "line", "hbar")  # monthly bars, year-on-year lines, a ranking or a diverging comparison
MAX_SERIES = 6  # colours in the palette (portal.css: .pygal-chart .color-0 … 5)

_ids = itertools.count(1)


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[Decimal | int | float | None]  # None: no figure (a month not closed yet)


@dataclass(frozen=True)
class Chart:
    kind: str
    title: str
    description: str  # what the chart shows, in a sentence, for screen readers
    labels: Sequence[str]  # the categories: months, units, hours …
    series: Sequence[Series]
    unit: str = ""  # kWh, m³, kgce, ¥ …: shown in the table's header
    label_heading: str = ""  # the heading of the table's first column
    formatter: Callable[[Any], str] | None = field(default=None, compare=False)
    table_only: Sequence[Series] = ()  # more figures per category for the table, not drawn (e.g. counts beside costs)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown chart kind {self.kind!r}")
        if not 1 <= len(self.series) <= MAX_SERIES:
            raise ValueError(f"a chart has 1 to {MAX_SERIES} series")
        for one in (*self.series, *self.table_only):
            if len(one.values) != len(self.labels):
                raise ValueError(f"series {one.name!r} has {len(one.values)} values for {len(self.labels)} labels")

    @property
    def empty(self) -> bool:
        return all(value is None for one in self.series for value in one.values)

    def format(self, value: Any) -> str:
        if value is not None and self.formatter is not None:
            return self.formatter(value)
        return plain_format(value)


def plain_format(value: Any) -> str:
    """A figure in a chart's table: two places for Decimal, thousands separated, "—" for none."""
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    return f"{value:,}"


@dataclass(frozen=True)
class TableRow:
    label: str
    cells: list[str]


@dataclass(frozen=True)
class ChartTable:
    heading: str
    columns: list[str]
    rows: list[TableRow]


def chart_table(chart: Chart) -> ChartTable:
    """The chart's numbers as a table: a row per category, a column per series."""
    columns = [f"{one.name} ({chart.unit})" if chart.unit else one.name for one in chart.series]
    columns += [one.name for one in chart.table_only]
    rows = [
        TableRow(label, [chart.format(one.values[index]) for one in chart.series]
                 + [plain_format(one.values[index]) for one in chart.table_only])
        for index, label in enumerate(chart.labels)
    ]
    return ChartTable(chart.label_heading, columns, rows)


def _number(value: Decimal | int | float | None) -> float | None:
    return None if value is None else float(value)


def _import_pygal():
    """pygal, without the import hook it adds for its map plugins (``pygal.maps.*``, not
    used here): a ``sys.meta_path`` entry with only the old ``find_module`` API, which
    makes every later import anywhere warn (an ImportWarning, an error in the tests)."""
    import sys

    import pygal

    sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != "PluginImportFixer"]
    return pygal


def _pygal_chart(chart: Chart):
    pygal = _import_pygal()  # imported when a chart is drawn

    config = dict(
        js=[],
        disable_xml_declaration=True,
        explicit_size=False,
        width=800,
        height=300 if chart.kind != "hbar" else max(200, 60 + 34 * len(chart.labels)),
        show_legend=len(chart.series) > 1,
        legend_at_bottom=True,
        legend_at_bottom_columns=min(len(chart.series), 3),
        truncate_legend=-1,
        truncate_label=-1,
        print_values=False,
        tooltip_fancy_mode=False,
        show_x_guides=False,
        margin=12,
        spacing=8,
        x_label_rotation=0 if len(chart.labels) <= 12 else 30,
        value_formatter=lambda value: chart.format(value),
    )
    maker = {"bar": pygal.Bar, "line": pygal.Line, "hbar": pygal.HorizontalBar}[chart.kind]
    drawing = maker(**config)
    drawing.x_labels = list(chart.labels)
    if chart.kind == "hbar":  # pygal draws the first category at the bottom: read top-down like the table
        drawing.x_labels = list(reversed(chart.labels))
    for one in chart.series:
        values = [_number(v) for v in one.values]
        drawing.add(one.name, list(reversed(values)) if chart.kind == "hbar" else values)
    return drawing


def _tag(element: ET.Element) -> str:
    return element.tag.rsplit("}", 1)[-1]


def _strip(root: ET.Element) -> None:
    """Remove what the CSP refuses or nobody sees: scripts, styles, tooltips'
    texts and pygal's own titles (the drawing gets one title and description)."""
    for parent in list(root.iter()):
        for child in list(parent):
            name = _tag(child)
            classes = (child.get("class") or "").split()
            if name in {"script", "style", "title", "desc"} or "tooltip" in classes or "no_data" in classes:
                parent.remove(child)
    for element in root.iter():
        if element.get("class") == "":
            del element.attrib["class"]
        element.attrib.pop("style", None)
        element.attrib.pop("id", None)  # pygal's legend ids are for its script and repeat in every chart


def svg(chart: Chart, *, dom_id: str | None = None) -> Markup:
    """The chart as an inline ``<svg>`` element for an HTML page."""
    dom_id = dom_id or f"chart-{next(_ids)}"
    text = _pygal_chart(chart).render(is_unicode=True)
    root = ET.fromstring(text)  # our own output: comments are dropped
    _strip(root)
    root.set("id", dom_id)
    root.set("class", f"pygal-chart chart--{chart.kind}")
    root.set("role", "img")
    root.set("aria-labelledby", f"{dom_id}-title {dom_id}-desc")
    title = ET.Element(f"{{{SVG_NS}}}title", id=f"{dom_id}-title")
    title.text = chart.title
    desc = ET.Element(f"{{{SVG_NS}}}desc", id=f"{dom_id}-desc")
    desc.text = chart.description
    root.insert(0, desc)
    root.insert(0, title)
    if chart.kind == "line":
        for group in root.iter(f"{{{SVG_NS}}}g"):
            classes = (group.get("class") or "").split()
            match = next((re.fullmatch(r"serie-(\d+)", c) for c in classes if c.startswith("serie-")), None)
            if "series" in classes and match and int(match.group(1)) > 0:
                group.set("class", f"{group.get('class')} dashed dashed-{int(match.group(1)) % 3}")
    return Markup(ET.tostring(root, encoding="unicode", short_empty_elements=True))


def month_label(day: date) -> str:
    """A month as a category label in the reader's language: ``May 2026``, ``2026年5月``."""
    return format_skeleton("yMMM", day, locale=get_locale() or "zh_Hans_CN")


def day_label(day: date) -> str:
    """A day of a month as a category label in the reader's language: ``May 20``, ``5月20日``."""
    return format_skeleton("MMMd", day, locale=get_locale() or "zh_Hans_CN")


def init_app(app) -> None:
    """Jinja globals: ``chart_svg(chart)`` and ``chart_table(chart)``."""
    app.jinja_env.globals.update(chart_svg=svg, chart_table=chart_table)
