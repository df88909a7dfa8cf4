"""The "Calendar feed" screen's state: thin, it calls calendars.service.

A new feed address is shown once, right after the feed is turned on or regenerated: it is
held in `new_url` until the page is left or reloaded, and never again (only its hash is
kept). Two feeds can be managed here: "own" (anyone with a clinical role) and "practice"
(owners).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import reflex as rx

from practicerunner.calendars import service as feeds
from practicerunner.core.errors import DomainError, ValidationFailed
from practicerunner.ui.session import SessionState

_SCOPES = ("own", "practice")


def _info(info: feeds.FeedInfo | None) -> dict[str, str]:
    if info is None:
        return {"on": ""}
    return {"on": "yes", **{k: str(v) for k, v in dataclasses.asdict(info).items()}}


class CalendarFeedState(SessionState):
    loaded: bool = False
    denied: bool = False
    can_own: bool = False
    can_practice: bool = False
    own: dict[str, str] = {}
    practice: dict[str, str] = {}
    # Shown once: scope -> {"url": https address, "webcal": webcal address}.
    new_url: dict[str, dict[str, str]] = {}
    errors: dict[str, str] = {}  # "own-label", "practice-label"
    rev: int = 0

    async def _refresh(self, actor: Any) -> None:
        status = await self.call(feeds.feed_status, actor)
        self.can_own, self.can_practice = status.can_own, status.can_practice
        self.own, self.practice = _info(status.own), _info(status.practice)
        self.denied = not (status.can_own or status.can_practice)
        self.rev += 1

    @rx.event
    async def load(self):
        self.errors, self.new_url = {}, {}
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        await self._refresh(actor)
        self.loaded = True
        return None

    def _show_once(self, scope: str, token: str) -> None:
        self.new_url = {
            **self.new_url,
            scope: {"url": feeds.feed_url(token), "webcal": feeds.webcal_url(token)},
        }

    def _is_on(self, scope: str) -> bool:
        return (self.own if scope == "own" else self.practice).get("on") == "yes"

    @rx.event
    async def enable(self, form: dict[str, Any]):
        scope = str(form.get("scope", ""))
        # A second click queued behind the first finds the feed already on: nothing to do.
        if scope not in _SCOPES or self._is_on(scope):
            return None
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        try:
            token = await self.call(feeds.enable_feed, actor, str(form.get("label", "")), scope)
        except ValidationFailed as exc:
            self.errors = {f"{scope}-{k}": v for k, v in exc.errors.items()}
            return None
        except DomainError as exc:
            return rx.toast.error(exc.message)
        self.errors = {}
        self._show_once(scope, token)
        await self._refresh(actor)
        return rx.toast.success("Calendar feed turned on. Copy the link into your calendar app.")

    @rx.event
    async def save_label(self, form: dict[str, Any]):
        scope = str(form.get("scope", ""))
        if scope not in _SCOPES:
            return None
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        try:
            await self.call(feeds.set_label, actor, str(form.get("label", "")), scope)
        except ValidationFailed as exc:
            self.errors = {f"{scope}-{k}": v for k, v in exc.errors.items()}
            return None
        except DomainError as exc:
            return rx.toast.error(exc.message)
        self.errors = {}
        await self._refresh(actor)
        return rx.toast.success("Saved. Calendar apps show the change at their next refresh.")

    @rx.event
    async def regenerate(self, scope: str):
        if scope not in _SCOPES:
            return None
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        try:
            token = await self.call(feeds.regenerate, actor, scope)
        except DomainError as exc:
            return rx.toast.error(exc.message)
        self._show_once(scope, token)
        await self._refresh(actor)
        return rx.toast.success("New link made. The old link has stopped working.")

    @rx.event
    async def revoke(self, scope: str):
        if scope not in _SCOPES:
            return None
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        try:
            await self.call(feeds.revoke, actor, scope)
        except DomainError as exc:
            return rx.toast.error(exc.message)
        self.new_url = {k: v for k, v in self.new_url.items() if k != scope}
        await self._refresh(actor)
        return rx.toast.success("Calendar feed turned off. Its link no longer works.")

    @rx.event
    def copy(self, scope: str):
        url = self.new_url.get(scope, {}).get("url", "")
        if not url:
            return None
        return [rx.set_clipboard(url), rx.toast.success("Link copied.")]
