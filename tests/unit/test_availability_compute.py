"""Available time from weekly hours, time off, extra hours and holidays, across DST changes.

The rules are local wall times: 9 to 5 must come out as 9:00 and 17:00 on the practice's
clock every day of the year, whatever the UTC offset that day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from practicerunner.scheduling.availability.compute import (
    DatedRule,
    Rules,
    Span,
    WeeklyRule,
    explain,
    first_gap,
    merge,
    spans,
)
from practicerunner.scheduling.recurrence import to_utc

ZONES = ["America/New_York", "Europe/London", "Australia/Sydney", "America/Los_Angeles"]
OFF, EXTRA = "time_off", "extra"


def midnight(day: date, zone: str) -> datetime:
    return to_utc(datetime.combine(day, time.min), zone)


def window(first: date, days: int, zone: str) -> tuple[datetime, datetime]:
    return midnight(first, zone), midnight(first + timedelta(days=days), zone)


def local(span: Span, zone: str) -> tuple[datetime, datetime]:
    z = ZoneInfo(zone)
    return span.start.astimezone(z), span.end.astimezone(z)


def nine_to_five(weekdays: list[int] | range = range(5), location_id: int = 1) -> list[WeeklyRule]:
    return [WeeklyRule(d, time(9), time(17), location_id) for d in weekdays]


def _dst_changes() -> list[date]:
    """Every date from 2024 to 2028 on which one of ZONES changes its UTC offset."""
    found = set()
    for zone in ZONES:
        z = ZoneInfo(zone)
        day = date(2024, 1, 1)
        while day < date(2029, 1, 1):
            before = datetime.combine(day, time(0), z).utcoffset()
            after = datetime.combine(day + timedelta(days=1), time(0), z).utcoffset()
            if before != after:
                found.add(day)
            day += timedelta(days=1)
    return sorted(found)


DST_CHANGES = _dst_changes()
zones = st.sampled_from(ZONES)
# Any date of five years, or one near a DST change (in either hemisphere) half the time.
dates = st.one_of(
    st.dates(min_value=date(2024, 1, 1), max_value=date(2028, 12, 31)),
    st.builds(
        lambda d, shift: d + timedelta(days=shift),
        st.sampled_from(DST_CHANGES),
        st.integers(-10, 3),
    ),
)
weekday_sets = st.lists(st.integers(0, 6), min_size=1, max_size=7, unique=True)
# Whole quarter hours from 6:00 to 23:45: clear of every DST gap and fold of these zones.
quarter_hours = st.integers(6 * 4, 23 * 4 + 3).map(lambda q: time(q // 4, q % 4 * 15))


@st.composite
def hours_of_a_day(draw: st.DrawFn) -> tuple[time, time]:
    start = draw(quarter_hours)
    later = [q for q in range(start.hour * 4 + start.minute // 15 + 1, 24 * 4)]
    q = draw(st.sampled_from(later)) if later else None
    end = time(q // 4, q % 4 * 15) if q is not None and q < 96 else time(23, 59)
    return start, end


# --- weekly hours -----------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(zone=zones, first=dates, days=st.integers(1, 21), weekdays=weekday_sets)
def test_weekly_nine_to_five_is_nine_to_five_local_every_day(zone, first, days, weekdays):
    start, end = window(first, days, zone)
    found = spans(Rules(nine_to_five(weekdays)), zone, {}, start, end)
    expected_days = [
        first + timedelta(days=n)
        for n in range(days)
        if (first + timedelta(days=n)).weekday() in weekdays
    ]
    assert [local(s, zone)[0].date() for s in found] == expected_days
    for span in found:
        lo, hi = local(span, zone)
        assert (lo.time(), hi.time()) == (time(9), time(17))
        assert span.end - span.start == timedelta(hours=8)  # on DST days too
        assert span.location_id == 1


@settings(max_examples=150, deadline=None)
@given(zone=zones, first=dates, days=st.integers(1, 14), block=hours_of_a_day())
def test_any_weekly_block_keeps_its_wall_times(zone, first, days, block):
    start_t, end_t = block
    rules = Rules([WeeklyRule(d, start_t, end_t, 7) for d in range(7)])
    found = spans(rules, zone, {}, *window(first, days, zone))
    assert len(found) == days
    for span in found:
        lo, hi = local(span, zone)
        assert (lo.time(), hi.time()) == (start_t, end_t)


def test_the_window_clips_blocks_and_adjacent_blocks_join():
    zone = "America/New_York"
    rules = Rules(
        [
            WeeklyRule(0, time(9), time(12), 1),
            WeeklyRule(0, time(12), time(17), 1),  # touches the morning: one block
            WeeklyRule(0, time(18), time(20), 2),  # elsewhere: its own block
        ]
    )
    monday = date(2026, 3, 2)
    start = to_utc(datetime(2026, 3, 2, 10), zone)
    found = spans(rules, zone, {}, start, midnight(monday + timedelta(days=1), zone))
    assert [(local(s, zone)[0].time(), local(s, zone)[1].time(), s.location_id) for s in found] == [
        (time(10), time(17), 1),
        (time(18), time(20), 2),
    ]


def test_a_block_inside_the_spring_forward_gap_moves_with_the_gap():
    # 2026-03-08 in New York: 2:00 jumps to 3:00. A 1:00-2:30 block runs 1:00 EST to 3:30 EDT.
    zone = "America/New_York"
    rules = Rules([WeeklyRule(6, time(1), time(2, 30), 1)])
    found = spans(rules, zone, {}, *window(date(2026, 3, 8), 1, zone))
    assert [(s.start, s.end) for s in found] == [
        (datetime(2026, 3, 8, 6, tzinfo=UTC), datetime(2026, 3, 8, 7, 30, tzinfo=UTC))
    ]
    # 2:30-3:00 that night does not exist at all: nothing, not an inside-out block.
    empty = Rules([WeeklyRule(6, time(2, 30), time(3), 1)])
    assert spans(empty, zone, {}, *window(date(2026, 3, 8), 1, zone)) == []


def test_the_dst_dates_are_found():
    assert date(2026, 3, 8) in DST_CHANGES and date(2026, 10, 25) in DST_CHANGES  # NY, London
    assert date(2026, 4, 5) in DST_CHANGES  # Sydney goes back in April
    assert len(DST_CHANGES) >= 5 * 6


def test_a_clinician_without_weekly_hours_is_available_all_day():
    zone = "Europe/London"
    # The day the clocks go back is 25 hours long.
    start, end = window(date(2026, 10, 24), 3, zone)
    found = spans(Rules(), zone, {}, start, end)
    assert found == [Span(start, end, None)]
    assert end - start == timedelta(hours=73)


# --- holidays, time off, extra hours ----------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(zone=zones, first=dates, days=st.integers(1, 21), data=st.data())
def test_holidays_remove_the_whole_day(zone, first, days, data):
    all_days = [first + timedelta(days=n) for n in range(days)]
    closed = data.draw(st.sets(st.sampled_from(all_days)))
    extra = {d: [DatedRule(d, EXTRA, time(18), time(20), 2)] for d in all_days}
    rules = Rules([WeeklyRule(d, time(9), time(17), 1) for d in range(7)], extra)
    found = spans(rules, zone, {d: "Closed" for d in closed}, *window(first, days, zone))
    open_days = {local(s, zone)[0].date() for s in found}
    assert open_days == set(all_days) - closed
    # A clinician with no weekly hours is not available on a holiday either.
    always = spans(Rules(), zone, {d: "Closed" for d in closed}, *window(first, days, zone))
    for span in always:
        for d in closed:
            assert not (
                span.start < midnight(d + timedelta(days=1), zone) and midnight(d, zone) < span.end
            )


@settings(max_examples=200, deadline=None)
@given(zone=zones, first=dates, cut=hours_of_a_day())
def test_time_off_subtracts_exactly(zone, first, cut):
    cut_start, cut_end = cut
    rules = Rules(
        [WeeklyRule(first.weekday(), time(9), time(17), 1)],
        {first: [DatedRule(first, OFF, cut_start, cut_end)]},
    )
    found = spans(rules, zone, {}, *window(first, 1, zone))

    def minutes(t: time) -> int:
        return t.hour * 60 + t.minute

    overlap = max(0, min(minutes(cut_end), 17 * 60) - max(minutes(cut_start), 9 * 60))
    total = sum(((s.end - s.start) for s in found), timedelta())
    assert total == timedelta(minutes=8 * 60 - overlap)
    expected = []
    if minutes(cut_start) > 9 * 60:
        expected.append((time(9), min(cut_start, time(17))))
    if minutes(cut_end) < 17 * 60:
        expected.append((max(cut_end, time(9)), time(17)))
    assert [tuple(x.time() for x in local(s, zone)) for s in found] == expected


@settings(max_examples=100, deadline=None)
@given(zone=zones, first=dates)
def test_a_whole_day_off_leaves_nothing_that_day(zone, first):
    rules = Rules(
        nine_to_five(range(7)),
        {first: [DatedRule(first, OFF), DatedRule(first, EXTRA, time(18), time(19), 1)]},
    )
    assert spans(rules, zone, {}, *window(first, 1, zone)) == []
    nxt = spans(rules, zone, {}, *window(first + timedelta(days=1), 1, zone))
    assert len(nxt) == 1


@settings(max_examples=150, deadline=None)
@given(zone=zones, first=dates, extra=hours_of_a_day(), weekly=st.booleans())
def test_extra_hours_add(zone, first, extra, weekly):
    start_t, end_t = extra
    base = (
        [WeeklyRule(first.weekday(), time(9), time(12), 1)]
        if weekly
        else [WeeklyRule((first.weekday() + 1) % 7, time(9), time(12), 1)]
    )
    rules = Rules(base, {first: [DatedRule(first, EXTRA, start_t, end_t, 1)]})
    found = spans(rules, zone, {}, *window(first, 1, zone))
    z = ZoneInfo(zone)

    def at(t: time) -> datetime:
        return to_utc(datetime.combine(first, t), zone)

    pieces = [(at(start_t), at(end_t))] + ([(at(time(9)), at(time(12)))] if weekly else [])
    union = merge(Span(a, b, 1) for a, b in pieces)
    assert found == union
    assert all(s.start.astimezone(z).date() == first for s in found)


# --- outside hours agrees with the blocks -----------------------------------------------------


@st.composite
def availability(draw: st.DrawFn):
    zone = draw(zones)
    first = draw(dates)
    weekly = []
    for weekday in draw(weekday_sets):
        a, b = draw(hours_of_a_day())
        weekly.append(WeeklyRule(weekday, a, b, draw(st.sampled_from([1, 2]))))
    days = [first + timedelta(days=n) for n in range(7)]
    dated = []
    for day in draw(st.lists(st.sampled_from(days), max_size=4)):
        kind = draw(st.sampled_from([OFF, EXTRA]))
        if kind == OFF and draw(st.booleans()):
            dated.append(DatedRule(day, OFF))
        else:
            a, b = draw(hours_of_a_day())
            dated.append(DatedRule(day, kind, a, b, 1 if kind == EXTRA else None))
    holidays = {d: "Holiday" for d in draw(st.sets(st.sampled_from(days), max_size=2))}
    rules = Rules.of([] if draw(st.integers(0, 9)) == 0 else weekly, dated)
    return zone, first, rules, holidays


@settings(max_examples=300, deadline=None)
@given(setup=availability(), data=st.data())
def test_a_span_fits_exactly_when_one_block_of_the_union_holds_it(setup, data):
    zone, first, rules, holidays = setup
    lo, hi = window(first, 7, zone)
    # A day more than the spans can reach: a span near the end is judged on what follows it.
    week = spans(rules, zone, holidays, lo, hi + timedelta(days=1))
    union = merge(Span(s.start, s.end, None) for s in week)
    start = lo + timedelta(minutes=15 * data.draw(st.integers(0, 7 * 96 - 1)))
    end = start + timedelta(minutes=data.draw(st.sampled_from([15, 45, 50, 53, 90, 180])))
    gap = first_gap(spans(rules, zone, holidays, start, end), start, end)
    holds = any(u.start <= start and end <= u.end for u in union)
    assert (gap is None) == holds
    if gap is not None:
        assert start <= gap < end
        assert not any(u.start <= gap < u.end for u in union)
        why = explain(rules, zone, holidays, gap)
        if why.kind == "holiday":
            assert why.day in holidays


@pytest.mark.parametrize(
    ("at_local", "kind"),
    [
        (datetime(2026, 11, 26, 10), "holiday"),
        (datetime(2026, 11, 24, 10), "day_off"),
        (datetime(2026, 11, 23, 13, 30), "time_off"),
        (datetime(2026, 11, 23, 19), "outside"),
    ],
)
def test_it_explains_why_an_instant_is_not_available(at_local, kind):
    zone = "America/New_York"
    rules = Rules.of(
        nine_to_five(range(7)),
        [
            DatedRule(date(2026, 11, 24), OFF),
            DatedRule(date(2026, 11, 23), OFF, time(13), time(15)),
        ],
    )
    why = explain(rules, zone, {date(2026, 11, 26): "Thanksgiving Day"}, to_utc(at_local, zone))
    assert why.kind == kind
    assert why.at_local.replace(tzinfo=None) == at_local
