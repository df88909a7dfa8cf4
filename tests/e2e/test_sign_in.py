"""Signing in and out in a real browser against the production build."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import text

from practicerunner.core import clock
from tests.e2e.conftest import screenshot, sign_in


def test_it_signs_in_with_email_and_password(page):
    page.goto("/")
    # Not signed in: the app sends the browser to the sign-in page.
    expect(page).to_have_url("/sign-in?reason=required&next=/")
    screenshot(page, "01-sign-in")
    sign_in(page, "olivia@willow.example")
    expect(page.locator("#signed-in-user")).to_have_text("Olivia Owens")
    expect(
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit log")
    ).to_be_visible()
    expect(page.get_by_text("In the practice")).to_be_visible()
    expect(page.get_by_text("active clients")).to_be_visible()
    screenshot(page, "02-home-owner")
    cookie = next(c for c in page.context.cookies() if c["name"] == "pr_session")
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Lax"


def test_a_wrong_password_shows_an_error_beside_the_field_and_keeps_the_email(page):
    page.goto("/sign-in")
    page.get_by_label("Email").fill("ana@willow.example")
    page.get_by_label("Password").fill("not my password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#password-error")).to_have_text("Email or password is incorrect.")
    expect(page.get_by_label("Email")).to_have_value("ana@willow.example")
    screenshot(page, "03-sign-in-wrong-password")


def test_five_failed_attempts_lock_the_account(page, e2e_engine):
    email = "ben@willow.example"
    try:
        page.goto("/sign-in")
        for _ in range(5):
            page.get_by_label("Password").fill("guessing")
            page.get_by_label("Email").fill(email)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_function("() => !document.querySelector('button[type=submit]').disabled")
        expect(page.locator("#email-error")).to_contain_text("locked for 15 more minutes")
        # Even the right password is refused while locked.
        page.get_by_label("Password").fill("demo-practice-2026")
        page.get_by_role("button", name="Sign in").click()
        expect(page.locator("#email-error")).to_contain_text("locked")
        screenshot(page, "04-sign-in-locked")
    finally:
        with e2e_engine.begin() as conn:
            conn.execute(
                text("UPDATE staff SET locked_until = NULL WHERE email = :e"), {"e": email}
            )


def test_an_idle_session_is_signed_out(page, e2e_engine):
    sign_in(page, "sam@willow.example")
    # Thirty-one minutes pass without a request from this browser.
    long_ago = (clock.now() - timedelta(minutes=31)).replace(tzinfo=None)
    with e2e_engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE user_session SET last_seen_at = :t WHERE revoked_at IS NULL AND staff_id ="
                " (SELECT id FROM staff WHERE email = 'sam@willow.example')"
            ),
            {"t": long_ago},
        )
    # Whichever comes first — the page's own heartbeat or the next page opened — signs out.
    page.goto("/clients")
    expect(page).to_have_url(re.compile(r"/sign-in\?reason=idle&next=/clients/?$"))
    expect(page.locator("#sign-in-notice")).to_contain_text("period of inactivity")
    screenshot(page, "05-signed-out-idle")


def test_sign_out_ends_the_session(page):
    sign_in(page, "fran@willow.example")
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator("#sign-in-notice")).to_have_text("You have signed out.")
    # The old session does not come back.
    page.goto("/clients")
    expect(page).to_have_url(re.compile(r"/sign-in\?reason=required&next=/clients/?$"))
