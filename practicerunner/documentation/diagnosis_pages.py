"""A case's Diagnoses screen, /cases/<id>/diagnoses: the diagnoses in effect and those ended,
an ICD-10-CM picker (billable codes only, searched by code or words as one types) with a start
date, and an end date for a diagnosis that no longer applies."""

from __future__ import annotations

from typing import Any

import reflex as rx

from practicerunner.billing.staff_components import empty_note, table
from practicerunner.documentation.diagnosis_state import DiagnosesState
from practicerunner.documentation.record_layout import case_record_header, consultation_note
from practicerunner.ui.components import loading, not_found_panel, section
from practicerunner.ui.layout import app_page

DIAGNOSES_PAGE = "/cases/[case_id]/diagnoses"
# Typed as Any like the other pages: state vars are Vars at compile time.
D: Any = DiagnosesState

MUTED = rx.color("gray", 11)
ERROR = rx.color("red", 11)


def _error(errors: Any, key: str, element_id: str) -> rx.Component:
    return rx.cond(
        errors.contains(key),
        rx.text(errors[key], id=element_id, role="alert", size="1", color=ERROR),
    )


# ---- the lists ------------------------------------------------------------------------------


def _code(row: Any) -> rx.Component:
    return rx.text(row["code"], size="2", weight="medium", white_space="nowrap")


def _end_form(row: Any) -> rx.Component:
    has_error = D.end_errors.contains("end_on")
    return rx.form(
        rx.hstack(
            rx.el.label(
                rx.text("End date", size="1", color=MUTED, weight="medium"),
                html_for="end_on",
            ),
            rx.input(
                type="date",
                id="end_on",
                name="end_on",
                default_value=D.today,
                aria_invalid=rx.cond(has_error, "true", "false"),
                aria_describedby="end_on-error",
                size="1",
            ),
            rx.button("Save end date", type="submit", size="1", loading=D.saving_end),
            rx.button(
                "Cancel",
                type="button",
                size="1",
                variant="soft",
                color_scheme="gray",
                on_click=D.cancel_end,
            ),
            spacing="2",
            align="center",
            justify="end",
            wrap="wrap",
        ),
        _error(D.end_errors, "end_on", "end_on-error"),
        on_submit=D.end,
        reset_on_submit=False,
    )


def _end_action(row: Any) -> rx.Component:
    return rx.cond(
        D.can_edit,
        rx.cond(
            D.ending == row["id"],
            _end_form(row),
            rx.hstack(
                rx.cond(
                    row["primary"] == "",
                    rx.button(
                        "Make primary",
                        size="1",
                        variant="ghost",
                        on_click=D.make_primary(row["id"]),
                        aria_label="Make " + row["code"] + " the primary diagnosis",
                    ),
                ),
                rx.button(
                    "End",
                    size="1",
                    variant="soft",
                    color_scheme="gray",
                    on_click=D.start_end(row["id"]),
                    aria_label="End " + row["code"],
                ),
                spacing="3",
                align="center",
                justify="end",
            ),
        ),
    )


def _current_row(row: Any) -> rx.Component:
    return rx.el.tr(
        rx.el.td(_code(row)),
        rx.el.td(
            rx.hstack(
                rx.text(row["description"], size="2"),
                rx.cond(
                    row["primary"] != "",
                    rx.badge("Primary", color_scheme="teal", variant="soft", size="1"),
                ),
                spacing="2",
                align="center",
                wrap="wrap",
            )
        ),
        rx.el.td(
            rx.vstack(
                rx.text(row["start"], size="2", white_space="nowrap"),
                rx.cond(
                    row["end"] != "",
                    rx.text("until " + row["end"], size="1", color=MUTED, white_space="nowrap"),
                ),
                spacing="0",
            )
        ),
        rx.el.td(_end_action(row), style={"text_align": "right"}),
    )


def _ended_row(row: Any) -> rx.Component:
    return rx.el.tr(
        rx.el.td(rx.text(row["code"], size="2", color=MUTED, white_space="nowrap")),
        rx.el.td(rx.text(row["description"], size="2", color=MUTED)),
        rx.el.td(rx.text(row["start"], size="2", color=MUTED, white_space="nowrap")),
        rx.el.td(rx.text(row["end"], size="2", color=MUTED, white_space="nowrap")),
    )


def _current() -> rx.Component:
    return section(
        "Current diagnoses",
        rx.cond(
            D.current.length() > 0,
            table(
                ["Code", "Description", "Since", ""],
                rx.foreach(D.current, _current_row),
                "current-diagnoses",
            ),
            empty_note("No diagnosis recorded for this case yet."),
        ),
    )


def _ended() -> rx.Component:
    return rx.cond(
        D.ended.length() > 0,
        section(
            "Ended",
            table(
                ["Code", "Description", "From", "Ended"],
                rx.foreach(D.ended, _ended_row),
                "ended-diagnoses",
            ),
        ),
    )


# ---- the picker -----------------------------------------------------------------------------


def _result(row: Any) -> rx.Component:
    return rx.el.li(
        rx.el.button(
            rx.hstack(
                rx.text(row["code"], size="2", weight="medium", min_width="72px"),
                rx.text(row["description"], size="2", text_align="left"),
                spacing="3",
                align="start",
            ),
            type="button",
            on_click=D.pick(row["code"]),
            aria_label=row["code"] + " " + row["description"],
            style={
                "width": "100%",
                "padding": "8px 12px",
                "background": "transparent",
                "border": "none",
                "border_radius": "6px",
                "cursor": "pointer",
                "color": "inherit",
                "text_align": "left",
                "_hover": {"background": rx.color("teal", 3)},
            },
        ),
        style={"list_style": "none"},
    )


def _results() -> rx.Component:
    return rx.cond(
        D.results.length() > 0,
        rx.el.ul(
            rx.foreach(D.results, _result),
            id="code-results",
            aria_label="Matching billable codes",
            style={
                "margin": "0",
                "padding": "4px",
                "border": f"1px solid {rx.color('gray', 5)}",
                "border_radius": "8px",
                "max_height": "340px",
                "overflow_y": "auto",
                "width": "100%",
                "background": rx.color("gray", 1),
            },
        ),
        rx.cond(
            (D.query != "") & (D.query_note == ""),
            rx.text(
                "No billable code matches “" + D.query + "”.",
                size="2",
                color=MUTED,
                id="no-codes",
            ),
        ),
    )


def _picked() -> rx.Component:
    return rx.hstack(
        rx.icon("circle-check", size=18, color=rx.color("teal", 10)),
        rx.text(D.picked_code, size="2", weight="medium"),
        rx.text(D.picked_description, size="2"),
        rx.spacer(),
        rx.button(
            "Choose another",
            type="button",
            size="1",
            variant="soft",
            color_scheme="gray",
            on_click=D.unpick,
        ),
        id="picked-code",
        align="center",
        spacing="3",
        width="100%",
        style={
            "border": f"1px solid {rx.color('teal', 6)}",
            "border_radius": "8px",
            "padding": "10px 12px",
            "background": rx.color("teal", 2),
        },
    )


def _picker() -> rx.Component:
    code_error = D.errors.contains("code")
    start_error = D.errors.contains("start_on")
    return section(
        "Add a diagnosis",
        rx.form(
            rx.vstack(
                rx.vstack(
                    rx.el.label(
                        rx.text("Find a code", size="2", weight="medium"),
                        html_for="code_query",
                    ),
                    rx.input(
                        id="code_query",
                        name="code_query",
                        default_value=D.query,
                        placeholder="Type a code (F41.1) or words (generalized anxiety)",
                        on_change=D.search.debounce(250),
                        auto_complete="off",
                        aria_invalid=rx.cond(code_error, "true", "false"),
                        aria_describedby="code-error code-note",
                        width="100%",
                        max_width="560px",
                        size="2",
                    ),
                    rx.text(
                        "Billable ICD-10-CM codes only: the most specific code for the diagnosis.",
                        size="1",
                        color=MUTED,
                    ),
                    _error(D.errors, "code", "code-error"),
                    rx.cond(
                        (D.query_note != "") & ~code_error,
                        rx.text(
                            D.query_note,
                            id="code-note",
                            aria_live="polite",
                            size="1",
                            color=rx.color("amber", 11),
                        ),
                    ),
                    spacing="1",
                    width="100%",
                ),
                rx.cond(D.picked_code != "", _picked(), _results()),
                rx.hstack(
                    rx.vstack(
                        rx.el.label(
                            rx.text("Start date", size="2", weight="medium"),
                            html_for="start_on",
                        ),
                        rx.input(
                            type="date",
                            id="start_on",
                            name="start_on",
                            default_value=D.today,
                            aria_invalid=rx.cond(start_error, "true", "false"),
                            aria_describedby="start_on-error",
                            size="2",
                        ),
                        _error(D.errors, "start_on", "start_on-error"),
                        spacing="1",
                    ),
                    rx.el.label(
                        rx.hstack(
                            rx.el.input(
                                type="checkbox",
                                id="is_primary",
                                name="is_primary",
                                class_name="pr-checkbox",
                            ),
                            rx.text("Primary diagnosis", size="2"),
                            spacing="2",
                            align="center",
                        ),
                        html_for="is_primary",
                        style={"padding_bottom": "8px"},
                    ),
                    rx.spacer(),
                    rx.text(D.done, role="status", size="2", color=MUTED, id="diagnosis-done"),
                    rx.button(
                        rx.icon("plus", size=16),
                        "Add diagnosis",
                        type="submit",
                        loading=D.adding,
                        id="add-diagnosis",
                    ),
                    spacing="5",
                    align="end",
                    width="100%",
                    wrap="wrap",
                ),
                spacing="4",
                width="100%",
            ),
            on_submit=D.add,
            reset_on_submit=False,
            key=D.form_rev,
        ),
        id="diagnosis-picker",
    )


def _body() -> rx.Component:
    return rx.vstack(
        case_record_header("Diagnoses", D),
        rx.cond(
            D.consultation,
            consultation_note("diagnoses"),
            rx.vstack(
                _current(),
                rx.cond(D.can_edit, _picker()),
                _ended(),
                spacing="5",
                width="100%",
            ),
        ),
        spacing="5",
        width="100%",
    )


@app_page(DIAGNOSES_PAGE, "Diagnoses", on_load=D.load)
def diagnoses_page() -> rx.Component:
    return rx.cond(
        D.loaded,
        rx.cond(D.not_found, not_found_panel("case"), _body()),
        loading(),
    )
