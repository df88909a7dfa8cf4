"""Conflict checks: who and what is already busy, what is merely outside hours, what is free.

Hard conflicts (the same clinician, an attending client, or a room at the same time) refuse a
booking unless staff give a reason to double-book on purpose. Soft ones (outside working
hours, inside the clinician's buffer) only warn: a reason books anyway. The database has the
last word on clinicians (scheduling.constraints); these checks exist to explain and to offer
the next free times.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from sqlalchemy import CompoundSelect, Integer, bindparam, literal, or_, union_all
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from practicerunner.clients.models import Client
from practicerunner.core.db import UTCDateTime
from practicerunner.scheduling.models import (
    BLOCKING_STATUSES,
    Appointment,
    AppointmentAttendee,
    CalendarItem,
    ClinicianSettings,
    Room,
)
from practicerunner.scheduling.service.common import (
    MAX_SPAN,
    clock_label,
    iso_local,
    short_label,
    span_label,
    staff_names,
)
from practicerunner.scheduling.views import ConflictInfo

_KIND_WORDS = {"supervision": "supervision", "admin": "an admin block", "personal": "time off"}


@dataclass(frozen=True)
class Slot:
    """A proposed time for a clinician, the attending clients and (maybe) a room."""

    clinician_id: int
    start: datetime
    end: datetime
    client_ids: tuple[int, ...] = ()
    room_id: int | None = None
    ignore_appointments: frozenset[int] = field(default_factory=frozenset)
    ignore_items: frozenset[int] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Busy:
    start: datetime
    end: datetime
    what: str  # "clinician" | "client" | "room"
    who: int
    kind: str  # "session" or a calendar item kind


@cache
def _busy_statement(with_clients: bool, with_room: bool) -> CompoundSelect:
    """One UNION ALL for the clinician's sessions and blocks, the clients' and the room's
    sessions; built once per shape with bound parameters (building and hashing a four-part
    statement on every check cost more than running it)."""
    cid, lo = bindparam("cid", type_=Integer), bindparam("lo", type_=UTCDateTime)
    start, end = bindparam("start", type_=UTCDateTime), bindparam("end", type_=UTCDateTime)
    overlap = (
        col(Appointment.start_at) > lo,
        col(Appointment.start_at) < end,
        col(Appointment.end_at) > start,
        col(Appointment.status).in_(BLOCKING_STATUSES),
    )
    parts = [
        sa_select(  # type: ignore[call-overload]
            literal("clinician").label("what"),
            cid.label("who"),
            col(Appointment.id).label("ref"),
            literal("session").label("kind"),
            Appointment.start_at,
            Appointment.end_at,
        ).where(col(Appointment.clinician_id) == cid, *overlap),
        sa_select(  # type: ignore[call-overload]
            literal("item"),
            cid,
            CalendarItem.id,
            CalendarItem.kind,
            CalendarItem.start_at,
            CalendarItem.end_at,
        ).where(
            or_(col(CalendarItem.staff_id) == cid, col(CalendarItem.with_staff_id) == cid),
            col(CalendarItem.start_at) > lo,
            col(CalendarItem.start_at) < end,
            col(CalendarItem.end_at) > start,
            col(CalendarItem.is_cancelled).is_(False),
        ),
    ]
    if with_clients:
        parts.append(
            sa_select(  # type: ignore[call-overload]
                literal("client"),
                AppointmentAttendee.client_id,
                Appointment.id,
                literal("session"),
                Appointment.start_at,
                Appointment.end_at,
            )
            .join(AppointmentAttendee, col(AppointmentAttendee.appointment_id) == Appointment.id)
            .where(
                col(AppointmentAttendee.client_id).in_(bindparam("clients", expanding=True)),
                *overlap,
            )
        )
    if with_room:
        room = bindparam("room", type_=Integer)
        parts.append(
            sa_select(  # type: ignore[call-overload]
                literal("room"),
                room,
                Appointment.id,
                literal("session"),
                Appointment.start_at,
                Appointment.end_at,
            ).where(col(Appointment.room_id) == room, *overlap)
        )
    return union_all(*parts)


def busy_intervals(
    session: Session,
    *,
    clinician_id: int,
    client_ids: Sequence[int],
    room_id: int | None,
    start: datetime,
    end: datetime,
    ignore_appointments: Iterable[int] = (),
    ignore_items: Iterable[int] = (),
) -> list[Busy]:
    """Everything that holds the clinician, the clients or the room between START and END."""
    skip_a = set(ignore_appointments)
    skip_i = set(ignore_items)
    clients = sorted(set(client_ids))
    statement = _busy_statement(bool(clients), room_id is not None)
    params: dict[str, object] = {
        "cid": clinician_id,
        "lo": start - MAX_SPAN,  # bounds the index range: nothing lasts longer than MAX_SPAN
        "start": start,
        "end": end,
        "clients": clients,
        "room": room_id,
    }
    found: list[Busy] = []
    for what, who, ref, kind, s0, e0 in session.execute(statement, params).all():
        if (ref in skip_i) if what == "item" else (ref in skip_a):
            continue
        found.append(
            Busy(_utc(s0), _utc(e0), "clinician" if what == "item" else what, int(who), kind)
        )
    return found


def _utc(value: datetime | str) -> datetime:
    """A UNION's time column comes back as the driver gives it: make it an aware UTC datetime."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _overlaps(busy: Busy, start: datetime, end: datetime) -> bool:
    return busy.start < end and busy.end > start


def hard_conflicts(session: Session, slot: Slot, zone: ZoneInfo) -> list[str]:
    """Plain-language reasons SLOT cannot be booked; empty when it is free."""
    busy = busy_intervals(
        session,
        clinician_id=slot.clinician_id,
        client_ids=slot.client_ids,
        room_id=slot.room_id,
        start=slot.start,
        end=slot.end,
        ignore_appointments=slot.ignore_appointments,
        ignore_items=slot.ignore_items,
    )
    return describe(session, [b for b in busy if _overlaps(b, slot.start, slot.end)], zone)


def describe(session: Session, busy: Sequence[Busy], zone: ZoneInfo) -> list[str]:
    """One sentence per busy interval: 'Olivia Bennett already has a session 5:00 – 5:50 pm.'"""
    staff = staff_names(session, [b.who for b in busy if b.what == "clinician"])
    client_ids = sorted({b.who for b in busy if b.what == "client"})
    clients = (
        {
            cid: f"{preferred or first} {last}"
            for cid, preferred, first, last in session.execute(
                select(
                    Client.id,
                    Client.preferred_name,
                    Client.legal_first_name,
                    Client.legal_last_name,
                ).where(col(Client.id).in_(client_ids))
            ).all()
        }
        if client_ids
        else {}
    )
    room_ids = sorted({b.who for b in busy if b.what == "room"})
    rooms = (
        {r.id: r.name for r in session.exec(select(Room).where(col(Room.id).in_(room_ids)))}
        if room_ids
        else {}
    )
    out: list[str] = []
    order = {"clinician": 0, "client": 1, "room": 2}
    for b in sorted(busy, key=lambda b: (b.start, order[b.what], b.who)):
        when = f"{short_label(b.start, zone).split(',')[0]}, {span_label(b.start, b.end, zone)}"
        if b.what == "clinician":
            thing = "a session" if b.kind == "session" else _KIND_WORDS.get(b.kind, "a block")
            msg = f"{staff.get(b.who, 'The clinician')} already has {thing} {when}."
        elif b.what == "client":
            msg = f"{clients.get(b.who, 'A client')} already has a session {when}."
        else:
            msg = f"{rooms.get(b.who, 'The room')} is booked {when}."
        if msg not in out:
            out.append(msg)
    return out


def buffer_minutes(session: Session, clinician_id: int) -> int:
    settings = session.get(ClinicianSettings, clinician_id)
    return settings.buffer_minutes if settings else 0


def soft_warnings(session: Session, slot: Slot, zone: ZoneInfo) -> list[str]:
    """Warnings a reason can override: outside working hours, inside the buffer."""
    warnings: list[str] = []
    outside = _outside_hours(session, slot)
    if outside:
        warnings.append(outside)
    buffer = buffer_minutes(session, slot.clinician_id)
    if buffer:
        pad = timedelta(minutes=buffer)
        near = busy_intervals(
            session,
            clinician_id=slot.clinician_id,
            client_ids=(),
            room_id=None,
            start=slot.start - pad,
            end=slot.end + pad,
            ignore_appointments=slot.ignore_appointments,
            ignore_items=slot.ignore_items,
        )
        if any(b.kind == "session" and not _overlaps(b, slot.start, slot.end) for b in near):
            names = staff_names(session, [slot.clinician_id])
            who = names.get(slot.clinician_id, "The clinician")
            warnings.append(f"{who} keeps {buffer} minutes free between sessions.")
    return warnings


def _outside_hours(session: Session, slot: Slot) -> str | None:
    try:
        from practicerunner.scheduling import availability
    except ImportError:  # availability rules not installed in this build
        return None
    fn = getattr(availability, "outside_hours", None)
    return fn(session, slot.clinician_id, slot.start, slot.end) if fn else None


def next_free_times(
    session: Session,
    slot: Slot,
    zone: ZoneInfo,
    *,
    count: int = 3,
    days: int = 14,
    step_minutes: int = 15,
) -> list[datetime]:
    """The next COUNT starts after SLOT's start where the same length of session fits.

    Free means no hard conflict, inside working hours (if the clinician has any), and the
    clinician's buffer kept. Without working hours, 8 am to 8 pm local counts as bookable.
    """
    length = slot.end - slot.start
    horizon = slot.start + timedelta(days=days)
    buffer = timedelta(minutes=buffer_minutes(session, slot.clinician_id))
    busy = busy_intervals(
        session,
        clinician_id=slot.clinician_id,
        client_ids=slot.client_ids,
        room_id=slot.room_id,
        start=slot.start,
        end=horizon + length,
        ignore_appointments=slot.ignore_appointments,
        ignore_items=slot.ignore_items,
    )
    blocks = _available(session, slot.clinician_id, slot.start, horizon + length)
    step = timedelta(minutes=step_minutes)
    local = slot.start.astimezone(zone)
    # First candidate: the next step boundary after the requested start.
    minute = (local.minute // step_minutes + 1) * step_minutes
    candidate = local.replace(minute=0, second=0, microsecond=0) + timedelta(minutes=minute)
    found: list[datetime] = []
    while candidate < horizon and len(found) < count:
        start, end = candidate, candidate + length
        if _fits(start, end, blocks, zone) and not any(
            b.start
            < end + (buffer if b.what == "clinician" and b.kind == "session" else timedelta())
            and b.end
            > start - (buffer if b.what == "clinician" and b.kind == "session" else timedelta())
            for b in busy
        ):
            found.append(start)
            candidate = end  # suggest different parts of the day, not 5:15, 5:30, 5:45
            continue
        candidate = (candidate + step).astimezone(zone)
    return found


def _available(
    session: Session, clinician_id: int, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]] | None:
    try:
        from practicerunner.scheduling import availability
    except ImportError:
        return None
    fn = getattr(availability, "available_blocks", None)
    if fn is None:
        return None
    blocks = fn(session, [clinician_id], start, end)
    if not blocks:  # no working hours set up at all: any reasonable daytime is bookable
        return None
    return [(datetime.fromisoformat(b.start), datetime.fromisoformat(b.end)) for b in blocks]


def _fits(
    start: datetime,
    end: datetime,
    blocks: list[tuple[datetime, datetime]] | None,
    zone: ZoneInfo,
) -> bool:
    if blocks is None:
        a, b = start.astimezone(zone), end.astimezone(zone)
        return a.date() == b.date() and a.time() >= time(8) and (b.time() <= time(20))
    return any(s <= start and end <= e for s, e in blocks)


def conflict_info(
    session: Session,
    slot: Slot,
    zone: ZoneInfo,
    *,
    hard: list[str],
    soft: list[str],
    can_override: bool,
) -> ConflictInfo:
    """The conflict panel's content: reasons, the next free times, and whether to override."""
    starts = next_free_times(session, slot, zone) if hard or soft else []
    return ConflictInfo(
        messages=[*hard, *soft],
        suggestions=[iso_local(s, zone)[:16] for s in starts],
        suggestion_labels=[short_label(s, zone) for s in starts],
        can_override=can_override,
        outside_hours_only=not hard,
    )


__all__ = [
    "Busy",
    "Slot",
    "busy_intervals",
    "clock_label",
    "conflict_info",
    "describe",
    "hard_conflicts",
    "next_free_times",
    "soft_warnings",
]
