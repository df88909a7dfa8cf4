"""Locations: a table, and a dialog to add or edit one."""

from __future__ import annotations

import reflex as rx

from practicerunner.practice.pages.widgets import (
    HIDE_ADDRESS_FOR_TELEHEALTH,
    VISUALLY_HIDDEN,
    edit_dialog,
    gate,
    grid,
    row_actions,
    status_badge,
)
from practicerunner.practice.service import LOCATION_KINDS, PLACES_OF_SERVICE
from practicerunner.practice.state import LocationsState as S
from practicerunner.scheduling.availability_pages import rooms_button, rooms_dialog
from practicerunner.ui.components import page_header, select_field
from practicerunner.ui.components import text_field as field
from practicerunner.ui.layout import app_page
from practicerunner.ui.routes import SETTINGS_LOCATIONS


def _row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.text(row["name"], weight="medium")),
        rx.table.cell(row["kind_label"]),
        rx.table.cell(row["place_of_service_label"]),
        rx.table.cell(row["address"]),
        rx.table.cell(status_badge(row["is_active"])),
        rx.table.cell(
            rx.hstack(
                rooms_button(row),
                row_actions(S, row, deactivate="Deactivate", reactivate="Reactivate"),
                spacing="3",
                justify="end",
                align="center",
            )
        ),
        align="center",
    )


def _table() -> rx.Component:
    return rx.table.root(
        rx.table.header(
            rx.table.row(
                *[
                    rx.table.column_header_cell(h)
                    for h in ("Name", "Kind", "Place of service", "Address", "Status")
                ],
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
        field("Name", "name", e, default_value=val["name"], required=True),
        grid(
            select_field(
                "Kind",
                "kind",
                LOCATION_KINDS,
                e,
                default_value=val["kind"],
                required=True,
            ),
            select_field(
                "Place of service",
                "place_of_service",
                PLACES_OF_SERVICE,
                e,
                default_value=val["place_of_service"],
                required=True,
                hint="Telehealth: 02 or 10. Office: 11.",
            ),
        ),
        rx.vstack(
            field(
                "Street address",
                "address_line1",
                e,
                default_value=val["address_line1"],
            ),
            field("Address line 2", "address_line2", e, default_value=val["address_line2"]),
            grid(
                field("City", "city", e, default_value=val["city"]),
                grid(
                    field("State", "state", e, default_value=val["state"], max_length=2),
                    field("ZIP code", "postal_code", e, default_value=val["postal_code"]),
                ),
            ),
            class_name="pr-office-only",
            spacing="4",
            width="100%",
        ),
        noun="location",
        description="Offices need a street address for claims; telehealth needs none.",
        form_style=HIDE_ADDRESS_FOR_TELEHEALTH,
    )


@app_page(SETTINGS_LOCATIONS, "Locations", on_load=S.load)
def locations() -> rx.Component:
    return gate(
        S,
        page_header(
            "Locations",
            "Where sessions happen. The place-of-service code goes on every claim.",
            rx.button(rx.icon("plus", size=16), "Add location", on_click=S.open_new),
        ),
        _table(),
        _dialog(),
        rooms_dialog(),
    )
