"""The jobs the worker runs, called directly, and the settings that configure them."""

from __future__ import annotations

import sys
import types
from datetime import UTC, datetime, timedelta

import pytest
from huey import RedisHuey, SqliteHuey
from sqlmodel import Session, select

from practicerunner import jobs
from practicerunner.core import clock
from practicerunner.core import settings as settings_module
from practicerunner.core.settings import SettingsError, load_settings
from practicerunner.messaging.models import OutboxMessage
from tests.integration.test_messaging_support import add_appointment

NOW = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)


def test_the_minute_job_queues_and_delivers_once_however_often_it_runs(session, people):
    with clock.frozen_at(NOW):
        add_appointment(
            session,
            people.cases["clinician"],
            people.staff["clinician"],
            people.service.id,
            people.location,
            NOW + timedelta(hours=3),
            attendees=[people.clients["clinician"]],
        )
        session.commit()

        first = jobs.run_minutely()
        second = jobs.run_minutely()

    assert first == {"reminders_queued": 1, "delivered": 1}
    assert second == {"reminders_queued": 0, "delivered": 0}
    session.expire_all()
    [row] = session.exec(select(OutboxMessage)).all()
    assert row.status == "kept"  # the test environment has no SMTP server configured


def test_the_horizon_job_calls_the_scheduler_and_commits(engine, monkeypatch):
    calls: list[datetime] = []

    def extend_horizons(session: Session, now: datetime) -> int:
        calls.append(now)
        return 7

    fake = types.ModuleType("practicerunner.scheduling.series")
    fake.extend_horizons = extend_horizons  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "practicerunner.scheduling.series", fake)

    assert jobs.extend_series_horizons(NOW) == 7
    assert calls == [NOW]


def test_the_horizon_job_is_skipped_gracefully_without_recurring_series(
    engine, monkeypatch, caplog
):
    monkeypatch.setitem(sys.modules, "practicerunner.scheduling.series", None)
    caplog.set_level("INFO", logger="practicerunner.jobs")

    assert jobs.extend_series_horizons(NOW) == 0
    assert "horizon job skipped" in caplog.text


def test_the_queue_is_an_sqlite_file_by_default_and_redis_with_redis_url(monkeypatch, tmp_path):
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("PR_JOB_QUEUE_PATH", str(tmp_path / "q" / "jobs.db"))
    monkeypatch.setattr(jobs, "get_settings", load_settings)
    queue = jobs.make_huey()
    assert isinstance(queue, SqliteHuey)
    assert (tmp_path / "q" / "jobs.db").exists()

    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/7")
    assert isinstance(jobs.make_huey(), RedisHuey)


def test_the_periodic_schedule_runs_messages_every_minute_and_horizons_hourly():
    hour = [datetime(2026, 3, 2, 9, m) for m in range(60)]
    due = [{task.name for task in jobs.huey.read_periodic(m)} for m in hour]
    assert all("messages.every_minute" in names for names in due)
    assert sum("scheduling.every_hour" in names for names in due) == 1


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SMTP_HOST": "smtp.example.com"}, "SMTP_FROM"),
        ({"TWILIO_ACCOUNT_SID": "AC1"}, "TWILIO_AUTH_TOKEN, TWILIO_FROM"),
        ({"SMTP_HOST": "h", "SMTP_FROM": "a@b.c", "SMTP_PORT": "lots"}, "SMTP_PORT"),
        ({"SMTP_HOST": "h", "SMTP_FROM": "a@b.c", "SMTP_STARTTLS": "maybe"}, "SMTP_STARTTLS"),
    ],
)
def test_half_configured_transports_are_refused_at_start(monkeypatch, env, message):
    for name in ("SMTP_HOST", "SMTP_FROM", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=message):
        settings_module.load_settings()


def test_transport_settings_are_read_and_secrets_stay_out_of_logs(monkeypatch):
    for name, value in {
        "SMTP_HOST": "smtp.example.com",
        "SMTP_PORT": "2525",
        "SMTP_FROM": "office@willow.test",
        "SMTP_USERNAME": "office",
        "SMTP_PASSWORD": "hunter2-smtp",
        "SMTP_STARTTLS": "false",
        "TWILIO_ACCOUNT_SID": "AC123",
        "TWILIO_AUTH_TOKEN": "hunter2-twilio",
        "TWILIO_FROM": "+15005550006",
    }.items():
        monkeypatch.setenv(name, value)
    loaded = settings_module.load_settings()
    assert (loaded.smtp_host, loaded.smtp_port, loaded.smtp_starttls) == (
        "smtp.example.com",
        2525,
        False,
    )
    assert loaded.sms_enabled
    assert "hunter2" not in repr(loaded)
