"""The Treatment plan screen's read model: the draft apart from the signed versions (newest
first, drawn as signed, with who signed and when); the editor only for those who may write the
plan; nothing read on a consultation case; the not-found answer for everyone else."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session, select

from practicerunner.core import clock
from practicerunner.core.errors import NotFound, PermissionDenied, ValidationFailed
from practicerunner.core.models import AuditEvent
from practicerunner.documentation.plan_state import (
    StalePlan,
    plan_screen,
    save_unless_stale,
    sign_unless_stale,
    signed_doc,
)
from practicerunner.documentation.plans import (
    SIGNED_LOCKED,
    TreatmentPlanSigned,
    draft_saved_at,
    plans_of,
    save_plan_draft,
    sign_plan,
    start_plan,
)
from practicerunner.practice.models import Staff

NOW = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)  # noon, 1 December, in Los Angeles


@pytest.fixture(autouse=True)
def travel() -> Iterator:  # type: ignore[type-arg]
    with clock.frozen_at(NOW) as move:
        yield move


def _plan(goal: str) -> dict[str, Any]:
    return {
        "start_on": "2026-12-01",
        "problems": [
            {
                "text": "Worry most days.",
                "goals": [
                    {
                        "text": goal,
                        "measure": "GAD-7 below 10",
                        "target_on": "2027-03-01",
                        "objectives": [{"text": "Daily breathing practice", "target_on": ""}],
                    }
                ],
            }
        ],
        "interventions": [{"text": "CBT", "frequency": "weekly session"}],
        "session_frequency": "weekly",
        "review_on": "2027-03-01",
    }


def _viewed(session: Session) -> int:
    count = len(session.exec(select(AuditEvent.id).where(AuditEvent.action == "plan.viewed")).all())
    session.rollback()
    return count


def test_it_shows_signed_versions_newest_first_and_the_draft_apart(
    session: Session, people
) -> None:  # type: ignore[no-untyped-def]
    # given a signed version 1 and a revision in draft
    carl, case_id = people.clinician, int(people.cases["clinician"].id)
    staff = session.get(Staff, carl.staff_id)
    assert staff is not None
    staff.credentials = "LMFT"
    session.add(staff)
    session.commit()
    first = start_plan(session, carl, case_id)
    complete = _plan("Worry less.")
    complete["problems"][0]["goals"][0]["objectives"][0]["target_on"] = "2027-01-15"
    save_plan_draft(session, carl, first, complete)
    sign_plan(session, carl, first)
    second = start_plan(session, carl, case_id)
    save_plan_draft(session, carl, second, _plan("Worry much less."))

    # when the clinician opens the page
    screen = plan_screen(session, carl, case_id)

    # then
    assert screen.can_edit and not screen.consultation
    assert screen.draft is not None and screen.draft.version == 2
    assert screen.draft.content.problems[0].goals[0].text == "Worry much less."
    assert [v.version for v in screen.signed] == [1]
    doc = signed_doc(screen.signed[0], screen.zone)
    assert doc.signed_by == f"{staff.full_name}, LMFT"
    assert doc.signed_when == "Dec 1, 2026 at 12:00"
    assert doc.problems[0].goals[0].text == "Worry less."
    assert doc.problems[0].goals[0].objectives[0].target_text == "Jan 15, 2027"
    assert doc.frequency_text == "Weekly"
    assert _viewed(session) == 1


def test_a_supervisor_reads_the_plan_without_the_editor(session: Session, people) -> None:  # type: ignore[no-untyped-def]
    case_id = int(people.cases["associate"].id)
    start_plan(session, people.associate, case_id)
    screen = plan_screen(session, people.supervisor, case_id)
    assert not screen.can_edit
    assert screen.draft is not None and screen.signed == []


@pytest.mark.parametrize("who", ["scheduler", "biller", "associate2"])
def test_those_who_may_not_read_the_clinical_record_find_nothing(
    session: Session, people, who: str
) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotFound):
        plan_screen(session, getattr(people, who), int(people.cases["associate"].id))
    assert _viewed(session) == 0


def test_a_consultation_case_shows_no_plan_and_reads_none(session: Session, people) -> None:  # type: ignore[no-untyped-def]
    case = people.cases["clinician"]
    case.kind = "consultation"
    session.add(case)
    session.commit()
    screen = plan_screen(session, people.clinician, int(case.id))
    assert screen.consultation and not screen.can_edit
    assert screen.draft is None and screen.signed == []
    assert _viewed(session) == 0


def test_an_editor_saves_and_signs_only_the_draft_it_last_saw(
    session: Session, people, travel
) -> None:  # type: ignore[no-untyped-def]
    # given a draft two windows opened at the same moment
    carl, case_id = people.clinician, int(people.cases["clinician"].id)
    plan_id = start_plan(session, carl, case_id)
    opened = plans_of(session, carl, case_id)[0].updated_at.isoformat()
    assert draft_saved_at(session, carl, plan_id).isoformat() == opened
    session.rollback()

    # when the first window saves, it learns the new moment
    travel(timedelta(minutes=1))
    first = save_unless_stale(session, carl, plan_id, _plan("Worry less."), opened)
    assert first > opened

    # then the second window's save and signature are refused, and nothing changes
    travel(timedelta(minutes=1))
    with pytest.raises(StalePlan):
        save_unless_stale(session, carl, plan_id, _plan("Something else."), opened)
    with pytest.raises(StalePlan):
        sign_unless_stale(session, carl, plan_id, opened)
    draft = plans_of(session, carl, case_id)[0]
    assert draft.is_draft and draft.content.problems[0].goals[0].text == "Worry less."

    # and the first window goes on saving and signs what it shows
    complete = _plan("Worry much less.")
    complete["problems"][0]["goals"][0]["objectives"][0]["target_on"] = "2027-01-15"
    second = save_unless_stale(session, carl, plan_id, complete, first)
    sign_unless_stale(session, carl, plan_id, second)
    assert len(session.exec(select(TreatmentPlanSigned)).all()) == 1
    session.rollback()
    with pytest.raises(ValidationFailed) as refused:
        draft_saved_at(session, carl, plan_id)
    assert refused.value.errors == {"plan": SIGNED_LOCKED}


def test_only_those_who_may_write_the_plan_learn_when_it_was_saved(
    session: Session, people
) -> None:  # type: ignore[no-untyped-def]
    plan_id = start_plan(session, people.associate, int(people.cases["associate"].id))
    # The supervisor reads the plan but does not write it; the others do not reach it at all.
    for who in ("supervisor", "associate2", "scheduler", "biller"):
        with pytest.raises((NotFound, PermissionDenied)):
            draft_saved_at(session, getattr(people, who), plan_id)
