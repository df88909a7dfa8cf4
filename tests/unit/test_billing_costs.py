"""What each payment method costs the practice, and what the payer sees."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from practicerunner.billing.costs import (
    CostRates,
    MethodCost,
    cost_sentence,
    explain_costs,
    processing_cost,
)
from practicerunner.billing.money import NO_ADJUSTMENT, Adjustment, MoneyError

RATES = CostRates()


def test_it_states_what_a_2000_dollar_payment_costs() -> None:
    # card: 2.9% of $2,000 = $58.00, plus 30 cents; bank: 0.8% = $16.00, capped at $5.00
    assert cost_sentence(200000, RATES) == "A $2,000.00 payment: card $58.30, bank $5.00."


@pytest.mark.parametrize(
    ("amount", "card", "bank"),
    [
        (0, 0, 0),  # nothing collected, nothing charged
        (1, 30, 0),  # 2.9% of a cent rounds to 0; 0.8% too
        (15000, 465, 120),  # $150: 4.35 + 0.30; 1.20
        (12345, 388, 99),  # 2.9% = 358.005 -> 358, + 30; 0.8% = 98.76 -> 99
        (62500, 1843, 500),  # $625: 18.125 -> 18.13 + 0.30; exactly 5.00 = the cap
        (62563, 1844, 500),  # 0.8% = 5.005 -> 5.01, capped at 5.00
        (1_000_000_00, 2_900_030, 500),
    ],
)
def test_it_prices_card_and_bank(amount: int, card: int, bank: int) -> None:
    assert processing_cost(amount, "card", RATES) == card
    assert processing_cost(amount, "bank", RATES) == bank


def test_it_uses_the_practice_rates() -> None:
    rates = CostRates(card_bp=250, card_fixed_cents=10, bank_bp=100, bank_cap_cents=1000)
    assert processing_cost(200000, "card", rates) == 5010
    assert processing_cost(200000, "bank", rates) == 1000
    assert processing_cost(50000, "bank", rates) == 500
    assert cost_sentence(200000, rates) == "A $2,000.00 payment: card $50.10, bank $10.00."


def test_it_refuses_a_negative_amount() -> None:
    with pytest.raises(MoneyError):
        processing_cost(-1, "card", RATES)


def test_it_explains_each_allowed_method_with_discounts_off_the_fee() -> None:
    # given a $150 session, 5% off by bank, $10 off by check or cash
    rows = explain_costs(
        15000,
        RATES,
        bank_discount=Adjustment("percent", 500),
        manual_discount=Adjustment("amount", 1000),
        allowed=["manual", "card", "bank"],
    )
    # then methods come in a fixed order, and no payer ever pays more than the fee
    assert rows == [
        MethodCost("card", "Card", cost_cents=465, discount_cents=0, payer_pays_cents=15000),
        # $142.50 collected: 0.8% = 1.14
        MethodCost(
            "bank",
            "Bank transfer (ACH)",
            cost_cents=114,
            discount_cents=750,
            payer_pays_cents=14250,
        ),
        MethodCost(
            "manual", "Check or cash", cost_cents=0, discount_cents=1000, payer_pays_cents=14000
        ),
    ]


def test_it_lists_only_the_allowed_methods() -> None:
    rows = explain_costs(15000, RATES, Adjustment("amount", 500), NO_ADJUSTMENT, allowed=["bank"])
    assert [(r.method, r.payer_pays_cents) for r in rows] == [("bank", 14500)]
    assert explain_costs(15000, RATES, NO_ADJUSTMENT, NO_ADJUSTMENT, allowed=[]) == []


def test_it_clamps_a_discount_larger_than_the_amount() -> None:
    (row,) = explain_costs(
        1000, RATES, NO_ADJUSTMENT, Adjustment("amount", 5000), allowed=["manual"]
    )
    assert (row.discount_cents, row.payer_pays_cents) == (1000, 0)


def test_it_refuses_an_unknown_method() -> None:
    with pytest.raises(MoneyError, match="crypto"):
        explain_costs(15000, RATES, NO_ADJUSTMENT, NO_ADJUSTMENT, allowed=["card", "crypto"])


rates_strategy = st.builds(
    CostRates,
    card_bp=st.integers(0, 1000),
    card_fixed_cents=st.integers(0, 100),
    bank_bp=st.integers(0, 500),
    bank_cap_cents=st.integers(0, 2000),
)


@given(a=st.integers(0, 10**12), b=st.integers(0, 10**12), rates=rates_strategy)
def test_property_processing_cost_never_falls_as_the_amount_grows(
    a: int, b: int, rates: CostRates
) -> None:
    low, high = sorted((a, b))
    for method in ("card", "bank"):
        assert processing_cost(low, method, rates) <= processing_cost(high, method, rates)  # type: ignore[arg-type]


@given(amount=st.integers(0, 10**12), rates=rates_strategy)
def test_property_bank_never_costs_more_than_its_cap(amount: int, rates: CostRates) -> None:
    assert 0 <= processing_cost(amount, "bank", rates) <= rates.bank_cap_cents


adjustments = st.one_of(
    st.just(NO_ADJUSTMENT),
    st.builds(Adjustment, st.just("amount"), st.integers(0, 10**7)),
    st.builds(Adjustment, st.just("percent"), st.integers(0, 10000)),
)


@given(amount=st.integers(0, 10**9), bank=adjustments, manual=adjustments)
def test_property_a_payer_never_pays_more_than_the_amount(
    amount: int, bank: Adjustment, manual: Adjustment
) -> None:
    for row in explain_costs(amount, RATES, bank, manual, allowed=["card", "bank", "manual"]):
        assert 0 <= row.discount_cents <= amount
        assert row.payer_pays_cents == amount - row.discount_cents
        assert row.cost_cents >= 0
