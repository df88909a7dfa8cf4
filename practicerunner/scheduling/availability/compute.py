"""When a clinician is available, worked out from the rules alone: pure, no database.

The rules are wall-clock times in the practice's timezone ("Mondays 9 to 5" means 9 on the
office clock all year), so each local day is built on its own and only then turned into UTC
instants with `recurrence.to_utc` (a time in the spring-forward gap moves forward by the gap,
an ambiguous one takes the first instant). The set arithmetic happens on UTC instants, so
the days around a DST change come out right: a 9-to-5 day is 8 hours long on the day the
clocks change too, and a block that the change turns inside out is simply empty.

For each local day:
    available = (weekly hours for that weekday, or the whole day when the clinician has no
                 weekly hours at all) + extra hours
                minus time off (the whole day, or the hours given), minus practice holidays
A clinician with no weekly hours counts as always available, so a new practice is not
warned about every booking; their time off and the practice's holidays still count.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from practicerunner.scheduling.models import ExceptionKind
from practicerunner.scheduling.recurrence import to_utc


@dataclass(frozen=True)
class WeeklyRule:
    """One block of weekly hours: weekday (Monday 0), local start and end, where."""

    weekday: int
    start: time
    end: time
    location_id: int | None = None


@dataclass(frozen=True)
class DatedRule:
    """Time off (START/END None: the whole day) or extra hours on one local date."""

    on_date: date
    kind: str  # ExceptionKind
    start: time | None = None
    end: time | None = None
    location_id: int | None = None

    @property
    def whole_day(self) -> bool:
        return self.start is None or self.end is None


@dataclass
class Rules:
    """Everything that decides one clinician's availability (holidays are the practice's)."""

    weekly: Sequence[WeeklyRule] = ()
    dated: Mapping[date, Sequence[DatedRule]] = field(default_factory=dict)

    @classmethod
    def of(cls, weekly: Iterable[WeeklyRule], dated: Iterable[DatedRule]) -> Rules:
        by_day: dict[date, list[DatedRule]] = defaultdict(list)
        for rule in dated:
            by_day[rule.on_date].append(rule)
        return cls(tuple(weekly), dict(by_day))


@dataclass(frozen=True, order=True)
class Span:
    """Available time: UTC instants, half-open [start, end)."""

    start: datetime
    end: datetime
    location_id: int | None = None


def _instant(day: date, t: time | None, timezone: str) -> datetime:
    """Local DAY at T in UTC; T None is the midnight that ends the day."""
    if t is None:
        return to_utc(datetime.combine(day + timedelta(days=1), time.min), timezone)
    return to_utc(datetime.combine(day, t), timezone)


def _subtract(
    pieces: list[tuple[datetime, datetime]], cut_start: datetime, cut_end: datetime
) -> list[tuple[datetime, datetime]]:
    out: list[tuple[datetime, datetime]] = []
    for start, end in pieces:
        if cut_end <= start or end <= cut_start:
            out.append((start, end))
            continue
        if start < cut_start:
            out.append((start, cut_start))
        if cut_end < end:
            out.append((cut_end, end))
    return out


def day_spans(rules: Rules, day: date, timezone: str, holidays: Mapping[date, str]) -> list[Span]:
    """The available spans of local DAY, unmerged (weekly and extra blocks may overlap)."""
    if day in holidays:
        return []
    dated = rules.dated.get(day, ())
    if any(r.kind == ExceptionKind.TIME_OFF and r.whole_day for r in dated):
        return []
    base: list[tuple[time, time | None, int | None]]
    if rules.weekly:
        base = [(r.start, r.end, r.location_id) for r in rules.weekly if r.weekday == day.weekday()]
    else:
        base = [(time.min, None, None)]
    base += [
        (r.start, r.end, r.location_id)
        for r in dated
        if r.kind == ExceptionKind.EXTRA and r.start is not None and r.end is not None
    ]
    cuts = [
        (_instant(day, r.start, timezone), _instant(day, r.end, timezone))
        for r in dated
        if r.kind == ExceptionKind.TIME_OFF and not r.whole_day
    ]
    spans: list[Span] = []
    for start_t, end_t, location_id in base:
        pieces = [(_instant(day, start_t, timezone), _instant(day, end_t, timezone))]
        for cut_start, cut_end in cuts:
            pieces = _subtract(pieces, cut_start, cut_end)
        spans.extend(Span(s, e, location_id) for s, e in pieces if s < e)
    return spans


def local_days(start_utc: datetime, end_utc: datetime, timezone: str) -> list[date]:
    """Every local date whose rules can reach into [start_utc, end_utc), with a day of margin."""
    zone = ZoneInfo(timezone)
    first = start_utc.astimezone(zone).date() - timedelta(days=1)
    last = end_utc.astimezone(zone).date() + timedelta(days=1)
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def merge(spans: Iterable[Span]) -> list[Span]:
    """Overlapping or touching spans at the same location joined; by start."""
    by_location: dict[int | None, list[Span]] = defaultdict(list)
    for span in spans:
        by_location[span.location_id].append(span)
    merged: list[Span] = []
    for location_id, group in by_location.items():
        group.sort()
        current = group[0]
        for span in group[1:]:
            if span.start <= current.end:
                current = Span(current.start, max(current.end, span.end), location_id)
            else:
                merged.append(current)
                current = span
        merged.append(current)
    merged.sort(key=lambda s: (s.start, s.end, s.location_id or 0))
    return merged


def spans(
    rules: Rules,
    timezone: str,
    holidays: Mapping[date, str],
    start_utc: datetime,
    end_utc: datetime,
) -> list[Span]:
    """The clinician's available time within [start_utc, end_utc), merged per location."""
    if start_utc.tzinfo is None or end_utc.tzinfo is None:
        raise ValueError("spans needs aware datetimes")
    start_utc, end_utc = start_utc.astimezone(UTC), end_utc.astimezone(UTC)
    found: list[Span] = []
    for day in local_days(start_utc, end_utc, timezone):
        found.extend(day_spans(rules, day, timezone, holidays))
    clipped = (
        Span(max(s.start, start_utc), min(s.end, end_utc), s.location_id)
        for s in merge(found)
        if s.start < end_utc and start_utc < s.end
    )
    return [s for s in clipped if s.start < s.end]


def first_gap(available: Iterable[Span], start_utc: datetime, end_utc: datetime) -> datetime | None:
    """The first instant of [start_utc, end_utc) that no span covers, or None."""
    cursor = start_utc
    for span in sorted(available, key=lambda s: (s.start, s.end)):
        if span.start > cursor:
            break
        cursor = max(cursor, span.end)
        if cursor >= end_utc:
            return None
    return cursor if cursor < end_utc else None


@dataclass(frozen=True)
class Why:
    """Why an instant is not available: a holiday, a day off, hours off, or outside hours."""

    kind: str  # "holiday" | "day_off" | "time_off" | "outside"
    day: date  # the local date of the instant
    at_local: datetime  # the instant on the practice's clock
    holiday: str = ""
    off_start: time | None = None
    off_end: time | None = None


def explain(rules: Rules, timezone: str, holidays: Mapping[date, str], at_utc: datetime) -> Why:
    """Why AT_UTC is not available (call it for an instant that `first_gap` found)."""
    at_local = at_utc.astimezone(ZoneInfo(timezone))
    day = at_local.date()
    if day in holidays:
        return Why("holiday", day, at_local, holiday=holidays[day])
    dated = rules.dated.get(day, ())
    off = [r for r in dated if r.kind == ExceptionKind.TIME_OFF]
    if any(r.whole_day for r in off):
        return Why("day_off", day, at_local)
    for r in off:
        if _instant(day, r.start, timezone) <= at_utc < _instant(day, r.end, timezone):
            return Why("time_off", day, at_local, off_start=r.start, off_end=r.end)
    return Why("outside", day, at_local)
