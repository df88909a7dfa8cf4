"""The pay page's state: the invoice a signed link names, and the payer's payment.

No sign-in: the signed token in the URL is the only credential, and it is re-read from the
URL and checked again on every event (it is never trusted from browser-sent state). Only
the view model reaches the browser: practice, invoice number, dates, amounts, the payer's
name — nothing from the case, the service or the clinician.
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from typing import cast

import reflex as rx

from practicerunner.billing.checkout import (
    RETURN_PARAMETER,
    CheckoutGateway,
    return_outcome,
    start_checkout_payment,
    supports_checkout,
)
from practicerunner.billing.paylink import (
    NOTICE_ABOVE,
    NOTICE_ALWAYS,
    PayForm,
    PayLinkInvalid,
    PayOutcome,
    PayView,
    invalid_message,
    pay_invoice,
    pay_view,
    practice_name,
)
from practicerunner.billing.worker import gateway_from_settings
from practicerunner.core.db import session_scope
from practicerunner.core.errors import ValidationFailed


def _token_from_path(path: str) -> str:
    """The token in '/pay/<token>' (anything after /pay/, as typed)."""
    parts = [p for p in path.split("/") if p]
    return parts[1] if len(parts) == 2 and parts[0] == "pay" else ""


def _online() -> bool:
    """The payer can pay on this page: test numbers (simulated) or the hosted checkout."""
    from practicerunner.billing.gateways.simulated import SimulatedGateway

    gateway = gateway_from_settings()
    return isinstance(gateway, SimulatedGateway) or supports_checkout(gateway)


def _hosted() -> bool:
    """The processor's own page takes the card or bank details (Stripe Checkout)."""
    return supports_checkout(gateway_from_settings())


class PayState(rx.State):
    """One payer's view of one invoice."""

    loaded: bool = False
    invalid: bool = False
    invalid_text: str = ""
    invoice: dict[str, str] = {}
    lines: list[dict[str, str]] = []
    payments: list[dict[str, str]] = []
    options: list[dict[str, str]] = []
    online: bool = True
    hosted: bool = False  # details are typed on the processor's page, not here
    method: str = ""
    pay_label: str = "Pay"
    # Controlled, because the debit-notice choice shows only for a bank account on auto-pay.
    auto_pay: bool = False
    notice: str = NOTICE_ALWAYS
    errors: dict[str, str] = {}
    result_status: str = ""  # succeeded | processing | failed | requires_action | pending | closed
    result_message: str = ""
    submitting: bool = False

    def _token(self) -> str:
        return _token_from_path(str(self.router.url.path))

    def _show(self, view: PayView) -> None:
        data = asdict(view)
        self.invoice = {
            k: str(v)
            for k, v in data.items()
            if k not in ("lines", "payments", "options", "balance_cents", "online")
        }
        # While a bank transfer is on its way nothing is due, but nothing has arrived yet.
        self.invoice["balance_label"] = (
            "On its way by bank transfer" if view.status == "processing" else "Balance due"
        )
        self.lines = [{"text": d, "amount": a} for d, a in view.lines]
        self.payments = [{"text": d, "amount": a} for d, a in view.payments]
        self.options = [
            {
                "method": o.method,
                "label": o.label,
                "sentence": o.sentence,
                "button": f"Pay {o.sentence.split(': ', 1)[1].split(' (')[0]}",
            }
            for o in view.options
        ]
        self.online = view.online
        methods = [o["method"] for o in self.options]
        if self.method not in methods:
            self.method = methods[0] if methods else ""
        self._label()

    def _label(self) -> None:
        chosen = next((o for o in self.options if o["method"] == self.method), None)
        label = chosen["button"] if chosen else "Pay"
        # With the processor's page next, this button only leads there.
        self.pay_label = f"Continue to {label[:1].lower()}{label[1:]}" if self.hosted else label

    def _refuse(self, name: str) -> None:
        self.invalid, self.invalid_text = True, invalid_message(name)
        self.invoice, self.lines, self.payments, self.options = {}, [], [], []

    @rx.event
    async def load(self):
        """on_load: read the link; show the invoice, or the one 'no longer valid' sentence.

        Back from the processor's checkout page (?checkout=<id>), first record how it went.
        """
        token, online, hosted = self._token(), _online(), _hosted()
        returned = str(self.router.url.query_parameters.get(RETURN_PARAMETER, ""))[:200]
        self.loaded, self.errors, self.hosted = False, {}, hosted
        self.result_status, self.result_message, self.submitting = "", "", False
        self.auto_pay, self.notice = False, NOTICE_ALWAYS

        def work() -> tuple[PayOutcome | None, PayView | str]:
            outcome = None
            with session_scope() as s:
                try:
                    if returned and hosted:
                        gateway = cast(CheckoutGateway, gateway_from_settings())
                        outcome = return_outcome(s, gateway, token, returned)
                    return outcome, pay_view(s, token, online=online)
                except PayLinkInvalid:
                    return None, practice_name(s)

        outcome, found = await asyncio.to_thread(work)
        if isinstance(found, str):
            self._refuse(found)
        else:
            self.invalid = False
            self._show(found)
            if outcome is not None:
                self.result_status, self.result_message = outcome.status, outcome.message
        self.loaded = True

    @rx.event
    def choose(self, method: str):
        """The payer picks card or bank transfer."""
        if any(o["method"] == method for o in self.options):
            self.method = method
            self.errors = {}
            self._label()

    @rx.event
    def set_auto_pay(self, value: bool):
        """The payer ticks or clears "Pay future invoices automatically"."""
        self.auto_pay = bool(value)
        self.errors = {k: v for k, v in self.errors.items() if k != "notice_above"}

    @rx.event
    def set_notice(self, value: str):
        """'always', or 'above' an amount, for the email before each bank debit."""
        self.notice = NOTICE_ABOVE if value == NOTICE_ABOVE else NOTICE_ALWAYS

    @rx.event
    async def submit(self, form: dict):
        """Pay the balance with the number typed (a second click while paying does nothing)."""
        if self.submitting or self.invoice.get("status") != "open":
            return  # a second click, or a click after the first one paid it
        token = self._token()
        pay = PayForm(
            method=self.method,
            number=str(form.get("number", ""))[:40],
            auto_pay=self.auto_pay,
            notice=self.notice,
            notice_above=str(form.get("notice_above", "") or "")[:40],
            routing=str(form.get("routing", "") or "")[:40],
        )
        self.submitting, self.errors = True, {}
        self.result_status, self.result_message = "", ""
        yield

        def work() -> tuple[str, str, dict[str, str], PayView | str]:
            gateway = gateway_from_settings()
            with session_scope() as s:
                try:
                    if supports_checkout(gateway):
                        started = start_checkout_payment(
                            s, cast(CheckoutGateway, gateway), token, pay
                        )
                        if isinstance(started, str):
                            return "redirect", started, {}, ""
                        outcome = started
                    else:
                        outcome = pay_invoice(s, gateway, token, pay)
                    status, message, errors = outcome.status, outcome.message, {}
                except ValidationFailed as exc:
                    status, message, errors = "", "", exc.errors
                except PayLinkInvalid:
                    return "", "", {}, practice_name(s)
            with session_scope() as s:
                try:
                    return status, message, errors, pay_view(s, token, online=_online())
                except PayLinkInvalid:
                    return status, message, errors, practice_name(s)

        status, message, errors, view = await asyncio.to_thread(work)
        if status == "redirect":
            # To the processor's page; the button stays busy until the browser leaves.
            yield rx.redirect(message)
            return
        self.submitting = False
        if isinstance(view, str):
            self._refuse(view)
            return
        self.errors = errors
        self.result_status, self.result_message = status, message
        self._show(view)
