"""The client profile and the stored values for the edit form; both reads are audited."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from practicerunner.clients.access import case_filter, get_client_for
from practicerunner.clients.models import Case, CaseParticipant
from practicerunner.clients.people import age_on, long_date
from practicerunner.clients.service.contacts import list_contacts_for_client
from practicerunner.clients.service.scope import audit_event, client_for_change, reachable
from practicerunner.clients.service.views import (
    STATUS_LABELS,
    CaseSummary,
    ClientProfile,
    address_line,
)
from practicerunner.clients.service.writes import client_values
from practicerunner.core import clock, validation
from practicerunner.core.permissions import Actor, Perm
from practicerunner.practice.models import Staff


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
        address=address_line(client),
        status=client.status,
        status_label=STATUS_LABELS.get(client.status, client.status),
        clinician_name=clinician.full_name if clinician else "",
        portal_access=client.portal_access,
        can_edit=reachable(session, actor, client.id, Perm.CLIENT_EDIT),
        can_edit_contacts=reachable(session, actor, client.id, Perm.CONTACT_EDIT),
        can_create_case=actor.can(Perm.CASE_CREATE),
        contacts=list_contacts_for_client(session, actor, client.id),
        cases=_cases_for_client(session, actor, client.id),
    )
    audit_event(session, actor, "client.view", "client", client.id, client.id)
    session.commit()
    return profile


def get_client_form(session: Session, actor: Actor, client_id: int) -> dict[str, Any]:
    """The stored values for the edit form, if ACTOR may edit the client; the read is audited."""
    client = client_for_change(session, actor, client_id, Perm.CLIENT_EDIT)
    values = client_values(client)
    values["phone"] = validation.format_phone(client.phone)
    audit_event(session, actor, "client.view", "client", client.id, client.id, {"page": "edit"})
    session.commit()
    return values
