"""Private calendar feed URLs: the token is shown once and stored only as a hash."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from practicerunner.core.db import UTCDateTime


class FeedLabel(StrEnum):
    SESSION = "session"  # every session reads "Session"
    INITIALS = "initials"  # client initials, e.g. "Session — J.R."


class FeedScope(StrEnum):
    OWN = "own"  # the clinician's own calendar
    PRACTICE = "practice"  # the owner's practice-wide feed


class CalendarFeed(SQLModel, table=True):
    """One feed URL. Revoking sets `revoked_at`; regenerating revokes and makes a new row."""

    __tablename__ = "calendar_feed"

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    scope: str = Field(default=FeedScope.OWN, max_length=12)
    label: str = Field(default=FeedLabel.SESSION, max_length=12)
    token_hash: str = Field(max_length=64, unique=True)  # sha256 hex of the URL token
    created_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_fetched_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
