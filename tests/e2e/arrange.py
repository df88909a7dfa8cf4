"""Set-up shared by browser tests that arrange data straight in the app's database."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, select

from practicerunner.clients.models import Case, CaseParticipant
from practicerunner.core import clock
from practicerunner.practice.models import Location, Service
from practicerunner.scheduling.models import Appointment, AppointmentAttendee


def attended_session(
    session: Session,
    case: Case,
    service: Service,
    location: Location,
    start: datetime,
    override_id: int | None = None,
) -> Appointment:
    """An attended session of CASE at START with all its participants, written directly (it
    is already in the past); OVERRIDE_ID is a covering supervisor. Flushed, not committed."""
    now = clock.now()
    appointment = Appointment(
        case_id=int(case.id),  # type: ignore[arg-type]
        clinician_id=case.primary_clinician_id,
        service_id=int(service.id),  # type: ignore[arg-type]
        location_id=int(location.id),  # type: ignore[arg-type]
        start_at=start,
        end_at=start + timedelta(minutes=service.duration_minutes),
        status="attended",
        supervisor_override_id=override_id,
        created_at=now,
        updated_at=now,
        # Set-up rows sit outside the clinician's demo calendar on purpose.
        conflict_override_reason="Browser test set-up",
    )
    session.add(appointment)
    session.flush()
    for client_id in session.exec(
        select(CaseParticipant.client_id).where(CaseParticipant.case_id == case.id)
    ).all():
        session.add(AppointmentAttendee(appointment_id=appointment.id, client_id=client_id))  # type: ignore[arg-type]
    return appointment
