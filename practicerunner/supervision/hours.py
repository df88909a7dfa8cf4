"""Supervision hours per associate per month, for licensure logs.

What counts: calendar items of kind supervision that are not cancelled and have ended, for
an associate who is either the item's owner (`staff_id`) or the colleague met
(`with_staff_id`). Nothing else (sessions, admin time) counts, and a meeting still ahead is
not logged until it has taken place.

How a meeting is counted:

- **Length** is the real time between start and end (UTC instants), so a one-hour meeting on
  the night the clocks change is one hour, whatever the wall clock says.
- **Month** is the practice-local month in which the meeting *starts*
  (`practice.local.practice_tz`). A meeting is counted whole, once: one that starts at 23:00
  on 31 January and ends after midnight is a January meeting, as a supervision log dates a
  meeting by its start. Month boundaries are local midnights on the 1st, turned into UTC
  with the practice's zone (a midnight skipped by a clock change falls where `zoneinfo` puts
  it: the first instant of the new day).
- **Individual or group**: an item names at most one colleague, so a meeting with a named
  colleague is *individual* (one-to-one); a supervision item with nobody named is *group*
  (group supervision, held with several people, is booked as a block on each associate's
  own calendar). That is all the data can tell.

Who sees what: the owner sees every associate; a supervisor the associates they supervise by
default; an associate their own hours; anyone else is told the report is not found. The
report holds staff names and times only (no client, no clinical words), so reading it is not
a read of the clinical record and is not audited.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import or_
from sqlmodel import Session, col, select

from practicerunner.core import clock
from practicerunner.core.errors import NotFound, ValidationFailed
from practicerunner.core.permissions import Actor, Role
from practicerunner.practice.local import practice_today, practice_tz
from practicerunner.practice.models import Staff, StaffRole
from practicerunner.scheduling.models import CalendarItem, CalendarItemKind
from practicerunner.supervision.models import ProviderSupervisor

DEFAULT_MONTHS = 6  # this month and the five before it
MAX_MONTHS = 24
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


# --- Months (pure) --------------------------------------------------------------------------


def add_months(month: date, n: int) -> date:
    """The first of the month N months after MONTH's (N may be negative)."""
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def month_of(moment: datetime, zone: ZoneInfo) -> date:
    """The first day of the practice-local month in which MOMENT falls."""
    local = moment.astimezone(zone)
    return date(local.year, local.month, 1)


def months_between(first: date, last: date) -> list[date]:
    """FIRST's month to LAST's month, inclusive, as first days."""
    months, month = [], date(first.year, first.month, 1)
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    return months


def window(first: date, last: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) in UTC covering the local months FIRST to LAST: a meeting starting at an
    instant in it starts in one of those months, and no other meeting does."""
    start = datetime.combine(date(first.year, first.month, 1), time.min, zone)
    end = datetime.combine(add_months(last, 1), time.min, zone)
    return start.astimezone(ZoneInfo("UTC")), end.astimezone(ZoneInfo("UTC"))


def month_label(month: date) -> str:
    """'Jun 2026'."""
    return f"{month:%b %Y}"


def hours_label(seconds: int) -> str:
    """'1.5' (hours, one decimal, half up), '' for none."""
    if seconds <= 0:
        return ""
    tenths = (seconds * 10 + 1800) // 3600
    return f"{tenths // 10}.{tenths % 10}"


@dataclass(frozen=True)
class Meeting:
    """One supervision meeting counted for one associate."""

    associate_id: int
    start: datetime
    end: datetime
    individual: bool


@dataclass
class Tally:
    """Seconds of supervision, split by kind."""

    individual: int = 0
    group: int = 0

    @property
    def total(self) -> int:
        return self.individual + self.group


def bucket(meetings: Iterable[Meeting], zone: ZoneInfo) -> dict[tuple[int, date], Tally]:
    """{(associate id, month): seconds} — each meeting whole, in the local month it starts."""
    found: dict[tuple[int, date], Tally] = {}
    for meeting in meetings:
        tally = found.setdefault((meeting.associate_id, month_of(meeting.start, zone)), Tally())
        seconds = int((meeting.end - meeting.start).total_seconds())
        if meeting.individual:
            tally.individual += seconds
        else:
            tally.group += seconds
    return found


# --- The report -----------------------------------------------------------------------------


@dataclass(frozen=True)
class AssociateHours:
    staff_id: int
    name: str
    months: list[int]  # seconds in each month of the report, in order
    individual: int  # seconds over the whole range
    group: int

    @property
    def total(self) -> int:
        return self.individual + self.group


@dataclass(frozen=True)
class HoursReport:
    first: date  # first day of the first month
    last: date  # first day of the last month
    months: list[date]
    rows: list[AssociateHours]  # by name
    month_totals: list[int]  # seconds, all rows, per month
    individual: int
    group: int
    scope: str  # "all" (owner), "supervisees", "own"

    @property
    def total(self) -> int:
        return self.individual + self.group


def _parse_month(value: str) -> date | None:
    found = _MONTH.match(value.strip())
    if not found:
        return None
    year, month = int(found.group(1)), int(found.group(2))
    if not (1900 <= year <= 9998 and 1 <= month <= 12):
        return None
    return date(year, month, 1)


def month_range(session: Session, start: str = "", end: str = "") -> tuple[date, date]:
    """The months START to END ('YYYY-MM'); blank: the last six months to this one (practice
    time). ValidationFailed by field ('from', 'to') when they are not months or not in order."""
    today = practice_today(session)
    this_month = date(today.year, today.month, 1)
    errors: dict[str, str] = {}
    last = _parse_month(end) if end.strip() else this_month
    if last is None:
        errors["to"] = "Enter a month, like 2026-06."
    first = (
        _parse_month(start)
        if start.strip()
        else add_months(last or this_month, -(DEFAULT_MONTHS - 1))
    )
    if first is None:
        errors["from"] = "Enter a month, like 2026-01."
    if first is not None and last is not None:
        if last < first:
            errors["to"] = "The last month cannot come before the first."
        elif len(months_between(first, last)) > MAX_MONTHS:
            errors["to"] = f"Choose at most {MAX_MONTHS} months."
    if errors:
        raise ValidationFailed(errors)
    assert first is not None and last is not None
    return first, last


def _associates(session: Session, actor: Actor) -> tuple[str, dict[int, tuple[str, bool]]]:
    """Whose hours ACTOR may see: (scope, {staff id: (name, active)}). NotFound for others."""
    associate_ids = set(
        session.exec(select(StaffRole.staff_id).where(StaffRole.role == Role.ASSOCIATE.value))
    )
    if Role.OWNER in actor.roles:
        scope, wanted = "all", associate_ids
    elif Role.SUPERVISOR in actor.roles or Role.ASSOCIATE in actor.roles:
        wanted = set()
        if Role.SUPERVISOR in actor.roles:
            wanted |= set(
                session.exec(
                    select(ProviderSupervisor.associate_id).where(
                        ProviderSupervisor.supervisor_id == actor.staff_id
                    )
                )
            )
        if Role.ASSOCIATE in actor.roles:
            wanted.add(actor.staff_id)
        wanted &= associate_ids
        scope = "supervisees" if Role.SUPERVISOR in actor.roles else "own"
    else:
        raise NotFound("report")
    if not wanted:
        return scope, {}
    rows = session.exec(
        select(Staff.id, Staff.full_name, Staff.is_active).where(col(Staff.id).in_(wanted))
    ).all()
    return scope, {int(i): (name, bool(active)) for i, name, active in rows}  # type: ignore[arg-type]


def meetings(
    session: Session, associate_ids: Iterable[int], start_utc: datetime, end_utc: datetime
) -> list[Meeting]:
    """The supervision meetings of ASSOCIATE_IDS starting in [START_UTC, END_UTC) and over by
    now, one per associate taking part (two associates meeting each count it)."""
    ids = set(associate_ids)
    if not ids:
        return []
    items = session.exec(
        select(
            CalendarItem.staff_id,
            CalendarItem.with_staff_id,
            CalendarItem.start_at,
            CalendarItem.end_at,
        ).where(
            CalendarItem.kind == CalendarItemKind.SUPERVISION.value,
            col(CalendarItem.is_cancelled).is_(False),
            or_(col(CalendarItem.staff_id).in_(ids), col(CalendarItem.with_staff_id).in_(ids)),
            col(CalendarItem.start_at) >= start_utc,
            col(CalendarItem.start_at) < end_utc,
            col(CalendarItem.end_at) <= clock.now(),
        )
    ).all()
    found: list[Meeting] = []
    for staff_id, with_id, start, end in items:
        for person in ids.intersection((staff_id, with_id)):
            found.append(Meeting(person, start, end, individual=with_id is not None))
    return found


def hours_report(session: Session, actor: Actor, start: str = "", end: str = "") -> HoursReport:
    """Supervision hours per associate the actor may see, per month from START to END
    ('YYYY-MM'; blank: the last six months). NotFound for someone who may see nobody's."""
    scope, people = _associates(session, actor)
    first, last = month_range(session, start, end)
    zone = practice_tz(session)
    months = months_between(first, last)
    start_utc, end_utc = window(first, last, zone)
    tallies = bucket(meetings(session, people, start_utc, end_utc), zone)
    session.rollback()  # reads only: end the transaction (SQLite holds its write lock)
    rows: list[AssociateHours] = []
    for staff_id, (name, active) in people.items():
        mine = [tallies.get((staff_id, m), Tally()) for m in months]
        row = AssociateHours(
            staff_id=staff_id,
            name=name,
            months=[t.total for t in mine],
            individual=sum(t.individual for t in mine),
            group=sum(t.group for t in mine),
        )
        # A former associate who has left stays listed while the range holds their hours.
        if active or row.total:
            rows.append(row)
    rows.sort(key=lambda r: (r.name.lower(), r.staff_id))
    return HoursReport(
        first=first,
        last=last,
        months=months,
        rows=rows,
        month_totals=[sum(r.months[i] for r in rows) for i in range(len(months))],
        individual=sum(r.individual for r in rows),
        group=sum(r.group for r in rows),
        scope=scope,
    )


def _cell(text: str) -> str:
    # A name a spreadsheet would read as a formula is kept as text.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def hours_csv(report: HoursReport) -> str:
    """The report as CSV: one row per associate, a column per month, then the totals (hours,
    one decimal; empty cells are 0.0 here, as spreadsheets sum them)."""

    def h(seconds: int) -> str:
        return hours_label(seconds) or "0.0"

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        ["Associate", *[f"{m:%Y-%m}" for m in report.months], "Individual", "Group", "Total"]
    )
    for row in report.rows:
        writer.writerow(
            [_cell(row.name), *map(h, row.months), h(row.individual), h(row.group), h(row.total)]
        )
    writer.writerow(
        [
            "All associates",
            *map(h, report.month_totals),
            h(report.individual),
            h(report.group),
            h(report.total),
        ]
    )
    return out.getvalue()
