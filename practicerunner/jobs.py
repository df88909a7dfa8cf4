"""The job queue and the periodic schedule.

huey keeps its queue in an SQLite file under var/ by default (PR_JOB_QUEUE_PATH), or in Redis
when REDIS_URL is set. `practicerunner worker` runs the consumer; `make run` starts one next
to the app.

Every job is idempotent by database keys, and the database — not the queue — says what is
left to do: reminders are unique per session and start, outbox rows carry their own status.
So two workers, or a job run twice, change nothing twice; and a worker killed mid-job loses
nothing — its open transaction dies with it, and the next run (at the latest a minute later,
and at once when the worker starts again) picks up whatever is still pending.
"""

from __future__ import annotations

import gc
import logging
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from huey import Huey, RedisHuey, SqliteHuey, crontab

import practicerunner.core.models  # noqa: F401  (every table, for foreign keys)
from practicerunner.core import clock
from practicerunner.core.db import get_engine, session_scope
from practicerunner.core.settings import get_settings

log = logging.getLogger("practicerunner.jobs")

# A run of the minute job stops sending after this long so the next one can start on time.
DELIVERY_BUDGET_SECONDS = 50.0
DELIVERY_BATCH = 100


def make_huey() -> Huey:
    """The queue named by the settings: Redis when REDIS_URL is set, else an SQLite file."""
    settings = get_settings()
    if settings.redis_url:
        return RedisHuey("practicerunner", url=settings.redis_url, results=False)
    path = Path(settings.job_queue_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("practicerunner", filename=str(path), results=False)


huey = make_huey()


def queue_reminders(now: datetime | None = None) -> int:
    """Queue the reminders now due (idempotent); how many were written."""
    from practicerunner.messaging.reminders import queue_due_reminders

    with session_scope() as session:
        return queue_due_reminders(session, now or clock.now())


def deliver(
    now: datetime | None = None, budget_seconds: float = DELIVERY_BUDGET_SECONDS, **kwargs: Any
) -> int:
    """Send what is due, batch after batch, until nothing is left or the budget is spent."""
    from practicerunner.messaging.outbox import deliver_pending

    started = time.monotonic()
    total = 0
    while True:
        done = deliver_pending(get_engine(), now, DELIVERY_BATCH, **kwargs)
        total += done
        if done < DELIVERY_BATCH or time.monotonic() - started > budget_seconds:
            return total


def run_minutely(now: datetime | None = None) -> dict[str, int]:
    """The minute job: queue due reminders, then deliver everything pending."""
    queued = queue_reminders(now)
    delivered = deliver(now)
    return {"reminders_queued": queued, "delivered": delivered}


def extend_series_horizons(now: datetime | None = None) -> int:
    """Materialise recurring sessions up to the rolling horizon; sessions written."""
    try:
        from practicerunner.scheduling.series import extend_horizons
    except ImportError:
        log.info("recurring series are not available in this build: horizon job skipped")
        return 0
    with session_scope() as session:
        written = extend_horizons(session, now or clock.now())
        session.commit()
    return written


@huey.periodic_task(crontab(minute="*"), name="messages.every_minute")
def every_minute() -> None:
    result = run_minutely()
    if any(result.values()):
        log.info("minute job: %s", result)


@huey.periodic_task(crontab(minute="17"), name="scheduling.every_hour")
def every_hour() -> None:
    written = extend_series_horizons()
    log.info("horizon job: %s recurring sessions written", written)


def run_billing_hour() -> dict[str, int]:
    """Today's billing runs, collection and gateway events (idempotent)."""
    from practicerunner.billing.worker import run_and_collect

    return run_and_collect()


@huey.periodic_task(crontab(minute="23"), name="billing.every_hour")
def billing_every_hour() -> None:
    run_billing_hour()


def run_consumer(workers: int = 1) -> None:
    """Run the huey consumer in this process until it is stopped (Ctrl-C / SIGTERM)."""
    from huey.consumer import Consumer

    # huey says "enqueueing … executing … executed" every minute: keep its start-up lines and
    # its errors, and let the jobs say what they did.
    logging.getLogger("huey").setLevel(logging.WARNING)
    logging.getLogger("huey.consumer").setLevel(logging.INFO)
    logging.getLogger("huey.consumer.Scheduler").setLevel(logging.WARNING)
    settings = get_settings()
    queue = "Redis" if settings.redis_url else settings.job_queue_path
    email = (
        f"via SMTP {settings.smtp_host}:{settings.smtp_port}"
        if settings.smtp_host
        else "kept for the Outgoing mail screen (no SMTP_HOST)"
    )
    log.info(
        "worker: queue %s; email %s; SMS %s",
        queue,
        email,
        "via Twilio" if settings.sms_enabled else "off",
    )
    gc.freeze()  # start-up objects stay for good: keep full collections short
    consumer = Consumer(huey, workers=workers, worker_type="thread", periodic=True)
    consumer.run()
