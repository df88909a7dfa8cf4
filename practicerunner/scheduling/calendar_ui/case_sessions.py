"""On the case page: the case's next sessions and a "Book a session" link to the calendar."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import reflex as rx

from practicerunner.clients.case_state import case_id_in
from practicerunner.core.errors import DomainError
from practicerunner.core.permissions import Perm
from practicerunner.scheduling import service as sched
from practicerunner.ui.components import link_button, section
from practicerunner.ui.routes import CALENDAR
from practicerunner.ui.session import SessionState

UPCOMING = 8


def book_url(case_id: int) -> str:
    """The calendar with the booking form open for CASE_ID."""
    return CALENDAR + "?" + urlencode({"case": case_id})


class CaseSessionsState(SessionState):
    """The next sessions of the case in the URL (/cases/ID), and whether one may book."""

    sessions_loaded: bool = False
    upcoming: list[dict[str, str]] = []
    can_book: bool = False
    can_see_sessions: bool = False
    book_href: str = ""

    @rx.event
    async def load(self):
        self.sessions_loaded = False
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        case_id = case_id_in(self.router.url.path)
        self.upcoming, self.book_href = [], ""
        self.can_see_sessions = actor.can(Perm.SCHEDULE_VIEW)
        self.can_book = case_id is not None and actor.can(Perm.SCHEDULE_EDIT)
        if case_id is not None and self.can_see_sessions:
            self.book_href = book_url(case_id)
            try:
                rows = await self.call(sched.case_sessions, actor, case_id, limit=UPCOMING)
            except DomainError:
                rows = []
            self.upcoming = [
                {
                    "when": r.time_label,
                    "who": r.title,
                    "status": r.status,
                    "status_label": r.status_label,
                }
                for r in rows
            ]
        self.sessions_loaded = True
        return None


S = CaseSessionsState


def book_button(case_open: rx.Var) -> rx.Component:
    """'Book a session' (opens the calendar's booking form for this case)."""
    return rx.cond(
        S.can_book & case_open,
        link_button("Book a session", S.book_href, "calendar-plus", variant="soft"),
    )


def _row(row: Any) -> rx.Component:
    return rx.el.tr(
        rx.el.td(row["when"]),
        rx.el.td(row["who"]),
        rx.el.td(
            rx.badge(
                row["status_label"],
                variant="soft",
                color_scheme=rx.match(
                    row["status"],
                    ("scheduled", "blue"),
                    ("attended", "teal"),
                    ("no_show", "red"),
                    "gray",
                ),
            )
        ),
    )


def upcoming_sessions() -> rx.Component:
    """The case's next sessions (from today on), cancelled ones marked as such."""
    return rx.cond(
        S.can_see_sessions,
        section(
            "Upcoming sessions",
            rx.cond(
                S.upcoming.length() > 0,  # type: ignore[attr-defined]
                rx.el.table(
                    rx.el.thead(
                        rx.el.tr(
                            *[rx.el.th(h, scope="col") for h in ("When", "Clinician", "Status")]
                        )
                    ),
                    rx.el.tbody(rx.foreach(S.upcoming, _row)),
                    class_name="pr-table",
                    aria_label="Upcoming sessions",
                ),
                rx.text(
                    rx.cond(S.sessions_loaded, "No sessions booked.", "Loading…"),
                    size="2",
                    color_scheme="gray",
                ),
            ),
            id="upcoming-sessions",
        ),
    )
