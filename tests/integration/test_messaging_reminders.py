"""Reminders: the right sessions, once each, and a fresh one when a session moves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete
from sqlmodel import Session, col, select

from practicerunner.core import clock
from practicerunner.messaging.models import OutboxMessage
from practicerunner.messaging.notices import queue_appointment_notice
from practicerunner.messaging.outbox import deliver_pending
from practicerunner.messaging.reminders import queue_due_reminders
from practicerunner.practice.models import Practice
from practicerunner.scheduling.models import Appointment, AppointmentAttendee
from tests.integration.test_messaging_support import add_appointment, add_case, add_client

NOW = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)


@pytest.fixture
def frozen():  # type: ignore[no-untyped-def]
    with clock.frozen_at(NOW) as advance:
        yield advance


def reminders(session: Session) -> list[OutboxMessage]:
    session.expire_all()
    result = list(
        session.exec(
            select(OutboxMessage)
            .where(OutboxMessage.kind == "appointment.reminder")
            .order_by(col(OutboxMessage.id))
        ).all()
    )
    session.commit()  # ends the read (SQLite readers hold the write lock); rows stay loaded
    return result


def book(session: Session, people, start: datetime, key: str = "clinician", **kw):  # type: ignore[no-untyped-def]
    appointment = add_appointment(
        session,
        people.cases[key],
        people.staff[key],
        people.service.id,
        people.location,
        start,
        attendees=kw.pop("attendees", [people.clients[key]]),
        **kw,
    )
    session.commit()
    return appointment


def test_sessions_inside_the_window_get_one_reminder_each_and_a_rerun_adds_nothing(
    session, people, frozen
):
    soon = book(session, people, NOW + timedelta(hours=2))
    edge = book(session, people, NOW + timedelta(hours=24), key="owner")
    book(session, people, NOW + timedelta(hours=24, minutes=1), key="supervisor")  # too far
    book(session, people, NOW - timedelta(minutes=10), key="associate")  # already started
    book(session, people, NOW + timedelta(hours=3), key="associate2", status="cancelled_client")

    assert queue_due_reminders(session, NOW) == 2
    first = [(m.dedupe_key, m.appointment_id, m.to_address) for m in reminders(session)]
    assert queue_due_reminders(session, NOW) == 0
    assert queue_due_reminders(session, NOW + timedelta(seconds=59)) == 0

    assert [(m.dedupe_key, m.appointment_id, m.to_address) for m in reminders(session)] == first
    assert {a for _, a, _ in first} == {soon.id, edge.id}
    assert first[0][0] == f"reminder:{soon.id}:20260302T190000Z:email:client1@example.com"
    [message] = [m for m in reminders(session) if m.appointment_id == soon.id]
    assert message.subject == "Reminder: your appointment on Mon, Mar 2 at 11:00 AM"
    assert "This is a reminder of your appointment with Carl Chen." in message.body_text


def test_the_window_follows_the_practice_setting_and_zero_turns_reminders_off(
    session, people, frozen
):
    book(session, people, NOW + timedelta(hours=30))
    practice = session.exec(select(Practice)).one()
    practice.reminder_hours = 48
    session.commit()
    assert queue_due_reminders(session, NOW) == 1

    book(session, people, NOW + timedelta(hours=2), key="owner")
    practice = session.exec(select(Practice)).one()
    practice.reminder_hours = 0
    session.commit()
    assert queue_due_reminders(session, NOW) == 0
    assert len(reminders(session)) == 1


def test_a_client_who_opted_out_gets_no_reminder_but_their_partner_does(session, people, frozen):
    ana = add_client(session, "Ana", "Reyes", email="ana@example.com", reminders_opt_out=True)
    ben = add_client(session, "Ben", "Reyes", email="ben@example.com")
    case = add_case(session, people.staff["clinician"], [ana, ben], kind="couple")
    add_appointment(
        session,
        case,
        people.staff["clinician"],
        people.service.id,
        people.location,
        NOW + timedelta(hours=5),
        attendees=[ana, ben],
    )
    session.commit()

    queue_due_reminders(session, NOW)

    assert [m.to_address for m in reminders(session)] == ["ben@example.com"]


def test_a_moved_session_gets_a_fresh_reminder_and_the_old_one_is_skipped(session, people, frozen):
    appointment = book(session, people, NOW + timedelta(hours=5))
    assert queue_due_reminders(session, NOW) == 1
    appointment = session.get(Appointment, appointment.id)
    appointment.start_at += timedelta(hours=2)
    appointment.end_at += timedelta(hours=2)
    appointment.sequence += 1
    session.commit()

    assert queue_due_reminders(session, NOW) == 1
    deliver_pending(session.get_bind(), NOW)  # no SMTP configured: kept

    old, new = reminders(session)
    assert old.status == "skipped"
    assert "moved" in old.last_error
    assert new.status == "kept"
    assert new.subject == "Reminder: your appointment on Mon, Mar 2 at 4:00 PM"


def test_a_session_cancelled_before_its_reminder_went_out_is_skipped(session, people, frozen):
    appointment = book(session, people, NOW + timedelta(hours=5))
    queue_due_reminders(session, NOW)
    appointment = session.get(Appointment, appointment.id)
    appointment.status = "cancelled_practice"
    session.commit()

    deliver_pending(session.get_bind(), NOW)

    [message] = reminders(session)
    assert message.status == "skipped"
    assert message.sent_at is None


def test_a_session_booked_inside_the_window_relies_on_its_confirmation(session, people, frozen):
    appointment = book(session, people, NOW + timedelta(hours=3))
    queue_appointment_notice(session, appointment, "confirmation")
    session.commit()

    assert queue_due_reminders(session, NOW + timedelta(minutes=1)) == 0
    assert reminders(session) == []


def test_a_session_booked_well_ahead_still_gets_its_reminder(session, people, frozen):
    with clock.frozen_at(NOW - timedelta(days=7)):
        appointment = book(session, people, NOW + timedelta(hours=3))
        queue_appointment_notice(session, appointment, "confirmation")
        session.commit()

    assert queue_due_reminders(session, NOW) == 1


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    offsets=st.lists(st.integers(min_value=-120, max_value=80 * 60), min_size=0, max_size=8),
    hours=st.integers(min_value=0, max_value=72),
    run_gap=st.integers(min_value=0, max_value=90),
)
def test_reminders_match_the_window_exactly_and_a_later_run_repeats_none(
    session, people, offsets, hours, run_gap
):
    # Clean slate for each example (the database is shared across examples).
    session.execute(delete(OutboxMessage))
    session.execute(delete(AppointmentAttendee))
    session.execute(delete(Appointment))
    practice = session.exec(select(Practice)).one()
    practice.reminder_hours = hours
    session.commit()
    clinicians = ["owner", "clinician", "supervisor", "associate", "associate2"]
    starts = []
    for i, minutes in enumerate(offsets):
        key = clinicians[i % len(clinicians)]
        start = NOW + timedelta(minutes=minutes + (i // len(clinicians)) * 24 * 60 * 7)
        book(session, people, start, key=key)
        starts.append(start)

    written = queue_due_reminders(session, NOW)
    again = queue_due_reminders(session, NOW + timedelta(minutes=run_gap))

    window = timedelta(hours=hours)
    expected = sum(1 for s in starts if hours and NOW < s <= NOW + window)
    assert written == expected
    later = NOW + timedelta(minutes=run_gap)
    newly_in = sum(1 for s in starts if hours and NOW + window < s <= later + window and s > later)
    assert again == newly_in
    keys = [m.dedupe_key for m in reminders(session)]
    assert len(keys) == len(set(keys)) == expected + newly_in
