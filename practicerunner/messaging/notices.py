"""Appointment notices: confirmation, reschedule and cancellation, queued with the change.

The scheduling service calls `queue_appointment_notice` inside its own transaction, right
after it books, moves or cancels a session; the rows commit or roll back with that change,
and the worker sends them (see outbox.deliver_pending).
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from practicerunner.core import clock
from practicerunner.messaging.content import appointment_facts
from practicerunner.messaging.queueing import insert_new, message_rows, recipients
from practicerunner.scheduling.models import Appointment

NOTICE_KINDS = ("confirmation", "reschedule", "cancellation")


def queue_appointment_notice(
    session: Session,
    appointment: Appointment,
    kind: str,
    *,
    previous_start: datetime | None = None,
) -> int:
    """Write one outbox row per recipient of a KIND notice about APPOINTMENT; how many.

    Recipients: each attending client with an email (and a phone, when SMS is configured),
    and their active guardians if the case sends notices to guardians. The dedupe key is
    kind, appointment, its sequence (raised on every change), channel and address, so the
    same change queued twice writes nothing the second time while each later change gets its
    own notice. Sessions that have already started get no notice. Does not commit: the rows
    belong to the caller's transaction. Attendee rows must be in the session (added or
    flushed) before the call.
    """
    if kind not in NOTICE_KINDS:
        raise ValueError(f"kind must be one of {', '.join(NOTICE_KINDS)}, not {kind!r}")
    now = clock.now()
    if appointment.id is None:
        session.flush()
    if appointment.start_at <= now:
        return 0
    people = recipients(session, appointment)
    if not people:
        return 0
    facts = appointment_facts(session, appointment, previous_start=previous_start)
    key = (kind, appointment.id, appointment.sequence)
    return insert_new(session, message_rows(kind, facts, appointment, people, key, now))
