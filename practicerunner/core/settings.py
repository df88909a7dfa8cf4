"""Settings read once from the environment, typed and strict."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

PROJECT_ROOT = Path(__file__).resolve().parents[2]
VAR_DIR = PROJECT_ROOT / "var"


class SettingsError(RuntimeError):
    """The environment does not describe a runnable configuration."""


def _env(name: str, default: str | None = None) -> str | None:
    """Read NAME, or the contents of the file named by NAME_FILE (for secrets)."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        return Path(file_name).read_text().strip()
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _env_int(name: str, default: int, minimum: int = 1) -> int:
    raw = _env(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a whole number, not {raw!r}") from exc
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}")
    return value


def _env_bool(name: str, default: bool) -> bool:
    raw = _env(name)
    if raw is None:
        return default
    if raw.lower() in ("true", "1", "yes"):
        return True
    if raw.lower() in ("false", "0", "no"):
        return False
    raise SettingsError(f"{name} must be true or false, not {raw!r}")


@dataclass(frozen=True)
class Settings:
    """Everything PracticeRunner reads from its environment."""

    environment: str
    database_url: str
    redis_url: str | None
    secret_key: str
    public_url: str
    allowed_origins: tuple[str, ...]
    session_idle_minutes: int
    session_max_hours: int
    port: int
    # Messages out (see messaging/): without SMTP_HOST, email is kept for the owner to read.
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    smtp_from: str | None = None
    smtp_starttls: bool = True
    smtp_timeout_seconds: int = 10
    # SMS is off unless all three are set.
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = field(default=None, repr=False)
    twilio_from: str | None = None
    # The job queue: an SQLite file by default, Redis when REDIS_URL is set.
    job_queue_path: str = str(VAR_DIR / "jobs.db")
    # Payments: Stripe when a secret key is set, else the built-in simulated processor.
    stripe_secret_key: str | None = field(default=None, repr=False)
    stripe_webhook_secret: str | None = field(default=None, repr=False)
    stripe_api_base: str | None = None  # tests point the real library at a fake on loopback
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def sms_enabled(self) -> bool:
        return bool(self.twilio_account_sid and self.twilio_auth_token and self.twilio_from)

    @property
    def production(self) -> bool:
        return self.environment == "production"

    @property
    def cookie_secure(self) -> bool:
        """Secure cookies everywhere but plain-HTTP localhost."""
        url = urlparse(self.public_url)
        return not (url.scheme == "http" and url.hostname in ("localhost", "127.0.0.1"))


def _dev_secret_key() -> str:
    """A per-checkout secret for the embedded default, kept under var/."""
    path = VAR_DIR / "secret_key"
    if path.exists():
        return path.read_text().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


def load_settings() -> Settings:
    """Build settings from the environment; refuse an unsafe production setup."""
    environment = (_env("PR_ENV", "development") or "development").lower()
    if environment not in ("development", "production", "test"):
        raise SettingsError("PR_ENV must be development, production or test")
    port = _env_int("PR_PORT", 3000)
    database_url = _env("DATABASE_URL")
    secret_key = _env("PR_SECRET_KEY")
    if environment == "production":
        if not database_url:
            raise SettingsError("DATABASE_URL is required when PR_ENV=production")
        if not secret_key or len(secret_key) < 32:
            raise SettingsError("PR_SECRET_KEY (32+ characters) is required in production")
    database_url = database_url or f"sqlite:///{VAR_DIR / 'practicerunner.db'}"
    if database_url.startswith("postgresql://"):
        # psycopg 3 is the driver we ship.
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://") :]
    public_url = (_env("PR_PUBLIC_URL") or f"http://localhost:{port}").rstrip("/")
    origins_raw = _env("PR_ALLOWED_ORIGINS") or public_url
    origins = tuple(o.strip().rstrip("/") for o in origins_raw.split(",") if o.strip())
    if not _env("PR_ALLOWED_ORIGINS") and urlparse(public_url).hostname == "localhost":
        # On one's own machine the browser may say 127.0.0.1 as well as localhost.
        origins += (public_url.replace("//localhost", "//127.0.0.1", 1),)
    return Settings(
        environment=environment,
        database_url=database_url,
        redis_url=_env("REDIS_URL"),
        secret_key=secret_key or _dev_secret_key(),
        public_url=public_url,
        allowed_origins=origins,
        session_idle_minutes=_env_int("PR_SESSION_IDLE_MINUTES", 30),
        session_max_hours=_env_int("PR_SESSION_MAX_HOURS", 12),
        port=port,
        **_messaging_settings(),
        **_payment_settings(),
    )


def _payment_settings() -> dict[str, Any]:
    """Stripe's keys; refuse a key without the webhook secret that verifies its events."""
    key = _env("STRIPE_SECRET_KEY")
    webhook = _env("STRIPE_WEBHOOK_SECRET")
    if key and not webhook:
        raise SettingsError("STRIPE_WEBHOOK_SECRET is required with STRIPE_SECRET_KEY")
    return {
        "stripe_secret_key": key,
        "stripe_webhook_secret": webhook,
        "stripe_api_base": _env("STRIPE_API_BASE"),
    }


def _messaging_settings() -> dict[str, Any]:
    """SMTP, Twilio and job-queue settings; refuse a half-configured transport."""
    smtp_host = _env("SMTP_HOST")
    smtp_from = _env("SMTP_FROM")
    if smtp_host and not smtp_from:
        raise SettingsError("SMTP_FROM (the address mail is sent from) is required with SMTP_HOST")
    twilio = {
        name: _env(name) for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM")
    }
    if any(twilio.values()) and not all(twilio.values()):
        missing = ", ".join(name for name, value in twilio.items() if not value)
        raise SettingsError(f"SMS needs all three Twilio settings; missing {missing}")
    return {
        "smtp_host": smtp_host,
        "smtp_port": _env_int("SMTP_PORT", 587),
        "smtp_username": _env("SMTP_USERNAME"),
        "smtp_password": _env("SMTP_PASSWORD"),
        "smtp_from": smtp_from,
        "smtp_starttls": _env_bool("SMTP_STARTTLS", True),
        "smtp_timeout_seconds": _env_int("SMTP_TIMEOUT_SECONDS", 10),
        "twilio_account_sid": twilio["TWILIO_ACCOUNT_SID"],
        "twilio_auth_token": twilio["TWILIO_AUTH_TOKEN"],
        "twilio_from": twilio["TWILIO_FROM"],
        "job_queue_path": _env("PR_JOB_QUEUE_PATH") or str(VAR_DIR / "jobs.db"),
    }


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (read once)."""
    return load_settings()
