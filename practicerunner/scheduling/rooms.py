"""Rooms of an office location: added, renamed, retired. Two sessions cannot share a room at
the same time (the conflict check's rule); telehealth has no rooms."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, func, select

from practicerunner.core import audit
from practicerunner.core import validation as v
from practicerunner.core.errors import NotFound, ValidationFailed
from practicerunner.core.permissions import Actor, Perm
from practicerunner.practice.models import Location, LocationKind
from practicerunner.practice.service.saving import commit
from practicerunner.scheduling.models import Room
from practicerunner.scheduling.views import Choice

_DUPLICATE = "This office already has a room with this name."


@dataclass(frozen=True)
class RoomView:
    id: int
    location_id: int
    name: str
    is_active: bool


def _view(room: Room) -> RoomView:
    assert room.id is not None
    return RoomView(
        id=room.id, location_id=room.location_id, name=room.name, is_active=room.is_active
    )


def _office(session: Session, location_id: int) -> Location:
    location = session.get(Location, location_id)
    if location is None:
        raise NotFound("location")
    if location.kind != LocationKind.OFFICE:
        raise ValidationFailed({"name": "Rooms belong to offices; telehealth has none."})
    return location


def _room(session: Session, room_id: int) -> Room:
    room = session.get(Room, room_id)
    if room is None:
        raise NotFound("room")
    return room


def _name(session: Session, location_id: int, value: str, own_id: int | None) -> str:
    errors = v.Errors()
    name = errors.check("name", v.required, value, "Room name", 80)
    if name:
        clash = session.exec(
            select(Room.id).where(
                Room.location_id == location_id, func.lower(Room.name) == name.lower()
            )
        ).first()
        if clash is not None and clash != own_id:
            errors.add("name", _DUPLICATE)
    errors.raise_if_any()
    return name


def list_rooms(session: Session, actor: Actor, location_id: int) -> list[RoomView]:
    """The rooms of an office, active ones first, by name."""
    actor.require(Perm.PRACTICE_MANAGE)
    if session.get(Location, location_id) is None:
        raise NotFound("location")
    rows = session.exec(
        select(Room)
        .where(Room.location_id == location_id)
        .order_by(col(Room.is_active).desc(), func.lower(Room.name))
    ).all()
    return [_view(r) for r in rows]


def add_room(session: Session, actor: Actor, location_id: int, name: str) -> RoomView:
    """Add a room to an active office."""
    actor.require(Perm.PRACTICE_MANAGE)
    location = _office(session, location_id)
    if not location.is_active:
        raise ValidationFailed({"name": "This office is retired; reactivate it to add rooms."})
    room = Room(location_id=location_id, name=_name(session, location_id, name, None))
    session.add(room)
    session.flush()
    audit.record(
        session,
        actor,
        "room.create",
        record_type="room",
        record_id=room.id,
        detail={"location_id": location_id},
    )
    commit(session, "name", _DUPLICATE)
    return _view(room)


def rename_room(session: Session, actor: Actor, room_id: int, name: str) -> RoomView:
    """Give a room a new name (appointments keep pointing at the same room)."""
    actor.require(Perm.PRACTICE_MANAGE)
    room = _room(session, room_id)
    new_name = _name(session, room.location_id, name, room.id)
    if new_name != room.name:
        room.name = new_name
        session.add(room)
        audit.record(
            session,
            actor,
            "room.update",
            record_type="room",
            record_id=room.id,
            detail={"fields": ["name"]},
        )
        commit(session, "name", _DUPLICATE)
    return _view(room)


def set_room_active(session: Session, actor: Actor, room_id: int, active: bool) -> RoomView:
    """Retire a room (it stays on past appointments) or bring it back."""
    actor.require(Perm.PRACTICE_MANAGE)
    room = _room(session, room_id)
    if room.is_active != active:
        room.is_active = active
        session.add(room)
        audit.record(
            session,
            actor,
            "room.reactivate" if active else "room.deactivate",
            record_type="room",
            record_id=room.id,
            detail={"fields": ["is_active"]},
        )
        session.commit()
    return _view(room)


def room_choices(session: Session, actor: Actor, location_id: int | None = None) -> list[Choice]:
    """Bookable rooms: active rooms of active offices (of LOCATION_ID when given).

    Labels read "Main office — Room 2" so one list can serve every office.
    """
    actor.require(Perm.SCHEDULE_VIEW)
    query = (
        select(Room.id, Room.name, Location.name)
        .join(Location, col(Location.id) == Room.location_id)
        .where(col(Room.is_active).is_(True), col(Location.is_active).is_(True))
        .order_by(Location.name, func.lower(Room.name))
    )
    if location_id is not None:
        query = query.where(Room.location_id == location_id)
    return [Choice(str(i), f"{office} — {name}") for i, name, office in session.exec(query)]
