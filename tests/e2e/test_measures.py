"""Measures on a case (issue 5) in the browser: a clinician opens the case's Measures, records a
PHQ-9 with one item left out (refused beside it, the other answers kept), completes it with
item 9 answered "Several days" (score, severity and the safety callout at once), records a
GAD-7, and sees both over time on the chart with earlier results; the flag waits on the home
page until it is acknowledged on the measures page.

Our own clinician, client and case are written straight into the app's database, as the
other browser tests arrange their data; the earlier results go in through the service.
"""

from __future__ import annotations

import itertools
import re
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import Engine
from sqlmodel import Session, select

from practicerunner.auth.service import actor_for
from practicerunner.clients.models import CaseParticipant
from practicerunner.core import clock
from practicerunner.core.permissions import Role
from practicerunner.documentation.measure_records import record_measure
from practicerunner.documentation.note_state import day_words
from practicerunner.practice.models import Practice, Staff
from tests.e2e.conftest import screenshot, sign_in
from tests.personas import PASSWORD, add_client, add_individual_case, add_staff

EMAIL = "iris.vance@willow.example"
NAME = "Iris Vance"
CLIENT = "Nadia Brooks"
PHQ9 = [1, 2, 1, 2, 1, 1, 1, 1, 1]  # 11: Moderate, item 9 "Several days"
GAD7 = [1, 1, 1, 1, 1, 1, 0]  # 6: Mild
# Earlier results, weeks before today: a course of treatment going the right way.
EARLIER = {
    "phq9": [
        (56, [2, 3, 2, 2, 2, 2, 2, 2, 0]),
        (42, [2, 2, 2, 2, 2, 2, 1, 1, 0]),
        (28, [2, 2, 1, 2, 2, 1, 1, 1, 0]),
        (14, [1, 2, 1, 2, 2, 1, 1, 1, 0]),
    ],
    "gad7": [(56, [3, 2, 2, 2, 2, 2, 2]), (42, [2, 2, 2, 2, 2, 1, 1]), (28, [2, 1, 2, 1, 1, 1, 1])],
}


def _arrange(engine: Engine) -> tuple[int, date]:
    """Our clinician with one client and an individual case; (case id, today)."""
    with Session(engine, expire_on_commit=False) as session:
        zone = ZoneInfo(session.exec(select(Practice.timezone)).one())
        clinician = add_staff(session, EMAIL, NAME, [Role.CLINICIAN])
        client = add_client(session, "Nadia", "Brooks", date(1988, 2, 14), clinician)
        case = add_individual_case(session, client, clinician)
        session.commit()
        return int(case.id), clock.now().astimezone(zone).date()  # type: ignore[arg-type]


def _record_earlier(engine: Engine, case_id: int, today: date) -> None:
    """The earlier results, entered through the service as staff would have."""
    with Session(engine, expire_on_commit=False) as session:
        staff = session.exec(select(Staff).where(Staff.email == EMAIL)).one()
        actor = actor_for(session, staff, ip="127.0.0.1")
        session.commit()
        client_id = session.exec(
            select(CaseParticipant.client_id).where(CaseParticipant.case_id == case_id)
        ).one()
        session.rollback()
        for instrument, results in EARLIER.items():
            for weeks_ago, answers in results:
                day = (today - timedelta(days=weeks_ago)).isoformat()
                record_measure(session, actor, case_id, client_id, instrument, answers, day)


def _answer(page: Page, answers: list[int], skip: int | None = None) -> None:
    for number, value in enumerate(answers, start=1):
        if number != skip:
            page.locator(f"input[name=item_{number}][value='{value}']").check()


def test_a_clinician_records_measures_sees_the_chart_and_acknowledges_the_flag(
    page: Page, e2e_engine: Engine
):
    case_id, today = _arrange(e2e_engine)
    sign_in(page, EMAIL, PASSWORD)
    page.goto(f"/cases/{case_id}")
    page.get_by_role("link", name="Measures").click()
    expect(page).to_have_url(re.compile(rf"/cases/{case_id}/measures$"))
    expect(page.get_by_role("heading", name="Measures", exact=True)).to_be_visible()
    expect(page.locator("#measure-charts")).to_contain_text("No measures recorded yet")

    # PHQ-9 with item 4 left out: refused beside it, nothing saved, the other answers kept.
    expect(page.locator("#instrument")).to_have_value("phq9")
    expect(page.locator("#taken_on")).to_have_value(today.isoformat())
    expect(page.locator("#measure-items")).to_contain_text(
        "Thoughts that you would be better off dead or of hurting yourself in some way"
    )
    _answer(page, PHQ9, skip=4)
    expect(page.locator("#item9-note")).to_be_visible()  # item 9 above 0, before saving
    page.locator("#save-measure").click()
    expect(page.locator("#item_4-error")).to_have_text("Answer item 4.")
    expect(page.locator("#measure-error-summary")).to_contain_text("nothing was saved")
    expect(page.locator("#row-item_4")).to_have_class(re.compile("pr-item-invalid"))
    expect(page.locator("#measure-saved")).to_have_count(0)
    expect(page.locator("#measure-results")).to_have_count(0)
    expect(page.locator("input[name=item_1][value='1']")).to_be_checked()
    expect(page.locator("input[name=item_9][value='1']")).to_be_checked()

    # Completed: score, severity and the safety callout at once.
    page.locator("input[name=item_4][value='2']").check()
    expect(page.locator("#item_4-error")).to_have_count(0)
    page.locator("#save-measure").click()
    saved = page.locator("#measure-saved")
    expect(saved).to_contain_text(f"PHQ-9 saved, {day_words(today)}")
    expect(saved).to_contain_text("score 11 of 27")
    expect(page.locator("#saved-band")).to_have_text("Moderate")
    expect(page.locator("#measure-safety")).to_contain_text(
        "Item 9 answered 'Several days': review suicide risk today."
    )
    expect(page.locator("#open-flags")).to_contain_text(f"PHQ-9 on {day_words(today)}")
    expect(page.locator("input[name=item_1]:checked")).to_have_count(0)  # a fresh form

    # A GAD-7 next: its own wording and scale.
    page.locator("#instrument").select_option("gad7")
    expect(page.locator("#measure-items")).to_contain_text(
        "Not being able to stop or control worrying"
    )
    expect(page.locator("input[name=item_9]")).to_have_count(0)
    _answer(page, GAD7)
    page.locator("#save-measure").click()
    expect(page.locator("#measure-saved")).to_contain_text("GAD-7 saved")
    expect(page.locator("#saved-band")).to_have_text("Mild")
    expect(page.locator("#measure-safety")).to_have_count(0)
    rows = page.locator("#measure-results tbody tr")
    expect(rows).to_have_count(2)

    # With earlier results, each measure has a line over time.
    _record_earlier(e2e_engine, case_id, today)
    page.reload()
    expect(rows).to_have_count(9)
    expect(rows.first).to_contain_text("GAD-7")
    phq_chart = page.locator("#chart-phq9")
    expect(phq_chart).to_contain_text(f"Latest: 11 of 27, Moderate ({day_words(today)})")
    expect(phq_chart.locator(".recharts-line-dot")).to_have_count(5)
    gad_dots = page.locator("#chart-gad7 .recharts-line-dot")
    expect(gad_dots).to_have_count(4)
    # A time axis: GAD-7 was taken 8, 6 and 4 weeks ago and today, so the last gap is twice
    # the others on screen too.
    xs = [float(gad_dots.nth(i).get_attribute("cx") or "nan") for i in range(4)]
    gaps = [b - a for a, b in itertools.pairwise(xs)]
    assert gaps[2] == pytest.approx(2 * gaps[0], rel=0.02), xs
    assert gaps[1] == pytest.approx(gaps[0], rel=0.02), xs
    # Pointing at a result names its day in full.
    gad_dots.first.hover()
    tooltip = page.locator("#chart-gad7 .recharts-tooltip-wrapper")
    expect(tooltip).to_contain_text(day_words(today - timedelta(days=56)))
    expect(tooltip).to_contain_text("15 · Severe")  # the score with its band
    expect(phq_chart.get_by_role("img")).to_have_attribute(
        "aria-label", re.compile(r"PHQ-9 totals over time, 5 results")
    )
    expect(phq_chart).to_contain_text("Moderately severe")  # the bands are named
    expect(phq_chart).to_contain_text("Safety flag: item 9 answered above 0")
    page.locator("#measure-charts").scroll_into_view_if_needed()
    screenshot(page, "98-measures-chart")

    # The flag waits on the home page until acknowledged on the measures page.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Home").click()
    flags = page.locator("#home-safety-flags")
    expect(flags).to_contain_text(CLIENT)
    expect(flags).to_contain_text(f"PHQ-9, {day_words(today)}")
    screenshot(page, "98-measures-home-flag")
    flags.get_by_role("link", name=f"Open the measures of {CLIENT}").click()
    expect(page).to_have_url(re.compile(rf"/cases/{case_id}/measures$"))
    page.locator("#open-flags").get_by_role("button", name=re.compile("^Acknowledge")).click()
    expect(page.locator("#open-flags")).to_have_count(0)
    expect(rows.nth(1)).to_contain_text("Flag acknowledged")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Home").click()
    expect(page.get_by_text("In your caseload")).to_be_visible()  # loaded with the flags
    expect(page.locator("#home-safety-flags")).to_have_count(0)
