"""portal.charts: the SVG parses, keeps the CSP, has a title and description, and
its numbers are also a table."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal as D

import pytest
from flask import render_template_string

from portal.charts import Chart, Series, chart_table, svg

NS = "{http://www.w3.org/2000/svg}"


def _chart(kind="bar") -> Chart:
    return Chart(kind, "用电量（千瓦时）", "2026 年与 2025 年逐月用电量", ["1月", "2月", "3月"],
                 [Series("2026", [D("1200.50"), None, D(900)]), Series("2025", [D(1300), D(1100), D(1000)])], unit="kWh",
                 label_heading="月份")


@pytest.mark.parametrize("kind", ["bar", "line", "hbar"])
def test_svg_parses_with_title_description_and_no_script_or_style(app, kind):
    root = ET.fromstring(str(svg(_chart(kind), dom_id="c1")))
    assert root.tag == f"{NS}svg" and root.get("role") == "img" and root.get("id") == "c1"
    assert root.find(f"{NS}title").text == "用电量（千瓦时）"
    assert root.find(f"{NS}desc").text == "2026 年与 2025 年逐月用电量"
    assert root.get("aria-labelledby") == "c1-title c1-desc"
    tags = {e.tag for e in root.iter()}
    assert f"{NS}script" not in tags and f"{NS}style" not in tags
    assert not any("style" in e.attrib or any(k.startswith("on") for k in e.attrib) for e in root.iter())
    texts = " ".join(e.text or "" for e in root.iter(f"{NS}text"))
    assert "2月" in texts  # zh-CN labels drawn as text
    assert len(root.findall(f"{NS}title")) == 1
    assert [e.get("id") for e in root.iter() if e.get("id")] == ["c1", "c1-title", "c1-desc"]  # none repeats on a page


def test_later_line_series_are_dashed_so_colour_is_not_the_only_cue(app):
    root = ET.fromstring(str(svg(_chart("line"))))
    series = [g.get("class") for g in root.iter(f"{NS}g") if "series" in (g.get("class") or "").split()]
    assert "dashed" not in series[0] and "dashed-1" in series[1]


def test_table_equivalent():
    table = chart_table(_chart())
    assert table.heading == "月份" and table.columns == ["2026 (kWh)", "2025 (kWh)"]
    assert [(r.label, r.cells) for r in table.rows] == [
        ("1月", ["1,200.50", "1,300.00"]), ("2月", ["—", "1,100.00"]), ("3月", ["900.00", "1,000.00"])]


def test_a_series_must_match_its_labels():
    with pytest.raises(ValueError):
        Chart("bar", "t", "d", ["a", "b"], [Series("s", [1])])


def test_the_macro_puts_chart_and_table_together(app):
    with app.test_request_context():
        html = render_template_string('{% from "_charts.html" import chart_figure %}{{ chart_figure(chart) }}', chart=_chart())
    assert html.count("<svg") == 1 and "<table" in html and "<details" in html and "1,200.50" in html
    empty = Chart("bar", "t", "d", ["a"], [Series("s", [None])])
    with app.test_request_context():
        html = render_template_string('{% from "_charts.html" import chart_figure %}{{ chart_figure(chart) }}', chart=empty)
    assert "<svg" not in html


# --- portal.chartsvg: the same charts drawn without pygal ---------------------------------------------


@pytest.mark.parametrize("kind", ["bar", "line", "hbar"])
def test_plain_svg_parses_with_title_description_and_no_script_or_style(app, kind):
    from portal.chartsvg import svg as plain_svg

    root = ET.fromstring(str(plain_svg(_chart(kind), dom_id="c1")))
    assert root.tag == f"{NS}svg" and root.get("role") == "img" and root.get("id") == "c1"
    assert root.get("class") == f"pygal-chart chart--{kind}"  # styled by portal.css as pygal's drawings
    assert root.find(f"{NS}title").text == "用电量（千瓦时）" and root.find(f"{NS}desc").text == "2026 年与 2025 年逐月用电量"
    assert root.get("aria-labelledby") == "c1-title c1-desc"
    tags = {e.tag for e in root.iter()}
    assert f"{NS}script" not in tags and f"{NS}style" not in tags
    assert not any("style" in e.attrib or any(k.startswith("on") for k in e.attrib) for e in root.iter())
    texts = [e.text for e in root.iter(f"{NS}text")]
    assert {"1月", "2月", "3月", "2026", "2025"} <= set(texts)  # the categories and the legend
    assert [e.get("id") for e in root.iter() if e.get("id")] == ["c1", "c1-title", "c1-desc"]
    series = [g for g in root.iter(f"{NS}g") if "series" in (g.get("class") or "").split()]
    assert [g.get("class").split()[2] for g in series] == ["color-0", "color-1"]


def test_plain_svg_lines_are_dashed_dotted_and_broken_where_a_figure_is_missing(app):
    from portal.chartsvg import svg as plain_svg

    root = ET.fromstring(str(plain_svg(_chart("line"), dom_id="c1")))
    first, second = [g for g in root.iter(f"{NS}g") if "series" in (g.get("class") or "").split()]
    assert "dashed" not in first.get("class") and "dashed-1" in second.get("class")
    line, dots = first.findall(f"{NS}path")
    assert line.get("d").count("M") == 2  # February has no figure: the line stops and starts again
    assert dots.get("d").count("h0") == 2 and dots.get("stroke-linecap") == "round"  # a dot per figure
    assert second.findall(f"{NS}path")[1].get("d").count("h0") == 3


def test_plain_svg_bars_start_at_zero_both_ways(app):
    from portal.chartsvg import svg as plain_svg

    chart = Chart("hbar", "t", "d", ["甲", "乙"], [Series("s", [D(-50), D(150)])], unit="¥")
    root = ET.fromstring(str(plain_svg(chart, dom_id="c1")))
    bars = next(p for p in root.iter(f"{NS}path") if "rect" in (p.get("class") or "")).get("d")
    first, second = [segment for segment in bars.split("Z") if segment]
    zero = int(next(p for p in root.iter(f"{NS}path") if p.get("class") == "line").get("d")[1:].split()[0])
    start, end = int(first[1:].split()[0]), int(first.split("H")[1].split("V")[0])
    assert start < end == zero  # the loss runs left of zero
    start, end = int(second[1:].split()[0]), int(second.split("H")[1].split("V")[0])
    assert start == zero < end  # the gain right of it
    texts = [e.text for e in root.iter(f"{NS}text")]
    assert "−50" in texts and "150" in texts  # the value axis reaches both figures
    assert texts.index("甲") < texts.index("乙")  # read top-down like the table
