"""The shared field validators and money helpers, as tables of inputs and outcomes."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from practicerunner.core import validation as v
from practicerunner.core.clock import frozen_at
from practicerunner.core.money import MoneyFormatError, cents_to_input, format_cents, parse_dollars


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1234567893", "1234567893"), (" 1245319599 ", "1245319599"), ("", "")],
)
def test_it_accepts_npis_with_a_valid_luhn_digit(raw, expected):
    assert v.npi(raw) == expected


@pytest.mark.parametrize("raw", ["1234567890", "123456789", "12345678901", "12345678a3"])
def test_it_refuses_bad_npis(raw):
    with pytest.raises(v.FieldError):
        v.npi(raw)


@pytest.mark.parametrize(
    ("raw", "expected"), [("123456789", "12-3456789"), ("12-3456789", "12-3456789"), ("", "")]
)
def test_it_normalises_tax_ids(raw, expected):
    assert v.tax_id(raw) == expected


@pytest.mark.parametrize("raw", ["12345678", "1234567890", "12/3456789", "ab-cdefghi"])
def test_it_refuses_bad_tax_ids(raw):
    with pytest.raises(v.FieldError):
        v.tax_id(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("90837", "90837"), (" 90834 ", "90834"), ("0001f", "0001F"), ("0591T", "0591T")],
)
def test_it_accepts_cpt_codes(raw, expected):
    assert v.cpt_code(raw) == expected


@pytest.mark.parametrize("raw", ["", "9083", "908370", "A0837", "9083X", None])
def test_it_refuses_bad_cpt_codes(raw):
    with pytest.raises(v.FieldError):
        v.cpt_code(raw)


@pytest.mark.parametrize(
    ("raw", "cents"),
    [("150", 15000), ("150.00", 15000), ("$1,234.5", 123450), ("0", 0), (" 99.99 ", 9999)],
)
def test_it_turns_fee_text_into_cents(raw, cents):
    assert v.fee(raw) == cents


@pytest.mark.parametrize("raw", ["-1", "-0.01", "abc", "", "1.005", "NaN", "Infinity", "200000"])
def test_it_refuses_bad_fees(raw):
    with pytest.raises(v.FieldError):
        v.fee(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("(503) 555-0142", "+15035550142"),
        ("503.555.0142", "+15035550142"),
        ("+44 20 7946 0958", "+442079460958"),
        ("", ""),
    ],
)
def test_it_stores_phones_as_e164(raw, expected):
    assert v.phone(raw) == expected


@pytest.mark.parametrize("raw", ["555-0142", "123", "phone me", "(000) 555-0142"])
def test_it_refuses_bad_phones(raw):
    with pytest.raises(v.FieldError):
        v.phone(raw)


def test_a_required_phone_must_be_given():
    with pytest.raises(v.FieldError, match="required"):
        v.phone("", is_required=True)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("Ana@Example.COM", "ana@example.com"), (" a.b+c@example.org ", "a.b+c@example.org")],
)
def test_it_lower_cases_emails(raw, expected):
    assert v.email(raw) == expected


@pytest.mark.parametrize("raw", ["ana", "ana@", "@example.com", "ana@@example.com", "a b@x.com"])
def test_it_refuses_bad_emails(raw):
    with pytest.raises(v.FieldError):
        v.email(raw)


TODAY = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1985-04-23", date(1985, 4, 23)), ("2026-11-02", date(2026, 11, 2))],
)
def test_it_accepts_past_dates(raw, expected):
    with frozen_at(TODAY):
        assert v.past_date(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("2026-11-03", "future"),
        ("1890-01-01", "too far"),
        ("23/04/1985", "like 1985-04-23"),
        ("", "required"),
    ],
)
def test_it_refuses_bad_past_dates(raw, message):
    with frozen_at(TODAY), pytest.raises(v.FieldError, match=message):
        v.past_date(raw)


def test_errors_collects_every_field_message():
    errors = v.Errors()
    assert errors.check("npi", v.npi, "1234567890") is None
    assert errors.check("fee", v.fee, "-5") is None
    assert errors.check("name", v.required, "Ana", "Name") == "Ana"
    assert set(errors.errors) == {"npi", "fee"}


@given(st.integers(min_value=0, max_value=10**12))
def test_format_cents_and_parse_dollars_round_trip(cents):
    assert parse_dollars(format_cents(cents)) == cents
    assert parse_dollars(cents_to_input(cents)) == cents


@given(st.integers(min_value=-(10**12), max_value=-1))
def test_negative_amounts_round_trip_too(cents):
    assert parse_dollars(format_cents(cents)) == cents


@given(st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False))
def test_parse_dollars_reads_plain_decimal_text(amount):
    assert parse_dollars(str(amount)) == int(amount * 100)


@pytest.mark.parametrize("raw", ["1e30", "9" * 29, "1e3", "NaN", "Infinity"])
def test_parse_dollars_refuses_absurdly_large_numbers_as_money_errors(raw):
    with pytest.raises(MoneyFormatError):
        parse_dollars(raw)


@pytest.mark.parametrize("raw", ["12.345", "", "twelve"])
def test_parse_dollars_refuses_what_is_not_money(raw):
    with pytest.raises(MoneyFormatError):
        parse_dollars(raw)
