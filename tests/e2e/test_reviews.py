"""The supervision flow of issue 5 in the browser: an associate signs a progress note, their
supervisor finds it in /reviews, returns it with comments (an empty comment refused beside
the field), the associate revises and signs again, and the supervisor co-signs it: both
signatures, locked. Then a session whose appointment names a covering supervisor sends its
note to that supervisor's queue, not the default supervisor's.

The associate, the supervisors, a client, a case and its attended sessions are written
straight into the app's database, as the other browser tests arrange their data; one older
note already waits for review (signed nine days ago through the services, on a frozen
clock) so the queue shows a waiting time and the overdue badge.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import Browser, Page, expect
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from practicerunner.auth.service import actor_for
from practicerunner.core import clock
from practicerunner.core.permissions import Role
from practicerunner.documentation.models import ClinicalNote, NoteVersion
from practicerunner.documentation.note_state import day_words
from practicerunner.documentation.notes import save_draft, sign_note, start_note
from practicerunner.practice.models import Location, Practice, Service, Staff
from practicerunner.supervision.models import ProviderSupervisor
from tests.e2e.arrange import attended_session
from tests.e2e.conftest import screenshot, sign_in
from tests.personas import PASSWORD, add_client, add_individual_case, add_staff

ASSOCIATE = ("rhea.okafor@willow.example", "Rhea Okafor", "AMFT")
SUPERVISOR = ("dana.whitlock@willow.example", "Dana Whitlock", "LMFT")
COVERING = ("paul.iverson@willow.example", "Paul Iverson", "LCSW")


@dataclass(frozen=True)
class Arranged:
    yesterday: date  # the session written up, returned, revised and co-signed
    covered: date  # the session a covering supervisor reviews
    older: date  # the session whose note has waited nine days
    yesterday_id: int
    covered_id: int


def _person(session: Session, who: tuple[str, str, str], roles: list[Role]) -> Staff:
    email, name, credentials = who
    staff = add_staff(session, email, name, roles)
    staff.credentials = credentials
    session.add(staff)
    return staff


def _arrange(engine: Engine) -> Arranged:
    with Session(engine, expire_on_commit=False) as session:
        zone = ZoneInfo(session.exec(select(Practice.timezone)).one())
        associate = _person(session, ASSOCIATE, [Role.ASSOCIATE])
        supervisor = _person(session, SUPERVISOR, [Role.CLINICIAN, Role.SUPERVISOR])
        covering = _person(session, COVERING, [Role.CLINICIAN, Role.SUPERVISOR])
        session.add(
            ProviderSupervisor(associate_id=associate.id, supervisor_id=supervisor.id)  # type: ignore[arg-type]
        )
        client = add_client(session, "Jonah", "Pryce", date(1987, 3, 9), associate)
        case = add_individual_case(session, client, associate)
        service = session.exec(
            select(Service).where(Service.kind == "therapy").order_by(col(Service.id))
        ).first()
        location = session.exec(
            select(Location).where(Location.kind == "office").order_by(col(Location.id))
        ).first()
        assert service is not None and location is not None
        today = clock.now().astimezone(zone).date()
        yesterday, covered, older = (today - timedelta(days=n) for n in (1, 2, 10))
        recent = attended_session(
            session, case, service, location, datetime.combine(yesterday, time(10), zone)
        )
        cover = attended_session(
            session,
            case,
            service,
            location,
            datetime.combine(covered, time(11), zone),
            override_id=covering.id,
        )
        waited = attended_session(
            session, case, service, location, datetime.combine(older, time(9), zone)
        )
        session.commit()
        # The older note: signed nine days (and an hour) ago, whatever the time of day now.
        with clock.frozen_at(clock.now() - timedelta(days=9, hours=1)):
            actor = actor_for(session, associate, ip="127.0.0.1")
            session.commit()
            note_id = start_note(session, actor, int(waited.id), "dap")  # type: ignore[arg-type]
            answers: dict[str, object] = {
                "data": "Brief check-in.",
                "assessment": "Stable.",
                "plan": "Weekly.",
            }
            sign_note(session, actor, note_id, save_draft(session, actor, note_id, answers, 0))
        return Arranged(
            yesterday=yesterday,
            covered=covered,
            older=older,
            yesterday_id=int(recent.id),  # type: ignore[arg-type]
            covered_id=int(cover.id),  # type: ignore[arg-type]
        )


@contextmanager
def _signed_in(browser: Browser, base_url: str, who: tuple[str, str, str]) -> Iterator[Page]:
    """A browser context of its own, signed in as WHO."""
    context = browser.new_context(base_url=base_url, viewport={"width": 1360, "height": 900})
    context.set_default_timeout(20_000)
    try:
        page = context.new_page()
        sign_in(page, who[0], PASSWORD)
        yield page
    finally:
        context.close()


def _write_and_sign(page: Page, day: date, answers: dict[str, str], reviewer: str) -> int:
    """From Notes, write the DAP note of the session on DAY (the draft saying it will go to
    REVIEWER) and sign it; the note's id."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Notes").click()
    row = page.locator("#to-write").get_by_role("row").filter(has_text=day_words(day))
    row.get_by_role("button", name=f"Write the note of the session on {day_words(day)}").click()
    expect(page).to_have_url(re.compile(r"/notes/\d+$"))
    expect(page.locator("#session-facts")).to_contain_text(day_words(day))
    expect(page.locator("#review-line")).to_have_text(
        f"When you sign, this note goes to {reviewer} for review"
    )
    for key, text in answers.items():
        page.locator(f"#{key}").fill(text)
    page.locator("#risk_reviewed").check()  # leaving the last text field saves it
    expect(page.locator("#save-state")).to_have_text(re.compile(r"^Saved \d\d:\d\d$"))
    page.locator("#sign-note").click()
    return int(page.url.rstrip("/").rsplit("/", 1)[-1])


def _queue_row(page: Page, day: date):  # type: ignore[no-untyped-def]
    return page.locator("#review-queue").get_by_role("row").filter(has_text=day_words(day))


def _open_queue(page: Page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reviews").click()
    expect(page.get_by_role("heading", name="Reviews", exact=True)).to_be_visible()


def test_a_supervisor_returns_then_cosigns_an_associates_note(
    page: Page, browser: Browser, app_server: str, e2e_engine: Engine
):
    days = _arrange(e2e_engine)
    associate_name, supervisor_name = ASSOCIATE[1], SUPERVISOR[1]

    # The associate supervises nobody: Reviews says so calmly.
    sign_in(page, ASSOCIATE[0], PASSWORD)
    _open_queue(page)
    expect(page.locator("#reviews-empty")).to_contain_text("No reviews for you")
    expect(page.locator("#review-queue")).to_have_count(0)

    # The associate writes yesterday's note and signs it: it goes to the default supervisor.
    first_plan = "Continue weekly sessions."
    note_id = _write_and_sign(
        page,
        days.yesterday,
        {
            "data": "Client described conflict with a roommate and poor sleep.",
            "assessment": "Adjustment stress, no safety concerns.",
            "plan": first_plan,
        },
        supervisor_name,
    )
    expect(page.locator("#review-line")).to_have_text(f"With {supervisor_name} for review")
    expect(page.locator("#data")).to_have_count(0)

    with _signed_in(browser, app_server, SUPERVISOR) as boss:
        # The queue: the nine-day-old note first and overdue, then yesterday's.
        _open_queue(boss)
        waited = _queue_row(boss, days.older)
        expect(waited).to_contain_text(associate_name)
        expect(waited).to_contain_text("9 days")
        expect(waited.get_by_text("Overdue")).to_be_visible()
        fresh = _queue_row(boss, days.yesterday)
        expect(fresh).to_contain_text(associate_name)
        expect(fresh).to_contain_text("First review")
        expect(fresh).to_contain_text("less than an hour")
        expect(fresh.get_by_text("Overdue")).to_have_count(0)
        rows = boss.locator("#review-queue tbody tr")
        expect(rows).to_have_count(2)
        expect(rows.first).to_contain_text(day_words(days.older))
        screenshot(boss, "93-review-queue")

        review = f"Review the note of {associate_name}'s session on {day_words(days.yesterday)}"
        fresh.get_by_role("link", name=review).click()
        expect(boss).to_have_url(re.compile(rf"/notes/{note_id}$"))
        expect(boss.locator("#review-line")).to_have_text(
            f"Signed by {associate_name}: waiting for your review"
        )
        expect(boss.get_by_text("roommate and poor sleep")).to_be_visible()
        expect(boss.locator("#data")).to_have_count(0)  # the reviewer reads, never edits

        # Returning needs a comment: refused beside the field, then sent.
        give_back = boss.get_by_role("button", name=f"Return to {associate_name}")
        give_back.click()
        expect(boss.locator("#comment-error")).to_have_text("Say what should change.")
        expect(boss.locator("#comment")).to_have_attribute("aria-invalid", "true")
        screenshot(boss, "94-review-return")
        comment = "Please add the sleep hygiene homework you agreed on to the plan."
        boss.locator("#comment").fill(comment)
        give_back.click()
        expect(boss.locator("#review-result")).to_contain_text(f"Returned to {associate_name}")
        expect(boss.locator("#returned-comments")).to_contain_text(comment)
        expect(boss.locator("#review-panel")).to_have_count(0)
        expect(boss.locator("#comment-error")).to_have_count(0)

        # The associate finds it editable again, the comments at the top, revises and re-signs.
        page.reload()
        expect(page.locator("#returned-comments")).to_contain_text(f"Returned by {supervisor_name}")
        expect(page.locator("#returned-comments")).to_contain_text(comment)
        expect(page.locator("#plan")).to_have_value(first_plan)
        revised = first_plan + " Homework: wind-down routine and a sleep diary."
        page.locator("#plan").fill(revised)
        page.locator("#data").click()  # leaving the plan saves it
        expect(page.locator("#save-state")).to_have_text(re.compile(r"^Saved \d\d:\d\d$"))
        page.locator("#sign-note").click()
        expect(page.locator("#review-line")).to_have_text(f"With {supervisor_name} for review")
        expect(page.locator("#returned-comments")).to_have_count(0)

        # Back in the queue as round 2; co-signed, it is complete with both signatures.
        boss.get_by_role("link", name="Back to reviews").click()
        fresh = _queue_row(boss, days.yesterday)
        expect(fresh.get_by_text("Round 2")).to_be_visible()
        fresh.get_by_role("link", name=review).click()
        expect(boss.get_by_text("wind-down routine")).to_be_visible()
        boss.get_by_role("button", name="Co-sign").click()
        expect(boss.locator("#review-result")).to_contain_text("Co-signed")
        versions = boss.locator("#note-versions")
        expect(versions).to_contain_text(f"Co-signed by {supervisor_name}, LMFT")
        expect(versions).to_contain_text(f"Returned by {supervisor_name}, LMFT")
        expect(versions.get_by_text(f"Signed by {associate_name}, AMFT")).to_have_count(2)
        expect(versions).to_contain_text(comment)
        expect(boss.get_by_text("Signed", exact=True)).to_be_visible()  # the status badge
        expect(boss.locator("#review-panel")).to_have_count(0)
        expect(boss.locator("main textarea, main input, main select")).to_have_count(0)
        screenshot(boss, "95-note-cosigned")
        boss.get_by_role("link", name="Back to reviews").click()
        expect(_queue_row(boss, days.yesterday)).to_have_count(0)
        expect(_queue_row(boss, days.older)).to_be_visible()

        # The associate's copy is locked too: no field, no Sign note.
        page.reload()
        expect(page.locator("#note-versions")).to_contain_text(f"Co-signed by {supervisor_name}")
        expect(page.locator("#data")).to_have_count(0)
        expect(page.locator("#sign-note")).to_have_count(0)

        # The next session names a covering supervisor: its note goes to them, not to Dana.
        covered_note = _write_and_sign(
            page,
            days.covered,
            {
                "data": "Reviewed the sleep diary.",
                "assessment": "Sleep improving.",
                "plan": "Keep the routine.",
            },
            COVERING[1],
        )
        expect(page.locator("#review-line")).to_have_text(f"With {COVERING[1]} for review")
        with _signed_in(browser, app_server, COVERING) as cover:
            _open_queue(cover)
            covered_row = _queue_row(cover, days.covered)
            expect(covered_row).to_contain_text(associate_name)
            expect(cover.locator("#review-queue tbody tr")).to_have_count(1)
        boss.reload()
        expect(_queue_row(boss, days.older)).to_be_visible()
        expect(_queue_row(boss, days.covered)).to_have_count(0)

    with Session(e2e_engine) as check:
        staff = {
            email: staff_id
            for email, staff_id in check.exec(
                select(Staff.email, Staff.id).where(
                    col(Staff.email).in_([ASSOCIATE[0], SUPERVISOR[0], COVERING[0]])
                )
            ).all()
        }
        done = check.get(ClinicalNote, note_id)
        assert done is not None and done.status == "complete" and done.round == 2
        assert done.appointment_id == days.yesterday_id
        roles = [
            (v.round, v.role, v.signed_by_id)
            for v in check.exec(
                select(NoteVersion)
                .where(NoteVersion.note_id == note_id)
                .order_by(col(NoteVersion.id))
            ).all()
        ]
        assert roles == [
            (1, "author", staff[ASSOCIATE[0]]),
            (1, "returned", staff[SUPERVISOR[0]]),
            (2, "author", staff[ASSOCIATE[0]]),
            (2, "supervisor", staff[SUPERVISOR[0]]),
        ]
        covered = check.get(ClinicalNote, covered_note)
        assert covered is not None and covered.status == "awaiting_review"
        assert covered.appointment_id == days.covered_id
        assert covered.reviewer_id == staff[COVERING[0]]
