"""Locations: offices with an address, telehealth with the right place-of-service code."""

from __future__ import annotations

import json

import pytest
from sqlmodel import func, select

from practicerunner.core.audit import AuditEvent
from practicerunner.core.errors import NotFound, ValidationFailed
from practicerunner.practice import service as ps
from practicerunner.practice.models import Location


def office(**overrides: str) -> ps.LocationInput:
    values = {
        "name": "Eastside office",
        "kind": "office",
        "place_of_service": "11",
        "address_line1": "400 SE Oak St",
        "city": "Portland",
        "state": "OR",
        "postal_code": "97214",
    }
    values.update(overrides)
    return ps.LocationInput(**values)


def actions(session) -> list[str]:
    return list(session.exec(select(AuditEvent.action).order_by(AuditEvent.seq)).all())


def test_it_creates_an_office_and_audits_it(session, people):
    # when
    view = ps.create_location(session, people.owner, office())
    # then
    assert view.kind_label == "Office" and view.place_of_service == "11"
    assert view.address == "400 SE Oak St, Portland, OR 97214"
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "location.create")).one()
    assert event.record_id == view.id
    assert "place_of_service" in json.loads(event.detail)["fields"]


def test_it_creates_telehealth_without_an_address(session, people):
    view = ps.create_location(
        session,
        people.owner,
        office(name="Video sessions", kind="telehealth", place_of_service="10"),
    )
    assert view.kind == "telehealth" and view.address == "—"
    assert session.get(Location, view.id).city == ""


def test_it_lists_active_locations_first(session, people):
    retired = ps.create_location(session, people.owner, office(name="Attic"))
    ps.set_location_active(session, people.owner, retired.id, False)
    names = [loc.name for loc in ps.list_locations(session, people.owner)]
    assert names == ["Main office", "Attic"]


def test_it_updates_a_location_and_audits_the_changed_fields(session, people):
    # given
    view = ps.create_location(session, people.owner, office())
    # when
    updated = ps.update_location(session, people.owner, view.id, office(city="Gresham"))
    # then
    assert updated.city == "Gresham"
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "location.update")).one()
    assert json.loads(event.detail)["fields"] == ["city"]


def test_it_deactivates_and_reactivates_a_location(session, people):
    loc_id = people.location.id
    assert not ps.set_location_active(session, people.owner, loc_id, False).is_active
    assert ps.set_location_active(session, people.owner, loc_id, True).is_active
    assert actions(session)[-2:] == ["location.deactivate", "location.reactivate"]


def test_an_unknown_location_is_not_found(session, people):
    with pytest.raises(NotFound):
        ps.update_location(session, people.owner, 9999, office())


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "main OFFICE"}, "name"),  # the seeded location, differently cased
        ({"kind": "boat"}, "kind"),
        ({"place_of_service": "77"}, "place_of_service"),
        ({"place_of_service": "02"}, "place_of_service"),  # an office with a telehealth code
        ({"kind": "telehealth", "place_of_service": "11"}, "place_of_service"),
        ({"address_line1": ""}, "address_line1"),
        ({"city": ""}, "city"),
        ({"state": "Oregon"}, "state"),
        ({"postal_code": "ABCDE"}, "postal_code"),
    ],
)
def test_it_refuses_bad_input_and_writes_nothing(session, people, overrides, field):
    # given
    count = session.exec(select(func.count()).select_from(Location)).one()
    seq = len(actions(session))
    # when
    with pytest.raises(ValidationFailed) as refused:
        ps.create_location(session, people.owner, office(**overrides))
    # then
    assert field in refused.value.errors
    assert session.exec(select(func.count()).select_from(Location)).one() == count
    assert len(actions(session)) == seq


def test_a_rejected_edit_leaves_the_location_unchanged(session, people):
    # given
    loc_id = people.location.id
    before = session.get(Location, loc_id).model_dump()
    # when
    with pytest.raises(ValidationFailed):
        ps.update_location(session, people.owner, loc_id, office(name="Renamed", state="XX"))
    # then
    session.expire_all()
    assert session.get(Location, loc_id).model_dump() == before
