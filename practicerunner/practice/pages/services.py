"""Services and fees: a table, and a dialog to add or edit one."""

from __future__ import annotations

import reflex as rx

from practicerunner.practice.pages.widgets import (
    VISUALLY_HIDDEN,
    edit_dialog,
    gate,
    grid,
    row_actions,
    status_badge,
)
from practicerunner.practice.service import SERVICE_KINDS
from practicerunner.practice.state import ServicesState as S
from practicerunner.ui.components import page_header, select_field
from practicerunner.ui.components import text_field as field
from practicerunner.ui.layout import app_page
from practicerunner.ui.routes import SETTINGS_SERVICES


def _row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.text(row["name"], weight="medium")),
        rx.table.cell(row["kind_label"]),
        rx.table.cell(row["duration_minutes"] + " min"),
        rx.table.cell(row["fee_display"], text_align="right"),
        rx.table.cell(rx.cond(row["cpt_code"] != "", row["cpt_code"], "—")),
        rx.table.cell(status_badge(row["is_active"])),
        rx.table.cell(
            row_actions(
                S,
                row,
                deactivate="Retire",
                reactivate="Offer again",
                reactivate_aria=("Offer ", " again"),
            )
        ),
        align="center",
    )


def _table() -> rx.Component:
    return rx.table.root(
        rx.table.header(
            rx.table.row(
                rx.table.column_header_cell("Service"),
                rx.table.column_header_cell("Kind"),
                rx.table.column_header_cell("Duration"),
                rx.table.column_header_cell("Fee", text_align="right"),
                rx.table.column_header_cell("CPT code"),
                rx.table.column_header_cell("Status"),
                rx.table.column_header_cell(rx.el.span("Actions", style=VISUALLY_HIDDEN)),
            )
        ),
        rx.table.body(rx.foreach(S.rows, _row)),
        variant="surface",
        width="100%",
    )


def _dialog() -> rx.Component:
    e, val = S.errors, S.values
    return edit_dialog(
        S,
        field(
            "Name",
            "name",
            e,
            default_value=val["name"],
            required=True,
            placeholder="Individual therapy, 53 min",
        ),
        grid(
            select_field(
                "Kind",
                "kind",
                SERVICE_KINDS,
                e,
                default_value=val["kind"],
                required=True,
            ),
            field(
                "Duration (minutes)",
                "duration_minutes",
                e,
                default_value=val["duration_minutes"],
                type="number",
                min=5,
                max=480,
                required=True,
            ),
            field(
                "Fee (dollars)",
                "fee",
                e,
                default_value=val["fee"],
                required=True,
                input_mode="decimal",
                placeholder="160.00",
                pattern=r"\$?\s*[0-9][0-9,]*(\.[0-9]{1,2})?",
                title="Dollars and cents, like 160.00",
            ),
            field(
                "CPT code",
                "cpt_code",
                e,
                default_value=val["cpt_code"],
                placeholder="90837",
                max_length=5,
                pattern="[0-9]{4}[0-9FTUftu]",
                title="Five characters, like 90837",
                hint="Required for therapy; leave empty for a consultation.",
            ),
        ),
        noun="service",
        description="A new fee applies to sessions booked from now on.",
    )


@app_page(SETTINGS_SERVICES, "Services & fees", on_load=S.load)
def services() -> rx.Component:
    return gate(
        S,
        page_header(
            "Services & fees",
            "What clients book and what each session costs.",
            rx.button(rx.icon("plus", size=16), "Add service", on_click=S.open_new),
        ),
        _table(),
        _dialog(),
    )
