"""Searching and verifying the audit log (owner only); every search is itself audited.

The log is written by core.audit.record from every capability; this module only reads it.
Dates are whole days in the practice's timezone, both ends included, with no limit on the
range. Results are newest first, paged by offset over the chain's sequence number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, func, or_
from sqlmodel import Session, col, select

from practicerunner.clients.models import Client
from practicerunner.core import audit
from practicerunner.core.errors import ValidationFailed
from practicerunner.core.permissions import Actor, Perm
from practicerunner.practice.models import Practice, Staff

MAX_PER_PAGE = 200

# Plain words for the actions the capabilities record; anything else is worded from its code.
ACTION_LABELS: dict[str, str] = {
    "auth.sign_in": "Signed in",
    "auth.sign_in_failed": "Failed sign-in",
    "auth.sign_out": "Signed out",
    "auth.account_locked": "Account locked",
    "audit.search": "Searched the audit log",
    "audit.verify": "Verified the audit log",
    "demo.seed": "Created the demo practice",
    "staff.password_reset": "Reset a password",
}
_VERBS: dict[str, str] = {
    "view": "Viewed",
    "create": "Created",
    "update": "Updated",
    "deactivate": "Deactivated",
    "reactivate": "Reactivated",
    "delete": "Deleted",
    "close": "Closed",
    "reopen": "Reopened",
    "search": "Searched",
    "export": "Exported",
}
_NOUNS: dict[str, str] = {"practice": "practice settings", "staff": "staff member"}

# The action-type filter: (prefix of the action code, label). "" means every action.
ACTION_FILTERS: list[tuple[str, str]] = [
    ("", "All actions"),
    ("auth.", "Sign-ins and sign-outs"),
    ("auth.sign_in_failed", "Failed sign-ins only"),
    ("client.", "Clients"),
    ("case.", "Cases"),
    ("contact.", "Contacts"),
    ("staff.", "Staff"),
    ("practice.", "Practice settings"),
    ("location.", "Locations"),
    ("service.", "Services and fees"),
    ("audit.", "Audit log"),
]
_RECORD_LABELS: dict[str, str] = {"practice": "Practice", "staff": "Staff"}


def action_label(action: str) -> str:
    """'client.view' -> 'Viewed client'; known codes have hand-written labels."""
    if action in ACTION_LABELS:
        return ACTION_LABELS[action]
    noun, _, verb = action.partition(".")
    if verb in _VERBS:
        return f"{_VERBS[verb]} {_NOUNS.get(noun, noun.replace('_', ' '))}"
    return action.replace("_", " ").replace(".", ": ").capitalize()


def record_label(record_type: str, record_id: int | None) -> str:
    """'Client #12'; empty when the event names no record."""
    if not record_type:
        return ""
    name = _RECORD_LABELS.get(record_type, record_type.replace("_", " ").capitalize())
    return f"{name} #{record_id}" if record_id is not None else name


def format_moment(at: datetime, tz: ZoneInfo) -> str:
    """'Nov 3, 2026, 9:05:12 AM PST' in the practice's timezone."""
    local = at.astimezone(tz)
    hour = local.hour % 12 or 12
    return (
        f"{local:%b} {local.day}, {local.year}, "
        f"{hour}:{local:%M:%S} {'AM' if local.hour < 12 else 'PM'} {local.tzname()}"
    )


def _parse_day(
    value: str | date | None, label: str, name: str, errors: dict[str, str]
) -> date | None:
    if value is None or isinstance(value, date):
        return value
    raw = value.strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors[name] = f"Enter the {label} date as a date, like 2026-01-31."
        return None


def parse_date_range(
    date_from: str | date | None, date_to: str | date | None
) -> tuple[date | None, date | None]:
    """Both ends parsed (either may be open); ValidationFailed with field messages otherwise."""
    errors: dict[str, str] = {}
    start = _parse_day(date_from, "start", "date_from", errors)
    end = _parse_day(date_to, "end", "date_to", errors)
    if start and end and start > end:
        errors["date_to"] = "The end date is before the start date."
    if errors:
        raise ValidationFailed(errors)
    return start, end


def day_bounds(
    start: date | None, end: date | None, tz: ZoneInfo
) -> tuple[datetime | None, datetime | None]:
    """UTC instants [from, to): midnight starting START to midnight after END, in TZ."""
    lower = datetime.combine(start, time.min, tz).astimezone(UTC) if start else None
    upper = datetime.combine(end + timedelta(days=1), time.min, tz).astimezone(UTC) if end else None
    return lower, upper


def practice_zone(session: Session) -> ZoneInfo:
    """The practice's timezone (UTC before the practice is set up)."""
    name = session.exec(select(Practice.timezone)).first()
    return ZoneInfo(name or "UTC")


@dataclass(frozen=True)
class AuditRow:
    """One entry as the audit page shows it."""

    seq: int
    when: str
    actor_name: str
    action: str
    action_label: str
    record: str
    client_id: int | None
    client_name: str
    ip: str


@dataclass(frozen=True)
class AuditPage:
    """One page of search results and how many entries matched in all."""

    rows: list[AuditRow]
    total: int
    page: int
    per_page: int
    pages: int


def _person_filter(staff_id: int) -> ColumnElement[bool]:
    # A person's trail includes what was recorded without a signed-in actor about them:
    # their failed sign-ins, lockouts and the sign-outs that ended their sessions.
    return or_(
        col(audit.AuditEvent.actor_id) == staff_id,
        and_(
            col(audit.AuditEvent.actor_id).is_(None),
            col(audit.AuditEvent.record_type) == "staff",
            col(audit.AuditEvent.record_id) == staff_id,
        ),
    )


def search_audit(
    session: Session,
    actor: Actor,
    staff_id: int | None = None,
    client_id: int | None = None,
    date_from: str | date | None = None,
    date_to: str | date | None = None,
    action_prefix: str | None = None,
    page: int = 1,
    per_page: int = 50,
) -> AuditPage:
    """Entries matching every filter, newest first; the search is recorded as 'audit.search'."""
    actor.require(Perm.AUDIT_VIEW)
    start, end = parse_date_range(date_from, date_to)
    if action_prefix and len(action_prefix) > 60:
        raise ValidationFailed({"action": "Choose an action type from the list."})
    tz = practice_zone(session)
    lower, upper = day_bounds(start, end, tz)
    event = audit.AuditEvent
    conditions: list[ColumnElement[bool]] = []
    if staff_id is not None:
        conditions.append(_person_filter(staff_id))
    if client_id is not None:
        conditions.append(col(event.client_id) == client_id)
    if lower is not None:
        conditions.append(col(event.at) >= lower)
    if upper is not None:
        conditions.append(col(event.at) < upper)
    if action_prefix:
        conditions.append(col(event.action).startswith(action_prefix, autoescape=True))
    per_page = max(1, min(int(per_page), MAX_PER_PAGE))
    total = session.exec(select(func.count()).select_from(event).where(*conditions)).one()
    pages = max(1, math.ceil(total / per_page))
    page = max(1, min(int(page), pages))
    events = session.exec(
        select(event)
        .where(*conditions)
        .order_by(col(event.seq).desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    names = _client_names(session, {e.client_id for e in events if e.client_id is not None})
    rows = [
        AuditRow(
            seq=e.seq,
            when=format_moment(e.at, tz),
            actor_name=e.actor_name,
            action=e.action,
            action_label=action_label(e.action),
            record=record_label(e.record_type, e.record_id),
            client_id=e.client_id,
            client_name=names.get(e.client_id, "") if e.client_id is not None else "",
            ip=e.ip,
        )
        for e in events
    ]
    filters: dict[str, Any] = {
        "staff_id": staff_id,
        "client_id": client_id,
        "from": start.isoformat() if start else None,
        "to": end.isoformat() if end else None,
        "action": action_prefix or None,
        "page": page,
    }
    audit.record(
        session,
        actor,
        "audit.search",
        record_type="audit_event",
        client_id=client_id,
        detail={k: v for k, v in filters.items() if v is not None},
    )
    session.commit()
    return AuditPage(rows=rows, total=total, page=page, per_page=per_page, pages=pages)


def _client_names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.exec(
        select(Client.id, Client.legal_first_name, Client.legal_last_name).where(
            col(Client.id).in_(sorted(ids))
        )
    ).all()
    return {int(i): f"{first} {last}" for i, first, last in rows}  # type: ignore[arg-type]


def staff_choices(session: Session, actor: Actor) -> list[tuple[int, str]]:
    """Every staff member, inactive ones too (their trail stays searchable)."""
    actor.require(Perm.AUDIT_VIEW)
    rows = session.exec(
        select(Staff.id, Staff.full_name, Staff.is_active).order_by(
            col(Staff.is_active).desc(), Staff.full_name
        )
    ).all()
    return [(int(i), name if active else f"{name} (inactive)") for i, name, active in rows]  # type: ignore[arg-type]


def client_choices(
    session: Session, actor: Actor, query: str, limit: int = 12
) -> list[tuple[int, str]]:
    """Clients whose names (or email, phone) match every word of QUERY, any status."""
    actor.require(Perm.AUDIT_VIEW)
    from practicerunner.core.validation import name_key

    words = [w for w in name_key(query).split() if w][:5]
    if not words:
        return []
    conditions = [
        col(Client.search_text).like(
            "%" + w.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%",
            escape="\\",
        )
        for w in words
    ]
    rows = session.exec(
        select(
            col(Client.id),
            col(Client.legal_first_name),
            col(Client.legal_last_name),
            col(Client.date_of_birth),
        )
        .where(*conditions)
        .order_by(Client.last_name_key, Client.first_name_key, col(Client.id))
        .limit(limit)
    ).all()
    return [
        (int(i), f"{first} {last} (born {dob.isoformat()})")  # type: ignore[arg-type]
        for i, first, last, dob in rows
    ]


@dataclass(frozen=True)
class ChainReport:
    """The outcome of recomputing the hash chain."""

    entries: int
    problems: list[str]

    @property
    def intact(self) -> bool:
        return not self.problems


def verify_audit_chain(session: Session, actor: Actor) -> ChainReport:
    """Recompute every hash (core.audit.verify_chain); the check itself is recorded."""
    actor.require(Perm.AUDIT_VIEW)
    if session.get_bind().dialect.name == "postgresql":
        # One snapshot for the entries and the head: under READ COMMITTED an append landing
        # between the two reads would look like a removed tail.
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    count, problems = audit.verify_chain(session)
    session.rollback()  # the check's snapshot ends here; the record below starts afresh
    messages = [f"Entry {p.seq}: {p.problem}" for p in problems]
    audit.record(
        session,
        actor,
        "audit.verify",
        record_type="audit_event",
        detail={"entries": count, "problems": len(messages)},
    )
    session.commit()
    return ChainReport(entries=count, problems=messages)
