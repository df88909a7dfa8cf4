"""Billing emails, queued in the outbox inside the transaction that causes them.

- `queue_invoice_notice` (from a billing run, as each invoice is made): the invoice email with
  its pay link for auto-invoice and manual invoices; for auto-pay by bank whose debit waits for
  notice (`collect_on` after the issue day), the advance notice of the debit.
- `queue_failure_notices` (from collection, when a payment fails or a bank transfer comes
  back): the payer is told what happened and how to pay instead (the pay link); the owner and
  billers are told too. When the failures turned automatic payment off, both emails say so.

One outbox row per recipient, with a unique dedupe key (`billing:invoice:<id>:email:<addr>`,
`billing:attempt:<id>:failed:email:<addr>`, …) inserted with ON CONFLICT DO NOTHING, so a run
or an event handled twice writes each email once. Invoices are not reminders: a client who
turned reminders off still gets them. None of these functions commits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date
from typing import Any, Protocol

from sqlmodel import Session, col, select

from practicerunner.billing import paylink
from practicerunner.billing.documents import day_label
from practicerunner.billing.mail_content import BillingFacts, kind_code, render_billing
from practicerunner.billing.methods import default_method
from practicerunner.billing.models import (
    AttemptStatus,
    Collection,
    Invoice,
    Method,
    PayerMethod,
    PaymentAttempt,
)
from practicerunner.clients.models import Client, Contact
from practicerunner.core import clock
from practicerunner.core.money import format_cents
from practicerunner.core.permissions import Role
from practicerunner.messaging.content import practice_facts
from practicerunner.messaging.models import Channel, OutboxStatus
from practicerunner.messaging.queueing import dedupe_key, insert_new, insert_new_in_bulk
from practicerunner.practice.models import Staff, StaffRole

# ACH return codes in words a payer can read.
RETURN_REASONS = {
    "R01": "insufficient funds",
    "R02": "the account is closed",
    "R03": "no account was found with those details",
    "R04": "the account number is not valid",
    "R10": "the bank says the debit was not authorised",
}


def _recipient(session: Session, invoice: Invoice) -> tuple[str, str, str]:
    """(address, full name, first name) of the invoice's payer; address may be empty."""
    if invoice.client_id is not None:
        client = session.get(Client, invoice.client_id)
        if client is not None:
            first = client.preferred_name or client.legal_first_name
            return client.email.strip().lower(), client.legal_name, first
    if invoice.contact_id is not None:
        contact = session.get(Contact, invoice.contact_id)
        if contact is not None:
            return contact.email.strip().lower(), contact.full_name, contact.first_name
    return "", "", ""


def staff_recipients(session: Session) -> list[tuple[str, str, str]]:
    """(address, full name, first name) of every active owner and biller, once each."""
    rows = session.exec(
        select(Staff)
        .join(StaffRole, col(StaffRole.staff_id) == Staff.id)
        .where(
            col(StaffRole.role).in_([Role.OWNER.value, Role.BILLER.value]),
            col(Staff.is_active).is_(True),
        )
        .order_by(col(Staff.id))
    ).all()
    found: dict[str, tuple[str, str, str]] = {}
    for staff in rows:
        address = staff.email.strip().lower()
        if address and address not in found:
            found[address] = (address, staff.full_name, staff.full_name.split(" ")[0])
    return list(found.values())


def _row(
    kind: str,
    facts: BillingFacts,
    key: tuple[object, ...],
    to: tuple[str, str, str],
    client_id: int | None,
) -> dict[str, Any]:
    address, name, first = to
    body = render_billing(kind, facts, first or name)
    now = clock.now()
    return {
        "dedupe_key": dedupe_key(*key, Channel.EMAIL.value, address),
        "channel": Channel.EMAIL.value,
        "kind": kind_code(kind),
        "to_address": address,
        "to_name": name[:200],
        "subject": body.subject,
        "body_text": body.text[:8000],
        "body_html": body.html[:20000],
        "client_id": client_id,
        "appointment_id": None,
        "about_start_at": None,
        "status": OutboxStatus.PENDING.value,
        "due_at": now,
        "attempts": 0,
        "last_error": "",
        "created_at": now,
        "sent_at": None,
    }


def _method_words(label: str, kind: str) -> str:
    """'your bank account ending 6789' from 'Bank •••• 6789'."""
    last4 = "".join(ch for ch in label if ch.isdigit())[-4:]
    what = "bank account" if kind == Method.BANK else "card"
    return f"your {what} ending {last4}" if last4 else f"your {what}"


def queue_invoice_notice(
    session: Session, invoice: Invoice, methods: Sequence[str] = ("card", "bank")
) -> int:
    """Queue the email a new INVOICE calls for; how many rows were written.

    Auto-invoice and manual invoices: the invoice email (with the pay link when the payer may
    pay by card or bank, per METHODS). Auto-pay invoices charged later than issued (a bank debit
    that needs notice): the advance debit notice. Others (charged at once): nothing.
    """
    if invoice.id is None:
        session.flush()
    method = default_method(session, invoice.payer_key)
    return queue_invoice_notices(
        session, [(invoice, tuple(methods))], {invoice.payer_key: method} if method else {}
    )


class InvoiceFacts(Protocol):
    """What an invoice email needs from an invoice: an Invoice, or a billing run's NewInvoice
    (a run makes thousands; building ORM objects for them only to read them back is slow)."""

    @property
    def id(self) -> int | None: ...
    @property
    def number(self) -> str: ...
    @property
    def client_id(self) -> int | None: ...
    @property
    def contact_id(self) -> int | None: ...
    @property
    def payer_key(self) -> str: ...
    @property
    def total_cents(self) -> int: ...
    @property
    def paid_cents(self) -> int: ...
    @property
    def collection(self) -> str: ...
    @property
    def issued_on(self) -> date: ...
    @property
    def due_on(self) -> date: ...
    @property
    def collect_on(self) -> date | None: ...


def queue_invoice_notices(
    session: Session,
    invoices: Sequence[tuple[InvoiceFacts, Sequence[str]]],
    default_methods: Mapping[str, PayerMethod],
) -> int:
    """Queue the emails new INVOICES call for, in bulk (a billing run's thousands at once).

    Each item is an invoice and the methods its payer may use; DEFAULT_METHODS maps a payer
    key to their default saved method (for the debit notice). Returns rows written.
    """
    if not invoices:
        return 0
    client_ids = sorted({i.client_id for i, _ in invoices if i.client_id is not None})
    contact_ids = sorted({i.contact_id for i, _ in invoices if i.contact_id is not None})
    clients: dict[int, Client] = {}
    contacts: dict[int, Contact] = {}
    for start in range(0, len(client_ids), 500):
        chunk = client_ids[start : start + 500]
        for client in session.exec(select(Client).where(col(Client.id).in_(chunk))):
            clients[int(client.id)] = client  # type: ignore[arg-type]
    for start in range(0, len(contact_ids), 500):
        chunk = contact_ids[start : start + 500]
        for contact in session.exec(select(Contact).where(col(Contact.id).in_(chunk))):
            contacts[int(contact.id)] = contact  # type: ignore[arg-type]
    practice = practice_facts(session)
    rows = []
    for invoice, methods in invoices:
        to = _recipient_of(invoice, clients, contacts)
        row = _invoice_row(invoice, methods, practice, to, default_methods.get(invoice.payer_key))
        if row is not None:
            rows.append(row)
    # The invoices were made in this transaction, under the run's locks: nobody else can be
    # writing these keys, so the bulk path is safe (and a second of a run's time cheaper).
    return insert_new_in_bulk(session, rows)


def _recipient_of(
    invoice: InvoiceFacts, clients: Mapping[int, Client], contacts: Mapping[int, Contact]
) -> tuple[str, str, str]:
    """(address, full name, first name) of the invoice's payer; address may be empty."""
    if invoice.client_id is not None and invoice.client_id in clients:
        client = clients[invoice.client_id]
        first = client.preferred_name or client.legal_first_name
        return client.email.strip().lower(), client.legal_name, first
    if invoice.contact_id is not None and invoice.contact_id in contacts:
        contact = contacts[invoice.contact_id]
        return contact.email.strip().lower(), contact.full_name, contact.first_name
    return "", "", ""


def _invoice_row(
    invoice: InvoiceFacts,
    methods: Sequence[str],
    practice: Any,
    to: tuple[str, str, str],
    method: PayerMethod | None,
) -> dict[str, Any] | None:
    """The outbox row a new invoice calls for, or None."""
    if not to[0]:
        return None
    online = any(m in (Method.CARD, Method.BANK) for m in methods)
    link = paylink.pay_url(int(invoice.id)) if online else ""  # type: ignore[arg-type]
    amount = format_cents(max(invoice.total_cents - invoice.paid_cents, 0))
    facts = BillingFacts(practice=practice, number=invoice.number, amount=amount, pay_url=link)
    if invoice.collection in (Collection.AUTO_INVOICE, Collection.MANUAL):
        facts = replace(facts, due_day=day_label(invoice.due_on))
        key: tuple[object, ...] = ("billing", "invoice", invoice.id)
        return _row("invoice", facts, key, to, invoice.client_id)
    if invoice.collect_on is None or invoice.collect_on <= invoice.issued_on or method is None:
        return None
    facts = replace(
        facts,
        method=_method_words(method.label, method.kind),
        debit_day=day_label(invoice.collect_on),
    )
    key = ("billing", "invoice", invoice.id, "debit", invoice.collect_on.isoformat())
    return _row("debit_notice", facts, key, to, invoice.client_id)


def _what_happened(attempt: PaymentAttempt) -> str:
    if attempt.method == Method.BANK:
        reason = RETURN_REASONS.get(attempt.failure_code, "")
        return f"was returned by the bank ({reason})" if reason else "was returned by the bank"
    if attempt.status == AttemptStatus.REQUIRES_ACTION:
        return "needs to be confirmed with the card issuer, so it was not taken"
    return "was declined by the card issuer"


def queue_failure_notices(session: Session, attempt: PaymentAttempt, invoice: Invoice) -> int:
    """Tell the payer and the owner and billers that ATTEMPT failed; how many rows were written.

    A card declined on the pay page is not emailed about: the payer was told on the page.
    """
    on_page = attempt.idempotency_key.endswith(paylink.PAY_PAGE_KEY_SUFFIX)
    if on_page and attempt.method == Method.CARD:
        return 0
    # Only automatic attempts are made on auto-pay invoices; finding such an invoice now on
    # auto-invoice means these failures just turned automatic payment off.
    switched = (
        not on_page
        and attempt.method == Method.CARD
        and invoice.collection == Collection.AUTO_INVOICE
    )
    to = _recipient(session, invoice)
    facts = BillingFacts(
        practice=practice_facts(session),
        number=invoice.number,
        amount=format_cents(attempt.amount_cents),
        pay_url=paylink.pay_url(int(invoice.id)),  # type: ignore[arg-type]
        what_happened=_what_happened(attempt),
        returned=attempt.method == Method.BANK,
        switched=switched,
        payer_name=to[1],
        payer_emailed=bool(to[0]),
    )
    rows = []
    if to[0]:
        key: tuple[object, ...] = ("billing", "attempt", attempt.id, "failed")
        rows.append(_row("payment_failed", facts, key, to, invoice.client_id))
    for person in staff_recipients(session):
        key = ("billing", "attempt", attempt.id, "staff")
        rows.append(_row("staff_payment_failed", facts, key, person, None))
    return insert_new(session, rows)
