"""Which roles a staff member holds, and who the active owners are."""

from __future__ import annotations

from sqlmodel import Session, col, select

from practicerunner.core.permissions import Role
from practicerunner.practice.models import Staff, StaffRole


def roles_of(session: Session, staff_id: int) -> tuple[str, ...]:
    """The staff member's roles, in the permission table's order."""
    held = set(session.exec(select(StaffRole.role).where(StaffRole.staff_id == staff_id)).all())
    return tuple(r.value for r in Role if r.value in held)  # in the table's order


def active_owner_ids(session: Session) -> set[int]:
    """The ids of the active staff members who hold the owner role."""
    rows = session.exec(
        select(Staff.id)
        .join(StaffRole, col(StaffRole.staff_id) == col(Staff.id))
        .where(StaffRole.role == Role.OWNER.value, col(Staff.is_active).is_(True))
    ).all()
    return {int(r) for r in rows if r is not None}


def set_roles(session: Session, staff_id: int, roles: list[Role]) -> bool:
    """Give the staff member exactly ROLES; return whether anything changed."""
    existing = {
        r.role: r for r in session.exec(select(StaffRole).where(StaffRole.staff_id == staff_id))
    }
    wanted = {r.value for r in roles}
    for name, row in existing.items():
        if name not in wanted:
            session.delete(row)
    for name in wanted - existing.keys():
        session.add(StaffRole(staff_id=staff_id, role=name))
    return wanted != set(existing)
