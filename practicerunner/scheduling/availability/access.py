"""Whose availability an actor may see and change, and the practice's clock.

Schedule permissions reach clinicians, not cases: a scope of ALL reaches every clinician,
SUPERVISED the actor and their supervisees, CASELOAD the actor alone. So a clinician edits
their own hours, the owner and the front desk anyone's. A clinician out of reach answers
NotFound, exactly as one who does not exist.
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from practicerunner.clients.people import active_clinicians
from practicerunner.core import clock
from practicerunner.core.errors import NotFound
from practicerunner.core.permissions import Actor, Perm
from practicerunner.practice.models import Practice, Staff

DEFAULT_TIMEZONE = "America/New_York"


def practice_timezone(session: Session) -> str:
    """The practice's timezone (the default before the practice is set up)."""
    return session.exec(select(Practice.timezone)).first() or DEFAULT_TIMEZONE


def local_today(timezone: str) -> date:
    """Today on the practice's clock."""
    return clock.now().astimezone(ZoneInfo(timezone)).date()


def reachable_ids(actor: Actor, perm: Perm) -> frozenset[int] | None:
    """Clinicians PERM reaches for ACTOR; None means all (PermissionDenied when none)."""
    return actor.clinician_ids(actor.require(perm))


def can_reach(actor: Actor, perm: Perm, staff_id: int) -> bool:
    """Whether PERM reaches clinician STAFF_ID for ACTOR (False, never an error)."""
    if not actor.can(perm):
        return False
    ids = actor.clinician_ids(actor.scope(perm))
    return ids is None or staff_id in ids


def clinician_for(session: Session, actor: Actor, staff_id: int, perm: Perm) -> Staff:
    """The active clinician STAFF_ID if PERM reaches them; NotFound otherwise."""
    ids = reachable_ids(actor, perm)
    if ids is not None and staff_id not in ids:
        raise NotFound("clinician")
    found = active_clinicians(session, {staff_id})
    if not found:
        raise NotFound("clinician")
    return found[0]


def lock_clinician(session: Session, staff_id: int) -> None:
    """Serialise writes to one clinician's availability (a row lock on PostgreSQL).

    SQLite transactions already start with BEGIN IMMEDIATE, so they cannot interleave.
    """
    session.exec(select(Staff.id).where(col(Staff.id) == staff_id).with_for_update()).first()
