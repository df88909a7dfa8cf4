"""Changing a case: details, closing, participants and payers — all or nothing, audited."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlmodel import select

from practicerunner.clients import cases
from practicerunner.clients.models import Case, CaseParticipant, CasePayer
from practicerunner.core.audit import AuditEvent
from practicerunner.core.errors import ValidationFailed
from tests.integration.test_cases_support import (
    client_of,
    contact_of,
    counts,
    couple,
    new_case,
    staff_id,
)


@pytest.fixture
def couple_case(session, people) -> Case:
    """Garcia & Lee, a couple case of Carl's, split 50/50."""
    maria, alex = couple(session, people)
    return cases.create_case(
        session,
        people.clinician,
        new_case(
            "couple",
            staff_id(people, "clinician"),
            [(maria.id, "partner", True), (alex.id, "partner", True)],
            [(f"client:{maria.id}", "50"), (f"client:{alex.id}", "50")],
            opened_on="2026-01-05",
        ),
    )


def participants_of(session, case: Case) -> list[tuple[int, str, bool]]:
    session.expire_all()
    rows = session.exec(select(CaseParticipant).where(CaseParticipant.case_id == case.id)).all()
    return sorted((p.client_id, p.role, p.attends) for p in rows)


def test_it_renames_and_closes_a_case_and_audits_the_fields(session, people, couple_case):
    # when
    cases.update_case(session, people.clinician, couple_case.id, title="Garcia-Lee")
    cases.close_case(session, people.clinician, couple_case.id, closed_on="2026-02-01")
    # then
    session.expire_all()
    case = session.get(Case, couple_case.id)
    assert (case.title, case.status, case.closed_on) == ("Garcia-Lee", "closed", date(2026, 2, 1))
    updates = session.exec(
        select(AuditEvent).where(AuditEvent.action == "case.update").order_by(AuditEvent.seq)
    ).all()
    assert [json.loads(e.detail)["fields"] for e in updates] == [
        ["title"],
        ["status", "closed_on"],
    ]


def test_it_reopens_a_closed_case(session, people, couple_case):
    cases.close_case(session, people.clinician, couple_case.id)
    cases.update_case(session, people.clinician, couple_case.id, status="active")
    session.expire_all()
    case = session.get(Case, couple_case.id)
    assert (case.status, case.closed_on) == ("active", None)


def test_it_refuses_to_close_before_the_case_opened(session, people, couple_case):
    before = counts(session)
    with pytest.raises(ValidationFailed) as refused:
        cases.close_case(session, people.clinician, couple_case.id, closed_on="2025-12-31")
    assert refused.value.errors == {"closed_on": "A case cannot close before it opened."}
    assert counts(session) == before


def test_it_changes_who_pays_with_the_same_rules(session, people, couple_case):
    # given
    maria_id, _ = [c for c, _, _ in participants_of(session, couple_case)]
    maria = session.get(type(people.clients["clinician"]), maria_id)
    dad = contact_of(session, maria, "Jorge", "Garcia")
    # when
    cases.set_payers(session, people.clinician, couple_case.id, [(f"contact:{dad.id}", "100")])
    # then
    rows = session.exec(select(CasePayer).where(CasePayer.case_id == couple_case.id)).all()
    assert [(p.client_id, p.contact_id, p.share_basis_points) for p in rows] == [
        (None, dad.id, 10000)
    ]


def test_a_rejected_payer_change_writes_nothing(session, people, couple_case):
    # given
    maria_id, alex_id = [c for c, _, _ in participants_of(session, couple_case)]
    before = counts(session)
    # when
    with pytest.raises(ValidationFailed) as refused:
        cases.set_payers(
            session,
            people.clinician,
            couple_case.id,
            [(f"client:{maria_id}", "50"), (f"client:{alex_id}", "49.99")],
        )
    # then
    assert refused.value.errors["payers"].startswith("The shares add up to 99.99%")
    assert counts(session) == before
    shares = session.exec(
        select(CasePayer.share_basis_points).where(CasePayer.case_id == couple_case.id)
    ).all()
    assert shares == [5000, 5000]


def test_it_replaces_a_partner_and_their_share_together(session, people, couple_case):
    # given
    maria_id, _ = [c for c, _, _ in participants_of(session, couple_case)]
    sam = client_of(session, people, "Sam", "Reyes")
    # when: Alex leaves, Sam joins and takes Alex's share, in one save
    cases.edit_case(
        session,
        people.clinician,
        couple_case.id,
        cases.CaseChanges(
            participants=[(maria_id, "partner", True), (sam.id, "partner", False)],
            payers=[(f"client:{maria_id}", "50"), (f"client:{sam.id}", "50")],
        ),
    )
    # then
    assert participants_of(session, couple_case) == sorted(
        [(maria_id, "partner", True), (sam.id, "partner", False)]
    )


def test_it_refuses_to_remove_a_participant_who_still_pays(session, people, couple_case):
    # given
    maria_id, alex_id = [c for c, _, _ in participants_of(session, couple_case)]
    sam = client_of(session, people, "Sam", "Reyes")
    before = counts(session)
    # when
    with pytest.raises(ValidationFailed) as refused:
        cases.set_participants(
            session,
            people.clinician,
            couple_case.id,
            [(maria_id, "partner", True), (sam.id, "partner", True)],
        )
    # then
    assert "payers" in refused.value.errors
    assert counts(session) == before
    assert [c for c, _, _ in participants_of(session, couple_case)] == sorted([maria_id, alex_id])


def test_participant_changes_keep_the_kinds_rules(session, people, couple_case):
    maria_id, _ = [c for c, _, _ in participants_of(session, couple_case)]
    with pytest.raises(ValidationFailed) as refused:
        cases.set_participants(
            session, people.clinician, couple_case.id, [(maria_id, "partner", True)]
        )
    assert refused.value.errors["participants"] == "A couple case has exactly two partners."


def test_the_clinician_can_record_the_presenting_concern_later(session, people, couple_case):
    cases.update_case(
        session, people.clinician, couple_case.id, presenting_concern="Trust after an affair"
    )
    view = cases.get_case_view(session, people.clinician, couple_case.id)
    assert view.presenting_concern == "Trust after an affair"
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "case.update")).one()
    assert json.loads(event.detail) == {"fields": ["presenting_concern"]}


def test_the_owner_hands_a_case_to_another_clinician(session, people, couple_case):
    cases.update_case(
        session, people.owner, couple_case.id, primary_clinician_id=staff_id(people, "associate")
    )
    session.expire_all()
    assert session.get(Case, couple_case.id).primary_clinician_id == staff_id(people, "associate")
    # Carl no longer reaches it.
    from practicerunner.core.errors import NotFound

    with pytest.raises(NotFound):
        cases.get_case_view(session, people.clinician, couple_case.id)
