"""The audit chain's hashing, on unsaved entries: every field counts, each entry names its past."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest

from practicerunner.audit.service import day_bounds, format_moment, parse_date_range
from practicerunner.core.audit import GENESIS_HASH, AuditEvent
from practicerunner.core.errors import ValidationFailed

T0 = datetime(2026, 3, 8, 9, 59, 59, 123456, tzinfo=UTC)


def _entry(seq: int, prev_hash: str, **overrides: object) -> AuditEvent:
    fields: dict[str, object] = {
        "seq": seq,
        "at": T0 + timedelta(seconds=seq),
        "actor_id": 7,
        "actor_name": "Carl Chen",
        "action": "client.view",
        "record_type": "client",
        "record_id": 12,
        "client_id": 12,
        "ip": "10.0.0.5",
        "detail": "{}",
        "prev_hash": prev_hash,
        "hash": "",
    }
    fields.update(overrides)
    event = AuditEvent(**fields)  # type: ignore[arg-type]
    event.hash = event.compute_hash()
    return event


def _chain(n: int) -> list[AuditEvent]:
    events: list[AuditEvent] = []
    prev = GENESIS_HASH
    for seq in range(1, n + 1):
        events.append(_entry(seq, prev))
        prev = events[-1].hash
    return events


def test_the_hash_is_a_sha256_that_does_not_change_when_recomputed():
    event = _entry(1, GENESIS_HASH)
    assert len(event.hash) == 64 and int(event.hash, 16) >= 0
    assert event.compute_hash() == event.hash


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("seq", 2),
        ("at", T0 + timedelta(microseconds=1)),
        ("actor_id", 8),
        ("actor_name", "Carl Chen "),
        ("action", "client.update"),
        ("record_type", "case"),
        ("record_id", 13),
        ("client_id", None),
        ("ip", "10.0.0.6"),
        ("detail", '{"fields":["email"]}'),
        ("prev_hash", "1" * 64),
    ],
)
def test_changing_any_field_changes_the_hash(field, value):
    base: dict[str, object] = {"seq": 1, "prev_hash": GENESIS_HASH, "at": T0}
    original = _entry(**base)  # type: ignore[arg-type]
    edited = _entry(**{**base, field: value})  # type: ignore[arg-type]
    assert edited.hash != original.hash


def test_each_entry_names_the_hash_of_the_one_before():
    events = _chain(5)
    assert events[0].prev_hash == GENESIS_HASH
    for before, after in pairwise(events):
        assert after.prev_hash == before.hash


def test_rehashing_an_edited_entry_breaks_the_link_to_the_next():
    events = _chain(3)
    events[1].actor_name = "Someone Else"
    events[1].hash = events[1].compute_hash()  # an attacker covering their tracks
    assert events[2].prev_hash != events[1].hash


def test_names_outside_ascii_hash_the_same_way_every_time():
    a = _entry(1, GENESIS_HASH, actor_name="Lucía Fernández")
    b = _entry(1, GENESIS_HASH, actor_name="Lucía Fernández")
    assert a.hash == b.hash


def test_a_date_range_becomes_whole_days_in_the_practice_timezone():
    from zoneinfo import ZoneInfo

    start, end = parse_date_range("2026-03-08", "2026-03-08")  # the day clocks spring forward
    lower, upper = day_bounds(start, end, ZoneInfo("America/Los_Angeles"))
    assert lower == datetime(2026, 3, 8, 8, 0, tzinfo=UTC)
    assert upper == datetime(2026, 3, 9, 7, 0, tzinfo=UTC)  # a 23-hour day
    assert format_moment(T0, ZoneInfo("America/Los_Angeles")) == "Mar 8, 2026, 1:59:59 AM PST"


def test_a_range_that_ends_before_it_starts_is_refused():
    with pytest.raises(ValidationFailed) as refused:
        parse_date_range("2026-02-01", "2026-01-31")
    assert refused.value.errors == {"date_to": "The end date is before the start date."}
