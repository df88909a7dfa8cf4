"""Collecting invoices: charge attempts through the gateway, their outcomes, and the ledger.

An attempt row, with its idempotency key, is committed before the gateway is called, and the
call is made outside any transaction. So a worker killed after the processor took the money,
or a timeout after success, is resolved by calling again with the same key: the processor
answers with the same payment, and nothing is taken twice. Outcomes that arrive later
(webhooks, the simulated processor's settlements) are applied once per event id, in the same
transaction as their effect.

A pre-billed session cancelled in time is a credit; when the case's policy refunds credits and
the payer paid that invoice through the processor, `refund_credits` sends their share back
(once: the ledger's credit key and the refund's idempotency key are per charge and payer)
instead of letting the next invoice net it.

Bank transfers are "processing until <date>" and not counted as collected until they settle;
a returned transfer reopens the invoice. Only insufficient-funds returns (R01) are retried,
at most twice in 180 days; any other return disables that bank account until the payer fixes
it. A card that keeps failing (per policy, e.g. three tries) moves the case to auto-invoice.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar, cast

from sqlalchemy import String, and_, case, func, literal, update
from sqlalchemy import cast as sa_cast
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
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
from practicerunner.billing.methods import usable_default
from practicerunner.billing.models import (
    AttemptStatus,
    BillingArrangement,
    BillingPolicy,
    BillingRun,
    Charge,
    ChargeKind,
    Collection,
    EntryKind,
    GatewayCustomer,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    LedgerEntry,
    Method,
    PayerMethod,
    PaymentAttempt,
    WebhookEvent,
)
from practicerunner.billing.notices import queue_failure_notices
from practicerunner.core import audit, clock
from practicerunner.core.audit import AuditEvent
from practicerunner.core.errors import NotFound, ValidationFailed
from practicerunner.core.money import MoneyFormatError, format_cents, parse_dollars
from practicerunner.core.permissions import SYSTEM_ACTOR, Actor, Perm
from practicerunner.practice.local import practice_today
from practicerunner.scheduling.models import Appointment

BANK_RETRY_WINDOW = timedelta(days=180)
BANK_RETRIES = 2  # after an insufficient-funds return, at most two more tries in 180 days
RETRYABLE_BANK_RETURNS = ("R01",)
# Failed charges are retried nightly, not every time the hourly job runs.
RETRY_SPACING = timedelta(hours=20)
DEFAULT_CARD_RETRIES = 3  # a case with no pinned policy
# Charges sent to the gateway per `charge_many`, their outcomes recorded in one transaction:
# big enough to amortise a transaction, small enough that a crash loses little bookkeeping
# (the keys make a re-send harmless anyway) and locks are held briefly.
CHARGE_CHUNK = 200
# Values per IN (...) list or rows per INSERT: inside SQLite's and PostgreSQL's parameter limits.
IN_CHUNK = 1000
UPDATE_CHUNK = 250  # rows per UPDATE … CASE statement

T = TypeVar("T")


class EventNotReady(Exception):
    """An event about a payment we have not recorded yet (it beat the API reply): retry later."""


def attempt_key(invoice_id: int, attempt_no: int) -> str:
    """The idempotency key of an attempt: deterministic, and persisted before any call."""
    return f"pr-invoice-{invoice_id}-attempt-{attempt_no}"


def balance_due(invoice: Invoice) -> int:
    return max(invoice.total_cents - invoice.paid_cents, 0)


def _attempts(session: Session, invoice_id: int) -> list[PaymentAttempt]:
    return list(
        session.exec(
            select(PaymentAttempt)
            .where(PaymentAttempt.invoice_id == invoice_id)
            .order_by(col(PaymentAttempt.attempt_no))
        ).all()
    )


def _may_try_again(attempts: Sequence[PaymentAttempt], card_retries: int) -> bool:
    """Whether policy allows another automatic attempt after ATTEMPTS (by number)."""
    # A hosted checkout the payer left unpaid moved no money: it neither blocks nor counts.
    attempts = [a for a in attempts if a.status != AttemptStatus.ABANDONED]
    if not attempts:
        return True
    last = attempts[-1]
    if last.status != AttemptStatus.FAILED:
        return False  # pending, processing or paid: nothing to retry
    if clock.now() - last.updated_at < RETRY_SPACING:
        return False
    return _retries_allowed(attempts, card_retries)


def _retries_allowed(attempts: Sequence[PaymentAttempt], card_retries: int) -> bool:
    """Whether the failures so far in ATTEMPTS leave room for another try.

    Bank: only insufficient-funds returns, at most BANK_RETRIES more in BANK_RETRY_WINDOW.
    Card: at most CARD_RETRIES (the case's policy; three without one) after the first.
    """
    last = attempts[-1]
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
    card_failures = [a for a in attempts if a.status == AttemptStatus.FAILED]
    return len(card_failures) <= card_retries


def _card_retries(session: Session, case_ids: Iterable[int]) -> dict[int, int]:
    """Card retries allowed per case, from the policy its arrangement pins (default 3)."""
    found: dict[int, int] = {}
    for chunk in _chunks(sorted(set(case_ids))):
        rows = session.exec(
            select(BillingArrangement.case_id, BillingPolicy.card_retries)
            .join(BillingPolicy, col(BillingPolicy.id) == BillingArrangement.policy_id)
            .where(col(BillingArrangement.case_id).in_(chunk))
        ).all()
        found.update((int(case_id), int(retries)) for case_id, retries in rows)
    return {case_id: found.get(case_id, DEFAULT_CARD_RETRIES) for case_id in case_ids}


def _retries_left(session: Session, invoice: Invoice, attempts: list[PaymentAttempt]) -> bool:
    """Whether the failures so far leave room for another try under the policy."""
    retries = _card_retries(session, [invoice.case_id])[invoice.case_id]
    return _retries_allowed(attempts, retries)


def _chunks(values: Sequence[T], size: int = IN_CHUNK) -> list[Sequence[T]]:
    return [values[i : i + size] for i in range(0, len(values), size)]


def _latest_attempt(column: Any) -> Any:
    """A correlated scalar subquery: COLUMN of the invoice's latest attempt (NULL if none).

    Abandoned hosted checkouts are not attempts at all for this purpose (no money moved).
    """
    latest = aliased(PaymentAttempt)
    return (
        select(getattr(latest, column.key))
        .where(latest.invoice_id == Invoice.id, latest.status != AttemptStatus.ABANDONED.value)
        .order_by(col(latest.attempt_no).desc())
        .limit(1)
        .scalar_subquery()
    )


def plan_attempts(session: Session, *, run_id: int | None = None) -> list[int]:
    """Write the next attempt for every auto-pay invoice that is due one; returns their ids.

    An attempt is written only when the payer has a default auto-pay method and the policy
    allows another try; its (invoice, attempt number) is unique, so two workers planning at
    once write it once. An attempt still pending (its call never answered) is returned as it
    is, to be sent again with its key. Commits.

    In bulk, whatever the number of invoices: one query finds the invoices that may be due an
    attempt (the database leaves out those whose latest attempt is processing, paid, waiting
    for the cardholder or failed too recently, and those whose payer has no method to charge),
    then one query each for their attempts, their payers' methods and their cases' retry
    policies; one INSERT writes the new attempts and one SELECT reads back their ids. When
    nothing is due, that is the first query alone.
    """
    today = practice_today(session)
    now = clock.now()
    latest_status = _latest_attempt(PaymentAttempt.status)
    latest_updated = _latest_attempt(PaymentAttempt.updated_at)
    pending = (
        select(PaymentAttempt.id)
        .where(
            PaymentAttempt.invoice_id == Invoice.id,
            PaymentAttempt.status == AttemptStatus.PENDING,
        )
        .exists()
    )
    chargeable = (
        select(PayerMethod.id)
        .where(
            PayerMethod.payer_key == Invoice.payer_key,
            *usable_default(auto_pay=True),
        )
        .exists()
    )
    balance = col(Invoice.total_cents) - col(Invoice.paid_cents)
    query = select(Invoice.id, Invoice.case_id, Invoice.payer_key, balance).where(
        Invoice.collection == Collection.AUTO_PAY,
        Invoice.status == InvoiceStatus.OPEN,
        Invoice.total_cents > Invoice.paid_cents,
        or_(col(Invoice.collect_on).is_(None), col(Invoice.collect_on) <= today),
        or_(
            pending,
            and_(
                chargeable,
                or_(
                    latest_status.is_(None),
                    and_(
                        latest_status == AttemptStatus.FAILED.value,
                        latest_updated <= now - RETRY_SPACING,
                    ),
                ),
            ),
        ),
    )
    if run_id is not None:
        query = query.where(Invoice.run_id == run_id)
    # (invoice id, case id, payer key, balance); ids are never NULL once stored.
    due = cast(list[tuple[int, int, str, int]], session.exec(query.order_by(col(Invoice.id))).all())
    if not due:
        session.commit()
        return []
    invoice_ids = [int(row[0]) for row in due]
    attempts: dict[int, list[PaymentAttempt]] = defaultdict(list)
    for chunk in _chunks(invoice_ids):
        for attempt in session.exec(
            select(PaymentAttempt)
            .where(col(PaymentAttempt.invoice_id).in_(chunk))
            .order_by(col(PaymentAttempt.invoice_id), col(PaymentAttempt.attempt_no))
        ).all():
            attempts[attempt.invoice_id].append(attempt)
    methods: dict[str, PayerMethod] = {}
    for keys in _chunks(sorted({str(row[2]) for row in due})):
        for method in session.exec(
            select(PayerMethod)
            .where(
                col(PayerMethod.payer_key).in_(keys),
                *usable_default(auto_pay=True),
            )
            .order_by(col(PayerMethod.id))
        ).all():
            methods.setdefault(method.payer_key, method)
    retried = [int(row[1]) for row in due if attempts.get(int(row[0]))]
    card_retries = _card_retries(session, retried) if retried else {}

    planned: dict[int, int] = {}  # invoice id -> pending attempt id
    new_rows: list[dict[str, object]] = []
    for invoice_id, case_id, payer_key, due_cents in due:
        tried = attempts.get(invoice_id, [])
        waiting = [a for a in tried if a.status == AttemptStatus.PENDING]
        if waiting:
            planned[invoice_id] = int(waiting[0].id)  # type: ignore[arg-type]
            continue
        retries = card_retries.get(case_id, DEFAULT_CARD_RETRIES)
        if not _may_try_again(tried, retries):
            continue
        chosen = methods.get(payer_key)
        if chosen is None:
            continue
        number = (tried[-1].attempt_no + 1) if tried else 1
        new_rows.append(
            {
                "invoice_id": invoice_id,
                "attempt_no": number,
                "idempotency_key": attempt_key(invoice_id, number),
                "gateway": chosen.gateway,
                "method": chosen.kind,
                "method_ref": chosen.method_ref,
                "amount_cents": due_cents,
                "status": AttemptStatus.PENDING.value,
                "failure_code": "",
                "created_at": now,
                "updated_at": now,
            }
        )
    for rows in _chunks(new_rows):
        insert_ignore(session, PaymentAttempt.__table__, rows)  # type: ignore[attr-defined]
    # Read back what is pending under the numbers just planned: ours, or a concurrent
    # planner's identical row (its INSERT won). One already answered is not planned again.
    wanted = {(int(r["invoice_id"]), int(r["attempt_no"])) for r in new_rows}  # type: ignore[call-overload]
    for chunk in _chunks(sorted({invoice_id for invoice_id, _ in wanted})):
        for attempt_id, invoice_id, number in session.exec(
            select(PaymentAttempt.id, PaymentAttempt.invoice_id, PaymentAttempt.attempt_no).where(
                col(PaymentAttempt.invoice_id).in_(chunk),
                PaymentAttempt.status == AttemptStatus.PENDING,
            )
        ).all():
            if (invoice_id, number) in wanted:
                planned[invoice_id] = int(attempt_id)  # type: ignore[arg-type]
    session.commit()
    return [planned[invoice_id] for invoice_id in sorted(planned)]


def _charge_request(attempt: PaymentAttempt, number: str, customer_ref: str) -> ChargeRequest:
    return ChargeRequest(
        amount_cents=attempt.amount_cents,
        customer_ref=customer_ref,
        method_ref=attempt.method_ref,
        method_kind=MethodKind(attempt.method),
        idempotency_key=attempt.idempotency_key,
        # The processor shows the practice's account name; a practice called "… Counseling"
        # would tell it why someone pays, so the description is the invoice number alone.
        description=f"Invoice {number}",
        metadata={"invoice": number, "attempt": attempt.idempotency_key},
    )


def execute_attempts(
    session: Session, gateway: PaymentGateway, attempt_ids: Sequence[int]
) -> dict[int, str]:
    """Call the gateway for the pending attempts among ATTEMPT_IDS; {attempt id: status}.

    The requests are read in one query and the transaction closed before any call; the
    gateway is called with `charge_many` in chunks of CHARGE_CHUNK, each chunk's answers
    recorded in one transaction (see `record_results`). A transport error leaves its attempt
    pending: the next run calls again with the same idempotency key. Attempts no longer
    pending, or whose payer has no customer at the processor, keep their status and cost no
    call; unknown ids are left out of the answer.
    """
    statuses: dict[int, str] = {}
    requests: dict[int, ChargeRequest] = {}
    for chunk in _chunks(sorted(set(attempt_ids))):
        rows = session.exec(
            select(PaymentAttempt, Invoice.number, GatewayCustomer.customer_ref)
            .join(Invoice, col(Invoice.id) == PaymentAttempt.invoice_id)
            .outerjoin(
                GatewayCustomer,
                and_(
                    col(GatewayCustomer.gateway) == PaymentAttempt.gateway,
                    col(GatewayCustomer.payer_key) == Invoice.payer_key,
                ),
            )
            .where(col(PaymentAttempt.id).in_(chunk))
            .order_by(col(PaymentAttempt.id))
        ).all()
        for attempt, number, customer in rows:
            attempt_id = int(attempt.id)  # type: ignore[arg-type]
            statuses[attempt_id] = attempt.status
            if attempt.status == AttemptStatus.PENDING and customer is not None:
                requests[attempt_id] = _charge_request(attempt, number, customer)
    # Release the read (and SQLite's write lock) before the network calls; rows are not
    # touched again after this (a rollback expires them).
    session.rollback()
    waiting = list(requests.items())
    for start in range(0, len(waiting), CHARGE_CHUNK):
        batch = waiting[start : start + CHARGE_CHUNK]
        answers = gateway.charge_many([request for _, request in batch])
        results: dict[int, ChargeResult] = {}
        unexpected: Exception | None = None
        for (attempt_id, _request), answer in zip(batch, answers, strict=True):
            if isinstance(answer, ChargeResult):
                results[attempt_id] = answer
            elif isinstance(answer, GatewayRequestRefused):
                code = answer.code or "refused"
                results[attempt_id] = ChargeResult(ChargeStatus.FAILED, None, failure_code=code)
            elif not isinstance(answer, GatewayError):
                unexpected = unexpected or answer
            # GatewayError: left pending, to be sent again with the same key.
        if results:
            statuses.update(record_results(session, results))
        if unexpected is not None:
            raise unexpected  # what the single call would have raised, after recording the rest
    return statuses


def execute_attempt(session: Session, gateway: PaymentGateway, attempt_id: int) -> str:
    """Call the gateway for one pending attempt and record what it said; returns the status.

    The call happens with no transaction open. A transport error leaves the attempt pending:
    the next run calls again with the same idempotency key.
    """
    statuses = execute_attempts(session, gateway, [attempt_id])
    if attempt_id not in statuses:
        raise NotFound("payment attempt")
    return statuses[attempt_id]


def record_result(session: Session, attempt_id: int, result: ChargeResult) -> str:
    """Apply the gateway's answer to a pending attempt (once) and its invoice. Commits."""
    statuses = record_results(session, {attempt_id: result})
    if attempt_id not in statuses:
        raise NotFound("payment attempt")
    return statuses[attempt_id]


def record_results(session: Session, results: Mapping[int, ChargeResult]) -> dict[int, str]:
    """Apply the gateway's answers to their attempts, in one transaction; {id: status}. Commits.

    The attempts, then their invoices, are locked in id order (FOR UPDATE on PostgreSQL; on
    SQLite the transaction holds the write lock), so concurrent recorders and event handlers
    wait for each other instead of deadlocking. An attempt no longer pending (an event got
    there first) is left as it is and its status answered. Ledger rows go in with one INSERT
    and each run's counters with one UPDATE.
    """
    ids = sorted(results)
    attempts: list[PaymentAttempt] = []
    for chunk in _chunks(ids):
        attempts.extend(
            _locked(
                session,
                select(PaymentAttempt)
                .where(col(PaymentAttempt.id).in_(chunk))
                .order_by(col(PaymentAttempt.id)),
            )
        )
    statuses = {int(a.id): str(a.status) for a in attempts}  # type: ignore[arg-type]
    pending = [a for a in attempts if a.status == AttemptStatus.PENDING]
    if not pending:
        session.rollback()
        return statuses
    invoices: dict[int, Invoice] = {}
    for chunk in _chunks(sorted({a.invoice_id for a in pending})):
        for invoice in _locked(
            session, select(Invoice).where(col(Invoice.id).in_(chunk)).order_by(col(Invoice.id))
        ):
            invoices[int(invoice.id)] = invoice  # type: ignore[arg-type]
    now = clock.now()
    ledger: list[dict[str, object]] = []
    counts: dict[int, Counter[str]] = defaultdict(Counter)
    failed: list[PaymentAttempt] = []
    # Successes and bank transfers under way first, with no autoflush: their updates then go
    # out together in one flush. Failures follow, one by one (they query, audit and notify).
    with session.no_autoflush:
        for attempt in pending:
            result = results[int(attempt.id)]  # type: ignore[arg-type]
            invoice = invoices[attempt.invoice_id]
            attempt.gateway_ref = result.ref
            attempt.updated_at = now
            if result.status == ChargeStatus.SUCCEEDED:
                _settle(session, attempt, invoice, now, ledger)
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
                failed.append(attempt)
                run_column = "failed"
            if invoice.run_id is not None:
                counts[invoice.run_id]["charges_attempted"] += 1
                counts[invoice.run_id][run_column] += 1
            statuses[int(attempt.id)] = str(attempt.status)  # type: ignore[arg-type]
    answered = [a for a in pending if a.status in _ANSWERED]
    _write_changes(session, [*answered, *(invoices[a.invoice_id] for a in answered)])
    for attempt in failed:
        _after_failure(session, attempt, invoices[attempt.invoice_id])
    for rows in _chunks(ledger):
        insert_ignore(session, LedgerEntry.__table__, rows)  # type: ignore[attr-defined]
    for run_id in sorted(counts):
        values = {name: getattr(BillingRun, name) + n for name, n in counts[run_id].items()}
        session.execute(update(BillingRun).where(col(BillingRun.id) == run_id).values(**values))
    session.commit()
    return statuses


_ANSWERED = (AttemptStatus.SUCCEEDED, AttemptStatus.PROCESSING)


def _write_changes(session: Session, objects: Sequence[Any]) -> None:
    """Write the unflushed attribute changes of OBJECTS, then forget them in the session.

    A flush would send one UPDATE per row; this sends one per table and chunk of rows changing
    the same columns, each column set by `CASE id WHEN … THEN … END`. The objects are expired
    first (so no autoflush writes them as well); they reload if read again.
    """
    changes: dict[tuple[Any, tuple[str, ...]], dict[int, dict[str, Any]]] = defaultdict(dict)
    unique = list({id(obj): obj for obj in objects}.values())
    for obj in unique:
        state = sa_inspect(obj)
        # committed_state holds the loaded value of each attribute set since the load.
        values = {
            state.mapper.get_property(key).columns[0].name: state.dict[key]  # type: ignore[attr-defined]
            for key, loaded in state.committed_state.items()
            if state.dict.get(key) != loaded
        }
        if values:
            changes[(state.mapper.local_table, tuple(sorted(values)))][int(obj.id)] = values
    for obj in unique:
        session.expire(obj)
    for (table, names), rows in changes.items():
        for chunk in _chunks(sorted(rows), UPDATE_CHUNK):
            assignments: dict[str, Any] = {}
            for name in names:
                column = table.c[name]
                given = [rows[row_id][name] for row_id in chunk]
                if all(value == given[0] for value in given):
                    assignments[name] = literal(given[0], column.type)
                else:
                    whens = {
                        row_id: literal(value, column.type)
                        for row_id, value in zip(chunk, given, strict=True)
                    }
                    assignments[name] = case(whens, value=table.c.id)
            session.execute(update(table).where(table.c.id.in_(chunk)).values(**assignments))


def _locked(session: Session, query: Any) -> list[Any]:
    """QUERY's rows, locked FOR UPDATE on PostgreSQL (SQLite's transaction already is)."""
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return list(session.exec(query).all())


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


def _settle(
    session: Session,
    attempt: PaymentAttempt,
    invoice: Invoice,
    now: datetime,
    ledger: list[dict[str, object]] | None = None,
) -> None:
    """The money arrived: a payment on the ledger, and the invoice paid (or partly).

    With LEDGER, the ledger row is appended there for the caller to insert with others.
    """
    attempt.status = AttemptStatus.SUCCEEDED
    label = "Bank transfer" if attempt.method == Method.BANK else "Card payment"
    row = _ledger_row(
        invoice,
        EntryKind.PAYMENT,
        -attempt.amount_cents,
        f"{label} for {invoice.number}",
        f"attempt:{attempt.id}:paid",
        now,
    )
    if ledger is not None:
        ledger.append(row)
    else:
        insert_ignore(session, LedgerEntry.__table__, [row])  # type: ignore[attr-defined]
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
    row = _ledger_row(invoice, kind, amount, description, source, now, on)
    insert_ignore(session, LedgerEntry.__table__, [row])  # type: ignore[attr-defined]


def _ledger_row(
    invoice: Invoice,
    kind: EntryKind,
    amount: int,
    description: str,
    source: str,
    now: datetime,
    on: date | None = None,
) -> dict[str, object]:
    return {
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


def apply_event(session: Session, gateway_name: str, event: GatewayEvent) -> str:
    """Apply one gateway event, once: 'applied', 'duplicate' or 'ignored'. Commits.

    The event id is stored in the same transaction as the effect, so a replayed webhook
    finds it and changes nothing. A success we have no record of yet raises EventNotReady
    (nothing is stored): the sender retries later. A failure we have no record of changes
    nothing and is acknowledged.
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
        if event.type == EVENT_PAYMENT_FAILED:
            # A failure we never recorded as under way: a card declined on Stripe's checkout
            # page (answered there), or the decline our own call's answer records. Either way
            # nothing was collected, so there is nothing to undo.
            return _remember(session, gateway_name, event, "ignored")
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
    """Plan and execute every due attempt, apply the gateway's due events, then refund the
    credits policy refunds; attempts made."""
    # Read in the planning transaction: on an idle hour this costs one query, no extra BEGIN.
    credits = [r for r in credits_to_refund(session) if r.gateway == gateway.name]
    planned = plan_attempts(session, run_id=run_id)
    execute_attempts(session, gateway, planned)
    for event in gateway.due_events(clock.now()):
        try:
            apply_event(session, gateway.name, event)
        except EventNotReady:
            continue
    if credits:
        refund_credits(session, gateway, credits)
    return len(planned)


# ---- pre-billed credits refunded instead of carried forward ---------------------------------

CREDIT_REFUND_REFUSED = "billing.credit_refund_refused"


@dataclass(frozen=True)
class CreditRefund:
    """One payer's share of a cancelled prepaid session, to go back to the card or account."""

    charge_id: int
    case_id: int
    payer_key: str
    invoice_id: int  # the invoice that prepaid the session
    attempt_id: int  # the settled payment the money goes back to
    payment_ref: str
    gateway: str
    amount_cents: int  # the payer's line for the session, less its discount: what they paid
    service_date: date

    @property
    def credit_key(self) -> str:
        """The ledger source key of the credit; the same key a netted credit line uses."""
        return f"credit:{self.charge_id}:{self.payer_key}"

    @property
    def refund_key(self) -> str:
        """The ledger source key of the refund, under its payment (see `refund`'s count)."""
        return f"attempt:{self.attempt_id}:refund:credit:{self.charge_id}:{self.payer_key}"

    @property
    def idempotency_key(self) -> str:
        """Deterministic per charge and payer: a retry after a crash gets the same refund."""
        return f"pr-credit-refund-{self.charge_id}-{self.payer_key}"


def credits_to_refund(
    session: Session, case_ids: Sequence[int] | None = None
) -> list[CreditRefund]:
    """The cancelled prepaid sessions whose policy refunds credits, per payer, not yet settled.

    A payer's share qualifies when the case's pinned policy has `refund_credits`, the session
    was cancelled in time, no credit for it is on the ledger yet (netted or refunded), the
    payer's invoice for it was paid through the gateway by a payment with enough left to
    refund, and no refund of it was refused before. Everything else keeps its credit, netted
    on the next invoice: billing runs call this to leave out exactly what is refunded here.
    Reads only (one query, one for the payments); the caller's transaction stays open.
    """
    # Imported here: runs imports this module.
    from practicerunner.billing.runs import CREDITED_STATUSES

    credit_key = (
        literal("credit:") + sa_cast(Charge.id, String) + literal(":") + col(Invoice.payer_key)
    )
    credited = select(LedgerEntry.id).where(LedgerEntry.source_key == credit_key).exists()
    paid = (
        select(PaymentAttempt.id)
        .where(
            PaymentAttempt.invoice_id == Invoice.id,
            PaymentAttempt.status == AttemptStatus.SUCCEEDED,
        )
        .exists()
    )
    refused = (
        select(AuditEvent.id)
        .where(
            AuditEvent.action == CREDIT_REFUND_REFUSED,
            AuditEvent.record_type == "charge",
            AuditEvent.record_id == Charge.id,
        )
        .exists()
    )
    query = (
        select(  # type: ignore[call-overload]
            Charge.id,
            Charge.case_id,
            Charge.service_date,
            Invoice.id,
            Invoice.payer_key,
            col(InvoiceLine.amount_cents) - col(InvoiceLine.discount_cents),
        )
        .join(Appointment, col(Appointment.id) == Charge.appointment_id)
        .join(BillingArrangement, col(BillingArrangement.case_id) == Charge.case_id)
        .join(BillingPolicy, col(BillingPolicy.id) == BillingArrangement.policy_id)
        .join(InvoiceLine, col(InvoiceLine.charge_id) == Charge.id)
        .join(Invoice, col(Invoice.id) == InvoiceLine.invoice_id)
        .where(
            col(BillingPolicy.refund_credits),
            Charge.kind == ChargeKind.PREPAYMENT,
            col(Charge.invoiced),
            col(Appointment.status).in_(CREDITED_STATUSES),
            col(InvoiceLine.amount_cents) > col(InvoiceLine.discount_cents),
            Invoice.status != InvoiceStatus.VOID,
            paid,
            ~credited,
            ~refused,
        )
        .order_by(col(Charge.id), col(Invoice.id))
    )
    if case_ids is not None:
        if not case_ids:
            return []
        query = query.where(col(Charge.case_id).in_(list(case_ids)))
    shares = session.execute(query).all()
    if not shares:
        return []
    # The settled payments of those invoices, and what each has given back already (staff
    # refunds and credit refunds alike are keyed "attempt:<id>:refund:…").
    payments: dict[int, list[PaymentAttempt]] = defaultdict(list)
    for chunk in _chunks(sorted({int(row[3]) for row in shares})):
        for attempt in session.exec(
            select(PaymentAttempt)
            .where(
                col(PaymentAttempt.invoice_id).in_(chunk),
                PaymentAttempt.status == AttemptStatus.SUCCEEDED,
                col(PaymentAttempt.gateway_ref).is_not(None),
            )
            .order_by(col(PaymentAttempt.attempt_no))
        ).all():
            payments[attempt.invoice_id].append(attempt)
    left: dict[int, int] = {
        int(a.id): a.amount_cents  # type: ignore[arg-type]
        for attempts in payments.values()
        for a in attempts
    }
    for chunk in _chunks(sorted(payments)):
        for source, amount in session.exec(
            select(LedgerEntry.source_key, LedgerEntry.amount_cents).where(
                col(LedgerEntry.invoice_id).in_(chunk), LedgerEntry.kind == EntryKind.REFUND
            )
        ).all():
            attempt_part, _, rest = source.partition(":refund:")
            attempt_id = int(attempt_part.removeprefix("attempt:")) if rest else 0
            if attempt_id in left:
                left[attempt_id] -= int(amount)
    found: list[CreditRefund] = []
    for charge_id, case_id, on, invoice_id, key, amount in shares:
        # The first payment with enough left takes the whole share. A share no single
        # payment covers (an invoice mostly paid by netting or in cash) keeps its credit.
        for attempt in payments.get(int(invoice_id), []):
            attempt_id = int(attempt.id)  # type: ignore[arg-type]
            if left[attempt_id] >= amount:
                left[attempt_id] -= amount
                found.append(
                    CreditRefund(
                        charge_id=int(charge_id),
                        case_id=int(case_id),
                        payer_key=str(key),
                        invoice_id=int(invoice_id),
                        attempt_id=attempt_id,
                        payment_ref=str(attempt.gateway_ref),
                        gateway=attempt.gateway,
                        amount_cents=int(amount),
                        service_date=on,
                    )
                )
                break
    return found


def refund_credits(
    session: Session, gateway: PaymentGateway, shares: Sequence[CreditRefund] | None = None
) -> int:
    """Refund each payer's share of cancelled prepaid sessions their policy refunds; cents sent.

    SHARES are the refunds found by `credits_to_refund` (read now when not given); the
    transaction is closed before any call, and each is sent with its deterministic
    idempotency key; its ledger rows (+refund, -credit: the payer's balance for the session
    is back to zero, and the next invoice nets nothing for it) go in with the audit entry in
    one transaction after the answer. A worker killed between the two sends
    the same request next time and the processor answers with the same refund; two workers
    at once write the rows once (their source keys are unique). Transport trouble leaves the
    share for the next run; a refusal is audited and the credit is kept, to be netted.
    """
    if shares is None:
        shares = [r for r in credits_to_refund(session) if r.gateway == gateway.name]
    session.rollback()
    sent = 0
    for share in shares:
        try:
            result = gateway.refund(
                payment_ref=share.payment_ref,
                amount_cents=share.amount_cents,
                idempotency_key=share.idempotency_key,
            )
        except GatewayError:
            continue  # asked again next time, with the same key
        except GatewayRequestRefused as exc:
            _credit_refund_refused(session, share, exc.code or "refused")
            continue
        if result.status == "failed":
            _credit_refund_refused(session, share, "refund_failed")
            continue
        now = clock.now()
        invoice = _lock_invoice(session, share.invoice_id)
        on = share.service_date.strftime("%b %-d, %Y")
        written = insert_ignore(
            session,
            LedgerEntry.__table__,  # type: ignore[attr-defined]
            [
                _ledger_row(
                    invoice,
                    EntryKind.REFUND,
                    result.amount_cents,
                    f"Refund: cancelled session on {on}",
                    share.refund_key,
                    now,
                ),
                _ledger_row(
                    invoice,
                    EntryKind.CREDIT,
                    -result.amount_cents,
                    f"Credit: cancelled session on {on}",
                    share.credit_key,
                    now,
                ),
            ],
        )
        if written:
            audit.record(
                session,
                SYSTEM_ACTOR,
                "billing.credit_refunded",
                record_type="invoice",
                record_id=invoice.id,
                detail={"charge": share.charge_id, "amount_cents": result.amount_cents},
            )
            sent += result.amount_cents
        session.commit()
    return sent


def _credit_refund_refused(session: Session, share: CreditRefund, code: str) -> None:
    """Remember a refused refund: the credit is kept and netted on the next invoice instead."""
    audit.record(
        session,
        SYSTEM_ACTOR,
        CREDIT_REFUND_REFUSED,
        record_type="charge",
        record_id=share.charge_id,
        detail={"payer": share.payer_key, "invoice": share.invoice_id, "code": code[:40]},
    )
    session.commit()


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
