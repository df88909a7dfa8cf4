"""HTTP routes that carry the session cookie: collect it after sign-in, clear it on sign-out."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from practicerunner.auth import service as auth
from practicerunner.auth.state import safe_next
from practicerunner.core.db import session_scope
from practicerunner.core.settings import get_settings
from practicerunner.ui.routes import SESSION_COOKIE, SIGN_IN


def _client_ip(request: Request) -> str:
    forwarded = request.headers.get("x-forwarded-for", "")
    if forwarded:
        return forwarded.split(",")[0].strip()
    return request.client.host if request.client else ""


async def complete(request: Request) -> Response:
    """Trade the one-time hand-off code for the HttpOnly session cookie."""
    code = request.query_params.get("code", "")

    def work() -> str | None:
        with session_scope() as s:
            return auth.complete_sign_in(s, code)

    token = await asyncio.to_thread(work)
    if token is None:
        return RedirectResponse(f"{SIGN_IN}?reason=revoked", status_code=303)
    settings = get_settings()
    response = RedirectResponse(safe_next(request.query_params.get("next", "/")), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.session_max_hours * 3600,
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
        path="/",
    )
    response.headers["Cache-Control"] = "no-store"
    return response


async def sign_out(request: Request) -> Response:
    """Revoke the session and clear the cookie (POST only; SameSite=Lax keeps it same-site)."""
    token = request.cookies.get(SESSION_COOKIE)
    ip = _client_ip(request)

    def work() -> None:
        with session_scope() as s:
            auth.sign_out(s, token, ip=ip)

    await asyncio.to_thread(work)
    response = RedirectResponse(f"{SIGN_IN}?reason=signed_out", status_code=303)
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=get_settings().cookie_secure
    )
    return response


ROUTES = [
    Route("/auth/complete", complete, methods=["GET"]),
    Route("/auth/sign-out", sign_out, methods=["POST"]),
]
