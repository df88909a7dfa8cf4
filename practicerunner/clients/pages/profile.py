"""The client profile: details, contacts and cases."""

from __future__ import annotations

from typing import Any

import reflex as rx

from practicerunner.clients.pages.display import muted, or_dash, status_badge
from practicerunner.clients.pages.routes import CLIENT_PAGE
from practicerunner.clients.state import ClientProfileState
from practicerunner.ui.components import (
    detail_row,
    link_button,
    loading,
    not_found_panel,
    page_header,
    section,
)
from practicerunner.ui.layout import app_page
from practicerunner.ui.routes import CASE_NEW, CLIENTS

# Typed as Any: mypy cannot see that Reflex turns state attributes and handlers into Vars.
_PROFILE: Any = ClientProfileState


def _contact_row(c: Any) -> rx.Component:
    s: Any = ClientProfileState
    base = "/clients/" + s.record_id.to_string() + "/contacts/"  # type: ignore[attr-defined]
    return rx.table.row(
        rx.table.row_header_cell(
            rx.text(c["name"], weight="medium"), muted(c["relationship_label"])
        ),
        rx.table.cell(or_dash(c["email"])),
        rx.table.cell(or_dash(c["phone"]), white_space="nowrap"),
        rx.table.cell(or_dash(c["address"])),
        rx.table.cell(rx.cond(c["portal_access"] == "on", "Yes", muted("No"))),
        rx.table.cell(
            rx.cond(
                s.can_edit_contacts,
                rx.hstack(
                    link_button(
                        "Edit",
                        base + c["id"],
                        variant="soft",
                        size="1",
                        aria_label="Edit " + c["name"],
                    ),
                    _remove_contact(c),
                    spacing="2",
                ),
            ),
        ),
        align="center",
    )


def _remove_contact(c: Any) -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button(
                "Remove",
                size="1",
                variant="soft",
                color_scheme="gray",
                aria_label="Remove " + c["name"],
            ),
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Remove " + c["name"] + "?"),
            rx.alert_dialog.description(
                "They will no longer be listed as a contact, and any portal access ends. "
                "The record is kept in the history."
            ),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Keep", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button(
                        "Remove contact",
                        color_scheme="red",
                        on_click=_PROFILE.remove_contact(c["id"]),
                    ),
                ),
                spacing="3",
                justify="end",
                padding_top="16px",
            ),
        ),
    )


def _case_row(c: Any) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.link(c["title"], href="/cases/" + c["id"], weight="medium")),
        rx.table.cell(rx.text(c["kind"], text_transform="capitalize")),
        rx.table.cell(or_dash(c["clinician_name"])),
        rx.table.cell(rx.text(c["status"], text_transform="capitalize")),
        align="center",
    )


def _table(headers: list[str], rows: Any, row: Any, empty: str) -> rx.Component:
    return rx.cond(
        rows.length() > 0,  # type: ignore[attr-defined]
        rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in headers])),
            rx.table.body(rx.foreach(rows, row)),
            variant="ghost",
            width="100%",
        ),
        muted(empty),
    )


def _profile() -> rx.Component:
    s: Any = ClientProfileState
    c = s.client
    cid = s.record_id.to_string()  # type: ignore[attr-defined]
    return rx.vstack(
        page_header(
            rx.hstack(
                rx.text(c["display_name"]),
                status_badge(c["status"], c["status_label"]),
                align="center",
                spacing="3",
            ),
            rx.cond(c["pronouns"] != "", c["pronouns"], ""),
            rx.cond(
                s.can_edit,
                link_button("Edit details", "/clients/" + cid + "/edit", "pencil", variant="soft"),
            ),
        ),
        section(
            "Details",
            rx.data_list.root(
                detail_row("Legal name", c["legal_name"]),
                detail_row("Preferred name", or_dash(c["preferred_name"])),
                detail_row("Pronouns", or_dash(c["pronouns"])),
                detail_row("Date of birth", c["born"]),
                detail_row("Email", or_dash(c["email"])),
                detail_row("Phone", or_dash(c["phone"])),
                detail_row("Address", or_dash(c["address"])),
                detail_row(
                    "Clinician",
                    rx.cond(
                        c["clinician_name"] != "", c["clinician_name"], muted("Not assigned yet")
                    ),
                ),
                detail_row("Portal access", rx.cond(c["portal_access"] == "on", "Yes", "No")),
                orientation=rx.breakpoints(initial="vertical", sm="horizontal"),
            ),
        ),
        section(
            "Contacts",
            _table(
                ["Name", "Email", "Phone", "Address", "Portal", ""],
                s.contacts,
                _contact_row,
                "No billing contact, guardian or emergency contact yet.",
            ),
            action=rx.cond(
                s.can_edit_contacts,
                link_button(
                    "Add contact",
                    "/clients/" + cid + "/contacts/new",
                    "plus",
                    variant="soft",
                    size="2",
                ),
            ),
        ),
        section(
            "Cases",
            _table(
                ["Case", "Kind", "Clinician", "Status"],
                s.cases,
                _case_row,
                "No cases you can see yet.",
            ),
            action=rx.cond(
                s.can_create_case,
                link_button(
                    "New case", CASE_NEW + "?client=" + cid, "folder-plus", variant="soft", size="2"
                ),
            ),
        ),
        rx.link("← Back to clients", href=CLIENTS, size="2"),
        spacing="5",
        width="100%",
    )


@app_page(CLIENT_PAGE, "Client", on_load=ClientProfileState.load)
def client_profile() -> rx.Component:
    s: Any = ClientProfileState
    return rx.cond(s.loaded, rx.cond(s.not_found, not_found_panel("client"), _profile()), loading())
