"""Shared set-up for the scheduling tests: a couple's case and a booking form filler."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import Session

from practicerunner.clients.models import Case, CaseParticipant, Client
from practicerunner.core import clock
from practicerunner.scheduling.views import AppointmentInput
from tests.personas import Personas, add_client

# Monday 2 March 2026, 9 am in Los Angeles (the personas' practice timezone).
MONDAY = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)


def couple_case(
    session: Session, people: Personas, owner_key: str = "clinician"
) -> tuple[Case, Client, Client]:
    """A couple's case of the given clinician: Jordan and Alex Lee."""
    clinician = people.staff[owner_key]
    a = add_client(
        session, "Jordan", "Lee", date(1985, 5, 1), clinician, email="jordan@example.com"
    )
    b = add_client(session, "Alex", "Lee", date(1986, 6, 2), clinician, email="alex@example.com")
    now = clock.now()
    case = Case(
        kind="couple",
        title="Lee couple",
        primary_clinician_id=clinician.id,  # type: ignore[arg-type]
        opened_on=now.date(),
        presenting_concern="Communication after a move",
        created_at=now,
        updated_at=now,
    )
    session.add(case)
    session.flush()
    for client in (a, b):
        session.add(CaseParticipant(case_id=case.id, client_id=client.id, role="partner"))  # type: ignore[arg-type]
    session.commit()
    return case, a, b


def booking(people: Personas, case: Case, day: str, at: str, **extra: object) -> AppointmentInput:
    """A booking form for CASE with the clinician, the service and the office filled in."""
    data = AppointmentInput(
        case_id=str(case.id),
        service_id=str(people.service.id),  # type: ignore[union-attr]
        clinician_id=str(case.primary_clinician_id),
        location_id=str(people.location.id),  # type: ignore[union-attr]
        date=day,
        start_time=at,
    )
    for key, value in extra.items():
        setattr(data, key, value)
    return data
