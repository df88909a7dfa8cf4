"""Private calendar feeds: turning them on and off, and what a calendar app gets.

Appointments and calendar items are written straight into the tables here (the scheduling
service is the only writer in the product); "an edit" is what that service does to a row:
change it, raise `sequence`, set `updated_at`.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlmodel import Session, select

from practicerunner.calendars import service as feeds
from practicerunner.calendars.feed import feed_window, initials, render_feed
from practicerunner.calendars.models import CalendarFeed
from practicerunner.core import clock
from practicerunner.core.audit import AuditEvent
from practicerunner.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from practicerunner.practice.models import Location, Staff, StaffRole
from practicerunner.scheduling.models import (
    Appointment,
    AppointmentAttendee,
    CalendarItem,
    Room,
)

LA = ZoneInfo("America/Los_Angeles")  # the personas' practice
# Monday 2 March 2026, 10:00 in Los Angeles; daylight saving starts on Sunday 8 March.
NOW = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)


def local(y: int, mo: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=LA).astimezone(UTC)


def add_appointment(
    session: Session,
    people,  # type: ignore[no-untyped-def]
    start: datetime,
    *,
    who: str = "clinician",
    minutes: int = 50,
    status: str = "scheduled",
    location: Location | None = None,
    room: Room | None = None,
    attendees: list[int] | None = None,
) -> Appointment:
    clinician = people.staff[who]
    appointment = Appointment(
        case_id=people.cases[who].id,
        clinician_id=clinician.id,
        service_id=people.service.id,
        location_id=(location or people.location).id,
        room_id=room.id if room else None,
        start_at=start,
        end_at=start + timedelta(minutes=minutes),
        status=status,
        created_at=NOW - timedelta(days=40),
        updated_at=NOW - timedelta(days=40),
    )
    session.add(appointment)
    session.flush()
    for client_id in attendees if attendees is not None else [people.clients[who].id]:
        session.add(AppointmentAttendee(appointment_id=appointment.id, client_id=client_id))
    session.commit()
    return appointment


def add_item(
    session: Session,
    staff: Staff,
    kind: str,
    start: datetime,
    *,
    with_staff: Staff | None = None,
    title: str = "",
) -> CalendarItem:
    item = CalendarItem(
        staff_id=staff.id,
        with_staff_id=with_staff.id if with_staff else None,
        kind=kind,
        title=title,
        start_at=start,
        end_at=start + timedelta(hours=1),
        created_at=NOW - timedelta(days=3),
        updated_at=NOW - timedelta(days=3),
    )
    session.add(item)
    session.commit()
    return item


def edit(session: Session, row, **changes) -> None:  # type: ignore[no-untyped-def]
    """What the scheduling service does on every change a calendar app must see."""
    for name, value in changes.items():
        setattr(row, name, value)
    row.sequence += 1
    row.updated_at = clock.now()
    session.add(row)
    session.commit()


def fetch(session: Session, token: str, now: datetime = NOW) -> tuple[Calendar, bytes]:
    result = render_feed(session, token, now)
    assert result is not None and result.body is not None
    return Calendar.from_ical(result.body), result.body


def events_by_uid(cal: Calendar) -> dict[str, object]:
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def uid(appointment: Appointment) -> str:
    return f"appointment-{appointment.id}@localhost"


# --- turning a feed on and off ------------------------------------------------------------


def test_a_clinician_turns_the_feed_on_and_only_a_hash_of_the_token_is_kept(session, people):
    with clock.frozen_at(NOW):
        token = feeds.enable_feed(session, people.clinician)
    assert len(token) == 43
    row = session.exec(select(CalendarFeed)).one()
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(row.model_dump())
    assert row.staff_id == people.staff["clinician"].id
    assert (row.scope, row.label) == ("own", "session")
    assert feeds.feed_url(token) == f"http://localhost:3000/calendar/{token}.ics"
    assert feeds.webcal_url(token).startswith("webcal://localhost:3000/calendar/")
    event = session.exec(
        select(AuditEvent).where(AuditEvent.action == "calendar_feed.enable")
    ).one()
    assert event.actor_id == people.staff["clinician"].id
    assert token not in event.detail
    status = feeds.feed_status(session, people.clinician)
    assert status.can_own and not status.can_practice
    assert status.own is not None and status.own.label == "session"
    assert status.own.created == "Mar 2, 2026, 10:00 AM"
    assert status.own.last_fetched == ""


def test_turning_it_on_twice_keeps_one_feed(session, people):
    feeds.enable_feed(session, people.clinician)
    with pytest.raises(Conflict) as exc:
        feeds.enable_feed(session, people.clinician, label="initials")
    assert "already on" in exc.value.message
    assert len(session.exec(select(CalendarFeed)).all()) == 1


def test_the_database_refuses_a_second_live_feed(session, people):
    """A double-clicked "Turn on" racing past the service's check meets the unique index."""
    feeds.enable_feed(session, people.clinician)
    session.add(
        CalendarFeed(
            staff_id=people.staff["clinician"].id,
            token_hash="0" * 64,
            created_at=NOW,
        )
    )
    with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
        session.commit()
    session.rollback()


@pytest.mark.parametrize("who", ["scheduler", "biller"])
def test_staff_without_sessions_cannot_have_a_feed(session, people, who):
    with pytest.raises(PermissionDenied):
        feeds.enable_feed(session, getattr(people, who))
    assert session.exec(select(CalendarFeed)).all() == []
    status = feeds.feed_status(session, getattr(people, who))
    assert not status.can_own and not status.can_practice


@pytest.mark.parametrize("who", ["owner", "clinician", "supervisor", "associate"])
def test_every_clinical_role_can_have_its_own_feed(session, people, who):
    assert feeds.enable_feed(session, getattr(people, who))


def test_only_the_owner_gets_the_practice_wide_feed(session, people):
    with pytest.raises(PermissionDenied):
        feeds.enable_feed(session, people.clinician, scope="practice")
    with pytest.raises(PermissionDenied):
        feeds.enable_feed(session, people.scheduler, scope="practice")
    token = feeds.enable_feed(session, people.owner, scope="practice")
    assert token
    status = feeds.feed_status(session, people.owner)
    assert status.can_practice and status.practice is not None and status.own is None


def test_a_bad_label_or_scope_is_refused_beside_the_field_and_writes_nothing(session, people):
    with pytest.raises(ValidationFailed) as exc:
        feeds.enable_feed(session, people.clinician, label="full names", scope="everyone")
    assert set(exc.value.errors) == {"label", "scope"}
    assert "initials" in exc.value.errors["label"]
    assert session.exec(select(CalendarFeed)).all() == []
    assert session.exec(select(AuditEvent).where(AuditEvent.action.like("calendar%"))).all() == []


def test_regenerating_revokes_the_old_url_and_keeps_the_label(session, people):
    old = feeds.enable_feed(session, people.clinician, label="initials")
    new = feeds.regenerate(session, people.clinician)
    assert new != old
    assert render_feed(session, old, NOW) is None
    cal, _ = fetch(session, new)
    assert cal is not None
    live = session.exec(select(CalendarFeed).where(CalendarFeed.revoked_at.is_(None))).one()  # type: ignore[union-attr]
    assert live.label == "initials"
    actions = session.exec(select(AuditEvent.action).where(AuditEvent.action.like("calendar%")))
    assert list(actions) == ["calendar_feed.enable", "calendar_feed.regenerate"]


def test_regenerating_a_feed_that_is_off_says_so(session, people):
    with pytest.raises(NotFound):
        feeds.regenerate(session, people.clinician)


def test_turning_it_off_makes_the_url_answer_like_one_that_never_existed(session, people):
    token = feeds.enable_feed(session, people.clinician)
    assert render_feed(session, token, NOW) is not None
    assert feeds.revoke(session, people.clinician) is True
    assert render_feed(session, token, NOW) is None
    assert feeds.revoke(session, people.clinician) is False  # already off: nothing to do
    assert feeds.feed_status(session, people.clinician).own is None
    # It can be turned on again, with a new URL.
    again = feeds.enable_feed(session, people.clinician)
    assert again != token and render_feed(session, again, NOW) is not None


@pytest.mark.parametrize(
    "token", ["", "x", "a" * 43, "a" * 44, "../../etc/passwd", "a" * 42 + "!", "ä" * 43]
)
def test_unknown_and_malformed_tokens_find_nothing(session, people, token):
    feeds.enable_feed(session, people.clinician)
    assert render_feed(session, token, NOW) is None


def test_a_deactivated_clinicians_feed_stops_at_once(session, people):
    token = feeds.enable_feed(session, people.clinician)
    staff = session.get(Staff, people.staff["clinician"].id)
    staff.is_active = False
    session.add(staff)
    session.commit()
    assert render_feed(session, token, NOW) is None


def test_an_owner_who_is_no_longer_owner_loses_the_practice_feed(session, people):
    token = feeds.enable_feed(session, people.owner, scope="practice")
    own = feeds.enable_feed(session, people.owner)
    role = session.exec(
        select(StaffRole).where(
            StaffRole.staff_id == people.staff["owner"].id, StaffRole.role == "owner"
        )
    ).one()
    session.delete(role)
    session.commit()
    assert render_feed(session, token, NOW) is None
    assert render_feed(session, own, NOW) is not None  # still a clinician


def test_choosing_initials_keeps_the_url(session, people):
    token = feeds.enable_feed(session, people.clinician)
    add_appointment(session, people, local(2026, 3, 3, 9))
    cal, _ = fetch(session, token)
    assert [str(e["SUMMARY"]) for e in cal.walk("VEVENT")] == ["Session"]
    with pytest.raises(ValidationFailed) as exc:
        feeds.set_label(session, people.clinician, "names")
    assert "label" in exc.value.errors
    assert feeds.set_label(session, people.clinician, "initials") == "initials"
    cal, _ = fetch(session, token)
    # The personas' client is "Client1 OfClinician".
    assert [str(e["SUMMARY"]) for e in cal.walk("VEVENT")] == ["Session — C.O."]
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "calendar_feed.label")).one()


# --- what the feed holds --------------------------------------------------------------------


def test_the_feed_holds_the_clinicians_sessions_and_items_in_the_window(session, people):
    token = feeds.enable_feed(session, people.clinician)
    inside = [
        add_appointment(session, people, local(2026, 2, 1, 9)),  # 29 days back
        add_appointment(session, people, local(2026, 3, 3, 9)),
        add_appointment(session, people, local(2026, 8, 28, 16)),  # 179 days ahead
    ]
    outside = [
        add_appointment(session, people, local(2026, 1, 30, 9)),  # 31 days back
        add_appointment(session, people, local(2026, 8, 31, 9)),  # 182 days ahead
        add_appointment(session, people, local(2026, 3, 3, 9), who="supervisor"),  # not theirs
    ]
    carl, sam = people.staff["clinician"], people.staff["supervisor"]
    meeting = add_item(session, sam, "supervision", local(2026, 3, 4, 12), with_staff=carl)
    admin = add_item(session, carl, "admin", local(2026, 3, 5, 12), title="Call J. Smith's mum")
    personal = add_item(session, carl, "personal", local(2026, 3, 6, 12), title="Dentist")
    add_item(session, sam, "admin", local(2026, 3, 6, 12))  # Sam's alone: not in Carl's feed
    cal, body = fetch(session, token)
    found = events_by_uid(cal)
    assert set(found) == {uid(a) for a in inside} | {
        f"item-{i.id}@localhost" for i in (meeting, admin, personal)
    }
    assert all(uid(a) not in found for a in outside)
    assert str(found[f"item-{meeting.id}@localhost"]["SUMMARY"]) == "Supervision with Sam Suarez"
    assert str(found[f"item-{admin.id}@localhost"]["SUMMARY"]) == "Admin"
    assert str(found[f"item-{personal.id}@localhost"]["SUMMARY"]) == "Personal"
    assert b"Smith" not in body and b"Dentist" not in body
    # Sam sees the same meeting "with Carl Chen".
    sams = feeds.enable_feed(session, people.supervisor)
    sam_cal, _ = fetch(session, sams)
    summaries = {str(e["UID"]): str(e["SUMMARY"]) for e in sam_cal.walk("VEVENT")}
    assert summaries[f"item-{meeting.id}@localhost"] == "Supervision with Carl Chen"
    # Calendar-level properties a calendar app shows and uses.
    assert str(cal["X-WR-CALNAME"]) == "Willow Creek Counseling — Carl Chen"
    assert str(cal["X-WR-TIMEZONE"]) == "America/Los_Angeles"
    assert cal["REFRESH-INTERVAL"].dt == timedelta(minutes=30)
    assert b"X-PUBLISHED-TTL:PT30M" in body


def test_the_window_follows_the_practices_days(session, people):
    window = feed_window(NOW, LA)
    assert window.start == local(2026, 1, 31, 0)
    assert window.end == local(2026, 8, 30, 0)  # midnight after 29 August, 180 days on
    # Late evening in Los Angeles is already tomorrow in UTC; the window does not move.
    assert feed_window(local(2026, 3, 2, 23, 30), LA) == window
    assert feed_window(local(2026, 3, 3, 0, 0), LA).start == local(2026, 2, 1, 0)


def test_no_names_notes_case_titles_services_or_addresses_leave_in_the_feed(session, people):
    telehealth = Location(
        name="Telehealth (Zoom)", kind="telehealth", place_of_service="10", created_at=NOW
    )
    office = session.get(Location, people.location.id)
    office.address_line1, office.city = "1200 Alder Street", "Portland"
    session.add_all([telehealth, office])
    session.commit()
    room = Room(location_id=office.id, name="Room 2")
    session.add(room)
    session.commit()
    client = people.clients["clinician"]
    case = people.cases["clinician"]
    add_appointment(session, people, local(2026, 3, 3, 9), room=room)
    add_appointment(session, people, local(2026, 3, 4, 9), location=telehealth)
    for label in ("session", "initials"):
        feeds.revoke(session, people.clinician)
        token = feeds.enable_feed(session, people.clinician, label=label)
        cal, body = fetch(session, token)
        for secret in (
            client.legal_first_name,
            client.legal_last_name,
            client.email,
            case.title,
            case.presenting_concern,
            people.service.name,
            "90837",
            "1200 Alder",
            "Portland",
        ):
            assert secret.encode() not in body, secret
        locations = sorted(str(e["LOCATION"]) for e in cal.walk("VEVENT"))
        assert locations == ["Main office, Room 2", "Telehealth"]
        assert all(str(e["CLASS"]) == "PRIVATE" for e in cal.walk("VEVENT"))
        assert not any("DESCRIPTION" in e for e in cal.walk("VEVENT"))


def test_initials_for_a_couple_and_for_one_partner_attending_alone(session, people):
    from tests.personas import add_client

    partner = add_client(
        session, "Zoë", "de Vries", datetime(1985, 5, 5).date(), people.staff["clinician"]
    )
    first = people.clients["clinician"]
    both = add_appointment(session, people, local(2026, 3, 3, 9), attendees=[first.id, partner.id])
    alone = add_appointment(session, people, local(2026, 3, 4, 9), attendees=[partner.id])
    token = feeds.enable_feed(session, people.clinician, label="initials")
    found = events_by_uid(fetch(session, token)[0])
    assert str(found[uid(both)]["SUMMARY"]) == "Session — C.O., Z.D."
    assert str(found[uid(alone)]["SUMMARY"]) == "Session — Z.D."


def test_initials_take_the_first_letter_of_each_legal_name():
    assert initials("Jane", "Roe") == "J.R."
    assert initials("émile", "o'Brien") == "É.O."
    assert initials("  ", "") == "?"
    assert initials("J", "") == "J."


def test_uids_stay_and_sequence_grows_with_every_edit(session, people):
    token = feeds.enable_feed(session, people.clinician)
    appointment = add_appointment(session, people, local(2026, 3, 3, 9))
    before = events_by_uid(fetch(session, token)[0])[uid(appointment)]
    assert int(before["SEQUENCE"]) == 0
    with clock.frozen_at(NOW + timedelta(minutes=5)):
        edit(session, appointment, start_at=local(2026, 3, 5, 11), end_at=local(2026, 3, 5, 12))
    after = events_by_uid(fetch(session, token)[0])[uid(appointment)]
    assert int(after["SEQUENCE"]) == 1
    assert after["DTSTART"].dt == datetime(2026, 3, 5, 11, tzinfo=LA)
    assert after["DTSTAMP"].dt == NOW + timedelta(minutes=5)
    assert after["LAST-MODIFIED"].dt == NOW + timedelta(minutes=5)
    with clock.frozen_at(NOW + timedelta(minutes=9)):
        edit(session, appointment, location_id=appointment.location_id)  # any change at all
    assert int(events_by_uid(fetch(session, token)[0])[uid(appointment)]["SEQUENCE"]) == 2


@pytest.mark.parametrize(
    ("status", "cancelled"),
    [
        ("scheduled", False),
        ("attended", False),
        ("no_show", False),
        ("late_cancelled", True),
        ("cancelled_client", True),
        ("cancelled_practice", True),
    ],
)
def test_cancelled_sessions_stay_in_the_feed_as_cancelled(session, people, status, cancelled):
    token = feeds.enable_feed(session, people.clinician)
    appointment = add_appointment(session, people, local(2026, 3, 3, 9), status=status)
    event = events_by_uid(fetch(session, token)[0])[uid(appointment)]
    assert str(event["STATUS"]) == ("CANCELLED" if cancelled else "CONFIRMED")
    assert str(event["SUMMARY"]) == ("Cancelled: Session" if cancelled else "Session")
    assert str(event["TRANSP"]) == ("TRANSPARENT" if cancelled else "OPAQUE")


def test_a_cancelled_calendar_item_is_cancelled_too(session, people):
    token = feeds.enable_feed(session, people.clinician)
    item = add_item(session, people.staff["clinician"], "admin", local(2026, 3, 3, 13))
    edit(session, item, is_cancelled=True)
    event = events_by_uid(fetch(session, token)[0])[f"item-{item.id}@localhost"]
    assert str(event["STATUS"]) == "CANCELLED" and int(event["SEQUENCE"]) == 1


def test_a_weekly_five_pm_session_reads_five_pm_on_both_sides_of_daylight_saving(session, people):
    token = feeds.enable_feed(session, people.clinician)
    before = add_appointment(session, people, local(2026, 3, 5, 17))  # PST, UTC-8
    after = add_appointment(session, people, local(2026, 3, 12, 17))  # PDT, UTC-7
    cal, body = fetch(session, token)
    found = events_by_uid(cal)
    for appointment, day in ((before, 5), (after, 12)):
        event = found[uid(appointment)]
        assert event["DTSTART"].params["TZID"] == "America/Los_Angeles"
        assert event["DTSTART"].dt == datetime(2026, 3, day, 17, tzinfo=LA)
        assert event["DTEND"].dt == datetime(2026, 3, day, 17, 50, tzinfo=LA)
    assert found[uid(before)]["DTSTART"].dt.astimezone(UTC).hour == 1  # 17:00 PST = 01:00Z
    assert found[uid(after)]["DTSTART"].dt.astimezone(UTC).hour == 0  # 17:00 PDT = 00:00Z
    assert b"DTSTART;TZID=America/Los_Angeles:20260305T170000" in body
    assert b"DTSTART;TZID=America/Los_Angeles:20260312T170000" in body
    # The VTIMEZONE describes the change, so an app without the zone database gets it right.
    (zone,) = cal.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "America/Los_Angeles"
    daylight = zone.walk("DAYLIGHT")
    assert any(d["DTSTART"].dt == datetime(2026, 3, 8, 3, 0) for d in daylight)
    assert body.index(b"BEGIN:VTIMEZONE") < body.index(b"BEGIN:VEVENT")


def test_the_owners_practice_wide_feed_names_clinicians_never_clients(session, people):
    token = feeds.enable_feed(session, people.owner, scope="practice", label="initials")
    carl = add_appointment(session, people, local(2026, 3, 3, 9))
    sam = add_appointment(session, people, local(2026, 3, 3, 9), who="supervisor")
    ana = add_appointment(session, people, local(2026, 3, 3, 11), who="associate")
    item = add_item(
        session,
        people.staff["supervisor"],
        "supervision",
        local(2026, 3, 4, 12),
        with_staff=people.staff["associate"],
    )
    cal, body = fetch(session, token)
    found = {str(e["UID"]): str(e["SUMMARY"]) for e in cal.walk("VEVENT")}
    assert found[uid(carl)] == "Session — C.O. · Carl Chen"
    assert found[uid(sam)] == "Session — C.O. · Sam Suarez"
    assert found[uid(ana)] == "Session — C.O. · Ana Alvarez"
    assert found[f"item-{item.id}@localhost"] == "Supervision · Sam Suarez with Ana Alvarez"
    assert str(cal["X-WR-CALNAME"]) == "Willow Creek Counseling — all clinicians"
    for client in people.clients.values():
        assert client.legal_last_name.encode() not in body


def test_a_fetch_is_recorded_at_most_once_an_hour(session, people):
    token = feeds.enable_feed(session, people.clinician)

    def last_fetched() -> datetime | None:
        session.expire_all()
        return session.exec(select(CalendarFeed.last_fetched_at)).one()

    assert last_fetched() is None
    render_feed(session, token, NOW)
    assert last_fetched() == NOW
    render_feed(session, token, NOW + timedelta(minutes=59))
    assert last_fetched() == NOW
    render_feed(session, token, NOW + timedelta(minutes=61))
    assert last_fetched() == NOW + timedelta(minutes=61)
    assert feeds.feed_status(session, people.clinician).own.last_fetched == "Mar 2, 2026, 11:01 AM"  # type: ignore[union-attr]


def test_simultaneous_turn_ons_leave_one_feed(session, people):
    """Five requests at once (a double-click, two tabs): one feed, the rest told it is on."""
    import threading

    from practicerunner.core.db import session_scope

    session.commit()  # SQLite: leave the write lock free for the threads
    barrier = threading.Barrier(5)
    results: list[str] = []

    def turn_on() -> None:
        barrier.wait()
        with session_scope() as s:
            try:
                feeds.enable_feed(s, people.clinician)
                results.append("on")
            except Conflict:
                results.append("conflict")

    threads = [threading.Thread(target=turn_on) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["conflict"] * 4 + ["on"]
    session.expire_all()
    assert len(session.exec(select(CalendarFeed)).all()) == 1
