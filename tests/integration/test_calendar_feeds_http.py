"""GET /calendar/<token>.ics through the app's own HTTP routes (Starlette's TestClient).

The app's route table is the one `practicerunner.py` mounts; the database is the test's.
On SQLite every transaction takes the write lock, so the test ends its own transaction
(commit) before each request.
"""

from __future__ import annotations

import warnings
from datetime import timedelta

import pytest
from icalendar import Calendar
from sqlmodel import select

from practicerunner.calendars import service as feeds
from practicerunner.core import clock
from practicerunner.scheduling.models import AppointmentAttendee
from tests.integration.test_calendar_feeds import NOW, add_appointment, edit, local, uid


@pytest.fixture
def client(engine):  # type: ignore[no-untyped-def]
    from practicerunner.practicerunner import api

    with warnings.catch_warnings():  # Starlette 1.x prefers httpx2; httpx works the same here
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient

    with TestClient(api) as c, clock.frozen_at(NOW):
        yield c


def url(token: str) -> str:
    return f"/calendar/{token}.ics"


def test_a_feed_is_served_as_private_text_calendar_with_an_etag(session, people, client):
    token = feeds.enable_feed(session, people.clinician)
    appointment = add_appointment(session, people, local(2026, 3, 3, 9))
    reply = client.get(url(token))
    assert reply.status_code == 200
    assert reply.headers["content-type"] == "text/calendar; charset=utf-8"
    assert reply.headers["cache-control"].startswith("private")
    assert reply.headers["referrer-policy"] == "no-referrer"
    assert reply.headers["etag"].startswith('W/"')
    cal = Calendar.from_ical(reply.content)
    assert [str(e["UID"]) for e in cal.walk("VEVENT")] == [uid(appointment)]


def test_an_unchanged_feed_answers_304_and_a_changed_one_200_with_a_new_etag(
    session, people, client
):
    token = feeds.enable_feed(session, people.clinician)
    appointment = add_appointment(session, people, local(2026, 3, 3, 9))
    first = client.get(url(token))
    etag = first.headers["etag"]
    again = client.get(url(token), headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    # Several tags, or the strong form of ours, match too.
    assert client.get(url(token), headers={"If-None-Match": f'"x", {etag[2:]}'}).status_code == 304
    # An edit (the scheduling service raises sequence and updated_at) changes the ETag.
    with clock.frozen_at(NOW + timedelta(minutes=3)):
        edit(session, appointment, status="cancelled_client")
        changed = client.get(url(token), headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag
    (event,) = Calendar.from_ical(changed.content).walk("VEVENT")
    assert str(event["STATUS"]) == "CANCELLED" and int(event["SEQUENCE"]) == 1


def test_a_new_session_or_a_deleted_one_changes_the_etag(session, people, client):
    token = feeds.enable_feed(session, people.clinician)
    etag0 = client.get(url(token)).headers["etag"]
    appointment = add_appointment(session, people, local(2026, 3, 3, 9))
    etag1 = client.get(url(token), headers={"If-None-Match": etag0}).headers["etag"]
    assert etag1 != etag0
    for attendee in session.exec(
        select(AppointmentAttendee).where(AppointmentAttendee.appointment_id == appointment.id)
    ):
        session.delete(attendee)
    session.flush()
    session.delete(appointment)
    session.commit()
    reply = client.get(url(token), headers={"If-None-Match": etag1})
    assert reply.status_code == 200 and reply.headers["etag"] not in (etag1,)


def test_choosing_initials_changes_the_etag(session, people, client):
    token = feeds.enable_feed(session, people.clinician)
    add_appointment(session, people, local(2026, 3, 3, 9))
    etag = client.get(url(token)).headers["etag"]
    feeds.set_label(session, people.clinician, "initials")
    reply = client.get(url(token), headers={"If-None-Match": etag})
    assert reply.status_code == 200
    assert b"SUMMARY:Session \xe2\x80\x94 C.O." in reply.content


def test_the_etag_moves_with_the_window_once_a_day(session, people, client):
    token = feeds.enable_feed(session, people.clinician)
    etag = client.get(url(token)).headers["etag"]
    with clock.frozen_at(NOW + timedelta(hours=5)):  # 15:00 the same day in Los Angeles
        assert client.get(url(token), headers={"If-None-Match": etag}).status_code == 304
    with clock.frozen_at(NOW + timedelta(days=1)):
        assert client.get(url(token), headers={"If-None-Match": etag}).status_code == 200


def test_revoked_regenerated_unknown_and_malformed_tokens_get_the_same_404(session, people, client):
    old = feeds.enable_feed(session, people.clinician)
    assert client.get(url(old)).status_code == 200
    new = feeds.regenerate(session, people.clinician)
    other = feeds.enable_feed(session, people.supervisor)
    feeds.revoke(session, people.supervisor)
    never = "Q" * 43
    replies = [
        client.get(url(t))
        for t in (old, other, never, "short", "a" * 200, "%2e%2e%2fetc", old + "x", "a/b")
    ]
    # The calendar screen's own paths are not the feed's.
    assert client.get("/calendar/week").status_code == 404
    assert client.get("/calendar/week").content != replies[0].content
    assert {r.status_code for r in replies} == {404}
    assert len({r.content for r in replies}) == 1
    assert {r.headers["cache-control"] for r in replies} == {"no-store"}
    assert all("etag" not in r.headers for r in replies)
    assert client.get(url(new)).status_code == 200
    # An If-None-Match on a dead token changes nothing.
    assert client.get(url(old), headers={"If-None-Match": "*"}).status_code == 404


def test_a_large_feed_goes_gzipped_to_apps_that_accept_it(session, people, client):
    token = feeds.enable_feed(session, people.clinician)
    for day in range(3, 30):
        add_appointment(session, people, local(2026, 3, day, 9))
    plain = client.get(url(token), headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    zipped = client.get(url(token), headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.content == plain.content  # the client decompresses
    assert int(zipped.headers["content-length"]) < len(plain.content) / 3
