"""A fake Stripe API on 127.0.0.1: a real HTTP server the real `stripe` library can talk to.

It implements only what `StripeGateway` uses — customers, SetupIntents, PaymentMethods,
PaymentIntents, Refunds — with Stripe's form encoding, JSON shapes, error bodies and
Idempotency-Key semantics (same key and parameters: the stored response; same key, other
parameters: an idempotency_error). Payment methods are Stripe's test-mode magic ids.

Test controls are Python methods, not HTTP: `settle`, `signed_event`, `delay_next_response`,
`complete_setup`; every request is kept in `requests` so a test can read what was sent.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
import time
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

    def __init__(self, api_key: str = API_KEY) -> None:
        self.api_key = api_key
        self.customers: dict[str, dict[str, Any]] = {}
        self.setup_intents: dict[str, dict[str, Any]] = {}
        self.payment_intents: dict[str, dict[str, Any]] = {}
        self.charges: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        self.events: list[dict[str, Any]] = []
        self.requests: list[RecordedRequest] = []
        # (api key, Idempotency-Key) -> (method, path, params, status, body)
        self._idempotent: dict[tuple[str, str], tuple[str, str, dict[str, Any], int, bytes]] = {}
        self._delay_next = 0.0
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

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
        """Stop listening."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

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
        """Resolve a processing bank PaymentIntent as its magic method says; return the event."""
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
                return self._emit("payment_intent.payment_failed", intent)
            intent["status"] = "succeeded"
            charge.update(status="succeeded", paid=True)
            return self._emit("payment_intent.succeeded", intent)

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
            "created": int(time.time()),
            "livemode": False,
            "pending_webhooks": 1,
            "type": type_,
            "data": {"object": json.loads(json.dumps(obj))},
        }
        self.events.append(event)
        return event

    def _create_customer(self, params: dict[str, Any]) -> dict[str, Any]:
        customer = {
            "id": _id("cus"),
            "object": "customer",
            "created": int(time.time()),
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
            "created": int(time.time()),
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
            "created": int(time.time()),
            "currency": params.get("currency", "usd"),
            "customer": customer,
            "description": params.get("description"),
            "last_payment_error": None,
            "latest_charge": None,
            "metadata": params.get("metadata", {}),
            "payment_method": method_id,
            "payment_method_types": types,
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
            "created": int(time.time()),
            "currency": intent["currency"],
            "payment_intent": intent["id"],
            "status": "pending" if bank else "succeeded",
        }
        self.refunds[refund["id"]] = refund
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] == charge["amount"]
        self._emit("charge.refunded", charge)
        return refund


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
        self.owner.requests.append(RecordedRequest(method, split.path, split.query, body, headers))
        params = parse_form(body if method == "POST" else split.query)
        status, payload, delay = self.owner.handle(method, split.path, params, headers)
        if delay:
            time.sleep(delay)  # the work is done; only the answer is late
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("Request-Id", _id("req"))
            if headers.get("idempotency-key"):
                self.send_header("Idempotency-Key", headers["idempotency-key"])
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting: exactly the case a delay is for

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output quiet
