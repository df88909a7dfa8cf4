"""Property tests: series booked and edited through the service keep counts and wall times.

Over frequencies, timezones (with and without DST, both hemispheres), start dates near the
DST changes and the three edit scopes, on one SQLite database reset between examples.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete
from sqlmodel import Session, col, select

from practicerunner.core import clock
from practicerunner.core import db as core_db
from practicerunner.core.schema import create_schema
from practicerunner.messaging.models import OutboxMessage
from practicerunner.practice.models import Practice
from practicerunner.scheduling import series as series_mod
from practicerunner.scheduling import service as sched
from practicerunner.scheduling.models import Appointment, AppointmentAttendee, AppointmentSeries
from practicerunner.scheduling.recurrence import occurrences, to_utc
from tests.integration.scheduling_support import booking, couple_case
from tests.personas import build_practice

ZONES = [
    "America/Los_Angeles",
    "America/New_York",
    "Europe/London",
    "Australia/Sydney",
    "Asia/Tokyo",
]
NOW = datetime(2026, 2, 1, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
def world(tmp_path_factory):  # type: ignore[no-untyped-def]
    engine = core_db.make_engine(f"sqlite:///{tmp_path_factory.mktemp('prop') / 'p.db'}")
    create_schema(engine)
    core_db.use_engine(engine)
    with clock.frozen_at(NOW), Session(engine, expire_on_commit=False) as s:
        people = build_practice(s)
        case, _, _ = couple_case(s, people)
    yield engine, people, case
    core_db.use_engine(None)
    engine.dispose()


def _reset(s: Session, zone: str) -> None:
    s.exec(delete(OutboxMessage))  # type: ignore[call-overload]
    s.exec(delete(AppointmentAttendee))  # type: ignore[call-overload]
    s.exec(delete(Appointment))  # type: ignore[call-overload]
    s.exec(delete(AppointmentSeries))  # type: ignore[call-overload]
    practice = s.exec(select(Practice)).one()
    practice.timezone = zone
    s.add(practice)
    s.commit()


def _rows(s: Session, case_id: int) -> list[Appointment]:
    s.expire_all()
    return list(
        s.exec(
            select(Appointment)
            .where(Appointment.case_id == case_id)
            .order_by(col(Appointment.start_at), col(Appointment.id))
        ).all()
    )


def _date(a: Appointment, zone: str) -> date:
    return a.start_at.astimezone(ZoneInfo(zone)).date()


def _wall(a: Appointment, zone: str) -> tuple[int, int]:
    local = a.start_at.astimezone(ZoneInfo(zone))
    return local.hour, local.minute


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    zone=st.sampled_from(ZONES),
    repeat=st.sampled_from(["weekly", "biweekly", "monthly_by_weekday", "monthly_by_date"]),
    first_day=st.dates(date(2026, 2, 2), date(2026, 11, 20)),
    hour=st.integers(7, 19),
    minute=st.sampled_from([0, 15, 30, 45]),
    count=st.integers(3, 14),
    scope=st.sampled_from(["this", "following", "all"]),
    pivot_seed=st.integers(0, 1000),
    new_hour=st.integers(7, 19),
)
def test_series_edits_keep_counts_and_wall_times(
    world, zone, repeat, first_day, hour, minute, count, scope, pivot_seed, new_hour
) -> None:  # type: ignore[no-untyped-def]
    engine, people, case = world
    if first_day.day > 28:
        first_day = first_day.replace(day=28)
    with clock.frozen_at(NOW), Session(engine, expire_on_commit=False) as s:
        _reset(s, zone)
        data = booking(
            people,
            case,
            first_day.isoformat(),
            f"{hour:02d}:{minute:02d}",
            repeat=repeat,
            repeat_end="count",
            repeat_count=str(count),
        )
        try:
            sched.book(s, people.clinician, data)
        except sched.SchedulingConflict:
            pytest.fail("an empty calendar has no conflicts")
        rows = _rows(s, case.id)
        snapshot = {r.id: (r.occurrence_index, _wall(r, zone), _date(r, zone)) for r in rows}
        # Count holds (up to the rolling horizon); every session at the booked wall time.
        rule = series_mod.rule_of(s.get(AppointmentSeries, rows[0].series_id))
        first = to_utc(rule.start, zone)
        expected_count = len(occurrences(rule, first, max(NOW, first) + series_mod.HORIZON))
        assert len(rows) == expected_count
        count = expected_count
        assert {_wall(r, zone) for r in rows} == {(hour, minute)}
        assert [r.occurrence_index for r in rows] == list(range(count))
        pivot = rows[pivot_seed % count]
        pivot_index = int(pivot.occurrence_index or 0)
        new_start = pivot.start_at.astimezone(ZoneInfo(zone)).replace(hour=new_hour, minute=minute)
        sched.reschedule(
            s,
            people.clinician,
            pivot.id,
            start_local=new_start.strftime("%Y-%m-%dT%H:%M"),
            scope=scope,
        )
        after = _rows(s, case.id)
        assert len(after) == count, "an edit never adds or loses sessions"
        assert {a.id for a in after} == set(snapshot), "the same sessions (UIDs) move"
        moved = {a.id for a in after if _wall(a, zone) == (new_hour, minute)}
        if scope == "this":
            expected = {pivot.id}
        elif scope == "following":
            expected = {i for i, (index, _, _) in snapshot.items() if index >= pivot_index}
        else:  # all: every session not yet begun (here: all of them, "now" is before the first)
            expected = set(snapshot)
        if new_hour != hour:
            assert moved == expected
            assert all(_wall(a, zone) == (hour, minute) for a in after if a.id not in expected)
        # Each series' unique occurrence numbering survives the split.
        keys = [(a.series_id, a.occurrence_index) for a in after]
        assert len(set(keys)) == len(keys)
        # The moved sessions stay on their original local dates (only the time changed).
        for a in after:
            assert _date(a, zone) == snapshot[a.id][2]
        assert all(a.end_at - a.start_at == timedelta(minutes=53) for a in after)
