"""The Outgoing mail page's state: a status filter, one page of messages, the one open."""

from __future__ import annotations

from typing import Any

import reflex as rx

from practicerunner.core.errors import NotFound, PermissionDenied, ValidationFailed
from practicerunner.core.permissions import Actor
from practicerunner.messaging import service
from practicerunner.ui.session import SessionState

PER_PAGE = 50
FILTERS: list[tuple[str, str]] = [("", "All"), *service.STATUS_LABELS.items()]


class OutboxState(SessionState):
    """The owner's view of the outbox (view models only: no ORM rows reach the browser)."""

    loaded: bool = False
    forbidden: bool = False
    status: str = ""
    filters: list[dict[str, str]] = []
    rows: list[dict[str, str]] = []
    total: int = 0
    page: int = 1
    pages: int = 1
    summary: str = ""
    email_configured: bool = True
    sms_configured: bool = False
    error: str = ""
    # The message open in the reader.
    open: bool = False
    message: dict[str, str] = {}

    @rx.event
    async def load(self):
        """on_load: the newest messages (?status= picks a filter)."""
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        status = str(self.router.url.query_parameters.get("status", "") or "")
        self.status = status if status in service.STATUS_LABELS else ""
        self.open, self.message = False, {}
        await self._fetch(actor, 1)
        self.loaded = True

    async def _fetch(self, actor: Actor, page: int) -> None:
        try:
            result = await self.call(
                service.list_outbox, actor, self.status or None, page=page, per_page=PER_PAGE
            )
        except PermissionDenied:
            self.forbidden = True
            return
        except ValidationFailed as exc:
            self.error = next(iter(exc.errors.values()))
            return
        self.forbidden, self.error = False, ""
        self.total, self.page, self.pages = result.total, result.page, result.pages
        self.email_configured = result.email_configured
        self.sms_configured = result.sms_configured
        everything = sum(result.counts.values())
        self.filters = [
            {
                "value": value,
                "label": label,
                "count": f"{(result.counts.get(value, 0) if value else everything):,}",
            }
            for value, label in FILTERS
        ]
        noun = "message" if result.total == 1 else "messages"
        self.summary = (
            f"{result.total:,} {noun} · page {result.page} of {result.pages}"
            if result.total
            else ""
        )
        self.rows = [
            {
                "id": str(r.id),
                "status": r.status,
                "status_label": r.status_label,
                "channel": "Text" if r.channel == "sms" else "Email",
                "kind": r.kind_label,
                "to_name": r.to_name or r.to_address,
                "to_address": r.to_address,
                "subject": r.subject,
                "created": r.created,
                "sent": r.sent or "—",
                "note": r.note,
            }
            for r in result.rows
        ]

    @rx.event
    async def choose(self, status: str):
        """Show only messages with STATUS ('' for all), from the first page."""
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        self.status = status if status in service.STATUS_LABELS else ""
        await self._fetch(actor, 1)

    @rx.event
    async def go_to_page(self, page: int):
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        await self._fetch(actor, max(1, min(int(page), self.pages)))

    @rx.event
    async def read(self, message_id: str):
        """Open one message to read it (the read is audited)."""
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        try:
            view = await self.call(service.read_message, actor, int(message_id))
        except PermissionDenied:
            self.forbidden = True
            return
        except (NotFound, ValueError):
            return rx.toast.error("That message is no longer there.")
        self.message = {
            "id": str(view.id),
            "status": view.status,
            "status_label": view.status_label,
            "status_help": view.status_help,
            "channel": "Text message" if view.channel == "sms" else "Email",
            "kind": view.kind_label,
            "to": f"{view.to_name} <{view.to_address}>" if view.to_name else view.to_address,
            "subject": view.subject,
            "body_text": view.body_text,
            "body_html": view.body_html,
            "created": view.created,
            "sent": view.sent or "Not sent",
            "attempts": str(view.attempts),
            "note": view.note,
        }
        self.open = True

    @rx.event
    def set_open(self, value: Any):
        """The reader was closed (Escape, the close button, or a click outside)."""
        self.open = bool(value)
        if not self.open:
            self.message = {}
