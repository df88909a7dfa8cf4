"""Delivering the outbox through a real SMTP server on loopback, and what happens when it fails."""

from __future__ import annotations

import dataclasses
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, col, select

from practicerunner.core import clock
from practicerunner.core.settings import get_settings
from practicerunner.messaging import transports as tr
from practicerunner.messaging.models import OutboxMessage
from practicerunner.messaging.notices import queue_appointment_notice
from practicerunner.messaging.outbox import MAX_ATTEMPTS, deliver_pending
from practicerunner.messaging.transports import SmtpTransport, TwilioTransport
from practicerunner.practice.models import Practice
from tests.integration.test_messaging_support import (
    SmtpSink,
    add_appointment,
    add_case,
    add_client,
    bodies,
    free_port,
    smtp_server,
)

NOW = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)
START = datetime(2026, 3, 11, 0, 0, tzinfo=UTC)


@pytest.fixture
def frozen():  # type: ignore[no-untyped-def]
    with clock.frozen_at(NOW) as advance:
        yield advance


def smtp_settings(port: int):  # type: ignore[no-untyped-def]
    return dataclasses.replace(
        get_settings(),
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_from="office@willow.test",
        smtp_starttls=False,
        smtp_timeout_seconds=5,
    )


def email_only(port: int) -> dict:
    return {"email": SmtpTransport(smtp_settings(port)), "sms": tr.KeepTransport()}


def messages(session: Session) -> list[OutboxMessage]:
    session.expire_all()
    found = list(session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all())
    session.commit()  # ends the read (SQLite readers hold the write lock); rows stay loaded
    return found


def queue_for(session: Session, people, count: int) -> list[int]:  # type: ignore[no-untyped-def]
    """COUNT confirmations, one per new client, each to its own address."""
    practice = session.exec(select(Practice)).one()
    practice.email = "hello@willow.test"
    ids = []
    for i in range(count):
        client = add_client(session, f"Kim{i}", "Park", email=f"kim{i}@example.com")
        case = add_case(session, people.staff["clinician"], [client], kind="individual")
        appointment = add_appointment(
            session,
            case,
            people.staff["clinician"],
            people.service.id,
            people.location,
            START + timedelta(hours=i),
            attendees=[client],
        )
        queue_appointment_notice(session, appointment, "confirmation")
        ids.append(appointment.id)
    session.commit()
    return ids


def test_mail_arrives_as_text_and_html_from_the_practice(session, people, frozen):
    queue_for(session, people, 3)
    sink = SmtpSink()
    with smtp_server(sink) as port:
        handled = deliver_pending(session.get_bind(), NOW, transports=email_only(port))

    assert handled == 3
    rows = messages(session)
    assert {m.status for m in rows} == {"sent"}
    assert all(m.sent_at == NOW and m.attempts == 1 for m in rows)
    received = sink.messages()
    assert sorted(m["To"] for m in received) == [
        f"Kim{i} Park <kim{i}@example.com>" for i in range(3)
    ]
    first = next(m for m in received if m["To"].addresses[0].username == "kim0")
    assert first["From"] == "Willow Creek Counseling <office@willow.test>"
    assert first["Reply-To"] == "Willow Creek Counseling <hello@willow.test>"
    assert first["Subject"] == "Your appointment is confirmed for Tue, Mar 10 at 5:00 PM"
    assert first["Auto-Submitted"] == "auto-generated"
    assert first.get_content_type() == "multipart/alternative"
    text, html = bodies(first)
    assert "Hello Kim0," in text
    assert "<p" in html and "Hello Kim0," in html
    assert first["Message-ID"] == tr.message_id(rows[0], "willow.test")


def test_without_smtp_settings_mail_is_kept_for_the_owner(session, people, frozen):
    queue_for(session, people, 2)

    deliver_pending(session.get_bind(), NOW)

    assert [(m.status, m.sent_at) for m in messages(session)] == [("kept", None)] * 2


def test_a_temporary_refusal_is_retried_later_then_given_up(session, people, frozen):
    queue_for(session, people, 1)
    sink = SmtpSink(reply="451 4.7.1 Greylisted, try again later")
    moment = NOW
    with smtp_server(sink) as port:
        deliver_pending(session.get_bind(), moment, transports=email_only(port))
        [row] = messages(session)
        assert (row.status, row.attempts) == ("pending", 1)
        assert row.due_at == NOW + timedelta(minutes=1)
        assert "451" in row.last_error
        # Not due yet: nothing happens a few seconds later.
        assert (
            deliver_pending(
                session.get_bind(), NOW + timedelta(seconds=30), transports=email_only(port)
            )
            == 0
        )
        for _ in range(MAX_ATTEMPTS - 1):
            moment = messages(session)[0].due_at
            deliver_pending(session.get_bind(), moment, transports=email_only(port))

    [row] = messages(session)
    assert (row.status, row.attempts) == ("failed", MAX_ATTEMPTS)
    assert sink.received == []


def test_a_permanent_refusal_fails_at_once(session, people, frozen):
    queue_for(session, people, 1)
    sink = SmtpSink(reply="550 5.1.1 No such mailbox")
    with smtp_server(sink) as port:
        deliver_pending(session.get_bind(), NOW, transports=email_only(port))

    [row] = messages(session)
    assert (row.status, row.attempts) == ("failed", 1)
    assert "550" in row.last_error


def test_an_unreachable_server_puts_off_the_first_message_and_leaves_the_rest_untouched(
    session, people, frozen
):
    queue_for(session, people, 3)
    port = free_port()  # nothing listens there

    handled = deliver_pending(session.get_bind(), NOW, transports=email_only(port))

    assert handled == 1
    first, *rest = messages(session)
    assert (first.status, first.attempts, first.due_at) == (
        "pending",
        1,
        NOW + timedelta(minutes=1),
    )
    assert "unreachable" in first.last_error
    assert [(m.status, m.attempts) for m in rest] == [("pending", 0), ("pending", 0)]


def test_two_deliveries_at_once_send_each_message_once(session, people, frozen):
    queue_for(session, people, 24)
    sink = SmtpSink()
    engine = session.get_bind()
    with smtp_server(sink) as port:
        results: list[int] = []
        threads = [
            threading.Thread(
                target=lambda: results.append(
                    deliver_pending(engine, NOW, transports=email_only(port))
                )
            )
            for _ in range(2)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)

    assert sum(results) == 24
    ids = [m["Message-ID"] for m in sink.messages()]
    assert len(ids) == len(set(ids)) == 24
    assert {m.status for m in messages(session)} == {"sent"}


class _FakeMessages:
    def __init__(self, error: Exception | None = None) -> None:
        self.sent: list[dict] = []
        self.error = error

    def create(self, **kwargs):  # type: ignore[no-untyped-def]
        if self.error:
            raise self.error
        self.sent.append(kwargs)


def _twilio(error: Exception | None = None) -> tuple[TwilioTransport, _FakeMessages]:
    settings = dataclasses.replace(
        get_settings(),
        twilio_account_sid="AC" + "0" * 32,
        twilio_auth_token="secret",
        twilio_from="+15005550006",
    )
    transport = TwilioTransport(settings)
    fake = _FakeMessages(error)
    transport.client = type("FakeClient", (), {"messages": fake})()  # no network in tests
    return transport, fake


def _sms_row(session: Session) -> OutboxMessage:
    row = OutboxMessage(
        dedupe_key="test:sms:1",
        channel="sms",
        kind="appointment.cancellation",
        to_address="+15035550199",
        body_text="Willow Creek Counseling: your appointment on Tue, Mar 10 is cancelled.",
        due_at=NOW,
        created_at=NOW,
    )
    session.add(row)
    session.commit()
    return row


def test_text_messages_go_through_twilio_when_configured(session, people, frozen):
    _sms_row(session)
    transport, fake = _twilio()

    deliver_pending(session.get_bind(), NOW, transports={"sms": transport})

    assert fake.sent == [
        {
            "to": "+15035550199",
            "from_": "+15005550006",
            "body": "Willow Creek Counseling: your appointment on Tue, Mar 10 is cancelled.",
        }
    ]
    assert messages(session)[0].status == "sent"


@pytest.mark.parametrize(("status", "expected"), [(400, "failed"), (503, "pending")])
def test_twilio_refusals_fail_or_wait_by_status(session, people, frozen, status, expected):
    from twilio.base.exceptions import TwilioRestException

    _sms_row(session)
    transport, _ = _twilio(TwilioRestException(status, "https://api.twilio.com", "nope"))

    deliver_pending(session.get_bind(), NOW, transports={"sms": transport})

    [row] = messages(session)
    assert row.status == expected
    assert f"Twilio {status}" in row.last_error


def test_bulk_queueing_skips_keys_already_there_and_repeats_in_the_batch(session, frozen):  # type: ignore[no-untyped-def]
    from practicerunner.messaging.queueing import insert_new_in_bulk

    def row(key: str, body: str) -> dict[str, object]:
        return {
            "dedupe_key": key,
            "channel": "email",
            "kind": "billing.invoice",
            "to_address": "pat@example.com",
            "to_name": "Pat",
            "subject": "Invoice",
            "body_text": body,
            "body_html": "",
            "due_at": NOW,
            "created_at": NOW,
        }

    assert insert_new_in_bulk(session, [row("k:1", "first")]) == 1
    session.commit()
    batch = [row("k:1", "again"), row("k:2", "second"), row("k:2", "twice"), row("k:3", "third")]
    assert insert_new_in_bulk(session, batch) == 2
    session.commit()
    found = dict(session.exec(select(OutboxMessage.dedupe_key, OutboxMessage.body_text)).all())
    session.rollback()
    assert found == {"k:1": "first", "k:2": "second", "k:3": "third"}
    assert insert_new_in_bulk(session, []) == 0
