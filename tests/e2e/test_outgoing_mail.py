"""The owner reads the mail PracticeRunner kept (the test server has no SMTP server)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect
from sqlalchemy import text
from sqlmodel import Session

from practicerunner.messaging.models import OutboxMessage
from tests.e2e.conftest import screenshot, sign_in

SUBJECT = "Reminder: your appointment on Thu, Apr 9 at 5:00 PM"
BODY = (
    "Hello {first},\n\n"
    "This is a reminder of your appointment with Sam Suarez, LMFT.\n\n"
    "When:  Thursday, April 9, 2026, 5:00 – 5:50 PM PDT\n"
    "With:  Sam Suarez, LMFT\n"
    "Where: Main office\n\n"
    "If you need to change or cancel this appointment, please call (503) 555-0142.\n\n"
    "Willow Creek Counseling\n"
)


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
    common = {
        "channel": "email",
        "kind": "appointment.reminder",
        "to_name": f"{first} {last}",
        "client_id": client_id,
        "body_html": f"<html><body><p>Hello {first},</p></body></html>",
    }
    rows = [
        OutboxMessage(
            dedupe_key=f"e2e:kept:{now.timestamp()}",
            to_address=email,
            subject=SUBJECT,
            body_text=BODY.format(first=first),
            status="kept",
            due_at=now - timedelta(minutes=3),
            created_at=now - timedelta(minutes=3),
            **common,
        ),
        OutboxMessage(
            dedupe_key=f"e2e:failed:{now.timestamp()}",
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
    expect(table.get_by_role("row").filter(has_text="No such mailbox")).to_have_count(0)
    expect(table.get_by_role("row").filter(has_text="Fri, Apr 10")).to_have_count(1)
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
