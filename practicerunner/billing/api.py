"""Billing's HTTP routes: invoice and statement PDFs for staff, and the Stripe webhook."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from practicerunner.auth import service as auth
from practicerunner.billing.invoice_docs import staff_statement, statement_period
from practicerunner.billing.methods import reachable_payer
from practicerunner.billing.pdf import render_invoice, render_statement
from practicerunner.billing.staff_documents import invoice_document
from practicerunner.billing.views import key_from_slug
from practicerunner.core.db import session_scope
from practicerunner.core.errors import NotFound, PermissionDenied, ValidationFailed
from practicerunner.core.permissions import Perm
from practicerunner.practice.local import practice_today
from practicerunner.ui.routes import SESSION_COOKIE, SIGN_IN

ROUTES: list[Route] = []


async def invoice_pdf(request: Request) -> Response:
    """GET /billing/invoices/<id>.pdf: staff signed in (session cookie) with billing.view."""
    token = request.cookies.get(SESSION_COOKIE)
    forwarded = request.headers.get("x-forwarded-for", "")
    ip = forwarded.split(",")[0].strip() or (request.client.host if request.client else "")
    invoice_id = int(request.path_params["invoice_id"])

    def work() -> tuple[bool, bytes | None, str]:
        with session_scope() as s:
            actor = auth.resolve_session(s, token, ip=ip).actor
            if actor is None:
                return False, None, ""
            try:
                actor.require(Perm.BILLING_VIEW)
                doc = invoice_document(s, actor, invoice_id)
            except (NotFound, PermissionDenied):
                return True, None, ""
            return True, render_invoice(doc), doc.number

    signed_in, body, number = await asyncio.to_thread(work)
    if not signed_in:
        return RedirectResponse(f"{SIGN_IN}?reason=required", status_code=303)
    if body is None:
        return Response(b"Not found.\n", status_code=404, media_type="text/plain")
    return Response(
        body,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{number}.pdf"',
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


ROUTES.append(Route("/billing/invoices/{invoice_id:int}.pdf", invoice_pdf, methods=["GET"]))


# The Stripe webhook (billing.webhooks): signed events applied once; 404 without Stripe.
from practicerunner.billing.webhooks import WEBHOOK_PATH, stripe_webhook  # noqa: E402

ROUTES.append(Route(WEBHOOK_PATH, stripe_webhook, methods=["POST"]))


async def statement_pdf(request: Request) -> Response:
    """GET /billing/payers/<client-12>/statement.pdf?from=YYYY-MM-DD&to=YYYY-MM-DD.

    Staff signed in with billing.view who reach the payer; anyone else gets 404 (a payer
    outside one's scope is not there). Bad or reversed dates are 400 with a plain sentence;
    with no dates the statement covers the last three months. Audited.
    """
    token = request.cookies.get(SESSION_COOKIE)
    forwarded = request.headers.get("x-forwarded-for", "")
    ip = forwarded.split(",")[0].strip() or (request.client.host if request.client else "")
    slug = str(request.path_params["payer_key"])
    from_text, to_text = request.query_params.get("from"), request.query_params.get("to")

    def work() -> tuple[bool, int, bytes, str]:
        with session_scope() as s:
            actor = auth.resolve_session(s, token, ip=ip).actor
            if actor is None:
                return False, 0, b"", ""
            try:
                key = key_from_slug(slug)
                # Scope first: a payer out of reach is 404 whatever the dates say.
                reachable_payer(s, actor, key)
                start, end = statement_period(from_text, to_text, practice_today(s))
                doc = staff_statement(s, actor, key, start, end)
            except (NotFound, PermissionDenied):
                return True, 404, b"Not found.\n", ""
            except ValidationFailed as exc:
                return True, 400, (" ".join(exc.errors.values()) + "\n").encode(), ""
            name = f"statement-{slug}-{start.isoformat()}-to-{end.isoformat()}.pdf"
            return True, 200, render_statement(doc), name

    signed_in, status, body, name = await asyncio.to_thread(work)
    if not signed_in:
        return RedirectResponse(f"{SIGN_IN}?reason=required", status_code=303)
    if status != 200:
        return Response(body, status_code=status, media_type="text/plain")
    return Response(
        body,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{name}"',
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


ROUTES.append(Route("/billing/payers/{payer_key}/statement.pdf", statement_pdf, methods=["GET"]))
