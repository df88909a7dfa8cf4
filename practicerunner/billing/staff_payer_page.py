"""A payer's account for staff: balance, invoices with their lines, ledger, saved methods,
"Record payment" and refunds. Billing information only — a payer may be a billing contact."""

from __future__ import annotations

from typing import Any

import reflex as rx

from practicerunner.billing.staff_components import NUM, empty_note, invoice_status_badge, table
from practicerunner.billing.state import PayerAccountState
from practicerunner.ui.components import (
    detail_row,
    form_error_banner,
    loading,
    not_found_panel,
    page_header,
    section,
    select_field,
    text_field,
)
from practicerunner.ui.layout import app_page
from practicerunner.ui.routes import BILLING

# The route argument is named payer_key, not key: no state var may shadow a route argument.
PAYER_PAGE = BILLING + "/payers/[payer_key]"
# Typed as Any like the other form pages: state vars are Vars at compile time.
P: Any = PayerAccountState
METHOD_CHOICES = [("cash", "Cash"), ("check", "Check"), ("other", "Other (outside payment)")]


def _summary() -> rx.Component:
    return rx.grid(
        section(
            "Payer",
            rx.data_list.root(
                detail_row("Name", P.payer["name"]),
                detail_row("Email", P.payer["email"]),
                detail_row("Pays as", P.payer["role"]),
                size="2",
            ),
        ),
        section(
            "Balance",
            rx.vstack(
                rx.text(P.balance, size="7", weight="medium", id="payer-balance"),
                rx.text("Open invoices: " + P.open_amount, size="2", color_scheme="gray"),
                spacing="1",
            ),
        ),
        columns=rx.breakpoints(initial="1", md="2"),  # type: ignore[arg-type]
        spacing="5",
        width="100%",
    )


def _invoice_or_line(row: Any) -> rx.Component:
    return rx.cond(
        row["kind"] == "invoice",
        rx.el.tr(
            rx.el.td(rx.text(row["number"], size="2", weight="medium")),
            rx.el.td(rx.text(row["issued"], size="2", white_space="nowrap")),
            rx.el.td(rx.text(row["due"], size="2", white_space="nowrap")),
            rx.el.td(rx.text(row["total"], size="2"), style=NUM),
            rx.el.td(rx.text(row["paid"], size="2"), style=NUM),
            rx.el.td(invoice_status_badge(row["status"], row["status_label"])),
            rx.el.td(
                rx.link(
                    rx.hstack(rx.icon("file-down", size=14), "PDF", spacing="1", align="center"),
                    href=row["pdf"],
                    is_external=True,
                    aria_label="PDF of " + row["number"],
                    size="2",
                )
            ),
            class_name="pr-invoice-row",
            style={"border_top": f"1px solid {rx.color('gray', 6)}"},
        ),
        rx.el.tr(
            rx.el.td(),
            rx.el.td(
                rx.text(row["on"], size="1", color_scheme="gray", white_space="nowrap"),
            ),
            rx.el.td(
                rx.vstack(
                    rx.text(row["description"], size="2"),
                    rx.cond(
                        row["discount"] != "",
                        rx.text(row["discount"], size="1", color_scheme="gray"),
                    ),
                    spacing="0",
                ),
                col_span=1,
            ),
            rx.el.td(rx.text(row["amount"], size="2", color_scheme="gray"), style=NUM),
            rx.el.td(),
            rx.el.td(),
            rx.el.td(),
            class_name="pr-invoice-line",
            data_invoice=row["id"],
        ),
    )


def _invoices() -> rx.Component:
    return section(
        "Invoices",
        rx.cond(
            P.invoice_rows.length() > 0,  # type: ignore[attr-defined]
            table(
                ["Invoice", "Issued", "Due", "Total", "Paid", "Status", ""],
                rx.foreach(P.invoice_rows, _invoice_or_line),
                "payer-invoices",
                numeric=[3, 4],
            ),
            empty_note("No invoices yet."),
        ),
    )


def _ledger_row(row: Any) -> rx.Component:
    return rx.el.tr(
        rx.el.td(rx.text(row["on"], size="2", white_space="nowrap")),
        rx.el.td(rx.text(row["description"], size="2")),
        rx.el.td(rx.text(row["invoice"], size="2", color_scheme="gray")),
        rx.el.td(
            rx.text(
                row["amount"],
                size="2",
                color=rx.cond(row["credit"] != "", rx.color("green", 11), "inherit"),
            ),
            style=NUM,
        ),
        rx.el.td(rx.text(row["balance"], size="2", weight="medium"), style=NUM),
    )


def _ledger() -> rx.Component:
    return section(
        "Ledger",
        rx.cond(
            P.ledger.length() > 0,  # type: ignore[attr-defined]
            table(
                ["Date", "Entry", "Invoice", "Amount", "Balance"],
                rx.foreach(P.ledger, _ledger_row),
                "payer-ledger",
                numeric=[3, 4],
            ),
            empty_note("Nothing on this account yet."),
        ),
    )


def _date_input(label: str, ident: str, value: Any, on_change: Any) -> rx.Component:
    return rx.vstack(
        rx.el.label(rx.text(label, size="2", weight="medium"), html_for=ident),
        rx.input(id=ident, type="date", value=value, on_change=on_change, size="2"),
        spacing="1",
    )


def _statement() -> rx.Component:
    """The payer's statement for a period, as a PDF (the last three months to start with)."""
    return section(
        "Statement",
        rx.vstack(
            rx.hstack(
                _date_input("From", "statement-from", P.statement_from, P.set_statement_from),
                _date_input("To", "statement-to", P.statement_to, P.set_statement_to),
                rx.cond(
                    P.statement_error == "",
                    rx.button(
                        rx.link(
                            rx.icon("file-down", size=16),
                            "Statement (PDF)",
                            href=P.statement_href,
                            is_external=True,
                            underline="none",
                            id="statement-pdf",
                        ),
                        as_child=True,
                        variant="soft",
                        size="2",
                    ),
                    rx.button(
                        rx.icon("file-down", size=16),
                        "Statement (PDF)",
                        variant="soft",
                        size="2",
                        disabled=True,
                    ),
                ),
                align="end",
                spacing="4",
                wrap="wrap",
            ),
            rx.cond(
                P.statement_error != "",
                rx.text(
                    P.statement_error,
                    size="1",
                    color=rx.color("red", 11),
                    role="alert",
                    id="statement-error",
                ),
                rx.text(
                    "Opening balance, each charge and payment in the period, and the closing"
                    " balance, in billing words only.",
                    size="1",
                    color_scheme="gray",
                ),
            ),
            spacing="2",
        ),
        id="payer-statement",
    )


def _method_row(row: Any) -> rx.Component:
    return rx.el.tr(
        rx.el.td(
            rx.text(row["label"], size="2", weight="medium"),
            rx.cond(
                row["notice"] != "",
                rx.text(row["notice"], size="1", color_scheme="gray"),
            ),
        ),
        rx.el.td(rx.text(row["kind"], size="2")),
        rx.el.td(
            rx.hstack(
                rx.cond(
                    row["default"] != "",
                    rx.badge("Default", color_scheme="teal", variant="soft"),
                ),
                rx.cond(
                    row["auto_pay"] != "",
                    rx.badge("Auto-pay", color_scheme="gray", variant="soft"),
                ),
                spacing="2",
            )
        ),
        rx.el.td(
            rx.cond(
                row["disabled"] != "",
                rx.text("Disabled: " + row["disabled"], size="2", color=rx.color("red", 11)),
                rx.text("Active", size="2", color_scheme="gray"),
            )
        ),
    )


def _methods() -> rx.Component:
    return section(
        "Saved payment methods",
        rx.cond(
            P.methods.length() > 0,  # type: ignore[attr-defined]
            table(
                ["Method", "Kind", "", "State"],
                rx.foreach(P.methods, _method_row),
                "payer-methods",
            ),
            empty_note("No saved card or bank account."),
        ),
    )


def _payment_row(row: Any) -> rx.Component:
    return rx.el.tr(
        rx.el.td(rx.text(row["on"], size="2", white_space="nowrap")),
        rx.el.td(rx.text(row["method"], size="2")),
        rx.el.td(rx.text(row["invoice"], size="2")),
        rx.el.td(rx.text(row["amount"], size="2"), style=NUM),
        rx.el.td(
            rx.cond(
                (row["can_refund"] != "") & P.can_collect,
                rx.button(
                    "Refund",
                    size="1",
                    variant="soft",
                    color_scheme="gray",
                    on_click=P.start_refund(row["id"]),
                    aria_label="Refund the payment on " + row["invoice"],
                ),
                rx.text("Refunded", size="1", color_scheme="gray"),
            ),
            style=NUM,
        ),
    )


def _payments() -> rx.Component:
    return rx.cond(
        P.payments.length() > 0,  # type: ignore[attr-defined]
        section(
            "Card and bank payments",
            table(
                ["Settled", "Method", "Invoice", "Amount", ""],
                rx.foreach(P.payments, _payment_row),
                "payer-payments",
                numeric=[3],
            ),
        ),
    )


def _record_payment() -> rx.Component:
    e = P.errors
    return section(
        "Record payment",
        rx.cond(
            P.open_invoices.length() > 0,  # type: ignore[attr-defined]
            rx.form(
                rx.vstack(
                    form_error_banner(e),
                    rx.grid(
                        select_field("Invoice", "invoice_id", P.open_invoices, e, required=True),
                        text_field(
                            "Amount",
                            "amount",
                            e,
                            required=True,
                            placeholder="0.00",
                            inputmode="decimal",
                        ),
                        select_field(
                            "Method",
                            "method",
                            METHOD_CHOICES,
                            e,
                            default_value="cash",
                            required=True,
                        ),
                        text_field(
                            "Date received",
                            "received_on",
                            e,
                            type="date",
                            default_value=P.today,
                            required=True,
                        ),
                        text_field(
                            "Reference",
                            "reference",
                            e,
                            hint="Check number or a note for the office (optional).",
                        ),
                        columns=rx.breakpoints(initial="1", md="3"),  # type: ignore[arg-type]
                        spacing="4",
                        width="100%",
                    ),
                    rx.button("Record payment", type="submit", loading=P.saving),
                    spacing="4",
                    width="100%",
                ),
                on_submit=P.record_payment,
                key=P.rev,
                no_validate=True,
                width="100%",
                id="record-payment-form",
            ),
            empty_note("No open invoices: nothing to record a payment against."),
        ),
    )


def _refund_dialog() -> rx.Component:
    r = P.refund_for
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Refund a payment", size="4"),
            rx.dialog.description(
                r["method"] + " payment of " + r["amount"] + " on " + r["invoice"] + ".",
                size="2",
                color_scheme="gray",
                margin_bottom="12px",
            ),
            rx.form(
                rx.vstack(
                    text_field(
                        "Amount to refund",
                        "refund_amount",
                        P.refund_errors,
                        placeholder=r["refundable"],
                    ),
                    rx.text(
                        "Leave it empty to refund " + r["refundable"] + " in full.",
                        size="1",
                        color_scheme="gray",
                    ),
                    rx.hstack(
                        rx.dialog.close(
                            rx.button("Cancel", type="button", variant="soft", color_scheme="gray")
                        ),
                        rx.button("Refund", type="submit", color_scheme="red", loading=P.refunding),
                        justify="end",
                        spacing="3",
                        width="100%",
                    ),
                    spacing="4",
                    width="100%",
                ),
                on_submit=P.submit_refund,
                no_validate=True,
            ),
            max_width="440px",
        ),
        open=P.refund_open,
        on_open_change=P.set_refund_open,
    )


def _account() -> rx.Component:
    return rx.vstack(
        page_header(P.payer["name"], "Billing account · " + P.payer["role"]),
        _summary(),
        _invoices(),
        rx.cond(P.can_collect, _record_payment()),
        _payments(),
        _statement(),
        _ledger(),
        _methods(),
        _refund_dialog(),
        spacing="5",
        width="100%",
    )


@app_page(PAYER_PAGE, "Payer account", on_load=P.load)
def payer_account() -> rx.Component:
    return rx.cond(
        P.loaded,
        rx.cond(P.not_found, not_found_panel("payer", ("Back to billing", BILLING)), _account()),
        loading(),
    )
