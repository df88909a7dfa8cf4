"""Billing's HTTP routes (being built): invoice PDFs and the Stripe webhook."""

from __future__ import annotations

from starlette.routing import Route

ROUTES: list[Route] = []
