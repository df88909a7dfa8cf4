"""Rooms of an office: added, renamed, retired; telehealth has none; names unique per office."""

from __future__ import annotations

import pytest
from sqlmodel import select

from practicerunner.core import clock
from practicerunner.core.audit import AuditEvent
from practicerunner.core.errors import NotFound, PermissionDenied, ValidationFailed
from practicerunner.practice.models import Location
from practicerunner.scheduling import rooms
from practicerunner.scheduling.models import Room


@pytest.fixture
def tele(session, people) -> int:
    loc = Location(
        name="Telehealth", kind="telehealth", place_of_service="10", created_at=clock.now()
    )
    session.add(loc)
    session.commit()
    return loc.id


def test_the_owner_adds_renames_and_retires_rooms(session, people):
    office = people.location.id
    cedar = rooms.add_room(session, people.owner, office, "  Cedar room ")
    willow = rooms.add_room(session, people.owner, office, "Willow room")
    assert cedar.name == "Cedar room"
    rooms.rename_room(session, people.owner, cedar.id, "Alder room")
    rooms.set_room_active(session, people.owner, willow.id, False)
    listed = rooms.list_rooms(session, people.owner, office)
    assert [(r.name, r.is_active) for r in listed] == [("Alder room", True), ("Willow room", False)]
    assert [c.label for c in rooms.room_choices(session, people.scheduler)] == [
        "Main office — Alder room"
    ]
    session.rollback()
    actions = session.exec(
        select(AuditEvent.action).where(AuditEvent.record_type == "room").order_by(AuditEvent.seq)
    ).all()
    assert actions == ["room.create", "room.create", "room.update", "room.deactivate"]


def test_a_room_name_is_unique_within_its_office(session, people):
    office = people.location.id
    first = rooms.add_room(session, people.owner, office, "Cedar room")
    with pytest.raises(ValidationFailed) as exc:
        rooms.add_room(session, people.owner, office, "CEDAR ROOM")
    assert exc.value.errors == {"name": "This office already has a room with this name."}
    other = rooms.add_room(session, people.owner, office, "Willow room")
    with pytest.raises(ValidationFailed):
        rooms.rename_room(session, people.owner, other.id, "cedar room")
    rooms.rename_room(session, people.owner, first.id, "Cedar Room")  # its own name, new case
    with pytest.raises(ValidationFailed) as exc:
        rooms.add_room(session, people.owner, office, "   ")
    assert exc.value.errors == {"name": "Room name is required."}
    session.rollback()
    assert len(session.exec(select(Room)).all()) == 2


def test_telehealth_and_retired_offices_get_no_rooms(session, people, tele):
    with pytest.raises(ValidationFailed) as exc:
        rooms.add_room(session, people.owner, tele, "Zoom")
    assert "telehealth" in exc.value.errors["name"]
    people.location.is_active = False
    session.add(people.location)
    session.commit()
    with pytest.raises(ValidationFailed):
        rooms.add_room(session, people.owner, people.location.id, "Cedar room")
    with pytest.raises(NotFound):
        rooms.add_room(session, people.owner, 98765, "Cedar room")
    session.rollback()
    assert session.exec(select(Room)).all() == []


def test_only_the_owner_manages_rooms(session, people):
    room = rooms.add_room(session, people.owner, people.location.id, "Cedar room")
    for actor in (people.clinician, people.scheduler):
        with pytest.raises(PermissionDenied):
            rooms.add_room(session, actor, people.location.id, "Willow room")
        with pytest.raises(PermissionDenied):
            rooms.rename_room(session, actor, room.id, "Willow room")
        with pytest.raises(PermissionDenied):
            rooms.set_room_active(session, actor, room.id, False)
    assert len(rooms.room_choices(session, people.clinician)) == 1
    with pytest.raises(NotFound):
        rooms.rename_room(session, people.owner, 4242, "X")
