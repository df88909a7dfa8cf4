"""Paying through the pay link with Stripe configured: Stripe Checkout, the hosted page.

The real Stripe gateway talks to the project's fake Stripe server on loopback; the payer's
steps on Stripe's page are HTTP requests to the fake's hosted page, and Stripe's webhooks go
through the app's own webhook handler, signed. Checked: the amount sent is the one the pay
page showed (bank discount included), a card pays at once and a bank transfer is processing
until it settles, the payer's return and the webhook record it once whichever comes first,
a saved method keeps the debit-notice choice, an abandoned checkout neither counts as a
failure nor blocks the next, bad input writes nothing, and no clinical words reach Stripe.
"""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from practicerunner.billing.checkout import (
    UNDER_WAY,
    UNREACHABLE,
    apply_checkout_event,
    return_outcome,
    start_checkout_payment,
)
from practicerunner.billing.gateways.base import CLINICAL_DENY_LIST
from practicerunner.billing.gateways.stripe_gateway import StripeGateway
from practicerunner.billing.models import (
    Invoice,
    InvoiceLine,
    LedgerEntry,
    PayerMethod,
    PaymentAttempt,
    WebhookEvent,
)
from practicerunner.billing.paylink import PayForm, PayOutcome, pay_view
from practicerunner.billing.webhooks import handle_stripe_webhook
from practicerunner.core import clock
from practicerunner.core.errors import ValidationFailed
from practicerunner.core.settings import get_settings
from practicerunner.messaging.models import OutboxMessage
from tests.fakes.stripe_server import API_KEY, FakeStripe
from tests.integration.billing_support import balance, invoiced_with_link

SECRET = "whsec_test_practicerunner_checkout"
FRIDAY = date(2026, 12, 4)
FRIDAY_MORNING = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)


@pytest.fixture
def travel() -> Iterator:  # type: ignore[type-arg]
    with clock.frozen_at(FRIDAY_MORNING) as move:
        yield move


@pytest.fixture
def fake(travel) -> Iterator[FakeStripe]:  # type: ignore[no-untyped-def]
    # The fake keeps the app's (frozen) time, as Stripe and a real server agree on the hour.
    with FakeStripe(now=lambda: clock.now().timestamp()) as server:
        yield server


@pytest.fixture
def gateway(fake: FakeStripe, monkeypatch: pytest.MonkeyPatch) -> Iterator[StripeGateway]:
    """The installation configured for Stripe (the fake), as its environment would say."""
    monkeypatch.setenv("STRIPE_SECRET_KEY", API_KEY)
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("STRIPE_API_BASE", fake.url)
    get_settings.cache_clear()
    try:
        yield StripeGateway(API_KEY, SECRET, api_base=fake.url, timeout_seconds=5)
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


def fresh(session: Session, invoice: Invoice) -> Invoice:
    session.expire_all()
    found = session.get(Invoice, invoice.id)
    assert found is not None
    session.expunge(found)
    session.rollback()
    return found


def attempts(session: Session) -> list[PaymentAttempt]:
    session.expire_all()
    found = list(session.exec(select(PaymentAttempt).order_by(PaymentAttempt.id)).all())  # type: ignore[arg-type]
    for attempt in found:
        session.expunge(attempt)
    session.rollback()
    return found


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def visit(url: str) -> str:
    """The hosted page's HTML."""
    with urllib.request.urlopen(url, timeout=5) as reply:
        return reply.read().decode()


def pay_on_stripe(url: str, **fields: str) -> tuple[int, str, str]:
    """Submit the hosted page: (HTTP status, Location, body)."""
    opener = urllib.request.build_opener(_NoRedirect)
    data = urllib.parse.urlencode(fields).encode()
    try:
        with opener.open(urllib.request.Request(url, data=data), timeout=5) as reply:
            return reply.status, reply.headers.get("Location", ""), reply.read().decode()
    except urllib.error.HTTPError as exc:  # the 303 comes back as an "error" without a handler
        return exc.code, exc.headers.get("Location", ""), exc.read().decode()


def deliver(session: Session, fake: FakeStripe, type_: str) -> str:
    """Stripe's webhook for the newest event of TYPE_, through the app's handler."""
    session.rollback()  # SQLite: the handler's own session needs the write lock
    payload, header = fake.signed_event(fake.last_event(type_), SECRET)
    reply = handle_stripe_webhook(payload, header)
    assert reply.status == 200, reply
    return reply.outcome


def checkout_id(location: str) -> str:
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)
    [ref] = query["checkout"]
    return ref


def test_a_card_on_stripes_page_pays_once_whichever_of_return_and_webhook_comes_first(
    session: Session, people, fake: FakeStripe, gateway: StripeGateway
) -> None:  # type: ignore[no-untyped-def]
    invoice, token = invoiced_with_link(session, people)
    url = start_checkout_payment(session, gateway, token, PayForm("card", "", auto_pay=True))
    assert isinstance(url, str) and url.startswith(f"{fake.url}/checkout/pay/cs_")
    [attempt] = attempts(session)
    assert (attempt.status, attempt.amount_cents, attempt.checkout_ref) == (
        "checkout",
        32000,
        url.rsplit("/", 1)[1],
    )
    assert "$320.00" in visit(url)

    status, location, _ = pay_on_stripe(url, card_number="4242 4242 4242 4242")
    assert status == 303
    assert location.startswith(f"{get_settings().public_url}/pay/{token}?checkout=cs_")
    outcome = return_outcome(session, gateway, token, checkout_id(location))
    assert outcome == PayOutcome("succeeded", "Paid. Thank you.")
    paid = fresh(session, invoice)
    assert (paid.status, paid.paid_cents) == ("paid", 32000)
    assert balance(session, invoice.payer_key) == 0

    # Stripe's webhooks arrive afterwards: recorded as seen, nothing paid twice.
    assert deliver(session, fake, "checkout.session.completed") == "applied"
    assert deliver(session, fake, "payment_intent.succeeded") == "applied"
    payload, header = fake.signed_event(fake.last_event("checkout.session.completed"), SECRET)
    session.rollback()
    assert handle_stripe_webhook(payload, header).outcome == "duplicate"
    assert fresh(session, invoice).paid_cents == 32000
    payments = session.exec(
        select(func.count()).select_from(LedgerEntry).where(LedgerEntry.kind == "payment")
    ).one()
    method = session.exec(select(PayerMethod)).one()
    session.rollback()
    assert payments == 1
    assert (method.label, method.auto_pay, method.is_default) == ("Visa •••• 4242", True, True)
    # Back on the page: paid, nothing more to pay.
    view = pay_view(session, token)
    assert (view.status, view.options) == ("paid", ())
    assert return_outcome(session, gateway, token, checkout_id(location)) == outcome


def test_a_bank_transfer_by_webhook_first_is_processing_then_paid_with_its_discount(
    session: Session, people, fake: FakeStripe, gateway: StripeGateway
) -> None:  # type: ignore[no-untyped-def]
    invoice, token = invoiced_with_link(session, people, bank_discount="5")
    form = PayForm("bank", "", auto_pay=True, notice="above", notice_above="400")
    url = start_checkout_payment(session, gateway, token, form)
    assert isinstance(url, str)
    page = visit(url)
    assert "$310.00" in page and "6789" in page
    status, location, _ = pay_on_stripe(url, bank_account="pm_usBankAccount_success")
    assert status == 303

    # The payer closes the tab; Stripe's webhook records it.
    assert deliver(session, fake, "checkout.session.completed") == "applied"
    processing = fresh(session, invoice)
    assert processing.status == "processing" and processing.paid_cents == 0
    assert processing.total_cents == 31000  # the bank discount, once money moves by bank
    assert processing.processing_until is not None and processing.processing_until > FRIDAY
    lines = session.exec(select(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id)).all()
    method = session.exec(select(PayerMethod)).one()
    session.rollback()
    assert [line.discount_cents for line in lines] == [500, 500]
    assert (method.kind, method.auto_pay, method.notice_above_cents) == ("bank", True, 40000)
    # The payer comes back later: the page says it is on its way.
    outcome = return_outcome(session, gateway, token, checkout_id(location))
    assert outcome is not None and outcome.status == "processing"
    assert outcome.message.startswith("Processing until ")

    [attempt] = attempts(session)
    fake.settle(str(attempt.gateway_ref))
    assert deliver(session, fake, "payment_intent.succeeded") == "applied"
    settled = fresh(session, invoice)
    assert (settled.status, settled.paid_cents, settled.total_cents) == ("paid", 31000, 31000)
    assert balance(session, invoice.payer_key) == 0


def test_a_returned_bank_transfer_reopens_the_invoice_and_tells_the_payer(
    session: Session, people, fake: FakeStripe, gateway: StripeGateway
) -> None:  # type: ignore[no-untyped-def]
    invoice, token = invoiced_with_link(session, people)
    url = start_checkout_payment(session, gateway, token, PayForm("bank", ""))
    assert isinstance(url, str)
    _, location, _ = pay_on_stripe(url, bank_account="pm_usBankAccount_insufficientFunds")
    outcome = return_outcome(session, gateway, token, checkout_id(location))
    assert outcome is not None and outcome.status == "processing"
    [attempt] = attempts(session)
    fake.settle(str(attempt.gateway_ref))
    assert deliver(session, fake, "payment_intent.payment_failed") == "applied"
    reopened = fresh(session, invoice)
    assert (reopened.status, reopened.paid_cents) == ("open", 0)
    [attempt] = attempts(session)
    assert (attempt.status, attempt.failure_code) == ("failed", "R01")
    kinds = session.exec(select(OutboxMessage.kind)).all()
    session.rollback()
    assert "billing.payment_failed" in kinds
    # The pay page offers the invoice again, and a new checkout can be started.
    assert pay_view(session, token).status == "open"
    again = start_checkout_payment(session, gateway, token, PayForm("card", ""))
    assert isinstance(again, str) and again != url


def test_a_declined_card_stays_on_stripes_page_and_records_nothing(
    session: Session, people, fake: FakeStripe, gateway: StripeGateway
) -> None:  # type: ignore[no-untyped-def]
    invoice, token = invoiced_with_link(session, people)
    url = start_checkout_payment(session, gateway, token, PayForm("card", ""))
    assert isinstance(url, str)
    status, location, body = pay_on_stripe(url, card_number="4000 0000 0000 0002")
    assert status == 200 and location == "" and "declined" in body
    after = fresh(session, invoice)
    assert (after.status, after.paid_cents) == ("open", 0)
    [attempt] = attempts(session)
    assert attempt.status == "checkout"
    # ...and a good card on the same page pays it.
    status, location, _ = pay_on_stripe(url, card_number="4242424242424242")
    assert status == 303
    assert return_outcome(session, gateway, token, checkout_id(location)) == PayOutcome(
        "succeeded", "Paid. Thank you."
    )


def test_going_back_and_choosing_again_closes_the_first_checkout_which_is_no_failure(
    session: Session, people, fake: FakeStripe, gateway: StripeGateway
) -> None:  # type: ignore[no-untyped-def]
    invoice, token = invoiced_with_link(session, people, bank_discount="5")
    first = start_checkout_payment(session, gateway, token, PayForm("card", ""))
    second = start_checkout_payment(session, gateway, token, PayForm("bank", ""))
    assert isinstance(first, str) and isinstance(second, str) and first != second
    assert "no longer available" in visit(first)
    found = attempts(session)
    assert [(a.status, a.method, a.amount_cents) for a in found] == [
        ("abandoned", "card", 32000),
        ("checkout", "bank", 31000),
    ]
    # The expiry webhook for the first changes nothing more.
    assert deliver(session, fake, "checkout.session.expired") == "applied"
    assert [a.status for a in attempts(session)] == ["abandoned", "checkout"]
    # No discount was given for the bank checkout that has not been paid.
    assert fresh(session, invoice).total_cents == 32000


def test_a_checkout_that_expires_unpaid_is_abandoned_and_the_invoice_payable_again(
    session: Session, people, fake: FakeStripe, gateway: StripeGateway, travel
) -> None:  # type: ignore[no-untyped-def]
    invoice, token = invoiced_with_link(session, people)
    url = start_checkout_payment(session, gateway, token, PayForm("card", ""))
    assert isinstance(url, str)
    travel(timedelta(hours=2))  # past the checkout's hour
    assert "no longer available" in visit(url)
    assert deliver(session, fake, "checkout.session.expired") == "applied"
    [attempt] = attempts(session)
    assert attempt.status == "abandoned"
    assert fresh(session, invoice).status == "open"
    again = start_checkout_payment(session, gateway, token, PayForm("card", ""))
    assert isinstance(again, str) and again != url


def test_a_second_tab_is_told_a_payment_is_under_way_while_one_checkout_is_being_made(
    session: Session, people, fake: FakeStripe, gateway: StripeGateway
) -> None:  # type: ignore[no-untyped-def]
    from practicerunner.billing.checkout import _write_checkout_attempt

    invoice, token = invoiced_with_link(session, people)
    # A first click wrote its attempt and is waiting for Stripe's answer...
    written = _write_checkout_attempt(session, "stripe", int(invoice.id), "card", 32000)  # type: ignore[arg-type]
    assert isinstance(written, tuple)
    # ...the second click finds the attempt with no checkout yet, so nobody can be paying
    # it: it is abandoned and the second click gets its own checkout.
    url = start_checkout_payment(session, gateway, token, PayForm("card", ""))
    assert isinstance(url, str)
    assert [a.status for a in attempts(session)] == ["abandoned", "checkout"]
    assert UNDER_WAY.status == "pending"


def test_bad_input_writes_nothing_and_calls_nobody(
    session: Session, people, fake: FakeStripe, gateway: StripeGateway
) -> None:  # type: ignore[no-untyped-def]
    _, token = invoiced_with_link(session, people, bank_only=True, methods=("bank",))
    before = len(fake.requests)
    with pytest.raises(ValidationFailed) as refused:
        start_checkout_payment(session, gateway, token, PayForm("card", ""))
    assert refused.value.errors == {"method": "Choose how you would like to pay."}
    form = PayForm("bank", "", auto_pay=True, notice="above", notice_above="-5")
    with pytest.raises(ValidationFailed) as bad_amount:
        start_checkout_payment(session, gateway, token, form)
    assert set(bad_amount.value.errors) == {"notice_above"}
    assert attempts(session) == [] and len(fake.requests) == before


def test_stripe_unreachable_tells_the_payer_and_leaves_nothing_open(
    session: Session, people, fake: FakeStripe, gateway: StripeGateway
) -> None:  # type: ignore[no-untyped-def]
    invoice, token = invoiced_with_link(session, people)
    from practicerunner.billing.methods import ensure_customer

    ensure_customer(session, gateway, invoice.payer_key)
    session.rollback()
    fake.stop()
    outcome = start_checkout_payment(session, gateway, token, PayForm("card", ""))
    assert outcome == UNREACHABLE
    [attempt] = attempts(session)
    assert attempt.status == "abandoned"
    assert fresh(session, invoice).status == "open"


def test_a_return_naming_another_invoices_checkout_is_ignored(
    session: Session, people, fake: FakeStripe, gateway: StripeGateway
) -> None:  # type: ignore[no-untyped-def]
    _, token = invoiced_with_link(session, people)
    url = start_checkout_payment(session, gateway, token, PayForm("card", ""))
    assert isinstance(url, str)
    assert return_outcome(session, gateway, token, "cs_test_not_ours") is None
    from practicerunner.billing.paylink import make_token

    other = make_token(10**9, clock.now().replace(year=2027))
    from practicerunner.billing.paylink import PayLinkInvalid

    with pytest.raises(PayLinkInvalid):
        return_outcome(session, gateway, other, url.rsplit("/", 1)[1])


def test_a_checkout_event_about_someone_elses_checkout_is_acknowledged_and_ignored(
    session: Session, people, fake: FakeStripe, gateway: StripeGateway
) -> None:  # type: ignore[no-untyped-def]
    from practicerunner.billing.gateways.stripe_gateway import event_from_stripe

    event = event_from_stripe(
        {
            "id": "evt_elsewhere",
            "type": "checkout.session.completed",
            "created": 1,
            "data": {"object": {"id": "cs_test_elsewhere", "object": "checkout.session"}},
        }
    )
    assert apply_checkout_event(session, gateway, event) == "applied"
    assert apply_checkout_event(session, gateway, event) == "duplicate"
    stored = session.exec(select(func.count()).select_from(WebhookEvent)).one()
    session.rollback()
    assert stored == 1


def test_nothing_clinical_reaches_stripe_on_the_way_to_checkout(
    session: Session, people, fake: FakeStripe, gateway: StripeGateway
) -> None:  # type: ignore[no-untyped-def]
    _, token = invoiced_with_link(session, people, bank_discount="5")
    url = start_checkout_payment(session, gateway, token, PayForm("bank", "", auto_pay=True))
    assert isinstance(url, str)
    pay_on_stripe(url, bank_account="pm_usBankAccount_success")
    assert any(r.path == "/v1/checkout/sessions" for r in fake.requests)
    # Every value we wrote in words (Stripe's own vocabulary — off_session, Checkout
    # Session — is not ours): descriptions, product names, metadata, the customer.
    written = [
        value.lower()
        for r in fake.requests
        for key, value in urllib.parse.parse_qsl(r.body)
        if any(part in key for part in ("description", "metadata", "name", "email"))
    ]
    assert any(value.startswith("invoice inv-") for value in written)
    sent = "\n".join(written)
    for word in (*CLINICAL_DENY_LIST, "90837", "individual", "carl"):
        assert word not in sent, word
