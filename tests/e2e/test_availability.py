"""Availability in the browser: a clinician's weekly hours and day off, the owner's holidays
and rooms, and a supervisor who may look but not change."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect
from sqlalchemy import text

from tests.e2e.conftest import screenshot, sign_in

PRACTICE_TZ = ZoneInfo("America/Los_Angeles")  # the demo practice is in Portland


def _staff_id(engine, email: str) -> int:
    with engine.connect() as conn:
        return conn.execute(text("select id from staff where email = :e"), {"e": email}).scalar()


def _hours(engine, staff_id: int, weekday: int) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "select start_time, end_time from working_hours"
                " where staff_id = :s and weekday = :d order by start_time"
            ),
            {"s": staff_id, "d": weekday},
        ).all()
    return [(str(a)[:5], str(b)[:5]) for a, b in rows]


def test_a_clinician_sets_saturday_hours_after_a_refused_save_and_adds_a_day_off(page, e2e_engine):
    ana = _staff_id(e2e_engine, "ana@willow.example")
    sign_in(page, "ana@willow.example")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Availability").click()
    expect(page.get_by_role("heading", name="Availability", exact=True)).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("Ana Alvarez")
    expect(page.locator("#clinician")).to_have_count(0)  # a clinician sees only their own

    saturday = page.get_by_role("group", name="Saturday")
    expect(saturday).to_contain_text("Not working")
    saturday.get_by_role("button", name="Add hours on Saturday").click()
    saturday.get_by_label("Saturday start").fill("17:00")
    saturday.get_by_label("Saturday end").fill("10:00")
    expect(page.get_by_text("Unsaved changes")).to_be_visible()
    page.get_by_role("button", name="Save weekly hours").click()

    # Refused: the message sits beside the row, what was typed stays, nothing is written.
    expect(saturday.get_by_role("alert")).to_have_text("End must be after the start (5:00 pm).")
    expect(saturday.get_by_label("Saturday end")).to_have_attribute("aria-invalid", "true")
    expect(saturday.get_by_label("Saturday start")).to_have_value("17:00")
    expect(saturday.get_by_label("Saturday end")).to_have_value("10:00")
    assert _hours(e2e_engine, ana, 5) == []
    screenshot(page, "40-availability-refused")

    saturday.get_by_label("Saturday end").fill("20:00")
    saturday.get_by_label("Saturday location").select_option(label="Telehealth")
    page.get_by_role("button", name="Save weekly hours").click()
    expect(page.get_by_text("Weekly hours saved for Ana Alvarez.")).to_be_visible()
    expect(page.get_by_text("Unsaved changes")).to_have_count(0)
    expect(saturday.get_by_role("alert")).to_have_count(0)
    assert _hours(e2e_engine, ana, 5) == [("17:00", "20:00")]

    # A day off: first a date that has passed (refused, the note kept), then a real one.
    today = datetime.now(PRACTICE_TZ).date()
    page.get_by_label("What").select_option("time_off")
    page.get_by_label("Date").fill((today - timedelta(days=3)).isoformat())
    page.get_by_label("Note").fill("Family wedding")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.locator("#on_date-error")).to_have_text(
        "That date has passed; choose today or a later date."
    )
    expect(page.get_by_label("Note")).to_have_value("Family wedding")
    day_off = today + timedelta(days=45)
    page.get_by_label("Date").fill(day_off.isoformat())
    page.get_by_role("button", name="Add", exact=True).click()
    row = page.locator("#exceptions").get_by_role("row").filter(has_text="Family wedding")
    expect(row).to_contain_text("All day")
    expect(row).to_contain_text("Time off")
    expect(page.get_by_label("Note")).to_have_value("")  # the form starts over
    with e2e_engine.connect() as conn:
        saved = conn.execute(
            text(
                "select kind, start_time from availability_exception"
                " where staff_id = :s and on_date = :d"
            ),
            {"s": ana, "d": day_off.isoformat()},
        ).all()
    assert [(k, t) for k, t in saved] == [("time_off", None)]
    expect(page.locator("[data-sonner-toast]")).to_have_count(0, timeout=15_000)
    screenshot(page, "41-availability")


def test_a_supervisor_sees_an_associates_hours_but_cannot_change_them(page):
    sign_in(page, "sam@willow.example")
    page.goto("/availability")
    expect(page.get_by_role("main")).to_contain_text("Sam Suarez")
    page.locator("#clinician").select_option(label="Ana Alvarez")
    expect(page.get_by_role("main")).to_contain_text("view only")
    monday = page.get_by_role("group", name="Monday")
    expect(monday).to_contain_text("9:00 am – 12:00 pm")
    expect(page.get_by_role("button", name="Save weekly hours")).to_have_count(0)
    expect(page.get_by_role("button", name="Add hours on Monday")).to_have_count(0)
    screenshot(page, "42-availability-view-only")


def test_the_owner_closes_the_practice_for_a_day_and_adds_a_room(page, e2e_engine):
    sign_in(page, "olivia@willow.example")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Holidays").click()
    expect(page.get_by_role("heading", name="Holidays", exact=True)).to_be_visible()
    this_year = datetime.now(PRACTICE_TZ).year
    # The demo already has the federal holidays: adding them again changes nothing.
    page.get_by_role("button", name=f"Add US federal holidays for {this_year}").click()
    expect(page.get_by_text(f"The {this_year} federal holidays are already there.")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="Thanksgiving Day").first).to_be_visible()

    retreat = datetime.now(PRACTICE_TZ).date() + timedelta(days=60)
    page.get_by_label("Date").fill(retreat.isoformat())
    # The browser's own required-field check is bypassed to reach the server's.
    form = page.get_by_role("region", name="Close the practice on a day").locator("form")
    form.evaluate("f => f.noValidate = true")
    page.get_by_role("button", name="Add holiday").click()
    expect(page.locator("#name-error")).to_have_text("Name is required.")
    page.get_by_label("Name").fill("Staff retreat")
    page.get_by_role("button", name="Add holiday").click()
    expect(page.get_by_role("row").filter(has_text="Staff retreat")).to_be_visible()
    with e2e_engine.connect() as conn:
        assert (
            conn.execute(
                text("select name from holiday where on_date = :d"), {"d": retreat.isoformat()}
            ).scalar()
            == "Staff retreat"
        )
    screenshot(page, "43-holidays")

    page.goto("/settings/locations")
    page.get_by_role("button", name="Rooms of Main office").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_text("Willow room")).to_be_visible()
    dialog.get_by_label("New room").fill("willow ROOM")
    dialog.get_by_role("button", name="Add room").click()
    expect(dialog.locator("#room_name-error")).to_have_text(
        "This office already has a room with this name."
    )
    dialog.get_by_label("New room").fill("Birch room")
    dialog.get_by_role("button", name="Add room").click()
    expect(dialog.get_by_text("Birch room")).to_be_visible()
    expect(dialog.get_by_label("New room")).to_have_value("")
    screenshot(page, "44-rooms")
    expect(page.get_by_role("button", name="Rooms of Telehealth")).to_have_count(0)
