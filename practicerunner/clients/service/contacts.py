"""A client's contacts (billing contact, guardian, emergency contact): list, add, change, remove.

Contacts are people who are not clients; changing them needs contact.edit on their client.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from practicerunner.clients.access import get_client_for
from practicerunner.clients.models import Client, Contact, ContactRelationship
from practicerunner.clients.service.fields import (
    CONTACT_FIELDS,
    clean_address,
    require_email_for_portal,
    truthy,
)
from practicerunner.clients.service.scope import audit_event, client_for_change
from practicerunner.clients.service.views import RELATIONSHIP_LABELS, ContactView, address_line
from practicerunner.core import clock, validation
from practicerunner.core.errors import NotFound
from practicerunner.core.permissions import Actor, Perm


def _contact_view(contact: Contact) -> ContactView:
    assert contact.id is not None
    return ContactView(
        id=contact.id,
        relationship=contact.relationship,
        relationship_label=RELATIONSHIP_LABELS.get(contact.relationship, contact.relationship),
        name=contact.full_name,
        email=contact.email,
        phone=validation.format_phone(contact.phone),
        address=address_line(contact),
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
        "portal_access": truthy(data.get("portal_access")),
    }
    clean.update(clean_address(data, e))
    require_email_for_portal(clean, e)
    e.raise_if_any()
    clean["relationship"] = str(clean["relationship"].value)
    return clean


def _contact_for_change(session: Session, actor: Actor, contact_id: int) -> Contact:
    contact = session.get(Contact, contact_id)
    if contact is None or not contact.is_active:
        raise NotFound("contact")
    try:
        client_for_change(session, actor, contact.client_id, Perm.CONTACT_EDIT)
    except NotFound:
        raise NotFound("contact") from None
    return contact


def new_contact_form(session: Session, actor: Actor, client_id: int) -> dict[str, Any]:
    """Defaults for a new contact of a client ACTOR may change, with the client's name."""
    client = client_for_change(session, actor, client_id, Perm.CONTACT_EDIT)
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
    audit_event(session, actor, "contact.view", "contact", contact.id, contact.client_id)
    session.commit()
    return values


def add_contact(session: Session, actor: Actor, client_id: int, data: dict[str, Any]) -> Contact:
    """Add a billing contact, guardian or emergency contact to a client."""
    client = client_for_change(session, actor, client_id, Perm.CONTACT_EDIT)
    clean = _clean_contact(data)
    now = clock.now()
    contact = Contact(client_id=client.id, **clean, created_at=now, updated_at=now)  # type: ignore[arg-type]
    session.add(contact)
    session.flush()
    audit_event(
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
    audit_event(
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
    audit_event(session, actor, "contact.deactivate", "contact", contact.id, contact.client_id)
    session.commit()
