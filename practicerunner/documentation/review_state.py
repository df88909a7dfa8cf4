"""Reflex state for the supervisor's review queue (/reviews).

Thin, like the Notes states: the load resolves the actor again and runs `reviews.review_queue`
in a worker thread, keeping flat view rows only. The queue holds no clinical words and no
client names (see `reviews`), so listing it is not a read of the record; opening a note is.
Co-signing and returning happen on the note itself (`note_state.NoteEditorState`).
"""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx
from sqlmodel import Session

from practicerunner.core.errors import PermissionDenied
from practicerunner.core.permissions import Actor, Perm, Role
from practicerunner.documentation.note_state import day_words
from practicerunner.documentation.reviews import ReviewItem, review_queue
from practicerunner.ui.routes import note_url
from practicerunner.ui.session import SessionState


@dataclass(frozen=True)
class Queue:
    """What /reviews shows: whether the actor reviews notes at all, and the rows."""

    reviewer: bool  # a supervisor, or still has reviews routed to them
    rows: list[dict[str, str]]


def review_row(item: ReviewItem) -> dict[str, str]:
    """One queue row in words. ROUND is shown only from the second round on."""
    day = day_words(item.session_day) or "No session"
    return {
        "href": note_url(item.note_id),
        "associate": item.associate_name,
        "day": day,
        "round": f"Round {item.round}" if item.round > 1 else "",
        "waiting": item.waiting,
        "overdue": "yes" if item.overdue else "",
        "open_label": f"Review the note of {item.associate_name}'s session on {day}",
    }


def load_queue(session: Session, actor: Actor) -> Queue:
    """The actor's queue, oldest first."""
    items = review_queue(session, actor)
    return Queue(
        # Someone who lost the supervisor role keeps seeing what is still routed to them
        # until it moves, rather than a page that hides work.
        reviewer=Role.SUPERVISOR in actor.roles or bool(items),
        rows=[review_row(item) for item in items],
    )


def _summary(rows: list[dict[str, str]]) -> str:
    """'3 notes waiting, 1 overdue' ('' when none)."""
    if not rows:
        return ""
    words = f"{len(rows)} note{'s' if len(rows) != 1 else ''} waiting"
    overdue = sum(1 for row in rows if row["overdue"])
    return f"{words}, {overdue} overdue" if overdue else words


class ReviewsState(SessionState):
    """/reviews: the notes waiting for the signed-in supervisor's co-signature."""

    loaded: bool = False
    forbidden: bool = False
    reviewer: bool = False
    can_write: bool = False  # holds clinical.edit: the calm empty state points to Notes
    rows: list[dict[str, str]] = []
    summary: str = ""

    @rx.event
    async def load(self):
        actor = await self.actor()
        if actor is None:
            return self.to_sign_in()
        if not actor.can(Perm.CLINICAL_VIEW):
            self.forbidden, self.loaded = True, True
            return None
        try:
            queue = await self.call(load_queue, actor)
        except PermissionDenied:
            self.forbidden, self.loaded = True, True
            return None
        self.reviewer, self.rows = queue.reviewer, queue.rows
        self.summary = _summary(queue.rows)
        self.can_write = actor.can(Perm.CLINICAL_EDIT)
        self.forbidden, self.loaded = False, True
        return None
