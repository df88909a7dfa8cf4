"""Delivering the outbox: the worker sends what is due, one row per short transaction.

Each message is claimed, handed to its transport and settled in ONE transaction:

    BEGIN; SELECT the next due row … FOR UPDATE SKIP LOCKED; <SMTP/Twilio hand-off>;
    UPDATE status = sent; COMMIT

- Two workers at once: on PostgreSQL, SKIP LOCKED gives each worker a different row; on
  SQLite, transactions start with BEGIN IMMEDIATE, so workers take turns (one writer).
- A worker killed before the server accepts a message: its transaction dies with it, the
  row is still pending, and the next run sends it. Nothing is lost.
- The crash window: killed AFTER the server said "250 accepted" but BEFORE the COMMIT (the
  time of one local UPDATE and COMMIT, well under a millisecond), the row stays pending and
  the message is sent again on restart. SMTP offers no way to close this window entirely; the
  Message-ID is derived from the dedupe key, so a duplicate carries the same id as the first
  and mail systems that drop duplicate ids show it once. Every other path sends at most once.
- The cost: the row lock (on SQLite, the database's write lock) is held while the server
  takes the message, so the SMTP timeout is short (SMTP_TIMEOUT_SECONDS, default 10 s) and
  the lock is released between messages.

Rows whose session was cancelled or moved since they were written become SKIPPED; without a
transport configured, they become KEPT (the owner reads them on the Outgoing mail screen).
Transient failures are retried with growing delays, then FAILED.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from practicerunner.clients.models import Client
from practicerunner.core import clock
from practicerunner.core.settings import get_settings
from practicerunner.messaging.content import kind_code
from practicerunner.messaging.models import OutboxMessage, OutboxStatus
from practicerunner.messaging.transports import (
    RETRY,
    Outcome,
    Sender,
    Transport,
    configured_transports,
)
from practicerunner.practice.models import Practice
from practicerunner.scheduling.models import Appointment, AppointmentStatus

log = logging.getLogger(__name__)

# Delay before attempt n+1 after n failures; after the last, the message is FAILED.
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(hours=1),
    timedelta(hours=4),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1

# Messages about a session that say where and when it is: stale once it moved or was called off.
_ABOUT_A_TIME = {kind_code(k) for k in ("reminder", "confirmation", "reschedule")}


def _sender(session: Session) -> Sender:
    practice = session.exec(select(Practice).order_by(col(Practice.id))).first()
    if practice is None:
        return Sender(practice_name="PracticeRunner", practice_email="")
    return Sender(practice_name=practice.name, practice_email=practice.email)


def stale_reason(session: Session, message: OutboxMessage, now: datetime) -> str:
    """Why MESSAGE should no longer go out ('' when it should)."""
    if message.kind not in _ABOUT_A_TIME or message.appointment_id is None:
        return ""
    appointment = session.get(Appointment, message.appointment_id)
    if appointment is None or appointment.status != AppointmentStatus.SCHEDULED:
        return "Not sent: the session was cancelled or its status changed first."
    if message.about_start_at is not None and appointment.start_at != message.about_start_at:
        return "Not sent: the session moved first; the new time has its own message."
    if appointment.start_at <= now:
        return "Not sent: the session had already started."
    if message.kind == kind_code("reminder") and message.client_id is not None:
        client = session.get(Client, message.client_id)
        if client is not None and client.reminders_opt_out:
            return "Not sent: the client turned reminders off."
    return ""


def _claim(session: Session, now: datetime, skip_channels: set[str]) -> OutboxMessage | None:
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.PENDING, col(OutboxMessage.due_at) <= now)
        .order_by(col(OutboxMessage.due_at), col(OutboxMessage.id))
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    if skip_channels:
        query = query.where(col(OutboxMessage.channel).not_in(sorted(skip_channels)))
    return session.exec(query).first()


def _settle(message: OutboxMessage, outcome: Outcome, now: datetime) -> str:
    """Write OUTCOME onto MESSAGE; the status it ends in."""
    if outcome.status == OutboxStatus.SENT:
        message.attempts += 1
        message.status, message.sent_at, message.last_error = OutboxStatus.SENT, now, ""
    elif outcome.status == RETRY:
        message.attempts += 1
        message.last_error = outcome.error
        if message.attempts >= MAX_ATTEMPTS:
            message.status = OutboxStatus.FAILED
        else:
            message.due_at = now + RETRY_DELAYS[message.attempts - 1]
    else:  # kept, failed or skipped
        if outcome.status == OutboxStatus.FAILED:
            message.attempts += 1
        message.status, message.last_error = outcome.status, outcome.error
    return str(message.status)


def deliver_pending(
    engine: Engine,
    now: datetime | None = None,
    limit: int = 100,
    *,
    transports: dict[str, Transport] | None = None,
) -> int:
    """Send up to LIMIT due messages, each claimed and settled in its own transaction.

    NOW fixes the moment (tests); by default the clock is read for each message. Returns how
    many messages were settled or rescheduled.
    """
    transports = transports if transports is not None else configured_transports(get_settings())
    counts: Counter[str] = Counter()
    down: set[str] = set()
    try:
        with Session(engine, expire_on_commit=False) as session:
            sender = _sender(session)
            session.rollback()
            while sum(counts.values()) < limit:
                moment = now or clock.now()
                message = _claim(session, moment, down)
                if message is None:
                    session.rollback()
                    break
                reason = stale_reason(session, message, moment)
                if reason:
                    outcome = Outcome(OutboxStatus.SKIPPED.value, reason)
                else:
                    transport = transports.get(message.channel)
                    if transport is None:
                        outcome = Outcome(OutboxStatus.FAILED.value, "Unknown channel.")
                    else:
                        try:
                            outcome = transport.send(message, sender, moment)
                        except Exception as exc:  # a bug in a transport must not stall the queue
                            log.exception(
                                "transport %s failed on message %s", message.channel, message.id
                            )
                            outcome = Outcome(RETRY, f"{type(exc).__name__}: {exc}"[:500])
                counts[_settle(message, outcome, moment)] += 1
                session.add(message)
                session.commit()
                if outcome.channel_down:
                    down.add(message.channel)
    finally:
        for transport in transports.values():
            transport.close()
    if counts:
        log.info("outbox: %s", ", ".join(f"{n} {status}" for status, n in sorted(counts.items())))
    return sum(counts.values())
