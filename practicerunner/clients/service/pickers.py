"""The clinician lists of the client forms and the client list's filter."""

from __future__ import annotations

from sqlmodel import Session

from practicerunner.clients.people import active_clinicians
from practicerunner.core.permissions import Actor, Perm, Role


def can_assign_any_clinician(actor: Actor) -> bool:
    """Whether ACTOR may place a client in any clinician's caseload (not only their own)."""
    # Clinicians keep to their own caseload; the owner and front desk place clients anywhere.
    return bool(actor.roles & {Role.OWNER, Role.SCHEDULER})


def is_clinician(session: Session, staff_id: int) -> bool:
    """Whether STAFF_ID is an active member of staff with a clinical role."""
    return bool(active_clinicians(session, {staff_id}))


def _clinicians(session: Session, only: frozenset[int] | None) -> list[tuple[int, str]]:
    return [(s.id, s.full_name) for s in active_clinicians(session, only) if s.id is not None]


def clinician_choices(
    session: Session, actor: Actor, current_id: int | None = None
) -> list[tuple[int, str]]:
    """Clinicians ACTOR may assign a client to, plus the client's CURRENT_ID: (id, name)."""
    if can_assign_any_clinician(actor):
        return _clinicians(session, None)
    allowed = {actor.staff_id} | ({current_id} if current_id else set())
    return _clinicians(session, frozenset(allowed))


def clinician_filter_choices(session: Session, actor: Actor) -> list[tuple[int, str]]:
    """Clinicians whose clients ACTOR can list: everyone, or their own (and supervisees')."""
    actor.require(Perm.CLIENT_VIEW)
    return _clinicians(session, actor.clinician_ids(actor.scope(Perm.CLIENT_VIEW)))
