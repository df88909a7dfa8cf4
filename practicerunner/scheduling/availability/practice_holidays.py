"""Days the practice is closed: added one by one, or the US federal holidays of a year."""

from __future__ import annotations

from datetime import date, timedelta

import holidays as holiday_calendars
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from practicerunner.core import audit
from practicerunner.core import validation as v
from practicerunner.core.errors import NotFound, ValidationFailed
from practicerunner.core.permissions import Actor, Perm
from practicerunner.practice.service.saving import commit
from practicerunner.scheduling.availability.access import local_today, practice_timezone
from practicerunner.scheduling.availability.views import HolidayInput, HolidayView
from practicerunner.scheduling.availability.wording import day_label, parse_date
from practicerunner.scheduling.models import Holiday

_TAKEN = "The practice is already closed that day ({name})."


def federal_years(session: Session, actor: Actor) -> list[int]:
    """The years the "Add US federal holidays" buttons offer: this one and the next."""
    actor.require(Perm.PRACTICE_MANAGE)
    year = local_today(practice_timezone(session)).year
    return [year, year + 1]


def us_federal_holidays(year: int) -> list[tuple[date, str]]:
    """The US federal holidays of YEAR, with the weekday a weekend holiday is observed on."""
    return sorted(holiday_calendars.country_holidays("US", years=year).items())


def _view(row: Holiday) -> HolidayView:
    assert row.id is not None
    return HolidayView(
        id=row.id,
        on_date=row.on_date.isoformat(),
        date_label=day_label(row.on_date),
        name=row.name,
    )


def list_holidays(session: Session, actor: Actor) -> list[HolidayView]:
    """The practice's holidays from today on, by date."""
    actor.require(Perm.PRACTICE_MANAGE)
    today = local_today(practice_timezone(session))
    rows = session.exec(
        select(Holiday).where(col(Holiday.on_date) >= today).order_by(col(Holiday.on_date))
    ).all()
    return [_view(r) for r in rows]


def _holiday_date(value: str, today: date) -> date:
    day = parse_date(value, "Date")
    if day < today - timedelta(days=366):
        raise v.FieldError("That date is more than a year ago.")
    if day > today + timedelta(days=5 * 366):
        raise v.FieldError("Choose a date within the next five years.")
    return day


def add_holiday(session: Session, actor: Actor, data: HolidayInput) -> HolidayView:
    """Close the practice on a date."""
    actor.require(Perm.PRACTICE_MANAGE)
    today = local_today(practice_timezone(session))
    errors = v.Errors()
    day = errors.check("on_date", _holiday_date, data.on_date, today)
    name = errors.check("name", v.required, data.name, "Name", 120)
    if day is not None:
        taken = session.exec(select(Holiday.name).where(Holiday.on_date == day)).first()
        if taken is not None:
            errors.add("on_date", _TAKEN.format(name=taken))
    errors.raise_if_any()
    row = Holiday(on_date=day, name=name)
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "holiday.add",
        record_type="holiday",
        record_id=row.id,
        detail={"on_date": row.on_date.isoformat()},
    )
    commit(session, "on_date", "The practice is already closed that day.")
    return _view(row)


def remove_holiday(session: Session, actor: Actor, holiday_id: int) -> None:
    """Open the practice again on a holiday's date."""
    actor.require(Perm.PRACTICE_MANAGE)
    row = session.get(Holiday, holiday_id)
    if row is None:
        raise NotFound("holiday")
    session.delete(row)
    audit.record(
        session,
        actor,
        "holiday.remove",
        record_type="holiday",
        record_id=holiday_id,
        detail={"on_date": row.on_date.isoformat()},
    )
    session.commit()


def add_us_federal_holidays(session: Session, actor: Actor, year: int | str) -> int:
    """Add YEAR's US federal holidays the practice does not have yet; returns how many."""
    actor.require(Perm.PRACTICE_MANAGE)
    this_year = local_today(practice_timezone(session)).year
    errors = v.Errors()
    number = errors.check("year", v.whole_number, year, "Year", this_year - 1, this_year + 5)
    errors.raise_if_any()
    wanted = us_federal_holidays(number)
    first, last = wanted[0][0], wanted[-1][0]
    taken = set(
        session.exec(
            select(col(Holiday.on_date)).where(
                col(Holiday.on_date) >= first, col(Holiday.on_date) <= last
            )
        ).all()
    )
    added = [(day, name) for day, name in wanted if day not in taken]
    for day, name in added:
        session.add(Holiday(on_date=day, name=name[:120]))
    if not added:
        session.rollback()
        return 0
    audit.record(
        session,
        actor,
        "holiday.add_federal",
        record_type="holiday",
        detail={"year": number, "added": len(added)},
    )
    try:
        session.commit()
    except IntegrityError as exc:  # someone added one of the days at the same moment
        session.rollback()
        raise ValidationFailed({"year": "Holidays changed meanwhile; try again."}) from exc
    return len(added)
