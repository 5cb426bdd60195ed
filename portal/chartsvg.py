"""Charts (:class:`portal.charts.Chart`) drawn straight as small SVG, without pygal.

:func:`portal.charts.svg` lets pygal draw: tens of milliseconds a chart and 8–10 KB of markup,
most of it coordinates to many decimals and a group per point. :func:`svg` here draws the same
kinds of chart (monthly bars, year-on-year lines, horizontal bars, negative values included) in a
fraction of a millisecond and a quarter of the markup: whole-pixel coordinates, one path per
series (bars and dots as path segments), one path for the guides. It uses pygal's class names,
so the ``charts`` block of ``portal.css`` styles both alike, and keeps what matters for
accessibility: ``role="img"`` with one ``<title>`` and ``<desc>``, no script nor style, later
line series dashed and every point a dot, so colour is not the only cue. The numbers are also a
table (``chart_figure`` in ``_charts.html``).
"""

from __future__ import annotations

import math
from decimal import Decimal

from markupsafe import Markup, escape

from portal.charts import Chart

WIDTH = 800
FONT = 13  # px, as portal.css sets for chart text
MARGIN = 12
LEGEND = 28  # the legend's row below the plot


def _text_width(text: str) -> float:
    """About how wide ``text`` is at 13 px: CJK characters are square, others about 0.58 em."""
    return sum(FONT if ord(char) > 0x2E80 else FONT * 0.58 for char in text)


def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round values from ``low`` to ``high`` (zero included), about ``count`` of them."""
    low, high = min(low, 0.0), max(high, 0.0)
    if high == low:
        high = low + 1
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.floor(low / step) * step
    ticks, value = [], first
    while value < high + step * 0.999:
        ticks.append(round(value, 10))
        value += step
    return ticks


def _tick_label(chart: Chart, value: float, step: float) -> str:
    places = 0 if step >= 1 else min(4, -math.floor(math.log10(step)))
    if chart.formatter is not None:
        return chart.formatter(Decimal(f"{value:.{places}f}"))
    return f"{value:,.{places}f}".replace("-", "−")


def _n(value: float) -> str:
    return str(round(value))


def svg(chart: Chart, *, dom_id: str) -> Markup:
    """The chart as an inline ``<svg>`` element for an HTML page (``dom_id``: its element id)."""
    series = [[None if v is None else float(v) for v in one.values] for one in chart.series]
    figures = [v for values in series for v in values if v is not None] or [0.0]
    ticks = _ticks(min(figures), max(figures))
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    tick_labels = [_tick_label(chart, t, step) for t in ticks]
    labels = [str(label) for label in chart.labels]
    legend = len(chart.series) > 1
    horizontal = chart.kind == "hbar"
    if horizontal:
        height = max(200, 60 + 34 * len(labels))
        left = MARGIN + 6 + max((_text_width(label) for label in labels), default=0)
    else:
        height = 300
        left = MARGIN + 6 + max(_text_width(label) for label in tick_labels)
    top, right = MARGIN, WIDTH - MARGIN - (_text_width(tick_labels[-1]) / 2 if horizontal else 0)
    bottom = height - MARGIN - (LEGEND if legend else 0) - FONT - 8
    low, high = ticks[0], ticks[-1]

    def value_at(value: float) -> float:  # the value axis: x across for horizontal bars, y up otherwise
        share = (value - low) / (high - low)
        return left + share * (right - left) if horizontal else bottom - share * (bottom - top)

    count = len(labels)
    band = ((bottom - top) if horizontal else (right - left)) / count
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" id="{dom_id}" '
        f'class="pygal-chart chart--{chart.kind}" role="img" aria-labelledby="{dom_id}-title {dom_id}-desc">'
        f'<title id="{dom_id}-title">{escape(chart.title)}</title><desc id="{dom_id}-desc">{escape(chart.description)}</desc>'
        f'<g class="graph {"horizontal" if horizontal else "vertical"}">'
    ]
    # the value axis: its guides (one path) and figures; the zero line drawn solid
    guides = "".join(
        f"M{_n(value_at(t))} {_n(top)}V{_n(bottom)}" if horizontal else f"M{_n(left)} {_n(value_at(t))}H{_n(right)}"
        for t in ticks if t != 0
    )
    zero = value_at(0.0)
    axis_line = f"M{_n(zero)} {_n(top)}V{_n(bottom)}" if horizontal else f"M{_n(left)} {_n(zero)}H{_n(right)}"
    if horizontal:
        figures_text = "".join(f'<text x="{_n(value_at(t))}" y="{_n(bottom + FONT + 6)}">{escape(text)}</text>'
                               for t, text in zip(ticks, tick_labels))
        parts.append(f'<g class="axis x"><path class="guide line" d="{guides}"/><path class="line" d="{axis_line}"/>'
                     f"{figures_text}</g>")
        names = "".join(f'<text x="{_n(left - 6)}" y="{_n(top + band * (i + 0.5) + FONT * 0.35)}">{escape(label)}</text>'
                        for i, label in enumerate(labels))
        parts.append(f'<g class="axis y">{names}</g>')
    else:
        figures_text = "".join(f'<text x="{_n(left - 6)}" y="{_n(value_at(t) + FONT * 0.35)}">{escape(text)}</text>'
                               for t, text in zip(ticks, tick_labels))
        parts.append(f'<g class="axis y"><path class="guide line" d="{guides}"/><path class="line" d="{axis_line}"/>'
                     f"{figures_text}</g>")
        names = "".join(f'<text x="{_n(left + band * (i + 0.5))}" y="{_n(bottom + FONT + 6)}">{escape(label)}</text>'
                        for i, label in enumerate(labels))
        parts.append(f'<g class="axis x">{names}</g>')
    # the series
    parts.append('<g class="plot">')
    gap = band * 0.15
    for index, values in enumerate(series):
        colour = f"color-{index}"
        if chart.kind == "line":
            line, dots, pen = [], [], "M"
            for i, value in enumerate(values):
                if value is None:
                    pen = "M"
                    continue
                x, y = _n(left + band * (i + 0.5)), _n(value_at(value))
                line.append(f"{pen}{x} {y}")
                dots.append(f"M{x} {y}h0")
                pen = "L"
            dashed = f" dashed dashed-{index % 3}" if index else ""
            parts.append(f'<g class="series serie-{index} {colour}{dashed}"><path class="line reactive nofill" '
                         f'd="{"".join(line)}"/><path class="dots" d="{"".join(dots)}" stroke-width="7" '
                         f'stroke-linecap="round"/></g>')
            continue
        width = (band - 2 * gap) / len(series)
        bars = []
        for i, value in enumerate(values):
            if value is None:
                continue
            start = value_at(min(value, 0.0) if not horizontal else min(value, 0.0))
            end = value_at(max(value, 0.0))
            across = (top if horizontal else left) + band * i + gap + width * index
            if horizontal:
                bars.append(f"M{_n(start)} {_n(across)}H{_n(end)}V{_n(across + width)}H{_n(start)}Z")
            else:
                bars.append(f"M{_n(across)} {_n(end)}V{_n(start)}H{_n(across + width)}V{_n(end)}Z")
        parts.append(f'<g class="series serie-{index} {colour}"><path class="rect reactive" d="{"".join(bars)}"/></g>')
    parts.append("</g>")
    if legend:
        x, y = left, height - MARGIN - LEGEND / 2
        keys = []
        for index, one in enumerate(chart.series):
            keys.append(f'<rect class="color-{index} reactive" x="{_n(x)}" y="{_n(y - 7)}" width="14" height="14"/>'
                        f'<text x="{_n(x + 20)}" y="{_n(y + 5)}">{escape(one.name)}</text>')
            x += 40 + _text_width(one.name) + 24
        parts.append(f'<g class="legends">{"".join(keys)}</g>')
    parts.append("</g></svg>")
    return Markup("".join(parts))
