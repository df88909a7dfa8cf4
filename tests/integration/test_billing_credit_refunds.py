"""Pre-billed credits refunded per policy: a session cancelled in time after its month was paid
by card goes back to the card (each payer's share), once, and the next invoice nets nothing
for it; invoices paid another way, and policies that keep credits, net it next month."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func
from sqlmodel import Session, col, select

from practicerunner.billing.collect import (
    ManualPayment,
    credits_to_refund,
    record_manual_payment,
    refund,
)
from practicerunner.billing.gateways.base import MethodKind
from practicerunner.billing.gateways.simulated import SimulatedGateway
from practicerunner.billing.gateways.simulated_models import SimRefund
from practicerunner.billing.methods import add_method, ensure_customer
from practicerunner.billing.models import Invoice, LedgerEntry, PaymentAttempt
from practicerunner.billing.policies import PolicyForm, save_policy
from practicerunner.billing.worker import run_and_collect
from practicerunner.clients.models import Case
from practicerunner.core import clock
from practicerunner.core.audit import AuditEvent
from practicerunner.scheduling.models import Appointment
from tests.integration.billing_support import (
    balance,
    couple_with_contact,
    invoices_of,
    lines_of,
    seen,
)

DEC_1 = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)  # 7 am in Los Angeles
CARD = "4242424242424242"
FEE = 16000
CREDIT = "Credit: cancelled session"

Travel = Callable[[timedelta], object]


@pytest.fixture
def travel() -> Iterator[Travel]:
    with clock.frozen_at(DEC_1) as move:
        yield move


def pre_billed(
    session: Session, people, *, refund_credits: bool, collection: str = "auto_pay"
) -> None:  # type: ignore[no-untyped-def]
    """The practice bills each month ahead on the 1st."""
    form = PolicyForm(
        model="pre_billed",
        frequency="monthly",
        weekday="",
        month_day="1",
        collection=collection,
        refund_credits=refund_credits,
    )
    save_policy(session, people.owner, "practice", None, form)


def card(session: Session, gateway: SimulatedGateway, key: str) -> None:
    customer = ensure_customer(session, gateway, key)
    saved = gateway.save_test_method(customer, MethodKind.CARD, CARD)
    add_method(session, gateway.name, key, saved, auto_pay=True)


def december(session: Session, people, case: Case, **fees: int) -> list[Appointment]:  # type: ignore[no-untyped-def]
    """Four Monday sessions booked in December (a fee per day number may be overridden)."""
    return [
        seen(session, people, case, date(2026, 12, d), 10, "scheduled", fee_cents=fees.get(f"d{d}"))
        for d in (7, 14, 21, 28)
    ]


def cancel(session: Session, appointment: Appointment) -> None:
    """The client cancels in good time (a late cancellation would be a fee, not a credit)."""
    appointment.status = "cancelled_client"
    session.add(appointment)
    session.commit()


def hourly(session: Session, gateway: SimulatedGateway, on: date) -> dict[str, int]:
    """The worker's billing job, in its own sessions (the test's transaction ends first)."""
    session.rollback()
    result = run_and_collect(on, gateway)
    session.expire_all()
    return result


def refunds(session: Session) -> list[int]:
    session.rollback()
    return sorted(session.exec(select(SimRefund.amount_cents)).all())


def entries(session: Session, key: str, kind: str) -> list[int]:
    return list(
        session.exec(
            select(LedgerEntry.amount_cents)
            .where(LedgerEntry.payer_key == key, LedgerEntry.kind == kind)
            .order_by(col(LedgerEntry.id))
        ).all()
    )


def credit_lines(session: Session, case: Case) -> list[int]:
    return [
        x.amount_cents
        for invoice in invoices_of(session, case)
        for x in lines_of(session, invoice)
        if x.description == CREDIT
    ]


def test_card_paid_month_cancelled_session_goes_back_to_the_card_once(
    session: Session, people, travel: Travel
) -> None:  # type: ignore[no-untyped-def]
    pre_billed(session, people, refund_credits=True)
    gateway = SimulatedGateway()
    case = people.cases["clinician"]
    key = f"client:{people.clients['clinician'].id}"
    card(session, gateway, key)
    booked = december(session, people, case)
    hourly(session, gateway, date(2026, 12, 1))
    [first] = invoices_of(session, case)
    assert first.status == "paid" and first.paid_cents == 4 * FEE
    assert balance(session, key) == 0

    cancel(session, booked[2])  # the 21st
    travel(timedelta(hours=1))
    hourly(session, gateway, date(2026, 12, 1))
    assert refunds(session) == [FEE]
    assert entries(session, key, "refund") == [FEE]
    assert entries(session, key, "credit") == [-FEE]
    assert balance(session, key) == 0  # paid, cancelled, money back: nothing owed either way
    session.expire_all()
    assert session.get(Invoice, first.id).status == "paid"  # type: ignore[union-attr]

    for _ in range(2):  # later hours refund nothing more
        travel(timedelta(hours=1))
        hourly(session, gateway, date(2026, 12, 1))
    assert refunds(session) == [FEE]

    # January: two sessions booked; the invoice has no credit line and is charged in full.
    for d in (4, 11):
        seen(session, people, case, date(2027, 1, d), 10, "scheduled")
    travel(datetime(2027, 1, 1, 15, 0, tzinfo=UTC) - clock.now())
    hourly(session, gateway, date(2027, 1, 1))
    hourly(session, gateway, date(2027, 1, 1))
    second = invoices_of(session, case)[1]
    assert sorted(x.amount_cents for x in lines_of(session, second)) == [FEE, FEE]
    assert second.total_cents == 2 * FEE and second.status == "paid"
    assert credit_lines(session, case) == []
    assert balance(session, key) == 0
    assert refunds(session) == [FEE]

    # Staff can still refund only what is left of December's payment.
    attempt = session.exec(
        select(PaymentAttempt).where(PaymentAttempt.invoice_id == first.id)
    ).one()
    assert refund(session, people.biller, gateway, int(attempt.id), "") == 3 * FEE  # type: ignore[arg-type]


def test_cancelled_just_before_the_run_is_refunded_by_that_run_not_netted(
    session: Session, people, travel: Travel
) -> None:  # type: ignore[no-untyped-def]
    pre_billed(session, people, refund_credits=True)
    gateway = SimulatedGateway()
    case = people.cases["clinician"]
    key = f"client:{people.clients['clinician'].id}"
    card(session, gateway, key)
    booked = december(session, people, case)
    hourly(session, gateway, date(2026, 12, 1))
    seen(session, people, case, date(2027, 1, 4), 10, "scheduled")
    travel(datetime(2027, 1, 1, 15, 0, tzinfo=UTC) - clock.now())
    cancel(session, booked[3])  # no job ran between the cancellation and January's run
    hourly(session, gateway, date(2027, 1, 1))
    assert credit_lines(session, case) == []
    assert invoices_of(session, case)[1].total_cents == FEE
    assert refunds(session) == [FEE]
    assert balance(session, key) == 0


def test_couple_split_fifty_fifty_each_gets_their_share_back(
    session: Session, people, travel: Travel
) -> None:  # type: ignore[no-untyped-def]
    pre_billed(session, people, refund_credits=True)
    gateway = SimulatedGateway()
    case, jordan, alex, _ = couple_with_contact(session, people, contact_pays=False)
    keys = [f"client:{jordan.id}", f"client:{alex.id}"]
    for key in keys:
        card(session, gateway, key)
    booked = december(session, people, case, d14=15001)  # an odd fee: 7501 + 7500
    hourly(session, gateway, date(2026, 12, 1))
    assert all(i.status == "paid" for i in invoices_of(session, case))
    cancel(session, booked[1])
    travel(timedelta(hours=1))
    hourly(session, gateway, date(2026, 12, 1))
    hourly(session, gateway, date(2026, 12, 1))
    assert refunds(session) == [7500, 7501]
    assert entries(session, keys[0], "refund") == [7501]
    assert entries(session, keys[1], "refund") == [7500]
    assert [balance(session, k) for k in keys] == [0, 0]

    travel(datetime(2027, 1, 1, 15, 0, tzinfo=UTC) - clock.now())
    seen(session, people, case, date(2027, 1, 4), 10, "scheduled")
    hourly(session, gateway, date(2027, 1, 1))
    assert credit_lines(session, case) == []
    january = [i for i in invoices_of(session, case) if i.period_key.endswith("2027-01-01")]
    assert sorted(i.total_cents for i in january) == [FEE // 2, FEE // 2]
    assert [balance(session, k) for k in keys] == [0, 0]
    assert refunds(session) == [7500, 7501]


def test_a_partner_who_paid_by_card_is_refunded_the_one_who_has_not_paid_is_credited(
    session: Session, people, travel: Travel
) -> None:  # type: ignore[no-untyped-def]
    pre_billed(session, people, refund_credits=True)
    gateway = SimulatedGateway()
    case, jordan, alex, _ = couple_with_contact(session, people, contact_pays=False)
    jordan_key, alex_key = f"client:{jordan.id}", f"client:{alex.id}"
    card(session, gateway, jordan_key)  # Alex saved no card: Alex's invoice waits, unpaid
    booked = december(session, people, case)
    hourly(session, gateway, date(2026, 12, 1))
    cancel(session, booked[0])
    travel(timedelta(hours=1))
    hourly(session, gateway, date(2026, 12, 1))
    assert refunds(session) == [FEE // 2]
    assert balance(session, jordan_key) == 0
    assert balance(session, alex_key) == 4 * FEE // 2  # Alex still owes December

    travel(datetime(2027, 1, 1, 15, 0, tzinfo=UTC) - clock.now())
    seen(session, people, case, date(2027, 1, 4), 10, "scheduled")
    hourly(session, gateway, date(2027, 1, 1))
    assert credit_lines(session, case) == [-FEE // 2]
    [alex_january] = [
        i
        for i in invoices_of(session, case)
        if i.payer_key == alex_key and i.period_key.endswith("2027-01-01")
    ]
    assert alex_january.total_cents == 0  # a half session owed, a half session credited
    assert balance(session, alex_key) == 4 * FEE // 2
    assert refunds(session) == [FEE // 2]


def test_with_refund_credits_off_the_credit_is_netted_as_before(
    session: Session, people, travel: Travel
) -> None:  # type: ignore[no-untyped-def]
    pre_billed(session, people, refund_credits=False)
    gateway = SimulatedGateway()
    case = people.cases["clinician"]
    key = f"client:{people.clients['clinician'].id}"
    card(session, gateway, key)
    booked = december(session, people, case)
    hourly(session, gateway, date(2026, 12, 1))
    cancel(session, booked[2])
    travel(timedelta(hours=1))
    hourly(session, gateway, date(2026, 12, 1))
    assert refunds(session) == []
    assert balance(session, key) == 0  # the credit waits for January

    for d in (4, 11):
        seen(session, people, case, date(2027, 1, d), 10, "scheduled")
    travel(datetime(2027, 1, 1, 15, 0, tzinfo=UTC) - clock.now())
    hourly(session, gateway, date(2027, 1, 1))
    second = invoices_of(session, case)[1]
    assert sorted(x.amount_cents for x in lines_of(session, second)) == [-FEE, FEE, FEE]
    assert second.total_cents == FEE and second.status == "paid"
    assert balance(session, key) == 0
    assert refunds(session) == []


def test_a_month_paid_in_cash_keeps_its_credit_for_the_next_invoice(
    session: Session, people, travel: Travel
) -> None:  # type: ignore[no-untyped-def]
    pre_billed(session, people, refund_credits=True, collection="manual")
    gateway = SimulatedGateway()
    case = people.cases["clinician"]
    key = f"client:{people.clients['clinician'].id}"
    booked = december(session, people, case)
    hourly(session, gateway, date(2026, 12, 1))
    [first] = invoices_of(session, case)
    record_manual_payment(
        session,
        people.biller,
        ManualPayment(int(first.id), str(first.total_cents / 100), "cash", "2026-12-01"),  # type: ignore[arg-type]
    )
    cancel(session, booked[2])
    travel(datetime(2027, 1, 1, 15, 0, tzinfo=UTC) - clock.now())
    seen(session, people, case, date(2027, 1, 4), 10, "scheduled")
    hourly(session, gateway, date(2027, 1, 1))
    assert refunds(session) == []  # cash goes back by hand, if at all: staff's call
    assert credit_lines(session, case) == [-FEE]
    second = invoices_of(session, case)[1]
    assert second.total_cents == 0
    assert balance(session, key) == 0


def test_a_worker_killed_after_the_processor_refunded_records_it_without_refunding_again(
    session: Session, people, travel: Travel
) -> None:  # type: ignore[no-untyped-def]
    pre_billed(session, people, refund_credits=True)
    gateway = SimulatedGateway()
    case = people.cases["clinician"]
    key = f"client:{people.clients['clinician'].id}"
    card(session, gateway, key)
    booked = december(session, people, case)
    hourly(session, gateway, date(2026, 12, 1))
    cancel(session, booked[1])
    # The killed worker got as far as the processor: the refund exists, the ledger knows nothing.
    [share] = credits_to_refund(session)
    session.rollback()
    gateway.refund(
        payment_ref=share.payment_ref,
        amount_cents=share.amount_cents,
        idempotency_key=share.idempotency_key,
    )
    assert refunds(session) == [FEE]
    assert entries(session, key, "refund") == []
    travel(timedelta(hours=1))
    hourly(session, gateway, date(2026, 12, 1))  # the restarted worker
    assert refunds(session) == [FEE]
    assert entries(session, key, "refund") == [FEE]
    assert balance(session, key) == 0
    assert credits_to_refund(session) == []


def test_a_refund_the_processor_refuses_keeps_the_credit_for_next_month(
    session: Session, people, travel: Travel
) -> None:  # type: ignore[no-untyped-def]
    pre_billed(session, people, refund_credits=True)
    gateway = SimulatedGateway()
    case = people.cases["clinician"]
    key = f"client:{people.clients['clinician'].id}"
    card(session, gateway, key)
    booked = december(session, people, case)
    hourly(session, gateway, date(2026, 12, 1))
    # Someone refunded the whole payment in the processor's dashboard, outside PracticeRunner.
    attempt = session.exec(select(PaymentAttempt)).one()
    ref = str(attempt.gateway_ref)
    session.rollback()
    gateway.refund(payment_ref=ref, amount_cents=4 * FEE, idempotency_key="dashboard-1")
    cancel(session, booked[2])
    travel(timedelta(hours=1))
    hourly(session, gateway, date(2026, 12, 1))
    hourly(session, gateway, date(2026, 12, 1))
    assert refunds(session) == [4 * FEE]  # ours was refused; not asked again
    refused = session.exec(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "billing.credit_refund_refused")
    ).one()
    assert refused == 1
    travel(datetime(2027, 1, 1, 15, 0, tzinfo=UTC) - clock.now())
    seen(session, people, case, date(2027, 1, 4), 10, "scheduled")
    hourly(session, gateway, date(2027, 1, 1))
    assert credit_lines(session, case) == [-FEE]
    assert entries(session, key, "refund") == []
