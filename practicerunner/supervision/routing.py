"""Which supervisor is responsible for a session, and why.

Three levels, the most specific winning:

1. the appointment's override (coverage for one session): `Appointment.supervisor_override_id`;
2. the case's supervisor (`CaseSupervisor`): this case is supervised by someone else;
3. the associate's default (`ProviderSupervisor`), the primary one among several.

Only an active staff member who holds the supervisor role counts at any level; one who has
been deactivated or has lost the role is passed over, and the reason says so, so open review
tasks can move to whoever resolves now. A session of a clinician who is not an associate
needs no supervisor. `set_case_supervisor` is the one writer of the case level.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlmodel import Session, col, select

from practicerunner.clients.models import Case
from practicerunner.core import audit, clock
from practicerunner.core.errors import NotFound, ValidationFailed
from practicerunner.core.permissions import Actor, Perm, Role
from practicerunner.practice.models import Staff, StaffRole
from practicerunner.scheduling.models import Appointment
from practicerunner.supervision.models import CaseSupervisor, ProviderSupervisor


class Level(StrEnum):
    APPOINTMENT = "appointment"
    CASE = "case"
    PROVIDER = "provider"


LEVEL_LABELS = {
    Level.APPOINTMENT: "Coverage for this session",
    Level.CASE: "Supervisor for this case",
    Level.PROVIDER: "Default supervisor",
}


@dataclass(frozen=True)
class Resolution:
    """The responsible supervisor (None: no review needed, or nobody to route to)."""

    needs_supervision: bool
    supervisor_id: int | None
    supervisor_name: str
    level: Level | None
    why: str  # one sentence, for the appointment and the note


def _names_and_roles(session: Session, ids: set[int]) -> dict[int, tuple[str, bool, bool]]:
    """{staff id: (name, active, holds the supervisor role)} for IDS."""
    if not ids:
        return {}
    rows = session.exec(
        select(Staff.id, Staff.full_name, Staff.is_active).where(col(Staff.id).in_(ids))
    ).all()
    supervisors = set(
        session.exec(
            select(StaffRole.staff_id).where(
                col(StaffRole.staff_id).in_(ids), StaffRole.role == Role.SUPERVISOR.value
            )
        ).all()
    )
    return {int(i): (name, bool(active), int(i) in supervisors) for i, name, active in rows}  # type: ignore[arg-type]


def _is_associate(session: Session, staff_id: int) -> bool:
    return (
        session.exec(
            select(StaffRole.id).where(
                StaffRole.staff_id == staff_id, StaffRole.role == Role.ASSOCIATE.value
            )
        ).first()
        is not None
    )


def resolve(
    session: Session, *, clinician_id: int, case_id: int | None, override_id: int | None = None
) -> Resolution:
    """The supervisor responsible for a session of CLINICIAN_ID in CASE_ID (with OVERRIDE_ID
    set on the appointment, if any), and why."""
    if not _is_associate(session, clinician_id):
        return Resolution(
            False, None, "", None, "No review needed: a licensed clinician's session."
        )
    case_row = (
        session.exec(select(CaseSupervisor).where(CaseSupervisor.case_id == case_id)).first()
        if case_id is not None
        else None
    )
    defaults = sorted(
        session.exec(
            select(ProviderSupervisor).where(ProviderSupervisor.associate_id == clinician_id)
        ).all(),
        key=lambda r: (not r.is_primary, r.supervisor_id),
    )
    candidates: list[tuple[Level, int]] = []
    if override_id is not None:
        candidates.append((Level.APPOINTMENT, override_id))
    if case_row is not None:
        candidates.append((Level.CASE, case_row.supervisor_id))
    candidates.extend((Level.PROVIDER, row.supervisor_id) for row in defaults)
    people = _names_and_roles(session, {sid for _, sid in candidates} | {clinician_id})
    associate = people.get(clinician_id, ("the associate", True, False))[0]
    passed: list[str] = []
    for level, sid in candidates:
        name, active, is_supervisor = people.get(sid, ("a former colleague", False, False))
        if active and is_supervisor:
            why = _why(level, name, associate, defaults, sid)
            if passed:
                why = why.rstrip(".") + " (" + "; ".join(passed) + ")."
            return Resolution(True, sid, name, level, why)
        passed.append(
            f"{name}, {LEVEL_LABELS[level].lower()}, is "
            + ("no longer active" if not active else "no longer a supervisor")
        )
    why = f"{associate} has no active supervisor: set one on their staff page."
    if passed:
        why = why.rstrip(".") + " (" + "; ".join(passed) + ")."
    return Resolution(True, None, "", None, why)


def _why(
    level: Level, name: str, associate: str, defaults: list[ProviderSupervisor], sid: int
) -> str:
    if level is Level.APPOINTMENT:
        return f"{name} covers this session (set on the appointment)."
    if level is Level.CASE:
        return f"{name} supervises this case."
    primary = next((r for r in defaults if r.supervisor_id == sid), None)
    if primary is not None and primary.is_primary:
        return f"{name} is {associate}'s primary supervisor."
    return f"{name} supervises {associate} (their primary supervisor is unavailable)."


def _reroute(session: Session, actor: Actor) -> None:
    """Open reviews follow the change, in the same transaction (documentation.reviews)."""
    from practicerunner.documentation.reviews import reroute_open_reviews

    reroute_open_reviews(session, reason="case_supervisor_changed", actor=actor)


def resolve_for_appointment(session: Session, appointment: Appointment) -> Resolution:
    """`resolve` for APPOINTMENT as booked."""
    return resolve(
        session,
        clinician_id=appointment.clinician_id,
        case_id=appointment.case_id,
        override_id=appointment.supervisor_override_id,
    )


def set_case_supervisor(
    session: Session, actor: Actor, case_id: int, supervisor_id: int | None
) -> CaseSupervisor | None:
    """Make SUPERVISOR_ID the case's supervisor (None: back to the associate's default).

    Only the practice's staff managers may; the supervisor must be an active supervisor and
    not the case's own clinician. Audited; commits. Nothing is written when refused.
    """
    actor.require(Perm.STAFF_MANAGE)
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound("case")
    existing = session.exec(select(CaseSupervisor).where(CaseSupervisor.case_id == case_id)).first()
    if supervisor_id is None:
        if existing is not None:
            session.delete(existing)
            audit.record(
                session,
                actor,
                "supervision.case_supervisor_cleared",
                record_type="case",
                record_id=case_id,
            )
            session.flush()
            _reroute(session, actor)
        session.commit()
        return None
    people = _names_and_roles(session, {supervisor_id})
    _name, active, is_supervisor = people.get(supervisor_id, ("", False, False))
    if not (active and is_supervisor):
        session.rollback()
        raise ValidationFailed({"supervisor_id": "Choose an active supervisor from the list."})
    if supervisor_id == case.primary_clinician_id:
        session.rollback()
        raise ValidationFailed(
            {"supervisor_id": "A clinician cannot supervise their own case: choose someone else."}
        )
    row = existing or CaseSupervisor(
        case_id=case_id, supervisor_id=supervisor_id, set_at=clock.now()
    )
    row.supervisor_id = supervisor_id
    row.set_by_id = actor.staff_id
    row.set_at = clock.now()
    session.add(row)
    audit.record(
        session,
        actor,
        "supervision.case_supervisor_set",
        record_type="case",
        record_id=case_id,
        detail={"supervisor_id": supervisor_id},
    )
    session.flush()
    _reroute(session, actor)
    session.commit()
    return row
