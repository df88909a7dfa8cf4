"""The case form's row editors: who attends and who pays, with their per-row errors."""

# Reflex state attributes are Vars at class level but typed as their Python values, and event
# handlers are typed as namespaces: mypy cannot follow either, so those codes are off here.

from __future__ import annotations

from collections.abc import Callable

import reflex as rx
from reflex.event import EventSpec

from practicerunner.clients.case_state import CaseFormState
from practicerunner.ui.components import field_error, section

F = CaseFormState


def _row_error(prefix: str, index: rx.Var) -> rx.Component:
    """The error beside one row's field, e.g. payer_share_2."""
    key = rx.Var.create(prefix) + index.to_string()
    return rx.cond(
        F.errors.contains(key),
        rx.text(
            F.errors[key],
            id=key + "-error",
            role="alert",
            size="1",
            color=rx.color("red", 11),
        ),
    )


def _picker(
    options: rx.Var,
    value: rx.Var,
    on_change: Callable[[rx.Var], EventSpec],
    label: str,
    flex: str,
    placeholder: str = "",
) -> rx.Component:
    """A native select of [value, label] OPTIONS, headed by PLACEHOLDER when one is given."""
    first = [rx.el.option(placeholder, value="")] if placeholder else []
    return rx.el.select(
        *first,
        rx.foreach(options, lambda o: rx.el.option(o[1], value=o[0])),
        value=value,
        on_change=on_change,
        aria_label=label,
        class_name="pr-select",
        style={"flex": flex},
    )


def _remove_button(label: str, on_click: EventSpec) -> rx.Component:
    return rx.icon_button(
        rx.icon("x", size=16),
        type="button",
        variant="ghost",
        color_scheme="gray",
        aria_label=label,
        title=label,
        on_click=on_click,
    )


def _add_button(label: str, on_click: rx.EventHandler) -> rx.Component:
    return rx.button(
        rx.icon("plus", size=14),
        label,
        type="button",
        variant="soft",
        color_scheme="gray",
        size="2",
        on_click=on_click,
    )


def _column_labels(*columns: tuple[str, dict[str, str]]) -> rx.Component:
    """Column headings laid out with the same flex sizes as the rows beneath them."""
    return rx.hstack(
        *[
            rx.box(rx.text(text, size="1", weight="medium", color_scheme="gray"), style=size)
            for text, size in columns
        ],
        width="100%",
        spacing="3",
        padding_top="8px",
    )


# --- the form shared by new and edit ------------------------------------------------------


def _participant_row(row: rx.Var, index: rx.Var) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            _picker(
                F.client_options,
                row["client_id"],
                lambda v: F.set_row_client(index, v),
                "Client",
                "3",
                "Choose a client…",
            ),
            _picker(F.role_options, row["role"], lambda v: F.set_row_role(index, v), "Role", "1"),
            rx.box(
                rx.checkbox(
                    "Attends",
                    checked=row["attends"] == "yes",
                    on_change=lambda c: F.set_row_attends(index, c),
                ),
                width="96px",
            ),
            _remove_button("Remove participant", F.remove_row(index)),
            width="100%",
            align="center",
            spacing="3",
        ),
        _row_error("participant_client_", index),
        _row_error("participant_role_", index),
        spacing="1",
        width="100%",
    )


def participants_section() -> rx.Component:
    return section(
        "Who attends",
        rx.vstack(
            rx.input(
                placeholder="Find a client by name, email or phone",
                default_value=F.client_query,
                on_change=F.search_clients.debounce(300),
                aria_label="Find a client",
                width="100%",
                size="2",
            ),
            rx.text(
                "Type a name to narrow the client lists below.",
                size="1",
                color_scheme="gray",
            ),
            _column_labels(
                ("Client", {"flex": "3"}),
                ("Role", {"flex": "1"}),
                ("", {"width": "96px"}),
                ("", {"width": "32px"}),
            ),
            rx.foreach(F.rows, _participant_row),
            field_error(F.errors, "participants"),
            _add_button("Add participant", F.add_row),
            spacing="3",
            width="100%",
        ),
    )


def _payer_row(row: rx.Var, index: rx.Var) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            _picker(
                F.payer_options,
                row["party"],
                lambda v: F.set_payer_party(index, v),
                "Payer",
                "3",
                "Choose who pays…",
            ),
            rx.hstack(
                rx.input(
                    value=row["share"],
                    on_change=lambda v: F.set_payer_share(index, v),
                    input_mode="decimal",
                    aria_label="Share in percent",
                    width="96px",
                    size="2",
                ),
                rx.text("%", size="2", color_scheme="gray"),
                align="center",
                spacing="2",
                width="118px",
            ),
            _remove_button("Remove payer", F.remove_payer(index)),
            width="100%",
            align="center",
            spacing="3",
        ),
        _row_error("payer_party_", index),
        _row_error("payer_share_", index),
        spacing="1",
        width="100%",
    )


def payers_section() -> rx.Component:
    return section(
        "Who pays",
        rx.vstack(
            rx.text(
                "Participants, or their billing contacts and guardians. Shares must add up "
                "to 100%.",
                size="1",
                color_scheme="gray",
            ),
            _column_labels(
                ("Payer", {"flex": "3"}),
                ("Share", {"width": "118px"}),
                ("", {"width": "32px"}),
            ),
            rx.foreach(F.payer_rows, _payer_row),
            rx.hstack(
                _add_button("Add payer", F.add_payer),
                rx.spacer(),
                rx.hstack(
                    rx.cond(
                        F.payer_total_ok,
                        rx.icon("circle-check", size=16, color=rx.color("teal", 10)),
                        rx.icon("circle-alert", size=16, color=rx.color("amber", 10)),
                    ),
                    rx.text(F.payer_total, size="2", weight="medium", id="payer-total"),
                    align="center",
                    spacing="2",
                    aria_live="polite",
                ),
                width="100%",
                align="center",
            ),
            field_error(F.errors, "payers"),
            spacing="3",
            width="100%",
        ),
    )
