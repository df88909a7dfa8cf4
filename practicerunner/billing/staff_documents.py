"""An invoice as a document for staff to download: built from the database, checked, audited.

The wording comes from `billing.documents` (lines say "Session on Tue, Dec 1, 2026", never
the service), and the renderer's clinical-text guard runs before anything is drawn.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from practicerunner.billing.documents import (
    DocumentLine,
    InvoiceDocument,
    PartyAddress,
    PracticeHeader,
    cancelled_credit_description,
    clinical_term,
    day_label,
    short_date,
)
from practicerunner.billing.models import EntryKind, Invoice, InvoiceLine, InvoiceStatus
from practicerunner.billing.views import payment_entries, reachable_payer
from practicerunner.clients.access import get_case_for
from practicerunner.clients.models import Client, Contact
from practicerunner.core import audit
from practicerunner.core.errors import NotFound
from practicerunner.core.permissions import Actor, Perm
from practicerunner.practice.models import Practice

_ENTRY_WORDS = {
    EntryKind.PAYMENT.value: "Payment",
    EntryKind.REFUND.value: "Refund",
    EntryKind.REVERSAL.value: "Returned payment",
}


def _address(row: Client | Contact | Practice) -> tuple[str, ...]:
    city = ", ".join(p for p in (row.city, f"{row.state} {row.postal_code}".strip()) if p)
    return tuple(p for p in (row.address_line1, row.address_line2, city) if p)


def line_description(line: InvoiceLine) -> str:
    """A line's words on the document: what it was and the day."""
    if line.description == "Credit: cancelled session":
        return cancelled_credit_description(line.service_date)
    if line.description == "Monthly plan":
        return f"Monthly plan from {short_date(line.service_date)}"
    return f"{line.description} on {day_label(line.service_date)}"


def invoice_document(session: Session, actor: Actor, invoice_id: int) -> InvoiceDocument:
    """The invoice INVOICE_ID as its payer sees it; NotFound outside the actor's scope. Audited."""
    invoice = session.get(Invoice, invoice_id)
    if invoice is None:
        raise NotFound("invoice")
    get_case_for(session, actor, invoice.case_id, Perm.BILLING_VIEW)
    who = reachable_payer(session, actor, invoice.payer_key)
    practice = session.exec(select(Practice)).first()
    if practice is None:
        raise NotFound("practice")
    person: Client | Contact | None = (
        session.get(Client, who.client_id)
        if who.client_id is not None
        else session.get(Contact, who.contact_id)
    )
    lines: list[DocumentLine] = []
    for line in session.exec(
        select(InvoiceLine)
        .where(InvoiceLine.invoice_id == invoice_id)
        .order_by(col(InvoiceLine.service_date), col(InvoiceLine.id))
    ):
        lines.append(DocumentLine(line.service_date, line_description(line), line.amount_cents))
        if line.discount_cents:
            lines.append(DocumentLine(line.service_date, line.discount_label, -line.discount_cents))
    payments = []
    for entry in payment_entries(session, invoice_id):
        words = entry.description
        if clinical_term(words):  # a typed reference must not carry anything clinical out
            words = _ENTRY_WORDS.get(entry.kind, "Payment")
        payments.append(DocumentLine(entry.entry_on, words, -entry.amount_cents))
    note = ""
    if invoice.status == InvoiceStatus.PROCESSING and invoice.processing_until is not None:
        note = f"Bank transfer processing until {day_label(invoice.processing_until)}"
    elif invoice.status == InvoiceStatus.PAID:
        note = "Paid in full. Thank you."
    doc = InvoiceDocument(
        practice=PracticeHeader(
            name=practice.name,
            address_lines=_address(practice),
            phone=practice.phone,
            email=practice.email,
            tax_id=practice.tax_id,
        ),
        bill_to=PartyAddress(who.name, _address(person) if person is not None else (), who.email),
        number=invoice.number,
        issued_on=invoice.issued_on,
        due_on=invoice.due_on,
        lines=tuple(lines),
        payments=tuple(payments),
        status_note=note,
    )
    audit.record(
        session,
        actor,
        "billing.invoice_downloaded",
        record_type="invoice",
        record_id=invoice.id,
        client_id=who.client_id,
    )
    session.commit()
    return doc
