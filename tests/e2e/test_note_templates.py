"""The owner builds a practice note template (issue 5) and a clinician writes a note with it.

The owner makes one section with a text, a choice (with options), a checkbox, a 0–10 scale
and a date field, watching the preview; saving with a field's label empty is refused beside
that label, nothing written; then it saves. A clinician who is not the owner is told the
builder is the owner's; they choose the new template for yesterday's attended session and
see its fields in the note.

The owner, the clinician, the client, the case and the session are written straight into the
app's database, as the other browser tests arrange their data; the template's title is unique
to this run (the demo database is shared by every browser test).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import Browser, Locator, Page, expect
from sqlalchemy import Engine
from sqlmodel import Session, col, func, select

from practicerunner.core import clock
from practicerunner.core.permissions import Role
from practicerunner.documentation.note_state import day_words
from practicerunner.documentation.template_models import PracticeTemplate
from practicerunner.practice.models import Location, Practice, Service
from tests.e2e.arrange import attended_session
from tests.e2e.conftest import screenshot, sign_in
from tests.personas import PASSWORD, add_client, add_individual_case, add_staff

OWNER = ("nora.vance@willow.example", "Nora Vance")
CLINICIAN = ("ivo.brandt@willow.example", "Ivo Brandt")
PAGE = "/settings/note-templates"


def _arrange(engine: Engine) -> date:
    """The owner, and a clinician with a client seen yesterday; yesterday."""
    with Session(engine, expire_on_commit=False) as session:
        zone = ZoneInfo(session.exec(select(Practice.timezone)).one())
        add_staff(session, OWNER[0], OWNER[1], [Role.OWNER])
        clinician = add_staff(session, CLINICIAN[0], CLINICIAN[1], [Role.CLINICIAN])
        client = add_client(session, "Lina", "Sorensen", date(1992, 8, 14), clinician)
        case = add_individual_case(session, client, clinician)
        service = session.exec(
            select(Service).where(Service.kind == "therapy").order_by(col(Service.id))
        ).first()
        location = session.exec(
            select(Location).where(Location.kind == "office").order_by(col(Location.id))
        ).first()
        assert service is not None and location is not None
        yesterday = clock.now().astimezone(zone).date() - timedelta(days=1)
        attended_session(
            session, case, service, location, datetime.combine(yesterday, time(15), zone)
        )
        session.commit()
        return yesterday


def _templates_titled(engine: Engine, title: str) -> int:
    with Session(engine) as session:
        return session.exec(
            select(func.count())
            .select_from(PracticeTemplate)
            .where(PracticeTemplate.title == title)
        ).one()


@contextmanager
def _signed_in(browser: Browser, base_url: str, email: str) -> Iterator[Page]:
    context = browser.new_context(base_url=base_url, viewport={"width": 1360, "height": 900})
    context.set_default_timeout(20_000)
    try:
        page = context.new_page()
        sign_in(page, email, PASSWORD)
        yield page
    finally:
        context.close()


def _field(page: Page, n: int) -> Locator:
    return page.locator(".pr-tb-field").nth(n)


def _fill(control: Locator, text: str) -> None:
    """Type into a builder control and leave it: the builder keeps text as it is left."""
    control.fill(text)
    control.press("Tab")


def test_the_owner_builds_a_template_and_a_clinician_writes_a_note_with_it(
    page: Page, browser: Browser, app_server: str, e2e_engine: Engine
) -> None:
    yesterday = _arrange(e2e_engine)
    title = f"Check-in form {secrets.token_hex(3)}"

    sign_in(page, OWNER[0], PASSWORD)
    page.goto(PAGE)
    expect(page.get_by_role("heading", name="Note templates", exact=True)).to_be_visible()
    built_ins = page.locator("#built-in-templates")
    expect(built_ins).to_contain_text("SOAP progress note")
    expect(
        built_ins.get_by_role("link", name="Duplicate DAP progress note to customise")
    ).to_be_visible()
    page.locator("#new-template").click()
    expect(page.get_by_role("heading", name="New note template")).to_be_visible()

    _fill(page.locator("#template-title"), title)
    section = page.locator(".pr-tb-section").first
    _fill(section.get_by_label("Section title"), "Session")
    _fill(_field(page, 0).get_by_label("Label"), "Main focus")
    _field(page, 0).get_by_label("Required to sign").check()

    section.get_by_role("button", name="Add a field to section 1").click()
    expect(page.locator(".pr-tb-field")).to_have_count(2)
    _field(page, 1).get_by_label("Type").select_option("choice")
    _fill(_field(page, 1).get_by_label("Label"), "Mood today")
    _fill(_field(page, 1).get_by_label("Options"), "Calm\nTense\nLow")

    section.get_by_role("button", name="Add a field to section 1").click()
    _field(page, 2).get_by_label("Type").select_option("checkbox")
    _fill(_field(page, 2).get_by_label("Label"), "Homework given")
    expect(_field(page, 2).get_by_label("Required to sign")).to_have_count(0)

    section.get_by_role("button", name="Add a field to section 1").click()
    _field(page, 3).get_by_label("Type").select_option("scale")
    _fill(_field(page, 3).get_by_label("Label"), "Distress (0–10)")

    # The date field's label is left empty: refused beside it, nothing written.
    section.get_by_role("button", name="Add a field to section 1").click()
    _field(page, 4).get_by_label("Type").select_option("date")
    _fill(_field(page, 4).get_by_label("Help"), "When to look at this again.")
    page.locator("#save-template").click()
    expect(page.locator("#template-error-summary")).to_contain_text("Nothing was saved")
    date_field = _field(page, 4)
    expect(date_field.get_by_role("alert")).to_have_text("Enter the field's label.")
    expect(date_field.get_by_label("Label")).to_have_attribute("aria-invalid", "true")
    expect(_field(page, 1).get_by_label("Options")).to_have_value("Calm\nTense\nLow")
    expect(page.locator("#template-title")).to_have_value(title)
    assert _templates_titled(e2e_engine, title) == 0

    _fill(date_field.get_by_label("Label"), "Next review")
    preview = page.locator("#template-preview")
    expect(preview).to_contain_text(title)
    for label in ("Main focus", "Mood today", "Homework given", "Distress (0–10)", "Next review"):
        expect(preview).to_contain_text(label)
    expect(preview.locator("option", has_text="Tense")).to_have_count(1)
    expect(date_field.get_by_role("alert")).to_have_count(0)
    expect(page.locator("#template-error-summary")).to_have_count(0)  # nothing left to correct
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "99-template-builder")

    page.locator("#save-template").click()
    expect(page).to_have_url(re.compile(r"/settings/note-templates$"))
    row = page.locator("#practice-templates").get_by_role("row").filter(has_text=title)
    expect(row).to_contain_text("Progress note")
    expect(row).to_contain_text("1 section · 5 fields")
    expect(row).to_contain_text("Version 1")
    screenshot(page, "99-note-templates")
    assert _templates_titled(e2e_engine, title) == 1

    # A change is the next version: the choice moves up to be the note's first field.
    row.get_by_role("link", name="Edit").click()
    expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()
    expect(page.locator(".pr-tb-field")).to_have_count(5)
    _field(page, 1).get_by_role("button", name="Move field up").click()
    expect(_field(page, 0).get_by_label("Label")).to_have_value("Mood today")
    page.locator("#save-template").click()
    expect(page).to_have_url(re.compile(r"/settings/note-templates$"))
    expect(row).to_contain_text("Version 2")

    with _signed_in(browser, app_server, CLINICIAN[0]) as clinician:
        clinician.goto(PAGE)
        expect(
            clinician.get_by_role("heading", name=re.compile("Only the practice owner"))
        ).to_be_visible()

        clinician.goto("/notes")
        session_row = (
            clinician.locator("#to-write").get_by_role("row").filter(has_text=day_words(yesterday))
        )
        expect(session_row).to_contain_text("Lina Sorensen")
        choice = session_row.get_by_label(f"Template for the session on {day_words(yesterday)}")
        expect(choice).to_have_value("dap")
        choice.select_option(label=title)
        session_row.get_by_role(
            "button", name=f"Write the note of the session on {day_words(yesterday)}"
        ).click()
        expect(clinician).to_have_url(re.compile(r"/notes/\d+$"))
        expect(clinician.get_by_role("heading", name=title, level=1)).to_be_visible()
        expect(clinician.get_by_label("Main focus")).to_be_visible()
        first_label = clinician.locator("section[aria-label='Session'] label").first
        expect(first_label).to_contain_text("Mood today")
        mood = clinician.get_by_label("Mood today")
        expect(mood.locator("option")).to_have_text(["Choose…", "Calm", "Tense", "Low"])
        expect(clinician.get_by_label("Homework given")).to_have_attribute("type", "checkbox")
        expect(clinician.get_by_label("Distress (0–10)").locator("option")).to_have_count(12)
        expect(clinician.get_by_label("Next review")).to_have_attribute("type", "date")
        expect(clinician.get_by_text("When to look at this again.")).to_be_visible()
