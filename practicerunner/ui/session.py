"""The base Reflex state: who is signed in, resolved on the server from the HttpOnly cookie.

Every page state inherits from SessionState. Event handlers call `await self.actor()` (or
`self.call(...)`) on every event, so an idle, expired, revoked or deactivated session stops
working at once, whichever tab it is in.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from http.cookies import SimpleCookie
from typing import Any, TypeVar
from urllib.parse import quote

import reflex as rx
from reflex.event import EventSpec

from practicerunner.auth import service as auth
from practicerunner.core.db import session_scope
from practicerunner.core.permissions import Actor, Perm, Role
from practicerunner.ui.routes import SESSION_COOKIE, nav_for

T = TypeVar("T")


def cookie_value(cookie_header: str, name: str) -> str | None:
    """The value of cookie NAME in a Cookie header."""
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(cookie_header or "")
    except Exception:  # a malformed header from the browser is simply no session
        return None
    morsel = jar.get(name)
    return morsel.value if morsel else None


class SessionState(rx.State):
    """Parent of every signed-in page's state."""

    user_name: str = ""
    user_initials: str = ""
    user_roles_label: str = ""
    nav: list[dict[str, str]] = []
    is_clinical: bool = False

    def _ip(self) -> str:
        headers = self.router.headers.raw_headers
        forwarded = headers.get("x-forwarded-for", "")
        return (forwarded.split(",")[0].strip() if forwarded else "") or (
            self.router.session.client_ip or ""
        )

    def _token(self) -> str | None:
        return cookie_value(self.router.headers.cookie, SESSION_COOKIE)

    async def actor(self, *, touch: bool = True) -> Actor | None:
        """The signed-in actor for this event, or None (the caller sends them to sign in)."""
        token, ip = self._token(), self._ip()

        def work() -> auth.Resolved:
            with session_scope() as s:
                return auth.resolve_session(s, token, ip=ip, touch=touch)

        resolved = await asyncio.to_thread(work)
        self._ended_reason = resolved.ended_reason
        if resolved.actor is not None:
            self._remember(resolved.actor)
        return resolved.actor

    _ended_reason: str = ""

    def _remember(self, actor: Actor) -> None:
        self.user_name = actor.name
        parts = [p for p in actor.name.split() if p[:1].isalpha()]
        self.user_initials = "".join(p[0] for p in parts[:2]).upper()
        order = list(Role)
        self.user_roles_label = ", ".join(
            r.value.capitalize() for r in sorted(actor.roles, key=order.index)
        )
        self.is_clinical = actor.can(Perm.CLINICAL_VIEW)
        self.nav = nav_for(actor)

    def to_sign_in(self) -> EventSpec:
        """Send the browser to the sign-in page, saying why and where to come back to."""
        reason = self._ended_reason or "required"
        back = quote(str(self.router.url.path) or "/", safe="/")
        return rx.redirect(f"/sign-in?reason={reason}&next={back}", replace=True)

    async def call(self, fn: Callable[..., T], actor: Actor, *args: Any, **kwargs: Any) -> T:
        """Run service FN(session, actor, ...) off the event loop, in its own session."""

        def work() -> T:
            with session_scope() as s:
                return fn(s, actor, *args, **kwargs)

        return await asyncio.to_thread(work)

    @rx.event
    async def check_session(self):
        """on_load guard for signed-in pages."""
        if await self.actor() is None:
            return self.to_sign_in()

    @rx.event
    async def heartbeat(self, _value: Any = None):
        """Runs every minute on signed-in pages: an idle session ends without a click."""
        if await self.actor(touch=False) is None:
            return self.to_sign_in()
