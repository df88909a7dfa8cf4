"""The client list: search, filters, one page of results."""

from __future__ import annotations

from typing import Any

import reflex as rx

from practicerunner.clients.pages.display import muted, or_dash, status_badge
from practicerunner.clients.state import STATUS_FILTERS, ClientListState
from practicerunner.ui.components import link_button, loading, page_header, select_field, text_field
from practicerunner.ui.layout import app_page
from practicerunner.ui.routes import CLIENT_NEW, CLIENTS


def _search_form() -> rx.Component:
    s: Any = ClientListState
    no_errors: Any = rx.Var.create({})
    return rx.form(
        rx.hstack(
            rx.box(
                text_field(
                    "Search",
                    "q",
                    no_errors,
                    default_value=s.query,
                    type="search",
                    placeholder="Name, email or phone",
                ),
                flex="2",
            ),
            rx.box(
                select_field("Status", "status", STATUS_FILTERS, no_errors, default_value=s.status),
                flex="1",
            ),
            rx.cond(
                s.clinician_options.length() > 1,  # type: ignore[attr-defined]
                rx.box(
                    select_field(
                        "Clinician",
                        "clinician",
                        rx.Var.create([["", "All clinicians"]]) + s.clinician_options,  # type: ignore[operator]
                        no_errors,
                        default_value=s.clinician,
                    ),
                    flex="1",
                ),
            ),
            rx.button(rx.icon("search", size=16), "Search", type="submit"),
            rx.button(
                "Clear", type="button", variant="soft", color_scheme="gray", on_click=s.clear
            ),
            align="end",
            spacing="3",
            width="100%",
        ),
        on_submit=s.search,
        key=s.rev,
        role="search",
        width="100%",
    )


def _client_row(row: Any) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            rx.link(row["display_name"], href="/clients/" + row["id"], weight="medium"),
            rx.cond(
                row["display_name"] != row["legal_name"],
                rx.text("Legal name: ", row["legal_name"], size="1", color_scheme="gray"),
            ),
        ),
        rx.table.cell(row["born"]),
        rx.table.cell(or_dash(row["email"])),
        rx.table.cell(or_dash(row["phone"]), white_space="nowrap"),
        rx.table.cell(status_badge(row["status"], row["status_label"])),
        rx.table.cell(or_dash(row["clinician_name"])),
        align="center",
    )


def _pager() -> rx.Component:
    s: Any = ClientListState
    return rx.hstack(
        muted(
            rx.cond(
                s.total == 1,
                "1 client",
                s.total.to_string() + " clients",  # type: ignore[attr-defined]
            )
        ),
        rx.spacer(),
        rx.button(
            rx.icon("chevron-left", size=16),
            "Previous",
            variant="soft",
            color_scheme="gray",
            disabled=s.page <= 1,
            on_click=s.go_to_page(s.page - 1),
        ),
        rx.text("Page ", s.page, " of ", s.pages, size="2", id="page-of", aria_live="polite"),
        rx.button(
            "Next",
            rx.icon("chevron-right", size=16),
            variant="soft",
            color_scheme="gray",
            disabled=s.page >= s.pages,
            on_click=s.go_to_page(s.page + 1),
        ),
        align="center",
        spacing="3",
        width="100%",
        padding_top="12px",
    )


@app_page(CLIENTS, "Clients", on_load=ClientListState.load)
def client_list() -> rx.Component:
    s: Any = ClientListState
    headers = ("Name", "Date of birth", "Email", "Phone", "Status", "Clinician")
    return rx.vstack(
        page_header(
            "Clients",
            "Search by name, email or phone.",
            rx.cond(s.can_create, link_button("Add client", CLIENT_NEW, "user-plus")),
        ),
        _search_form(),
        rx.cond(
            s.loaded,
            rx.cond(
                s.total > 0,
                rx.vstack(
                    rx.table.root(
                        rx.table.header(
                            rx.table.row(*[rx.table.column_header_cell(h) for h in headers])
                        ),
                        rx.table.body(rx.foreach(s.rows, _client_row)),
                        variant="surface",
                        width="100%",
                    ),
                    _pager(),
                    width="100%",
                    spacing="0",
                ),
                rx.center(
                    muted("No clients match this search."),
                    padding_y="48px",
                    width="100%",
                    id="no-results",
                ),
            ),
            loading(),
        ),
        spacing="4",
        width="100%",
    )
