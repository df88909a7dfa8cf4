"""Who may see and change which clients and contacts: every role against every caseload."""

from __future__ import annotations

import pytest

from practicerunner.clients import service
from practicerunner.core.errors import NotFound, PermissionDenied

PERSONAS = ["owner", "clinician", "supervisor", "associate", "associate2", "scheduler", "biller"]
CASELOADS = ["owner", "clinician", "supervisor", "associate", "associate2"]
EVERYONE = set(CASELOADS)

# Whose clients each persona can open (the caseload each client's clinician carries).
CAN_VIEW = {
    "owner": EVERYONE,
    "clinician": {"clinician"},
    "supervisor": {"supervisor", "associate", "associate2"},
    "associate": {"associate"},
    "associate2": {"associate2"},
    "scheduler": EVERYONE,
    "biller": EVERYONE,
}
# Whose clients each persona can change (demographics and contacts alike).
CAN_EDIT = {
    "owner": EVERYONE,
    "clinician": {"clinician"},
    "supervisor": {"supervisor"},
    "associate": {"associate"},
    "associate2": {"associate2"},
    "scheduler": EVERYONE,
    "biller": EVERYONE,
}
CONTACT = {"relationship": "emergency", "first_name": "Rae", "last_name": "Lind"}
MATRIX = [(who, whose) for who in PERSONAS for whose in CASELOADS]


@pytest.mark.parametrize(("who", "whose"), MATRIX)
def test_it_opens_a_profile_only_within_scope(session, people, who, whose):
    # given
    actor = people.all()[who]
    client = people.clients[whose]
    # when / then
    if whose in CAN_VIEW[who]:
        profile = service.get_client_profile(session, actor, client.id)
        assert profile.id == client.id
    else:
        with pytest.raises(NotFound):
            service.get_client_profile(session, actor, client.id)


@pytest.mark.parametrize(("who", "whose"), MATRIX)
def test_it_updates_a_client_only_within_edit_scope(session, people, who, whose):
    # given
    actor = people.all()[who]
    client = people.clients[whose]
    # when / then
    if whose in CAN_EDIT[who]:
        updated = service.update_client(session, actor, client.id, {"pronouns": "they/them"})
        assert updated.pronouns == "they/them"
    elif whose in CAN_VIEW[who]:
        # A supervisor sees a supervisee's client but may not change it.
        with pytest.raises(PermissionDenied):
            service.update_client(session, actor, client.id, {"pronouns": "they/them"})
    else:
        with pytest.raises(NotFound):
            service.update_client(session, actor, client.id, {"pronouns": "they/them"})


@pytest.mark.parametrize(("who", "whose"), MATRIX)
def test_it_adds_contacts_only_within_edit_scope(session, people, who, whose):
    # given
    actor = people.all()[who]
    client = people.clients[whose]
    # when / then
    if whose in CAN_EDIT[who]:
        contact = service.add_contact(session, actor, client.id, CONTACT)
        assert contact.client_id == client.id
    else:
        expected = PermissionDenied if whose in CAN_VIEW[who] else NotFound
        with pytest.raises(expected):
            service.add_contact(session, actor, client.id, CONTACT)


@pytest.mark.parametrize(("who", "whose"), MATRIX)
def test_it_edits_and_removes_contacts_only_within_edit_scope(session, people, who, whose):
    # given
    contact = service.add_contact(session, people.owner, people.clients[whose].id, CONTACT)
    actor = people.all()[who]
    # when / then
    if whose in CAN_EDIT[who]:
        service.update_contact(session, actor, contact.id, {"first_name": "Ray"})
        service.deactivate_contact(session, actor, contact.id)
        assert service.list_contacts_for_client(session, people.owner, contact.client_id) == []
    else:
        expected = PermissionDenied if whose in CAN_VIEW[who] else NotFound
        with pytest.raises(expected):
            service.update_contact(session, actor, contact.id, {"first_name": "Ray"})
        with pytest.raises(expected):
            service.deactivate_contact(session, actor, contact.id)


@pytest.mark.parametrize("who", PERSONAS)
def test_it_lets_everyone_but_the_biller_create_clients(session, people, who):
    # given
    actor = people.all()[who]
    data = {
        "legal_first_name": "New",
        "legal_last_name": who.capitalize(),
        "date_of_birth": "1990-02-02",
        "status": "prospective",
    }
    # when / then
    if who == "biller":
        with pytest.raises(PermissionDenied):
            service.create_client(session, actor, data)
    else:
        client = service.create_client(session, actor, data)
        assert service.get_client_profile(session, actor, client.id).legal_name.startswith("New")


@pytest.mark.parametrize("who", ["clinician", "associate", "supervisor"])
def test_it_puts_a_clinicians_new_client_in_their_own_caseload(session, people, who):
    # given
    actor = people.all()[who]
    data = {"legal_first_name": "Kim", "legal_last_name": "Ito", "date_of_birth": "1988-08-08"}
    # when
    client = service.create_client(session, actor, data)
    # then
    assert client.clinician_id == actor.staff_id


@pytest.mark.parametrize("who", PERSONAS)
def test_it_lists_only_clients_in_scope(session, people, who):
    # given
    actor = people.all()[who]
    # when
    page = service.search_clients(session, actor)
    # then
    expected = {people.clients[k].id for k in CAN_VIEW[who]}
    assert {row.id for row in page.rows} == expected
    assert page.total == len(expected)


def test_it_shows_a_client_only_the_cases_the_actor_may_see(session, people):
    # given: Carl's client also takes part in Olivia's case
    from practicerunner.clients.models import CaseParticipant

    carls = people.clients["clinician"]
    session.add(
        CaseParticipant(case_id=people.cases["owner"].id, client_id=carls.id, role="member")
    )
    session.commit()
    # when
    seen_by_carl = service.get_client_profile(session, people.clinician, carls.id)
    seen_by_owner = service.get_client_profile(session, people.owner, carls.id)
    # then
    assert [c.id for c in seen_by_carl.cases] == [people.cases["clinician"].id]
    assert {c.id for c in seen_by_owner.cases} == {
        people.cases["clinician"].id,
        people.cases["owner"].id,
    }


def test_it_reaches_a_client_through_a_case_of_the_actors(session, people):
    # given: Olivia's client joins a case of Carl's
    from practicerunner.clients.models import CaseParticipant

    olivias = people.clients["owner"]
    session.add(
        CaseParticipant(case_id=people.cases["clinician"].id, client_id=olivias.id, role="member")
    )
    session.commit()
    # when
    profile = service.get_client_profile(session, people.clinician, olivias.id)
    # then
    assert profile.id == olivias.id
    assert [c.id for c in profile.cases] == [people.cases["clinician"].id]


def test_it_tells_the_supervisor_a_supervisees_client_is_read_only(session, people):
    # given
    anas = people.clients["associate"]
    # when
    profile = service.get_client_profile(session, people.supervisor, anas.id)
    # then
    assert not profile.can_edit
    assert not profile.can_edit_contacts
    assert [c.id for c in profile.cases] == [people.cases["associate"].id]


def test_it_never_shows_clinical_text_on_the_profile(session, people):
    # given
    client = people.clients["owner"]
    # when
    for who in ("scheduler", "biller", "owner"):
        profile = service.get_client_profile(session, people.all()[who], client.id)
        # then
        assert "Low mood" not in repr(profile)


def test_it_answers_not_found_for_a_client_that_does_not_exist(session, people):
    with pytest.raises(NotFound):
        service.get_client_profile(session, people.owner, 999_999)
    with pytest.raises(NotFound):
        service.update_contact(session, people.owner, 999_999, {"first_name": "X"})
