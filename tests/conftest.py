"""Shared fixtures: a fresh, real database per test — SQLite always, PostgreSQL when
PR_TEST_POSTGRES_URL is set and reachable — and the personas of a small practice.

A PostgreSQL test database is copied from a template once, then recycled: after each test
its rows are deleted and its sequences restarted, which leaves it as a fresh copy would be
in a few milliseconds (CREATE and DROP DATABASE cost 50 ms on a quiet machine and close to
a second on a busy one, for over a thousand tests). A test that changed the schema (dropped
a trigger, say) leaves a database that no longer matches the template's fingerprint: it is
dropped and the next test gets a new copy."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool
from sqlmodel import Session

from practicerunner.core import db as core_db
from practicerunner.core.models import metadata
from practicerunner.core.schema import create_schema

os.environ.setdefault("PR_ENV", "test")

_PG_URL = os.environ.get("PR_TEST_POSTGRES_URL", "").replace(
    "postgresql://", "postgresql+psycopg://", 1
)
_pg_state: dict[str, object] = {}
_counter = itertools.count()
_pg_free: list[str] = []  # recycled test databases, ready for the next test

# What makes two databases "the same schema" here: tables and their columns, indexes,
# constraints and triggers (a test that drops a trigger must not pass it on).
_FINGERPRINT = """
SELECT md5(coalesce(string_agg(x, ',' ORDER BY x), '')) FROM (
  SELECT c.relname || ':' || c.relkind::text || ':' || a.attname || ':' || a.atttypid::text AS x
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
   WHERE n.nspname = 'public'
  UNION ALL SELECT 'trigger:' || tgname FROM pg_trigger WHERE NOT tgisinternal
  UNION ALL SELECT 'constraint:' || conname FROM pg_constraint c
    JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = 'public'
) parts
"""


def _pg_admin() -> Engine | None:
    """An AUTOCOMMIT engine on the PostgreSQL server, or None when it is not there."""
    if not _PG_URL:
        return None
    if "admin" not in _pg_state:
        try:
            engine = create_engine(_PG_URL, isolation_level="AUTOCOMMIT")
            with engine.connect() as conn:
                conn.execute(text("select 1"))
            _pg_state["admin"] = engine
        except Exception as exc:  # unreachable server: the PostgreSQL half is skipped
            _pg_state["admin"] = None
            _pg_state["error"] = f"{type(exc).__name__}: {exc}"
    return _pg_state["admin"]  # type: ignore[return-value]


def _pg_template() -> str:
    """A database with the schema, copied for each test (CREATE DATABASE ... TEMPLATE)."""
    if "template" not in _pg_state:
        admin = _pg_admin()
        assert admin is not None
        name = f"pr_tmpl_{os.getpid()}"
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        engine = core_db.make_engine(_pg_url(name))
        create_schema(engine)
        with engine.connect() as conn:
            _pg_state["fingerprint"] = conn.exec_driver_sql(_FINGERPRINT).scalar_one()
            _pg_state["seed"] = {  # rows the schema set-up writes (the audit head)
                table: [dict(row._mapping) for row in conn.execute(table.select())]
                for table in metadata.sorted_tables
            }
            _pg_state["sequences"] = (
                conn.exec_driver_sql(
                    "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'"
                )
                .scalars()
                .all()
            )
        engine.dispose()
        _pg_state["template"] = name
    return _pg_state["template"]  # type: ignore[return-value]


def _pg_url(database: str) -> str:
    return make_url(_PG_URL).set(database=database).render_as_string(hide_password=False)


def _pg_take() -> str:
    """A test database equal to a fresh copy of the template: a recycled one, or a new copy."""
    if _pg_free:
        return _pg_free.pop()
    template = _pg_template()
    name = f"pr_t_{os.getpid()}_{next(_counter)}"
    with _pg_admin().connect() as conn:  # type: ignore[union-attr]
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    return name


def _pg_give_back(name: str) -> None:
    """Empty NAME for the next test; drop it instead when its schema was changed."""
    reset = create_engine(_pg_url(name), poolclass=NullPool)
    try:
        with reset.begin() as conn:
            # Connections a test left open (threads, workers) would hold locks.
            conn.exec_driver_sql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            if conn.exec_driver_sql(_FINGERPRINT).scalar_one() != _pg_state["fingerprint"]:
                raise LookupError("schema changed")
            # Replica mode skips triggers: the append-only guards and the foreign keys.
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
            conn.exec_driver_sql(
                "".join(f'DELETE FROM "{t.name}";' for t in metadata.sorted_tables)
                + "".join(
                    f"SELECT setval('\"{seq}\"', 1, false);"
                    for seq in _pg_state["sequences"]  # type: ignore[attr-defined]
                )
            )
            for table, rows in _pg_state["seed"].items():  # type: ignore[attr-defined]
                if rows:
                    conn.execute(table.insert(), rows)
    except Exception:  # anything odd: a new copy is cheaper than a doubt
        reset.dispose()
        with _pg_admin().connect() as conn:  # type: ignore[union-attr]
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        return
    reset.dispose()
    _pg_free.append(name)


def pytest_report_header(config: pytest.Config) -> str:
    if not _PG_URL:
        return "databases: SQLite only (PR_TEST_POSTGRES_URL not set)"
    if _pg_admin() is None:
        return f"databases: SQLite only — PostgreSQL unreachable ({_pg_state.get('error')})"
    return "databases: SQLite and PostgreSQL"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    admin = _pg_state.get("admin")
    template = _pg_state.get("template")
    if admin is not None and template:
        with admin.connect() as conn:  # type: ignore[attr-defined]
            for name in [*_pg_free, template]:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A fresh database with the full schema, installed as the application's engine."""
    if request.param == "sqlite":
        eng = core_db.make_engine(f"sqlite:///{tmp_path / 'test.db'}")
        create_schema(eng)
        name = None
    else:
        admin = _pg_admin()
        if admin is None:
            pytest.skip(
                "PostgreSQL half skipped: "
                + ("PR_TEST_POSTGRES_URL not set" if not _PG_URL else str(_pg_state.get("error")))
            )
        name = _pg_take()
        eng = core_db.make_engine(_pg_url(name), durable=False)
    core_db.use_engine(eng)
    try:
        yield eng
    finally:
        core_db.use_engine(None)
        eng.dispose()
        if name is not None:
            _pg_give_back(name)


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session on the test database (services commit their own work).

    On SQLite every transaction is BEGIN IMMEDIATE: a test that reads through this session
    holds the write lock until it commits or rolls back, so code that opens its own session
    (session_scope) waits for it. End the transaction first.
    """
    with Session(engine, expire_on_commit=False) as s:
        yield s


@pytest.fixture
def people(session: Session):  # type: ignore[no-untyped-def]
    """The personas of a small practice (see tests/personas.py)."""
    from tests.personas import build_practice

    return build_practice(session)
