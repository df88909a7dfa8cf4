"""Alembic's one linear history builds exactly the schema the models describe."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from practicerunner.core.db import make_engine
from practicerunner.core.models import metadata
from practicerunner.core.schema import alembic_config, migrate


def _diff(url: str) -> list:
    migrate(url)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, metadata)
            tables = set(inspect(conn).get_table_names())
            head = conn.execute(text("select seq, hash from audit_head")).one()
    finally:
        engine.dispose()
    assert set(metadata.tables) <= tables
    assert head == (0, "0" * 64)
    return diff


def test_the_history_is_linear() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1
    assert all(len(r._all_down_revisions) <= 1 for r in script.walk_revisions())


def test_it_migrates_an_empty_sqlite_database_to_the_models(tmp_path: Path) -> None:
    assert _diff(f"sqlite:///{tmp_path / 'migrated.db'}") == []


def test_it_migrates_an_empty_postgresql_database_to_the_models() -> None:
    raw = os.environ.get("PR_TEST_POSTGRES_URL", "")
    if not raw:
        pytest.skip("PostgreSQL half skipped: PR_TEST_POSTGRES_URL not set")
    url = make_url(raw.replace("postgresql://", "postgresql+psycopg://", 1))
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    name = f"pr_migrate_{os.getpid()}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # server down: the PostgreSQL half says so and is skipped
        pytest.skip(f"PostgreSQL unreachable: {exc}")
    try:
        target = url.set(database=name).render_as_string(hide_password=False)
        assert _diff(target) == []
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
