# mypy: disable-error-code="index, operator, arg-type, attr-defined, union-attr, call-overload"
"""Billing policies: the overview per scope (/settings/billing) and a scope's editor with its
preview of which enrolled cases change (/settings/billing/<scope>).

Importing this module also registers the case's billing tab (case_billing_pages).
"""

# Reflex state attributes are Vars at class level but typed as their Python values: mypy
# cannot follow them, so those codes are off for this module's component code.

from __future__ import annotations

from typing import Any

import reflex as rx

from practicerunner.billing import case_billing_pages  # noqa: F401  (registers the case tab)
from practicerunner.billing.policy_state import PolicyEditorState as E
from practicerunner.billing.policy_state import PolicyOverviewState as O
from practicerunner.ui.components import (
    checkbox_field,
    field_error,
    form_error_banner,
    link_button,
    loading,
    not_found_panel,
    page_header,
    section,
    select_field,
    text_field,
)
from practicerunner.ui.layout import app_page
from practicerunner.ui.routes import SETTINGS_BILLING

EDITOR_PAGE = "/settings/billing/[scope]"

MODELS = [
    ("per_session", "Pay per session"),
    ("pre_billed", "Pre-billed (sessions paid ahead)"),
    ("recurring_monthly", "Recurring monthly plan"),
]
FREQUENCIES = [("daily", "Daily"), ("weekly", "Weekly"), ("monthly", "Monthly")]
WEEKDAYS = [
    (str(i), d)
    for i, d in enumerate(
        ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    )
]
MONTH_DAY_MODES = [("day", "On day"), ("last", "On the last day of the month")]
COLLECTIONS = [
    ("auto_pay", "Auto-pay: charge the saved card or bank account"),
    ("auto_invoice", "Auto-invoice: email the invoice with a link to pay"),
    ("manual", "Manual: staff send invoices and record payments"),
]
DISCOUNT_KINDS = [("none", "No discount"), ("amount", "Amount ($)"), ("percent", "Percent (%)")]
FEE_KINDS = [("none", "No fee"), ("amount", "Amount ($)"), ("percent", "Percent of fee (%)")]

# Show the fields that belong to the chosen options, without a round trip.
_FREQ = "select[name='frequency'] option[value='{}']:checked"
FORM_STYLE: dict[str, Any] = {
    f"&:not(:has({_FREQ.format('weekly')})) .pr-weekly-only": {"display": "none"},
    f"&:not(:has({_FREQ.format('monthly')})) .pr-monthly-only": {"display": "none"},
    "&:has(select[name='month_day_mode'] option[value='last']:checked) .pr-day-number": {
        "display": "none"
    },
    "&:not(:has(select[name='model'] option[value='recurring_monthly']:checked)) .pr-plan-only": {
        "display": "none"
    },
    ".pr-adj:has(select option[value='none']:checked) .pr-adj-value": {"display": "none"},
}


# ---- the overview ----------------------------------------------------------------------------


def _scope_card(row: rx.Var) -> rx.Component:
    return rx.el.article(
        rx.hstack(
            rx.vstack(
                rx.hstack(
                    rx.badge(row["kind"], variant="soft", color_scheme="teal"),
                    rx.heading(row["name"], size="4", weight="medium", as_="h2"),
                    rx.text(row["version"], size="2", color_scheme="gray"),
                    spacing="3",
                    align="center",
                ),
                rx.text(row["summary"], size="3", class_name="pr-policy-summary"),
                rx.cond(
                    row["details"] != "",
                    rx.text(row["details"], size="2", color_scheme="gray"),
                ),
                rx.text(row["enrolled"], size="2", class_name="pr-policy-enrolled"),
                spacing="2",
                align="start",
            ),
            rx.spacer(),
            link_button(
                "Edit policy",
                row["href"],
                "pencil",
                variant="soft",
                aria_label="Edit the policy for " + row["name"],
            ),
            width="100%",
            align="start",
        ),
        data_scope=row["key"],
        class_name="pr-policy-card",
        style={
            "border": f"1px solid {rx.color('gray', 5)}",
            "border_radius": "10px",
            "padding": "18px 22px",
            "background": rx.color("gray", 1),
            "width": "100%",
        },
    )


def _add_scope() -> rx.Component:
    return section(
        "Add a policy for…",
        rx.text(
            "A location, clinician or service can bill differently from the practice. "
            "The new policy starts from the rules that cover it today.",
            size="2",
            color_scheme="gray",
            padding_bottom="12px",
        ),
        rx.cond(
            O.choices.length() > 0,
            rx.form(
                rx.hstack(
                    rx.el.label(
                        rx.text("Location, clinician or service", size="2", weight="medium"),
                        html_for="scope",
                        style={"position": "absolute", "left": "-9999px"},
                    ),
                    rx.el.select(
                        rx.foreach(O.choices, lambda c: rx.el.option(c[1], value=c[0])),
                        id="scope",
                        name="scope",
                        class_name="pr-select",
                        aria_label="Location, clinician or service",
                        style={"min_width": "320px"},
                    ),
                    rx.button(rx.icon("plus", size=16), "Add policy", type="submit"),
                    spacing="3",
                    align="center",
                ),
                on_submit=O.add_scope,
            ),
            rx.text("Every location, clinician and service has its own policy.", size="2"),
        ),
    )


@app_page(SETTINGS_BILLING, "Billing policies", on_load=O.load)
def billing_policies() -> rx.Component:
    return rx.cond(
        O.loaded,
        rx.cond(
            O.denied,
            not_found_panel("page"),
            rx.vstack(
                page_header(
                    "Billing policies",
                    "How and when clients are billed. The most specific policy wins: "
                    "a service's, then a clinician's, then a location's, then the practice's.",
                ),
                rx.vstack(
                    rx.foreach(O.rows, _scope_card),
                    spacing="3",
                    width="100%",
                    id="policy-scopes",
                ),
                _add_scope(),
                spacing="5",
                width="100%",
            ),
        ),
        loading(),
    )


# ---- the editor ------------------------------------------------------------------------------


def _grid(*children: rx.Component, columns: str = "2") -> rx.Component:
    return rx.grid(
        *children, columns=rx.breakpoints(initial="1", md=columns), spacing="4", width="100%"
    )


def _adjustment(label: str, name: str, kinds: list[tuple[str, str]], hint: str) -> rx.Component:
    """A kind select and a value box for a discount or fee; its message sits beside both."""
    v = E.values
    return rx.vstack(
        rx.el.label(rx.text(label, size="2", weight="medium"), html_for=name),
        rx.hstack(
            rx.el.select(
                *[rx.el.option(text, value=value) for value, text in kinds],
                name=f"{name}_kind",
                default_value=v[f"{name}_kind"],
                aria_label=f"{label}: kind",
                class_name="pr-select",
            ),
            rx.box(
                rx.input(
                    id=name,
                    name=name,
                    default_value=v[name],
                    input_mode="decimal",
                    placeholder="5 or 10.00",
                    aria_invalid=rx.cond(E.errors.contains(name), "true", "false"),
                    aria_describedby=f"{name}-error",
                    width="140px",
                ),
                class_name="pr-adj-value",
            ),
            spacing="2",
            align="center",
        ),
        rx.text(hint, size="1", color_scheme="gray"),
        field_error(E.errors, name),
        spacing="1",
        width="100%",
        class_name="pr-adj",
    )


def _costs() -> rx.Component:
    return rx.box(
        rx.text(
            "What each way of paying costs the practice: ",
            rx.el.strong(E.cost_sentence),
            size="2",
            id="cost-sentence",
        ),
        rx.el.table(
            rx.el.thead(
                rx.el.tr(
                    rx.el.th("Method", scope="col"),
                    rx.el.th("Payer pays", scope="col"),
                    rx.el.th("Discount from the listed fee", scope="col"),
                    rx.el.th("Processing costs you", scope="col"),
                )
            ),
            rx.el.tbody(
                rx.foreach(
                    E.cost_lines,
                    lambda c: rx.el.tr(
                        rx.el.td(c["label"]),
                        rx.el.td(c["payer_pays"]),
                        rx.el.td(rx.cond(c["discount"] != "", c["discount"], "—")),
                        rx.el.td(c["cost"]),
                    ),
                )
            ),
            class_name="pr-table",
            aria_label="Cost per payment method",
        ),
        rx.text(
            "Payers see the same explanation wherever they choose how to pay. A discount always "
            "comes off the listed fee; a card never costs the payer extra.",
            size="1",
            color_scheme="gray",
        ),
        padding="14px 16px",
        border_radius="8px",
        background=rx.color("teal", 2),
        border=f"1px solid {rx.color('teal', 5)}",
        width="100%",
    )


def _methods() -> rx.Component:
    v = E.values
    return rx.vstack(
        rx.el.fieldset(
            rx.el.legend(rx.text("Allowed ways to pay", size="2", weight="medium")),
            rx.hstack(
                checkbox_field("Card", "method_card", default_checked=v["method_card"] == "yes"),
                checkbox_field(
                    "Bank transfer (ACH)", "method_bank", default_checked=v["method_bank"] == "yes"
                ),
                checkbox_field(
                    "Check or cash (recorded by staff)",
                    "method_manual",
                    default_checked=v["method_manual"] == "yes",
                ),
                spacing="5",
                padding_top="6px",
            ),
            field_error(E.errors, "methods"),
            style={"border": "none", "padding": "0", "margin": "0"},
        ),
        checkbox_field(
            "Bank transfers only",
            "bank_only",
            default_checked=v["bank_only"] == "yes",
            hint="Payers here can pay only by bank transfer. Exceptions for one client are set "
            "on that client's case, on its Billing tab.",
        ),
        _costs(),
        spacing="4",
        width="100%",
    )


def _applies_to() -> rx.Component:
    v = E.values

    def radio(value: str, label: str, hint: str) -> rx.Component:
        return rx.el.label(
            rx.hstack(
                rx.el.input(
                    type="radio",
                    name="applies_to",
                    value=value,
                    default_checked=v["applies_to"] == value,
                    class_name="pr-checkbox",
                ),
                rx.vstack(
                    rx.text(label, size="2", weight="medium"),
                    rx.text(hint, size="1", color_scheme="gray"),
                    spacing="0",
                ),
                spacing="2",
                align="start",
            ),
        )

    return rx.el.fieldset(
        rx.el.legend(rx.text("Apply to", size="2", weight="medium")),
        rx.vstack(
            radio(
                "new",
                "New clients only",
                "Cases already enrolled keep their current rules until you move them.",
            ),
            radio(
                "all",
                "All clients",
                "Every case enrolled on this policy moves to the new version.",
            ),
            spacing="2",
            padding_top="6px",
        ),
        field_error(E.errors, "applies_to"),
        style={"border": "none", "padding": "0", "margin": "0"},
    )


def _policy_form() -> rx.Component:
    e, v = E.errors, E.values
    return rx.form(
        rx.el.fieldset(
            rx.vstack(
                form_error_banner(e),
                section(
                    "Billing and schedule",
                    _grid(
                        select_field("Billing model", "model", MODELS, e, default_value=v["model"]),
                        select_field(
                            "Collection",
                            "collection",
                            COLLECTIONS,
                            e,
                            default_value=v["collection"],
                        ),
                        select_field(
                            "Billing runs",
                            "frequency",
                            FREQUENCIES,
                            e,
                            default_value=v["frequency"],
                        ),
                        rx.box(
                            select_field(
                                "On",
                                "weekday",
                                WEEKDAYS,
                                e,
                                default_value=v["weekday"],
                            ),
                            class_name="pr-weekly-only",
                        ),
                        rx.hstack(
                            select_field(
                                "Day of the month",
                                "month_day_mode",
                                MONTH_DAY_MODES,
                                e,
                                default_value=v["month_day_mode"],
                            ),
                            rx.box(
                                text_field(
                                    "Day (1–31)",
                                    "month_day",
                                    e,
                                    default_value=v["month_day"],
                                    input_mode="numeric",
                                    placeholder="1",
                                ),
                                class_name="pr-day-number",
                            ),
                            spacing="3",
                            align="start",
                            class_name="pr-monthly-only",
                        ),
                    ),
                    rx.box(
                        _grid(
                            text_field(
                                "Monthly plan amount (dollars)",
                                "monthly_amount",
                                e,
                                default_value=v["monthly_amount"],
                                input_mode="decimal",
                                placeholder="560.00",
                            ),
                            text_field(
                                "Sessions the plan covers each month",
                                "monthly_sessions",
                                e,
                                default_value=v["monthly_sessions"],
                                input_mode="numeric",
                                placeholder="4",
                            ),
                        ),
                        class_name="pr-plan-only",
                        padding_top="16px",
                        width="100%",
                    ),
                ),
                section("Ways to pay", _methods()),
                section(
                    "Discounts and missed-session fees",
                    _grid(
                        _adjustment(
                            "Bank transfer discount",
                            "bank_discount",
                            DISCOUNT_KINDS,
                            "A discount from the listed fee, per session, for paying by bank.",
                        ),
                        _adjustment(
                            "Manual payment discount",
                            "manual_discount",
                            DISCOUNT_KINDS,
                            "A discount from the listed fee, per session, for check or cash.",
                        ),
                        _adjustment(
                            "No-show fee",
                            "no_show_fee",
                            FEE_KINDS,
                            "Charged when a client misses a session without notice.",
                        ),
                        _adjustment(
                            "Late-cancel fee",
                            "late_cancel_fee",
                            FEE_KINDS,
                            "Charged for a cancellation inside the practice's notice period.",
                        ),
                    ),
                    rx.box(
                        checkbox_field(
                            "Refund credits instead of carrying them forward",
                            "refund_credits",
                            default_checked=v["refund_credits"] == "yes",
                            hint="Pre-billed only: a session cancelled in time becomes a credit.",
                        ),
                        padding_top="16px",
                    ),
                ),
                section("Who this change applies to", _applies_to()),
                rx.hstack(
                    rx.spacer(),
                    rx.cond(
                        ~E.previewing,
                        rx.button(
                            rx.icon("list-checks", size=16), "Preview changes", type="submit"
                        ),
                    ),
                    width="100%",
                ),
                spacing="4",
                width="100%",
            ),
            disabled=E.previewing,
            style={"border": "none", "padding": "0", "margin": "0", "min_width": "0"},
        ),
        on_submit=E.preview,
        key="policy-form-" + E.rev.to_string(),
        style=FORM_STYLE,
        width="100%",
    )


def _preview_row(row: rx.Var) -> rx.Component:
    return rx.el.tr(
        rx.el.td(rx.link(row["title"], href=row["href"], weight="medium")),
        rx.el.td(
            rx.foreach(
                row["changes"].to(list[str]),
                lambda c: rx.text(c, size="2"),
            ),
        ),
    )


def _preview() -> rx.Component:
    return rx.cond(
        E.previewing,
        rx.el.section(
            rx.vstack(
                rx.heading("Preview: what saving changes", size="4", weight="medium", as_="h2"),
                rx.cond(
                    E.preview_rows.length() > 0,
                    rx.vstack(
                        rx.text(
                            E.preview_rows.length().to_string() + " enrolled cases will change:",
                            size="2",
                            weight="medium",
                        ),
                        rx.el.table(
                            rx.el.thead(
                                rx.el.tr(
                                    rx.el.th("Case", scope="col"),
                                    rx.el.th("What changes", scope="col"),
                                )
                            ),
                            rx.el.tbody(rx.foreach(E.preview_rows, _preview_row)),
                            class_name="pr-table",
                            aria_label="Cases that change",
                            id="preview-cases",
                        ),
                        spacing="2",
                        width="100%",
                    ),
                    rx.callout(E.preview_note, icon="info", color_scheme="teal", id="preview-note"),
                ),
                rx.text("Nothing is saved until you press Save.", size="2", color_scheme="gray"),
                rx.hstack(
                    rx.button(
                        "Back to editing",
                        variant="soft",
                        color_scheme="gray",
                        on_click=E.back_to_editing,
                    ),
                    rx.button(
                        rx.icon("check", size=16),
                        "Save version " + (E.version + 1).to_string(),
                        on_click=E.save,
                    ),
                    spacing="3",
                    justify="end",
                    width="100%",
                ),
                spacing="3",
                width="100%",
            ),
            id="policy-preview",
            aria_label="Preview of changes",
            style={
                "border": f"2px solid {rx.color('teal', 7)}",
                "border_radius": "10px",
                "padding": "20px 24px",
                "background": rx.color("teal", 2),
                "width": "100%",
            },
        ),
    )


def _older_row(row: rx.Var) -> rx.Component:
    name = "move_" + row["case_id"]
    return rx.el.tr(
        rx.el.td(
            rx.el.input(
                type="checkbox",
                name=name,
                id=name,
                class_name="pr-checkbox",
                aria_label="Move " + row["title"],
            )
        ),
        rx.el.td(rx.link(row["title"], href=row["href"])),
        rx.el.td("Version " + row["version"]),
    )


def _bulk_move() -> rx.Component:
    return rx.cond(
        E.older.length() > 0,
        section(
            "Cases on older versions",
            rx.text(
                "These cases kept the rules they enrolled under. Tick the ones to move to "
                "the current version.",
                size="2",
                color_scheme="gray",
                padding_bottom="8px",
            ),
            rx.form(
                rx.vstack(
                    rx.el.table(
                        rx.el.thead(
                            rx.el.tr(
                                rx.el.th("Move", scope="col"),
                                rx.el.th("Case", scope="col"),
                                rx.el.th("Enrolled on", scope="col"),
                            )
                        ),
                        rx.el.tbody(rx.foreach(E.older, _older_row)),
                        class_name="pr-table",
                        aria_label="Cases on older versions",
                    ),
                    rx.cond(
                        E.move_error != "",
                        rx.text(E.move_error, role="alert", size="1", color=rx.color("red", 11)),
                    ),
                    rx.hstack(
                        rx.button(
                            "Move these cases to version " + E.version.to_string(),
                            type="submit",
                            variant="soft",
                        ),
                        justify="end",
                        width="100%",
                    ),
                    spacing="3",
                    width="100%",
                ),
                on_submit=E.move_cases,
                key="move-form-" + E.rev.to_string(),
            ),
            id="older-cases",
        ),
    )


@app_page(EDITOR_PAGE, "Billing policy", on_load=E.load)
def billing_policy_editor() -> rx.Component:
    subtitle = rx.cond(
        E.saved,
        "Version "
        + E.version.to_string()
        + " is current: "
        + E.summary
        + " Saving writes a new version.",
        "No policy of its own yet; it follows: " + E.summary,
    )
    return rx.cond(
        E.loaded,
        rx.cond(
            E.not_found,
            not_found_panel("billing policy", ("Back to billing policies", SETTINGS_BILLING)),
            rx.vstack(
                rx.link(
                    rx.hstack(rx.icon("arrow-left", size=14), "Billing policies", spacing="1"),
                    href=SETTINGS_BILLING,
                    size="2",
                ),
                page_header("Billing policy: " + E.name, subtitle),
                _policy_form(),
                _preview(),
                _bulk_move(),
                spacing="4",
                width="100%",
            ),
        ),
        loading(),
    )
