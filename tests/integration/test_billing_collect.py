"""Collecting invoices through the simulated processor: cards, bank transfers, returns,
retries, a worker killed after the charge, replayed events, manual payments and refunds."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from practicerunner.billing.collect import (
    EventNotReady,
    ManualPayment,
    apply_event,
    attempt_key,
    collect_due,
    plan_attempts,
    record_manual_payment,
    refund,
)
from practicerunner.billing.gateways.base import (
    EVENT_PAYMENT_FAILED,
    EVENT_PAYMENT_SUCCEEDED,
    ChargeRequest,
    ChargeStatus,
    GatewayEvent,
    MethodKind,
)
from practicerunner.billing.gateways.simulated import SimulatedGateway
from practicerunner.billing.gateways.simulated_models import SimPayment
from practicerunner.billing.methods import add_method, ensure_customer
from practicerunner.billing.models import (
    BillingArrangement,
    BillingRun,
    Invoice,
    PayerMethod,
    PaymentAttempt,
)
from practicerunner.billing.policies import PolicyForm, save_policy
from practicerunner.billing.worker import run_and_collect
from practicerunner.core import clock
from practicerunner.core.errors import ValidationFailed
from tests.integration.billing_support import balance, invoices_of, seen

FRIDAY = date(2026, 12, 4)
FRIDAY_MORNING = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)  # 7 am in Los Angeles


@pytest.fixture
def travel() -> Iterator:  # type: ignore[type-arg]
    with clock.frozen_at(FRIDAY_MORNING) as move:
        yield move


def auto_pay(session: Session, people, number: str, kind: MethodKind, **form: object):  # type: ignore[no-untyped-def]
    """Practice on weekly-Friday auto-pay; the clinician's client saves a method and a session."""
    save_policy(
        session,
        people.owner,
        "practice",
        None,
        PolicyForm(collection="auto_pay", **form),  # type: ignore[arg-type]
    )
    gateway = SimulatedGateway()
    case = people.cases["clinician"]
    key = f"client:{people.clients['clinician'].id}"
    customer = ensure_customer(session, gateway, key)
    saved = gateway.save_test_method(customer, kind, number)
    add_method(session, gateway.name, key, saved, auto_pay=True)
    seen(session, people, case, date(2026, 12, 1), 9)
    return gateway, case, key


def collect(session: Session, gateway: SimulatedGateway) -> dict[str, int]:
    """The worker's hourly billing job on Friday the 4th, as its own sessions run it.

    The test's session ends its transaction first: on SQLite a read holds the write lock.
    """
    session.rollback()
    result = run_and_collect(FRIDAY, gateway)
    session.expire_all()
    return result


def sim_payments(session: Session) -> int:
    return session.exec(select(func.count()).select_from(SimPayment)).one()


def test_card_on_file_is_charged_on_friday_once(session: Session, people, travel) -> None:  # type: ignore[no-untyped-def]
    gateway, case, key = auto_pay(session, people, "4242424242424242", MethodKind.CARD)
    result = collect(session, gateway)
    assert result == {"runs": 1, "invoices": 1, "attempts": 1}
    session.expire_all()
    [invoice] = invoices_of(session, case)
    assert invoice.status == "paid" and invoice.paid_cents == 16000
    assert balance(session, key) == 0
    run = session.exec(select(BillingRun)).one()
    assert (run.charges_attempted, run.succeeded, run.failed) == (1, 1, 0)

    assert collect(session, gateway) == {"runs": 1, "invoices": 0, "attempts": 0}
    assert sim_payments(session) == 1


def test_bank_debit_is_announced_three_days_ahead_then_processing_until_it_settles(
    session: Session, people, travel
) -> None:  # type: ignore[no-untyped-def]
    gateway, case, key = auto_pay(
        session, people, "000123456789", MethodKind.BANK, bank_discount="5"
    )
    collect(session, gateway)
    [invoice] = invoices_of(session, case)
    assert invoice.total_cents == 16000 - 500  # the bank discount, from the listed fee
    assert invoice.status == "open" and invoice.collect_on == date(2026, 12, 7)
    assert sim_payments(session) == 0  # told first, debited on Monday

    travel(timedelta(days=3))  # Monday the 7th
    collect(session, gateway)
    [invoice] = invoices_of(session, case)
    assert invoice.status == "processing"
    # Mon Dec 7 + 4 bank business days: Tue 8, Wed 9, Thu 10, Fri 11.
    assert invoice.processing_until == date(2026, 12, 11)
    assert balance(session, key) == 15500  # not collected while processing

    travel(timedelta(days=3))  # Thursday: still processing
    collect(session, gateway)
    assert invoices_of(session, case)[0].status == "processing"

    travel(timedelta(days=1))  # Friday the 11th: settled
    collect(session, gateway)
    [invoice] = invoices_of(session, case)
    assert invoice.status == "paid" and invoice.processing_until is None
    assert balance(session, key) == 0
    run = session.exec(select(BillingRun)).one()
    assert (run.succeeded, run.processing, run.failed) == (1, 0, 0)


def test_a_payer_told_only_above_an_amount_is_debited_at_once_below_it(
    session: Session, people, travel
) -> None:  # type: ignore[no-untyped-def]
    gateway, case, _key = auto_pay(session, people, "000123456789", MethodKind.BANK)
    method = session.exec(select(PayerMethod)).one()
    method.notice_above_cents = 20000
    session.add(method)
    session.commit()
    collect(session, gateway)
    [invoice] = invoices_of(session, case)
    assert invoice.collect_on == FRIDAY and invoice.status == "processing"


def test_insufficient_funds_reopens_and_retries_at_most_twice(
    session: Session, people, travel
) -> None:  # type: ignore[no-untyped-def]
    gateway, case, _key = auto_pay(session, people, "000111111116", MethodKind.BANK)
    collect(session, gateway)
    tries = 1
    for _ in range(6):
        travel(timedelta(days=7))
        collect(session, gateway)
        session.expire_all()
        tries = session.exec(select(func.count()).select_from(PaymentAttempt)).one()
    assert tries == 3  # the first debit and two retries, all returned R01
    [invoice] = invoices_of(session, case)
    assert invoice.status == "open" and invoice.paid_cents == 0
    method = session.exec(select(PayerMethod)).one()
    assert method.disabled_reason == ""  # R01 does not disable the account


def test_account_closed_disables_the_bank_method_and_is_not_retried(
    session: Session, people, travel
) -> None:  # type: ignore[no-untyped-def]
    gateway, case, _key = auto_pay(session, people, "000111111113", MethodKind.BANK)
    collect(session, gateway)
    travel(timedelta(days=7))
    collect(session, gateway)
    travel(timedelta(days=7))
    collect(session, gateway)
    session.expire_all()
    assert session.exec(select(func.count()).select_from(PaymentAttempt)).one() == 1
    method = session.exec(select(PayerMethod)).one()
    assert method.disabled_reason == "Returned by the bank (R02)"
    assert invoices_of(session, case)[0].status == "open"


def test_declined_card_retried_nightly_then_the_case_moves_to_auto_invoice(
    session: Session, people, travel
) -> None:  # type: ignore[no-untyped-def]
    gateway, case, _key = auto_pay(session, people, "4000000000000002", MethodKind.CARD)
    collect(session, gateway)
    collect(session, gateway)  # an hour later: no retry yet
    session.expire_all()
    assert session.exec(select(func.count()).select_from(PaymentAttempt)).one() == 1
    for _ in range(5):
        travel(timedelta(days=1))
        collect(session, gateway)
    session.expire_all()
    assert session.exec(select(func.count()).select_from(PaymentAttempt)).one() == 4  # 1 + 3
    arrangement = session.exec(
        select(BillingArrangement).where(BillingArrangement.case_id == case.id)
    ).one()
    assert arrangement.collection == "auto_invoice"
    [invoice] = invoices_of(session, case)
    assert invoice.collection == "auto_invoice" and invoice.status == "open"


def test_worker_killed_after_the_processor_took_the_money_charges_once(
    session: Session, people, travel
) -> None:  # type: ignore[no-untyped-def]
    gateway, case, key = auto_pay(session, people, "4242424242424242", MethodKind.CARD)
    from practicerunner.billing.runs import run_billing

    run_billing(session, FRIDAY)
    [attempt_id] = plan_attempts(session)
    attempt = session.get(PaymentAttempt, attempt_id)
    assert attempt.idempotency_key == attempt_key(attempt.invoice_id, 1)  # type: ignore[union-attr]
    request = ChargeRequest(
        amount_cents=attempt.amount_cents,  # type: ignore[union-attr]
        customer_ref=ensure_customer(session, gateway, key),
        method_ref=attempt.method_ref,  # type: ignore[union-attr]
        method_kind=MethodKind.CARD,
        idempotency_key=attempt.idempotency_key,  # type: ignore[union-attr]
        description="Invoice",
    )
    session.rollback()
    # The worker sent the charge and died before writing down the answer.
    gateway.charge(request)
    assert collect_due(session, gateway) == 1  # the restarted worker tries again, same key
    session.expire_all()
    assert sim_payments(session) == 1
    [invoice] = invoices_of(session, case)
    assert invoice.status == "paid" and balance(session, key) == 0


def test_replayed_and_early_events_change_nothing_twice(session: Session, people, travel) -> None:  # type: ignore[no-untyped-def]
    gateway, _case, key = auto_pay(session, people, "000123456789", MethodKind.BANK)
    collect(session, gateway)
    travel(timedelta(days=3))  # the debit goes out on Monday, after its notice
    collect(session, gateway)
    attempt = session.exec(select(PaymentAttempt)).one()
    assert attempt.status == "processing"
    event = GatewayEvent(
        id="evt_test_1",
        type=EVENT_PAYMENT_SUCCEEDED,
        payment_ref=attempt.gateway_ref,
        status=ChargeStatus.SUCCEEDED,
        failure_code="",
        created=clock.now(),
    )
    assert apply_event(session, "simulated", event) == "applied"
    assert apply_event(session, "simulated", event) == "duplicate"
    assert balance(session, key) == 0
    early = GatewayEvent(
        id="evt_test_2",
        type=EVENT_PAYMENT_SUCCEEDED,
        payment_ref="pay_not_recorded_yet",
        status=ChargeStatus.SUCCEEDED,
        failure_code="",
        created=clock.now(),
    )
    with pytest.raises(EventNotReady):
        apply_event(session, "simulated", early)
    # A failure about a payment never recorded (a card declined on Stripe's own checkout
    # page) had nothing to undo: acknowledged, not retried for days.
    declined = GatewayEvent(
        id="evt_test_3",
        type=EVENT_PAYMENT_FAILED,
        payment_ref="pi_declined_on_checkout",
        status=ChargeStatus.FAILED,
        failure_code="card_declined",
        created=clock.now(),
    )
    assert apply_event(session, "simulated", declined) == "ignored"
    assert apply_event(session, "simulated", declined) == "duplicate"
    assert balance(session, key) == 0


def test_manual_payments_checked_and_recorded(session: Session, people, travel) -> None:  # type: ignore[no-untyped-def]
    save_policy(session, people.owner, "practice", None, PolicyForm(collection="manual"))
    case = people.cases["clinician"]
    seen(session, people, case, date(2026, 12, 1), 9)
    collect(session, SimulatedGateway())
    session.expire_all()
    [invoice] = invoices_of(session, case)
    iid = int(invoice.id)  # type: ignore[arg-type]
    bad = [
        (ManualPayment(iid, "0", "cash", "2026-12-04"), "amount"),
        (ManualPayment(iid, "200.00", "cash", "2026-12-04"), "amount"),
        (ManualPayment(iid, "abc", "cash", "2026-12-04"), "amount"),
        (ManualPayment(iid, "50", "bitcoin", "2026-12-04"), "method"),
        (ManualPayment(iid, "50", "cash", "2027-01-04"), "received_on"),
    ]
    for form, field in bad:
        with pytest.raises(ValidationFailed) as failed:
            record_manual_payment(session, people.biller, form)
        assert field in failed.value.errors
    assert balance(session, invoice.payer_key) == 16000

    record_manual_payment(
        session, people.biller, ManualPayment(iid, "60", "check", "2026-12-04", "1021")
    )
    session.expire_all()
    assert session.get(Invoice, iid).status == "open"  # type: ignore[union-attr]
    record_manual_payment(session, people.biller, ManualPayment(iid, "100", "cash", "2026-12-04"))
    session.expire_all()
    assert session.get(Invoice, iid).status == "paid"  # type: ignore[union-attr]
    assert balance(session, invoice.payer_key) == 0


def test_refunds_partial_then_the_rest_never_more(session: Session, people, travel) -> None:  # type: ignore[no-untyped-def]
    gateway, _case, key = auto_pay(session, people, "4242424242424242", MethodKind.CARD)
    collect(session, gateway)
    session.expire_all()
    attempt = session.exec(select(PaymentAttempt)).one()
    aid = int(attempt.id)  # type: ignore[arg-type]
    assert refund(session, people.biller, gateway, aid, "40.00") == 4000
    assert balance(session, key) == 4000
    with pytest.raises(ValidationFailed):
        refund(session, people.biller, gateway, aid, "130.00")
    assert refund(session, people.biller, gateway, aid, "") == 12000  # the rest
    assert balance(session, key) == 16000
    with pytest.raises(ValidationFailed):
        refund(session, people.biller, gateway, aid, "1")
