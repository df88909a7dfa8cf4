"""The demo practice's calendar: weekly series for every open case, history and blocks.

Each clinician's cases get a fixed weekly slot (weekday and hour) that started six weeks
ago, so the calendar has past sessions (mostly attended, a no-show, a late cancel) and six
months ahead. Written through the series code, without notices: nobody is emailed about
demo sessions.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from practicerunner.clients.models import Case, CaseKind, CaseParticipant, CaseStatus
from practicerunner.practice.models import Location, LocationKind, Practice, Service, Staff
from practicerunner.scheduling import series as series_mod
from practicerunner.scheduling.models import (
    Appointment,
    AppointmentSeries,
    AppointmentStatus,
    AvailabilityException,
    CalendarItem,
    CalendarItemKind,
    ExceptionKind,
    Holiday,
    WorkingHours,
)
from practicerunner.scheduling.recurrence import Frequency, to_utc

_SERVICE_FOR = {
    CaseKind.INDIVIDUAL: "Individual therapy, 53 min",
    CaseKind.COUPLE: "Couples & family therapy, 50 min",
    CaseKind.FAMILY: "Couples & family therapy, 50 min",
    CaseKind.GROUP: "Group therapy",
    CaseKind.CONSULTATION: "Consultation",
}
_HOURS = (9, 10, 11, 13, 14, 15, 16)


def seed_demo_schedule(session: Session, now: datetime) -> int:
    """Write the demo calendar; returns the number of sessions written."""
    practice = session.exec(select(Practice)).one()
    zone = ZoneInfo(practice.timezone)
    services = {s.name: s for s in session.exec(select(Service)).all()}
    office = session.exec(select(Location).where(Location.kind == LocationKind.OFFICE)).first()
    telehealth = session.exec(
        select(Location).where(Location.kind == LocationKind.TELEHEALTH)
    ).first()
    assert office is not None and telehealth is not None
    today = now.astimezone(zone).date()
    monday = today - timedelta(days=today.weekday())
    first_monday = monday - timedelta(weeks=6)
    cases = session.exec(
        select(Case)
        .where(Case.status == CaseStatus.ACTIVE)
        .order_by(col(Case.primary_clinician_id), col(Case.id))
    ).all()
    slot_of: dict[int, int] = {}
    written: list[Appointment] = []
    for case in cases:
        n = slot_of.get(case.primary_clinician_id, 0)
        slot_of[case.primary_clinician_id] = n + 1
        service = services[_SERVICE_FOR[CaseKind(case.kind)]]
        weekday, hour = _slot(session, case.primary_clinician_id, n, service.duration_minutes)
        members = session.exec(
            select(CaseParticipant.client_id).where(CaseParticipant.case_id == case.id)
        ).all()
        biweekly = case.kind == CaseKind.CONSULTATION
        start_local = datetime.combine(first_monday + timedelta(days=weekday), time(hour))
        series = AppointmentSeries(
            case_id=case.id,  # type: ignore[arg-type]
            clinician_id=case.primary_clinician_id,
            service_id=service.id,  # type: ignore[arg-type]
            location_id=(telehealth if n % 3 == 2 else office).id,  # type: ignore[arg-type]
            attendee_ids=",".join(str(m) for m in members),
            frequency=Frequency.BIWEEKLY if biweekly else Frequency.WEEKLY,
            start_local=start_local,
            timezone=practice.timezone,
            duration_minutes=service.duration_minutes,
            created_at=now,
        )
        session.add(series)
        session.flush()
        occs = series_mod.pending(series, now + series_mod.HORIZON)
        rows = series_mod.write_sessions(session, series, occs, created_by_id=None)
        series_mod.advance(series, occs, now + series_mod.HORIZON)
        session.add(series)
        written.extend(rows)
    _history(session, written, now)
    _holidays(session, written, zone, now)
    _blocks(session, zone, monday, now)
    session.flush()
    return len(written)


def _slot(session: Session, clinician_id: int, n: int, minutes: int) -> tuple[int, int]:
    """The N-th weekly slot (weekday, hour) inside the clinician's working hours.

    Slots are spread over the week (each day's first hour, then each day's second, ...), so
    a caseload fills the week evenly; without hours, weekdays 9 am to 4 pm.
    """
    rows = session.exec(select(WorkingHours).where(WorkingHours.staff_id == clinician_id)).all()
    fits: set[tuple[int, int]] = set()
    for row in rows:
        for hour in _HOURS:
            end = datetime.combine(date.min, time(hour)) + timedelta(minutes=minutes)
            if row.start_time <= time(hour) and end.time() <= row.end_time and end.day == 1:
                fits.add((row.weekday, hour))
    if not fits:
        fits = {(d, h) for d in range(5) for h in _HOURS}
    ordered = sorted(fits, key=lambda slot: (slot[1], slot[0]))
    return ordered[(n * 3) % len(ordered)] if len(ordered) % 3 else ordered[n % len(ordered)]


def _history(session: Session, rows: list[Appointment], now: datetime) -> None:
    """Past sessions: attended, with the odd no-show and late cancel."""
    past = sorted((a for a in rows if a.end_at <= now), key=lambda a: (a.start_at, a.id))
    for i, appt in enumerate(past):
        if i % 23 == 7:
            appt.status = AppointmentStatus.NO_SHOW
        elif i % 31 == 11:
            appt.status = AppointmentStatus.LATE_CANCELLED
            appt.status_reason = "Called in sick"
        else:
            appt.status = AppointmentStatus.ATTENDED
        appt.status_at = appt.end_at
        session.add(appt)


def _holidays(session: Session, rows: list[Appointment], zone: ZoneInfo, now: datetime) -> None:
    """Sessions on practice holidays were cancelled by the practice, as a real one would be."""
    closed = {h.on_date: h.name for h in session.exec(select(Holiday)).all()}
    away = {
        (x.staff_id, x.on_date)
        for x in session.exec(
            select(AvailabilityException).where(
                AvailabilityException.kind == ExceptionKind.TIME_OFF,
                col(AvailabilityException.start_time).is_(None),
            )
        ).all()
    }
    for appt in rows:
        day = appt.start_at.astimezone(zone).date()
        name = closed.get(day)
        reason = f"Office closed: {name}" if name else ""
        if not reason and (appt.clinician_id, day) in away:
            reason = "Clinician away"
        if reason:
            appt.status = AppointmentStatus.CANCELLED_PRACTICE
            appt.status_reason = reason
            appt.status_at = min(now, appt.start_at - timedelta(days=14))
            session.add(appt)


def _blocks(session: Session, zone: ZoneInfo, monday: datetime | object, now: datetime) -> None:
    """Weekly supervision for the associates and an admin block for the owner, this week."""
    staff = {s.email.split("@")[0]: s for s in session.exec(select(Staff)).all()}
    day = monday  # type: ignore[assignment]
    items = [
        ("sam", "ana", CalendarItemKind.SUPERVISION, "Supervision", 3, time(12), 60),
        ("sam", "ben", CalendarItemKind.SUPERVISION, "Supervision", 3, time(17), 60),
        ("olivia", None, CalendarItemKind.ADMIN, "Billing review", 4, time(12), 60),
    ]
    for who, with_who, kind, title, weekday, at, minutes in items:
        if who not in staff:
            continue
        start = to_utc(datetime.combine(day + timedelta(days=weekday), at), zone.key)  # type: ignore[operator, arg-type]
        session.add(
            CalendarItem(
                staff_id=staff[who].id,  # type: ignore[arg-type]
                with_staff_id=staff[with_who].id if with_who in staff else None,  # type: ignore[index]
                kind=kind,
                title=title,
                start_at=start,
                end_at=start + timedelta(minutes=minutes),
                created_at=now,
                updated_at=now,
            )
        )
