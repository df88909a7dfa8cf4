"""Schema set-up: Alembic migrations for real databases, a fast path for tests."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text
from sqlmodel import Session

from practicerunner.core import audit
from practicerunner.core.models import metadata
from practicerunner.core.settings import PROJECT_ROOT
from practicerunner.scheduling.constraints import conflict_ddl


def alembic_config(url: str) -> Config:
    """An Alembic config pointing at URL."""
    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def migrate(url: str) -> None:
    """Bring the database at URL to the newest schema."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(url), "head")


def create_schema(engine: Engine) -> None:
    """Create every table, trigger and the audit head directly from the models (tests, bench)."""
    metadata.create_all(engine)
    with Session(engine) as session:
        for statement in conflict_ddl(engine.dialect.name):
            session.execute(text(statement))
        audit.install_append_only(session)
