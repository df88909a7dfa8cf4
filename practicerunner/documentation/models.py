"""Clinical notes: the note, its signed versions and its addenda.

A note is written as a draft (`answers_json`, saved as the clinician types) against a
snapshot of its template and of the session it documents. Signing copies the answers into a
`NoteVersion`, and addenda are `NoteAddendum` rows. Both tables are append-only, enforced by
database triggers (see core.audit.append_only_ddl), so nothing signed can be changed by
anyone, whatever code runs. An associate's note is signed, reviewed by the resolved
supervisor and co-signed; a returned note gets a new draft round and is signed again, every
round kept as its own version.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from practicerunner.core.db import UTCDateTime


class NoteKind(StrEnum):
    PROGRESS = "progress"
    INTAKE = "intake"
    CONSULTATION = "consultation"
    DISCHARGE = "discharge"
    # HIPAA "psychotherapy notes": the author's alone, never exported, printed or billed.
    PSYCHOTHERAPY = "psychotherapy"


class NoteStatus(StrEnum):
    DRAFT = "draft"
    AWAITING_REVIEW = "awaiting_review"  # signed by an associate, with their supervisor
    RETURNED = "returned"  # back with the associate, with the supervisor's comments
    COMPLETE = "complete"  # signed (and co-signed where supervision applies): locked


class ClinicalNote(SQLModel, table=True):
    """One note about a case, usually documenting one appointment."""

    __tablename__ = "clinical_note"
    __table_args__ = (
        Index("ix_clinical_note_author", "author_id", "id"),
        Index("ix_clinical_note_author_status", "author_id", "status"),
        Index("ix_clinical_note_case", "case_id", "id"),
        Index("ix_clinical_note_reviewer", "reviewer_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id")
    appointment_id: int | None = Field(default=None, foreign_key="appointment.id", index=True)
    author_id: int = Field(foreign_key="staff.id")
    kind: str = Field(max_length=16)  # NoteKind
    template_key: str = Field(max_length=60)
    template_json: str = Field(sa_type=Text)  # the template as it was when the note began
    session_json: str = Field(default="{}", sa_type=Text)  # prefilled facts of the session
    answers_json: str = Field(default="{}", sa_type=Text)  # the current draft
    revision: int = Field(default=0)  # bumps on every save: a stale tab cannot overwrite
    status: str = Field(default=NoteStatus.DRAFT, max_length=16)
    round: int = Field(default=1)  # review rounds: 2 after the first return, …
    reviewer_id: int | None = Field(default=None, foreign_key="staff.id")
    reviewer_why: str = Field(default="", max_length=300)
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class SignatureRole(StrEnum):
    AUTHOR = "author"
    SUPERVISOR = "supervisor"  # co-signature after review
    RETURNED = "returned"  # the supervisor sent the round back (with comments)


class NoteVersion(SQLModel, table=True):
    """A signed round of a note, or the supervisor's answer to it. Append-only."""

    __tablename__ = "note_version"
    __table_args__ = (UniqueConstraint("note_id", "round", "role", name="uq_note_version"),)

    id: int | None = Field(default=None, primary_key=True)
    note_id: int = Field(foreign_key="clinical_note.id", index=True)
    round: int
    role: str = Field(max_length=12)  # SignatureRole
    answers_json: str = Field(default="{}", sa_type=Text)
    comment: str = Field(default="", sa_type=Text)  # a supervisor's comments when returning
    signed_by_id: int = Field(foreign_key="staff.id")
    signed_name: str = Field(max_length=200)
    signed_credentials: str = Field(default="", max_length=60)
    signed_at: datetime = Field(sa_type=UTCDateTime)


class NoteAddendum(SQLModel, table=True):
    """A dated, signed correction or addition to a completed note. Append-only."""

    __tablename__ = "note_addendum"

    id: int | None = Field(default=None, primary_key=True)
    note_id: int = Field(foreign_key="clinical_note.id", index=True)
    text: str = Field(sa_type=Text)
    signed_by_id: int = Field(foreign_key="staff.id")
    signed_name: str = Field(max_length=200)
    signed_credentials: str = Field(default="", max_length=60)
    signed_at: datetime = Field(sa_type=UTCDateTime)


class CaseDiagnosis(SQLModel, table=True):
    """An ICD-10-CM diagnosis of a case (billable codes only), from START_ON until END_ON."""

    __tablename__ = "case_diagnosis"
    __table_args__ = (Index("ix_case_diagnosis_case", "case_id", "start_on"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id")
    code: str = Field(max_length=8)  # dotted: "F41.1"
    description: str = Field(max_length=300)
    is_primary: bool = Field(default=False)
    start_on: date
    end_on: date | None = None
    added_by_id: int = Field(foreign_key="staff.id")
    created_at: datetime = Field(sa_type=UTCDateTime)
