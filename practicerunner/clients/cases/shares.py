"""Payer shares: stored in basis points (10,000 is 100%), typed and shown as percent."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from practicerunner.core.validation import FieldError

FULL_SHARE = 10_000  # basis points: 100.00%


def format_share(basis_points: int) -> str:
    """5000 -> '50%', 3333 -> '33.33%', 1250 -> '12.5%'."""
    text = f"{Decimal(basis_points) / 100:.2f}".rstrip("0").rstrip(".")
    return f"{text}%"


def parse_share(text: str) -> int:
    """'33.33' or '33.33%' -> 3333 basis points; more than two decimals is refused."""
    raw = (text or "").strip().removesuffix("%").strip()
    if not raw:
        raise FieldError("Enter a share, like 50.")
    try:
        value = Decimal(raw)
    except InvalidOperation as exc:
        raise FieldError("Enter the share as a number, like 50 or 33.33.") from exc
    if not value.is_finite():
        raise FieldError("Enter the share as a number, like 50 or 33.33.")
    if value != value.quantize(Decimal("0.01")):
        raise FieldError("Use at most two decimals, like 33.33.")
    if value <= 0:
        raise FieldError("A share must be more than 0%.")
    if value > 100:
        raise FieldError("A share cannot be more than 100%.")
    return int(value * 100)
