"""The owner sets up the practice: services and fees, staff with roles."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import text

from tests.e2e.conftest import screenshot, sign_in


def test_the_owner_adds_a_service_after_fixing_a_bad_cpt_code(page, e2e_engine):
    sign_in(page, "olivia@willow.example")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Services & fees").click()
    expect(page.get_by_role("heading", name="Services & fees", exact=True)).to_be_visible()
    screenshot(page, "10-services")
    page.get_by_role("button", name="Add service").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Name").fill("Family therapy, 80 min")
    dialog.get_by_label("Kind").select_option("therapy")
    dialog.get_by_label("Duration (minutes)").fill("80")
    dialog.get_by_label("Fee (dollars)").fill("210.00")
    # A code of the wrong shape: the browser's own check is bypassed to reach the server's.
    dialog.get_by_label("CPT code").fill("9084")
    dialog.locator("form").evaluate("f => f.noValidate = true")
    dialog.get_by_role("button", name="Save service").click()
    expect(dialog.locator("#cpt_code-error")).to_contain_text("5 characters")
    expect(dialog.get_by_label("Name")).to_have_value("Family therapy, 80 min")
    with e2e_engine.connect() as conn:
        assert (
            conn.execute(
                text("select count(*) from service where name like 'Family therapy, 80%'")
            ).scalar()
            == 0
        )
    dialog.get_by_label("CPT code").fill("90847")
    dialog.get_by_role("button", name="Save service").click()
    expect(page.get_by_role("dialog")).to_be_hidden()
    row = page.get_by_role("row", name="Family therapy, 80 min")
    expect(row).to_contain_text("$210.00")
    expect(row).to_contain_text("90847")


def test_the_owner_adds_a_staff_member_who_can_then_sign_in(page, browser, app_server):
    sign_in(page, "olivia@willow.example")
    page.goto("/settings/staff")
    screenshot(page, "11-staff")
    page.get_by_role("link", name="Add staff member").click()
    expect(page).to_have_url("/settings/staff/new")
    page.get_by_label("Full name").fill("Dana Diaz")
    page.get_by_label("Email").fill("dana@willow.example")
    page.get_by_label("Initial password").fill("a long initial password")
    page.get_by_label("Phone").fill("(503) 555-0177")
    page.get_by_label("Credentials").fill("LCSW")
    page.get_by_label("Clinician", exact=True).check()
    screenshot(page, "12-staff-new")
    page.get_by_role("button", name="Add staff member").click()
    expect(page.get_by_role("link", name="Dana Diaz")).to_be_visible()
    # The new clinician signs in from another browser.
    context = browser.new_context(base_url=app_server)
    try:
        other = context.new_page()
        sign_in(other, "dana@willow.example", "a long initial password")
        expect(other.locator("#signed-in-user")).to_have_text("Dana Diaz")
        nav = other.get_by_role("navigation", name="Main")
        expect(nav.get_by_role("link", name="Clients")).to_be_visible()
        expect(nav.get_by_role("link", name="Staff")).to_have_count(0)
        expect(nav.get_by_role("link", name="Audit log")).to_have_count(0)
    finally:
        context.close()
