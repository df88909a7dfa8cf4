"""A fake Stripe API on 127.0.0.1: a real HTTP server the real `stripe` library can talk to.

It implements only what the app uses — customers, SetupIntents, PaymentMethods,
PaymentIntents, Refunds, Checkout Sessions (create, retrieve with `expand`, expire; expiry at
`expires_at` noticed on the next read) — with Stripe's form encoding, JSON shapes, error bodies
and Idempotency-Key semantics (same key and parameters: the stored response; same key, other
parameters: an idempotency_error). Payment methods are Stripe's test-mode magic ids.

It also serves the hosted Checkout page, as checkout.stripe.com would, at
`/checkout/pay/{session id}` (a session's `url`; no API key): a plain HTML form taking a test
card number (CARD_NUMBERS) or a choice of magic bank account; paying answers 303 to the
session's success_url. Its bank mandate names `business_name`. A bank debit paid there settles
with `settle` like any other, and then also tells its session (checkout.session.async_payment_*).

Test controls are Python methods, not HTTP: `settle`, `signed_event`, `delay_next_response`,
`complete_setup`, `deliver_webhooks` / `wait_for_deliveries` / `deliveries` (off unless asked:
every event then also POSTed, signed, to a URL, retried on 5xx); every API request (not the
hosted page's) is kept in `requests` so a test can read what was sent.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import secrets
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote_plus, urlsplit

API_KEY = "sk_test_fake_practicerunner"


@dataclass(frozen=True)
class MagicMethod:
    """A test-mode payment method and what happens when it is charged."""

    type: str  # "card" | "us_bank_account"
    last4: str
    brand: str = ""
    decline_code: str = ""  # cards: the error code at confirmation
    ach_failure: str = ""  # banks: the failure code when the transfer resolves


MAGIC_METHODS: dict[str, MagicMethod] = {
    "pm_card_visa": MagicMethod("card", "4242", brand="visa"),
    "pm_card_mastercard": MagicMethod("card", "4444", brand="mastercard"),
    "pm_card_chargeDeclined": MagicMethod(
        "card", "0002", brand="visa", decline_code="card_declined"
    ),
    "pm_card_authenticationRequired": MagicMethod(
        "card", "3155", brand="visa", decline_code="authentication_required"
    ),
    "pm_usBankAccount_success": MagicMethod("us_bank_account", "6789"),
    "pm_usBankAccount_insufficientFunds": MagicMethod(
        "us_bank_account", "1116", ach_failure="insufficient_funds"
    ),
    "pm_usBankAccount_accountClosed": MagicMethod(
        "us_bank_account", "1113", ach_failure="account_closed"
    ),
    "pm_usBankAccount_noAccount": MagicMethod("us_bank_account", "2227", ach_failure="no_account"),
}

# What a payer types on the hosted page, and the magic method it stands for.
CARD_NUMBERS: dict[str, str] = {
    "4242424242424242": "pm_card_visa",
    "5555555555554444": "pm_card_mastercard",
    "4000000000000002": "pm_card_chargeDeclined",
    "4000002760003184": "pm_card_authenticationRequired",
}

# Stripe: a Checkout Session expires 30 minutes to 24 hours after it is created.
CHECKOUT_MIN_LIFETIME = 30 * 60
CHECKOUT_MAX_LIFETIME = 24 * 60 * 60

WEBHOOK_RETRIES = 20
WEBHOOK_RETRY_PAUSE = 0.5

_CARD_MESSAGES = {
    "card_declined": "Your card was declined.",
    "authentication_required": "Your card was declined. This transaction requires authentication.",
}
_ACH_MESSAGES = {
    "insufficient_funds": "The customer's account has insufficient funds to cover this payment.",
    "account_closed": "The customer's bank account has been closed.",
    "no_account": "The customer's bank account could not be located.",
}


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the fake received it."""

    method: str
    path: str
    query: str
    body: str  # form-encoded, as sent
    headers: dict[str, str]

    @property
    def text(self) -> str:
        """Path, query and body decoded, lower-case: what to search for words that leaked."""
        return unquote_plus(f"{self.path}?{self.query}\n{self.body}").lower()


class StripeApiError(Exception):
    """An error answer: HTTP status and Stripe's {"error": {...}} body."""

    def __init__(self, status: int, error: dict[str, Any]) -> None:
        super().__init__(error.get("message", ""))
        self.status = status
        self.error = error


def parse_form(body: str) -> dict[str, Any]:
    """Stripe-style nested form fields (`a[b][0]=x`) into dicts and lists."""
    root: dict[str, Any] = {}
    for raw_key, value in parse_qsl(body, keep_blank_values=True):
        head, _, rest = raw_key.partition("[")
        parts = [head] + ([p for p in rest.rstrip("]").split("][")] if rest else [])
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return _lists(root)


def _lists(node: Any) -> Any:
    """Dicts whose keys are 0..n-1 become lists (Stripe encodes arrays as a[0], a[1])."""
    if not isinstance(node, dict):
        return node
    converted = {key: _lists(value) for key, value in node.items()}
    if converted and all(key.isdigit() for key in converted):
        keys = sorted(converted, key=int)
        if [int(k) for k in keys] == list(range(len(keys))):
            return [converted[k] for k in keys]
    return converted


def _id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


def _invalid(message: str, *, code: str = "", param: str = "", status: int = 400) -> StripeApiError:
    error = {"type": "invalid_request_error", "message": message}
    if code:
        error["code"] = code
    if param:
        error["param"] = param
    return StripeApiError(status, error)


class FakeStripe:
    """The fake's state and test controls. Start it with `start()` or as a context manager."""

    def __init__(self, api_key: str = API_KEY, now: Callable[[], float] = time.time) -> None:
        self.api_key = api_key
        # Stripe's clock (Unix seconds) for objects' timestamps and checkout expiry; a test
        # with a frozen application clock passes that clock, as Stripe and a server agree.
        self._now = now
        self.customers: dict[str, dict[str, Any]] = {}
        self.setup_intents: dict[str, dict[str, Any]] = {}
        self.payment_intents: dict[str, dict[str, Any]] = {}
        self.charges: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        self.checkout_sessions: dict[str, dict[str, Any]] = {}
        # (customer, payment method): saved for later by a Checkout with setup_future_usage
        self.attached_methods: set[tuple[str, str]] = set()
        self.business_name = "Test Practice"  # who the bank mandate on the hosted page names
        self.events: list[dict[str, Any]] = []
        self.requests: list[RecordedRequest] = []
        # (api key, Idempotency-Key) -> (method, path, params, status, body)
        self._idempotent: dict[tuple[str, str], tuple[str, str, dict[str, Any], int, bytes]] = {}
        self._delay_next = 0.0
        # Not part of a session object in Stripe's answers, but needed when it is paid.
        self._checkout_product: dict[str, str] = {}
        self._checkout_intent_data: dict[str, dict[str, Any]] = {}
        self._session_of_intent: dict[str, str] = {}
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        # Webhook delivery: (url, secret) once asked; events wait in _outbox until sent.
        self.deliveries: list[tuple[str, int]] = []  # (event type, final HTTP status; 0: none)
        self._webhook: tuple[str, str] | None = None
        self._outbox: deque[dict[str, Any]] = deque()
        self._outbox_changed = threading.Condition()
        self._sender: threading.Thread | None = None
        self._stopping = threading.Event()

    # --- life cycle ---------------------------------------------------------------------------

    def start(self) -> FakeStripe:
        """Listen on a free loopback port in a background thread."""
        fake = self

        class Handler(_Handler):
            owner = fake

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        server.block_on_close = False  # a delayed answer must not hold up stop()
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening and stop delivering webhooks (undelivered events are dropped)."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._sender is not None:
            with self._outbox_changed:
                self._stopping.set()
                self._webhook = None
                self._outbox.clear()
                self._outbox_changed.notify_all()
            self._sender.join(timeout=5)
            self._sender = None

    def __enter__(self) -> FakeStripe:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Base address to give the stripe library (`base_addresses={"api": url}`)."""
        assert self._server is not None, "start() the fake first"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    # --- test controls ------------------------------------------------------------------------

    def delay_next_response(self, seconds: float) -> None:
        """The next request does its work at once but answers only after SECONDS."""
        with self._lock:
            self._delay_next = seconds

    def settle(self, payment_intent_id: str) -> dict[str, Any]:
        """Resolve a processing bank PaymentIntent as its magic method says; return the event.

        One a Checkout made also marks that session paid (or not) with its async event after.
        """
        with self._lock:
            intent = self.payment_intents[payment_intent_id]
            if intent["status"] != "processing":
                raise ValueError(f"{payment_intent_id} is {intent['status']}, not processing")
            magic = MAGIC_METHODS[intent["payment_method"]]
            charge = self.charges[intent["latest_charge"]]
            if magic.ach_failure:
                error = {
                    "type": "card_error" if magic.type == "card" else "invalid_request_error",
                    "code": magic.ach_failure,
                    "message": _ACH_MESSAGES[magic.ach_failure],
                    "payment_method": self._payment_method(intent["payment_method"]),
                }
                intent.update(status="requires_payment_method", last_payment_error=error)
                charge.update(
                    status="failed",
                    failure_code=magic.ach_failure,
                    failure_message=error["message"],
                )
                event = self._emit("payment_intent.payment_failed", intent)
                self._async_checkout_outcome(payment_intent_id, succeeded=False)
                return event
            intent.update(status="succeeded", amount_received=intent["amount"])
            charge.update(status="succeeded", paid=True)
            event = self._emit("payment_intent.succeeded", intent)
            self._async_checkout_outcome(payment_intent_id, succeeded=True)
            return event

    def complete_setup(self, setup_intent_id: str, payment_method: str) -> dict[str, Any]:
        """What Stripe.js does in the browser: attach PAYMENT_METHOD; return the event."""
        with self._lock:
            intent = self.setup_intents[setup_intent_id]
            intent.update(status="succeeded", payment_method=payment_method)
            return self._emit("setup_intent.succeeded", intent)

    @staticmethod
    def signed_event(
        event: dict[str, Any], secret: str, *, timestamp: int | None = None
    ) -> tuple[bytes, str]:
        """EVENT as Stripe would deliver it: the payload and its Stripe-Signature header."""
        payload = json.dumps(event).encode()
        t = int(time.time()) if timestamp is None else timestamp
        signed = f"{t}.{payload.decode()}".encode()
        signature = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
        return payload, f"t={t},v1={signature}"

    def deliver_webhooks(self, url: str, secret: str) -> None:
        """From now on POST every event to URL, signed with SECRET, in order, as Stripe would.

        One sender thread; a 5xx or a connection error is retried (WEBHOOK_RETRIES times,
        WEBHOOK_RETRY_PAUSE apart), any other answer ends that event's delivery.
        """
        with self._outbox_changed:
            self._webhook = (url, secret)
            if self._sender is None:
                self._stopping.clear()
                self._sender = threading.Thread(target=self._send_webhooks, daemon=True)
                self._sender.start()

    def wait_for_deliveries(self, timeout: float = 10) -> None:
        """Block until every emitted event has been delivered (or given up on)."""
        with self._outbox_changed:
            if not self._outbox_changed.wait_for(lambda: not self._outbox, timeout):
                raise TimeoutError(f"{len(self._outbox)} webhook deliveries still pending")

    def last_event(self, type_: str) -> dict[str, Any]:
        """The newest event of TYPE_."""
        with self._lock:
            return next(e for e in reversed(self.events) if e["type"] == type_)

    # --- the API ------------------------------------------------------------------------------

    def handle(
        self, method: str, path: str, params: dict[str, Any], headers: dict[str, str]
    ) -> tuple[int, bytes, float]:
        """Answer one request: (HTTP status, JSON body, seconds to wait before answering)."""
        with self._lock:
            delay, self._delay_next = self._delay_next, 0.0
            auth = headers.get("authorization", "")
            if auth != f"Bearer {self.api_key}":
                body = {"error": {"type": "invalid_request_error", "message": "Invalid API Key"}}
                return 401, json.dumps(body).encode(), delay
            key = headers.get("idempotency-key", "")
            if method == "POST" and key:
                stored = self._idempotent.get((self.api_key, key))
                if stored is not None:
                    s_method, s_path, s_params, status, body_bytes = stored
                    if (s_method, s_path, s_params) != (method, path, params):
                        error = _invalid(
                            "Keys for idempotent requests can only be used with the same "
                            "parameters they were first used with.",
                        )
                        error.error["type"] = "idempotency_error"
                        return 400, json.dumps({"error": error.error}).encode(), delay
                    return status, body_bytes, delay
            try:
                status, payload = 200, self._route(method, path, params)
            except StripeApiError as exc:
                status, payload = exc.status, {"error": exc.error}
            body_bytes = json.dumps(payload).encode()
            if method == "POST" and key and status < 500:
                self._idempotent[(self.api_key, key)] = (method, path, params, status, body_bytes)
            return status, body_bytes, delay

    def _route(self, method: str, path: str, params: dict[str, Any]) -> dict[str, Any]:
        parts = path.strip("/").split("/")
        if parts[:1] != ["v1"] or len(parts) < 2:
            raise _invalid(f"Unrecognized request URL ({method}: {path})", status=404)
        resource, rest = parts[1], parts[2:]
        if method == "POST" and resource == "customers" and not rest:
            return self._create_customer(params)
        if method == "POST" and resource == "setup_intents" and not rest:
            return self._create_setup_intent(params)
        if method == "GET" and resource == "payment_methods" and len(rest) == 1:
            return self._payment_method(rest[0])
        if method == "POST" and resource == "payment_intents" and not rest:
            return self._create_payment_intent(params)
        if method == "GET" and resource == "payment_intents" and len(rest) == 1:
            return self._get(self.payment_intents, rest[0], "payment_intent")
        if method == "POST" and resource == "refunds" and not rest:
            return self._create_refund(params)
        if resource == "checkout" and rest[:1] == ["sessions"]:
            expand = params.get("expand") or []
            expand = [expand] if isinstance(expand, str) else expand
            if method == "POST" and len(rest) == 1:
                session = self._create_checkout_session(params)
                return self._session_view(session, expand)
            if method == "GET" and len(rest) == 2:
                return self._session_view(self._checkout_session(rest[1]), expand)
            if method == "POST" and len(rest) == 3 and rest[2] == "expire":
                return self._session_view(self._expire_checkout_session(rest[1]), expand)
        raise _invalid(f"Unrecognized request URL ({method}: {path})", status=404)

    def _get(self, table: dict[str, dict[str, Any]], id_: str, kind: str) -> dict[str, Any]:
        if id_ not in table:
            raise _invalid(f"No such {kind}: '{id_}'", code="resource_missing", status=404)
        return table[id_]

    def _emit(self, type_: str, obj: dict[str, Any]) -> dict[str, Any]:
        event = {
            "id": _id("evt"),
            "object": "event",
            "api_version": "2025-01-27.acacia",
            "created": int(self._now()),
            "livemode": False,
            "pending_webhooks": 1,
            "type": type_,
            "data": {"object": json.loads(json.dumps(obj))},
        }
        self.events.append(event)
        if self._webhook is not None:
            with self._outbox_changed:
                self._outbox.append(event)
                self._outbox_changed.notify_all()
        return event

    def _send_webhooks(self) -> None:
        while True:
            with self._outbox_changed:
                self._outbox_changed.wait_for(lambda: self._outbox or self._stopping.is_set())
                if self._stopping.is_set():
                    return
                # It stays queued until sent, so wait_for_deliveries waits for it too.
                event = self._outbox[0]
                assert self._webhook is not None
                url, secret = self._webhook
            status = self._deliver(event, url, secret)
            with self._outbox_changed:
                if self._stopping.is_set():
                    return
                self.deliveries.append((event["type"], status))
                self._outbox.popleft()
                self._outbox_changed.notify_all()

    def _deliver(self, event: dict[str, Any], url: str, secret: str) -> int:
        """POST one event until it is taken or refused; its last HTTP status (0: no answer)."""
        # No proxies from the environment, and a redirect is an answer, not a place to go.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())
        status = 0
        for attempt in range(1 + WEBHOOK_RETRIES):
            if attempt and self._stopping.wait(WEBHOOK_RETRY_PAUSE):
                break
            payload, signature = self.signed_event(event, secret)  # signed afresh each try
            request = urllib.request.Request(
                url,
                data=payload,
                method="POST",
                headers={"Content-Type": "application/json", "Stripe-Signature": signature},
            )
            try:
                with opener.open(request, timeout=5) as response:
                    status = response.status
            except urllib.error.HTTPError as exc:
                status = exc.code
            except OSError:
                status = 0
            if 0 < status < 500:
                break
        return status

    def _create_customer(self, params: dict[str, Any]) -> dict[str, Any]:
        customer = {
            "id": _id("cus"),
            "object": "customer",
            "created": int(self._now()),
            "email": params.get("email"),
            "name": params.get("name"),
            "metadata": params.get("metadata", {}),
            "livemode": False,
        }
        self.customers[customer["id"]] = customer
        return customer

    def _create_setup_intent(self, params: dict[str, Any]) -> dict[str, Any]:
        customer = params.get("customer", "")
        self._get(self.customers, customer, "customer")
        types = params.get("payment_method_types") or ["card"]
        for t in types:
            if t not in ("card", "us_bank_account"):
                raise _invalid(f"Invalid payment_method_types: {t}", param="payment_method_types")
        id_ = _id("seti")
        intent = {
            "id": id_,
            "object": "setup_intent",
            "client_secret": f"{id_}_secret_{secrets.token_hex(12)}",
            "created": int(self._now()),
            "customer": customer,
            "payment_method": None,
            "payment_method_options": params.get("payment_method_options", {}),
            "payment_method_types": types,
            "status": "requires_payment_method",
            "usage": params.get("usage", "off_session"),
            "livemode": False,
        }
        self.setup_intents[id_] = intent
        return intent

    def _payment_method(self, id_: str) -> dict[str, Any]:
        magic = MAGIC_METHODS.get(id_)
        if magic is None:
            raise _invalid(f"No such PaymentMethod: '{id_}'", code="resource_missing", status=404)
        method: dict[str, Any] = {"id": id_, "object": "payment_method", "type": magic.type}
        if magic.type == "card":
            method["card"] = {
                "brand": magic.brand,
                "last4": magic.last4,
                "exp_month": 12,
                "exp_year": 2034,
                "funding": "credit",
            }
        else:
            method["us_bank_account"] = {
                "account_holder_type": "individual",
                "account_type": "checking",
                "bank_name": "STRIPE TEST BANK",
                "last4": magic.last4,
                "routing_number": "110000000",
            }
        return method

    def _create_payment_intent(self, params: dict[str, Any]) -> dict[str, Any]:
        try:
            amount = int(params.get("amount", ""))
        except ValueError:
            raise _invalid("Invalid integer: amount", param="amount") from None
        if amount < 50:
            raise _invalid(
                "Amount must be at least $0.50 usd", code="amount_too_small", param="amount"
            )
        customer = params.get("customer", "")
        self._get(self.customers, customer, "customer")
        method_id = params.get("payment_method", "")
        self._payment_method(method_id)
        magic = MAGIC_METHODS[method_id]
        types = params.get("payment_method_types") or ["card"]
        future_usage = params.get("setup_future_usage") or None
        if future_usage not in (None, "on_session", "off_session"):
            raise _invalid(
                "Invalid setup_future_usage: must be one of on_session or off_session",
                param="setup_future_usage",
            )
        if magic.type not in types:
            raise _invalid(
                f"The PaymentMethod provided ({magic.type}) is not allowed for this PaymentIntent.",
                code="payment_intent_invalid_parameter",
                param="payment_method",
            )
        id_ = _id("pi")
        intent: dict[str, Any] = {
            "id": id_,
            "object": "payment_intent",
            "amount": amount,
            "amount_received": 0,
            "client_secret": f"{id_}_secret_{secrets.token_hex(12)}",
            "created": int(self._now()),
            "currency": params.get("currency", "usd"),
            "customer": customer,
            "description": params.get("description"),
            "last_payment_error": None,
            "latest_charge": None,
            "metadata": params.get("metadata", {}),
            "payment_method": method_id,
            "payment_method_types": types,
            "setup_future_usage": future_usage,
            "status": "requires_confirmation",
            "livemode": False,
        }
        self.payment_intents[id_] = intent
        if params.get("confirm") != "true":
            return intent
        if magic.decline_code:
            error = {
                "type": "card_error",
                "code": magic.decline_code,
                "message": _CARD_MESSAGES[magic.decline_code],
                "payment_method": self._payment_method(method_id),
            }
            if magic.decline_code == "card_declined":
                error["decline_code"] = "generic_decline"
            intent.update(status="requires_payment_method", last_payment_error=error)
            self._emit("payment_intent.payment_failed", intent)
            raise StripeApiError(402, {**error, "payment_intent": intent})
        charge: dict[str, Any] = {
            "id": _id("ch"),
            "object": "charge",
            "amount": amount,
            "amount_refunded": 0,
            "payment_intent": id_,
            "refunded": False,
            "status": "pending" if magic.type == "us_bank_account" else "succeeded",
            "paid": magic.type == "card",
        }
        self.charges[charge["id"]] = charge
        intent["latest_charge"] = charge["id"]
        if magic.type == "us_bank_account":
            intent["status"] = "processing"
            self._emit("payment_intent.processing", intent)
        else:
            intent.update(status="succeeded", amount_received=amount)
            self._emit("payment_intent.succeeded", intent)
        return intent

    def _create_refund(self, params: dict[str, Any]) -> dict[str, Any]:
        intent = self._get(self.payment_intents, params.get("payment_intent", ""), "payment_intent")
        if intent["status"] != "succeeded":
            raise _invalid(
                f"This PaymentIntent ({intent['id']}) does not have a successful charge to refund.",
                code="charge_not_refundable",
            )
        charge = self.charges[intent["latest_charge"]]
        left = charge["amount"] - charge["amount_refunded"]
        amount = int(params.get("amount", left))
        if amount <= 0:
            raise _invalid("Invalid positive integer", param="amount")
        if amount > left:
            raise _invalid(
                f"Refund amount (${amount / 100:.2f}) is greater than unrefunded amount on "
                f"charge (${left / 100:.2f})",
                code="amount_too_large",
                param="amount",
            )
        bank = MAGIC_METHODS[intent["payment_method"]].type == "us_bank_account"
        refund = {
            "id": _id("re"),
            "object": "refund",
            "amount": amount,
            "charge": charge["id"],
            "created": int(self._now()),
            "currency": intent["currency"],
            "payment_intent": intent["id"],
            "status": "pending" if bank else "succeeded",
        }
        self.refunds[refund["id"]] = refund
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] == charge["amount"]
        self._emit("charge.refunded", charge)
        return refund

    # --- Checkout Sessions ----------------------------------------------------------------------

    def _create_checkout_session(self, params: dict[str, Any]) -> dict[str, Any]:
        mode = params.get("mode", "")
        if not mode:
            raise _invalid("Missing required param: mode.", code="parameter_missing", param="mode")
        if mode not in ("payment", "setup", "subscription"):
            raise _invalid(
                "Invalid mode: must be one of payment, setup, or subscription", param="mode"
            )
        if mode != "payment":
            raise _invalid(f"The fake Stripe supports only mode=payment, not {mode}.", param="mode")
        customer = params.get("customer", "")
        if customer not in self.customers:
            # Stripe allows a guest Checkout; the app always names its payer's customer.
            raise _invalid(
                f"No such customer: '{customer}'", code="resource_missing", param="customer"
            )
        types = params.get("payment_method_types") or ["card"]
        for i, type_ in enumerate(types):
            if type_ not in ("card", "us_bank_account"):
                raise _invalid(
                    f"Invalid payment_method_types[{i}]: must be one of card or us_bank_account",
                    param=f"payment_method_types[{i}]",
                )
        product, currency, amount = self._checkout_line_item(params.get("line_items"))
        if "us_bank_account" in types and currency != "usd":
            raise _invalid(
                f"The currency provided ({currency}) is invalid for one or more payment method "
                "types on this Checkout Session.",
                param="payment_method_types",
            )
        for name in ("success_url", "cancel_url"):
            url = params.get(name)
            if name == "success_url" and not url:
                raise _invalid(
                    "Missing required param: success_url.", code="parameter_missing", param=name
                )
            if url is not None and not url.startswith(("http://", "https://")):
                raise _invalid("Not a valid URL", code="url_invalid", param=name)
        now = int(self._now())
        expires_at = self._checkout_expiry(params.get("expires_at"), now)
        intent_data = params.get("payment_intent_data") or {}
        if intent_data.get("setup_future_usage") not in (None, "on_session", "off_session"):
            raise _invalid(
                "Invalid payment_intent_data[setup_future_usage]: must be one of on_session or "
                "off_session",
                param="payment_intent_data[setup_future_usage]",
            )
        options = params.get("payment_method_options") or {}
        verification = (options.get("us_bank_account") or {}).get("verification_method")
        if verification not in (None, "automatic", "instant", "microdeposits"):
            raise _invalid(
                "Invalid payment_method_options[us_bank_account][verification_method]: must be "
                "one of automatic, instant, or microdeposits",
                param="payment_method_options[us_bank_account][verification_method]",
            )
        id_ = f"cs_test_{secrets.token_hex(24)}"
        session: dict[str, Any] = {
            "id": id_,
            "object": "checkout.session",
            "amount_subtotal": amount,
            "amount_total": amount,
            "cancel_url": params.get("cancel_url"),
            "client_reference_id": params.get("client_reference_id") or None,
            "created": now,
            "currency": currency,
            "customer": customer,
            "expires_at": expires_at,
            "livemode": False,
            "metadata": params.get("metadata") or {},
            "mode": mode,
            "payment_intent": None,
            "payment_method_options": options,
            "payment_method_types": types,
            "payment_status": "unpaid",
            "status": "open",
            "success_url": params["success_url"],
            "url": f"{self.url}/checkout/pay/{id_}",
        }
        self.checkout_sessions[id_] = session
        self._checkout_product[id_] = product
        self._checkout_intent_data[id_] = intent_data
        return session

    @staticmethod
    def _checkout_line_item(items: Any) -> tuple[str, str, int]:
        """The one priced line the fake supports: (product name, currency, amount in cents)."""
        if not items:
            raise _invalid(
                "Missing required param: line_items.", code="parameter_missing", param="line_items"
            )
        if not isinstance(items, list) or len(items) != 1:
            raise _invalid("The fake Stripe supports exactly one line item.", param="line_items")
        item = items[0]
        price = item.get("price_data")
        if not isinstance(price, dict):
            raise _invalid(
                "The fake Stripe supports only line_items[0][price_data], not Prices.",
                param="line_items[0][price_data]",
            )
        for name, given in [
            ("price_data][currency", price.get("currency")),
            ("price_data][unit_amount", price.get("unit_amount")),
            ("quantity", item.get("quantity")),
        ]:
            if not given:
                param = f"line_items[0][{name}]"
                raise _invalid(
                    f"Missing required param: {param}.", code="parameter_missing", param=param
                )
        product = (price.get("product_data") or {}).get("name") or ""
        if not product:
            param = "line_items[0][price_data][product_data][name]"
            raise _invalid(
                f"Missing required param: {param}.", code="parameter_missing", param=param
            )
        try:
            unit_amount = int(price["unit_amount"])
            quantity = int(item["quantity"])
        except ValueError:
            raise _invalid(
                "Invalid integer: unit_amount and quantity must be integers.",
                param="line_items[0]",
            ) from None
        if quantity < 1:
            raise _invalid(
                "This value must be greater than or equal to 1.", param="line_items[0][quantity]"
            )
        if quantity != 1:
            # Stripe would take more; an invoice is paid as one item, so more is the app's bug.
            raise _invalid(
                "The fake Stripe supports only quantity 1.", param="line_items[0][quantity]"
            )
        currency = price["currency"].lower()
        if unit_amount < 50:
            raise _invalid(
                f"The Checkout Session's total amount due must add up to at least $0.50 {currency}",
                code="amount_too_small",
                param="line_items[0][price_data][unit_amount]",
            )
        return product, currency, unit_amount

    @staticmethod
    def _checkout_expiry(value: str | None, now: int) -> int:
        if value is None:
            return now + CHECKOUT_MAX_LIFETIME
        try:
            expires_at = int(value)
        except ValueError:
            raise _invalid("Invalid integer: expires_at", param="expires_at") from None
        if expires_at < now + CHECKOUT_MIN_LIFETIME:
            raise _invalid(
                "The `expires_at` timestamp must be at least 30 minutes from Checkout Session "
                "creation.",
                param="expires_at",
            )
        if expires_at > now + CHECKOUT_MAX_LIFETIME:
            raise _invalid(
                "The `expires_at` timestamp must be less than 24 hours from Checkout Session "
                "creation.",
                param="expires_at",
            )
        return expires_at

    def _checkout_session(self, id_: str) -> dict[str, Any]:
        """The session, expired first if its time has passed (Stripe notices on its own)."""
        session = self._get(self.checkout_sessions, id_, "checkout.session")
        if session["status"] == "open" and session["expires_at"] <= self._now():
            self._close_expired(session)
        return session

    def _close_expired(self, session: dict[str, Any]) -> None:
        session.update(status="expired", url=None)
        self._emit("checkout.session.expired", session)

    def _expire_checkout_session(self, id_: str) -> dict[str, Any]:
        session = self._checkout_session(id_)
        if session["status"] != "open":
            raise _invalid('Only Checkout Sessions with a status in ["open"] can be expired.')
        self._close_expired(session)
        return session

    def _session_view(self, session: dict[str, Any], expand: list[str]) -> dict[str, Any]:
        """A copy of SESSION to answer with, its payment_intent (and its method) expanded."""
        for path in expand:
            if path not in ("payment_intent", "payment_intent.payment_method"):
                raise _invalid(f"This property cannot be expanded ({path}).", param="expand")
        view: dict[str, Any] = json.loads(json.dumps(session))
        if expand and view["payment_intent"]:
            intent = json.loads(json.dumps(self.payment_intents[view["payment_intent"]]))
            if "payment_intent.payment_method" in expand and intent["payment_method"]:
                intent["payment_method"] = self._payment_method(intent["payment_method"])
            view["payment_intent"] = intent
        return view

    def _pay_checkout(self, session: dict[str, Any], form: dict[str, Any]) -> str:
        """Pay an open SESSION with what the page's FORM holds; an error to show, or ""."""
        types = session["payment_method_types"]
        if "card" in types and "card_number" in form:
            method = CARD_NUMBERS.get("".join(str(form["card_number"]).split()))
            if method is None:
                return "Your card number is invalid."
        elif "us_bank_account" in types and "bank_account" in form:
            method = str(form["bank_account"])
            magic = MAGIC_METHODS.get(method)
            if magic is None or magic.type != "us_bank_account":
                return "Choose a bank account."
        else:
            return "Enter your payment details."
        data = self._checkout_intent_data[session["id"]]
        params: dict[str, Any] = {
            "amount": str(session["amount_total"]),
            "currency": session["currency"],
            "customer": session["customer"],
            "payment_method": method,
            "payment_method_types": types,
            "description": data.get("description"),
            "metadata": data.get("metadata") or {},
            "setup_future_usage": data.get("setup_future_usage"),
            "confirm": "true",
        }
        try:
            intent = self._create_payment_intent(params)
        except StripeApiError as exc:
            # The failed intent stays behind in requires_payment_method, as Stripe leaves it.
            return str(exc.error.get("message", "Your payment could not be completed."))
        paid = intent["status"] == "succeeded"  # a bank debit is still processing
        session.update(
            status="complete",
            payment_intent=intent["id"],
            payment_status="paid" if paid else "unpaid",
            url=None,
        )
        self._session_of_intent[intent["id"]] = session["id"]
        if data.get("setup_future_usage"):
            self.attached_methods.add((session["customer"], method))
        self._emit("checkout.session.completed", session)
        return ""

    def _async_checkout_outcome(self, payment_intent_id: str, *, succeeded: bool) -> None:
        """A settled bank debit that a Checkout started: Stripe tells that session's story too."""
        session_id = self._session_of_intent.get(payment_intent_id)
        if session_id is None:
            return
        session = self.checkout_sessions[session_id]
        if succeeded:
            session["payment_status"] = "paid"
            self._emit("checkout.session.async_payment_succeeded", session)
        else:
            self._emit("checkout.session.async_payment_failed", session)

    def checkout_page(
        self, method: str, session_id: str, form: dict[str, Any]
    ) -> tuple[int, dict[str, str], bytes]:
        """The hosted page: (HTTP status, headers, body) for a GET (show) or POST (pay)."""
        with self._lock:
            if session_id not in self.checkout_sessions:
                return 404, {}, _html("Not found", "<h1>No such checkout session</h1>")
            session = self._checkout_session(session_id)
            if session["status"] != "open":
                return 200, {}, _gone_page()
            if method == "GET":
                return 200, {}, self._checkout_html(session, "", "")
            error = self._pay_checkout(session, form)
            if error:
                entered = str(form.get("card_number", ""))
                return 200, {}, self._checkout_html(session, error, entered)
            location = session["success_url"].replace("{CHECKOUT_SESSION_ID}", session_id)
            return 303, {"Location": location}, b""

    def _checkout_html(self, session: dict[str, Any], error: str, card_number: str) -> bytes:
        esc = html.escape
        amount = session["amount_total"] / 100
        currency = session["currency"]
        shown = f"${amount:,.2f}" if currency == "usd" else f"{amount:,.2f} {currency.upper()}"
        action = esc(f"/checkout/pay/{session['id']}")
        parts = [
            f"<h1>Pay {esc(shown)}</h1>",
            f'<p id="checkout-product">{esc(self._checkout_product[session["id"]])}</p>',
        ]
        if error:
            parts.append(f'<p id="checkout-error" role="alert">{esc(error)}</p>')
        if "card" in session["payment_method_types"]:
            parts.append(
                f'<form method="post" action="{action}">'
                '<label for="card_number">Card number</label> '
                '<input id="card_number" name="card_number" inputmode="numeric" '
                f'autocomplete="cc-number" value="{esc(card_number)}"> '
                '<button type="submit" id="checkout-pay-card">Pay</button></form>'
            )
        if "us_bank_account" in session["payment_method_types"]:
            options = "".join(
                f'<option value="{esc(id_)}">{esc(_bank_label(magic))}</option>'
                for id_, magic in MAGIC_METHODS.items()
                if magic.type == "us_bank_account"
            )
            parts.append(
                f'<form method="post" action="{action}">'
                '<label for="bank_account">Bank account</label> '
                f'<select id="bank_account" name="bank_account">{options}</select>'
                f'<p id="checkout-mandate">By paying you authorise {esc(self.business_name)} to '
                "debit this account for this and, if saved, future payments, until you revoke "
                "this authorisation.</p>"
                '<button type="submit" id="checkout-pay-bank">Pay</button></form>'
            )
        if session["cancel_url"]:
            back = esc(session["cancel_url"])
            parts.append(f'<p><a id="checkout-cancel" href="{back}">Back</a></p>')
        return _html(f"Pay {shown}", "\n".join(parts))


def _bank_label(magic: MagicMethod) -> str:
    outcome = magic.ach_failure.replace("_", " ") if magic.ach_failure else "succeeds"
    return f"Test bank •••• {magic.last4} ({outcome})"


def _html(title: str, body: str) -> bytes:
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head>\n<body><main>\n{body}\n</main></body></html>\n"
    ).encode()


def _gone_page() -> bytes:
    return _html(
        "Checkout unavailable",
        "<h1>This checkout session is no longer available</h1>"
        "<p>It has been paid or has expired. You can close this page.</p>",
    )


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Leave a 3xx as the answer (urllib would otherwise follow it)."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class _Handler(BaseHTTPRequestHandler):
    owner: FakeStripe
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def _serve(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        split = urlsplit(self.path)
        headers = {k.lower(): v for k, v in self.headers.items()}
        params = parse_form(body if method == "POST" else split.query)
        page = split.path.strip("/").split("/")
        if page[:2] == ["checkout", "pay"] and len(page) == 3:
            # The payer's browser on the hosted page, not the app: not kept in `requests`.
            status, extra, html_body = self.owner.checkout_page(method, page[2], params)
            self._answer(status, "text/html; charset=utf-8", html_body, extra)
            return
        self.owner.requests.append(RecordedRequest(method, split.path, split.query, body, headers))
        status, payload, delay = self.owner.handle(method, split.path, params, headers)
        if delay:
            time.sleep(delay)  # the work is done; only the answer is late
        extra = {"Request-Id": _id("req")}
        if headers.get("idempotency-key"):
            extra["Idempotency-Key"] = headers["idempotency-key"]
        self._answer(status, "application/json", payload, extra)

    def _answer(self, status: int, content_type: str, body: bytes, extra: dict[str, str]) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in extra.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting: exactly the case a delay is for

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output quiet
