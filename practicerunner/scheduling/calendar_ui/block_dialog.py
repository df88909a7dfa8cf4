"""The block dialog: supervision, admin or personal time on a calendar."""

# Reflex state attributes are Vars at class level but typed as their Python values, and event
# handlers are typed as namespaces: mypy cannot follow either (as for every page module).
# mypy: disable-error-code="index, operator, arg-type, attr-defined, union-attr, call-overload"

from __future__ import annotations

import reflex as rx

from practicerunner.scheduling.calendar_ui.block_state import BlockState
from practicerunner.scheduling.calendar_ui.state import CalendarState
from practicerunner.scheduling.calendar_ui.widgets import (
    labelled,
    message_list,
    native_select,
    override_form,
    text_input,
)
from practicerunner.ui.components import field_error

C = CalendarState
K = BlockState

BLOCK_KINDS = [("admin", "Admin"), ("supervision", "Supervision"), ("personal", "Personal time")]


def block_dialog() -> rx.Component:
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
                        labelled(
                            "Whose calendar *",
                            "staff_id",
                            native_select("staff_id", C.clinician_pairs, v["staff_id"], e),  # type: ignore[attr-defined]
                            e,
                        ),
                        labelled(
                            "Kind *",
                            "kind",
                            native_select(
                                "kind", BLOCK_KINDS, "admin", e, on_change=K.set_block_kind
                            ),
                            e,
                        ),
                        columns="2",
                        spacing="3",
                        width="100%",
                    ),
                    rx.cond(
                        K.block_kind == "supervision",
                        labelled(
                            "With",
                            "with_staff_id",
                            native_select(
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
                    labelled(
                        "Title",
                        "title",
                        text_input("title", v["title"], e, max_length=120),
                        e,
                        hint="Shown to colleagues; never clinical.",
                    ),
                    rx.grid(
                        labelled(
                            "Date *", "date", text_input("date", v["date"], e, type="date"), e
                        ),
                        labelled(
                            "Start *",
                            "start_time",
                            text_input("start_time", v["start_time"], e, type="time", step="300"),
                            e,
                        ),
                        labelled(
                            "End *",
                            "end_time",
                            text_input("end_time", v["end_time"], e, type="time", step="300"),
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
                        message_list(K.block_messages),
                        rx.cond(
                            K.block_can_override,
                            override_form(
                                "block_reason",
                                "Block anyway",
                                K.block_anyway,
                                field_error(e, "block_reason"),
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
