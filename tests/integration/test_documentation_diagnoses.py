"""A case's diagnoses: billable ICD-10-CM codes only, dates checked, none for a consultation,
one primary, reads audited and limited to those who may see the clinical record."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session, col, select

from practicerunner.core.errors import NotFound, PermissionDenied, ValidationFailed
from practicerunner.core.models import AuditEvent
from practicerunner.documentation.diagnoses import (
    DiagnosisForm,
    add_diagnosis,
    diagnoses_of,
    end_diagnosis,
    make_primary,
)
from practicerunner.documentation.models import CaseDiagnosis


def test_a_billable_code_is_recorded_with_its_description(session: Session, people) -> None:  # type: ignore[no-untyped-def]
    case_id = int(people.cases["clinician"].id)
    carl = people.clinician
    add_diagnosis(session, carl, case_id, DiagnosisForm("f411", "2026-11-03", is_primary=True))
    add_diagnosis(session, carl, case_id, DiagnosisForm("F51.01", "2026-11-03"))
    second = add_diagnosis(session, carl, case_id, DiagnosisForm("F32.1", "2026-11-10", "", True))
    rows = diagnoses_of(session, carl, case_id)
    assert [(r.code, r.is_primary) for r in rows] == [
        ("F32.1", True),
        ("F41.1", False),
        ("F51.01", False),
    ]
    assert rows[1].description == "Generalized anxiety disorder"
    end_diagnosis(session, carl, second, "2026-11-20")
    in_effect = diagnoses_of(session, carl, case_id, on=date(2026, 11, 25))
    assert [r.code for r in in_effect] == ["F41.1", "F51.01"]
    logged = session.exec(
        select(AuditEvent.action, AuditEvent.client_id)
        .where(col(AuditEvent.action).startswith("diagnosis."))
        .order_by(col(AuditEvent.id))
    ).all()
    session.rollback()
    actions = [action for action, _ in logged]
    assert actions.count("diagnosis.added") == 3 and actions.count("diagnosis.viewed") == 2
    assert "diagnosis.ended" in actions
    # Filed under the case's client, so the audit search by client finds every one.
    client_id = int(people.clients["clinician"].id)
    assert {client for _, client in logged} == {client_id}


@pytest.mark.parametrize(
    ("form", "field", "words"),
    [
        (DiagnosisForm("F41.9X", "2026-11-03"), "code", "not an ICD-10-CM code"),
        (DiagnosisForm("F41", "2026-11-03"), "code", "not a billable code"),
        (DiagnosisForm("F41.1", ""), "start_on", "Enter the date."),
        (DiagnosisForm("F41.1", "2026-02-30"), "start_on", "yyyy-mm-dd"),
        (DiagnosisForm("F41.1", "2026-11-03", "2026-11-01"), "end_on", "before the start"),
    ],
)
def test_bad_input_is_refused_beside_the_field_and_nothing_written(
    session: Session, people, form: DiagnosisForm, field: str, words: str
) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationFailed) as refused:
        add_diagnosis(session, people.clinician, int(people.cases["clinician"].id), form)
    assert words in refused.value.errors[field]
    assert session.exec(select(CaseDiagnosis)).all() == []


def test_a_consultation_case_has_no_diagnosis_and_others_cannot_see_or_add(
    session: Session, people
) -> None:  # type: ignore[no-untyped-def]
    case = people.cases["clinician"]
    case.kind = "consultation"
    session.add(case)
    session.commit()
    with pytest.raises(ValidationFailed) as refused:
        add_diagnosis(session, people.clinician, int(case.id), DiagnosisForm("F41.1", "2026-11-03"))
    assert refused.value.errors == {"code": "A consultation case has no diagnosis."}
    other = int(people.cases["owner"].id)
    with pytest.raises(NotFound):
        add_diagnosis(session, people.clinician, other, DiagnosisForm("F41.1", "2026-11-03"))
    with pytest.raises(NotFound):
        diagnoses_of(session, people.biller, other)


def test_another_current_diagnosis_becomes_the_primary_one(session: Session, people) -> None:  # type: ignore[no-untyped-def]
    from practicerunner.core import clock

    case_id = int(people.cases["clinician"].id)
    carl = people.clinician
    with clock.frozen_at(datetime(2026, 12, 1, 20, 0, tzinfo=UTC)):
        anxiety = add_diagnosis(
            session, carl, case_id, DiagnosisForm("F41.1", "2026-11-03", is_primary=True)
        )
        adjustment = add_diagnosis(session, carl, case_id, DiagnosisForm("F43.22", "2026-11-10"))
        ended = add_diagnosis(
            session, carl, case_id, DiagnosisForm("F51.01", "2026-09-01", "2026-11-01")
        )
        make_primary(session, carl, adjustment)
        rows = {d.id: d.is_primary for d in diagnoses_of(session, carl, case_id)}
        assert rows == {anxiety: False, adjustment: True, ended: False}
        # An ended diagnosis cannot be primary; nothing changes.
        with pytest.raises(ValidationFailed) as refused:
            make_primary(session, carl, ended)
        assert refused.value.errors == {"code": "F51.01 has ended: it cannot be the primary one."}
        # Someone who cannot edit the case's record is refused too.
        with pytest.raises((NotFound, PermissionDenied)):
            make_primary(session, people.scheduler, anxiety)
        rows = {d.id: d.is_primary for d in diagnoses_of(session, carl, case_id)}
        assert rows == {anxiety: False, adjustment: True, ended: False}
    made = session.exec(
        select(AuditEvent.detail).where(AuditEvent.action == "diagnosis.made_primary")
    ).all()
    session.rollback()
    assert len(made) == 1 and "F43.22" in str(made[0])
