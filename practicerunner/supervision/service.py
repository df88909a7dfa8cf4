"""Provider-level supervision: which supervisors an associate has by default.

These helpers write in the caller's transaction and never commit: staff set-up
(practice.service) decides roles and supervisors in one unit of work.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from practicerunner.core.permissions import Role
from practicerunner.practice.models import Staff, StaffRole
from practicerunner.supervision.models import ProviderSupervisor


def supervisor_choices(session: Session) -> list[tuple[int, str]]:
    """Active staff who hold the supervisor role, as (id, name), by name."""
    rows = session.exec(
        select(Staff.id, Staff.full_name)
        .join(StaffRole, col(StaffRole.staff_id) == col(Staff.id))
        .where(StaffRole.role == Role.SUPERVISOR.value, col(Staff.is_active).is_(True))
        .order_by(Staff.full_name)
    ).all()
    return [(int(staff_id), name) for staff_id, name in rows if staff_id is not None]


def supervisors_of(session: Session, associate_id: int) -> list[ProviderSupervisor]:
    """The associate's supervisor rows, the primary first."""
    rows = session.exec(
        select(ProviderSupervisor).where(ProviderSupervisor.associate_id == associate_id)
    ).all()
    return sorted(rows, key=lambda r: (not r.is_primary, r.supervisor_id))


def active_supervisees_of(session: Session, supervisor_id: int) -> list[str]:
    """Names of the active associates SUPERVISOR_ID supervises by default."""
    rows = session.exec(
        select(Staff.full_name)
        .join(ProviderSupervisor, col(ProviderSupervisor.associate_id) == col(Staff.id))
        .where(
            ProviderSupervisor.supervisor_id == supervisor_id,
            col(Staff.is_active).is_(True),
        )
        .order_by(Staff.full_name)
    ).all()
    return list(rows)


def set_provider_supervisors(
    session: Session, associate_id: int, supervisor_ids: Sequence[int], primary_id: int | None
) -> bool:
    """Make the associate's supervisors exactly SUPERVISOR_IDS; return whether anything changed.

    The caller has checked that every id is an active supervisor and that PRIMARY_ID is
    among them (or that the list is empty, for someone who is no longer an associate).
    """
    wanted = {sid: sid == primary_id for sid in dict.fromkeys(supervisor_ids)}
    existing = {row.supervisor_id: row for row in supervisors_of(session, associate_id)}
    changed = False
    for sid, row in existing.items():
        if sid not in wanted:
            session.delete(row)
            changed = True
        elif row.is_primary != wanted[sid]:
            row.is_primary = wanted[sid]
            session.add(row)
            changed = True
    for sid, is_primary in wanted.items():
        if sid not in existing:
            session.add(
                ProviderSupervisor(
                    associate_id=associate_id, supervisor_id=sid, is_primary=is_primary
                )
            )
            changed = True
    return changed
