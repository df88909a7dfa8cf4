"""The new-client and edit-client forms, with the possible-duplicate warning."""

from __future__ import annotations

from typing import Any

import reflex as rx

from practicerunner.clients.pages.display import muted
from practicerunner.clients.pages.form_fields import address_fields, grid, reach_fields
from practicerunner.clients.pages.routes import CLIENT_EDIT
from practicerunner.clients.service import STATUS_LABELS
from practicerunner.clients.state import ClientEditState, ClientNewState
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
from practicerunner.ui.routes import CLIENT_NEW, CLIENTS

STATUS_CHOICES = [(value, label) for value, label in STATUS_LABELS.items()]


def _duplicate_panel(s: Any) -> rx.Component:
    return rx.cond(
        s.duplicates.length() > 0,  # type: ignore[attr-defined]
        rx.callout.root(
            rx.callout.icon(rx.icon("users")),
            rx.vstack(
                rx.text("This may be someone who is already a client.", weight="medium"),
                rx.el.ul(
                    rx.foreach(
                        s.duplicates,
                        lambda d: rx.el.li(
                            rx.text(d["message"], as_="span"),
                            rx.cond(
                                d["href"] != "",
                                rx.link(" Open their profile", href=d["href"], is_external=True),
                            ),
                        ),
                    ),
                    style={"margin": "0", "padding_left": "18px"},
                ),
                rx.text(
                    "Check before saving. If this is a different person, save anyway.", size="2"
                ),
                rx.hstack(
                    rx.button(
                        "Save anyway",
                        on_click=s.save_anyway,
                        loading=s.saving,
                        color_scheme="amber",
                    ),
                    rx.button(
                        "Cancel", on_click=s.dismiss_duplicates, variant="soft", color_scheme="gray"
                    ),
                    spacing="3",
                ),
                spacing="3",
            ),
            color_scheme="amber",
            role="alert",
            id="duplicate-warning",
            width="100%",
        ),
    )


def _client_form(s: Any, submit_label: str, cancel_href: Any) -> rx.Component:
    e, v = s.errors, s.values
    clinician_options = rx.cond(
        s.can_assign_anyone,
        rx.Var.create([["", "Not assigned yet"]]) + s.clinician_options,  # type: ignore[operator]
        s.clinician_options,
    )
    return rx.form(
        rx.vstack(
            form_error_banner(e),
            _duplicate_panel(s),
            section(
                "Name",
                grid(
                    text_field(
                        "Legal first name",
                        "legal_first_name",
                        e,
                        required=True,
                        default_value=v["legal_first_name"],
                        auto_focus=True,
                    ),
                    text_field(
                        "Legal last name",
                        "legal_last_name",
                        e,
                        required=True,
                        default_value=v["legal_last_name"],
                    ),
                    text_field(
                        "Preferred name",
                        "preferred_name",
                        e,
                        default_value=v["preferred_name"],
                        hint="Shown in lists when given",
                    ),
                    text_field(
                        "Pronouns",
                        "pronouns",
                        e,
                        default_value=v["pronouns"],
                        placeholder="e.g. she/her",
                    ),
                ),
            ),
            section(
                "Birth and contact details",
                grid(
                    text_field(
                        "Date of birth",
                        "date_of_birth",
                        e,
                        type="date",
                        required=True,
                        default_value=v["date_of_birth"],
                    ),
                    rx.box(),
                    *reach_fields(e, v),
                ),
            ),
            section("Address", grid(*address_fields(e, v))),
            section(
                "Care",
                grid(
                    select_field(
                        "Status",
                        "status",
                        STATUS_CHOICES,
                        e,
                        required=True,
                        default_value=v["status"],
                    ),
                    rx.vstack(
                        select_field(
                            "Clinician",
                            "clinician_id",
                            clinician_options,
                            e,
                            default_value=v["clinician_id"],
                        ),
                        rx.cond(~s.can_assign_anyone, muted("New clients join your caseload.")),
                        spacing="1",
                        width="100%",
                    ),
                ),
                rx.box(
                    checkbox_field(
                        "Client portal access",
                        "portal_access",
                        default_checked=v["portal_access"] == "on",
                        hint="Needs an email address. The client can then sign in to the portal.",
                    ),
                    field_error(e, "portal_access"),
                    padding_top="16px",
                ),
                rx.box(
                    checkbox_field(
                        "No appointment reminders",
                        "reminders_opt_out",
                        default_checked=v["reminders_opt_out"] == "on",
                        hint="The client asked not to be reminded before sessions. "
                        "Confirmations and cancellation notices still go out.",
                    ),
                ),
            ),
            rx.hstack(
                rx.button(submit_label, type="submit", size="3", loading=s.saving),
                link_button("Cancel", cancel_href, variant="soft", color_scheme="gray", size="3"),
                spacing="3",
            ),
            spacing="4",
            width="100%",
        ),
        on_submit=s.submit,
        key=s.rev,
        no_validate=True,  # the server's messages, beside each field, are the ones shown
        width="100%",
    )


@app_page(CLIENT_NEW, "New client", on_load=ClientNewState.load)
def client_new() -> rx.Component:
    s: Any = ClientNewState
    return rx.vstack(
        page_header("New client", "Fields marked * are required."),
        rx.cond(
            s.loaded,
            rx.cond(
                s.denied,
                rx.callout("You cannot add clients.", icon="info", width="100%"),
                _client_form(s, "Save client", CLIENTS),
            ),
            loading(),
        ),
        width="100%",
    )


@app_page(CLIENT_EDIT, "Edit client", on_load=ClientEditState.load)
def client_edit() -> rx.Component:
    s: Any = ClientEditState
    back = "/clients/" + s.record_id.to_string()  # type: ignore[attr-defined]
    return rx.cond(
        s.loaded,
        rx.cond(
            s.not_found,
            not_found_panel("client"),
            rx.vstack(
                page_header("Edit " + s.display_name, "Fields marked * are required."),
                rx.cond(
                    s.denied,
                    rx.callout(
                        "You can view this client but not change their details.",
                        icon="info",
                        width="100%",
                    ),
                    _client_form(s, "Save changes", back),
                ),
                width="100%",
            ),
        ),
        loading(),
    )
