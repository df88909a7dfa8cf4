"""Bad input: a message per field, and a rejected save writes nothing."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from practicerunner.clients import service
from practicerunner.clients.models import Client, Contact
from practicerunner.core.audit import AuditEvent
from practicerunner.core.errors import ValidationFailed
from practicerunner.core.permissions import Role
from tests.personas import add_staff


def counts(session):
    return tuple(
        session.exec(select(func.count()).select_from(m)).one()
        for m in (Client, Contact, AuditEvent)
    )


def test_it_reports_every_bad_field_at_once_and_writes_nothing(session, people):
    # given
    before = counts(session)
    bad = {
        "legal_first_name": "  ",
        "legal_last_name": "",
        "date_of_birth": "2999-01-01",
        "email": "not-an-email",
        "phone": "12",
        "state": "Oregon",
        "postal_code": "972",
        "status": "sleeping",
        "clinician_id": "abc",
    }
    # when
    with pytest.raises(ValidationFailed) as failed:
        service.create_client(session, people.owner, bad)
    # then
    assert failed.value.errors == {
        "legal_first_name": "Legal first name is required.",
        "legal_last_name": "Legal last name is required.",
        "date_of_birth": "Date of birth cannot be in the future.",
        "email": "Enter a valid email address, like name@example.com.",
        "phone": "Enter a valid phone number, like (503) 555-0142.",
        "state": "Use the two-letter state code, like OR.",
        "postal_code": "Enter a ZIP code like 97205 or 97205-1234.",
        "status": "Choose a status.",
        "clinician_id": "Choose a clinician from the list.",
    }
    assert counts(session) == before


@pytest.mark.parametrize(
    ("dob", "message"),
    [
        ("", "Date of birth is required."),
        ("23/04/1985", "Enter date of birth as a date, like 1985-04-23."),
        ("1850-01-01", "Date of birth is too far in the past."),
    ],
)
def test_it_checks_the_date_of_birth(session, people, dob, message):
    data = {"legal_first_name": "A", "legal_last_name": "B", "date_of_birth": dob}
    with pytest.raises(ValidationFailed) as failed:
        service.create_client(session, people.owner, data)
    assert failed.value.errors == {"date_of_birth": message}


def test_it_normalises_email_and_phone(session, people):
    client = service.create_client(
        session,
        people.owner,
        {
            "legal_first_name": "A",
            "legal_last_name": "B",
            "date_of_birth": "1990-01-01",
            "email": " Mixed.Case@Example.COM ",
            "phone": "503.555.0142",
            "state": "or",
        },
    )
    assert (client.email, client.phone, client.state) == (
        "mixed.case@example.com",
        "+15035550142",
        "OR",
    )


def test_it_refuses_portal_access_without_an_email(session, people):
    data = {
        "legal_first_name": "A",
        "legal_last_name": "B",
        "date_of_birth": "1990-01-01",
        "portal_access": "on",
    }
    with pytest.raises(ValidationFailed) as failed:
        service.create_client(session, people.owner, data)
    assert failed.value.errors == {"portal_access": "Portal access needs an email address on file."}


def test_it_refuses_another_clinician_for_a_clinicians_client(session, people):
    data = {
        "legal_first_name": "A",
        "legal_last_name": "B",
        "date_of_birth": "1990-01-01",
        "clinician_id": str(people.staff["owner"].id),
    }
    with pytest.raises(ValidationFailed) as failed:
        service.create_client(session, people.clinician, data)
    assert failed.value.errors == {
        "clinician_id": "You can assign clients only to your own caseload."
    }


@pytest.mark.parametrize("who", ["scheduler", "inactive"])
def test_it_assigns_only_active_clinicians(session, people, who):
    # given
    if who == "inactive":
        staff = add_staff(session, "gone@willow.test", "Gone Away", [Role.CLINICIAN])
        staff.is_active = False
        session.add(staff)
        session.commit()
    else:
        staff = people.staff["scheduler"]
    data = {
        "legal_first_name": "A",
        "legal_last_name": "B",
        "date_of_birth": "1990-01-01",
        "clinician_id": str(staff.id),
    }
    # when / then
    with pytest.raises(ValidationFailed) as failed:
        service.create_client(session, people.owner, data)
    assert failed.value.errors == {"clinician_id": "Choose an active clinician from the list."}


def test_a_rejected_update_changes_nothing(session, people):
    # given
    client = people.clients["owner"]
    before = counts(session)
    # when
    with pytest.raises(ValidationFailed):
        service.update_client(
            session, people.owner, client.id, {"legal_last_name": "Renamed", "email": "bad@"}
        )
    # then
    session.expire_all()
    assert session.get(Client, client.id).legal_last_name == "OfOwner"
    assert counts(session) == before


def test_it_validates_contacts_field_by_field_and_writes_nothing(session, people):
    # given
    before = counts(session)
    # when
    with pytest.raises(ValidationFailed) as failed:
        service.add_contact(
            session,
            people.owner,
            people.clients["owner"].id,
            {
                "relationship": "friend",
                "first_name": "",
                "last_name": "",
                "phone": "x",
                "portal_access": "on",
            },
        )
    # then
    assert failed.value.errors == {
        "relationship": "Choose a relationship.",
        "first_name": "First name is required.",
        "last_name": "Last name is required.",
        "phone": "Enter a valid phone number, like (503) 555-0142.",
        "portal_access": "Portal access needs an email address on file.",
    }
    assert counts(session) == before
