"""Every read of a client page and every change is audited: actor, time, record, IP."""

from __future__ import annotations

import contextlib
import dataclasses
import json
from datetime import UTC, datetime

from sqlmodel import select

from practicerunner.clients import service
from practicerunner.core import clock
from practicerunner.core.audit import AuditEvent, verify_chain

T0 = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)


def events(session, action):
    return session.exec(
        select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)
    ).all()


def test_every_profile_read_writes_one_event_with_the_client_and_ip(session, people):
    # given
    actor = dataclasses.replace(people.scheduler, ip="203.0.113.9")
    client = people.clients["associate"]
    # when
    with clock.frozen_at(T0):
        service.get_client_profile(session, actor, client.id)
        service.get_client_profile(session, actor, client.id)
    # then
    reads = events(session, "client.view")
    assert len(reads) == 2
    for event in reads:
        assert (event.client_id, event.record_type, event.record_id) == (
            client.id,
            "client",
            client.id,
        )
        assert (event.actor_id, event.ip, event.at) == (actor.staff_id, "203.0.113.9", T0)
    assert verify_chain(session)[1] == []


def test_a_refused_read_writes_nothing(session, people):
    # when
    with contextlib.suppress(Exception):
        service.get_client_profile(session, people.clinician, people.clients["owner"].id)
    # then
    assert events(session, "client.view") == []


def test_an_update_records_the_changed_field_names_never_the_values(session, people):
    # given
    client = people.clients["owner"]
    # when
    service.update_client(
        session, people.owner, client.id, {"pronouns": "she/her", "city": "Secretville"}
    )
    service.update_client(session, people.owner, client.id, {"city": "Secretville"})
    # then: one event (the second save changed nothing), with names only
    [event] = events(session, "client.update")
    assert json.loads(event.detail) == {"fields": ["city", "pronouns"]}
    assert "Secretville" not in event.detail
    assert event.client_id == client.id


def test_create_and_contact_changes_are_audited_with_the_client(session, people):
    # given
    client = service.create_client(
        session,
        people.owner,
        {"legal_first_name": "Ida", "legal_last_name": "Moss", "date_of_birth": "1970-07-07"},
    )
    # when
    contact = service.add_contact(
        session,
        people.owner,
        client.id,
        {"relationship": "guardian", "first_name": "Ola", "last_name": "Moss"},
    )
    service.update_contact(session, people.owner, contact.id, {"phone": "5035550100"})
    service.deactivate_contact(session, people.owner, contact.id)
    # then
    for action in ("client.create", "contact.create", "contact.update", "contact.deactivate"):
        [event] = events(session, action)
        assert event.client_id == client.id
        assert event.actor_id == people.owner.staff_id
    assert json.loads(events(session, "contact.update")[0].detail) == {"fields": ["phone"]}


def test_opening_the_edit_form_is_audited_as_a_read(session, people):
    client = people.clients["clinician"]
    values = service.get_client_form(session, people.clinician, client.id)
    assert values["legal_last_name"] == "OfClinician"
    [event] = events(session, "client.view")
    assert json.loads(event.detail) == {"page": "edit"}
