"""The audit log page's state: filters, one page of results, and the chain check."""

from __future__ import annotations

from typing import Any

import reflex as rx

from practicerunner.audit import service
from practicerunner.core.errors import PermissionDenied, ValidationFailed
from practicerunner.core.permissions import Actor
from practicerunner.ui.routes import client_url
from practicerunner.ui.session import SessionState

PER_PAGE = 50
ANY_CLIENT = ["", "Any client"]


def _int_or_none(value: Any) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() else None


class AuditState(SessionState):
    """Filters as the owner typed them, the current page of entries, the verification result."""

    forbidden: bool = False
    loaded: bool = False
    searching: bool = False
    staff_options: list[list[str]] = []
    client_options: list[list[str]] = [ANY_CLIENT]
    action_options: list[list[str]] = [[v, label] for v, label in service.ACTION_FILTERS]
    f_staff: str = ""
    f_client: str = ""
    f_client_query: str = ""
    f_from: str = ""
    f_to: str = ""
    f_action: str = ""
    errors: dict[str, str] = {}
    rows: list[dict[str, str]] = []
    total: int = 0
    page: int = 1
    pages: int = 1
    verifying: bool = False
    verify_status: str = ""  # "", "intact" or "broken"
    verify_message: str = ""
    verify_problems: list[str] = []

    summary: str = ""

    @rx.event
    async def load(self):
        """on_load: the staff list, then the newest entries (filters from ?client= / ?staff=)."""
        actor = await self.actor()
        if actor is None:
            yield self.to_sign_in()
            return
        self.loaded = False  # the filter form mounts again with the values set below
        yield
        params = self.router.url.query_parameters
        self.errors = {}
        self.verify_status, self.verify_message, self.verify_problems = "", "", []
        self.f_staff = str(_int_or_none(params.get("staff")) or "")
        self.f_client = str(_int_or_none(params.get("client")) or "")
        self.f_client_query, self.f_from, self.f_to, self.f_action = "", "", "", ""
        self.client_options = [ANY_CLIENT]
        try:
            staff = await self.call(service.staff_choices, actor)
        except PermissionDenied:
            self.forbidden, self.loaded = True, True
            return
        self.forbidden = False
        self.staff_options = [["", "Everyone"]] + [[str(i), name] for i, name in staff]
        if self.f_client:
            self.client_options = [ANY_CLIENT, [self.f_client, f"Client #{self.f_client}"]]
        await self._search(actor, 1)
        if self.f_client and self.rows and self.rows[0]["client_name"]:
            self.client_options = [ANY_CLIENT, [self.f_client, self.rows[0]["client_name"]]]
        self.loaded = True

    async def _search(self, actor: Actor, page: int) -> None:
        try:
            result = await self.call(
                service.search_audit,
                actor,
                staff_id=_int_or_none(self.f_staff),
                client_id=_int_or_none(self.f_client),
                date_from=self.f_from,
                date_to=self.f_to,
                action_prefix=self.f_action or None,
                page=page,
                per_page=PER_PAGE,
            )
        except ValidationFailed as exc:
            self.errors = exc.errors
            return
        except PermissionDenied:
            self.forbidden = True
            return
        self.errors = {}
        self.total, self.page, self.pages = result.total, result.page, result.pages
        noun = "entry" if result.total == 1 else "entries"
        self.summary = f"{result.total:,} {noun} · page {result.page} of {result.pages}"
        self.rows = [
            {
                "seq": str(r.seq),
                "when": r.when,
                "actor": r.actor_name,
                "action": r.action_label,
                "code": r.action,
                "record": r.record,
                "client_name": r.client_name,
                "client_href": client_url(r.client_id) if r.client_id else "",
                "ip": r.ip or "—",
            }
            for r in result.rows
        ]

    async def _lookup_clients(self, actor: Actor, query: str) -> list[tuple[int, str]]:
        matches = await self.call(service.client_choices, actor, query)
        self.client_options = [ANY_CLIENT] + [[str(i), label] for i, label in matches]
        return matches

    @rx.event
    async def find_clients(self, query: str):
        """Fill the client list with the clients matching what was typed (on leaving the box)."""
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        query = (query or "").strip()
        if not query or query == self.f_client_query:
            return
        self.f_client_query = query
        matches = await self._lookup_clients(actor, query)
        self.errors = {k: v for k, v in self.errors.items() if k != "client"}
        if len(matches) == 1:
            self.f_client = str(matches[0][0])
        elif not matches:
            self.errors = {**self.errors, "client": "No client matches that name."}

    @rx.event
    def choose_client(self, value: str):
        """Remember the client picked in the list."""
        self.f_client = value

    @rx.event
    async def submit(self, form: dict[str, Any]):
        """Search with the filters in the form, from the first page."""
        actor = await self.actor()
        if actor is None:
            yield self.to_sign_in()
            return
        self.f_staff = str(form.get("staff", "") or "")
        self.f_from = str(form.get("date_from", "") or "").strip()
        self.f_to = str(form.get("date_to", "") or "").strip()
        self.f_action = str(form.get("action", "") or "")
        query = str(form.get("client_query", "") or "").strip()
        self.f_client = str(form.get("client_id", "") or self.f_client)
        if not query:
            self.f_client_query = ""
        elif query != self.f_client_query:
            # Typed a name and searched straight away: resolve it here.
            self.f_client_query = query
            matches = await self._lookup_clients(actor, query)
            if len(matches) != 1:
                self.f_client = ""
                self.errors = {
                    "client": "No client matches that name."
                    if not matches
                    else "Several clients match: choose one from the list."
                }
                return
            self.f_client = str(matches[0][0])
        self.searching = True
        yield
        await self._search(actor, 1)
        self.searching = False

    @rx.event
    def clear_client(self):
        """Forget the chosen client (the next search covers every client)."""
        self.f_client, self.f_client_query = "", ""
        self.client_options = [ANY_CLIENT]

    @rx.event
    async def go_to_page(self, page: int):
        """Show another page of the same search."""
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        await self._search(actor, max(1, min(int(page), self.pages)))

    @rx.event
    async def verify(self):
        """Recompute the whole hash chain and say whether it is intact."""
        actor = await self.actor()
        if actor is None:
            yield self.to_sign_in()
            return
        self.verifying = True
        self.verify_status, self.verify_message, self.verify_problems = "", "", []
        yield
        try:
            report = await self.call(service.verify_audit_chain, actor)
        except PermissionDenied:
            self.verifying, self.forbidden = False, True
            return
        self.verifying = False
        noun = "entry" if report.entries == 1 else "entries"
        if report.intact:
            self.verify_status = "intact"
            self.verify_message = f"Intact: {report.entries:,} {noun}, every hash matches."
        else:
            self.verify_status = "broken"
            self.verify_message = (
                f"The audit log has been altered: {len(report.problems)} problem"
                f"{'s' if len(report.problems) != 1 else ''} in {report.entries:,} {noun}."
            )
            self.verify_problems = report.problems[:50]
