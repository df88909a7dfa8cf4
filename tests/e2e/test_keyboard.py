"""The app works from the keyboard alone."""

from __future__ import annotations

from playwright.sync_api import expect


def test_sign_in_and_reach_a_client_with_the_keyboard_only(page):
    page.goto("/sign-in")
    # The email field has focus on arrival.
    expect(page.get_by_label("Email")).to_be_focused()
    page.keyboard.type("sam@willow.example")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type("demo-practice-2026")
    page.keyboard.press("Enter")
    page.locator("#signed-in-user").wait_for()
    # The first Tab offers the skip link, which moves focus past the navigation.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    page.keyboard.press("Tab")
    # Then the navigation, in order: the logo link, then the menu a clinician has.
    nav = page.get_by_role("navigation", name="Main")
    for name in ("Home", "Calendar", "Availability", "Calendar feed", "Clients"):
        page.keyboard.press("Tab")
        expect(nav.get_by_role("link", name=name, exact=True)).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Clients", exact=True)).to_be_visible()
    # Search from the keyboard: the search box, type, Enter submits.
    page.get_by_label("Search").focus()
    page.keyboard.type("Washington")
    page.keyboard.press("Enter")
    first = page.locator("table").get_by_role("link").first
    expect(first).to_contain_text("Washington")
    first.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Details")).to_be_visible()
