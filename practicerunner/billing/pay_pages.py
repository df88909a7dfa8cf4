"""The payer's pay page, /pay/<signed token>: no sign-in, no navigation, nothing clinical.

It shows the practice and how to reach it, the invoice number, dates and amounts (session
lines by date only), the payer's name, and — while something is due — each allowed way to pay
with its price. With the built-in simulated processor the payer types a test card or bank
account number here; with Stripe configured the payer continues to Stripe Checkout, Stripe's
own page, for the details and comes back (see billing.checkout).
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from practicerunner.billing.pay_state import PayState as S
from practicerunner.ui.components import field_error
from practicerunner.ui.layout import public_page
from practicerunner.ui.routes import PAY

PAY_PAGE = f"{PAY}/[pay_token]"


def _money_row(label: Any, amount: Any, *, strong: bool = False, **props: Any) -> rx.Component:
    weight = "bold" if strong else "regular"
    return rx.hstack(
        rx.text(label, size="2", weight=weight),  # type: ignore[arg-type]
        rx.spacer(),
        rx.text(amount, size="2", weight=weight, style={"font_variant_numeric": "tabular-nums"}),  # type: ignore[arg-type]
        width="100%",
        padding_y="6px",
        **props,
    )


def _line(item: Any) -> rx.Component:
    return _money_row(
        item["text"], item["amount"], border_bottom=f"1px solid {rx.color('gray', 4)}"
    )


def _meta(label: str, value: Any) -> rx.Component:
    return rx.vstack(
        rx.text(label, size="1", color_scheme="gray"),
        rx.text(value, size="2", weight="medium"),
        spacing="0",
        min_width="120px",
    )


def _invoice() -> rx.Component:
    inv = S.invoice
    return rx.vstack(
        rx.hstack(
            _meta("Issued", inv["issued"]),
            _meta("Due", inv["due"]),
            _meta("Bill to", inv["payer_name"]),
            spacing="6",
            wrap="wrap",
            width="100%",
        ),
        rx.cond(
            inv["share_note"] != "",
            rx.text(inv["share_note"], size="2", color_scheme="gray"),
        ),
        rx.vstack(
            rx.foreach(S.lines, _line),
            _money_row("Total", inv["total"]),
            rx.foreach(S.payments, _line),
            rx.cond(S.payments.length() > 0, _money_row("Paid", inv["paid"])),  # type: ignore[attr-defined]
            _money_row(inv["balance_label"], inv["balance"], strong=True, id="pay-balance"),
            spacing="0",
            width="100%",
            id="pay-lines",
        ),
        spacing="4",
        width="100%",
    )


def _status() -> rx.Component:
    inv = S.invoice
    return rx.fragment(
        rx.cond(
            S.result_status == "succeeded",
            rx.callout(
                S.result_message,
                icon="circle-check",
                color_scheme="green",
                id="pay-result",
                role="status",
            ),
        ),
        rx.cond(
            S.result_status == "processing",
            rx.callout(
                S.result_message, icon="clock", color_scheme="blue", id="pay-result", role="status"
            ),
        ),
        rx.cond(
            (S.result_status != "")
            & (S.result_status != "succeeded")
            & (S.result_status != "processing")
            & (S.result_status != "closed"),
            rx.callout(
                S.result_message,
                icon="circle-alert",
                color_scheme="red",
                id="pay-result",
                role="alert",
            ),
        ),
        rx.cond(
            (inv["status"] == "paid") & (S.result_status != "succeeded"),
            rx.callout(
                "Paid. Thank you.", icon="circle-check", color_scheme="green", id="pay-paid"
            ),
        ),
        rx.cond(
            (inv["status"] == "processing") & (S.result_status != "processing"),
            rx.callout(inv["status_note"], icon="clock", color_scheme="blue", id="pay-processing"),
        ),
    )


def _option(item: Any) -> rx.Component:
    ident = "pay-method-" + item["method"]
    return rx.el.label(
        rx.hstack(
            rx.radio_group.item(value=item["method"], id=ident),
            rx.text(item["sentence"], size="2"),
            spacing="3",
            align="center",
        ),
        html_for=ident,
        style={
            "border": f"1px solid {rx.color('gray', 6)}",
            "border_radius": "8px",
            "padding": "12px 14px",
            "cursor": "pointer",
            "width": "100%",
        },
    )


def _number_field(
    label: str, hint: str, autocomplete: str, name: str = "number", width: str = "100%"
) -> rx.Component:
    return rx.vstack(
        rx.el.label(rx.text(label, size="2", weight="medium"), html_for=name),
        rx.input(
            id=name,
            name=name,
            input_mode="numeric",
            auto_complete=autocomplete,
            aria_invalid=rx.cond(S.errors.contains(name), "true", "false"),  # type: ignore[attr-defined]
            aria_describedby=f"{name}-error",
            width="100%",
            size="3",
        ),
        *([rx.text(hint, size="1", color_scheme="gray")] if hint else []),
        field_error(S.errors, name),  # type: ignore[arg-type]
        spacing="1",
        width=width,
    )


def _bank_fields() -> rx.Component:
    """Routing and account number, side by side as they are printed on a cheque."""
    return rx.vstack(
        rx.flex(
            _number_field("Routing number", "", "off", name="routing", width="40%"),
            _number_field("Bank account number", "", "off", width="60%"),
            spacing="3",
            width="100%",
        ),
        rx.text(
            "Test mode: routing 110000000; account 000123456789 settles, 000111111116 is returned.",
            size="1",
            color_scheme="gray",
        ),
        spacing="1",
        width="100%",
    )


def _hosted_note() -> rx.Component:
    """With Stripe: the details are typed on the processor's secure page, never here."""
    return rx.callout(
        rx.cond(
            S.method == "bank",
            "Next, you'll connect your bank account and authorise the payment on Stripe's"
            " secure page, then come back here.",
            "Next, you'll enter your card on Stripe's secure page, then come back here.",
        ),
        icon="lock",
        color_scheme="gray",
        size="1",
        id="pay-hosted-note",
    )


def _auto_pay() -> rx.Component:
    return rx.el.label(
        rx.hstack(
            rx.checkbox(
                checked=S.auto_pay,
                on_change=S.set_auto_pay,
                id="auto_pay",
                name="auto_pay",
            ),
            rx.text("Pay future invoices automatically", size="2"),
            spacing="2",
            align="center",
        ),
        html_for="auto_pay",
    )


def _notice_choice() -> rx.Component:
    """Before each automatic bank debit: always email, or only above an amount."""
    invalid = S.errors.contains("notice_above")  # type: ignore[attr-defined]
    return rx.vstack(
        rx.text("Before each bank debit, email me:", size="2", weight="medium", id="notice-label"),
        rx.radio_group.root(
            rx.vstack(
                rx.el.label(
                    rx.hstack(
                        rx.radio_group.item(value="always", id="notice-always"),
                        rx.text("always", size="2"),
                        spacing="2",
                        align="center",
                    ),
                    html_for="notice-always",
                ),
                rx.hstack(
                    rx.el.label(
                        rx.hstack(
                            rx.radio_group.item(value="above", id="notice-above"),
                            rx.text("only when it is more than", size="2"),
                            spacing="2",
                            align="center",
                        ),
                        html_for="notice-above",
                    ),
                    rx.input(
                        rx.input.slot("$"),
                        id="notice_above",
                        name="notice_above",
                        input_mode="decimal",
                        placeholder="0.00",
                        aria_label="Email me only when the debit is more than, in dollars",
                        aria_invalid=rx.cond(invalid, "true", "false"),
                        aria_describedby="notice_above-error",
                        # Typing an amount means "only above it".
                        on_focus=S.set_notice("above"),  # type: ignore[operator]
                        width="130px",
                        size="2",
                    ),
                    spacing="2",
                    align="center",
                    wrap="wrap",
                ),
                spacing="2",
            ),
            value=S.notice,
            on_change=S.set_notice,
            name="notice",
            aria_labelledby="notice-label",
        ),
        field_error(S.errors, "notice_above"),  # type: ignore[arg-type]
        spacing="2",
        width="100%",
        padding="12px 14px",
        border_radius="8px",
        background=rx.color("gray", 2),
        id="notice-choice",
    )


def _form() -> rx.Component:
    return rx.cond(
        (S.invoice["status"] == "open") & (S.options.length() > 0),  # type: ignore[attr-defined]
        rx.form(
            rx.vstack(
                rx.heading("How would you like to pay?", size="3", weight="medium", as_="h2"),
                rx.radio_group.root(
                    rx.vstack(rx.foreach(S.options, _option), spacing="2", width="100%"),
                    value=S.method,
                    on_change=S.choose,
                    name="method",
                    aria_label="Payment method",
                    width="100%",
                ),
                field_error(S.errors, "method"),  # type: ignore[arg-type]
                rx.cond(
                    S.hosted,
                    _hosted_note(),
                    rx.cond(
                        S.method == "bank",
                        _bank_fields(),
                        _number_field(
                            "Card number",
                            "Test mode: 4242 4242 4242 4242 is paid;"
                            " 4000 0000 0000 0002 is declined.",
                            "cc-number",
                        ),
                    ),
                ),
                _auto_pay(),
                rx.cond((S.method == "bank") & S.auto_pay, _notice_choice()),
                rx.button(
                    S.pay_label,
                    type="submit",
                    size="3",
                    width="100%",
                    loading=S.submitting,
                    id="pay-submit",
                ),
                spacing="4",
                width="100%",
            ),
            on_submit=S.submit,
            reset_on_submit=False,
            width="100%",
        ),
        rx.cond(
            S.invoice["status"] == "open",
            rx.text(
                "To pay this invoice, please ",
                S.invoice["practice_contact"],
                ".",
                size="2",
            ),
        ),
    )


def _contact() -> rx.Component:
    return rx.text(
        "Questions? Please ",
        S.invoice["practice_contact"],
        ".",
        size="2",
        color_scheme="gray",
        id="pay-contact",
    )


def _card(*children: rx.Component) -> rx.Component:
    return rx.center(
        rx.card(
            rx.vstack(*children, spacing="5", width="100%"),
            size="4",
            width="100%",
            max_width="620px",
        ),
        min_height="100vh",
        padding="32px 16px",
        background=rx.color("gray", 2),
        align_items="start",
    )


@public_page(PAY_PAGE, "Pay invoice", on_load=S.load)
def pay_page() -> rx.Component:
    return rx.el.main(
        rx.cond(
            ~S.loaded,
            rx.center(rx.spinner(size="3"), min_height="100vh"),
            rx.cond(
                S.invalid,
                _card(
                    rx.heading("Payment link", size="5", weight="medium", as_="h1"),
                    rx.callout(S.invalid_text, icon="info", color_scheme="gray", id="pay-invalid"),
                ),
                _card(
                    rx.vstack(
                        rx.text(
                            S.invoice["practice_name"],
                            size="2",
                            weight="bold",
                            color=rx.color("teal", 11),
                        ),
                        rx.heading(
                            "Invoice " + S.invoice["number"], size="6", weight="medium", as_="h1"
                        ),
                        spacing="1",
                    ),
                    _status(),
                    _invoice(),
                    _form(),
                    _contact(),
                ),
            ),
        ),
        id="main",
    )
