"""Shared fixtures: a fresh, real database per test — SQLite always, PostgreSQL when
PR_TEST_POSTGRES_URL is set and reachable — and the personas of a small practice."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from practicerunner.core import db as core_db
from practicerunner.core.schema import create_schema

os.environ.setdefault("PR_ENV", "test")

_PG_URL = os.environ.get("PR_TEST_POSTGRES_URL", "").replace(
    "postgresql://", "postgresql+psycopg://", 1
)
_pg_state: dict[str, object] = {}
_counter = itertools.count()


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
        url = make_url(_PG_URL).set(database=name)
        engine = core_db.make_engine(url.render_as_string(hide_password=False))
        create_schema(engine)
        engine.dispose()
        _pg_state["template"] = name
    return _pg_state["template"]  # type: ignore[return-value]


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
            conn.execute(text(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)'))


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
        template = _pg_template()
        name = f"pr_t_{os.getpid()}_{next(_counter)}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
        eng = core_db.make_engine(
            make_url(_PG_URL).set(database=name).render_as_string(hide_password=False)
        )
    core_db.use_engine(eng)
    try:
        yield eng
    finally:
        core_db.use_engine(None)
        eng.dispose()
        if name is not None:
            with _pg_admin().connect() as conn:  # type: ignore[union-attr]
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


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
