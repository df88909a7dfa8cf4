"""Appointment reminders: the worker queues them every minute for sessions coming up.

A session starting within the practice's reminder window — (now, now + reminder_hours] —
gets one reminder per recipient. The dedupe key holds the session's start, so running again
(or on two workers) writes nothing new, while a session moved to another time gets a fresh
reminder for its new time (the old one, if still unsent, is skipped at delivery).

A session booked or moved inside the window needs no reminder: the confirmation or
reschedule notice written at that moment already gives the time.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from practicerunner.messaging.content import appointment_facts, kind_code, practice_facts
from practicerunner.messaging.models import OutboxMessage
from practicerunner.messaging.queueing import insert_new, message_rows, recipients
from practicerunner.practice.models import Practice
from practicerunner.scheduling.models import Appointment, AppointmentStatus

_REMINDER = kind_code("reminder")
_ANNOUNCED = (kind_code("confirmation"), kind_code("reschedule"))


def reminder_key(appointment: Appointment) -> tuple[object, ...]:
    """The dedupe-key prefix of APPOINTMENT's reminder at its current start."""
    return ("reminder", appointment.id, f"{appointment.start_at:%Y%m%dT%H%M%SZ}")


def queue_due_reminders(session: Session, now: datetime) -> int:
    """Queue reminders for sessions starting in (now, now + reminder_hours]; commit; how many.

    Skips cancelled and finished sessions, clients who turned reminders off, sessions that
    already have their reminder, and sessions whose confirmation or reschedule notice for the
    same start was written inside the window.
    """
    practice = session.exec(select(Practice).order_by(col(Practice.id))).first()
    if practice is None or practice.reminder_hours <= 0:
        return 0
    window = timedelta(hours=practice.reminder_hours)
    due = list(
        session.exec(
            select(Appointment)
            .where(
                Appointment.status == AppointmentStatus.SCHEDULED,
                col(Appointment.start_at) > now,
                col(Appointment.start_at) <= now + window,
            )
            .order_by(col(Appointment.start_at), col(Appointment.id))
        ).all()
    )
    if not due:
        session.rollback()
        return 0
    earlier: dict[int, list[tuple[str, datetime | None, datetime]]] = defaultdict(list)
    for appointment_id, kind, about, created in session.exec(
        select(
            OutboxMessage.appointment_id,
            OutboxMessage.kind,
            OutboxMessage.about_start_at,
            OutboxMessage.created_at,
        ).where(
            col(OutboxMessage.appointment_id).in_([a.id for a in due]),
            col(OutboxMessage.kind).in_([_REMINDER, *_ANNOUNCED]),
        )
    ).all():
        earlier[appointment_id].append((kind, about, created))  # type: ignore[index]
    practice_words = practice_facts(session)
    rows = []
    for appointment in due:
        start = appointment.start_at
        if any(
            about == start and (kind == _REMINDER or created > start - window)
            for kind, about, created in earlier[appointment.id]  # type: ignore[index]
        ):
            continue
        people = recipients(session, appointment, for_reminder=True)
        if not people:
            continue
        facts = appointment_facts(session, appointment, practice_words)
        rows += message_rows("reminder", facts, appointment, people, reminder_key(appointment), now)
    written = insert_new(session, rows)
    session.commit()
    return written
