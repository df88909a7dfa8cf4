"""Database engines and sessions; the UTC datetime column type.

SQLite (the embedded default) runs in WAL mode with foreign keys on, and every transaction
starts with BEGIN IMMEDIATE so that a read-then-write operation (an audit append, a
uniqueness check) cannot interleave with another writer.
"""

from __future__ import annotations

import operator
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Engine, create_engine, event
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session

from practicerunner.core.settings import get_settings


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, on PostgreSQL and on SQLite alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        # SQLite has no timezone type: store naive UTC so text ordering is time ordering.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event decide how transactions start.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=15000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str, *, durable: bool = True) -> Engine:
    """A configured engine for URL (SQLite file or PostgreSQL).

    DURABLE=False (throwaway test databases only) lets PostgreSQL acknowledge a commit before
    its WAL reaches the disk: every other guarantee stands, a server crash may lose the last
    commits, and a test's many small commits stop waiting on fsync."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15})
        _configure_sqlite(engine)
        return engine
    # psycopg prepares a statement after five runs, and PostgreSQL may then switch it to a
    # generic plan that ignores the actual time range: calendar queries went from 0.5 ms to
    # 100 ms that way. Custom plans every time cost a fraction of a millisecond.
    options = "-c plan_cache_mode=force_custom_plan"
    if not durable:
        options += " -c synchronous_commit=off"
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=20,
        connect_args={"options": options},
    )


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    """The process-wide engine for URL."""
    return make_engine(url)


_override: Engine | None = None


def get_engine() -> Engine:
    """The engine for the configured DATABASE_URL (or the one a test installed)."""
    return _override if _override is not None else engine_for(get_settings().database_url)


def use_engine(engine: Engine | None) -> None:
    """Point the application at ENGINE (tests and benchmarks); None restores the default."""
    global _override
    _override = engine


@contextmanager
def session_scope() -> Iterator[Session]:
    """A session whose uncommitted work is rolled back when the block ends.

    Services commit their own unit of work; anything left over (an exception
    mid-operation) is discarded here, so a rejected save writes nothing.
    """
    session = Session(get_engine(), expire_on_commit=False)
    try:
        yield session
    finally:
        session.rollback()
        session.close()


def new_ids(session: Session, table: str, n: int) -> list[int]:
    """N fresh ids for TABLE, taken before a bulk insert (so no RETURNING is needed).

    PostgreSQL: from the table's sequence. SQLite: the caller's transaction holds the only
    write lock (BEGIN IMMEDIATE), so max + 1 onwards is theirs.
    """
    if n <= 0:
        return []
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        return list(
            conn.exec_driver_sql(
                f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) "
                f"FROM generate_series(1, {int(n)})"
            ).scalars()
        )
    top = conn.exec_driver_sql(f"SELECT COALESCE(MAX(id), 0) FROM {table}").scalar_one()
    return list(range(int(top) + 1, int(top) + 1 + n))


def bulk_insert(session: Session, table: Any, rows: Sequence[Mapping[str, object]]) -> None:
    """Insert ROWS (dicts with the same keys) as fast as the database allows.

    PostgreSQL: COPY, one round trip, every constraint and trigger still checked. SQLite: the
    driver's executemany. SQLAlchemy's multi-VALUES batching would cost seconds of compiling
    at tens of thousands of rows. Values still go through each column's type (UTC handling
    included), and scalar column defaults are filled in.
    """
    if not rows:
        return
    conn = session.connection()
    dialect = conn.dialect
    defaults = {
        c.name: c.default.arg
        for c in table.c
        if c.name not in rows[0] and c.default is not None and c.default.is_scalar
    }
    if defaults:
        rows = [{**defaults, **row} for row in rows]
    names = list(rows[0])
    processors = [
        table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names
    ]
    converting = [(i, proc) for i, proc in enumerate(processors) if proc is not None]
    pick = operator.itemgetter(*names)
    params: list[tuple[object, ...]] = []
    for row in rows:
        picked = pick(row)
        values = list(picked) if len(names) > 1 else [picked]
        for i, proc in converting:
            values[i] = proc(values[i])
        params.append(tuple(values))
    columns = ", ".join(names)
    if dialect.name == "postgresql":
        import psycopg

        statement = f"COPY {table.name} ({columns}) FROM STDIN"
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            with cursor.copy(statement) as copy:
                for row_values in params:
                    copy.write_row(row_values)
        except psycopg.errors.IntegrityError as exc:
            # Callers handle a refused row as they would from any other insert.
            raise IntegrityError(statement, None, exc) from exc
        return
    marks = ", ".join("?" for _ in names)
    conn.exec_driver_sql(f"INSERT INTO {table.name} ({columns}) VALUES ({marks})", params)  # type: ignore[arg-type]
