"""Settings come from the environment, strictly."""

from __future__ import annotations

import pytest

from practicerunner.core.settings import SettingsError, load_settings


def test_production_refuses_to_start_without_a_database_and_a_secret(monkeypatch) -> None:
    monkeypatch.setenv("PR_ENV", "production")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("PR_SECRET_KEY", raising=False)
    with pytest.raises(SettingsError, match="DATABASE_URL"):
        load_settings()
    monkeypatch.setenv("DATABASE_URL", "postgresql://db/practice")
    with pytest.raises(SettingsError, match="PR_SECRET_KEY"):
        load_settings()
    monkeypatch.setenv("PR_SECRET_KEY", "x" * 40)
    settings = load_settings()
    assert settings.database_url == "postgresql+psycopg://db/practice"


def test_a_secret_can_come_from_a_file(monkeypatch, tmp_path) -> None:
    secret = tmp_path / "key"
    secret.write_text("s" * 48 + "\n")
    monkeypatch.setenv("PR_SECRET_KEY_FILE", str(secret))
    assert load_settings().secret_key == "s" * 48


def test_session_timeouts_must_be_whole_numbers(monkeypatch) -> None:
    monkeypatch.setenv("PR_SESSION_IDLE_MINUTES", "half an hour")
    with pytest.raises(SettingsError, match="whole number"):
        load_settings()
    monkeypatch.setenv("PR_SESSION_IDLE_MINUTES", "45")
    assert load_settings().session_idle_minutes == 45


def test_cookies_are_secure_everywhere_but_plain_http_localhost(monkeypatch) -> None:
    monkeypatch.setenv("PR_PUBLIC_URL", "http://localhost:3000")
    assert load_settings().cookie_secure is False
    monkeypatch.setenv("PR_PUBLIC_URL", "https://willow.example.com")
    assert load_settings().cookie_secure is True
    monkeypatch.setenv("PR_PUBLIC_URL", "http://10.1.2.3:3000")
    assert load_settings().cookie_secure is True


def test_only_the_public_origin_may_open_the_websocket(monkeypatch) -> None:
    monkeypatch.setenv("PR_PUBLIC_URL", "https://willow.example.com")
    assert load_settings().allowed_origins == ("https://willow.example.com",)
    monkeypatch.setenv("PR_PUBLIC_URL", "http://localhost:3000")
    assert load_settings().allowed_origins == ("http://localhost:3000", "http://127.0.0.1:3000")
    monkeypatch.setenv("PR_ALLOWED_ORIGINS", "https://a.example, https://b.example/")
    assert load_settings().allowed_origins == ("https://a.example", "https://b.example")
