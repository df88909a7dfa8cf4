"""A case's diagnoses: billable ICD-10-CM codes with start and end dates.

Codes are checked against ICD-10-CM (`icd10.validate_billable`), so a category or a code that
does not exist is refused beside the field. A consultation case has no diagnoses. Reading
them is part of the clinical record: audited, and only for those who may see it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from practicerunner.clients.access import get_case_for
from practicerunner.clients.models import CaseParticipant
from practicerunner.core import audit, clock
from practicerunner.core.errors import NotFound, ValidationFailed
from practicerunner.core.permissions import Actor, Perm
from practicerunner.documentation import icd10
from practicerunner.documentation.models import CaseDiagnosis
from practicerunner.practice.local import practice_today


@dataclass(frozen=True)
class DiagnosisForm:
    """What the clinician typed: the code, and the dates as yyyy-mm-dd."""

    code: str
    start_on: str
    end_on: str = ""
    is_primary: bool = False


def _day(text: str, field: str, errors: dict[str, str], required: bool) -> date | None:
    value = text.strip()
    if not value:
        if required:
            errors[field] = "Enter the date."
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors[field] = "Enter a date as yyyy-mm-dd."
        return None


def _first_client(session: Session, case_id: int) -> int | None:
    """The case's first participant, so the audit log finds the entry under that client."""
    found = session.exec(
        select(CaseParticipant.client_id)
        .where(CaseParticipant.case_id == case_id)
        .order_by(col(CaseParticipant.id))
    ).first()
    return int(found) if found is not None else None


def add_diagnosis(session: Session, actor: Actor, case_id: int, form: DiagnosisForm) -> int:
    """Record a diagnosis for the case; its id. Refused by field, nothing written. Commits."""
    actor.require(Perm.CLINICAL_EDIT)
    case = get_case_for(session, actor, case_id, Perm.CLINICAL_EDIT)
    if case.kind == "consultation":
        session.rollback()
        raise ValidationFailed({"code": "A consultation case has no diagnosis."})
    errors: dict[str, str] = {}
    found = None
    try:
        found = icd10.validate_billable(form.code)
    except icd10.DiagnosisCodeError as exc:
        errors["code"] = exc.message
    start = _day(form.start_on, "start_on", errors, required=True)
    end = _day(form.end_on, "end_on", errors, required=False)
    if start and end and end < start:
        errors["end_on"] = "The end date is before the start date."
    if errors:
        session.rollback()
        raise ValidationFailed(errors)
    assert found is not None and start is not None
    if form.is_primary:
        for other in session.exec(
            select(CaseDiagnosis).where(
                CaseDiagnosis.case_id == case_id, col(CaseDiagnosis.is_primary)
            )
        ).all():
            other.is_primary = False
            session.add(other)
    row = CaseDiagnosis(
        case_id=case_id,
        code=found.code,
        description=found.description[:300],
        is_primary=form.is_primary,
        start_on=start,
        end_on=end,
        added_by_id=actor.staff_id,
        created_at=clock.now(),
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "diagnosis.added",
        record_type="case",
        record_id=case_id,
        client_id=_first_client(session, case_id),
        detail={"code": found.code},
    )
    session.commit()
    return int(row.id)  # type: ignore[arg-type]


def make_primary(session: Session, actor: Actor, diagnosis_id: int) -> None:
    """Make a diagnosis still in effect the case's primary one (the others stop being
    primary). An ended diagnosis is refused. Audited; commits."""
    actor.require(Perm.CLINICAL_EDIT)
    row = session.get(CaseDiagnosis, diagnosis_id)
    if row is None:
        raise NotFound("diagnosis")
    get_case_for(session, actor, row.case_id, Perm.CLINICAL_EDIT)
    if row.end_on is not None and row.end_on < practice_today(session):
        session.rollback()
        raise ValidationFailed({"code": f"{row.code} has ended: it cannot be the primary one."})
    if row.is_primary:
        session.rollback()
        return
    for other in session.exec(
        select(CaseDiagnosis).where(
            CaseDiagnosis.case_id == row.case_id, col(CaseDiagnosis.is_primary)
        )
    ).all():
        other.is_primary = False
        session.add(other)
    row.is_primary = True
    session.add(row)
    audit.record(
        session,
        actor,
        "diagnosis.made_primary",
        record_type="case",
        record_id=row.case_id,
        client_id=_first_client(session, row.case_id),
        detail={"code": row.code},
    )
    session.commit()


def end_diagnosis(session: Session, actor: Actor, diagnosis_id: int, end_on: str) -> None:
    """Set the day a diagnosis stopped applying. Commits."""
    actor.require(Perm.CLINICAL_EDIT)
    row = session.get(CaseDiagnosis, diagnosis_id)
    if row is None:
        raise NotFound("diagnosis")
    get_case_for(session, actor, row.case_id, Perm.CLINICAL_EDIT)
    errors: dict[str, str] = {}
    end = _day(end_on, "end_on", errors, required=True)
    if end is not None and end < row.start_on:
        errors["end_on"] = "The end date is before the start date."
    if errors:
        session.rollback()
        raise ValidationFailed(errors)
    row.end_on = end
    session.add(row)
    audit.record(
        session,
        actor,
        "diagnosis.ended",
        record_type="case",
        record_id=row.case_id,
        client_id=_first_client(session, row.case_id),
        detail={"code": row.code},
    )
    session.commit()


def diagnoses_of(
    session: Session, actor: Actor, case_id: int, on: date | None = None
) -> list[CaseDiagnosis]:
    """The case's diagnoses (those in effect ON a day, when given), primary first. Audited."""
    get_case_for(session, actor, case_id, Perm.CLINICAL_VIEW)
    rows = list(
        session.exec(
            select(CaseDiagnosis)
            .where(CaseDiagnosis.case_id == case_id)
            .order_by(col(CaseDiagnosis.is_primary).desc(), col(CaseDiagnosis.start_on))
        ).all()
    )
    if on is not None:
        rows = [r for r in rows if r.start_on <= on and (r.end_on is None or r.end_on >= on)]
    audit.record(
        session,
        actor,
        "diagnosis.viewed",
        record_type="case",
        record_id=case_id,
        client_id=_first_client(session, case_id),
    )
    session.commit()
    return rows
