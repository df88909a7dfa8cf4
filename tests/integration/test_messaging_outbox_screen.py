"""The Outgoing mail screen's service: the owner's list, filters, and an audited read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from practicerunner.core import clock
from practicerunner.core.audit import AuditEvent
from practicerunner.core.errors import NotFound, PermissionDenied, ValidationFailed
from practicerunner.messaging.models import OutboxMessage
from practicerunner.messaging.notices import queue_appointment_notice
from practicerunner.messaging.outbox import deliver_pending
from practicerunner.messaging.service import list_outbox, read_message
from tests.integration.test_messaging_support import add_appointment

NOW = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)


@pytest.fixture
def outbox(session: Session, people) -> list[int]:  # type: ignore[no-untyped-def]
    """Three confirmations kept (no SMTP), and one still waiting; returns the appointment ids."""
    ids = []
    with clock.frozen_at(NOW) as advance:
        for key in ("clinician", "owner", "supervisor"):
            appointment = add_appointment(
                session,
                people.cases[key],
                people.staff[key],
                people.service.id,
                people.location,
                NOW + timedelta(days=2),
                attendees=[people.clients[key]],
            )
            queue_appointment_notice(session, appointment, "confirmation")
            ids.append(appointment.id)
            advance(timedelta(minutes=1))
        session.commit()
        deliver_pending(session.get_bind(), NOW + timedelta(minutes=5))
        appointment = add_appointment(
            session,
            people.cases["associate"],
            people.staff["associate"],
            people.service.id,
            people.location,
            NOW + timedelta(days=3),
            attendees=[people.clients["associate"]],
        )
        queue_appointment_notice(session, appointment, "confirmation")
        session.commit()
    return ids


def test_the_owner_sees_every_message_newest_first_with_counts(session, people, outbox):
    page = list_outbox(session, people.owner)

    assert page.total == 4
    assert page.counts == {"kept": 3, "pending": 1}
    assert [r.to_address for r in page.rows] == [
        "client3@example.com",
        "client2@example.com",
        "client0@example.com",
        "client1@example.com",
    ]
    first = page.rows[-1]
    assert first.status == "kept" and first.status_label == "Kept"
    assert first.kind_label == "Confirmation"
    assert first.subject == "Your appointment is confirmed for Wed, Mar 4 at 9:00 AM"
    assert first.created == "Mar 2, 2026, 9:00 AM"
    assert first.sent == "" and first.note == ""
    assert not page.email_configured


def test_a_status_filter_and_pages(session, people, outbox):
    kept = list_outbox(session, people.owner, "kept", page=1, per_page=2)
    assert (kept.total, kept.pages, len(kept.rows)) == (3, 2, 2)
    assert {r.status for r in kept.rows} == {"kept"}
    last = list_outbox(session, people.owner, "kept", page=9, per_page=2)
    assert (last.page, len(last.rows)) == (2, 1)
    assert list_outbox(session, people.owner, "pending").total == 1

    with pytest.raises(ValidationFailed) as refused:
        list_outbox(session, people.owner, "drafts")
    assert refused.value.errors == {"status": "Choose a status from the list."}


@pytest.mark.parametrize("who", ["clinician", "supervisor", "associate", "scheduler", "biller"])
def test_nobody_but_the_owner_may_look(session, people, outbox, who):
    actor = people.all()[who]
    message_id = session.exec(select(OutboxMessage.id)).first()
    with pytest.raises(PermissionDenied):
        list_outbox(session, actor)
    with pytest.raises(PermissionDenied):
        read_message(session, actor, message_id)


def test_reading_a_message_is_audited_under_its_client(session, people, outbox):
    message = session.exec(
        select(OutboxMessage).where(OutboxMessage.appointment_id == outbox[0])
    ).one()
    session.commit()

    view = read_message(session, people.owner, message.id)

    assert view.to_address == "client1@example.com"
    assert view.to_name == "Client1 OfClinician"
    assert "Hello Client1," in view.body_text
    assert "<html" in view.body_html
    assert view.status_help.startswith("No mail or text service is configured")
    [event] = session.exec(select(AuditEvent).where(AuditEvent.action == "outbox.view")).all()
    assert (event.actor_id, event.record_id, event.client_id) == (
        people.staff["owner"].id,
        message.id,
        people.clients["clinician"].id,
    )


def test_listing_does_not_audit_and_an_unknown_message_is_not_found(session, people, outbox):
    list_outbox(session, people.owner)
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "outbox.view")).all() == []
    with pytest.raises(NotFound):
        read_message(session, people.owner, 999_999)
