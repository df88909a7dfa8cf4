"""The demo practice's availability: weekly hours, a buffer, rooms, holidays, a day off."""

from __future__ import annotations

from datetime import time, timedelta

from sqlmodel import Session, col, select

from practicerunner.core import clock
from practicerunner.practice.models import Location, Staff
from practicerunner.scheduling.availability.access import local_today, practice_timezone
from practicerunner.scheduling.availability.practice_holidays import us_federal_holidays
from practicerunner.scheduling.models import (
    AvailabilityException,
    ClinicianSettings,
    ExceptionKind,
    Holiday,
    Room,
    WorkingHours,
)

_OFFICE, _TELE = "Main office", "Telehealth"
MON, TUE, WED, THU, FRI = range(5)

# email → [(weekdays, start hour, end hour, location)]
_HOURS: dict[str, list[tuple[tuple[int, ...], int, int, str]]] = {
    "olivia@willow.example": [
        ((MON, TUE, WED, THU), 9, 17, _OFFICE),
        ((FRI,), 9, 13, _TELE),
    ],
    "sam@willow.example": [
        ((MON, WED), 10, 18, _OFFICE),
        ((TUE, THU), 12, 20, _TELE),
        ((FRI,), 9, 15, _OFFICE),
    ],
    "ana@willow.example": [
        ((MON, TUE, THU, FRI), 9, 12, _OFFICE),
        ((MON, TUE, THU, FRI), 13, 17, _OFFICE),
        ((WED,), 12, 20, _TELE),
    ],
    "ben@willow.example": [
        ((MON, TUE), 11, 19, _OFFICE),
        ((WED, THU), 11, 19, _TELE),
        ((FRI,), 9, 13, _TELE),
    ],
}
_BUFFER = ("olivia@willow.example", 10)
_DAY_OFF = ("sam@willow.example", "Conference")
_ROOMS = ("Willow room", "Cedar room", "Group room")


def seed_demo_availability(session: Session) -> None:
    """Add the demo availability in SESSION (the caller commits); nothing if hours exist."""
    if session.exec(select(WorkingHours.id)).first() is not None:
        return
    staff = {s.email: s.id for s in session.exec(select(Staff)).all()}
    places = {loc.name: loc.id for loc in session.exec(select(Location)).all()}
    if _OFFICE not in places or _TELE not in places:
        return
    for email, blocks in _HOURS.items():
        staff_id = staff.get(email)
        if staff_id is None:
            continue
        for weekdays, start, end, place in blocks:
            for weekday in weekdays:
                session.add(
                    WorkingHours(
                        staff_id=staff_id,
                        location_id=places[place],  # type: ignore[arg-type]
                        weekday=weekday,
                        start_time=time(start),
                        end_time=time(end),
                    )
                )
    today = local_today(practice_timezone(session))
    if (buffer_for := staff.get(_BUFFER[0])) is not None:
        session.add(
            ClinicianSettings(
                staff_id=buffer_for,
                buffer_minutes=_BUFFER[1],
                updated_at=clock.now(),
            )
        )
    for name in _ROOMS:
        session.add(Room(location_id=places[_OFFICE], name=name))  # type: ignore[arg-type]
    closed = set(session.exec(select(col(Holiday.on_date))).all())
    for year in (today.year, today.year + 1):
        for day, name in us_federal_holidays(year):
            if day not in closed:
                session.add(Holiday(on_date=day, name=name))
                closed.add(day)
    if (off_for := staff.get(_DAY_OFF[0])) is not None:
        # The first Friday at least a week away that is not a holiday.
        day = today + timedelta(days=7 + (FRI - today.weekday()) % 7)
        while day in closed:
            day += timedelta(days=7)
        session.add(
            AvailabilityException(
                staff_id=off_for, on_date=day, kind=ExceptionKind.TIME_OFF.value, note=_DAY_OFF[1]
            )
        )
    session.flush()
