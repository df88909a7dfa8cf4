"""Reflex states for the staff billing screens: dashboard, billing runs, a payer's account.

Thin: each event resolves the actor again, calls a service in a worker thread and keeps flat
view rows (strings only) — never ORM rows. Forms are uncontrolled, so what was typed stays
in the browser when a save is refused; `rev` re-keys a form only after a successful save.
"""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx

from practicerunner.billing import views
from practicerunner.billing.collect import ManualPayment, record_manual_payment, refund
from practicerunner.billing.gateways.base import GatewayError
from practicerunner.billing.invoice_docs import default_statement_period
from practicerunner.billing.ledger import LedgerRow
from practicerunner.billing.worker import gateway_from_settings
from practicerunner.core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from practicerunner.core.money import format_cents
from practicerunner.core.permissions import Actor
from practicerunner.ui.routes import payer_url
from practicerunner.ui.session import SessionState

RUNS_PER_PAGE = 20
DUE_SHOWN = 25  # the dashboard lists the invoices due soonest; "Show all" lists the rest


def _invoice_row(item: views.InvoiceItem) -> dict[str, str]:
    return {
        "id": str(item.invoice_id),
        "number": item.number,
        "payer": item.payer_name,
        "payer_href": payer_url(item.payer_key),
        "issued": views.full_day(item.issued_on),
        "due": views.full_day(item.due_on),
        "total": format_cents(item.total_cents),
        "balance": format_cents(item.balance_cents),
        "status": item.status,
        "status_label": item.status_label,
        "note": item.note,
        "overdue": "yes" if item.overdue else "",
        "pdf": f"/billing/invoices/{item.invoice_id}.pdf",
    }


def _tile(label: str, cents: int, count: int, noun: str = "invoice") -> dict[str, str]:
    return {
        "label": label,
        "amount": format_cents(cents),
        "count": f"{count} {noun}{'' if count == 1 else 's'}",
    }


class BillingDashboardState(SessionState):
    """The billing dashboard (billing.collect)."""

    loaded: bool = False
    forbidden: bool = False
    as_of: str = ""
    tiles: list[dict[str, str]] = []
    due: list[dict[str, str]] = []
    processing: list[dict[str, str]] = []
    failed: list[dict[str, str]] = []
    ages: list[dict[str, str]] = []
    outstanding: str = ""
    due_hidden: int = 0
    due_shown_note: str = ""
    _all_due: list[dict[str, str]] = []

    @rx.event
    async def load(self):
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        try:
            board = await self.call(views.dashboard, actor)
        except PermissionDenied:
            self.forbidden, self.loaded = True, True
            return None
        self.forbidden = False
        self.as_of = views.full_day(board.today)
        self.tiles = [
            _tile("Due", board.due_cents, len(board.due)),
            _tile("Processing", board.processing_cents, len(board.processing)),
            _tile("Failed", board.failed_cents, len(board.failed)),
            _tile("Outstanding", board.outstanding_cents, len(board.due) + len(board.processing)),
        ]
        self._all_due = [_invoice_row(i) for i in board.due]
        self.due = self._all_due[:DUE_SHOWN]
        self.due_hidden = max(0, len(self._all_due) - DUE_SHOWN)
        self.due_shown_note = (
            f"Showing the {DUE_SHOWN} due soonest of {len(self._all_due)}."
            if self.due_hidden
            else ""
        )
        self.processing = [_invoice_row(i) for i in board.processing]
        self.failed = [_invoice_row(i) for i in board.failed]
        self.ages = [
            {
                "label": a.label,
                "count": str(a.count),
                "amount": format_cents(a.total_cents),
            }
            for a in board.ages
        ]
        self.outstanding = format_cents(board.outstanding_cents)
        self.loaded = True
        return None

    @rx.event
    def show_all_due(self):
        self.due, self.due_hidden, self.due_shown_note = list(self._all_due), 0, ""


def _run_row(r: views.RunItem) -> dict[str, str]:
    return {
        "id": str(r.run_id),
        "date": views.full_day(r.run_on),
        "period": f"{views.full_day(r.period_start)} – {views.full_day(r.period_end)}",
        "invoices": str(r.invoices_made),
        "attempted": str(r.charges_attempted),
        "succeeded": str(r.succeeded),
        "processing": str(r.processing),
        "failed": str(r.failed),
        "state": "" if r.finished else "Running",
    }


class BillingRunsState(SessionState):
    """Billing runs, newest first; one run's invoices; "Run billing now"."""

    loaded: bool = False
    forbidden: bool = False
    rows: list[dict[str, str]] = []
    page: int = 1
    pages: int = 1
    summary: str = ""
    running: bool = False
    selected: dict[str, str] = {}
    selected_invoices: list[dict[str, str]] = []

    async def _fetch(self, actor: Actor, page: int) -> None:
        result = await self.call(views.list_runs, actor, page, RUNS_PER_PAGE)
        self.rows = [_run_row(r) for r in result.rows]
        self.page, self.pages = result.page, result.pages
        noun = "run" if result.total == 1 else "runs"
        self.summary = (
            f"{result.total:,} {noun} · page {result.page} of {result.pages}"
            if result.total
            else ""
        )

    @rx.event
    async def load(self):
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        self.selected, self.selected_invoices = {}, []
        try:
            await self._fetch(actor, 1)
        except PermissionDenied:
            self.forbidden, self.loaded = True, True
            return None
        self.forbidden, self.loaded = False, True
        return None

    @rx.event
    async def go_to_page(self, page: int):
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        await self._fetch(actor, max(1, min(int(page), self.pages)))
        return None

    @rx.event
    async def open_run(self, run_id: str):
        """Show the invoices one run made."""
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        try:
            run, invoices = await self.call(views.run_invoices, actor, int(run_id))
        except (NotFound, ValueError):
            return rx.toast.error("That billing run is no longer there.")
        except PermissionDenied:
            self.forbidden = True
            return None
        self.selected = _run_row(run)
        self.selected_invoices = [_invoice_row(i) for i in invoices]
        return rx.scroll_to("run-invoices")

    @rx.event
    def close_run(self):
        self.selected, self.selected_invoices = {}, []

    @rx.event
    async def run_now(self):
        """Run today's billing and collection in a worker thread, then refresh."""
        actor = await self.actor()
        if actor is None:
            yield self.to_sign_in()
            return
        self.running = True
        yield
        try:
            result = await self.call(views.run_now, actor)
        except PermissionDenied:
            self.running = False
            yield rx.toast.error("Only the owner or a biller can run billing.")
            return
        await self._fetch(actor, 1)
        self.running = False
        if result["runs"]:
            invoices = result["invoices"]
            yield rx.toast.success(
                f"Billing ran: {invoices} new invoice{'' if invoices == 1 else 's'}, "
                f"{result['attempts']} payment attempt{'' if result['attempts'] == 1 else 's'}."
            )
        else:
            yield rx.toast.info(
                f"No billing run is due today; {result['attempts']} payment attempts made."
            )


def _ledger_row(row: LedgerRow) -> dict[str, str]:
    return {
        "on": views.full_day(row.on),
        "kind": row.kind,
        "description": row.description,
        "invoice": row.invoice_number,
        "amount": row.amount,
        "balance": row.balance,
        "credit": "yes" if row.amount_cents < 0 else "",
    }


def _account_rows(account: views.PayerAccount) -> list[dict[str, str]]:
    """Invoices, each followed by its lines (one flat list: one table on the page)."""
    rows: list[dict[str, str]] = []
    for inv in account.invoices:
        rows.append(
            {
                **_invoice_row(inv.item),
                "kind": "invoice",
                "paid": format_cents(inv.paid_cents),
            }
        )
        for line in inv.lines:
            rows.append(
                {
                    "kind": "line",
                    "id": f"{inv.item.invoice_id}",
                    "on": views.short_day(line.on),
                    "description": line.description,
                    "amount": format_cents(line.amount_cents),
                    "discount": (
                        f"{line.discount_label} -{format_cents(line.discount_cents)}"
                        if line.discount_cents
                        else ""
                    ),
                }
            )
    return rows


class PayerAccountState(SessionState):
    """One payer's account: ledger, invoices, methods; record a payment; refund."""

    loaded: bool = False
    not_found: bool = False
    payer: dict[str, str] = {}
    balance: str = ""
    open_amount: str = ""
    ledger: list[dict[str, str]] = []
    invoice_rows: list[dict[str, str]] = []
    methods: list[dict[str, str]] = []
    payments: list[dict[str, str]] = []
    open_invoices: list[list[str]] = []
    can_collect: bool = False
    today: str = ""
    errors: dict[str, str] = {}
    saving: bool = False
    rev: int = 0
    # The refund dialog.
    refund_open: bool = False
    refund_for: dict[str, str] = {}
    refund_errors: dict[str, str] = {}
    refunding: bool = False
    # The statement download: a period (ISO days as the date inputs give them).
    statement_from: str = ""
    statement_to: str = ""

    @rx.var
    def statement_error(self) -> str:
        """Why the chosen period cannot be downloaded ('' when it can)."""
        if not self.statement_from or not self.statement_to:
            return "Choose both dates."
        if self.statement_to < self.statement_from:  # ISO days sort as dates do
            return "The end date is before the start date."
        return ""

    @rx.var
    def statement_href(self) -> str:
        """/billing/payers/<payer>/statement.pdf?from=…&to=… for the chosen period."""
        key = self.payer.get("key", "")
        if not key:
            return ""
        return f"{payer_url(key)}/statement.pdf?from={self.statement_from}&to={self.statement_to}"

    @rx.event
    def set_statement_from(self, value: str):
        self.statement_from = str(value or "")[:10]

    @rx.event
    def set_statement_to(self, value: str):
        self.statement_to = str(value or "")[:10]

    def _key(self) -> str:
        parts = [p for p in str(self.router.url.path).split("/") if p]
        return views.key_from_slug(parts[-1] if parts else "")

    async def _fetch(self, actor: Actor) -> None:
        account = await self.call(views.payer_account, actor, self._key())
        who = account.payer
        self.payer = {
            "name": who.name,
            "email": who.email or "No email on file",
            "key": who.key,
            "role": "Billing contact" if account.is_contact else "Client",
        }
        self.balance = format_cents(account.balance_cents)
        self.open_amount = format_cents(account.open_cents)
        self.ledger = [_ledger_row(r) for r in account.ledger.rows]
        self.invoice_rows = _account_rows(account)
        self.methods = [
            {
                "label": m.label,
                "kind": "Bank account" if m.kind == "bank" else "Card",
                "default": "yes" if m.is_default else "",
                "auto_pay": "yes" if m.auto_pay else "",
                "disabled": m.disabled_reason,
                "notice": m.debit_notice,
            }
            for m in account.methods
        ]
        self.payments = [
            {
                "id": str(p.attempt_id),
                "invoice": p.invoice_number,
                "on": views.full_day(p.on),
                "method": p.method,
                "amount": format_cents(p.amount_cents),
                "refundable": format_cents(p.refundable_cents),
                "can_refund": "yes" if p.refundable_cents > 0 else "",
            }
            for p in account.payments
        ]
        self.open_invoices = [
            [str(a.item.invoice_id), f"{a.item.number} · {format_cents(a.item.balance_cents)} due"]
            for a in reversed(account.invoices)  # oldest first: pay the oldest by default
            if a.item.status == "open" and a.item.balance_cents > 0
        ]
        self.can_collect = account.can_collect
        self.today = account.today.isoformat()
        if not self.statement_to:
            start, end = default_statement_period(account.today)
            self.statement_from, self.statement_to = start.isoformat(), end.isoformat()

    @rx.event
    async def load(self):
        self.loaded, self.not_found, self.errors = False, False, {}
        self.refund_open = False
        self.statement_from, self.statement_to = "", ""  # the last three months again
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        try:
            await self._fetch(actor)
        except (NotFound, PermissionDenied):
            self.not_found, self.loaded = True, True
            return None
        self.rev += 1
        self.loaded = True
        return None

    @rx.event
    async def record_payment(self, form: dict[str, Any]):
        """Record cash, a check or an outside payment; errors beside the fields."""
        actor = await self.actor()
        if actor is None:
            yield self.to_sign_in()
            return
        raw_id = str(form.get("invoice_id", "") or "")
        if not raw_id.isdigit():
            self.errors = {"invoice_id": "Choose the invoice this payment is for."}
            return
        self.saving = True
        yield
        payment = ManualPayment(
            invoice_id=int(raw_id),
            amount=str(form.get("amount", "") or ""),
            method=str(form.get("method", "") or ""),
            received_on=str(form.get("received_on", "") or ""),
            reference=str(form.get("reference", "") or "").strip(),
        )
        try:
            invoice = await self.call(record_manual_payment, actor, payment)
        except ValidationFailed as exc:
            self.errors = exc.errors
            self.saving = False
            return
        except (NotFound, PermissionDenied):
            self.saving = False
            yield rx.toast.error("That payment could not be recorded.")
            return
        self.errors = {}
        await self._fetch(actor)
        self.rev += 1
        self.saving = False
        yield rx.toast.success(f"Payment recorded on {invoice.number}.")

    @rx.event
    def start_refund(self, attempt_id: str):
        found = [p for p in self.payments if p["id"] == attempt_id]
        if found:
            self.refund_for = found[0]
            self.refund_errors = {}
            self.refund_open = True

    @rx.event
    def set_refund_open(self, value: Any):
        self.refund_open = bool(value)
        if not self.refund_open:
            self.refund_errors = {}

    @rx.event
    async def submit_refund(self, form: dict[str, Any]):
        """Refund a settled card or bank payment (full by default) through the gateway."""
        actor = await self.actor()
        if actor is None:
            yield self.to_sign_in()
            return
        attempt_id = int(self.refund_for.get("id", "0") or 0)
        self.refunding = True
        yield
        try:
            gateway = await asyncio.to_thread(gateway_from_settings)
            cents = await self.call(
                refund, actor, gateway, attempt_id, str(form.get("refund_amount", "") or "")
            )
        except ValidationFailed as exc:
            self.refund_errors = {"refund_amount": next(iter(exc.errors.values()))}
            self.refunding = False
            return
        except DomainError as exc:
            self.refunding = False
            yield rx.toast.error(exc.message)
            return
        except GatewayError:
            self.refunding = False
            yield rx.toast.error("The payment processor did not accept the refund; try again.")
            return
        self.refund_open, self.refund_errors = False, {}
        await self._fetch(actor)
        self.refunding = False
        yield rx.toast.success(f"Refunded {format_cents(cents)}.")
