"""The booking dialog: case, who attends, service, time, repeat; the conflict panel."""

# Reflex state attributes are Vars at class level but typed as their Python values, and event
# handlers are typed as namespaces: mypy cannot follow either (as for every page module).
# mypy: disable-error-code="index, operator, arg-type, attr-defined, union-attr, call-overload"

from __future__ import annotations

import reflex as rx

from practicerunner.scheduling.calendar_ui.booking_state import BookingState
from practicerunner.scheduling.calendar_ui.widgets import (
    checkbox,
    labelled,
    message_list,
    native_select,
    radio_group,
    suggestion_buttons,
    text_input,
)
from practicerunner.ui.components import field_error

B = BookingState

REPEAT_OPTIONS = [
    ("", "Does not repeat"),
    ("weekly", "Every week"),
    ("biweekly", "Every 2 weeks"),
    ("monthly_by_weekday", "Every month, same weekday (like the 1st Tuesday)"),
    ("monthly_by_date", "Every month, same date (like the 3rd)"),
]


def _repeat_section() -> rx.Component:
    e = B.errors
    return rx.vstack(
        labelled(
            "Repeats",
            "repeat",
            native_select("repeat", REPEAT_OPTIONS, B.values["repeat"], e, on_change=B.set_repeat),
            e,
        ),
        rx.cond(
            B.repeat != "",
            rx.vstack(
                radio_group(
                    "repeat_end",
                    [
                        ("never", "Never (kept six months ahead)"),
                        ("until", "On a date"),
                        ("count", "After a number of sessions"),
                    ],
                    B.repeat_end,
                    B.set_repeat_end,
                    "Ends",
                ),
                field_error(e, "repeat_end"),
                rx.cond(
                    B.repeat_end == "until",
                    labelled(
                        "Last date",
                        "repeat_until",
                        text_input("repeat_until", B.values["repeat_until"], e, type="date"),
                        e,
                    ),
                ),
                rx.cond(
                    B.repeat_end == "count",
                    labelled(
                        "Number of sessions",
                        "repeat_count",
                        text_input(
                            "repeat_count",
                            B.values["repeat_count"],
                            e,
                            type="number",
                            min="1",
                            max="520",
                        ),
                        e,
                    ),
                ),
                spacing="2",
                width="100%",
                padding_left="4px",
            ),
        ),
        spacing="2",
        width="100%",
    )


def _booking_form() -> rx.Component:
    e = B.errors
    v = B.values
    return rx.form(
        rx.vstack(
            labelled(
                "Case *",
                "case_id",
                native_select(
                    "case_id",
                    B.case_options,
                    v["case_id"],
                    e,
                    blank="Choose a case…",
                    on_change=B.case_changed,
                ),
                e,
            ),
            rx.cond(
                B.participants.length() > 0,  # type: ignore[attr-defined]
                rx.el.fieldset(
                    rx.el.legend(rx.text("Who attends", size="2", weight="medium")),
                    rx.flex(
                        rx.foreach(
                            B.participants,
                            lambda p: checkbox(
                                "attendee_" + p["value"].to(str),
                                p["label"],
                                p["checked"] == "1",
                                p["value"].to(str) + "-" + B.form_rev.to(str),
                            ),
                        ),
                        spacing="4",
                        wrap="wrap",
                        padding_top="4px",
                    ),
                    field_error(e, "attendee_ids"),
                    id="attendees",
                    style={"border": "none", "padding": "0", "margin": "0"},
                ),
            ),
            rx.grid(
                labelled(
                    "Service *",
                    "service_id",
                    native_select(
                        "service_id",
                        B.service_options,
                        v["service_id"],
                        e,
                        on_change=B.service_changed,
                    ),
                    e,
                ),
                labelled(
                    "Length (minutes)",
                    "duration_minutes",
                    text_input(
                        "duration_minutes",
                        v["duration_minutes"],
                        e,
                        type="number",
                        min="1",
                        key=B.duration_rev.to(str),
                    ),
                    e,
                ),
                labelled(
                    "Date *",
                    "date",
                    text_input("date", v["date"], e, type="date"),
                    e,
                ),
                labelled(
                    "Start *",
                    "start_time",
                    text_input("start_time", v["start_time"], e, type="time", step="300"),
                    e,
                ),
                labelled(
                    "Clinician *",
                    "clinician_id",
                    native_select("clinician_id", B.clinician_options, v["clinician_id"], e),
                    e,
                ),
                labelled(
                    "Location *",
                    "location_id",
                    native_select("location_id", B.location_options, v["location_id"], e),
                    e,
                ),
                labelled(
                    "Room",
                    "room_id",
                    native_select("room_id", B.room_options, v["room_id"], e, blank="No room"),
                    e,
                ),
                columns="2",
                spacing="3",
                width="100%",
            ),
            _repeat_section(),
            rx.el.details(
                rx.el.summary(
                    rx.el.span("Fee and supervisor overrides"),
                    style={"cursor": "pointer", "font_size": "var(--font-size-2)"},
                ),
                rx.grid(
                    labelled(
                        "Fee override ($)",
                        "fee_override",
                        text_input("fee_override", v["fee_override"], e, placeholder="Service fee"),
                        e,
                    ),
                    labelled(
                        "Supervisor override",
                        "supervisor_override_id",
                        native_select(
                            "supervisor_override_id",
                            B.supervisor_options,
                            v["supervisor_override_id"],
                            e,
                            blank="The usual supervisor",
                        ),
                        e,
                    ),
                    columns="2",
                    spacing="3",
                    padding_top="8px",
                ),
                style={"width": "100%"},
            ),
            rx.cond(
                e.length() > 0,  # type: ignore[attr-defined]
                rx.callout(
                    "Please correct the highlighted fields; nothing was booked.",
                    icon="triangle-alert",
                    color_scheme="red",
                    role="alert",
                    id="booking-errors",
                    width="100%",
                ),
            ),
            rx.hstack(
                rx.button(
                    "Block this time instead",
                    type="button",
                    variant="ghost",
                    color_scheme="gray",
                    on_click=B.block_instead,
                ),
                rx.spacer(),
                rx.button(
                    "Cancel",
                    type="button",
                    variant="soft",
                    color_scheme="gray",
                    on_click=B.close_booking,
                ),
                rx.button("Book session", type="submit", loading=B.saving, id="book-submit"),
                width="100%",
                spacing="2",
            ),
            spacing="3",
            width="100%",
        ),
        key=B.form_rev.to(str),
        on_submit=B.submit,
        reset_on_submit=False,
        id="booking-form",
    )


def _booking_conflict() -> rx.Component:
    return rx.cond(
        B.conflict_messages.length() > 0,  # type: ignore[attr-defined]
        rx.callout.root(
            rx.callout.icon(rx.icon(rx.cond(B.outside_hours_only, "clock", "calendar-x"))),
            rx.vstack(
                rx.text(
                    rx.cond(
                        B.outside_hours_only,
                        "Outside working hours — nothing was booked.",
                        "That time is not free — nothing was booked.",
                    ),
                    weight="medium",
                    size="2",
                ),
                message_list(B.conflict_messages),
                suggestion_buttons(B.suggestions, B.use_suggestion, "booking"),
                rx.cond(
                    B.can_override,
                    rx.form(
                        rx.vstack(
                            rx.el.label(
                                rx.text("Book anyway, because…", size="2", weight="medium"),
                                html_for="override_reason",
                            ),
                            rx.hstack(
                                rx.input(
                                    name="override_reason",
                                    id="override_reason",
                                    placeholder="e.g. client asked for a double session",
                                    width="100%",
                                ),
                                rx.button(
                                    "Book anyway",
                                    type="submit",
                                    variant="outline",
                                    color_scheme="red",
                                ),
                                width="100%",
                                spacing="2",
                            ),
                            rx.cond(
                                B.override_error != "",
                                rx.text(
                                    B.override_error,
                                    id="override_reason-error",
                                    size="1",
                                    color=rx.color("red", 11),
                                    role="alert",
                                ),
                            ),
                            spacing="1",
                            width="100%",
                        ),
                        on_submit=B.book_anyway,
                        reset_on_submit=False,
                        width="100%",
                    ),
                ),
                spacing="2",
                width="100%",
            ),
            color_scheme=rx.cond(B.outside_hours_only, "amber", "red"),
            role="alert",
            id="booking-conflict",
            width="100%",
        ),
    )


def booking_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Book a session"),
            rx.dialog.description(
                "Times are in the practice's timezone.", size="2", color_scheme="gray"
            ),
            rx.vstack(_booking_form(), _booking_conflict(), spacing="3", padding_top="12px"),
            max_width="640px",
            id="booking-dialog",
        ),
        open=B.booking_open,
        on_open_change=B.booking_open_change,
    )
