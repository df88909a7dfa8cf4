"""The sign-in form's state."""

from __future__ import annotations

import asyncio
import json

import reflex as rx

from practicerunner.auth import service as auth
from practicerunner.core.db import session_scope
from practicerunner.core.errors import DomainError
from practicerunner.ui.session import SessionState

REASONS = {
    "idle": "You were signed out after a period of inactivity. Please sign in again.",
    "expired": "Your session reached its time limit. Please sign in again.",
    "signed_out": "You have signed out.",
    "deactivated": "This account is no longer active.",
    "revoked": "Your session has ended. Please sign in again.",
}


def safe_next(path: str) -> str:
    """Only same-site paths may be returned to after sign-in."""
    if not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/"
    return path


class SignInState(SessionState):
    errors: dict[str, str] = {}
    notice: str = ""
    email: str = ""
    submitting: bool = False

    @rx.event
    async def load(self):
        params = self.router.url.query_parameters
        self.notice = REASONS.get(params.get("reason", ""), "")
        self.errors = {}
        self.submitting = False
        # Already signed in: go straight on.
        if await self.actor(touch=False) is not None:
            return rx.redirect(safe_next(params.get("next", "/")), replace=True)

    @rx.event
    async def submit(self, form: dict):
        email = str(form.get("email", "")).strip()
        password = str(form.get("password", ""))
        self.email = email
        errors: dict[str, str] = {}
        if not email:
            errors["email"] = "Enter your email address."
        if not password:
            errors["password"] = "Enter your password."
        if errors:
            self.errors = errors
            return
        self.submitting = True
        yield
        ip, agent = self._ip(), self.router.headers.user_agent

        def work() -> auth.Handoff:
            with session_scope() as s:
                return auth.start_sign_in(s, email, password, ip=ip, user_agent=agent)

        try:
            handoff = await asyncio.to_thread(work)
        except DomainError as exc:
            self.submitting = False
            self.errors = {exc.field or "password": exc.message}
            return
        target = safe_next(self.router.url.query_parameters.get("next", "/"))
        url = f"/auth/complete?code={handoff.code}&next={target}"
        # A full page load: the server sets the HttpOnly cookie, then the app reconnects with it.
        yield rx.call_script(f"window.location.assign({json.dumps(url)})")
