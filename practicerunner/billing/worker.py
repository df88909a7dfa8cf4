"""The billing work the job worker does: today's runs, collection, and gateway events.

Everything here is safe to run again or on two workers at once (see billing.runs and
billing.collect), so the worker simply runs it every hour.
"""

from __future__ import annotations

import logging
from datetime import date

from practicerunner.billing.collect import collect_due
from practicerunner.billing.gateways.base import PaymentGateway
from practicerunner.billing.runs import run_billing
from practicerunner.core.db import session_scope
from practicerunner.core.settings import get_settings

log = logging.getLogger(__name__)


def gateway_from_settings() -> PaymentGateway:
    """Stripe when STRIPE_SECRET_KEY is set; otherwise the built-in simulated processor."""
    settings = get_settings()
    if settings.stripe_secret_key:
        from practicerunner.billing.gateways.stripe_gateway import StripeGateway

        return StripeGateway(
            settings.stripe_secret_key,
            settings.stripe_webhook_secret or "",
            api_base=settings.stripe_api_base,
        )
    from practicerunner.billing.gateways.simulated import SimulatedGateway

    return SimulatedGateway()


def run_and_collect(
    run_on: date | None = None, gateway: PaymentGateway | None = None
) -> dict[str, int]:
    """Today's billing runs, then every due payment attempt and gateway event."""
    gateway = gateway or gateway_from_settings()
    with session_scope() as session:
        summaries = run_billing(session, run_on)
    with session_scope() as session:
        attempts = collect_due(session, gateway)
    result = {
        "runs": len(summaries),
        "invoices": sum(s.invoices_made for s in summaries),
        "attempts": attempts,
    }
    if any(result.values()):
        log.info("billing: %s", result)
    return result
