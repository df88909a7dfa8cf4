"""Changing a case: the edit form's values, and edits checked part by part against permissions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlmodel import Session

from practicerunner.clients.access import get_case_for
from practicerunner.clients.cases.choices import (
    client_choice,
    client_choices,
    clinician_choices,
    contacts_by_client,
)
from practicerunner.clients.cases.inputs import (
    CaseChanges,
    ParticipantInput,
    PayerInput,
    as_participant,
    as_payer,
    parse_date,
)
from practicerunner.clients.cases.kinds import default_title
from practicerunner.clients.cases.records import (
    audit_case_view,
    case_participants,
    case_payers,
    replace_participants,
    write_payers,
)
from practicerunner.clients.cases.rules import (
    check_clinician,
    check_participants,
    check_payers,
    reaches,
)
from practicerunner.clients.cases.shares import format_share
from practicerunner.clients.cases.views import CaseForm, Choice
from practicerunner.clients.models import Case, CaseStatus, Client, Contact
from practicerunner.clients.people import staff_label
from practicerunner.core import audit, clock
from practicerunner.core.errors import PermissionDenied
from practicerunner.core.permissions import Actor, Perm
from practicerunner.core.validation import Errors, optional
from practicerunner.practice.local import practice_today
from practicerunner.practice.models import Staff


def edit_case_form(session: Session, actor: Actor, case_id: int) -> CaseForm:
    """Current values and options for the edit form; audited as a view of the case."""
    case = get_case_for(session, actor, case_id)
    assert case.id is not None
    can_edit = reaches(actor, Perm.CASE_EDIT, case.primary_clinician_id)
    can_payers = reaches(actor, Perm.BILLING_EDIT, case.primary_clinician_id)
    if not (can_edit or can_payers):
        raise PermissionDenied("You can view this case but not change it.")
    can_clinical = reaches(actor, Perm.CLINICAL_EDIT, case.primary_clinician_id)
    people = case_participants(session, case.id)
    clinicians = clinician_choices(session, actor, Perm.CASE_EDIT)
    if not any(c.value == str(case.primary_clinician_id) for c in clinicians):
        current = session.get(Staff, case.primary_clinician_id)
        if current is not None:
            clinicians.insert(0, Choice(str(current.id), staff_label(current)))
    # Current participants are always offered, even if the actor could not pick them anew.
    clients = client_choices(session, actor, include=[c.id for _, c in people])  # type: ignore[misc]
    offered = {c.value for c in clients}
    contacts = contacts_by_client(session, [c.id for _, c in people])  # type: ignore[misc]
    for _, c in people:
        if str(c.id) not in offered:
            clients.append(client_choice(c, contacts[c.id]))  # type: ignore[index]
    form = CaseForm(
        clinicians=clinicians,
        clients=clients,
        can_clinical=can_clinical,
        can_edit=can_edit,
        can_edit_payers=can_payers,
        case_id=case.id,
        kind=case.kind,
        title=case.title,
        status=case.status,
        primary_clinician_id=str(case.primary_clinician_id),
        opened_on=case.opened_on.isoformat(),
        closed_on=case.closed_on.isoformat() if case.closed_on else "",
        presenting_concern=case.presenting_concern if can_clinical else "",
        notify_guardians=case.notify_guardians,
        participants=[ParticipantInput(str(c.id), p.role, p.attends) for p, c in people],
        payers=[
            PayerInput(
                f"client:{p.client_id}" if p.client_id is not None else f"contact:{p.contact_id}",
                format_share(p.share_basis_points).removesuffix("%"),
            )
            for p in case_payers(session, case.id)
        ],
    )
    audit_case_view(session, actor, case.id, people, {"page": "edit"})
    session.commit()
    return form


def edit_case(session: Session, actor: Actor, case_id: int, changes: CaseChanges) -> Case:
    """Apply CHANGES to a case: each part checked against its permission, all or nothing."""
    case = get_case_for(session, actor, case_id)
    assert case.id is not None
    details = (changes.title, changes.primary_clinician_id, changes.status, changes.closed_on)
    wants_case = (
        any(v is not None for v in details)
        or changes.participants is not None
        or changes.notify_guardians is not None
    )
    if wants_case and not reaches(actor, Perm.CASE_EDIT, case.primary_clinician_id):
        raise PermissionDenied("You can view this case but not change it.")
    if changes.payers is not None and not reaches(
        actor, Perm.BILLING_EDIT, case.primary_clinician_id
    ):
        raise PermissionDenied("You cannot change who pays for this case.")
    if changes.presenting_concern is not None and not reaches(
        actor, Perm.CLINICAL_EDIT, case.primary_clinician_id
    ):
        raise PermissionDenied("Only the treating clinician can change clinical information.")

    errs = Errors()
    changed: list[str] = []
    title = None
    if changes.title is not None:
        title = errs.check("title", optional, changes.title, "Title", 200)
    clinician_id = None
    if changes.primary_clinician_id is not None and str(changes.primary_clinician_id) != str(
        case.primary_clinician_id
    ):
        clinician_id = check_clinician(
            session, actor, changes.primary_clinician_id, Perm.CASE_EDIT, errs
        )
    status = case.status
    closed_on = case.closed_on
    if changes.status is not None:
        status = (changes.status or "").strip()
        if status not in (CaseStatus.ACTIVE, CaseStatus.CLOSED):
            errs.add("status", "Choose active or closed.")
    if status == CaseStatus.CLOSED:
        if changes.closed_on not in (None, ""):
            closed_on = parse_date(changes.closed_on, "Closed on", errs, "closed_on")
        elif closed_on is None:
            closed_on = practice_today(session)
        if closed_on is not None and closed_on < case.opened_on:
            errs.add("closed_on", "A case cannot close before it opened.")
        if closed_on is not None and closed_on > practice_today(session):
            errs.add("closed_on", "A case cannot be closed in the future.")
    else:
        closed_on = None
    concern = None
    if changes.presenting_concern is not None:
        concern = errs.check(
            "presenting_concern",
            optional,
            changes.presenting_concern,
            "Presenting concern",
            4000,
        )

    current = case_participants(session, case.id)
    participant_ids = [c.id for _, c in current]
    chosen: list[tuple[Client, str, bool]] | None = None
    if changes.participants is not None:
        rows = [as_participant(p) for p in changes.participants]
        chosen = check_participants(session, actor, case.kind, rows, errs, participant_ids)  # type: ignore[arg-type]
        participant_ids = [c.id for c, _, _ in chosen]
    payers = None
    if changes.payers is not None:
        payers = check_payers(
            session,
            [as_payer(p) for p in changes.payers],
            participant_ids,  # type: ignore[arg-type]
            errs,
        )
    elif chosen is not None:
        # Removing a participant who pays would leave shares pointing outside the case.
        gone = {c.id for _, c in current} - set(participant_ids)
        paying_gone = [p for p in case_payers(session, case.id) if p.client_id in gone]
        contacts_gone = [
            p
            for p in case_payers(session, case.id)
            if p.contact_id is not None
            and (k := session.get(Contact, p.contact_id)) is not None
            and k.client_id in gone
        ]
        if paying_gone or contacts_gone:
            errs.add("payers", "Someone removed from the case still pays for it; change who pays.")
    errs.raise_if_any()

    if title is not None and title != case.title:
        case.title = title or default_title(case.kind, [c for _, c in current])
        changed.append("title")
    if clinician_id is not None:
        case.primary_clinician_id = clinician_id
        changed.append("primary_clinician_id")
    if status != case.status:
        changed.append("status")
    if closed_on != case.closed_on:
        changed.append("closed_on")
    case.status, case.closed_on = status, closed_on
    if concern is not None and concern != case.presenting_concern:
        case.presenting_concern = concern
        changed.append("presenting_concern")
    if changes.notify_guardians is not None and changes.notify_guardians != case.notify_guardians:
        case.notify_guardians = bool(changes.notify_guardians)
        changed.append("notify_guardians")
    if chosen is not None:
        replace_participants(session, case.id, current, chosen)
        changed.append("participants")
    if payers is not None:
        write_payers(session, case.id, payers)
        changed.append("payers")
    case.updated_at = clock.now()
    session.add(case)
    first = chosen[0][0].id if chosen else (current[0][1].id if current else None)
    audit.record(
        session,
        actor,
        "case.update",
        record_type="case",
        record_id=case.id,
        client_id=first,
        detail={"fields": changed},
    )
    session.commit()
    return case


def update_case(
    session: Session,
    actor: Actor,
    case_id: int,
    *,
    title: str | None = None,
    primary_clinician_id: int | str | None = None,
    status: str | None = None,
    closed_on: str | date | None = None,
    presenting_concern: str | None = None,
) -> Case:
    """Change a case's title, clinician, status or presenting concern."""
    return edit_case(
        session,
        actor,
        case_id,
        CaseChanges(
            title=title,
            primary_clinician_id=primary_clinician_id,
            status=status,
            closed_on=closed_on,
            presenting_concern=presenting_concern,
        ),
    )


def set_participants(
    session: Session,
    actor: Actor,
    case_id: int,
    participants: Sequence[ParticipantInput | tuple[Any, ...]],
) -> Case:
    """Replace who takes part in the case (the kind's rules apply)."""
    return edit_case(session, actor, case_id, CaseChanges(participants=participants))


def set_payers(
    session: Session, actor: Actor, case_id: int, payers: Sequence[PayerInput | tuple[Any, ...]]
) -> Case:
    """Replace who pays for the case and their shares (summing to 100%)."""
    return edit_case(session, actor, case_id, CaseChanges(payers=payers))


def close_case(
    session: Session, actor: Actor, case_id: int, closed_on: str | date | None = None
) -> Case:
    """Close the case (today in the practice's timezone unless CLOSED_ON is given)."""
    return edit_case(
        session, actor, case_id, CaseChanges(status=CaseStatus.CLOSED, closed_on=closed_on)
    )
