"""Recurring series: frequencies, DST, ends, windows and edits, as tables and as properties."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from practicerunner.scheduling.recurrence import (
    Frequency,
    Recurrence,
    RecurrenceError,
    cancel_occurrence,
    change_from,
    move_occurrence,
    occurrences,
    restore_occurrence,
    split_at,
)

NY = "America/New_York"
FAR_PAST = datetime(2000, 1, 1, tzinfo=UTC)
FAR_FUTURE = datetime(2100, 1, 1, tzinfo=UTC)


def utc(year: int, month: int, day: int, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


def starts(rule: Recurrence, lo: datetime = FAR_PAST, hi: datetime = FAR_FUTURE) -> list[str]:
    return [o.start_utc.strftime("%Y-%m-%d %H:%M") for o in occurrences(rule, lo, hi)]


def local_starts(rule: Recurrence) -> list[str]:
    zone = ZoneInfo(rule.timezone)
    return [
        o.start_utc.astimezone(zone).strftime("%Y-%m-%d %H:%M")
        for o in occurrences(rule, FAR_PAST, FAR_FUTURE)
    ]


# --- frequencies -----------------------------------------------------------------------------


def test_it_keeps_a_weekly_5pm_session_at_5pm_local_across_spring_forward() -> None:
    # given a weekly 5 pm series that crosses the 2026-03-08 DST change in New York
    rule = Recurrence(Frequency.WEEKLY, datetime(2026, 3, 3, 17), NY, 50, count=3)
    # then the UTC hour moves from 22:00 to 21:00 and the local time stays 17:00
    assert starts(rule) == ["2026-03-03 22:00", "2026-03-10 21:00", "2026-03-17 21:00"]
    assert local_starts(rule) == ["2026-03-03 17:00", "2026-03-10 17:00", "2026-03-17 17:00"]
    first = occurrences(rule, FAR_PAST, FAR_FUTURE)[0]
    assert first.end_utc - first.start_utc == timedelta(minutes=50)


@pytest.mark.parametrize(
    ("frequency", "start", "zone", "expected_local"),
    [
        (
            Frequency.BIWEEKLY,
            datetime(2026, 10, 20, 9, 0),
            "Europe/London",
            ["2026-10-20 09:00", "2026-11-03 09:00", "2026-11-17 09:00", "2026-12-01 09:00"],
        ),
        (  # the 2nd Tuesday
            Frequency.MONTHLY_BY_WEEKDAY,
            datetime(2026, 1, 13, 10, 0),
            "Australia/Sydney",
            ["2026-01-13 10:00", "2026-02-10 10:00", "2026-03-10 10:00", "2026-04-14 10:00"],
        ),
        (  # the 30th of January is the 5th Friday: "the last Friday"
            Frequency.MONTHLY_BY_WEEKDAY,
            datetime(2026, 1, 30, 16, 0),
            "America/Los_Angeles",
            ["2026-01-30 16:00", "2026-02-27 16:00", "2026-03-27 16:00", "2026-04-24 16:00"],
        ),
        (  # the 31st falls back to the last day of shorter months
            Frequency.MONTHLY_BY_DATE,
            datetime(2026, 1, 31, 8, 30),
            "Asia/Kolkata",
            ["2026-01-31 08:30", "2026-02-28 08:30", "2026-03-31 08:30", "2026-04-30 08:30"],
        ),
        (  # the 30th in a leap year's February is the 29th
            Frequency.MONTHLY_BY_DATE,
            datetime(2028, 1, 30, 8, 0),
            "America/Phoenix",
            ["2028-01-30 08:00", "2028-02-29 08:00", "2028-03-30 08:00", "2028-04-30 08:00"],
        ),
    ],
)
def test_it_repeats_each_frequency_in_local_time(
    frequency: Frequency, start: datetime, zone: str, expected_local: list[str]
) -> None:
    rule = Recurrence(frequency, start, zone, 50, count=4)
    assert local_starts(rule) == expected_local
    assert [o.index for o in occurrences(rule, FAR_PAST, FAR_FUTURE)] == [0, 1, 2, 3]


def test_it_can_say_last_friday_for_a_start_that_is_also_the_fourth() -> None:
    # 2026-02-27 is both the 4th and the last Friday; May's 4th Friday is the 22nd, last the 29th
    rule = Recurrence(
        Frequency.MONTHLY_BY_WEEKDAY, datetime(2026, 2, 27, 9), NY, 50, count=4, monthly_week=-1
    )
    assert local_starts(rule)[-1] == "2026-05-29 09:00"
    fourth = Recurrence(Frequency.MONTHLY_BY_WEEKDAY, datetime(2026, 2, 27, 9), NY, 50, count=4)
    assert local_starts(fourth)[-1] == "2026-05-22 09:00"


# --- DST edges -------------------------------------------------------------------------------


def test_it_moves_a_time_in_the_spring_forward_gap_forward_by_the_gap() -> None:
    rule = Recurrence(Frequency.WEEKLY, datetime(2026, 3, 1, 2, 30), NY, 30, count=3)
    assert local_starts(rule) == ["2026-03-01 02:30", "2026-03-08 03:30", "2026-03-15 02:30"]
    assert starts(rule)[1] == "2026-03-08 07:30"


def test_it_takes_the_first_of_an_ambiguous_fall_back_time() -> None:
    rule = Recurrence(Frequency.WEEKLY, datetime(2026, 10, 25, 1, 30), NY, 30, count=3)
    # 2026-11-01 01:30 happens twice; the first is EDT (UTC-4)
    assert starts(rule) == ["2026-10-25 05:30", "2026-11-01 05:30", "2026-11-08 06:30"]
    assert local_starts(rule) == ["2026-10-25 01:30", "2026-11-01 01:30", "2026-11-08 01:30"]


# --- ends and windows ------------------------------------------------------------------------


def test_it_ends_on_a_date_inclusive() -> None:
    rule = Recurrence(Frequency.WEEKLY, datetime(2026, 3, 3, 17), NY, 50, until=date(2026, 3, 17))
    assert local_starts(rule) == ["2026-03-03 17:00", "2026-03-10 17:00", "2026-03-17 17:00"]


def test_it_materialises_a_never_ending_series_only_within_the_window() -> None:
    rule = Recurrence(Frequency.WEEKLY, datetime(2024, 1, 2, 17), NY, 50)
    found = occurrences(rule, utc(2026, 1, 1), utc(2026, 7, 1))
    assert len(found) == 26
    assert found[0].index == 105  # 105 Tuesdays (735 days) before the window
    assert found[0].start_utc == utc(2026, 1, 6, 22)


def test_it_counts_only_the_window_of_a_count_series() -> None:
    rule = Recurrence(Frequency.WEEKLY, datetime(2026, 1, 6, 17), NY, 50, count=10)
    found = occurrences(rule, utc(2026, 2, 1), utc(2027, 1, 1))
    assert [o.index for o in found] == [4, 5, 6, 7, 8, 9]


def test_a_window_is_half_open_on_the_start() -> None:
    rule = Recurrence(Frequency.WEEKLY, datetime(2026, 1, 6, 17), NY, 50, count=2)
    assert occurrences(rule, utc(2026, 1, 6, 22), utc(2026, 1, 13, 22)) == occurrences(
        rule, FAR_PAST, utc(2026, 1, 13, 22)
    )
    assert len(occurrences(rule, utc(2026, 1, 6, 22), utc(2026, 1, 13, 22))) == 1


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"duration_minutes": 0}, "duration", "invalid_duration"),
        ({"duration_minutes": -5}, "duration", "invalid_duration"),
        ({"count": 0}, "count", "invalid_count"),
        ({"until": date(2026, 3, 2)}, "until", "invalid_until"),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone", "unknown_timezone"),
        ({"count": 3, "until": date(2026, 4, 1)}, "until", "invalid_end"),
        ({"frequency": "daily"}, "frequency", "invalid_rule"),
        ({"monthly_week": 2}, "frequency", "invalid_rule"),
    ],
)
def test_it_refuses_a_bad_rule_with_a_field(
    changes: dict[str, object], field: str, code: str
) -> None:
    arguments: dict[str, object] = {
        "frequency": Frequency.WEEKLY,
        "start": datetime(2026, 3, 3, 17),
        "timezone": NY,
        "duration_minutes": 50,
    } | changes
    with pytest.raises(RecurrenceError) as caught:
        Recurrence(**arguments)  # type: ignore[arg-type]
    assert caught.value.field == field
    assert caught.value.code == code
    assert caught.value.message


def test_it_refuses_a_rule_whose_every_session_is_cancelled() -> None:
    rule = Recurrence(Frequency.WEEKLY, datetime(2026, 3, 3, 17), NY, 50, count=2)
    one_left = cancel_occurrence(rule, 0)
    with pytest.raises(RecurrenceError, match="produces no sessions"):
        cancel_occurrence(one_left, 1)


def test_it_refuses_to_touch_a_session_outside_the_series() -> None:
    rule = Recurrence(Frequency.WEEKLY, datetime(2026, 3, 3, 17), NY, 50, count=2)
    with pytest.raises(RecurrenceError) as caught:
        cancel_occurrence(rule, 2)
    assert caught.value.code == "no_such_occurrence"


# --- edits -----------------------------------------------------------------------------------


def test_it_cancels_this_one_only() -> None:
    rule = Recurrence(Frequency.WEEKLY, datetime(2026, 3, 3, 17), NY, 50, count=4)
    edited = cancel_occurrence(rule, 1)
    assert [o.index for o in occurrences(edited, FAR_PAST, FAR_FUTURE)] == [0, 2, 3]
    assert restore_occurrence(edited, 1) == rule


def test_it_moves_this_one_only_and_keeps_it_in_the_series() -> None:
    rule = Recurrence(Frequency.WEEKLY, datetime(2026, 3, 3, 17), NY, 50, count=3)
    edited = move_occurrence(rule, 1, datetime(2026, 3, 12, 9, 0))  # Thursday morning
    found = occurrences(edited, FAR_PAST, FAR_FUTURE)
    assert [(o.index, o.moved) for o in found] == [(0, False), (1, True), (2, False)]
    assert found[1].start_utc == utc(2026, 3, 12, 13)
    # a window around the original time no longer holds it; one around the new time does
    assert occurrences(edited, utc(2026, 3, 10), utc(2026, 3, 11)) == []
    assert [o.index for o in occurrences(edited, utc(2026, 3, 12), utc(2026, 3, 13))] == [1]


def test_it_splits_a_ten_session_series_at_four_into_four_and_six() -> None:
    rule = Recurrence(Frequency.WEEKLY, datetime(2026, 3, 3, 17), NY, 50, count=10)
    before, after = split_at(rule, 4)
    assert (before.count, after.count) == (4, 6)
    assert after.start == datetime(2026, 3, 31, 17)
    assert starts(before) + starts(after) == starts(rule)


def test_a_split_keeps_the_monthly_anchor_and_its_overrides() -> None:
    rule = Recurrence(Frequency.MONTHLY_BY_DATE, datetime(2026, 1, 31, 9), NY, 50)
    rule = cancel_occurrence(move_occurrence(rule, 0, datetime(2026, 2, 2, 9)), 3)
    before, after = split_at(rule, 1)  # the second session is on 28 February
    assert after.start == datetime(2026, 2, 28, 9)
    assert after.monthly_day == 31
    assert before.until == date(2026, 2, 27)
    assert before.override_map == {0: datetime(2026, 2, 2, 9)}
    assert after.override_map == {2: None}
    assert local_starts(after)[:3] == ["2026-02-28 09:00", "2026-03-31 09:00", "2026-05-31 09:00"]


def test_it_refuses_to_split_before_the_first_session() -> None:
    rule = Recurrence(Frequency.WEEKLY, datetime(2026, 3, 3, 17), NY, 50, count=10)
    with pytest.raises(RecurrenceError):
        split_at(rule, 0)


def test_changing_all_keeps_the_past_sessions() -> None:
    # given a weekly Tuesday series; on Thursday 19 March the client moves to Wednesdays 6 pm
    rule = Recurrence(Frequency.WEEKLY, datetime(2026, 3, 3, 17), NY, 50)
    new = Recurrence(Frequency.WEEKLY, datetime(2026, 3, 25, 18), NY, 50)
    kept, changed = change_from(rule, new, date(2026, 3, 19))
    # then the three past Tuesdays stay, and Wednesdays follow
    assert kept is not None
    assert local_starts(kept) == ["2026-03-03 17:00", "2026-03-10 17:00", "2026-03-17 17:00"]
    assert changed == new


def test_changing_all_after_the_last_session_keeps_the_whole_series() -> None:
    rule = Recurrence(Frequency.WEEKLY, datetime(2026, 3, 3, 17), NY, 50, count=2)
    new = Recurrence(Frequency.WEEKLY, datetime(2026, 4, 1, 18), NY, 50)
    assert change_from(rule, new, date(2026, 4, 1)) == (rule, new)


def test_changing_all_keeps_a_past_cancellation() -> None:
    rule = cancel_occurrence(Recurrence(Frequency.WEEKLY, datetime(2026, 3, 3, 17), NY, 50), 1)
    new = Recurrence(Frequency.WEEKLY, datetime(2026, 3, 25, 18), NY, 50)
    kept, _ = change_from(rule, new, date(2026, 3, 19))
    assert kept is not None
    assert local_starts(kept) == ["2026-03-03 17:00", "2026-03-17 17:00"]


def test_changing_all_before_the_first_session_replaces_the_series() -> None:
    rule = Recurrence(Frequency.WEEKLY, datetime(2026, 3, 3, 17), NY, 50)
    new = Recurrence(Frequency.WEEKLY, datetime(2026, 3, 4, 18), NY, 50)
    assert change_from(rule, new, date(2026, 3, 1)) == (None, new)
    with pytest.raises(RecurrenceError):
        change_from(rule, new, date(2026, 3, 5))


# --- properties ------------------------------------------------------------------------------

ZONES = [
    "America/New_York",
    "America/Los_Angeles",
    "Europe/London",
    "Australia/Sydney",
    "Asia/Kolkata",
    "America/Phoenix",
    "Europe/Berlin",
    "America/Sao_Paulo",
    "UTC",
]
PROPERTY_SETTINGS = settings(max_examples=200, deadline=None)


@st.composite
def rules(draw: st.DrawFn, finite: bool = False) -> Recurrence:
    frequency = draw(st.sampled_from(list(Frequency)))
    day = draw(st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)))
    hour = draw(st.integers(0, 23))
    minute = draw(st.sampled_from([0, 15, 30, 45]))
    start = datetime(day.year, day.month, day.day, hour, minute)
    zone = draw(st.sampled_from(ZONES))
    duration = draw(st.integers(1, 240))
    end = draw(st.sampled_from(["count", "until"] if finite else ["count", "until", "never"]))
    count = draw(st.integers(1, 60)) if end == "count" else None
    until = day + timedelta(days=draw(st.integers(0, 800))) if end == "until" else None
    monthly_week = None
    if frequency is Frequency.MONTHLY_BY_WEEKDAY and day.day + 7 > _month_end(day):
        monthly_week = draw(st.sampled_from([None, -1]))
    return Recurrence(frequency, start, zone, duration, until, count, monthly_week)


def _month_end(day: date) -> int:
    following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return (following - timedelta(days=1)).day


def _all(rule: Recurrence) -> list:
    return occurrences(rule, FAR_PAST, utc(2040, 1, 1))


def _expected_wall(rule: Recurrence, local: datetime) -> datetime:
    """The rule's wall time, shifted forward by the gap when it does not exist that day."""
    zone = ZoneInfo(rule.timezone)
    before = local.replace(tzinfo=zone, fold=0).utcoffset()
    after = local.replace(tzinfo=zone, fold=1).utcoffset()
    assert before is not None and after is not None
    round_trip = local.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)
    if round_trip.replace(tzinfo=None) != local:  # in a gap
        return local + (after - before)
    return local


@PROPERTY_SETTINGS
@given(rules())
def test_property_local_wall_time_is_the_rules(rule: Recurrence) -> None:
    zone = ZoneInfo(rule.timezone)
    for occurrence in _all(rule):
        wall = occurrence.start_utc.astimezone(zone).replace(tzinfo=None)
        local = rule.original_start(occurrence.index)
        assert local.time() == rule.start.time()
        assert wall == _expected_wall(rule, local)


@PROPERTY_SETTINGS
@given(rules())
def test_property_count_series_have_count_sessions_increasing_without_overlap(
    rule: Recurrence,
) -> None:
    found = _all(rule)
    if rule.count is not None:
        assert len(found) == rule.count
    assert [o.index for o in found] == list(range(len(found)))
    for earlier, later in itertools.pairwise(found):
        assert earlier.start_utc < later.start_utc
        assert earlier.end_utc <= later.start_utc


@PROPERTY_SETTINGS
@given(rules(), st.integers(1, 60))
def test_property_split_halves_equal_the_original(rule: Recurrence, k: int) -> None:
    total = len(_all(rule))
    if total < 2:
        return
    k = 1 + k % (total - 1)
    before, after = split_at(rule, k)
    assert len(_all(before)) == k
    halves = [o.start_utc for o in _all(before)] + [o.start_utc for o in _all(after)]
    assert halves == [o.start_utc for o in _all(rule)]


@PROPERTY_SETTINGS
@given(
    rules(),
    st.datetimes(min_value=datetime(2023, 6, 1), max_value=datetime(2031, 6, 1)),
    st.integers(0, 400 * 24),
    st.integers(0, 400 * 24),
)
def test_property_adjacent_windows_add_up(
    rule: Recurrence, lo: datetime, first_hours: int, second_hours: int
) -> None:
    a = lo.replace(tzinfo=UTC)
    b = a + timedelta(hours=first_hours)
    c = b + timedelta(hours=second_hours)
    assert occurrences(rule, a, c) == occurrences(rule, a, b) + occurrences(rule, b, c)


@PROPERTY_SETTINGS
@given(rules(), st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2031, 1, 1)))
def test_property_a_window_skipping_ahead_matches_counting_from_the_start(
    rule: Recurrence, lo: datetime
) -> None:
    a = lo.replace(tzinfo=UTC)
    b = a + timedelta(days=200)
    from_start = occurrences(rule, FAR_PAST, b)
    assert occurrences(rule, a, b) == [o for o in from_start if o.start_utc >= a]


@PROPERTY_SETTINGS
@given(rules(finite=True), st.data())
def test_property_cancel_and_move_touch_one_session(rule: Recurrence, data: st.DataObject) -> None:
    original = _all(rule)
    if len(original) < 2:
        return
    index = data.draw(st.integers(0, len(original) - 1))
    cancelled = _all(cancel_occurrence(rule, index))
    assert cancelled == [o for o in original if o.index != index]
    target = rule.original_start(index) + timedelta(minutes=data.draw(st.integers(-600, 600)))
    moved = _all(move_occurrence(rule, index, target))
    assert sorted(o.index for o in moved) == [o.index for o in original]
    assert [o for o in moved if not o.moved] == cancelled
