"""The demo practice: the people, clients and cases the issue asks for, seeded once."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from practicerunner.auth import service as auth
from practicerunner.cli import DEMO_PASSWORD
from practicerunner.clients.models import (
    Case,
    CaseParticipant,
    CasePayer,
    Client,
    ClientStatus,
    Contact,
)
from practicerunner.core.audit import AuditEvent, verify_chain
from practicerunner.core.validation import email as valid_email
from practicerunner.core.validation import npi as valid_npi
from practicerunner.core.validation import phone as valid_phone
from practicerunner.demo import DEMO_ACCOUNTS, seed_demo
from practicerunner.practice.models import Location, Practice, Service, Staff, StaffRole
from practicerunner.supervision.models import ProviderSupervisor


@pytest.fixture
def seeded(session: Session) -> Session:
    assert seed_demo() is True
    return session


def _count(session: Session, model: type) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def _payers(session: Session, case: Case) -> list[CasePayer]:
    return list(session.exec(select(CasePayer).where(CasePayer.case_id == case.id)).all())


def _members(session: Session, case: Case) -> list[CaseParticipant]:
    return list(
        session.exec(select(CaseParticipant).where(CaseParticipant.case_id == case.id)).all()
    )


def test_it_creates_the_practice_locations_and_services(seeded):
    practice = seeded.exec(select(Practice)).one()
    assert practice.name == "Willow Creek Counseling"
    assert practice.timezone == "America/Los_Angeles"
    assert valid_npi(practice.npi) == practice.npi
    assert practice.tax_id == "93-1234567"
    locations = {loc.name: loc.place_of_service for loc in seeded.exec(select(Location))}
    assert locations == {"Main office": "11", "Telehealth": "10"}
    fees = {(s.cpt_code, s.duration_minutes, s.fee_cents) for s in seeded.exec(select(Service))}
    assert (("90837", 53, 16000) in fees) and (("90834", 45, 14000) in fees)
    assert {(c, f) for c, _, f in fees} >= {("90791", 18000), ("90847", 17000), ("90853", 6000)}
    assert (None, 50, 12000) in fees


def test_it_creates_the_staff_with_their_roles_and_supervision(seeded):
    roles: dict[str, set[str]] = {}
    for email, role in seeded.exec(
        select(Staff.email, StaffRole.role).join(StaffRole, StaffRole.staff_id == Staff.id)
    ):
        roles.setdefault(email, set()).add(role)
    assert roles == {
        "olivia@willow.example": {"owner", "clinician"},
        "sam@willow.example": {"clinician", "supervisor"},
        "ana@willow.example": {"associate"},
        "ben@willow.example": {"associate"},
        "fran@willow.example": {"scheduler"},
        "bill@willow.example": {"biller"},
    }
    sam = seeded.exec(select(Staff).where(Staff.email == "sam@willow.example")).one()
    links = seeded.exec(select(ProviderSupervisor)).all()
    assert len(links) == 2 and all(link.supervisor_id == sam.id for link in links)
    assert [email for email, _ in DEMO_ACCOUNTS] == list(roles)


def test_it_creates_forty_clients_with_clean_contact_details(seeded):
    clients = seeded.exec(select(Client)).all()
    assert len(clients) == 40
    statuses = Counter(c.status for c in clients)
    assert statuses[ClientStatus.ACTIVE] >= 34
    assert statuses[ClientStatus.PROSPECTIVE] and statuses[ClientStatus.DISCHARGED]
    for c in clients:
        if c.email:
            assert valid_email(c.email) == c.email
            assert c.email.endswith(("@example.com", "@example.org"))
        else:
            assert not c.portal_access
        if c.phone:
            assert valid_phone(c.phone) == c.phone and c.phone.startswith("+150355501")
        search_text = c.search_text
        c.refresh_keys()
        assert c.search_text == search_text
    for contact in seeded.exec(select(Contact)):
        assert contact.portal_access <= bool(contact.email)
        assert contact.phone.startswith("+150355501")


def test_it_creates_every_kind_of_case_with_payers_summing_to_one_hundred_percent(seeded):
    cases = seeded.exec(select(Case)).all()
    by_kind: dict[str, list[Case]] = {}
    for case in cases:
        by_kind.setdefault(case.kind, []).append(case)
        assert sum(p.share_basis_points for p in _payers(seeded, case)) == 10000
        assert case.presenting_concern.startswith("Demo text")
    couples = by_kind["couple"]
    assert len(couples) == 4
    contact_paid = [c for c in couples if any(p.contact_id for p in _payers(seeded, c))]
    assert len(contact_paid) == 1
    [only] = _payers(seeded, contact_paid[0])
    assert only.share_basis_points == 10000
    assert seeded.get(Contact, only.contact_id).relationship == "billing"
    families = by_kind["family"]
    assert len(families) == 2
    for family in families:
        [payer] = _payers(seeded, family)
        assert seeded.get(Contact, payer.contact_id).relationship == "guardian"
        assert any(m.role == "child" for m in _members(seeded, family))
    [group] = by_kind["group"]
    assert len(_members(seeded, group)) == 6
    assert len(by_kind["consultation"]) == 2
    clinicians = {c.primary_clinician_id for c in cases}
    assert len(clinicians) == 4


def test_it_records_the_seed_in_an_intact_audit_log(seeded):
    event = seeded.exec(select(AuditEvent).where(AuditEvent.action == "demo.seed")).one()
    assert event.actor_id is None and event.actor_name == "PracticeRunner"
    count, problems = verify_chain(seeded)
    # The seed itself, then what the billing services it runs audit (policies, methods,
    # payments recorded by hand, a declined card): all one intact chain.
    total = seeded.exec(select(func.count()).select_from(AuditEvent)).one()
    assert count == total and count > 1 and problems == []


def test_running_it_twice_creates_nothing_new(seeded):
    before = {m.__name__: _count(seeded, m) for m in (Client, Case, Staff, Contact, AuditEvent)}
    seeded.rollback()  # end the read transaction (SQLite allows one writer at a time)
    assert seed_demo() is False
    after = {m.__name__: _count(seeded, m) for m in (Client, Case, Staff, Contact, AuditEvent)}
    assert before == after


def test_every_demo_account_can_sign_in(seeded):
    for email, _role in DEMO_ACCOUNTS:
        handoff = auth.start_sign_in(seeded, email, DEMO_PASSWORD, ip="127.0.0.1")
        assert auth.complete_sign_in(seeded, handoff.code)


def test_its_calendar_respects_working_hours_holidays_and_days_off(seeded):
    from practicerunner.scheduling.availability import outside_hours
    from practicerunner.scheduling.models import Appointment, AppointmentStatus

    rows = seeded.exec(select(Appointment)).all()
    scheduled = [a for a in rows if a.status == AppointmentStatus.SCHEDULED]
    assert len(scheduled) > 300, "six months of weekly sessions ahead"
    assert any(a.status == AppointmentStatus.ATTENDED for a in rows), "and some history"
    outside = [outside_hours(seeded, a.clinician_id, a.start_at, a.end_at) for a in scheduled]
    assert [m for m in outside if m] == []
    closed = [a for a in rows if a.status == AppointmentStatus.CANCELLED_PRACTICE]
    assert closed and all(a.status_reason for a in closed)
