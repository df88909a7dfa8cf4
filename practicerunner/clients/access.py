"""One access helper per resource: what an actor may see of clients and cases.

A record outside the actor's scope is answered with NotFound, exactly like a record that
does not exist. The SQL filters here are the only definition of "caseload".
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, or_, true
from sqlmodel import Session, col, select

from practicerunner.clients.models import Case, CaseParticipant, Client, Contact
from practicerunner.core.errors import NotFound
from practicerunner.core.permissions import Actor, Perm


def case_filter(actor: Actor, perm: Perm) -> ColumnElement[bool]:
    """SQL condition on Case: the cases PERM reaches for ACTOR."""
    scope = actor.scope(perm)
    clinicians = actor.clinician_ids(scope)
    if clinicians is None:
        return true()
    if not clinicians:
        return false()
    return col(Case.primary_clinician_id).in_(sorted(clinicians))


def client_filter(actor: Actor, perm: Perm) -> ColumnElement[bool]:
    """SQL condition on Client: assigned to a reachable clinician, or in a reachable case."""
    scope = actor.scope(perm)
    clinicians = actor.clinician_ids(scope)
    if clinicians is None:
        return true()
    if not clinicians:
        return false()
    in_case = (
        select(CaseParticipant.client_id)
        .join(Case, col(Case.id) == CaseParticipant.case_id)
        .where(col(Case.primary_clinician_id).in_(sorted(clinicians)))
    )
    return or_(
        col(Client.clinician_id).in_(sorted(clinicians)),
        col(Client.id).in_(in_case),
    )


def get_client_for(
    session: Session, actor: Actor, client_id: int, perm: Perm = Perm.CLIENT_VIEW
) -> Client:
    """The client, if PERM reaches them for ACTOR; otherwise NotFound."""
    if not actor.can(perm):
        raise NotFound("client")
    client = session.exec(
        select(Client).where(Client.id == client_id, client_filter(actor, perm))
    ).first()
    if client is None:
        raise NotFound("client")
    return client


def get_case_for(session: Session, actor: Actor, case_id: int, perm: Perm = Perm.CASE_VIEW) -> Case:
    """The case, if PERM reaches it for ACTOR; otherwise NotFound."""
    if not actor.can(perm):
        raise NotFound("case")
    case = session.exec(select(Case).where(Case.id == case_id, case_filter(actor, perm))).first()
    if case is None:
        raise NotFound("case")
    return case


def get_contact_for(
    session: Session, actor: Actor, contact_id: int, perm: Perm = Perm.CLIENT_VIEW
) -> Contact:
    """A contact is reachable when the client it belongs to is."""
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise NotFound("contact")
    get_client_for(session, actor, contact.client_id, perm)
    return contact
