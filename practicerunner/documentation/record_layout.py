"""What the case's clinical record pages (diagnoses, treatment plan) share: their header, and
the calm note a consultation case gets instead of a record."""

from __future__ import annotations

from typing import Any

import reflex as rx


def case_record_header(title: str, state: Any, *actions: rx.Component) -> rx.Component:
    """A link back to the case, the page's title and the case's; ACTIONS on the right."""
    return rx.vstack(
        rx.link(
            rx.hstack(rx.icon("arrow-left", size=14), "Back to case", spacing="1", align="center"),
            href=state.case_href,
            size="2",
            color_scheme="gray",
            id="back-to-case",
        ),
        rx.hstack(
            rx.vstack(
                rx.heading(title, size="6", weight="medium", as_="h1"),
                rx.text(state.case_title, size="2", color_scheme="gray", id="case-title"),
                spacing="1",
            ),
            rx.spacer(),
            *actions,
            width="100%",
            align="end",
        ),
        spacing="3",
        width="100%",
    )


def consultation_note(what: str) -> rx.Component:
    """The calm answer on a consultation case, which keeps clinical records out of view."""
    return rx.callout(
        f"A consultation case has no {what}. Its sessions are documented with consultation notes.",
        icon="info",
        color_scheme="gray",
        id="consultation-note",
        width="100%",
    )
