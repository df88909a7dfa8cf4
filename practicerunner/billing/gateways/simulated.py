"""A built-in payment processor for the embedded default, demos and tests.

It behaves like the real rails — cards answer at once, bank debits are processing for four
US bank business days and then settle or come back with an ACH return code — and keeps its
books in its own `sim_` tables through its own sessions, never inside the caller's
transaction, as an outside processor would. Outcomes follow the number entered when a method
is saved, like Stripe's test numbers (see TEST_CARDS and TEST_BANK_ACCOUNTS).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, Protocol, TypeVar

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    false,
    func,
    insert,
    literal,
    or_,
    update,
)
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from stdnum import luhn

from practicerunner.billing.gateways.base import (
    EVENT_PAYMENT_FAILED,
    EVENT_PAYMENT_SUCCEEDED,
    ChargeRequest,
    ChargeResult,
    ChargeStatus,
    GatewayEvent,
    GatewayRequestRefused,
    MethodKind,
    RefundResult,
    SavedMethod,
    SetupStart,
    WebhookSignatureError,
    bank_date,
    ensure_idempotency_key,
    ensure_positive_amount,
)
from practicerunner.billing.gateways.simulated_models import (
    SimCustomer,
    SimMethod,
    SimPayment,
    SimRefund,
    SimSetup,
)
from practicerunner.billing.models import WebhookEvent
from practicerunner.core import clock as core_clock
from practicerunner.core.db import session_scope

SUCCEED = "succeed"
SETTLE = "settle"
CARD_DECLINED = "card_declined"
AUTHENTICATION_REQUIRED = "authentication_required"

# Stripe's test card numbers, with Stripe's outcomes. Any other valid card number succeeds.
TEST_CARDS: dict[str, str] = {
    "4242424242424242": SUCCEED,
    "4000000000000002": CARD_DECLINED,
    "4000002500003155": AUTHENTICATION_REQUIRED,
}
# Stripe's test bank account numbers; an outcome "Rxx" is the ACH return code the debit comes
# back with on its settlement date. Any other account number settles.
TEST_BANK_ACCOUNTS: dict[str, str] = {
    "000123456789": SETTLE,
    "000111111116": "R01",  # insufficient funds
    "000111111113": "R02",  # account closed
    "000222222227": "R03",  # no account / unable to locate
}

_MESSAGES = {
    CARD_DECLINED: "Your card was declined.",
    AUTHENTICATION_REQUIRED: "This card needs the cardholder to confirm the payment.",
    "R01": "Insufficient funds.",
    "R02": "The bank account is closed.",
    "R03": "No account found with these details.",
}
SETTLEMENT_BUSINESS_DAYS = 4

# The processor's tables that carry an idempotency key.
Row = TypeVar("Row", SimCustomer, SimSetup, SimPayment, SimRefund)


class Clock(Protocol):
    """Anything with `now()`: the module `practicerunner.core.clock` is one."""

    def now(self) -> datetime: ...


def _ref(prefix: str) -> str:
    return f"{prefix}_sim_{secrets.token_hex(10)}"


def _refused_key() -> GatewayRequestRefused:
    return GatewayRequestRefused(
        "This idempotency key was used before with other details.", code="idempotency_error"
    )


def luhn_ok(digits: str) -> bool:
    """Whether DIGITS passes the Luhn check that every card number carries."""
    return luhn.is_valid(digits)


def _card_brand(digits: str) -> str:
    if digits.startswith("4"):
        return "Visa"
    if digits[:2] in {"34", "37"}:
        return "American Express"
    if digits[:1] == "5" or "2221" <= digits[:4] <= "2720":
        return "Mastercard"
    if digits.startswith("6"):
        return "Discover"
    return "Card"


class SimulatedGateway:
    """PaymentGateway kept in the application's database, in the processor's own tables."""

    name = "simulated"

    def __init__(self, clock: Clock = core_clock) -> None:
        self._clock = clock

    # --- customers and saved methods ----------------------------------------------------------

    def create_customer(self, *, name: str, email: str, idempotency_key: str) -> str:
        """A customer; the same key gives the same customer."""
        ensure_idempotency_key(idempotency_key)

        def same(row: SimCustomer) -> bool:
            return (row.name, row.email) == (name, email)

        row = self._insert_once(
            SimCustomer,
            idempotency_key,
            same,
            lambda _s: SimCustomer(
                ref=_ref("cus"),
                name=name,
                email=email,
                idempotency_key=idempotency_key,
                created_at=self._clock.now(),
            ),
        )
        return row.ref

    def start_setup(
        self, *, customer_ref: str, kinds: Sequence[MethodKind], idempotency_key: str
    ) -> SetupStart:
        """A setup to save a method; the demo then calls `save_test_method`."""
        ensure_idempotency_key(idempotency_key)
        if not kinds:
            raise ValueError("at least one method kind is required")
        kinds_text = ",".join(sorted({MethodKind(k).value for k in kinds}))

        def build(session: Session) -> SimSetup:
            self._customer(session, customer_ref)
            ref = _ref("seti")
            return SimSetup(
                ref=ref,
                customer_ref=customer_ref,
                kinds=kinds_text,
                client_secret=f"{ref}_secret_{secrets.token_hex(12)}",
                idempotency_key=idempotency_key,
                created_at=self._clock.now(),
            )

        row = self._insert_once(
            SimSetup,
            idempotency_key,
            lambda r: (r.customer_ref, r.kinds) == (customer_ref, kinds_text),
            build,
        )
        return SetupStart(ref=row.ref, client_secret=row.client_secret)

    def save_test_method(self, customer_ref: str, kind: MethodKind, number: str) -> SavedMethod:
        """Save a card or bank account from its number; only the last four digits are kept.

        Card numbers must pass the Luhn check; bank account numbers have 4 to 17 digits.
        """
        kind = MethodKind(kind)
        digits = "".join(ch for ch in number if not ch.isspace() and ch != "-")
        if not digits.isdigit():
            raise ValueError("enter digits only")
        if kind is MethodKind.CARD:
            if not 13 <= len(digits) <= 19 or not luhn_ok(digits):
                raise ValueError("that is not a valid card number")
            outcome = TEST_CARDS.get(digits, SUCCEED)
            label = f"{_card_brand(digits)} •••• {digits[-4:]}"
        else:
            if not 4 <= len(digits) <= 17:
                raise ValueError("a bank account number has 4 to 17 digits")
            outcome = TEST_BANK_ACCOUNTS.get(digits, SETTLE)
            label = f"Bank •••• {digits[-4:]}"
        with session_scope() as session:
            self._customer(session, customer_ref)
            row = SimMethod(
                ref=_ref("pm"),
                customer_ref=customer_ref,
                kind=kind.value,
                last4=digits[-4:],
                label=label,
                outcome=outcome,
                created_at=self._clock.now(),
            )
            session.add(row)
            session.commit()
            return SavedMethod(ref=row.ref, kind=kind, label=label)

    def saved_method(self, method_ref: str) -> SavedMethod:
        """Kind and label of a saved method."""
        with session_scope() as session:
            row = self._method(session, method_ref)
            return SavedMethod(ref=row.ref, kind=MethodKind(row.kind), label=row.label)

    # --- money --------------------------------------------------------------------------------

    def charge(self, request: ChargeRequest) -> ChargeResult:
        """Charge a saved method. Cards answer now; bank debits are PROCESSING until
        `settles_on`. The same idempotency key answers the same result, charging nothing."""

        def build(session: Session) -> SimPayment:
            method = session.exec(
                select(SimMethod).where(SimMethod.ref == request.method_ref)
            ).first()
            return SimPayment(**_new_payment(request, method, self._clock.now()))

        row = self._insert_once(
            SimPayment,
            request.idempotency_key,
            lambda r: _same_payment(_columns(r), request),
            build,
        )
        return _charge_result(_columns(row))

    def charge_many(self, requests: Sequence[ChargeRequest]) -> list[ChargeResult | Exception]:
        """Charge each request as `charge` would, in one transaction of the processor's books.

        Answers come in the order asked; a refused request is answered with its
        GatewayRequestRefused. A key repeated in the batch charges once and answers the same.
        Should a concurrent caller store one of the keys first, the batch is given up and
        each request is charged on its own (each settles its race through the unique key).
        """
        if not requests:
            return []
        try:
            return self._charge_batch(requests)
        except IntegrityError:
            answers: list[ChargeResult | Exception] = []
            for request in requests:
                try:
                    answers.append(self.charge(request))
                except GatewayRequestRefused as exc:
                    answers.append(exc)
            return answers

    def _charge_batch(self, requests: Sequence[ChargeRequest]) -> list[ChargeResult | Exception]:
        with session_scope() as session:
            stored: dict[str, SimPayment] = {}
            for keys in _chunks(sorted({r.idempotency_key for r in requests})):
                by_key = select(SimPayment).where(col(SimPayment.idempotency_key).in_(keys))
                stored.update((row.idempotency_key, row) for row in session.exec(by_key).all())
            methods: dict[str, SimMethod] = {}
            for refs in _chunks(sorted({r.method_ref for r in requests})):
                by_ref = select(SimMethod).where(col(SimMethod.ref).in_(refs))
                methods.update((row.ref, row) for row in session.exec(by_ref).all())
            now = self._clock.now()
            # Stored payments' columns, read before the commit expires them; then new ones.
            payments = {key: _columns(row) for key, row in stored.items()}
            made: list[dict[str, Any]] = []
            answers: list[ChargeResult | Exception] = []
            for request in requests:
                row = payments.get(request.idempotency_key)
                if row is None:
                    try:
                        row = _new_payment(request, methods.get(request.method_ref), now)
                    except GatewayRequestRefused as exc:
                        answers.append(exc)
                        continue
                    payments[request.idempotency_key] = row
                    made.append(row)
                elif not _same_payment(row, request):
                    answers.append(_refused_key())
                    continue
                answers.append(_charge_result(row))
            if made:
                session.execute(insert(SimPayment.__table__), made)  # type: ignore[attr-defined]
                session.commit()
            return answers

    def refund(self, *, payment_ref: str, amount_cents: int, idempotency_key: str) -> RefundResult:
        """Send back part or all of a succeeded payment (never more than is left)."""
        ensure_positive_amount(amount_cents)
        ensure_idempotency_key(idempotency_key)
        with session_scope() as session:
            # Lock the payment first (SQLite: BEGIN IMMEDIATE already serialises writers), then
            # look for the key: a concurrent retry waits here and then finds the first refund.
            payment = session.exec(
                select(SimPayment).where(SimPayment.ref == payment_ref).with_for_update()
            ).first()
            if payment is None:
                raise GatewayRequestRefused(f"No such payment: {payment_ref}", "resource_missing")
            existing = self._by_key(session, SimRefund, idempotency_key)
            if existing is not None:
                if (existing.payment_ref, existing.amount_cents) != (payment_ref, amount_cents):
                    raise _refused_key()
                return _refund_result(existing)
            if payment.status != ChargeStatus.SUCCEEDED:
                raise GatewayRequestRefused(
                    f"Payment {payment_ref} is {payment.status}: only succeeded payments can be "
                    "refunded.",
                    "charge_not_refundable",
                )
            refunded = session.exec(
                select(func.coalesce(func.sum(SimRefund.amount_cents), 0)).where(
                    SimRefund.payment_ref == payment_ref
                )
            ).one()
            if refunded + amount_cents > payment.amount_cents:
                raise GatewayRequestRefused(
                    f"Only {payment.amount_cents - refunded} cents are left to refund.",
                    "amount_too_large",
                )
            row = SimRefund(
                ref=_ref("re"),
                payment_ref=payment_ref,
                amount_cents=amount_cents,
                status="succeeded",
                idempotency_key=idempotency_key,
                created_at=self._clock.now(),
            )
            session.add(row)
            session.commit()
            return _refund_result(row)

    # --- events -------------------------------------------------------------------------------

    def parse_webhook(self, payload: bytes, signature_header: str) -> GatewayEvent:
        """The simulated processor sends no webhooks: its events come from `due_events`."""
        raise WebhookSignatureError("the simulated gateway sends no webhooks")

    def due_events(self, now: datetime) -> list[GatewayEvent]:
        """Resolve bank payments whose settlement date (US Eastern) has come, and hand out the
        event of every resolved bank payment the consumer has not acknowledged yet.

        Delivery is at least once, as with Stripe's webhooks: an event is handed out again on
        every call until a `WebhookEvent` row with this gateway's name and the event's id
        exists (the consumer's `apply_event` writes it in the transaction of the event's
        effect), so a worker that dies between this call and applying the event loses
        nothing. Concurrent callers may both receive an event; the consumer de-duplicates by
        event id. An event keeps its id and `created` (the resolving call's NOW) each time.

        One transaction of set-based statements: find whether anything is due or unacknowledged
        (on an idle hour that one query is all), mark acknowledged events (then never scanned
        again), resolve due payments (guarded by `status = 'processing'`, so two callers never
        both resolve one), and read what is left to tell.
        """
        today = bank_date(now)
        resolved = (
            col(SimPayment.resolved_at).is_not(None),
            col(SimPayment.status) != ChargeStatus.PROCESSING,
        )
        due = (
            col(SimPayment.status) == ChargeStatus.PROCESSING,
            col(SimPayment.settles_on) <= today,
        )
        unacknowledged = col(SimPayment.event_emitted) == false()
        event_id = literal("evt_") + col(SimPayment.ref) + literal("_") + col(SimPayment.status)
        acknowledged = (
            select(WebhookEvent.id)
            .where(WebhookEvent.gateway == self.name, col(WebhookEvent.event_id) == event_id)
            .exists()
        )
        with session_scope() as session:
            waiting = session.exec(
                select(SimPayment.status)
                .where(unacknowledged, or_(and_(*resolved), and_(*due)))
                .distinct()
            ).all()
            if not waiting:
                return []
            if any(status != ChargeStatus.PROCESSING for status in waiting):
                session.execute(
                    update(SimPayment)
                    .where(
                        col(SimPayment.id).in_(
                            _locked_in_order(unacknowledged, *resolved, acknowledged)
                        )
                    )
                    .values(event_emitted=True)
                    .execution_options(synchronize_session=False)
                )
            if ChargeStatus.PROCESSING in waiting:
                session.execute(
                    update(SimPayment)
                    .where(
                        col(SimPayment.id).in_(_locked_in_order(unacknowledged, *due)),
                        col(SimPayment.status) == ChargeStatus.PROCESSING,
                    )
                    .values(
                        status=case(
                            (col(SimPayment.outcome) == "", ChargeStatus.SUCCEEDED.value),
                            else_=ChargeStatus.FAILED.value,
                        ),
                        resolved_at=now,
                    )
                    .execution_options(synchronize_session=False)
                )
            rows = session.exec(
                select(SimPayment).where(unacknowledged, *resolved).order_by(col(SimPayment.id))
            ).all()
            events = [_event(row) for row in rows]
            session.commit()
        return events

    # --- plumbing -----------------------------------------------------------------------------

    @staticmethod
    def _by_key(session: Session, model: type[Row], key: str) -> Row | None:
        return session.exec(select(model).where(model.idempotency_key == key)).first()

    def _insert_once(
        self,
        model: type[Row],
        key: str,
        same: Callable[[Row], bool],
        build: Callable[[Session], Row],
    ) -> Row:
        """The row stored under KEY, or a new one from BUILD.

        A unique index on the key settles races: the loser's INSERT fails, and it reads the
        winner's row in a fresh transaction.
        """
        with session_scope() as session:
            existing = self._by_key(session, model, key)
            if existing is None:
                row = build(session)
                session.add(row)
                try:
                    session.commit()
                except IntegrityError:
                    session.rollback()
                    existing = self._by_key(session, model, key)
                    if existing is None:
                        raise
                else:
                    # Detached with its loaded values: session_scope's closing rollback
                    # would otherwise expire them.
                    session.expunge(row)
                    return row
            if not same(existing):
                raise _refused_key()
            session.expunge(existing)
            return existing

    @staticmethod
    def _customer(session: Session, ref: str) -> SimCustomer:
        row = session.exec(select(SimCustomer).where(SimCustomer.ref == ref)).first()
        if row is None:
            raise GatewayRequestRefused(f"No such customer: {ref}", code="resource_missing")
        return row

    @staticmethod
    def _method(session: Session, ref: str) -> SimMethod:
        row = session.exec(select(SimMethod).where(SimMethod.ref == ref)).first()
        if row is None:
            raise GatewayRequestRefused(f"No such payment method: {ref}", code="resource_missing")
        return row


_FAILED_NOW = (ChargeStatus.FAILED, ChargeStatus.REQUIRES_ACTION)
# Values per IN (...) list: well inside SQLite's and PostgreSQL's limits on parameters.
_IN_CHUNK = 500


def _chunks(values: Sequence[str]) -> list[Sequence[str]]:
    return [values[i : i + _IN_CHUNK] for i in range(0, len(values), _IN_CHUNK)]


def _columns(row: SimPayment) -> dict[str, Any]:
    """A stored payment's columns, as `_new_payment` gives a new one's."""
    return row.model_dump()


def _same_payment(row: Mapping[str, Any], request: ChargeRequest) -> bool:
    """Whether a payment (its columns) was made by a request with REQUEST's details."""
    return (
        row["customer_ref"],
        row["method_ref"],
        row["kind"],
        row["amount_cents"],
        row["currency"],
    ) == (
        request.customer_ref,
        request.method_ref,
        request.method_kind.value,
        request.amount_cents,
        request.currency,
    )


def _new_payment(request: ChargeRequest, method: SimMethod | None, now: datetime) -> dict[str, Any]:
    """The columns of the payment a first charge of REQUEST on METHOD makes (not yet stored)."""
    if method is None:
        raise GatewayRequestRefused(
            f"No such payment method: {request.method_ref}", code="resource_missing"
        )
    if method.customer_ref != request.customer_ref:
        raise GatewayRequestRefused(
            "The payment method belongs to another customer.", code="resource_missing"
        )
    if method.kind != request.method_kind.value:
        raise GatewayRequestRefused(
            f"The payment method is a {method.kind}, not a {request.method_kind}.",
            code="payment_method_invalid",
        )
    status, settles_on, emitted = _first_answer(method, now)
    shown = method.outcome if status in _FAILED_NOW else ""
    return {
        "ref": _ref("pay"),
        "customer_ref": request.customer_ref,
        "method_ref": request.method_ref,
        "kind": method.kind,
        "amount_cents": request.amount_cents,
        "currency": request.currency,
        "description": request.description,
        "idempotency_key": request.idempotency_key,
        "initial_status": status.value,
        "status": status.value,
        # A bank debit's fate is decided now but told only when it settles.
        "outcome": "" if method.outcome in (SUCCEED, SETTLE) else method.outcome,
        "failure_message": _MESSAGES.get(shown, ""),
        "settles_on": settles_on,
        "event_emitted": emitted,
        "created_at": now,
        "resolved_at": None if status is ChargeStatus.PROCESSING else now,
    }


def _charge_result(row: Mapping[str, Any]) -> ChargeResult:
    """What a charge call answers for a payment (its columns): the same every time."""
    initial = ChargeStatus(row["initial_status"])
    return ChargeResult(
        status=initial,
        ref=row["ref"],
        failure_code=row["outcome"] if initial in _FAILED_NOW else "",
        failure_message=row["failure_message"] if initial in _FAILED_NOW else "",
        settles_on=row["settles_on"],
    )


def _first_answer(method: SimMethod, now: datetime) -> tuple[ChargeStatus, date | None, bool]:
    """What a charge on METHOD answers at NOW: status, settlement date, and whether nothing is
    left to tell (`event_emitted`: a card's answer is final and has no event)."""
    if method.kind == MethodKind.BANK:
        # Imported here: the billing schedule module owns the bank calendar.
        from practicerunner.billing.schedule import bank_settlement_date

        settles_on = bank_settlement_date(bank_date(now), SETTLEMENT_BUSINESS_DAYS)
        return ChargeStatus.PROCESSING, settles_on, False
    if method.outcome == CARD_DECLINED:
        return ChargeStatus.FAILED, None, True
    if method.outcome == AUTHENTICATION_REQUIRED:
        return ChargeStatus.REQUIRES_ACTION, None, True
    return ChargeStatus.SUCCEEDED, None, True


def _refund_result(row: SimRefund) -> RefundResult:
    return RefundResult(ref=row.ref, status=row.status, amount_cents=row.amount_cents)


def _locked_in_order(*conditions: ColumnElement[bool]) -> Select[int | None]:
    """Ids of the payments matching CONDITIONS, locked in id order (PostgreSQL; SQLite's
    BEGIN IMMEDIATE already serialises writers): concurrent callers lock rows in one order,
    so they wait for each other instead of deadlocking. A caller that waited re-checks the
    conditions on the committed row and skips it if it no longer matches."""
    return (
        sa_select(col(SimPayment.id))
        .where(*conditions)
        .order_by(col(SimPayment.id))
        .with_for_update()
    )


def _event(row: SimPayment) -> GatewayEvent:
    """The event a resolved bank payment tells: the same id and contents on every delivery."""
    status = ChargeStatus(row.status)
    failed = status is ChargeStatus.FAILED
    assert row.resolved_at is not None  # only resolved payments have an event
    return GatewayEvent(
        id=f"evt_{row.ref}_{status.value}",
        type=EVENT_PAYMENT_FAILED if failed else EVENT_PAYMENT_SUCCEEDED,
        payment_ref=row.ref,
        status=status,
        failure_code=row.outcome if failed else "",
        created=row.resolved_at,
        method_ref=row.method_ref,
    )
