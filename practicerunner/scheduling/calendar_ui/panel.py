"""The appointment panel (details and status, cancel, move, who attends) and the block panel."""

# Reflex state attributes are Vars at class level but typed as their Python values, and event
# handlers are typed as namespaces: mypy cannot follow either (as for every page module).
# mypy: disable-error-code="index, operator, arg-type, attr-defined, union-attr, call-overload"

from __future__ import annotations

import reflex as rx

from practicerunner.scheduling.calendar_ui.panel_state import PanelState
from practicerunner.scheduling.calendar_ui.widgets import (
    checkbox,
    detail,
    labelled,
    message_list,
    native_select,
    override_form,
    radio_group,
    status_badge,
    suggestion_buttons,
    text_input,
)
from practicerunner.ui.components import field_error

P = PanelState

SCOPE_OPTIONS = [
    ("this", "This session only"),
    ("following", "This and following sessions"),
    ("all", "All sessions in the series"),
]


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
            detail("When", a["date_label"] + ", " + a["time_label"]),
            detail("Clinician", a["clinician_name"]),
            detail("Service", a["service_name"]),
            detail(
                "Where",
                rx.cond(
                    a["room_name"] != "",
                    a["location_name"] + " · " + a["room_name"],
                    a["location_name"],
                ),
            ),
            rx.cond(a["attending"] != "", detail("Attending", a["attending"])),
            rx.cond(a["series_label"] != "", detail("Repeats", a["series_label"])),
            detail("Fee", a["fee"]),
            detail(
                "Status",
                rx.vstack(
                    status_badge(a["status"], a["status_label"]),
                    rx.cond(
                        a["status_detail"] != "",
                        rx.text(a["status_detail"], size="1", color_scheme="gray"),
                    ),
                    spacing="1",
                ),
            ),
            rx.cond(
                a["conflict_override_reason"] != "",
                detail("Overlap allowed", a["conflict_override_reason"]),
            ),
            rx.cond(a["supervisor_why"] != "", _supervisor_detail()),
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


def _supervisor_detail() -> rx.Component:
    """Who reviews this associate's notes, and why (nobody: the why says what to do)."""
    a = P.appt
    return detail(
        "Supervisor",
        rx.text(
            rx.cond(
                a["supervisor"] != "",
                rx.text.strong(a["supervisor"], weight="medium"),
                rx.text.strong("None", color_scheme="red", weight="medium"),
            ),
            # One sentence: "**Dana Whitlock** is Ana Alvarez's primary supervisor."
            rx.text.span(
                rx.cond(a["supervisor"] != "", " ", " — ") + a["supervisor_why"],
                color_scheme="gray",
            ),
            size="2",
            id="session-supervisor",
        ),
    )


def _supervisor_tab() -> rx.Component:
    e = P.panel_errors
    return rx.form(
        rx.vstack(
            rx.text(
                "Choose who covers this session, or go back to the usual supervisor. A note "
                "waiting for review moves to whoever supervises it now, and both supervisors "
                "are emailed.",
                size="2",
                color_scheme="gray",
            ),
            labelled(
                "Covering supervisor",
                "supervisor_override_id",
                native_select(
                    "supervisor_override_id",
                    P.supervisor_options,
                    P.appt["supervisor_override_id"],
                    e,
                    blank="The usual supervisor",
                    width="100%",
                ),
                e,
            ),
            rx.hstack(
                rx.spacer(),
                rx.button("Save supervisor", type="submit", id="supervisor-submit"),
                width="100%",
            ),
            spacing="3",
            width="100%",
            padding_top="12px",
        ),
        key="sup-" + P.panel_rev.to(str),
        on_submit=P.save_supervisor,
        reset_on_submit=False,
    )


def _scope_choice() -> rx.Component:
    return rx.cond(
        P.is_series,
        radio_group("scope", SCOPE_OPTIONS, P.scope, P.set_scope, "Apply to"),
    )


def _cancel_tab() -> rx.Component:
    e = P.panel_errors
    return rx.form(
        rx.vstack(
            radio_group(
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
            labelled(
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
                    labelled(
                        "Date",
                        "move_date",
                        text_input("move_date", a["move_date"], e, type="date"),
                        e,
                    ),
                    labelled(
                        "Start",
                        "start_time",
                        text_input("start_time", a["move_start"], e, type="time", step="300"),
                        e,
                    ),
                    labelled(
                        "End",
                        "end_time",
                        text_input("end_time", a["move_end"], e, type="time", step="300"),
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
                    message_list(P.panel_messages),
                    suggestion_buttons(P.panel_suggestions, P.move_panel_suggestion, "panel"),
                    rx.cond(
                        P.panel_can_override,
                        override_form(
                            "panel_override_reason",
                            "Move anyway",
                            P.move_panel_anyway,
                            field_error(e, "panel_override_reason"),
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
                    lambda p: checkbox(
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
            status_badge(P.appt["status"], P.appt["status_label"]),
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
                rx.cond(
                    P.supervisor_options.length() > 0,  # type: ignore[attr-defined]
                    rx.tabs.trigger("Supervisor", value="supervisor"),
                ),
            ),
            rx.tabs.content(_details_tab(), value="details"),
            rx.tabs.content(_cancel_tab(), value="cancel"),
            rx.tabs.content(_move_tab(), value="move"),
            rx.tabs.content(_attendees_tab(), value="attendees"),
            rx.tabs.content(_supervisor_tab(), value="supervisor"),
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


def panel_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.cond(P.panel_kind == "item", _item_panel(), _appointment_panel()),
            max_width="600px",
            id="appointment-panel",
        ),
        open=P.panel_open,
        on_open_change=P.panel_open_change,
    )
