"""Supervision in the browser (issue 5): the calendar panel of an associate's session says who
supervises it and why; the owner changes the covering supervisor and the panel shows the new
one, while the note already waiting for review moves to them and both supervisors are
emailed; the supervision hours report shows the associate's meetings by month.

Everything is arranged straight in the app's database under names no other test uses: an
associate with a default supervisor and a possible cover, a client and case, yesterday's
attended session with its note signed (waiting for review), and two supervision meetings
38 days apart (so always in two different months).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from practicerunner.auth.service import actor_for
from practicerunner.core import clock
from practicerunner.core.permissions import Role
from practicerunner.documentation.models import ClinicalNote
from practicerunner.documentation.notes import save_draft, sign_note, start_note
from practicerunner.messaging.models import OutboxMessage
from practicerunner.practice.models import Location, Practice, Service, Staff
from practicerunner.scheduling.models import Appointment, CalendarItem
from practicerunner.supervision.hours import add_months
from practicerunner.supervision.models import ProviderSupervisor
from tests.e2e.arrange import attended_session
from tests.e2e.conftest import screenshot, sign_in
from tests.personas import add_client, add_individual_case, add_staff

OWNER = "olivia@willow.example"
ASSOCIATE = ("mira.castellanos@willow.example", "Mira Castellanos")
DEFAULT = ("theo.lindqvist@willow.example", "Theo Lindqvist")
COVER = ("nadia.farouk@willow.example", "Nadia Farouk")
CLIENT = ("Lena", "Hargrove")


@dataclass(frozen=True)
class Arranged:
    associate_id: int
    cover_id: int
    appointment_id: int
    note_id: int
    day: date  # the session's day, practice time
    months: list[date]  # the report's default range, oldest first
    meetings: dict[date, str]  # month -> hours in words


def _arrange(engine: Engine) -> Arranged:
    with Session(engine, expire_on_commit=False) as session:
        zone = ZoneInfo(session.exec(select(Practice.timezone)).one())
        associate = add_staff(session, *ASSOCIATE, [Role.ASSOCIATE])
        default = add_staff(session, *DEFAULT, [Role.CLINICIAN, Role.SUPERVISOR])
        cover = add_staff(session, *COVER, [Role.CLINICIAN, Role.SUPERVISOR])
        session.add(ProviderSupervisor(associate_id=associate.id, supervisor_id=default.id))  # type: ignore[arg-type]
        client = add_client(session, *CLIENT, date(1990, 5, 4), associate)
        case = add_individual_case(session, client, associate)
        service = session.exec(
            select(Service).where(Service.kind == "therapy").order_by(col(Service.id))
        ).first()
        location = session.exec(
            select(Location).where(Location.kind == "office").order_by(col(Location.id))
        ).first()
        assert service is not None and location is not None
        today = clock.now().astimezone(zone).date()
        day = today - timedelta(days=1)
        appointment = attended_session(
            session, case, service, location, datetime.combine(day, time(10), zone)
        )
        # Supervision: one hour with Theo two days ago, a group block 38 days before that.
        near, far = today - timedelta(days=2), today - timedelta(days=40)
        now = clock.now()
        for when, minutes, with_id in ((near, 60, default.id), (far, 90, None)):
            start = datetime.combine(when, time(12), zone).astimezone(ZoneInfo("UTC"))
            session.add(
                CalendarItem(
                    staff_id=int(associate.id),  # type: ignore[arg-type]
                    with_staff_id=with_id,
                    kind="supervision",
                    title="Supervision",
                    start_at=start,
                    end_at=start + timedelta(minutes=minutes),
                    created_at=now,
                    updated_at=now,
                )
            )
        session.commit()
        actor = actor_for(session, associate, ip="127.0.0.1")
        session.commit()
        note_id = start_note(session, actor, int(appointment.id), "dap")  # type: ignore[arg-type]
        answers: dict[str, object] = {
            "data": "Check-in.",
            "assessment": "Stable.",
            "plan": "Weekly.",
        }
        sign_note(session, actor, note_id, save_draft(session, actor, note_id, answers, 0))
        this_month = date(today.year, today.month, 1)
        return Arranged(
            associate_id=int(associate.id),  # type: ignore[arg-type]
            cover_id=int(cover.id),  # type: ignore[arg-type]
            appointment_id=int(appointment.id),  # type: ignore[arg-type]
            note_id=note_id,
            day=day,
            months=[add_months(this_month, n) for n in range(-5, 1)],
            meetings={date(near.year, near.month, 1): "1.0", date(far.year, far.month, 1): "1.5"},
        )


def test_the_session_says_who_supervises_it_and_the_hours_add_up(
    page: Page, app_server: str, e2e_engine: Engine
) -> None:
    arranged = _arrange(e2e_engine)
    associate, default, cover = ASSOCIATE[1], DEFAULT[1], COVER[1]
    sign_in(page, OWNER)

    # The associate's day on the calendar; their session opens the panel.
    page.goto(f"/calendar?view=day&date={arranged.day.isoformat()}&c={arranged.associate_id}")
    page.locator(".fc-timegrid-event", has_text=" ".join(CLIENT)).first.click()
    panel = page.locator("#appointment-panel")
    line = panel.locator("#session-supervisor")
    expect(line).to_have_text(f"{default} is {associate}'s primary supervisor.")

    # The owner sets a covering supervisor: the panel says so at once.
    panel.get_by_role("tab", name="Supervisor").click()
    expect(panel.get_by_label("Covering supervisor")).to_have_value("")
    panel.get_by_label("Covering supervisor").select_option(label=cover)
    panel.locator("#supervisor-submit").click()
    expect(line).to_have_text(f"{cover} covers this session (set on the appointment).")
    expect(panel.get_by_role("tab", name="Details")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_text(f"{cover} supervises this session.")).to_be_visible()
    expect(page.locator("[data-sonner-toast]")).to_have_count(0, timeout=15_000)
    screenshot(page, "100-session-supervisor")

    # Written: the override, the review moved to Nadia, both supervisors told.
    with Session(e2e_engine) as session:
        appointment = session.get(Appointment, arranged.appointment_id)
        note = session.get(ClinicalNote, arranged.note_id)
        assert appointment is not None and note is not None
        assert appointment.supervisor_override_id == arranged.cover_id
        assert note.reviewer_id == arranged.cover_id
        told = session.exec(
            select(OutboxMessage.to_address).where(
                col(OutboxMessage.to_address).in_([DEFAULT[0], COVER[0]])
            )
        ).all()
        assert sorted(told) == sorted([DEFAULT[0], COVER[0]])
        cover_row = session.get(Staff, arranged.cover_id)
        assert cover_row is not None and cover_row.is_active

    # The hours report: the last six months, the associate's two meetings in their months.
    page.keyboard.press("Escape")
    page.goto("/reports/supervision-hours")
    expect(page.get_by_role("heading", name="Supervision hours")).to_be_visible()
    header = page.locator("#supervision-hours thead th")
    expect(header).to_have_text(
        ["Associate", *[f"{m:%b %Y}" for m in arranged.months], "Individual", "Group", "Total"]
    )
    row = page.locator("#supervision-hours tbody tr", has_text=associate)
    cells = [arranged.meetings.get(m, "–") for m in arranged.months]
    expect(row.locator("td")).to_have_text([*cells, "1.0", "1.5", "2.5"])
    expect(page.locator("#hours-from")).to_have_value(f"{arranged.months[0]:%Y-%m}")
    screenshot(page, "101-supervision-hours")

    # The CSV says the same, with 0.0 in empty months.
    with page.expect_download() as download:
        page.locator("#hours-csv").click()
    assert download.value.suggested_filename == (
        f"supervision-hours-{arranged.months[0]:%Y-%m}-to-{arranged.months[-1]:%Y-%m}.csv"
    )
    csv_lines = Path(download.value.path()).read_text().splitlines()
    mira = next(line for line in csv_lines if line.startswith(associate))
    figures = [arranged.meetings.get(m, "0.0") for m in arranged.months]
    assert mira == ",".join([associate, *figures, "1.0", "1.5", "2.5"])

    # A range the wrong way round is refused beside the field; the table stays.
    page.locator("#hours-from").fill(f"{arranged.months[-1]:%Y-%m}")
    page.locator("#hours-to").fill(f"{arranged.months[0]:%Y-%m}")
    page.locator("#hours-show").click()
    expect(page.locator("#to-error")).to_have_text(
        re.compile("The last month cannot come before the first")
    )
    expect(page.locator("#hours-to")).to_have_value(f"{arranged.months[0]:%Y-%m}")
    expect(row.locator("td").last).to_have_text("2.5")
