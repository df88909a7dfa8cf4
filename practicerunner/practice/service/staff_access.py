"""Staff access: deactivating and reactivating a member, and resetting their password."""

from __future__ import annotations

from sqlmodel import Session

from practicerunner.auth.service import end_sessions_for, hash_password
from practicerunner.core import audit, clock
from practicerunner.core import validation as v
from practicerunner.core.errors import Conflict
from practicerunner.core.permissions import Actor, Perm
from practicerunner.practice.service.staff import StaffView, get_staff_row, staff_view
from practicerunner.practice.service.staff_roles import active_owner_ids
from practicerunner.supervision import service as supervision


def deactivate_staff(session: Session, actor: Actor, staff_id: int) -> StaffView:
    """Stop a staff member signing in and end their open sessions, in one transaction."""
    actor.require(Perm.STAFF_MANAGE)
    staff = get_staff_row(session, staff_id)
    if staff_id == actor.staff_id:
        raise Conflict("self", "You cannot deactivate your own account.")
    if not staff.is_active:
        return staff_view(session, staff)
    if active_owner_ids(session) == {staff_id}:
        raise Conflict("last_owner", "This is the only active owner; add another owner first.")
    if names := supervision.active_supervisees_of(session, staff_id):
        raise Conflict(
            "supervises",
            f"{staff.full_name} supervises {', '.join(names)}; give them another supervisor first.",
        )
    staff.is_active = False
    staff.deactivated_at = clock.now()
    session.add(staff)
    ended = end_sessions_for(session, staff_id, "deactivated")
    audit.record(
        session,
        actor,
        "staff.deactivate",
        record_type="staff",
        record_id=staff_id,
        detail={"fields": ["is_active", "deactivated_at"], "sessions_ended": ended},
    )
    session.flush()
    # Reviews routed to them (covering a session, or a case's supervisor) move on now.
    from practicerunner.documentation.reviews import reroute_for_supervisor

    reroute_for_supervisor(session, staff_id, actor=actor)
    session.commit()
    return staff_view(session, staff)


def reactivate_staff(session: Session, actor: Actor, staff_id: int) -> StaffView:
    """Let a deactivated staff member sign in again."""
    actor.require(Perm.STAFF_MANAGE)
    staff = get_staff_row(session, staff_id)
    if staff.is_active:
        return staff_view(session, staff)
    staff.is_active = True
    staff.deactivated_at = None
    staff.locked_until = None
    session.add(staff)
    audit.record(
        session,
        actor,
        "staff.reactivate",
        record_type="staff",
        record_id=staff_id,
        detail={"fields": ["is_active", "deactivated_at"]},
    )
    session.commit()
    return staff_view(session, staff)


def reset_staff_password(session: Session, actor: Actor, staff_id: int, password: str) -> None:
    """Set a new password for a staff member; their other sessions end."""
    actor.require(Perm.STAFF_MANAGE)
    staff = get_staff_row(session, staff_id)
    errors = v.Errors()
    new = errors.check("password", v.password, password)
    errors.raise_if_any()
    staff.password_hash = hash_password(new)
    staff.locked_until = None
    session.add(staff)
    # A reset usually means the old password is out: sign them out everywhere (but not the
    # owner resetting their own, who would lose the page they are on).
    ended = 0 if staff_id == actor.staff_id else end_sessions_for(session, staff_id, "revoked")
    audit.record(
        session,
        actor,
        "staff.password_reset",
        record_type="staff",
        record_id=staff_id,
        detail={"fields": ["password"], "sessions_ended": ended},
    )
    session.commit()
