"""The owner looks up who read a client's record, and checks the chain is intact."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import text

from tests.e2e.conftest import screenshot, sign_in


def test_the_owner_sees_who_viewed_a_client_and_verifies_the_chain(
    page, browser, app_server, e2e_engine
):
    with e2e_engine.connect() as conn:
        client_id, first, last = conn.execute(
            text(
                "select c.id, c.legal_first_name, c.legal_last_name from client c"
                " join staff s on s.id = c.clinician_id where s.email = 'ana@willow.example'"
                " order by c.id limit 1"
            )
        ).one()
    # given: Ana, the treating associate, opens her client's record
    context = browser.new_context(base_url=app_server)
    try:
        ana = context.new_page()
        sign_in(ana, "ana@willow.example")
        ana.goto(f"/clients/{client_id}")
        expect(ana.get_by_role("heading", name=f"{first} {last}")).to_be_visible()
    finally:
        context.close()
    # when: the owner searches the audit log for that client
    sign_in(page, "olivia@willow.example")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit log").click()
    page.get_by_label("Client", exact=True).fill(last)
    page.get_by_label("Client", exact=True).press("Tab")
    expect(page.get_by_label("Matching clients").locator("option", has_text=last)).to_have_count(1)
    page.get_by_label("Matching clients").select_option(str(client_id))
    page.get_by_role("button", name="Search").click()
    # then: the read is there, with who and from where
    results = page.locator("#audit-results")
    row = results.get_by_role("row").filter(has_text="Ana Alvarez").filter(has_text="Viewed client")
    expect(row.first).to_be_visible()
    expect(row.first).to_contain_text("127.0.0.1")
    page.get_by_role("button", name="Verify chain").click()
    expect(page.locator("#verify-result")).to_contain_text("Intact")
    screenshot(page, "40-audit-log")


def test_nobody_but_the_owner_can_open_the_audit_log(page):
    sign_in(page, "bill@willow.example")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Audit log")).to_have_count(0)
    page.goto("/audit")
    expect(
        page.get_by_role("heading", name="Only the practice owner can see the audit log")
    ).to_be_visible()
    expect(page.locator("#audit-results")).to_have_count(0)
