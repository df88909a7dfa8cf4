"""Twenty people book the same clinician at the same moment: exactly one wins.

Run on SQLite and PostgreSQL: once through the booking service (its locks and checks), and
once straight at the table (the database's own rule, with no service in the way).
"""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import Engine, func
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, select

from practicerunner.clients.models import Case, CaseParticipant
from practicerunner.core import clock
from practicerunner.core.errors import Conflict
from practicerunner.scheduling import service as sched
from practicerunner.scheduling.models import Appointment
from tests.integration.scheduling_support import MONDAY, booking
from tests.personas import add_client

ATTEMPTS = 20


def _cases(session: Session, people, n: int) -> list[Case]:
    """N individual cases of the same clinician, each with a different client."""
    clinician = people.staff["clinician"]
    cases = []
    now = clock.now()
    for i in range(n):
        client = add_client(
            session, f"Racer{i}", "Client", MONDAY.date().replace(year=1990), clinician
        )
        case = Case(
            kind="individual",
            title=f"Case {i}",
            primary_clinician_id=clinician.id,
            opened_on=now.date(),
            created_at=now,
            updated_at=now,
        )
        session.add(case)
        session.flush()
        session.add(CaseParticipant(case_id=case.id, client_id=client.id, role="client"))
        cases.append(case)
    session.commit()
    return cases


def _run_together(n: int, attempt) -> list[str]:  # type: ignore[no-untyped-def]
    barrier = threading.Barrier(n)
    outcomes: list[str] = []
    lock = threading.Lock()

    def worker(i: int) -> None:
        barrier.wait()
        try:
            result = attempt(i)
        except Exception as exc:  # shown in the assertion, not lost in a thread
            result = f"error: {exc!r}"[:300]
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return outcomes


def test_twenty_simultaneous_bookings_leave_exactly_one(
    engine: Engine, session: Session, people
) -> None:
    with clock.frozen_at(MONDAY):
        cases = _cases(session, people, ATTEMPTS)
        forms = [booking(people, c, "2026-03-03", "17:00") for c in cases]
        scheduler = people.scheduler

        def attempt(i: int) -> str:
            with Session(engine, expire_on_commit=False) as s:
                try:
                    sched.book(s, scheduler, forms[i])
                    return "booked"
                except Conflict:
                    return "conflict"

        outcomes = _run_together(ATTEMPTS, attempt)
    assert sorted(outcomes) == ["booked"] + ["conflict"] * (ATTEMPTS - 1)
    with Session(engine) as s:
        assert s.exec(select(func.count()).select_from(Appointment)).one() == 1


def test_the_database_itself_refuses_the_overlap(engine: Engine, session: Session, people) -> None:
    with clock.frozen_at(MONDAY):
        cases = _cases(session, people, ATTEMPTS)
    clinician_id = people.staff["clinician"].id
    service_id, location_id = people.service.id, people.location.id
    start = MONDAY + timedelta(days=1)

    def attempt(i: int) -> str:
        # Staggered starts: every pair overlaps, none is identical.
        s0 = start + timedelta(minutes=i)
        with Session(engine) as s:
            s.add(
                Appointment(
                    case_id=cases[i].id,
                    clinician_id=clinician_id,
                    service_id=service_id,
                    location_id=location_id,
                    start_at=s0,
                    end_at=s0 + timedelta(minutes=50),
                    created_at=MONDAY,
                    updated_at=MONDAY,
                )
            )
            try:
                s.commit()
                return "inserted"
            except IntegrityError as exc:
                assert "appointment_clinician_conflict" in str(exc.orig)
                return "refused"
            except OperationalError as exc:
                # Two inserts that each wait for the other's overlapping row: PostgreSQL's
                # exclusion constraint breaks the tie by aborting one — a refusal too.
                assert "deadlock detected" in str(exc.orig)
                return "refused"

    outcomes = _run_together(ATTEMPTS, attempt)
    assert sorted(outcomes) == ["inserted"] + ["refused"] * (ATTEMPTS - 1)
    with Session(engine) as s:
        assert s.exec(select(func.count()).select_from(Appointment)).one() == 1
        # A deliberate double-booking (with a reason) is outside the rule.
        s.add(
            Appointment(
                case_id=cases[0].id,
                clinician_id=clinician_id,
                service_id=service_id,
                location_id=location_id,
                start_at=start,
                end_at=start + timedelta(minutes=50),
                conflict_override_reason="Joint session",
                created_at=MONDAY,
                updated_at=MONDAY,
            )
        )
        s.commit()
        # A cancelled session frees its time.
        s.add(
            Appointment(
                case_id=cases[1].id,
                clinician_id=clinician_id,
                service_id=service_id,
                location_id=location_id,
                start_at=start,
                end_at=start + timedelta(minutes=50),
                status="cancelled_client",
                created_at=MONDAY,
                updated_at=MONDAY,
            )
        )
        s.commit()
        assert s.exec(select(func.count()).select_from(Appointment)).one() == 3
