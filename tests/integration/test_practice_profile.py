"""Practice profile: the owner edits it; every save is validated, audited and atomic."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from practicerunner.core.audit import AuditEvent
from practicerunner.core.errors import ValidationFailed
from practicerunner.practice import service as ps
from practicerunner.practice.models import Practice


def profile(**overrides: str) -> ps.PracticeInput:
    values = {
        "name": "Willow Creek Counseling",
        "timezone": "America/Los_Angeles",
        "phone": "(503) 555-0142",
        "email": "Front@Example.com",
        "address_line1": "12 Alder St",
        "city": "Portland",
        "state": "or",
        "postal_code": "97205",
        "npi": "1234567893",
        "tax_id": "123456789",
    }
    values.update(overrides)
    return ps.PracticeInput(**values)


def test_it_saves_the_profile_normalised_and_audited(session, people):
    # given the seeded practice
    # when the owner saves the profile
    view = ps.update_practice(session, people.owner, profile())
    # then the values are stored in their normal forms
    assert view.phone == "(503) 555-0142"
    row = session.exec(select(Practice)).one()
    assert (row.phone, row.email, row.state, row.tax_id) == (
        "+15035550142",
        "front@example.com",
        "OR",
        "12-3456789",
    )
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "practice.update")).one()
    assert event.actor_id == people.staff["owner"].id
    assert "npi" in json.loads(event.detail)["fields"]


def test_it_writes_no_audit_event_when_nothing_changed(session, people):
    ps.update_practice(session, people.owner, profile())
    ps.update_practice(session, people.owner, profile())
    events = session.exec(select(AuditEvent).where(AuditEvent.action == "practice.update")).all()
    assert len(events) == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "  "),
        ("timezone", "Europe/London"),
        ("timezone", "Not/AZone"),
        ("phone", "555-01"),
        ("email", "front@@example"),
        ("state", "ZZ"),
        ("postal_code", "9720"),
        ("npi", "1234567890"),
        ("tax_id", "12-34567"),
    ],
)
def test_it_refuses_a_bad_field_and_writes_nothing(session, people, field, value):
    # given
    before = session.exec(select(Practice)).one().model_dump()
    # when
    with pytest.raises(ValidationFailed) as refused:
        ps.update_practice(session, people.owner, profile(**{field: value}))
    # then the message sits beside that field and the row is untouched
    assert field in refused.value.errors
    session.expire_all()
    assert session.exec(select(Practice)).one().model_dump() == before
    assert not session.exec(select(AuditEvent).where(AuditEvent.action == "practice.update")).all()


def test_it_reports_every_bad_field_at_once(session, people):
    with pytest.raises(ValidationFailed) as refused:
        ps.update_practice(session, people.owner, profile(name="", phone="12", npi="1"))
    assert set(refused.value.errors) == {"name", "phone", "npi"}
