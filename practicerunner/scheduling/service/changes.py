"""Changing booked sessions: move and resize, status, attendees; one, following or all."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, delete, select

from practicerunner.clients.models import CaseParticipant
from practicerunner.core import audit, clock
from practicerunner.core.errors import DomainError, ValidationFailed
from practicerunner.core.permissions import Actor, Perm
from practicerunner.practice.models import Practice, Staff
from practicerunner.scheduling import series as series_mod
from practicerunner.scheduling.constraints import CONFLICT_MARK
from practicerunner.scheduling.models import (
    Appointment,
    AppointmentAttendee,
    AppointmentSeries,
    AppointmentStatus,
)
from practicerunner.scheduling.recurrence import (
    MAX_DURATION_MINUTES,
    Recurrence,
    RecurrenceError,
    occurrences,
    split_at,
    to_utc,
)
from practicerunner.scheduling.service.common import (
    CANCELLED_STATUSES,
    STATUS_LABELS,
    SchedulingConflict,
    get_appointment_for,
    local_to_utc,
    lock_resources,
    lock_slot,
    naive_local,
    practice_timezone,
    reaches_clinician,
)
from practicerunner.scheduling.service.conflicts import (
    Slot,
    busy_intervals,
    conflict_info,
    describe,
    soft_warnings,
)
from practicerunner.scheduling.service.notify import notify

SCOPES = ("this", "following", "all")


def _attendees(session: Session, appointment_id: int) -> list[int]:
    return [
        int(c)
        for c in session.exec(
            select(AppointmentAttendee.client_id).where(
                AppointmentAttendee.appointment_id == appointment_id
            )
        ).all()
    ]


def _touch(appt: Appointment, now: datetime) -> None:
    appt.sequence += 1
    appt.updated_at = now


def _parse_span(
    start_local: str, end_local: str | None, appt: Appointment, tz: str
) -> tuple[datetime, datetime]:
    errors: dict[str, str] = {}
    start = end = None
    try:
        start = local_to_utc(start_local, tz)
    except ValueError:
        errors["start_time"] = "Enter the new start, like 2026-03-03T17:00."
    if end_local:
        try:
            end = local_to_utc(end_local, tz)
        except ValueError:
            errors["end_time"] = "Enter the new end, like 2026-03-03T17:50."
    elif start is not None:
        end = start + (appt.end_at - appt.start_at)
    if start is not None and end is not None:
        if end <= start:
            errors["end_time"] = "The session must end after it starts."
        elif end - start > timedelta(minutes=MAX_DURATION_MINUTES):
            errors["end_time"] = "A session cannot last longer than 24 hours."
    if errors:
        raise ValidationFailed(errors)
    assert start is not None and end is not None
    return start, end


def reschedule(
    session: Session,
    actor: Actor,
    appointment_id: int,
    *,
    start_local: str,
    end_local: str | None = None,
    clinician_id: int | None = None,
    scope: str = "this",
    override_reason: str = "",
) -> None:
    """Move or resize a session; for a series session, also the following ones or all.

    "this" moves one session and keeps it in its series. "following" ends the series before
    this session and starts a new one at the new time, carrying the later sessions over (their
    calendar UIDs stay). "all" does the same from the first session that has not happened.
    """
    appt = get_appointment_for(session, actor, appointment_id, Perm.SCHEDULE_EDIT)
    if scope not in SCOPES:
        raise ValidationFailed({"scope": "Choose this session, this and following, or all."})
    if appt.status != AppointmentStatus.SCHEDULED:
        raise DomainError(
            "not_scheduled",
            f"This session is {STATUS_LABELS[appt.status].lower()}: only scheduled sessions move.",
        )
    tz = practice_timezone(session)
    zone = ZoneInfo(tz)
    start, end = _parse_span(start_local, end_local, appt, tz)
    target_clinician = clinician_id or appt.clinician_id
    if target_clinician != appt.clinician_id:
        staff = session.get(Staff, target_clinician)
        if (
            staff is None
            or not staff.is_active
            or not reaches_clinician(actor, Perm.SCHEDULE_EDIT, target_clinician)
        ):
            raise ValidationFailed({"clinician_id": "Choose a clinician you can book for."})
    reason = override_reason.strip()[:300]
    now = clock.now()
    if scope == "this" or appt.series_id is None:
        _move_one(session, actor, appt, start, end, target_clinician, reason, zone, now)
    else:
        _move_series(session, actor, appt, start, end, target_clinician, reason, zone, now, scope)


def _check_or_refuse(
    session: Session,
    slots: list[Slot],
    zone: ZoneInfo,
    reason: str,
) -> dict[int, str]:
    """Check SLOTS; refuse unless REASON; returns index → override reason for clashing slots."""
    hard: dict[int, list[str]] = {}
    for i, slot in enumerate(slots):
        busy = busy_intervals(
            session,
            clinician_id=slot.clinician_id,
            client_ids=slot.client_ids,
            room_id=slot.room_id,
            start=slot.start,
            end=slot.end,
            ignore_appointments=slot.ignore_appointments,
        )
        hits = [b for b in busy if b.start < slot.end and b.end > slot.start]
        if hits:
            hard[i] = describe(session, hits, zone)
    soft = soft_warnings(session, slots[0], zone) if slots else []
    if (hard or soft) and not reason:
        messages: list[str] = []
        for i in sorted(hard)[:5]:
            messages.extend(m for m in hard[i] if m not in messages)
        info = conflict_info(session, slots[0], zone, hard=messages, soft=soft, can_override=True)
        if 0 not in hard and len(slots) > 1:
            info = replace(info, suggestions=[], suggestion_labels=[])
        session.rollback()
        raise SchedulingConflict(info)
    return {i: reason for i in hard}


def _commit_or_conflict(session: Session, slot: Slot, zone: ZoneInfo) -> None:
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        if CONFLICT_MARK not in str(exc.orig):
            raise
        info = conflict_info(
            session,
            slot,
            zone,
            hard=["That time was just taken by another booking."],
            soft=[],
            can_override=True,
        )
        raise SchedulingConflict(info) from None


def _move_one(
    session: Session,
    actor: Actor,
    appt: Appointment,
    start: datetime,
    end: datetime,
    clinician_id: int,
    reason: str,
    zone: ZoneInfo,
    now: datetime,
) -> None:
    clients = _attendees(session, appt.id)  # type: ignore[arg-type]
    lock_slot(session, clinician_id, clients, appt.room_id)
    slot = Slot(
        clinician_id,
        start,
        end,
        tuple(clients),
        appt.room_id,
        frozenset({appt.id}),  # type: ignore[arg-type]
    )
    overrides = _check_or_refuse(session, [slot], zone, reason)
    previous = appt.start_at
    detail = {
        "from": appt.start_at.isoformat(),
        "to": start.isoformat(),
        "minutes": int((end - start).total_seconds() // 60),
    }
    if clinician_id != appt.clinician_id:
        detail["clinician_from"] = appt.clinician_id
        detail["clinician_to"] = clinician_id
    appt.start_at, appt.end_at, appt.clinician_id = start, end, clinician_id
    appt.conflict_override_reason = overrides.get(0, "")
    if reason and overrides:
        detail["override_reason"] = reason
    _touch(appt, now)
    session.add(appt)
    audit.record(
        session,
        actor,
        "appointment.move",
        record_type="appointment",
        record_id=appt.id,
        client_id=clients[0] if clients else None,
        detail=detail,
    )
    if start != previous:
        notify(session, appt, "reschedule", previous_start=previous)
    _commit_or_conflict(session, slot, zone)


def _series_for_update(session: Session, series_id: int) -> AppointmentSeries:
    return session.exec(
        select(AppointmentSeries).where(AppointmentSeries.id == series_id).with_for_update()
    ).one()


def _pivot(
    session: Session, series: AppointmentSeries, appt: Appointment, scope: str, now: datetime
) -> Appointment:
    """The first session a "following"/"all" change applies to."""
    if scope == "following":
        return appt
    first = session.exec(
        select(Appointment)
        .where(
            Appointment.series_id == series.id,
            col(Appointment.start_at) >= now,
            Appointment.status == AppointmentStatus.SCHEDULED,
        )
        .order_by(col(Appointment.occurrence_index))
        .limit(1)
    ).first()
    return first or appt


def _move_series(
    session: Session,
    actor: Actor,
    appt: Appointment,
    start: datetime,
    end: datetime,
    clinician_id: int,
    reason: str,
    zone: ZoneInfo,
    now: datetime,
    scope: str,
) -> None:
    series = _series_for_update(session, appt.series_id)  # type: ignore[arg-type]
    rule = series_mod.rule_of(series)
    pivot = _pivot(session, series, appt, scope, now)
    pivot_index = int(pivot.occurrence_index or 0)
    # The same wall-clock shift for the pivot as the user gave the session they dragged.
    shift = naive_local(start, zone) - rule.original_start(int(appt.occurrence_index or 0))
    new_start_local = rule.original_start(pivot_index) + shift
    duration = int((end - start).total_seconds() // 60)
    try:
        if pivot_index == 0:
            before, after = None, rule
        else:
            before, after = split_at(rule, pivot_index)
        new_rule = Recurrence(
            frequency=after.frequency,
            start=new_start_local,
            timezone=after.timezone,
            duration_minutes=duration,
            until=after.until,
            count=after.count,
        )
    except RecurrenceError as exc:
        raise ValidationFailed({"start_time": exc.message}) from None
    later = session.exec(
        select(Appointment)
        .where(
            Appointment.series_id == series.id,
            col(Appointment.occurrence_index) >= pivot_index,
        )
        .order_by(col(Appointment.occurrence_index))
    ).all()
    movable = [a for a in later if a.status == AppointmentStatus.SCHEDULED]
    clients = series_mod.attendee_ids(series)
    lock_slot(session, clinician_id, clients, series.room_id)
    # Where each carried-over session lands under the new rule (same index offset).
    horizon_end = (
        max(now, new_rule_start_utc := to_utc(new_start_local, zone.key)) + series_mod.HORIZON
    )
    placed = {
        o.index: o
        for o in occurrences(new_rule, new_rule_start_utc - timedelta(days=1), horizon_end)
    }
    moving_ids = frozenset(a.id for a in movable)  # type: ignore[misc]
    slots: list[Slot] = []
    targets: list[tuple[Appointment, datetime, datetime]] = []
    for a in movable:
        o = placed.get(int(a.occurrence_index or 0) - pivot_index)
        if o is None:
            continue  # beyond the new rule's end: cancelled below
        targets.append((a, o.start_utc, o.end_utc))
        slots.append(
            Slot(clinician_id, o.start_utc, o.end_utc, tuple(clients), series.room_id, moving_ids)  # type: ignore[arg-type]
        )
    overrides = _check_or_refuse(session, slots, zone, reason) if slots else {}
    # The old series ends before the pivot; a new one carries on from it.
    if before is not None:
        series.until, series.count = before.until, before.count
        series.is_open = False
        series.next_index = min(series.next_index, pivot_index)
        new_series = AppointmentSeries(
            **{
                k: getattr(series, k)
                for k in (
                    "case_id",
                    "service_id",
                    "location_id",
                    "room_id",
                    "attendee_ids",
                    "fee_override_cents",
                    "supervisor_override_id",
                    "timezone",
                )
            },
            clinician_id=clinician_id,
            frequency=new_rule.frequency,
            start_local=new_rule.start,
            duration_minutes=duration,
            until=new_rule.until,
            count=new_rule.count,
            monthly_week=new_rule.monthly_week,
            monthly_day=new_rule.monthly_day,
            created_at=now,
            created_by_id=actor.staff_id or None,
        )
        session.add(series)
        session.add(new_series)
        session.flush()
    else:
        new_series = series
        series.clinician_id = clinician_id
        series.start_local = new_rule.start
        series.duration_minutes = duration
        series.monthly_week, series.monthly_day = new_rule.monthly_week, new_rule.monthly_day
        session.add(series)
    # Park the moving rows first: their new times may overlap each other's old ones.
    for a in later:
        a.series_id = new_series.id
        a.occurrence_index = int(a.occurrence_index or 0) - pivot_index
    session.flush()
    # Sessions that fall past the new rule's end are cancelled first; the others move one at
    # a time in the direction of the shift (latest first when moving later), so no session
    # lands on another's old time before that one has moved — the database checks each row.
    moved_to = {id(a): (s, e) for a, s, e in targets}
    reason_of = {id(t): overrides.get(j, "") for j, (t, _, _) in enumerate(targets)}
    for a in movable:
        if id(a) not in moved_to:
            a.status = AppointmentStatus.CANCELLED_PRACTICE
            a.status_at, a.status_by_id = now, actor.staff_id or None
            a.status_reason = "The series now ends earlier."
            _touch(a, now)
            session.add(a)
    session.flush()
    later_first = shift > timedelta(0)
    for a, new_start, new_end in sorted(targets, key=lambda t: t[1], reverse=later_first):
        a.start_at, a.end_at = new_start, new_end
        a.clinician_id = clinician_id
        a.conflict_override_reason = reason_of[id(a)]
        _touch(a, now)
        session.add(a)
        session.flush()
    last = max((int(a.occurrence_index or 0) for a in later), default=-1)
    new_series.next_index = last + 1
    new_series.materialised_until = None
    session.flush()
    written, skipped = series_mod.top_up(session, new_series, now)
    session.add(new_series)
    audit.record(
        session,
        actor,
        "series.move",
        record_type="appointment_series",
        record_id=new_series.id,
        client_id=clients[0] if clients else None,
        detail={
            "scope": scope,
            "from_series": series.id,
            "from": pivot.start_at.isoformat(),
            "to": to_utc(new_start_local, zone.key).isoformat(),
            "sessions_moved": len(targets),
            "sessions_added": written,
            "skipped": skipped,
            **({"override_reason": reason} if overrides else {}),
        },
    )
    notify(session, appt, "reschedule", previous_start=None)
    _commit_or_conflict(session, slots[0] if slots else Slot(clinician_id, start, end), zone)


# ---------------------------------------------------------------- status


def _late_cancel_hours(session: Session) -> int:
    hours = session.exec(select(Practice.late_cancel_hours)).first()
    return 24 if hours is None else int(hours)


def set_status(
    session: Session,
    actor: Actor,
    appointment_id: int,
    status: str,
    *,
    reason: str = "",
    scope: str = "this",
) -> str:
    """Record what happened to a session; returns the status actually recorded.

    A client's cancel inside the practice's late-cancel window is recorded as a late cancel.
    Attended and no-show need the session to have started. Cancelling "following" or "all"
    of a series also ends the series.
    """
    appt = get_appointment_for(session, actor, appointment_id, Perm.SCHEDULE_EDIT)
    try:
        wanted = AppointmentStatus(status)
    except ValueError:
        raise ValidationFailed({"status": "Choose what happened to this session."}) from None
    if scope not in SCOPES:
        raise ValidationFailed({"scope": "Choose this session, this and following, or all."})
    reason = reason.strip()
    if len(reason) > 300:
        raise ValidationFailed({"reason": "Keep the reason under 300 characters."})
    now = clock.now()
    window = timedelta(hours=_late_cancel_hours(session))
    if wanted in (AppointmentStatus.ATTENDED, AppointmentStatus.NO_SHOW) and appt.start_at > now:
        raise ValidationFailed(
            {"status": "A session can be marked attended or no-show once it has started."}
        )
    if wanted == AppointmentStatus.CANCELLED_CLIENT and appt.start_at - now < window:
        wanted = AppointmentStatus.LATE_CANCELLED
    if wanted == AppointmentStatus.LATE_CANCELLED and appt.start_at - now >= window:
        hours = int(window.total_seconds() // 3600)
        raise ValidationFailed(
            {"status": f"More than {hours} hours ahead, this is a regular cancel by the client."}
        )
    if wanted == AppointmentStatus.CANCELLED_PRACTICE and not reason:
        raise ValidationFailed({"reason": "Say why the practice cancels (the client is told)."})
    targets = [appt]
    if wanted in CANCELLED_STATUSES and scope != "this" and appt.series_id is not None:
        targets = _cancel_series_targets(session, appt, scope, now)
    if wanted == AppointmentStatus.SCHEDULED and appt.status != AppointmentStatus.SCHEDULED:
        clients = _attendees(session, appt.id)  # type: ignore[arg-type]
        lock_resources(
            session, [("clinician", appt.clinician_id), *(("client", c) for c in clients)]
        )
        zone = ZoneInfo(practice_timezone(session))
        slot = Slot(
            appt.clinician_id,
            appt.start_at,
            appt.end_at,
            tuple(clients),
            appt.room_id,
            frozenset({int(appt.id or 0)}),
        )  # type: ignore[arg-type]
        _check_or_refuse(session, [slot], zone, "")
    previous = appt.status
    for a in targets:
        a.status = wanted
        a.status_at, a.status_by_id, a.status_reason = now, actor.staff_id or None, reason
        _touch(a, now)
        session.add(a)
    clients = _attendees(session, appt.id)  # type: ignore[arg-type]
    audit.record(
        session,
        actor,
        "appointment.status",
        record_type="appointment",
        record_id=appt.id,
        client_id=clients[0] if clients else None,
        detail={
            "from": previous,
            "to": wanted.value,
            "scope": scope,
            "sessions": len(targets),
            **({"reason": reason} if reason else {}),
        },
    )
    if wanted in CANCELLED_STATUSES and appt.start_at > now:
        notify(session, appt, "cancellation")
    zone = ZoneInfo(practice_timezone(session))
    _commit_or_conflict(session, Slot(appt.clinician_id, appt.start_at, appt.end_at), zone)
    return wanted.value


def _cancel_series_targets(
    session: Session, appt: Appointment, scope: str, now: datetime
) -> list[Appointment]:
    series = _series_for_update(session, appt.series_id)  # type: ignore[arg-type]
    query = select(Appointment).where(
        Appointment.series_id == series.id,
        Appointment.status == AppointmentStatus.SCHEDULED,
    )
    if scope == "following":
        query = query.where(col(Appointment.occurrence_index) >= int(appt.occurrence_index or 0))
        cut = int(appt.occurrence_index or 0)
    else:
        query = query.where(col(Appointment.start_at) >= min(now, appt.start_at))
        cut = None
    targets = list(session.exec(query).all())
    if appt not in targets:
        targets.append(appt)
    # End the rule so the worker writes no more sessions.
    rule = series_mod.rule_of(series)
    if cut is None:
        cut = min(int(a.occurrence_index or 0) for a in targets)
    if cut == 0:
        series.count = max(1, series.next_index)
        series.until = None
    else:
        before, _ = split_at(rule, cut)
        series.until, series.count = before.until, before.count
    series.is_open = False
    session.add(series)
    return targets


# ---------------------------------------------------------------- attendees


def set_attendees(
    session: Session, actor: Actor, appointment_id: int, client_ids: list[int]
) -> None:
    """Who attends this session: a non-empty subset of the case's participants."""
    appt = get_appointment_for(session, actor, appointment_id, Perm.SCHEDULE_EDIT)
    participants = {
        int(c)
        for c in session.exec(
            select(CaseParticipant.client_id).where(CaseParticipant.case_id == appt.case_id)
        ).all()
    }
    wanted = sorted(set(client_ids))
    if not wanted:
        raise ValidationFailed({"attendee_ids": "At least one participant attends."})
    if any(c not in participants for c in wanted):
        raise ValidationFailed(
            {"attendee_ids": "Only participants of this case can attend its sessions."}
        )
    before = _attendees(session, appt.id)  # type: ignore[arg-type]
    if sorted(before) == wanted:
        return
    added = [c for c in wanted if c not in before]
    if added and appt.status == AppointmentStatus.SCHEDULED:
        lock_resources(session, [("client", c) for c in added])
        zone = ZoneInfo(practice_timezone(session))
        slot = Slot(
            appt.clinician_id,
            appt.start_at,
            appt.end_at,
            tuple(added),
            None,
            frozenset({int(appt.id or 0)}),
        )  # type: ignore[arg-type]
        busy = [
            b
            for b in busy_intervals(
                session,
                clinician_id=-1,
                client_ids=added,
                room_id=None,
                start=slot.start,
                end=slot.end,
                ignore_appointments=slot.ignore_appointments,
            )
            if b.start < slot.end and b.end > slot.start
        ]
        if busy:
            session.rollback()
            raise SchedulingConflict(
                conflict_info(
                    session,
                    slot,
                    zone,
                    hard=describe(session, busy, zone),
                    soft=[],
                    can_override=False,
                )
            )
    session.exec(
        delete(AppointmentAttendee).where(col(AppointmentAttendee.appointment_id) == appt.id)
    )  # type: ignore[call-overload]
    session.add_all(AppointmentAttendee(appointment_id=appt.id, client_id=c) for c in wanted)  # type: ignore[arg-type]
    _touch(appt, clock.now())
    session.add(appt)
    audit.record(
        session,
        actor,
        "appointment.attendees",
        record_type="appointment",
        record_id=appt.id,
        client_id=wanted[0],
        detail={"before": len(before), "after": len(wanted)},
    )
    session.commit()


__all__ = ["SCOPES", "reschedule", "set_attendees", "set_status"]
