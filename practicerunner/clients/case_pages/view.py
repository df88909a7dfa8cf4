"""The case page: who attends, who pays, who can reach the portal; clinical text if allowed."""

# Reflex state attributes are Vars at class level but typed as their Python values, and event
# handlers are typed as namespaces: mypy cannot follow either, so those codes are off here.

from __future__ import annotations

from collections.abc import Callable

import reflex as rx

from practicerunner.billing.case_billing_link import billing_tab_link
from practicerunner.clients.case_state import SUPERVISOR_FIELD, CaseViewState
from practicerunner.clients.cases import PORTAL_OK
from practicerunner.scheduling.calendar_ui.case_sessions import (
    CaseSessionsState,
    book_button,
    upcoming_sessions,
)
from practicerunner.ui.components import (
    field_error,
    link_button,
    loading,
    not_found_panel,
    section,
)
from practicerunner.ui.layout import app_page

CASE_PAGE = "/cases/[case_id]"


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


def _record_links() -> rx.Component:
    """The case's clinical record pages; a consultation case has none of them."""
    case_id = V.current_case_id.to_string()
    return rx.cond(
        ~V.is_consultation,
        rx.hstack(
            link_button(
                "Diagnoses", "/cases/" + case_id + "/diagnoses", "stethoscope", variant="soft"
            ),
            link_button(
                "Treatment plan", "/cases/" + case_id + "/plan", "list-checks", variant="soft"
            ),
            link_button(
                "Measures", "/cases/" + case_id + "/measures", "chart-line", variant="soft"
            ),
            spacing="3",
            padding_top="12px",
            wrap="wrap",
        ),
    )


def _supervisor_line() -> rx.Component:
    """Who reviews this associate's notes, and why (nobody: the why says what to do)."""
    return rx.text(
        rx.cond(
            V.supervisor_name != "",
            # One sentence: "**Dana Whitlock** is Ana Alvarez's primary supervisor."
            rx.fragment(
                rx.text.strong(V.supervisor_name, weight="medium"),
                rx.text.span(" " + V.supervisor_why, color_scheme="gray"),
            ),
            rx.fragment(
                "Supervisor: ",
                rx.text.strong("None", color_scheme="red", weight="medium"),
                rx.text.span(" — " + V.supervisor_why, color_scheme="gray"),
            ),
        ),
        size="2",
        id="case-supervisor",
    )


def _supervisor_form() -> rx.Component:
    """For staff managers: the case's own supervisor, or back to the associate's usual one."""
    name = SUPERVISOR_FIELD
    e = V.supervision_errors
    return rx.form(
        rx.vstack(
            rx.el.label(
                rx.text("Who supervises this case", size="2", weight="medium"),
                html_for=name,
            ),
            rx.hstack(
                rx.el.select(
                    rx.foreach(V.supervisor_options, lambda o: rx.el.option(o[1], value=o[0])),
                    id=name,
                    name=name,
                    default_value=V.case_supervisor_id,
                    aria_invalid=rx.cond(e.contains(name), "true", "false"),
                    aria_describedby=f"{name}-error",
                    class_name="pr-select",
                    # The class fills its row; here the Save button sits beside it.
                    style={"width": "320px", "max_width": "100%"},
                ),
                rx.button(
                    "Save",
                    type="submit",
                    id="case-supervisor-submit",
                    loading=V.saving_supervisor,
                ),
                spacing="3",
                align="center",
            ),
            field_error(e, name),
            rx.text(
                "For this case only. Notes waiting for review move to the new supervisor, and "
                "both supervisors are emailed. A session's own cover, set on the appointment, "
                "still comes first.",
                size="1",
                color_scheme="gray",
            ),
            spacing="2",
            width="100%",
            padding_top="16px",
        ),
        key="case-sup-" + V.supervision_rev.to_string(),
        on_submit=V.save_supervisor,
        reset_on_submit=False,
    )


def _supervision() -> rx.Component:
    """An associate's case only: a licensed clinician's case needs no review."""
    return rx.cond(
        V.supervision_shown,
        section(
            "Supervision",
            _supervisor_line(),
            rx.cond(V.can_set_supervisor, _supervisor_form()),
            action=rx.cond(
                V.supervisor_level != "",
                rx.badge(
                    V.supervisor_level,
                    variant="soft",
                    color_scheme="gray",
                    size="2",
                    id="supervision-level",
                ),
            ),
            id="supervision",
        ),
    )


@app_page(CASE_PAGE, "Case", on_load=[CaseViewState.load, CaseSessionsState.load])
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
                    billing_tab_link(V.current_case_id),
                    book_button(V.status != "closed"),
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
                upcoming_sessions(),
                _supervision(),
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
                        _record_links(),
                        id="clinical",
                    ),
                ),
                spacing="5",
                width="100%",
            ),
        ),
        loading(),
    )
