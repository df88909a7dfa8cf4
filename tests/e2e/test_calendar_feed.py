"""A clinician turns on their private calendar feed, and a calendar app reads it."""

from __future__ import annotations

import hashlib
import re
import urllib.error
import urllib.request

from icalendar import Calendar
from playwright.sync_api import expect
from sqlalchemy import text

from tests.e2e.conftest import screenshot, sign_in

FEED_URL = re.compile(r"^http://localhost:\d+/calendar/[A-Za-z0-9_-]{43}\.ics$")


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes, dict[str, str]]:
    """GET URL as a calendar app would; (status, body, headers), 304 and 404 included."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=20) as reply:
            return reply.status, reply.read(), {k.lower(): v for k, v in reply.headers.items()}
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), {k.lower(): v for k, v in exc.headers.items()}


def _client_names_of(e2e_engine, email: str) -> list[str]:  # type: ignore[no-untyped-def]
    """The legal names of the clients in the cases of the staff member with EMAIL."""
    with e2e_engine.connect() as conn:
        rows = conn.execute(
            text(
                "select distinct c.legal_first_name, c.legal_last_name from client c "
                "join case_participant p on p.client_id = c.id "
                'join "case" k on k.id = p.case_id '
                "join staff s on s.id = k.primary_clinician_id where s.email = :email"
            ),
            {"email": email},
        ).all()
    return [name for row in rows for name in row]


def test_a_clinician_turns_on_the_feed_and_a_calendar_app_reads_it(page, e2e_engine):
    sign_in(page, "sam@willow.example")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Calendar feed").click()
    expect(page.get_by_role("heading", name="Calendar feed", exact=True)).to_be_visible()
    own = page.locator("#own-feed")
    expect(own).to_contain_text("Your calendar feed is off")
    expect(page.locator("#practice-feed")).to_have_count(0)  # not an owner
    screenshot(page, "40-calendar-feed-off")

    own.get_by_label("initials", exact=False).check()
    own.get_by_role("button", name="Turn on calendar feed").click()
    link_box = page.locator("#own-feed-url")
    expect(link_box).to_have_value(FEED_URL)
    url = link_box.input_value()
    expect(page.locator("#own-new-link")).to_contain_text("shown only now")
    screenshot(page, "41-calendar-feed-on")

    # The database keeps only the token's hash.
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    with e2e_engine.connect() as conn:
        stored = conn.execute(
            text(
                "select f.token_hash, f.label from calendar_feed f join staff s "
                "on s.id = f.staff_id where s.email = 'sam@willow.example' "
                "and f.revoked_at is null"
            )
        ).one()
    assert stored == (hashlib.sha256(token.encode()).hexdigest(), "initials")

    # A calendar app subscribes: sessions with initials, never a name.
    status, body, headers = _get(url)
    assert status == 200
    assert headers["content-type"].startswith("text/calendar")
    cal = Calendar.from_ical(body)
    assert "Sam Suarez" in str(cal["X-WR-CALNAME"])
    assert [tz.tz_name for tz in cal.timezones] == [str(cal["X-WR-TIMEZONE"])]
    summaries = [str(e["SUMMARY"]) for e in cal.walk("VEVENT")]
    sessions = [s for s in summaries if "Session" in s]
    assert sessions, "the demo gives Sam weekly sessions"
    assert all(re.fullmatch(r"(Cancelled: )?Session — [A-Z?]\.[A-Z]\.(, .+)?", s) for s in sessions)
    for name in _client_names_of(e2e_engine, "sam@willow.example"):
        assert name.encode() not in body, name
    # Polling again without a change: 304, nothing sent.
    status, body304, _ = _get(url, {"If-None-Match": headers["etag"]})
    assert (status, body304) == (304, b"")

    # Back on the page later: the link is not shown again; the fetch is.
    page.reload()
    expect(page.locator("#own-feed")).to_contain_text("shown once")
    expect(page.locator("#own-new-link")).to_have_count(0)
    expect(page.locator("#own-last-fetched")).not_to_contain_text("Not yet")

    # A new link: the old one stops working at once.
    own.get_by_role("button", name="Get a new link").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Get a new link").click()
    expect(link_box).to_have_value(FEED_URL)
    expect(link_box).not_to_have_value(url)
    new_url = link_box.input_value()
    old_status, old_body, _ = _get(url)
    never_status, never_body, _ = _get(url.rsplit("/", 1)[0] + "/" + "N" * 43 + ".ics")
    assert old_status == never_status == 404 and old_body == never_body
    assert _get(new_url)[0] == 200

    # Turned off: the link answers like one that never existed.
    own.get_by_role("button", name="Turn off").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Turn off feed").click()
    expect(own).to_contain_text("Your calendar feed is off")
    status, off_body, _ = _get(new_url)
    assert (status, off_body) == (404, never_body)


def test_the_owner_turns_on_the_practice_wide_feed(page, e2e_engine):
    sign_in(page, "olivia@willow.example")
    page.goto("/settings/calendar-feed")
    practice = page.locator("#practice-feed")
    expect(practice).to_contain_text("Whole practice")
    practice.get_by_role("button", name="Turn on practice feed").click()
    link_box = page.locator("#practice-feed-url")
    expect(link_box).to_have_value(FEED_URL)
    screenshot(page, "42-calendar-feed-owner")
    status, body, _ = _get(link_box.input_value())
    assert status == 200
    cal = Calendar.from_ical(body)
    assert str(cal["X-WR-CALNAME"]).endswith("all clinicians")
    sessions = [str(e["SUMMARY"]) for e in cal.walk("VEVENT") if "Session" in str(e["SUMMARY"])]
    assert all(
        re.fullmatch(r"(Cancelled: )?Session · [A-Z][a-z]+ [A-Z][a-z]+", s) for s in sessions
    )
    assert {"Sam Suarez", "Olivia Owens"} <= {s.rsplit(" · ", 1)[1] for s in sessions}
    for email in ("sam@willow.example", "olivia@willow.example"):
        for name in _client_names_of(e2e_engine, email):
            assert name.encode() not in body, name


def test_the_front_desk_has_no_calendar_feed(page):
    sign_in(page, "fran@willow.example")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Clients")).to_be_visible()
    expect(nav.get_by_role("link", name="Calendar feed")).to_have_count(0)
    page.goto("/settings/calendar-feed")
    expect(page.locator("#not-found")).to_be_visible()
