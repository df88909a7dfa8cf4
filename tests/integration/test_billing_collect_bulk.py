"""Collecting many invoices at once: planning and recording in bulk, batched gateway calls.

A Friday with a dozen auto-pay payers — good cards, a declined card, one that needs its
holder, bank debits — is collected with a handful of statements whatever the number of
invoices; each outcome is applied once; a transport error in the middle of a batch leaves
that one attempt pending, to be sent again with its key. The simulated processor's
`charge_many` answers as `charge` would (repeated keys, declines, bank debits); Stripe's sends
the batch on a few threads and turns a timeout into an answer, not an exception.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event, func
from sqlmodel import Session, col, select

from practicerunner.billing.collect import (
    attempt_key,
    collect_due,
    execute_attempts,
    plan_attempts,
    record_results,
)
from practicerunner.billing.gateways.base import (
    ChargeRequest,
    ChargeResult,
    ChargeStatus,
    GatewayError,
    GatewayRequestRefused,
    MethodKind,
)
from practicerunner.billing.gateways.simulated import SimulatedGateway
from practicerunner.billing.gateways.simulated_models import SimPayment
from practicerunner.billing.gateways.stripe_gateway import StripeGateway
from practicerunner.billing.methods import add_method, ensure_customer
from practicerunner.billing.models import BillingRun, Invoice, LedgerEntry, PaymentAttempt
from practicerunner.billing.policies import PolicyForm, save_policy
from practicerunner.billing.runs import run_billing
from practicerunner.clients.models import Case
from practicerunner.core import clock
from practicerunner.messaging.models import OutboxMessage
from tests.fakes.stripe_server import API_KEY, FakeStripe
from tests.integration.billing_support import balance, invoices_of, seen
from tests.personas import add_client, add_individual_case

FRIDAY = date(2026, 12, 4)
FRIDAY_MORNING = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)  # 7 am in Los Angeles

GOOD_CARD = ("4242424242424242", MethodKind.CARD)
DECLINED = ("4000000000000002", MethodKind.CARD)
NEEDS_HOLDER = ("4000002500003155", MethodKind.CARD)
GOOD_BANK = ("000123456789", MethodKind.BANK)


@pytest.fixture
def travel() -> Iterator[Callable[[timedelta], None]]:
    with clock.frozen_at(FRIDAY_MORNING) as move:
        yield move


@dataclass
class Payer:
    case: Case
    key: str
    number: str


def auto_pay_payers(
    session: Session, people: Any, methods: Sequence[tuple[str, MethodKind]]
) -> tuple[SimulatedGateway, list[Payer]]:
    """A practice on weekly-Friday auto-pay; one client per method, each seen once this week.

    Bank payers asked to be told only above $1,000, so their debits go out on the Friday too.
    """
    save_policy(session, people.owner, "practice", None, PolicyForm(collection="auto_pay"))
    gateway = SimulatedGateway()
    clinician = people.staff["clinician"]
    made: list[Payer] = []
    for n, (number, kind) in enumerate(methods):
        client = add_client(
            session, f"Avery{n}", "Bulk", date(1980, 1, 1), clinician, f"avery{n}@example.com"
        )
        case = add_individual_case(session, client, clinician)
        session.commit()
        key = f"client:{client.id}"
        customer = ensure_customer(session, gateway, key)
        saved = gateway.save_test_method(customer, kind, number)
        notice = 100_000 if kind is MethodKind.BANK else None
        add_method(session, gateway.name, key, saved, auto_pay=True, notice_above_cents=notice)
        # Tuesday to Thursday, 9 am to 5 pm: one clinician, never two sessions at once.
        seen(session, people, case, date(2026, 12, 1) + timedelta(days=n // 9), 9 + n % 9)
        made.append(Payer(case, key, number))
    return gateway, made


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """Every SQL statement sent through ENGINE inside the block (an executemany counts once)."""
    seen_sql: list[str] = []

    def note(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        seen_sql.append(sql)

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen_sql
    finally:
        event.remove(engine, "before_cursor_execute", note)


def bill_friday(session: Session) -> None:
    run_billing(session, FRIDAY)
    session.rollback()


def count(session: Session, model: type, *where: Any) -> int:
    return int(session.exec(select(func.count()).select_from(model).where(*where)).one())


# --- collection in bulk ---------------------------------------------------------------------


def test_a_friday_of_many_payers_is_collected_in_bulk_each_outcome_once(
    session: Session, engine: Engine, people: Any, travel: Callable[[timedelta], None]
) -> None:
    methods = [GOOD_CARD] * 6 + [DECLINED, NEEDS_HOLDER] + [GOOD_BANK] * 3
    gateway, payers = auto_pay_payers(session, people, methods)
    bill_friday(session)

    assert collect_due(session, gateway) == 11
    session.expire_all()
    by_number: dict[str, list[Invoice]] = {}
    for payer in payers:
        [invoice] = invoices_of(session, payer.case)
        by_number.setdefault(payer.number, []).append(invoice)
    assert {i.status for i in by_number[GOOD_CARD[0]]} == {"paid"}
    assert {i.status for i in by_number[GOOD_BANK[0]]} == {"processing"}
    assert [i.status for i in by_number[DECLINED[0]] + by_number[NEEDS_HOLDER[0]]] == [
        "open",
        "open",
    ]
    for payer in payers:
        expected = 0 if payer.number == GOOD_CARD[0] else 16000
        assert balance(session, payer.key) == expected
    run = session.exec(select(BillingRun)).one()
    assert (run.charges_attempted, run.succeeded, run.processing, run.failed) == (11, 6, 3, 2)
    statuses = dict(
        session.exec(
            select(PaymentAttempt.status, func.count()).group_by(col(PaymentAttempt.status))
        ).all()
    )
    assert statuses == {"succeeded": 6, "processing": 3, "failed": 1, "requires_action": 1}
    # Both failures told the payer and the practice's owner and biller.
    assert count(session, OutboxMessage, col(OutboxMessage.kind).contains("fail")) >= 2
    payments = count(session, LedgerEntry, LedgerEntry.kind == "payment")
    assert payments == 6
    session.rollback()

    # The same answers recorded again (a retry after a crash) change nothing.
    answered = session.exec(select(PaymentAttempt.id, PaymentAttempt.gateway_ref)).all()
    session.rollback()
    again = {
        int(aid): ChargeResult(ChargeStatus.SUCCEEDED, ref)  # type: ignore[arg-type]
        for aid, ref in answered
    }
    assert set(record_results(session, again).values()) == {
        "succeeded",
        "processing",
        "failed",
        "requires_action",
    }
    session.expire_all()
    assert count(session, LedgerEntry, LedgerEntry.kind == "payment") == payments
    assert session.exec(select(BillingRun.charges_attempted)).one() == 11
    assert count(session, SimPayment) == 11
    session.rollback()

    # An hour later nothing is due: the practice's day, the due invoices (none) and the
    # processor's due events (two BEGINs on SQLite) — not a query per invoice.
    with statements(engine) as sql:
        assert collect_due(session, gateway) == 0
    assert len(sql) <= 6, sql
    assert count(session, SimPayment) == 11


def test_planning_and_recording_cost_the_same_few_statements_for_any_number_of_invoices(
    session: Session, engine: Engine, people: Any, travel: Callable[[timedelta], None]
) -> None:
    gateway, payers = auto_pay_payers(session, people, [GOOD_CARD] * 14)
    bill_friday(session)
    with statements(engine) as planning:
        planned = plan_attempts(session)
    assert len(planned) == 14
    # Today, practice, due invoices, their attempts, methods, INSERT, read back (+ BEGIN).
    assert len(planning) <= 8, planning
    with statements(engine) as executing:
        statuses = execute_attempts(session, gateway, planned)
    assert set(statuses.values()) == {"succeeded"}
    # Read; the processor's batch; lock attempts and invoices, two UPDATEs, ledger, run.
    assert len(executing) <= 16, executing
    session.expire_all()
    assert all(invoices_of(session, p.case)[0].status == "paid" for p in payers)
    keys = session.exec(select(SimPayment.idempotency_key).order_by(col(SimPayment.id))).all()
    attempts = session.exec(select(PaymentAttempt).order_by(col(PaymentAttempt.id))).all()
    assert keys == [attempt_key(a.invoice_id, 1) for a in attempts]


class FlakyBatches:
    """The simulated processor behind a network that loses the answers for some keys once."""

    name = "simulated"

    def __init__(self, inner: SimulatedGateway, lose: set[str]) -> None:
        self.inner = inner
        self.lose = set(lose)
        self.batches: list[list[str]] = []

    def charge_many(self, requests: Sequence[ChargeRequest]) -> list[ChargeResult | Exception]:
        self.batches.append([r.idempotency_key for r in requests])
        answers = self.inner.charge_many(requests)  # the processor did the work...
        out: list[ChargeResult | Exception] = []
        for request, answer in zip(requests, answers, strict=True):
            if request.idempotency_key in self.lose:
                self.lose.discard(request.idempotency_key)
                out.append(GatewayError("read timed out"))  # ...but this answer was lost
            else:
                out.append(answer)
        return out

    def due_events(self, now: datetime) -> list[Any]:
        return self.inner.due_events(now)


def test_a_lost_answer_mid_batch_leaves_that_attempt_pending_and_it_is_sent_again(
    session: Session, people: Any, travel: Callable[[timedelta], None]
) -> None:
    gateway, payers = auto_pay_payers(session, people, [GOOD_CARD] * 5)
    bill_friday(session)
    middle = invoices_of(session, payers[2].case)[0]
    lost_key = attempt_key(int(middle.id), 1)  # type: ignore[arg-type]
    session.rollback()
    flaky = FlakyBatches(gateway, {lost_key})

    assert collect_due(session, flaky) == 5  # type: ignore[arg-type]
    session.expire_all()
    assert [invoices_of(session, p.case)[0].status for p in payers] == [
        "paid",
        "paid",
        "open",
        "paid",
        "paid",
    ]
    waiting = session.exec(
        select(PaymentAttempt).where(PaymentAttempt.idempotency_key == lost_key)
    ).one()
    assert waiting.status == "pending"
    assert count(session, SimPayment) == 5  # the processor took all five
    session.rollback()

    assert collect_due(session, flaky) == 1  # type: ignore[arg-type]
    assert flaky.batches[-1] == [lost_key]  # sent again, with the same key
    session.expire_all()
    assert invoices_of(session, payers[2].case)[0].status == "paid"
    assert balance(session, payers[2].key) == 0
    assert count(session, SimPayment) == 5  # and charged once
    assert count(session, LedgerEntry, LedgerEntry.kind == "payment") == 5
    assert session.exec(select(BillingRun.succeeded)).one() == 5


# --- the simulated processor's batch -----------------------------------------------------------


def request(customer: str, method: str, kind: MethodKind, key: str, amount: int = 12500) -> Any:
    return ChargeRequest(
        amount_cents=amount,
        customer_ref=customer,
        method_ref=method,
        method_kind=kind,
        idempotency_key=key,
        description="Invoice INV-000123",
    )


def test_the_simulated_batch_answers_as_single_charges_would(
    engine: Engine, travel: Callable[[timedelta], None]
) -> None:
    gateway = SimulatedGateway()
    customer = gateway.create_customer(name="R", email="r@example.test", idempotency_key="p1")
    card = gateway.save_test_method(customer, MethodKind.CARD, GOOD_CARD[0]).ref
    declined = gateway.save_test_method(customer, MethodKind.CARD, DECLINED[0]).ref
    bank = gateway.save_test_method(customer, MethodKind.BANK, GOOD_BANK[0]).ref
    batch = [
        request(customer, card, MethodKind.CARD, "k1"),
        request(customer, declined, MethodKind.CARD, "k2"),
        request(customer, bank, MethodKind.BANK, "k3"),
        request(customer, card, MethodKind.CARD, "k1"),  # repeated: one payment, same answer
        request(customer, "pm_sim_missing", MethodKind.CARD, "k4"),
        request(customer, card, MethodKind.CARD, "k1", amount=999),  # key reused, other amount
        request(customer, card, MethodKind.BANK, "k5"),  # a card charged as a bank account
    ]
    answers = gateway.charge_many(batch)

    first, no, debit, repeat, missing, reused, wrong_kind = answers
    assert isinstance(first, ChargeResult) and first.status is ChargeStatus.SUCCEEDED
    assert isinstance(no, ChargeResult) and no.status is ChargeStatus.FAILED
    assert no.failure_code == "card_declined"
    assert isinstance(debit, ChargeResult) and debit.status is ChargeStatus.PROCESSING
    assert debit.settles_on == date(2026, 12, 10)  # Fri 4 + Mon, Tue, Wed, Thu
    assert repeat == first
    assert isinstance(missing, GatewayRequestRefused) and missing.code == "resource_missing"
    assert isinstance(reused, GatewayRequestRefused) and reused.code == "idempotency_error"
    assert isinstance(wrong_kind, GatewayRequestRefused)
    assert wrong_kind.code == "payment_method_invalid"
    with Session(engine) as s:
        assert count(s, SimPayment) == 3

    # The same keys again, one at a time or as a batch: the same payments, nothing new.
    assert gateway.charge(batch[0]) == first
    assert gateway.charge_many(batch[:3]) == [first, no, debit]
    assert gateway.charge_many([]) == []
    with Session(engine) as s:
        assert count(s, SimPayment) == 3
    # The bank debit settles through the processor's events as a single one would.
    later = FRIDAY_MORNING + timedelta(days=6)
    [settled] = gateway.due_events(later)
    assert settled.payment_ref == debit.ref and settled.status is ChargeStatus.SUCCEEDED


# --- Stripe's batch: a few requests in flight, a timeout as an answer -----------------------------


class SlowForOneKey(FakeStripe):
    """FakeStripe that does the work for one idempotency key at once but answers it late."""

    def __init__(self, slow_key: str, seconds: float) -> None:
        super().__init__()
        self.slow_key = slow_key
        self.seconds = seconds

    def handle(
        self, method: str, path: str, params: dict[str, Any], headers: dict[str, str]
    ) -> tuple[int, bytes, float]:
        status, body, delay = super().handle(method, path, params, headers)
        if headers.get("idempotency-key") == self.slow_key and self.seconds:
            delay, self.seconds = self.seconds, 0.0  # only the first time
        return status, body, delay


def test_a_stripe_batch_with_a_timeout_in_the_middle_answers_the_rest_and_retries_once() -> None:
    with SlowForOneKey("batch-3", seconds=2.0) as fake:
        gateway = StripeGateway(
            API_KEY, "whsec_test", api_base=fake.url, timeout_seconds=0.5, charge_threads=4
        )
        customer = gateway.create_customer(
            name="Robert Rivera", email="r@example.test", idempotency_key="c-batch"
        )
        batch = [
            request(customer, "pm_card_visa", MethodKind.CARD, f"batch-{n}") for n in range(1, 6)
        ]
        batch[3] = request(customer, "pm_card_chargeDeclined", MethodKind.CARD, "batch-4")
        started = time.perf_counter()
        answers = gateway.charge_many(batch)
        elapsed = time.perf_counter() - started

        assert isinstance(answers[2], GatewayError)
        assert [type(a) for a in answers] == [
            ChargeResult,
            ChargeResult,
            GatewayError,
            ChargeResult,
            ChargeResult,
        ]
        assert [a.status for a in answers if isinstance(a, ChargeResult)] == [
            ChargeStatus.SUCCEEDED,
            ChargeStatus.SUCCEEDED,
            ChargeStatus.FAILED,
            ChargeStatus.SUCCEEDED,
        ]
        assert elapsed < 2.0  # the others did not wait behind the slow one
        assert len(fake.payment_intents) == 5  # Stripe did the work for the lost answer too

        retried = gateway.charge_many(batch)
        assert all(isinstance(a, ChargeResult) for a in retried)
        assert [a for i, a in enumerate(retried) if i != 2] == [
            a for i, a in enumerate(answers) if i != 2
        ]
        third = retried[2]
        assert isinstance(third, ChargeResult) and third.status is ChargeStatus.SUCCEEDED
        assert third.ref in fake.payment_intents
        assert len(fake.payment_intents) == 5  # the retry charged nothing twice


def test_a_stripe_batch_sends_a_repeated_key_once_and_refuses_it_with_other_details() -> None:
    with FakeStripe() as fake:
        gateway = StripeGateway(API_KEY, "whsec_test", api_base=fake.url, timeout_seconds=5)
        customer = gateway.create_customer(
            name="Robert Rivera", email="r@example.test", idempotency_key="c-dup"
        )
        same = request(customer, "pm_card_visa", MethodKind.CARD, "dup-1")
        other = request(customer, "pm_card_visa", MethodKind.CARD, "dup-1", amount=100)
        first, again, refused = gateway.charge_many([same, same, other])
        assert isinstance(first, ChargeResult) and again == first
        assert isinstance(refused, GatewayRequestRefused)
        sent = [r for r in fake.requests if r.path == "/v1/payment_intents"]
        assert len(sent) == 1 and len(fake.payment_intents) == 1
