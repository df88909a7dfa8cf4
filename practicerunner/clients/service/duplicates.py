"""Possible duplicates: someone on file with the same name and date of birth, or email."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from practicerunner.clients.access import client_filter
from practicerunner.clients.models import Client
from practicerunner.clients.people import long_date
from practicerunner.core import validation
from practicerunner.core.errors import Conflict
from practicerunner.core.permissions import Actor, Perm


@dataclass(frozen=True)
class DuplicateMatch:
    """A client already on file who may be the same person; client_id is None out of scope."""

    message: str
    client_id: int | None = None
    name: str = ""
    date_of_birth: str = ""


class PossibleDuplicate(Conflict):
    """A likely duplicate (same name and date of birth, or same email); save again to confirm."""

    def __init__(self, matches: list[DuplicateMatch]) -> None:
        super().__init__("possible_duplicate", "This may be someone who is already a client.", None)
        self.matches = matches


def find_duplicates(
    session: Session,
    actor: Actor,
    first_name: str,
    last_name: str,
    date_of_birth: date,
    email: str,
    exclude_id: int | None = None,
) -> list[DuplicateMatch]:
    """Clients (all of them, whatever ACTOR's scope) with the same name and DOB or email."""
    same_person = and_(
        col(Client.first_name_key) == validation.name_key(first_name),
        col(Client.last_name_key) == validation.name_key(last_name),
        col(Client.date_of_birth) == date_of_birth,
    )
    condition = or_(same_person, col(Client.email) == email.lower()) if email else same_person
    stmt = select(Client).where(condition).order_by(col(Client.id))
    if exclude_id is not None:
        stmt = stmt.where(Client.id != exclude_id)
    found = session.exec(stmt).all()
    if not found:
        return []
    visible = set(
        session.exec(
            select(Client.id).where(
                col(Client.id).in_([c.id for c in found]), client_filter(actor, Perm.CLIENT_VIEW)
            )
        ).all()
    )
    matches: list[DuplicateMatch] = []
    for c in found:
        by_name = (c.first_name_key, c.last_name_key, c.date_of_birth) == (
            validation.name_key(first_name),
            validation.name_key(last_name),
            date_of_birth,
        )
        reason = "the same name and date of birth" if by_name else "the same email"
        if c.id in visible:
            matches.append(
                DuplicateMatch(
                    message=f"{c.legal_name}, born {long_date(c.date_of_birth)}, has {reason}.",
                    client_id=c.id,
                    name=c.legal_name,
                    date_of_birth=c.date_of_birth.isoformat(),
                )
            )
        else:
            # Outside the actor's scope: say only that someone exists, never who.
            message = f"A client with {reason} already exists (not in your caseload)."
            if all(m.message != message for m in matches):
                matches.append(DuplicateMatch(message=message))
    return matches
