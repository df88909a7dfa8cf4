"""The case page: who attends, who pays, who can reach the portal; clinical text if allowed."""

from __future__ import annotations

from sqlmodel import Session

from practicerunner.clients.access import get_case_for
from practicerunner.clients.cases.choices import relationship_label
from practicerunner.clients.cases.kinds import KIND_LABELS
from practicerunner.clients.cases.records import audit_case_view, case_participants, case_payers
from practicerunner.clients.cases.rules import reaches
from practicerunner.clients.cases.shares import format_share
from practicerunner.clients.cases.views import CaseView, PersonRow, email_label, portal_status
from practicerunner.clients.models import Client, Contact
from practicerunner.clients.people import age_on, staff_label
from practicerunner.core.permissions import Actor, Perm
from practicerunner.practice.local import practice_today
from practicerunner.practice.models import Staff


def get_case_view(session: Session, actor: Actor, case_id: int) -> CaseView:
    """The case page for ACTOR (clinical text only where it reaches), audited as case.view."""
    case = get_case_for(session, actor, case_id)
    assert case.id is not None
    today = practice_today(session)
    people = case_participants(session, case.id)
    by_client = {client.id: client for _, client in people}
    participants = [
        PersonRow(
            name=client.display_name,
            href=f"/clients/{client.id}",
            role=p.role.capitalize(),
            attends="Yes" if p.attends else "No",
            age=str(age_on(client.date_of_birth, today)),
            share="",
            email=email_label(client.email),
            portal=portal_status(client.portal_access, client.email),
        )
        for p, client in people
    ]
    payers: list[PersonRow] = []
    for payer in case_payers(session, case.id):
        if payer.client_id is not None:
            client = by_client.get(payer.client_id) or session.get(Client, payer.client_id)
            assert client is not None
            payers.append(
                PersonRow(
                    name=client.display_name,
                    href=f"/clients/{client.id}",
                    role="Participant",
                    attends="",
                    age="",
                    share=format_share(payer.share_basis_points),
                    email=email_label(client.email),
                    portal=portal_status(client.portal_access, client.email),
                )
            )
        else:
            contact = session.get(Contact, payer.contact_id)
            assert contact is not None
            of = by_client.get(contact.client_id)
            role = relationship_label(contact).capitalize()
            payers.append(
                PersonRow(
                    name=contact.full_name,
                    href="",
                    role=f"{role} of {of.display_name}" if of else role,
                    attends="",
                    age="",
                    share=format_share(payer.share_basis_points),
                    email=email_label(contact.email),
                    portal=portal_status(contact.portal_access, contact.email),
                )
            )
    clinician = session.get(Staff, case.primary_clinician_id)
    # Clinical text leaves the server only for those CLINICAL_VIEW reaches.
    concern = (
        case.presenting_concern
        if reaches(actor, Perm.CLINICAL_VIEW, case.primary_clinician_id)
        else None
    )
    view = CaseView(
        id=case.id,
        kind=case.kind,
        kind_label=KIND_LABELS.get(case.kind, case.kind),
        title=case.title,
        status=case.status,
        clinician=staff_label(clinician) if clinician else "",
        opened_on=case.opened_on.isoformat(),
        closed_on=case.closed_on.isoformat() if case.closed_on else "",
        participants=participants,
        payers=payers,
        presenting_concern=concern,
        can_edit=reaches(actor, Perm.CASE_EDIT, case.primary_clinician_id),
        can_edit_payers=reaches(actor, Perm.BILLING_EDIT, case.primary_clinician_id),
        can_edit_clinical=reaches(actor, Perm.CLINICAL_EDIT, case.primary_clinician_id),
    )
    audit_case_view(session, actor, case.id, people)
    session.commit()
    return view
