"""Billing screens for staff: the dashboard and billing runs (a payer's account is in
`staff_payer_page`, registered by importing it here)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from practicerunner.billing import staff_payer_page as _payer_page  # noqa: F401
from practicerunner.billing.staff_components import (
    NUM,
    empty_note,
    forbidden_panel,
    invoice_status_badge,
    table,
)
from practicerunner.billing.state import BillingDashboardState as D
from practicerunner.billing.state import BillingRunsState as R
from practicerunner.ui.components import loading, newer_older_pager, page_header, section
from practicerunner.ui.layout import app_page
from practicerunner.ui.routes import BILLING, BILLING_RUNS

# ---- dashboard ----------------------------------------------------------------------------


def _tile(tile: Any) -> rx.Component:
    return rx.box(
        rx.vstack(
            rx.text(tile["label"], size="2", color_scheme="gray", weight="medium"),
            rx.text(tile["amount"], size="6", weight="medium"),
            rx.text(tile["count"], size="1", color_scheme="gray"),
            spacing="1",
        ),
        class_name="pr-billing-tile",
        style={
            "border": f"1px solid {rx.color('gray', 5)}",
            "border_radius": "10px",
            "padding": "16px 20px",
            "background": rx.color("gray", 1),
        },
    )


def _payer_link(row: Any) -> rx.Component:
    return rx.link(
        row["payer"], href=row["payer_href"], weight="medium", size="2", white_space="nowrap"
    )


def _due_row(row: Any) -> rx.Component:
    return rx.el.tr(
        rx.el.td(_payer_link(row)),
        rx.el.td(rx.text(row["number"], size="2", white_space="nowrap")),
        rx.el.td(rx.text(row["issued"], size="2", white_space="nowrap")),
        rx.el.td(
            rx.hstack(
                rx.text(row["due"], size="2", white_space="nowrap"),
                rx.cond(
                    row["overdue"] != "",
                    rx.badge("Overdue", color_scheme="amber", variant="soft", size="1"),
                ),
                spacing="2",
                align="center",
            )
        ),
        rx.el.td(rx.text(row["balance"], size="2"), style=NUM),
    )


def _processing_row(row: Any) -> rx.Component:
    return rx.el.tr(
        rx.el.td(_payer_link(row)),
        rx.el.td(rx.text(row["number"], size="2", white_space="nowrap")),
        rx.el.td(rx.text(row["status_label"], size="2")),
        rx.el.td(rx.text(row["balance"], size="2"), style=NUM),
    )


def _failed_row(row: Any) -> rx.Component:
    return rx.el.tr(
        rx.el.td(_payer_link(row)),
        rx.el.td(rx.text(row["number"], size="2", white_space="nowrap")),
        rx.el.td(rx.text(row["note"], size="2", color=rx.color("red", 11))),
        rx.el.td(rx.text(row["balance"], size="2"), style=NUM),
    )


def _age_row(row: Any) -> rx.Component:
    return rx.el.tr(
        rx.el.td(rx.text(row["label"], size="2")),
        rx.el.td(rx.text(row["count"], size="2"), style=NUM),
        rx.el.td(rx.text(row["amount"], size="2"), style=NUM),
    )


def _due_section() -> rx.Component:
    return section(
        "Due",
        rx.cond(
            D.due.length() > 0,  # type: ignore[attr-defined]
            rx.vstack(
                table(
                    ["Payer", "Invoice", "Issued", "Due", "Balance"],
                    rx.foreach(D.due, _due_row),
                    "billing-due",
                    numeric=[4],
                ),
                rx.cond(
                    D.due_hidden > 0,
                    rx.hstack(
                        rx.text(
                            D.due_shown_note,
                            size="2",
                            color_scheme="gray",
                        ),
                        rx.button(
                            "Show all",
                            size="1",
                            variant="soft",
                            color_scheme="gray",
                            on_click=D.show_all_due,
                        ),
                        spacing="3",
                        align="center",
                    ),
                ),
                spacing="3",
                width="100%",
            ),
            empty_note("Nothing is due. Every invoice is paid."),
        ),
    )


def _dashboard_body() -> rx.Component:
    return rx.vstack(
        page_header(
            "Billing",
            "What payers owe, what is on its way and what needs attention, as of " + D.as_of + ".",
            rx.button(
                rx.link("Billing runs", href=BILLING_RUNS, underline="none"),
                as_child=True,
                variant="soft",
                color_scheme="gray",
            ),
        ),
        rx.grid(
            rx.foreach(D.tiles, _tile),
            columns=rx.breakpoints(initial="2", md="4"),  # type: ignore[arg-type]
            spacing="4",
            width="100%",
            id="billing-tiles",
        ),
        section(
            "Failed",
            rx.cond(
                D.failed.length() > 0,  # type: ignore[attr-defined]
                table(
                    ["Payer", "Invoice", "Why", "Balance"],
                    rx.foreach(D.failed, _failed_row),
                    "billing-failed",
                    numeric=[3],
                ),
                empty_note("No failed payments."),
            ),
        ),
        rx.grid(
            section(
                "Outstanding by age",
                table(
                    ["Days since issued", "Invoices", "Amount"],
                    rx.foreach(D.ages, _age_row),
                    "billing-ages",
                    numeric=[1, 2],
                    footer=rx.el.tr(
                        rx.el.td(rx.text("Total", size="2", weight="medium")),
                        rx.el.td(),
                        rx.el.td(rx.text(D.outstanding, size="2", weight="medium"), style=NUM),
                    ),
                ),
            ),
            section(
                "Processing",
                rx.cond(
                    D.processing.length() > 0,  # type: ignore[attr-defined]
                    table(
                        ["Payer", "Invoice", "Status", "Amount"],
                        rx.foreach(D.processing, _processing_row),
                        "billing-processing",
                        numeric=[3],
                    ),
                    empty_note("No bank transfers are on their way."),
                ),
            ),
            columns=rx.breakpoints(initial="1", lg="2"),  # type: ignore[arg-type]
            spacing="5",
            width="100%",
        ),
        _due_section(),
        spacing="5",
        width="100%",
    )


@app_page(BILLING, "Billing", on_load=D.load)
def billing_dashboard() -> rx.Component:
    return rx.cond(
        D.loaded,
        rx.cond(
            D.forbidden,
            forbidden_panel("Only the owner and billers can see the billing dashboard"),
            _dashboard_body(),
        ),
        loading(),
    )


# ---- billing runs -------------------------------------------------------------------------


def _run_row(row: Any) -> rx.Component:
    chosen = R.selected["id"] == row["id"]
    return rx.el.tr(
        rx.el.td(
            rx.link(
                row["date"],
                href="#",
                on_click=R.open_run(row["id"]).prevent_default,  # type: ignore[attr-defined]
                aria_label="Show invoices of the run on " + row["date"],
                weight="medium",
                size="2",
                white_space="nowrap",
            )
        ),
        rx.el.td(rx.text(row["period"], size="2", white_space="nowrap")),
        rx.el.td(rx.text(row["invoices"], size="2"), style=NUM),
        rx.el.td(rx.text(row["attempted"], size="2"), style=NUM),
        rx.el.td(rx.text(row["succeeded"], size="2"), style=NUM),
        rx.el.td(rx.text(row["processing"], size="2"), style=NUM),
        rx.el.td(
            rx.text(
                row["failed"],
                size="2",
                color=rx.cond(row["failed"] != "0", rx.color("red", 11), "inherit"),
            ),
            style=NUM,
        ),
        background=rx.cond(chosen, rx.color("teal", 2), "transparent"),
    )


def _run_invoice_row(row: Any) -> rx.Component:
    return rx.el.tr(
        rx.el.td(rx.text(row["number"], size="2", white_space="nowrap")),
        rx.el.td(_payer_link(row)),
        rx.el.td(rx.text(row["total"], size="2"), style=NUM),
        rx.el.td(invoice_status_badge(row["status"], row["status_label"])),
    )


def _selected_run() -> rx.Component:
    return rx.cond(
        R.selected.length() > 0,  # type: ignore[attr-defined]
        rx.box(
            section(
                "Invoices of the run on " + R.selected["date"],
                rx.text(
                    "Period " + R.selected["period"],
                    size="2",
                    color_scheme="gray",
                    padding_bottom="8px",
                ),
                rx.cond(
                    R.selected_invoices.length() > 0,  # type: ignore[attr-defined]
                    table(
                        ["Invoice", "Payer", "Total", "Status"],
                        rx.foreach(R.selected_invoices, _run_invoice_row),
                        "run-invoice-table",
                        numeric=[2],
                    ),
                    empty_note("This run made no invoices."),
                ),
                action=rx.button(
                    "Close",
                    variant="soft",
                    color_scheme="gray",
                    size="1",
                    on_click=R.close_run,
                ),
            ),
            id="run-invoices",
            width="100%",
        ),
    )


def _runs_body() -> rx.Component:
    return rx.vstack(
        page_header(
            "Billing runs",
            "Each scheduled run turns the period's sessions into invoices and collects "
            "automatic payments. Runs happen every hour on their own.",
            rx.button(
                rx.icon("play", size=16),
                "Run billing now",
                on_click=R.run_now,
                loading=R.running,
                id="run-billing-now",
            ),
        ),
        section(
            "Runs",
            rx.cond(
                R.rows.length() > 0,  # type: ignore[attr-defined]
                rx.vstack(
                    table(
                        [
                            "Run on",
                            "Period",
                            "Invoices",
                            "Charges tried",
                            "Succeeded",
                            "Processing",
                            "Failed",
                        ],
                        rx.foreach(R.rows, _run_row),
                        "billing-runs",
                        numeric=[2, 3, 4, 5, 6],
                    ),
                    rx.hstack(
                        rx.text(R.summary, size="2", color_scheme="gray"),
                        rx.spacer(),
                        rx.cond(R.pages > 1, newer_older_pager(R.page, R.pages, R.go_to_page)),
                        width="100%",
                        align="center",
                    ),
                    spacing="3",
                    width="100%",
                ),
                empty_note("No billing runs yet."),
            ),
        ),
        _selected_run(),
        spacing="5",
        width="100%",
    )


@app_page(BILLING_RUNS, "Billing runs", on_load=R.load)
def billing_runs() -> rx.Component:
    return rx.cond(
        R.loaded,
        rx.cond(
            R.forbidden,
            forbidden_panel("Only the owner and billers can see billing runs"),
            _runs_body(),
        ),
        loading(),
    )
