"""The `practicerunner` command on a migrated database."""

from __future__ import annotations

from pathlib import Path

import pytest

from practicerunner import cli
from practicerunner.auth import service as auth
from practicerunner.core.db import session_scope


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    cli.get_settings.cache_clear()
    yield url
    cli.get_settings.cache_clear()


def test_create_owner_makes_the_first_owner_who_can_sign_in(database, capsys) -> None:
    # when
    code = cli.main(
        [
            "create-owner",
            "--email",
            "Owner@Example.com",
            "--name",
            "Pat Owner",
            "--password",
            "a sturdy first password",
        ]
    )
    # then
    assert code == 0
    assert "Owner Pat Owner <owner@example.com> created." in capsys.readouterr().out
    with session_scope() as s:
        handoff = auth.start_sign_in(s, "owner@example.com", "a sturdy first password")
        assert auth.complete_sign_in(s, handoff.code)
    assert cli.main(["audit", "verify"]) == 0


def test_create_owner_refuses_a_second_owner_and_a_weak_password(database, capsys) -> None:
    assert (
        cli.main(["create-owner", "--email", "a@example.com", "--name", "A", "--password", "short"])
        == 2
    )
    assert "12 characters" in capsys.readouterr().err
    assert (
        cli.main(
            [
                "create-owner",
                "--email",
                "a@example.com",
                "--name",
                "A",
                "--password",
                "a sturdy first password",
            ]
        )
        == 0
    )
    assert (
        cli.main(
            [
                "create-owner",
                "--email",
                "b@example.com",
                "--name",
                "B",
                "--password",
                "another sturdy password",
            ]
        )
        == 2
    )


def test_seed_demo_runs_once(database, capsys) -> None:
    assert cli.main(["seed-demo"]) == 0
    assert "Demo practice created." in capsys.readouterr().out
    assert cli.main(["seed-demo"]) == 0
    assert "already present" in capsys.readouterr().out
