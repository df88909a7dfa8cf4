"""Billing arithmetic: splits between payers, discounts, missed-session fees."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from practicerunner.billing.money import (
    NO_ADJUSTMENT,
    Adjustment,
    MoneyError,
    discount_cents,
    missed_session_fee,
    percent_of,
    split_by_shares,
    validate_discount,
)
from practicerunner.core.errors import DomainError

# --- splitting a charge between payers ----------------------------------------------------


@pytest.mark.parametrize(
    ("total", "shares", "expected"),
    [
        # $150.01 split 50/50: the earlier payer gets the odd cent.
        (15001, [("alice", 5000), ("bob", 5000)], [("alice", 7501), ("bob", 7500)]),
        # Same amount as a credit: the magnitudes split the same way.
        (-15001, [("alice", 5000), ("bob", 5000)], [("alice", -7501), ("bob", -7500)]),
        # $100.00 in thirds (33.33% / 33.33% / 33.34%).
        (10000, [("a", 3333), ("b", 3333), ("c", 3334)], [("a", 3333), ("b", 3333), ("c", 3334)]),
        # 1 cent three ways: the largest remainder (c, 0.3334) wins, not input order.
        (1, [("a", 3333), ("b", 3333), ("c", 3334)], [("a", 0), ("b", 0), ("c", 1)]),
        # 2 cents three ways: c first (0.6668), then a beats b on the tie (0.6666 each).
        (2, [("a", 3333), ("b", 3333), ("c", 3334)], [("a", 1), ("b", 0), ("c", 1)]),
        # 70/30 of $99.99 = 69.993 / 29.997 -> 69.99 / 30.00.
        (9999, [("mum", 7000), ("dad", 3000)], [("mum", 6999), ("dad", 3000)]),
        (0, [("a", 2500), ("b", 7500)], [("a", 0), ("b", 0)]),
        (12345, [("only", 10000)], [("only", 12345)]),
    ],
)
def test_it_splits_a_charge_to_the_cent(
    total: int, shares: list[tuple[str, int]], expected: list[tuple[str, int]]
) -> None:
    assert split_by_shares(total, shares) == expected


@pytest.mark.parametrize(
    ("shares", "message"),
    [
        ([("a", 5000), ("b", 4999)], "Shares must add up to 100%."),
        ([("a", 5000), ("b", 5001)], "Shares must add up to 100%."),
        ([("a", 10000), ("b", 0)], "Each payer's share must be more than 0%."),
        ([("a", 12000), ("b", -2000)], "Each payer's share must be more than 0%."),
        ([], "Add at least one payer."),
    ],
)
def test_it_refuses_shares_that_are_not_a_whole(
    shares: list[tuple[str, int]], message: str
) -> None:
    with pytest.raises(MoneyError) as caught:
        split_by_shares(10000, shares)
    assert str(caught.value) == message
    # The edge translates it like any other domain rule.
    assert isinstance(caught.value, DomainError)
    assert isinstance(caught.value, ValueError)


@st.composite
def share_lists(draw: st.DrawFn) -> list[tuple[int, int]]:
    """1..6 positive basis-point shares summing to 10000, keyed by position."""
    count = draw(st.integers(1, 6))
    cuts = sorted(
        draw(st.lists(st.integers(1, 9999), min_size=count - 1, max_size=count - 1, unique=True))
    )
    bounds = [0, *cuts, 10000]
    return [(i, bounds[i + 1] - bounds[i]) for i in range(count)]


@given(total=st.integers(-(10**12), 10**12), shares=share_lists())
def test_property_a_split_adds_up_and_each_part_is_within_a_cent(
    total: int, shares: list[tuple[int, int]]
) -> None:
    parts = split_by_shares(total, shares)
    assert [key for key, _ in parts] == [key for key, _ in shares]
    assert sum(amount for _, amount in parts) == total
    for (_, bp), (_, amount) in zip(shares, parts, strict=True):
        exact = Fraction(total * bp, 10000)
        assert abs(amount - exact) < 1  # the floor or the ceiling of the exact share


@given(total=st.integers(0, 10**12), shares=share_lists())
def test_property_a_credit_mirrors_the_charge(total: int, shares: list[tuple[int, int]]) -> None:
    charge = split_by_shares(total, shares)
    credit = split_by_shares(-total, shares)
    assert credit == [(key, -amount) for key, amount in charge]


# --- percentages ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cents", "bp", "expected"),
    [
        (15000, 1000, 1500),  # 10% of $150
        (15050, 1000, 1505),  # 10% of $150.50
        (5, 1000, 1),  # 0.5 cent rounds half-up
        (4, 1000, 0),  # 0.4 cent rounds down
        (-5, 1000, -1),  # half-up is away from zero, so credits mirror charges
        (12345, 1250, 1543),  # 12.5% of $123.45 = 15.43125
        (99, 5000, 50),  # 49.5 -> 50
        (200000, 290, 5800),
    ],
)
def test_it_takes_a_percentage_rounding_half_up_once(cents: int, bp: int, expected: int) -> None:
    assert percent_of(cents, bp) == expected


# --- reading discounts from a form ----------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "text", "expected"),
    [
        ("amount", "15", Adjustment("amount", 1500)),
        ("amount", "15.50", Adjustment("amount", 1550)),
        ("amount", "$1,015.5", Adjustment("amount", 101550)),
        ("amount", " 0 ", Adjustment("amount", 0)),
        ("percent", "10%", Adjustment("percent", 1000)),
        ("percent", "10", Adjustment("percent", 1000)),
        ("percent", "12.5 %", Adjustment("percent", 1250)),
        ("percent", "100%", Adjustment("percent", 10000)),
        ("percent", "0.01", Adjustment("percent", 1)),
        ("Percent", "33.33", Adjustment("percent", 3333)),
        ("none", "whatever was left in the hidden field", NO_ADJUSTMENT),
    ],
)
def test_it_reads_what_the_user_typed(kind: str, text: str, expected: Adjustment) -> None:
    assert Adjustment.parse(kind, text) == expected


@pytest.mark.parametrize(
    ("kind", "text", "message"),
    [
        ("amount", "-5", "A discount can't be negative."),
        ("percent", "-5%", "A discount can't be negative."),
        ("percent", "150%", "A percentage can't be above 100%."),
        ("percent", "100.01", "A percentage can't be above 100%."),
        ("percent", "12.345%", "Use at most two digits after the decimal point."),
        ("percent", "", "Enter a percentage, like 10%."),
        ("percent", "%", "Enter a percentage, like 10%."),
        ("percent", "ten", "Enter a percentage as a number, like 10 or 12.5."),
        ("percent", "1e2", "Enter a percentage as a number, like 10 or 12.5."),
        ("percent", "nan", "Enter a percentage as a number, like 10 or 12.5."),
        ("amount", "", "Enter an amount, like 150.00."),
        ("amount", "15.505", "Use at most two digits after the decimal point."),
        ("amount", "10%", "Enter an amount in dollars, like 15.00, or choose a percentage."),
        ("bonus", "5", "Choose none, an amount or a percentage."),
    ],
)
def test_it_explains_what_is_wrong_with_a_discount(kind: str, text: str, message: str) -> None:
    with pytest.raises(MoneyError) as caught:
        Adjustment.parse(kind, text)
    assert str(caught.value) == message


def test_it_names_the_missed_session_fee_in_its_messages() -> None:
    with pytest.raises(MoneyError, match=r"^A missed-session fee can't be negative\.$"):
        Adjustment.parse("amount", "-1", what="missed-session fee")


@pytest.mark.parametrize(
    ("kind", "value"),
    [("percent", 10001), ("amount", -1), ("none", 5), ("surcharge", 100)],
)
def test_it_refuses_to_build_a_nonsense_rule(kind: str, value: int) -> None:
    with pytest.raises(MoneyError):
        Adjustment(kind, value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("adjustment", "shown", "input_text"),
    [
        (NO_ADJUSTMENT, "none", ""),
        (Adjustment("amount", 1550), "$15.50", "15.50"),
        (Adjustment("percent", 1250), "12.5%", "12.5"),
        (Adjustment("percent", 1000), "10%", "10"),
        (Adjustment("percent", 5), "0.05%", "0.05"),
    ],
)
def test_it_shows_a_rule_and_reads_its_own_input_back(
    adjustment: Adjustment, shown: str, input_text: str
) -> None:
    assert adjustment.describe() == shown
    assert adjustment.to_input() == input_text
    assert Adjustment.parse(adjustment.kind, adjustment.to_input()) == adjustment


# --- discounts and missed-session fees ------------------------------------------------------


@pytest.mark.parametrize(
    ("fee", "discount", "expected"),
    [
        (15000, NO_ADJUSTMENT, 0),
        (15000, Adjustment("amount", 1500), 1500),
        (15000, Adjustment("amount", 20000), 15000),  # clamped, never more than the fee
        (15000, Adjustment("percent", 1000), 1500),
        (12345, Adjustment("percent", 500), 617),  # 617.25
        (10050, Adjustment("percent", 50), 50),  # 50.25
        (101, Adjustment("percent", 5000), 51),  # 50.5 -> 51, half-up
        (15000, Adjustment("percent", 10000), 15000),
        (0, Adjustment("amount", 1500), 0),
    ],
)
def test_it_takes_a_discount_off_a_fee(fee: int, discount: Adjustment, expected: int) -> None:
    assert discount_cents(fee, discount) == expected


def test_it_refuses_a_fixed_discount_larger_than_the_fee() -> None:
    with pytest.raises(MoneyError, match=r"^The discount is larger than the fee\.$"):
        validate_discount(15000, Adjustment("amount", 15001))
    # as large as the fee, or any percentage, is fine
    validate_discount(15000, Adjustment("amount", 15000))
    validate_discount(15000, Adjustment("percent", 10000))
    validate_discount(15000, NO_ADJUSTMENT)


@pytest.mark.parametrize(
    ("fee", "policy", "expected"),
    [
        (15000, NO_ADJUSTMENT, 0),
        (15000, Adjustment("amount", 7500), 7500),
        (15000, Adjustment("amount", 20000), 15000),  # never more than the session
        (15000, Adjustment("percent", 10000), 15000),
        (15000, Adjustment("percent", 5000), 7500),
        (12501, Adjustment("percent", 5000), 6251),  # 6250.5 -> 6251
    ],
)
def test_it_charges_a_missed_session(fee: int, policy: Adjustment, expected: int) -> None:
    assert missed_session_fee(fee, policy) == expected


adjustments = st.one_of(
    st.just(NO_ADJUSTMENT),
    st.builds(Adjustment, st.just("amount"), st.integers(0, 10**9)),
    st.builds(Adjustment, st.just("percent"), st.integers(0, 10000)),
)


@given(fee=st.integers(0, 10**12), discount=adjustments)
def test_property_a_discount_is_never_negative_nor_above_the_fee(
    fee: int, discount: Adjustment
) -> None:
    off = discount_cents(fee, discount)
    assert 0 <= off <= fee
    if discount.kind == "percent":
        # rounded once: within half a cent of the exact percentage
        assert abs(off - Fraction(fee * discount.value, 10000)) <= Fraction(1, 2)


@given(fee=st.integers(0, 10**12), policy=adjustments)
def test_property_a_missed_session_never_costs_more_than_the_session(
    fee: int, policy: Adjustment
) -> None:
    assert 0 <= missed_session_fee(fee, policy) <= fee


@given(fee=st.integers(0, 10**12), a=st.integers(0, 10000), b=st.integers(0, 10000))
def test_property_a_bigger_percentage_never_gives_a_smaller_discount(
    fee: int, a: int, b: int
) -> None:
    low, high = sorted((a, b))
    assert discount_cents(fee, Adjustment("percent", low)) <= discount_cents(
        fee, Adjustment("percent", high)
    )
