"""What each way of paying costs the practice, in words a payer can read.

Card and bank (ACH) processors take a fee from the practice; a check or cash costs nothing to
process. A practice may pass part of the saving on as a discount for paying by bank or by
hand. The discount always comes off the listed fee: the payer never pays a surcharge for a
card, which card-network rules and several states restrict.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from practicerunner.billing.money import (
    NO_ADJUSTMENT,
    Adjustment,
    MoneyError,
    discount_cents,
    percent_of,
)
from practicerunner.core.money import format_cents

ProcessedMethod = Literal["card", "bank"]
METHODS: tuple[str, ...] = ("card", "bank", "manual")  # display order
METHOD_LABELS: dict[str, str] = {
    "card": "Card",
    "bank": "Bank transfer (ACH)",
    "manual": "Check or cash",
}


@dataclass(frozen=True)
class CostRates:
    """Processor pricing: card 2.9% + 30¢; bank 0.8% capped at $5.00 (Stripe's US list prices)."""

    card_bp: int = 290
    card_fixed_cents: int = 30
    bank_bp: int = 80
    bank_cap_cents: int = 500


@dataclass(frozen=True)
class MethodCost:
    """One payment method as shown to a payer: the practice's cost and the payer's price."""

    method: str
    label: str
    cost_cents: int
    discount_cents: int
    payer_pays_cents: int


def processing_cost(
    amount_cents: int, method: ProcessedMethod, rates: CostRates = CostRates()
) -> int:
    """The processor's fee for collecting AMOUNT_CENTS by METHOD; 0 for nothing collected.

    Card: the percentage rounded half-up once, plus the fixed fee. Bank: the percentage
    rounded half-up once, at most the cap.
    """
    if amount_cents < 0:
        raise MoneyError("An amount to collect can't be negative.", field="amount")
    if amount_cents == 0:
        return 0
    if method == "card":
        return percent_of(amount_cents, rates.card_bp) + rates.card_fixed_cents
    if method == "bank":
        return min(percent_of(amount_cents, rates.bank_bp), rates.bank_cap_cents)
    raise MoneyError(f"Unknown payment method: {method}.", field="method")


def explain_costs(
    amount_cents: int,
    rates: CostRates,
    bank_discount: Adjustment,
    manual_discount: Adjustment,
    allowed: Sequence[str],
) -> list[MethodCost]:
    """For each allowed method (card, bank, manual, in that order): the discount the payer
    gets, what the payer pays, and what processing that payment costs the practice.

    The processing cost is figured on what is actually collected (the amount less the
    discount), because that is what the processor charges on.
    """
    unknown = [m for m in allowed if m not in METHODS]
    if unknown:
        raise MoneyError(f"Unknown payment method: {unknown[0]}.", field="allowed")
    discounts = {"card": NO_ADJUSTMENT, "bank": bank_discount, "manual": manual_discount}
    rows: list[MethodCost] = []
    for method in METHODS:
        if method not in allowed:
            continue
        off = discount_cents(amount_cents, discounts[method])
        pays = amount_cents - off
        if method == "card":
            cost = processing_cost(pays, "card", rates)
        elif method == "bank":
            cost = processing_cost(pays, "bank", rates)
        else:
            cost = 0  # a check or cash goes through no processor
        rows.append(MethodCost(method, METHOD_LABELS[method], cost, off, pays))
    return rows


def cost_sentence(amount_cents: int, rates: CostRates = CostRates()) -> str:
    """ "A $2,000.00 payment: card $58.30, bank $5.00." — the practice's cost per method."""
    card = processing_cost(amount_cents, "card", rates)
    bank = processing_cost(amount_cents, "bank", rates)
    return (
        f"A {format_cents(amount_cents)} payment: "
        f"card {format_cents(card)}, bank {format_cents(bank)}."
    )
