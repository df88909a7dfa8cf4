"""How clients and staff are shown and picked: ages, birth dates, the active clinicians.

Shared by the client services (clients.service) and the case services (clients.cases).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from sqlmodel import Session, col, select

from practicerunner.core.permissions import CLINICAL_ROLES
from practicerunner.practice.models import Staff, StaffRole


def long_date(day: date) -> str:
    """Mar 14, 1991: unambiguous wherever the reader is from."""
    return f"{day:%b} {day.day}, {day.year}"


def age_on(born: date, today: date) -> int:
    """Whole years from BORN to TODAY."""
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def staff_label(staff: Staff) -> str:
    """'Dana Whitfield, LCSW', or the bare name without credentials."""
    return f"{staff.full_name}, {staff.credentials}" if staff.credentials else staff.full_name


def active_clinicians(session: Session, only: Collection[int] | None = None) -> list[Staff]:
    """Active staff with a clinical role, by name; ONLY (when given) narrows them to those ids."""
    query = (
        select(Staff)
        .join(StaffRole, col(StaffRole.staff_id) == Staff.id)
        .where(
            col(Staff.is_active).is_(True),
            col(StaffRole.role).in_([r.value for r in CLINICAL_ROLES]),
        )
        .distinct()
        .order_by(Staff.full_name)
    )
    if only is not None:
        query = query.where(col(Staff.id).in_(sorted(only)))
    return list(session.exec(query).all())
