"""The scheduling side of notices: hand a changed appointment to the outbox, same transaction."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlmodel import Session

from practicerunner.scheduling.models import Appointment

log = logging.getLogger(__name__)


def notify(
    session: Session, appointment: Appointment, kind: str, *, previous_start: datetime | None = None
) -> None:
    """Queue a confirmation, reschedule or cancellation notice for APPOINTMENT's attendees."""
    try:
        from practicerunner.messaging.notices import queue_appointment_notice
    except ImportError:  # the messaging capability is not installed in this build
        log.debug("no messaging capability: %s notice for %s not queued", kind, appointment.id)
        return
    queue_appointment_notice(session, appointment, kind, previous_start=previous_start)
