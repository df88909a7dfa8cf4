"""What locations and services share: a unique name, an active flag, and the same writes.

Each write appends its audit event (`<record_type>.create`, `.update`, `.deactivate`,
`.reactivate`) in the transaction it commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from sqlmodel import Session, col, func, select

from practicerunner.core import audit, clock
from practicerunner.core.errors import NotFound
from practicerunner.core.permissions import Actor
from practicerunner.practice.models import Location, Service
from practicerunner.practice.service.saving import assign, commit

Row = TypeVar("Row", Location, Service)


def list_rows(session: Session, model: type[Row]) -> list[Row]:
    """Every row, active ones first, by name."""
    rows = session.exec(select(model).order_by(col(model.is_active).desc(), model.name))
    return list(rows.all())


def get_row(session: Session, model: type[Row], row_id: int, what: str) -> Row:
    """The row, or NotFound naming WHAT."""
    row = session.get(model, row_id)
    if row is None:
        raise NotFound(what)
    return row


def name_taken(session: Session, model: type[Row], name: str, own_id: int | None) -> bool:
    """Whether another row already has NAME (case-insensitively)."""
    clash = session.exec(select(model.id).where(func.lower(model.name) == name.lower())).first()
    return clash is not None and clash != own_id


def create_row(
    session: Session,
    actor: Actor,
    model: type[Row],
    values: Mapping[str, Any],
    *,
    record_type: str,
    duplicate_name: str,
) -> Row:
    """Insert a row with VALUES, audit it and commit."""
    row = model(**values, created_at=clock.now())
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        f"{record_type}.create",
        record_type=record_type,
        record_id=row.id,
        detail={"fields": sorted(values)},
    )
    commit(session, "name", duplicate_name)
    return row


def update_row(
    session: Session,
    actor: Actor,
    row: Location | Service,
    values: Mapping[str, Any],
    *,
    record_type: str,
    duplicate_name: str,
) -> None:
    """Set VALUES on ROW; if anything changed, audit the changed fields and commit."""
    changed = assign(row, values)
    if changed:
        session.add(row)
        audit.record(
            session,
            actor,
            f"{record_type}.update",
            record_type=record_type,
            record_id=row.id,
            detail={"fields": changed},
        )
        commit(session, "name", duplicate_name)


def set_row_active(
    session: Session, actor: Actor, row: Location | Service, active: bool, *, record_type: str
) -> None:
    """Retire ROW or bring it back; nothing is written if it already is so."""
    if row.is_active != active:
        row.is_active = active
        session.add(row)
        audit.record(
            session,
            actor,
            f"{record_type}.reactivate" if active else f"{record_type}.deactivate",
            record_type=record_type,
            record_id=row.id,
            detail={"fields": ["is_active"]},
        )
        session.commit()
