"""The owner reads the mail PracticeRunner kept (the test server has no SMTP server)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect
from sqlalchemy import text
from sqlmodel import Session

from practicerunner.messaging.content import (
    AppointmentFacts,
    PracticeFacts,
    Recipient,
    render,
)
from practicerunner.messaging.models import OutboxMessage
from tests.e2e.conftest import screenshot, sign_in

SUBJECT = "Reminder: your appointment on Thu, Apr 9 at 5:00 PM"


def _rendered(first: str, last: str, email: str):  # type: ignore[no-untyped-def]
    """A reminder worded exactly as the worker words one."""
    facts = AppointmentFacts(
        practice=PracticeFacts(
            name="Willow Creek Counseling",
            phone="(503) 555-0142",
            email="office@willow.example",
            timezone="America/Los_Angeles",
        ),
        clinician="Sam Suarez, LMFT",
        start_at=datetime(2026, 4, 10, 0, 0, tzinfo=UTC),
        short_when="Thu, Apr 9 at 5:00 PM",
        day="Thursday, April 9, 2026",
        times="5:00 – 5:50 PM PDT",
        telehealth=False,
        place_name="Main office",
        place_address=("2231 NE Alberta St", "Suite 200", "Portland, OR 97211"),
    )
    return render("reminder", facts, Recipient("email", email, f"{first} {last}", first, 0))


def _seed(engine) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    """Three messages: kept, failed and waiting. Returns the kept one's id, name and address."""
    with engine.connect() as conn:
        client_id, first, last, email = conn.execute(
            text(
                "select id, legal_first_name, legal_last_name, email from client"
                " where email != '' order by id limit 1"
            )
        ).one()
    now = datetime.now(UTC)
    words = _rendered(first, last, email)
    assert words.subject == SUBJECT
    common = {
        "channel": "email",
        "to_name": f"{first} {last}",
        "client_id": client_id,
        "body_html": words.html,
    }
    rows = [
        OutboxMessage(
            dedupe_key=f"e2e:kept:{now.timestamp()}",
            to_address=email,
            kind="appointment.reminder",
            subject=SUBJECT,
            body_text=words.text,
            status="kept",
            due_at=now - timedelta(minutes=3),
            created_at=now - timedelta(minutes=3),
            **common,
        ),
        OutboxMessage(
            dedupe_key=f"e2e:failed:{now.timestamp()}",
            kind="appointment.confirmation",
            to_address="nobody@invalid.example",
            subject="Your appointment is confirmed for Fri, Apr 10 at 9:00 AM",
            body_text="Hello,\n",
            status="failed",
            attempts=1,
            last_error="SMTP 550: No such mailbox",
            due_at=now - timedelta(minutes=2),
            created_at=now - timedelta(minutes=2),
            **common,
        ),
    ]
    with Session(engine) as session:
        session.add_all(rows)
        session.commit()
        kept_id = rows[0].id
    return int(kept_id), f"{first} {last}", email  # type: ignore[arg-type]


def test_the_owner_reads_kept_mail_and_the_read_is_audited(page, e2e_engine):
    kept_id, name, address = _seed(e2e_engine)

    sign_in(page, "olivia@willow.example")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Outgoing mail").click()
    expect(page.get_by_role("heading", name="Outgoing mail")).to_be_visible()
    expect(page.locator("#outbox-not-configured")).to_contain_text("Email is not being sent")
    table = page.locator("#outbox-messages")
    expect(table.get_by_role("row").filter(has_text=SUBJECT)).to_have_count(1)
    screenshot(page, "60-outgoing-mail")

    # Only the failed ones, then only the kept ones.
    filters = page.get_by_role("group", name="Show messages by status")
    filters.get_by_role("button", name="Failed").click()
    failed = table.get_by_role("row").filter(has_text="Fri, Apr 10")
    expect(failed).to_have_count(1)
    expect(failed).to_contain_text("SMTP 550: No such mailbox")
    expect(table.get_by_role("row").filter(has_text=SUBJECT)).to_have_count(0)
    filters.get_by_role("button", name="Kept").click()
    row = table.get_by_role("row").filter(has_text=SUBJECT)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(address)
    expect(row).to_contain_text("Kept")

    # Open it: the text as it would have been sent.
    row.get_by_role("link", name=f"Read: {SUBJECT}").click()
    reader = page.get_by_role("dialog")
    expect(reader).to_contain_text(SUBJECT)
    expect(reader).to_contain_text(f"{name} <{address}>")
    expect(reader.locator("#outbox-message-text")).to_contain_text(
        "This is a reminder of your appointment with Sam Suarez, LMFT."
    )
    expect(reader).to_contain_text("No mail or text service is configured")
    page.wait_for_timeout(400)  # let the dialog finish fading in before the screenshot
    screenshot(page, "61-outgoing-mail-message")
    reader.get_by_role("tab", name="As the client sees it").click()
    preview = reader.frame_locator("iframe[title='The email as the client sees it']")
    expect(preview.get_by_text("Thursday, April 9, 2026")).to_be_visible()
    page.wait_for_timeout(300)
    screenshot(page, "63-outgoing-mail-as-sent")
    reader.get_by_role("button", name="Close").click()
    expect(page.get_by_role("dialog")).to_have_count(0)

    with e2e_engine.connect() as conn:
        audited = conn.execute(
            text(
                "select count(*) from audit_event where action = 'outbox.view'"
                " and record_id = :id and actor_name = 'Olivia Owens'"
            ),
            {"id": kept_id},
        ).scalar_one()
    assert audited == 1


def test_nobody_but_the_owner_sees_outgoing_mail(page):
    sign_in(page, "fran@willow.example")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Outgoing mail")).to_have_count(0)
    page.goto("/outbox")
    expect(
        page.get_by_role("heading", name="Only the practice owner can see outgoing mail")
    ).to_be_visible()
    expect(page.locator("#outbox-messages")).to_have_count(0)


def test_the_owner_sets_the_reminder_window_after_a_refused_value(page, e2e_engine):
    sign_in(page, "olivia@willow.example")
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Practice", exact=True
    ).click()
    reminder = page.get_by_label("Reminder (hours before a session)")
    expect(reminder).to_have_value("24")
    reminder.fill("200")
    page.get_by_role("button", name="Save practice details").click()
    expect(page.locator("#reminder_hours-error")).to_have_text(
        "Enter whole hours, from 0 (no reminders) to 168 (a week)."
    )
    expect(reminder).to_have_value("200")  # what was typed stays
    section = page.get_by_role("region", name="Appointments")
    section.scroll_into_view_if_needed()
    screenshot(page, "62-practice-reminder-window")
    reminder.fill("48")
    page.get_by_role("button", name="Save practice details").click()
    expect(page.get_by_text("Practice details saved.")).to_be_visible()
    with e2e_engine.begin() as conn:
        assert conn.execute(text("select reminder_hours from practice")).scalar_one() == 48
        conn.execute(text("update practice set reminder_hours = 24"))


def test_a_client_is_kept_from_reminders_and_a_case_sends_notices_to_guardians(page, e2e_engine):
    with e2e_engine.connect() as conn:
        client_id, case_id = conn.execute(
            text(
                "select p.client_id, p.case_id from case_participant p"
                ' join "case" c on c.id = p.case_id'
                " where c.primary_clinician_id = (select id from staff"
                " where email = 'olivia@willow.example') order by p.case_id limit 1"
            )
        ).one()
    sign_in(page, "olivia@willow.example")
    page.goto(f"/clients/{client_id}/edit")
    page.get_by_label("No appointment reminders").check()
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Client saved.")).to_be_visible()
    page.goto(f"/cases/{case_id}/edit")
    page.get_by_label("Send appointment notices to guardians").check()
    page.get_by_role("button", name="Save case").click()
    expect(page.get_by_text("Case saved.")).to_be_visible()
    with e2e_engine.begin() as conn:
        assert conn.execute(
            text("select reminders_opt_out from client where id = :id"), {"id": client_id}
        ).scalar_one()
        assert conn.execute(
            text('select notify_guardians from "case" where id = :id'), {"id": case_id}
        ).scalar_one()
        conn.execute(
            text("update client set reminders_opt_out = false where id = :id"), {"id": client_id}
        )
        conn.execute(
            text('update "case" set notify_guardians = false where id = :id'), {"id": case_id}
        )
