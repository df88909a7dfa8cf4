"""The practice's first owner, created from the command line."""

from __future__ import annotations

from sqlmodel import Session, select

from practicerunner.auth.service import hash_password
from practicerunner.core import audit, clock
from practicerunner.core import validation as v
from practicerunner.core.errors import ValidationFailed
from practicerunner.core.permissions import Role
from practicerunner.practice.models import Practice, Staff
from practicerunner.practice.service.saving import commit
from practicerunner.practice.service.staff import DUPLICATE_EMAIL, StaffView, staff_view
from practicerunner.practice.service.staff_roles import active_owner_ids, set_roles


class OwnerExists(ValidationFailed):
    """create_first_owner was called after the practice already has an owner."""

    def __init__(self) -> None:
        super().__init__(
            {"email": "This practice already has an owner; ask them to add you as staff."}
        )


def create_first_owner(session: Session, email: str, full_name: str, password: str) -> StaffView:
    """Create the practice's first owner (the command line); refused once an owner exists."""
    if active_owner_ids(session):
        raise OwnerExists()
    errors = v.Errors()
    email_n = errors.check("email", v.email, email, is_required=True)
    name = errors.check("full_name", v.required, full_name, "Full name")
    pw = errors.check("password", v.password, password)
    if email_n and session.exec(select(Staff.id).where(Staff.email == email_n)).first():
        errors.add("email", DUPLICATE_EMAIL)
    errors.raise_if_any()
    now = clock.now()
    if session.exec(select(Practice.id)).first() is None:
        practice = Practice(name="My practice", updated_at=now)
        session.add(practice)
        session.flush()
        audit.record(
            session,
            None,
            "practice.create",
            actor_name="command line",
            record_type="practice",
            record_id=practice.id,
            detail={"fields": ["name"]},
        )
    staff = Staff(email=email_n, full_name=name, password_hash=hash_password(pw), created_at=now)
    session.add(staff)
    session.flush()
    assert staff.id is not None
    set_roles(session, staff.id, [Role.OWNER])
    audit.record(
        session,
        None,
        "staff.create",
        actor_name="command line",
        record_type="staff",
        record_id=staff.id,
        detail={"fields": ["email", "full_name", "roles"], "roles": ["owner"]},
    )
    commit(session, "email", DUPLICATE_EMAIL)
    return staff_view(session, staff)
