"""Reading and writing a case's participant and payer rows, and auditing a look at a case."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from practicerunner.clients.models import CaseParticipant, CasePayer, Client
from practicerunner.core import audit
from practicerunner.core.permissions import Actor


def case_participants(session: Session, case_id: int) -> list[tuple[CaseParticipant, Client]]:
    """Who takes part in the case, with their client rows, in the order they were added."""
    return list(
        session.exec(
            select(CaseParticipant, Client)
            .join(Client, col(Client.id) == CaseParticipant.client_id)
            .where(CaseParticipant.case_id == case_id)
            .order_by(col(CaseParticipant.id))
        ).all()
    )


def case_payers(session: Session, case_id: int) -> list[CasePayer]:
    """Who pays for the case, largest share first."""
    return list(
        session.exec(
            select(CasePayer)
            .where(CasePayer.case_id == case_id)
            .order_by(col(CasePayer.share_basis_points).desc(), col(CasePayer.id))
        ).all()
    )


def write_payers(
    session: Session, case_id: int, payers: list[tuple[int | None, int | None, int]]
) -> None:
    """Replace the case's payer rows with PAYERS: (client_id, contact_id, basis points)."""
    for old in session.exec(select(CasePayer).where(CasePayer.case_id == case_id)).all():
        session.delete(old)
    session.flush()  # the unique keys on (case, party) must be free before re-adding
    for client_id, contact_id, share in payers:
        session.add(
            CasePayer(
                case_id=case_id,
                client_id=client_id,
                contact_id=contact_id,
                share_basis_points=share,
            )
        )


def replace_participants(
    session: Session,
    case_id: int,
    current: list[tuple[CaseParticipant, Client]],
    chosen: list[tuple[Client, str, bool]],
) -> None:
    # Update rows in place where the client stays: later records (appointments) point at them.
    existing = {client.id: row for row, client in current}
    keep = {client.id for client, _, _ in chosen}
    for client_id, row in existing.items():
        if client_id not in keep:
            session.delete(row)
    session.flush()
    for client, role, attends in chosen:
        row = existing.get(client.id) or CaseParticipant(
            case_id=case_id,
            client_id=client.id,  # type: ignore[arg-type]
            role=role,
        )
        row.role, row.attends = role, attends
        session.add(row)


def audit_case_view(
    session: Session,
    actor: Actor,
    case_id: int,
    people: list[tuple[CaseParticipant, Client]],
    detail: dict[str, Any] | None = None,
) -> None:
    """Record that ACTOR looked at the case, under its first participant."""
    audit.record(
        session,
        actor,
        "case.view",
        record_type="case",
        record_id=case_id,
        client_id=people[0][1].id if people else None,
        detail=detail,
    )
