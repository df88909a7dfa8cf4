"""Dated changes to a clinician's weekly hours: time off (a whole day or some hours) and
extra hours at a location."""

from __future__ import annotations

from datetime import date, time, timedelta

from sqlmodel import Session, col, select

from practicerunner.core import audit
from practicerunner.core import validation as v
from practicerunner.core.errors import NotFound
from practicerunner.core.permissions import Actor, Perm
from practicerunner.practice.models import Location
from practicerunner.scheduling.availability.access import (
    clinician_for,
    local_today,
    lock_clinician,
    practice_timezone,
)
from practicerunner.scheduling.availability.views import (
    EXCEPTION_KINDS,
    ExceptionInput,
    ExceptionView,
)
from practicerunner.scheduling.availability.wording import (
    day_label,
    parse_date,
    parse_time,
    range_label,
    time_label,
)
from practicerunner.scheduling.models import AvailabilityException, ExceptionKind, Holiday

MAX_DAYS_AHEAD = 2 * 366


def _view(row: AvailabilityException, locations: dict[int, str], today: date) -> ExceptionView:
    assert row.id is not None
    whole_day = row.start_time is None or row.end_time is None
    return ExceptionView(
        id=row.id,
        on_date=row.on_date.isoformat(),
        date_label=day_label(row.on_date, today),
        kind=row.kind,
        kind_label=dict(EXCEPTION_KINDS).get(row.kind, row.kind),
        hours_label="All day" if whole_day else range_label(row.start_time, row.end_time),  # type: ignore[arg-type]
        location_name=locations.get(row.location_id, "") if row.location_id else "",
        note=row.note,
    )


def _location_names(session: Session) -> dict[int, str]:
    return {i: n for i, n in session.exec(select(Location.id, Location.name)) if i is not None}


def upcoming_exceptions(session: Session, staff_id: int, today: date) -> list[ExceptionView]:
    """STAFF_ID's time off and extra hours from TODAY on, by date and time."""
    rows = session.exec(
        select(AvailabilityException)
        .where(
            AvailabilityException.staff_id == staff_id,
            col(AvailabilityException.on_date) >= today,
        )
        .order_by(
            col(AvailabilityException.on_date),
            col(AvailabilityException.start_time).nulls_first(),
            col(AvailabilityException.id),
        )
    ).all()
    names = _location_names(session) if rows else {}
    return [_view(r, names, today) for r in rows]


def _future_date(value: str, today: date) -> date:
    day = parse_date(value, "Date")
    if day < today:
        raise v.FieldError("That date has passed; choose today or a later date.")
    if day > today + timedelta(days=MAX_DAYS_AHEAD):
        raise v.FieldError("Choose a date within the next two years.")
    return day


def _validate(
    session: Session, staff_id: int, staff_name: str, data: ExceptionInput, today: date
) -> dict[str, object]:
    errors = v.Errors()
    kind = errors.check("kind", v.choice, data.kind, ExceptionKind, "Kind")
    if kind is None:
        errors.errors["kind"] = "Choose time off or extra hours."
    day = errors.check("on_date", _future_date, data.on_date, today)
    note = errors.check("note", v.optional, data.note, "Note", 200)
    raw_start, raw_end = data.start.strip(), data.end.strip()
    start: time | None = None
    end: time | None = None
    if kind is None or (kind == ExceptionKind.TIME_OFF and not raw_start and not raw_end):
        pass  # no kind yet, or time off for the whole day
    elif kind == ExceptionKind.TIME_OFF and not (raw_start and raw_end):
        message = "Enter both times, or leave both empty for the whole day."
        errors.add("start" if not raw_start else "end", message)
    else:
        start = errors.check("start", parse_time, raw_start, "Start")
        end = errors.check("end", parse_time, raw_end, "End")
        if start is not None and end is not None and end <= start:
            errors.add("end", f"End must be after the start ({time_label(start)}).")
    location_id: int | None = None
    if kind == ExceptionKind.EXTRA:
        location_id = errors.check("location_id", _active_location, session, data.location_id)
        if day is not None:
            holiday = session.exec(select(Holiday.name).where(Holiday.on_date == day)).first()
            if holiday is not None:
                errors.add("on_date", f"That day is a practice holiday ({holiday}).")
    if kind == ExceptionKind.TIME_OFF and day is not None and start is None and not errors.errors:
        already = session.exec(
            select(AvailabilityException.id).where(
                AvailabilityException.staff_id == staff_id,
                AvailabilityException.on_date == day,
                AvailabilityException.kind == ExceptionKind.TIME_OFF.value,
                col(AvailabilityException.start_time).is_(None),
            )
        ).first()
        if already is not None:
            errors.add("on_date", f"{staff_name} is already off all that day.")
    errors.raise_if_any()
    return {
        "kind": kind.value if kind is not None else "",
        "on_date": day,
        "start_time": start,
        "end_time": end,
        "location_id": location_id,
        "note": note or "",
    }


def _active_location(session: Session, value: str) -> int:
    raw = (value or "").strip()
    location = session.get(Location, int(raw)) if raw.isdigit() else None
    if location is None:
        raise v.FieldError("Choose where the extra hours are.")
    if not location.is_active:
        raise v.FieldError("That location is retired; choose another.")
    return int(raw)


def add_exception(
    session: Session, actor: Actor, staff_id: int, data: ExceptionInput
) -> ExceptionView:
    """Add time off or extra hours on a date for STAFF_ID."""
    staff = clinician_for(session, actor, staff_id, Perm.SCHEDULE_EDIT)
    today = local_today(practice_timezone(session))
    lock_clinician(session, staff_id)
    values = _validate(session, staff_id, staff.full_name, data, today)
    row = AvailabilityException(staff_id=staff_id, **values)  # type: ignore[arg-type]
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "availability.exception_add",
        record_type="availability_exception",
        record_id=row.id,
        detail={"staff_id": staff_id, "kind": row.kind, "on_date": row.on_date.isoformat()},
    )
    session.commit()
    return _view(row, _location_names(session), today)


def remove_exception(session: Session, actor: Actor, exception_id: int) -> None:
    """Remove time off or extra hours; NotFound when it is not the actor's to change."""
    row = session.get(AvailabilityException, exception_id)
    if row is None:
        raise NotFound("time off or extra hours")
    try:
        clinician_for(session, actor, row.staff_id, Perm.SCHEDULE_EDIT)
    except NotFound as exc:
        raise NotFound("time off or extra hours") from exc
    session.delete(row)
    audit.record(
        session,
        actor,
        "availability.exception_remove",
        record_type="availability_exception",
        record_id=exception_id,
        detail={"staff_id": row.staff_id, "kind": row.kind, "on_date": row.on_date.isoformat()},
    )
    session.commit()
