"""Collecting invoices: charge attempts through the gateway, their outcomes, and the ledger.

An attempt row, with its idempotency key, is committed before the gateway is called, and the
call is made outside any transaction. So a worker killed after the processor took the money,
or a timeout after success, is resolved by calling again with the same key: the processor
answers with the same payment, and nothing is taken twice. Outcomes that arrive later
(webhooks, the simulated processor's settlements) are applied once per event id, in the same
transaction as their effect.

Bank transfers are "processing until <date>" and not counted as collected until they settle;
a returned transfer reopens the invoice. Only insufficient-funds returns (R01) are retried,
at most twice in 180 days; any other return disables that bank account until the payer fixes
it. A card that keeps failing (per policy, e.g. three tries) moves the case to auto-invoice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, or_, select

from practicerunner.billing.charges import insert_ignore
from practicerunner.billing.gateways.base import (
    EVENT_PAYMENT_FAILED,
    EVENT_PAYMENT_SUCCEEDED,
    ChargeRequest,
    ChargeResult,
    ChargeStatus,
    GatewayError,
    GatewayEvent,
    GatewayRequestRefused,
    MethodKind,
    PaymentGateway,
)
from practicerunner.billing.models import (
    AttemptStatus,
    BillingArrangement,
    BillingPolicy,
    BillingRun,
    Collection,
    EntryKind,
    GatewayCustomer,
    Invoice,
    InvoiceStatus,
    LedgerEntry,
    Method,
    PayerMethod,
    PaymentAttempt,
    WebhookEvent,
)
from practicerunner.billing.notices import queue_failure_notices
from practicerunner.core import audit, clock
from practicerunner.core.errors import NotFound, ValidationFailed
from practicerunner.core.money import MoneyFormatError, format_cents, parse_dollars
from practicerunner.core.permissions import SYSTEM_ACTOR, Actor, Perm
from practicerunner.practice.models import Practice

BANK_RETRY_WINDOW = timedelta(days=180)
BANK_RETRIES = 2  # after an insufficient-funds return, at most two more tries in 180 days
RETRYABLE_BANK_RETURNS = ("R01",)
# Failed charges are retried nightly, not every time the hourly job runs.
RETRY_SPACING = timedelta(hours=20)


class EventNotReady(Exception):
    """An event about a payment we have not recorded yet (it beat the API reply): retry later."""


def attempt_key(invoice_id: int, attempt_no: int) -> str:
    """The idempotency key of an attempt: deterministic, and persisted before any call."""
    return f"pr-invoice-{invoice_id}-attempt-{attempt_no}"


def _practice_today(session: Session) -> date:
    practice = session.exec(select(Practice)).first()
    zone = ZoneInfo(practice.timezone if practice else "America/New_York")
    return clock.now().astimezone(zone).date()


def balance_due(invoice: Invoice) -> int:
    return max(invoice.total_cents - invoice.paid_cents, 0)


def _default_method(session: Session, payer_key: str) -> PayerMethod | None:
    return session.exec(
        select(PayerMethod).where(
            PayerMethod.payer_key == payer_key,
            col(PayerMethod.is_default),
            col(PayerMethod.auto_pay),
            PayerMethod.disabled_reason == "",
        )
    ).first()


def _attempts(session: Session, invoice_id: int) -> list[PaymentAttempt]:
    return list(
        session.exec(
            select(PaymentAttempt)
            .where(PaymentAttempt.invoice_id == invoice_id)
            .order_by(col(PaymentAttempt.attempt_no))
        ).all()
    )


def _may_try_again(session: Session, invoice: Invoice, attempts: list[PaymentAttempt]) -> bool:
    """Whether policy allows another automatic attempt on INVOICE after ATTEMPTS."""
    if not attempts:
        return True
    last = attempts[-1]
    if last.status != AttemptStatus.FAILED:
        return False  # pending, processing or paid: nothing to retry
    if clock.now() - last.updated_at < RETRY_SPACING:
        return False
    return _retries_left(session, invoice, attempts)


def _retries_left(session: Session, invoice: Invoice, attempts: list[PaymentAttempt]) -> bool:
    """Whether the failures so far leave room for another try under the policy."""
    last = attempts[-1]
    arrangement = session.exec(
        select(BillingArrangement).where(BillingArrangement.case_id == invoice.case_id)
    ).first()
    policy = session.get(BillingPolicy, arrangement.policy_id) if arrangement else None
    if last.method == Method.BANK:
        if last.failure_code not in RETRYABLE_BANK_RETURNS:
            return False
        since = clock.now() - BANK_RETRY_WINDOW
        bank_failures = [
            a
            for a in attempts
            if a.method == Method.BANK
            and a.status == AttemptStatus.FAILED
            and a.created_at >= since
        ]
        return len(bank_failures) <= BANK_RETRIES
    retries = policy.card_retries if policy else 3
    card_failures = [a for a in attempts if a.status == AttemptStatus.FAILED]
    return len(card_failures) <= retries


def plan_attempts(session: Session, *, run_id: int | None = None) -> list[int]:
    """Write the next attempt for every auto-pay invoice that is due one; returns their ids.

    An attempt is written only when the payer has a default auto-pay method and the policy
    allows another try; its (invoice, attempt number) is unique, so two workers planning at
    once write it once. Commits.
    """
    query = select(Invoice).where(
        Invoice.collection == Collection.AUTO_PAY,
        Invoice.status == InvoiceStatus.OPEN,
        Invoice.total_cents > Invoice.paid_cents,
    )
    if run_id is not None:
        query = query.where(Invoice.run_id == run_id)
    today = _practice_today(session)
    query = query.where(or_(col(Invoice.collect_on).is_(None), col(Invoice.collect_on) <= today))
    now = clock.now()
    planned: list[int] = []
    for invoice in session.exec(query.order_by(col(Invoice.id))).all():
        attempts = _attempts(session, int(invoice.id))  # type: ignore[arg-type]
        pending = [a for a in attempts if a.status == AttemptStatus.PENDING]
        if pending:
            planned.append(int(pending[0].id))  # type: ignore[arg-type]
            continue
        if not _may_try_again(session, invoice, attempts):
            continue
        method = _default_method(session, invoice.payer_key)
        if method is None:
            continue
        number = (attempts[-1].attempt_no + 1) if attempts else 1
        insert_ignore(
            session,
            PaymentAttempt.__table__,  # type: ignore[attr-defined]
            [
                {
                    "invoice_id": invoice.id,
                    "attempt_no": number,
                    "idempotency_key": attempt_key(int(invoice.id), number),  # type: ignore[arg-type]
                    "gateway": method.gateway,
                    "method": method.kind,
                    "method_ref": method.method_ref,
                    "amount_cents": balance_due(invoice),
                    "status": AttemptStatus.PENDING.value,
                    "failure_code": "",
                    "created_at": now,
                    "updated_at": now,
                }
            ],
        )
        attempt = session.exec(
            select(PaymentAttempt).where(
                PaymentAttempt.invoice_id == invoice.id, PaymentAttempt.attempt_no == number
            )
        ).one()
        if attempt.status == AttemptStatus.PENDING:
            planned.append(int(attempt.id))  # type: ignore[arg-type]
    session.commit()
    return planned


def execute_attempt(session: Session, gateway: PaymentGateway, attempt_id: int) -> str:
    """Call the gateway for one pending attempt and record what it said; returns the status.

    The call happens with no transaction open. A transport error leaves the attempt pending:
    the next run calls again with the same idempotency key.
    """
    attempt = session.get(PaymentAttempt, attempt_id)
    if attempt is None:
        raise NotFound("payment attempt")
    status = attempt.status
    invoice = session.get(Invoice, attempt.invoice_id)
    customer = session.exec(
        select(GatewayCustomer.customer_ref).where(
            GatewayCustomer.gateway == attempt.gateway,
            GatewayCustomer.payer_key == invoice.payer_key,  # type: ignore[union-attr]
        )
    ).first()
    request = None
    if status == AttemptStatus.PENDING and invoice is not None and customer is not None:
        request = ChargeRequest(
            amount_cents=attempt.amount_cents,
            customer_ref=customer,
            method_ref=attempt.method_ref,
            method_kind=MethodKind(attempt.method),
            idempotency_key=attempt.idempotency_key,
            # The processor shows the practice's account name; a practice called "… Counseling"
            # would tell it why someone pays, so the description is the invoice number alone.
            description=f"Invoice {invoice.number}",
            metadata={"invoice": invoice.number, "attempt": attempt.idempotency_key},
        )
    # Release the read (and SQLite's write lock) before the network call; rows are not
    # touched again after this (a rollback expires them).
    session.rollback()
    if request is None:
        return status
    try:
        result = gateway.charge(request)
    except GatewayError:
        return AttemptStatus.PENDING.value
    except GatewayRequestRefused as exc:
        result = ChargeResult(
            status=ChargeStatus.FAILED, ref=None, failure_code=exc.code or "refused"
        )
    return record_result(session, attempt_id, result)


def record_result(session: Session, attempt_id: int, result: ChargeResult) -> str:
    """Apply the gateway's answer to a pending attempt (once) and its invoice. Commits."""
    attempt = _lock_attempt(session, attempt_id)
    if attempt.status != AttemptStatus.PENDING:
        session.rollback()  # an event got here first
        return attempt.status
    invoice = _lock_invoice(session, attempt.invoice_id)
    now = clock.now()
    attempt.gateway_ref = result.ref
    attempt.updated_at = now
    run_column = None
    if result.status == ChargeStatus.SUCCEEDED:
        _settle(session, attempt, invoice, now)
        run_column = "succeeded"
    elif result.status == ChargeStatus.PROCESSING:
        attempt.status = AttemptStatus.PROCESSING
        attempt.settles_on = result.settles_on
        invoice.status = InvoiceStatus.PROCESSING
        invoice.processing_until = result.settles_on
        run_column = "processing"
    else:
        attempt.status = (
            AttemptStatus.REQUIRES_ACTION
            if result.status == ChargeStatus.REQUIRES_ACTION
            else AttemptStatus.FAILED
        )
        attempt.failure_code = result.failure_code[:40]
        _after_failure(session, attempt, invoice)
        run_column = "failed"
    session.add(attempt)
    session.add(invoice)
    if invoice.run_id is not None:
        values = {"charges_attempted": BillingRun.charges_attempted + 1}
        values[run_column] = getattr(BillingRun, run_column) + 1
        session.execute(
            update(BillingRun).where(col(BillingRun.id) == invoice.run_id).values(**values)
        )
    session.commit()
    return attempt.status


def _lock_attempt(session: Session, attempt_id: int) -> PaymentAttempt:
    query = select(PaymentAttempt).where(PaymentAttempt.id == attempt_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    found = session.exec(query).first()
    if found is None:
        raise NotFound("payment attempt")
    return found


def _lock_invoice(session: Session, invoice_id: int) -> Invoice:
    query = select(Invoice).where(Invoice.id == invoice_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    found = session.exec(query).first()
    if found is None:
        raise NotFound("invoice")
    return found


def _settle(session: Session, attempt: PaymentAttempt, invoice: Invoice, now: datetime) -> None:
    """The money arrived: a payment on the ledger, and the invoice paid (or partly)."""
    attempt.status = AttemptStatus.SUCCEEDED
    label = "Bank transfer" if attempt.method == Method.BANK else "Card payment"
    _ledger(
        session,
        invoice,
        EntryKind.PAYMENT,
        -attempt.amount_cents,
        f"{label} for {invoice.number}",
        f"attempt:{attempt.id}:paid",
        now,
    )
    invoice.paid_cents += attempt.amount_cents
    invoice.status = (
        InvoiceStatus.PAID if invoice.paid_cents >= invoice.total_cents else InvoiceStatus.OPEN
    )
    invoice.processing_until = None


def _after_failure(session: Session, attempt: PaymentAttempt, invoice: Invoice) -> None:
    """Reopen the invoice; disable a bank account after a final return; card fallback."""
    invoice.status = InvoiceStatus.OPEN
    invoice.processing_until = None
    method = session.exec(
        select(PayerMethod).where(
            PayerMethod.gateway == attempt.gateway, PayerMethod.method_ref == attempt.method_ref
        )
    ).first()
    final_return = attempt.failure_code not in RETRYABLE_BANK_RETURNS
    if attempt.method == Method.BANK and final_return and method is not None:
        method.disabled_reason = f"Returned by the bank ({attempt.failure_code})"
        session.add(method)
    session.flush()
    attempts = _attempts(session, int(invoice.id))  # type: ignore[arg-type]
    if attempt.method == Method.CARD and not _retries_left(session, invoice, attempts):
        arrangement = session.exec(
            select(BillingArrangement).where(BillingArrangement.case_id == invoice.case_id)
        ).first()
        if arrangement is not None and arrangement.collection != Collection.AUTO_INVOICE:
            arrangement.collection = Collection.AUTO_INVOICE.value
            arrangement.updated_at = clock.now()
            session.add(arrangement)
        invoice.collection = Collection.AUTO_INVOICE.value
    audit.record(
        session,
        SYSTEM_ACTOR,
        "billing.payment_failed",
        record_type="invoice",
        record_id=invoice.id,
        detail={"attempt": attempt.attempt_no, "code": attempt.failure_code},
    )
    queue_failure_notices(session, attempt, invoice)


def _ledger(
    session: Session,
    invoice: Invoice,
    kind: EntryKind,
    amount: int,
    description: str,
    source: str,
    now: datetime,
    on: date | None = None,
) -> None:
    insert_ignore(
        session,
        LedgerEntry.__table__,  # type: ignore[attr-defined]
        [
            {
                "payer_key": invoice.payer_key,
                "case_id": invoice.case_id,
                "invoice_id": invoice.id,
                "kind": kind.value,
                "amount_cents": amount,
                "entry_on": on or now.date(),
                "description": description[:120],
                "source_key": source,
                "created_at": now,
            }
        ],
    )


def apply_event(session: Session, gateway_name: str, event: GatewayEvent) -> str:
    """Apply one gateway event, once: 'applied', 'duplicate' or 'ignored'. Commits.

    The event id is stored in the same transaction as the effect, so a replayed webhook
    finds it and changes nothing. An event about a payment we have no record of yet raises
    EventNotReady (nothing is stored): the sender retries later.
    """
    if event.type not in (EVENT_PAYMENT_SUCCEEDED, EVENT_PAYMENT_FAILED):
        return _remember(session, gateway_name, event, "ignored")
    seen = session.exec(
        select(WebhookEvent).where(
            WebhookEvent.gateway == gateway_name, WebhookEvent.event_id == event.id
        )
    ).first()
    if seen is not None:
        session.rollback()
        return "duplicate"
    found = session.exec(
        select(PaymentAttempt.id).where(
            PaymentAttempt.gateway == gateway_name, PaymentAttempt.gateway_ref == event.payment_ref
        )
    ).first()
    if found is None:
        session.rollback()
        raise EventNotReady(event.id)
    attempt = _lock_attempt(session, int(found))
    invoice = _lock_invoice(session, attempt.invoice_id)
    now = clock.now()
    if attempt.status in (AttemptStatus.PROCESSING, AttemptStatus.PENDING):
        was_processing = attempt.status == AttemptStatus.PROCESSING
        if event.type == EVENT_PAYMENT_SUCCEEDED:
            _settle(session, attempt, invoice, now)
            run_column = "succeeded"
        else:
            attempt.status = AttemptStatus.FAILED
            attempt.failure_code = event.failure_code[:40]
            _after_failure(session, attempt, invoice)
            run_column = "failed"
        attempt.updated_at = now
        session.add(attempt)
        session.add(invoice)
        if invoice.run_id is not None:
            session.execute(
                update(BillingRun)
                .where(col(BillingRun.id) == invoice.run_id)
                .values(
                    processing=BillingRun.processing - (1 if was_processing else 0),
                    **{run_column: getattr(BillingRun, run_column) + 1},
                )
            )
    return _remember(session, gateway_name, event, "applied")


def _remember(session: Session, gateway_name: str, event: GatewayEvent, outcome: str) -> str:
    try:
        with session.begin_nested():
            session.add(
                WebhookEvent(
                    gateway=gateway_name,
                    event_id=event.id,
                    event_type=event.type[:40],
                    received_at=clock.now(),
                )
            )
        session.commit()
    except IntegrityError:
        session.rollback()  # handled concurrently by another worker: theirs stands
        return "duplicate"
    return outcome


def collect_due(session: Session, gateway: PaymentGateway, *, run_id: int | None = None) -> int:
    """Plan and execute every due attempt, then apply the gateway's due events; attempts made."""
    made = 0
    for attempt_id in plan_attempts(session, run_id=run_id):
        execute_attempt(session, gateway, attempt_id)
        made += 1
    for event in gateway.due_events(clock.now()):
        try:
            apply_event(session, gateway.name, event)
        except EventNotReady:
            continue
    return made


# ---- staff: manual payments and refunds -------------------------------------------------


@dataclass(frozen=True)
class ManualPayment:
    invoice_id: int
    amount: str  # as typed
    method: str  # "cash" | "check" | "other"
    received_on: str  # ISO date as typed
    reference: str = ""  # cheque number etc.


MANUAL_KINDS = {"cash": "Cash", "check": "Check", "other": "Outside payment"}


def record_manual_payment(session: Session, actor: Actor, form: ManualPayment) -> Invoice:
    """Record cash, a cheque or an outside payment against an invoice. Commits."""
    actor.require(Perm.BILLING_COLLECT)
    invoice = _lock_invoice(session, form.invoice_id)
    errors: dict[str, str] = {}
    amount = 0
    try:
        amount = parse_dollars(form.amount)
        if amount <= 0:
            errors["amount"] = "Enter an amount more than zero."
        elif amount > balance_due(invoice):
            errors["amount"] = (
                f"That is more than the {format_cents(balance_due(invoice))} still due."
            )
    except MoneyFormatError as exc:
        errors["amount"] = str(exc)
    if form.method not in MANUAL_KINDS:
        errors["method"] = "Choose cash, check or another payment."
    received: date | None = None
    try:
        received = date.fromisoformat(form.received_on)
        if received > clock.now().date() + timedelta(days=1):
            errors["received_on"] = "A payment can't be received in the future."
    except ValueError:
        errors["received_on"] = "Enter the date the payment was received."
    if len(form.reference) > 60:
        errors["reference"] = "Keep the reference under 60 characters."
    if errors:
        session.rollback()
        raise ValidationFailed(errors)
    now = clock.now()
    count = session.exec(
        select(func.count()).select_from(LedgerEntry).where(LedgerEntry.invoice_id == invoice.id)
    ).one()
    reference = f" ({form.reference})" if form.reference else ""
    _ledger(
        session,
        invoice,
        EntryKind.PAYMENT,
        -amount,
        f"{MANUAL_KINDS[form.method]}{reference} for {invoice.number}",
        f"manual:{invoice.id}:{count}:{now.isoformat()}",
        now,
        on=received,
    )
    invoice.paid_cents += amount
    invoice.status = (
        InvoiceStatus.PAID if invoice.paid_cents >= invoice.total_cents else InvoiceStatus.OPEN
    )
    session.add(invoice)
    audit.record(
        session,
        actor,
        "billing.payment_recorded",
        record_type="invoice",
        record_id=invoice.id,
        detail={"amount_cents": amount, "method": form.method},
    )
    session.commit()
    return invoice


def refund(
    session: Session, actor: Actor, gateway: PaymentGateway, attempt_id: int, amount_text: str
) -> int:
    """Refund all or part of a settled gateway payment; returns cents refunded. Commits."""
    actor.require(Perm.BILLING_COLLECT)
    attempt = session.get(PaymentAttempt, attempt_id)
    if attempt is None or attempt.status != AttemptStatus.SUCCEEDED or not attempt.gateway_ref:
        raise ValidationFailed({"amount": "Only a settled card or bank payment can be refunded."})
    already = sum(
        e.amount_cents
        for e in session.exec(
            select(LedgerEntry).where(
                col(LedgerEntry.source_key).startswith(f"attempt:{attempt.id}:refund:")
            )
        ).all()
    )
    left = attempt.amount_cents - already
    try:
        amount = parse_dollars(amount_text) if amount_text.strip() else left
    except MoneyFormatError as exc:
        raise ValidationFailed({"amount": str(exc)}) from exc
    if amount <= 0 or amount > left:
        raise ValidationFailed(
            {"amount": f"Enter an amount more than zero and at most {format_cents(left)}."}
        )
    invoice = session.get(Invoice, attempt.invoice_id)
    count = session.exec(
        select(func.count())
        .select_from(LedgerEntry)
        .where(col(LedgerEntry.source_key).startswith(f"attempt:{attempt.id}:refund:"))
    ).one()
    gateway_ref = attempt.gateway_ref
    session.rollback()
    result = gateway.refund(
        payment_ref=gateway_ref,
        amount_cents=amount,
        idempotency_key=f"pr-refund-{attempt_id}-{count + 1}-{amount}",
    )
    now = clock.now()
    invoice = _lock_invoice(session, attempt.invoice_id)
    _ledger(
        session,
        invoice,
        EntryKind.REFUND,
        result.amount_cents,
        f"Refund for {invoice.number}",
        f"attempt:{attempt.id}:refund:{count + 1}",
        now,
    )
    invoice.paid_cents -= result.amount_cents
    invoice.status = (
        InvoiceStatus.PAID if invoice.paid_cents >= invoice.total_cents else InvoiceStatus.OPEN
    )
    session.add(invoice)
    audit.record(
        session,
        actor,
        "billing.refunded",
        record_type="invoice",
        record_id=invoice.id,
        detail={"amount_cents": result.amount_cents},
    )
    session.commit()
    return result.amount_cents
