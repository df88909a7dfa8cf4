"""POST /billing/stripe/webhook through the app's own routes (Starlette's TestClient), with the
real Stripe gateway talking to the fake Stripe server on loopback: a signed event is applied
once, a replay changes nothing, a bad signature stores nothing, an event that beats our own
API reply is refused with 503 and applied when Stripe sends it again."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from practicerunner.billing.collect import collect_due, plan_attempts, record_result
from practicerunner.billing.gateways.base import ChargeRequest, MethodKind, SavedMethod
from practicerunner.billing.gateways.stripe_gateway import StripeGateway
from practicerunner.billing.methods import add_method, ensure_customer
from practicerunner.billing.models import Invoice, PaymentAttempt, WebhookEvent
from practicerunner.billing.policies import PolicyForm, save_policy
from practicerunner.billing.runs import run_billing
from practicerunner.core import clock
from practicerunner.core.settings import get_settings
from tests.fakes.stripe_server import API_KEY, FakeStripe
from tests.integration.billing_support import invoices_of, seen

SECRET = "whsec_test_practicerunner_webhook"
PATH = "/billing/stripe/webhook"
FRIDAY = date(2026, 12, 4)


@pytest.fixture
def fake() -> Iterator[FakeStripe]:
    with FakeStripe() as server:
        yield server


@pytest.fixture
def stripe_on(fake: FakeStripe, monkeypatch: pytest.MonkeyPatch) -> Iterator[StripeGateway]:
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


@pytest.fixture
def client(engine):  # type: ignore[no-untyped-def]
    from practicerunner.practicerunner import api

    with warnings.catch_warnings():  # Starlette 1.x prefers httpx2; httpx works the same here
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient

    with TestClient(api) as c, clock.frozen_at(datetime(2026, 12, 4, 15, 0, tzinfo=UTC)):
        yield c


def bank_auto_pay(session: Session, people, gateway: StripeGateway) -> Invoice:  # type: ignore[no-untyped-def]
    """A client on auto-pay by bank (no advance notice asked for) with one invoice due today."""
    save_policy(
        session, people.owner, "practice", None, PolicyForm(weekday="4", collection="auto_pay")
    )
    key = f"client:{people.clients['clinician'].id}"
    ensure_customer(session, gateway, key)
    saved = SavedMethod("pm_usBankAccount_success", MethodKind.BANK, "Bank •••• 6789")
    add_method(session, gateway.name, key, saved, auto_pay=True, notice_above_cents=10**7)
    seen(session, people, people.cases["clinician"], date(2026, 12, 1), 9)
    run_billing(session, FRIDAY)
    [invoice] = invoices_of(session, people.cases["clinician"])
    session.expunge(invoice)  # a plain record of it: reading it later takes no lock
    session.commit()
    return invoice


def post(client, payload: bytes, header: str):  # type: ignore[no-untyped-def]
    return client.post(
        PATH,
        content=payload,
        headers={"Stripe-Signature": header, "Content-Type": "application/json"},
    )


def state(session: Session, invoice: Invoice) -> tuple[str, int, int]:
    session.expire_all()
    row = session.get(Invoice, invoice.id)
    events = session.exec(select(func.count()).select_from(WebhookEvent)).one()
    assert row is not None
    found = (row.status, row.paid_cents, int(events))
    session.rollback()  # SQLite: a read holds the write lock until it ends
    return found


def test_a_signed_event_is_applied_once_and_a_replay_changes_nothing(
    session: Session, people, fake: FakeStripe, stripe_on: StripeGateway, client
) -> None:  # type: ignore[no-untyped-def]
    invoice = bank_auto_pay(session, people, stripe_on)
    session.rollback()
    assert collect_due(session, stripe_on) == 1
    assert state(session, invoice) == ("processing", 0, 0)
    ref = str(session.exec(select(PaymentAttempt)).one().gateway_ref)
    session.rollback()

    payload, header = fake.signed_event(fake.settle(ref), SECRET)
    reply = post(client, payload, header)
    assert (reply.status_code, reply.json()) == (200, {"outcome": "applied"})
    assert state(session, invoice) == ("paid", invoice.total_cents, 1)

    replay = post(client, payload, header)
    assert (replay.status_code, replay.json()) == (200, {"outcome": "duplicate"})
    assert state(session, invoice) == ("paid", invoice.total_cents, 1)


def test_a_bad_signature_is_refused_and_nothing_is_stored(
    session: Session, people, fake: FakeStripe, stripe_on: StripeGateway, client
) -> None:  # type: ignore[no-untyped-def]
    invoice = bank_auto_pay(session, people, stripe_on)
    session.rollback()
    collect_due(session, stripe_on)
    ref = str(session.exec(select(PaymentAttempt)).one().gateway_ref)
    session.rollback()
    event = fake.settle(ref)

    forged = post(client, *fake.signed_event(event, "whsec_someone_else"))
    assert forged.status_code == 400
    payload, header = fake.signed_event(event, SECRET)
    tampered = payload.replace(b'"succeeded"', b'"succeeded" ', 1)
    assert post(client, tampered, header).status_code == 400
    assert post(client, payload, "").status_code == 400
    assert state(session, invoice) == ("processing", 0, 0)


def test_an_event_that_beats_our_api_reply_is_refused_then_applied_on_retry(
    session: Session, people, fake: FakeStripe, stripe_on: StripeGateway, client
) -> None:  # type: ignore[no-untyped-def]
    invoice = bank_auto_pay(session, people, stripe_on)
    session.rollback()
    [attempt_id] = plan_attempts(session)
    attempt = session.get(PaymentAttempt, attempt_id)
    assert attempt is not None
    customer = ensure_customer(session, stripe_on, invoice.payer_key)
    request = ChargeRequest(
        amount_cents=attempt.amount_cents,
        customer_ref=customer,
        method_ref=attempt.method_ref,
        method_kind=MethodKind.BANK,
        idempotency_key=attempt.idempotency_key,
        description=f"Invoice {invoice.number}",
    )
    session.rollback()
    # Our call reaches Stripe, which answers; the webhook arrives before we record the answer.
    result = stripe_on.charge(request)
    payload, header = fake.signed_event(fake.settle(str(result.ref)), SECRET)
    early = post(client, payload, header)
    assert early.status_code == 503 and early.headers["retry-after"]
    assert state(session, invoice) == ("open", 0, 0)

    record_result(session, attempt_id, result)
    assert state(session, invoice) == ("processing", 0, 0)
    retry = post(client, payload, header)
    assert (retry.status_code, retry.json()) == (200, {"outcome": "applied"})
    assert state(session, invoice) == ("paid", invoice.total_cents, 1)


def test_without_stripe_the_route_is_not_there(client, engine) -> None:  # type: ignore[no-untyped-def]
    get_settings.cache_clear()
    if get_settings().stripe_secret_key:
        pytest.skip("this environment configures Stripe")
    reply = post(client, b"{}", "t=1,v1=00")
    assert reply.status_code == 404
