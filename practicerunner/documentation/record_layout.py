"""What the case's clinical record pages (diagnoses, treatment plan, measures) share: reading
the page's screen for the case in the URL, their header, and the calm note a consultation case
gets instead of a record."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import reflex as rx
from sqlmodel import Session

from practicerunner.clients.case_state import case_id_in
from practicerunner.core.errors import NotFound, PermissionDenied
from practicerunner.core.permissions import Actor

T = TypeVar("T")


async def case_screen(
    state: Any, actor: Actor, read: Callable[[Session, Actor, int], T]
) -> T | None:
    """READ (a screen service taking the case id) for the case in STATE's URL, off the event
    loop; None when there is no such case for ACTOR (the page then shows not found)."""
    case_id = case_id_in(str(state.router.url.path))
    if case_id is None:
        return None
    try:
        return await state.call(read, actor, case_id)
    except (NotFound, PermissionDenied):
        return None


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
