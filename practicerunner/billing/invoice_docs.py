"""Invoices and statements as payers see them, built from the database.

`invoice_document` and `statement_document` fill the frozen view models of
`billing.documents` (the PDF renderers draw them; the pay page shows them). They go to payers,
who may be a third-party billing contact, so they are worded from dates, amounts and fixed
labels only: a session line says "Session on Tue, Dec 1, 2026" — never the service, its CPT
code, the clinician or anything from the case. `assert_no_clinical_text` checks the result.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

from sqlmodel import Session, col, func, select

from practicerunner.billing.documents import (
    DocumentLine,
    InvoiceDocument,
    PartyAddress,
    PracticeHeader,
    StatementDocument,
    StatementEntry,
    assert_no_clinical_text,
    cancelled_credit_description,
    clinical_term,
    day_label,
    payment_description,
    session_description,
)
from practicerunner.billing.models import EntryKind, Invoice, InvoiceLine, LedgerEntry
from practicerunner.clients.models import CasePayer, Client, Contact
from practicerunner.core import audit
from practicerunner.core.errors import NotFound, ValidationFailed
from practicerunner.core.permissions import Actor
from practicerunner.core.validation import format_phone
from practicerunner.practice.models import Practice


def _city_line(city: str, state: str, postal_code: str) -> str:
    head = ", ".join(p for p in (city, state) if p)
    return f"{head} {postal_code}".strip()


def practice_header(session: Session) -> PracticeHeader:
    """The practice's name, address and how to reach it."""
    practice = session.exec(select(Practice).order_by(col(Practice.id))).first()
    if practice is None:
        return PracticeHeader(name="Your practice", address_lines=(), phone="", email="")
    lines = (
        practice.address_line1,
        practice.address_line2,
        _city_line(practice.city, practice.state, practice.postal_code),
    )
    return PracticeHeader(
        name=practice.name,
        address_lines=tuple(x for x in lines if x),
        phone=format_phone(practice.phone),
        email=practice.email,
        tax_id=practice.tax_id,
    )


def bill_to(session: Session, payer_key: str) -> PartyAddress:
    """The payer (a client or a billing contact) with their postal address."""
    kind, _, raw = payer_key.partition(":")
    row: Client | Contact | None = None
    name = ""
    if kind == "client" and raw.isdigit():
        row = session.get(Client, int(raw))
        name = row.legal_name if row else ""
    elif kind == "contact" and raw.isdigit():
        row = session.get(Contact, int(raw))
        name = row.full_name if row else ""
    if row is None:
        raise NotFound("payer")
    lines = (
        row.address_line1,
        row.address_line2,
        _city_line(row.city, row.state, row.postal_code),
    )
    return PartyAddress(name=name, lines=tuple(x for x in lines if x), email=row.email)


def line_description(line: InvoiceLine) -> str:
    """What an invoice line says: 'Session on Tue, Dec 1, 2026', 'Missed session fee, …'."""
    on = line.service_date
    if line.amount_cents < 0:
        return cancelled_credit_description(on)
    if line.description == "Session":
        return session_description(on)
    if line.description == "Prepaid session":
        return f"Prepaid session on {day_label(on)}"
    if line.description == "Monthly plan":
        return f"Monthly plan from {day_label(on)}"
    # Missed session fee, Late cancellation fee: fixed labels from billing.charges.
    return f"{line.description}, {day_label(on)}"


_PAYMENT_WORDS = (
    ("Card", "card"),
    ("Bank", "bank transfer"),
    ("Cash", "cash"),
    ("Check", "check"),
)


# "Check (1021) for INV-000001": the reference staff typed when recording it.
_REFERENCE = re.compile(r"^\w+ \((.{1,60})\) for ")


def _payment_line(entry: LedgerEntry) -> DocumentLine:
    """A ledger payment, refund or reversal as a line in the invoice's payments."""
    on = entry.entry_on
    if entry.kind == EntryKind.REFUND:
        return DocumentLine(on, f"Refund on {day_label(on)}", -entry.amount_cents)
    if entry.kind == EntryKind.REVERSAL:
        return DocumentLine(on, f"Payment returned on {day_label(on)}", -entry.amount_cents)
    for prefix, words in _PAYMENT_WORDS:
        if entry.description.startswith(prefix):
            text = payment_description(on, words)
            reference = _REFERENCE.match(entry.description)
            if reference and not clinical_term(reference[1]):
                text = f"{text} (ref. {reference[1]})"  # the cheque number the payer wrote
            return DocumentLine(on, text, -entry.amount_cents)
    return DocumentLine(on, f"Payment on {day_label(on)}", -entry.amount_cents)


def share_note(session: Session, invoice: Invoice) -> str:
    """'Your share: 50% of each session fee' when the payer pays part of the case."""
    column = CasePayer.client_id if invoice.client_id is not None else CasePayer.contact_id
    payer_id = invoice.client_id if invoice.client_id is not None else invoice.contact_id
    share = session.exec(
        select(CasePayer.share_basis_points).where(
            CasePayer.case_id == invoice.case_id, column == payer_id
        )
    ).first()
    if share is None or share >= 10000:
        return ""
    percent = f"{share / 100:.2f}".rstrip("0").rstrip(".")
    return f"Your share: {percent}% of each session fee"


def invoice_document(session: Session, invoice: Invoice, *, pay_url: str = "") -> InvoiceDocument:
    """INVOICE as its payer reads it: lines, discounts, credits, payments and status."""
    lines: list[DocumentLine] = []
    for line in session.exec(
        select(InvoiceLine)
        .where(InvoiceLine.invoice_id == invoice.id)
        .order_by(col(InvoiceLine.service_date), col(InvoiceLine.id))
    ).all():
        lines.append(DocumentLine(line.service_date, line_description(line), line.amount_cents))
        if line.discount_cents:
            label = line.discount_label or "Discount"
            lines.append(DocumentLine(line.service_date, label, -line.discount_cents))
    payments = tuple(
        _payment_line(entry)
        for entry in session.exec(
            select(LedgerEntry)
            .where(
                LedgerEntry.invoice_id == invoice.id,
                col(LedgerEntry.kind).in_(
                    [EntryKind.PAYMENT.value, EntryKind.REFUND.value, EntryKind.REVERSAL.value]
                ),
            )
            .order_by(col(LedgerEntry.entry_on), col(LedgerEntry.id))
        ).all()
    )
    status = ""
    if invoice.status == "processing" and invoice.processing_until is not None:
        status = f"Bank transfer processing until {day_label(invoice.processing_until)}"
    elif invoice.status == "paid":
        status = "Paid. Thank you."
    elif invoice.status == "void":
        status = "This invoice was cancelled."
    doc = InvoiceDocument(
        practice=practice_header(session),
        bill_to=bill_to(session, invoice.payer_key),
        number=invoice.number,
        issued_on=invoice.issued_on,
        due_on=invoice.due_on,
        lines=tuple(lines),
        payments=payments,
        status_note=status,
        pay_url=pay_url if invoice.status == "open" else "",
        share_note=share_note(session, invoice),
    )
    assert_no_clinical_text(doc)
    return doc


def statement_document(
    session: Session, payer_key: str, start: date, end: date
) -> StatementDocument:
    """The payer's account from START to END: opening balance, dated entries, closing balance."""
    opening = session.exec(
        select(func.coalesce(func.sum(LedgerEntry.amount_cents), 0)).where(
            LedgerEntry.payer_key == payer_key, col(LedgerEntry.entry_on) < start
        )
    ).one()
    entries = []
    for entry in session.exec(
        select(LedgerEntry)
        .where(
            LedgerEntry.payer_key == payer_key,
            col(LedgerEntry.entry_on) >= start,
            col(LedgerEntry.entry_on) <= end,
        )
        .order_by(col(LedgerEntry.entry_on), col(LedgerEntry.id))
    ).all():
        # Discounts and credits reduce what was charged; payments, refunds and reversals
        # are money moving (a refund or a returned payment is a negative payment).
        charged = entry.kind in (EntryKind.CHARGE, EntryKind.DISCOUNT, EntryKind.CREDIT)
        entries.append(
            StatementEntry(
                on=entry.entry_on,
                description=entry.description,
                charge_cents=entry.amount_cents if charged else 0,
                payment_cents=0 if charged else -entry.amount_cents,
            )
        )
    doc = StatementDocument(
        practice=practice_header(session),
        bill_to=bill_to(session, payer_key),
        period_start=start,
        period_end=end,
        opening_balance_cents=int(opening),
        entries=tuple(entries),
    )
    assert_no_clinical_text(doc)
    return doc


# ---- statements for staff to download ------------------------------------------------------

STATEMENT_MONTHS = 3  # with no dates given, a statement covers the last three months
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def months_before(day: date, months: int) -> date:
    """The same day MONTHS calendar months earlier (the month's last day when it is shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def default_statement_period(today: date) -> tuple[date, date]:
    """The last three months up to and including TODAY: (the day after three months ago, today)."""
    return months_before(today, STATEMENT_MONTHS) + timedelta(days=1), today


def _day(text: str, field: str, what: str) -> date:
    if not _ISO_DAY.fullmatch(text):
        raise ValidationFailed({field: f"Give the {what} date as YYYY-MM-DD."})
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise ValidationFailed({field: f"The {what} date {text} is not a real day."}) from exc


def statement_period(from_text: str | None, to_text: str | None, today: date) -> tuple[date, date]:
    """The period a request asked for: 'YYYY-MM-DD' texts, either left out for the default.

    Left out, FROM is three months before TO and TO is TODAY. Raises ValidationFailed (field
    'from' or 'to') for a malformed or impossible day, or a period that ends before it starts.
    """
    given_from = (from_text or "").strip()
    given_to = (to_text or "").strip()
    end = _day(given_to, "to", "end") if given_to else today
    start = _day(given_from, "from", "start") if given_from else default_statement_period(end)[0]
    if end < start:
        raise ValidationFailed({"to": "The end date is before the start date."})
    return start, end


def staff_statement(
    session: Session, actor: Actor, payer_key: str, start: date, end: date
) -> StatementDocument:
    """The statement of PAYER_KEY for staff: NotFound outside the actor's billing scope. Audited.

    The document is the payer's own (`statement_document`): billing words only.
    """
    from practicerunner.billing.methods import reachable_payer

    who = reachable_payer(session, actor, payer_key)
    doc = statement_document(session, payer_key, start, end)
    audit.record(
        session,
        actor,
        "billing.statement_downloaded",
        record_type="payer",
        client_id=who.client_id,
        detail={"payer": payer_key, "from": start.isoformat(), "to": end.isoformat()},
    )
    session.commit()
    return doc
