"""Opening a case: the new-case form's defaults, and the checked, audited create."""

from __future__ import annotations

from sqlmodel import Session

from practicerunner.clients.access import get_client_for
from practicerunner.clients.cases.choices import client_choices, clinician_choices
from practicerunner.clients.cases.inputs import (
    CaseInput,
    ParticipantInput,
    PayerInput,
    as_participant,
    as_payer,
    parse_date,
)
from practicerunner.clients.cases.kinds import KIND_LABELS, default_title
from practicerunner.clients.cases.records import write_payers
from practicerunner.clients.cases.rules import (
    check_clinician,
    check_participants,
    check_payers,
    reaches,
)
from practicerunner.clients.cases.views import CaseForm
from practicerunner.clients.models import Case, CaseParticipant, ParticipantRole
from practicerunner.core import audit, clock
from practicerunner.core.errors import NotFound
from practicerunner.core.permissions import Actor, Perm
from practicerunner.core.validation import Errors, optional
from practicerunner.practice.local import practice_today


def new_case_form(session: Session, actor: Actor, client_id: int | None = None) -> CaseForm:
    """Options for the new-case form; CLIENT_ID (if reachable) becomes the first participant."""
    actor.require(Perm.CASE_CREATE)
    first: list[ParticipantInput] = []
    payers: list[PayerInput] = []
    if client_id is not None:
        try:
            client = get_client_for(session, actor, client_id)
        except NotFound:
            client = None
        if client is not None:
            first = [ParticipantInput(str(client.id), ParticipantRole.CLIENT, True)]
            payers = [PayerInput(f"client:{client.id}", "100")]
    clinicians = clinician_choices(session, actor)
    default = str(actor.staff_id) if any(c.value == str(actor.staff_id) for c in clinicians) else ""
    return CaseForm(
        clinicians=clinicians,
        clients=client_choices(session, actor, include=[int(p.client_id) for p in first]),
        can_clinical=actor.can(Perm.CLINICAL_EDIT),
        primary_clinician_id=default,
        opened_on=practice_today(session).isoformat(),
        participants=first,
        payers=payers,
    )


def create_case(session: Session, actor: Actor, data: CaseInput) -> Case:
    """Open a case with its participants and payers, in one transaction, audited."""
    actor.require(Perm.CASE_CREATE)
    errs = Errors()
    kind = (data.kind or "").strip()
    if kind not in KIND_LABELS:
        errs.add("kind", "Choose the kind of case.")
    title = errs.check("title", optional, data.title, "Title", 200) or ""
    clinician_id = check_clinician(
        session, actor, data.primary_clinician_id, Perm.CASE_CREATE, errs
    )
    opened_on = parse_date(data.opened_on, "Opened on", errs, "opened_on")
    if opened_on is not None and opened_on > practice_today(session):
        errs.add("opened_on", "A case cannot be opened in the future.")
    concern = errs.check(
        "presenting_concern", optional, data.presenting_concern, "Presenting concern", 4000
    )
    if concern and (clinician_id is None or not reaches(actor, Perm.CLINICAL_EDIT, clinician_id)):
        errs.add("presenting_concern", "Only the treating clinician can record this.")
    rows = [as_participant(p) for p in data.participants]
    chosen = check_participants(session, actor, kind, rows, errs) if kind in KIND_LABELS else []
    chosen_ids: list[int] = [c.id for c, _, _ in chosen]  # type: ignore[misc]
    payers = check_payers(session, [as_payer(p) for p in data.payers], chosen_ids, errs)
    errs.raise_if_any()
    assert clinician_id is not None and opened_on is not None
    now = clock.now()
    case = Case(
        kind=kind,
        title=title or default_title(kind, [c for c, _, _ in chosen]),
        primary_clinician_id=clinician_id,
        opened_on=opened_on,
        presenting_concern=concern or "",
        notify_guardians=bool(data.notify_guardians),
        created_at=now,
        updated_at=now,
    )
    session.add(case)
    session.flush()
    assert case.id is not None
    for client, role, attends in chosen:
        session.add(
            CaseParticipant(case_id=case.id, client_id=client.id, role=role, attends=attends)  # type: ignore[arg-type]
        )
    write_payers(session, case.id, payers)
    fields = ["kind", "title", "primary_clinician_id", "opened_on", "participants", "payers"]
    if concern:
        fields.append("presenting_concern")
    if case.notify_guardians:
        fields.append("notify_guardians")
    audit.record(
        session,
        actor,
        "case.create",
        record_type="case",
        record_id=case.id,
        client_id=chosen[0][0].id,
        detail={"fields": fields, "participants": len(chosen), "payers": len(payers)},
    )
    session.commit()
    return case
