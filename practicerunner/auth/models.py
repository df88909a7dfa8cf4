"""Server-side sessions and sign-in attempts."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from practicerunner.core.db import UTCDateTime


class UserSession(SQLModel, table=True):
    """A signed-in browser. Only hashes of its secrets are stored.

    A session starts with a one-time hand-off code (the sign-in form runs over the
    websocket, which cannot set an HttpOnly cookie); the browser trades the code at
    /auth/complete for the session cookie.
    """

    __tablename__ = "user_session"

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    token_hash: str | None = Field(default=None, max_length=64, unique=True)
    handoff_hash: str | None = Field(default=None, max_length=64, unique=True)
    handoff_expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(sa_type=UTCDateTime)
    last_seen_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)  # absolute lifetime
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_reason: str = Field(default="", max_length=40)
    ip: str = Field(default="", max_length=64)
    user_agent: str = Field(default="", max_length=300)


class SignInAttempt(SQLModel, table=True):
    """One attempt to sign in, for lockout and the audit trail."""

    __tablename__ = "sign_in_attempt"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, index=True)
    staff_id: int | None = Field(default=None, foreign_key="staff.id", index=True)
    succeeded: bool
    at: datetime = Field(sa_type=UTCDateTime, index=True)
    ip: str = Field(default="", max_length=64)
