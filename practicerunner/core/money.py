"""Money: integer cents in storage, Decimal for arithmetic, rounded once and explicitly."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")


class MoneyFormatError(ValueError):
    """The text is not an amount of dollars and cents."""


def parse_dollars(text: str) -> int:
    """'$1,234.5' -> 123450 cents. Refuses more than two decimals and non-numbers."""
    cleaned = text.strip().replace(",", "").removeprefix("$").strip()
    if not cleaned:
        raise MoneyFormatError("Enter an amount, like 150.00.")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation as exc:
        raise MoneyFormatError("Enter an amount in dollars and cents, like 150.00.") from exc
    if not amount.is_finite():
        raise MoneyFormatError("Enter an amount in dollars and cents, like 150.00.")
    if amount != amount.quantize(CENT):
        raise MoneyFormatError("Use at most two digits after the decimal point.")
    return int((amount * 100).to_integral_value())


def format_cents(cents: int) -> str:
    """123450 -> '$1,234.50'; negative amounts get a leading minus."""
    sign = "-" if cents < 0 else ""
    dollars = Decimal(abs(cents)) / 100
    return f"{sign}${dollars.quantize(CENT, rounding=ROUND_HALF_UP):,}"


def cents_to_input(cents: int) -> str:
    """123450 -> '1234.50' (what an edit form shows)."""
    return f"{Decimal(cents) / 100:.2f}"
