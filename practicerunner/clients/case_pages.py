"""The case pages: open a case, see it at a glance, change it."""

# Reflex state attributes are Vars at class level but typed as their Python values, and event
# handlers are typed as namespaces: mypy cannot follow either, so those codes are off here.
# mypy: disable-error-code="index, operator, arg-type, attr-defined"

from __future__ import annotations

from collections.abc import Callable

import reflex as rx
from reflex.event import EventSpec

from practicerunner.clients.case_state import (
    CaseEditState,
    CaseFormState,
    CaseNewState,
    CaseViewState,
)
from practicerunner.clients.cases import KIND_LABELS, PORTAL_OK
from practicerunner.ui.components import (
    field_error,
    form_error_banner,
    link_button,
    loading,
    not_found_panel,
    page_header,
    section,
    select_field,
    text_field,
    textarea_field,
)
from practicerunner.ui.layout import app_page
from practicerunner.ui.routes import CASE_NEW

CASE_PAGE = "/cases/[case_id]"
CASE_EDIT_PAGE = "/cases/[case_id]/edit"
KIND_OPTIONS = list(KIND_LABELS.items())
STATUS_OPTIONS = [("active", "Active"), ("closed", "Closed")]
F = CaseFormState


# --- small pieces ---------------------------------------------------------------------


def _row_error(prefix: str, index: rx.Var) -> rx.Component:
    """The error beside one row's field, e.g. payer_share_2."""
    key = rx.Var.create(prefix) + index.to_string()
    return rx.cond(
        F.errors.contains(key),
        rx.text(
            F.errors[key],
            id=key + "-error",
            role="alert",
            size="1",
            color=rx.color("red", 11),
        ),
    )


def _remove_button(label: str, on_click: EventSpec) -> rx.Component:
    return rx.icon_button(
        rx.icon("x", size=16),
        type="button",
        variant="ghost",
        color_scheme="gray",
        aria_label=label,
        title=label,
        on_click=on_click,
    )


def _add_button(label: str, on_click: rx.EventHandler) -> rx.Component:
    return rx.button(
        rx.icon("plus", size=14),
        label,
        type="button",
        variant="soft",
        color_scheme="gray",
        size="2",
        on_click=on_click,
    )


def _column_labels(*columns: tuple[str, dict[str, str]]) -> rx.Component:
    """Column headings laid out with the same flex sizes as the rows beneath them."""
    return rx.hstack(
        *[
            rx.box(rx.text(text, size="1", weight="medium", color_scheme="gray"), style=size)
            for text, size in columns
        ],
        width="100%",
        spacing="3",
        padding_top="8px",
    )


# --- the form shared by new and edit ------------------------------------------------------


def _participant_row(row: rx.Var, index: rx.Var) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.el.select(
                rx.el.option("Choose a client…", value=""),
                rx.foreach(F.client_options, lambda o: rx.el.option(o[1], value=o[0])),
                value=row["client_id"],
                on_change=lambda v: F.set_row_client(index, v),
                aria_label="Client",
                class_name="pr-select",
                style={"flex": "3"},
            ),
            rx.el.select(
                rx.foreach(F.role_options, lambda o: rx.el.option(o[1], value=o[0])),
                value=row["role"],
                on_change=lambda v: F.set_row_role(index, v),
                aria_label="Role",
                class_name="pr-select",
                style={"flex": "1"},
            ),
            rx.box(
                rx.checkbox(
                    "Attends",
                    checked=row["attends"] == "yes",
                    on_change=lambda c: F.set_row_attends(index, c),
                ),
                width="96px",
            ),
            _remove_button("Remove participant", F.remove_row(index)),
            width="100%",
            align="center",
            spacing="3",
        ),
        _row_error("participant_client_", index),
        _row_error("participant_role_", index),
        spacing="1",
        width="100%",
    )


def _participants_section() -> rx.Component:
    return section(
        "Who attends",
        rx.vstack(
            rx.input(
                placeholder="Find a client by name, email or phone",
                default_value=F.client_query,
                on_change=F.search_clients.debounce(300),
                aria_label="Find a client",
                width="100%",
                size="2",
            ),
            rx.text(
                "Type a name to narrow the client lists below.",
                size="1",
                color_scheme="gray",
            ),
            _column_labels(
                ("Client", {"flex": "3"}),
                ("Role", {"flex": "1"}),
                ("", {"width": "96px"}),
                ("", {"width": "32px"}),
            ),
            rx.foreach(F.rows, _participant_row),
            field_error(F.errors, "participants"),
            _add_button("Add participant", F.add_row),
            spacing="3",
            width="100%",
        ),
    )


def _payer_row(row: rx.Var, index: rx.Var) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.el.select(
                rx.el.option("Choose who pays…", value=""),
                rx.foreach(F.payer_options, lambda o: rx.el.option(o[1], value=o[0])),
                value=row["party"],
                on_change=lambda v: F.set_payer_party(index, v),
                aria_label="Payer",
                class_name="pr-select",
                style={"flex": "3"},
            ),
            rx.hstack(
                rx.input(
                    value=row["share"],
                    on_change=lambda v: F.set_payer_share(index, v),
                    input_mode="decimal",
                    aria_label="Share in percent",
                    width="96px",
                    size="2",
                ),
                rx.text("%", size="2", color_scheme="gray"),
                align="center",
                spacing="2",
                width="118px",
            ),
            _remove_button("Remove payer", F.remove_payer(index)),
            width="100%",
            align="center",
            spacing="3",
        ),
        _row_error("payer_party_", index),
        _row_error("payer_share_", index),
        spacing="1",
        width="100%",
    )


def _payers_section() -> rx.Component:
    return section(
        "Who pays",
        rx.vstack(
            rx.text(
                "Participants, or their billing contacts and guardians. Shares must add up "
                "to 100%.",
                size="1",
                color_scheme="gray",
            ),
            _column_labels(
                ("Payer", {"flex": "3"}),
                ("Share", {"width": "118px"}),
                ("", {"width": "32px"}),
            ),
            rx.foreach(F.payer_rows, _payer_row),
            rx.hstack(
                _add_button("Add payer", F.add_payer),
                rx.spacer(),
                rx.hstack(
                    rx.cond(
                        F.payer_total_ok,
                        rx.icon("circle-check", size=16, color=rx.color("teal", 10)),
                        rx.icon("circle-alert", size=16, color=rx.color("amber", 10)),
                    ),
                    rx.text(F.payer_total, size="2", weight="medium", id="payer-total"),
                    align="center",
                    spacing="2",
                    aria_live="polite",
                ),
                width="100%",
                align="center",
            ),
            field_error(F.errors, "payers"),
            spacing="3",
            width="100%",
        ),
    )


def _details_new() -> rx.Component:
    return section(
        "Case",
        rx.grid(
            select_field(
                "Kind",
                "kind",
                KIND_OPTIONS,
                F.errors,
                default_value=F.kind,
                required=True,
                on_change=F.set_kind,
            ),
            select_field(
                "Primary clinician",
                "primary_clinician_id",
                F.clinician_options,
                F.errors,
                default_value=F.clinician_id,
                required=True,
            ),
            text_field(
                "Title",
                "title",
                F.errors,
                default_value=F.title,
                hint="Leave empty to use the participants' names, like “Garcia & Lee (couple)”.",
            ),
            text_field("Opened on", "opened_on", F.errors, default_value=F.opened_on, type="date"),
            columns="2",
            spacing="4",
            width="100%",
        ),
    )


def _details_edit() -> rx.Component:
    return section(
        "Case",
        rx.grid(
            rx.vstack(
                rx.text("Kind", size="2", weight="medium"),
                rx.badge(
                    F.kind,
                    variant="soft",
                    color_scheme="gray",
                    size="2",
                    text_transform="capitalize",
                ),
                spacing="1",
            ),
            select_field(
                "Primary clinician",
                "primary_clinician_id",
                F.clinician_options,
                F.errors,
                default_value=F.clinician_id,
                required=True,
            ),
            text_field("Title", "title", F.errors, default_value=F.title, required=True),
            select_field("Status", "status", STATUS_OPTIONS, F.errors, default_value=F.status),
            rx.box(),
            text_field(
                "Closed on",
                "closed_on",
                F.errors,
                default_value=F.closed_on,
                type="date",
                hint="Only for a closed case; empty means today.",
            ),
            columns="2",
            spacing="4",
            width="100%",
        ),
    )


def _clinical_section() -> rx.Component:
    return rx.cond(
        F.can_clinical,
        section(
            "Clinical",
            textarea_field(
                "Presenting concern",
                "presenting_concern",
                F.errors,
                default_value=F.presenting_concern,
                hint="Seen only by the treating clinician, their supervisor and the owner.",
            ),
        ),
    )


def _case_form(details: rx.Component, submit: rx.EventHandler, cancel_href: rx.Var | str):
    return rx.form(
        rx.vstack(
            form_error_banner(F.errors),
            rx.cond(
                F.can_edit,
                rx.fragment(details, _participants_section()),
                rx.callout(
                    "You can change who pays; the rest of the case is kept by its clinician.",
                    icon="info",
                    color_scheme="gray",
                    width="100%",
                ),
            ),
            rx.cond(F.can_edit_payers, _payers_section()),
            _clinical_section(),
            rx.hstack(
                rx.button("Save case", type="submit", size="3", loading=F.saving),
                link_button("Cancel", cancel_href, variant="soft", color_scheme="gray", size="3"),
                spacing="3",
            ),
            spacing="5",
            width="100%",
        ),
        on_submit=submit,
        width="100%",
    )


@app_page(CASE_NEW, "New case", on_load=CaseNewState.load)
def case_new() -> rx.Component:
    return rx.vstack(
        page_header("New case", "A treatment relationship: who attends, and who pays."),
        rx.cond(
            F.loaded,
            rx.cond(
                F.read_only,
                rx.callout(
                    "Your role does not open cases.", icon="info", color_scheme="gray", width="100%"
                ),
                _case_form(_details_new(), CaseNewState.submit, "/clients"),
            ),
            loading(),
        ),
        width="100%",
    )


@app_page(CASE_EDIT_PAGE, "Edit case", on_load=CaseEditState.load)
def case_edit() -> rx.Component:
    back = "/cases/" + F.current_case_id.to_string()
    return rx.cond(
        F.loaded,
        rx.cond(
            F.not_found,
            not_found_panel("case"),
            rx.cond(
                F.read_only,
                rx.vstack(
                    page_header("Edit case"),
                    rx.callout(
                        "You can see this case but not change it.",
                        icon="lock",
                        color_scheme="gray",
                        width="100%",
                    ),
                    rx.link("Back to the case", href=back),
                    width="100%",
                ),
                rx.vstack(
                    page_header(F.title, "Edit case"),
                    _case_form(_details_edit(), CaseEditState.submit, back),
                    width="100%",
                ),
            ),
        ),
        loading(),
    )


# --- the case page ------------------------------------------------------------------------

V = CaseViewState


def _portal_badge(text: rx.Var) -> rx.Component:
    return rx.badge(
        text,
        variant="soft",
        color_scheme=rx.cond(text == PORTAL_OK, "teal", "gray"),
        radius="full",
    )


def _name_cell(person: rx.Var) -> rx.Component:
    return rx.cond(
        person["href"] != "",
        rx.link(person["name"], href=person["href"]),
        rx.text(person["name"]),
    )


def _attendee_row(person: rx.Var) -> rx.Component:
    return rx.el.tr(
        rx.el.td(_name_cell(person)),
        rx.el.td(person["role"]),
        rx.el.td(person["attends"]),
        rx.el.td(person["age"]),
        rx.el.td(_portal_badge(person["portal"])),
    )


def _payer_view_row(person: rx.Var) -> rx.Component:
    return rx.el.tr(
        rx.el.td(_name_cell(person)),
        rx.el.td(person["role"]),
        rx.el.td(rx.text(person["share"], weight="medium")),
        rx.el.td(person["email"]),
        rx.el.td(_portal_badge(person["portal"])),
    )


def _table(
    headers: list[str], rows: rx.Var, render: Callable[[rx.Var], rx.Component], label: str
) -> rx.Component:
    return rx.el.table(
        rx.el.thead(rx.el.tr(*[rx.el.th(h, scope="col") for h in headers])),
        rx.el.tbody(rx.foreach(rows, render)),
        class_name="pr-table",
        aria_label=label,
    )


def _case_subtitle() -> rx.Component:
    return rx.hstack(
        rx.badge(V.kind_label, variant="soft", color_scheme="teal", size="2"),
        rx.badge(
            rx.cond(V.status == "closed", "Closed " + V.closed_on, "Active"),
            variant="soft",
            color_scheme=rx.cond(V.status == "closed", "gray", "green"),
            size="2",
        ),
        rx.text(
            V.clinician + " · opened " + V.opened_on,
            size="2",
            color_scheme="gray",
        ),
        spacing="3",
        align="center",
    )


@app_page(CASE_PAGE, "Case", on_load=CaseViewState.load)
def case_view() -> rx.Component:
    edit_href = "/cases/" + V.current_case_id.to_string() + "/edit"
    return rx.cond(
        V.loaded,
        rx.cond(
            V.not_found,
            not_found_panel("case"),
            rx.vstack(
                rx.hstack(
                    rx.vstack(
                        rx.heading(V.title, size="6", weight="medium", as_="h1"),
                        _case_subtitle(),
                        spacing="2",
                    ),
                    rx.spacer(),
                    rx.cond(
                        V.can_change,
                        link_button("Edit case", edit_href, "pencil", variant="soft"),
                    ),
                    width="100%",
                    align="end",
                    padding_bottom="8px",
                ),
                section(
                    "Who attends",
                    _table(
                        ["Name", "Role", "Attends", "Age", "Portal access"],
                        V.participants,
                        _attendee_row,
                        "Who attends",
                    ),
                ),
                section(
                    "Who pays",
                    _table(
                        ["Payer", "Relationship", "Share", "Email", "Portal access"],
                        V.payers,
                        _payer_view_row,
                        "Who pays",
                    ),
                ),
                rx.cond(
                    V.show_clinical,
                    section(
                        "Clinical",
                        rx.data_list.root(
                            rx.data_list.item(
                                rx.data_list.label("Presenting concern", min_width="160px"),
                                rx.data_list.value(
                                    rx.cond(
                                        V.presenting_concern != "",
                                        rx.text(V.presenting_concern, white_space="pre-wrap"),
                                        rx.text("Not recorded yet.", color_scheme="gray"),
                                    )
                                ),
                            ),
                        ),
                        id="clinical",
                    ),
                ),
                spacing="5",
                width="100%",
            ),
        ),
        loading(),
    )
