"""The Outgoing mail screen (owner only): what left, what is waiting, what was kept.

Messages name clients and their addresses, so opening one to read it is audited
('outbox.view', under the client it is about). The list shows who and what, never a body.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, col, select

from practicerunner.core import audit
from practicerunner.core.errors import NotFound, ValidationFailed
from practicerunner.core.permissions import Actor, Perm
from practicerunner.core.settings import get_settings
from practicerunner.messaging.models import Channel, OutboxMessage, OutboxStatus
from practicerunner.practice.models import Practice

MAX_PER_PAGE = 200

STATUS_LABELS: dict[str, str] = {
    OutboxStatus.PENDING: "Waiting",
    OutboxStatus.SENT: "Sent",
    OutboxStatus.KEPT: "Kept",
    OutboxStatus.FAILED: "Failed",
    OutboxStatus.SKIPPED: "Not sent",
}
STATUS_HELP: dict[str, str] = {
    OutboxStatus.PENDING: "The worker sends it within a minute, or retries after a failure.",
    OutboxStatus.SENT: "The mail or text server accepted it.",
    OutboxStatus.KEPT: "No mail or text service is configured, so it was kept here unsent.",
    OutboxStatus.FAILED: "The server refused it, or every retry failed.",
    OutboxStatus.SKIPPED: "No longer true when its turn came (the session moved or was cancelled).",
}
KIND_LABELS: dict[str, str] = {
    "appointment.reminder": "Reminder",
    "appointment.confirmation": "Confirmation",
    "appointment.reschedule": "Moved session",
    "appointment.cancellation": "Cancellation",
    "billing.invoice": "Invoice",
    "billing.debit_notice": "Debit notice",
    "billing.payment_failed": "Payment failed",
    "billing.staff_payment_failed": "Payment failed (staff)",
    "documentation.review_moved": "Review moved",
}


def _moment(at: datetime | None, tz: ZoneInfo) -> str:
    """'Mar 2, 2026, 9:05 AM' in the practice's timezone; '' for none."""
    if at is None:
        return ""
    local = at.astimezone(tz)
    hour = local.hour % 12 or 12
    noon = "AM" if local.hour < 12 else "PM"
    return f"{local:%b} {local.day}, {local.year}, {hour}:{local:%M} {noon}"


def _zone(session: Session) -> ZoneInfo:
    name = session.exec(select(Practice.timezone).order_by(col(Practice.id))).first()
    return ZoneInfo(name or "UTC")


@dataclass(frozen=True)
class OutboxRow:
    id: int
    status: str
    status_label: str
    channel: str
    kind_label: str
    to_name: str
    to_address: str
    subject: str  # for a text message: its first words
    created: str
    sent: str
    note: str  # why it was not sent, or the last error; '' when all is well


@dataclass(frozen=True)
class OutboxPage:
    rows: list[OutboxRow]
    total: int
    page: int
    pages: int
    counts: dict[str, int]  # per status, over the whole outbox
    email_configured: bool
    sms_configured: bool


@dataclass(frozen=True)
class MessageView:
    id: int
    status: str
    status_label: str
    status_help: str
    channel: str
    kind_label: str
    to_name: str
    to_address: str
    subject: str
    body_text: str
    body_html: str
    created: str
    sent: str
    attempts: int
    note: str  # why it was not sent, or the last error


def _subject(message: OutboxMessage) -> str:
    if message.channel == Channel.SMS:
        words = message.body_text.split()
        text = " ".join(words[:12])
        return text + ("…" if len(words) > 12 else "")
    return message.subject


def list_outbox(
    session: Session,
    actor: Actor,
    status: str | None = None,
    page: int = 1,
    per_page: int = 50,
) -> OutboxPage:
    """One page of messages, newest first, optionally of one status."""
    actor.require(Perm.OUTBOX_VIEW)
    status = (status or "").strip()
    if status and status not in STATUS_LABELS:
        raise ValidationFailed({"status": "Choose a status from the list."})
    conditions = [OutboxMessage.status == status] if status else []
    per_page = max(1, min(int(per_page), MAX_PER_PAGE))
    counts = {
        str(s): int(n)
        for s, n in session.exec(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        ).all()
    }
    total = counts.get(status, 0) if status else sum(counts.values())
    pages = max(1, math.ceil(total / per_page))
    page = max(1, min(int(page), pages))
    found = session.exec(
        select(OutboxMessage)
        .where(*conditions)
        .order_by(col(OutboxMessage.id).desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    tz = _zone(session)
    settings = get_settings()
    rows = [
        OutboxRow(
            id=m.id or 0,
            status=m.status,
            status_label=STATUS_LABELS.get(m.status, m.status),
            channel=m.channel,
            kind_label=KIND_LABELS.get(m.kind, m.kind),
            to_name=m.to_name,
            to_address=m.to_address,
            subject=_subject(m),
            created=_moment(m.created_at, tz),
            sent=_moment(m.sent_at, tz),
            note=m.last_error,
        )
        for m in found
    ]
    session.rollback()
    return OutboxPage(
        rows=rows,
        total=total,
        page=page,
        pages=pages,
        counts=counts,
        email_configured=bool(settings.smtp_host),
        sms_configured=settings.sms_enabled,
    )


def read_message(session: Session, actor: Actor, message_id: int) -> MessageView:
    """One message as it was (or will be) sent; the read is audited under its client."""
    actor.require(Perm.OUTBOX_VIEW)
    message = session.get(OutboxMessage, message_id)
    if message is None:
        raise NotFound("message")
    tz = _zone(session)
    view = MessageView(
        id=message.id or 0,
        status=message.status,
        status_label=STATUS_LABELS.get(message.status, message.status),
        status_help=STATUS_HELP.get(message.status, ""),
        channel=message.channel,
        kind_label=KIND_LABELS.get(message.kind, message.kind),
        to_name=message.to_name,
        to_address=message.to_address,
        subject=message.subject,
        body_text=message.body_text,
        body_html=message.body_html,
        created=_moment(message.created_at, tz),
        sent=_moment(message.sent_at, tz),
        attempts=message.attempts,
        note=message.last_error,
    )
    audit.record(
        session,
        actor,
        "outbox.view",
        record_type="outbox_message",
        record_id=message.id,
        client_id=message.client_id,
    )
    session.commit()
    return view
