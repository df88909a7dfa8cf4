"""Coverage for one session: changing or clearing an appointment's covering supervisor
(`Appointment.supervisor_override_id`) after it was booked.

The booking form sets the override; this is the one writer afterwards. Open reviews of the
session's notes follow the change in the same transaction
(`documentation.reviews.reroute_for_appointment`), so a note already waiting for review moves
to whoever resolves now and both supervisors are emailed; a note already co-signed stays as
it was.
"""

from __future__ import annotations

from sqlmodel import Session

from practicerunner.core import audit, clock
from practicerunner.core.errors import PermissionDenied, ValidationFailed
from practicerunner.core.permissions import Actor, Perm, Scope
from practicerunner.scheduling.models import Appointment
from practicerunner.scheduling.service.common import get_appointment_for
from practicerunner.supervision.routing import Resolution, resolve_for_appointment
from practicerunner.supervision.service import supervisor_choices

FIELD = "supervisor_override_id"  # the booking form's name for the same choice


def can_set_session_supervisor(actor: Actor) -> bool:
    """Whether ACTOR may change who covers a session: the practice-wide schedulers (the front
    desk and the owner), not the associate whose notes the supervisor reviews."""
    return actor.scope(Perm.SCHEDULE_EDIT) == Scope.ALL


def set_session_supervisor(
    session: Session, actor: Actor, appointment_id: int, supervisor_id: int | None
) -> Resolution:
    """Make SUPERVISOR_ID cover APPOINTMENT_ID (None: back to the case's or the associate's
    usual supervisor); return who is responsible now and why.

    The supervisor must be an active staff member with the supervisor role (the booking
    form's own list) and not the session's clinician. Audited with the old and new override;
    open reviews move in the same transaction; commits. Refused: nothing is written.
    """
    appointment = get_appointment_for(session, actor, appointment_id, Perm.SCHEDULE_EDIT)
    if not can_set_session_supervisor(actor):
        raise PermissionDenied()
    # Two changes at once: the second waits for the first and reads its result.
    session.refresh(appointment, with_for_update=True)
    if supervisor_id is not None:
        choices = dict(supervisor_choices(session))
        if supervisor_id not in choices:
            session.rollback()
            raise ValidationFailed(
                {FIELD: "Choose an active supervisor from the list: only they can cover."}
            )
        if supervisor_id == appointment.clinician_id:
            session.rollback()
            raise ValidationFailed(
                {FIELD: "A clinician cannot supervise their own session: choose someone else."}
            )
    before = appointment.supervisor_override_id
    if before == supervisor_id:
        resolution = resolve_for_appointment(session, appointment)
        session.rollback()
        return resolution
    appointment.supervisor_override_id = supervisor_id
    # Every change to an appointment raises these (calendar feeds and notices rely on it).
    appointment.sequence += 1
    appointment.updated_at = clock.now()
    session.add(appointment)
    audit.record(
        session,
        actor,
        "appointment.supervisor_set" if supervisor_id else "appointment.supervisor_cleared",
        record_type="appointment",
        record_id=appointment.id,
        detail={"from": before, "to": supervisor_id},
    )
    session.flush()
    _reroute(session, actor, appointment)
    resolution = resolve_for_appointment(session, appointment)
    session.commit()
    return resolution


def _reroute(session: Session, actor: Actor, appointment: Appointment) -> None:
    # Imported here: documentation.reviews imports supervision.routing.
    from practicerunner.documentation.reviews import reroute_for_appointment

    reroute_for_appointment(session, int(appointment.id), actor=actor)  # type: ignore[arg-type]
