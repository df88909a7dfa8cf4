"""Billing calendars: run dates, periods, idempotency keys and ACH settlement days."""

from __future__ import annotations

import calendar
import itertools
from datetime import date, timedelta

import holidays
import pytest
from hypothesis import given
from hypothesis import strategies as st

from practicerunner.billing.schedule import (
    LAST_DAY,
    BillingSchedule,
    Frequency,
    ScheduleError,
    bank_settlement_date,
    is_bank_business_day,
    next_run,
    period_ending,
    period_key,
    period_starting,
    previous_run,
    run_dates,
    runs_on,
)
from practicerunner.core.errors import DomainError

DAY = timedelta(days=1)
FRIDAY = 4
DAILY = BillingSchedule(Frequency.DAILY)
FRIDAYS = BillingSchedule(Frequency.WEEKLY, weekday=FRIDAY)
FIRST = BillingSchedule(Frequency.MONTHLY, month_day=1)
LAST = BillingSchedule(Frequency.MONTHLY, month_day=LAST_DAY)


def monthly(day: int) -> BillingSchedule:
    return BillingSchedule(Frequency.MONTHLY, month_day=day)


def d(text: str) -> date:
    return date.fromisoformat(text)


def ds(*texts: str) -> list[date]:
    return [d(t) for t in texts]


# --- run dates ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schedule", "start", "end", "expected"),
    [
        # Fridays across New Year: Christmas and New Year's Day are Fridays in 2026/27.
        (
            FRIDAYS,
            "2026-12-20",
            "2027-01-16",
            ds("2026-12-25", "2027-01-01", "2027-01-08", "2027-01-15"),
        ),
        # The last day of February in a common year (2027) and a leap year (2028).
        (
            LAST,
            "2027-01-01",
            "2027-04-30",
            ds("2027-01-31", "2027-02-28", "2027-03-31", "2027-04-30"),
        ),
        (LAST, "2028-01-15", "2028-03-30", ds("2028-01-31", "2028-02-29")),
        # The 31st falls on the last day of shorter months.
        (
            monthly(31),
            "2027-02-01",
            "2027-06-30",
            ds("2027-02-28", "2027-03-31", "2027-04-30", "2027-05-31", "2027-06-30"),
        ),
        # The 30th and 29th: only February is short of them.
        (monthly(30), "2028-01-01", "2028-03-31", ds("2028-01-30", "2028-02-29", "2028-03-30")),
        (monthly(29), "2027-01-01", "2027-03-31", ds("2027-01-29", "2027-02-28", "2027-03-29")),
        (monthly(29), "2028-02-01", "2028-02-29", ds("2028-02-29")),
        (FIRST, "2026-12-01", "2027-02-01", ds("2026-12-01", "2027-01-01", "2027-02-01")),
        (
            DAILY,
            "2026-12-30",
            "2027-01-02",
            ds("2026-12-30", "2026-12-31", "2027-01-01", "2027-01-02"),
        ),
        # Both ends are included; an empty or inverted range has no runs.
        (FRIDAYS, "2026-12-04", "2026-12-04", ds("2026-12-04")),
        (FRIDAYS, "2026-12-05", "2026-12-10", []),
        (DAILY, "2027-01-02", "2027-01-01", []),
    ],
)
def test_it_lists_run_dates(
    schedule: BillingSchedule, start: str, end: str, expected: list[date]
) -> None:
    assert run_dates(schedule, d(start), d(end)) == expected


@pytest.mark.parametrize(
    ("schedule", "day", "after", "on_or_before"),
    [
        (FRIDAYS, "2026-12-04", "2026-12-11", "2026-12-04"),  # on a Friday
        (FRIDAYS, "2026-12-31", "2027-01-01", "2026-12-25"),  # a Thursday across New Year
        (LAST, "2027-01-31", "2027-02-28", "2027-01-31"),
        (LAST, "2028-02-01", "2028-02-29", "2028-01-31"),
        (monthly(31), "2027-02-28", "2027-03-31", "2027-02-28"),
        (monthly(30), "2027-03-01", "2027-03-30", "2027-02-28"),
        (FIRST, "2026-12-31", "2027-01-01", "2026-12-01"),
        (DAILY, "2026-12-31", "2027-01-01", "2026-12-31"),
    ],
)
def test_it_finds_the_next_and_previous_run(
    schedule: BillingSchedule, day: str, after: str, on_or_before: str
) -> None:
    assert next_run(schedule, d(day)) == d(after)
    assert previous_run(schedule, d(day)) == d(on_or_before)


# --- periods --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schedule", "run", "first", "last"),
    [
        (FRIDAYS, "2026-12-04", "2026-11-28", "2026-12-04"),  # Sat .. Fri
        (FRIDAYS, "2027-01-01", "2026-12-26", "2027-01-01"),
        (LAST, "2027-02-28", "2027-02-01", "2027-02-28"),
        (monthly(30), "2027-03-30", "2027-03-01", "2027-03-30"),  # February's run was on the 28th
        (FIRST, "2027-01-01", "2026-12-02", "2027-01-01"),
        (DAILY, "2026-12-01", "2026-12-01", "2026-12-01"),
    ],
)
def test_it_covers_the_days_since_the_last_run_when_collecting_after_sessions(
    schedule: BillingSchedule, run: str, first: str, last: str
) -> None:
    assert period_ending(schedule, d(run)) == (d(first), d(last))


@pytest.mark.parametrize(
    ("schedule", "run", "first", "last"),
    [
        (FIRST, "2027-01-01", "2027-01-01", "2027-01-31"),
        (FIRST, "2028-02-01", "2028-02-01", "2028-02-29"),
        (LAST, "2027-01-31", "2027-01-31", "2027-02-27"),
        (FRIDAYS, "2026-12-25", "2026-12-25", "2026-12-31"),
        (DAILY, "2026-12-01", "2026-12-01", "2026-12-01"),
    ],
)
def test_it_covers_the_days_until_the_next_run_when_billing_ahead(
    schedule: BillingSchedule, run: str, first: str, last: str
) -> None:
    assert period_starting(schedule, d(run)) == (d(first), d(last))


@pytest.mark.parametrize(
    ("schedule", "run", "key"),
    [
        (FRIDAYS, "2026-12-04", "weekly-4:2026-12-04"),
        (LAST, "2027-02-28", "monthly-last:2027-02-28"),
        (monthly(31), "2027-02-28", "monthly-last:2027-02-28"),  # the same dates, the same key
        (monthly(30), "2027-02-28", "monthly-30:2027-02-28"),
        (FIRST, "2027-01-01", "monthly-1:2027-01-01"),
        (DAILY, "2026-12-01", "daily:2026-12-01"),
    ],
)
def test_it_gives_each_run_a_stable_key(schedule: BillingSchedule, run: str, key: str) -> None:
    assert period_key(schedule, d(run)) == key


@pytest.mark.parametrize("fn", [period_ending, period_starting, period_key])
def test_it_refuses_a_period_for_a_day_that_is_not_a_run(fn) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ScheduleError, match="not a billing day"):
        fn(FRIDAYS, d("2026-12-03"))


# --- reading and checking a schedule --------------------------------------------------------


@pytest.mark.parametrize(
    ("frequency", "weekday", "month_day", "expected"),
    [
        ("weekly", "4", "", FRIDAYS),
        ("weekly", "Friday", "", FRIDAYS),
        ("Weekly", " fri ", "15", FRIDAYS),  # the hidden month-day field is ignored
        ("monthly", "", "1", FIRST),
        ("monthly", "3", "last", LAST),
        ("monthly", "", "-1", LAST),
        ("monthly", "", "31", monthly(31)),
        ("daily", "2", "9", DAILY),
    ],
)
def test_it_reads_a_schedule_from_a_form(
    frequency: str, weekday: str, month_day: str, expected: BillingSchedule
) -> None:
    assert BillingSchedule.parse(frequency, weekday, month_day) == expected


@pytest.mark.parametrize(
    ("frequency", "weekday", "month_day", "field", "message"),
    [
        (
            "monthly",
            "",
            "0",
            "month_day",
            "Choose a day from 1 to 31, or the last day of the month.",
        ),
        (
            "monthly",
            "",
            "32",
            "month_day",
            "Choose a day from 1 to 31, or the last day of the month.",
        ),
        (
            "monthly",
            "",
            "-2",
            "month_day",
            "Choose a day from 1 to 31, or the last day of the month.",
        ),
        (
            "monthly",
            "",
            "",
            "month_day",
            "Choose a day from 1 to 31, or the last day of the month.",
        ),
        (
            "monthly",
            "",
            "1.5",
            "month_day",
            "Choose a day from 1 to 31, or the last day of the month.",
        ),
        ("weekly", "7", "", "weekday", "Choose a day of the week."),
        ("weekly", "", "", "weekday", "Choose a day of the week."),
        ("weekly", "fr", "", "weekday", "Choose a day of the week."),
        ("yearly", "", "", "frequency", "Choose daily, weekly or monthly."),
    ],
)
def test_it_says_which_field_is_wrong(
    frequency: str, weekday: str, month_day: str, field: str, message: str
) -> None:
    with pytest.raises(ScheduleError) as caught:
        BillingSchedule.parse(frequency, weekday, month_day)
    assert caught.value.field == field
    assert str(caught.value) == message
    assert isinstance(caught.value, ValueError)
    assert isinstance(caught.value, DomainError)


@pytest.mark.parametrize(
    ("schedule", "fields"),
    [
        (FRIDAYS, []),
        (LAST, []),
        (DAILY, []),
        (BillingSchedule(Frequency.WEEKLY), ["weekday"]),
        (BillingSchedule(Frequency.WEEKLY, weekday=-1), ["weekday"]),
        (BillingSchedule(Frequency.MONTHLY), ["month_day"]),
        (BillingSchedule(Frequency.MONTHLY, month_day=0), ["month_day"]),
        (BillingSchedule(Frequency.MONTHLY, weekday=2, month_day=40), ["weekday", "month_day"]),
        (BillingSchedule(Frequency.DAILY, weekday=1, month_day=1), ["weekday", "month_day"]),
    ],
)
def test_it_validates_a_schedule_built_in_code(
    schedule: BillingSchedule, fields: list[str]
) -> None:
    assert list(schedule.errors()) == fields
    assert len(schedule.validate()) == len(fields)


def test_it_refuses_to_compute_with_an_invalid_schedule() -> None:
    with pytest.raises(ScheduleError):
        run_dates(
            BillingSchedule(Frequency.MONTHLY, month_day=32), d("2027-01-01"), d("2027-12-31")
        )


@pytest.mark.parametrize(
    ("schedule", "text"),
    [
        (DAILY, "Every day"),
        (FRIDAYS, "Every Friday"),
        (FIRST, "Monthly on the 1st"),
        (monthly(22), "Monthly on the 22nd"),
        (monthly(13), "Monthly on the 13th"),
        (LAST, "Monthly on the last day"),
    ],
)
def test_it_describes_a_schedule(schedule: BillingSchedule, text: str) -> None:
    assert schedule.describe() == text


# --- ACH settlement -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("initiated", "settles"),
    [
        ("2026-12-01", "2026-12-07"),  # Tue -> Wed, Thu, Fri, Mon
        ("2026-11-25", "2026-12-02"),  # Thanksgiving (Thu 26) is skipped
        ("2026-11-26", "2026-12-02"),  # initiated on Thanksgiving itself
        ("2026-12-22", "2026-12-29"),  # Christmas (Fri 25) is skipped
        ("2026-12-30", "2027-01-06"),  # New Year's Day (Fri 1) is skipped
        ("2027-12-23", "2027-12-29"),  # Christmas 2027 is a Saturday: the Fed opens Fri 24
        ("2026-12-05", "2026-12-10"),  # initiated on a Saturday
        ("2026-10-08", "2026-10-15"),  # Columbus Day (Mon 12): banks close, stock markets don't
        ("2027-03-24", "2027-03-30"),  # Good Friday (26): stock markets close, banks don't
    ],
)
def test_it_counts_four_banking_days_for_ach(initiated: str, settles: str) -> None:
    assert bank_settlement_date(d(initiated)) == d(settles)


@pytest.mark.parametrize(
    ("day", "open_"),
    [
        ("2026-11-26", False),  # Thanksgiving
        ("2026-12-25", False),  # Christmas
        ("2027-07-05", False),  # Independence Day on a Sunday, observed Monday
        ("2027-12-24", True),  # Christmas on a Saturday is not moved to Friday
        ("2026-11-11", False),  # Veterans Day
        ("2027-03-26", True),  # Good Friday
        ("2026-12-26", False),  # a Saturday
        ("2026-12-28", True),
    ],
)
def test_it_knows_banking_days(day: str, open_: bool) -> None:
    assert is_bank_business_day(d(day)) is open_


def test_it_counts_other_numbers_of_days() -> None:
    assert bank_settlement_date(d("2026-12-24"), business_days=1) == d("2026-12-28")
    assert bank_settlement_date(d("2026-12-24"), business_days=2) == d("2026-12-29")
    with pytest.raises(ValueError):
        bank_settlement_date(d("2026-12-24"), business_days=0)


# --- properties -----------------------------------------------------------------------------

schedules = st.one_of(
    st.just(DAILY),
    st.builds(BillingSchedule, st.just(Frequency.WEEKLY), weekday=st.integers(0, 6)),
    st.builds(
        BillingSchedule,
        st.just(Frequency.MONTHLY),
        month_day=st.one_of(st.integers(1, 31), st.just(LAST_DAY)),
    ),
)
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))


def matches(s: BillingSchedule, day: date) -> bool:
    """The schedule's rule written out independently of the module, one day at a time."""
    if s.frequency == Frequency.DAILY:
        return True
    if s.frequency == Frequency.WEEKLY:
        return day.weekday() == s.weekday
    last = calendar.monthrange(day.year, day.month)[1]
    assert s.month_day is not None
    if s.month_day == LAST_DAY or s.month_day >= last:
        return day.day == last
    return day.day == s.month_day


@given(s=schedules, start=days, length=st.integers(0, 120))
def test_property_run_dates_are_exactly_the_matching_days(
    s: BillingSchedule, start: date, length: int
) -> None:
    end = start + timedelta(days=length)
    every_day = [start + timedelta(days=i) for i in range(length + 1)]
    assert run_dates(s, start, end) == [day for day in every_day if matches(s, day)]
    assert all(runs_on(s, day) == matches(s, day) for day in every_day)


@given(s=schedules, start=days)
def test_property_periods_tile_time_without_gap_or_overlap(s: BillingSchedule, start: date) -> None:
    runs = run_dates(s, start, start + timedelta(days=100))
    for earlier, later in itertools.pairwise(runs):
        # collecting after sessions: each period begins the day after the last one ended
        assert period_ending(s, later) == (earlier + DAY, later)
        # billing ahead: each period ends the day before the next one begins
        assert period_starting(s, earlier) == (earlier, later - DAY)
        assert period_key(s, earlier) != period_key(s, later)


@given(s=schedules, day=days)
def test_property_next_and_previous_runs_round_trip(s: BillingSchedule, day: date) -> None:
    following = next_run(s, day)
    before = previous_run(s, day)
    assert before <= day < following
    assert matches(s, following) and matches(s, before)
    # they are neighbours: nothing runs strictly between them
    between = [before + timedelta(days=i) for i in range(1, (following - before).days)]
    assert not any(matches(s, x) for x in between)
    assert next_run(s, before) == following
    assert previous_run(s, following) == following
    assert previous_run(s, following - DAY) == before


def reference_open(day: date) -> bool:
    return day.weekday() < 5 and day not in holidays.financial_holidays("XFED", years=day.year)


@given(start=days, n=st.integers(1, 10))
def test_property_settlement_is_exactly_n_banking_days_later(start: date, n: int) -> None:
    settles = bank_settlement_date(start, business_days=n)
    assert settles > start
    assert is_bank_business_day(settles) and reference_open(settles)
    in_between = [start + timedelta(days=i) for i in range(1, (settles - start).days + 1)]
    assert sum(reference_open(x) for x in in_between) == n
