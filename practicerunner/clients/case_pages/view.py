"""The case page: who attends, who pays, who can reach the portal; clinical text if allowed."""

# Reflex state attributes are Vars at class level but typed as their Python values, and event
# handlers are typed as namespaces: mypy cannot follow either, so those codes are off here.

from __future__ import annotations

from collections.abc import Callable

import reflex as rx

from practicerunner.billing.case_billing_link import billing_tab_link
from practicerunner.clients.case_state import CaseViewState
from practicerunner.clients.cases import PORTAL_OK
from practicerunner.scheduling.calendar_ui.case_sessions import (
    CaseSessionsState,
    book_button,
    upcoming_sessions,
)
from practicerunner.ui.components import link_button, loading, not_found_panel, section
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
