# mypy: disable-error-code="index,operator,arg-type,attr-defined,union-attr,call-overload"
"""Availability (weekly hours, time off, buffer), practice holidays, and an office's rooms."""

# Reflex state attributes are Vars at class level but typed as their Python values, and event
# handlers are typed as namespaces: mypy cannot follow either (see the case pages).

from __future__ import annotations

from typing import Any

import reflex as rx

from practicerunner.scheduling.availability import EXCEPTION_KINDS, MAX_BUFFER_MINUTES
from practicerunner.scheduling.availability.wording import WEEKDAYS
from practicerunner.scheduling.availability_state import AvailabilityState as S
from practicerunner.scheduling.availability_state import HolidaysState as H
from practicerunner.scheduling.availability_state import RoomsState as R
from practicerunner.ui.components import (
    field_error,
    form_error_banner,
    loading,
    not_found_panel,
    page_header,
    section,
    select_field,
    text_field,
)
from practicerunner.ui.layout import app_page
from practicerunner.ui.routes import AVAILABILITY, SETTINGS_HOLIDAYS

# Hide the location while the time-off form says "time off" (no round trip).
_HIDE_LOCATION_FOR_TIME_OFF = {
    "&:has(select[name='kind'] option[value='time_off']:checked) .pr-extra-only": {
        "display": "none"
    }
}
_MUTED = {"color": rx.color("gray", 11)}
# Read by screen readers, not shown. (The locations page imports this module for the
# rooms dialog, so these small pieces are not imported from there.)
_HIDDEN = {
    "position": "absolute",
    "width": "1px",
    "height": "1px",
    "overflow": "hidden",
    "clip": "rect(0 0 0 0)",
    "white_space": "nowrap",
}


def gate(state: Any, *body: rx.Component) -> rx.Component:
    """BODY once loaded; someone without access sees "not found"."""
    return rx.cond(
        state.loaded,
        rx.cond(
            state.denied,
            not_found_panel("page"),
            rx.vstack(*body, spacing="5", width="100%"),
        ),
        loading(),
    )


def grid(*fields: rx.Component) -> rx.Component:
    return rx.grid(*fields, columns=rx.breakpoints(initial="1", md="2"), spacing="4", width="100%")


def status_badge(active: Any) -> rx.Component:
    return rx.cond(
        active == "yes",
        rx.badge("Active", color_scheme="teal", variant="soft"),
        rx.badge("Retired", color_scheme="gray", variant="soft"),
    )


def _error_text(errors: rx.Var, key: rx.Var) -> rx.Component:
    return rx.cond(
        errors.contains(key),
        rx.text(errors[key], id=key + "-error", role="alert", size="1", color=rx.color("red", 11)),
    )


# --- the weekly hours editor ------------------------------------------------------------------


def _time_input(row: rx.Var, field: str, label: str, on_change: Any) -> rx.Component:
    key = rx.Var.create("hours_") + row["i"] + "_" + field
    return rx.input(
        type="time",
        value=row[field],
        on_change=on_change,
        aria_label=label,
        aria_invalid=rx.cond(S.errors.contains(key), "true", "false"),
        aria_describedby=key + "-error",
        width="132px",
        size="2",
    )


def _block_editor(row: rx.Var, day: str) -> rx.Component:
    i = row["i"]
    key = rx.Var.create("hours_") + i + "_"
    return rx.vstack(
        rx.hstack(
            _time_input(row, "start", f"{day} start", lambda v: S.set_start(i, v)),
            rx.text("to", size="2", style=_MUTED),
            _time_input(row, "end", f"{day} end", lambda v: S.set_end(i, v)),
            rx.text("at", size="2", style=_MUTED),
            rx.el.select(
                rx.el.option("Choose a location…", value=""),
                rx.foreach(S.locations, lambda o: rx.el.option(o[1], value=o[0])),
                value=row["location_id"],
                on_change=lambda v: S.set_location(i, v),
                aria_label=f"{day} location",
                aria_invalid=rx.cond(S.errors.contains(key + "location_id"), "true", "false"),
                aria_describedby=key + "location_id-error",
                class_name="pr-select",
                style={"width": "210px"},
            ),
            rx.icon_button(
                rx.icon("x", size=16),
                type="button",
                variant="ghost",
                color_scheme="gray",
                aria_label=f"Remove {day} " + row["label"],
                title="Remove these hours",
                on_click=S.remove_row(i),
            ),
            spacing="2",
            align="center",
            wrap="wrap",
        ),
        _error_text(S.errors, key + "weekday"),
        _error_text(S.errors, key + "start"),
        _error_text(S.errors, key + "end"),
        _error_text(S.errors, key + "location_id"),
        spacing="1",
    )


def _block_summary(row: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.text(row["label"], size="2"),
        rx.text("·", size="2", style=_MUTED),
        rx.text(row["location"], size="2", style=_MUTED),
        spacing="2",
        padding_y="4px",
    )


def _day(weekday: int) -> rx.Component:
    day = WEEKDAYS[weekday]
    rows = S.day_rows[weekday]
    return rx.grid(
        rx.text(day, size="2", weight="medium", padding_top="7px"),
        rx.vstack(
            rx.cond(
                rows.length() > 0,
                rx.foreach(
                    rows,
                    lambda row: rx.cond(S.can_edit, _block_editor(row, day), _block_summary(row)),
                ),
                rx.text("Not working", size="2", style=_MUTED, padding_top="7px"),
            ),
            rx.cond(
                S.can_edit,
                rx.button(
                    rx.icon("plus", size=14),
                    "Add hours",
                    type="button",
                    variant="ghost",
                    size="1",
                    aria_label=f"Add hours on {day}",
                    on_click=S.add_row(weekday),
                ),
            ),
            spacing="2",
            align="start",
        ),
        columns="120px 1fr",
        spacing="4",
        width="100%",
        padding_y="12px",
        border_top=f"1px solid {rx.color('gray', 4)}" if weekday else "none",
        role="group",
        aria_label=day,
    )


def _weekly_hours() -> rx.Component:
    return section(
        "Weekly hours",
        rx.vstack(
            rx.text(
                "When sessions can be booked, every week, at each place. Telehealth counts as "
                "a place.",
                rx.cond(S.can_edit, " Leave a day empty when you do not work.", ""),
                size="2",
                style=_MUTED,
            ),
            rx.cond(
                S.errors.length() > 0,
                rx.callout(
                    "Some hours need a fix (see below); nothing was saved.",
                    icon="triangle-alert",
                    color_scheme="red",
                    role="alert",
                    id="hours-error-summary",
                    width="100%",
                ),
            ),
            field_error(S.errors, "hours"),
            rx.box(*[_day(d) for d in range(7)], width="100%"),
            rx.cond(
                S.can_edit,
                rx.hstack(
                    rx.cond(
                        S.dirty,
                        rx.badge("Unsaved changes", color_scheme="amber", variant="soft"),
                    ),
                    rx.spacer(),
                    rx.button(
                        "Discard changes",
                        type="button",
                        variant="soft",
                        color_scheme="gray",
                        disabled=~S.dirty,
                        on_click=S.discard,
                    ),
                    rx.button("Save weekly hours", type="button", on_click=S.save_hours),
                    width="100%",
                    align="center",
                    padding_top="8px",
                ),
            ),
            spacing="3",
            width="100%",
        ),
        action=rx.cond(
            S.total_label != "",
            rx.badge(S.total_label, color_scheme="teal", variant="soft", size="2"),
        ),
    )


# --- time off and extra hours -----------------------------------------------------------------


def _exception_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.text(row["date_label"], weight="medium")),
        rx.table.cell(
            rx.badge(
                row["kind_label"],
                color_scheme=rx.cond(row["kind"] == "extra", "teal", "amber"),
                variant="soft",
            )
        ),
        rx.table.cell(row["hours_label"]),
        rx.table.cell(rx.cond(row["location_name"] != "", row["location_name"], "—")),
        rx.table.cell(rx.cond(row["note"] != "", row["note"], "—")),
        rx.table.cell(
            rx.cond(
                S.can_edit,
                rx.button(
                    "Remove",
                    variant="ghost",
                    color_scheme="gray",
                    size="1",
                    on_click=S.remove_exception(row["id"]),
                    aria_label="Remove " + row["kind_label"] + " on " + row["date_label"],
                ),
            ),
            text_align="right",
        ),
        align="center",
    )


def _exception_list() -> rx.Component:
    return rx.cond(
        S.exceptions.length() > 0,
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    *[
                        rx.table.column_header_cell(h)
                        for h in ("Date", "What", "Hours", "Where", "Note")
                    ],
                    rx.table.column_header_cell(rx.el.span("Actions", style=_HIDDEN)),
                )
            ),
            rx.table.body(rx.foreach(S.exceptions, _exception_row)),
            variant="surface",
            size="1",
            width="100%",
            id="exceptions",
        ),
        rx.text("No time off or extra hours coming up.", size="2", style=_MUTED),
    )


def _exception_form() -> rx.Component:
    e = S.exception_errors
    location_choices = S.locations
    return rx.form(
        rx.vstack(
            rx.heading("Add time off or extra hours", size="3", weight="medium", as_="h3"),
            form_error_banner(e),
            grid(
                select_field("What", "kind", EXCEPTION_KINDS, e, default_value="time_off"),
                text_field("Date", "on_date", e, type="date"),
            ),
            grid(
                text_field("From", "start", e, type="time"),
                text_field("To", "end", e, type="time"),
            ),
            rx.text(
                "Time off: leave both times empty for the whole day.",
                size="1",
                style=_MUTED,
            ),
            rx.box(
                select_field(
                    "Where",
                    "location_id",
                    location_choices,
                    e,
                    hint="Where the extra hours are.",
                ),
                class_name="pr-extra-only",
                width="100%",
            ),
            text_field(
                "Note",
                "note",
                e,
                hint="For the practice, e.g. “Conference”. Never client details.",
                max_length=200,
            ),
            rx.hstack(rx.button("Add", type="submit"), justify="end", width="100%"),
            spacing="3",
            width="100%",
        ),
        on_submit=S.add_exception,
        key=S.exception_rev.to_string(),
        style=_HIDE_LOCATION_FOR_TIME_OFF,
        width="100%",
    )


def _exceptions() -> rx.Component:
    return section(
        "Time off and extra hours",
        rx.vstack(
            _exception_list(),
            rx.cond(
                S.can_edit,
                rx.box(
                    _exception_form(),
                    width="100%",
                    padding_top="12px",
                    border_top=f"1px solid {rx.color('gray', 4)}",
                ),
            ),
            spacing="4",
            width="100%",
        ),
    )


# --- buffer -----------------------------------------------------------------------------------


def _buffer() -> rx.Component:
    return section(
        "Buffer between sessions",
        rx.cond(
            S.can_edit,
            rx.form(
                rx.vstack(
                    text_field(
                        "Minutes kept free after each session",
                        "buffer_minutes",
                        S.buffer_errors,
                        default_value=S.buffer,
                        type="number",
                        min="0",
                        max=str(MAX_BUFFER_MINUTES),
                        hint=f"0 to {MAX_BUFFER_MINUTES}. Bookings closer than this get a warning.",
                    ),
                    rx.hstack(rx.button("Save buffer", type="submit"), justify="end", width="100%"),
                    spacing="3",
                    width="100%",
                ),
                on_submit=S.save_buffer,
                key=S.buffer_rev.to_string(),
                width="100%",
            ),
            rx.text(
                rx.cond(
                    S.buffer == "0",
                    "No buffer: sessions may follow each other directly.",
                    S.buffer + " minutes kept free after each session.",
                ),
                size="2",
            ),
        ),
    )


def _clinician_picker() -> rx.Component:
    return rx.cond(
        S.clinicians.length() > 1,
        rx.vstack(
            rx.el.label(rx.text("Clinician", size="2", weight="medium"), html_for="clinician"),
            rx.el.select(
                rx.foreach(S.clinicians, lambda o: rx.el.option(o[1], value=o[0])),
                id="clinician",
                value=S.clinician_id,
                on_change=S.pick_clinician,
                class_name="pr-select",
                style={"min_width": "220px"},
            ),
            spacing="1",
        ),
    )


@app_page(AVAILABILITY, "Availability", on_load=S.load)
def availability() -> rx.Component:
    return gate(
        S,
        page_header(
            "Availability",
            rx.fragment(
                rx.text.strong(S.clinician_name),
                " · times are ",
                S.timezone_label,
                rx.cond(S.can_edit, "", " · view only"),
            ),
            _clinician_picker(),
        ),
        _weekly_hours(),
        rx.grid(
            _exceptions(),
            rx.vstack(
                _buffer(),
                rx.cond(
                    S.can_manage_practice,
                    rx.callout(
                        rx.text(
                            "Practice holidays close the practice for everyone: ",
                            rx.link("manage holidays", href=SETTINGS_HOLIDAYS),
                            ".",
                        ),
                        icon="calendar-off",
                        color_scheme="gray",
                        variant="surface",
                        width="100%",
                    ),
                ),
                spacing="5",
                width="100%",
            ),
            columns=rx.breakpoints(initial="1", lg="1.7fr 1fr"),
            spacing="5",
            width="100%",
            align_items="start",
        ),
    )


# --- practice holidays ------------------------------------------------------------------------


def _holiday_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.text(row["date_label"], weight="medium"), white_space="nowrap"),
        rx.table.cell(row["name"]),
        rx.table.cell(
            rx.button(
                "Remove",
                variant="ghost",
                color_scheme="gray",
                size="1",
                on_click=H.remove(row["id"]),
                aria_label="Remove " + row["name"] + " on " + row["date_label"],
            ),
            text_align="right",
        ),
        align="center",
    )


def _holiday_table() -> rx.Component:
    return rx.cond(
        H.rows.length() > 0,
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    rx.table.column_header_cell("Date"),
                    rx.table.column_header_cell("Holiday"),
                    rx.table.column_header_cell(rx.el.span("Actions", style=_HIDDEN)),
                )
            ),
            rx.table.body(rx.foreach(H.rows, _holiday_row)),
            variant="surface",
            width="100%",
        ),
        rx.text(
            "No holidays coming up. Add the US federal holidays, or a day of your own.",
            size="2",
            style=_MUTED,
        ),
    )


def _holiday_form() -> rx.Component:
    return section(
        "Close the practice on a day",
        rx.form(
            rx.vstack(
                form_error_banner(H.errors),
                text_field("Date", "on_date", H.errors, type="date", required=True),
                text_field(
                    "Name", "name", H.errors, required=True, placeholder="e.g. Staff retreat"
                ),
                rx.hstack(rx.button("Add holiday", type="submit"), justify="end", width="100%"),
                spacing="3",
                width="100%",
            ),
            on_submit=H.add,
            key=H.rev.to_string(),
            width="100%",
        ),
    )


def _federal() -> rx.Component:
    return section(
        "US federal holidays",
        rx.vstack(
            rx.text(
                "New Year's Day, Memorial Day, Independence Day, Thanksgiving and the rest, "
                "with the weekday a weekend holiday is observed on. Days already there are "
                "kept; remove any the practice stays open on.",
                size="2",
                style=_MUTED,
            ),
            rx.foreach(
                H.years,
                lambda year: rx.button(
                    rx.icon("calendar-plus", size=16),
                    "Add US federal holidays for " + year,
                    variant="soft",
                    width="100%",
                    on_click=H.add_federal(year),
                ),
            ),
            spacing="3",
            width="100%",
        ),
    )


@app_page(SETTINGS_HOLIDAYS, "Holidays", on_load=H.load)
def holidays() -> rx.Component:
    return gate(
        H,
        page_header(
            "Holidays",
            "Days the practice is closed: nobody is shown as available, and bookings get a "
            "warning.",
        ),
        rx.grid(
            section("Coming up", _holiday_table()),
            rx.vstack(_holiday_form(), _federal(), spacing="5", width="100%"),
            columns=rx.breakpoints(initial="1", lg="1.7fr 1fr"),
            spacing="5",
            width="100%",
            align_items="start",
        ),
    )


# --- rooms of an office (on the locations page) -----------------------------------------------


def rooms_button(row: rx.Var) -> rx.Component:
    """A location row's "Rooms" button; offices only."""
    return rx.cond(
        row["kind"] == "office",
        rx.button(
            "Rooms",
            variant="soft",
            color_scheme="gray",
            size="1",
            on_click=R.open_for(row["id"], row["name"]),
            aria_label="Rooms of " + row["name"],
        ),
    )


def _room_row(row: rx.Var) -> rx.Component:
    renaming = R.renaming == row["id"]
    return rx.table.row(
        rx.table.row_header_cell(
            rx.cond(
                renaming,
                rx.form(
                    rx.vstack(
                        rx.hstack(
                            rx.input(
                                name="new_name",
                                id="new_name",
                                default_value=row["name"],
                                aria_label="New name for " + row["name"],
                                aria_invalid=rx.cond(
                                    R.rename_errors.contains("new_name"), "true", "false"
                                ),
                                aria_describedby="new_name-error",
                                max_length=80,
                                auto_focus=True,
                                size="1",
                            ),
                            rx.button("Save", type="submit", size="1"),
                            rx.button(
                                "Cancel",
                                type="button",
                                size="1",
                                variant="soft",
                                color_scheme="gray",
                                on_click=R.cancel_rename,
                            ),
                            spacing="2",
                            align="center",
                        ),
                        field_error(R.rename_errors, "new_name"),
                        spacing="1",
                    ),
                    on_submit=R.rename,
                ),
                rx.text(row["name"], weight="medium"),
            )
        ),
        rx.table.cell(status_badge(row["is_active"])),
        rx.table.cell(
            rx.cond(
                renaming,
                rx.fragment(),
                rx.hstack(
                    rx.button(
                        "Rename",
                        variant="soft",
                        size="1",
                        on_click=R.start_rename(row["id"]),
                        aria_label="Rename " + row["name"],
                    ),
                    rx.cond(
                        row["is_active"] == "yes",
                        rx.button(
                            "Retire",
                            variant="ghost",
                            color_scheme="gray",
                            size="1",
                            on_click=R.set_active(row["id"], False),
                            aria_label="Retire " + row["name"],
                        ),
                        rx.button(
                            "Bring back",
                            variant="ghost",
                            size="1",
                            on_click=R.set_active(row["id"], True),
                            aria_label="Bring back " + row["name"],
                        ),
                    ),
                    spacing="3",
                    justify="end",
                ),
            ),
        ),
        align="center",
    )


def rooms_dialog() -> rx.Component:
    """The dialog listing an office's rooms, with rename, retire and add."""
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Rooms at " + R.location_name),
            rx.dialog.description(
                "Two sessions cannot be booked in the same room at the same time. A retired "
                "room stays on past sessions.",
                size="2",
                color_scheme="gray",
                margin_bottom="16px",
            ),
            rx.vstack(
                rx.cond(
                    R.rows.length() > 0,
                    rx.table.root(
                        rx.table.body(rx.foreach(R.rows, _room_row)),
                        variant="surface",
                        size="1",
                        width="100%",
                    ),
                    rx.text("No rooms yet.", size="2", style=_MUTED),
                ),
                rx.form(
                    rx.hstack(
                        rx.box(
                            text_field("New room", "room_name", R.errors, max_length=80),
                            flex="1",
                        ),
                        rx.button("Add room", type="submit", margin_top="22px"),
                        align="start",
                        spacing="3",
                        width="100%",
                    ),
                    on_submit=R.add,
                    key=R.rev.to_string(),
                    width="100%",
                ),
                rx.hstack(
                    rx.dialog.close(
                        rx.button("Done", type="button", variant="soft", color_scheme="gray")
                    ),
                    justify="end",
                    width="100%",
                ),
                spacing="4",
                width="100%",
            ),
            max_width="560px",
        ),
        open=R.dialog_open,
        on_open_change=R.set_dialog_open,
    )
