"""Read models for the staff billing screens: the dashboard, billing runs, a payer's account.

Plain frozen dataclasses holding only what the screens show: amounts, dates, payer names and
invoice numbers — never a service name, a case's concern or anything clinical, because a
payer may be a third-party billing contact. Every function checks the actor's permission;
reading a payer's account is audited (the ledger read is audited by `ledger.payer_ledger`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, col, select

from practicerunner.billing.collect import balance_due
from practicerunner.billing.ledger import LedgerView, payer_ledger
from practicerunner.billing.methods import MethodView, Payer, methods_for, reachable_payer
from practicerunner.billing.models import (
    AttemptStatus,
    BillingRun,
    EntryKind,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    LedgerEntry,
    Method,
    PaymentAttempt,
)
from practicerunner.clients.models import Client, Contact
from practicerunner.core import audit
from practicerunner.core.dates import MONTHS, WEEKDAYS, short_date
from practicerunner.core.errors import NotFound
from practicerunner.core.permissions import Actor, Perm
from practicerunner.practice.local import practice_today

# Days past the issue date: (label, first day, last day or None for no end).
AGE_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0–30 days", 0, 30),
    ("31–60 days", 31, 60),
    ("61–90 days", 61, 90),
    ("90+ days", 91, None),
)
OUTSTANDING = (InvoiceStatus.OPEN.value, InvoiceStatus.PROCESSING.value)

# Card decline codes (Stripe's, which the simulated processor shares) in plain words.
_CARD_REASONS = {
    "card_declined": "Card declined",
    "generic_decline": "Card declined",
    "insufficient_funds": "Card declined: insufficient funds",
    "expired_card": "Card expired",
    "incorrect_cvc": "Card declined: wrong security code",
    "lost_card": "Card reported lost",
    "stolen_card": "Card reported stolen",
    "processing_error": "The card processor had an error",
    "authentication_required": "Waiting for the payer to confirm the card payment",
}
# ACH return codes (NACHA) in plain words.
_BANK_RETURNS = {
    "R01": "insufficient funds",
    "R02": "account closed",
    "R03": "no account found",
    "R04": "invalid account number",
    "R07": "authorization revoked",
    "R08": "payment stopped",
    "R10": "payer says not authorized",
    "R16": "account frozen",
    "R29": "corporate account not authorized",
}


def short_day(day: date) -> str:
    """'Thu, Dec 10' (the year is implied on a working screen)."""
    return f"{WEEKDAYS[day.weekday()]}, {MONTHS[day.month - 1]} {day.day}"


full_day = short_date  # 'Dec 10, 2026'


def failure_reason(method: str, status: str, code: str) -> str:
    """Why a payment attempt did not go through, in words a biller can say to a payer."""
    if status == AttemptStatus.REQUIRES_ACTION:
        return "Waiting for the payer to confirm the card payment"
    code = (code or "").strip()
    if method == Method.BANK or (len(code) == 3 and code[0] == "R" and code[1:].isdigit()):
        words = _BANK_RETURNS.get(code)
        if words:
            return f"Returned: {words} ({code})"
        return f"Returned by the bank ({code})" if code else "Bank transfer failed"
    if code in _CARD_REASONS:
        return _CARD_REASONS[code]
    return f"Payment failed ({code})" if code else "Payment failed"


def status_label(invoice: Invoice) -> str:
    """'Open', 'Paid', 'Void' or 'Processing until Thu, Dec 10'."""
    if invoice.status == InvoiceStatus.PROCESSING:
        if invoice.processing_until is not None:
            return f"Processing until {short_day(invoice.processing_until)}"
        return "Processing"
    if invoice.status == InvoiceStatus.OPEN and 0 < invoice.paid_cents < invoice.total_cents:
        return "Partly paid"
    return {"open": "Open", "paid": "Paid", "void": "Void"}.get(invoice.status, invoice.status)


def key_from_slug(slug: str) -> str:
    """'client-12' -> 'client:12' (the URL form of a payer key); NotFound when malformed."""
    kind, _, raw = slug.partition("-")
    if kind not in ("client", "contact") or not raw.isdigit():
        raise NotFound("payer")
    return f"{kind}:{int(raw)}"


def slug_of(key: str) -> str:
    """'client:12' -> 'client-12'."""
    return key.replace(":", "-")


def payer_names(session: Session, keys: Iterable[str]) -> dict[str, str]:
    """Names for many payer keys in two queries."""
    client_ids: set[int] = set()
    contact_ids: set[int] = set()
    for key in keys:
        kind, _, raw = key.partition(":")
        if raw.isdigit():
            (client_ids if kind == "client" else contact_ids).add(int(raw))
    names: dict[str, str] = {}
    if client_ids:
        for c in session.exec(select(Client).where(col(Client.id).in_(sorted(client_ids)))):
            names[f"client:{c.id}"] = c.legal_name
    if contact_ids:
        for t in session.exec(select(Contact).where(col(Contact.id).in_(sorted(contact_ids)))):
            names[f"contact:{t.id}"] = t.full_name
    return names


# ---- the dashboard ------------------------------------------------------------------------


@dataclass(frozen=True)
class InvoiceItem:
    """One invoice on the dashboard or in a run: who, which, how much, and its state."""

    invoice_id: int
    number: str
    payer_key: str
    payer_name: str
    issued_on: date
    due_on: date
    total_cents: int
    balance_cents: int
    status: str
    status_label: str
    note: str = ""  # processing date or failure reason
    overdue: bool = False


@dataclass(frozen=True)
class AgeBucket:
    label: str
    count: int
    total_cents: int


@dataclass(frozen=True)
class Dashboard:
    today: date
    due: tuple[InvoiceItem, ...]
    due_cents: int
    processing: tuple[InvoiceItem, ...]
    processing_cents: int
    failed: tuple[InvoiceItem, ...]
    failed_cents: int
    ages: tuple[AgeBucket, ...]
    outstanding_cents: int


def age_bucket(issued_on: date, today: date) -> int:
    """Index into AGE_BUCKETS for an invoice issued on ISSUED_ON (future issues count as 0)."""
    days = max(0, (today - issued_on).days)
    for i, (_label, first, last) in enumerate(AGE_BUCKETS):
        if days >= first and (last is None or days <= last):
            return i
    return len(AGE_BUCKETS) - 1


def _item(invoice: Invoice, names: dict[str, str], today: date, note: str = "") -> InvoiceItem:
    balance = balance_due(invoice)
    return InvoiceItem(
        invoice_id=int(invoice.id),  # type: ignore[arg-type]
        number=invoice.number,
        payer_key=invoice.payer_key,
        payer_name=names.get(invoice.payer_key, "Unknown payer"),
        issued_on=invoice.issued_on,
        due_on=invoice.due_on,
        total_cents=invoice.total_cents,
        balance_cents=balance,
        status=invoice.status,
        status_label=status_label(invoice),
        note=note,
        overdue=invoice.status == InvoiceStatus.OPEN and balance > 0 and invoice.due_on < today,
    )


def _last_attempts(session: Session, invoice_ids: Sequence[int]) -> dict[int, PaymentAttempt]:
    """Each invoice's latest payment attempt."""
    found: dict[int, PaymentAttempt] = {}
    for start in range(0, len(invoice_ids), 500):
        chunk = list(invoice_ids[start : start + 500])
        latest = (
            select(PaymentAttempt.invoice_id, func.max(PaymentAttempt.attempt_no).label("n"))
            .where(col(PaymentAttempt.invoice_id).in_(chunk))
            .group_by(col(PaymentAttempt.invoice_id))
            .subquery()
        )
        for attempt in session.exec(
            select(PaymentAttempt).join(
                latest,
                (col(PaymentAttempt.invoice_id) == latest.c.invoice_id)
                & (col(PaymentAttempt.attempt_no) == latest.c.n),
            )
        ):
            found[attempt.invoice_id] = attempt
    return found


def dashboard(session: Session, actor: Actor, today: date | None = None) -> Dashboard:
    """What is due, on its way, failed, and how old the outstanding balance is."""
    actor.require(Perm.BILLING_COLLECT)
    today = today or practice_today(session)
    invoices = list(
        session.exec(
            select(Invoice)
            .where(col(Invoice.status).in_(OUTSTANDING))
            .order_by(col(Invoice.due_on), col(Invoice.id))
        ).all()
    )
    invoices = [i for i in invoices if balance_due(i) > 0]
    names = payer_names(session, {i.payer_key for i in invoices})
    attempts = _last_attempts(session, [int(i.id) for i in invoices])  # type: ignore[arg-type]
    due, processing, failed = [], [], []
    counts = [0] * len(AGE_BUCKETS)
    totals = [0] * len(AGE_BUCKETS)
    for invoice in invoices:
        balance = balance_due(invoice)
        bucket = age_bucket(invoice.issued_on, today)
        counts[bucket] += 1
        totals[bucket] += balance
        if invoice.status == InvoiceStatus.PROCESSING:
            processing.append(_item(invoice, names, today))
            continue
        due.append(_item(invoice, names, today))
        last = attempts.get(int(invoice.id))  # type: ignore[arg-type]
        if last is not None and last.status in (
            AttemptStatus.FAILED,
            AttemptStatus.REQUIRES_ACTION,
        ):
            reason = failure_reason(last.method, last.status, last.failure_code)
            failed.append(_item(invoice, names, today, reason))
    audit.record(session, actor, "billing.dashboard_viewed", record_type="billing")
    session.commit()
    return Dashboard(
        today=today,
        due=tuple(due),
        due_cents=sum(i.balance_cents for i in due),
        processing=tuple(processing),
        processing_cents=sum(i.balance_cents for i in processing),
        failed=tuple(failed),
        failed_cents=sum(i.balance_cents for i in failed),
        ages=tuple(
            AgeBucket(label, counts[i], totals[i]) for i, (label, _a, _b) in enumerate(AGE_BUCKETS)
        ),
        outstanding_cents=sum(totals),
    )


# ---- billing runs -------------------------------------------------------------------------


@dataclass(frozen=True)
class RunItem:
    run_id: int
    run_on: date
    period_start: date
    period_end: date
    invoices_made: int
    charges_attempted: int
    succeeded: int
    processing: int
    failed: int
    finished: bool


@dataclass(frozen=True)
class RunsPage:
    rows: tuple[RunItem, ...]
    total: int
    page: int
    pages: int


def list_runs(session: Session, actor: Actor, page: int = 1, per_page: int = 20) -> RunsPage:
    """Billing runs, newest first, one page at a time."""
    actor.require(Perm.BILLING_COLLECT)
    total = int(session.exec(select(func.count()).select_from(BillingRun)).one())
    pages = max(1, -(-total // per_page))
    page = max(1, min(page, pages))
    runs = session.exec(
        select(BillingRun)
        .order_by(col(BillingRun.run_on).desc(), col(BillingRun.id).desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    rows = tuple(
        RunItem(
            run_id=int(r.id),  # type: ignore[arg-type]
            run_on=r.run_on,
            period_start=r.period_start,
            period_end=r.period_end,
            invoices_made=r.invoices_made,
            charges_attempted=r.charges_attempted,
            succeeded=r.succeeded,
            processing=r.processing,
            failed=r.failed,
            finished=r.finished_at is not None,
        )
        for r in runs
    )
    session.rollback()
    return RunsPage(rows, total, page, pages)


def run_invoices(session: Session, actor: Actor, run_id: int) -> tuple[RunItem, list[InvoiceItem]]:
    """One run and the invoices it made."""
    actor.require(Perm.BILLING_COLLECT)
    run = session.get(BillingRun, run_id)
    if run is None:
        raise NotFound("billing run")
    item = RunItem(
        int(run.id),  # type: ignore[arg-type]
        run.run_on,
        run.period_start,
        run.period_end,
        run.invoices_made,
        run.charges_attempted,
        run.succeeded,
        run.processing,
        run.failed,
        run.finished_at is not None,
    )
    invoices = list(
        session.exec(
            select(Invoice).where(Invoice.run_id == run_id).order_by(col(Invoice.id))
        ).all()
    )
    names = payer_names(session, {i.payer_key for i in invoices})
    today = practice_today(session)
    rows = [_item(i, names, today) for i in invoices]
    session.rollback()
    return item, rows


def run_now(session: Session, actor: Actor) -> dict[str, int]:
    """Today's billing runs and collection, started by staff (BILLING_COLLECT). Audited."""
    from practicerunner.billing.worker import run_and_collect

    actor.require(Perm.BILLING_COLLECT)
    audit.record(session, actor, "billing.run_started", record_type="billing_run")
    session.commit()  # the worker opens its own sessions
    return run_and_collect()


# ---- a payer's account --------------------------------------------------------------------


@dataclass(frozen=True)
class LineItem:
    on: date
    description: str
    amount_cents: int
    discount_cents: int
    discount_label: str


@dataclass(frozen=True)
class AccountInvoice:
    item: InvoiceItem
    paid_cents: int
    lines: tuple[LineItem, ...]


@dataclass(frozen=True)
class RefundablePayment:
    attempt_id: int
    invoice_number: str
    on: date
    method: str  # "Card" / "Bank transfer"
    amount_cents: int
    refundable_cents: int


@dataclass(frozen=True)
class PayerAccount:
    payer: Payer
    is_contact: bool
    ledger: LedgerView
    invoices: tuple[AccountInvoice, ...]
    methods: tuple[MethodView, ...]
    payments: tuple[RefundablePayment, ...]
    balance_cents: int
    open_cents: int
    can_collect: bool
    today: date


def _refundable(session: Session, invoices: Sequence[Invoice]) -> list[RefundablePayment]:
    by_id = {int(i.id): i for i in invoices}  # type: ignore[arg-type]
    if not by_id:
        return []
    attempts = session.exec(
        select(PaymentAttempt)
        .where(
            col(PaymentAttempt.invoice_id).in_(sorted(by_id)),
            PaymentAttempt.status == AttemptStatus.SUCCEEDED,
            col(PaymentAttempt.gateway_ref).is_not(None),
        )
        .order_by(col(PaymentAttempt.id).desc())
    ).all()
    found = []
    for attempt in attempts:
        refunded = sum(
            session.exec(
                select(LedgerEntry.amount_cents).where(
                    col(LedgerEntry.source_key).startswith(f"attempt:{attempt.id}:refund:")
                )
            ).all()
        )
        found.append(
            RefundablePayment(
                attempt_id=int(attempt.id),  # type: ignore[arg-type]
                invoice_number=by_id[attempt.invoice_id].number,
                on=attempt.updated_at.date(),
                method="Bank transfer" if attempt.method == Method.BANK else "Card",
                amount_cents=attempt.amount_cents,
                refundable_cents=max(0, attempt.amount_cents - refunded),
            )
        )
    return found


def payer_account(session: Session, actor: Actor, key: str) -> PayerAccount:
    """Everything staff need about one payer's billing. Audited; NotFound outside scope."""
    who = reachable_payer(session, actor, key)
    invoices = list(
        session.exec(
            select(Invoice)
            .where(Invoice.payer_key == key)
            .order_by(col(Invoice.issued_on).desc(), col(Invoice.id).desc())
        ).all()
    )
    ids = [int(i.id) for i in invoices]  # type: ignore[arg-type]
    lines: dict[int, list[LineItem]] = {i: [] for i in ids}
    if ids:
        for line in session.exec(
            select(InvoiceLine)
            .where(col(InvoiceLine.invoice_id).in_(ids))
            .order_by(col(InvoiceLine.service_date), col(InvoiceLine.id))
        ):
            lines[line.invoice_id].append(
                LineItem(
                    line.service_date,
                    line.description,
                    line.amount_cents,
                    line.discount_cents,
                    line.discount_label,
                )
            )
    today = practice_today(session)
    names = {key: who.name}
    account_invoices = tuple(
        AccountInvoice(
            _item(i, names, today),
            i.paid_cents,
            tuple(lines[int(i.id)]),  # type: ignore[arg-type]
        )
        for i in invoices
    )
    payments = tuple(_refundable(session, invoices))
    methods = tuple(methods_for(session, actor, key))
    audit.record(
        session,
        actor,
        "billing.account_viewed",
        record_type="payer",
        client_id=who.client_id,
        detail={"payer": key},
    )
    session.commit()
    ledger = payer_ledger(session, actor, key)  # audited there
    open_cents = sum(a.item.balance_cents for a in account_invoices if a.item.status in OUTSTANDING)
    return PayerAccount(
        payer=who,
        is_contact=who.contact_id is not None,
        ledger=ledger,
        invoices=account_invoices,
        methods=methods,
        payments=payments,
        balance_cents=ledger.balance_cents,
        open_cents=open_cents,
        can_collect=actor.can(Perm.BILLING_COLLECT),
        today=today,
    )


def payment_entries(session: Session, invoice_id: int) -> list[LedgerEntry]:
    """Payments, refunds and reversals recorded against one invoice, oldest first."""
    kinds = (EntryKind.PAYMENT.value, EntryKind.REFUND.value, EntryKind.REVERSAL.value)
    return list(
        session.exec(
            select(LedgerEntry)
            .where(LedgerEntry.invoice_id == invoice_id, col(LedgerEntry.kind).in_(kinds))
            .order_by(col(LedgerEntry.id))
        ).all()
    )
