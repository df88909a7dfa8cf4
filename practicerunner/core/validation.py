"""Shared field validators. Each returns the normalised value or raises FieldError."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from zoneinfo import ZoneInfo, available_timezones

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from practicerunner.core import clock
from practicerunner.core.errors import ValidationFailed
from practicerunner.core.money import MoneyFormatError, parse_dollars

US_STATES = frozenset(
    [
        "AL",
        "AK",
        "AZ",
        "AR",
        "CA",
        "CO",
        "CT",
        "DE",
        "DC",
        "FL",
        "GA",
        "HI",
        "ID",
        "IL",
        "IN",
        "IA",
        "KS",
        "KY",
        "LA",
        "ME",
        "MD",
        "MA",
        "MI",
        "MN",
        "MS",
        "MO",
        "MT",
        "NE",
        "NV",
        "NH",
        "NJ",
        "NM",
        "NY",
        "NC",
        "ND",
        "OH",
        "OK",
        "OR",
        "PA",
        "RI",
        "SC",
        "SD",
        "TN",
        "TX",
        "UT",
        "VT",
        "VA",
        "WA",
        "WV",
        "WI",
        "WY",
        "PR",
        "GU",
        "VI",
        "AS",
        "MP",
    ]
)


class FieldError(ValueError):
    """One field's value is not acceptable; the message is shown beside it."""


class Errors:
    """Collects field errors so a form gets every message at once."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def check(self, name: str, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        """Run FN; on FieldError remember the message under NAME and return None."""
        try:
            return fn(*args, **kwargs)
        except (FieldError, MoneyFormatError) as exc:
            self.errors.setdefault(name, str(exc))
            return None

    def add(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors)


def required(value: str | None, label: str, max_length: int = 200) -> str:
    value = (value or "").strip()
    if not value:
        raise FieldError(f"{label} is required.")
    if len(value) > max_length:
        raise FieldError(f"{label} must be at most {max_length} characters.")
    return value


def optional(value: str | None, label: str, max_length: int = 200) -> str:
    value = (value or "").strip()
    if len(value) > max_length:
        raise FieldError(f"{label} must be at most {max_length} characters.")
    return value


def email(value: str | None, *, is_required: bool = False) -> str:
    """A deliverable-looking address, lower-cased; no DNS look-up (works offline)."""
    value = (value or "").strip()
    if not value:
        if is_required:
            raise FieldError("Email is required.")
        return ""
    try:
        result = validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        raise FieldError("Enter a valid email address, like name@example.com.") from exc
    return result.normalized.lower()


def phone(value: str | None, *, is_required: bool = False) -> str:
    """A valid phone number, stored as E.164 (+15035550142); US numbers need no +1."""
    value = (value or "").strip()
    if not value:
        if is_required:
            raise FieldError("Phone is required.")
        return ""
    try:
        parsed = phonenumbers.parse(value, "US")
    except phonenumbers.NumberParseException as exc:
        raise FieldError("Enter a valid phone number, like (503) 555-0142.") from exc
    if not phonenumbers.is_possible_number(parsed) or not phonenumbers.is_valid_number(parsed):
        raise FieldError("Enter a valid phone number, like (503) 555-0142.")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def format_phone(e164: str) -> str:
    """+15035550142 -> (503) 555-0142; other countries in international form."""
    if not e164:
        return ""
    try:
        parsed = phonenumbers.parse(e164, "US")
    except phonenumbers.NumberParseException:
        return e164
    fmt = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if parsed.country_code == 1
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(parsed, fmt)


def past_date(value: str | date | None, label: str = "Date of birth") -> date:
    """An ISO date (YYYY-MM-DD) that is not in the future and not absurdly old."""
    if isinstance(value, date):
        parsed = value
    else:
        raw = (value or "").strip()
        if not raw:
            raise FieldError(f"{label} is required.")
        try:
            parsed = date.fromisoformat(raw)
        except ValueError as exc:
            raise FieldError(f"Enter {label.lower()} as a date, like 1985-04-23.") from exc
    today = clock.now().date()
    if parsed > today:
        raise FieldError(f"{label} cannot be in the future.")
    if parsed.year < today.year - 130:
        raise FieldError(f"{label} is too far in the past.")
    return parsed


def us_state(value: str | None, *, is_required: bool = False) -> str:
    value = (value or "").strip().upper()
    if not value:
        if is_required:
            raise FieldError("State is required.")
        return ""
    if value not in US_STATES:
        raise FieldError("Use the two-letter state code, like OR.")
    return value


def postal_code(value: str | None) -> str:
    value = (value or "").strip()
    if value and not re.fullmatch(r"\d{5}(-\d{4})?", value):
        raise FieldError("Enter a ZIP code like 97205 or 97205-1234.")
    return value


def npi(value: str | None) -> str:
    """A National Provider Identifier: 10 digits with a valid Luhn check digit (prefix 80840)."""
    value = (value or "").strip()
    if not value:
        return ""
    if not re.fullmatch(r"\d{10}", value):
        raise FieldError("An NPI is 10 digits.")
    digits = "80840" + value
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    if total % 10 != 0:
        raise FieldError("That NPI's check digit is wrong; check for a typo.")
    return value


def tax_id(value: str | None) -> str:
    """An EIN, stored as 12-3456789."""
    value = (value or "").strip()
    if not value:
        return ""
    digits = re.sub(r"\D", "", value)
    if len(digits) != 9 or not re.fullmatch(r"[\d\s-]+", value):
        raise FieldError("Enter the tax ID (EIN) as 9 digits, like 12-3456789.")
    return f"{digits[:2]}-{digits[2:]}"


def cpt_code(value: str | None) -> str:
    """A CPT code: five characters, four digits then a digit, F, T or U (e.g. 90837)."""
    value = (value or "").strip().upper()
    if not re.fullmatch(r"\d{4}[0-9FTU]", value):
        raise FieldError("A CPT code is 5 characters, like 90837.")
    return value


def fee(value: str | None) -> int:
    """Dollars and cents text to cents, never negative."""
    try:
        cents = parse_dollars(value or "")
    except MoneyFormatError as exc:
        raise FieldError(str(exc)) from exc
    if cents < 0:
        raise FieldError("A fee cannot be negative.")
    if cents > 10_000_000:
        raise FieldError("That fee is too large.")
    return cents


def whole_number(value: str | int | None, label: str, minimum: int, maximum: int) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError) as exc:
        raise FieldError(f"{label} must be a whole number.") from exc
    if not minimum <= number <= maximum:
        raise FieldError(f"{label} must be between {minimum} and {maximum}.")
    return number


def timezone(value: str | None) -> str:
    value = (value or "").strip()
    if value not in available_timezones():
        raise FieldError("Choose a timezone from the list.")
    ZoneInfo(value)
    return value


def choice(value: str | None, allowed: type, label: str):  # type: ignore[no-untyped-def]
    """One of the values of the StrEnum ALLOWED."""
    try:
        return allowed((value or "").strip())
    except ValueError as exc:
        raise FieldError(f"Choose a {label.lower()}.") from exc


def name_key(value: str) -> str:
    """Lower-case, accent-free form of a name for matching."""
    decomposed = unicodedata.normalize("NFKD", value.strip().lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def password(value: str | None) -> str:
    value = value or ""
    if len(value) < 12:
        raise FieldError("Use at least 12 characters for the password.")
    if len(value) > 256:
        raise FieldError("That password is too long.")
    return value
