"""Likely duplicates are flagged before saving: same name and date of birth, or same email."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from practicerunner.clients import service
from practicerunner.clients.models import Client
from practicerunner.core.audit import AuditEvent


def jose(people, **extra):
    return {
        "legal_first_name": "José",
        "legal_last_name": "Núñez",
        "date_of_birth": "1990-05-01",
        "email": "jose@example.com",
        "clinician_id": str(people.staff["owner"].id),
        **extra,
    }


def count(session, model):
    return session.exec(select(func.count()).select_from(model)).one()


def test_it_flags_the_same_name_and_birth_date_ignoring_accents_and_case(session, people):
    # given
    first = service.create_client(session, people.owner, jose(people))
    clients, events = count(session, Client), count(session, AuditEvent)
    # when
    with pytest.raises(service.PossibleDuplicate) as flagged:
        service.create_client(
            session,
            people.owner,
            jose(people, legal_first_name="JOSE", legal_last_name="nunez", email=""),
        )
    # then: the match is named and linked, and nothing was written
    [match] = flagged.value.matches
    assert match.client_id == first.id
    assert match.name == "José Núñez"
    assert match.date_of_birth == "1990-05-01"
    assert "same name and date of birth" in match.message
    assert (count(session, Client), count(session, AuditEvent)) == (clients, events)


def test_it_flags_the_same_email_with_another_name(session, people):
    # given
    service.create_client(session, people.owner, jose(people))
    # when / then
    with pytest.raises(service.PossibleDuplicate) as flagged:
        service.create_client(
            session,
            people.owner,
            {
                "legal_first_name": "Ana",
                "legal_last_name": "Other",
                "date_of_birth": "1970-01-01",
                "email": "JOSE@example.com",
            },
        )
    assert "same email" in flagged.value.matches[0].message


def test_it_does_not_flag_the_same_name_with_another_birth_date(session, people):
    service.create_client(session, people.owner, jose(people))
    other = service.create_client(
        session, people.owner, jose(people, date_of_birth="1991-05-01", email="")
    )
    assert other.id is not None


def test_it_saves_a_confirmed_duplicate_and_says_so_in_the_audit(session, people):
    # given
    service.create_client(session, people.owner, jose(people))
    # when
    second = service.create_client(session, people.owner, jose(people), confirm_duplicate=True)
    # then
    event = session.exec(
        select(AuditEvent).where(
            AuditEvent.action == "client.create", AuditEvent.record_id == second.id
        )
    ).one()
    assert '"duplicate_confirmed": true' in event.detail


def test_it_checks_all_clients_but_names_only_those_in_scope(session, people):
    # given: Olivia's client is outside Carl's caseload
    olivias = people.clients["owner"]
    data = {
        "legal_first_name": olivias.legal_first_name,
        "legal_last_name": olivias.legal_last_name,
        "date_of_birth": olivias.date_of_birth.isoformat(),
        "email": olivias.email,
    }
    # when
    with pytest.raises(service.PossibleDuplicate) as flagged:
        service.create_client(session, people.clinician, data)
    # then: Carl learns a record exists, never whose it is
    [match] = flagged.value.matches
    assert match.client_id is None
    assert match.name == ""
    assert match.message == (
        "A client with the same name and date of birth already exists (not in your caseload)."
    )
    assert olivias.legal_last_name not in repr(flagged.value.matches)


def test_it_checks_an_update_against_others_but_not_itself(session, people):
    # given
    mine = service.create_client(session, people.owner, jose(people))
    other = service.create_client(
        session, people.owner, jose(people, legal_first_name="Rosa", email="rosa@example.com")
    )
    # when: an edit that does not touch who this is
    service.update_client(session, people.owner, mine.id, {"city": "Portland"})
    # then: taking another client's email is flagged, and can be confirmed
    with pytest.raises(service.PossibleDuplicate) as flagged:
        service.update_client(session, people.owner, mine.id, {"email": "rosa@example.com"})
    assert flagged.value.matches[0].client_id == other.id
    updated = service.update_client(
        session, people.owner, mine.id, {"email": "rosa@example.com"}, confirm_duplicate=True
    )
    assert updated.email == "rosa@example.com"
