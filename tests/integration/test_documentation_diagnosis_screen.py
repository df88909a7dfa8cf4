"""The Diagnoses screen's read model: diagnoses in effect first, ended ones apart; controls only
for those who may edit the clinical record; nothing read on a consultation case; the picker
offers billable codes and answers a category typed as a code with the service's sentence."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlmodel import Session, select

from practicerunner.core import clock
from practicerunner.core.errors import NotFound
from practicerunner.core.models import AuditEvent
from practicerunner.documentation import icd10
from practicerunner.documentation.diagnoses import DiagnosisForm, add_diagnosis, end_diagnosis
from practicerunner.documentation.diagnosis_state import diagnosis_screen, search_codes

NOW = datetime(2026, 11, 29, 20, 0, tzinfo=UTC)  # noon, 29 November, in Los Angeles


@pytest.fixture(autouse=True)
def travel() -> Iterator:  # type: ignore[type-arg]
    with clock.frozen_at(NOW) as move:
        yield move


def _viewed(session: Session) -> int:
    count = len(
        session.exec(select(AuditEvent.id).where(AuditEvent.action == "diagnosis.viewed")).all()
    )
    session.rollback()
    return count


def test_it_lists_current_diagnoses_first_and_ended_ones_apart(session: Session, people) -> None:  # type: ignore[no-untyped-def]
    # given a case with a primary diagnosis, one ending later and one ended today
    carl, case_id = people.clinician, int(people.cases["clinician"].id)
    add_diagnosis(session, carl, case_id, DiagnosisForm("F41.1", "2026-10-01", is_primary=True))
    later = add_diagnosis(session, carl, case_id, DiagnosisForm("F51.01", "2026-10-05"))
    ended = add_diagnosis(session, carl, case_id, DiagnosisForm("F43.21", "2026-09-01"))
    end_diagnosis(session, carl, later, "2026-12-31")
    end_diagnosis(session, carl, ended, "2026-11-29")

    # when the clinician opens the page
    screen = diagnosis_screen(session, carl, case_id)

    # then
    assert screen.can_edit and not screen.consultation
    assert screen.case_title == people.cases["clinician"].title
    assert [(r["code"], r["primary"], r["end"]) for r in screen.current] == [
        ("F41.1", "yes", ""),
        ("F51.01", "", "Thu, Dec 31, 2026"),
    ]
    assert screen.current[0]["start"] == "Thu, Oct 1, 2026"
    assert [(r["code"], r["end"]) for r in screen.ended] == [("F43.21", "Sun, Nov 29, 2026")]
    assert screen.today.isoformat() == "2026-11-29"
    assert _viewed(session) == 1


def test_a_supervisor_reads_a_supervisees_diagnoses_without_controls(
    session: Session, people
) -> None:  # type: ignore[no-untyped-def]
    case_id = int(people.cases["associate"].id)
    add_diagnosis(session, people.associate, case_id, DiagnosisForm("F41.1", "2026-10-01"))
    screen = diagnosis_screen(session, people.supervisor, case_id)
    assert [r["code"] for r in screen.current] == ["F41.1"]
    assert not screen.can_edit


@pytest.mark.parametrize("who", ["scheduler", "biller", "associate2"])
def test_those_who_may_not_read_the_clinical_record_find_nothing(
    session: Session, people, who: str
) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotFound):
        diagnosis_screen(session, getattr(people, who), int(people.cases["associate"].id))
    assert _viewed(session) == 0


def test_a_consultation_case_shows_no_diagnoses_and_reads_none(session: Session, people) -> None:  # type: ignore[no-untyped-def]
    case = people.cases["clinician"]
    case.kind = "consultation"
    session.add(case)
    session.commit()
    screen = diagnosis_screen(session, people.clinician, int(case.id))
    assert screen.consultation and not screen.can_edit
    assert screen.current == [] and screen.ended == []
    assert _viewed(session) == 0


def test_the_picker_offers_billable_codes_by_code_or_words() -> None:
    by_code, note = search_codes("F41")
    assert by_code[0]["code"].startswith("F41.") and note.startswith("F41 is a category")
    assert "F41.1" in note  # the sentence names more specific codes
    by_words, note = search_codes("generalized anxiety")
    assert {"code": "F41.1", "description": "Generalized anxiety disorder"} in by_words
    assert note == ""
    exact, note = search_codes(" f41.1 ")
    assert [r["code"] for r in exact] == ["F41.1"] and note == ""
    assert search_codes("   ") == ([], "")
    assert search_codes("zzzz qqqq") == ([], "")
    # Categories and subcategories are never offered.
    offered = search_codes("anxiety")[0] + search_codes("F4")[0]
    assert offered and all(icd10.validate_billable(r["code"]) for r in offered)
