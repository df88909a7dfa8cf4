# mypy: disable-error-code="index, operator, arg-type, attr-defined, union-attr, call-overload"
"""The case's billing tab (/cases/<id>/billing): which rule applies and why, who pays, what
is collected next, the invoices, missed-session fees to waive, and the case's own exceptions.

It shows billing only: nothing clinical, and a consultation reads like any other case.
"""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx

from practicerunner.billing.policy_state import CaseBillingState as C
from practicerunner.ui.components import (
    checkbox_field,
    field_error,
    form_error_banner,
    loading,
    not_found_panel,
    section,
    select_field,
    text_field,
    textarea_field,
)
from practicerunner.ui.layout import app_page

CASE_BILLING_PAGE = "/cases/[case_id]/billing"

KEEP_MODEL = [
    ("", "As the policy says"),
    ("per_session", "Pay per session"),
    ("pre_billed", "Pre-billed"),
    ("recurring_monthly", "Recurring monthly plan"),
]
KEEP_COLLECTION = [
    ("", "As the policy says"),
    ("auto_pay", "Auto-pay"),
    ("auto_invoice", "Auto-invoice"),
    ("manual", "Manual"),
]
STATUS_COLORS = {"open": "amber", "processing": "blue", "paid": "green", "void": "gray"}


def _table(
    headers: list[str], rows: rx.Var, render: Callable[[rx.Var], rx.Component], label: str
) -> rx.Component:
    return rx.el.table(
        rx.el.thead(rx.el.tr(*[rx.el.th(h, scope="col") for h in headers])),
        rx.el.tbody(rx.foreach(rows, render)),
        class_name="pr-table",
        aria_label=label,
    )


def _empty(text: str) -> rx.Component:
    return rx.text(text, size="2", color_scheme="gray")


def _rule() -> rx.Component:
    return section(
        "Which rule applies",
        rx.vstack(
            rx.text(C.summary, size="3", weight="medium", id="case-rule-summary"),
            rx.el.ul(
                rx.foreach(C.why, lambda w: rx.el.li(rx.text(w, size="2"))),
                id="case-rule-why",
                style={"margin": "0", "padding_left": "20px", "list_style": "disc"},
            ),
            rx.text("Policy: " + C.policy_label, size="2", color_scheme="gray"),
            spacing="2",
            width="100%",
        ),
        id="case-rule",
    )


def _method_item(m: rx.Var) -> rx.Component:
    return rx.el.li(
        rx.text(
            m["label"],
            rx.cond(m["note"] != "", rx.text.span(" — " + m["note"], color_scheme="gray")),
            size="2",
        )
    )


def _collection() -> rx.Component:
    return section(
        "Upcoming collection",
        rx.data_list.root(
            rx.data_list.item(rx.data_list.label("Billing", min_width="160px"), C.model),
            rx.data_list.item(
                rx.data_list.label("Collection", min_width="160px"),
                rx.data_list.value(C.collection + ": " + C.collection_note),
            ),
            rx.data_list.item(
                rx.data_list.label("Schedule", min_width="160px"),
                rx.data_list.value(
                    rx.text(
                        rx.text.span(C.schedule),
                        rx.text.span(" · next run " + C.next_run, color_scheme="gray"),
                    )
                ),
            ),
            rx.data_list.item(
                rx.data_list.label("Ways to pay", min_width="160px"),
                rx.data_list.value(
                    rx.el.ul(
                        rx.foreach(C.methods, _method_item),
                        id="case-methods",
                        style={"margin": "0", "padding_left": "0", "list_style": "none"},
                    )
                ),
            ),
        ),
        id="case-collection",
    )


def _payer_row(p: rx.Var) -> rx.Component:
    return rx.el.tr(
        rx.el.td(rx.link(p["name"], href=p["href"], aria_label="Account of " + p["name"])),
        rx.el.td(rx.text(p["share"], weight="medium")),
        rx.el.td(p["method"]),
    )


def _invoice_row(i: rx.Var) -> rx.Component:
    return rx.el.tr(
        rx.el.td(rx.text(i["number"], weight="medium")),
        rx.el.td(i["period"]),
        rx.el.td(i["payer"]),
        rx.el.td(i["total"], style={"text_align": "right"}),
        rx.el.td(
            rx.badge(
                i["status_label"],
                variant="soft",
                color_scheme=rx.match(
                    i["status"],
                    ("open", "amber"),
                    ("processing", "blue"),
                    ("paid", "green"),
                    "gray",
                ),
            )
        ),
    )


def _fee_row(f: rx.Var) -> rx.Component:
    return rx.el.tr(
        rx.el.td(f["day"]),
        rx.el.td(f["label"]),
        rx.el.td(f["amount"], style={"text_align": "right"}),
        rx.el.td(
            rx.cond(
                C.can_waive,
                rx.button(
                    "Waive",
                    size="1",
                    variant="soft",
                    on_click=C.waive(f["appointment_id"]),
                    aria_label="Waive the " + f["label"] + " of " + f["day"],
                ),
            ),
            style={"text_align": "right"},
        ),
    )


def _exceptions_form() -> rx.Component:
    e, v = C.errors, C.arrangement
    return rx.form(
        rx.vstack(
            form_error_banner(e),
            rx.grid(
                select_field("Billing model", "model", KEEP_MODEL, e, default_value=v["model"]),
                select_field(
                    "Collection", "collection", KEEP_COLLECTION, e, default_value=v["collection"]
                ),
                columns=rx.breakpoints(initial="1", md="2"),
                spacing="4",
                width="100%",
            ),
            rx.el.fieldset(
                rx.el.legend(rx.text("Own payment methods (none ticked: the policy's)", size="2")),
                rx.hstack(
                    checkbox_field(
                        "Card", "method_card", default_checked=v["method_card"] == "yes"
                    ),
                    checkbox_field(
                        "Bank transfer", "method_bank", default_checked=v["method_bank"] == "yes"
                    ),
                    checkbox_field(
                        "Check or cash",
                        "method_manual",
                        default_checked=v["method_manual"] == "yes",
                    ),
                    spacing="5",
                    padding_top="6px",
                ),
                field_error(e, "methods"),
                style={"border": "none", "padding": "0", "margin": "0"},
            ),
            checkbox_field(
                "Exception to “bank transfers only”",
                "bank_only_exception",
                default_checked=v["bank_only_exception"] == "yes",
                hint="Where the policy accepts only bank transfers, this client may also pay "
                "by card.",
            ),
            rx.grid(
                text_field(
                    "Case session fee (dollars)",
                    "fee",
                    e,
                    default_value=v["fee"],
                    input_mode="decimal",
                    placeholder="Listed fee",
                    hint="A sliding-scale fee for this case; empty uses the listed fee.",
                ),
                columns=rx.breakpoints(initial="1", md="2"),
                width="100%",
            ),
            textarea_field(
                "Note for staff",
                "note",
                e,
                default_value=v["note"],
                hint="Why this case differs. Billing only: no clinical details.",
                rows="2",
            ),
            rx.hstack(
                rx.button("Save this case's billing", type="submit"),
                justify="end",
                width="100%",
            ),
            spacing="4",
            width="100%",
        ),
        on_submit=C.save_arrangement,
        key="arrangement-" + C.rev.to_string(),
        width="100%",
    )


def _exceptions() -> rx.Component:
    return section(
        "This case's exceptions",
        rx.cond(
            C.can_settings,
            _exceptions_form(),
            rx.cond(
                C.exceptions.length() > 0,
                rx.el.ul(rx.foreach(C.exceptions, lambda x: rx.el.li(rx.text(x, size="2")))),
                _empty("None: the policy applies as it is."),
            ),
        ),
        id="case-exceptions",
    )


def _tabs() -> rx.Component:
    case_href = "/cases/" + C.case_id.to_string()
    return rx.el.nav(
        rx.hstack(
            rx.link("Overview", href=case_href, size="2", color_scheme="gray"),
            rx.text(
                "Billing",
                size="2",
                weight="medium",
                aria_current="page",
                style={
                    "border_bottom": f"2px solid {rx.color('teal', 9)}",
                    "padding_bottom": "4px",
                },
            ),
            spacing="5",
            align="end",
        ),
        aria_label="Case sections",
        style={"border_bottom": f"1px solid {rx.color('gray', 5)}", "width": "100%"},
    )


@app_page(CASE_BILLING_PAGE, "Case billing", on_load=C.load)
def case_billing() -> rx.Component:
    return rx.cond(
        C.loaded,
        rx.cond(
            C.not_found,
            not_found_panel("case"),
            rx.vstack(
                rx.vstack(
                    rx.heading(C.title, size="6", weight="medium", as_="h1"),
                    rx.hstack(
                        rx.badge(C.kind_label, variant="soft", color_scheme="teal", size="2"),
                        rx.text("Billing", size="2", color_scheme="gray"),
                        spacing="3",
                        align="center",
                    ),
                    spacing="2",
                ),
                _tabs(),
                _rule(),
                _collection(),
                section(
                    "Who pays",
                    _table(["Payer", "Share", "Payment method"], C.payers, _payer_row, "Who pays"),
                    id="case-payers",
                ),
                section(
                    "Invoices",
                    rx.cond(
                        C.invoices.length() > 0,
                        _table(
                            ["Number", "Period", "Payer", "Total", "Status"],
                            C.invoices,
                            _invoice_row,
                            "Invoices",
                        ),
                        _empty("No invoices yet."),
                    ),
                    id="case-invoices",
                ),
                section(
                    "Missed-session fees not yet invoiced",
                    rx.cond(
                        C.fees.length() > 0,
                        _table(["Date", "Fee", "Amount", ""], C.fees, _fee_row, "Missed fees"),
                        _empty("None."),
                    ),
                    id="case-fees",
                ),
                _exceptions(),
                spacing="5",
                width="100%",
            ),
        ),
        loading(),
    )
