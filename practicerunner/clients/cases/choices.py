"""The pickers of the case forms: clinicians, and clients with the contacts who could pay."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, col, select

from practicerunner.clients.access import client_filter
from practicerunner.clients.cases.views import Choice
from practicerunner.clients.models import Client, ClientStatus, Contact, ContactRelationship
from practicerunner.clients.people import active_clinicians, staff_label
from practicerunner.core.permissions import Actor, Perm
from practicerunner.core.validation import name_key

PAYING_CONTACTS = (ContactRelationship.BILLING, ContactRelationship.GUARDIAN)


def clinician_choices(
    session: Session, actor: Actor, perm: Perm = Perm.CASE_CREATE
) -> list[Choice]:
    """Active staff with a clinical role whom ACTOR may make a case's primary clinician."""
    allowed = actor.clinician_ids(actor.scope(perm))
    return [Choice(str(s.id), staff_label(s)) for s in active_clinicians(session, allowed)]


def contacts_by_client(session: Session, client_ids: Iterable[int]) -> dict[int, list[Contact]]:
    """Each client's active billing contacts and guardians (those who may pay), by name."""
    ids = sorted(set(client_ids))
    found: dict[int, list[Contact]] = {i: [] for i in ids}
    if not ids:
        return found
    rows = session.exec(
        select(Contact)
        .where(
            col(Contact.client_id).in_(ids),
            col(Contact.is_active).is_(True),
            col(Contact.relationship).in_([r.value for r in PAYING_CONTACTS]),
        )
        .order_by(Contact.last_name, Contact.first_name)
    ).all()
    for contact in rows:
        found[contact.client_id].append(contact)
    return found


def relationship_label(contact: Contact) -> str:
    """'guardian' or 'billing contact', as a payer's role reads."""
    return "guardian" if contact.relationship == ContactRelationship.GUARDIAN else "billing contact"


def client_choices(
    session: Session,
    actor: Actor,
    query: str = "",
    include: Iterable[int] = (),
    limit: int = 50,
) -> list[Choice]:
    """Reachable, not discharged clients matching QUERY (plus INCLUDE), with their contacts."""
    if not actor.can(Perm.CLIENT_VIEW):
        return []
    base = select(Client).where(
        client_filter(actor, Perm.CLIENT_VIEW), col(Client.status) != ClientStatus.DISCHARGED
    )
    found: dict[int, Client] = {}
    wanted = sorted({i for i in include if i})
    if wanted:
        for c in session.exec(base.where(col(Client.id).in_(wanted))).all():
            found[c.id] = c  # type: ignore[index]
    searched = base
    for word in name_key(query).split():
        searched = searched.where(col(Client.search_text).contains(word, autoescape=True))
    order = (col(Client.last_name_key), col(Client.first_name_key), col(Client.id))
    for c in session.exec(searched.order_by(*order).limit(limit)).all():
        found.setdefault(c.id, c)  # type: ignore[arg-type]
    contacts = contacts_by_client(session, found)
    ordered = sorted(found.values(), key=lambda c: (c.last_name_key, c.first_name_key, c.id))
    return [client_choice(c, contacts[c.id]) for c in ordered]  # type: ignore[index]


def client_choice(client: Client, contacts: list[Contact]) -> Choice:
    """A client for the participant picker, with the contacts who could pay for them."""
    return Choice(
        str(client.id),
        f"{client.display_name} (born {client.date_of_birth.isoformat()})",
        [
            (f"contact:{k.id}", f"{k.full_name}, {relationship_label(k)} of {client.display_name}")
            for k in contacts
        ],
    )
