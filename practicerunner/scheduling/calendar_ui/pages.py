"""The calendar page: toolbar, clinicians, the FullCalendar grid, the "today" list; the dialogs
live in booking_dialog, panel and block_dialog."""

# Reflex state attributes are Vars at class level but typed as their Python values, and event
# handlers are typed as namespaces: mypy cannot follow either (as for every page module).
# mypy: disable-error-code="index, operator, arg-type, attr-defined, union-attr, call-overload"

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.vars.base import Var

from practicerunner.scheduling.calendar_component import column_headers, full_calendar
from practicerunner.scheduling.calendar_ui import grid
from practicerunner.scheduling.calendar_ui.block_dialog import block_dialog
from practicerunner.scheduling.calendar_ui.block_state import BlockState
from practicerunner.scheduling.calendar_ui.booking_dialog import booking_dialog
from practicerunner.scheduling.calendar_ui.booking_state import BookingState
from practicerunner.scheduling.calendar_ui.panel import panel_dialog
from practicerunner.scheduling.calendar_ui.panel_state import PanelState
from practicerunner.scheduling.calendar_ui.state import CalendarState
from practicerunner.scheduling.calendar_ui.widgets import (
    message_list,
    override_form,
    suggestion_buttons,
)
from practicerunner.ui.components import loading
from practicerunner.ui.layout import app_page
from practicerunner.ui.routes import CALENDAR

C = CalendarState
B = BookingState
P = PanelState
K = BlockState


def _toolbar() -> rx.Component:
    return rx.hstack(
        rx.button(
            "Today", variant="soft", color_scheme="gray", on_click=C.go_today, id="cal-today"
        ),
        rx.hstack(
            rx.icon_button(
                rx.icon("chevron-left", size=18),
                variant="ghost",
                color_scheme="gray",
                aria_label="Previous",
                on_click=C.go(-1),
            ),
            rx.icon_button(
                rx.icon("chevron-right", size=18),
                variant="ghost",
                color_scheme="gray",
                aria_label="Next",
                on_click=C.go(1),
            ),
            spacing="1",
        ),
        rx.heading(C.heading, size="4", weight="medium", as_="h2", id="cal-title"),
        rx.spacer(),
        rx.segmented_control.root(
            rx.segmented_control.item("Day", value=grid.DAY),
            rx.segmented_control.item("Week", value=grid.WEEK),
            rx.segmented_control.item("Month", value=grid.MONTH),
            value=C.view,
            on_change=C.set_view,
            aria_label="View",
            id="cal-view",
        ),
        width="100%",
        align="center",
        spacing="3",
    )


def _chip(c: Var) -> rx.Component:
    pressed = C.selected.contains(c["value"])  # type: ignore[attr-defined]
    return rx.el.button(
        rx.el.span(class_name="pr-dot"),
        c["label"],
        type="button",
        class_name="pr-chip " + c["colour"].to(str),
        aria_pressed=rx.cond(pressed, "true", "false"),
        on_click=C.toggle_clinician(c["value"]),
    )


def _clinicians() -> rx.Component:
    return rx.hstack(
        rx.text("Clinicians", size="2", color_scheme="gray", weight="medium"),
        rx.flex(rx.foreach(C.clinicians, _chip), wrap="wrap", spacing="2"),
        spacing="3",
        align="center",
        width="100%",
        role="group",
        aria_label="Clinicians shown",
    )


def _legend() -> rx.Component:
    def sample(cls: str, text: str) -> rx.Component:
        return rx.hstack(
            rx.el.span(class_name=f"pr-swatch {cls}"),
            rx.text(text, size="1", color_scheme="gray"),
            spacing="1",
            align="center",
        )

    return rx.flex(
        sample("pr-s-scheduled", "Scheduled"),
        sample("pr-s-attended", "Attended"),
        sample("pr-s-no_show", "No-show"),
        sample("pr-s-cancelled", "Cancelled"),
        sample("pr-item", "Supervision, admin, personal"),
        sample("pr-unavailable", "Outside working hours"),
        rx.text(
            rx.cond(
                C.view == grid.DAY,
                "One column per clinician; drag a session across columns to reassign it.",
                "Colours show the clinician.",
            ),
            size="1",
            color_scheme="gray",
        ),
        wrap="wrap",
        align="center",
        padding_top="8px",
        style={"gap": "8px 18px"},
    )


def _move_problem() -> rx.Component:
    return rx.cond(
        C.move_messages.length() > 0,  # type: ignore[attr-defined]
        rx.callout.root(
            rx.callout.icon(rx.icon("calendar-x")),
            rx.vstack(
                rx.text("Not moved: that time is not free.", weight="medium", size="2"),
                message_list(C.move_messages),
                suggestion_buttons(C.move_suggestions, C.move_to_suggestion, "move"),
                rx.cond(
                    C.move_can_override,
                    override_form(
                        "move_reason",
                        "Move anyway",
                        C.move_anyway,
                        rx.cond(
                            C.move_reason_error != "",
                            rx.text(C.move_reason_error, size="1", color=rx.color("red", 11)),
                        ),
                        width="320px",
                    ),
                ),
                rx.button(
                    "Dismiss",
                    variant="ghost",
                    size="1",
                    color_scheme="gray",
                    on_click=C.dismiss_move,
                ),
                spacing="2",
                width="100%",
            ),
            color_scheme="red",
            role="alert",
            id="move-problem",
            width="100%",
        ),
    )


def _grid() -> rx.Component:
    content, classes = column_headers(C.column_names, C.column_classes)
    undefined: Var[Any] = Var(_js_expr="undefined")
    return rx.box(
        full_calendar(
            key=C.grid_key,
            initial_view=C.fc_view,
            initial_date=C.anchor,
            views=C.fc_views,
            events=C.events,
            first_day=1,
            height=rx.cond(C.view == grid.MONTH, "auto", "720px"),
            editable=C.can_edit,
            selectable=C.can_edit,
            select_mirror=True,
            all_day_slot=False,
            now_indicator=C.now_indicator,
            slot_min_time="06:00:00",
            slot_max_time="22:00:00",
            scroll_time="08:00:00",
            # Quarter-hour slots, labelled hourly. Snapping finer than a slot would make a drag
            # jump a quarter hour as it starts (FullCalendar centres the grip in the slot).
            slot_duration="00:15:00",
            slot_label_interval="01:00:00",
            expand_rows=False,
            slot_label_format={
                "hour": "numeric",
                "minute": "2-digit",
                "omitZeroMinute": True,
                "meridiem": "short",
            },
            event_time_format={"hour": "numeric", "minute": "2-digit", "meridiem": "short"},
            event_display="block",
            day_max_events=4,
            display_event_end=True,
            event_interactive=True,
            long_press_delay=300,
            day_header_content=rx.cond(C.view == grid.DAY, content, undefined),
            day_header_class_names=rx.cond(C.view == grid.DAY, classes, undefined),
            select=B.from_grid,
            event_click=P.open_event,
            event_drop=C.move_event,
            event_resize=C.move_event,
            dates_set=C.dates_set,
        ),
        class_name=rx.cond(C.view == grid.DAY, "pr-cal pr-cal-columns", "pr-cal"),
        id="calendar-grid",
        flex="1",
        min_width="0",
    )


def _today_row(row: Var) -> rx.Component:
    scheduled = row["status"] == "scheduled"
    buttons = rx.hstack(
        *[
            rx.button(
                label,
                size="1",
                variant="soft",
                color_scheme=scheme,
                on_click=C.mark(row["id"], status),
                aria_label=label + " — " + row["title"].to(str),
            )
            for status, label, scheme in (
                ("attended", "Attended", "teal"),
                ("no_show", "No-show", "red"),
                ("late_cancelled", "Late cancel", "gray"),
            )
        ],
        spacing="1",
        wrap="wrap",
    )
    marked = rx.hstack(
        rx.badge(
            row["status_label"],
            variant="soft",
            color_scheme=rx.match(row["status"], ("attended", "teal"), ("no_show", "red"), "gray"),
        ),
        rx.cond(
            C.can_edit,
            rx.button(
                "Undo",
                size="1",
                variant="ghost",
                color_scheme="gray",
                on_click=C.mark(row["id"], "scheduled"),
                aria_label="Undo — " + row["title"].to(str),
            ),
        ),
        spacing="2",
        align="center",
    )
    return rx.cond(
        row["kind"] == "head",
        rx.vstack(
            rx.hstack(
                rx.el.span(class_name="pr-dot " + row["colour"].to(str)),
                rx.text(row["name"], weight="medium", size="2"),
                spacing="2",
                align="center",
                padding_top="10px",
            ),
            rx.cond(row["empty"] != "", rx.text(row["empty"], size="1", color_scheme="gray")),
            spacing="1",
            width="100%",
        ),
        rx.vstack(
            rx.hstack(
                rx.text(row["time"], size="1", color_scheme="gray", white_space="nowrap"),
                rx.link(
                    row["title"],
                    href="#",
                    size="2",
                    on_click=P.open_appointment(row["id"]).prevent_default,
                ),
                spacing="2",
                align="baseline",
                wrap="wrap",
            ),
            rx.cond(scheduled & C.can_edit, buttons, marked),
            spacing="1",
            class_name="pr-today-row",
            id="today-" + row["id"].to(str),
            width="100%",
        ),
    )


def _today() -> rx.Component:
    return rx.el.aside(
        rx.vstack(
            rx.hstack(
                rx.heading("Today", size="3", weight="medium", as_="h2"),
                rx.text(C.today_label, size="2", color_scheme="gray"),
                spacing="2",
                align="baseline",
            ),
            rx.cond(
                C.today_rows.length() == 0,  # type: ignore[attr-defined]
                rx.text("Choose a clinician to see their day.", size="2", color_scheme="gray"),
            ),
            rx.foreach(C.today_rows, _today_row),
            spacing="1",
            width="100%",
        ),
        aria_label="Today",
        id="today-list",
        style={
            "width": "290px",
            "min_width": "290px",
            "border": f"1px solid {rx.color('gray', 5)}",
            "border_radius": "10px",
            "padding": "14px 16px",
            "background": rx.color("gray", 1),
            "align_self": "start",
            "max_height": "720px",
            "overflow_y": "auto",
        },
    )


def _body() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.heading("Calendar", size="6", weight="medium", as_="h1"),
            rx.spacer(),
            rx.cond(
                C.can_edit,
                rx.hstack(
                    rx.button(
                        rx.icon("calendar-off", size=16),
                        "Block time",
                        variant="soft",
                        color_scheme="gray",
                        on_click=K.open_block,
                    ),
                    rx.button(
                        rx.icon("calendar-plus", size=16), "Book session", on_click=B.open_blank
                    ),
                    spacing="2",
                ),
            ),
            width="100%",
            align="center",
        ),
        _toolbar(),
        _clinicians(),
        _move_problem(),
        rx.hstack(_grid(), _today(), spacing="4", align="start", width="100%"),
        _legend(),
        booking_dialog(),
        panel_dialog(),
        block_dialog(),
        spacing="3",
        width="100%",
    )


@app_page(CALENDAR, "Calendar", on_load=CalendarState.load)
def calendar_page() -> rx.Component:
    return rx.cond(
        C.loaded,
        rx.cond(
            C.denied,
            rx.center(
                rx.text("Your role does not include the calendar.", color_scheme="gray"),
                padding_y="80px",
            ),
            _body(),
        ),
        loading(),
    )
