"""Treatment plans: numbered versions, each signed one kept as signed (by the service and by
the database), revisions starting from the latest signed version, content checked by path,
none for a consultation case, reads audited and limited to the clinical record's readers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError, IntegrityError
from sqlmodel import Session, col, select

from practicerunner.core import audit, clock
from practicerunner.core.errors import NotFound, PermissionDenied, ValidationFailed
from practicerunner.core.models import AuditEvent
from practicerunner.documentation.plans import (
    MAX_GOALS,
    MAX_PROBLEMS,
    Goal,
    Intervention,
    Objective,
    PlanContent,
    PlanContentError,
    Problem,
    SessionFrequency,
    TreatmentPlan,
    TreatmentPlanSigned,
    append_only_tables,
    content_from_dict,
    content_to_dict,
    discard_plan_draft,
    plans_of,
    save_plan_draft,
    sign_plan,
    start_plan,
)

NOW = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)  # noon, 1 December, in Los Angeles
TODAY = date(2026, 12, 1)


def _plan(**changes: Any) -> dict[str, Any]:
    """A complete plan as the editor sends it; CHANGES replace top-level parts."""
    data: dict[str, Any] = {
        "start_on": "2026-12-01",
        "problems": [
            {
                "text": "Depressed mood most days since the job loss.",
                "goals": [
                    {
                        "text": "Mood improves.",
                        "measure": "PHQ-9 below 10 at two sessions in a row",
                        "target_on": "2027-03-01",
                        "objectives": [
                            {"text": "Walks 20 minutes 3 days a week.", "target_on": "2027-01-15"}
                        ],
                    }
                ],
            }
        ],
        "interventions": [{"text": "Behavioural activation", "frequency": "weekly CBT session"}],
        "session_frequency": "weekly",
        "review_on": "2027-03-01",
    }
    data.update(changes)
    return data


@pytest.fixture
def travel() -> Iterator:  # type: ignore[type-arg]
    with clock.frozen_at(NOW) as move:
        yield move


@pytest.fixture
def append_only(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    """The triggers core.audit installs for its append-only tables, on this module's tables.

    Until the lead adds them to core.audit.APPEND_ONLY_TABLES the schema has none; the DDL
    comes from core.audit.append_only_ddl itself, pointed at our tables only.
    """
    ours = tuple(t for t in append_only_tables() if t not in audit.APPEND_ONLY_TABLES)
    if not ours:
        return  # already installed by create_schema
    monkeypatch.setattr(audit, "APPEND_ONLY_TABLES", ours)
    for statement in audit.append_only_ddl(session.get_bind().dialect.name):
        session.execute(text(statement))
    session.commit()


def _actions(session: Session) -> list[str]:
    found = session.exec(
        select(AuditEvent.action)
        .where(col(AuditEvent.action).startswith("plan."))
        .order_by(col(AuditEvent.id))
    ).all()
    session.rollback()
    return list(found)


def test_versions_are_numbered_and_every_signed_one_kept(session: Session, people, travel) -> None:  # type: ignore[no-untyped-def]
    carl = people.clinician
    case_id = int(people.cases["clinician"].id)
    assert plans_of(session, carl, case_id) == []

    first = start_plan(session, carl, case_id)
    assert start_plan(session, carl, case_id) == first  # one draft at a time
    [draft] = plans_of(session, carl, case_id)
    assert (draft.version, draft.status, draft.content) == (1, "draft", PlanContent(TODAY))
    save_plan_draft(session, carl, first, _plan())
    sign_plan(session, carl, first)

    travel(timedelta(days=90))
    second = start_plan(session, carl, case_id)
    assert second != first
    [revision, signed] = plans_of(session, carl, case_id)
    assert (revision.version, revision.status, signed.version, signed.status) == (
        2,
        "draft",
        1,
        "signed",
    )
    # The revision starts as the signed plan, from today.
    assert revision.content == replace(signed.content, start_on=date(2027, 3, 1))
    assert signed.signed_name == "Carl Chen" and signed.signed_at == NOW
    assert signed.created_by_name == "Carl Chen"

    revised = _plan(start_on="2027-03-01", review_on="2027-06-01", session_frequency="monthly")
    revised["problems"][0]["goals"][0]["target_on"] = "2027-06-01"
    revised["problems"][0]["goals"][0]["objectives"] = []
    save_plan_draft(session, carl, second, revised)
    sign_plan(session, carl, second)
    views = plans_of(session, carl, case_id)
    assert [(v.version, v.status, v.review_on) for v in views] == [
        (2, "signed", date(2027, 6, 1)),
        (1, "signed", date(2027, 3, 1)),
    ]
    assert views[0].content.session_frequency is SessionFrequency.MONTHLY
    assert views[1].content.session_frequency is SessionFrequency.WEEKLY
    assert views[1].content.problems[0].goals[0].objectives[0].text.startswith("Walks")
    assert start_plan(session, carl, case_id) not in (first, second)  # version 3 begins
    assert _actions(session) == [
        "plan.viewed",
        "plan.started",
        "plan.viewed",
        "plan.saved",
        "plan.signed",
        "plan.started",
        "plan.viewed",
        "plan.saved",
        "plan.signed",
        "plan.viewed",
        "plan.started",
    ]
    details = session.exec(select(AuditEvent.detail).where(AuditEvent.action == "plan.saved")).all()
    session.rollback()
    assert all("Depressed" not in d for d in details)  # names of parts, never their text
    assert '"changed": ["problems", "review_on", "session_frequency"]' in details[1]


def test_a_signed_version_cannot_be_changed_through_the_service(
    session: Session, people, travel
) -> None:  # type: ignore[no-untyped-def]
    carl = people.clinician
    case_id = int(people.cases["clinician"].id)
    plan_id = start_plan(session, carl, case_id)
    save_plan_draft(session, carl, plan_id, _plan())
    sign_plan(session, carl, plan_id)
    for attempt in (
        lambda: save_plan_draft(session, carl, plan_id, _plan(review_on="2027-09-01")),
        lambda: sign_plan(session, carl, plan_id),
    ):
        with pytest.raises(ValidationFailed) as locked:
            attempt()
        assert "Start a new version" in locked.value.errors["plan"]
    assert len(session.exec(select(TreatmentPlanSigned)).all()) == 1
    session.rollback()
    # Even a plan row changed behind the service's back shows what was signed.
    session.execute(text("UPDATE treatment_plan SET content_json = '{}', review_on = NULL"))
    session.commit()
    [view] = plans_of(session, carl, case_id)
    assert view.review_on == date(2027, 3, 1)
    assert view.content == content_from_dict(_plan())


def test_the_database_refuses_to_change_or_remove_a_signed_version(
    session: Session, people, travel, append_only
) -> None:  # type: ignore[no-untyped-def]
    carl = people.clinician
    plan_id = start_plan(session, carl, int(people.cases["clinician"].id))
    save_plan_draft(session, carl, plan_id, _plan())
    sign_plan(session, carl, plan_id)
    for statement in (
        "UPDATE treatment_plan_signed SET content_json = '{}'",
        "UPDATE treatment_plan_signed SET review_on = '2030-01-01'",
        "DELETE FROM treatment_plan_signed",
    ):
        with pytest.raises(DatabaseError, match="append-only"):
            session.execute(text(statement))
        session.rollback()
    [row] = session.exec(select(TreatmentPlanSigned)).all()
    assert row.content_json != "{}" and row.review_on == date(2027, 3, 1)
    session.rollback()


def test_the_database_holds_one_draft_per_case(session: Session, people, travel) -> None:  # type: ignore[no-untyped-def]
    carl = people.clinician
    case_id = int(people.cases["clinician"].id)
    start_plan(session, carl, case_id)
    session.add(
        TreatmentPlan(
            case_id=case_id,
            version=2,
            created_by_id=carl.staff_id,
            created_at=NOW,
            updated_at=NOW,
        )
    )
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()


def _deep(path: str, value: object) -> dict[str, Any]:
    """A complete plan with the part at PATH (dotted, with [n]) replaced by VALUE."""
    data = _plan()
    parts = path.replace("[", ".").replace("]", "").split(".")
    here: Any = data
    for part in parts[:-1]:
        here = here[int(part)] if part.isdigit() else here[part]
    last = parts[-1]
    if last.isdigit():
        here[int(last)] = value
    else:
        here[last] = value
    return data


@pytest.mark.parametrize(
    ("raw", "path", "words"),
    [
        ("a plan", "plan", "Expected an object."),
        (_plan(problems="Low mood"), "problems", "Expected a list."),
        (_plan(problems=["Low mood"]), "problems[0]", "Expected an object."),
        (_plan(colour="blue"), "colour", "Unknown field."),
        (_deep("problems[0].severity", "high"), "problems[0].severity", "Unknown field."),
        (_deep("problems[0].text", 7), "problems[0].text", "Expected text."),
        (_deep("problems[0].text", "x" * 2001), "problems[0].text", "at most 2,000"),
        (
            _deep("problems[0].goals[0].target_on", "01/03/2027"),
            "problems[0].goals[0].target_on",
            "Enter a date as yyyy-mm-dd.",
        ),
        (
            _deep("problems[0].goals[0].objectives[0].target_on", "2027-02-30"),
            "problems[0].goals[0].objectives[0].target_on",
            "There is no 2027-02-30",
        ),
        (_plan(review_on="1850-01-01"), "review_on", "too far in the past"),
        (_plan(session_frequency="daily"), "session_frequency", "Choose weekly, every two"),
        (_plan(session_frequency_other="twice\nweekly"), "session_frequency_other", "one line"),
        (
            _deep("interventions[0].frequency", "weekly\nor so"),
            "interventions[0].frequency",
            "Use one line.",
        ),
        (
            _plan(problems=[{"text": "p"}] * (MAX_PROBLEMS + 1)),
            "problems",
            f"at most {MAX_PROBLEMS} problems",
        ),
        (
            _deep("problems[0].goals", [{"text": "g"}] * (MAX_GOALS + 1)),
            "problems[0].goals",
            f"at most {MAX_GOALS} goals",
        ),
    ],
)
def test_content_of_the_wrong_shape_is_refused_by_path_and_nothing_saved(
    session: Session, people, travel, raw: object, path: str, words: str
) -> None:  # type: ignore[no-untyped-def]
    carl = people.clinician
    case_id = int(people.cases["clinician"].id)
    plan_id = start_plan(session, carl, case_id)
    with pytest.raises(PlanContentError) as refused:
        save_plan_draft(session, carl, plan_id, raw)
    assert words in refused.value.errors[path]
    [draft] = plans_of(session, carl, case_id)
    assert draft.content == PlanContent(TODAY)
    assert "plan.saved" not in _actions(session)


def test_a_draft_may_be_incomplete_and_signing_names_every_gap_by_path(
    session: Session, people, travel
) -> None:  # type: ignore[no-untyped-def]
    carl = people.clinician
    plan_id = start_plan(session, carl, int(people.cases["clinician"].id))
    with pytest.raises(ValidationFailed) as empty:
        sign_plan(session, carl, plan_id)
    assert empty.value.errors == {
        "problems": "Add at least one problem.",
        "interventions": "Add at least one intervention.",
        "session_frequency": "Choose how often sessions are held.",
        "review_on": "Enter the date the plan will be reviewed.",
    }
    partial = _plan(
        start_on="2026-11-15",
        problems=[
            {
                "text": "Panic attacks at work.",
                "goals": [
                    {"text": "Fewer attacks.", "measure": "Under 1 a week", "target_on": ""},
                    {
                        "text": "Returns to the office.",
                        "target_on": "2026-11-01",
                        "objectives": [
                            {"text": "Commutes once.", "target_on": "2026-12-20"},
                            {"text": "", "target_on": "2027-02-01"},
                        ],
                    },
                ],
            },
            {"text": "", "goals": []},
        ],
        interventions=[{"text": "Interoceptive exposure", "frequency": ""}],
        session_frequency="other",
    )
    save_plan_draft(session, carl, plan_id, partial)  # saved as it is: a draft
    with pytest.raises(ValidationFailed) as gaps:
        sign_plan(session, carl, plan_id)
    assert gaps.value.errors == {
        "problems[0].goals[0].target_on": "Enter a target date.",
        "problems[0].goals[1].measure": (
            "Say how progress is measured, for example “PHQ-9 below 10”."
        ),
        "problems[0].goals[1].target_on": "The target date is before the plan's start.",
        "problems[0].goals[1].objectives[0].target_on": (
            "The objective's target date is after its goal's."
        ),
        "problems[0].goals[1].objectives[1].text": "Describe the objective.",
        "problems[0].goals[1].objectives[1].target_on": (
            "The objective's target date is after its goal's."
        ),
        "problems[1].text": "Describe the problem.",
        "problems[1].goals": "Add at least one goal for this problem.",
        "interventions[0].frequency": "Say how often, for example “weekly CBT session”.",
        "session_frequency_other": "Say how often sessions are held.",
    }
    assert session.exec(select(TreatmentPlanSigned)).all() == []
    session.rollback()


@pytest.mark.parametrize(
    ("review_on", "words"),
    [
        ("2026-11-30", "The review date must be in the future."),
        ("2026-12-01", "The review date must be in the future."),  # today is not the future
        ("", "Enter the date the plan will be reviewed."),
    ],
)
def test_a_review_date_not_in_the_future_is_refused_at_signing(
    session: Session, people, travel, review_on: str, words: str
) -> None:  # type: ignore[no-untyped-def]
    carl = people.clinician
    plan_id = start_plan(session, carl, int(people.cases["clinician"].id))
    save_plan_draft(session, carl, plan_id, _plan(start_on="2026-11-01", review_on=review_on))
    with pytest.raises(ValidationFailed) as refused:
        sign_plan(session, carl, plan_id)
    assert refused.value.errors == {"review_on": words}


def test_a_revision_needs_a_new_review_date_once_the_old_one_has_passed(
    session: Session, people, travel
) -> None:  # type: ignore[no-untyped-def]
    carl = people.clinician
    case_id = int(people.cases["clinician"].id)
    first = start_plan(session, carl, case_id)
    save_plan_draft(session, carl, first, _plan())
    sign_plan(session, carl, first)
    travel(timedelta(days=100))  # 11 March 2027: the review date has passed
    second = start_plan(session, carl, case_id)
    with pytest.raises(ValidationFailed) as refused:
        sign_plan(session, carl, second)
    assert refused.value.errors["review_on"] == "The review date must be in the future."
    assert "problems[0].goals[0].target_on" in refused.value.errors  # before the new start


def test_other_frequency_text_is_kept_in_the_draft_and_dropped_when_not_chosen(
    session: Session, people, travel
) -> None:  # type: ignore[no-untyped-def]
    carl = people.clinician
    case_id = int(people.cases["clinician"].id)
    plan_id = start_plan(session, carl, case_id)
    save_plan_draft(session, carl, plan_id, _plan(session_frequency_other="Twice a week"))
    [draft] = plans_of(session, carl, case_id)
    assert draft.content.session_frequency_other == "Twice a week"
    sign_plan(session, carl, plan_id)
    [signed] = plans_of(session, carl, case_id)
    assert signed.content.session_frequency_other == ""


def test_a_consultation_case_has_no_treatment_plan(session: Session, people, travel) -> None:  # type: ignore[no-untyped-def]
    carl = people.clinician
    case = people.cases["clinician"]
    plan_id = start_plan(session, carl, int(case.id))
    case.kind = "consultation"
    session.add(case)
    session.commit()
    refused = {"plan": "A consultation case has no treatment plan."}
    for attempt in (
        lambda: start_plan(session, carl, int(case.id)),
        lambda: plans_of(session, carl, int(case.id)),
        lambda: save_plan_draft(session, carl, plan_id, _plan()),
        lambda: sign_plan(session, carl, plan_id),
    ):
        with pytest.raises(ValidationFailed) as no_plan:
            attempt()
        assert no_plan.value.errors == refused
    assert len(session.exec(select(TreatmentPlan)).all()) == 1
    session.rollback()


def test_only_those_who_may_see_the_clinical_record_reach_the_plan(
    session: Session, people, travel
) -> None:  # type: ignore[no-untyped-def]
    ana = people.associate
    case_id = int(people.cases["associate"].id)
    plan_id = start_plan(session, ana, case_id)
    save_plan_draft(session, ana, plan_id, _plan())
    # Carl has another caseload: the plan is "not found", exactly as if it did not exist.
    for attempt in (
        lambda: start_plan(session, people.clinician, case_id),
        lambda: save_plan_draft(session, people.clinician, plan_id, _plan()),
        lambda: sign_plan(session, people.clinician, plan_id),
        lambda: plans_of(session, people.clinician, case_id),
        lambda: plans_of(session, people.associate2, case_id),
        lambda: save_plan_draft(session, people.supervisor, plan_id, _plan()),  # reads only
        lambda: sign_plan(session, people.clinician, 999_999),
    ):
        with pytest.raises(NotFound):
            attempt()
    for outsider in (people.scheduler, people.biller):
        with pytest.raises(NotFound):
            plans_of(session, outsider, case_id)
        with pytest.raises(PermissionDenied):
            start_plan(session, outsider, case_id)
    # Ana's supervisor reads her caseload's plans; the owner reaches every case.
    assert [v.version for v in plans_of(session, people.supervisor, case_id)] == [1]
    sign_plan(session, people.owner, plan_id)
    [view] = plans_of(session, ana, case_id)
    assert (view.status, view.signed_name) == ("signed", "Olivia Owens")
    assert _actions(session).count("plan.viewed") == 2


# --- content as JSON (no database) -----------------------------------------------------------

_days = st.one_of(st.none(), st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)))
# Stored text is trimmed, with no control characters other than tab and newline.
_words = st.text(
    st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("\t\n"), max_size=40
).map(str.strip)
_line = _words.map(lambda s: " ".join(s.split()))
_objectives = st.builds(Objective, text=_words, target_on=_days)
_goals = st.builds(
    Goal,
    text=_words,
    measure=_words,
    target_on=_days,
    objectives=st.lists(_objectives, max_size=3).map(tuple),
)
_problems = st.builds(Problem, text=_words, goals=st.lists(_goals, max_size=3).map(tuple))
_contents = st.builds(
    PlanContent,
    start_on=_days,
    problems=st.lists(_problems, max_size=3).map(tuple),
    interventions=st.lists(st.builds(Intervention, text=_words, frequency=_line), max_size=3).map(
        tuple
    ),
    session_frequency=st.one_of(st.none(), st.sampled_from(SessionFrequency)),
    session_frequency_other=_line,
    review_on=_days,
)


@given(_contents)
def test_content_survives_its_json_round_trip(content: PlanContent) -> None:
    assert content_from_dict(json.loads(json.dumps(content_to_dict(content)))) == content


def test_a_revision_begun_by_mistake_is_discarded_and_the_signed_plan_stays(
    session: Session, people, travel
) -> None:  # type: ignore[no-untyped-def]
    carl = people.clinician
    case_id = int(people.cases["clinician"].id)
    first = start_plan(session, carl, case_id)
    save_plan_draft(session, carl, first, _plan())
    sign_plan(session, carl, first)
    # A signed version is never thrown away.
    with pytest.raises(ValidationFailed):
        discard_plan_draft(session, carl, first)

    revision = start_plan(session, carl, case_id)
    discard_plan_draft(session, carl, revision)
    [signed] = plans_of(session, carl, case_id)
    assert (signed.version, signed.status) == (1, "signed")
    # Someone who cannot write the case's plan cannot discard its draft either.
    again = start_plan(session, carl, case_id)
    with pytest.raises((NotFound, PermissionDenied)):
        discard_plan_draft(session, people.scheduler, again)
    with pytest.raises(NotFound):
        discard_plan_draft(session, people.associate, again)
    assert start_plan(session, carl, case_id) == again  # still there, and version 2 again
    assert _actions(session)[-3:] == ["plan.draft_discarded", "plan.viewed", "plan.started"]
