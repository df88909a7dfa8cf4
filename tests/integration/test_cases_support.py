"""Helpers shared by the case tests: more clients, contacts, case input, row counts."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from sqlmodel import Session, func, select

from practicerunner.clients import cases
from practicerunner.clients.models import Case, CaseParticipant, CasePayer, Client, Contact
from practicerunner.core import clock
from practicerunner.core.audit import AuditEvent
from practicerunner.core.permissions import Actor
from practicerunner.practice.models import Staff
from tests.personas import Personas, add_client


def client_of(
    session: Session, people: Personas, first: str, last: str, key: str = "clinician", **kw
) -> Client:
    """A new client assigned to the persona KEY's clinician."""
    born = kw.pop("born", date(1988, 6, 1))
    client = add_client(session, first, last, born, people.staff[key], **kw)
    session.commit()
    return client


def contact_of(
    session: Session,
    client: Client,
    first: str,
    last: str,
    relationship: str = "billing",
    email: str = "",
    portal_access: bool = False,
    is_active: bool = True,
) -> Contact:
    """A contact of CLIENT (billing, guardian or emergency)."""
    now = clock.now()
    contact = Contact(
        client_id=client.id,  # type: ignore[arg-type]
        relationship=relationship,
        first_name=first,
        last_name=last,
        email=email,
        portal_access=portal_access,
        is_active=is_active,
        created_at=now,
        updated_at=now,
    )
    session.add(contact)
    session.commit()
    return contact


def staff_id(people: Personas, key: str) -> int:
    staff: Staff = people.staff[key]
    assert staff.id is not None
    return staff.id


PRACTICE_ZONE = ZoneInfo("America/Los_Angeles")  # tests/personas.py's practice


def new_case(
    kind: str,
    clinician: int,
    participants: list[tuple[object, str, bool]],
    payers: list[tuple[str, str]],
    **kw,
) -> cases.CaseInput:
    """A CaseInput opened today."""
    return cases.CaseInput(
        kind=kind,
        primary_clinician_id=clinician,
        # Today in the practice's timezone (Los Angeles): just after midnight UTC it is
        # still yesterday there, and a case cannot be opened in the future.
        opened_on=kw.pop("opened_on", clock.now().astimezone(PRACTICE_ZONE).date().isoformat()),
        participants=participants,
        payers=payers,
        **kw,
    )


def counts(session: Session) -> tuple[int, int, int, int]:
    """How many cases, participants, payers and audit events there are."""
    session.expire_all()
    return tuple(  # type: ignore[return-value]
        session.exec(select(func.count()).select_from(model)).one()
        for model in (Case, CaseParticipant, CasePayer, AuditEvent)
    )


def couple(session: Session, people: Personas, key: str = "clinician") -> tuple[Client, Client]:
    """Maria Garcia and Alex Lee, clients of the persona KEY."""
    maria = client_of(session, people, "Maria", "Garcia", key, email="maria@example.com")
    alex = client_of(session, people, "Alex", "Lee", key)
    return maria, alex


def as_actor(actor: Actor, ip: str) -> Actor:
    """ACTOR acting from IP."""
    from dataclasses import replace

    return replace(actor, ip=ip)
