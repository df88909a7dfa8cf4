"""Staff: the list, one member's details, adding a member and editing their roles.

Deactivation and password resets live in `staff_access`; the first owner in `first_owner`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from practicerunner.auth.service import hash_password
from practicerunner.core import audit, clock
from practicerunner.core import validation as v
from practicerunner.core.errors import NotFound
from practicerunner.core.permissions import ROLE_LABELS, Actor, Perm, Role
from practicerunner.practice.models import Staff
from practicerunner.practice.service.form_values import checked, ids, text
from practicerunner.practice.service.saving import assign, commit
from practicerunner.practice.service.staff_roles import active_owner_ids, roles_of, set_roles
from practicerunner.supervision import service as supervision

DUPLICATE_EMAIL = "A staff member with this email already exists."


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
        roles = tuple(r.value for r in Role if checked(form, f"role_{r.value}"))
        extra = ids(
            key.removeprefix("supervisor_")
            for key in form
            if key.startswith("supervisor_") and checked(form, key)
        )
        texts = {
            f: text(form, f)
            for f in cls.__dataclass_fields__
            if f not in ("roles", "supervisor_ids")
        }
        return cls(**texts, roles=roles, supervisor_ids=extra)


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


def staff_view(session: Session, s: Staff) -> StaffView:
    """What the staff screens show of S (never the password hash)."""
    assert s.id is not None
    roles = roles_of(session, s.id)
    rows = supervision.supervisors_of(session, s.id)
    names = {}
    if rows:
        sup_ids = [r.supervisor_id for r in rows]
        names = dict(
            session.exec(select(Staff.id, Staff.full_name).where(col(Staff.id).in_(sup_ids))).all()
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


def get_staff_row(session: Session, staff_id: int) -> Staff:
    """The staff row, or NotFound."""
    staff = session.get(Staff, staff_id)
    if staff is None:
        raise NotFound("staff member")
    return staff


def list_staff(session: Session, actor: Actor) -> list[StaffView]:
    """Every staff member, active ones first, by name."""
    actor.require(Perm.STAFF_MANAGE)
    rows = session.exec(select(Staff).order_by(col(Staff.is_active).desc(), Staff.full_name))
    return [staff_view(session, s) for s in rows.all()]


def get_staff(session: Session, actor: Actor, staff_id: int) -> StaffView:
    """One staff member's details."""
    actor.require(Perm.STAFF_MANAGE)
    return staff_view(session, get_staff_row(session, staff_id))


def supervisor_choices(session: Session, actor: Actor) -> list[tuple[int, str]]:
    """Who can be an associate's supervisor: active staff with the supervisor role."""
    actor.require(Perm.STAFF_MANAGE)
    return supervision.supervisor_choices(session)


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
        if Role.OWNER not in roles and active_owner_ids(session) == {staff.id}:
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
    sup_ids = ([primary] if primary is not None else []) + extra
    return roles, sup_ids, primary


def create_staff(session: Session, actor: Actor, data: StaffInput) -> StaffView:
    """Add a staff member with their roles, an initial password and (associates) supervisors."""
    actor.require(Perm.STAFF_MANAGE)
    errors = v.Errors()
    email = errors.check("email", v.email, data.email, is_required=True)
    password = errors.check("password", v.password, data.password)
    profile = _validate_profile(errors, data)
    roles, supervisor_ids, primary = _validate_roles(session, errors, data, None)
    if email and session.exec(select(Staff.id).where(Staff.email == email)).first() is not None:
        errors.add("email", DUPLICATE_EMAIL)
    errors.raise_if_any()
    staff = Staff(
        email=email, password_hash=hash_password(password), created_at=clock.now(), **profile
    )
    session.add(staff)
    session.flush()
    assert staff.id is not None
    set_roles(session, staff.id, roles)
    supervision.set_provider_supervisors(session, staff.id, supervisor_ids, primary)
    audit.record(
        session,
        actor,
        "staff.create",
        record_type="staff",
        record_id=staff.id,
        detail={"fields": sorted(["email", "roles", *profile]), "roles": [r.value for r in roles]},
    )
    commit(session, "email", DUPLICATE_EMAIL)
    return staff_view(session, staff)


def update_staff(session: Session, actor: Actor, staff_id: int, data: StaffInput) -> StaffView:
    """Save a staff member's name, credentials, roles and supervisors (not email or password)."""
    actor.require(Perm.STAFF_MANAGE)
    staff = get_staff_row(session, staff_id)
    errors = v.Errors()
    profile = _validate_profile(errors, data)
    roles, supervisor_ids, primary = _validate_roles(session, errors, data, staff)
    errors.raise_if_any()
    changed = assign(staff, profile)
    if changed:
        session.add(staff)
    if set_roles(session, staff_id, roles):
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
        if "roles" in changed or "supervisors" in changed:
            # Who supervises whom changed: open reviews follow, in this transaction.
            from practicerunner.documentation.reviews import reroute_open_reviews

            session.flush()
            reroute_open_reviews(session, reason="staff_changed", actor=actor)
        session.commit()
    return staff_view(session, staff)
