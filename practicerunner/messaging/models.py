"""The outbox: every message out is a row written in the transaction that causes it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from practicerunner.core.db import UTCDateTime


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"


class OutboxStatus(StrEnum):
    PENDING = "pending"  # waiting for the worker
    SENT = "sent"
    KEPT = "kept"  # no transport configured: kept for the owner's "Outgoing mail" screen
    FAILED = "failed"  # gave up after the last retry
    SKIPPED = "skipped"  # no longer relevant when its turn came (e.g. session cancelled)


class OutboxMessage(SQLModel, table=True):
    """One message to one recipient. `dedupe_key` makes every cause send at most once."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        Index("ix_outbox_status_due", "status", "due_at"),
        Index("ix_outbox_created", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str = Field(max_length=200, unique=True)
    channel: str = Field(max_length=10)  # Channel
    kind: str = Field(max_length=40)  # e.g. appointment.reminder
    to_address: str = Field(max_length=254)  # email or E.164 phone
    to_name: str = Field(default="", max_length=200)
    subject: str = Field(default="", max_length=200)
    body_text: str = Field(max_length=8000)
    body_html: str = Field(default="", max_length=20000)
    client_id: int | None = Field(default=None, foreign_key="client.id", index=True)
    appointment_id: int | None = Field(default=None, foreign_key="appointment.id", index=True)
    # The session start the message speaks of: a reminder whose session has moved since it
    # was written is skipped at delivery, and the moved session gets a fresh reminder.
    about_start_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    status: str = Field(default=OutboxStatus.PENDING, max_length=12)
    due_at: datetime = Field(sa_type=UTCDateTime)
    attempts: int = Field(default=0)
    last_error: str = Field(default="", max_length=500)
    created_at: datetime = Field(sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
