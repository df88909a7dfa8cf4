"""Adding or editing a contact of a client."""

from __future__ import annotations

from typing import Any

import reflex as rx

from practicerunner.clients.models import ContactRelationship
from practicerunner.clients.pages.form_fields import address_fields, grid, reach_fields
from practicerunner.clients.pages.routes import CONTACT_EDIT, CONTACT_NEW
from practicerunner.clients.service import RELATIONSHIP_LABELS
from practicerunner.clients.state import ContactFormState
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

RELATIONSHIP_CHOICES = [("", "Choose…")] + [
    (r.value, RELATIONSHIP_LABELS[r]) for r in ContactRelationship
]


def _contact_form() -> rx.Component:
    s: Any = ContactFormState
    e, v = s.errors, s.values
    back = "/clients/" + s.record_id.to_string()  # type: ignore[attr-defined]
    return rx.form(
        rx.vstack(
            form_error_banner(e),
            section(
                "Contact",
                grid(
                    select_field(
                        "Relationship",
                        "relationship",
                        RELATIONSHIP_CHOICES,
                        e,
                        required=True,
                        default_value=v["relationship"],
                    ),
                    rx.box(),
                    text_field(
                        "First name", "first_name", e, required=True, default_value=v["first_name"]
                    ),
                    text_field(
                        "Last name", "last_name", e, required=True, default_value=v["last_name"]
                    ),
                    *reach_fields(e, v),
                ),
            ),
            section("Address", grid(*address_fields(e, v))),
            rx.box(
                checkbox_field(
                    "Client portal access",
                    "portal_access",
                    default_checked=v["portal_access"] == "on",
                    hint="For a billing contact or guardian; needs an email.",
                ),
                field_error(e, "portal_access"),
            ),
            rx.hstack(
                rx.button("Save contact", type="submit", size="3", loading=s.saving),
                link_button("Cancel", back, variant="soft", color_scheme="gray", size="3"),
                spacing="3",
            ),
            spacing="4",
            width="100%",
        ),
        on_submit=s.submit,
        key=s.rev,
        no_validate=True,
        width="100%",
    )


def _contact_page() -> rx.Component:
    s: Any = ContactFormState
    return rx.cond(
        s.loaded,
        rx.cond(
            s.not_found,
            not_found_panel("contact"),
            rx.vstack(
                page_header(
                    rx.cond(s.contact > 0, "Edit contact", "Add a contact"),
                    "For " + s.client_name + " · billing contact, guardian or emergency contact",
                ),
                rx.cond(
                    s.denied,
                    rx.callout(
                        "You can view this client but not change their contacts.",
                        icon="info",
                        width="100%",
                    ),
                    _contact_form(),
                ),
                width="100%",
            ),
        ),
        loading(),
    )


@app_page(CONTACT_NEW, "Add contact", on_load=ContactFormState.load)
def contact_new() -> rx.Component:
    return _contact_page()


@app_page(CONTACT_EDIT, "Edit contact", on_load=ContactFormState.load)
def contact_edit() -> rx.Component:
    return _contact_page()
