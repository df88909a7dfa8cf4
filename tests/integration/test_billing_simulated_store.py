"""The simulated processor on a real database (SQLite, and PostgreSQL when configured):
card outcomes, bank debits that settle or come back on US bank business days, settlement
events handed out until the consumer has stored their ids (at least once, as Stripe's webhooks),
idempotent writes, refunds, and books kept outside the caller's transaction."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, text
from sqlmodel import Session, select

import practicerunner.billing.gateways.simulated_models  # noqa: F401  (tables for the schema)
from practicerunner.billing.gateways.base import (
    ChargeRequest,
    ChargeStatus,
    GatewayEvent,
    GatewayRequestRefused,
    MethodKind,
    WebhookSignatureError,
)
from practicerunner.billing.gateways.simulated import SimulatedGateway
from practicerunner.billing.gateways.simulated_models import SimMethod, SimPayment, SimRefund
from practicerunner.billing.models import WebhookEvent
from practicerunner.core import clock

# Wednesday before Thanksgiving 2026, 10:00 in New York.
WED_BEFORE_THANKSGIVING = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
T = TypeVar("T")


@pytest.fixture
def frozen() -> Iterator[Callable[[timedelta], None]]:
    with clock.frozen_at(WED_BEFORE_THANKSGIVING) as advance:
        yield advance


@pytest.fixture
def gateway(engine: Engine, frozen: Callable[[timedelta], None]) -> SimulatedGateway:
    return SimulatedGateway()


@pytest.fixture
def customer(gateway: SimulatedGateway) -> str:
    return gateway.create_customer(
        name="Robert Rivera", email="robert@example.test", idempotency_key="payer-7"
    )


def save(gateway: SimulatedGateway, customer: str, kind: MethodKind, number: str) -> str:
    return gateway.save_test_method(customer, kind, number).ref


def charge(
    customer: str, method: str, kind: MethodKind, key: str, amount: int = 12500
) -> ChargeRequest:
    return ChargeRequest(
        amount_cents=amount,
        customer_ref=customer,
        method_ref=method,
        method_kind=kind,
        idempotency_key=key,
        description="Invoice INV-000123 — Willow Street Practice",
    )


def count(engine: Engine, model: type) -> int:
    with Session(engine) as s:
        return int(s.exec(select(func.count()).select_from(model)).one())


def payment(engine: Engine, ref: str | None) -> SimPayment:
    with Session(engine, expire_on_commit=False) as s:
        row = s.exec(select(SimPayment).where(SimPayment.ref == ref)).one()
        s.commit()
        return row


def eastern(day: date, hour: int) -> datetime:
    """HOUR o'clock in New York on DAY."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo("America/New_York"))


def acknowledge(engine: Engine, events: Iterable[GatewayEvent], gateway: str = "simulated") -> None:
    """Store the events' ids as `apply_event` does with their effect: the consumer has them."""
    with Session(engine) as s:
        for event_id, kind in sorted({(e.id, e.type) for e in events}):
            s.add(
                WebhookEvent(
                    gateway=gateway, event_id=event_id, event_type=kind, received_at=clock.now()
                )
            )
        s.commit()


def all_at_once(workers: int, job: Callable[[], T]) -> list[T]:
    """Run JOB on WORKERS threads released together."""
    gate = threading.Barrier(workers)

    def run() -> T:
        gate.wait()
        return job()

    with ThreadPoolExecutor(workers) as pool:
        return [f.result() for f in [pool.submit(run) for _ in range(workers)]]


# --- cards ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "status", "code"),
    [
        ("4242 4242 4242 4242", ChargeStatus.SUCCEEDED, ""),
        ("4000000000000002", ChargeStatus.FAILED, "card_declined"),
        ("4000-0025-0000-3155", ChargeStatus.REQUIRES_ACTION, "authentication_required"),
    ],
)
def test_cards_answer_at_once_as_their_test_number_says(
    engine: Engine,
    gateway: SimulatedGateway,
    customer: str,
    number: str,
    status: ChargeStatus,
    code: str,
) -> None:
    method = save(gateway, customer, MethodKind.CARD, number)
    result = gateway.charge(charge(customer, method, MethodKind.CARD, "k1"))
    assert (result.status, result.failure_code, result.settles_on) == (status, code, None)
    assert bool(result.failure_message) == bool(code)
    stored = payment(engine, result.ref)
    assert (stored.status, stored.amount_cents, stored.event_emitted) == (status, 12500, True)
    # cards have nothing left to tell
    assert gateway.due_events(WED_BEFORE_THANKSGIVING + timedelta(days=30)) == []


def test_a_saved_card_keeps_only_its_last_four_digits(
    engine: Engine, gateway: SimulatedGateway, customer: str
) -> None:
    saved = gateway.save_test_method(customer, MethodKind.CARD, "4242424242424242")
    assert (saved.kind, saved.label) == (MethodKind.CARD, "Visa •••• 4242")
    assert gateway.saved_method(saved.ref) == saved
    bank = gateway.save_test_method(customer, MethodKind.BANK, "000123456789")
    assert gateway.saved_method(bank.ref).label == "Bank •••• 6789"
    with Session(engine) as s:
        dumped = " ".join(str(m.model_dump()) for m in s.exec(select(SimMethod)).all())
    assert "424242424242" not in dumped and "000123456789" not in dumped


def test_it_refuses_numbers_that_are_not_card_or_account_numbers(
    gateway: SimulatedGateway, customer: str
) -> None:
    with pytest.raises(ValueError, match="not a valid card number"):
        gateway.save_test_method(customer, MethodKind.CARD, "4242424242424241")
    with pytest.raises(ValueError, match="digits only"):
        gateway.save_test_method(customer, MethodKind.BANK, "12ab5678")
    with pytest.raises(GatewayRequestRefused, match="No such customer"):
        gateway.save_test_method("cus_nobody", MethodKind.CARD, "4242424242424242")


def test_a_method_charges_only_for_its_customer_and_kind(
    gateway: SimulatedGateway, customer: str
) -> None:
    other = gateway.create_customer(name="Ann Other", email="a@example.test", idempotency_key="c2")
    card = save(gateway, customer, MethodKind.CARD, "4242424242424242")
    with pytest.raises(GatewayRequestRefused, match="another customer"):
        gateway.charge(charge(other, card, MethodKind.CARD, "k2"))
    with pytest.raises(GatewayRequestRefused, match="is a card"):
        gateway.charge(charge(customer, card, MethodKind.BANK, "k3"))


# --- bank debits ----------------------------------------------------------------------------


def test_a_bank_debit_settles_four_bank_days_later_skipping_thanksgiving(
    engine: Engine, gateway: SimulatedGateway, customer: str
) -> None:
    # given a debit on Wednesday 25 November (Thursday 26 is Thanksgiving)
    account = save(gateway, customer, MethodKind.BANK, "000123456789")
    result = gateway.charge(charge(customer, account, MethodKind.BANK, "k4"))
    # then it is processing until Fri 27, Mon 30, Tue 1 and Wed 2 December have passed
    assert result.status is ChargeStatus.PROCESSING
    assert result.settles_on == date(2026, 12, 2)
    # when the day before comes, and the settlement date's first hours in UTC (still 1 Dec in NY)
    assert gateway.due_events(eastern(date(2026, 12, 1), 23)) == []
    assert gateway.due_events(datetime(2026, 12, 2, 3, 0, tzinfo=UTC)) == []
    assert payment(engine, result.ref).status == ChargeStatus.PROCESSING
    # when the settlement date comes
    settled_at = eastern(date(2026, 12, 2), 9)
    events = gateway.due_events(settled_at)
    # then
    assert events == [
        GatewayEvent(
            id=f"evt_{result.ref}_succeeded",
            type="payment.succeeded",
            payment_ref=result.ref,
            status=ChargeStatus.SUCCEEDED,
            failure_code="",
            created=settled_at,
            method_ref=account,
        )
    ]
    assert payment(engine, result.ref).status == ChargeStatus.SUCCEEDED
    # the same event, created when it settled, until the consumer has stored its id
    assert gateway.due_events(settled_at + timedelta(hours=1)) == events
    acknowledge(engine, events)
    assert gateway.due_events(settled_at + timedelta(hours=2)) == []
    assert gateway.due_events(settled_at + timedelta(days=10)) == []
    assert payment(engine, result.ref).event_emitted


@pytest.mark.parametrize(
    ("number", "code"), [("000111111116", "R01"), ("000111111113", "R02"), ("000222222227", "R03")]
)
def test_a_bank_debit_comes_back_with_its_return_code_on_the_settlement_date(
    engine: Engine, gateway: SimulatedGateway, customer: str, number: str, code: str
) -> None:
    account = save(gateway, customer, MethodKind.BANK, number)
    result = gateway.charge(charge(customer, account, MethodKind.BANK, "k5"))
    # the return is not known when the debit starts
    assert (result.status, result.failure_code) == (ChargeStatus.PROCESSING, "")
    events = gateway.due_events(eastern(date(2026, 12, 2), 9))
    assert [(e.type, e.status, e.failure_code, e.payment_ref) for e in events] == [
        ("payment.failed", ChargeStatus.FAILED, code, result.ref)
    ]
    assert payment(engine, result.ref).status == ChargeStatus.FAILED
    with pytest.raises(GatewayRequestRefused, match="only succeeded"):
        gateway.refund(payment_ref=result.ref or "", amount_cents=100, idempotency_key="r0")


def test_an_event_is_handed_out_again_until_acknowledged_then_never_again(
    engine: Engine, gateway: SimulatedGateway, customer: str
) -> None:
    # given two debits that settle on Wednesday 2 December, one of them returned
    settle = save(gateway, customer, MethodKind.BANK, "000123456789")
    returned = save(gateway, customer, MethodKind.BANK, "000111111116")
    paid = gateway.charge(charge(customer, settle, MethodKind.BANK, "k-paid")).ref
    bounced = gateway.charge(charge(customer, returned, MethodKind.BANK, "k-bounced")).ref
    settled_at = eastern(date(2026, 12, 2), 9)
    first = gateway.due_events(settled_at)
    assert [(e.payment_ref, e.id) for e in first] == [
        (paid, f"evt_{paid}_succeeded"),
        (bounced, f"evt_{bounced}_failed"),
    ]
    # when the consumer stores only the first (and another gateway's event of the same id)
    acknowledge(engine, first[:1])
    acknowledge(engine, first[1:], gateway="stripe")
    # then only the second comes again, unchanged, on every call until it is stored too
    assert gateway.due_events(settled_at + timedelta(hours=1)) == first[1:]
    assert gateway.due_events(settled_at + timedelta(days=3)) == first[1:]
    assert (payment(engine, paid).event_emitted, payment(engine, bounced).event_emitted) == (
        True,
        False,
    )
    acknowledge(engine, first[1:])
    assert gateway.due_events(settled_at + timedelta(days=4)) == []
    assert payment(engine, bounced).event_emitted
    # resolving happened once: the payments keep the status and time of the first call
    assert (payment(engine, bounced).status, payment(engine, bounced).resolved_at) == (
        ChargeStatus.FAILED,
        settled_at,
    )


def test_events_handed_to_a_worker_that_died_are_handed_out_again(
    engine: Engine, gateway: SimulatedGateway, customer: str
) -> None:
    account = save(gateway, customer, MethodKind.BANK, "000123456789")
    refs = [gateway.charge(charge(customer, account, MethodKind.BANK, k)).ref for k in ("a", "b")]
    settled_at = eastern(date(2026, 12, 2), 9)
    # when a worker takes the events and dies before applying any (its answer is lost)
    lost = gateway.due_events(settled_at)
    assert [e.payment_ref for e in lost] == refs  # in the order they were made
    assert [payment(engine, ref).status for ref in refs] == [ChargeStatus.SUCCEEDED] * 2
    # then the next worker gets the very same events
    assert gateway.due_events(settled_at + timedelta(minutes=5)) == lost
    assert [payment(engine, ref).event_emitted for ref in refs] == [False, False]


def test_concurrent_callers_each_get_every_unacknowledged_event_at_least_once(
    engine: Engine, gateway: SimulatedGateway, customer: str, frozen: Callable[[timedelta], None]
) -> None:
    # given twelve bank debits over three days, some of which will be returned
    settle = save(gateway, customer, MethodKind.BANK, "000123456789")
    returned = save(gateway, customer, MethodKind.BANK, "000111111116")
    refs = []
    for i in range(12):
        if i % 4 == 0:
            frozen(timedelta(days=1))
        method = returned if i % 3 == 0 else settle
        refs.append(gateway.charge(charge(customer, method, MethodKind.BANK, f"k-{i}")).ref)
    # when four workers ask for due events at the same moment (each by its own clock), twice
    later = eastern(date(2026, 12, 20), 9)
    clocks = iter(later + timedelta(seconds=n) for n in range(8))
    lock = threading.Lock()

    def worker() -> list[GatewayEvent]:
        with lock:
            now = next(clocks)
        return gateway.due_events(now)

    batches = all_at_once(4, worker)
    batches += all_at_once(4, worker)
    # then every debit's event was handed out, at least once, and always the same event
    # (the same `created`: each payment was resolved by one caller only)
    handed_out = [e for batch in batches for e in batch]
    assert {e.payment_ref for e in handed_out} == set(refs)
    by_id = {e.id: e for e in handed_out}
    assert len(by_id) == len(refs)
    assert all(by_id[e.id] == e for e in handed_out)
    failed = {e.payment_ref for e in handed_out if e.failure_code == "R01"}
    assert failed == {refs[i] for i in range(12) if i % 3 == 0}
    # and once the consumer has stored each event id (it de-duplicates), none comes again
    acknowledge(engine, handed_out)
    assert count(engine, WebhookEvent) == len(refs)
    assert all_at_once(4, lambda: gateway.due_events(later)) == [[]] * 4
    with Session(engine) as s:
        assert set(s.exec(select(SimPayment.event_emitted)).all()) == {True}


# --- idempotency ----------------------------------------------------------------------------


def test_the_same_key_charges_once_and_answers_the_same(
    engine: Engine, gateway: SimulatedGateway, customer: str
) -> None:
    account = save(gateway, customer, MethodKind.BANK, "000123456789")
    request = charge(customer, account, MethodKind.BANK, "invoice-123-try-1")
    first = gateway.charge(request)
    again = gateway.charge(request)
    assert again == first
    assert count(engine, SimPayment) == 1
    # even after settlement, a retry answers what the first call answered
    assert len(gateway.due_events(eastern(date(2026, 12, 2), 9))) == 1
    assert gateway.charge(request) == first


def test_concurrent_retries_with_one_key_make_one_payment(
    engine: Engine, gateway: SimulatedGateway, customer: str
) -> None:
    card = save(gateway, customer, MethodKind.CARD, "4242424242424242")
    request = charge(customer, card, MethodKind.CARD, "double-click")
    results = all_at_once(4, lambda: gateway.charge(request))
    assert len({r.ref for r in results}) == 1
    assert count(engine, SimPayment) == 1


def test_a_key_reused_with_another_amount_is_refused(
    engine: Engine, gateway: SimulatedGateway, customer: str
) -> None:
    card = save(gateway, customer, MethodKind.CARD, "4242424242424242")
    gateway.charge(charge(customer, card, MethodKind.CARD, "k6"))
    with pytest.raises(GatewayRequestRefused) as refused:
        gateway.charge(charge(customer, card, MethodKind.CARD, "k6", amount=999))
    assert refused.value.code == "idempotency_error"
    assert count(engine, SimPayment) == 1


def test_customers_and_setups_are_idempotent_too(gateway: SimulatedGateway, customer: str) -> None:
    assert (
        gateway.create_customer(
            name="Robert Rivera", email="robert@example.test", idempotency_key="payer-7"
        )
        == customer
    )
    first = gateway.start_setup(
        customer_ref=customer, kinds=[MethodKind.CARD, MethodKind.BANK], idempotency_key="s1"
    )
    again = gateway.start_setup(
        customer_ref=customer, kinds=[MethodKind.BANK, MethodKind.CARD], idempotency_key="s1"
    )
    assert again == first
    assert first.client_secret.startswith(first.ref)
    with pytest.raises(GatewayRequestRefused, match="No such customer"):
        gateway.start_setup(customer_ref="cus_x", kinds=[MethodKind.CARD], idempotency_key="s2")


# --- refunds --------------------------------------------------------------------------------


def test_refunds_never_exceed_what_was_paid(
    engine: Engine, gateway: SimulatedGateway, customer: str
) -> None:
    card = save(gateway, customer, MethodKind.CARD, "4242424242424242")
    paid = gateway.charge(charge(customer, card, MethodKind.CARD, "k7"))
    assert paid.ref is not None
    first = gateway.refund(payment_ref=paid.ref, amount_cents=10000, idempotency_key="r1")
    assert (first.status, first.amount_cents) == ("succeeded", 10000)
    assert gateway.refund(payment_ref=paid.ref, amount_cents=10000, idempotency_key="r1") == first
    with pytest.raises(GatewayRequestRefused) as refused:
        gateway.refund(payment_ref=paid.ref, amount_cents=2501, idempotency_key="r2")
    assert refused.value.code == "amount_too_large"
    gateway.refund(payment_ref=paid.ref, amount_cents=2500, idempotency_key="r3")
    with Session(engine) as s:
        total = s.exec(select(func.sum(SimRefund.amount_cents))).one()
    assert total == 12500


def test_concurrent_refunds_cannot_overdraw_a_payment(
    engine: Engine, gateway: SimulatedGateway, customer: str
) -> None:
    card = save(gateway, customer, MethodKind.CARD, "4242424242424242")
    paid = gateway.charge(charge(customer, card, MethodKind.CARD, "k8"))
    keys = iter(f"r-{i}" for i in range(4))
    lock = threading.Lock()

    def refund_half() -> str:
        with lock:
            key = next(keys)
        try:
            gateway.refund(payment_ref=paid.ref or "", amount_cents=6250, idempotency_key=key)
            return "ok"
        except GatewayRequestRefused as exc:
            return exc.code

    outcomes = all_at_once(4, refund_half)
    assert sorted(outcomes) == ["amount_too_large", "amount_too_large", "ok", "ok"]
    assert count(engine, SimRefund) == 2


# --- an outside processor -------------------------------------------------------------------


def test_its_books_are_kept_outside_the_callers_transaction(
    engine: Engine, gateway: SimulatedGateway, customer: str
) -> None:
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite has one writer: a caller holding a transaction would block it")
    card = save(gateway, customer, MethodKind.CARD, "4242424242424242")
    with Session(engine) as caller:
        caller.execute(text("SELECT 1"))  # the caller's transaction is open
        result = gateway.charge(charge(customer, card, MethodKind.CARD, "k9"))
        caller.rollback()  # and then fails
    assert payment(engine, result.ref).status == ChargeStatus.SUCCEEDED


def test_it_sends_no_webhooks(gateway: SimulatedGateway) -> None:
    with pytest.raises(WebhookSignatureError):
        gateway.parse_webhook(b"{}", "t=1,v1=x")
