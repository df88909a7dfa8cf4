"""The fake Stripe's Checkout Sessions, driven through the real stripe library, and its hosted
page, driven as a browser would with plain form posts; plus its optional webhook delivery."""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import stripe

from tests.fakes import stripe_server
from tests.fakes.stripe_server import FakeStripe

SECRET = "whsec_test_checkout"
SUCCESS = "https://practice.example.test/pay/done?session={CHECKOUT_SESSION_ID}"
CANCEL = "https://practice.example.test/pay/INV-000155"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # the 303 is what we want to read, not follow


# Loopback only: no proxy from the environment.
BROWSER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())


@pytest.fixture
def fake() -> Iterator[FakeStripe]:
    with FakeStripe() as server:
        yield server


@pytest.fixture
def client(fake: FakeStripe) -> stripe.StripeClient:
    return stripe.StripeClient(
        fake.api_key, base_addresses={"api": fake.url}, max_network_retries=0
    )


@pytest.fixture
def customer(client: stripe.StripeClient) -> str:
    return str(client.v1.customers.create({"name": "Robert Rivera"}).id)


def params(customer: str, kind: str = "card", **changes: Any) -> dict[str, Any]:
    """What the app sends for invoice INV-000155 ($155.00)."""
    sent: dict[str, Any] = {
        "mode": "payment",
        "customer": customer,
        "payment_method_types": [kind],
        "line_items": [
            {
                "price_data": {
                    "currency": "usd",
                    "unit_amount": 15500,
                    "product_data": {"name": "Invoice INV-000155"},
                },
                "quantity": 1,
            }
        ],
        "payment_intent_data": {
            "description": "Invoice INV-000155",
            "metadata": {"invoice": "INV-000155"},
        },
        "metadata": {"invoice": "INV-000155"},
        "client_reference_id": "invoice-155",
        "success_url": SUCCESS,
        "cancel_url": CANCEL,
        "expires_at": int(time.time()) + 3600,
    }
    if kind == "us_bank_account":
        sent["payment_method_options"] = {"us_bank_account": {"verification_method": "automatic"}}
    sent.update(changes)
    return sent


def visit(url: str) -> str:
    with BROWSER.open(url, timeout=5) as response:
        assert response.headers["Content-Type"] == "text/html; charset=utf-8"
        return response.read().decode()


def submit(url: str, fields: dict[str, str]) -> tuple[int, str]:
    """POST the page's form: (status, page text) or (303, Location)."""
    data = urllib.parse.urlencode(fields).encode()
    try:
        with BROWSER.open(url, data=data, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        assert exc.code == 303, exc.code
        return 303, str(exc.headers["Location"])


def test_a_card_checkout_is_created_shown_paid_and_read_back_expanded(
    fake: FakeStripe, client: stripe.StripeClient, customer: str
) -> None:
    sent = params(
        customer,
        payment_intent_data={
            "description": "Invoice INV-000155",
            "metadata": {"invoice": "INV-000155"},
            "setup_future_usage": "off_session",
        },
    )
    session = client.v1.checkout.sessions.create(sent)  # type: ignore[arg-type]
    assert session.id.startswith("cs_test_")
    assert (session.status, session.payment_status, session.payment_intent) == (
        "open",
        "unpaid",
        None,
    )
    assert (session.amount_total, session.currency, session.customer) == (15500, "usd", customer)
    assert session.client_reference_id == "invoice-155"
    assert session.to_dict()["metadata"] == {"invoice": "INV-000155"}
    assert session.url == f"{fake.url}/checkout/pay/{session.id}"

    page = visit(session.url)
    assert "Pay $155.00" in page and "Invoice INV-000155" in page
    assert 'name="card_number"' in page and 'id="card_number"' in page
    assert "Card number" in page and 'id="checkout-cancel"' in page and CANCEL in page
    assert "bank_account" not in page

    status, location = submit(session.url, {"card_number": "4242 4242 4242 4242"})
    assert status == 303
    assert location == SUCCESS.replace("{CHECKOUT_SESSION_ID}", session.id)

    done = client.v1.checkout.sessions.retrieve(
        session.id, {"expand": ["payment_intent.payment_method"]}
    ).to_dict()
    assert (done["status"], done["payment_status"], done["url"]) == ("complete", "paid", None)
    intent = done["payment_intent"]
    assert intent["status"] == "succeeded" and intent["amount"] == 15500
    assert intent["description"] == "Invoice INV-000155"
    assert intent["metadata"] == {"invoice": "INV-000155"}
    assert intent["setup_future_usage"] == "off_session"
    assert intent["payment_method"]["card"]["last4"] == "4242"
    assert (customer, "pm_card_visa") in fake.attached_methods
    types = [e["type"] for e in fake.events]
    assert types[-2:] == ["payment_intent.succeeded", "checkout.session.completed"]

    plain = client.v1.checkout.sessions.retrieve(session.id)
    assert plain.payment_intent == intent["id"]
    only_intent = client.v1.checkout.sessions.retrieve(session.id, {"expand": ["payment_intent"]})
    assert only_intent.to_dict()["payment_intent"]["payment_method"] == "pm_card_visa"
    # Paid: the page is gone, and paying again is refused.
    assert "no longer available" in visit(session.url)
    again = submit(session.url, {"card_number": "4242424242424242"})
    assert again[0] == 200 and "no longer available" in again[1] and "<form" not in again[1]
    assert len(fake.payment_intents) == 1


def test_a_declined_or_mistyped_card_keeps_the_session_open_with_the_message(
    fake: FakeStripe, client: stripe.StripeClient, customer: str
) -> None:
    session = client.v1.checkout.sessions.create(params(customer))  # type: ignore[arg-type]
    assert session.url is not None

    status, page = submit(session.url, {"card_number": "1234 5678"})
    assert status == 200 and "Your card number is invalid." in page
    assert not fake.payment_intents

    status, page = submit(session.url, {"card_number": "4000000000000002"})
    assert status == 200 and "Your card was declined." in page and 'name="card_number"' in page
    (failed,) = fake.payment_intents.values()
    assert failed["status"] == "requires_payment_method"
    assert failed["last_payment_error"]["code"] == "card_declined"
    assert client.v1.checkout.sessions.retrieve(session.id).status == "open"
    assert fake.events[-1]["type"] == "payment_intent.payment_failed"

    status, page = submit(session.url, {"card_number": "4000002760003184"})
    assert status == 200 and "requires authentication" in page

    status, _ = submit(session.url, {"card_number": "5555555555554444"})
    assert status == 303
    assert client.v1.checkout.sessions.retrieve(session.id).payment_status == "paid"


def test_a_bank_checkout_is_unpaid_while_processing_and_settles(
    fake: FakeStripe, client: stripe.StripeClient, customer: str
) -> None:
    session = client.v1.checkout.sessions.create(
        params(customer, "us_bank_account")  # type: ignore[arg-type]
    )
    assert session.url is not None
    page = visit(session.url)
    assert '<select id="bank_account" name="bank_account">' in page
    assert '<option value="pm_usBankAccount_success">Test bank •••• 6789 (succeeds)' in page
    assert "pm_usBankAccount_insufficientFunds" in page and "to debit this account" in page
    assert "card_number" not in page

    status, _ = submit(session.url, {"bank_account": "pm_usBankAccount_success"})
    assert status == 303
    done = client.v1.checkout.sessions.retrieve(session.id, {"expand": ["payment_intent"]})
    intent = done.to_dict()["payment_intent"]
    assert (done.status, done.payment_status) == ("complete", "unpaid")
    assert intent["status"] == "processing" and intent["setup_future_usage"] is None
    assert not fake.attached_methods

    assert fake.settle(intent["id"])["type"] == "payment_intent.succeeded"
    assert fake.payment_intents[intent["id"]]["status"] == "succeeded"
    assert client.v1.checkout.sessions.retrieve(session.id).payment_status == "paid"
    assert fake.events[-1]["type"] == "checkout.session.async_payment_succeeded"


def test_expire_closes_an_open_session_once(
    fake: FakeStripe, client: stripe.StripeClient, customer: str
) -> None:
    session = client.v1.checkout.sessions.create(params(customer))  # type: ignore[arg-type]
    expired = client.v1.checkout.sessions.expire(session.id)
    assert (expired.status, expired.url) == ("expired", None)
    assert fake.events[-1]["type"] == "checkout.session.expired"
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.checkout.sessions.expire(session.id)
    assert refused.value.http_status == 400
    assert "can be expired" in str(refused.value.user_message)
    page = visit(f"{fake.url}/checkout/pay/{session.id}")
    assert "no longer available" in page and "<form" not in page
    with pytest.raises(stripe.InvalidRequestError) as missing:
        client.v1.checkout.sessions.retrieve("cs_test_nope")
    assert (missing.value.http_status, missing.value.code) == (404, "resource_missing")


def test_a_session_past_its_expires_at_reads_back_expired(
    fake: FakeStripe, client: stripe.StripeClient, customer: str
) -> None:
    session = client.v1.checkout.sessions.create(params(customer))  # type: ignore[arg-type]
    fake.checkout_sessions[session.id]["expires_at"] = int(time.time()) - 1  # time passed
    assert client.v1.checkout.sessions.retrieve(session.id).status == "expired"
    assert client.v1.checkout.sessions.retrieve(session.id).url is None
    assert "no longer available" in visit(f"{fake.url}/checkout/pay/{session.id}")
    assert [e["type"] for e in fake.events].count("checkout.session.expired") == 1


def test_create_is_idempotent_per_key(
    fake: FakeStripe, client: stripe.StripeClient, customer: str
) -> None:
    sent = params(customer)
    first = client.v1.checkout.sessions.create(sent, {"idempotency_key": "inv-155-try-1"})  # type: ignore[arg-type]
    again = client.v1.checkout.sessions.create(sent, {"idempotency_key": "inv-155-try-1"})  # type: ignore[arg-type]
    assert first.id == again.id and list(fake.checkout_sessions) == [first.id]
    with pytest.raises(stripe.IdempotencyError):
        client.v1.checkout.sessions.create(
            params(customer, client_reference_id="other"),  # type: ignore[arg-type]
            {"idempotency_key": "inv-155-try-1"},
        )


@pytest.mark.parametrize(
    ("change", "param"),
    [
        ({"mode": "subscription"}, "mode"),
        ({"customer": "cus_missing"}, "customer"),
        ({"expires_at": int(time.time()) + 60}, "expires_at"),
        ({"expires_at": int(time.time()) + 25 * 3600}, "expires_at"),
        ({"payment_method_types": ["paypal"]}, "payment_method_types[0]"),
    ],
)
def test_bad_params_are_refused_as_stripe_would(
    fake: FakeStripe,
    client: stripe.StripeClient,
    customer: str,
    change: dict[str, Any],
    param: str,
) -> None:
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.checkout.sessions.create({**params(customer), **change})  # type: ignore[arg-type]
    assert (refused.value.http_status, refused.value.param) == (400, param)
    assert not fake.checkout_sessions


@pytest.mark.parametrize(
    ("amount", "quantity", "param"),
    [(49, 1, "line_items[0][price_data][unit_amount]"), (15500, 2, "line_items[0][quantity]")],
)
def test_too_small_an_amount_or_another_quantity_is_refused(
    client: stripe.StripeClient, customer: str, amount: int, quantity: int, param: str
) -> None:
    item = {
        "price_data": {
            "currency": "usd",
            "unit_amount": amount,
            "product_data": {"name": "Invoice INV-000155"},
        },
        "quantity": quantity,
    }
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.checkout.sessions.create(params(customer, line_items=[item]))  # type: ignore[arg-type]
    assert refused.value.param == param


class _Receiver(BaseHTTPRequestHandler):
    """The app's webhook endpoint: busy (503) once, then it verifies and takes every event."""

    received: list[str] = []
    answers: list[int] = []

    def do_POST(self) -> None:
        payload = self.rfile.read(int(self.headers["Content-Length"]))
        status = 503 if not self.answers else 200
        if status == 200:
            assert self.headers["Content-Type"] == "application/json"
            event = stripe.Webhook.construct_event(
                payload, self.headers["Stripe-Signature"], SECRET
            )
            self.received.append(str(event["type"]))
        self.answers.append(status)
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_events_are_delivered_signed_in_order_and_a_503_is_retried(
    fake: FakeStripe, client: stripe.StripeClient, customer: str
) -> None:
    class Receiver(_Receiver):
        received: list[str] = []
        answers: list[int] = []

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}).start()
    try:
        host, port = server.server_address[:2]
        fake.deliver_webhooks(f"http://{host!s}:{port}/webhooks/stripe", SECRET)
        session = client.v1.checkout.sessions.create(params(customer))  # type: ignore[arg-type]
        assert session.url is not None
        assert submit(session.url, {"card_number": "4242424242424242"})[0] == 303
        fake.wait_for_deliveries(timeout=5)
    finally:
        server.shutdown()
        server.server_close()
    assert Receiver.answers == [503, 200, 200]
    assert Receiver.received == ["payment_intent.succeeded", "checkout.session.completed"]
    assert fake.deliveries == [
        ("payment_intent.succeeded", 200),
        ("checkout.session.completed", 200),
    ]


def test_an_unreachable_endpoint_is_retried_then_given_up(
    fake: FakeStripe,
    client: stripe.StripeClient,
    customer: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(stripe_server, "WEBHOOK_RETRIES", 2)
    monkeypatch.setattr(stripe_server, "WEBHOOK_RETRY_PAUSE", 0.01)
    closed = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    host, port = closed.server_address[:2]
    closed.server_close()  # nothing listens there now
    fake.deliver_webhooks(f"http://{host!s}:{port}/webhooks/stripe", SECRET)
    session = client.v1.checkout.sessions.create(params(customer))  # type: ignore[arg-type]
    client.v1.checkout.sessions.expire(session.id)
    fake.wait_for_deliveries(timeout=5)
    assert fake.deliveries == [("checkout.session.expired", 0)]
