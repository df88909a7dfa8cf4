"""Paying an invoice on the processor's hosted checkout page (Stripe Checkout).

With Stripe configured, the pay page never sees a card or account number: the payer picks a
method there (with its price), is sent to Stripe's page, and comes back. It goes like this:

1. `start_checkout_payment` writes an attempt in status CHECKOUT, with its idempotency key,
   before calling the processor; then asks for a checkout for exactly the amount the page
   showed (the balance, less the bank-transfer discount when paying by bank) and returns the
   URL to send the payer to. An older open checkout for the invoice is closed first, so one
   invoice is never payable twice at once.
2. Stripe's page takes the details (and the ACH mandate), and, when the payer ticked "pay
   future invoices automatically", keeps the method on the customer.
3. `finish_checkout` learns the ending — from the payer's return to the pay page or from the
   `checkout.session.completed` / `.expired` webhook, whichever comes first; both ask the
   processor, and the attempt's status decides who records it, so it is recorded once. A
   completed checkout becomes an ordinary payment (paid, or processing until a bank transfer
   settles, after which the usual payment_intent events apply); an expired one is ABANDONED:
   no money moved, so it neither counts as a failure nor blocks automatic collection.
"""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import update
from sqlmodel import Session, col, select

from practicerunner.billing.gateways.base import (
    CHECKOUT_COMPLETE,
    CHECKOUT_OPEN,
    EVENT_CHECKOUT_COMPLETED,
    EVENT_CHECKOUT_EXPIRED,
    ChargeStatus,
    CheckoutRequest,
    CheckoutResult,
    GatewayError,
    GatewayEvent,
    GatewayRequestRefused,
    HostedCheckout,
    MethodKind,
    PaymentGateway,
)
from practicerunner.billing.models import (
    AttemptStatus,
    Invoice,
    InvoiceStatus,
    Method,
    PaymentAttempt,
    WebhookEvent,
)
from practicerunner.billing.paylink import (
    PAY_PAGE_KEY_SUFFIX,
    PayForm,
    PayOutcome,
    _closed_outcome,
    _insert_attempt,
    _invoice_for,
    _locked_attempts,
    _options,
    _processing_message,
    notice_threshold,
)
from practicerunner.core import clock
from practicerunner.core.errors import ValidationFailed
from practicerunner.core.settings import get_settings

# The key also ends in the pay page's suffix: what goes wrong here was seen on the page.
CHECKOUT_KEY_SUFFIX = "-checkout" + PAY_PAGE_KEY_SUFFIX
CHECKOUT_MINUTES = 60  # Stripe allows 30 minutes to 24 hours
RETURN_PARAMETER = "checkout"

UNREACHABLE = PayOutcome(
    "pending",
    "We could not reach the payment processor, so nothing has been charged."
    " Please try again in a few minutes.",
)
UNDER_WAY = PayOutcome(
    "pending",
    "A payment for this invoice is already under way. Please check back in a few minutes.",
)


class CheckoutGateway(PaymentGateway, HostedCheckout, Protocol):
    """A payment gateway with a hosted checkout page."""


def supports_checkout(gateway: PaymentGateway) -> bool:
    """Whether GATEWAY takes payments on its own hosted page (Stripe does)."""
    return isinstance(gateway, HostedCheckout)


def return_url(token: str) -> str:
    """Where the processor sends the payer back: their pay link, naming the checkout."""
    return f"{get_settings().public_url}/pay/{token}?{RETURN_PARAMETER}={{CHECKOUT_SESSION_ID}}"


def start_checkout_payment(
    session: Session, gateway: CheckoutGateway, token: str, form: PayForm
) -> str | PayOutcome:
    """The processor's page for paying the invoice TOKEN names by FORM.method, or why not.

    Checks everything first (method allowed here, the debit-notice amount), then writes the
    attempt and calls the processor with no transaction open. Raises PayLinkInvalid for a
    bad link and ValidationFailed for bad input; nothing is written then.
    """
    from practicerunner.billing.methods import ensure_customer

    invoice = _invoice_for(session, token)
    balance = invoice.total_cents - invoice.paid_cents
    if invoice.status != InvoiceStatus.OPEN or balance <= 0:
        outcome = _closed_outcome(invoice)
        session.rollback()
        return outcome
    options = {o.method: o for o in _options(session, invoice, balance)}
    errors: dict[str, str] = {}
    if form.method not in options:
        errors["method"] = "Choose how you would like to pay."
    notice_above, notice_errors = notice_threshold(form)
    errors.update(notice_errors)
    if errors:
        session.rollback()
        raise ValidationFailed(errors)
    invoice_id, number, payer_key = int(invoice.id), invoice.number, invoice.payer_key  # type: ignore[arg-type]
    amount = options[form.method].pays_cents
    customer = ensure_customer(session, gateway, payer_key)
    session.rollback()
    closed = _close_open_checkouts(session, gateway, invoice_id)
    if closed is not None:
        return closed
    written = _write_checkout_attempt(session, gateway.name, invoice_id, form.method, amount)
    if isinstance(written, PayOutcome):
        return written
    attempt_id, key = written
    request = CheckoutRequest(
        amount_cents=amount,
        customer_ref=customer,
        method_kind=MethodKind(form.method),
        idempotency_key=key,
        description=f"Invoice {number}",
        success_url=return_url(token),
        cancel_url=f"{get_settings().public_url}/pay/{token}",
        expires_at=checkout_expiry(),
        save_for_future=form.auto_pay,
        metadata={
            "invoice": number,
            "auto_pay": "yes" if form.auto_pay else "no",
            "notice_above": "" if notice_above is None else str(notice_above),
        },
    )
    try:
        started = gateway.start_checkout(request)
    except (GatewayError, GatewayRequestRefused):
        # Nobody holds the URL of a checkout the processor may have made: it expires unpaid.
        _abandon(session, attempt_id, "unreachable")
        return UNREACHABLE
    kept = session.execute(
        update(PaymentAttempt)
        .where(
            col(PaymentAttempt.id) == attempt_id,
            col(PaymentAttempt.status) == AttemptStatus.CHECKOUT.value,
        )
        .values(checkout_ref=started.ref, updated_at=clock.now())
    )
    session.commit()
    if kept.rowcount != 1:  # type: ignore[attr-defined]
        # A click in another tab closed this attempt while Stripe answered: a checkout we
        # could not record must never be paid, so close it too.
        # Unreachable now, it expires unpaid on its own within the hour; nobody has its URL.
        with contextlib.suppress(GatewayError, GatewayRequestRefused):
            gateway.expire_checkout(started.ref)
        return UNDER_WAY
    return started.url


def _write_checkout_attempt(
    session: Session, gateway_name: str, invoice_id: int, method: str, amount: int
) -> tuple[int, str] | PayOutcome:
    """In one locked transaction: a CHECKOUT attempt for AMOUNT, or why there can be none."""
    locked = _locked_attempts(session, invoice_id)
    if isinstance(locked, PayOutcome):
        return locked
    _invoice, attempts = locked
    if any(a.status in (AttemptStatus.PENDING, AttemptStatus.CHECKOUT) for a in attempts):
        session.rollback()  # an automatic charge, or a checkout opened in another tab
        return UNDER_WAY
    attempt_id, key = _insert_attempt(
        session,
        invoice_id,
        attempts,
        CHECKOUT_KEY_SUFFIX,
        gateway=gateway_name,
        method=method,
        method_ref="",
        amount_cents=amount,
        status=AttemptStatus.CHECKOUT.value,
    )
    if not key.endswith(CHECKOUT_KEY_SUFFIX):  # another writer took the number first
        return UNDER_WAY
    return attempt_id, key


def _close_open_checkouts(
    session: Session, gateway: CheckoutGateway, invoice_id: int
) -> PayOutcome | None:
    """Close the invoice's open checkouts before a new one; an outcome if one was paid."""
    refs = session.exec(
        select(PaymentAttempt.id, PaymentAttempt.checkout_ref).where(
            PaymentAttempt.invoice_id == invoice_id,
            PaymentAttempt.status == AttemptStatus.CHECKOUT,
        )
    ).all()
    session.rollback()
    for attempt_id, ref in refs:
        if not ref:
            # The processor never answered with a checkout: nobody can be paying it.
            _abandon(session, int(attempt_id), "unreachable")  # type: ignore[arg-type]
            continue
        try:
            gateway.expire_checkout(ref)
            outcome = finish_checkout(session, gateway, ref)
        except (GatewayError, GatewayRequestRefused):
            return UNREACHABLE
        if outcome is not None and outcome.status in ("succeeded", "processing"):
            return outcome  # paid in another tab a moment ago
    return None


def _abandon(session: Session, attempt_id: int, code: str) -> None:
    session.execute(
        update(PaymentAttempt)
        .where(
            col(PaymentAttempt.id) == attempt_id,
            col(PaymentAttempt.status) == AttemptStatus.CHECKOUT.value,
        )
        .values(status=AttemptStatus.ABANDONED.value, failure_code=code, updated_at=clock.now())
    )
    session.commit()


def _outcome(attempt: PaymentAttempt) -> PayOutcome | None:
    if attempt.status == AttemptStatus.SUCCEEDED:
        return PayOutcome("succeeded", "Paid. Thank you.")
    if attempt.status == AttemptStatus.PROCESSING:
        return PayOutcome("processing", _processing_message(attempt.settles_on))
    return None


def finish_checkout(
    session: Session,
    gateway: CheckoutGateway,
    checkout_ref: str,
    *,
    event: GatewayEvent | None = None,
) -> PayOutcome | None:
    """Record how the hosted checkout CHECKOUT_REF ended, once; what the payer should read.

    None while the checkout is still open (or names no attempt of ours). With EVENT (a
    webhook), the event id is stored in the same transaction as the effect. Commits. A
    transport error from the processor propagates: the caller tries again later.
    """
    from practicerunner.billing.collect import _lock_attempt, _lock_invoice, record_results
    from practicerunner.billing.paylink import _apply_bank_discount

    found = session.exec(
        select(PaymentAttempt.id, PaymentAttempt.status).where(
            PaymentAttempt.gateway == gateway.name, PaymentAttempt.checkout_ref == checkout_ref
        )
    ).first()
    session.rollback()
    if found is None:
        return None  # another integration's checkout on the same account, or not ours
    attempt_id = int(found[0])  # type: ignore[arg-type]
    if found[1] != AttemptStatus.CHECKOUT:
        return _outcome(_reload(session, attempt_id))
    result = gateway.checkout_result(checkout_ref)
    if result.state == CHECKOUT_OPEN:
        return None
    if result.state == CHECKOUT_COMPLETE and result.saved is not None:
        _keep_method(session, gateway.name, attempt_id, result)
    attempt = _lock_attempt(session, attempt_id)
    invoice = _lock_invoice(session, attempt.invoice_id)
    if attempt.status != AttemptStatus.CHECKOUT:  # recorded meanwhile by the other path
        session.rollback()
        return _outcome(_reload(session, attempt_id))
    if event is not None:
        session.add(
            WebhookEvent(
                gateway=gateway.name,
                event_id=event.id,
                event_type=event.type[:40],
                received_at=clock.now(),
            )
        )
    charge = result.charge if result.state == CHECKOUT_COMPLETE else None
    if charge is None or charge.ref is None:
        attempt.status = AttemptStatus.ABANDONED
        attempt.failure_code = "expired"
        attempt.updated_at = clock.now()
        session.add(attempt)
        session.commit()
        return None
    if attempt.method == Method.BANK and charge.status in (
        ChargeStatus.SUCCEEDED,
        ChargeStatus.PROCESSING,
    ):
        _apply_bank_discount(session, invoice, clock.now())
    attempt.method_ref = result.saved.ref if result.saved is not None else ""
    attempt.status = AttemptStatus.PENDING  # now an ordinary payment with an answer
    session.add(attempt)
    session.flush()
    record_results(session, {attempt_id: charge})
    return _outcome(_reload(session, attempt_id))


def _reload(session: Session, attempt_id: int) -> PaymentAttempt:
    attempt = session.get(PaymentAttempt, attempt_id)
    assert attempt is not None  # attempts are never deleted
    session.rollback()
    return attempt


def _keep_method(
    session: Session, gateway_name: str, attempt_id: int, result: CheckoutResult
) -> None:
    """Keep the method the payer saved on the processor's page, with the debit-notice choice
    they made on ours (carried in the checkout's metadata). Idempotent by method reference."""
    from practicerunner.billing.methods import add_method

    attempt = session.get(PaymentAttempt, attempt_id)
    invoice = session.get(Invoice, attempt.invoice_id) if attempt else None
    if attempt is None or invoice is None or result.saved is None:
        session.rollback()
        return
    payer_key = invoice.payer_key
    threshold = result.metadata.get("notice_above", "")
    add_method(
        session,
        gateway_name,
        payer_key,
        result.saved,
        auto_pay=result.metadata.get("auto_pay") == "yes",
        notice_above_cents=int(threshold) if threshold.isdigit() else None,
    )


def return_outcome(
    session: Session, gateway: CheckoutGateway, token: str, checkout_ref: str
) -> PayOutcome | None:
    """The payer is back from the processor's page with CHECKOUT_REF: how it went.

    Only a checkout for the invoice TOKEN names counts; any other reference is ignored (the
    page then just shows the invoice). Raises PayLinkInvalid for a bad link.
    """
    invoice = _invoice_for(session, token)
    mine = session.exec(
        select(PaymentAttempt.id).where(
            PaymentAttempt.invoice_id == invoice.id,
            PaymentAttempt.checkout_ref == checkout_ref,
        )
    ).first()
    session.rollback()
    if mine is None:
        return None
    try:
        return finish_checkout(session, gateway, checkout_ref)
    except (GatewayError, GatewayRequestRefused):
        return None  # the webhook will record it; the page shows the invoice as it stands


def apply_checkout_event(session: Session, gateway: CheckoutGateway, event: GatewayEvent) -> str:
    """A checkout webhook: 'applied', 'duplicate' or 'ignored'. Transport trouble propagates
    (the webhook answers 503 and Stripe sends it again)."""
    from practicerunner.billing.collect import _remember

    if event.type not in (EVENT_CHECKOUT_COMPLETED, EVENT_CHECKOUT_EXPIRED) or not (
        event.checkout_ref
    ):
        return _remember(session, gateway.name, event, "ignored")
    seen = session.exec(
        select(WebhookEvent.id).where(
            WebhookEvent.gateway == gateway.name, WebhookEvent.event_id == event.id
        )
    ).first()
    session.rollback()
    if seen is not None:
        return "duplicate"
    finish_checkout(session, gateway, event.checkout_ref, event=event)
    stored = session.exec(
        select(WebhookEvent.id).where(
            WebhookEvent.gateway == gateway.name, WebhookEvent.event_id == event.id
        )
    ).first()
    if stored is not None:  # stored with its effect
        session.rollback()
        return "applied"
    # Nothing to record with it (still open, recorded by the payer's return, not ours):
    # remember it now so a replay is known.
    return _remember(session, gateway.name, event, "applied")


def checkout_expiry(now: datetime | None = None) -> datetime:
    """When a checkout started NOW stops taking payment."""
    return (now or clock.now()) + timedelta(minutes=CHECKOUT_MINUTES)
