"""The supervision hours report, /reports/supervision-hours: hours per associate per month
from the supervision meetings on the calendar, with totals and a CSV for licensure logs."""

from __future__ import annotations

from typing import Any

import reflex as rx

from practicerunner.billing.staff_components import NUM
from practicerunner.supervision.report_state import SupervisionHoursState
from practicerunner.ui.components import field_error, loading, not_found_panel, page_header, section
from practicerunner.ui.layout import app_page
from practicerunner.ui.routes import SUPERVISION_HOURS

# Typed as Any like the other pages: state vars are Vars at compile time.
H: Any = SupervisionHoursState


def _row_head(text: Any) -> rx.Component:
    """A row's name: its header for screen readers, read like the row's other cells (the
    table style greys header cells, so the colour sits on the text inside)."""
    return rx.el.th(
        rx.text.span(text, color=rx.color("gray", 12), weight="medium"),
        scope="row",
        style={"white_space": "nowrap"},
    )


def _month_input(label: str, name: str, value: Any) -> rx.Component:
    return rx.vstack(
        rx.el.label(rx.text(label, size="2", weight="medium"), html_for=f"hours-{name}"),
        rx.input(
            id=f"hours-{name}",
            name=name,
            type="month",
            default_value=value,
            placeholder="2026-06",
            aria_invalid=rx.cond(H.errors.contains(name), "true", "false"),
            aria_describedby=f"{name}-error",
            width="170px",
        ),
        field_error(H.errors, name),
        spacing="1",
    )


def _range_form() -> rx.Component:
    return rx.form(
        rx.hstack(
            _month_input("From", "from", H.start),
            _month_input("To", "to", H.end),
            rx.button("Show", type="submit", variant="soft", id="hours-show", margin_top="24px"),
            spacing="3",
            align="start",
            wrap="wrap",
        ),
        key="range-" + H.form_rev.to(str),
        on_submit=H.show,
        reset_on_submit=False,
        id="hours-range",
    )


def _hours(cell: Any) -> rx.Component:
    """One figure; an empty month is a quiet dash rather than a row of zeros."""
    return rx.el.td(
        rx.cond(cell != "", cell, rx.text.span("–", color=rx.color("gray", 8))),
        style=NUM,
    )


def _head() -> rx.Component:
    return rx.el.thead(
        rx.el.tr(
            rx.el.th("Associate", scope="col"),
            rx.foreach(H.months, lambda m: rx.el.th(m, scope="col", style=NUM)),
            *[
                rx.el.th(h, scope="col", style={**NUM, "white_space": "nowrap"})
                for h in ("Individual", "Group", "Total")
            ],
        )
    )


def _row(cells: Any, index: Any) -> rx.Component:
    return rx.el.tr(
        _row_head(H.row_names[index]),
        rx.foreach(cells, _hours),
    )


def _table() -> rx.Component:
    return rx.box(
        rx.el.table(
            _head(),
            rx.el.tbody(rx.foreach(H.row_cells, _row)),
            rx.el.tfoot(
                rx.el.tr(
                    _row_head("All associates"),
                    rx.foreach(H.total_cells, _hours),
                    style={"font_weight": "600"},
                )
            ),
            class_name="pr-table",
            id="supervision-hours",
        ),
        width="100%",
        overflow_x="auto",
    )


def _explanation() -> rx.Component:
    return rx.text(
        "Hours from supervision meetings on the calendar, cancelled ones left out. Each "
        "meeting counts whole in the month it starts, in the practice's time. Individual: "
        "a meeting with a named colleague; group: a supervision block with nobody named.",
        size="1",
        color_scheme="gray",
        max_width="720px",
    )


def _body() -> rx.Component:
    return rx.vstack(
        page_header(
            "Supervision hours",
            H.scope_words + ", " + H.range_words + ".",
            rx.button(
                rx.icon("download", size=16),
                "Download CSV",
                variant="soft",
                color_scheme="gray",
                on_click=H.download,
                id="hours-csv",
                disabled=H.row_names.length() == 0,
            ),
        ),
        section(
            "Hours per month",
            rx.vstack(
                _range_form(),
                rx.cond(
                    H.row_names.length() > 0,
                    _table(),
                    rx.text(
                        "No associates to show: hours appear here for the associates you "
                        "supervise.",
                        size="2",
                        color_scheme="gray",
                        padding_y="12px",
                        id="hours-empty",
                    ),
                ),
                _explanation(),
                spacing="4",
                width="100%",
            ),
        ),
        spacing="5",
        width="100%",
    )


@app_page(SUPERVISION_HOURS, "Supervision hours", on_load=H.load)
def supervision_hours_page() -> rx.Component:
    return rx.cond(
        H.loaded,
        rx.cond(H.not_found, not_found_panel("report"), _body()),
        loading(),
    )
