"""Client pages: the list, the profile, the new and edit forms, and a contact's form."""

from __future__ import annotations

from typing import Any

import reflex as rx

from practicerunner.clients.models import ContactRelationship
from practicerunner.clients.service import RELATIONSHIP_LABELS, STATUS_LABELS
from practicerunner.clients.state import (
    STATUS_FILTERS,
    ClientEditState,
    ClientListState,
    ClientNewState,
    ClientProfileState,
    ContactFormState,
)
from practicerunner.ui.components import (
    checkbox_field,
    detail_row,
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
from practicerunner.ui.routes import CASE_NEW, CLIENT_NEW, CLIENTS

CLIENT_PAGE = CLIENTS + "/[client_id]"
CLIENT_EDIT = CLIENT_PAGE + "/edit"
CONTACT_NEW = CLIENT_PAGE + "/contacts/new"
CONTACT_EDIT = CLIENT_PAGE + "/contacts/[contact_id]"

# Typed as Any: mypy cannot see that Reflex turns state attributes and handlers into Vars.
_PROFILE: Any = ClientProfileState

STATUS_COLORS = {"prospective": "blue", "active": "teal", "discharged": "gray"}
STATUS_CHOICES = [(value, label) for value, label in STATUS_LABELS.items()]
RELATIONSHIP_CHOICES = [("", "Choose…")] + [
    (r.value, RELATIONSHIP_LABELS[r]) for r in ContactRelationship
]


def status_badge(status: Any, label: Any) -> rx.Component:
    return rx.badge(
        label,
        color_scheme=rx.match(status, *[(k, v) for k, v in STATUS_COLORS.items()], "gray"),  # type: ignore[arg-type]
        variant="soft",
        radius="full",
    )


def muted(text: Any) -> rx.Component:
    return rx.text(text, size="2", color_scheme="gray")


def or_dash(value: Any) -> rx.Component:
    return rx.cond(value != "", rx.text(value), muted("—"))


# ---------------------------------------------------------------- list


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


# ---------------------------------------------------------------- the client form


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


def _grid(*children: rx.Component) -> rx.Component:
    return rx.grid(
        *children, columns=rx.breakpoints(initial="1", md="2"), spacing="4", width="100%"
    )


def _address_fields(e: Any, v: Any) -> list[rx.Component]:
    return [
        text_field(
            "Address",
            "address_line1",
            e,
            default_value=v["address_line1"],
            auto_complete="address-line1",
        ),
        text_field(
            "Address line 2",
            "address_line2",
            e,
            default_value=v["address_line2"],
            auto_complete="address-line2",
        ),
        text_field("City", "city", e, default_value=v["city"], auto_complete="address-level2"),
        rx.grid(
            text_field(
                "State",
                "state",
                e,
                default_value=v["state"],
                hint="Two letters, like OR",
                max_length=2,
            ),
            text_field(
                "ZIP code",
                "postal_code",
                e,
                default_value=v["postal_code"],
                auto_complete="postal-code",
            ),
            columns="2",
            spacing="4",
        ),
    ]


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
                _grid(
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
                _grid(
                    text_field(
                        "Date of birth",
                        "date_of_birth",
                        e,
                        type="date",
                        required=True,
                        default_value=v["date_of_birth"],
                    ),
                    rx.box(),
                    text_field("Email", "email", e, type="email", default_value=v["email"]),
                    text_field(
                        "Phone",
                        "phone",
                        e,
                        type="tel",
                        default_value=v["phone"],
                        placeholder="(503) 555-0142",
                    ),
                ),
            ),
            section("Address", _grid(*_address_fields(e, v))),
            section(
                "Care",
                _grid(
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


# ---------------------------------------------------------------- profile


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


# ---------------------------------------------------------------- contact form


def _contact_form() -> rx.Component:
    s: Any = ContactFormState
    e, v = s.errors, s.values
    back = "/clients/" + s.record_id.to_string()  # type: ignore[attr-defined]
    return rx.form(
        rx.vstack(
            form_error_banner(e),
            section(
                "Contact",
                _grid(
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
                    text_field("Email", "email", e, type="email", default_value=v["email"]),
                    text_field(
                        "Phone",
                        "phone",
                        e,
                        type="tel",
                        default_value=v["phone"],
                        placeholder="(503) 555-0142",
                    ),
                ),
            ),
            section("Address", _grid(*_address_fields(e, v))),
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
