"""Money: integer cents in storage, Decimal for arithmetic, rounded once and explicitly."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


class MoneyFormatError(ValueError):
    """The text is not an amount of dollars and cents."""


_AMOUNT = re.compile(r"(?P<sign>-?)\$?(?P<number>\d+(\.\d*)?|\.\d+)")
MAX_CENTS = 10**15  # far above any fee or balance; keeps integers exact everywhere


def parse_dollars(text: str) -> int:
    """'$1,234.5' -> 123450 cents; '-$0.01' -> -1. Refuses exponents and more than two decimals."""
    cleaned = text.strip().replace(",", "").replace(" ", "")
    if not cleaned:
        raise MoneyFormatError("Enter an amount, like 150.00.")
    if cleaned.startswith("$-"):
        cleaned = "-$" + cleaned[2:]
    match = _AMOUNT.fullmatch(cleaned)
    if match is None:
        raise MoneyFormatError("Enter an amount in dollars and cents, like 150.00.")
    if len(match["number"].split(".")[0]) > 13:
        raise MoneyFormatError("That amount is too large.")
    amount = Decimal(match["number"])
    if amount != amount.quantize(CENT):
        raise MoneyFormatError("Use at most two digits after the decimal point.")
    cents = int((amount * 100).to_integral_value())
    if cents >= MAX_CENTS:
        raise MoneyFormatError("That amount is too large.")
    return -cents if match["sign"] else cents


def format_cents(cents: int) -> str:
    """123450 -> '$1,234.50'; negative amounts get a leading minus."""
    sign = "-" if cents < 0 else ""
    dollars = Decimal(abs(cents)) / 100
    return f"{sign}${dollars.quantize(CENT, rounding=ROUND_HALF_UP):,}"


def cents_to_input(cents: int) -> str:
    """123450 -> '1234.50' (what an edit form shows)."""
    return f"{Decimal(cents) / 100:.2f}"
