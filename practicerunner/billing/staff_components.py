"""Small building blocks shared by the staff billing screens: tables, badges, empty notes."""

from __future__ import annotations

from typing import Any

import reflex as rx

# Amounts and counts line up on the right, in figures of equal width.
NUM: dict[str, str] = {"text_align": "right", "font_variant_numeric": "tabular-nums"}

_STATUS_COLOURS = (
    ("open", "amber"),
    ("processing", "blue"),
    ("paid", "green"),
    ("void", "gray"),
)


def invoice_status_badge(status: Any, label: Any) -> rx.Component:
    """An invoice's status as a soft badge: open amber, processing blue, paid green."""
    return rx.match(
        status,
        *[
            (value, rx.badge(label, color_scheme=colour, variant="soft"))  # type: ignore[arg-type]
            for value, colour in _STATUS_COLOURS
        ],
        rx.badge(label, color_scheme="gray", variant="soft"),
    )


def table(
    headers: list[str],
    body: rx.Component,
    table_id: str,
    *,
    numeric: list[int] | None = None,
    footer: rx.Component | None = None,
) -> rx.Component:
    """A plain table in the app's style; columns listed in NUMERIC are right-aligned."""
    right = set(numeric or [])
    head = rx.el.thead(
        rx.el.tr(
            *[
                rx.el.th(h, scope="col", style=NUM if i in right else {})
                for i, h in enumerate(headers)
            ]
        )
    )
    parts: list[rx.Component] = [head, rx.el.tbody(body)]
    if footer is not None:
        parts.append(rx.el.tfoot(footer))
    return rx.box(
        rx.el.table(*parts, class_name="pr-table", id=table_id),
        width="100%",
        overflow_x="auto",
    )


def empty_note(text: str) -> rx.Component:
    return rx.text(text, size="2", color_scheme="gray", padding_y="8px")


def forbidden_panel(title: str) -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.icon("lock", size=28, color=rx.color("gray", 9)),
            rx.heading(title, size="4", as_="h1"),
            rx.text("Ask the practice owner if you need access.", color_scheme="gray"),
            rx.link("Back to home", href="/"),
            align="center",
            spacing="3",
        ),
        padding_y="80px",
        width="100%",
    )
