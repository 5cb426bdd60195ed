"""Reading rules as plain functions: parsing, rollover, replacement spans and anomalies."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.blueprints.utilities.readings import (
    AnomalyKind,
    LineMonth,
    MeterSpan,
    SpanUsage,
    add_months,
    average_use,
    find_anomalies,
    is_jump,
    line_usage,
    month_end,
    parse_reading,
    register_advance,
    span_usage,
)
from tests.utilities.conftest import refused

D = Decimal
MAX = D("100000")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1234.5", D("1234.50")), (" 12,345.67 ", D("12345.67")), ("１２３．４", D("123.40")), ("", None),
     (None, None), (17, D("17.00")), (1234.56, D("1234.56")), (D("0"), D("0.00"))],
)
def test_parse_reading_accepts_what_people_type(raw, expected):
    assert parse_reading(raw, MAX) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [("abc", "Enter a number."), ("-5", "A register reading cannot be negative."),
     ("1.234", "Use at most two decimal places."), ("100000", "The register cannot show this value."),
     ("NaN", "Enter a number."), ("Infinity", "Enter a number."), (True, "Enter a number.")],
)
def test_parse_reading_refuses_what_a_register_cannot_show(raw, message):
    with refused(message):
        parse_reading(raw, MAX)


def test_register_advance_forwards():
    assert register_advance(D("100"), D("250.5"), MAX).amount == D("150.5")
    assert not register_advance(D("100"), D("250.5"), MAX).rolled_over


def test_register_wraps_past_its_maximum():
    advance = register_advance(D("99950"), D("30"), MAX)
    assert advance.amount == D("80") and advance.rolled_over


def test_a_small_drop_is_negative_use_not_a_wrap():
    advance = register_advance(D("5000"), D("4990"), MAX)
    assert advance.amount == D("-10") and not advance.rolled_over


@given(
    st.decimals(min_value=0, max_value=D("99999.99"), places=2),
    st.decimals(min_value=0, max_value=D("49999.99"), places=2),
)
def test_any_forward_movement_under_half_the_register_is_recovered_across_a_wrap(start, used):
    end = (start + used) % MAX
    advance = register_advance(start, end, MAX)
    assert advance.amount == used
    assert advance.rolled_over == (start + used >= MAX)


def test_usage_is_the_advance_times_the_multiplier():
    usage = span_usage(MeterSpan(D("1200.00"), D("1203.50"), 400, MAX))
    assert usage.usage == D("1400.00") and not usage.negative


def test_a_missing_reading_gives_no_usage():
    assert span_usage(MeterSpan(None, D("1"), 1, MAX)).usage is None
    assert span_usage(MeterSpan(D("1"), None, 1, MAX)).usage is None


def test_a_replaced_meter_and_its_successor_add_up_in_the_month():
    # Old meter: last month 8 000, taken out at 8 120 (×1). New meter: put in at 0, read 95 (×1).
    old = span_usage(MeterSpan(D("8000"), D("8120"), 1, MAX))
    new = span_usage(MeterSpan(D("0"), D("95"), 1, MAX))
    assert line_usage([old, new]).usage == D("215")
    assert line_usage([old, SpanUsage(None)]).usage is None


def test_replacement_with_a_different_multiplier():
    old = span_usage(MeterSpan(D("500.00"), D("502.00"), 100, MAX))  # 200 kWh through a 500/5 CT
    new = span_usage(MeterSpan(D("10.00"), D("13.00"), 40, MAX))  # 120 kWh through a 200/5 CT
    assert line_usage([old, new]).usage == D("320.00")


def test_six_month_average_needs_three_months():
    assert average_use([D(10), D(20)]) is None
    assert average_use([D(10), D(20), D(30)]) == D(20)
    assert average_use([D(1000)] + [D(10)] * 6) == D(10)  # only the last six count


def test_jump_over_three_times_the_average():
    history = [D(100)] * 6
    assert is_jump(D(300), history) is None
    assert is_jump(D("300.01"), history) == D(100)
    assert is_jump(D(1000), [D(0)] * 6) is None


def _line(key, usage, parent=None):
    return LineMonth(key, parent, SpanUsage(usage) if usage is not None else SpanUsage(None))


def test_find_anomalies_flags_each_kind():
    lines = [
        _line("main", D(1000)),
        _line("a", D(600), "main"),
        _line("b", D(500), "main"),  # a + b = 1 100 > 1 000
        _line("c", D(-5)),
        _line("d", None),
        _line("e", D(400)),
    ]
    history = {"e": [D(100)] * 6, "a": [D(500)] * 6}
    found = {(a.kind, a.key) for a in find_anomalies(lines, history)}
    assert found == {
        (AnomalyKind.SUBMETERS_EXCEED_PARENT, "main"),
        (AnomalyKind.NEGATIVE, "c"),
        (AnomalyKind.MISSING, "d"),
        (AnomalyKind.JUMP, "e"),
    }
    blocking = {a.key for a in find_anomalies(lines, history) if a.blocking}
    assert blocking == {"c", "d"}


def test_children_exceeding_the_parent_is_not_judged_while_a_child_is_unread():
    lines = [_line("main", D(10)), _line("a", D(50), "main"), _line("b", None, "main")]
    kinds = {a.kind for a in find_anomalies(lines, {})}
    assert kinds == {AnomalyKind.MISSING}


def test_a_quiet_month_has_no_anomalies():
    lines = [_line("main", D(1000)), _line("a", D(400), "main"), _line("b", D(500), "main")]
    assert find_anomalies(lines, {"a": [D(380)] * 6, "b": [D(450)] * 6}) == []


def test_month_arithmetic():
    assert add_months(date(2024, 11, 1), 3) == date(2025, 2, 1)
    assert add_months(date(2025, 1, 1), -1) == date(2024, 12, 1)
    assert month_end(date(2024, 2, 1)) == date(2024, 2, 29)
    assert month_end(date(2025, 12, 1)) == date(2025, 12, 31)
