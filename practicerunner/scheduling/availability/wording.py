"""Times and dates as people type and read them: "9:00", "5:30 pm", "Tuesday 3 March"."""

from __future__ import annotations

import re
from datetime import date, time

from practicerunner.core.validation import FieldError

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

# 24-hour "17:00", "9:30", "09:30:00" (what <input type="time"> posts), or 12-hour "5 pm",
# "5:30pm", "12:15 a.m.".
_TIME = re.compile(
    r"^\s*(?P<h>\d{1,2})(?::(?P<m>\d{2}))?(?::(?P<s>\d{2}))?\s*(?P<ampm>[ap])?\.?\s*(?:m\.?)?\s*$",
    re.IGNORECASE,
)


def parse_time(value: str | time | None, label: str) -> time:
    """A wall-clock time on a whole minute; FieldError with LABEL when it is not one."""
    if isinstance(value, time):
        return value.replace(second=0, microsecond=0)
    raw = (value or "").strip()
    if not raw:
        raise FieldError(f"Enter the {label.lower()} time.")
    match = _TIME.match(raw)
    hint = f"Enter the {label.lower()} time like 09:00 or 5:30 pm."
    if match is None:
        raise FieldError(hint)
    hour, minute = int(match["h"]), int(match["m"] or 0)
    if match["s"] not in (None, "00") or minute > 59:
        raise FieldError(hint)
    if match["ampm"]:
        if not 1 <= hour <= 12:
            raise FieldError(hint)
        hour = hour % 12 + (12 if match["ampm"].lower() == "p" else 0)
    elif hour > 23:
        raise FieldError(hint)
    return time(hour, minute)


def parse_date(value: str | date | None, label: str = "Date") -> date:
    """An ISO date (what <input type="date"> posts)."""
    if isinstance(value, date):
        return value
    raw = (value or "").strip()
    if not raw:
        raise FieldError(f"Enter the {label.lower()}.")
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise FieldError(f"Enter the {label.lower()} like 2026-03-03.") from exc


def hhmm(t: time) -> str:
    """09:00 — the value of a time input."""
    return f"{t.hour:02d}:{t.minute:02d}"


def _clock(t: time) -> tuple[str, str]:
    hour = t.hour % 12 or 12
    return f"{hour}:{t.minute:02d}", "am" if t.hour < 12 else "pm"


def time_label(t: time) -> str:
    """5:00 pm"""
    text, meridiem = _clock(t)
    return f"{text} {meridiem}"


def range_label(start: time, end: time | None) -> str:
    """1:00 – 3:00 pm, 11:00 am – 1:00 pm; END None means the end of the day (midnight)."""
    if end is None:
        return f"{time_label(start)} – midnight"
    (a, am), (b, bm) = _clock(start), _clock(end)
    return f"{a} – {b} {bm}" if am == bm else f"{a} {am} – {b} {bm}"


def day_label(day: date, today: date | None = None) -> str:
    """Tuesday 3 March; the year is added when it is not TODAY's year."""
    text = f"{WEEKDAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]}"
    return text if today is not None and day.year == today.year else f"{text} {day.year}"


def hours_label(minutes: int) -> str:
    """37.5 hours a week"""
    hours = minutes / 60
    shown = f"{hours:.2f}".rstrip("0").rstrip(".")
    return f"{shown} hour{'' if hours == 1 else 's'} a week"
