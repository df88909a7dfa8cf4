"""Booking a session, once or as a series: the form's options, the checks, the write."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from practicerunner.clients.access import case_filter, get_case_for
from practicerunner.clients.models import Case, CaseParticipant, CaseStatus, Client
from practicerunner.clients.people import active_clinicians, staff_label
from practicerunner.core import audit, clock
from practicerunner.core.errors import NotFound
from practicerunner.core.money import MoneyFormatError, parse_dollars
from practicerunner.core.permissions import Actor, Perm, Role
from practicerunner.core.validation import Errors
from practicerunner.practice.models import Location, LocationKind, Service, Staff, StaffRole
from practicerunner.scheduling import series as series_mod
from practicerunner.scheduling.constraints import CONFLICT_MARK
from practicerunner.scheduling.models import Appointment, AppointmentSeries, Room
from practicerunner.scheduling.recurrence import (
    MAX_DURATION_MINUTES,
    Frequency,
    Occurrence,
    Recurrence,
    RecurrenceError,
    to_utc,
)
from practicerunner.scheduling.service.common import (
    SchedulingConflict,
    lock_slot,
    practice_timezone,
    reaches_clinician,
    short_label,
)
from practicerunner.scheduling.service.conflicts import (
    Slot,
    busy_intervals,
    conflict_info,
    describe,
    soft_warnings,
)
from practicerunner.scheduling.service.notify import notify
from practicerunner.scheduling.views import AppointmentForm, AppointmentInput, Choice

REPEAT_LABELS = {
    "": "Does not repeat",
    Frequency.WEEKLY: "Weekly",
    Frequency.BIWEEKLY: "Every 2 weeks",
    Frequency.MONTHLY_BY_WEEKDAY: "Monthly on the same weekday",
    Frequency.MONTHLY_BY_DATE: "Monthly on the same date",
}
# Recurrence field names → booking form field names.
_RULE_FIELDS = {
    "frequency": "repeat",
    "until": "repeat_until",
    "count": "repeat_count",
    "start": "start_time",
    "duration": "duration_minutes",
    "timezone": "date",
    "overrides": "repeat",
}


# ---------------------------------------------------------------- form options


def bookable_cases(session: Session, actor: Actor) -> list[Choice]:
    """Open cases the actor may book for, by title."""
    rows = session.exec(
        select(Case.id, Case.title)
        .where(Case.status == CaseStatus.ACTIVE, case_filter(actor, Perm.CASE_VIEW))
        .order_by(Case.title)
        .limit(2000)
    ).all()
    return [Choice(str(i), t) for i, t in rows]


def case_participants(session: Session, actor: Actor, case_id: int) -> list[Choice]:
    """The case's participants (value client id, label name) who may attend."""
    case = get_case_for(session, actor, case_id)
    rows = session.exec(
        select(Client, CaseParticipant.role)
        .join(CaseParticipant, col(CaseParticipant.client_id) == Client.id)
        .where(CaseParticipant.case_id == case.id)
        .order_by(Client.legal_last_name, Client.legal_first_name)
    ).all()
    return [Choice(str(c.id), c.display_name) for c, _ in rows]


def _default_attendees(session: Session, case_id: int) -> list[int]:
    rows = session.exec(
        select(CaseParticipant.client_id, CaseParticipant.attends).where(
            CaseParticipant.case_id == case_id
        )
    ).all()
    attending = [int(c) for c, attends in rows if attends]
    return attending or [int(c) for c, _ in rows]


def _supervisors(session: Session) -> list[Choice]:
    rows = session.exec(
        select(Staff)
        .join(StaffRole, col(StaffRole.staff_id) == Staff.id)
        .where(StaffRole.role == Role.SUPERVISOR.value, col(Staff.is_active).is_(True))
        .order_by(Staff.full_name)
    ).all()
    return [Choice(str(s.id), staff_label(s)) for s in rows]


def service_label(service: Service) -> str:
    """'Consultation (50 min)'; names that already say their length stay as they are."""
    if "min" in service.name.lower():
        return service.name
    return f"{service.name} ({service.duration_minutes} min)"


_KIND_WORDS = {
    "couple": ("couple",),
    "family": ("family", "couple"),
    "group": ("group",),
    "consultation": ("consult",),
    "individual": ("individual",),
}


def default_service(session: Session, case: Case | None, services: list[Service]) -> Service:
    """The case's last booked service if still offered, else one named for its kind."""
    if case is not None:
        last = session.exec(
            select(Appointment.service_id)
            .where(Appointment.case_id == case.id)
            .order_by(col(Appointment.start_at).desc())
            .limit(1)
        ).first()
        for service in services:
            if service.id == last:
                return service
        for word in _KIND_WORDS.get(case.kind, ()):
            for service in services:
                if word in service.name.lower():
                    return service
    therapy = [s for s in services if s.kind == "therapy"]
    return (therapy or services)[0]


def new_appointment_form(
    session: Session,
    actor: Actor,
    *,
    case_id: int | None = None,
    clinician_id: int | None = None,
    start_local: str | None = None,
    end_local: str | None = None,
) -> AppointmentForm:
    """Options and starting values for the booking form (from a grid click or a case)."""
    actor.require(Perm.SCHEDULE_EDIT)
    allowed = actor.clinician_ids(actor.scope(Perm.SCHEDULE_EDIT))
    clinicians = [Choice(str(s.id), staff_label(s)) for s in active_clinicians(session, allowed)]
    services = session.exec(
        select(Service).where(col(Service.is_active).is_(True)).order_by(Service.name)
    ).all()
    locations = session.exec(
        select(Location).where(col(Location.is_active).is_(True)).order_by(Location.name)
    ).all()
    rooms = session.exec(
        select(Room, Location.name)
        .join(Location, col(Location.id) == Room.location_id)
        .where(col(Room.is_active).is_(True), col(Location.is_active).is_(True))
        .order_by(Location.name, Room.name)
    ).all()
    values = AppointmentInput()
    case: Case | None = None
    if case_id is not None:
        try:
            case = get_case_for(session, actor, case_id)
        except NotFound:
            case = None
    if case is not None:
        values.case_id = str(case.id)
        values.attendee_ids = [str(c) for c in _default_attendees(session, case.id)]  # type: ignore[arg-type]
    chosen = clinician_id or (case.primary_clinician_id if case else None) or actor.staff_id
    if any(c.value == str(chosen) for c in clinicians):
        values.clinician_id = str(chosen)
    if services:
        chosen_service = default_service(session, case, list(services))
        values.service_id = str(chosen_service.id)
        values.duration_minutes = str(chosen_service.duration_minutes)
    offices = [loc for loc in locations if loc.kind == LocationKind.OFFICE]
    if offices or locations:
        values.location_id = str((offices or list(locations))[0].id)
    if start_local:
        values.date, values.start_time = start_local[:10], start_local[11:16]
        if end_local:
            try:
                minutes = int(
                    (
                        datetime.fromisoformat(end_local[:16])
                        - datetime.fromisoformat(start_local[:16])
                    ).total_seconds()
                    // 60
                )
            except ValueError:
                minutes = 0
            # A plain click selects the grid's default slot: keep the service's length then.
            if minutes > 30:
                values.duration_minutes = str(minutes)
    return AppointmentForm(
        cases=bookable_cases(session, actor),
        services=[Choice(str(s.id), service_label(s)) for s in services],
        clinicians=clinicians,
        locations=[Choice(str(loc.id), loc.name) for loc in locations],
        rooms=[Choice(str(r.id), f"{loc_name} — {r.name}") for r, loc_name in rooms],
        supervisors=_supervisors(session),
        values=values,
    )


# ---------------------------------------------------------------- checking the input


@dataclass
class Checked:
    """A booking request after every field was parsed and checked."""

    case: Case
    service: Service
    clinician_id: int
    location: Location
    room_id: int | None
    start: datetime
    duration: int
    attendees: list[int]
    fee_override_cents: int | None
    supervisor_override_id: int | None
    rule: Recurrence | None
    start_local: datetime
    timezone: str


def _int(raw: str) -> int | None:
    try:
        return int(str(raw).strip())
    except (TypeError, ValueError):
        return None


def check_booking(session: Session, actor: Actor, data: AppointmentInput) -> Checked:
    """Parse and check every field; raises ValidationFailed with all messages at once."""
    actor.require(Perm.SCHEDULE_EDIT)
    errs = Errors()
    tz = practice_timezone(session)
    case: Case | None = None
    case_id = _int(data.case_id)
    if case_id is None:
        errs.add("case_id", "Choose the case this session is for.")
    else:
        try:
            case = get_case_for(session, actor, case_id)
        except NotFound:
            errs.add("case_id", "That case was not found.")
        if case is not None and case.status != CaseStatus.ACTIVE:
            errs.add("case_id", "This case is closed: reopen it to book sessions.")
    service_id = _int(data.service_id)
    service = session.get(Service, service_id) if service_id is not None else None
    if service is None or not service.is_active:
        errs.add("service_id", "Choose a service.")
        service = None
    clinician_id = _int(data.clinician_id)
    clinician = session.get(Staff, clinician_id) if clinician_id is not None else None
    if clinician is None or not clinician.is_active:
        errs.add("clinician_id", "Choose a clinician.")
    elif not reaches_clinician(actor, Perm.SCHEDULE_EDIT, clinician.id):  # type: ignore[arg-type]
        errs.add("clinician_id", "You can only book sessions on your own calendar.")
    location_id = _int(data.location_id)
    location = session.get(Location, location_id) if location_id is not None else None
    if location is None or not location.is_active:
        errs.add("location_id", "Choose where the session takes place.")
        location = None
    room_id: int | None = None
    if (data.room_id or "").strip():
        room = session.get(Room, _int(data.room_id) or -1)
        if room is None or not room.is_active:
            errs.add("room_id", "Choose a room, or none.")
        elif location is not None and room.location_id != location.id:
            errs.add("room_id", f"That room is not at {location.name}.")
        else:
            room_id = room.id
    duration = service.duration_minutes if service else 0
    if (data.duration_minutes or "").strip():
        parsed = _int(data.duration_minutes)
        if parsed is None:
            errs.add("duration_minutes", "Enter the length in whole minutes, like 50.")
        elif parsed <= 0:
            errs.add("duration_minutes", "A session must last at least one minute.")
        elif parsed > MAX_DURATION_MINUTES:
            errs.add("duration_minutes", "A session cannot last longer than 24 hours.")
        else:
            duration = parsed
    start_local: datetime | None = None
    day: date | None = None
    try:
        day = date.fromisoformat((data.date or "").strip())
    except ValueError:
        errs.add("date", "Enter the date, like 2026-03-03.")
    try:
        hh, mm = (data.start_time or "").strip().split(":")[:2]
        clock_time = datetime(2000, 1, 1, int(hh), int(mm)).time()
    except ValueError:
        errs.add("start_time", "Enter the start time, like 17:00.")
        clock_time = None
    if day is not None and clock_time is not None:
        start_local = datetime.combine(day, clock_time)
    attendees: list[int] = []
    if case is not None:
        participants = {
            int(c): None
            for c in session.exec(
                select(CaseParticipant.client_id).where(CaseParticipant.case_id == case.id)
            ).all()
        }
        wanted = [_int(a) for a in data.attendee_ids if str(a).strip()]
        if not wanted:
            attendees = _default_attendees(session, case.id)  # type: ignore[arg-type]
        elif any(w is None or w not in participants for w in wanted):
            errs.add("attendee_ids", "Only participants of this case can attend its sessions.")
        else:
            attendees = sorted(set(w for w in wanted if w is not None))
        if not attendees and "attendee_ids" not in errs.errors:
            errs.add("attendee_ids", "This case has no participants to attend.")
    fee_override: int | None = None
    if (data.fee_override or "").strip():
        try:
            fee_override = parse_dollars(data.fee_override)
            if fee_override < 0:
                errs.add("fee_override", "A fee cannot be negative.")
        except MoneyFormatError as exc:
            errs.add("fee_override", str(exc))
    supervisor_id: int | None = None
    if (data.supervisor_override_id or "").strip():
        supervisor_id = _int(data.supervisor_override_id)
        if supervisor_id is None or supervisor_id not in {
            int(c.value) for c in _supervisors(session)
        }:
            errs.add("supervisor_override_id", "Choose a supervisor from the list.")
    rule: Recurrence | None = None
    repeat = (data.repeat or "").strip()
    if repeat and start_local is not None and duration > 0:
        rule = _rule(repeat, data, start_local, tz, duration, errs)
    errs.raise_if_any()
    assert case is not None and service is not None and location is not None
    assert start_local is not None and clinician is not None
    return Checked(
        case=case,
        service=service,
        clinician_id=clinician.id,  # type: ignore[arg-type]
        location=location,
        room_id=room_id,
        start=to_utc(start_local, tz),
        duration=duration,
        attendees=attendees,
        fee_override_cents=fee_override,
        supervisor_override_id=supervisor_id,
        rule=rule,
        start_local=start_local,
        timezone=tz,
    )


def _rule(
    repeat: str, data: AppointmentInput, start_local: datetime, tz: str, duration: int, errs: Errors
) -> Recurrence | None:
    if repeat not in {f.value for f in Frequency}:
        errs.add("repeat", "Choose how often the session repeats.")
        return None
    until: date | None = None
    count: int | None = None
    end = (data.repeat_end or "never").strip()
    if end == "until":
        try:
            until = date.fromisoformat((data.repeat_until or "").strip())
        except ValueError:
            errs.add("repeat_until", "Enter the last date, like 2026-06-30.")
            return None
    elif end == "count":
        count = _int(data.repeat_count)
        if count is None or count < 1:
            errs.add("repeat_count", "Enter how many sessions, like 10.")
            return None
        if count > 520:
            errs.add("repeat_count", "At most 520 sessions; choose “never” for open-ended.")
            return None
    elif end != "never":
        errs.add("repeat_end", "Choose when the series ends.")
        return None
    try:
        return Recurrence(
            frequency=Frequency(repeat),
            start=start_local,
            timezone=tz,
            duration_minutes=duration,
            until=until,
            count=count,
        )
    except RecurrenceError as exc:
        errs.add(_RULE_FIELDS.get(exc.field or "", "repeat"), exc.message)
        return None


# ---------------------------------------------------------------- booking


def _occurrences(checked: Checked, now: datetime) -> list[Occurrence]:
    end = checked.start + timedelta(minutes=checked.duration)
    if checked.rule is None:
        return [Occurrence(0, checked.start, end)]
    probe = AppointmentSeries(
        case_id=0,
        clinician_id=0,
        service_id=0,
        location_id=0,
        attendee_ids="",
        frequency=checked.rule.frequency,
        start_local=checked.rule.start,
        timezone=checked.timezone,
        duration_minutes=checked.duration,
        until=checked.rule.until,
        count=checked.rule.count,
        monthly_week=checked.rule.monthly_week,
        monthly_day=checked.rule.monthly_day,
        created_at=now,
    )
    return series_mod.pending(probe, max(now, checked.start) + series_mod.HORIZON)


def _conflicts(
    session: Session,
    checked: Checked,
    occs: list[Occurrence],
    zone: ZoneInfo,
    *,
    ignore_appointments: frozenset[int] = frozenset(),
) -> tuple[dict[int, list[str]], list[str]]:
    """Hard conflicts per occurrence index, and soft warnings (first occurrences only)."""
    busy = busy_intervals(
        session,
        clinician_id=checked.clinician_id,
        client_ids=checked.attendees,
        room_id=checked.room_id,
        start=occs[0].start_utc,
        end=occs[-1].end_utc,
        ignore_appointments=ignore_appointments,
    )
    hard: dict[int, list[str]] = {}
    for o in occs:
        hits = [b for b in busy if b.start < o.end_utc and b.end > o.start_utc]
        if hits:
            hard[o.index] = describe(session, hits, zone)
    soft: list[str] = []
    for o in occs[:1] if checked.rule is None else occs:
        slot = Slot(checked.clinician_id, o.start_utc, o.end_utc, tuple(checked.attendees))
        for w in soft_warnings(session, slot, zone):
            prefix = "" if checked.rule is None else f"{short_label(o.start_utc, zone)}: "
            if len(soft) < 4:
                soft.append(prefix + w)
    return hard, soft


def _refuse(
    session: Session,
    checked: Checked,
    occs: list[Occurrence],
    hard: dict[int, list[str]],
    soft: list[str],
    zone: ZoneInfo,
) -> SchedulingConflict:
    messages: list[str] = []
    if checked.rule is not None and hard:
        messages.append(
            f"{len(hard)} of the {len(occs)} sessions clash with other bookings:"
            if len(hard) > 1
            else f"1 of the {len(occs)} sessions clashes with another booking:"
        )
    for index in sorted(hard)[:5]:
        messages.extend(m for m in hard[index] if m not in messages)
    first = occs[0]
    slot = Slot(
        checked.clinician_id,
        first.start_utc,
        first.end_utc,
        tuple(checked.attendees),
        checked.room_id,
    )
    info = conflict_info(session, slot, zone, hard=messages, soft=soft, can_override=True)
    if checked.rule is not None and first.index not in hard:
        info = replace(info, suggestions=[], suggestion_labels=[])
    return SchedulingConflict(info)


def book(session: Session, actor: Actor, data: AppointmentInput) -> int:
    """Book a session (or a series of them); returns the (first) appointment's id.

    Raises ValidationFailed for bad fields, SchedulingConflict when the time clashes or is
    outside working hours and no override reason was given. One transaction, audited, with
    the confirmation queued in the outbox in the same transaction.
    """
    checked = check_booking(session, actor, data)
    reason = (data.override_reason or "").strip()[:300]
    zone = ZoneInfo(checked.timezone)
    now = clock.now()
    occs = _occurrences(checked, now)
    if not occs:
        from practicerunner.core.errors import ValidationFailed

        raise ValidationFailed({"repeat": "This repeat rule produces no sessions from today on."})
    lock_slot(session, checked.clinician_id, checked.attendees, checked.room_id)
    hard, soft = _conflicts(session, checked, occs, zone)
    if (hard or soft) and not reason:
        error = _refuse(session, checked, occs, hard, soft, zone)
        session.rollback()
        raise error
    try:
        first = _write(session, actor, checked, occs, hard, reason, now)
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        if CONFLICT_MARK not in str(exc.orig):
            raise
        # Someone booked this clinician between our check and our insert.
        hard, soft = _conflicts(session, checked, occs, zone)
        error = _refuse(
            session, checked, occs, hard or {0: ["That time was just taken."]}, soft, zone
        )
        session.rollback()
        raise error from None
    return first


def _write(
    session: Session,
    actor: Actor,
    checked: Checked,
    occs: list[Occurrence],
    hard: dict[int, list[str]],
    reason: str,
    now: datetime,
) -> int:
    series = AppointmentSeries(
        case_id=checked.case.id,  # type: ignore[arg-type]
        clinician_id=checked.clinician_id,
        service_id=checked.service.id,  # type: ignore[arg-type]
        location_id=checked.location.id,  # type: ignore[arg-type]
        room_id=checked.room_id,
        attendee_ids=",".join(str(c) for c in checked.attendees),
        fee_override_cents=checked.fee_override_cents,
        supervisor_override_id=checked.supervisor_override_id,
        frequency=checked.rule.frequency if checked.rule else "",
        start_local=checked.start_local,
        timezone=checked.timezone,
        duration_minutes=checked.duration,
        until=checked.rule.until if checked.rule else None,
        count=checked.rule.count if checked.rule else None,
        monthly_week=checked.rule.monthly_week if checked.rule else None,
        monthly_day=checked.rule.monthly_day if checked.rule else None,
        created_at=now,
        created_by_id=actor.staff_id or None,
    )
    overrides = {i: reason for i in hard} if reason else {}
    if checked.rule is None:
        appt = Appointment(
            case_id=series.case_id,
            clinician_id=series.clinician_id,
            service_id=series.service_id,
            location_id=series.location_id,
            room_id=series.room_id,
            start_at=occs[0].start_utc,
            end_at=occs[0].end_utc,
            fee_override_cents=series.fee_override_cents,
            supervisor_override_id=series.supervisor_override_id,
            conflict_override_reason=reason if hard else "",
            created_at=now,
            updated_at=now,
            created_by_id=series.created_by_id,
        )
        session.add(appt)
        session.flush()
        from practicerunner.scheduling.models import AppointmentAttendee

        session.add_all(
            AppointmentAttendee(appointment_id=appt.id, client_id=c)  # type: ignore[arg-type]
            for c in checked.attendees
        )
        rows = [appt]
    else:
        session.add(series)
        session.flush()
        rows = series_mod.write_sessions(
            session, series, occs, created_by_id=series.created_by_id, override_reasons=overrides
        )
        series_mod.advance(series, occs, max(now, checked.start) + series_mod.HORIZON)
        session.add(series)
    first = rows[0]
    detail: dict[str, object] = {
        "start": first.start_at.isoformat(),
        "minutes": checked.duration,
        "attendees": len(checked.attendees),
    }
    if checked.rule is not None:
        detail.update(series_id=series.id, repeat=checked.rule.frequency, sessions=len(rows))
    if reason:
        detail["override_reason"] = reason
        detail["conflicts"] = len(hard)
    audit.record(
        session,
        actor,
        "appointment.create",
        record_type="appointment",
        record_id=first.id,
        client_id=checked.attendees[0] if checked.attendees else None,
        detail=detail,
    )
    notify(session, first, "confirmation")
    return int(first.id)  # type: ignore[arg-type]
