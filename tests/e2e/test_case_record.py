"""A case's clinical record in the browser (issue 5): a clinician opens Diagnoses from the case
page, finds F41.1 by code, is refused the category F41 with the service's sentence, adds F41.1
from a start date, adds and ends a second diagnosis; then writes a treatment plan (one
problem, goal and objective), is refused signing with the review date empty (beside the
field, nothing signed), signs it, and revises it into version 2 with version 1 kept as signed.
A consultation case offers none of it: no record buttons on its page, no claim or superbill
on its billing tab, no picker on /diagnoses.

The clinician, the clients and both cases are written straight into the app's database, as
the other browser tests arrange their data, so nothing another test relies on changes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import Locator, Page, expect
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from practicerunner.core import clock
from practicerunner.core.permissions import Role
from practicerunner.documentation.models import CaseDiagnosis
from practicerunner.documentation.plans import TreatmentPlan, TreatmentPlanSigned
from practicerunner.practice.models import Practice
from tests.e2e.conftest import screenshot, sign_in
from tests.personas import PASSWORD, add_client, add_individual_case, add_staff

CLINICIAN = ("nora.lindqvist@willow.example", "Nora Lindqvist", "LPCC")


@dataclass(frozen=True)
class Arranged:
    case_id: int
    consultation_id: int
    today: date


def _arrange(engine: Engine) -> Arranged:
    with Session(engine, expire_on_commit=False) as session:
        zone = ZoneInfo(session.exec(select(Practice.timezone)).one())
        email, name, credentials = CLINICIAN
        nora = add_staff(session, email, name, [Role.CLINICIAN])
        nora.credentials = credentials
        session.add(nora)
        client = add_client(session, "Mara", "Ellison", date(1990, 6, 2), nora)
        case = add_individual_case(session, client, nora)
        adviser = add_client(session, "Theo", "Brandt", date(1979, 1, 20), nora)
        consultation = add_individual_case(session, adviser, nora)
        consultation.kind = "consultation"
        consultation.title = "Theo Brandt (consultation)"
        session.add(consultation)
        session.commit()
        return Arranged(
            case_id=int(case.id),  # type: ignore[arg-type]
            consultation_id=int(consultation.id),  # type: ignore[arg-type]
            today=clock.now().astimezone(zone).date(),
        )


def _leave(field: Locator) -> None:
    """Leave FIELD (the editor saves a field as it is left). Not Tab: in a date field it only
    moves between day, month and year."""
    field.blur()


def _write_diagnosis(page: Page, days: Arranged) -> None:
    picker = page.locator("#diagnosis-picker")
    query = page.locator("#code_query")
    query.fill("F41")
    # A category typed as a code: the service's sentence, and the billable codes below it.
    expect(page.locator("#code-note")).to_contain_text("F41 is a category, not a billable code")
    results = page.locator("#code-results")
    expect(results).to_contain_text("F41.1")
    picker.get_by_role("button", name="Add diagnosis").click()
    expect(page.locator("#code-error")).to_contain_text("F41 is a category, not a billable code")
    expect(page.locator("#code-error")).to_contain_text("F41.1")
    expect(query).to_have_value("F41")  # what was typed stays
    expect(query).to_have_attribute("aria-invalid", "true")

    results.get_by_role("button", name=re.compile(r"^F41\.1 ")).click()
    expect(page.locator("#picked-code")).to_contain_text("Generalized anxiety disorder")
    expect(page.locator("#code-error")).to_have_count(0)
    started = days.today - timedelta(days=21)
    page.locator("#start_on").fill(started.isoformat())
    page.locator("#is_primary").check()
    picker.get_by_role("button", name="Add diagnosis").click()
    listed = page.locator("#current-diagnoses")
    expect(listed).to_contain_text("F41.1")
    expect(listed).to_contain_text("Generalized anxiety disorder")
    expect(listed).to_contain_text("Primary")
    expect(page.locator("#diagnosis-done")).to_have_text("F41.1 added.")
    expect(listed).to_contain_text(f"{started:%b} {started.day}, {started.year}")
    expect(query).to_have_value("")  # ready for the next one


def _fill_plan(page: Page, days: Arranged) -> None:
    """One problem, goal and objective, an intervention and weekly sessions; no review date."""
    page.locator("#problems-0-text").fill("Worry most days since the move; poor sleep.")
    page.locator("#problems-0-goals-0-text").fill("Worry no longer disrupts sleep or work.")
    page.locator("#problems-0-goals-0-measure").fill("GAD-7 below 10 at two sessions in a row")
    page.locator("#problems-0-goals-0-target_on").fill(
        (days.today + timedelta(days=90)).isoformat()
    )
    page.get_by_role("button", name="Add objective to Goal 1.1").click()
    objective = page.locator("#problems-0-goals-0-objectives-0-text")
    expect(objective).to_be_focused()  # the new row takes the focus: typing goes on
    objective.fill("Uses a wind-down routine five nights a week.")
    page.locator("#problems-0-goals-0-objectives-0-target_on").fill(
        (days.today + timedelta(days=45)).isoformat()
    )
    page.locator("#interventions-0-text").fill("CBT for generalized anxiety")
    page.locator("#interventions-0-frequency").fill("weekly session")
    page.locator("#session_frequency").select_option("weekly")
    expect(page.locator("#plan-save-state")).to_have_text(re.compile(r"^Saved \d\d:\d\d$"))


def test_a_clinician_keeps_a_cases_diagnoses_and_treatment_plan(
    page: Page, e2e_engine: Engine
) -> None:
    days = _arrange(e2e_engine)
    sign_in(page, CLINICIAN[0], PASSWORD)

    # Diagnoses, from the case page.
    page.goto(f"/cases/{days.case_id}")
    page.locator("#clinical").get_by_role("link", name="Diagnoses").click()
    expect(page).to_have_url(re.compile(rf"/cases/{days.case_id}/diagnoses$"))
    expect(page.get_by_role("heading", name="Diagnoses", exact=True)).to_be_visible()
    expect(page.locator("#case-title")).to_have_text("Mara Ellison")
    _write_diagnosis(page, days)
    # A second one, by words, ended again: it moves to Ended with its end date.
    page.locator("#code_query").fill("primary insomnia")
    page.locator("#code-results").get_by_role("button", name="F51.01 Primary insomnia").click()
    page.locator("#diagnosis-picker").get_by_role("button", name="Add diagnosis").click()
    current = page.locator("#current-diagnoses")
    expect(current).to_contain_text("F51.01")
    # The primary diagnosis moves to it, and back.
    page.get_by_role("button", name="Make F51.01 the primary diagnosis").click()
    expect(page.locator("#diagnosis-done")).to_have_text("F51.01 is now the primary diagnosis.")
    # ("Primary insomnia" says Primary too: look at the badge.)
    primary = current.get_by_role("row").filter(has=page.locator(".rt-Badge", has_text="Primary"))
    expect(primary).to_have_count(1)
    expect(primary).to_contain_text("F51.01")
    page.get_by_role("button", name="Make F41.1 the primary diagnosis").click()
    expect(page.locator("#diagnosis-done")).to_have_text("F41.1 is now the primary diagnosis.")
    page.get_by_role("button", name="End F51.01").click()
    expect(page.locator("#end_on")).to_have_value(days.today.isoformat())
    page.get_by_role("button", name="Save end date").click()
    expect(page.locator("#ended-diagnoses")).to_contain_text("Primary insomnia")
    expect(page.locator("#current-diagnoses")).not_to_contain_text("F51.01")
    page.locator("#code_query").fill("adjustment disorder with anx")
    expect(page.locator("#code-results")).to_contain_text("F43.22")
    screenshot(page, "96-diagnoses")

    # The treatment plan: started, refused without a review date, signed.
    page.locator("#back-to-case").click()
    page.locator("#clinical").get_by_role("link", name="Treatment plan").click()
    expect(page).to_have_url(re.compile(rf"/cases/{days.case_id}/plan$"))
    expect(page.locator("#no-plan")).to_contain_text("No treatment plan yet")
    page.get_by_role("button", name="Start a treatment plan").click()
    expect(page.locator("#draft-heading")).to_contain_text("Version 1")
    expect(page.locator("#start_on")).to_have_value(days.today.isoformat())
    _fill_plan(page, days)
    page.locator("#sign-plan").click()
    expect(page.locator("#review_on-error")).to_have_text(
        "Enter the date the plan will be reviewed."
    )
    expect(page.locator("#review_on")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#plan-error-summary")).to_contain_text("not signed")
    expect(page.locator("#problems-0-goals-0-objectives-0-text")).to_have_value(
        "Uses a wind-down routine five nights a week."
    )
    with Session(e2e_engine) as check:
        plan_ids = select(TreatmentPlan.id).where(TreatmentPlan.case_id == days.case_id)
        assert (
            check.exec(
                select(TreatmentPlanSigned).where(col(TreatmentPlanSigned.plan_id).in_(plan_ids))
            ).all()
            == []
        )
    page.locator("#review_on").fill((days.today + timedelta(days=90)).isoformat())
    _leave(page.locator("#review_on"))
    expect(page.locator("#review_on-error")).to_have_count(0)
    page.locator("#sign-plan").click()
    expect(page.locator("#plan-signed")).to_contain_text("Version 1 is signed and in force")
    current = page.locator("#current-plan")
    expect(current).to_contain_text("Worry no longer disrupts sleep or work.")
    expect(page.get_by_text(f"Signed by {CLINICIAN[1]}, {CLINICIAN[2]}")).to_be_visible()
    expect(page.locator("main textarea, main input, main select")).to_have_count(0)

    # Revised: version 2 starts from version 1, which is kept as signed.
    page.locator("#revise-plan").click()
    expect(page.locator("#draft-heading")).to_contain_text("Version 2")
    expect(page.locator("#plan-signed")).to_have_count(0)
    goal = page.locator("#problems-0-goals-0-text")
    expect(goal).to_have_value("Worry no longer disrupts sleep or work.")
    # Another window saves the draft first: this one is told to reload, not let overwrite it.
    other = page.context.new_page()
    other.goto(f"/cases/{days.case_id}/plan")
    other_goal = other.locator("#problems-0-goals-0-text")
    other_goal.fill("Worry no longer disrupts sleep, work or time with friends.")
    _leave(other_goal)
    expect(other.locator("#plan-save-state")).to_have_text(re.compile(r"^Saved \d\d:\d\d$"))
    other.close()
    problem = page.locator("#problems-0-text")
    problem.fill("Typed in the older window.")
    _leave(problem)
    expect(page.locator("#stale-plan")).to_contain_text("saved in another window")
    page.locator("#stale-plan").get_by_role("button", name="Reload").click()
    expect(goal).to_have_value("Worry no longer disrupts sleep, work or time with friends.")
    expect(problem).to_have_value("Worry most days since the move; poor sleep.")
    expect(page.locator("#stale-plan")).to_have_count(0)
    expect(page.locator("#plan-versions")).to_contain_text("Version 1")
    screenshot(page, "97-treatment-plan")
    page.locator("#sign-plan").click()
    expect(page.locator("#current-plan")).to_contain_text("time with friends")
    versions = page.locator("#plan-versions")
    versions.get_by_text("Version 1").click()  # opens the earlier version
    expect(page.locator("#version-1")).to_contain_text("Worry no longer disrupts sleep or work.")
    expect(page.locator("#version-1")).not_to_contain_text("time with friends")

    # A revision begun by mistake is discarded, after asking; version 2 stays in force.
    page.locator("#revise-plan").click()
    expect(page.locator("#draft-heading")).to_contain_text("Version 3")
    page.locator("#discard-plan").click()
    expect(page.get_by_role("alertdialog")).to_contain_text("Version 2 stays in force")
    page.locator("#confirm-discard").click()
    expect(page.locator("#draft-heading")).to_have_count(0)
    expect(page.locator("#current-plan")).to_contain_text("time with friends")
    expect(page.locator("#revise-plan")).to_be_visible()

    with Session(e2e_engine) as check:
        rows = check.exec(
            select(TreatmentPlan.version, TreatmentPlanSigned.content_json)
            .join(TreatmentPlanSigned, col(TreatmentPlanSigned.plan_id) == col(TreatmentPlan.id))
            .where(TreatmentPlan.case_id == days.case_id)
            .order_by(col(TreatmentPlan.version))
        ).all()
        goals = [json.loads(content)["problems"][0]["goals"][0]["text"] for _, content in rows]
        assert [version for version, _ in rows] == [1, 2]
        assert goals == [
            "Worry no longer disrupts sleep or work.",
            "Worry no longer disrupts sleep, work or time with friends.",
        ]
        diagnoses = check.exec(
            select(CaseDiagnosis)
            .where(CaseDiagnosis.case_id == days.case_id)
            .order_by(col(CaseDiagnosis.id))
        ).all()
        assert [(d.code, d.is_primary, d.end_on) for d in diagnoses] == [
            ("F41.1", True, None),
            ("F51.01", False, days.today),
        ]

    # A consultation case: no record buttons, no claim or superbill, no picker.
    page.goto(f"/cases/{days.consultation_id}")
    expect(page.locator("#clinical")).to_be_visible()
    for name in ("Diagnoses", "Treatment plan", "Measures"):
        expect(page.get_by_role("link", name=name, exact=True)).to_have_count(0)
    page.goto(f"/cases/{days.consultation_id}/billing")
    expect(page.locator("#case-rule-summary")).to_be_visible()
    billing = page.locator("main").inner_text().lower()
    for word in ("claim", "superbill", "diagnos", "icd"):
        assert word not in billing, word
    page.goto(f"/cases/{days.consultation_id}/diagnoses")
    expect(page.locator("#consultation-note")).to_contain_text(
        "A consultation case has no diagnoses"
    )
    expect(page.locator("#code_query")).to_have_count(0)
    expect(page.locator("main input, main button")).to_have_count(0)
    page.goto(f"/cases/{days.consultation_id}/plan")
    expect(page.locator("#consultation-note")).to_contain_text(
        "A consultation case has no treatment plan"
    )
    expect(page.locator("main input, main button")).to_have_count(0)
