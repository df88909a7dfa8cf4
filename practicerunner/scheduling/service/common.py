"""Shared pieces of the scheduling service: the practice clock face, scope, locks, labels."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, false, text, true
from sqlmodel import Session, col, select

from practicerunner.core.errors import Conflict, NotFound
from practicerunner.core.permissions import Actor, Perm
from practicerunner.practice.models import Practice, Staff
from practicerunner.scheduling.models import Appointment, AppointmentStatus
from practicerunner.scheduling.recurrence import to_utc
from practicerunner.scheduling.views import ConflictInfo

STATUS_LABELS: dict[str, str] = {
    AppointmentStatus.SCHEDULED: "Scheduled",
    AppointmentStatus.ATTENDED: "Attended",
    AppointmentStatus.NO_SHOW: "No-show",
    AppointmentStatus.LATE_CANCELLED: "Late cancel",
    AppointmentStatus.CANCELLED_CLIENT: "Cancelled by client",
    AppointmentStatus.CANCELLED_PRACTICE: "Cancelled by practice",
}
CANCELLED_STATUSES = frozenset(
    {
        AppointmentStatus.LATE_CANCELLED,
        AppointmentStatus.CANCELLED_CLIENT,
        AppointmentStatus.CANCELLED_PRACTICE,
    }
)
# The longest session or block; bounds the index range scanned for overlaps.
MAX_SPAN = timedelta(hours=24)


class SchedulingConflict(Conflict):
    """A booking or move collides with other time; `info` explains it and offers free times."""

    def __init__(self, info: ConflictInfo) -> None:
        super().__init__("schedule_conflict", info.messages[0] if info.messages else "Conflict.")
        self.info = info


def practice_timezone(session: Session) -> str:
    """The practice's IANA timezone name."""
    return session.exec(select(Practice.timezone)).first() or "UTC"


def practice_zone(session: Session) -> ZoneInfo:
    return ZoneInfo(practice_timezone(session))


def local_to_utc(value: str, timezone: str) -> datetime:
    """'YYYY-MM-DDTHH:MM' practice-local wall time to UTC (DST rules as in recurrence)."""
    local = datetime.fromisoformat(value.strip()[:16])
    if local.tzinfo is not None:
        raise ValueError("expected a local time without offset")
    return to_utc(local.replace(second=0, microsecond=0), timezone)


def iso_local(moment: datetime, zone: ZoneInfo) -> str:
    """An instant as ISO-8601 in the practice zone, with its offset, to the minute."""
    return moment.astimezone(zone).isoformat(timespec="minutes")


def naive_local(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment.astimezone(zone).replace(tzinfo=None)


def clock_label(moment: datetime, zone: ZoneInfo, *, meridiem: bool = True) -> str:
    local = moment.astimezone(zone)
    hour = local.hour % 12 or 12
    text_ = f"{hour}:{local.minute:02d}"
    return f"{text_} {'am' if local.hour < 12 else 'pm'}" if meridiem else text_


def span_label(start: datetime, end: datetime, zone: ZoneInfo) -> str:
    """'5:00 – 5:50 pm', or '11:30 am – 12:20 pm' across noon."""
    a, b = start.astimezone(zone), end.astimezone(zone)
    same_half = (a.hour < 12) == (b.hour < 12) and a.date() == b.date()
    return f"{clock_label(start, zone, meridiem=not same_half)} – {clock_label(end, zone)}"


def date_label(moment: datetime | date, zone: ZoneInfo | None = None) -> str:
    """'Tuesday 3 March 2026'."""
    day = moment.astimezone(zone).date() if isinstance(moment, datetime) else moment
    return f"{day:%A} {day.day} {day:%B %Y}"


def short_label(moment: datetime, zone: ZoneInfo) -> str:
    """'Tue 3 Mar, 6:00 pm'."""
    local = moment.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b}, {clock_label(moment, zone)}"


def reaches_clinician(actor: Actor, perm: Perm, clinician_id: int) -> bool:
    """Whether PERM reaches CLINICIAN_ID's calendar for ACTOR (same rule as cases)."""
    if not actor.can(perm):
        return False
    allowed = actor.clinician_ids(actor.scope(perm))
    return allowed is None or clinician_id in allowed


def clinician_filter(actor: Actor, perm: Perm, column: object) -> ColumnElement[bool]:
    """SQL condition: COLUMN (a clinician id) is a calendar PERM reaches for ACTOR."""
    if not actor.can(perm):
        return false()
    allowed = actor.clinician_ids(actor.scope(perm))
    if allowed is None:
        return true()
    if not allowed:
        return false()
    return col(column).in_(sorted(allowed))  # type: ignore[call-overload]


def get_appointment_for(
    session: Session, actor: Actor, appointment_id: int, perm: Perm = Perm.SCHEDULE_VIEW
) -> Appointment:
    """The appointment if PERM reaches its clinician for ACTOR; otherwise NotFound."""
    appt = session.get(Appointment, appointment_id)
    if appt is None or not reaches_clinician(actor, perm, appt.clinician_id):
        raise NotFound("appointment")
    return appt


def staff_names(session: Session, ids: Iterable[int]) -> dict[int, str]:
    wanted = sorted({i for i in ids if i})
    if not wanted:
        return {}
    rows = session.exec(select(Staff.id, Staff.full_name).where(col(Staff.id).in_(wanted))).all()
    return {int(i): name for i, name in rows}  # type: ignore[arg-type]


# Namespaces of the transaction-scoped advisory locks taken before a conflict check.
_LOCK_SPACE = {"clinician": 7101, "client": 7102, "room": 7103}


def lock_resources(session: Session, resources: Iterable[tuple[str, int]]) -> None:
    """Serialise bookings that touch the same clinician, client or room until commit.

    PostgreSQL: advisory transaction locks, taken in one sorted order so two bookings never
    wait on each other in a cycle. SQLite: a write transaction (BEGIN IMMEDIATE, see core.db)
    already excludes every other writer, so the check and the insert cannot interleave.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    wanted = sorted({(_LOCK_SPACE[kind], int(ident)) for kind, ident in resources})
    if not wanted:
        return
    # One round trip for all of them; the inner ORDER BY fixes the order they are taken in.
    session.execute(
        text(
            "SELECT count(pg_advisory_xact_lock(s, i)) FROM ("
            " SELECT s, i FROM unnest(CAST(:spaces AS int[]), CAST(:ids AS int[])) AS t(s, i)"
            " ORDER BY s, i) AS ordered"
        ),
        {"spaces": [w[0] for w in wanted], "ids": [w[1] for w in wanted]},
    )


def lock_slot(
    session: Session, clinician_id: int, client_ids: Iterable[int], room_id: int | None
) -> None:
    """Lock what a session holds: its clinician, its attending clients and its room."""
    resources = [("clinician", clinician_id), *(("client", c) for c in client_ids)]
    if room_id is not None:
        resources.append(("room", room_id))
    lock_resources(session, resources)


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)
