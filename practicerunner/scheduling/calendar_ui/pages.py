"""The calendar page: toolbar, clinicians, the FullCalendar grid, the "today" list, dialogs."""

# Reflex state attributes are Vars at class level but typed as their Python values, and event
# handlers are typed as namespaces: mypy cannot follow either (see pyproject's overrides).

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.vars.base import Var

from practicerunner.scheduling.calendar_component import column_headers, full_calendar
from practicerunner.scheduling.calendar_ui import grid
from practicerunner.scheduling.calendar_ui.state import (
    CALENDAR,
    BlockState,
    BookingState,
    CalendarState,
    PanelState,
)
from practicerunner.ui.components import field_error, loading
from practicerunner.ui.layout import app_page

C = CalendarState
B = BookingState
P = PanelState
K = BlockState

REPEAT_OPTIONS = [
    ("", "Does not repeat"),
    ("weekly", "Every week"),
    ("biweekly", "Every 2 weeks"),
    ("monthly_by_weekday", "Every month, same weekday (like the 1st Tuesday)"),
    ("monthly_by_date", "Every month, same date (like the 3rd)"),
]
BLOCK_KINDS = [("admin", "Admin"), ("supervision", "Supervision"), ("personal", "Personal time")]
SCOPE_OPTIONS = [
    ("this", "This session only"),
    ("following", "This and following sessions"),
    ("all", "All sessions in the series"),
]


# --- small form pieces ----------------------------------------------------------------------


def _label(text: str, html_for: str) -> rx.Component:
    return rx.el.label(rx.text(text, size="2", weight="medium"), html_for=html_for)


def _field(label: str, name: str, control: rx.Component, errors: Var, hint: str = "") -> Any:
    return rx.vstack(
        _label(label, name),
        control,
        rx.text(hint, size="1", color_scheme="gray") if hint else rx.fragment(),
        field_error(errors, name),
        spacing="1",
        width="100%",
    )


def _select(
    name: str,
    options: Var | list[tuple[str, str]],
    default: Any,
    errors: Var,
    *,
    blank: str | None = None,
    **props: Any,
) -> rx.Component:
    children: list[Any] = [rx.el.option(blank, value="")] if blank is not None else []
    if isinstance(options, list):
        children += [rx.el.option(text, value=value) for value, text in options]
    else:
        children.append(rx.foreach(options, lambda o: rx.el.option(o[1], value=o[0])))
    return rx.el.select(
        *children,
        id=name,
        name=name,
        default_value=default,
        class_name="pr-select",
        aria_invalid=rx.cond(errors.contains(name), "true", "false"),  # type: ignore[attr-defined]
        aria_describedby=f"{name}-error",
        **props,
    )


def _input(name: str, default: Any, errors: Var, **props: Any) -> rx.Component:
    return rx.input(
        id=name,
        name=name,
        default_value=default,
        aria_invalid=rx.cond(errors.contains(name), "true", "false"),  # type: ignore[attr-defined]
        aria_describedby=f"{name}-error",
        width="100%",
        **props,
    )


def _radios(
    name: str, options: list[tuple[str, str]], current: Var, on_change: Any, legend: str
) -> rx.Component:
    return rx.el.fieldset(
        rx.el.legend(rx.text(legend, size="2", weight="medium")),
        rx.vstack(
            *[
                rx.el.label(
                    rx.hstack(
                        rx.el.input(
                            type="radio",
                            name=name,
                            value=value,
                            id=f"{name}-{value}",
                            default_checked=current == value,
                            on_change=on_change(value),
                            class_name="pr-checkbox",
                        ),
                        rx.text(text, size="2"),
                        spacing="2",
                        align="center",
                    ),
                    html_for=f"{name}-{value}",
                )
                for value, text in options
            ],
            spacing="1",
            padding_top="4px",
        ),
        style={"border": "none", "padding": "0", "margin": "0"},
    )


def _checkbox(name: Any, label: Any, checked: Any, key: Any) -> rx.Component:
    return rx.el.label(
        rx.hstack(
            rx.el.input(
                type="checkbox",
                name=name,
                id=name,
                default_checked=checked,
                class_name="pr-checkbox",
            ),
            rx.text(label, size="2"),
            spacing="2",
            align="center",
        ),
        html_for=name,
        key=key,
    )


def _suggestion_buttons(rows: Var, on_pick: Any, prefix: str) -> rx.Component:
    return rx.cond(
        rows.length() > 0,  # type: ignore[attr-defined]
        rx.vstack(
            rx.text("Next free times:", size="2", weight="medium"),
            rx.flex(
                rx.foreach(
                    rows,
                    lambda s: rx.button(
                        s[1],
                        type="button",
                        variant="soft",
                        size="1",
                        class_name=f"{prefix}-suggestion",
                        on_click=on_pick(s[0]),
                    ),
                ),
                wrap="wrap",
                spacing="2",
            ),
            spacing="1",
            width="100%",
        ),
    )


def _messages(messages: Var) -> rx.Component:
    return rx.el.ul(
        rx.foreach(messages, lambda m: rx.el.li(rx.text(m, size="2"))),
        style={"margin": "0", "padding_left": "18px"},
    )


# --- toolbar, clinicians, legend -------------------------------------------------------------


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
                _messages(C.move_messages),
                _suggestion_buttons(C.move_suggestions, C.move_to_suggestion, "move"),
                rx.cond(
                    C.move_can_override,
                    rx.form(
                        rx.hstack(
                            rx.input(
                                name="move_reason",
                                id="move_reason",
                                placeholder="Reason to overlap anyway (recorded)",
                                aria_label="Reason to overlap anyway",
                                width="320px",
                            ),
                            rx.button("Move anyway", type="submit", variant="outline", size="2"),
                            spacing="2",
                        ),
                        rx.cond(
                            C.move_reason_error != "",
                            rx.text(C.move_reason_error, size="1", color=rx.color("red", 11)),
                        ),
                        on_submit=C.move_anyway,
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


# --- the grid --------------------------------------------------------------------------------


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


# --- the booking dialog ------------------------------------------------------------------------


def _repeat_section() -> rx.Component:
    e = B.errors
    return rx.vstack(
        _field(
            "Repeats",
            "repeat",
            _select("repeat", REPEAT_OPTIONS, B.values["repeat"], e, on_change=B.set_repeat),
            e,
        ),
        rx.cond(
            B.repeat != "",
            rx.vstack(
                _radios(
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
                    _field(
                        "Last date",
                        "repeat_until",
                        _input("repeat_until", B.values["repeat_until"], e, type="date"),
                        e,
                    ),
                ),
                rx.cond(
                    B.repeat_end == "count",
                    _field(
                        "Number of sessions",
                        "repeat_count",
                        _input(
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
            _field(
                "Case *",
                "case_id",
                _select(
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
                            lambda p: _checkbox(
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
                _field(
                    "Service *",
                    "service_id",
                    _select(
                        "service_id",
                        B.service_options,
                        v["service_id"],
                        e,
                        on_change=B.service_changed,
                    ),
                    e,
                ),
                _field(
                    "Length (minutes)",
                    "duration_minutes",
                    _input(
                        "duration_minutes",
                        v["duration_minutes"],
                        e,
                        type="number",
                        min="1",
                        key=B.duration_rev.to(str),
                    ),
                    e,
                ),
                _field(
                    "Date *",
                    "date",
                    _input("date", v["date"], e, type="date"),
                    e,
                ),
                _field(
                    "Start *",
                    "start_time",
                    _input("start_time", v["start_time"], e, type="time", step="300"),
                    e,
                ),
                _field(
                    "Clinician *",
                    "clinician_id",
                    _select("clinician_id", B.clinician_options, v["clinician_id"], e),
                    e,
                ),
                _field(
                    "Location *",
                    "location_id",
                    _select("location_id", B.location_options, v["location_id"], e),
                    e,
                ),
                _field(
                    "Room",
                    "room_id",
                    _select("room_id", B.room_options, v["room_id"], e, blank="No room"),
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
                    _field(
                        "Fee override ($)",
                        "fee_override",
                        _input("fee_override", v["fee_override"], e, placeholder="Service fee"),
                        e,
                    ),
                    _field(
                        "Supervisor override",
                        "supervisor_override_id",
                        _select(
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
                _messages(B.conflict_messages),
                _suggestion_buttons(B.suggestions, B.use_suggestion, "booking"),
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


def _booking_dialog() -> rx.Component:
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


# --- the appointment panel ----------------------------------------------------------------------


def _detail(label: str, value: Any) -> rx.Component:
    return rx.data_list.item(
        rx.data_list.label(label, min_width="110px"), rx.data_list.value(value)
    )


def _status_badge(status: Var, label: Var) -> rx.Component:
    return rx.badge(
        label,
        variant="soft",
        size="2",
        color_scheme=rx.match(
            status, ("scheduled", "blue"), ("attended", "teal"), ("no_show", "red"), "gray"
        ),
    )


def _panel_errors() -> rx.Component:
    return rx.cond(
        P.panel_errors.length() > 0,  # type: ignore[attr-defined]
        rx.callout(
            rx.foreach(P.panel_errors.values(), lambda m: rx.text(m, size="2")),  # type: ignore[attr-defined]
            icon="triangle-alert",
            color_scheme="red",
            role="alert",
            id="panel-errors",
            width="100%",
        ),
    )


def _details_tab() -> rx.Component:
    a = P.appt
    return rx.vstack(
        rx.data_list.root(
            _detail("When", a["date_label"] + ", " + a["time_label"]),
            _detail("Clinician", a["clinician_name"]),
            _detail("Service", a["service_name"]),
            _detail(
                "Where",
                rx.cond(
                    a["room_name"] != "",
                    a["location_name"] + " · " + a["room_name"],
                    a["location_name"],
                ),
            ),
            rx.cond(a["attending"] != "", _detail("Attending", a["attending"])),
            rx.cond(a["series_label"] != "", _detail("Repeats", a["series_label"])),
            _detail("Fee", a["fee"]),
            _detail(
                "Status",
                rx.vstack(
                    _status_badge(a["status"], a["status_label"]),
                    rx.cond(
                        a["status_detail"] != "",
                        rx.text(a["status_detail"], size="1", color_scheme="gray"),
                    ),
                    spacing="1",
                ),
            ),
            rx.cond(
                a["conflict_override_reason"] != "",
                _detail("Overlap allowed", a["conflict_override_reason"]),
            ),
            size="2",
        ),
        rx.cond(
            P.panel_can_edit,
            rx.cond(
                a["scheduled"] == "1",
                rx.cond(
                    a["started"] == "1",
                    rx.hstack(
                        rx.button(
                            "Attended", color_scheme="teal", on_click=P.set_status("attended")
                        ),
                        rx.button(
                            "No-show",
                            variant="soft",
                            color_scheme="red",
                            on_click=P.set_status("no_show"),
                        ),
                        rx.button(
                            "Late cancel",
                            variant="soft",
                            color_scheme="gray",
                            on_click=P.set_status("late_cancelled"),
                        ),
                        spacing="2",
                        wrap="wrap",
                    ),
                    rx.text(
                        "Attended and no-show can be recorded once the session has begun. "
                        "To cancel or move it, use the tabs above.",
                        size="2",
                        color_scheme="gray",
                    ),
                ),
                rx.button(
                    "Back to scheduled",
                    variant="soft",
                    color_scheme="gray",
                    on_click=P.set_status("scheduled"),
                ),
            ),
        ),
        _panel_errors(),
        rx.cond(
            a["case_href"] != "",
            rx.link("Open the case", href=a["case_href"], size="2"),
        ),
        spacing="3",
        width="100%",
        padding_top="12px",
    )


def _scope_choice() -> rx.Component:
    return rx.cond(
        P.is_series,
        _radios("scope", SCOPE_OPTIONS, P.scope, P.set_scope, "Apply to"),
    )


def _cancel_tab() -> rx.Component:
    e = P.panel_errors
    return rx.form(
        rx.vstack(
            _radios(
                "cancel_by",
                [
                    ("cancelled_client", "The client cancelled"),
                    ("cancelled_practice", "The practice cancels"),
                ],
                P.cancel_by,
                P.set_cancel_by,
                "Who cancels",
            ),
            rx.text(
                "A client's cancel inside the late-cancel window is recorded as a late cancel.",
                size="1",
                color_scheme="gray",
            ),
            _field(
                "Reason",
                "reason",
                rx.text_area(
                    name="reason",
                    id="reason",
                    rows="2",
                    width="100%",
                    placeholder=rx.cond(
                        P.cancel_by == "cancelled_practice",
                        "Required: the client is told",
                        "Optional",
                    ),
                ),
                e,
                hint="No clinical detail: the reason may be sent to the client.",
            ),
            _scope_choice(),
            field_error(e, "scope"),
            field_error(e, "status"),
            rx.hstack(
                rx.spacer(),
                rx.button(
                    rx.cond(P.scope == "this", "Cancel session", "Cancel sessions"),
                    type="submit",
                    color_scheme="red",
                    id="cancel-submit",
                ),
                width="100%",
            ),
            spacing="3",
            width="100%",
            padding_top="12px",
        ),
        key="cancel-" + P.panel_rev.to(str),
        on_submit=P.cancel,
        reset_on_submit=False,
    )


def _move_tab() -> rx.Component:
    e = P.panel_errors
    a = P.appt
    return rx.vstack(
        rx.form(
            rx.vstack(
                rx.grid(
                    _field(
                        "Date", "move_date", _input("move_date", a["move_date"], e, type="date"), e
                    ),
                    _field(
                        "Start",
                        "start_time",
                        _input("start_time", a["move_start"], e, type="time", step="300"),
                        e,
                    ),
                    _field(
                        "End",
                        "end_time",
                        _input("end_time", a["move_end"], e, type="time", step="300"),
                        e,
                    ),
                    columns="3",
                    spacing="3",
                    width="100%",
                ),
                _scope_choice(),
                field_error(e, "scope"),
                field_error(e, "clinician_id"),
                rx.hstack(
                    rx.spacer(), rx.button("Move", type="submit", id="move-submit"), width="100%"
                ),
                spacing="3",
                width="100%",
            ),
            key="move-" + P.panel_rev.to(str),
            on_submit=P.move,
            reset_on_submit=False,
        ),
        rx.cond(
            P.panel_messages.length() > 0,  # type: ignore[attr-defined]
            rx.callout.root(
                rx.callout.icon(rx.icon("calendar-x")),
                rx.vstack(
                    rx.text("Not moved: that time is not free.", weight="medium", size="2"),
                    _messages(P.panel_messages),
                    _suggestion_buttons(P.panel_suggestions, P.move_panel_suggestion, "panel"),
                    rx.cond(
                        P.panel_can_override,
                        rx.form(
                            rx.hstack(
                                rx.input(
                                    name="panel_override_reason",
                                    id="panel_override_reason",
                                    placeholder="Reason to overlap anyway (recorded)",
                                    aria_label="Reason to overlap anyway",
                                    width="100%",
                                ),
                                rx.button("Move anyway", type="submit", variant="outline"),
                                width="100%",
                                spacing="2",
                            ),
                            field_error(e, "panel_override_reason"),
                            on_submit=P.move_panel_anyway,
                            reset_on_submit=False,
                            width="100%",
                        ),
                    ),
                    spacing="2",
                    width="100%",
                ),
                color_scheme="red",
                role="alert",
                id="panel-conflict",
                width="100%",
            ),
        ),
        spacing="3",
        width="100%",
        padding_top="12px",
    )


def _attendees_tab() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.text(
                "Tick who attends this session (one partner may attend alone).",
                size="2",
                color_scheme="gray",
            ),
            rx.flex(
                rx.foreach(
                    P.attendee_rows,
                    lambda p: _checkbox(
                        "attends_" + p["value"].to(str),
                        p["label"],
                        p["checked"] == "1",
                        p["value"].to(str) + "-" + P.panel_rev.to(str),
                    ),
                ),
                spacing="4",
                wrap="wrap",
            ),
            field_error(P.panel_errors, "attendee_ids"),
            rx.hstack(rx.spacer(), rx.button("Save attendees", type="submit"), width="100%"),
            spacing="3",
            width="100%",
            padding_top="12px",
        ),
        key="att-" + P.panel_rev.to(str),
        on_submit=P.save_attendees,
        reset_on_submit=False,
    )


def _appointment_panel() -> rx.Component:
    editable = P.panel_can_edit & (P.appt["scheduled"] == "1")
    return rx.vstack(
        rx.hstack(
            rx.dialog.title(P.appt["case_title"], margin="0"),
            _status_badge(P.appt["status"], P.appt["status_label"]),
            spacing="3",
            align="center",
        ),
        rx.dialog.description(
            P.appt["date_label"] + " · " + P.appt["time_label"], size="2", color_scheme="gray"
        ),
        rx.tabs.root(
            rx.tabs.list(
                rx.tabs.trigger("Details", value="details"),
                rx.cond(editable, rx.tabs.trigger("Cancel", value="cancel")),
                rx.cond(editable, rx.tabs.trigger("Move", value="move")),
                rx.cond(
                    P.panel_can_edit & (P.attendee_rows.length() > 0),  # type: ignore[attr-defined]
                    rx.tabs.trigger("Who attends", value="attendees"),
                ),
            ),
            rx.tabs.content(_details_tab(), value="details"),
            rx.tabs.content(_cancel_tab(), value="cancel"),
            rx.tabs.content(_move_tab(), value="move"),
            rx.tabs.content(_attendees_tab(), value="attendees"),
            value=P.panel_tab,
            on_change=P.set_panel_tab,
            width="100%",
        ),
        spacing="2",
        width="100%",
    )


def _item_panel() -> rx.Component:
    return rx.vstack(
        rx.dialog.title(P.item["title"]),
        rx.dialog.description(P.item["when"], size="2", color_scheme="gray"),
        rx.text("On " + P.item["who"] + "'s calendar.", size="2"),
        rx.hstack(
            rx.spacer(),
            rx.cond(
                P.item["editable"] == "1",
                rx.button(
                    "Remove block", color_scheme="red", variant="soft", on_click=P.cancel_item
                ),
            ),
            rx.dialog.close(rx.button("Close", variant="soft", color_scheme="gray")),
            spacing="2",
            width="100%",
        ),
        spacing="3",
        width="100%",
    )


def _panel_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.cond(P.panel_kind == "item", _item_panel(), _appointment_panel()),
            max_width="600px",
            id="appointment-panel",
        ),
        open=P.panel_open,
        on_open_change=P.panel_open_change,
    )


# --- the block dialog -------------------------------------------------------------------------


def _block_dialog() -> rx.Component:
    e = K.block_errors
    v = K.block_values
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Block time"),
            rx.dialog.description(
                "Supervision, admin or personal time: it blocks the calendar and has no client.",
                size="2",
                color_scheme="gray",
            ),
            rx.form(
                rx.vstack(
                    rx.grid(
                        _field(
                            "Whose calendar *",
                            "staff_id",
                            _select("staff_id", C.clinician_pairs, v["staff_id"], e),  # type: ignore[attr-defined]
                            e,
                        ),
                        _field(
                            "Kind *",
                            "kind",
                            _select("kind", BLOCK_KINDS, "admin", e, on_change=K.set_block_kind),
                            e,
                        ),
                        columns="2",
                        spacing="3",
                        width="100%",
                    ),
                    rx.cond(
                        K.block_kind == "supervision",
                        _field(
                            "With",
                            "with_staff_id",
                            _select(
                                "with_staff_id",
                                C.clinician_pairs,  # type: ignore[attr-defined]
                                v["with_staff_id"],
                                e,
                                blank="Nobody else",
                            ),
                            e,
                            hint="Their calendar is blocked too.",
                        ),
                    ),
                    _field(
                        "Title",
                        "title",
                        _input("title", v["title"], e, max_length=120),
                        e,
                        hint="Shown to colleagues; never clinical.",
                    ),
                    rx.grid(
                        _field("Date *", "date", _input("date", v["date"], e, type="date"), e),
                        _field(
                            "Start *",
                            "start_time",
                            _input("start_time", v["start_time"], e, type="time", step="300"),
                            e,
                        ),
                        _field(
                            "End *",
                            "end_time",
                            _input("end_time", v["end_time"], e, type="time", step="300"),
                            e,
                        ),
                        columns="3",
                        spacing="3",
                        width="100%",
                    ),
                    rx.hstack(
                        rx.spacer(),
                        rx.dialog.close(
                            rx.button("Cancel", type="button", variant="soft", color_scheme="gray")
                        ),
                        rx.button("Block time", type="submit", id="block-submit"),
                        width="100%",
                        spacing="2",
                    ),
                    spacing="3",
                    width="100%",
                    padding_top="12px",
                ),
                key="block-" + K.block_rev.to(str),
                on_submit=K.save_block,
                reset_on_submit=False,
            ),
            rx.cond(
                K.block_messages.length() > 0,  # type: ignore[attr-defined]
                rx.callout.root(
                    rx.callout.icon(rx.icon("calendar-x")),
                    rx.vstack(
                        rx.text(
                            "That time is not free — nothing was blocked.",
                            weight="medium",
                            size="2",
                        ),
                        _messages(K.block_messages),
                        rx.cond(
                            K.block_can_override,
                            rx.form(
                                rx.hstack(
                                    rx.input(
                                        name="block_reason",
                                        id="block_reason",
                                        placeholder="Reason to overlap anyway (recorded)",
                                        aria_label="Reason to overlap anyway",
                                        width="100%",
                                    ),
                                    rx.button("Block anyway", type="submit", variant="outline"),
                                    width="100%",
                                    spacing="2",
                                ),
                                field_error(e, "block_reason"),
                                on_submit=K.block_anyway,
                                reset_on_submit=False,
                                width="100%",
                            ),
                        ),
                        spacing="2",
                        width="100%",
                    ),
                    color_scheme="red",
                    role="alert",
                    width="100%",
                    margin_top="12px",
                ),
            ),
            max_width="560px",
            id="block-dialog",
        ),
        open=K.block_open,
        on_open_change=K.block_open_change,
    )


# --- the page ---------------------------------------------------------------------------------


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
        _booking_dialog(),
        _panel_dialog(),
        _block_dialog(),
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
