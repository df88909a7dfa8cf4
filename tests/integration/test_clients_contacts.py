"""Contacts who are not clients: billing contacts, guardians, emergency contacts."""

from __future__ import annotations

import pytest

from practicerunner.clients import service
from practicerunner.core.errors import ValidationFailed


def test_it_adds_and_lists_a_contact_with_a_formatted_phone(session, people):
    # given
    client = people.clients["clinician"]
    # when
    service.add_contact(
        session,
        people.clinician,
        client.id,
        {
            "relationship": "billing",
            "first_name": "Pat",
            "last_name": "Payer",
            "email": "pat@example.com",
            "phone": "503 555 0111",
            "portal_access": "on",
            "address_line1": "1 Main St",
            "city": "Salem",
            "state": "or",
            "postal_code": "97301",
        },
    )
    # then
    [contact] = service.get_client_profile(session, people.clinician, client.id).contacts
    assert contact.relationship_label == "Billing contact"
    assert contact.name == "Pat Payer"
    assert contact.phone == "(503) 555-0111"
    assert contact.address == "1 Main St, Salem, OR 97301"
    assert contact.portal_access


def test_it_edits_a_contact_keeping_fields_not_sent(session, people):
    # given
    contact = service.add_contact(
        session,
        people.scheduler,
        people.clients["owner"].id,
        {
            "relationship": "emergency",
            "first_name": "Eve",
            "last_name": "Ng",
            "phone": "5035550123",
        },
    )
    # when
    service.update_contact(session, people.scheduler, contact.id, {"relationship": "guardian"})
    # then
    form = service.get_contact_form(session, people.scheduler, contact.id)
    assert form["relationship"] == "guardian"
    assert form["phone"] == "(503) 555-0123"
    assert form["client_id"] == people.clients["owner"].id


def test_removing_a_contact_hides_it_and_ends_portal_access(session, people):
    # given
    contact = service.add_contact(
        session,
        people.owner,
        people.clients["owner"].id,
        {
            "relationship": "billing",
            "first_name": "Pat",
            "last_name": "Payer",
            "email": "pat@example.com",
            "portal_access": True,
        },
    )
    # when
    service.deactivate_contact(session, people.owner, contact.id)
    # then
    session.refresh(contact)
    assert (contact.is_active, contact.portal_access) == (False, False)
    assert service.list_contacts_for_client(session, people.owner, contact.client_id) == []


def test_a_client_keeps_portal_access_only_with_an_email(session, people):
    # given
    client = people.clients["owner"]
    service.update_client(session, people.owner, client.id, {"portal_access": True})
    # when / then: removing the email while the portal is on is refused
    with pytest.raises(ValidationFailed) as failed:
        service.update_client(session, people.owner, client.id, {"email": ""})
    assert "portal_access" in failed.value.errors


def test_the_profile_shows_age_and_formatted_details(session, people):
    from datetime import UTC, datetime

    from practicerunner.core import clock

    client = service.create_client(
        session,
        people.owner,
        {
            "legal_first_name": "Lee",
            "legal_last_name": "Park",
            "preferred_name": "Lee-Lee",
            "date_of_birth": "2000-06-15",
            "phone": "5035550142",
            "pronouns": "they/them",
        },
    )
    with clock.frozen_at(datetime(2026, 6, 14, 12, tzinfo=UTC)):
        profile = service.get_client_profile(session, people.owner, client.id)
    assert (profile.display_name, profile.legal_name) == ("Lee-Lee Park", "Lee Park")
    assert (profile.age, profile.phone) == (25, "(503) 555-0142")
    assert profile.clinician_name == ""
