"""Billing emails in the outbox: the invoice with its pay link, the advance bank-debit notice,
and failed or returned payments (to the payer and to the owner and billers) — each once, and
never a word about the care itself."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session, col, select

from practicerunner.billing.gateways.base import MethodKind
from practicerunner.billing.models import Invoice
from practicerunner.billing.paylink import read_token
from practicerunner.billing.policies import PolicyForm, save_policy
from practicerunner.billing.runs import run_billing
from practicerunner.core import clock
from practicerunner.messaging.models import OutboxMessage
from tests.integration.billing_support import couple_with_contact, invoices_of, seen
from tests.integration.test_billing_collect import auto_pay, collect

FRIDAY = date(2026, 12, 4)
FRIDAY_MORNING = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)
# What must never be in a billing email: the service, its code, the case, clinical words.
FORBIDDEN = re.compile(
    r"individual therapy|90837|therap|session note|\bnotes?\b|diagnos|conflict about money"
    r"|lee couple|carl chen|\bclinician",
    re.IGNORECASE,
)


@pytest.fixture
def travel() -> Iterator:  # type: ignore[type-arg]
    with clock.frozen_at(FRIDAY_MORNING) as move:
        yield move


def mail(session: Session, kind: str | None = None) -> list[OutboxMessage]:
    session.expire_all()
    query = select(OutboxMessage).order_by(col(OutboxMessage.id))
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    return list(session.exec(query).all())


def assert_nothing_clinical(message: OutboxMessage) -> None:
    for text in (message.subject, message.body_text, message.body_html):
        found = FORBIDDEN.search(text)
        assert found is None, f"{found.group(0)!r} in {message.kind}"  # type: ignore[union-attr]


def link_in(text: str) -> str:
    found = re.search(r"https?://\S+/pay/([A-Za-z0-9_\-]+)", text)
    assert found, "no pay link in the email"
    return found.group(1)


def test_an_auto_invoice_run_emails_each_invoice_once_with_its_amount_and_link(
    session: Session, people, travel
) -> None:  # type: ignore[no-untyped-def]
    save_policy(session, people.owner, "practice", None, PolicyForm(weekday="4"))
    case = people.cases["clinician"]
    client = people.clients["clinician"]
    seen(session, people, case, date(2026, 12, 1), 9)
    seen(session, people, case, date(2026, 12, 2), 9)

    run_billing(session, FRIDAY)
    run_billing(session, FRIDAY)  # a repeated run writes nothing twice
    session.rollback()
    run_billing(session, FRIDAY)

    [invoice] = invoices_of(session, case)
    [message] = mail(session, "billing.invoice")
    assert message.to_address == client.email
    assert message.dedupe_key == f"billing:invoice:{invoice.id}:email:{client.email}"
    assert message.subject == (
        f"Invoice {invoice.number} from Willow Creek Counseling: $320.00 due Fri, Dec 18, 2026"
    )
    for body in (message.body_text, message.body_html):
        assert invoice.number in body and "$320.00" in body and "Fri, Dec 18, 2026" in body
    assert read_token(link_in(message.body_text)) == invoice.id
    assert link_in(message.body_html) == link_in(message.body_text)
    assert_nothing_clinical(message)


def test_a_billing_contact_gets_the_invoice_and_the_partners_do_not(
    session: Session, people, travel
) -> None:  # type: ignore[no-untyped-def]
    save_policy(session, people.owner, "practice", None, PolicyForm(weekday="4"))
    case, jordan, alex, contact = couple_with_contact(session, people)
    seen(session, people, case, date(2026, 12, 2), 11)
    run_billing(session, FRIDAY)

    [invoice] = invoices_of(session, case)
    messages = mail(session)
    assert contact is not None
    assert [m.to_address for m in messages] == [contact.email]
    assert jordan.email not in {m.to_address for m in messages}
    assert alex.email not in {m.to_address for m in messages}
    [message] = messages
    assert message.to_name == "Pat Morgan" and message.body_text.startswith("Hello Pat,")
    for name in ("Jordan", "Alex", "Lee"):
        assert name not in message.body_text and name not in message.body_html
    assert read_token(link_in(message.body_text)) == invoice.id
    assert_nothing_clinical(message)


def test_a_client_who_turned_reminders_off_still_gets_invoices(
    session: Session, people, travel
) -> None:  # type: ignore[no-untyped-def]
    save_policy(session, people.owner, "practice", None, PolicyForm(weekday="4"))
    client = people.clients["clinician"]
    client.reminders_opt_out = True
    session.add(client)
    session.commit()
    seen(session, people, people.cases["clinician"], date(2026, 12, 1), 9)
    run_billing(session, FRIDAY)
    assert [m.to_address for m in mail(session, "billing.invoice")] == [client.email]


def test_a_bank_debit_that_varies_is_announced_with_its_day_and_account(
    session: Session, people, travel
) -> None:  # type: ignore[no-untyped-def]
    gateway, case, _key = auto_pay(
        session, people, "000123456789", MethodKind.BANK, bank_discount="5"
    )
    collect(session, gateway)
    collect(session, gateway)
    [invoice] = invoices_of(session, case)
    assert invoice.collect_on == date(2026, 12, 7)
    assert mail(session, "billing.invoice") == []
    [notice] = mail(session, "billing.debit_notice")
    assert notice.to_address == people.clients["clinician"].email
    assert (
        "We will debit $155.00 from your bank account ending 6789 on Mon, Dec 7, 2026, "
        f"for invoice {invoice.number}." in notice.body_text
    )
    assert notice.subject == "Willow Creek Counseling will debit $155.00 on Mon, Dec 7, 2026"
    assert_nothing_clinical(notice)


def test_a_card_charged_at_once_sends_no_invoice_email(session: Session, people, travel) -> None:  # type: ignore[no-untyped-def]
    gateway, _case, _ = auto_pay(session, people, "4242424242424242", MethodKind.CARD)
    collect(session, gateway)
    assert mail(session) == []


def test_a_returned_bank_transfer_tells_the_payer_and_the_owner_and_biller_once(
    session: Session, people, travel
) -> None:  # type: ignore[no-untyped-def]
    gateway, case, _ = auto_pay(session, people, "000111111113", MethodKind.BANK)  # R02
    collect(session, gateway)
    travel(timedelta(days=3))  # Monday: debited
    collect(session, gateway)
    travel(timedelta(days=7))  # past settlement: the bank sends it back
    collect(session, gateway)
    collect(session, gateway)

    [invoice] = invoices_of(session, case)
    assert invoice.status == "open"
    [payer] = mail(session, "billing.payment_failed")
    assert payer.to_address == people.clients["clinician"].email
    assert (
        f"Your payment of $160.00 for invoice {invoice.number} was returned by the bank "
        "(the account is closed). The invoice is open again." in payer.body_text
    )
    assert "updated bank details" in payer.body_text
    assert read_token(link_in(payer.body_text)) == invoice.id
    staff = mail(session, "billing.staff_payment_failed")
    assert sorted(m.to_address for m in staff) == ["bill@willow.test", "olivia@willow.test"]
    assert "Client1 OfClinician" in staff[0].body_text
    for message in [payer, *staff]:
        assert_nothing_clinical(message)


def test_repeated_card_failures_turn_auto_pay_off_and_both_emails_say_so(
    session: Session, people, travel
) -> None:  # type: ignore[no-untyped-def]
    gateway, case, _ = auto_pay(session, people, "4000000000000002", MethodKind.CARD)
    collect(session, gateway)
    [first] = mail(session, "billing.payment_failed")
    assert "was declined by the card issuer" in first.body_text
    assert "Automatic payment is now off" not in first.body_text
    for _ in range(6):
        travel(timedelta(days=1))
        collect(session, gateway)
    invoice = session.exec(select(Invoice).where(Invoice.case_id == case.id)).one()
    assert invoice.collection == "auto_invoice"
    payer = mail(session, "billing.payment_failed")
    assert len(payer) == 4  # the first try and three retries, one email each
    last = payer[-1]
    assert last.subject == f"Automatic payment is off: please pay invoice {invoice.number}"
    assert "Automatic payment is now off" in last.body_text
    assert all("Automatic payment is now off" not in m.body_text for m in payer[:-1])
    staff_last = [
        m
        for m in mail(session, "billing.staff_payment_failed")
        if "automatic payment is off" in m.body_text
    ]
    assert sorted(m.to_address for m in staff_last) == ["bill@willow.test", "olivia@willow.test"]
    for message in mail(session):
        assert_nothing_clinical(message)
