"""Practice set-up: the profile, locations, services and fees, staff and their roles.

Every write checks the permission, validates every field (all messages at once), writes,
appends the audit event and commits: one transaction per operation, so a rejected save
writes nothing. Reads return frozen view models, never ORM rows (never a password hash).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from practicerunner.auth.service import end_sessions_for, hash_password
from practicerunner.core import audit, clock
from practicerunner.core import validation as v
from practicerunner.core.errors import Conflict, NotFound, ValidationFailed
from practicerunner.core.money import cents_to_input, format_cents
from practicerunner.core.permissions import ROLE_LABELS, Actor, Perm, Role
from practicerunner.practice.models import (
    Location,
    LocationKind,
    Practice,
    Service,
    ServiceKind,
    Staff,
    StaffRole,
)
from practicerunner.supervision import service as supervision

# The US timezones a practice can run in, with the names people know them by.
US_TIMEZONES: list[tuple[str, str]] = [
    ("America/New_York", "Eastern (New York)"),
    ("America/Chicago", "Central (Chicago)"),
    ("America/Denver", "Mountain (Denver)"),
    ("America/Phoenix", "Mountain, no daylight saving (Phoenix)"),
    ("America/Los_Angeles", "Pacific (Los Angeles)"),
    ("America/Anchorage", "Alaska (Anchorage)"),
    ("Pacific/Honolulu", "Hawaii (Honolulu)"),
    ("America/Puerto_Rico", "Atlantic (Puerto Rico)"),
    ("Pacific/Guam", "Chamorro (Guam)"),
    ("Pacific/Pago_Pago", "Samoa (Pago Pago)"),
]

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
SERVICE_KINDS: list[tuple[str, str]] = [
    (ServiceKind.THERAPY.value, "Therapy"),
    (ServiceKind.CONSULTATION.value, "Consultation"),
]


class OwnerExists(ValidationFailed):
    """create_first_owner was called after the practice already has an owner."""

    def __init__(self) -> None:
        super().__init__(
            {"email": "This practice already has an owner; ask them to add you as staff."}
        )


def _text(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name, "")
    return "" if value is None else str(value)


# ---------------------------------------------------------------- inputs (from forms)


@dataclass(frozen=True)
class PracticeInput:
    """The practice profile form."""

    name: str = ""
    timezone: str = ""
    phone: str = ""
    email: str = ""
    address_line1: str = ""
    address_line2: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""
    npi: str = ""
    tax_id: str = ""

    @classmethod
    def from_form(cls, form: Mapping[str, Any]) -> PracticeInput:
        return cls(**{f: _text(form, f) for f in cls.__dataclass_fields__})


@dataclass(frozen=True)
class LocationInput:
    """The location form (address fields apply to offices)."""

    name: str = ""
    kind: str = ""
    place_of_service: str = ""
    address_line1: str = ""
    address_line2: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""

    @classmethod
    def from_form(cls, form: Mapping[str, Any]) -> LocationInput:
        return cls(**{f: _text(form, f) for f in cls.__dataclass_fields__})


@dataclass(frozen=True)
class ServiceInput:
    """The service form; FEE is dollars as typed ("150", "150.00")."""

    name: str = ""
    kind: str = ""
    duration_minutes: str = ""
    fee: str = ""
    cpt_code: str = ""

    @classmethod
    def from_form(cls, form: Mapping[str, Any]) -> ServiceInput:
        return cls(**{f: _text(form, f) for f in cls.__dataclass_fields__})


def _checked(form: Mapping[str, Any], name: str) -> bool:
    return form.get(name) not in (None, "", False, "false", "off")


def _ids(values: Any) -> tuple[str, ...]:
    return tuple(str(x) for x in values if str(x).strip())


@dataclass(frozen=True)
class StaffInput:
    """The staff form: EMAIL and PASSWORD are read only when creating."""

    full_name: str = ""
    email: str = ""
    password: str = ""
    roles: tuple[str, ...] = ()
    credentials: str = ""
    license_type: str = ""
    license_number: str = ""
    npi: str = ""
    phone: str = ""
    primary_supervisor_id: str = ""
    supervisor_ids: tuple[str, ...] = field(default_factory=tuple)

    @classmethod
    def from_form(cls, form: Mapping[str, Any]) -> StaffInput:
        """Roles come as checkboxes role_<name>; extra supervisors as supervisor_<id>."""
        roles = tuple(r.value for r in Role if _checked(form, f"role_{r.value}"))
        extra = _ids(
            key.removeprefix("supervisor_")
            for key in form
            if key.startswith("supervisor_") and _checked(form, key)
        )
        texts = {
            f: _text(form, f)
            for f in cls.__dataclass_fields__
            if f not in ("roles", "supervisor_ids")
        }
        return cls(**texts, roles=roles, supervisor_ids=extra)


# ---------------------------------------------------------------- view models


@dataclass(frozen=True)
class PracticeView:
    name: str
    timezone: str
    phone: str
    email: str
    address_line1: str
    address_line2: str
    city: str
    state: str
    postal_code: str
    npi: str
    tax_id: str


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


@dataclass(frozen=True)
class ServiceView:
    id: int
    name: str
    kind: str
    kind_label: str
    duration_minutes: int
    fee_cents: int
    fee: str  # for the edit form: 160.00
    fee_display: str  # for lists: $160.00
    cpt_code: str
    is_active: bool


@dataclass(frozen=True)
class StaffView:
    id: int
    email: str
    full_name: str
    credentials: str
    license_type: str
    license_number: str
    npi: str
    phone: str  # display form, (503) 555-0142
    roles: tuple[str, ...]
    roles_label: str
    is_active: bool
    primary_supervisor_id: int | None
    supervisor_ids: tuple[int, ...]  # all of them, the primary included
    supervisors_label: str


def _practice_view(p: Practice) -> PracticeView:
    return PracticeView(
        name=p.name,
        timezone=p.timezone,
        phone=v.format_phone(p.phone),
        email=p.email,
        address_line1=p.address_line1,
        address_line2=p.address_line2,
        city=p.city,
        state=p.state,
        postal_code=p.postal_code,
        npi=p.npi,
        tax_id=p.tax_id,
    )


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


def _service_view(s: Service) -> ServiceView:
    assert s.id is not None
    return ServiceView(
        id=s.id,
        name=s.name,
        kind=s.kind,
        kind_label=dict(SERVICE_KINDS).get(s.kind, s.kind),
        duration_minutes=s.duration_minutes,
        fee_cents=s.fee_cents,
        fee=cents_to_input(s.fee_cents),
        fee_display=format_cents(s.fee_cents),
        cpt_code=s.cpt_code or "",
        is_active=s.is_active,
    )


def _roles_of(session: Session, staff_id: int) -> tuple[str, ...]:
    held = set(session.exec(select(StaffRole.role).where(StaffRole.staff_id == staff_id)).all())
    return tuple(r.value for r in Role if r.value in held)  # in the table's order


def _staff_view(session: Session, s: Staff) -> StaffView:
    assert s.id is not None
    roles = _roles_of(session, s.id)
    rows = supervision.supervisors_of(session, s.id)
    names = {}
    if rows:
        ids = [r.supervisor_id for r in rows]
        names = dict(
            session.exec(select(Staff.id, Staff.full_name).where(col(Staff.id).in_(ids))).all()
        )
    primary = next((r.supervisor_id for r in rows if r.is_primary), None)
    return StaffView(
        id=s.id,
        email=s.email,
        full_name=s.full_name,
        credentials=s.credentials,
        license_type=s.license_type,
        license_number=s.license_number,
        npi=s.npi,
        phone=v.format_phone(s.phone),
        roles=roles,
        roles_label=", ".join(ROLE_LABELS[Role(r)] for r in roles),
        is_active=s.is_active,
        primary_supervisor_id=primary,
        supervisor_ids=tuple(r.supervisor_id for r in rows),
        supervisors_label=", ".join(names.get(r.supervisor_id, "?") for r in rows),
    )


# ---------------------------------------------------------------- helpers


def _commit(session: Session, duplicate_field: str, message: str) -> None:
    """Commit; a unique-key race that slipped past the pre-check becomes a field error."""
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise ValidationFailed({duplicate_field: message}) from exc


def _assign(row: Any, values: Mapping[str, Any]) -> list[str]:
    """Set VALUES on ROW; return the names of the fields that changed (for the audit)."""
    changed = [name for name, value in values.items() if getattr(row, name) != value]
    for name in changed:
        setattr(row, name, values[name])
    return changed


def _validate_address(
    errors: v.Errors, data: PracticeInput | LocationInput, *, is_required: bool
) -> dict[str, str]:
    check = v.required if is_required else v.optional
    return {
        "address_line1": errors.check("address_line1", check, data.address_line1, "Street address"),
        "address_line2": errors.check(
            "address_line2", v.optional, data.address_line2, "Address line 2"
        ),
        "city": errors.check("city", check, data.city, "City", 100),
        "state": errors.check("state", v.us_state, data.state, is_required=is_required),
        "postal_code": errors.check("postal_code", v.postal_code, data.postal_code),
    }


# ---------------------------------------------------------------- practice profile


def _the_practice(session: Session) -> Practice:
    practice = session.exec(select(Practice).order_by(Practice.id)).first()
    if practice is None:
        raise NotFound("practice")
    return practice


def get_practice(session: Session, actor: Actor) -> PracticeView:
    """The practice profile."""
    actor.require(Perm.PRACTICE_MANAGE)
    return _practice_view(_the_practice(session))


def update_practice(session: Session, actor: Actor, data: PracticeInput) -> PracticeView:
    """Save the practice profile."""
    actor.require(Perm.PRACTICE_MANAGE)
    practice = _the_practice(session)
    errors = v.Errors()
    values = {
        "name": errors.check("name", v.required, data.name, "Practice name"),
        "timezone": errors.check("timezone", _us_timezone, data.timezone),
        "phone": errors.check("phone", v.phone, data.phone),
        "email": errors.check("email", v.email, data.email),
        **_validate_address(errors, data, is_required=False),
        "npi": errors.check("npi", v.npi, data.npi),
        "tax_id": errors.check("tax_id", v.tax_id, data.tax_id),
    }
    errors.raise_if_any()
    changed = _assign(practice, values)
    if changed:
        practice.updated_at = clock.now()
        session.add(practice)
        audit.record(
            session,
            actor,
            "practice.update",
            record_type="practice",
            record_id=practice.id,
            detail={"fields": changed},
        )
        session.commit()
    return _practice_view(practice)


def _us_timezone(value: str | None) -> str:
    tz = v.timezone(value)
    if tz not in dict(US_TIMEZONES):
        raise v.FieldError("Choose a timezone from the list.")
    return tz


# ---------------------------------------------------------------- locations


def list_locations(session: Session, actor: Actor) -> list[LocationView]:
    """Every location, active ones first, by name."""
    actor.require(Perm.PRACTICE_MANAGE)
    rows = session.exec(select(Location).order_by(col(Location.is_active).desc(), Location.name))
    return [_location_view(r) for r in rows.all()]


def _get_location(session: Session, location_id: int) -> Location:
    location = session.get(Location, location_id)
    if location is None:
        raise NotFound("location")
    return location


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
        address = _validate_address(errors, data, is_required=True)
    if name:
        clash = session.exec(
            select(Location.id).where(func.lower(Location.name) == name.lower())
        ).first()
        if clash is not None and clash != location_id:
            errors.add("name", "Another location already has this name.")
    errors.raise_if_any()
    return {"name": name, "kind": kind.value, "place_of_service": pos, **address}


def create_location(session: Session, actor: Actor, data: LocationInput) -> LocationView:
    """Add a location."""
    actor.require(Perm.PRACTICE_MANAGE)
    values = _validate_location(session, data, None)
    location = Location(**values, created_at=clock.now())
    session.add(location)
    session.flush()
    audit.record(
        session,
        actor,
        "location.create",
        record_type="location",
        record_id=location.id,
        detail={"fields": sorted(values)},
    )
    _commit(session, "name", "Another location already has this name.")
    return _location_view(location)


def update_location(
    session: Session, actor: Actor, location_id: int, data: LocationInput
) -> LocationView:
    """Save changes to a location."""
    actor.require(Perm.PRACTICE_MANAGE)
    location = _get_location(session, location_id)
    values = _validate_location(session, data, location_id)
    changed = _assign(location, values)
    if changed:
        session.add(location)
        audit.record(
            session,
            actor,
            "location.update",
            record_type="location",
            record_id=location.id,
            detail={"fields": changed},
        )
        _commit(session, "name", "Another location already has this name.")
    return _location_view(location)


def set_location_active(
    session: Session, actor: Actor, location_id: int, active: bool
) -> LocationView:
    """Retire a location (it stays on past appointments) or bring it back."""
    actor.require(Perm.PRACTICE_MANAGE)
    location = _get_location(session, location_id)
    if location.is_active != active:
        location.is_active = active
        session.add(location)
        audit.record(
            session,
            actor,
            "location.reactivate" if active else "location.deactivate",
            record_type="location",
            record_id=location.id,
            detail={"fields": ["is_active"]},
        )
        session.commit()
    return _location_view(location)


# ---------------------------------------------------------------- services and fees


def list_services(session: Session, actor: Actor) -> list[ServiceView]:
    """Every service, active ones first, by name."""
    actor.require(Perm.PRACTICE_MANAGE)
    rows = session.exec(select(Service).order_by(col(Service.is_active).desc(), Service.name))
    return [_service_view(r) for r in rows.all()]


def _get_service(session: Session, service_id: int) -> Service:
    service = session.get(Service, service_id)
    if service is None:
        raise NotFound("service")
    return service


def _validate_service(
    session: Session, data: ServiceInput, service_id: int | None
) -> dict[str, Any]:
    errors = v.Errors()
    name = errors.check("name", v.required, data.name, "Name", 120)
    kind = errors.check("kind", v.choice, data.kind, ServiceKind, "Kind")
    duration = errors.check(
        "duration_minutes", v.whole_number, data.duration_minutes, "Duration", 5, 480
    )
    fee_cents = errors.check("fee", v.fee, data.fee)
    cpt: str | None = None
    if kind == ServiceKind.THERAPY:
        if not data.cpt_code.strip():
            errors.add("cpt_code", "A therapy service needs a CPT code, like 90837.")
        else:
            cpt = errors.check("cpt_code", v.cpt_code, data.cpt_code)
    elif kind == ServiceKind.CONSULTATION and data.cpt_code.strip():
        errors.add("cpt_code", "A consultation is not billed with a CPT code; leave this empty.")
    if name:
        clash = session.exec(
            select(Service.id).where(func.lower(Service.name) == name.lower())
        ).first()
        if clash is not None and clash != service_id:
            errors.add("name", "Another service already has this name.")
    errors.raise_if_any()
    return {
        "name": name,
        "kind": kind.value,
        "duration_minutes": duration,
        "fee_cents": fee_cents,
        "cpt_code": cpt,
    }


def create_service(session: Session, actor: Actor, data: ServiceInput) -> ServiceView:
    """Add a service with its fee."""
    actor.require(Perm.PRACTICE_MANAGE)
    values = _validate_service(session, data, None)
    service = Service(**values, created_at=clock.now())
    session.add(service)
    session.flush()
    audit.record(
        session,
        actor,
        "service.create",
        record_type="service",
        record_id=service.id,
        detail={"fields": sorted(values)},
    )
    _commit(session, "name", "Another service already has this name.")
    return _service_view(service)


def update_service(
    session: Session, actor: Actor, service_id: int, data: ServiceInput
) -> ServiceView:
    """Save changes to a service (new fees apply to sessions booked from now on)."""
    actor.require(Perm.PRACTICE_MANAGE)
    service = _get_service(session, service_id)
    values = _validate_service(session, data, service_id)
    changed = _assign(service, values)
    if changed:
        session.add(service)
        audit.record(
            session,
            actor,
            "service.update",
            record_type="service",
            record_id=service.id,
            detail={"fields": changed},
        )
        _commit(session, "name", "Another service already has this name.")
    return _service_view(service)


def set_service_active(
    session: Session, actor: Actor, service_id: int, active: bool
) -> ServiceView:
    """Retire a service (it stays on past appointments) or bring it back."""
    actor.require(Perm.PRACTICE_MANAGE)
    service = _get_service(session, service_id)
    if service.is_active != active:
        service.is_active = active
        session.add(service)
        audit.record(
            session,
            actor,
            "service.reactivate" if active else "service.deactivate",
            record_type="service",
            record_id=service.id,
            detail={"fields": ["is_active"]},
        )
        session.commit()
    return _service_view(service)


# ---------------------------------------------------------------- staff


def list_staff(session: Session, actor: Actor) -> list[StaffView]:
    """Every staff member, active ones first, by name."""
    actor.require(Perm.STAFF_MANAGE)
    rows = session.exec(select(Staff).order_by(col(Staff.is_active).desc(), Staff.full_name))
    return [_staff_view(session, s) for s in rows.all()]


def get_staff(session: Session, actor: Actor, staff_id: int) -> StaffView:
    """One staff member's details."""
    actor.require(Perm.STAFF_MANAGE)
    return _staff_view(session, _get_staff(session, staff_id))


def supervisor_choices(session: Session, actor: Actor) -> list[tuple[int, str]]:
    """Who can be an associate's supervisor: active staff with the supervisor role."""
    actor.require(Perm.STAFF_MANAGE)
    return supervision.supervisor_choices(session)


def _get_staff(session: Session, staff_id: int) -> Staff:
    staff = session.get(Staff, staff_id)
    if staff is None:
        raise NotFound("staff member")
    return staff


def _active_owner_ids(session: Session) -> set[int]:
    rows = session.exec(
        select(Staff.id)
        .join(StaffRole, col(StaffRole.staff_id) == col(Staff.id))
        .where(StaffRole.role == Role.OWNER.value, col(Staff.is_active).is_(True))
    ).all()
    return {int(r) for r in rows if r is not None}


def _validate_profile(errors: v.Errors, data: StaffInput) -> dict[str, Any]:
    return {
        "full_name": errors.check("full_name", v.required, data.full_name, "Full name"),
        "credentials": errors.check("credentials", v.optional, data.credentials, "Credentials", 60),
        "license_type": errors.check(
            "license_type", v.optional, data.license_type, "License type", 60
        ),
        "license_number": errors.check(
            "license_number", v.optional, data.license_number, "License number", 40
        ),
        "npi": errors.check("npi", v.npi, data.npi),
        "phone": errors.check("phone", v.phone, data.phone),
    }


def _validate_roles(
    session: Session, errors: v.Errors, data: StaffInput, staff: Staff | None
) -> tuple[list[Role], list[int], int | None]:
    """Roles, supervisor ids and the primary supervisor; refusals go into ERRORS."""
    roles = [r for r in Role if r.value in data.roles]
    if not roles:
        errors.add("roles", "Choose at least one role.")
    if staff is not None and staff.id is not None:
        if Role.OWNER not in roles and _active_owner_ids(session) == {staff.id}:
            errors.add("roles", "This is the only owner; make someone else an owner first.")
        if Role.SUPERVISOR not in roles and (
            names := supervision.active_supervisees_of(session, staff.id)
        ):
            errors.add(
                "roles",
                f"{staff.full_name} supervises {', '.join(names)}; "
                "give them another supervisor first.",
            )
    if Role.ASSOCIATE not in roles:
        return roles, [], None
    allowed = {sid for sid, _ in supervision.supervisor_choices(session)}
    if staff is not None:
        allowed.discard(staff.id)  # nobody supervises themselves
    primary: int | None = None
    if not data.primary_supervisor_id.strip():
        errors.add("primary_supervisor_id", "An associate needs a supervisor.")
    else:
        try:
            primary = int(data.primary_supervisor_id)
        except ValueError:
            primary = None
        if primary not in allowed:
            errors.add("primary_supervisor_id", "Choose a supervisor from the list.")
    extra: list[int] = []
    for raw in data.supervisor_ids:
        try:
            sid = int(raw)
        except ValueError:
            sid = -1
        if sid not in allowed:
            errors.add("supervisor_ids", "Choose supervisors from the list.")
        elif sid != primary:
            extra.append(sid)
    ids = ([primary] if primary is not None else []) + extra
    return roles, ids, primary


def _set_roles(session: Session, staff_id: int, roles: list[Role]) -> bool:
    existing = {
        r.role: r for r in session.exec(select(StaffRole).where(StaffRole.staff_id == staff_id))
    }
    wanted = {r.value for r in roles}
    for name, row in existing.items():
        if name not in wanted:
            session.delete(row)
    for name in wanted - existing.keys():
        session.add(StaffRole(staff_id=staff_id, role=name))
    return wanted != set(existing)


_DUPLICATE_EMAIL = "A staff member with this email already exists."


def create_staff(session: Session, actor: Actor, data: StaffInput) -> StaffView:
    """Add a staff member with their roles, an initial password and (associates) supervisors."""
    actor.require(Perm.STAFF_MANAGE)
    errors = v.Errors()
    email = errors.check("email", v.email, data.email, is_required=True)
    password = errors.check("password", v.password, data.password)
    profile = _validate_profile(errors, data)
    roles, supervisor_ids, primary = _validate_roles(session, errors, data, None)
    if email and session.exec(select(Staff.id).where(Staff.email == email)).first() is not None:
        errors.add("email", _DUPLICATE_EMAIL)
    errors.raise_if_any()
    staff = Staff(
        email=email, password_hash=hash_password(password), created_at=clock.now(), **profile
    )
    session.add(staff)
    session.flush()
    assert staff.id is not None
    _set_roles(session, staff.id, roles)
    supervision.set_provider_supervisors(session, staff.id, supervisor_ids, primary)
    audit.record(
        session,
        actor,
        "staff.create",
        record_type="staff",
        record_id=staff.id,
        detail={"fields": sorted(["email", "roles", *profile]), "roles": [r.value for r in roles]},
    )
    _commit(session, "email", _DUPLICATE_EMAIL)
    return _staff_view(session, staff)


def update_staff(session: Session, actor: Actor, staff_id: int, data: StaffInput) -> StaffView:
    """Save a staff member's name, credentials, roles and supervisors (not email or password)."""
    actor.require(Perm.STAFF_MANAGE)
    staff = _get_staff(session, staff_id)
    errors = v.Errors()
    profile = _validate_profile(errors, data)
    roles, supervisor_ids, primary = _validate_roles(session, errors, data, staff)
    errors.raise_if_any()
    changed = _assign(staff, profile)
    if changed:
        session.add(staff)
    if _set_roles(session, staff_id, roles):
        changed.append("roles")
    if supervision.set_provider_supervisors(session, staff_id, supervisor_ids, primary):
        changed.append("supervisors")
    if changed:
        audit.record(
            session,
            actor,
            "staff.update",
            record_type="staff",
            record_id=staff_id,
            detail={"fields": changed, "roles": [r.value for r in roles]},
        )
        session.commit()
    return _staff_view(session, staff)


def deactivate_staff(session: Session, actor: Actor, staff_id: int) -> StaffView:
    """Stop a staff member signing in and end their open sessions, in one transaction."""
    actor.require(Perm.STAFF_MANAGE)
    staff = _get_staff(session, staff_id)
    if staff_id == actor.staff_id:
        raise Conflict("self", "You cannot deactivate your own account.")
    if not staff.is_active:
        return _staff_view(session, staff)
    if _active_owner_ids(session) == {staff_id}:
        raise Conflict("last_owner", "This is the only active owner; add another owner first.")
    if names := supervision.active_supervisees_of(session, staff_id):
        raise Conflict(
            "supervises",
            f"{staff.full_name} supervises {', '.join(names)}; give them another supervisor first.",
        )
    staff.is_active = False
    staff.deactivated_at = clock.now()
    session.add(staff)
    ended = end_sessions_for(session, staff_id, "deactivated")
    audit.record(
        session,
        actor,
        "staff.deactivate",
        record_type="staff",
        record_id=staff_id,
        detail={"fields": ["is_active", "deactivated_at"], "sessions_ended": ended},
    )
    session.commit()
    return _staff_view(session, staff)


def reactivate_staff(session: Session, actor: Actor, staff_id: int) -> StaffView:
    """Let a deactivated staff member sign in again."""
    actor.require(Perm.STAFF_MANAGE)
    staff = _get_staff(session, staff_id)
    if staff.is_active:
        return _staff_view(session, staff)
    staff.is_active = True
    staff.deactivated_at = None
    staff.locked_until = None
    session.add(staff)
    audit.record(
        session,
        actor,
        "staff.reactivate",
        record_type="staff",
        record_id=staff_id,
        detail={"fields": ["is_active", "deactivated_at"]},
    )
    session.commit()
    return _staff_view(session, staff)


def reset_staff_password(session: Session, actor: Actor, staff_id: int, password: str) -> None:
    """Set a new password for a staff member; their other sessions end."""
    actor.require(Perm.STAFF_MANAGE)
    staff = _get_staff(session, staff_id)
    errors = v.Errors()
    new = errors.check("password", v.password, password)
    errors.raise_if_any()
    staff.password_hash = hash_password(new)
    staff.locked_until = None
    session.add(staff)
    # A reset usually means the old password is out: sign them out everywhere (but not the
    # owner resetting their own, who would lose the page they are on).
    ended = 0 if staff_id == actor.staff_id else end_sessions_for(session, staff_id, "revoked")
    audit.record(
        session,
        actor,
        "staff.password_reset",
        record_type="staff",
        record_id=staff_id,
        detail={"fields": ["password"], "sessions_ended": ended},
    )
    session.commit()


def create_first_owner(session: Session, email: str, full_name: str, password: str) -> StaffView:
    """Create the practice's first owner (the command line); refused once an owner exists."""
    if _active_owner_ids(session):
        raise OwnerExists()
    errors = v.Errors()
    email_n = errors.check("email", v.email, email, is_required=True)
    name = errors.check("full_name", v.required, full_name, "Full name")
    pw = errors.check("password", v.password, password)
    if email_n and session.exec(select(Staff.id).where(Staff.email == email_n)).first():
        errors.add("email", _DUPLICATE_EMAIL)
    errors.raise_if_any()
    now = clock.now()
    if session.exec(select(Practice.id)).first() is None:
        practice = Practice(name="My practice", updated_at=now)
        session.add(practice)
        session.flush()
        audit.record(
            session,
            None,
            "practice.create",
            actor_name="command line",
            record_type="practice",
            record_id=practice.id,
            detail={"fields": ["name"]},
        )
    staff = Staff(email=email_n, full_name=name, password_hash=hash_password(pw), created_at=now)
    session.add(staff)
    session.flush()
    assert staff.id is not None
    _set_roles(session, staff.id, [Role.OWNER])
    audit.record(
        session,
        None,
        "staff.create",
        actor_name="command line",
        record_type="staff",
        record_id=staff.id,
        detail={"fields": ["email", "full_name", "roles"], "roles": ["owner"]},
    )
    _commit(session, "email", _DUPLICATE_EMAIL)
    return _staff_view(session, staff)
