"""Database engines and sessions; the UTC datetime column type.

SQLite (the embedded default) runs in WAL mode with foreign keys on, and every transaction
starts with BEGIN IMMEDIATE so that a read-then-write operation (an audit append, a
uniqueness check) cannot interleave with another writer.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Engine, create_engine, event
from sqlalchemy.engine import Dialect
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


def make_engine(url: str) -> Engine:
    """A configured engine for URL (SQLite file or PostgreSQL)."""
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
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=20,
        connect_args={"options": "-c plan_cache_mode=force_custom_plan"},
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
