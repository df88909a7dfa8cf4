"""Writing, signing, reviewing and reading clinical notes.

A progress note belongs to an appointment and starts prefilled from it: date and times, who
attended, the service and its code, where (or telehealth). Drafts save as the clinician types
(`save_draft`, with a revision number so a stale tab cannot overwrite newer text). Signing
checks the template's required fields, then writes an append-only `NoteVersion`:

- a licensed clinician's note is then complete and locked;
- an associate's note goes to the supervisor `supervision.routing` resolves for that session,
  who co-signs it (complete) or returns it with comments (a new round, signed again).

Corrections to a completed note are signed addenda. Every read of a note is audited.

Psychotherapy notes (the HIPAA category) are a kind of their own: only their author can open
or list them (not the owner, not a supervisor), nobody reviews them, they never stand in for
the session's progress note, and their audit entries are `psychotherapy_note.*`. Nothing that
exports, prints or bills reads them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from practicerunner.clients.access import get_case_for
from practicerunner.clients.models import Case, Client
from practicerunner.core import audit, clock
from practicerunner.core.errors import DomainError, NotFound, ValidationFailed
from practicerunner.core.permissions import Actor, Perm, Role
from practicerunner.documentation import practice_templates
from practicerunner.documentation import templates as tpl
from practicerunner.documentation.models import (
    CaseDiagnosis,
    ClinicalNote,
    NoteAddendum,
    NoteKind,
    NoteStatus,
    NoteVersion,
    SignatureRole,
)
from practicerunner.practice.local import practice_today, practice_tz
from practicerunner.practice.models import Location, Service, Staff
from practicerunner.scheduling.models import Appointment, AppointmentAttendee
from practicerunner.supervision.routing import resolve_for_appointment

OVERDUE_AFTER = timedelta(hours=72)  # an attended session's note is overdue after this
EDITABLE = (NoteStatus.DRAFT, NoteStatus.RETURNED)


class StaleDraft(DomainError):
    """The draft changed in another tab since this one loaded it."""

    def __init__(self) -> None:
        super().__init__(
            "stale_draft",
            "This note was changed in another window. Reload it to see the latest text.",
        )


def session_facts(session: Session, appointment: Appointment) -> dict[str, Any]:
    """What a progress note prefills from APPOINTMENT, as stored with the note."""
    zone = practice_tz(session)
    start = appointment.start_at.astimezone(zone)
    end = appointment.end_at.astimezone(zone)
    service = session.get(Service, appointment.service_id)
    location = session.get(Location, appointment.location_id)
    present = session.exec(
        select(Client.legal_first_name, Client.legal_last_name, Client.preferred_name)
        .join(AppointmentAttendee, col(AppointmentAttendee.client_id) == col(Client.id))
        .where(AppointmentAttendee.appointment_id == appointment.id)
        .order_by(col(Client.legal_last_name), col(Client.legal_first_name))
    ).all()
    day = start.date()
    # The case's diagnoses in effect on the session day, primary first (a consultation has none).
    diagnoses = session.exec(
        select(CaseDiagnosis.code, CaseDiagnosis.description)
        .where(
            CaseDiagnosis.case_id == appointment.case_id,
            col(CaseDiagnosis.start_on) <= day,
            or_(col(CaseDiagnosis.end_on).is_(None), col(CaseDiagnosis.end_on) >= day),
        )
        .order_by(col(CaseDiagnosis.is_primary).desc(), col(CaseDiagnosis.start_on))
    ).all()
    return {
        "date": start.date().isoformat(),
        "start": start.strftime("%H:%M"),
        "end": end.strftime("%H:%M"),
        "minutes": int((appointment.end_at - appointment.start_at).total_seconds() // 60),
        "present": [f"{first} {last}" for first, last, _ in present],
        "service": service.name if service else "",
        "code": (service.cpt_code or "") if service else "",
        "place": location.name if location else "",
        "telehealth": bool(location and location.kind == "telehealth"),
        "status": appointment.status,
        "diagnoses": [f"{code} {description}" for code, description in diagnoses],
    }


def _author(session: Session, actor: Actor) -> Staff:
    staff = session.get(Staff, actor.staff_id)
    if staff is None:
        raise NotFound("staff member")
    return staff


def start_note(session: Session, actor: Actor, appointment_id: int, template_key: str) -> int:
    """Begin (or reopen) the note for APPOINTMENT_ID; its id. TEMPLATE_KEY is a built-in key
    ("dap"), "practice:<id>" or an active practice template's key; the note keeps a snapshot
    of the template as it is now.

    Only the session's clinician writes its note. A consultation case takes consultation
    templates only. Commits.
    """
    actor.require(Perm.CLINICAL_EDIT)
    appointment = session.get(Appointment, appointment_id)
    if appointment is None or appointment.clinician_id != actor.staff_id:
        raise NotFound("appointment")
    case = get_case_for(session, actor, appointment.case_id, Perm.CLINICAL_EDIT)
    template = practice_templates.for_new_note(session, template_key)
    if template is None:
        raise ValidationFailed({"template": "Choose a note template."})
    consultation = case.kind == "consultation"
    private = template.kind == tpl.TemplateKind.PSYCHOTHERAPY
    if private and consultation:
        raise ValidationFailed({"template": "A consultation has no psychotherapy notes."})
    if not private and consultation != (template.kind == tpl.TemplateKind.CONSULTATION):
        words = (
            "A consultation is documented with the consultation note."
            if consultation
            else "The consultation note is for consultation cases."
        )
        raise ValidationFailed({"template": words})
    # A psychotherapy note sits beside the session's progress note, never in its place.
    same_kind = (
        col(ClinicalNote.kind) == NoteKind.PSYCHOTHERAPY.value
        if private
        else col(ClinicalNote.kind) != NoteKind.PSYCHOTHERAPY.value
    )
    existing = session.exec(
        select(ClinicalNote.id).where(
            ClinicalNote.appointment_id == appointment_id,
            ClinicalNote.author_id == actor.staff_id,
            same_kind,
        )
    ).first()
    if existing is not None:
        session.rollback()
        return int(existing)
    now = clock.now()
    note = ClinicalNote(
        case_id=int(case.id),  # type: ignore[arg-type]
        appointment_id=appointment_id,
        author_id=actor.staff_id,
        kind=template.kind.value,
        template_key=template.key,
        template_json=json.dumps(tpl.template_to_dict(template)),
        session_json=json.dumps(session_facts(session, appointment)),
        created_at=now,
        updated_at=now,
    )
    session.add(note)
    session.flush()
    audit.record(
        session,
        actor,
        _action(note, "started"),
        record_type="clinical_note",
        record_id=note.id,
        client_id=_first_client(session, case),
    )
    session.commit()
    return int(note.id)  # type: ignore[arg-type]


def _action(note: ClinicalNote, what: str) -> str:
    """The audit action: psychotherapy notes have entries of their own."""
    prefix = "psychotherapy_note" if note.kind == NoteKind.PSYCHOTHERAPY else "note"
    return f"{prefix}.{what}"


def _first_client(session: Session, case: Case) -> int | None:
    from practicerunner.clients.models import CaseParticipant

    found = session.exec(
        select(CaseParticipant.client_id)
        .where(CaseParticipant.case_id == case.id)
        .order_by(col(CaseParticipant.id))
    ).first()
    return int(found) if found is not None else None


def _template_of(note: ClinicalNote) -> tpl.Template:
    return tpl.template_from_dict(json.loads(note.template_json))


def _own_editable(session: Session, actor: Actor, note_id: int) -> ClinicalNote:
    actor.require(Perm.CLINICAL_EDIT)
    note = session.get(ClinicalNote, note_id)
    if note is None or note.author_id != actor.staff_id:
        raise NotFound("note")
    if note.status not in EDITABLE:
        session.rollback()
        raise ValidationFailed(
            {"note": "This note is signed and can no longer be changed. Add an addendum instead."}
        )
    return note


def save_draft(
    session: Session, actor: Actor, note_id: int, raw: dict[str, object], revision: int
) -> int:
    """Save the author's draft answers (REVISION: the one the editor loaded); the new revision.

    Answers of the wrong shape are refused by field and nothing is saved; a draft may be
    incomplete. Raises StaleDraft when another window saved since. Commits.
    """
    note = _own_editable(session, actor, note_id)
    if note.revision != revision:
        session.rollback()
        raise StaleDraft()
    template = _template_of(note)
    answers = tpl.clean_answers(template, raw)
    note.answers_json = json.dumps(tpl.answers_to_json(answers))
    note.revision += 1
    note.updated_at = clock.now()
    session.add(note)
    session.commit()
    return note.revision


def sign_note(session: Session, actor: Actor, note_id: int, revision: int) -> str:
    """Sign the author's note as last saved; its new status.

    Refused by field while required answers are missing. A licensed clinician's note is
    complete; an associate's goes to the resolved supervisor for review. Commits.
    """
    note = _own_editable(session, actor, note_id)
    if note.revision != revision:
        session.rollback()
        raise StaleDraft()
    template = _template_of(note)
    answers = json.loads(note.answers_json)
    today = practice_today(session)
    problems = tpl.signing_errors(template, answers, today)
    if problems:
        session.rollback()
        raise ValidationFailed(problems)
    now = clock.now()
    _add_signature(session, actor, note, SignatureRole.AUTHOR, now)
    appointment = session.get(Appointment, note.appointment_id) if note.appointment_id else None
    # Psychotherapy notes are the author's alone: nobody reviews them.
    private = note.kind == NoteKind.PSYCHOTHERAPY
    resolution = (
        resolve_for_appointment(session, appointment) if appointment and not private else None
    )
    if resolution is not None and resolution.needs_supervision:
        if resolution.supervisor_id is None:
            session.rollback()
            raise ValidationFailed({"note": resolution.why})
        note.status = NoteStatus.AWAITING_REVIEW
        note.reviewer_id = resolution.supervisor_id
        note.reviewer_why = resolution.why[:300]
    else:
        note.status = NoteStatus.COMPLETE
        note.completed_at = now
    note.updated_at = now
    session.add(note)
    audit.record(
        session,
        actor,
        _action(note, "signed"),
        record_type="clinical_note",
        record_id=note_id,
        detail={"round": note.round, "status": note.status},
    )
    session.commit()
    return str(note.status)


def _add_signature(
    session: Session,
    actor: Actor,
    note: ClinicalNote,
    role: SignatureRole,
    now: datetime,
    *,
    comment: str = "",
) -> None:
    """The append-only record of ACTOR signing (or returning) the note's current round, with
    the answers as they stand and the signer's name and credentials as they are today."""
    signer = _author(session, actor)
    session.add(
        NoteVersion(
            note_id=int(note.id),  # type: ignore[arg-type]
            round=note.round,
            role=role.value,
            answers_json=note.answers_json,
            comment=comment,
            signed_by_id=actor.staff_id,
            signed_name=signer.full_name,
            signed_credentials=signer.credentials,
            signed_at=now,
        )
    )


def _routed_to(session: Session, actor: Actor, note_id: int) -> ClinicalNote:
    note = session.get(ClinicalNote, note_id)
    if note is None or note.status != NoteStatus.AWAITING_REVIEW:
        raise NotFound("note awaiting review")
    if note.reviewer_id != actor.staff_id:
        session.rollback()
        raise ValidationFailed(
            {"note": "This note is routed to another supervisor: only they can review it."}
        )
    if Role.SUPERVISOR not in actor.roles:
        session.rollback()
        raise ValidationFailed(
            {"note": "Only a supervisor can review notes: ask the owner to move this review."}
        )
    return note


def cosign_note(session: Session, actor: Actor, note_id: int) -> None:
    """The supervisor the note is routed to approves and co-signs it: complete. Commits."""
    note = _routed_to(session, actor, note_id)
    now = clock.now()
    _add_signature(session, actor, note, SignatureRole.SUPERVISOR, now)
    note.status = NoteStatus.COMPLETE
    note.completed_at = now
    note.updated_at = now
    session.add(note)
    audit.record(session, actor, "note.cosigned", record_type="clinical_note", record_id=note_id)
    session.commit()


def return_note(session: Session, actor: Actor, note_id: int, comment: str) -> None:
    """The supervisor sends the note back with COMMENT: the associate revises and re-signs
    (the next round). Both the signed round and the comments are kept. Commits."""
    text = comment.strip()
    if not text:
        raise ValidationFailed({"comment": "Say what should change."})
    note = _routed_to(session, actor, note_id)
    now = clock.now()
    _add_signature(session, actor, note, SignatureRole.RETURNED, now, comment=text)
    note.status = NoteStatus.RETURNED
    note.round += 1
    note.updated_at = now
    session.add(note)
    audit.record(
        session,
        actor,
        "note.returned",
        record_type="clinical_note",
        record_id=note_id,
        detail={"round": note.round - 1},
    )
    session.commit()


def add_addendum(session: Session, actor: Actor, note_id: int, text: str) -> None:
    """A dated, signed addendum to the author's completed note. Commits."""
    actor.require(Perm.CLINICAL_EDIT)
    body = text.strip()
    note = session.get(ClinicalNote, note_id)
    if note is None or note.author_id != actor.staff_id:
        raise NotFound("note")
    if note.status != NoteStatus.COMPLETE:
        session.rollback()
        raise ValidationFailed({"addendum": "Addenda are for signed notes: edit the draft."})
    if not body:
        session.rollback()
        raise ValidationFailed({"addendum": "Write the addendum."})
    author = _author(session, actor)
    session.add(
        NoteAddendum(
            note_id=note_id,
            text=body,
            signed_by_id=actor.staff_id,
            signed_name=author.full_name,
            signed_credentials=author.credentials,
            signed_at=clock.now(),
        )
    )
    audit.record(
        session,
        actor,
        _action(note, "addendum_added"),
        record_type="clinical_note",
        record_id=note_id,
    )
    session.commit()


@dataclass(frozen=True)
class NoteView:
    id: int
    case_id: int
    kind: str
    status: str
    template: tpl.Template
    session: dict[str, Any]
    answers: dict[str, object]
    revision: int
    round: int
    author_name: str
    reviewer_why: str
    versions: tuple[NoteVersion, ...]
    addenda: tuple[NoteAddendum, ...]


def read_note(session: Session, actor: Actor, note_id: int) -> NoteView:
    """The note for ACTOR: its author, its reviewer, or anyone who may see the case's clinical
    record (supervisors their supervisees' notes, read-only). Audited."""
    note = session.get(ClinicalNote, note_id)
    if note is None:
        raise NotFound("note")
    if note.kind == NoteKind.PSYCHOTHERAPY and actor.staff_id != note.author_id:
        raise NotFound("note")  # not the owner's, not a supervisor's: the author's alone
    if actor.staff_id not in (note.author_id, note.reviewer_id):
        case = get_case_for(session, actor, note.case_id, Perm.CLINICAL_VIEW)
        del case
    author = session.get(Staff, note.author_id)
    versions = tuple(
        session.exec(
            select(NoteVersion).where(NoteVersion.note_id == note_id).order_by(col(NoteVersion.id))
        ).all()
    )
    addenda = tuple(
        session.exec(
            select(NoteAddendum)
            .where(NoteAddendum.note_id == note_id)
            .order_by(col(NoteAddendum.id))
        ).all()
    )
    case_row = session.get(Case, note.case_id)
    audit.record(
        session,
        actor,
        _action(note, "viewed"),
        record_type="clinical_note",
        record_id=note_id,
        client_id=_first_client(session, case_row) if case_row else None,
    )
    view = NoteView(
        id=note_id,
        case_id=note.case_id,
        kind=note.kind,
        status=note.status,
        template=_template_of(note),
        session=json.loads(note.session_json),
        answers=json.loads(note.answers_json),
        revision=note.revision,
        round=note.round,
        author_name=author.full_name if author else "",
        reviewer_why=note.reviewer_why,
        versions=versions,
        addenda=addenda,
    )
    session.commit()
    return view


@dataclass(frozen=True)
class ToWrite:
    appointment_id: int
    case_id: int
    day: date
    overdue: bool
    note_id: int | None  # a draft already begun


def notes_to_write(session: Session, actor: Actor, now: datetime | None = None) -> list[ToWrite]:
    """ACTOR's attended sessions whose note is not yet signed, oldest first; overdue after
    OVERDUE_AFTER from the session's end."""
    moment = now or clock.now()
    zone = practice_tz(session)
    rows = session.exec(
        select(Appointment.id, Appointment.case_id, Appointment.start_at, Appointment.end_at)
        .where(
            Appointment.clinician_id == actor.staff_id,
            Appointment.status == "attended",
            col(Appointment.start_at) <= moment,
        )
        .order_by(col(Appointment.start_at))
    ).all()
    notes = {
        int(appointment_id): (int(note_id), status)  # type: ignore[arg-type]
        for note_id, appointment_id, status in session.exec(
            select(ClinicalNote.id, ClinicalNote.appointment_id, ClinicalNote.status).where(
                ClinicalNote.author_id == actor.staff_id,
                col(ClinicalNote.appointment_id).is_not(None),
                col(ClinicalNote.kind) != NoteKind.PSYCHOTHERAPY.value,
            )
        ).all()
    }
    session.rollback()
    found = []
    for appointment_id, case_id, start_at, end_at in rows:
        note = notes.get(int(appointment_id))  # type: ignore[arg-type]
        if note is not None and note[1] not in EDITABLE:
            continue
        found.append(
            ToWrite(
                appointment_id=int(appointment_id),  # type: ignore[arg-type]
                case_id=int(case_id),
                day=start_at.astimezone(zone).date(),
                overdue=moment - end_at > OVERDUE_AFTER,
                note_id=note[0] if note else None,
            )
        )
    return found


@dataclass(frozen=True)
class NoteRow:
    id: int
    case_id: int
    case_title: str
    day: date | None
    kind: str
    status: str
    template_key: str


PAGE = 50


def list_notes(
    session: Session,
    actor: Actor,
    *,
    case_id: int | None = None,
    before_id: int | None = None,
    limit: int = PAGE,
) -> list[NoteRow]:
    """ACTOR's own notes, newest first, a page at a time (BEFORE_ID: the last id shown).

    With CASE_ID, that case's notes by anyone the actor may read it for. One query on an
    index, whatever the number of notes; the read is audited once.
    """
    actor.require(Perm.CLINICAL_VIEW)
    query = (
        sa_select(
            col(ClinicalNote.id),
            col(ClinicalNote.case_id),
            col(Case.title),
            col(Appointment.start_at),
            col(ClinicalNote.kind),
            col(ClinicalNote.status),
            col(ClinicalNote.template_key),
        )
        .join(Case, col(Case.id) == ClinicalNote.case_id)
        .outerjoin(Appointment, col(Appointment.id) == ClinicalNote.appointment_id)
    )
    if case_id is not None:
        get_case_for(session, actor, case_id, Perm.CLINICAL_VIEW)
        query = query.where(
            col(ClinicalNote.case_id) == case_id,
            or_(
                col(ClinicalNote.kind) != NoteKind.PSYCHOTHERAPY.value,
                col(ClinicalNote.author_id) == actor.staff_id,
            ),
        )
    else:
        query = query.where(col(ClinicalNote.author_id) == actor.staff_id)
    if before_id is not None:
        query = query.where(col(ClinicalNote.id) < before_id)
    rows = session.execute(
        query.order_by(col(ClinicalNote.id).desc()).limit(max(1, min(limit, 200)))
    ).all()
    zone = practice_tz(session)
    found = [
        NoteRow(
            id=int(note_id),  # type: ignore[arg-type]
            case_id=int(note_case),
            case_title=title,
            day=start.astimezone(zone).date() if start is not None else None,
            kind=kind,
            status=status,
            template_key=template_key,
        )
        for note_id, note_case, title, start, kind, status, template_key in rows
    ]
    audit.record(
        session,
        actor,
        "note.list_viewed",
        record_type="case" if case_id is not None else "clinical_note",
        record_id=case_id,
    )
    session.commit()
    return found
