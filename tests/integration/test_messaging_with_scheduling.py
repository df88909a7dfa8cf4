"""Notices through the real scheduling service: book, move, cancel — and what the worker sends."""

from __future__ import annotations

import pytest
from sqlmodel import Session, col, select

from practicerunner.core import clock
from practicerunner.messaging.models import OutboxMessage
from practicerunner.messaging.outbox import deliver_pending
from practicerunner.scheduling import service as sched
from tests.integration.scheduling_support import MONDAY, booking, couple_case


@pytest.fixture
def at_monday():  # type: ignore[no-untyped-def]
    with clock.frozen_at(MONDAY) as advance:
        yield advance


def outbox(session: Session) -> list[OutboxMessage]:
    session.expire_all()
    rows = list(session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all())
    session.commit()
    return rows


def test_book_move_and_cancel_each_tell_the_attending_partner_once(session, people, at_monday):
    case, jordan, _alex = couple_case(session, people)
    appointment_id = sched.book(
        session,
        people.clinician,
        booking(people, case, "2026-03-10", "17:00", attendee_ids=[str(jordan.id)]),
    )
    sched.reschedule(session, people.clinician, appointment_id, start_local="2026-03-11T17:00")
    sched.set_status(
        session,
        people.clinician,
        appointment_id,
        "cancelled_practice",
        reason="Carl is unwell; we will call you to rebook.",
    )

    rows = outbox(session)
    assert [(m.kind, m.to_address) for m in rows] == [
        ("appointment.confirmation", "jordan@example.com"),
        ("appointment.reschedule", "jordan@example.com"),
        ("appointment.cancellation", "jordan@example.com"),
    ]
    confirmation, moved, cancelled = rows
    assert confirmation.subject == "Your appointment is confirmed for Tue, Mar 10 at 5:00 PM"
    assert moved.subject == "Your appointment has moved to Wed, Mar 11 at 5:00 PM"
    assert "has moved from Tue, Mar 10 at 5:00 PM" in moved.body_text
    assert cancelled.subject == "Your appointment on Wed, Mar 11 at 5:00 PM is cancelled"
    assert "From the practice: Carl is unwell; we will call you to rebook." in cancelled.body_text
    for message in rows:
        everything = message.subject + message.body_text + message.body_html
        assert "Lee couple" not in everything
        assert "Communication after a move" not in everything
        assert "therapy" not in everything.lower()

    deliver_pending(session.get_bind(), MONDAY)

    # Only the cancellation still tells the truth when the worker gets to them.
    assert [m.status for m in outbox(session)] == ["skipped", "skipped", "kept"]


def test_a_weekly_series_is_confirmed_once_not_session_by_session(session, people, at_monday):
    case, _jordan, _alex = couple_case(session, people)
    sched.book(
        session,
        people.clinician,
        booking(people, case, "2026-03-10", "17:00", repeat="weekly", repeat_count="8"),
    )

    rows = outbox(session)
    assert sorted(m.to_address for m in rows) == ["alex@example.com", "jordan@example.com"]
    assert {m.kind for m in rows} == {"appointment.confirmation"}
