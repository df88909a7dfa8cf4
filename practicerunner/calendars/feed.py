"""Building a calendar feed from its token: what a calendar app gets at /calendar/<token>.ics.

What leaves the practice: session times, "Session" (or the attending clients' initials when
the clinician chose them), the location's name or "Telehealth", the kind of other calendar
items ("Supervision", "Admin", "Personal") and, for supervision, the colleague's name. Never
a client's name, a case title, a service, a note, a presenting concern, a client's address,
or the free-text title of a calendar item: that title is typed by anyone who books the item
and can say more than it should ("Call J. Smith's mother"), and a feed leaves for Google,
Apple or Microsoft, where the practice cannot take it back.

The window is local midnight 30 days ago to local midnight 181 days ahead, in the practice's
timezone, so it moves once a day. The ETag is computed before any event is read: a hash of
the feed's own settings, the window's first day and, for each of appointments and calendar
items in the window, their count and latest `updated_at` (index range scans on
(clinician_id, start_at) and (staff_id / with_staff_id, start_at)). Any edit raises
`updated_at`; a deleted row lowers the count; a row moved in or out changes one or the other.
An unchanged feed therefore answers 304 after two prepared statements (`_FIND`, `_COUNTS`).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, exists, func, literal, or_, select, union_all, update
from sqlmodel import Session, col

from practicerunner.calendars.ics import CalendarHead, IcsEvent, calendar_bytes
from practicerunner.calendars.models import CalendarFeed, FeedLabel, FeedScope
from practicerunner.calendars.service import hash_token, roles_allow
from practicerunner.clients.models import Client
from practicerunner.core.permissions import Role
from practicerunner.core.settings import get_settings
from practicerunner.practice.models import Location, LocationKind, Practice, Staff, StaffRole
from practicerunner.scheduling.models import (
    Appointment,
    AppointmentAttendee,
    AppointmentStatus,
    CalendarItem,
    CalendarItemKind,
    Room,
)

DAYS_BACK = 30
DAYS_AHEAD = 180
# Record a fetch at most this often: a calendar app polls every few minutes, and a write on
# every poll would cost the 304 its speed (and the database its quiet).
FETCH_RECORD_EVERY = timedelta(hours=1)
# Bump when the feed's content changes shape, so every calendar app fetches it again.
FORMAT_VERSION = "2"
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(32)

CANCELLED_STATUSES = frozenset(
    {
        AppointmentStatus.LATE_CANCELLED.value,
        AppointmentStatus.CANCELLED_CLIENT.value,
        AppointmentStatus.CANCELLED_PRACTICE.value,
    }
)
ITEM_LABELS = {
    CalendarItemKind.SUPERVISION.value: "Supervision",
    CalendarItemKind.ADMIN.value: "Admin",
    CalendarItemKind.PERSONAL.value: "Personal",
}


@dataclass(frozen=True)
class FeedResult:
    """A feed reply: `body` is None when the caller's If-None-Match still matches (304)."""

    etag: str  # the ETag header value, e.g. W/"3f2a…"
    body: bytes | None

    @property
    def not_modified(self) -> bool:
        return self.body is None


@dataclass(frozen=True)
class Window:
    first: date  # local days, inclusive
    last: date
    start: datetime  # UTC instants: [start, end)
    end: datetime


def feed_window(now: datetime, tz: ZoneInfo) -> Window:
    today = now.astimezone(tz).date()
    first, last = today - timedelta(days=DAYS_BACK), today + timedelta(days=DAYS_AHEAD)
    start = datetime.combine(first, time(0), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    return Window(first, last, start, end)


def initials(first: str, last: str) -> str:
    """Initials like "J.R." for Jane Roe: the first letter of each legal name, no more."""

    def letter(name: str) -> str:
        return next((ch.upper() for ch in name if ch.isalpha()), "")

    return "".join(f"{x}." for x in (letter(first), letter(last)) if x) or "?"


def matches(if_none_match: str | None, etag: str) -> bool:
    """Weak comparison (RFC 9110 §13.1.2) of an If-None-Match header with ETAG."""
    if not if_none_match:
        return False
    ours = etag.removeprefix("W/")
    for tag in if_none_match.split(","):
        tag = tag.strip()
        if tag == "*" or tag.removeprefix("W/") == ours:
            return True
    return False


@dataclass(frozen=True)
class _Feed:
    id: int
    staff_id: int
    scope: str
    label: str
    staff_name: str
    last_fetched_at: datetime | None
    practice_name: str
    timezone: str


def _roles_for(scope: str) -> list[str]:
    """The roles that may have a feed of SCOPE (from the same rule the service applies)."""
    return [r.value for r in Role if roles_allow({r}, scope)]


def _may(scope: str) -> Any:
    return exists(
        select(literal(1)).where(
            col(StaffRole.staff_id) == CalendarFeed.staff_id,
            col(StaffRole.role).in_(_roles_for(scope)),
        )
    )


# Built once: a 304 is answered with these two statements and nothing else.
_FIND = (
    select(
        col(CalendarFeed.id),
        col(CalendarFeed.staff_id),
        col(CalendarFeed.scope),
        col(CalendarFeed.label),
        col(Staff.full_name),
        col(CalendarFeed.last_fetched_at),
        select(col(Practice.name)).order_by(col(Practice.id)).limit(1).scalar_subquery(),
        select(col(Practice.timezone)).order_by(col(Practice.id)).limit(1).scalar_subquery(),
        _may(FeedScope.OWN),
        _may(FeedScope.PRACTICE),
    )
    .join(Staff, col(Staff.id) == CalendarFeed.staff_id)
    .where(
        col(CalendarFeed.token_hash) == bindparam("token_hash"),
        col(CalendarFeed.revoked_at).is_(None),
        col(Staff.is_active).is_(True),
    )
)


def _find(session: Session, token: str) -> _Feed | None:
    """The live feed for TOKEN whose owner may still have it; None otherwise."""
    if not TOKEN_SHAPE.fullmatch(token or ""):
        return None
    row = session.connection().execute(_FIND, {"token_hash": hash_token(token)}).first()
    if row is None:
        return None
    feed_id, staff_id, scope, label, name, fetched, practice, tz_name, may_own, may_practice = row
    if not (may_own if scope == FeedScope.OWN else may_practice):
        return None
    return _Feed(
        feed_id,
        staff_id,
        scope,
        label,
        name,
        fetched,
        practice or "",
        tz_name or "America/New_York",
    )


_START: Any = bindparam("start")
_END: Any = bindparam("end")
_STAFF: Any = bindparam("staff_id")


def _appointment_filter(scope: str) -> list[Any]:
    where = [col(Appointment.start_at) >= _START, col(Appointment.start_at) < _END]
    if scope == FeedScope.OWN:
        where.append(col(Appointment.clinician_id) == _STAFF)
    return where


def _item_filter(scope: str) -> list[Any]:
    where = [col(CalendarItem.start_at) >= _START, col(CalendarItem.start_at) < _END]
    if scope == FeedScope.OWN:
        where.append(
            or_(col(CalendarItem.staff_id) == _STAFF, col(CalendarItem.with_staff_id) == _STAFF)
        )
    return where


_COUNTS: dict[str, Any] = {
    scope: union_all(
        select(literal(0), func.count(), func.max(col(Appointment.updated_at))).where(
            *_appointment_filter(scope)
        ),
        select(literal(1), func.count(), func.max(col(CalendarItem.updated_at))).where(
            *_item_filter(scope)
        ),
    )
    for scope in (FeedScope.OWN.value, FeedScope.PRACTICE.value)
}


def _params(feed: _Feed, window: Window) -> dict[str, Any]:
    return {"start": window.start, "end": window.end, "staff_id": feed.staff_id}


def _etag(session: Session, feed: _Feed, window: Window) -> str:
    parts = [FORMAT_VERSION, str(feed.id), feed.scope, feed.label, feed.staff_name]
    parts += [feed.practice_name, feed.timezone, window.first.isoformat()]
    counts = session.connection().execute(_COUNTS[feed.scope], _params(feed, window))
    for _kind, count, latest in sorted(counts.all()):
        parts += [str(count), str(latest)]
    return 'W/"' + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32] + '"'


def _record_fetch(session: Session, feed: _Feed, now: datetime) -> None:
    if feed.last_fetched_at is not None and now - feed.last_fetched_at < FETCH_RECORD_EVERY:
        return
    session.execute(
        update(CalendarFeed)
        .where(
            col(CalendarFeed.id) == feed.id,
            or_(
                col(CalendarFeed.last_fetched_at).is_(None),
                col(CalendarFeed.last_fetched_at) < now - FETCH_RECORD_EVERY,
            ),
        )
        .values(last_fetched_at=now)
    )
    session.commit()


def render_feed(
    session: Session, token: str, now: datetime, *, if_none_match: str | None = None
) -> FeedResult | None:
    """The feed for TOKEN at NOW; None for an unknown, revoked or malformed token (404).

    With IF_NONE_MATCH equal to the current ETag, no event is read and `body` is None (304).
    """
    feed = _find(session, token)
    if feed is None:
        return None
    window = feed_window(now, ZoneInfo(feed.timezone))
    etag = _etag(session, feed, window)
    if matches(if_none_match, etag):
        _record_fetch(session, feed, now)
        return FeedResult(etag=etag, body=None)
    body = _build(session, feed, window)
    _record_fetch(session, feed, now)
    return FeedResult(etag=etag, body=body)


def _uid_host() -> str:
    return urlparse(get_settings().public_url).hostname or "practicerunner"


def _build(session: Session, feed: _Feed, w: Window) -> bytes:
    practice_wide = feed.scope == FeedScope.PRACTICE
    host = _uid_host()
    conn = session.connection()
    params = _params(feed, w)
    places = {
        loc_id: ("Telehealth" if kind == LocationKind.TELEHEALTH else name)
        for loc_id, name, kind in conn.execute(
            select(col(Location.id), col(Location.name), col(Location.kind))
        )
    }
    appointments = conn.execute(
        select(
            col(Appointment.id),
            col(Appointment.clinician_id),
            col(Appointment.start_at),
            col(Appointment.end_at),
            col(Appointment.status),
            col(Appointment.sequence),
            col(Appointment.updated_at),
            col(Appointment.location_id),
            col(Appointment.room_id),
        )
        .where(*_appointment_filter(feed.scope))
        .order_by(col(Appointment.start_at), col(Appointment.id)),
        params,
    ).all()
    items = conn.execute(
        select(
            col(CalendarItem.id),
            col(CalendarItem.staff_id),
            col(CalendarItem.with_staff_id),
            col(CalendarItem.kind),
            col(CalendarItem.start_at),
            col(CalendarItem.end_at),
            col(CalendarItem.is_cancelled),
            col(CalendarItem.sequence),
            col(CalendarItem.updated_at),
        )
        .where(*_item_filter(feed.scope))
        .order_by(col(CalendarItem.start_at), col(CalendarItem.id)),
        params,
    ).all()
    rooms: dict[int | None, str] = {}
    if any(a.room_id for a in appointments):
        rooms = dict(conn.execute(select(col(Room.id), col(Room.name))).tuples().all())
    names: dict[int | None, str] = {}
    if practice_wide or any(i.with_staff_id for i in items):
        names = dict(conn.execute(select(col(Staff.id), col(Staff.full_name))).tuples().all())
    who: dict[int, list[str]] = {}
    if feed.label == FeedLabel.INITIALS:
        attendees = conn.execute(
            select(
                col(AppointmentAttendee.appointment_id),
                col(Client.legal_first_name),
                col(Client.legal_last_name),
            )
            .join(Client, col(Client.id) == AppointmentAttendee.client_id)
            .join(Appointment, col(Appointment.id) == AppointmentAttendee.appointment_id)
            .where(*_appointment_filter(feed.scope))
            .order_by(col(AppointmentAttendee.appointment_id), col(AppointmentAttendee.client_id)),
            params,
        ).all()
        seen: dict[tuple[str, str], str] = {}
        for appointment_id, first, last in attendees:
            key = (first, last)
            short = seen.get(key) or seen.setdefault(key, initials(first, last))
            who.setdefault(appointment_id, []).append(short)

    events: list[IcsEvent] = []
    for a_id, clinician_id, start, end, status, seq, updated, loc, room in appointments:
        summary = "Session"
        if a_id in who:
            summary += " — " + ", ".join(who[a_id])
        cancelled = status in CANCELLED_STATUSES
        if cancelled:
            summary = "Cancelled: " + summary
        if practice_wide:
            summary += " · " + names.get(clinician_id, "")
        place = places.get(loc, "")
        if room and place != "Telehealth" and rooms.get(room):
            place = f"{place}, {rooms[room]}"
        events.append(
            IcsEvent(
                f"appointment-{a_id}@{host}",
                summary,
                start,
                end,
                updated,
                seq,
                cancelled,
                place,
            )
        )
    for i in items:
        summary = ITEM_LABELS.get(i.kind, "Busy")
        if practice_wide:
            summary += " · " + names.get(i.staff_id, "")
            if i.with_staff_id:
                summary += " with " + names.get(i.with_staff_id, "")
        elif i.with_staff_id:
            other = i.with_staff_id if i.staff_id == feed.staff_id else i.staff_id
            summary += " with " + names.get(other, "")
        if i.is_cancelled:
            summary = "Cancelled: " + summary
        events.append(
            IcsEvent(
                uid=f"item-{i.id}@{host}",
                summary=summary,
                start=i.start_at,
                end=i.end_at,
                stamp=i.updated_at,
                sequence=i.sequence,
                cancelled=i.is_cancelled,
            )
        )
    events.sort(key=lambda e: e.start)
    whose = "all clinicians" if practice_wide else feed.staff_name
    head = CalendarHead(
        name=f"{feed.practice_name} — {whose}" if feed.practice_name else whose,
        description="Session times from PracticeRunner. No client names or clinical details.",
        tzid=feed.timezone,
        first=w.first,
        last=w.last,
    )
    return calendar_bytes(head, events)
