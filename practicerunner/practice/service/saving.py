"""Writing validated values onto a row and committing the unit of work."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from practicerunner.core.errors import ValidationFailed


def commit(session: Session, duplicate_field: str, message: str) -> None:
    """Commit; a unique-key race that slipped past the pre-check becomes a field error."""
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise ValidationFailed({duplicate_field: message}) from exc


def assign(row: Any, values: Mapping[str, Any]) -> list[str]:
    """Set VALUES on ROW; return the names of the fields that changed (for the audit)."""
    changed = [name for name, value in values.items() if getattr(row, name) != value]
    for name in changed:
        setattr(row, name, values[name])
    return changed
