"""Stripe through the official `stripe` library (StripeClient, v16).

Cards and US bank accounts (ACH Direct Debit) are charged off-session with PaymentIntents. A
payer paying an invoice themselves does it on Stripe Checkout, the hosted page, which can also
keep the method for automatic payments (SetupIntents exist for saving one without paying).

The caller's idempotency key goes to Stripe as the Idempotency-Key of the request, so a retry
after a timeout returns the PaymentIntent the first attempt made instead of charging twice.
The library's own retries are off by default (`max_network_retries=0`): a timeout surfaces as
GatewayError and the caller retries with the same key when it chooses.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from typing import Any, TypeVar

import stripe

from practicerunner.billing.gateways.base import (
    CHECKOUT_COMPLETE,
    CHECKOUT_OPEN,
    EVENT_CHECKOUT_COMPLETED,
    EVENT_CHECKOUT_EXPIRED,
    EVENT_IGNORED,
    EVENT_PAYMENT_FAILED,
    EVENT_PAYMENT_PROCESSING,
    EVENT_PAYMENT_SUCCEEDED,
    EVENT_REFUND_SUCCEEDED,
    EVENT_SETUP_SUCCEEDED,
    ChargeRequest,
    ChargeResult,
    ChargeStatus,
    CheckoutRequest,
    CheckoutResult,
    CheckoutStart,
    GatewayError,
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

_STRIPE_TYPES = {MethodKind.CARD: "card", MethodKind.BANK: "us_bank_account"}

# Stripe reports a returned ACH debit with its own failure codes (on the PaymentIntent's
# last_payment_error.code and the charge's failure_code); billing speaks NACHA return codes,
# like the simulated gateway. Codes not listed pass through unchanged.
ACH_RETURN_CODES: dict[str, str] = {
    "insufficient_funds": "R01",
    "account_closed": "R02",
    "no_account": "R03",
    "invalid_account_number": "R04",
    "debit_not_authorized": "R10",
}

_INTENT_STATUS = {
    "succeeded": ChargeStatus.SUCCEEDED,
    "processing": ChargeStatus.PROCESSING,
    "requires_action": ChargeStatus.REQUIRES_ACTION,
    "requires_payment_method": ChargeStatus.FAILED,
    "canceled": ChargeStatus.FAILED,
}

# Card errors that mean "bring the cardholder back", not "this card does not work".
_NEEDS_CARDHOLDER = {"authentication_required"}

T = TypeVar("T")


def _brand(brand: str) -> str:
    return {"amex": "American Express", "mastercard": "Mastercard"}.get(brand, brand.title())


def method_label(method: Mapping[str, Any]) -> SavedMethod:
    """A SavedMethod from a Stripe PaymentMethod object (as a plain dict)."""
    if method.get("type") == "us_bank_account":
        bank = method.get("us_bank_account") or {}
        return SavedMethod(method["id"], MethodKind.BANK, f"Bank •••• {bank.get('last4', '')}")
    card = method.get("card") or {}
    label = f"{_brand(card.get('brand') or 'card')} •••• {card.get('last4', '')}"
    return SavedMethod(method["id"], MethodKind.CARD, label)


def ach_return_code(code: str) -> str:
    """The NACHA return code for a Stripe ACH failure code (unknown codes unchanged)."""
    return ACH_RETURN_CODES.get(code, code)


class StripeGateway:
    """PaymentGateway on Stripe. `api_base` points the library elsewhere (tests: the fake)."""

    name = "stripe"

    def __init__(
        self,
        api_key: str,
        webhook_secret: str,
        api_base: str | None = None,
        timeout_seconds: float = 20,
        max_network_retries: int = 0,
        charge_threads: int = 8,
    ) -> None:
        if not api_key:
            raise ValueError("a Stripe API key is required")
        if not webhook_secret:
            raise ValueError("a Stripe webhook signing secret is required")
        self._webhook_secret = webhook_secret
        self._charge_threads = max(1, charge_threads)
        self._client = stripe.StripeClient(
            api_key,
            base_addresses={"api": api_base} if api_base else None,
            http_client=stripe.RequestsClient(timeout=timeout_seconds),
            max_network_retries=max_network_retries,
        )

    # --- customers and saved methods ----------------------------------------------------------

    def create_customer(self, *, name: str, email: str, idempotency_key: str) -> str:
        """A Stripe Customer for a payer (the person who pays, never a diagnosis or a case)."""
        ensure_idempotency_key(idempotency_key)
        customer = self._call(
            lambda: self._client.v1.customers.create(
                {"name": name, "email": email}, {"idempotency_key": idempotency_key}
            )
        )
        return str(customer.id)

    def start_setup(
        self, *, customer_ref: str, kinds: Sequence[MethodKind], idempotency_key: str
    ) -> SetupStart:
        """A SetupIntent for saving a card and/or bank account; the browser confirms it.

        Bank accounts are verified through Financial Connections with micro-deposits as the
        fallback (`verification_method=automatic`). The ACH mandate is accepted in the browser
        when Stripe.js confirms the SetupIntent (`mandate_data` only goes with `confirm=true`,
        which this server-side call does not do).
        """
        ensure_idempotency_key(idempotency_key)
        if not kinds:
            raise ValueError("at least one method kind is required")
        params: dict[str, Any] = {
            "customer": customer_ref,
            "usage": "off_session",
            "payment_method_types": [_STRIPE_TYPES[MethodKind(k)] for k in kinds],
        }
        if MethodKind.BANK in kinds:
            params["payment_method_options"] = {
                "us_bank_account": {
                    "verification_method": "automatic",
                    "financial_connections": {"permissions": ["payment_method"]},
                }
            }
        intent = self._call(
            lambda: self._client.v1.setup_intents.create(
                params,  # type: ignore[arg-type]
                {"idempotency_key": idempotency_key},
            )
        )
        return SetupStart(ref=str(intent.id), client_secret=str(intent.client_secret))

    def saved_method(self, method_ref: str) -> SavedMethod:
        """Kind and a display label ("Visa •••• 4242") for a saved PaymentMethod."""
        method = self._call(lambda: self._client.v1.payment_methods.retrieve(method_ref))
        return method_label(method.to_dict())

    # --- money --------------------------------------------------------------------------------

    def charge(self, request: ChargeRequest) -> ChargeResult:
        """An off-session PaymentIntent, confirmed at once.

        Cards succeed or fail now; a declined card is FAILED with Stripe's code, a card that
        needs its holder (3-D Secure) is REQUIRES_ACTION. Bank debits come back PROCESSING and
        end with a webhook; `settles_on` is an estimate, 4 US bank business days on.
        """
        params: dict[str, Any] = {
            "amount": request.amount_cents,
            "currency": request.currency,
            "customer": request.customer_ref,
            "payment_method": request.method_ref,
            "payment_method_types": [_STRIPE_TYPES[request.method_kind]],
            "confirm": True,
            "off_session": True,
            "description": request.description,
            "metadata": dict(request.metadata),
        }
        options: stripe.RequestOptions = {"idempotency_key": request.idempotency_key}
        try:
            intent = self._call(
                lambda: self._client.v1.payment_intents.create(params, options)  # type: ignore[arg-type]
            ).to_dict()
        except stripe.CardError as exc:
            return _card_error_result(exc)
        status = _INTENT_STATUS.get(str(intent.get("status")), ChargeStatus.FAILED)
        failed = status is ChargeStatus.FAILED
        error: Mapping[str, Any] = (intent.get("last_payment_error") or {}) if failed else {}
        settles_on = None
        if status is ChargeStatus.PROCESSING and request.method_kind is MethodKind.BANK:
            settles_on = _estimated_settlement(intent)
        return ChargeResult(
            status=status,
            ref=str(intent["id"]),
            failure_code=str(error.get("code") or ""),
            failure_message=str(error.get("message") or ""),
            settles_on=settles_on,
        )

    def charge_many(self, requests: Sequence[ChargeRequest]) -> list[ChargeResult | Exception]:
        """`charge` for each request on a small pool of threads; answers in the order asked.

        Stripe has no batch endpoint, so the cost is the network's: a handful of requests in
        flight at once. Each keeps its own idempotency key, so a request that timed out
        (answered as GatewayError) is retried later without charging twice. A key repeated in
        the batch is sent once and its answer given for both.
        """
        unique: dict[str, ChargeRequest] = {}
        for request in requests:
            unique.setdefault(request.idempotency_key, request)
        if not unique:
            return []

        def one(request: ChargeRequest) -> ChargeResult | Exception:
            try:
                return self.charge(request)
            except Exception as exc:  # every outcome is an answer; the caller sorts them
                return exc

        workers = min(self._charge_threads, len(unique))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="stripe-charge") as pool:
            answers = dict(zip(unique, pool.map(one, unique.values()), strict=True))
        results: list[ChargeResult | Exception] = []
        for request in requests:
            first = unique[request.idempotency_key]
            if request is first or request == first:
                results.append(answers[request.idempotency_key])
            else:
                # Stripe refuses a key reused with other parameters; so does the batch.
                results.append(
                    GatewayRequestRefused(
                        "This idempotency key was used with other details in the same batch.",
                        "idempotency_error",
                    )
                )
        return results

    def refund(self, *, payment_ref: str, amount_cents: int, idempotency_key: str) -> RefundResult:
        """Refund AMOUNT_CENTS of a succeeded PaymentIntent (bank refunds start "pending")."""
        ensure_positive_amount(amount_cents)
        ensure_idempotency_key(idempotency_key)
        refund = self._call(
            lambda: self._client.v1.refunds.create(
                {"payment_intent": payment_ref, "amount": amount_cents},
                {"idempotency_key": idempotency_key},
            )
        )
        return RefundResult(
            ref=str(refund.id), status=str(refund.status), amount_cents=refund.amount
        )

    # --- hosted checkout ----------------------------------------------------------------------

    def start_checkout(self, request: CheckoutRequest) -> CheckoutStart:
        """A Checkout Session for one payment, by card or by US bank account (ACH).

        Stripe's page takes the details, shows the ACH mandate and, with `save_for_future`,
        keeps the method on the customer (`setup_future_usage=off_session`) for later
        off-session charges. The payment's description and metadata are the request's.
        """
        kind = _STRIPE_TYPES[request.method_kind]
        payment: dict[str, Any] = {
            "description": request.description,
            "metadata": dict(request.metadata),
        }
        if request.save_for_future:
            payment["setup_future_usage"] = "off_session"
        params: dict[str, Any] = {
            "mode": "payment",
            "customer": request.customer_ref,
            "payment_method_types": [kind],
            "line_items": [
                {
                    "price_data": {
                        "currency": request.currency,
                        "unit_amount": request.amount_cents,
                        "product_data": {"name": request.description},
                    },
                    "quantity": 1,
                }
            ],
            "payment_intent_data": payment,
            "metadata": dict(request.metadata),
            "success_url": request.success_url,
            "cancel_url": request.cancel_url,
            "expires_at": int(request.expires_at.timestamp()),
        }
        if request.method_kind is MethodKind.BANK:
            params["payment_method_options"] = {
                "us_bank_account": {"verification_method": "automatic"}
            }
        created = self._call(
            lambda: self._client.v1.checkout.sessions.create(
                params,  # type: ignore[arg-type]
                {"idempotency_key": request.idempotency_key},
            )
        )
        return CheckoutStart(ref=str(created.id), url=str(created.url or ""))

    def checkout_result(self, checkout_ref: str) -> CheckoutResult:
        """Where the Checkout Session stands; once complete, its payment and saved method."""
        found = self._call(
            lambda: self._client.v1.checkout.sessions.retrieve(
                checkout_ref, {"expand": ["payment_intent.payment_method"]}
            )
        ).to_dict()
        metadata = {str(k): str(v) for k, v in (found.get("metadata") or {}).items()}
        state = str(found.get("status") or CHECKOUT_OPEN)
        intent = found.get("payment_intent")
        if state != CHECKOUT_COMPLETE or not isinstance(intent, Mapping):
            return CheckoutResult(checkout_ref, state, metadata=metadata)
        status = _INTENT_STATUS.get(str(intent.get("status")), ChargeStatus.FAILED)
        bank = "us_bank_account" in (intent.get("payment_method_types") or [])
        settles_on = _estimated_settlement(intent) if bank else None
        charge = ChargeResult(
            status=status,
            ref=str(intent["id"]),
            settles_on=settles_on if status is ChargeStatus.PROCESSING else None,
        )
        method = intent.get("payment_method")
        saved = None
        if isinstance(method, Mapping) and intent.get("setup_future_usage") == "off_session":
            saved = method_label(method)
        return CheckoutResult(checkout_ref, state, charge=charge, saved=saved, metadata=metadata)

    def expire_checkout(self, checkout_ref: str) -> None:
        """Close an open Checkout Session so it can no longer be paid (already closed: fine)."""
        try:
            self._call(lambda: self._client.v1.checkout.sessions.expire(checkout_ref))
        except GatewayRequestRefused:
            # Completed or expired already: checkout_result tells which.
            return

    # --- events -------------------------------------------------------------------------------

    def parse_webhook(self, payload: bytes, signature_header: str) -> GatewayEvent:
        """Verify a webhook (signature and Stripe's 5-minute tolerance) and translate it.

        Event types billing does not act on come back as type "ignored".
        """
        try:
            event = stripe.Webhook.construct_event(payload, signature_header, self._webhook_secret)
        except stripe.SignatureVerificationError as exc:
            raise WebhookSignatureError(str(exc)) from exc
        except ValueError as exc:  # not JSON, or not an event
            raise WebhookSignatureError(f"not a Stripe event: {exc}") from exc
        return event_from_stripe(event.to_dict())

    def due_events(self, now: datetime) -> list[GatewayEvent]:
        """Stripe pushes its events as webhooks: nothing to poll."""
        return []

    # --- plumbing -----------------------------------------------------------------------------

    @staticmethod
    def _call(request: Callable[[], T]) -> T:
        """Run REQUEST, translating the library's transport and request errors."""
        try:
            return request()
        except (stripe.APIConnectionError, stripe.RateLimitError) as exc:
            raise GatewayError(f"Stripe unreachable: {exc.user_message}") from exc
        except stripe.CardError:
            raise
        except (
            stripe.InvalidRequestError,
            stripe.IdempotencyError,
            stripe.AuthenticationError,
            stripe.PermissionError,
        ) as exc:
            raise GatewayRequestRefused(str(exc.user_message), exc.code or "") from exc
        except stripe.APIError as exc:  # 5xx and malformed answers: worth a retry
            raise GatewayError(f"Stripe error: {exc.user_message}") from exc


def _card_error_result(exc: stripe.CardError) -> ChargeResult:
    body = exc.json_body if isinstance(exc.json_body, dict) else {}
    error = body.get("error") or {}
    intent = error.get("payment_intent") or {}
    code = str(exc.code or error.get("code") or "card_declined")
    status = ChargeStatus.REQUIRES_ACTION if code in _NEEDS_CARDHOLDER else ChargeStatus.FAILED
    return ChargeResult(
        status=status,
        ref=intent.get("id"),
        failure_code=code,
        failure_message=str(exc.user_message or ""),
    )


def _estimated_settlement(intent: Mapping[str, Any]) -> date | None:
    # Imported here: schedule.py belongs to the billing schedule, written alongside.
    from practicerunner.billing.schedule import bank_settlement_date

    created = datetime.fromtimestamp(int(intent.get("created") or 0), UTC)
    return bank_settlement_date(bank_date(created))


def event_from_stripe(event: Mapping[str, Any]) -> GatewayEvent:
    """A GatewayEvent from a verified Stripe event (as a plain dict).

    Failed payments carry `last_payment_error.code`; for a bank debit that is Stripe's ACH
    failure code, translated to the NACHA return code (insufficient_funds -> R01). Cards keep
    Stripe's code, or its decline_code when the code is the generic "card_declined".
    """
    obj: Mapping[str, Any] = (event.get("data") or {}).get("object") or {}
    kind = event.get("type")
    payment_ref: str | None = None
    method_ref: str | None = None
    status: ChargeStatus | None = None
    failure_code = ""
    checkout_ref: str | None = None
    if kind in _INTENT_EVENTS:
        type_, status = _INTENT_EVENTS[str(kind)]
        payment_ref = _ref(obj.get("id"))
        method_ref = _ref(obj.get("payment_method"))
        if status is ChargeStatus.FAILED:
            failure_code = _failure_code(obj)
    elif kind == "charge.refunded":
        type_, payment_ref = EVENT_REFUND_SUCCEEDED, _ref(obj.get("payment_intent"))
    elif kind == "setup_intent.succeeded":
        type_, method_ref = EVENT_SETUP_SUCCEEDED, _ref(obj.get("payment_method"))
    elif kind in ("checkout.session.completed", "checkout.session.async_payment_succeeded"):
        # The async events repeat what payment_intent.* events say; completion is the news.
        type_ = EVENT_CHECKOUT_COMPLETED if kind.endswith("completed") else EVENT_IGNORED
        checkout_ref = _ref(obj.get("id"))
    elif kind == "checkout.session.expired":
        type_, checkout_ref = EVENT_CHECKOUT_EXPIRED, _ref(obj.get("id"))
    else:
        type_ = EVENT_IGNORED
    return GatewayEvent(
        id=str(event["id"]),
        type=type_,
        payment_ref=payment_ref,
        status=status,
        failure_code=failure_code,
        created=datetime.fromtimestamp(int(event.get("created") or 0), UTC),
        method_ref=method_ref,
        checkout_ref=checkout_ref,
    )


_INTENT_EVENTS: dict[str, tuple[str, ChargeStatus]] = {
    "payment_intent.succeeded": (EVENT_PAYMENT_SUCCEEDED, ChargeStatus.SUCCEEDED),
    "payment_intent.processing": (EVENT_PAYMENT_PROCESSING, ChargeStatus.PROCESSING),
    "payment_intent.payment_failed": (EVENT_PAYMENT_FAILED, ChargeStatus.FAILED),
}


def _failure_code(intent: Mapping[str, Any]) -> str:
    error: Mapping[str, Any] = intent.get("last_payment_error") or {}
    method: Mapping[str, Any] = error.get("payment_method") or {}
    code = str(error.get("code") or "")
    if method.get("type") == "us_bank_account" or (
        not method and "us_bank_account" in (intent.get("payment_method_types") or [])
    ):
        return ach_return_code(code)
    if code == "card_declined" and error.get("decline_code"):
        return str(error["decline_code"])
    return code


def _ref(value: object) -> str | None:
    """An id whether Stripe sent it bare or expanded into an object."""
    if isinstance(value, Mapping):
        return str(value.get("id")) if value.get("id") else None
    return str(value) if value else None
