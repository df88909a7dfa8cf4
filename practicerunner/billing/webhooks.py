"""POST /billing/stripe/webhook: Stripe tells us how payments ended.

The signature is checked with the Stripe gateway's `parse_webhook` (Stripe's signing secret and
its five-minute tolerance) before anything is read from the body: a bad signature gets 400 and
nothing is stored. A verified event is applied with `collect.apply_event`, which stores the
event id in the same transaction as its effect, so a replay answers 200 and changes nothing.
An event about a payment we have not recorded yet — the webhook beat the reply to our own
API call — gets 503, and Stripe sends it again later. A finished hosted checkout is recorded by
`checkout.apply_checkout_event`, which asks Stripe for the payment it made. Without Stripe
configured the route answers 404, as if it did not exist.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from practicerunner.billing.checkout import apply_checkout_event
from practicerunner.billing.collect import EventNotReady, apply_event
from practicerunner.billing.gateways.base import (
    EVENT_CHECKOUT_COMPLETED,
    EVENT_CHECKOUT_EXPIRED,
    GatewayError,
    WebhookSignatureError,
)
from practicerunner.core.db import session_scope
from practicerunner.core.settings import get_settings

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/billing/stripe/webhook"
MAX_BODY = 512 * 1024  # Stripe's events are a few kilobytes


@dataclass(frozen=True)
class WebhookReply:
    status: int
    outcome: str  # applied | duplicate | ignored | bad_signature | not_ready | not_configured


def handle_stripe_webhook(payload: bytes, signature: str) -> WebhookReply:
    """Verify and apply one Stripe webhook delivery; what to answer."""
    settings = get_settings()
    if not settings.stripe_secret_key:
        return WebhookReply(404, "not_configured")
    from practicerunner.billing.gateways.stripe_gateway import StripeGateway

    gateway = StripeGateway(
        settings.stripe_secret_key,
        settings.stripe_webhook_secret or "",
        api_base=settings.stripe_api_base,
    )
    try:
        event = gateway.parse_webhook(payload, signature)
    except WebhookSignatureError:
        log.warning("stripe webhook: signature did not verify")
        return WebhookReply(400, "bad_signature")
    with session_scope() as session:
        try:
            if event.type in (EVENT_CHECKOUT_COMPLETED, EVENT_CHECKOUT_EXPIRED):
                outcome = apply_checkout_event(session, gateway, event)
            else:
                outcome = apply_event(session, gateway.name, event)
        except EventNotReady:
            return WebhookReply(503, "not_ready")
        except GatewayError:
            # Finishing a checkout asks Stripe how it ended; unreachable now, Stripe retries.
            return WebhookReply(503, "not_ready")
    return WebhookReply(200, outcome)


async def stripe_webhook(request: Request) -> Response:
    """The Starlette endpoint: read the raw body (the signature covers its exact bytes)."""
    payload = await request.body()
    if len(payload) > MAX_BODY:
        return Response(status_code=413)
    signature = request.headers.get("stripe-signature", "")
    reply = await run_in_threadpool(handle_stripe_webhook, payload, signature)
    if reply.status == 404:
        return Response(b"Not found.\n", status_code=404, media_type="text/plain")
    body = json.dumps({"outcome": reply.outcome}).encode()
    headers = {"Cache-Control": "no-store"}
    if reply.status == 503:
        headers["Retry-After"] = "30"
    return Response(body, status_code=reply.status, media_type="application/json", headers=headers)
