"""The database's own guard against double-booking a clinician.

The scheduling service checks conflicts first (to explain them and offer free times), but two
requests can pass that check at the same instant. So the rule also lives in the database:
- PostgreSQL: an exclusion constraint over (clinician, time range) for sessions that hold
  time, using btree_gist; concurrent inserts wait on each other and all but one fail.
- SQLite: triggers; SQLite runs one writer at a time (BEGIN IMMEDIATE), so a trigger's check
  and the insert it guards cannot interleave with another writer.
A deliberate double-booking (with a reason) is outside the rule on both. No session lasts
longer than 24 hours (the services refuse it), which bounds the trigger's index scan to the
day before the new session.
"""

from __future__ import annotations

from collections.abc import Sequence

from practicerunner.scheduling.models import BLOCKING_STATUSES

CONFLICT_MARK = "appointment_clinician_conflict"

_BLOCKING = ", ".join(f"'{s}'" for s in BLOCKING_STATUSES)


def conflict_ddl(dialect: str) -> Sequence[str]:
    """Statements that install the clinician double-booking rule for DIALECT."""
    if dialect == "postgresql":
        return (
            "CREATE EXTENSION IF NOT EXISTS btree_gist",
            f"""
            ALTER TABLE appointment ADD CONSTRAINT {CONFLICT_MARK}
            EXCLUDE USING gist (clinician_id WITH =, tstzrange(start_at, end_at) WITH &&)
            WHERE (status IN ({_BLOCKING}) AND conflict_override_reason = '')
            """,
        )
    clash = f"""
        NEW.status IN ({_BLOCKING}) AND NEW.conflict_override_reason = '' AND EXISTS (
          SELECT 1 FROM appointment a
          WHERE a.clinician_id = NEW.clinician_id AND a.id IS NOT NEW.id
            AND a.status IN ({_BLOCKING}) AND a.conflict_override_reason = ''
            AND a.start_at > datetime(NEW.start_at, '-1 day')
            AND a.start_at < NEW.end_at AND a.end_at > NEW.start_at)
    """
    return (
        f"""
        CREATE TRIGGER appointment_conflict_insert BEFORE INSERT ON appointment
        WHEN {clash}
        BEGIN SELECT RAISE(ABORT, '{CONFLICT_MARK}'); END
        """,
        f"""
        CREATE TRIGGER appointment_conflict_update
        BEFORE UPDATE OF clinician_id, start_at, end_at, status, conflict_override_reason
        ON appointment
        WHEN {clash}
        BEGIN SELECT RAISE(ABORT, '{CONFLICT_MARK}'); END
        """,
    )
