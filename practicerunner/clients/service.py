"""Clients and their contacts: search, profile, create, update; contacts who are not clients.

Scope comes from clients.access (the only definition of caseload): a client outside the
actor's scope answers NotFound. Every profile read and every write appends an audit event
in the same transaction; a rejected save writes nothing.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import and_, func, or_
from sqlmodel import Session, col, select

from practicerunner.clients.access import (
    case_filter,
    client_filter,
    get_client_for,
)
from practicerunner.clients.models import (
    Case,
    CaseParticipant,
    Client,
    ClientStatus,
    Contact,
    ContactRelationship,
)
from practicerunner.core import audit, clock, validation
from practicerunner.core.errors import Conflict, NotFound, PermissionDenied
from practicerunner.core.permissions import CLINICAL_ROLES, Actor, Perm, Role
from practicerunner.practice.models import Staff, StaffRole

STATUS_LABELS: dict[str, str] = {
    ClientStatus.PROSPECTIVE: "Prospective",
    ClientStatus.ACTIVE: "Active",
    ClientStatus.DISCHARGED: "Discharged",
}
RELATIONSHIP_LABELS: dict[str, str] = {
    ContactRelationship.BILLING: "Billing contact",
    ContactRelationship.GUARDIAN: "Guardian",
    ContactRelationship.EMERGENCY: "Emergency contact",
}
CLIENT_FIELDS = (
    "legal_first_name",
    "legal_last_name",
    "preferred_name",
    "pronouns",
    "date_of_birth",
    "email",
    "phone",
    "address_line1",
    "address_line2",
    "city",
    "state",
    "postal_code",
    "status",
    "clinician_id",
    "portal_access",
)
CONTACT_FIELDS = (
    "relationship",
    "first_name",
    "last_name",
    "email",
    "phone",
    "address_line1",
    "address_line2",
    "city",
    "state",
    "postal_code",
    "portal_access",
)
MAX_PER_PAGE = 100


# ---- errors and view models -------------------------------------------------------------


@dataclass(frozen=True)
class DuplicateMatch:
    """A client already on file who may be the same person; client_id is None out of scope."""

    message: str
    client_id: int | None = None
    name: str = ""
    date_of_birth: str = ""


class PossibleDuplicate(Conflict):
    """A likely duplicate (same name and date of birth, or same email); save again to confirm."""

    def __init__(self, matches: list[DuplicateMatch]) -> None:
        super().__init__("possible_duplicate", "This may be someone who is already a client.", None)
        self.matches = matches


@dataclass(frozen=True)
class ClientRow:
    """One line of the client list."""

    id: int
    display_name: str
    legal_name: str
    date_of_birth: str
    born: str  # "Mar 14, 1991"
    email: str
    phone: str
    status: str
    status_label: str
    clinician_name: str


@dataclass(frozen=True)
class ClientPage:
    """One page of search results, with the total and the page count."""

    rows: list[ClientRow]
    total: int
    page: int
    pages: int
    per_page: int


@dataclass(frozen=True)
class ContactView:
    """A contact as shown on the client profile."""

    id: int
    relationship: str
    relationship_label: str
    name: str
    email: str
    phone: str
    address: str
    portal_access: bool


@dataclass(frozen=True)
class CaseSummary:
    """A case the client takes part in (no clinical text)."""

    id: int
    kind: str
    title: str
    clinician_name: str
    status: str


@dataclass(frozen=True)
class ClientProfile:
    """The client profile page: demographics, contacts and the cases the actor may see."""

    id: int
    display_name: str
    legal_name: str
    preferred_name: str
    pronouns: str
    date_of_birth: str
    born: str  # "Mar 14, 1991 (age 35)"
    age: int
    email: str
    phone: str
    address: str
    status: str
    status_label: str
    clinician_name: str
    portal_access: bool
    can_edit: bool
    can_edit_contacts: bool
    can_create_case: bool
    contacts: list[ContactView] = field(default_factory=list)
    cases: list[CaseSummary] = field(default_factory=list)


# ---- helpers ------------------------------------------------------------------------------


def long_date(day: date) -> str:
    """Mar 14, 1991: unambiguous wherever the reader is from."""
    return f"{day:%b} {day.day}, {day.year}"


def age_on(dob: date, today: date) -> int:
    """Whole years from DOB to TODAY."""
    return today.year - dob.year - ((today.month, today.day) < (dob.month, dob.day))


def _address(row: Client | Contact) -> str:
    city_line = " ".join(p for p in (row.state, row.postal_code) if p)
    city_line = ", ".join(p for p in (row.city, city_line) if p)
    return ", ".join(p for p in (row.address_line1, row.address_line2, city_line) if p)


def _audit(
    session: Session,
    actor: Actor,
    action: str,
    record_type: str,
    record_id: int | None,
    client_id: int | None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append the audit event in the operation's own transaction."""
    audit.record(
        session,
        actor,
        action,
        record_type=record_type,
        record_id=record_id,
        client_id=client_id,
        detail=detail,
    )


def _truthy(value: Any) -> bool:
    return value is True or str(value).strip().lower() in {"on", "true", "yes", "1"}


def _like_term(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _search_terms(query: str) -> list[str]:
    """LIKE patterns that must all match Client.search_text."""
    query = (query or "").strip()
    if not query:
        return []
    if not any(c.isalpha() for c in query) and any(c.isdigit() for c in query):
        # A phone number in any punctuation: match its national digits.
        digits = re.sub(r"\D", "", query)
        if len(digits) == 11 and digits.startswith("1"):
            digits = digits[1:]
        return [_like_term(digits)]
    return [_like_term(validation.name_key(word)) for word in query.split() if word.strip()]


def can_assign_any_clinician(actor: Actor) -> bool:
    """Whether ACTOR may place a client in any clinician's caseload (not only their own)."""
    # Clinicians keep to their own caseload; the owner and front desk place clients anywhere.
    return bool(actor.roles & {Role.OWNER, Role.SCHEDULER})


def _is_clinician(session: Session, staff_id: int) -> bool:
    return (
        session.exec(
            select(Staff.id)
            .join(StaffRole, col(StaffRole.staff_id) == Staff.id)
            .where(
                Staff.id == staff_id,
                col(Staff.is_active).is_(True),
                col(StaffRole.role).in_([r.value for r in CLINICAL_ROLES]),
            )
        ).first()
        is not None
    )


def _reachable(session: Session, actor: Actor, client_id: int, perm: Perm) -> bool:
    if not actor.can(perm):
        return False
    found = session.exec(
        select(Client.id).where(Client.id == client_id, client_filter(actor, perm))
    ).first()
    return found is not None


def _client_for_change(session: Session, actor: Actor, client_id: int, perm: Perm) -> Client:
    """The client for a change: NotFound out of view, PermissionDenied when view-only."""
    try:
        return get_client_for(session, actor, client_id, perm)
    except NotFound:
        if _reachable(session, actor, client_id, Perm.CLIENT_VIEW):
            raise PermissionDenied(
                "You can view this client but not change their details."
            ) from None
        raise


# ---- pickers ------------------------------------------------------------------------------


def _clinicians(session: Session, only: frozenset[int] | None) -> list[tuple[int, str]]:
    stmt = (
        select(Staff.id, Staff.full_name)
        .join(StaffRole, col(StaffRole.staff_id) == Staff.id)
        .where(
            col(Staff.is_active).is_(True),
            col(StaffRole.role).in_([r.value for r in CLINICAL_ROLES]),
        )
        .distinct()
        .order_by(Staff.full_name)
    )
    if only is not None:
        stmt = stmt.where(col(Staff.id).in_(sorted(only)))
    return [(i, name) for i, name in session.exec(stmt).all() if i is not None]


def clinician_choices(
    session: Session, actor: Actor, current_id: int | None = None
) -> list[tuple[int, str]]:
    """Clinicians ACTOR may assign a client to, plus the client's CURRENT_ID: (id, name)."""
    if can_assign_any_clinician(actor):
        return _clinicians(session, None)
    allowed = {actor.staff_id} | ({current_id} if current_id else set())
    return _clinicians(session, frozenset(allowed))


def clinician_filter_choices(session: Session, actor: Actor) -> list[tuple[int, str]]:
    """Clinicians whose clients ACTOR can list: everyone, or their own (and supervisees')."""
    actor.require(Perm.CLIENT_VIEW)
    return _clinicians(session, actor.clinician_ids(actor.scope(Perm.CLIENT_VIEW)))


# ---- search and profile -------------------------------------------------------------------


def search_clients(
    session: Session,
    actor: Actor,
    query: str = "",
    status: str | None = None,
    clinician_id: int | None = None,
    page: int = 1,
    per_page: int = 25,
) -> ClientPage:
    """Clients in ACTOR's scope matching every word of QUERY, by last then first name."""
    actor.require(Perm.CLIENT_VIEW)
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    conditions = [client_filter(actor, Perm.CLIENT_VIEW)]
    conditions += [col(Client.search_text).like(t, escape="\\") for t in _search_terms(query)]
    if status:
        conditions.append(col(Client.status) == status)
    if clinician_id is not None:
        conditions.append(col(Client.clinician_id) == clinician_id)
    total = session.exec(select(func.count()).select_from(Client).where(*conditions)).one()
    pages = max(1, math.ceil(total / per_page))
    page = max(1, min(page, pages))
    rows = session.exec(
        select(  # type: ignore[call-overload]  # sqlmodel types only 4 columns
            col(Client.id),
            Client.legal_first_name,
            Client.legal_last_name,
            Client.preferred_name,
            Client.date_of_birth,
            Client.email,
            Client.phone,
            Client.status,
            Staff.full_name,
        )
        .outerjoin(Staff, col(Staff.id) == Client.clinician_id)
        .where(*conditions)
        .order_by(Client.last_name_key, Client.first_name_key, Client.id)
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return ClientPage(
        rows=[
            ClientRow(
                id=int(cid),  # type: ignore[arg-type]
                display_name=f"{preferred or first} {last}",
                legal_name=f"{first} {last}",
                date_of_birth=dob.isoformat(),
                born=long_date(dob),
                email=email,
                phone=validation.format_phone(phone),
                status=status_,
                status_label=STATUS_LABELS.get(status_, status_),
                clinician_name=clinician or "",
            )
            for cid, first, last, preferred, dob, email, phone, status_, clinician in rows
        ],
        total=total,
        page=page,
        pages=pages,
        per_page=per_page,
    )


def _contact_view(contact: Contact) -> ContactView:
    assert contact.id is not None
    return ContactView(
        id=contact.id,
        relationship=contact.relationship,
        relationship_label=RELATIONSHIP_LABELS.get(contact.relationship, contact.relationship),
        name=contact.full_name,
        email=contact.email,
        phone=validation.format_phone(contact.phone),
        address=_address(contact),
        portal_access=contact.portal_access,
    )


def list_contacts_for_client(session: Session, actor: Actor, client_id: int) -> list[ContactView]:
    """The client's active contacts, if ACTOR can see the client."""
    get_client_for(session, actor, client_id, Perm.CLIENT_VIEW)
    contacts = session.exec(
        select(Contact)
        .where(Contact.client_id == client_id, col(Contact.is_active).is_(True))
        .order_by(
            col(Contact.relationship),
            col(Contact.last_name),
            col(Contact.first_name),
            col(Contact.id),
        )
    ).all()
    return [_contact_view(c) for c in contacts]


def _cases_for_client(session: Session, actor: Actor, client_id: int) -> list[CaseSummary]:
    if not actor.can(Perm.CASE_VIEW):
        return []
    rows = session.exec(
        select(col(Case.id), Case.kind, Case.title, Case.status, Staff.full_name)  # type: ignore[call-overload]  # sqlmodel types only 4 columns
        .join(CaseParticipant, col(CaseParticipant.case_id) == Case.id)
        .outerjoin(Staff, col(Staff.id) == Case.primary_clinician_id)
        .where(CaseParticipant.client_id == client_id, case_filter(actor, Perm.CASE_VIEW))
        .order_by(col(Case.status), col(Case.opened_on).desc(), col(Case.id))
    ).all()
    return [
        CaseSummary(id=int(i), kind=k, title=t, status=s, clinician_name=n or "")  # type: ignore[arg-type]
        for i, k, t, s, n in rows
    ]


def get_client_profile(session: Session, actor: Actor, client_id: int) -> ClientProfile:
    """The profile of a client in ACTOR's scope; the read is audited."""
    client = get_client_for(session, actor, client_id, Perm.CLIENT_VIEW)
    assert client.id is not None
    clinician = session.get(Staff, client.clinician_id) if client.clinician_id else None
    age = age_on(client.date_of_birth, clock.now().date())
    profile = ClientProfile(
        id=client.id,
        display_name=client.display_name,
        legal_name=client.legal_name,
        preferred_name=client.preferred_name,
        pronouns=client.pronouns,
        date_of_birth=client.date_of_birth.isoformat(),
        born=f"{long_date(client.date_of_birth)} (age {age})",
        age=age,
        email=client.email,
        phone=validation.format_phone(client.phone),
        address=_address(client),
        status=client.status,
        status_label=STATUS_LABELS.get(client.status, client.status),
        clinician_name=clinician.full_name if clinician else "",
        portal_access=client.portal_access,
        can_edit=_reachable(session, actor, client.id, Perm.CLIENT_EDIT),
        can_edit_contacts=_reachable(session, actor, client.id, Perm.CONTACT_EDIT),
        can_create_case=actor.can(Perm.CASE_CREATE),
        contacts=list_contacts_for_client(session, actor, client.id),
        cases=_cases_for_client(session, actor, client.id),
    )
    _audit(session, actor, "client.view", "client", client.id, client.id)
    session.commit()
    return profile


def get_client_form(session: Session, actor: Actor, client_id: int) -> dict[str, Any]:
    """The stored values for the edit form, if ACTOR may edit the client; the read is audited."""
    client = _client_for_change(session, actor, client_id, Perm.CLIENT_EDIT)
    values = _client_values(client)
    values["phone"] = validation.format_phone(client.phone)
    _audit(session, actor, "client.view", "client", client.id, client.id, {"page": "edit"})
    session.commit()
    return values


# ---- create and update --------------------------------------------------------------------


def _client_values(client: Client) -> dict[str, Any]:
    return {name: getattr(client, name) for name in CLIENT_FIELDS}


def _clean_clinician(
    session: Session, actor: Actor, raw: Any, current: int | None, errors: validation.Errors
) -> int | None:
    text = str(raw if raw is not None else "").strip()
    if not text:
        if can_assign_any_clinician(actor):
            return None
        # A clinician's new client joins their own caseload.
        return current if current is not None else actor.staff_id
    try:
        staff_id = int(text)
    except ValueError:
        errors.add("clinician_id", "Choose a clinician from the list.")
        return current
    own_caseload_only = not can_assign_any_clinician(actor)
    if staff_id != current and own_caseload_only and staff_id != actor.staff_id:
        errors.add("clinician_id", "You can assign clients only to your own caseload.")
        return current
    if staff_id != current and not _is_clinician(session, staff_id):
        errors.add("clinician_id", "Choose an active clinician from the list.")
        return current
    return staff_id


def _clean_client(
    session: Session, actor: Actor, data: dict[str, Any], current: Client | None
) -> dict[str, Any]:
    """Every field checked at once; ValidationFailed lists each message by field."""
    v, e = validation, validation.Errors()
    clean: dict[str, Any] = {
        "legal_first_name": e.check(
            "legal_first_name", v.required, data.get("legal_first_name"), "Legal first name", 100
        ),
        "legal_last_name": e.check(
            "legal_last_name", v.required, data.get("legal_last_name"), "Legal last name", 100
        ),
        "preferred_name": e.check(
            "preferred_name", v.optional, data.get("preferred_name"), "Preferred name", 100
        ),
        "pronouns": e.check("pronouns", v.optional, data.get("pronouns"), "Pronouns", 40),
        "date_of_birth": e.check("date_of_birth", v.past_date, data.get("date_of_birth")),
        "email": e.check("email", v.email, data.get("email")),
        "phone": e.check("phone", v.phone, data.get("phone")),
        "status": e.check("status", v.choice, data.get("status"), ClientStatus, "Status"),
        "portal_access": _truthy(data.get("portal_access")),
        "clinician_id": _clean_clinician(
            session,
            actor,
            data.get("clinician_id"),
            current.clinician_id if current else None,
            e,
        ),
    }
    clean.update(_clean_address(data, e))
    if clean["portal_access"] and not clean["email"] and "email" not in e.errors:
        e.add("portal_access", "Portal access needs an email address on file.")
    e.raise_if_any()
    clean["status"] = str(clean["status"].value)
    return clean


def _clean_address(data: dict[str, Any], e: validation.Errors) -> dict[str, Any]:
    v = validation
    return {
        "address_line1": e.check("address_line1", v.optional, data.get("address_line1"), "Address"),
        "address_line2": e.check(
            "address_line2", v.optional, data.get("address_line2"), "Address line 2"
        ),
        "city": e.check("city", v.optional, data.get("city"), "City", 100),
        "state": e.check("state", v.us_state, data.get("state")),
        "postal_code": e.check("postal_code", v.postal_code, data.get("postal_code")),
    }


def find_duplicates(
    session: Session,
    actor: Actor,
    first_name: str,
    last_name: str,
    date_of_birth: date,
    email: str,
    exclude_id: int | None = None,
) -> list[DuplicateMatch]:
    """Clients (all of them, whatever ACTOR's scope) with the same name and DOB or email."""
    same_person = and_(
        col(Client.first_name_key) == validation.name_key(first_name),
        col(Client.last_name_key) == validation.name_key(last_name),
        col(Client.date_of_birth) == date_of_birth,
    )
    condition = or_(same_person, col(Client.email) == email.lower()) if email else same_person
    stmt = select(Client).where(condition).order_by(col(Client.id))
    if exclude_id is not None:
        stmt = stmt.where(Client.id != exclude_id)
    found = session.exec(stmt).all()
    if not found:
        return []
    visible = set(
        session.exec(
            select(Client.id).where(
                col(Client.id).in_([c.id for c in found]), client_filter(actor, Perm.CLIENT_VIEW)
            )
        ).all()
    )
    matches: list[DuplicateMatch] = []
    for c in found:
        by_name = (c.first_name_key, c.last_name_key, c.date_of_birth) == (
            validation.name_key(first_name),
            validation.name_key(last_name),
            date_of_birth,
        )
        reason = "the same name and date of birth" if by_name else "the same email"
        if c.id in visible:
            matches.append(
                DuplicateMatch(
                    message=f"{c.legal_name}, born {long_date(c.date_of_birth)}, has {reason}.",
                    client_id=c.id,
                    name=c.legal_name,
                    date_of_birth=c.date_of_birth.isoformat(),
                )
            )
        else:
            # Outside the actor's scope: say only that someone exists, never who.
            message = f"A client with {reason} already exists (not in your caseload)."
            if all(m.message != message for m in matches):
                matches.append(DuplicateMatch(message=message))
    return matches


def create_client(
    session: Session, actor: Actor, data: dict[str, Any], *, confirm_duplicate: bool = False
) -> Client:
    """Add a client; PossibleDuplicate unless CONFIRM_DUPLICATE when one may already exist."""
    actor.require(Perm.CLIENT_CREATE)
    data = {"status": ClientStatus.ACTIVE.value, **data}
    clean = _clean_client(session, actor, data, None)
    matches = find_duplicates(
        session,
        actor,
        clean["legal_first_name"],
        clean["legal_last_name"],
        clean["date_of_birth"],
        clean["email"],
    )
    if matches and not confirm_duplicate:
        raise PossibleDuplicate(matches)
    now = clock.now()
    client = Client(
        **clean, first_name_key="", last_name_key="", search_text="", created_at=now, updated_at=now
    )
    client.refresh_keys()
    session.add(client)
    session.flush()
    _audit(
        session,
        actor,
        "client.create",
        "client",
        client.id,
        client.id,
        {"duplicate_confirmed": bool(matches)},
    )
    session.commit()
    return client


def update_client(
    session: Session,
    actor: Actor,
    client_id: int,
    data: dict[str, Any],
    *,
    confirm_duplicate: bool = False,
) -> Client:
    """Change a client's details; fields missing from DATA keep their value."""
    client = _client_for_change(session, actor, client_id, Perm.CLIENT_EDIT)
    before = _client_values(client)
    merged = {**before, **{k: v for k, v in data.items() if k in CLIENT_FIELDS}}
    clean = _clean_client(session, actor, merged, client)
    changed = sorted(k for k, value in clean.items() if value != before[k])
    if not changed:
        return client
    identity = {"legal_first_name", "legal_last_name", "date_of_birth", "email"}
    # Only a change to who this is can create a new duplicate; an address edit should not nag.
    if identity & set(changed) and not confirm_duplicate:
        matches = find_duplicates(
            session,
            actor,
            clean["legal_first_name"],
            clean["legal_last_name"],
            clean["date_of_birth"],
            clean["email"],
            exclude_id=client.id,
        )
        if matches:
            raise PossibleDuplicate(matches)
    for name in changed:
        setattr(client, name, clean[name])
    client.refresh_keys()
    client.updated_at = clock.now()
    session.add(client)
    _audit(session, actor, "client.update", "client", client.id, client.id, {"fields": changed})
    session.commit()
    return client


# ---- contacts -----------------------------------------------------------------------------


def _clean_contact(data: dict[str, Any]) -> dict[str, Any]:
    v, e = validation, validation.Errors()
    clean: dict[str, Any] = {
        "relationship": e.check(
            "relationship", v.choice, data.get("relationship"), ContactRelationship, "Relationship"
        ),
        "first_name": e.check("first_name", v.required, data.get("first_name"), "First name", 100),
        "last_name": e.check("last_name", v.required, data.get("last_name"), "Last name", 100),
        "email": e.check("email", v.email, data.get("email")),
        "phone": e.check("phone", v.phone, data.get("phone")),
        "portal_access": _truthy(data.get("portal_access")),
    }
    clean.update(_clean_address(data, e))
    if clean["portal_access"] and not clean["email"] and "email" not in e.errors:
        e.add("portal_access", "Portal access needs an email address on file.")
    e.raise_if_any()
    clean["relationship"] = str(clean["relationship"].value)
    return clean


def _contact_for_change(session: Session, actor: Actor, contact_id: int) -> Contact:
    contact = session.get(Contact, contact_id)
    if contact is None or not contact.is_active:
        raise NotFound("contact")
    try:
        _client_for_change(session, actor, contact.client_id, Perm.CONTACT_EDIT)
    except NotFound:
        raise NotFound("contact") from None
    return contact


def new_contact_form(session: Session, actor: Actor, client_id: int) -> dict[str, Any]:
    """Defaults for a new contact of a client ACTOR may change, with the client's name."""
    client = _client_for_change(session, actor, client_id, Perm.CONTACT_EDIT)
    values: dict[str, Any] = {name: "" for name in CONTACT_FIELDS}
    values.update(relationship="", portal_access=False, client_id=client.id)
    values["client_name"] = client.display_name
    return values


def get_contact_form(session: Session, actor: Actor, contact_id: int) -> dict[str, Any]:
    """A contact's stored values for the edit form, with its client; the read is audited."""
    contact = _contact_for_change(session, actor, contact_id)
    client = session.get(Client, contact.client_id)
    values: dict[str, Any] = {name: getattr(contact, name) for name in CONTACT_FIELDS}
    values["phone"] = validation.format_phone(contact.phone)
    values["client_id"] = contact.client_id
    values["client_name"] = client.display_name if client else ""
    _audit(session, actor, "contact.view", "contact", contact.id, contact.client_id)
    session.commit()
    return values


def add_contact(session: Session, actor: Actor, client_id: int, data: dict[str, Any]) -> Contact:
    """Add a billing contact, guardian or emergency contact to a client."""
    client = _client_for_change(session, actor, client_id, Perm.CONTACT_EDIT)
    clean = _clean_contact(data)
    now = clock.now()
    contact = Contact(client_id=client.id, **clean, created_at=now, updated_at=now)  # type: ignore[arg-type]
    session.add(contact)
    session.flush()
    _audit(
        session,
        actor,
        "contact.create",
        "contact",
        contact.id,
        client.id,
        {"relationship": contact.relationship},
    )
    session.commit()
    return contact


def update_contact(
    session: Session, actor: Actor, contact_id: int, data: dict[str, Any]
) -> Contact:
    """Change a contact's details; fields missing from DATA keep their value."""
    contact = _contact_for_change(session, actor, contact_id)
    before = {name: getattr(contact, name) for name in CONTACT_FIELDS}
    clean = _clean_contact({**before, **{k: v for k, v in data.items() if k in CONTACT_FIELDS}})
    changed = sorted(k for k, value in clean.items() if value != before[k])
    if not changed:
        return contact
    for name in changed:
        setattr(contact, name, clean[name])
    contact.updated_at = clock.now()
    session.add(contact)
    _audit(
        session,
        actor,
        "contact.update",
        "contact",
        contact.id,
        contact.client_id,
        {"fields": changed},
    )
    session.commit()
    return contact


def deactivate_contact(session: Session, actor: Actor, contact_id: int) -> None:
    """Remove a contact from the client's list (kept for the record); portal access ends."""
    contact = _contact_for_change(session, actor, contact_id)
    contact.is_active = False
    contact.portal_access = False
    contact.updated_at = clock.now()
    session.add(contact)
    _audit(session, actor, "contact.deactivate", "contact", contact.id, contact.client_id)
    session.commit()
