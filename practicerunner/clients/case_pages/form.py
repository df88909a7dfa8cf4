"""The new-case and edit-case pages: one form, with the details each of them may change."""

# Reflex state attributes are Vars at class level but typed as their Python values, and event
# handlers are typed as namespaces: mypy cannot follow either, so those codes are off here.

from __future__ import annotations

import reflex as rx

from practicerunner.clients.case_pages.parties import participants_section, payers_section
from practicerunner.clients.case_state import CaseEditState, CaseFormState, CaseNewState
from practicerunner.clients.cases import KIND_LABELS
from practicerunner.ui.components import (
    checkbox_field,
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

CASE_EDIT_PAGE = "/cases/[case_id]/edit"
KIND_OPTIONS = list(KIND_LABELS.items())
STATUS_OPTIONS = [("active", "Active"), ("closed", "Closed")]
F = CaseFormState


def _guardian_notices() -> rx.Component:
    return rx.box(
        checkbox_field(
            "Send appointment notices to guardians",
            "notify_guardians",
            default_checked=F.notify_guardians,
            hint="Confirmations, reminders and changes also go to the guardians on file of "
            "each client who attends (for minors).",
        ),
        grid_column="1 / -1",
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
            _guardian_notices(),
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
            _guardian_notices(),
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
                rx.fragment(details, participants_section()),
                rx.callout(
                    "You can change who pays; the rest of the case is kept by its clinician.",
                    icon="info",
                    color_scheme="gray",
                    width="100%",
                ),
            ),
            rx.cond(F.can_edit_payers, payers_section()),
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
