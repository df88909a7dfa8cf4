"""The clinician's Notes screens: write a progress note for yesterday's session, have the
signature refused while a required section is empty, sign it, then add an addendum.

A clinician of our own (with a client, a case and attended sessions) is written straight
into the app's database, as the other browser tests arrange their data.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from practicerunner.auth.service import actor_for
from practicerunner.core import clock
from practicerunner.core.permissions import Role
from practicerunner.documentation.models import ClinicalNote, NoteAddendum, NoteVersion
from practicerunner.documentation.note_state import day_words
from practicerunner.documentation.notes import save_draft
from practicerunner.practice.models import Location, Practice, Service, Staff
from tests.e2e.arrange import attended_session
from tests.e2e.conftest import screenshot, sign_in
from tests.personas import PASSWORD, add_client, add_individual_case, add_staff

EMAIL = "theo.marsh@willow.example"
NAME = "Theo Marsh"


def _arrange(engine: Engine) -> tuple[date, date, int]:
    """Our clinician with one client seen yesterday and five days ago; (yesterday, the
    older day, yesterday's appointment id)."""
    with Session(engine, expire_on_commit=False) as session:
        zone = ZoneInfo(session.exec(select(Practice.timezone)).one())
        clinician = add_staff(session, EMAIL, NAME, [Role.CLINICIAN])
        clinician.credentials = "LMFT"
        session.add(clinician)
        client = add_client(session, "Maren", "Holt", date(1990, 5, 21), clinician)
        case = add_individual_case(session, client, clinician)
        service = session.exec(
            select(Service).where(Service.kind == "therapy").order_by(col(Service.id))
        ).first()
        location = session.exec(
            select(Location).where(Location.kind == "office").order_by(col(Location.id))
        ).first()
        assert service is not None and location is not None
        today = clock.now().astimezone(zone).date()
        yesterday, older = today - timedelta(days=1), today - timedelta(days=5)
        recent = attended_session(
            session, case, service, location, datetime.combine(yesterday, time(10), zone)
        )
        attended_session(session, case, service, location, datetime.combine(older, time(9), zone))
        session.commit()
        return yesterday, older, int(recent.id)  # type: ignore[arg-type]


def _save_elsewhere(engine: Engine, note_id: int, answers: dict[str, object]) -> None:
    """The clinician saves the draft from another window (through the service)."""
    with Session(engine, expire_on_commit=False) as session:
        staff = session.exec(select(Staff).where(Staff.email == EMAIL)).one()
        actor = actor_for(session, staff, ip="127.0.0.1")
        session.commit()
        revision = session.exec(
            select(ClinicalNote.revision).where(ClinicalNote.id == note_id)
        ).one()
        session.rollback()
        save_draft(session, actor, note_id, answers, revision)


def _to_write_row(page: Page, day: date):  # type: ignore[no-untyped-def]
    return page.locator("#to-write").get_by_role("row").filter(has_text=day_words(day))


def test_a_clinician_writes_signs_and_amends_a_progress_note(page: Page, e2e_engine: Engine):
    yesterday, older, appointment_id = _arrange(e2e_engine)

    sign_in(page, EMAIL, PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Notes").click()
    expect(page.get_by_role("heading", name="Notes", exact=True)).to_be_visible()
    tiles = page.locator("#notes-tiles")
    expect(tiles).to_contain_text("To write")
    recent_row = _to_write_row(page, yesterday)
    expect(recent_row).to_contain_text("Maren Holt")
    expect(recent_row.get_by_text("Overdue")).to_have_count(0)
    expect(_to_write_row(page, older).get_by_text("Overdue")).to_be_visible()
    template = recent_row.get_by_label(f"Template for the session on {day_words(yesterday)}")
    expect(template).to_have_value("dap")
    screenshot(page, "90-notes")

    write = f"Write the note of the session on {day_words(yesterday)}"
    recent_row.get_by_role("button", name=write).click()
    expect(page).to_have_url(re.compile(r"/notes/\d+$"))
    expect(page.get_by_role("heading", name="DAP progress note")).to_be_visible()
    facts = page.locator("#session-facts")
    expect(facts).to_contain_text(day_words(yesterday))
    expect(facts).to_contain_text("Maren Holt")
    expect(facts).to_contain_text("10:00")
    note_id = int(page.url.rstrip("/").rsplit("/", 1)[-1])

    # Another window saves first: this tab's next save is refused and offers to reload.
    page.locator("#data").fill("First thoughts")
    page.locator("#plan").click()  # leaving Data saves it
    expect(page.locator("#save-state")).to_have_text(re.compile(r"^Saved \d\d:\d\d$"))
    _save_elsewhere(e2e_engine, note_id, {"data": "Written in another window"})
    page.locator("#plan").fill("Something")
    page.locator("#data").click()
    stale = page.locator("#stale-note")
    expect(stale).to_contain_text("changed in another window")
    stale.get_by_role("button", name="Reload").click()
    expect(stale).to_have_count(0)
    expect(page.locator("#data")).to_have_value("Written in another window")
    expect(page.locator("#plan")).to_have_value("")

    # Data written, Assessment left empty: the signature is refused beside Assessment.
    data_text = "Client reported sleeping better; two panic episodes at work this week."
    page.locator("#data").fill(data_text)
    page.locator("#distress_rating").select_option("6")
    expect(page.locator("#save-state")).to_have_text(re.compile(r"^Saved \d\d:\d\d$"))
    page.locator("#sign-note").click()
    expect(page.locator("#assessment-error")).to_have_text("Enter assessment.")
    expect(page.locator("#plan-error")).to_have_text("Enter plan.")
    expect(page.locator("#note-error-summary")).to_contain_text("Assessment, Plan")
    expect(page.locator("#data")).to_have_value(data_text)
    expect(page.locator("#data-error")).to_have_count(0)
    screenshot(page, "91-note-editor")

    page.locator("#assessment").fill("Panic symptoms easing with breathing practice.")
    page.locator("#plan").fill("Continue weekly CBT; introduce interoceptive exposure.")
    page.locator("#risk_reviewed").check()
    page.locator("#sign-note").click()
    versions = page.locator("#note-versions")
    expect(versions).to_contain_text(f"Signed by {NAME}, LMFT")
    expect(page.locator("#data")).to_have_count(0)  # read-only now
    expect(page.get_by_text(data_text)).to_be_visible()
    expect(page.locator("#note-error-summary")).to_have_count(0)

    # An addendum: empty is refused beside the field, then added and listed.
    page.get_by_role("button", name="Add addendum").click()
    expect(page.locator("#addendum-error")).to_have_text("Write the addendum.")
    addendum = "Client emailed after the session: the panic episodes were three, not two."
    page.locator("#addendum").fill(addendum)
    page.get_by_role("button", name="Add addendum").click()
    expect(page.locator("#note-addenda")).to_contain_text(addendum)
    expect(page.locator("#note-addenda")).to_contain_text(f"Signed by {NAME}, LMFT")
    expect(page.locator("#addendum-error")).to_have_count(0)
    screenshot(page, "92-note-signed")

    # Back on Notes: yesterday's session has left To write; the note is listed as signed.
    page.get_by_role("link", name="Notes").first.click()
    expect(_to_write_row(page, older)).to_be_visible()
    expect(_to_write_row(page, yesterday)).to_have_count(0)
    mine = page.locator("#my-notes").get_by_role("row").filter(has_text=day_words(yesterday))
    expect(mine).to_contain_text("DAP progress note")
    expect(mine).to_contain_text("Signed")

    with Session(e2e_engine) as check:
        note = check.exec(
            select(ClinicalNote).where(ClinicalNote.appointment_id == appointment_id)
        ).one()
        assert note.status == "complete" and note.template_key == "dap"
        [version] = check.exec(select(NoteVersion).where(NoteVersion.note_id == note.id)).all()
        assert version.signed_name == NAME
        assert '"distress_rating": 6' in version.answers_json
        assert '"risk_reviewed": true' in version.answers_json
        [added] = check.exec(select(NoteAddendum).where(NoteAddendum.note_id == note.id)).all()
        assert added.text == addendum
        author = check.exec(select(Staff.id).where(Staff.email == EMAIL)).one()
        assert note.author_id == author
