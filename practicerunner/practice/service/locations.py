"""Locations: offices with a street address, and telehealth, each with a place of service."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from practicerunner.core import validation as v
from practicerunner.core.permissions import Actor, Perm
from practicerunner.practice.models import Location, LocationKind
from practicerunner.practice.service.address import validate_address
from practicerunner.practice.service.form_values import TextForm
from practicerunner.practice.service.named_records import (
    create_row,
    get_row,
    list_rows,
    name_taken,
    set_row_active,
    update_row,
)

# The CMS place-of-service codes a therapy practice uses.
PLACES_OF_SERVICE: list[tuple[str, str]] = [
    ("02", "02 · Telehealth other than in the client's home"),
    ("10", "10 · Telehealth in the client's home"),
    ("11", "11 · Office"),
    ("12", "12 · Home"),
    ("53", "53 · Community mental health center"),
    ("99", "99 · Other place of service"),
]
TELEHEALTH_POS = frozenset({"02", "10"})

LOCATION_KINDS: list[tuple[str, str]] = [
    (LocationKind.OFFICE.value, "Office"),
    (LocationKind.TELEHEALTH.value, "Telehealth"),
]

_DUPLICATE_NAME = "Another location already has this name."


@dataclass(frozen=True)
class LocationInput(TextForm):
    """The location form (address fields apply to offices)."""

    name: str = ""
    kind: str = ""
    place_of_service: str = ""
    address_line1: str = ""
    address_line2: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""


@dataclass(frozen=True)
class LocationView:
    id: int
    name: str
    kind: str
    kind_label: str
    place_of_service: str
    place_of_service_label: str
    address_line1: str
    address_line2: str
    city: str
    state: str
    postal_code: str
    address: str  # one line, for lists
    is_active: bool


def _location_view(loc: Location) -> LocationView:
    assert loc.id is not None
    city_line = " ".join(x for x in (f"{loc.city}," if loc.city else "", loc.state) if x)
    parts = [loc.address_line1, loc.address_line2, f"{city_line} {loc.postal_code}".strip()]
    return LocationView(
        id=loc.id,
        name=loc.name,
        kind=loc.kind,
        kind_label=dict(LOCATION_KINDS).get(loc.kind, loc.kind),
        place_of_service=loc.place_of_service,
        place_of_service_label=dict(PLACES_OF_SERVICE).get(
            loc.place_of_service, loc.place_of_service
        ),
        address_line1=loc.address_line1,
        address_line2=loc.address_line2,
        city=loc.city,
        state=loc.state,
        postal_code=loc.postal_code,
        address=", ".join(p for p in parts if p) or "—",
        is_active=loc.is_active,
    )


def list_locations(session: Session, actor: Actor) -> list[LocationView]:
    """Every location, active ones first, by name."""
    actor.require(Perm.PRACTICE_MANAGE)
    return [_location_view(r) for r in list_rows(session, Location)]


def _validate_location(
    session: Session, data: LocationInput, location_id: int | None
) -> dict[str, Any]:
    errors = v.Errors()
    name = errors.check("name", v.required, data.name, "Name", 120)
    kind = errors.check("kind", v.choice, data.kind, LocationKind, "Kind")
    pos = data.place_of_service.strip()
    if pos not in dict(PLACES_OF_SERVICE):
        errors.add("place_of_service", "Choose a place-of-service code.")
    elif kind == LocationKind.TELEHEALTH and pos not in TELEHEALTH_POS:
        errors.add("place_of_service", "Telehealth locations use code 02 or 10.")
    elif kind == LocationKind.OFFICE and pos in TELEHEALTH_POS:
        errors.add("place_of_service", "Codes 02 and 10 are for telehealth; an office uses 11.")
    if kind == LocationKind.TELEHEALTH:
        # Telehealth has no street address: whatever the form held is dropped.
        address = dict.fromkeys(
            ("address_line1", "address_line2", "city", "state", "postal_code"), ""
        )
    else:
        address = validate_address(errors, data, is_required=True)
    if name and name_taken(session, Location, name, location_id):
        errors.add("name", _DUPLICATE_NAME)
    errors.raise_if_any()
    return {"name": name, "kind": kind.value, "place_of_service": pos, **address}


def create_location(session: Session, actor: Actor, data: LocationInput) -> LocationView:
    """Add a location."""
    actor.require(Perm.PRACTICE_MANAGE)
    values = _validate_location(session, data, None)
    location = create_row(
        session, actor, Location, values, record_type="location", duplicate_name=_DUPLICATE_NAME
    )
    return _location_view(location)


def update_location(
    session: Session, actor: Actor, location_id: int, data: LocationInput
) -> LocationView:
    """Save changes to a location."""
    actor.require(Perm.PRACTICE_MANAGE)
    location = get_row(session, Location, location_id, "location")
    values = _validate_location(session, data, location_id)
    update_row(
        session, actor, location, values, record_type="location", duplicate_name=_DUPLICATE_NAME
    )
    return _location_view(location)


def set_location_active(
    session: Session, actor: Actor, location_id: int, active: bool
) -> LocationView:
    """Retire a location (it stays on past appointments) or bring it back."""
    actor.require(Perm.PRACTICE_MANAGE)
    location = get_row(session, Location, location_id, "location")
    set_row_active(session, actor, location, active, record_type="location")
    return _location_view(location)
