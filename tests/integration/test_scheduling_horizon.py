"""The rolling horizon: the worker tops series up, skips taken times, and never writes twice."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from practicerunner.core import clock
from practicerunner.core.audit import AuditEvent
from practicerunner.scheduling import service as sched
from practicerunner.scheduling.models import Appointment
from practicerunner.scheduling.series import HORIZON, extend_horizons
from tests.integration.scheduling_support import MONDAY, booking, couple_case


def _count(engine: Engine) -> int:
    with Session(engine) as s:
        return s.exec(select(func.count()).select_from(Appointment)).one()


def test_a_time_taken_since_booking_is_skipped_and_audited(session: Session, people) -> None:
    with clock.frozen_at(MONDAY):
        case, _, _ = couple_case(session, people)
        sched.book(
            session, people.clinician, booking(people, case, "2026-03-03", "17:00", repeat="weekly")
        )
        # Beyond the horizon, someone books the clinician at the series' time.
        later = (MONDAY + HORIZON + timedelta(days=8)).astimezone(clock.now().tzinfo)
        from zoneinfo import ZoneInfo

        la = ZoneInfo("America/Los_Angeles")
        day = (MONDAY + HORIZON + timedelta(days=7)).astimezone(la).date()
        while day.weekday() != 1:
            day += timedelta(days=1)
        sched.book(
            session,
            people.clinician,
            booking(people, people.cases["clinician"], day.isoformat(), "17:00"),
        )
        del later
    written = extend_horizons(session, MONDAY + timedelta(days=21))
    assert written >= 1  # the weeks after the old horizon, except the taken one
    taken = session.exec(
        select(Appointment)
        .where(Appointment.case_id == case.id)
        .order_by(col(Appointment.start_at))
    ).all()
    assert all(a.start_at.astimezone(la).date() != day for a in taken)
    # Sessions the worker wrote show on the calendar like booked ones (same stored form).
    newest = taken[-1]
    week = sched.calendar_events(
        session,
        people.clinician,
        newest.start_at - timedelta(days=1),
        newest.start_at + timedelta(days=1),
        [people.staff["clinician"].id],
    )
    assert [e.id for e in week] == [f"a{newest.id}"]
    assert week[0].title == "Alex & Jordan Lee"
    if session.get_bind().dialect.name == "sqlite":
        # Text order is time order only if every row has the same form, microseconds included.
        stored = session.connection().exec_driver_sql("SELECT start_at FROM appointment")
        assert {len(v) for v in stored.scalars()} == {26}
    skipped = session.exec(
        select(AuditEvent).where(AuditEvent.action == "series.sessions_skipped")
    ).one()
    assert day.isoformat() in skipped.detail


def test_two_workers_at_once_write_each_session_once(
    engine: Engine, session: Session, people
) -> None:
    with clock.frozen_at(MONDAY):
        for i, key in enumerate(["owner", "clinician", "supervisor", "associate", "associate2"]):
            actor = getattr(people, key)
            sched.book(
                session,
                actor,
                booking(people, people.cases[key], "2026-03-04", f"{9 + i}:00", repeat="weekly"),
            )
    before = _count(engine)
    results: list[int] = []

    def work() -> None:
        with Session(engine) as s:
            results.append(extend_horizons(s, MONDAY + timedelta(days=60)))

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(results) == 2
    assert _count(engine) - before == sum(results) > 0
    # A third run finds nothing to do.
    with Session(engine) as s:
        assert extend_horizons(s, MONDAY + timedelta(days=60)) == 0
    with Session(engine) as s:
        keys = s.exec(select(Appointment.series_id, Appointment.occurrence_index)).all()
        assert len(keys) == len(set(keys))
