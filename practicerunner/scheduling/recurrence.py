"""Recurring series: a rule in local wall time, turned into UTC occurrences. Pure, no database.

Why local wall time: a client booked "every Tuesday at 5 pm" expects 5 pm on the clock in the
practice's town all year. So the rule is iterated on naive LOCAL datetimes (dateutil's rrule)
and only then localised with zoneinfo; the UTC instant moves by an hour at each DST change
while the wall time stays put. Iterating in UTC would drift the session to 4 or 6 pm.

Why the two DST edge rules:
- A local time that does not exist (the spring-forward gap, e.g. 2:30 am on the night clocks
  jump from 2:00 to 3:00) moves forward by the length of the gap (2:30 → 3:30). That is what
  zoneinfo does for fold=0 (it uses the offset in force before the jump), and it keeps the
  session on the same day and after the time the client was told, never before it.
- An ambiguous local time (fall-back, 1:30 am happens twice) takes the first one (fold=0):
  the earlier instant, so nobody arrives after the session started.

Why "one occurrence per period": every frequency yields exactly one date per period (week,
two weeks, month). The 5th weekday of a month does not exist in most months, so a series
that starts in the last days of a month repeats on the LAST such weekday (`monthly_week=-1`);
a monthly-by-date series on the 29th-31st falls back to the last day of shorter months. With
one date per period, an occurrence's index is plain arithmetic on the period, which lets a
window start iterating near the window instead of at the series start.

Windows are half-open on the start instant: an occurrence is in [start, end) when its start
is, so adjacent windows never share or lose an occurrence.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import MONTHLY, WEEKLY, rrule, weekday

from practicerunner.core.errors import DomainError

MAX_DURATION_MINUTES = 24 * 60
_WEEKDAYS = tuple(weekday(n) for n in range(7))


class RecurrenceError(DomainError):
    """A repeat rule, or an edit to one, is not valid."""


class Frequency(StrEnum):
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    MONTHLY_BY_WEEKDAY = "monthly_by_weekday"
    MONTHLY_BY_DATE = "monthly_by_date"


Overrides = tuple[tuple[int, datetime | None], ...]


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise RecurrenceError(
            "unknown_timezone", f"“{name}” is not a known time zone.", "timezone"
        ) from exc


def _last_day(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def default_monthly_week(day: date) -> int:
    """The week of the month for DAY (1-4), or -1 ("last") for the 29th and later."""
    nth = (day.day - 1) // 7 + 1
    return -1 if nth == 5 else nth


@dataclass(frozen=True)
class Recurrence:
    """A series rule: first local start, zone, duration, frequency, and how it ends.

    `start` is the first session's naive LOCAL date and time in `timezone`. End with `until`
    (a local date, inclusive) or `count` (number of sessions), or neither (never ends).
    `monthly_week` (1-4 or -1 for last) and `monthly_day` (1-31) default from `start`; set
    `monthly_week=-1` to say "last Friday" for a start that is also the 4th Friday.
    `overrides` maps an occurrence index to a new local start (moved, still in the series)
    or None (cancelled); build it with `move_occurrence` / `cancel_occurrence`.
    """

    frequency: Frequency
    start: datetime
    timezone: str
    duration_minutes: int
    until: date | None = None
    count: int | None = None
    monthly_week: int | None = None
    monthly_day: int | None = None
    overrides: Overrides = field(default=())

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "frequency", Frequency(self.frequency))
        except ValueError as exc:
            raise RecurrenceError(
                "invalid_rule", "Choose how often the session repeats.", "frequency"
            ) from exc
        if self.duration_minutes <= 0:
            raise RecurrenceError(
                "invalid_duration", "A session must last at least one minute.", "duration"
            )
        if self.duration_minutes > MAX_DURATION_MINUTES:
            raise RecurrenceError(
                "invalid_duration", "A session cannot last longer than 24 hours.", "duration"
            )
        _zone(self.timezone)
        if self.start.tzinfo is not None:
            raise RecurrenceError(
                "invalid_start", "The start is a local time without a time zone.", "start"
            )
        if self.start.second or self.start.microsecond:
            raise RecurrenceError("invalid_start", "Start on a whole minute.", "start")
        if self.count is not None and self.until is not None:
            raise RecurrenceError(
                "invalid_end", "End on a date or after a number of sessions, not both.", "until"
            )
        if self.count is not None and self.count < 1:
            raise RecurrenceError("invalid_count", "A series needs at least one session.", "count")
        if self.until is not None and self.until < self.start.date():
            raise RecurrenceError(
                "invalid_until", "The end date is before the first session.", "until"
            )
        self._check_monthly_anchor()
        self._check_overrides()
        if next(self._iter_from(0), None) is None:
            raise RecurrenceError("no_dates", "This repeat rule produces no sessions.", "until")

    def _check_monthly_anchor(self) -> None:
        start = self.start.date()
        if self.frequency is Frequency.MONTHLY_BY_WEEKDAY:
            if self.monthly_day is not None:
                raise RecurrenceError(
                    "invalid_rule", "A by-weekday series has no day of the month.", "frequency"
                )
            week = self.monthly_week
            if week is None:
                object.__setattr__(self, "monthly_week", default_monthly_week(start))
            elif week == -1:
                if start.day + 7 <= _last_day(start.year, start.month):
                    raise RecurrenceError(
                        "invalid_rule",
                        "The first session is not the last such weekday of its month.",
                        "frequency",
                    )
            elif week != (start.day - 1) // 7 + 1 or not 1 <= week <= 4:
                raise RecurrenceError(
                    "invalid_rule",
                    "The first session does not fall in the chosen week of the month.",
                    "frequency",
                )
        elif self.frequency is Frequency.MONTHLY_BY_DATE:
            if self.monthly_week is not None:
                raise RecurrenceError(
                    "invalid_rule", "A by-date series has no week of the month.", "frequency"
                )
            day = self.monthly_day
            if day is None:
                object.__setattr__(self, "monthly_day", start.day)
            elif not 1 <= day <= 31 or start.day != min(day, _last_day(start.year, start.month)):
                raise RecurrenceError(
                    "invalid_rule",
                    "The first session is not on the chosen day of the month.",
                    "frequency",
                )
        elif self.monthly_week is not None or self.monthly_day is not None:
            raise RecurrenceError(
                "invalid_rule", "A weekly series has no day or week of the month.", "frequency"
            )

    def _check_overrides(self) -> None:
        normalized = tuple(sorted(dict(self.overrides).items()))
        object.__setattr__(self, "overrides", normalized)
        for index, moved_to in normalized:
            self.original_start(index)  # raises when the index is not in the series
            if moved_to is not None and (
                moved_to.tzinfo is not None or moved_to.second or moved_to.microsecond
            ):
                raise RecurrenceError(
                    "invalid_start", "Move to a local time on a whole minute.", "start"
                )
        cancelled = sum(1 for _, moved_to in normalized if moved_to is None)
        if cancelled and self.is_finite and cancelled >= sum(1 for _ in self._iter_from(0)):
            raise RecurrenceError("no_dates", "This repeat rule produces no sessions.", "overrides")

    @property
    def is_finite(self) -> bool:
        """Whether the series ends (on a date or after a number of sessions)."""
        return self.count is not None or self.until is not None

    @property
    def override_map(self) -> Mapping[int, datetime | None]:
        """The overrides as a dict: index → new local start, or None when cancelled."""
        return dict(self.overrides)

    def original_start(self, index: int) -> datetime:
        """The local start occurrence INDEX has under the rule, ignoring overrides."""
        found = next(self._iter_from(index), None) if index >= 0 else None
        if found is None or _index_of(self, found) != index:
            raise RecurrenceError(
                "no_such_occurrence", "That session is not part of the series.", "index"
            )
        return found

    def _iter_from(self, first_index: int) -> Iterator[datetime]:
        """Local naive starts from occurrence FIRST_INDEX on, honouring count and until."""
        if self.count is not None and first_index >= self.count:
            return iter(())
        start = self.start
        if first_index == 0:
            dtstart = start
        elif self.frequency in (Frequency.WEEKLY, Frequency.BIWEEKLY):
            dtstart = start + timedelta(weeks=_interval(self) * first_index)
        else:
            years, month0 = divmod(start.month - 1 + first_index, 12)
            # Day 1 of the target month: rrule yields only dates matching the rule after it.
            dtstart = start.replace(year=start.year + years, month=month0 + 1, day=1)
        until = datetime.combine(self.until, time.max) if self.until is not None else None
        count = self.count - first_index if self.count is not None else None
        if self.frequency in (Frequency.WEEKLY, Frequency.BIWEEKLY):
            rule = rrule(
                WEEKLY,
                dtstart=dtstart,
                interval=_interval(self),
                byweekday=start.weekday(),
                count=count,
                until=until,
            )
        elif self.frequency is Frequency.MONTHLY_BY_WEEKDAY:
            assert self.monthly_week is not None
            rule = rrule(
                MONTHLY,
                dtstart=dtstart,
                byweekday=_WEEKDAYS[start.weekday()](self.monthly_week),
                count=count,
                until=until,
            )
        else:
            day = self.monthly_day
            assert day is not None
            # The 29th-31st: the latest of 28..day that the month has, i.e. its last day.
            rule = rrule(
                MONTHLY,
                dtstart=dtstart,
                bymonthday=tuple(range(28, day + 1)) if day > 28 else (day,),
                bysetpos=-1 if day > 28 else None,
                count=count,
                until=until,
            )
        return iter(rule)


@dataclass(frozen=True)
class Occurrence:
    """One session of a series: its position in the series and its UTC times."""

    index: int
    start_utc: datetime
    end_utc: datetime
    moved: bool = False


def _interval(rule: Recurrence) -> int:
    return 2 if rule.frequency is Frequency.BIWEEKLY else 1


def _period_of(rule: Recurrence, local: datetime) -> int:
    """The number of whole periods from the series start to LOCAL (may be negative)."""
    if rule.frequency in (Frequency.WEEKLY, Frequency.BIWEEKLY):
        return (local.date() - rule.start.date()).days // (7 * _interval(rule))
    return (local.year - rule.start.year) * 12 + local.month - rule.start.month


def _index_of(rule: Recurrence, local: datetime) -> int:
    return _period_of(rule, local)


def to_utc(local: datetime, timezone: str) -> datetime:
    """Localise a naive wall time: gaps move forward by the gap, ambiguous times take fold=0."""
    return local.replace(tzinfo=_zone(timezone), fold=0).astimezone(UTC)


def _occurrence(rule: Recurrence, index: int, local: datetime, moved: bool) -> Occurrence:
    start_utc = to_utc(local, rule.timezone)
    return Occurrence(index, start_utc, start_utc + timedelta(minutes=rule.duration_minutes), moved)


def occurrences(
    rule: Recurrence, window_start_utc: datetime, window_end_utc: datetime
) -> list[Occurrence]:
    """The series' sessions starting in [window_start_utc, window_end_utc), by start time."""
    if window_start_utc.tzinfo is None or window_end_utc.tzinfo is None:
        raise ValueError("occurrences needs aware window bounds")
    if window_end_utc <= window_start_utc:
        return []
    zone = _zone(rule.timezone)
    # Local bounds padded by two days: covers any UTC offset plus a gap shift.
    lo_local = window_start_utc.astimezone(zone).replace(tzinfo=None) - timedelta(days=2)
    hi_local = window_end_utc.astimezone(zone).replace(tzinfo=None) + timedelta(days=2)
    overrides = rule.override_map
    found: list[Occurrence] = []
    first = max(0, _period_of(rule, lo_local))
    for offset, local in enumerate(rule._iter_from(first)):
        if local > hi_local:
            break
        index = first + offset
        if index in overrides:
            continue
        occurrence = _occurrence(rule, index, local, moved=False)
        if window_start_utc <= occurrence.start_utc < window_end_utc:
            found.append(occurrence)
    for index, moved_to in rule.overrides:
        if moved_to is None:
            continue
        occurrence = _occurrence(rule, index, moved_to, moved=True)
        if window_start_utc <= occurrence.start_utc < window_end_utc:
            found.append(occurrence)
    found.sort(key=lambda o: (o.start_utc, o.index))
    return found


def cancel_occurrence(rule: Recurrence, index: int) -> Recurrence:
    """Cancel occurrence INDEX only ("this one"); the rest of the series is unchanged."""
    return replace(rule, overrides=(*_without(rule.overrides, index), (index, None)))


def move_occurrence(rule: Recurrence, index: int, new_local_start: datetime) -> Recurrence:
    """Move occurrence INDEX to NEW_LOCAL_START ("this one"); it stays in the series."""
    return replace(rule, overrides=(*_without(rule.overrides, index), (index, new_local_start)))


def restore_occurrence(rule: Recurrence, index: int) -> Recurrence:
    """Undo a cancel or move of occurrence INDEX."""
    return replace(rule, overrides=_without(rule.overrides, index))


def _without(overrides: Overrides, index: int) -> Overrides:
    return tuple((i, moved_to) for i, moved_to in overrides if i != index)


def split_at(rule: Recurrence, index: int) -> tuple[Recurrence, Recurrence]:
    """Split for "this and following": the first rule ends before occurrence INDEX.

    The second starts at occurrence INDEX's original local start and keeps the monthly
    anchor, the end and the remaining count (10 sessions split at 4 give 4 + 6). Overrides
    go with their side, re-indexed in the second.
    """
    if index < 1:
        raise RecurrenceError(
            "invalid_split",
            "Nothing comes before the first session: change the whole series instead.",
            "index",
        )
    pivot = rule.original_start(index)
    before_overrides = tuple((i, m) for i, m in rule.overrides if i < index)
    after_overrides = tuple((i - index, m) for i, m in rule.overrides if i >= index)
    if rule.count is not None:
        before = replace(rule, count=index, overrides=before_overrides)
    else:
        before = replace(rule, until=pivot.date() - timedelta(days=1), overrides=before_overrides)
    after = replace(
        rule,
        start=pivot,
        count=rule.count - index if rule.count is not None else None,
        overrides=after_overrides,
    )
    return before, after


def change_from(
    rule: Recurrence, new_rule: Recurrence, today_local: date
) -> tuple[Recurrence | None, Recurrence]:
    """Change "all" sessions: keep those before TODAY_LOCAL, NEW_RULE from then on.

    Returns (kept, new_rule): `kept` is RULE cut to its sessions dated before today (with
    their overrides), or None when none are past. NEW_RULE must start today or later; its
    count, if any, counts only the sessions from its start.
    """
    if new_rule.start.date() < today_local:
        raise RecurrenceError(
            "invalid_start", "The changed series cannot start in the past.", "start"
        )
    first_future = max(0, _period_of(rule, datetime.combine(today_local, time.min)))
    for offset, local in enumerate(rule._iter_from(first_future)):
        if local.date() >= today_local:
            first_future += offset
            break
    else:
        return rule, new_rule  # the whole series is in the past: it stays as it was
    if first_future == 0:
        return None, new_rule
    kept, _ = split_at(rule, first_future)
    return kept, new_rule
