"""StripeGateway through the real stripe library, against the project's fake Stripe server on
loopback: customers, saving methods, charges and their outcomes, bank settlement and returns,
refunds, signed webhooks, a timeout after success, and what leaves the building."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from practicerunner.billing.gateways.base import (
    CLINICAL_DENY_LIST,
    ChargeRequest,
    ChargeStatus,
    ClinicalTextRefused,
    GatewayError,
    GatewayRequestRefused,
    MethodKind,
    WebhookSignatureError,
    bank_date,
)
from practicerunner.billing.gateways.stripe_gateway import StripeGateway
from practicerunner.billing.schedule import bank_settlement_date, is_bank_business_day
from tests.fakes.stripe_server import API_KEY, FakeStripe

SECRET = "whsec_test_practicerunner"
DESCRIPTION = "Invoice INV-000123 — Willow Street Practice"
# The person in care; the payer is her father. Her name must never reach the processor.
CLIENT_NAME = "Jamie Rivera"


@pytest.fixture
def fake() -> Iterator[FakeStripe]:
    with FakeStripe() as server:
        yield server


@pytest.fixture
def gateway(fake: FakeStripe) -> StripeGateway:
    return StripeGateway(API_KEY, SECRET, api_base=fake.url, timeout_seconds=5)


@pytest.fixture
def customer(gateway: StripeGateway) -> str:
    return gateway.create_customer(
        name="Robert Rivera", email="robert@example.test", idempotency_key="payer-7-customer"
    )


def charge_request(
    customer: str, method: str, kind: MethodKind, key: str, amount: int = 12500
) -> ChargeRequest:
    return ChargeRequest(
        amount_cents=amount,
        customer_ref=customer,
        method_ref=method,
        method_kind=kind,
        idempotency_key=key,
        description=DESCRIPTION,
        metadata={"invoice": "INV-000123"},
    )


def test_it_creates_a_customer_once_per_key(fake: FakeStripe, gateway: StripeGateway) -> None:
    first = gateway.create_customer(
        name="Robert Rivera", email="r@example.test", idempotency_key="c1"
    )
    again = gateway.create_customer(
        name="Robert Rivera", email="r@example.test", idempotency_key="c1"
    )
    assert first == again
    assert list(fake.customers) == [first]
    assert fake.customers[first]["email"] == "r@example.test"


def test_it_starts_a_setup_for_cards_and_bank_accounts_and_learns_the_saved_method(
    fake: FakeStripe, gateway: StripeGateway, customer: str
) -> None:
    # given
    setup = gateway.start_setup(
        customer_ref=customer, kinds=[MethodKind.CARD, MethodKind.BANK], idempotency_key="s1"
    )
    intent = fake.setup_intents[setup.ref]
    assert intent["customer"] == customer
    assert intent["payment_method_types"] == ["card", "us_bank_account"]
    assert intent["usage"] == "off_session"
    assert intent["payment_method_options"]["us_bank_account"]["verification_method"] == "automatic"
    assert setup.client_secret == intent["client_secret"]
    # when the browser confirms it with a bank account, Stripe sends setup_intent.succeeded
    payload, header = fake.signed_event(
        fake.complete_setup(setup.ref, "pm_usBankAccount_success"), SECRET
    )
    event = gateway.parse_webhook(payload, header)
    # then
    assert (event.type, event.method_ref) == ("setup.succeeded", "pm_usBankAccount_success")
    saved = gateway.saved_method(event.method_ref or "")
    assert (saved.kind, saved.label) == (MethodKind.BANK, "Bank •••• 6789")
    assert gateway.saved_method("pm_card_visa").label == "Visa •••• 4242"


def test_a_card_charge_succeeds_off_session(
    fake: FakeStripe, gateway: StripeGateway, customer: str
) -> None:
    result = gateway.charge(charge_request(customer, "pm_card_visa", MethodKind.CARD, "k1"))
    assert result.status is ChargeStatus.SUCCEEDED
    assert result.ref is not None and result.settles_on is None
    intent = fake.payment_intents[result.ref]
    assert intent["status"] == "succeeded"
    assert (intent["amount"], intent["customer"], intent["description"]) == (
        12500,
        customer,
        DESCRIPTION,
    )
    sent = fake.requests[-1]
    assert sent.headers["idempotency-key"] == "k1"
    assert "off_session=true" in sent.body and "confirm=true" in sent.body


def test_a_declined_card_fails_with_stripes_code(
    fake: FakeStripe, gateway: StripeGateway, customer: str
) -> None:
    result = gateway.charge(
        charge_request(customer, "pm_card_chargeDeclined", MethodKind.CARD, "k2")
    )
    assert (result.status, result.failure_code) == (ChargeStatus.FAILED, "card_declined")
    assert result.failure_message == "Your card was declined."
    assert result.ref is not None
    assert fake.payment_intents[result.ref]["status"] == "requires_payment_method"


def test_a_card_that_needs_its_holder_requires_action(
    fake: FakeStripe, gateway: StripeGateway, customer: str
) -> None:
    result = gateway.charge(
        charge_request(customer, "pm_card_authenticationRequired", MethodKind.CARD, "k3")
    )
    assert result.status is ChargeStatus.REQUIRES_ACTION
    assert result.failure_code == "authentication_required"
    assert result.ref in fake.payment_intents


def test_a_bank_debit_processes_then_settles_by_signed_webhook(
    fake: FakeStripe, gateway: StripeGateway, customer: str
) -> None:
    # given
    result = gateway.charge(
        charge_request(customer, "pm_usBankAccount_success", MethodKind.BANK, "k4")
    )
    assert result.status is ChargeStatus.PROCESSING and result.ref is not None
    created = datetime.fromtimestamp(fake.payment_intents[result.ref]["created"], UTC)
    assert result.settles_on == bank_settlement_date(bank_date(created), 4)
    assert result.settles_on is not None and is_bank_business_day(result.settles_on)
    assert fake.requests[-1].body.count("payment_method_types[0]=us_bank_account") == 1
    processing = gateway.parse_webhook(
        *fake.signed_event(fake.last_event("payment_intent.processing"), SECRET)
    )
    assert (processing.type, processing.payment_ref) == ("payment.processing", result.ref)
    # when the transfer settles
    payload, header = fake.signed_event(fake.settle(result.ref), SECRET)
    event = gateway.parse_webhook(payload, header)
    # then
    assert (event.type, event.status, event.payment_ref) == (
        "payment.succeeded",
        ChargeStatus.SUCCEEDED,
        result.ref,
    )
    assert event.method_ref == "pm_usBankAccount_success"
    assert event.id == fake.events[-1]["id"]


@pytest.mark.parametrize(
    ("method", "code"),
    [("pm_usBankAccount_insufficientFunds", "R01"), ("pm_usBankAccount_accountClosed", "R02")],
)
def test_a_returned_bank_debit_fails_later_with_its_return_code(
    fake: FakeStripe, gateway: StripeGateway, customer: str, method: str, code: str
) -> None:
    result = gateway.charge(charge_request(customer, method, MethodKind.BANK, f"k-{code}"))
    assert (result.status, result.failure_code) == (ChargeStatus.PROCESSING, "")
    assert result.ref is not None
    event = gateway.parse_webhook(*fake.signed_event(fake.settle(result.ref), SECRET))
    assert (event.type, event.status, event.failure_code, event.payment_ref) == (
        "payment.failed",
        ChargeStatus.FAILED,
        code,
        result.ref,
    )


def test_it_refunds_part_then_refuses_more_than_is_left(
    fake: FakeStripe, gateway: StripeGateway, customer: str
) -> None:
    paid = gateway.charge(charge_request(customer, "pm_card_visa", MethodKind.CARD, "k5"))
    assert paid.ref is not None
    refund = gateway.refund(payment_ref=paid.ref, amount_cents=5000, idempotency_key="r1")
    assert (refund.status, refund.amount_cents) == ("succeeded", 5000)
    again = gateway.refund(payment_ref=paid.ref, amount_cents=5000, idempotency_key="r1")
    assert again == refund
    assert len(fake.refunds) == 1
    event = gateway.parse_webhook(*fake.signed_event(fake.last_event("charge.refunded"), SECRET))
    assert (event.type, event.payment_ref) == ("refund.succeeded", paid.ref)
    with pytest.raises(GatewayRequestRefused) as refused:
        gateway.refund(payment_ref=paid.ref, amount_cents=7501, idempotency_key="r2")
    assert refused.value.code == "amount_too_large"
    with pytest.raises(ValueError):
        gateway.refund(payment_ref=paid.ref, amount_cents=0, idempotency_key="r3")


def test_a_processing_bank_debit_cannot_be_refunded(gateway: StripeGateway, customer: str) -> None:
    pending = gateway.charge(
        charge_request(customer, "pm_usBankAccount_success", MethodKind.BANK, "k6")
    )
    assert pending.ref is not None
    with pytest.raises(GatewayRequestRefused, match="successful charge"):
        gateway.refund(payment_ref=pending.ref, amount_cents=100, idempotency_key="r4")


def test_a_key_reused_with_other_details_is_refused(gateway: StripeGateway, customer: str) -> None:
    gateway.charge(charge_request(customer, "pm_card_visa", MethodKind.CARD, "same-key"))
    with pytest.raises(GatewayRequestRefused):
        gateway.charge(charge_request(customer, "pm_card_visa", MethodKind.CARD, "same-key", 999))


def test_webhooks_with_a_bad_signature_are_refused(
    fake: FakeStripe, gateway: StripeGateway, customer: str
) -> None:
    paid = gateway.charge(charge_request(customer, "pm_card_visa", MethodKind.CARD, "k7"))
    event = fake.last_event("payment_intent.succeeded")
    payload, header = fake.signed_event(event, SECRET)
    assert gateway.parse_webhook(payload, header).payment_ref == paid.ref
    forged_payload, forged_header = fake.signed_event(event, "whsec_someone_else")
    with pytest.raises(WebhookSignatureError):
        gateway.parse_webhook(forged_payload, forged_header)
    with pytest.raises(WebhookSignatureError):
        gateway.parse_webhook(payload.replace(b"succeeded", b"failed"), header)
    with pytest.raises(WebhookSignatureError):
        gateway.parse_webhook(payload, "")
    with pytest.raises(WebhookSignatureError):
        gateway.parse_webhook(payload, "garbage")


def test_an_old_webhook_is_refused_even_with_a_good_signature(
    fake: FakeStripe, gateway: StripeGateway, customer: str
) -> None:
    gateway.charge(charge_request(customer, "pm_card_visa", MethodKind.CARD, "k8"))
    event = fake.last_event("payment_intent.succeeded")
    old = fake.signed_event(event, SECRET, timestamp=int(time.time()) - 301)
    with pytest.raises(WebhookSignatureError, match="tolerance"):
        gateway.parse_webhook(*old)
    recent = fake.signed_event(event, SECRET, timestamp=int(time.time()) - 240)
    assert gateway.parse_webhook(*recent).type == "payment.succeeded"


def test_a_timeout_after_success_then_a_retry_charges_once(fake: FakeStripe) -> None:
    impatient = StripeGateway(API_KEY, SECRET, api_base=fake.url, timeout_seconds=0.5)
    customer = impatient.create_customer(
        name="Robert Rivera", email="r@example.test", idempotency_key="c9"
    )
    request = charge_request(customer, "pm_card_visa", MethodKind.CARD, "invoice-123-try-1")
    # given Stripe charges the card but its answer is lost to a timeout
    fake.delay_next_response(2.0)
    with pytest.raises(GatewayError):
        impatient.charge(request)
    assert len(fake.payment_intents) == 1
    # when the caller retries with the same key
    retried = impatient.charge(request)
    # then it gets the same PaymentIntent, and there is still only one
    assert retried.status is ChargeStatus.SUCCEEDED
    assert list(fake.payment_intents) == [retried.ref]
    keys = [
        r.headers.get("idempotency-key") for r in fake.requests if r.path == "/v1/payment_intents"
    ]
    assert keys == ["invoice-123-try-1", "invoice-123-try-1"]


def test_an_unreachable_stripe_is_a_gateway_error(fake: FakeStripe, customer: str) -> None:
    url = fake.url
    fake.stop()
    gone = StripeGateway(API_KEY, SECRET, api_base=url, timeout_seconds=1)
    with pytest.raises(GatewayError):
        gone.charge(charge_request(customer, "pm_card_visa", MethodKind.CARD, "k10"))


def test_a_wrong_api_key_is_refused_not_retried(fake: FakeStripe) -> None:
    wrong = StripeGateway("sk_test_wrong", SECRET, api_base=fake.url)
    with pytest.raises(GatewayRequestRefused):
        wrong.create_customer(name="A", email="a@example.test", idempotency_key="c10")


def test_nothing_clinical_and_no_client_name_reaches_stripe(
    fake: FakeStripe, gateway: StripeGateway, customer: str
) -> None:
    # given a whole life cycle: save, charge card and bank, settle, refund
    gateway.start_setup(
        customer_ref=customer, kinds=[MethodKind.CARD, MethodKind.BANK], idempotency_key="s2"
    )
    gateway.saved_method("pm_card_visa")
    card = gateway.charge(charge_request(customer, "pm_card_visa", MethodKind.CARD, "k11"))
    bank = gateway.charge(
        charge_request(customer, "pm_usBankAccount_success", MethodKind.BANK, "k12")
    )
    gateway.charge(charge_request(customer, "pm_card_chargeDeclined", MethodKind.CARD, "k13"))
    assert card.ref and bank.ref
    fake.settle(bank.ref)
    gateway.refund(payment_ref=card.ref, amount_cents=100, idempotency_key="r5")
    # and a caller who tries to describe the session
    sent_before = len(fake.requests)
    with pytest.raises(ClinicalTextRefused):
        gateway.charge(
            ChargeRequest(
                amount_cents=12500,
                customer_ref=customer,
                method_ref="pm_card_visa",
                method_kind=MethodKind.CARD,
                idempotency_key="k14",
                description=f"Therapy session for {CLIENT_NAME}",
            )
        )
    # then that charge never left, and no request carried a clinical word or the client's name
    assert len(fake.requests) == sent_before
    assert {(r.method, r.path.split("/")[2]) for r in fake.requests} == {
        ("POST", "customers"),
        ("POST", "setup_intents"),
        ("GET", "payment_methods"),
        ("POST", "payment_intents"),
        ("POST", "refunds"),
    }
    for sent in fake.requests:
        # Stripe's own vocabulary aside: usage=off_session, off_session=true.
        text = sent.text.replace("off_session", "")
        for word in CLINICAL_DENY_LIST:
            assert word not in text, (word, sent.path)
        assert "jamie" not in text
    assert any("inv-000123" in sent.text for sent in fake.requests)
