"""Supervision hours per associate per month (supervision.hours): which meetings count (not
cancelled, supervision only, the associate as owner or as the colleague met), how a meeting
is placed (whole, in the practice-local month it starts, by its real length across clock
changes), individual against group, who sees whose hours, the month range's checks and the
CSV. Property tests check the month bucketing across DST, local midnights and month ends,
on pure functions and through the database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, delete

from practicerunner.core import clock
from practicerunner.core.errors import NotFound, ValidationFailed
from practicerunner.core.permissions import Role
from practicerunner.practice.models import Staff
from practicerunner.scheduling.models import CalendarItem
from practicerunner.supervision.hours import (
    HoursReport,
    Meeting,
    add_months,
    bucket,
    hours_csv,
    hours_label,
    hours_report,
    month_of,
    months_between,
    window,
)
from tests.personas import add_staff

LA = ZoneInfo("America/Los_Angeles")  # the personas' practice
NOW = datetime(2026, 6, 15, 19, 0, tzinfo=UTC)  # noon, 15 June, in Los Angeles
LATER = datetime(2027, 1, 15, 20, 0, tzinfo=UTC)  # every 2026 meeting is over
# Zones whose clocks change at awkward times: at local midnight (Santiago, Havana), by half
# an hour (Lord Howe), or not at all (Kolkata).
ZONES = [
    "America/Los_Angeles",
    "America/New_York",
    "America/Santiago",
    "America/Havana",
    "Australia/Lord_Howe",
    "Europe/London",
    "Asia/Kolkata",
]


@pytest.fixture
def frozen() -> Iterator:  # type: ignore[type-arg]
    with clock.frozen_at(NOW) as move:
        yield move


def _local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), LA)


def _item(
    session: Session,
    owner: int,
    start: datetime,
    minutes: int,
    *,
    with_id: int | None = None,
    kind: str = "supervision",
    cancelled: bool = False,
) -> None:
    # In UTC first: Python adds to an aware time by the wall clock, an hour off across DST.
    start = start.astimezone(UTC)
    session.add(
        CalendarItem(
            staff_id=owner,
            with_staff_id=with_id,
            kind=kind,
            title="",
            start_at=start,
            end_at=start + timedelta(minutes=minutes),
            is_cancelled=cancelled,
            created_at=NOW,
            updated_at=NOW,
        )
    )


def _table(report: HoursReport) -> dict[str, list[str]]:
    """{associate: [hours per month..., individual, group, total]} in words."""
    return {
        r.name: [hours_label(s) for s in [*r.months, r.individual, r.group, r.total]]
        for r in report.rows
    }


# --- Pure: months and buckets ----------------------------------------------------------------

instants = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
)


@given(moment=instants, zone=st.sampled_from(ZONES), span=st.integers(0, 30))
def test_a_moment_is_inside_a_months_window_exactly_when_it_falls_in_one_of_them(
    moment: datetime, zone: str, span: int
) -> None:
    tz = ZoneInfo(zone)
    month = month_of(moment, tz)
    local = moment.astimezone(tz)
    assert month == date(local.year, local.month, 1)
    for first in (add_months(month, -span), month, add_months(month, 1)):
        last = add_months(first, span)
        start, end = window(first, last, tz)
        assert (start <= moment < end) == (first <= month <= last), (first, last)


@given(
    meetings=st.lists(
        st.tuples(st.sampled_from([1, 2, 3]), instants, st.integers(1, 24 * 60), st.booleans()),
        max_size=30,
    ),
    zone=st.sampled_from(ZONES),
)
def test_each_meeting_counts_whole_once_in_the_local_month_it_starts(
    meetings: list[tuple[int, datetime, int, bool]], zone: str
) -> None:
    tz = ZoneInfo(zone)
    found = bucket(
        [Meeting(a, s, s + timedelta(minutes=m), individual=i) for a, s, m, i in meetings], tz
    )
    assert sum(t.total for t in found.values()) == sum(m * 60 for _, _, m, _ in meetings)
    for who, start, minutes, individual in meetings:
        local = start.astimezone(tz)
        key = (who, date(local.year, local.month, 1))
        tally = found[key]
        assert (tally.individual if individual else tally.group) >= minutes * 60
    for (who, month), tally in found.items():
        expected = [(m * 60, i) for a, s, m, i in meetings if a == who and month_of(s, tz) == month]
        assert tally.individual == sum(sec for sec, i in expected if i)
        assert tally.group == sum(sec for sec, i in expected if not i)


def test_months_and_hours_in_words() -> None:
    assert months_between(date(2026, 11, 1), date(2027, 2, 1)) == [
        date(2026, 11, 1),
        date(2026, 12, 1),
        date(2027, 1, 1),
        date(2027, 2, 1),
    ]
    assert add_months(date(2026, 1, 1), -1) == date(2025, 12, 1)
    assert hours_label(0) == ""
    assert hours_label(3600) == "1.0"
    assert hours_label(90 * 60) == "1.5"
    assert hours_label(50 * 60) == "0.8"  # 0.833
    assert hours_label(3 * 60) == "0.1"  # 0.05 rounds half up
    assert hours_label(2 * 60) == "0.0"  # less than three minutes: shown, but as 0.0


# --- Through the database ----------------------------------------------------------------------


def test_hours_per_associate_per_month(session: Session, people, frozen) -> None:  # type: ignore[no-untyped-def]
    frozen(LATER - NOW)
    ana, ben = int(people.staff["associate"].id), int(people.staff["associate2"].id)
    sam = int(people.staff["supervisor"].id)
    # January: Ana meets Sam (on Ana's calendar), then Sam meets Ana from 23:30 on the 31st
    # to 01:00 on 1 February (on Sam's calendar): a January meeting, counted whole.
    _item(session, ana, _local(date(2026, 1, 14), 12), 60, with_id=sam)
    _item(session, sam, _local(date(2026, 1, 31), 23, 30), 90, with_id=ana)
    # February: a group supervision block on Ana's calendar, nobody named.
    _item(session, ana, _local(date(2026, 2, 10), 9), 120)
    # March 8 is the spring-forward night: 01:30 to 03:30 on the wall is one real hour.
    _item(session, sam, _local(date(2026, 3, 8), 1, 30), 60, with_id=ben)
    assert (_local(date(2026, 3, 8), 1, 30).astimezone(UTC) + timedelta(hours=1)).astimezone(
        LA
    ).hour == 3
    # November 1 falls back: 01:00 to 01:59 twice; a 90-minute meeting from 00:30 counts 1.5.
    _item(session, ben, _local(date(2026, 11, 1), 0, 30), 90, with_id=sam)
    # None of these count: cancelled, admin time, Sam's own supervision of nobody, Carl's.
    _item(session, ana, _local(date(2026, 1, 20), 12), 60, with_id=sam, cancelled=True)
    _item(session, ana, _local(date(2026, 1, 21), 12), 60, kind="admin")
    _item(session, sam, _local(date(2026, 1, 22), 12), 60)
    _item(session, int(people.staff["clinician"].id), _local(date(2026, 1, 23), 12), 60)
    # Outside the range (December 2025, December 2026).
    _item(session, ana, _local(date(2025, 12, 31), 23), 120, with_id=sam)
    _item(session, ana, _local(date(2026, 12, 1), 0), 60, with_id=sam)
    session.commit()

    report = hours_report(session, people.owner, "2026-01", "2026-11")
    assert [f"{m:%Y-%m}" for m in report.months][:3] == ["2026-01", "2026-02", "2026-03"]
    assert len(report.months) == 11
    table = _table(report)
    assert table["Ana Alvarez"][:3] == ["2.5", "2.0", ""]
    assert table["Ana Alvarez"][11:] == ["2.5", "2.0", "4.5"]
    assert table["Ben Brooks"][2] == "1.0" and table["Ben Brooks"][10] == "1.5"
    assert table["Ben Brooks"][11:] == ["2.5", "", "2.5"]
    assert [hours_label(s) for s in report.month_totals][:3] == ["2.5", "2.0", "1.0"]
    assert hours_label(report.total) == "7.0"
    assert report.scope == "all"

    # The CSV says the same, with 0.0 for empty cells.
    lines = hours_csv(report).splitlines()
    assert lines[0].startswith("Associate,2026-01,2026-02,") and lines[0].endswith(
        "Individual,Group,Total"
    )
    assert lines[1].startswith("Ana Alvarez,2.5,2.0,0.0,") and lines[1].endswith(",2.5,2.0,4.5")
    assert lines[-1].startswith("All associates,2.5,2.0,1.0,") and lines[-1].endswith(",7.0")


def test_who_sees_whose_hours(session: Session, people, frozen) -> None:  # type: ignore[no-untyped-def]
    ana, ben = int(people.staff["associate"].id), int(people.staff["associate2"].id)
    sam = int(people.staff["supervisor"].id)
    # Another supervisor's associate, and a former associate with hours and one without.
    tess = add_staff(session, "tess@willow.test", "Tess Tran", [Role.SUPERVISOR])
    cole = add_staff(session, "cole@willow.test", "Cole Cruz", [Role.ASSOCIATE])
    gone = add_staff(session, "gina@willow.test", "Gina Gale", [Role.ASSOCIATE])
    idle = add_staff(session, "ivan@willow.test", "Ivan Ito", [Role.ASSOCIATE])
    for person in (gone, idle):
        person.is_active = False
        session.add(person)
    from practicerunner.supervision.models import ProviderSupervisor

    session.add(ProviderSupervisor(associate_id=cole.id, supervisor_id=tess.id))  # type: ignore[arg-type]
    june = date(2026, 6, 2)
    _item(session, ana, _local(june, 12), 60, with_id=sam)
    _item(session, sam, _local(june, 14), 30, with_id=ben)
    _item(session, int(cole.id), _local(june, 15), 45, with_id=int(tess.id))  # type: ignore[arg-type]
    _item(session, int(gone.id), _local(date(2026, 2, 2), 15), 60)  # type: ignore[arg-type]
    session.commit()

    def names(actor) -> list[str]:  # type: ignore[no-untyped-def]
        return [r.name for r in hours_report(session, actor).rows]

    # Default range: this month and the five before (January to June 2026).
    default = hours_report(session, people.owner)
    assert (default.first, default.last) == (date(2026, 1, 1), date(2026, 6, 1))
    assert names(people.owner) == ["Ana Alvarez", "Ben Brooks", "Cole Cruz", "Gina Gale"]
    assert names(people.supervisor) == ["Ana Alvarez", "Ben Brooks"]
    assert hours_report(session, people.supervisor).scope == "supervisees"
    assert names(people.associate) == ["Ana Alvarez"]
    own = hours_report(session, people.associate)
    assert own.scope == "own" and hours_label(own.total) == "1.0"
    for other in (people.clinician, people.scheduler, people.biller):
        with pytest.raises(NotFound):
            hours_report(session, other)


def test_a_month_range_is_checked(session: Session, people, frozen) -> None:  # type: ignore[no-untyped-def]
    owner = people.owner
    cases = {
        ("2026-13", "2026-06"): {"from": "Enter a month, like 2026-01."},
        ("2026-01", "June"): {"to": "Enter a month, like 2026-06."},
        ("2026-06", "2026-01"): {"to": "The last month cannot come before the first."},
        ("2024-01", "2026-06"): {"to": "Choose at most 24 months."},
    }
    for (start, end), errors in cases.items():
        with pytest.raises(ValidationFailed) as caught:
            hours_report(session, owner, start, end)
        assert caught.value.errors == errors, (start, end)
    ok = hours_report(session, owner, "2024-07", "2026-06")
    assert len(ok.months) == 24
    single = hours_report(session, owner, "2026-3", "2026-03")
    assert single.months == [date(2026, 3, 1)]


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    items=st.lists(
        st.tuples(
            st.sampled_from(["associate", "associate2", "supervisor"]),
            st.sampled_from(["associate", "associate2", "supervisor", None]),
            # Around month ends and the clock changes of 2026 (8 March, 1 November).
            st.sampled_from(
                [
                    *(date(2026, 1, 31), date(2026, 3, 1), date(2026, 3, 8)),
                    *(date(2026, 3, 31), date(2026, 10, 31), date(2026, 11, 1)),
                    date(2026, 11, 30),
                ]
            ),
            st.integers(0, 24 * 60 - 1),  # local minute of the day
            st.integers(1, 24 * 60),  # length
        ),
        max_size=12,
    ),
    first=st.sampled_from([date(2026, 1, 1), date(2026, 3, 1), date(2026, 11, 1)]),
    span=st.integers(0, 11),
)
def test_the_database_buckets_like_the_rule_says(
    session: Session, people, items, first: date, span: int
) -> None:  # type: ignore[no-untyped-def]
    with clock.frozen_at(LATER):
        _buckets_like_the_rule(session, people, items, first, span)


def _buckets_like_the_rule(session: Session, people, items, first: date, span: int) -> None:  # type: ignore[no-untyped-def]
    session.execute(delete(CalendarItem))
    session.commit()
    ids = {k: int(people.staff[k].id) for k in ("associate", "associate2", "supervisor")}
    expected: dict[tuple[str, date], int] = {}
    last = add_months(first, span)
    for owner, other, day, minute, length in items:
        if other == owner:
            other = None
        # Local wall time to an instant (a skipped minute lands after the gap).
        start = datetime.combine(day, time(minute // 60, minute % 60), LA).astimezone(UTC)
        _item(
            session,
            ids[owner],
            start,
            length,
            with_id=ids[other] if other else None,
        )
        local = start.astimezone(LA)
        month = date(local.year, local.month, 1)
        if first <= month <= last:
            for who in {owner, other} & {"associate", "associate2"}:
                expected[(who, month)] = expected.get((who, month), 0) + length * 60
    session.commit()
    report = hours_report(session, people.owner, f"{first:%Y-%m}", f"{last:%Y-%m}")
    got = {
        (key, month): seconds
        for row in report.rows
        for key in ("associate", "associate2")
        if row.staff_id == ids[key]
        for month, seconds in zip(report.months, row.months, strict=True)
        if seconds
    }
    assert got == expected
    assert report.total == sum(expected.values())


def test_a_deactivated_associate_without_hours_is_left_out(
    session: Session, people, frozen
) -> None:  # type: ignore[no-untyped-def]
    ben = session.get(Staff, people.staff["associate2"].id)
    ben.is_active = False  # type: ignore[union-attr]
    session.add(ben)
    session.commit()
    assert [r.name for r in hours_report(session, people.owner).rows] == ["Ana Alvarez"]


def test_a_meeting_counts_once_it_is_over(session: Session, people, frozen) -> None:  # type: ignore[no-untyped-def]
    ana, sam = int(people.staff["associate"].id), int(people.staff["supervisor"].id)
    # It is noon on 15 June: the morning's meeting is over, the one at 11:30 is not.
    _item(session, ana, _local(date(2026, 6, 15), 9), 60, with_id=sam)
    _item(session, ana, _local(date(2026, 6, 15), 11, 30), 60, with_id=sam)
    _item(session, ana, _local(date(2026, 6, 22), 9), 60, with_id=sam)
    session.commit()
    assert hours_label(hours_report(session, people.associate).total) == "1.0"
    frozen(timedelta(days=10))
    assert hours_label(hours_report(session, people.associate).total) == "3.0"
