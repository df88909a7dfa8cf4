"""The job worker as it runs in production: `practicerunner worker`, a real SMTP server.

Thirty sessions are due for a reminder. The worker is killed with SIGKILL while the SMTP
server holds a message (before it accepts it), then started again: every reminder arrives
exactly once, and no message carries the service, the case title or the presenting concern.
Two workers started together also send each reminder once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session, select

from practicerunner.core import clock
from practicerunner.core.settings import PROJECT_ROOT
from practicerunner.practice.models import Practice
from tests.integration.test_messaging_support import (
    PRESENTING_CONCERN,
    SERVICE_NAME,
    SmtpSink,
    add_appointment,
    add_case,
    add_client,
    bodies,
    smtp_server,
)

SESSIONS = 30
CASE_TITLE = "Kowalski family — custody stress"


def _seed(engine: Engine, people) -> list[str]:  # type: ignore[no-untyped-def]
    """SESSIONS sessions in the next day, one client each; also one cancelled and one opted out.
    Returns the addresses that must get a reminder."""
    now = clock.now()
    expected = []
    with Session(engine, expire_on_commit=False) as session:
        practice = session.exec(select(Practice)).one()
        practice.email = "hello@willow.test"
        session.add(practice)
        clinicians = ["owner", "clinician", "supervisor", "associate", "associate2"]
        for i in range(SESSIONS + 2):
            staff = people.staff[clinicians[i % len(clinicians)]]
            opted_out = i == SESSIONS + 1
            client = add_client(
                session,
                f"Ola{i}",
                "Kowalski",
                email=f"ola{i}@example.com",
                reminders_opt_out=opted_out,
            )
            case = add_case(session, staff, [client], kind="individual", title=CASE_TITLE)
            start = now + timedelta(minutes=30 + 50 * (i // len(clinicians)), seconds=i)
            status = "cancelled_practice" if i == SESSIONS else "scheduled"
            add_appointment(
                session,
                case,
                staff,
                people.service.id,
                people.location,
                start,
                attendees=[client],
                status=status,
            )
            if i < SESSIONS:
                expected.append(f"ola{i}@example.com")
        session.commit()
    return expected


def _env(engine: Engine, port: int, tmp_path: Path, name: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(
        {
            "PR_ENV": "test",
            "DATABASE_URL": engine.url.render_as_string(hide_password=False),
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(port),
            "SMTP_FROM": "office@willow.test",
            "SMTP_STARTTLS": "false",
            "SMTP_TIMEOUT_SECONDS": "5",
            "PR_JOB_QUEUE_PATH": str(tmp_path / f"{name}.db"),
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def _start(env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "practicerunner.cli", "worker"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _stop(proc: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, sig)
    proc.wait(timeout=20)


def _wait(condition, timeout: float, what: str, logs: list[Path]) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    tail = "\n".join(p.read_text()[-3000:] for p in logs if p.exists())
    raise AssertionError(f"timed out waiting for {what}\n{tail}")


def _statuses(engine: Engine) -> Counter[str]:
    with engine.connect() as conn:
        found = conn.execute(text("select status from outbox_message")).scalars().all()
        conn.commit()
    return Counter(found)


def _assert_every_reminder_once(sink: SmtpSink, expected: list[str], engine: Engine) -> None:
    received = sink.messages()
    to = Counter(m["To"].addresses[0].addr_spec for m in received)
    assert sorted(to) == sorted(expected), "each due reminder arrives, and only those"
    assert set(to.values()) == {1}, f"sent more than once: {[a for a, n in to.items() if n > 1]}"
    assert len({m["Message-ID"] for m in received}) == len(expected)
    for message in received:
        assert message["Subject"].startswith("Reminder: your appointment on ")
        text_body, html_body = bodies(message)
        for forbidden in (SERVICE_NAME, CASE_TITLE, "custody", PRESENTING_CONCERN, "therapy"):
            assert forbidden.lower() not in (text_body + html_body).lower()
        assert "Willow Creek Counseling" in text_body
    assert _statuses(engine) == Counter({"sent": len(expected)})


def test_a_worker_killed_mid_run_and_restarted_sends_every_reminder_exactly_once(
    engine, people, session, tmp_path
):
    session.close()
    expected = _seed(engine, people)
    sink = SmtpSink(hold_at=11)  # the 12th message is held: the worker dies waiting for "250"
    log = tmp_path / "worker.log"
    with smtp_server(sink) as port:
        env = _env(engine, port, tmp_path, "queue")
        worker = _start(env, log)
        try:
            _wait(sink.holding.is_set, 40, "the SMTP server to hold a message", [log])
            _stop(worker, signal.SIGKILL)
        finally:
            if worker.poll() is None:
                _stop(worker, signal.SIGKILL)
        sink.release.set()
        assert len(sink.received) == 11
        assert _statuses(engine)["sent"] == 11, "only what the server accepted is marked sent"

        worker = _start(env, log)
        try:
            _wait(
                lambda: _statuses(engine) == Counter({"sent": SESSIONS}),
                40,
                "the restarted worker to send the rest",
                [log],
            )
            time.sleep(1.5)  # anything sent twice would arrive now
        finally:
            _stop(worker)

    _assert_every_reminder_once(sink, expected, engine)


def test_two_workers_at_once_send_every_reminder_once(engine, people, session, tmp_path):
    session.close()
    expected = _seed(engine, people)
    sink = SmtpSink()
    logs = [tmp_path / "one.log", tmp_path / "two.log"]
    with smtp_server(sink) as port:
        workers = [
            _start(_env(engine, port, tmp_path, name), log)
            for name, log in zip(("one", "two"), logs, strict=True)
        ]
        try:
            _wait(
                lambda: _statuses(engine) == Counter({"sent": SESSIONS}),
                40,
                "two workers to send every reminder",
                logs,
            )
            time.sleep(1.5)
        finally:
            for worker in workers:
                _stop(worker)

    _assert_every_reminder_once(sink, expected, engine)


@pytest.mark.parametrize("signal_name", ["SIGTERM", "SIGINT"])
def test_the_worker_stops_cleanly_when_asked(engine, tmp_path, signal_name):
    log = tmp_path / "worker.log"
    env = _env(engine, 9, tmp_path, "queue")
    for name in ("SMTP_HOST", "SMTP_PORT", "SMTP_FROM"):
        env.pop(name)
    worker = _start(env, log)
    _wait(lambda: "Huey consumer started" in log.read_text(), 30, "the worker to start", [log])
    os.killpg(worker.pid, getattr(signal, signal_name))
    assert worker.wait(timeout=20) is not None
