"""What the calendar and the conflict check ask: available blocks, and whether a span fits."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from practicerunner.core import clock
from practicerunner.practice.models import Location
from practicerunner.scheduling import availability as av
from practicerunner.scheduling.models import AvailabilityException, Holiday, WorkingHours
from practicerunner.scheduling.recurrence import to_utc

LA = "America/Los_Angeles"  # the personas' practice
NOW = datetime(2026, 3, 1, 20, tzinfo=UTC)  # Sunday 1 March 2026, noon in Los Angeles


@pytest.fixture(autouse=True)
def frozen():
    with clock.frozen_at(NOW):
        yield


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return to_utc(datetime.combine(day, time(hour, minute)), LA)


def hours(session, staff_id: int, location_id: int, weekdays, start: int, end: int) -> None:
    for weekday in weekdays:
        session.add(
            WorkingHours(
                staff_id=staff_id,
                location_id=location_id,
                weekday=weekday,
                start_time=time(start),
                end_time=time(end),
            )
        )
    session.commit()


@pytest.fixture
def week(session, people):
    """Carl: Mon-Fri 9-5 at the office, Tue 6-8 pm telehealth; Thanksgiving and a day off."""
    tele = Location(name="Telehealth", kind="telehealth", place_of_service="10", created_at=NOW)
    session.add(tele)
    session.commit()
    carl = people.clinician.staff_id
    hours(session, carl, people.location.id, range(5), 9, 17)
    hours(session, carl, tele.id, [1], 18, 20)
    session.add_all(
        [
            Holiday(on_date=date(2026, 11, 26), name="Thanksgiving Day"),
            AvailabilityException(staff_id=carl, on_date=date(2026, 3, 5), kind="time_off"),
            AvailabilityException(
                staff_id=carl,
                on_date=date(2026, 3, 4),
                kind="time_off",
                start_time=time(13),
                end_time=time(15),
            ),
            AvailabilityException(
                staff_id=carl,
                on_date=date(2026, 3, 7),
                kind="extra",
                start_time=time(10),
                end_time=time(12),
                location_id=tele.id,
            ),
        ]
    )
    session.commit()
    return {"carl": carl, "office": people.location.id, "tele": tele.id}


def test_the_week_of_blocks_for_two_clinicians(session, people, week):
    carl, owner = week["carl"], people.owner.staff_id  # the owner has no hours: always free
    hours(session, owner, week["office"], [0], 8, 12)
    blocks = av.available_blocks(
        session, [carl, owner], at(date(2026, 3, 2), 0), at(date(2026, 3, 9), 0)
    )
    carls = [(b.start, b.end, b.location_id) for b in blocks if b.clinician_id == carl]
    office, tele = week["office"], week["tele"]
    assert carls == [
        ("2026-03-02T09:00:00-08:00", "2026-03-02T17:00:00-08:00", office),
        ("2026-03-03T09:00:00-08:00", "2026-03-03T17:00:00-08:00", office),
        ("2026-03-03T18:00:00-08:00", "2026-03-03T20:00:00-08:00", tele),
        ("2026-03-04T09:00:00-08:00", "2026-03-04T13:00:00-08:00", office),  # off 1-3 pm
        ("2026-03-04T15:00:00-08:00", "2026-03-04T17:00:00-08:00", office),
        # Thursday 5 March: the whole day off
        ("2026-03-06T09:00:00-08:00", "2026-03-06T17:00:00-08:00", office),
        ("2026-03-07T10:00:00-08:00", "2026-03-07T12:00:00-08:00", tele),  # extra Saturday
    ]
    owners = [(b.start, b.end) for b in blocks if b.clinician_id == owner]
    assert owners == [("2026-03-02T08:00:00-08:00", "2026-03-02T12:00:00-08:00")]
    assert [b.clinician_id for b in blocks] == sorted(b.clinician_id for b in blocks)


def test_blocks_keep_local_hours_across_the_dst_change_and_skip_holidays(session, week):
    # Clocks go forward on Sunday 8 March 2026; Thanksgiving is on Thursday 26 November.
    march = av.available_blocks(
        session, [week["carl"]], at(date(2026, 3, 6), 0), at(date(2026, 3, 10), 0)
    )
    assert [(b.start, b.end) for b in march if b.location_id == week["office"]] == [
        ("2026-03-06T09:00:00-08:00", "2026-03-06T17:00:00-08:00"),
        ("2026-03-09T09:00:00-07:00", "2026-03-09T17:00:00-07:00"),
    ]
    november = av.available_blocks(
        session, [week["carl"]], at(date(2026, 11, 23), 0), at(date(2026, 11, 28), 0)
    )
    days = [b.start[:10] for b in november if b.location_id == week["office"]]
    assert days == ["2026-11-23", "2026-11-24", "2026-11-25", "2026-11-27"]


RUNS_PAST = "The session runs past the end of Carl Chen's working hours"


@pytest.mark.parametrize(
    ("start", "minutes", "message"),
    [
        ((2026, 3, 2, 10), 50, None),
        ((2026, 3, 2, 16, 10), 50, None),  # ends exactly at 5 pm
        ((2026, 3, 3, 19), 50, None),  # Tuesday evening telehealth
        ((2026, 3, 4, 19), 50, "Wednesday 4 March, 7:00 pm is outside Carl Chen's working hours."),
        ((2026, 3, 2, 7), 50, "Monday 2 March, 7:00 am is outside Carl Chen's working hours."),
        ((2026, 3, 2, 16, 30), 50, f"{RUNS_PAST} (5:00 pm on Monday 2 March)."),
        # The office closes at 5 and telehealth opens at 6: the gap between is not free.
        ((2026, 3, 3, 16, 30), 90, f"{RUNS_PAST} (5:00 pm on Tuesday 3 March)."),
        ((2026, 3, 5, 10), 50, "Carl Chen is off on Thursday 5 March."),
        ((2026, 3, 4, 12, 30), 50, "Carl Chen has time off on Wednesday 4 March, 1:00 – 3:00 pm."),
        ((2026, 3, 7, 10, 30), 50, None),  # extra hours on a Saturday
        ((2026, 11, 26, 10), 50, "Thursday 26 November is a practice holiday (Thanksgiving Day)."),
        (
            (2027, 3, 1, 18),
            50,
            "Monday 1 March 2027, 6:00 pm is outside Carl Chen's working hours.",
        ),
    ],
)
def test_outside_hours_says_what_is_wrong(session, week, start, minutes, message):
    begin = to_utc(datetime(*start), LA)
    end = begin + timedelta(minutes=minutes)
    assert av.outside_hours(session, week["carl"], begin, end) == message


def test_back_to_back_blocks_at_different_places_hold_one_session(session, people, week):
    carl = week["carl"]
    # Tuesday 5-6 pm becomes telehealth too: 9-5 office then 5-8 telehealth.
    hours(session, carl, week["tele"], [1], 17, 18)
    begin = at(date(2026, 3, 3), 16, 30)
    assert av.outside_hours(session, carl, begin, begin + timedelta(minutes=60)) is None


def test_a_clinician_without_hours_is_never_warned_except_on_holidays_and_time_off(
    session, people, week
):
    owner = people.owner.staff_id
    night = at(date(2026, 3, 3), 23, 30)
    assert av.outside_hours(session, owner, night, night + timedelta(hours=1)) is None
    holiday = at(date(2026, 11, 26), 9)
    assert "practice holiday (Thanksgiving Day)" in av.outside_hours(
        session, owner, holiday, holiday + timedelta(minutes=50)
    )
    session.add(AvailabilityException(staff_id=owner, on_date=date(2026, 3, 10), kind="time_off"))
    session.commit()
    off = at(date(2026, 3, 10), 9)
    assert av.outside_hours(session, owner, off, off + timedelta(minutes=50)) == (
        "Olivia Owens is off on Tuesday 10 March."
    )


def test_the_window_must_be_aware_and_in_order(session, week):
    with pytest.raises(ValueError):
        av.available_blocks(session, [week["carl"]], datetime(2026, 3, 2), datetime(2026, 3, 3))
    with pytest.raises(ValueError):
        av.outside_hours(session, week["carl"], at(date(2026, 3, 2), 10), at(date(2026, 3, 2), 9))
    assert av.available_blocks(session, [], at(date(2026, 3, 2), 0), at(date(2026, 3, 3), 0)) == []


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    offset=st.integers(0, 14 * 96 - 1),
    minutes=st.sampled_from([15, 50, 53, 60, 90, 120, 240]),
)
def test_outside_hours_agrees_with_the_blocks(session, week, offset, minutes):
    """Over two weeks around the March DST change: a span fits exactly when a block holds it."""
    carl = week["carl"]
    lo, hi = at(date(2026, 3, 1), 0), at(date(2026, 3, 15), 0)
    blocks = av.available_blocks(session, [carl], lo, hi + timedelta(days=1))
    spans = sorted((datetime.fromisoformat(b.start), datetime.fromisoformat(b.end)) for b in blocks)
    union: list[list[datetime]] = []
    for s, e in spans:
        if union and s <= union[-1][1]:
            union[-1][1] = max(union[-1][1], e)
        else:
            union.append([s, e])
    start = lo + timedelta(minutes=15 * offset)
    end = start + timedelta(minutes=minutes)
    fits = any(s <= start and end <= e for s, e in union)
    message = av.outside_hours(session, carl, start, end)
    assert (message is None) == fits, (start.astimezone(ZoneInfo(LA)), message)
