"""Gateway rules that need no processor: what a charge request may carry, test numbers,
and how Stripe's events and codes become the gateway's own words."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from practicerunner.billing.gateways.base import (
    CLINICAL_DENY_LIST,
    ChargeRequest,
    ChargeStatus,
    ClinicalTextRefused,
    MethodKind,
    PaymentGateway,
    bank_date,
    ensure_no_clinical_words,
)
from practicerunner.billing.gateways.simulated import (
    TEST_BANK_ACCOUNTS,
    TEST_CARDS,
    SimulatedGateway,
    luhn_ok,
)
from practicerunner.billing.gateways.stripe_gateway import (
    StripeGateway,
    ach_return_code,
    event_from_stripe,
    method_label,
)


def request(**changes: object) -> ChargeRequest:
    fields: dict[str, object] = {
        "amount_cents": 12500,
        "customer_ref": "cus_1",
        "method_ref": "pm_1",
        "method_kind": MethodKind.CARD,
        "idempotency_key": "invoice-123-attempt-1",
        "description": "Invoice INV-000123 — Example Practice",
        "metadata": {"invoice": "INV-000123"},
    }
    fields.update(changes)
    return ChargeRequest(**fields)  # type: ignore[arg-type]


def test_both_gateways_offer_the_interface_billing_calls() -> None:
    # mypy checks these against the PaymentGateway protocol; building them calls nobody.
    gateways: list[PaymentGateway] = [
        SimulatedGateway(),
        StripeGateway("sk_test_unused", "whsec_unused"),
    ]
    assert [g.name for g in gateways] == ["simulated", "stripe"]
    assert gateways[1].due_events(datetime(2026, 12, 2, tzinfo=UTC)) == []
    with pytest.raises(ValueError):
        StripeGateway("", "whsec_unused")


# --- what a charge request may carry ---------------------------------------------------------


def test_it_accepts_an_invoice_description() -> None:
    assert request().description == "Invoice INV-000123 — Example Practice"


@pytest.mark.parametrize(
    "description",
    [
        "Therapy 2026-11-03",
        "Session with J. Rivera",
        "Diagnostic assessment",
        "Progress NOTES",
        "Psychotherapy, 53 min",
        "Couples counseling",
    ],
)
def test_it_refuses_clinical_words_in_the_description(description: str) -> None:
    with pytest.raises(ClinicalTextRefused) as refused:
        request(description=description)
    assert refused.value.where == "description"
    assert refused.value.word in CLINICAL_DENY_LIST


def test_it_refuses_clinical_words_in_metadata_keys_and_values() -> None:
    with pytest.raises(ClinicalTextRefused, match="metadata"):
        request(metadata={"service": "Individual therapy"})
    with pytest.raises(ClinicalTextRefused, match="metadata key"):
        request(metadata={"session_id": "42"})


@pytest.mark.parametrize("amount", [0, -1, -12500])
def test_it_refuses_amounts_that_are_not_positive(amount: int) -> None:
    with pytest.raises(ValueError, match="more than zero"):
        request(amount_cents=amount)


def test_it_refuses_fractional_amounts_and_missing_keys() -> None:
    with pytest.raises(ValueError, match="whole number"):
        request(amount_cents=12.5)
    with pytest.raises(ValueError, match="idempotency key"):
        request(idempotency_key="  ")


@given(st.text(max_size=60))
def test_the_guard_refuses_exactly_the_texts_holding_a_denied_word(text: str) -> None:
    holds = any(word in text.lower() for word in CLINICAL_DENY_LIST)
    try:
        ensure_no_clinical_words(text)
        refused = False
    except ClinicalTextRefused:
        refused = True
    assert refused == holds


@given(
    st.sampled_from(CLINICAL_DENY_LIST),
    st.text(alphabet="xyz -0123456789", max_size=10),
    st.text(alphabet="xyz -0123456789", max_size=10),
)
def test_the_guard_ignores_case_and_surroundings(word: str, before: str, after: str) -> None:
    mixed = "".join(c.upper() if i % 2 else c for i, c in enumerate(word))
    with pytest.raises(ClinicalTextRefused):
        ensure_no_clinical_words(before + mixed + after)


@given(st.integers(min_value=1, max_value=10**9))
def test_any_positive_whole_amount_is_accepted(amount: int) -> None:
    assert request(amount_cents=amount).amount_cents == amount


# --- test numbers ---------------------------------------------------------------------------


def test_every_test_card_number_passes_the_luhn_check() -> None:
    assert all(luhn_ok(number) for number in TEST_CARDS)
    assert not luhn_ok("4242424242424241")


@given(st.text(alphabet="0123456789", min_size=12, max_size=18))
def test_exactly_one_check_digit_completes_a_card_number(body: str) -> None:
    completions = [d for d in "0123456789" if luhn_ok(body + d)]
    assert len(completions) == 1


def test_bank_test_accounts_cover_settlement_and_three_returns() -> None:
    assert sorted(TEST_BANK_ACCOUNTS.values()) == ["R01", "R02", "R03", "settle"]


# --- bank dates -----------------------------------------------------------------------------


def test_bank_dates_are_eastern_dates() -> None:
    # 03:00 UTC on 2 December is still the evening of 1 December in New York.
    assert bank_date(datetime(2026, 12, 2, 3, 0, tzinfo=UTC)) == date(2026, 12, 1)
    assert bank_date(datetime(2026, 12, 2, 14, 0, tzinfo=UTC)) == date(2026, 12, 2)
    with pytest.raises(ValueError):
        bank_date(datetime(2026, 12, 2, 14, 0))


# --- Stripe's words into the gateway's ------------------------------------------------------


def event(type_: str, obj: dict[str, object]) -> dict[str, object]:
    return {"id": "evt_1", "type": type_, "created": 1_800_000_000, "data": {"object": obj}}


def test_a_returned_bank_debit_carries_the_ach_return_code() -> None:
    failed = event(
        "payment_intent.payment_failed",
        {
            "id": "pi_1",
            "payment_method": "pm_b",
            "payment_method_types": ["us_bank_account"],
            "last_payment_error": {
                "code": "account_closed",
                "payment_method": {"id": "pm_b", "type": "us_bank_account"},
            },
        },
    )
    parsed = event_from_stripe(failed)
    assert (parsed.type, parsed.status, parsed.failure_code) == (
        "payment.failed",
        ChargeStatus.FAILED,
        "R02",
    )
    assert (parsed.payment_ref, parsed.method_ref) == ("pi_1", "pm_b")
    assert parsed.created == datetime.fromtimestamp(1_800_000_000, UTC)


def test_a_declined_card_event_keeps_the_specific_decline_code() -> None:
    failed = event(
        "payment_intent.payment_failed",
        {
            "id": "pi_2",
            "payment_method_types": ["card"],
            "last_payment_error": {
                "code": "card_declined",
                "decline_code": "insufficient_funds",
                "payment_method": {"id": "pm_c", "type": "card"},
            },
        },
    )
    assert event_from_stripe(failed).failure_code == "insufficient_funds"


def test_refunds_setups_and_unknown_events() -> None:
    refunded = event_from_stripe(event("charge.refunded", {"id": "ch_1", "payment_intent": "pi_3"}))
    assert (refunded.type, refunded.payment_ref, refunded.status) == (
        "refund.succeeded",
        "pi_3",
        None,
    )
    setup = event_from_stripe(
        event("setup_intent.succeeded", {"id": "seti_1", "payment_method": {"id": "pm_9"}})
    )
    assert (setup.type, setup.method_ref, setup.payment_ref) == ("setup.succeeded", "pm_9", None)
    assert event_from_stripe(event("customer.updated", {"id": "cus_1"})).type == "ignored"


def test_ach_codes_map_to_nacha_and_unknown_codes_pass_through() -> None:
    assert [ach_return_code(c) for c in ("insufficient_funds", "account_closed", "no_account")] == [
        "R01",
        "R02",
        "R03",
    ]
    assert ach_return_code("something_new") == "something_new"


def test_method_labels_say_brand_or_bank_and_the_last_four() -> None:
    card = method_label({"id": "pm_1", "type": "card", "card": {"brand": "visa", "last4": "4242"}})
    bank = method_label(
        {"id": "pm_2", "type": "us_bank_account", "us_bank_account": {"last4": "6789"}}
    )
    assert (card.kind, card.label) == (MethodKind.CARD, "Visa •••• 4242")
    assert (bank.kind, bank.label) == (MethodKind.BANK, "Bank •••• 6789")
