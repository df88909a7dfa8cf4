"""A lean iCalendar (RFC 5545) writer for feeds of a few thousand events.

icalendar builds the calendar's own properties and the VTIMEZONE (cached: working out a
zone's transitions takes tens of milliseconds) and escapes every text value. The events
themselves are written line by line here: icalendar's generic component serialiser costs
about 200 µs per event (0.4 s for 2,000), four times a feed's whole budget, while the
handful of properties a feed event has are simple to write exactly. The tests parse every
feed back with icalendar, so both halves are held to the same reader.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

from icalendar import Calendar, Timezone, vDuration, vText

CRLF = "\r\n"
LINE_OCTETS = 75  # RFC 5545 §3.1: lines SHOULD NOT be longer than 75 octets


def fold(line: str) -> str:
    """LINE folded into 75-octet pieces (continuations start with a space), never splitting
    a UTF-8 character; ends with CRLF."""
    if len(line) <= LINE_OCTETS and line.isascii():
        return line + CRLF
    if len(line.encode()) <= LINE_OCTETS:
        return line + CRLF
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    limit = LINE_OCTETS
    for ch in line:
        width = len(ch.encode())
        if size + width > limit:
            pieces.append("".join(current))
            current, size = [], 0
            limit = LINE_OCTETS - 1  # a continuation line starts with one space
        current.append(ch)
        size += width
    pieces.append("".join(current))
    return (CRLF + " ").join(pieces) + CRLF


@lru_cache(maxsize=4096)
def text(value: str) -> str:
    """VALUE escaped as an iCalendar TEXT value (backslash, semicolon, comma, newline)."""
    return vText(value).to_ical().decode()


@lru_cache(maxsize=4096)
def text_line(name: str, value: str) -> str:
    """A folded NAME:VALUE content line for a TEXT value (feeds repeat a few values a lot)."""
    return fold(f"{name}:{text(value)}")


def _compact(iso: str) -> str:
    """'2026-03-01T09:00:00…' -> '20260301T090000'."""
    return iso[0:4] + iso[5:7] + iso[8:13] + iso[14:16] + iso[17:19]


def utc_stamp(moment: datetime) -> str:
    """An aware datetime as a UTC DATE-TIME, e.g. 20260301T170000Z."""
    return _compact(moment.astimezone(UTC).isoformat()) + "Z"


def local_stamp(moment: datetime, tz: ZoneInfo) -> str:
    """An aware datetime as local wall time in TZ (used with a TZID parameter)."""
    return _compact(moment.astimezone(tz).isoformat())


def _time_line(name: str, moment: datetime, tz: ZoneInfo, tzid: str) -> str:
    """DTSTART/DTEND for MOMENT: local time with TZID, or UTC in the repeated hour."""
    if moment.astimezone(tz).fold:
        return f"{name}:{utc_stamp(moment)}\r\n"
    return fold(f"{name};TZID={tzid}:{local_stamp(moment, tz)}")


class IcsEvent(NamedTuple):
    """One VEVENT, with only what a feed shows. Times are aware datetimes (stored as UTC)."""

    uid: str
    summary: str
    start: datetime
    end: datetime
    stamp: datetime  # last change (DTSTAMP and LAST-MODIFIED in a published feed)
    sequence: int
    cancelled: bool
    location: str = ""


_CONFIRMED = "SEQUENCE:{}\r\nSTATUS:CONFIRMED\r\nCLASS:PRIVATE\r\nTRANSP:OPAQUE\r\nEND:VEVENT\r\n"
_CANCELLED = (
    "SEQUENCE:{}\r\nSTATUS:CANCELLED\r\nCLASS:PRIVATE\r\nTRANSP:TRANSPARENT\r\nEND:VEVENT\r\n"
)


def events_text(events: Iterable[IcsEvent], tz: ZoneInfo, tzid: str) -> str:
    """EVENTS as VEVENT content lines, CRLF-terminated.

    CLASS:PRIVATE: anyone the calendar is shared with sees busy time, not the title.
    A cancelled event no longer blocks time (TRANSP:TRANSPARENT).
    """
    stamps: dict[datetime, str] = {}

    def utc(moment: datetime) -> str:
        found = stamps.get(moment)
        if found is None:
            found = stamps[moment] = utc_stamp(moment)
        return found

    long_tzid = len(tzid) > 40  # DTSTART lines then need folding
    out: list[str] = []
    for e in events:
        stamp = utc(e.stamp)
        local_start, local_end = e.start.astimezone(tz), e.end.astimezone(tz)
        if local_start.fold or local_end.fold:
            # The repeated hour when clocks go back: a TZID wall time there means the first
            # occurrence (RFC 5545 3.3.5), so the second one is written in UTC instead.
            times = _time_line("DTSTART", e.start, tz, tzid) + _time_line("DTEND", e.end, tz, tzid)
        else:
            start, end = _compact(local_start.isoformat()), _compact(local_end.isoformat())
            times = f"DTSTART;TZID={tzid}:{start}\r\nDTEND;TZID={tzid}:{end}\r\n"
            if long_tzid:
                times = fold(f"DTSTART;TZID={tzid}:{start}") + fold(f"DTEND;TZID={tzid}:{end}")
        out.append(
            "BEGIN:VEVENT\r\n"
            + text_line("UID", e.uid)
            + f"DTSTAMP:{stamp}\r\nLAST-MODIFIED:{stamp}\r\n"
            + times
            + text_line("SUMMARY", e.summary)
            + (text_line("LOCATION", e.location) if e.location else "")
            + (_CANCELLED if e.cancelled else _CONFIRMED).format(int(e.sequence))
        )
    return "".join(out)


@lru_cache(maxsize=64)
def vtimezone(tzid: str, first: date, last: date) -> str:
    """The VTIMEZONE for TZID covering FIRST..LAST, as content lines (cached)."""
    return Timezone.from_tzid(tzid, first_date=first, last_date=last).to_ical().decode()


@dataclass(frozen=True)
class CalendarHead:
    name: str  # X-WR-CALNAME / NAME
    description: str
    tzid: str
    first: date  # the window, for the VTIMEZONE's transitions
    last: date
    refresh: timedelta = timedelta(minutes=30)


@lru_cache(maxsize=256)
def _head(head: CalendarHead) -> tuple[str, str]:
    """The calendar's opening lines (with the VTIMEZONE) and its closing line."""
    cal = Calendar()
    cal.add("prodid", "-//PracticeRunner//Calendar feed//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("name", head.name)
    cal.add("x-wr-calname", head.name)
    cal.add("x-wr-caldesc", head.description)
    cal.add("x-wr-timezone", head.tzid)
    cal.add("refresh-interval", head.refresh, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", vDuration(head.refresh).to_ical().decode())
    whole = cal.to_ical().decode()
    end = "END:VCALENDAR" + CRLF
    assert whole.endswith(end)
    opening = whole[: -len(end)] + vtimezone(
        head.tzid, head.first - timedelta(days=1), head.last + timedelta(days=1)
    )
    return opening, end


def calendar_bytes(head: CalendarHead, events: Iterable[IcsEvent]) -> bytes:
    """A whole VCALENDAR: HEAD's properties, its VTIMEZONE, then EVENTS."""
    opening, end = _head(head)
    return (opening + events_text(events, ZoneInfo(head.tzid), head.tzid) + end).encode()
