"""Small layout pieces the practice set-up pages share."""

from __future__ import annotations

from typing import Any

import reflex as rx

from practicerunner.ui.components import form_error_banner, loading, not_found_panel


def gate(state: Any, *body: rx.Component) -> rx.Component:
    """Show BODY once loaded; someone without access sees 'not found' instead."""
    return rx.cond(
        state.loaded,
        rx.cond(
            state.denied,
            not_found_panel("page"),
            rx.vstack(*body, spacing="5", width="100%"),
        ),
        loading(),
    )


def grid(*fields: rx.Component, columns: str = "2") -> rx.Component:
    """Form fields in a responsive grid."""
    return rx.grid(
        *fields, columns=rx.breakpoints(initial="1", md=columns), spacing="4", width="100%"
    )


def status_badge(active: Any) -> rx.Component:
    return rx.cond(
        active == "yes",
        rx.badge("Active", color_scheme="teal", variant="soft"),
        rx.badge("Inactive", color_scheme="gray", variant="soft"),
    )


def row_actions(
    state: Any,
    row: Any,
    *,
    deactivate: str,
    reactivate: str,
    reactivate_aria: tuple[str, str] | None = None,
) -> rx.Component:
    """A table row's buttons: Edit, and DEACTIVATE or REACTIVATE by its status.

    Screen readers hear the row's name: "Edit Main office", "Deactivate Main office";
    REACTIVATE_ARIA is the (before, after) around the name when the label alone reads badly.
    """
    before, after = reactivate_aria or (reactivate + " ", "")
    reactivate_label = before + row["name"] + after if after else before + row["name"]
    return rx.hstack(
        rx.button(
            "Edit",
            variant="soft",
            size="1",
            on_click=state.open_edit(row["id"]),
            aria_label="Edit " + row["name"],
        ),
        rx.cond(
            row["is_active"] == "yes",
            rx.button(
                deactivate,
                variant="ghost",
                color_scheme="gray",
                size="1",
                on_click=state.set_active(row["id"], False),
                aria_label=deactivate + " " + row["name"],
            ),
            rx.button(
                reactivate,
                variant="ghost",
                size="1",
                on_click=state.set_active(row["id"], True),
                aria_label=reactivate_label,
            ),
        ),
        spacing="3",
        justify="end",
        align="center",
    )


def save_row(label: str, *extra: rx.Component) -> rx.Component:
    """The form's buttons, primary action last (right-aligned)."""
    return rx.hstack(*extra, rx.button(label, type="submit", size="2"), justify="end", width="100%")


def edit_dialog(
    state: Any,
    *fields: rx.Component,
    noun: str,
    description: str,
    form_style: dict[str, Any] | None = None,
) -> rx.Component:
    """A table page's add/edit dialog: FIELDS in a form that STATE saves ("Save NOUN")."""
    form_props = {"style": form_style} if form_style else {}
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.cond(state.editing == "", f"Add {noun}", f"Edit {noun}")),
            rx.dialog.description(description, size="2", color_scheme="gray", margin_bottom="16px"),
            rx.form(
                rx.vstack(
                    form_error_banner(state.errors),
                    *fields,
                    save_row(
                        f"Save {noun}",
                        rx.dialog.close(
                            rx.button("Cancel", type="button", variant="soft", color_scheme="gray")
                        ),
                    ),
                    spacing="4",
                    width="100%",
                ),
                on_submit=state.save,
                key=f"{noun}-{state.rev}",
                **form_props,
                width="100%",
            ),
            max_width="560px",
        ),
        open=state.dialog_open,
        on_open_change=state.set_dialog_open,
    )


# Hide the address fields while the location kind select says telehealth (no round trip).
HIDE_ADDRESS_FOR_TELEHEALTH = {
    "&:has(select[name='kind'] option[value='telehealth']:checked) .pr-office-only": {
        "display": "none"
    }
}
# Show the supervisor pickers only while the associate role is ticked.
SHOW_SUPERVISION_FOR_ASSOCIATES = {
    "&:not(:has(input[name='role_associate']:checked)) .pr-associate-only": {"display": "none"}
}

# Read by screen readers, not shown (e.g. the header of a column of buttons).
VISUALLY_HIDDEN = {
    "position": "absolute",
    "width": "1px",
    "height": "1px",
    "overflow": "hidden",
    "clip": "rect(0 0 0 0)",
    "white_space": "nowrap",
}
