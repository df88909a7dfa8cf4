"""Reads the calendar and the conflict check call: available time, and whether a span fits.

Three small queries per call (weekly hours, dated changes and holidays in the window, the
practice's timezone); the arithmetic is `compute`'s.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from practicerunner.practice.models import Staff
from practicerunner.scheduling.availability.access import local_today, practice_timezone
from practicerunner.scheduling.availability.compute import (
    DatedRule,
    Rules,
    WeeklyRule,
    explain,
    first_gap,
    local_days,
    spans,
)
from practicerunner.scheduling.availability.wording import day_label, range_label, time_label
from practicerunner.scheduling.models import (
    AvailabilityException,
    ClinicianSettings,
    Holiday,
    WorkingHours,
)
from practicerunner.scheduling.views import AvailabilityBlock


def load_rules(
    session: Session, clinician_ids: Collection[int], first_day: date, last_day: date
) -> dict[int, Rules]:
    """Each clinician's weekly hours and their dated changes between the two local dates."""
    ids = sorted(set(clinician_ids))
    weekly: dict[int, list[WeeklyRule]] = defaultdict(list)
    for staff_id, weekday, start, end, location_id in session.execute(
        sa_select(
            col(WorkingHours.staff_id),
            col(WorkingHours.weekday),
            col(WorkingHours.start_time),
            col(WorkingHours.end_time),
            col(WorkingHours.location_id),
        ).where(col(WorkingHours.staff_id).in_(ids))
    ):
        weekly[staff_id].append(WeeklyRule(weekday, start, end, location_id))
    dated: dict[int, list[DatedRule]] = defaultdict(list)
    for staff_id, on_date, kind, start, end, location_id in session.execute(
        sa_select(
            col(AvailabilityException.staff_id),
            col(AvailabilityException.on_date),
            col(AvailabilityException.kind),
            col(AvailabilityException.start_time),
            col(AvailabilityException.end_time),
            col(AvailabilityException.location_id),
        ).where(
            col(AvailabilityException.staff_id).in_(ids),
            col(AvailabilityException.on_date) >= first_day,
            col(AvailabilityException.on_date) <= last_day,
        )
    ):
        dated[staff_id].append(DatedRule(on_date, kind, start, end, location_id))
    return {i: Rules.of(weekly.get(i, ()), dated.get(i, ())) for i in ids}


def load_holidays(session: Session, first_day: date, last_day: date) -> dict[date, str]:
    """The practice's holidays between the two dates: date → name."""
    return dict(
        session.exec(
            select(col(Holiday.on_date), col(Holiday.name)).where(
                col(Holiday.on_date) >= first_day, col(Holiday.on_date) <= last_day
            )
        ).all()
    )


def _check_window(start_utc: datetime, end_utc: datetime) -> tuple[datetime, datetime]:
    if start_utc.tzinfo is None or end_utc.tzinfo is None:
        raise ValueError("availability needs aware datetimes")
    return start_utc.astimezone(UTC), end_utc.astimezone(UTC)


def available_blocks(
    session: Session, clinician_ids: list[int], start_utc: datetime, end_utc: datetime
) -> list[AvailabilityBlock]:
    """The clinicians' available time within [start_utc, end_utc), by clinician then start.

    Blocks are clipped to the window; touching or overlapping blocks at the same location are
    joined. Times are ISO strings with the offset of the practice's timezone.
    """
    start_utc, end_utc = _check_window(start_utc, end_utc)
    if not clinician_ids or end_utc <= start_utc:
        return []
    timezone = practice_timezone(session)
    zone = ZoneInfo(timezone)
    days = local_days(start_utc, end_utc, timezone)
    rules = load_rules(session, clinician_ids, days[0], days[-1])
    holidays = load_holidays(session, days[0], days[-1])
    blocks: list[AvailabilityBlock] = []
    for staff_id in sorted(rules):
        blocks.extend(
            AvailabilityBlock(
                clinician_id=staff_id,
                start=s.start.astimezone(zone).isoformat(),
                end=s.end.astimezone(zone).isoformat(),
                location_id=s.location_id,
            )
            for s in spans(rules[staff_id], timezone, holidays, start_utc, end_utc)
        )
    return blocks


def outside_hours(
    session: Session, clinician_id: int, start_utc: datetime, end_utc: datetime
) -> str | None:
    """None when [start_utc, end_utc) lies wholly in the clinician's available time;
    otherwise what is wrong with the first moment that does not, in words.

    A clinician with no weekly hours at all is available at any time except their time off
    and the practice's holidays, so a practice that has not set hours up is not nagged.
    """
    start_utc, end_utc = _check_window(start_utc, end_utc)
    if end_utc <= start_utc:
        raise ValueError("outside_hours needs a span that ends after it starts")
    timezone = practice_timezone(session)
    days = local_days(start_utc, end_utc, timezone)
    rules = load_rules(session, [clinician_id], days[0], days[-1])[clinician_id]
    holidays = load_holidays(session, days[0], days[-1])
    gap = first_gap(spans(rules, timezone, holidays, start_utc, end_utc), start_utc, end_utc)
    if gap is None:
        return None
    name = session.exec(select(Staff.full_name).where(Staff.id == clinician_id)).first()
    name = name or "The clinician"
    why = explain(rules, timezone, holidays, gap)
    day = day_label(why.day, local_today(timezone))
    if why.kind == "holiday":
        return f"{day} is a practice holiday ({why.holiday})."
    if why.kind == "day_off":
        return f"{name} is off on {day}."
    if why.kind == "time_off":
        assert why.off_start is not None and why.off_end is not None
        return f"{name} has time off on {day}, {range_label(why.off_start, why.off_end)}."
    moment = time_label(why.at_local.time())
    if gap == start_utc:
        return f"{day}, {moment} is outside {name}'s working hours."
    return f"The session runs past the end of {name}'s working hours ({moment} on {day})."


def buffer_minutes(session: Session, clinician_id: int) -> int:
    """Minutes the clinician keeps free between sessions (0 when not set)."""
    value = session.exec(
        select(ClinicianSettings.buffer_minutes).where(ClinicianSettings.staff_id == clinician_id)
    ).first()
    return int(value or 0)


def buffers(session: Session, clinician_ids: Collection[int]) -> dict[int, int]:
    """Buffer minutes for several clinicians at once (0 for those without a setting)."""
    found = dict(
        session.exec(
            select(ClinicianSettings.staff_id, ClinicianSettings.buffer_minutes).where(
                col(ClinicianSettings.staff_id).in_(sorted(set(clinician_ids)))
            )
        ).all()
    )
    return {i: int(found.get(i, 0)) for i in clinician_ids}
