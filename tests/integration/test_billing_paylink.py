"""Pay-link tokens: a round trip works; any change, another key, expiry or garbage does not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from practicerunner.billing.paylink import (
    PayLinkInvalid,
    invalid_message,
    make_token,
    pay_url,
    read_token,
)
from practicerunner.core.settings import get_settings

NOW = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=30)
SECRET = "s" * 48
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."


def test_a_token_names_its_invoice_until_it_expires() -> None:
    token = make_token(123, LATER, secret=SECRET)
    assert read_token(token, NOW, secret=SECRET) == 123
    assert read_token(token, LATER - timedelta(seconds=1), secret=SECRET) == 123
    with pytest.raises(PayLinkInvalid):
        read_token(token, LATER, secret=SECRET)
    with pytest.raises(PayLinkInvalid):
        read_token(token, LATER + timedelta(days=400), secret=SECRET)


def test_a_token_from_another_secret_is_refused() -> None:
    token = make_token(123, LATER, secret="another secret of the same length........")
    with pytest.raises(PayLinkInvalid):
        read_token(token, NOW, secret=SECRET)


def test_the_link_uses_the_public_url_and_the_installation_secret() -> None:
    url = pay_url(77, LATER)
    assert url.startswith(f"{get_settings().public_url}/pay/")
    assert read_token(url.rsplit("/", 1)[1], NOW) == 77


def test_the_message_is_the_same_calm_sentence_for_every_bad_link() -> None:
    assert invalid_message("Willow Creek Counseling") == (
        "This payment link is no longer valid. "
        "Please contact Willow Creek Counseling for a new one."
    )


@settings(max_examples=300, deadline=None)
@given(
    invoice_id=st.integers(min_value=1, max_value=2**40),
    position=st.integers(min_value=0, max_value=10_000),
    replacement=st.sampled_from(ALPHABET),
)
def test_changing_any_character_of_a_token_is_refused(
    invoice_id: int, position: int, replacement: str
) -> None:
    token = make_token(invoice_id, LATER, secret=SECRET)
    i = position % len(token)
    altered = token[:i] + replacement + token[i + 1 :]
    if altered == token:
        return
    with pytest.raises(PayLinkInvalid):
        read_token(altered, NOW, secret=SECRET)


@settings(max_examples=200, deadline=None)
@given(invoice_id=st.integers(min_value=1, max_value=2**40), cut=st.integers(1, 80))
def test_a_shortened_or_lengthened_token_is_refused(invoice_id: int, cut: int) -> None:
    token = make_token(invoice_id, LATER, secret=SECRET)
    for altered in (token[:-cut], token + token[:cut], token[cut:]):
        with pytest.raises(PayLinkInvalid):
            read_token(altered, NOW, secret=SECRET)


@settings(max_examples=300, deadline=None)
@given(garbage=st.text(max_size=120))
def test_garbage_is_refused(garbage: str) -> None:
    with pytest.raises(PayLinkInvalid):
        read_token(garbage, NOW, secret=SECRET)


@settings(max_examples=100, deadline=None)
@given(
    invoice_id=st.integers(min_value=1, max_value=2**40),
    lifetime=st.integers(min_value=1, max_value=90 * 86400),
    elapsed=st.integers(min_value=0, max_value=120 * 86400),
)
def test_a_token_works_exactly_until_its_expiry(
    invoice_id: int, lifetime: int, elapsed: int
) -> None:
    token = make_token(invoice_id, NOW + timedelta(seconds=lifetime), secret=SECRET)
    at = NOW + timedelta(seconds=elapsed)
    if elapsed < lifetime:
        assert read_token(token, at, secret=SECRET) == invoice_id
    else:
        with pytest.raises(PayLinkInvalid):
            read_token(token, at, secret=SECRET)
