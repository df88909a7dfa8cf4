"""Calendar feed timings for `make bench`: building a 2,000-event feed, and its 304.

`bench_feeds(engine, staff_id)` works on a database that already holds the practice (the
scheduling benchmark's 250,000 appointments). It turns on a feed for STAFF_ID (clients'
initials: the heavier of the two labels), and when their window holds fewer than EVENTS
sessions and items it adds cancelled sessions to reach it — cancelled, so the double-booking
rule lets them overlap — and removes them afterwards. Each sample runs `render_feed` in a
fresh session, as the HTTP route does: the full build (token look-up, ETag, every event,
serialisation) and the 304 (token look-up and the ETag's aggregate only).
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, delete, func, insert, or_, select, update
from sqlmodel import Session, col

from practicerunner.calendars.feed import feed_window, render_feed
from practicerunner.calendars.models import CalendarFeed, FeedLabel, FeedScope
from practicerunner.calendars.service import hash_token, new_token
from practicerunner.practice.models import Practice
from practicerunner.scheduling.models import (
    Appointment,
    AppointmentAttendee,
    AppointmentStatus,
    CalendarItem,
)

FILLER_REASON = "bench: calendar feed filler"


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def _timed(fn: Callable[[], Any], samples: int) -> tuple[list[float], Any]:
    times, last = [], None
    fn()  # warm-up: caches (VTIMEZONE, escaped text) and the database's pages
    for _ in range(samples):
        t0 = time.perf_counter()
        last = fn()
        times.append((time.perf_counter() - t0) * 1000)
    return times, last


def _count(session: Session, staff_id: int, start: datetime, end: datetime) -> int:
    appointments = session.execute(
        select(func.count()).where(
            col(Appointment.clinician_id) == staff_id,
            col(Appointment.start_at) >= start,
            col(Appointment.start_at) < end,
        )
    ).scalar_one()
    items = session.execute(
        select(func.count()).where(
            or_(
                col(CalendarItem.staff_id) == staff_id,
                col(CalendarItem.with_staff_id) == staff_id,
            ),
            col(CalendarItem.start_at) >= start,
            col(CalendarItem.start_at) < end,
        )
    ).scalar_one()
    return int(appointments) + int(items)


def _fill(session: Session, staff_id: int, start: datetime, end: datetime, n: int) -> int:
    """Add N cancelled sessions for STAFF_ID in [start, end), copying one of theirs."""
    if n <= 0:
        return 0
    model = session.execute(
        select(Appointment).where(col(Appointment.clinician_id) == staff_id).limit(1)
    ).scalar_one_or_none()
    if model is None:
        raise RuntimeError(f"staff {staff_id} has no appointment to copy for the feed benchmark")
    attendees = (
        session.execute(
            select(col(AppointmentAttendee.client_id)).where(
                col(AppointmentAttendee.appointment_id) == model.id
            )
        )
        .scalars()
        .all()
    )
    step = (end - start) / n
    now = datetime.now(UTC)
    rows = [
        {
            "case_id": model.case_id,
            "clinician_id": staff_id,
            "service_id": model.service_id,
            "location_id": model.location_id,
            "start_at": start + step * i,
            "end_at": start + step * i + timedelta(minutes=50),
            "status": AppointmentStatus.CANCELLED_PRACTICE.value,
            "status_reason": FILLER_REASON,
            "created_at": now,
            "updated_at": now,
        }
        for i in range(n)
    ]
    ids: list[int] = []
    for i in range(0, n, 500):
        result = session.execute(
            insert(Appointment).returning(col(Appointment.id)), rows[i : i + 500]
        )
        ids += [r for (r,) in result]
    if attendees:
        session.execute(
            insert(AppointmentAttendee),
            [{"appointment_id": a, "client_id": c} for a in ids for c in attendees],
        )
    session.commit()
    return n


def _unfill(session: Session, staff_id: int) -> None:
    fillers = select(col(Appointment.id)).where(
        col(Appointment.clinician_id) == staff_id, col(Appointment.status_reason) == FILLER_REASON
    )
    session.execute(
        delete(AppointmentAttendee).where(col(AppointmentAttendee.appointment_id).in_(fillers))
    )
    session.execute(delete(Appointment).where(col(Appointment.id).in_(fillers)))
    session.commit()


def bench_feeds(
    engine: Engine,
    staff_id: int,
    *,
    now: datetime | None = None,
    events: int = 2_000,
    samples: int = 40,
) -> dict[str, Any]:
    """Time a STAFF_ID's feed of at least EVENTS events, built in full and answered 304."""
    now = now or datetime.now(UTC)
    token = new_token()
    with Session(engine, expire_on_commit=False) as session:
        tz_name = session.execute(select(col(Practice.timezone)).limit(1)).scalar_one()
        window = feed_window(now, ZoneInfo(tz_name))
        session.execute(
            update(CalendarFeed)
            .where(
                col(CalendarFeed.staff_id) == staff_id,
                col(CalendarFeed.scope) == FeedScope.OWN,
                col(CalendarFeed.revoked_at).is_(None),
            )
            .values(revoked_at=now)
        )
        session.add(
            CalendarFeed(
                staff_id=staff_id,
                scope=FeedScope.OWN,
                label=FeedLabel.INITIALS,
                token_hash=hash_token(token),
                created_at=now,
                last_fetched_at=now,  # a fetch is recorded at most hourly: none while timing
            )
        )
        session.commit()
        existing = _count(session, staff_id, window.start, window.end)
        filled = _fill(session, staff_id, window.start, window.end, events - existing)

    def build() -> Any:
        with Session(engine, expire_on_commit=False) as s:
            result = render_feed(s, token, now)
            s.rollback()
            return result

    try:
        build_ms, full = _timed(build, samples)

        def not_modified() -> Any:
            with Session(engine, expire_on_commit=False) as s:
                result = render_feed(s, token, now, if_none_match=full.etag)
                s.rollback()
                return result

        not_modified_ms, last = _timed(not_modified, samples * 5)
        assert last is not None and last.not_modified
    finally:
        with Session(engine) as session:
            _unfill(session, staff_id)
            session.execute(
                update(CalendarFeed)
                .where(col(CalendarFeed.token_hash) == hash_token(token))
                .values(revoked_at=now)
            )
            session.commit()
    return {
        "events": existing + filled,
        "events_added": filled,
        "bytes": len(full.body),
        "build_p50_ms": round(statistics.median(build_ms), 2),
        "build_p95_ms": round(_p(build_ms, 0.95), 2),
        "not_modified_p50_ms": round(statistics.median(not_modified_ms), 3),
        "not_modified_p95_ms": round(_p(not_modified_ms, 0.95), 3),
        "targets_p95_ms": {"build": 100.0, "not_modified": 5.0},
    }
