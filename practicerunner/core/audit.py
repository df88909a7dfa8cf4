"""The append-only, hash-chained audit log.

Every entry carries the hash of the one before it, and the single `audit_head` row holds
the newest sequence number and hash. Appending locks that row (FOR UPDATE on PostgreSQL;
SQLite transactions are already serialised by BEGIN IMMEDIATE), so the chain never forks.
`verify_chain` recomputes every hash: an edited entry, a deleted one, or a removed tail is
reported. Database triggers refuse UPDATE and DELETE on the log as a first line of defence.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Index, text
from sqlmodel import Field, Session, SQLModel, col, select

from practicerunner.core import clock
from practicerunner.core.db import UTCDateTime
from practicerunner.core.permissions import Actor

GENESIS_HASH = "0" * 64


class AuditEvent(SQLModel, table=True):
    """One thing that happened: who, when, to which record, from where."""

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_actor_at", "actor_id", "at"),
        Index("ix_audit_event_client_at", "client_id", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    seq: int = Field(unique=True)
    at: datetime = Field(sa_type=UTCDateTime, index=True)
    actor_id: int | None = Field(default=None, index=False)
    actor_name: str = Field(max_length=200)
    action: str = Field(max_length=60, index=True)
    record_type: str = Field(default="", max_length=40)
    record_id: int | None = None
    client_id: int | None = None
    ip: str = Field(default="", max_length=64)
    detail: str = Field(default="{}", max_length=4000)  # JSON; field names, never clinical text
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)

    def compute_hash(self) -> str:
        """The SHA-256 over this entry's content and the previous entry's hash."""
        payload = json.dumps(
            [
                self.seq,
                self.at.isoformat(timespec="microseconds"),
                self.actor_id,
                self.actor_name,
                self.action,
                self.record_type,
                self.record_id,
                self.client_id,
                self.ip,
                self.detail,
                self.prev_hash,
            ],
            separators=(",", ":"),
            ensure_ascii=False,
        )
        return hashlib.sha256(payload.encode()).hexdigest()


class AuditHead(SQLModel, table=True):
    """The newest entry of the chain (one row, id 1): the lock and the tail check."""

    __tablename__ = "audit_head"

    id: int | None = Field(default=None, primary_key=True)
    seq: int = 0
    hash: str = Field(default=GENESIS_HASH, max_length=64)


def record(
    session: Session,
    actor: Actor | None,
    action: str,
    *,
    record_type: str = "",
    record_id: int | None = None,
    client_id: int | None = None,
    detail: dict[str, Any] | None = None,
    actor_name: str | None = None,
    ip: str | None = None,
) -> AuditEvent:
    """Append an entry in the caller's transaction; it commits or rolls back with the change."""
    head = session.exec(select(AuditHead).where(AuditHead.id == 1).with_for_update()).first()
    if head is None:
        raise RuntimeError("audit_head row missing: run the migrations")
    actor_id = actor.staff_id if actor is not None and actor.staff_id else None
    event = AuditEvent(
        seq=head.seq + 1,
        at=clock.now(),
        actor_id=actor_id,
        actor_name=actor_name or (actor.name if actor else "anonymous"),
        action=action,
        record_type=record_type,
        record_id=record_id,
        client_id=client_id,
        ip=(ip if ip is not None else (actor.ip if actor else ""))[:64],
        detail=json.dumps(detail or {}, sort_keys=True, default=str)[:4000],
        prev_hash=head.hash,
        hash="",
    )
    event.hash = event.compute_hash()
    head.seq = event.seq
    head.hash = event.hash
    session.add(event)
    session.add(head)
    session.flush()
    return event


@dataclass(frozen=True)
class ChainProblem:
    """Something wrong with the chain at sequence number SEQ."""

    seq: int
    problem: str


def _iter_events(session: Session, up_to: int, batch: int = 5000) -> Iterator[AuditEvent]:
    last = 0
    while True:
        rows = session.exec(
            select(AuditEvent)
            .where(AuditEvent.seq > last, AuditEvent.seq <= up_to)
            .order_by(col(AuditEvent.seq))
            .limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq


def verify_chain(session: Session) -> tuple[int, list[ChainProblem]]:
    """Recompute the chain up to the head; return the entries checked and every problem found.

    The head is read first, so entries appended while this runs are simply not looked at
    (no false alarm on a busy system).
    """
    head = session.get(AuditHead, 1)
    head_seq, head_hash = (head.seq, head.hash) if head is not None else (0, GENESIS_HASH)
    problems: list[ChainProblem] = []
    expected_prev = GENESIS_HASH
    expected_seq = 1
    count = 0
    for event in _iter_events(session, head_seq):
        count += 1
        if event.seq != expected_seq:
            problems.append(
                ChainProblem(expected_seq, f"entries {expected_seq}..{event.seq - 1} are missing")
            )
        if event.prev_hash != expected_prev:
            problems.append(ChainProblem(event.seq, "does not follow the entry before it"))
        if event.compute_hash() != event.hash:
            problems.append(ChainProblem(event.seq, "was edited after it was written"))
        expected_prev = event.hash
        expected_seq = event.seq + 1
    if expected_seq - 1 != head_seq or expected_prev != head_hash:
        problems.append(
            ChainProblem(expected_seq, f"the log ends early: the head names entry {head_seq}")
        )
    return count, problems


# Tables whose rows are never changed or removed once written: the audit log, and the signed
# versions and addenda of clinical notes and signed treatment plans (nothing signed can be
# edited by anyone).
APPEND_ONLY_TABLES: tuple[str, ...] = (
    "audit_event",
    "note_version",
    "note_addendum",
    "treatment_plan_signed",
)


def append_only_ddl(dialect: str) -> Sequence[str]:
    """Triggers that refuse UPDATE and DELETE on every table in APPEND_ONLY_TABLES."""
    statements: list[str] = []
    for table in APPEND_ONLY_TABLES:
        if dialect == "postgresql":
            statements += [
                f"""
                CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger AS $$
                BEGIN
                  RAISE EXCEPTION '{table} is append-only';
                END;
                $$ LANGUAGE plpgsql
                """,
                f"""
                CREATE TRIGGER {table}_no_update BEFORE UPDATE OR DELETE ON {table}
                FOR EACH ROW EXECUTE FUNCTION {table}_append_only()
                """,
            ]
        else:
            statements += [
                f"""
                CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
                BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END
                """,
                f"""
                CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
                BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END
                """,
            ]
    return tuple(statements)


def install_append_only(session: Session) -> None:
    """Create the append-only triggers and the head row (schema set-up outside Alembic)."""
    for statement in append_only_ddl(session.get_bind().dialect.name):
        session.execute(text(statement))
    if session.get(AuditHead, 1) is None:
        session.add(AuditHead(id=1, seq=0, hash=GENESIS_HASH))
    session.commit()
