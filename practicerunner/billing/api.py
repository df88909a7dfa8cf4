"""Billing's HTTP routes (being built): invoice PDFs and the Stripe webhook."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from practicerunner.auth import service as auth
from practicerunner.billing.pdf import render_invoice
from practicerunner.billing.staff_documents import invoice_document
from practicerunner.core.db import session_scope
from practicerunner.core.errors import NotFound, PermissionDenied
from practicerunner.core.permissions import Perm
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
