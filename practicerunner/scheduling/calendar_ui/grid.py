"""Pure helpers for the calendar grid: views, dates, titles, colours, and FullCalendar events.

FullCalendar is given naive practice-local wall times (see scheduling.calendar_component), so
everything here works on "YYYY-MM-DDTHH:MM" strings and plain dates, never on the browser's
zone. In the day view each selected clinician is a column: column k is drawn as the k-th day
after the real day, so `to_column` / `from_column` shift times by whole days.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from practicerunner.scheduling.views import AvailabilityBlock, CalendarEvent

DAY, WEEK, MONTH = "day", "week", "month"
VIEWS = (DAY, WEEK, MONTH)
COLUMNS_VIEW = "clinicianDay"  # a timeGrid of N consecutive dates, one per clinician
FC_VIEWS = {DAY: COLUMNS_VIEW, WEEK: "timeGridWeek", MONTH: "dayGridMonth"}
MAX_COLUMNS = 8  # side by side in the day view; more would be unreadably narrow

# Calm Radix scales, one per clinician (by staff id, so a clinician keeps their colour).
PALETTE = ("teal", "indigo", "amber", "plum", "grass", "crimson", "cyan", "brown")

STATUS_PREFIX = {
    "attended": "✓ ",
    "no_show": "No-show: ",
    "late_cancelled": "Late cancel: ",
    "cancelled_client": "Cancelled: ",
    "cancelled_practice": "Cancelled: ",
}
UNAVAILABLE = "unavailable"


def view_options(columns: int) -> dict[str, Any]:
    """FullCalendar's per-view options: the clinicians-as-columns day view and header formats."""
    return {
        COLUMNS_VIEW: {"type": "timeGrid", "duration": {"days": max(1, columns)}},
        "timeGridWeek": {
            "dayHeaderFormat": {"weekday": "short", "month": "short", "day": "numeric"}
        },
        "dayGridMonth": {"dayHeaderFormat": {"weekday": "short"}},
    }


def colour_of(staff_id: int) -> str:
    return PALETTE[staff_id % len(PALETTE)]


def colour_class(staff_id: int) -> str:
    return f"pr-c-{colour_of(staff_id)}"


def parse_day(value: str | None) -> date | None:
    try:
        return date.fromisoformat((value or "").strip()[:10])
    except ValueError:
        return None


def week_start(day: date) -> date:
    """The Monday of DAY's week (the grid starts weeks on Monday)."""
    return day - timedelta(days=day.weekday())


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def step(view: str, anchor: date, direction: int) -> date:
    """The anchor one view-length before (-1) or after (+1)."""
    if view == MONTH:
        return _add_months(anchor.replace(day=1), direction)
    return anchor + timedelta(days=7 * direction if view == WEEK else direction)


def title(view: str, anchor: date) -> str:
    """'Tuesday 3 March 2026', '2 – 8 March 2026', '30 March – 5 April 2026', 'March 2026'."""
    if view == MONTH:
        return f"{anchor:%B %Y}"
    if view == DAY:
        return f"{anchor:%A} {anchor.day} {anchor:%B %Y}"
    first = week_start(anchor)
    last = first + timedelta(days=6)
    if first.year != last.year:
        return f"{first.day} {first:%b %Y} – {last.day} {last:%b %Y}"
    if first.month != last.month:
        return f"{first.day} {first:%B} – {last.day} {last:%B %Y}"
    return f"{first.day} – {last.day} {last:%B %Y}"


def local_minute(value: str) -> str:
    """'2026-03-03T17:00:00Z' or '2026-03-03T17:00-05:00' → '2026-03-03T17:00'."""
    value = (value or "").strip()
    return value[:16] if len(value) >= 16 and value[10:11] == "T" else value[:10]


def shift(local: str, days: int) -> str:
    """A local 'YYYY-MM-DD…' string moved by DAYS whole days (the time of day unchanged)."""
    if not days:
        return local
    day = date.fromisoformat(local[:10]) + timedelta(days=days)
    return day.isoformat() + local[10:]


def from_column(local: str, day0: date) -> tuple[int, str]:
    """A time on the clinicians-as-columns grid → (column index, the real local time)."""
    minute = local_minute(local)
    column = (date.fromisoformat(minute[:10]) - day0).days
    return column, shift(minute, -column)


def local_day_start_utc(day: date, timezone: str) -> datetime:
    """Midnight at the start of DAY in the practice's zone, as a UTC instant."""
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def event_title(ev: CalendarEvent) -> str:
    """The text on the block: the status is written out, not only coloured."""
    if ev.kind == "appointment":
        return STATUS_PREFIX.get(ev.status, "") + ev.title
    # Other items come titled "Supervision: …" from the service; "Admin: Admin" says it once.
    kind, _, rest = ev.title.partition(": ")
    return kind if rest == kind else ev.title


def fc_event(ev: CalendarEvent, column: int = 0) -> dict[str, Any]:
    """One FullCalendar event (naive local times; shifted to COLUMN in the day view)."""
    classes = ["pr-ev", colour_class(ev.clinician_id)]
    if ev.kind == "appointment":
        classes.append(f"pr-s-{ev.status}")
    else:
        classes += ["pr-item", f"pr-k-{ev.kind}"]
    return {
        "id": ev.id,
        "title": event_title(ev),
        "start": shift(local_minute(ev.start), column),
        "end": shift(local_minute(ev.end), column),
        "classNames": classes,
        "editable": bool(ev.editable),
    }


def revision_marker(revision: int) -> dict[str, Any]:
    """An invisible event that differs on every load.

    Reflex keeps the identity of values that arrive unchanged, and FullCalendar only resets
    its events when the array changes. After a refused drag the server's events are the same
    as before the drag, so without this the grid would keep showing the dropped position.
    """
    return {
        "id": f"rev-{revision}",
        "start": "1970-01-01T00:00",
        "end": "1970-01-01T00:01",
        "display": "none",
    }


def unavailable_events(
    blocks: list[AvailabilityBlock], columns: dict[int, int] | None = None
) -> list[dict[str, Any]]:
    """Grey everything outside the available time: FullCalendar draws the inverse of a group.

    An always-present event far in the past keeps the group alive, so a clinician with no
    hours at all shows as wholly unavailable rather than wholly free. With COLUMNS (clinician
    id → column), each clinician's hours are drawn in their own column; without, the union of
    everyone's hours is white.
    """
    out: list[dict[str, Any]] = [
        {
            "id": "na-0",
            "groupId": UNAVAILABLE,
            "start": "1970-01-01T00:00",
            "end": "1970-01-01T00:01",
            "display": "inverse-background",
            "classNames": ["pr-unavailable"],
        }
    ]
    for n, block in enumerate(blocks, start=1):
        column = 0
        if columns is not None:
            if block.clinician_id not in columns:
                continue
            column = columns[block.clinician_id]
        out.append(
            {
                "id": f"na-{n}",
                "groupId": UNAVAILABLE,
                "start": shift(local_minute(block.start), column),
                "end": shift(local_minute(block.end), column),
                "display": "inverse-background",
                "classNames": ["pr-unavailable"],
            }
        )
    return out


def visible_range(view: str, anchor: date) -> tuple[date, date]:
    """The local dates the grid shows, [start, end): one day, a Monday week, or six weeks
    (FullCalendar's month grid: six weeks from the week holding the 1st)."""
    if view == DAY:
        return anchor, anchor + timedelta(days=1)
    if view == WEEK:
        start = week_start(anchor)
        return start, start + timedelta(days=7)
    start = week_start(anchor.replace(day=1))
    return start, start + timedelta(days=42)
