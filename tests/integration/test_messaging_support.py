"""Shared arrangements for the messaging and worker tests (no tests here).

Appointments are written straight into the tables, as a booking would leave them; a real
SMTP server (aiosmtpd) on loopback receives what the worker sends.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage

from sqlmodel import Session

from practicerunner.clients.models import Case, CaseParticipant, Client, Contact
from practicerunner.core import clock
from practicerunner.core.validation import name_key
from practicerunner.practice.models import Location, Staff
from practicerunner.scheduling.models import Appointment, AppointmentAttendee, AppointmentStatus

# Text that must never leave in a message: the personas' service, case titles and concerns.
SERVICE_NAME = "Individual therapy, 53 min"
PRESENTING_CONCERN = "Low mood after job loss"


def add_appointment(
    session: Session,
    case: Case,
    clinician: Staff,
    service_id: int,
    location: Location,
    start: datetime,
    *,
    minutes: int = 50,
    attendees: list[Client] | None = None,
    status: str = AppointmentStatus.SCHEDULED,
) -> Appointment:
    """A session as the booking service leaves it: the row and its attendees, flushed."""
    now = clock.now()
    appointment = Appointment(
        case_id=case.id,  # type: ignore[arg-type]
        clinician_id=clinician.id,  # type: ignore[arg-type]
        service_id=service_id,
        location_id=location.id,  # type: ignore[arg-type]
        start_at=start,
        end_at=start + timedelta(minutes=minutes),
        status=status,
        created_at=now,
        updated_at=now,
    )
    session.add(appointment)
    session.flush()
    for client in attendees or []:
        session.add(AppointmentAttendee(appointment_id=appointment.id, client_id=client.id))  # type: ignore[arg-type]
    session.flush()
    return appointment


def add_client(
    session: Session, first: str, last: str, email: str = "", phone: str = "", **extra: object
) -> Client:
    now = clock.now()
    client = Client(
        legal_first_name=first,
        legal_last_name=last,
        date_of_birth=date(2014, 5, 1),
        email=email,
        phone=phone,
        first_name_key=name_key(first),
        last_name_key=name_key(last),
        search_text=f"{first} {last}".lower(),
        created_at=now,
        updated_at=now,
        **extra,
    )
    session.add(client)
    session.flush()
    return client


def add_case(
    session: Session,
    clinician: Staff,
    clients: list[Client],
    *,
    kind: str = "family",
    title: str = "Family sessions",
    notify_guardians: bool = False,
) -> Case:
    now = clock.now()
    case = Case(
        kind=kind,
        title=title,
        primary_clinician_id=clinician.id,  # type: ignore[arg-type]
        opened_on=now.date(),
        presenting_concern=PRESENTING_CONCERN,
        notify_guardians=notify_guardians,
        created_at=now,
        updated_at=now,
    )
    session.add(case)
    session.flush()
    for client in clients:
        session.add(CaseParticipant(case_id=case.id, client_id=client.id, role="member"))  # type: ignore[arg-type]
    session.flush()
    return case


def add_contact(
    session: Session,
    client: Client,
    first: str,
    last: str,
    email: str = "",
    *,
    relationship: str = "guardian",
    phone: str = "",
    is_active: bool = True,
) -> Contact:
    now = clock.now()
    contact = Contact(
        client_id=client.id,  # type: ignore[arg-type]
        relationship=relationship,
        first_name=first,
        last_name=last,
        email=email,
        phone=phone,
        is_active=is_active,
        created_at=now,
        updated_at=now,
    )
    session.add(contact)
    session.flush()
    return contact


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class SmtpSink:
    """An aiosmtpd handler that keeps what it accepts.

    `reply` answers every message with that SMTP reply instead (a refusing server).
    `hold_at`: the message arriving when that many are kept is held before any reply until
    `release` is set, then refused with 451 and not kept — the client never got a 250.
    """

    reply: str = ""
    hold_at: int | None = None
    received: list[bytes] = field(default_factory=list)
    holding: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    _held: bool = False

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        if self.hold_at is not None and not self._held and len(self.received) == self.hold_at:
            self._held = True
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.02)
            return "451 4.3.0 Not accepted: the sender went away"
        if self.reply:
            return self.reply
        self.received.append(bytes(envelope.content))
        return "250 2.0.0 Accepted"

    def messages(self) -> list[EmailMessage]:
        return [
            message_from_bytes(raw, policy=policy.default)  # type: ignore[misc]
            for raw in list(self.received)
        ]


@contextmanager
def smtp_server(sink: SmtpSink) -> Iterator[int]:
    """A real SMTP server on a free loopback port for the block; yields the port."""
    from aiosmtpd.controller import Controller

    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port
    finally:
        sink.release.set()
        controller.stop()


def bodies(message: EmailMessage) -> tuple[str, str]:
    """The text and HTML parts of a received message."""
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    return (
        text.get_content() if text is not None else "",  # type: ignore[attr-defined]
        html.get_content() if html is not None else "",  # type: ignore[attr-defined]
    )
