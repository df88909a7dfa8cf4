"""The feed's iCalendar writer: whatever text goes in, icalendar reads the same text back."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import example, given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from practicerunner.calendars.feed import matches
from practicerunner.calendars.ics import (
    CalendarHead,
    IcsEvent,
    calendar_bytes,
    fold,
    local_stamp,
    utc_stamp,
)

HEAD = CalendarHead(
    name="Willow Creek Counseling — Carl Chen",
    description="Session times",
    tzid="America/Chicago",
    first=date(2026, 1, 1),
    last=date(2026, 12, 31),
)
T = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)

# Text a summary or location could hold: any printable character, including the ones
# iCalendar escapes (\ ; , newline) and multi-byte ones that must not be split by folding.
texts = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\r")
    | st.sampled_from(["\\", ";", ",", "\n", "—", "é", "😀", ":", '"']),
    min_size=1,
    max_size=300,
).filter(lambda s: s.strip() == s and s.strip())


def event(**changes) -> IcsEvent:  # type: ignore[no-untyped-def]
    values = {
        "uid": "appointment-1@example.test",
        "summary": "Session",
        "start": T,
        "end": T + timedelta(minutes=50),
        "stamp": T,
        "sequence": 0,
        "cancelled": False,
        "location": "Main office",
    }
    values.update(changes)
    return IcsEvent(**values)  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(summary=texts, location=texts)
def test_any_text_reads_back_the_same(summary: str, location: str) -> None:
    body = calendar_bytes(HEAD, [event(summary=summary, location=location)])
    (parsed,) = Calendar.from_ical(body).walk("VEVENT")
    assert str(parsed["SUMMARY"]) == summary
    assert str(parsed["LOCATION"]) == location


@settings(max_examples=300)
@given(line=texts.map(lambda s: "SUMMARY:" + s.replace("\n", " ")))
def test_folded_lines_are_at_most_75_octets_and_unfold_to_the_line(line: str) -> None:
    folded = fold(line)
    assert folded.endswith("\r\n")
    pieces = folded[:-2].split("\r\n")
    assert all(len(p.encode()) <= 75 for p in pieces)
    assert all(p.startswith(" ") for p in pieces[1:])
    assert pieces[0] + "".join(p[1:] for p in pieces[1:]) == line


@settings(max_examples=200)
@given(
    moment=st.datetimes(
        min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
    ),
    minutes=st.integers(min_value=1, max_value=600),
)
@example(moment=datetime(2025, 3, 9, 5, 0, tzinfo=UTC), minutes=120)  # across spring forward
def test_times_read_back_as_the_same_instants_across_daylight_saving(
    moment: datetime, minutes: int
) -> None:
    moment = moment.replace(microsecond=0, second=0)
    head = CalendarHead("x", "y", "America/New_York", date(2025, 1, 1), date(2027, 12, 31))
    body = calendar_bytes(head, [event(start=moment, end=moment + timedelta(minutes=minutes))])
    (parsed,) = Calendar.from_ical(body).walk("VEVENT")
    assert parsed["DTSTART"].dt == moment
    # In UTC: Python subtracts two times of the same zone by their wall clocks, which is an
    # hour off across a change of the clocks; the instants are what a calendar app shows.
    start, end = (parsed[key].dt.astimezone(UTC) for key in ("DTSTART", "DTEND"))
    assert end - start == timedelta(minutes=minutes)
    assert end == moment + timedelta(minutes=minutes)
    if moment.astimezone(ZoneInfo("America/New_York")).fold:
        # The second pass through the hour clocks repeat: only UTC says which one it is.
        assert "TZID" not in parsed["DTSTART"].params
    else:
        assert parsed["DTSTART"].params["TZID"] == "America/New_York"


def test_a_session_in_the_repeated_hour_keeps_its_instant() -> None:
    second_one_thirty = datetime(2026, 11, 1, 6, 30, tzinfo=UTC)  # 1:30 am EST, after 1:30 EDT
    head = CalendarHead("x", "y", "America/New_York", date(2026, 1, 1), date(2026, 12, 31))
    body = calendar_bytes(
        head, [event(start=second_one_thirty, end=second_one_thirty + timedelta(hours=1))]
    )
    (parsed,) = Calendar.from_ical(body).walk("VEVENT")
    assert parsed["DTSTART"].dt == second_one_thirty
    assert parsed["DTEND"].dt == second_one_thirty + timedelta(hours=1)


def test_stamps() -> None:
    assert utc_stamp(datetime(2026, 3, 8, 3, 4, 5, tzinfo=UTC)) == "20260308T030405Z"
    chicago = ZoneInfo("America/Chicago")
    assert local_stamp(datetime(2026, 3, 9, 0, 0, tzinfo=UTC), chicago) == "20260308T190000"
    assert local_stamp(datetime(2026, 3, 7, 0, 0, tzinfo=UTC), chicago) == "20260306T180000"


def test_a_calendar_has_its_properties_one_vtimezone_and_crlf_lines() -> None:
    body = calendar_bytes(HEAD, [event(), event(uid="item-2@example.test", cancelled=True)])
    assert body.startswith(b"BEGIN:VCALENDAR\r\n") and body.endswith(b"END:VCALENDAR\r\n")
    assert b"\n" not in body.replace(b"\r\n", b"")
    cal = Calendar.from_ical(body)
    assert str(cal["PRODID"]) == "-//PracticeRunner//Calendar feed//EN"
    assert str(cal["VERSION"]) == "2.0"
    assert [tz.tz_name for tz in cal.timezones] == ["America/Chicago"]
    statuses = [str(e["STATUS"]) for e in cal.walk("VEVENT")]
    assert statuses == ["CONFIRMED", "CANCELLED"]
    assert not cal.get_missing_tzids()


def test_if_none_match_uses_weak_comparison() -> None:
    tag = 'W/"abc"'
    assert matches('W/"abc"', tag)
    assert matches('"abc"', tag)
    assert matches('"x", W/"abc"', tag)
    assert matches("*", tag)
    assert not matches('"abd"', tag)
    assert not matches("", tag)
    assert not matches(None, tag)
