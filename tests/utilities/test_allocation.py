"""``allocate_bill``: worked examples and properties that hold for any input."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.blueprints.utilities.allocation import (
    allocate_bill,
    effective_rate,
    largest_remainder,
)

D = Decimal


def test_units_pay_their_metered_use_plus_a_share_of_the_remainder():
    # 1 000 kWh invoiced for ¥800: 0.80 ¥/kWh. Units used 300 + 500; 200 kWh of
    # common areas and loss (¥160) is shared 1:3 by floor area.
    shares = allocate_bill(D("800.00"), D("1000"), {1: D("300"), 2: D("500")}, {1: D("30"), 2: D("90")})
    assert shares[1].metered == D("240.00") and shares[1].shared == D("40.00") and shares[1].total == D("280.00")
    assert shares[2].metered == D("400.00") and shares[2].shared == D("120.00") and shares[2].total == D("520.00")


def test_remainder_is_shared_equally_when_every_weight_is_zero():
    shares = allocate_bill(D("100.00"), D("100"), {1: D("40"), 2: D("0")}, {1: D("0"), 2: D("0")})
    assert shares[1].total == D("70.00") and shares[2].total == D("30.00")


def test_largest_remainder_gives_the_odd_fen_to_the_largest_fractions():
    # ¥100 over three equal weights: 33.333… each; one fen is left over.
    shares = allocate_bill(D("100.00"), D("1"), {}, {7: D("1"), 3: D("1"), 5: D("1")})
    totals = sorted(s.total for s in shares.values())
    assert totals == [D("33.33"), D("33.33"), D("33.34")]
    assert shares[3].total == D("33.34")  # a tie goes to the smallest key, whatever the order


def test_a_unit_without_usage_or_weight_still_appears_with_zero():
    shares = allocate_bill(D("50.00"), D("10"), {1: D("10")}, {1: D("1"), 2: D("0")})
    assert shares[1].total == D("50.00") and shares[2].total == D("0.00")


def test_submeters_above_the_invoice_split_the_whole_amount_by_use():
    shares = allocate_bill(D("90.00"), D("100"), {1: D("100"), 2: D("50")}, {1: D("1"), 2: D("1")})
    assert shares[1].total == D("60.00") and shares[2].total == D("30.00")
    assert all(s.shared == D("0.00") for s in shares.values())


def test_metered_part_never_exceeds_the_rounded_total():
    shares = allocate_bill(D("0.01"), D("3"), {1: D("1"), 2: D("1"), 3: D("1")}, {})
    assert sum(s.total for s in shares.values()) == D("0.01")
    for share in shares.values():
        assert share.metered <= share.total and share.shared >= 0


def test_effective_rate():
    assert effective_rate(D("1234.56"), D("1571.9")) == D("0.7854")
    assert effective_rate(D("10.00"), D("0")) is None


@pytest.mark.parametrize(
    ("args", "error"),
    [
        ((D("-1.00"), D("1"), {1: D("1")}, {}), ValueError),
        ((D("1.001"), D("1"), {1: D("1")}, {}), ValueError),
        ((D("1.00"), D("1"), {1: D("-1")}, {}), ValueError),
        ((D("1.00"), D("1"), {}, {1: D("-2")}), ValueError),
        ((D("1.00"), D("1"), {}, {}), ValueError),
        ((1.0, D("1"), {1: D("1")}, {}), TypeError),
        ((D("NaN"), D("1"), {1: D("1")}, {}), TypeError),
    ],
)
def test_bad_input_is_refused(args, error):
    with pytest.raises(error):
        allocate_bill(*args)


def test_largest_remainder_refuses_amounts_that_do_not_add_up():
    from fractions import Fraction

    with pytest.raises(ValueError):
        largest_remainder({1: Fraction(1, 2)}, 5)


# --- properties -----------------------------------------------------------

amounts = st.decimals(min_value=0, max_value=10_000_000, places=2, allow_nan=False, allow_infinity=False)
quantities = st.decimals(min_value=0, max_value=1_000_000, places=2, allow_nan=False, allow_infinity=False)
unit_ids = st.lists(st.integers(min_value=1, max_value=500), min_size=1, max_size=40, unique=True)


@st.composite
def bills(draw):
    units = draw(unit_ids)
    usage = {u: draw(quantities) for u in units if draw(st.booleans()) or len(units) == 1}
    weights = {u: draw(quantities) for u in units}
    amount = draw(amounts)
    consumption = draw(st.one_of(quantities, st.just(sum(usage.values(), D(0)))))
    return amount, consumption, usage, weights


@settings(max_examples=300, deadline=None)
@given(bills())
def test_shares_sum_exactly_to_the_invoice_and_are_never_negative(bill):
    amount, consumption, usage, weights = bill
    shares = allocate_bill(amount, consumption, usage, weights)
    assert set(shares) == set(usage) | set(weights)
    assert sum(s.total for s in shares.values()) == amount
    for share in shares.values():
        assert share.total >= 0 and share.metered >= 0 and share.shared >= 0
        assert share.metered + share.shared == share.total
        assert share.total == share.total.quantize(D("0.01"))


@settings(max_examples=200, deadline=None)
@given(bills(), st.randoms(use_true_random=False))
def test_result_does_not_depend_on_the_order_of_the_units(bill, rng):
    amount, consumption, usage, weights = bill
    expected = allocate_bill(amount, consumption, usage, weights)
    usage_items, weight_items = list(usage.items()), list(weights.items())
    rng.shuffle(usage_items)
    rng.shuffle(weight_items)
    assert allocate_bill(amount, consumption, dict(usage_items), dict(weight_items)) == expected


@settings(max_examples=200, deadline=None)
@given(bills())
def test_each_unit_pays_at_least_its_metered_use_at_the_effective_rate_less_a_fen(bill):
    amount, consumption, usage, weights = bill
    total_usage = sum(usage.values(), D(0))
    shares = allocate_bill(amount, consumption, usage, weights)
    if consumption > 0 and total_usage <= consumption:
        for unit, used in usage.items():
            exact = amount * used / consumption
            assert shares[unit].total >= exact - D("0.01")


@settings(max_examples=200, deadline=None)
@given(unit_ids, amounts)
def test_equal_weights_differ_by_at_most_one_fen(units, amount):
    shares = allocate_bill(amount, D("1"), {}, {u: D(1) for u in units})
    totals = [s.total for s in shares.values()]
    assert max(totals) - min(totals) <= D("0.01")
