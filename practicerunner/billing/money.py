"""Billing arithmetic: splitting a charge between payers, discounts, missed-session fees.

Pure functions on integer cents. Amounts and percentages are turned into Decimal for the
arithmetic and rounded once, explicitly, half-up (a percentage of a fee) or by the
largest-remainder method (a split that must add back up to the total to the cent).
Percentages are integer basis points: 10000 = 100%, 1250 = 12.5%.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Literal, TypeVar

from practicerunner.core.errors import DomainError
from practicerunner.core.money import MoneyFormatError, format_cents, parse_dollars

K = TypeVar("K")

FULL = 10_000  # basis points in 100%
AdjustmentKind = Literal["none", "amount", "percent"]
_KINDS: tuple[AdjustmentKind, ...] = ("none", "amount", "percent")


class MoneyError(DomainError, ValueError):
    """An amount, share or percentage is not acceptable; the message is shown to the user.

    A DomainError so the edge translates it like any other rule, and a ValueError as callers
    of pure arithmetic expect.
    """

    def __init__(self, message: str, field: str | None = None, code: str = "invalid_money") -> None:
        super().__init__(code, message, field)


def percent_of(cents: int, basis_points: int) -> int:
    """CENTS * BASIS_POINTS / 10000, rounded half-up (away from zero) once."""
    exact = Decimal(cents) * Decimal(basis_points) / Decimal(FULL)
    return int(exact.to_integral_value(rounding=ROUND_HALF_UP))


def split_by_shares(total_cents: int, shares: Sequence[tuple[K, int]]) -> list[tuple[K, int]]:
    """Split TOTAL_CENTS between payers by basis-point shares, exactly to the cent.

    Largest-remainder method: each payer first gets the floor of its exact share; the cents
    left over (fewer than the number of payers) go one each to the payers with the largest
    fractional remainders, the earlier payer winning a tie. So every part is the floor or the
    ceiling of its exact share and the parts add up to the total. A negative total (a credit)
    is split as its magnitude and the sign put back, so a refund mirrors the charge.
    """
    if not shares:
        raise MoneyError("Add at least one payer.", field="shares")
    if any(bp <= 0 for _, bp in shares):
        raise MoneyError("Each payer's share must be more than 0%.", field="shares")
    if sum(bp for _, bp in shares) != FULL:
        raise MoneyError("Shares must add up to 100%.", field="shares")

    sign = -1 if total_cents < 0 else 1
    magnitude = abs(total_cents)
    # Integer arithmetic is exact here: magnitude * bp = floor * 10000 + remainder.
    floors = [magnitude * bp // FULL for _, bp in shares]
    remainders = [magnitude * bp % FULL for _, bp in shares]
    left_over = magnitude - sum(floors)
    # Stable order: largest remainder first, input order among equals.
    by_remainder = sorted(range(len(shares)), key=lambda i: -remainders[i])
    for i in by_remainder[:left_over]:
        floors[i] += 1
    return [(key, sign * part) for (key, _), part in zip(shares, floors, strict=True)]


@dataclass(frozen=True)
class Adjustment:
    """A discount or fee rule: nothing, a fixed amount (cents) or a percentage (basis points)."""

    kind: AdjustmentKind
    value: int

    def __post_init__(self) -> None:
        # Rows come from the database and forms alike; refuse a nonsense rule at the door
        # rather than let it produce a negative or over-100% amount somewhere downstream.
        if self.kind not in _KINDS:
            raise MoneyError("Choose none, an amount or a percentage.", field="kind")
        if self.kind == "none" and self.value != 0:
            raise MoneyError("Choose an amount or a percentage to enter a value.", field="kind")
        if self.value < 0:
            raise MoneyError("A discount can't be negative.", field="value")
        if self.kind == "percent" and self.value > FULL:
            raise MoneyError("A percentage can't be above 100%.", field="value")

    @classmethod
    def parse(cls, kind: str, text: str, *, what: str = "discount") -> Adjustment:
        """Read a form: KIND is none/amount/percent; TEXT is "15", "$15.50", "10" or "12.5%".

        For kind "none" the text is ignored (a hidden field keeps what the user typed).
        WHAT names the thing in messages ("discount", "missed-session fee").
        """
        kind = kind.strip().lower()
        if kind not in _KINDS:
            raise MoneyError("Choose none, an amount or a percentage.", field="kind")
        if kind == "none":
            return NO_ADJUSTMENT
        cleaned = text.strip()
        if kind == "amount":
            if cleaned.endswith("%"):
                raise MoneyError(
                    "Enter an amount in dollars, like 15.00, or choose a percentage.",
                    field="value",
                )
            try:
                cents = parse_dollars(cleaned)
            except MoneyFormatError as exc:
                raise MoneyError(str(exc), field="value") from exc
            if cents < 0:
                raise MoneyError(f"{_article(what)} can't be negative.", field="value")
            return cls("amount", cents)
        return cls("percent", _parse_percent(cleaned, what))

    def describe(self) -> str:
        """How the rule reads on a screen: "none", "$15.00" or "12.5%"."""
        if self.kind == "none":
            return "none"
        if self.kind == "amount":
            return format_cents(self.value)
        return f"{_percent_text(self.value)}%"

    def to_input(self) -> str:
        """The text an edit form shows for the value ("" for none, "15.00", "12.5")."""
        if self.kind == "none":
            return ""
        if self.kind == "amount":
            return f"{Decimal(self.value) / 100:.2f}"
        return _percent_text(self.value)


NO_ADJUSTMENT = Adjustment("none", 0)


def _article(what: str) -> str:
    noun = what.strip() or "discount"
    article = "An" if noun[0].lower() in "aeiou" else "A"
    return f"{article} {noun}"


def _percent_text(basis_points: int) -> str:
    """1250 -> "12.5", 1000 -> "10", 1 -> "0.01"."""
    text = f"{Decimal(basis_points) / 100:.2f}"
    return text.rstrip("0").rstrip(".")


def _parse_percent(text: str, what: str) -> int:
    """ "12.5%" or "12.5" -> 1250 basis points; at most two decimals, 0..100."""
    cleaned = text.removesuffix("%").strip().replace(" ", "")
    if not cleaned:
        raise MoneyError("Enter a percentage, like 10%.", field="value")
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or "e" in cleaned.lower():
        raise MoneyError("Enter a percentage as a number, like 10 or 12.5.", field="value")
    if number < 0:
        raise MoneyError(f"{_article(what)} can't be negative.", field="value")
    if number > 100:
        raise MoneyError("A percentage can't be above 100%.", field="value")
    basis_points = number * 100
    if basis_points != basis_points.to_integral_value():
        raise MoneyError("Use at most two digits after the decimal point.", field="value")
    return int(basis_points)


def discount_cents(fee_cents: int, discount: Adjustment) -> int:
    """The discount off FEE_CENTS, always between 0 and the fee.

    A fixed amount larger than the fee is clamped to the fee here (use validate_discount to
    refuse it when the rule is set); a percentage is rounded half-up once.
    """
    if fee_cents < 0:
        raise MoneyError("A fee can't be negative.", field="fee")
    if discount.kind == "none":
        return 0
    if discount.kind == "amount":
        return min(discount.value, fee_cents)
    return min(percent_of(fee_cents, discount.value), fee_cents)


def validate_discount(fee_cents: int, discount: Adjustment) -> None:
    """Refuse a fixed discount larger than the fee it applies to."""
    if discount.kind == "amount" and discount.value > fee_cents:
        raise MoneyError("The discount is larger than the fee.", field="value")


def missed_session_fee(fee_cents: int, policy: Adjustment) -> int:
    """What a no-show or late cancellation costs: nothing, a flat amount (at most the
    session fee) or a percentage of the fee rounded half-up once."""
    if fee_cents < 0:
        raise MoneyError("A fee can't be negative.", field="fee")
    if policy.kind == "none":
        return 0
    if policy.kind == "amount":
        return min(policy.value, fee_cents)
    return percent_of(fee_cents, policy.value)
