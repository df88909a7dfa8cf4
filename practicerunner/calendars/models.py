"""Private calendar feed URLs: the token is shown once and stored only as a hash."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, text
from sqlmodel import Field, SQLModel

from practicerunner.core.db import UTCDateTime


class FeedLabel(StrEnum):
    SESSION = "session"  # every session reads "Session"
    INITIALS = "initials"  # client initials, e.g. "Session — J.R."


class FeedScope(StrEnum):
    OWN = "own"  # the clinician's own calendar
    PRACTICE = "practice"  # the owner's practice-wide feed


class CalendarFeed(SQLModel, table=True):
    """One feed URL. Revoking sets `revoked_at`; regenerating revokes and makes a new row.

    At most one live feed per person and scope: a partial unique index (PostgreSQL and SQLite
    both have them) makes a double-clicked "Turn on" create one feed, not two.
    """

    __tablename__ = "calendar_feed"
    __table_args__ = (
        Index(
            "uq_calendar_feed_live",
            "staff_id",
            "scope",
            unique=True,
            postgresql_where=text("revoked_at IS NULL"),
            sqlite_where=text("revoked_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    scope: str = Field(default=FeedScope.OWN, max_length=12)
    label: str = Field(default=FeedLabel.SESSION, max_length=12)
    token_hash: str = Field(max_length=64, unique=True)  # sha256 hex of the URL token
    created_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_fetched_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
