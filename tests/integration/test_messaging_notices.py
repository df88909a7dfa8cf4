"""Appointment notices: who gets one, what it says, and what it never says."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, col, select

from practicerunner.core import clock
from practicerunner.core.settings import get_settings
from practicerunner.messaging import queueing
from practicerunner.messaging.models import OutboxMessage
from practicerunner.messaging.notices import queue_appointment_notice
from practicerunner.practice.models import Location, Practice
from tests.integration.test_messaging_support import (
    PRESENTING_CONCERN,
    SERVICE_NAME,
    add_appointment,
    add_case,
    add_client,
    add_contact,
)

# Monday 2 March 2026, 9:00 in Los Angeles (the personas' practice timezone).
NOW = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)
# Tuesday 10 March 2026, 5:00 pm PDT (daylight saving time began on 8 March).
START = datetime(2026, 3, 11, 0, 0, tzinfo=UTC)


@pytest.fixture
def frozen():  # type: ignore[no-untyped-def]
    with clock.frozen_at(NOW) as advance:
        yield advance


def rows(session: Session) -> list[OutboxMessage]:
    session.expire_all()
    return list(session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all())


def _family(
    session: Session, people, *, notify_guardians: bool = True, title: str = "The Rivera family"
):  # type: ignore[no-untyped-def]
    mia = add_client(session, "Mia", "Rivera")  # a child: no email of her own
    leo = add_client(session, "Leo", "Rivera")
    case = add_case(
        session,
        people.staff["clinician"],
        [mia, leo],
        title=title,
        notify_guardians=notify_guardians,
    )
    return mia, leo, case


def test_a_confirmation_goes_to_each_attending_client_only(session, people, frozen):
    ana = add_client(session, "Ana", "Reyes", email="ana.reyes@example.com")
    ben = add_client(session, "Ben", "Reyes", email="ben.reyes@example.com")
    case = add_case(
        session, people.staff["clinician"], [ana, ben], kind="couple", title="Reyes couple"
    )
    appointment = add_appointment(
        session,
        case,
        people.staff["clinician"],
        people.service.id,
        people.location,
        START,
        attendees=[ana],  # one partner attends alone
    )

    written = queue_appointment_notice(session, appointment, "confirmation")
    session.commit()

    [message] = rows(session)
    assert written == 1
    assert message.to_address == "ana.reyes@example.com"
    assert message.to_name == "Ana Reyes"
    assert message.channel == "email" and message.status == "pending"
    assert message.kind == "appointment.confirmation"
    assert message.client_id == ana.id and message.appointment_id == appointment.id
    assert message.about_start_at == START
    assert message.due_at == NOW
    assert message.subject == "Your appointment is confirmed for Tue, Mar 10 at 5:00 PM"
    assert "Hello Ana," in message.body_text
    assert "Tuesday, March 10, 2026, 5:00 – 5:50 PM PDT" in message.body_text
    assert "Carl Chen" in message.body_text
    assert "Main office" in message.body_text
    assert "ben.reyes" not in message.body_text + message.body_html


def test_guardians_hear_about_a_child_only_when_the_case_says_so(session, people, frozen):
    mia, _leo, case = _family(session, people)
    add_contact(session, mia, "Rosa", "Rivera", "rosa@example.com")
    add_contact(session, mia, "Old", "Guardian", "old@example.com", is_active=False)
    add_contact(session, mia, "Emma", "Emergency", "emma@example.com", relationship="emergency")
    add_contact(session, mia, "Bill", "Payer", "payer@example.com", relationship="billing")
    appointment = add_appointment(
        session,
        case,
        people.staff["clinician"],
        people.service.id,
        people.location,
        START,
        attendees=[mia],
    )

    queue_appointment_notice(session, appointment, "confirmation")
    session.commit()

    [message] = rows(session)
    assert message.to_address == "rosa@example.com"
    assert message.to_name == "Rosa Rivera"
    assert message.client_id == mia.id
    assert message.subject == "Mia's appointment is confirmed for Tue, Mar 10 at 5:00 PM"
    assert "Hello Rosa," in message.body_text
    assert "Mia's appointment with Carl Chen is booked." in message.body_text


def test_no_guardian_notice_when_the_case_does_not_ask_for_it(session, people, frozen):
    mia, _leo, case = _family(session, people, notify_guardians=False)
    add_contact(session, mia, "Rosa", "Rivera", "rosa@example.com")
    appointment = add_appointment(
        session,
        case,
        people.staff["clinician"],
        people.service.id,
        people.location,
        START,
        attendees=[mia],
    )

    assert queue_appointment_notice(session, appointment, "confirmation") == 0
    session.commit()
    assert rows(session) == []


def test_a_guardian_of_two_attending_children_gets_one_message_naming_both(session, people, frozen):
    mia, leo, case = _family(session, people)
    add_contact(session, mia, "Rosa", "Rivera", "rosa@example.com")
    add_contact(session, leo, "Rosa", "Rivera", "ROSA@example.com")
    appointment = add_appointment(
        session,
        case,
        people.staff["clinician"],
        people.service.id,
        people.location,
        START,
        attendees=[mia, leo],
    )

    queue_appointment_notice(
        session, appointment, "reschedule", previous_start=START - timedelta(days=1)
    )
    session.commit()

    [message] = rows(session)
    assert message.to_address == "rosa@example.com"
    assert message.subject == "Mia and Leo's appointment has moved to Tue, Mar 10 at 5:00 PM"
    assert "has moved from Mon, Mar 9 at 5:00 PM" in message.body_text


def test_a_client_sharing_an_address_with_their_guardian_gets_their_own_notice(
    session, people, frozen
):
    teen = add_client(session, "Sam", "Lee", email="family@example.com")
    case = add_case(session, people.staff["clinician"], [teen], notify_guardians=True)
    add_contact(session, teen, "Jo", "Lee", "family@example.com")
    appointment = add_appointment(
        session,
        case,
        people.staff["clinician"],
        people.service.id,
        people.location,
        START,
        attendees=[teen],
    )

    queue_appointment_notice(session, appointment, "cancellation")
    session.commit()

    [message] = rows(session)
    assert message.to_name == "Sam Lee"
    assert message.subject == "Your appointment on Tue, Mar 10 at 5:00 PM is cancelled"
    assert "has been cancelled" in message.body_text


@pytest.mark.parametrize("kind", ["confirmation", "reschedule", "cancellation"])
def test_no_notice_names_the_service_the_case_or_anything_clinical(session, people, frozen, kind):
    secret_title = "Grief after Dad's death — Rivera"
    mia, _leo, case = _family(session, people, title=secret_title)
    mia.email = "mia@example.com"
    add_contact(session, mia, "Rosa", "Rivera", "rosa@example.com")
    appointment = add_appointment(
        session,
        case,
        people.staff["clinician"],
        people.service.id,
        people.location,
        START,
        attendees=[mia],
    )

    queue_appointment_notice(session, appointment, kind, previous_start=START - timedelta(days=1))
    session.commit()

    messages = rows(session)
    assert len(messages) == 2
    for message in messages:
        everything = " ".join([message.subject, message.body_text, message.body_html])
        for forbidden in (
            SERVICE_NAME,
            "therapy",
            secret_title,
            "Grief",
            PRESENTING_CONCERN,
            "90837",
        ):
            assert forbidden.lower() not in everything.lower(), (kind, forbidden)


def test_the_same_change_queued_twice_writes_once_and_a_later_change_writes_again(
    session, people, frozen
):
    client = people.clients["clinician"]
    appointment = add_appointment(
        session,
        people.cases["clinician"],
        people.staff["clinician"],
        people.service.id,
        people.location,
        START,
        attendees=[client],
    )
    assert queue_appointment_notice(session, appointment, "confirmation") == 1
    assert queue_appointment_notice(session, appointment, "confirmation") == 0
    session.commit()
    appointment.start_at += timedelta(days=1)
    appointment.end_at += timedelta(days=1)
    appointment.sequence += 1
    assert queue_appointment_notice(session, appointment, "reschedule", previous_start=START) == 1
    assert queue_appointment_notice(session, appointment, "reschedule", previous_start=START) == 0
    session.commit()

    keys = [m.dedupe_key for m in rows(session)]
    assert keys == [
        f"confirmation:{appointment.id}:0:email:client1@example.com",
        f"reschedule:{appointment.id}:1:email:client1@example.com",
    ]


def test_notices_belong_to_the_callers_transaction(session, people, frozen):
    client = people.clients["clinician"]
    appointment = add_appointment(
        session,
        people.cases["clinician"],
        people.staff["clinician"],
        people.service.id,
        people.location,
        START,
        attendees=[client],
    )
    assert queue_appointment_notice(session, appointment, "confirmation") == 1
    session.rollback()  # the booking was refused after all
    assert rows(session) == []


def test_a_session_that_has_started_gets_no_notice(session, people, frozen):
    client = people.clients["clinician"]
    appointment = add_appointment(
        session,
        people.cases["clinician"],
        people.staff["clinician"],
        people.service.id,
        people.location,
        NOW - timedelta(minutes=5),
        attendees=[client],
    )
    assert queue_appointment_notice(session, appointment, "cancellation") == 0


def test_an_unknown_kind_is_refused(session, people, frozen):
    client = people.clients["clinician"]
    appointment = add_appointment(
        session,
        people.cases["clinician"],
        people.staff["clinician"],
        people.service.id,
        people.location,
        START,
        attendees=[client],
    )
    with pytest.raises(ValueError, match="kind must be one of"):
        queue_appointment_notice(session, appointment, "reminder")


def test_text_messages_only_when_sms_is_configured(session, people, frozen, monkeypatch):
    client = add_client(session, "Pat", "Kim", email="pat@example.com", phone="+15035550199")
    case = add_case(session, people.staff["clinician"], [client], kind="individual")
    appointment = add_appointment(
        session,
        case,
        people.staff["clinician"],
        people.service.id,
        people.location,
        START,
        attendees=[client],
    )
    queue_appointment_notice(session, appointment, "confirmation")
    session.commit()
    assert [m.channel for m in rows(session)] == ["email"]

    on = dataclasses.replace(
        get_settings(), twilio_account_sid="AC1", twilio_auth_token="t", twilio_from="+15005550006"
    )
    monkeypatch.setattr(queueing, "get_settings", lambda: on)
    appointment.sequence += 1
    queue_appointment_notice(session, appointment, "cancellation")
    session.commit()

    sms = [m for m in rows(session) if m.channel == "sms"]
    assert [m.to_address for m in sms] == ["+15035550199"]
    assert sms[0].subject == "" and sms[0].body_html == ""
    assert sms[0].body_text == (
        "Willow Creek Counseling: your appointment with Carl Chen on Tue, Mar 10 at 5:00 PM "
        "is cancelled."
    )


def test_place_words_and_practice_contact_details(session, people, frozen):
    practice = session.exec(select(Practice)).one()
    practice.name = "Willow & <Creek>"
    practice.phone = "+15035550142"
    practice.email = "hello@willow.test"
    office = people.location
    office.address_line1, office.city, office.state, office.postal_code = (
        "12 Elm St",
        "Portland",
        "OR",
        "97205",
    )
    video = Location(name="Video", kind="telehealth", place_of_service="10", created_at=NOW)
    session.add_all([practice, office, video])
    client = people.clients["clinician"]
    in_person = add_appointment(
        session,
        people.cases["clinician"],
        people.staff["clinician"],
        people.service.id,
        office,
        START,
        attendees=[client],
    )
    online = add_appointment(
        session,
        people.cases["clinician"],
        people.staff["clinician"],
        people.service.id,
        video,
        START + timedelta(days=1),
        attendees=[client],
    )
    queue_appointment_notice(session, in_person, "confirmation")
    queue_appointment_notice(session, online, "confirmation")
    session.commit()

    first, second = rows(session)
    assert "Where: Main office\n       12 Elm St\n       Portland, OR 97205" in first.body_text
    assert "call (503) 555-0142 or email hello@willow.test" in first.body_text
    assert "Willow & <Creek>" in first.body_text
    assert "Willow &amp; &lt;Creek&gt;" in first.body_html
    assert "<Creek>" not in first.body_html
    assert "Where: Telehealth" in second.body_text
    assert "12 Elm St" not in second.body_text
    assert "how to join" in second.body_text


@pytest.mark.parametrize(
    ("status", "shown"), [("cancelled_practice", True), ("cancelled_client", False)]
)
def test_only_the_practices_own_cancel_reason_reaches_the_client(
    session, people, frozen, status, shown
):
    client = people.clients["clinician"]
    appointment = add_appointment(
        session,
        people.cases["clinician"],
        people.staff["clinician"],
        people.service.id,
        people.location,
        START,
        attendees=[client],
        status=status,
    )
    appointment.status_reason = "Office closed for a burst pipe"
    queue_appointment_notice(session, appointment, "cancellation")
    session.commit()

    [message] = rows(session)
    assert ("From the practice: Office closed for a burst pipe" in message.body_text) is shown
    assert ("Office closed for a burst pipe" in message.body_html) is shown
