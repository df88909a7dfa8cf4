"""Billing calendars: on which of the practice's local dates billing runs happen, which
period each run covers, and when a bank (ACH) payment settles. Pure, no database.

Dates here are calendar dates in the practice's timezone ("every Friday" means the
practice's Friday); turning "now" into that date is the caller's job.

A schedule runs daily (every calendar day, weekends included: a run is a job, not a person),
weekly on one weekday, or monthly on one day of the month. A monthly day of 29, 30 or 31
falls on the last day of shorter months (the 31st runs on 28 or 29 February, 30 April...),
so every month has exactly one run; LAST_DAY always means the last day of the month.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache

import holidays

from practicerunner.core.errors import DomainError

LAST_DAY = -1
ONE_DAY = timedelta(days=1)
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class ScheduleError(DomainError, ValueError):
    """A billing schedule is not valid; `field` names the form field the message belongs to."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__("invalid_schedule", message, field)


class Frequency(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


_MONTH_DAY_MESSAGE = "Choose a day from 1 to 31, or the last day of the month."
_WEEKDAY_MESSAGE = "Choose a day of the week."


@dataclass(frozen=True)
class BillingSchedule:
    """When billing runs. Weekly needs `weekday` (0 = Monday ... 6 = Sunday); monthly needs
    `month_day` (1..31, or LAST_DAY; 29-31 fall on the last day of shorter months); daily
    takes neither."""

    frequency: Frequency
    weekday: int | None = None  # 0 = Monday
    month_day: int | None = None  # 1..31, or LAST_DAY (-1)

    def errors(self) -> dict[str, str]:
        """Field name -> message for everything wrong with this schedule (empty when valid)."""
        found: dict[str, str] = {}
        if self.frequency not in tuple(Frequency):
            found["frequency"] = "Choose daily, weekly or monthly."
            return found
        if self.frequency == Frequency.WEEKLY:
            if self.weekday is None or not 0 <= self.weekday <= 6:
                found["weekday"] = _WEEKDAY_MESSAGE
        elif self.weekday is not None:
            found["weekday"] = f"A {self.frequency} schedule doesn't take a day of the week."
        if self.frequency == Frequency.MONTHLY:
            if self.month_day is None or not (
                self.month_day == LAST_DAY or 1 <= self.month_day <= 31
            ):
                found["month_day"] = _MONTH_DAY_MESSAGE
        elif self.month_day is not None:
            found["month_day"] = f"A {self.frequency} schedule doesn't take a day of the month."
        return found

    def validate(self) -> list[str]:
        """Messages for everything wrong with this schedule (empty when valid)."""
        return list(self.errors().values())

    def check(self) -> BillingSchedule:
        """Return self, or raise ScheduleError for the first problem."""
        found = self.errors()
        if found:
            field, message = next(iter(found.items()))
            raise ScheduleError(message, field=field)
        return self

    @classmethod
    def parse(cls, frequency: str, weekday: str, month_day: str) -> BillingSchedule:
        """Read a form. WEEKDAY is "0".."6" or a day name ("friday", "Fri"); MONTH_DAY is
        "1".."31", or "last" / "-1". A field the chosen frequency doesn't use is ignored,
        because the form keeps it (hidden) when the user switches frequency."""
        try:
            freq = Frequency(frequency.strip().lower())
        except ValueError:
            raise ScheduleError("Choose daily, weekly or monthly.", field="frequency") from None
        day_of_week = _parse_weekday(weekday) if freq == Frequency.WEEKLY else None
        day_of_month = _parse_month_day(month_day) if freq == Frequency.MONTHLY else None
        return cls(freq, day_of_week, day_of_month).check()

    def describe(self) -> str:
        """ "Every day", "Every Friday", "Monthly on the 15th", "Monthly on the last day"."""
        if self.frequency == Frequency.DAILY:
            return "Every day"
        if self.frequency == Frequency.WEEKLY:
            return f"Every {WEEKDAY_NAMES[self.weekday or 0]}"
        if self.month_day == LAST_DAY:
            return "Monthly on the last day"
        day = self.month_day or 1
        suffix = "th" if 11 <= day <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
        return f"Monthly on the {day}{suffix}"


def _parse_weekday(text: str) -> int:
    cleaned = text.strip().lower()
    if cleaned.isdigit() and 0 <= int(cleaned) <= 6:
        return int(cleaned)
    if len(cleaned) >= 3:
        for number, name in enumerate(WEEKDAY_NAMES):
            if name.lower().startswith(cleaned):
                return number
    raise ScheduleError(_WEEKDAY_MESSAGE, field="weekday")


def _parse_month_day(text: str) -> int:
    cleaned = text.strip().lower()
    if cleaned in {"last", "-1"}:
        return LAST_DAY
    if cleaned.isdigit() and 1 <= int(cleaned) <= 31:
        return int(cleaned)
    raise ScheduleError(_MONTH_DAY_MESSAGE, field="month_day")


# --- run dates ---------------------------------------------------------------------------


def _last_day(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def _monthly_date(s: BillingSchedule, year: int, month: int) -> date:
    """The one run date of a monthly schedule in this month."""
    last = _last_day(year, month)
    day = last if s.month_day is None or s.month_day == LAST_DAY else min(s.month_day, last)
    return date(year, month, day)


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def runs_on(s: BillingSchedule, d: date) -> bool:
    """Whether schedule S has a billing run on date D."""
    s.check()
    if s.frequency == Frequency.DAILY:
        return True
    if s.frequency == Frequency.WEEKLY:
        return d.weekday() == s.weekday
    return d == _monthly_date(s, d.year, d.month)


def next_run(s: BillingSchedule, after: date) -> date:
    """The first run date strictly after AFTER."""
    s.check()
    if s.frequency == Frequency.DAILY:
        return after + ONE_DAY
    if s.frequency == Frequency.WEEKLY:
        assert s.weekday is not None  # check() guarantees it
        return after + timedelta(days=(s.weekday - after.weekday() - 1) % 7 + 1)
    this_month = _monthly_date(s, after.year, after.month)
    if this_month > after:
        return this_month
    return _monthly_date(s, *_add_months(after.year, after.month, 1))


def previous_run(s: BillingSchedule, on_or_before: date) -> date:
    """The last run date on or before ON_OR_BEFORE."""
    s.check()
    if s.frequency == Frequency.DAILY:
        return on_or_before
    if s.frequency == Frequency.WEEKLY:
        assert s.weekday is not None
        return on_or_before - timedelta(days=(on_or_before.weekday() - s.weekday) % 7)
    this_month = _monthly_date(s, on_or_before.year, on_or_before.month)
    if this_month <= on_or_before:
        return this_month
    return _monthly_date(s, *_add_months(on_or_before.year, on_or_before.month, -1))


def run_dates(s: BillingSchedule, start: date, end: date) -> list[date]:
    """Every run date in [START, END], oldest first (empty when START is after END)."""
    found: list[date] = []
    if start > end:
        return found
    current = start if runs_on(s, start) else next_run(s, start)
    while current <= end:
        found.append(current)
        current = next_run(s, current)
    return found


def _require_run_date(s: BillingSchedule, run_date: date) -> None:
    if not runs_on(s, run_date):
        raise ScheduleError(f"{run_date.isoformat()} is not a billing day on this schedule.")


def period_ending(s: BillingSchedule, run_date: date) -> tuple[date, date]:
    """The dates a collect-after-the-session run on RUN_DATE covers, inclusive: from the day
    after the previous run through RUN_DATE. Consecutive runs' periods tile the calendar."""
    _require_run_date(s, run_date)
    return previous_run(s, run_date - ONE_DAY) + ONE_DAY, run_date


def period_starting(s: BillingSchedule, run_date: date) -> tuple[date, date]:
    """The dates a pre-billed run on RUN_DATE covers, inclusive: RUN_DATE up to the day
    before the next run."""
    _require_run_date(s, run_date)
    return run_date, next_run(s, run_date) - ONE_DAY


def period_key(s: BillingSchedule, run_date: date) -> str:
    """A stable idempotency key for the run on RUN_DATE: "daily:2026-12-01",
    "weekly-4:2026-12-04", "monthly-15:2027-01-15", "monthly-last:2027-02-28".

    Day 31 and LAST_DAY give the same dates, so they share the key "monthly-last": switching
    between the two must not bill the same period twice.
    """
    _require_run_date(s, run_date)
    if s.frequency == Frequency.DAILY:
        rule = "daily"
    elif s.frequency == Frequency.WEEKLY:
        rule = f"weekly-{s.weekday}"
    elif s.month_day in (LAST_DAY, 31):
        rule = "monthly-last"
    else:
        rule = f"monthly-{s.month_day}"
    return f"{rule}:{run_date.isoformat()}"


# --- bank settlement ---------------------------------------------------------------------


@lru_cache(maxsize=256)
def _bank_holidays(year: int) -> frozenset[date]:
    """Federal Reserve holidays in YEAR.

    ACH moves through the Federal Reserve's FedACH (and The Clearing House, which keeps the
    same calendar), so a banking day is a day the Federal Reserve Banks are open. The
    holidays package's `financial_holidays("XFED")` (holidays.financial.federal_reserve) is
    exactly that calendar: Sunday holidays are observed on Monday, while Saturday holidays
    are NOT moved to Friday, since the Reserve Banks open that Friday. The country calendar
    (`holidays.US()`) moves Saturday holidays to Friday and so would wrongly close e.g.
    Fri 2027-12-24; the NYSE calendar closes on Good Friday and opens on Columbus and
    Veterans Day, unlike banks.
    """
    return frozenset(holidays.financial_holidays("XFED", years=year).keys())


def is_bank_business_day(d: date) -> bool:
    """Monday to Friday and not a Federal Reserve holiday."""
    return d.weekday() < 5 and d not in _bank_holidays(d.year)


def bank_settlement_date(initiated_on: date, business_days: int = 4) -> date:
    """The date a bank payment initiated on INITIATED_ON settles: the BUSINESS_DAYS-th
    banking business day after it (the initiation day itself never counts)."""
    if business_days < 1:
        raise ValueError("business_days must be at least 1")
    current = initiated_on
    remaining = business_days
    while remaining:
        current += ONE_DAY
        if is_bank_business_day(current):
            remaining -= 1
    return current
