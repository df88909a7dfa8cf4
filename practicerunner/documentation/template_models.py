"""The practice's own note templates, stored in the database.

One row per template; `template_json` holds its current version as `templates.template_to_dict`
writes it. Saving a change raises `version` and replaces the JSON: a note snapshots its
template when it begins (`clinical_note.template_json`), so notes already begun keep the
version they started with. Archived templates are no longer offered for new notes.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Text
from sqlmodel import Field, SQLModel

from practicerunner.core.db import UTCDateTime


class PracticeTemplate(SQLModel, table=True):
    """A note template the practice owner built from sections and typed fields."""

    __tablename__ = "practice_template"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=60, unique=True)  # the template's slug, fixed when created
    title: str = Field(max_length=120)
    kind: str = Field(max_length=16)  # templates.TemplateKind, never psychotherapy
    template_json: str = Field(sa_type=Text)  # the current version
    version: int = Field(default=1)
    archived_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_by_id: int = Field(foreign_key="staff.id")
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
