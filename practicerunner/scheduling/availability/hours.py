"""A clinician's weekly hours and buffer, and the form that shows them with their time off."""

from __future__ import annotations

from datetime import time

from sqlmodel import Session, col, delete, select

from practicerunner.clients.people import active_clinicians
from practicerunner.core import audit, clock
from practicerunner.core import validation as v
from practicerunner.core.permissions import Actor, Perm
from practicerunner.practice.models import Location
from practicerunner.scheduling.availability.access import (
    can_reach,
    clinician_for,
    local_today,
    lock_clinician,
    practice_timezone,
    reachable_ids,
)
from practicerunner.scheduling.availability.dated import upcoming_exceptions
from practicerunner.scheduling.availability.views import AvailabilityForm, HoursInput, HoursRow
from practicerunner.scheduling.availability.wording import (
    WEEKDAYS,
    hhmm,
    hours_label,
    parse_time,
    range_label,
    time_label,
)
from practicerunner.scheduling.models import ClinicianSettings, WorkingHours
from practicerunner.scheduling.views import Choice

MAX_WEEKLY_BLOCKS = 42
MAX_BUFFER_MINUTES = 60


def clinician_choices(session: Session, actor: Actor) -> list[Choice]:
    """The clinicians whose availability ACTOR may see, by name."""
    ids = reachable_ids(actor, Perm.SCHEDULE_VIEW)
    return [
        Choice(str(s.id), s.full_name) for s in active_clinicians(session, ids) if s.id is not None
    ]


def default_clinician_id(session: Session, actor: Actor) -> int | None:
    """Whose availability the page opens on: the actor's own, else the first they may see."""
    choices = clinician_choices(session, actor)
    if any(c.value == str(actor.staff_id) for c in choices):
        return actor.staff_id
    return int(choices[0].value) if choices else None


def _location_choices(session: Session, referenced: set[int]) -> list[Choice]:
    rows = session.exec(
        select(Location)
        .where(col(Location.is_active).is_(True) | col(Location.id).in_(sorted(referenced)))
        .order_by(col(Location.is_active).desc(), Location.name)
    ).all()
    return [
        Choice(str(loc.id), loc.name if loc.is_active else f"{loc.name} (retired)")
        for loc in rows
        if loc.id is not None
    ]


def _hours_rows(session: Session, staff_id: int) -> list[WorkingHours]:
    return list(
        session.exec(
            select(WorkingHours)
            .where(WorkingHours.staff_id == staff_id)
            .order_by(col(WorkingHours.weekday), col(WorkingHours.start_time))
        ).all()
    )


def buffer_of(session: Session, staff_id: int) -> int:
    settings = session.get(ClinicianSettings, staff_id)
    return settings.buffer_minutes if settings is not None else 0


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def get_availability_form(session: Session, actor: Actor, staff_id: int) -> AvailabilityForm:
    """STAFF_ID's weekly hours, buffer and upcoming time off, for a viewer who may see them."""
    staff = clinician_for(session, actor, staff_id, Perm.SCHEDULE_VIEW)
    timezone = practice_timezone(session)
    rows = _hours_rows(session, staff_id)
    locations = _location_choices(session, {r.location_id for r in rows})
    names = {c.value: c.label for c in locations}
    total = sum(_minutes(r.end_time) - _minutes(r.start_time) for r in rows)
    return AvailabilityForm(
        staff_id=staff_id,
        staff_name=staff.full_name,
        can_edit=can_reach(actor, Perm.SCHEDULE_EDIT, staff_id),
        hours=[
            HoursRow(
                weekday=r.weekday,
                start=hhmm(r.start_time),
                end=hhmm(r.end_time),
                location_id=r.location_id,
                location_name=names.get(str(r.location_id), ""),
            )
            for r in rows
        ],
        weekly_total_label=hours_label(total) if rows else "",
        buffer_minutes=buffer_of(session, staff_id),
        exceptions=upcoming_exceptions(session, staff_id, local_today(timezone)),
        locations=locations,
        timezone=timezone,
    )


def _active_location_ids(session: Session) -> set[int]:
    return {
        i for i in session.exec(select(Location.id).where(col(Location.is_active).is_(True))) if i
    }


def _validate_rows(session: Session, rows: list[HoursInput]) -> list[tuple[int, time, time, int]]:
    """(weekday, start, end, location id) for each row, or ValidationFailed naming each row."""
    errors = v.Errors()
    if len(rows) > MAX_WEEKLY_BLOCKS:
        errors.add("hours", f"Keep it to {MAX_WEEKLY_BLOCKS} blocks a week or fewer.")
        errors.raise_if_any()
    active = _active_location_ids(session)
    known = {i for i in session.exec(select(Location.id)) if i}
    parsed: list[tuple[int, int, time, time, int]] = []  # (row, weekday, start, end, location)
    for i, row in enumerate(rows):
        key = f"hours_{i}_"
        weekday = errors.check(key + "weekday", _weekday, row.weekday)
        start = errors.check(key + "start", parse_time, row.start, "Start")
        end = errors.check(key + "end", parse_time, row.end, "End")
        if start is not None and end is not None and end <= start:
            errors.add(key + "end", f"End must be after the start ({time_label(start)}).")
        location = errors.check(key + "location_id", _location, row.location_id, known, active)
        if None not in (weekday, start, end, location) and end > start:  # type: ignore[operator]
            parsed.append((i, weekday, start, end, location))  # type: ignore[arg-type]
    # Two blocks on the same day may touch (9-12, 12-5) but not overlap: nobody is in two
    # places at once. The later block of the two carries the message.
    parsed.sort(key=lambda p: (p[1], p[2], p[0]))
    latest: tuple[int, int, time, time, int] | None = None  # the day's block ending last so far
    for block in parsed:
        if latest is not None and latest[1] == block[1] and block[2] < latest[3]:
            errors.add(
                f"hours_{block[0]}_start",
                f"Overlaps {WEEKDAYS[latest[1]]} {range_label(latest[2], latest[3])}.",
            )
        if latest is None or latest[1] != block[1] or block[3] > latest[3]:
            latest = block
    errors.raise_if_any()
    return [(weekday, start, end, location) for _, weekday, start, end, location in parsed]


def _weekday(value: str) -> int:
    try:
        day = int(str(value).strip())
    except ValueError as exc:
        raise v.FieldError("Choose a day of the week.") from exc
    if not 0 <= day <= 6:
        raise v.FieldError("Choose a day of the week.")
    return day


def _location(value: str, known: set[int], active: set[int]) -> int:
    raw = (value or "").strip()
    if not raw.isdigit() or int(raw) not in known:
        raise v.FieldError("Choose a location.")
    if int(raw) not in active:
        raise v.FieldError("That location is retired; choose another.")
    return int(raw)


def save_weekly_hours(
    session: Session, actor: Actor, staff_id: int, rows: list[HoursInput]
) -> AvailabilityForm:
    """Replace STAFF_ID's weekly hours with ROWS, all or nothing; audited when they change."""
    clinician_for(session, actor, staff_id, Perm.SCHEDULE_EDIT)
    blocks = _validate_rows(session, rows)
    lock_clinician(session, staff_id)
    current = {
        (r.weekday, r.start_time, r.end_time, r.location_id) for r in _hours_rows(session, staff_id)
    }
    if current != set(blocks) or len(blocks) != len(current):
        session.exec(delete(WorkingHours).where(col(WorkingHours.staff_id) == staff_id))  # type: ignore[call-overload]
        for weekday, start, end, location_id in sorted(blocks):
            session.add(
                WorkingHours(
                    staff_id=staff_id,
                    location_id=location_id,
                    weekday=weekday,
                    start_time=start,
                    end_time=end,
                )
            )
        audit.record(
            session,
            actor,
            "availability.hours_save",
            record_type="staff",
            record_id=staff_id,
            detail={"blocks": len(blocks), "weekdays": sorted({b[0] for b in blocks})},
        )
        session.commit()
    else:
        session.rollback()
    return get_availability_form(session, actor, staff_id)


def set_buffer(session: Session, actor: Actor, staff_id: int, minutes: str | int) -> int:
    """Keep MINUTES (0-60) free between STAFF_ID's sessions; returns the saved value."""
    clinician_for(session, actor, staff_id, Perm.SCHEDULE_EDIT)
    errors = v.Errors()
    value = errors.check("buffer_minutes", v.whole_number, minutes, "Buffer", 0, MAX_BUFFER_MINUTES)
    errors.raise_if_any()
    lock_clinician(session, staff_id)
    settings = session.get(ClinicianSettings, staff_id)
    if settings is not None and settings.buffer_minutes == value:
        session.rollback()
        return value
    if settings is None:
        settings = ClinicianSettings(
            staff_id=staff_id, buffer_minutes=value, updated_at=clock.now()
        )
    else:
        settings.buffer_minutes, settings.updated_at = value, clock.now()
    session.add(settings)
    audit.record(
        session,
        actor,
        "availability.buffer_set",
        record_type="staff",
        record_id=staff_id,
        detail={"buffer_minutes": value},
    )
    session.commit()
    return value
