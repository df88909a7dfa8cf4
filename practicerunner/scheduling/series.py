"""Recurring series in the database: materialise sessions up to a rolling horizon.

A series row holds the rule; its sessions are ordinary Appointment rows numbered by
occurrence index. `next_index` is the first index not yet written, and (series_id,
occurrence_index) is unique, so extending a horizon twice, or on two workers at once, writes
each session once. Once written, a session is its own row: moving or cancelling it never
touches the rule, and extending never rewrites it.
"""

from __future__ import annotations

import bisect
import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime, String, type_coerce
from sqlalchemy.exc import IntegrityError
from sqlalchemy.types import TypeEngine
from sqlmodel import Session, col, or_, select

from practicerunner.core import audit, clock
from practicerunner.core.db import bulk_insert, new_ids
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


def _local_day(o: Occurrence, series: AppointmentSeries) -> str:
    return o.start_utc.astimezone(ZoneInfo(series.timezone)).date().isoformat()


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
    """Write one series' sessions up to now + HORIZON, skipping times that are now taken.

    Returns (sessions written, local dates skipped because of a conflict). The caller holds
    the series row lock, records the skipped dates and commits.
    """
    written, skipped = _write_batch(session, [series], now)
    return written, skipped.get(int(series.id or 0), [])


class _BusyIndex:
    """Busy intervals per resource ("clinician", id) etc., sorted by start for bisecting.

    Times are kept as the database stores them (text on SQLite, aware datetimes on
    PostgreSQL), so tens of thousands of fetched rows need no conversion; `stored` turns a
    datetime into that form.
    """

    def __init__(self, stored: Callable[[datetime], Any]) -> None:
        self.stored = stored
        self._starts: dict[tuple[str, int], list[Any]] = {}
        self._spans: dict[tuple[str, int], list[tuple[Any, Any]]] = {}

    def add(self, key: tuple[str, int], start: Any, end: Any) -> None:
        starts = self._starts.setdefault(key, [])
        spans = self._spans.setdefault(key, [])
        at = bisect.bisect_left(starts, start)
        starts.insert(at, start)
        spans.insert(at, (start, end))

    def clashes(self, key: tuple[str, int], start: Any, end: Any, earliest: Any) -> bool:
        """Whether [START, END) overlaps; EARLIEST is START less the longest span."""
        starts = self._starts.get(key)
        if not starts:
            return False
        spans = self._spans[key]
        # Only intervals starting in (earliest, end) can overlap.
        lo = bisect.bisect_right(starts, earliest)
        hi = bisect.bisect_left(starts, end)
        return any(spans[i][1] > start for i in range(lo, hi))


_MAX_SPAN = timedelta(hours=24)


def _stored_form(session: Session) -> tuple[Callable[[datetime], Any], TypeEngine[Any]]:
    """How this database stores a UTC time, and a type that reads it back as stored."""
    dialect = session.get_bind().dialect
    column_type = Appointment.__table__.c.start_at.type  # type: ignore[attr-defined]
    to_stored = column_type.dialect_impl(dialect).bind_processor(dialect)
    raw: TypeEngine[Any] = String() if dialect.name == "sqlite" else DateTime(timezone=True)
    return to_stored or (lambda value: value), raw


def _busy_for(
    session: Session,
    clinicians: set[int],
    clients: set[int],
    rooms: set[int],
    start: datetime,
    end: datetime,
) -> _BusyIndex:
    """Everything that holds these clinicians, clients and rooms in [start, end), one query each."""
    from practicerunner.scheduling.models import BLOCKING_STATUSES, CalendarItem

    stored, raw = _stored_form(session)
    index = _BusyIndex(stored)
    lo = start - _MAX_SPAN
    a_start = type_coerce(Appointment.start_at, raw)
    a_end = type_coerce(Appointment.end_at, raw)
    window = (
        col(Appointment.start_at) > lo,
        col(Appointment.start_at) < end,
        col(Appointment.status).in_(BLOCKING_STATUSES),
    )
    if clinicians:
        ids = sorted(clinicians)
        for who, s0, e0 in session.execute(
            select(Appointment.clinician_id, a_start, a_end).where(
                col(Appointment.clinician_id).in_(ids), *window
            )
        ).all():
            index.add(("clinician", who), s0, e0)
        for staff_id, with_id, s0, e0 in session.execute(
            select(
                CalendarItem.staff_id,
                CalendarItem.with_staff_id,
                type_coerce(CalendarItem.start_at, raw),
                type_coerce(CalendarItem.end_at, raw),
            ).where(
                or_(col(CalendarItem.staff_id).in_(ids), col(CalendarItem.with_staff_id).in_(ids)),
                col(CalendarItem.start_at) > lo,
                col(CalendarItem.start_at) < end,
                col(CalendarItem.is_cancelled).is_(False),
            )
        ).all():
            for who in (staff_id, with_id):
                if who in clinicians:
                    index.add(("clinician", who), s0, e0)
    if clients:
        for who, s0, e0 in session.execute(
            select(AppointmentAttendee.client_id, a_start, a_end)
            .join(Appointment, col(Appointment.id) == AppointmentAttendee.appointment_id)
            .where(col(AppointmentAttendee.client_id).in_(sorted(clients)), *window)
        ).all():
            index.add(("client", who), s0, e0)
    if rooms:
        for who, s0, e0 in session.execute(
            select(Appointment.room_id, a_start, a_end).where(
                col(Appointment.room_id).in_(sorted(rooms)), *window
            )
        ).all():
            index.add(("room", who), s0, e0)
    return index


def _due(
    session: Session, due_before: datetime, limit: int, skip: set[int]
) -> list[AppointmentSeries]:
    query = (
        select(AppointmentSeries)
        .where(
            col(AppointmentSeries.is_open).is_(True),
            col(AppointmentSeries.id).not_in(sorted(skip)),
            or_(
                col(AppointmentSeries.materialised_until).is_(None),
                col(AppointmentSeries.materialised_until) < due_before,
            ),
        )
        .order_by(col(AppointmentSeries.id))
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        # Two workers take different series instead of queueing behind each other.
        query = query.with_for_update(skip_locked=True)
    return list(session.exec(query).all())


def top_up_batch(session: Session, batch: Sequence[AppointmentSeries], now: datetime) -> int:
    """Top up every series in BATCH in the caller's transaction; returns sessions written.

    A time taken since a series was booked is skipped and recorded in the audit log.
    """
    written, skipped = _write_batch(session, batch, now)
    if skipped:
        audit.record(
            session,
            SYSTEM_ACTOR,
            "series.sessions_skipped",
            record_type="appointment_series",
            detail={"series": {str(k): v for k, v in skipped.items()}, "reason": "time taken"},
        )
    return written


def _write_batch(
    session: Session, batch: Sequence[AppointmentSeries], now: datetime
) -> tuple[int, dict[int, list[str]]]:
    """Write BATCH's pending sessions; returns (written, local dates skipped per series).

    One query per resource kind finds what is already taken over the whole batch; sessions
    are then checked against it (and against each other) in memory and inserted in bulk.
    """
    from practicerunner.scheduling.service.common import lock_resources

    until = now + HORIZON
    planned = [(series, pending(series, until)) for series in batch]
    todo = [(series, occs) for series, occs in planned if occs]
    written = 0
    skipped: dict[int, list[str]] = {}
    if todo:
        clinicians = {series.clinician_id for series, _ in todo}
        clients = {c for series, _ in todo for c in attendee_ids(series)}
        rooms = {series.room_id for series, _ in todo if series.room_id is not None}
        lock_resources(
            session,
            [
                *(("clinician", c) for c in clinicians),
                *(("client", c) for c in clients),
                *(("room", r) for r in rooms),
            ],
        )
        start = min(occs[0].start_utc for _, occs in todo)
        end = max(occs[-1].end_utc for _, occs in todo)
        busy = _busy_for(session, clinicians, clients, rooms, start, end)
        rows: list[dict[str, object]] = []
        attendees: list[list[int]] = []
        stamp = clock.now()
        for series, occs in todo:
            people = attendee_ids(series)
            keys = [("clinician", series.clinician_id), *(("client", c) for c in people)]
            if series.room_id is not None:
                keys.append(("room", series.room_id))
            for o in occs:
                s0, e0 = busy.stored(o.start_utc), busy.stored(o.end_utc)
                earliest = busy.stored(o.start_utc - _MAX_SPAN)
                if any(busy.clashes(k, s0, e0, earliest) for k in keys):
                    skipped.setdefault(series.id, []).append(_local_day(o, series))  # type: ignore[arg-type]
                    continue
                for k in keys:
                    busy.add(k, s0, e0)
                rows.append(
                    {
                        "case_id": series.case_id,
                        "clinician_id": series.clinician_id,
                        "service_id": series.service_id,
                        "location_id": series.location_id,
                        "room_id": series.room_id,
                        "start_at": o.start_utc,
                        "end_at": o.end_utc,
                        "status": AppointmentStatus.SCHEDULED.value,
                        "fee_override_cents": series.fee_override_cents,
                        "supervisor_override_id": series.supervisor_override_id,
                        "series_id": series.id,
                        "occurrence_index": o.index,
                        "conflict_override_reason": "",
                        "sequence": 0,
                        "created_at": stamp,
                        "updated_at": stamp,
                        "created_by_id": None,
                    }
                )
                attendees.append(people)
        if rows:
            ids = new_ids(session, "appointment", len(rows))
            for row, aid in zip(rows, ids, strict=True):
                row["id"] = aid
            bulk_insert(session, Appointment.__table__, rows)  # type: ignore[attr-defined]
            links = [
                {"appointment_id": aid, "client_id": c}
                for aid, people in zip(ids, attendees, strict=True)
                for c in people
            ]
            if links:
                bulk_insert(session, AppointmentAttendee.__table__, links)  # type: ignore[attr-defined]
        written = len(rows)
    for series, occs in planned:
        advance(series, occs, until)
        session.add(series)
    session.flush()
    return written, skipped


def extend_horizons(session: Session, now: datetime | None = None, *, batch: int = 200) -> int:
    """Top up every open series whose horizon runs short; returns sessions written.

    Safe on several workers at once: a batch of series is taken under row locks (skipping
    rows another worker holds, on PostgreSQL; SQLite has one writer at a time) and written
    in one transaction; the unique occurrence index refuses any duplicate.
    """
    now = now or clock.now()
    due_before = now + HORIZON - TOP_UP_MARGIN
    written = 0
    gave_up: set[int] = set()
    while True:
        series_batch = _due(session, due_before, batch, gave_up)
        if not series_batch:
            session.rollback()
            return written
        try:
            written += top_up_batch(session, series_batch, now)
            session.commit()
        except IntegrityError:
            # A booking slipped in between (it did not take our locks): go one by one.
            session.rollback()
            log.warning("series batch top-up collided with a booking; retrying one by one")
            ids = [int(s.id) for s in series_batch]  # type: ignore[arg-type]
            written += _one_by_one(session, ids, due_before, now)
            gave_up.update(ids)  # whatever is still due waits for the next run


def _one_by_one(session: Session, ids: list[int], due_before: datetime, now: datetime) -> int:
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
                continue
            written += top_up_batch(session, [series], now)
            session.commit()
        except IntegrityError:
            session.rollback()
            # Leave it for the next run rather than loop on it now.
            log.warning("series %s top-up collided with a concurrent booking", series_id)
    return written
