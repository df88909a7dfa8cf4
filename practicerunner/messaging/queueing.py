"""Writing appointment messages into the outbox: who gets one, and one row per recipient.

Rows are inserted with ON CONFLICT (dedupe_key) DO NOTHING, on PostgreSQL and SQLite alike, so
a cause that is handled twice — a re-run job, two workers at once, a retried request — writes
its messages once, without an error that would roll back the caller's transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from practicerunner.clients.models import Case, Client, Contact, ContactRelationship
from practicerunner.core.db import bulk_insert
from practicerunner.core.settings import get_settings
from practicerunner.messaging.content import (
    AppointmentFacts,
    Recipient,
    kind_code,
    render,
)
from practicerunner.messaging.models import Channel, OutboxMessage, OutboxStatus
from practicerunner.scheduling.models import Appointment, AppointmentAttendee

_KEY_LIMIT = 200  # OutboxMessage.dedupe_key


def dedupe_key(*parts: object) -> str:
    """'reminder:12:20260303T010000Z:email:mia@example.com'; a long address is hashed."""
    key = ":".join(str(p) for p in parts)
    if len(key) <= _KEY_LIMIT:
        return key
    *head, address = (str(p) for p in parts)
    digest = hashlib.sha256(address.encode()).hexdigest()[:40]
    return ":".join([*head, f"h{digest}"])[:_KEY_LIMIT]


def _first_name(client: Client) -> str:
    return client.preferred_name or client.legal_first_name


def _join_names(names: Sequence[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


@dataclass
class _Pending:
    recipient: Recipient
    own: bool  # the client's own address: "your appointment"
    about: list[str] = field(default_factory=list)  # for a guardian: the clients it is about


def recipients(
    session: Session, appointment: Appointment, *, for_reminder: bool = False
) -> list[Recipient]:
    """The attending clients (email, and phone when SMS is on) and, if the case says so,
    their active guardians. One recipient per address: a guardian of two attending children
    gets one message naming both; a client sharing an address with their guardian gets theirs.
    Clients who turned reminders off are left out of reminders (theirs and their guardians')."""
    sms = get_settings().sms_enabled
    clients = list(
        session.exec(
            select(Client)
            .join(AppointmentAttendee, col(AppointmentAttendee.client_id) == Client.id)
            .where(AppointmentAttendee.appointment_id == appointment.id)
            .order_by(col(Client.id))
        ).all()
    )
    if for_reminder:
        clients = [c for c in clients if not c.reminders_opt_out]
    found: dict[tuple[str, str], _Pending] = {}

    def add(channel: str, raw: str, name: str, first: str, client: Client, about: str) -> None:
        address = raw.strip().lower() if channel == Channel.EMAIL else raw.strip()
        if not address:
            return
        key = (channel, address)
        current = found.get(key)
        if not about:  # the client's own address wins over a guardian's use of it
            if current is None or not current.own:
                person = Recipient(channel, address, name, first, client.id or 0)
                found[key] = _Pending(person, own=True)
        elif current is None:
            person = Recipient(channel, address, name, first, client.id or 0)
            found[key] = _Pending(person, own=False, about=[about])
        elif not current.own and about not in current.about:
            current.about.append(about)

    for client in clients:
        first = _first_name(client)
        add(Channel.EMAIL, client.email, client.display_name, first, client, "")
        if sms:
            add(Channel.SMS, client.phone, client.display_name, first, client, "")
    case = session.get(Case, appointment.case_id)
    if case is not None and case.notify_guardians and clients:
        by_id = {c.id: c for c in clients}
        guardians = session.exec(
            select(Contact)
            .where(
                col(Contact.client_id).in_(sorted(by_id)),  # type: ignore[type-var]
                Contact.relationship == ContactRelationship.GUARDIAN,
                col(Contact.is_active).is_(True),
            )
            .order_by(col(Contact.client_id), col(Contact.id))
        ).all()
        for guardian in guardians:
            child = by_id[guardian.client_id]
            about = _first_name(child)
            name, first = guardian.full_name, guardian.first_name
            add(Channel.EMAIL, guardian.email, name, first, child, about)
            if sms:
                add(Channel.SMS, guardian.phone, name, first, child, about)
    return [
        replace(p.recipient, about=_join_names(p.about)) if not p.own else p.recipient
        for p in found.values()
    ]


def message_rows(
    kind: str,
    facts: AppointmentFacts,
    appointment: Appointment,
    people: Sequence[Recipient],
    key_prefix: tuple[object, ...],
    now: datetime,
) -> list[dict[str, Any]]:
    """One outbox row per recipient, rendered now (the row is what is sent, word for word)."""
    rows = []
    for person in people:
        body = render(kind, facts, person)
        rows.append(
            {
                "dedupe_key": dedupe_key(*key_prefix, person.channel, person.address),
                "channel": person.channel,
                "kind": kind_code(kind),
                "to_address": person.address,
                "to_name": person.name[:200],
                "subject": body.subject,
                "body_text": body.text[:8000],
                "body_html": body.html[:20000],
                "client_id": person.client_id or None,
                "appointment_id": appointment.id,
                "about_start_at": appointment.start_at,
                "status": OutboxStatus.PENDING.value,
                "due_at": now,
                "attempts": 0,
                "last_error": "",
                "created_at": now,
                "sent_at": None,
            }
        )
    return rows


def insert_new(session: Session, rows: list[dict[str, Any]]) -> int:
    """Insert ROWS, leaving out any whose dedupe key is already there; how many went in."""
    if not rows:
        return 0
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    written = 0
    for start in range(0, len(rows), 100):
        statement = (
            insert(table)
            .values(rows[start : start + 100])
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(table.c.id)
        )
        written += len(session.execute(statement).all())
    return written


def insert_new_in_bulk(session: Session, rows: list[dict[str, Any]]) -> int:
    """`insert_new` for thousands of rows whose keys nobody else is writing at the same time
    (a billing run's invoice emails, under the run's locks): the keys already there are read
    in one query per 500, and the rest go in with one COPY on PostgreSQL. How many went in.

    A concurrent writer of the same key would make the COPY fail (and the transaction with
    it) instead of being skipped: use `insert_new` wherever that can happen.
    """
    if not rows:
        return 0
    keys = [str(row["dedupe_key"]) for row in rows]
    there: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        there.update(
            session.exec(
                select(OutboxMessage.dedupe_key).where(col(OutboxMessage.dedupe_key).in_(chunk))
            ).all()
        )
    fresh: dict[str, dict[str, Any]] = {}
    for row in rows:
        fresh.setdefault(str(row["dedupe_key"]), row)  # the first of a repeated key, as SQL would
    new = [row for key, row in fresh.items() if key not in there]
    bulk_insert(session, OutboxMessage.__table__, new)  # type: ignore[attr-defined]
    return len(new)
