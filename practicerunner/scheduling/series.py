"""Recurring series in the database: materialise sessions up to a rolling horizon.

A series row holds the rule; its sessions are ordinary Appointment rows numbered by
occurrence index. `next_index` is the first index not yet written, and (series_id,
occurrence_index) is unique, so extending a horizon twice, or on two workers at once, writes
each session once. Once written, a session is its own row: moving or cancelling it never
touches the rule, and extending never rewrites it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, or_, select

from practicerunner.core import audit, clock
from practicerunner.core.permissions import SYSTEM_ACTOR
from practicerunner.scheduling.models import (
    Appointment,
    AppointmentAttendee,
    AppointmentSeries,
    AppointmentStatus,
)
from practicerunner.scheduling.recurrence import Occurrence, Recurrence, occurrences, to_utc

log = logging.getLogger(__name__)

# How far ahead a never-ending (or long) series is written out; the worker tops it up.
HORIZON = timedelta(days=183)
# Top up when less than this is left, so an hourly job does real work about once a day.
TOP_UP_MARGIN = timedelta(days=1)


def rule_of(series: AppointmentSeries) -> Recurrence:
    """The series' rule as scheduling.recurrence understands it."""
    return Recurrence(
        frequency=series.frequency,  # type: ignore[arg-type]
        start=series.start_local,
        timezone=series.timezone,
        duration_minutes=series.duration_minutes,
        until=series.until,
        count=series.count,
        monthly_week=series.monthly_week,
        monthly_day=series.monthly_day,
    )


def attendee_ids(series: AppointmentSeries) -> list[int]:
    return [int(x) for x in series.attendee_ids.split(",") if x]


def pending(series: AppointmentSeries, until_utc: datetime) -> list[Occurrence]:
    """Occurrences from `next_index` on that start before UNTIL_UTC."""
    rule = rule_of(series)
    first = to_utc(rule.start, rule.timezone)
    lo = (series.materialised_until or first) - timedelta(days=1)
    return [
        o
        for o in occurrences(rule, min(lo, first) if series.next_index == 0 else lo, until_utc)
        if o.index >= series.next_index
    ]


def has_more(series: AppointmentSeries) -> bool:
    """Whether the rule has occurrences at or after `next_index`."""
    return next(rule_of(series)._iter_from(series.next_index), None) is not None


def write_sessions(
    session: Session,
    series: AppointmentSeries,
    occs: Sequence[Occurrence],
    *,
    created_by_id: int | None,
    override_reasons: dict[int, str] | None = None,
) -> list[Appointment]:
    """Insert one Appointment (and its attendees) per occurrence; flushes, does not commit."""
    now = clock.now()
    reasons = override_reasons or {}
    rows = [
        Appointment(
            case_id=series.case_id,
            clinician_id=series.clinician_id,
            service_id=series.service_id,
            location_id=series.location_id,
            room_id=series.room_id,
            start_at=o.start_utc,
            end_at=o.end_utc,
            status=AppointmentStatus.SCHEDULED,
            fee_override_cents=series.fee_override_cents,
            supervisor_override_id=series.supervisor_override_id,
            series_id=series.id,
            occurrence_index=o.index,
            conflict_override_reason=reasons.get(o.index, ""),
            created_at=now,
            updated_at=now,
            created_by_id=created_by_id,
        )
        for o in occs
    ]
    session.add_all(rows)
    session.flush()
    clients = attendee_ids(series)
    session.add_all(
        AppointmentAttendee(appointment_id=r.id, client_id=c)  # type: ignore[arg-type]
        for r in rows
        for c in clients
    )
    session.flush()
    return rows


def advance(series: AppointmentSeries, occs: Sequence[Occurrence], until_utc: datetime) -> None:
    """Record that everything before UNTIL_UTC (and OCCS) is written."""
    if occs:
        series.next_index = max(o.index for o in occs) + 1
    series.materialised_until = until_utc
    series.is_open = has_more(series)


def top_up(session: Session, series: AppointmentSeries, now: datetime) -> tuple[int, list[str]]:
    """Write the series' sessions up to now + HORIZON, skipping times that are now taken.

    Returns (sessions written, local dates skipped because of a conflict). The caller holds
    the series row lock and commits.
    """
    from practicerunner.scheduling.service.common import lock_resources
    from practicerunner.scheduling.service.conflicts import busy_intervals

    until = now + HORIZON
    occs = pending(series, until)
    clients = attendee_ids(series)
    if not occs:
        advance(series, occs, until)
        return 0, []
    resources = [("clinician", series.clinician_id), *(("client", c) for c in clients)]
    if series.room_id is not None:
        resources.append(("room", series.room_id))
    lock_resources(session, resources)
    busy = busy_intervals(
        session,
        clinician_id=series.clinician_id,
        client_ids=clients,
        room_id=series.room_id,
        start=occs[0].start_utc,
        end=occs[-1].end_utc,
    )
    free = [o for o in occs if not any(b.start < o.end_utc and b.end > o.start_utc for b in busy)]
    skipped = [o.start_utc.date().isoformat() for o in occs if o not in free]
    write_sessions(session, series, free, created_by_id=None)
    advance(series, occs, until)
    return len(free), skipped


def extend_horizons(session: Session, now: datetime | None = None) -> int:
    """Top up every open series whose horizon runs short; returns sessions written.

    Safe to run on several workers at once: each series is topped up under its row lock in
    its own transaction, and the unique occurrence index refuses any duplicate.
    """
    now = now or clock.now()
    due_before = now + HORIZON - TOP_UP_MARGIN
    ids = session.exec(
        select(AppointmentSeries.id).where(
            col(AppointmentSeries.is_open).is_(True),
            or_(
                col(AppointmentSeries.materialised_until).is_(None),
                col(AppointmentSeries.materialised_until) < due_before,
            ),
        )
    ).all()
    session.rollback()
    written = 0
    for series_id in ids:
        try:
            series = session.exec(
                select(AppointmentSeries).where(AppointmentSeries.id == series_id).with_for_update()
            ).one()
            if not series.is_open or (
                series.materialised_until is not None and series.materialised_until >= due_before
            ):
                session.rollback()
                continue  # another worker got here first
            count, skipped = top_up(session, series, now)
            if skipped:
                audit.record(
                    session,
                    SYSTEM_ACTOR,
                    "series.sessions_skipped",
                    record_type="appointment_series",
                    record_id=series.id,
                    detail={"dates": skipped, "reason": "time already taken"},
                )
            session.add(series)
            session.commit()
            written += count
        except IntegrityError:
            session.rollback()  # a concurrent booking took a slot: the next run retries
            log.warning("series %s top-up collided with a concurrent booking", series_id)
    return written
