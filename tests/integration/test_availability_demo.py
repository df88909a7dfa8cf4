"""The demo practice's availability: weekday hours for every clinician, rooms, holidays."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from practicerunner.clients.people import active_clinicians
from practicerunner.core import clock
from practicerunner.demo import seed_demo
from practicerunner.practice.models import Location
from practicerunner.scheduling import availability as av
from practicerunner.scheduling.models import (
    AvailabilityException,
    Holiday,
    Room,
    WorkingHours,
)


@pytest.fixture
def seeded(session: Session) -> Session:
    with clock.frozen_at(datetime(2026, 3, 2, 17, tzinfo=UTC)):  # Monday 2 March, 9 am Portland
        assert seed_demo() is True
        yield session


def test_every_demo_clinician_works_weekdays_at_the_office_and_by_video(seeded):
    places = {loc.id: loc.name for loc in seeded.exec(select(Location))}
    for clinician in active_clinicians(seeded):
        rows = seeded.exec(select(WorkingHours).where(WorkingHours.staff_id == clinician.id)).all()
        assert {r.weekday for r in rows} == {0, 1, 2, 3, 4}, clinician.full_name
        assert {places[r.location_id] for r in rows} == {"Main office", "Telehealth"}
    olivia = next(c for c in active_clinicians(seeded) if c.full_name == "Olivia Owens")
    assert av.buffer_minutes(seeded, olivia.id) == 10


def test_the_demo_has_rooms_holidays_and_an_upcoming_day_off(seeded):
    assert len(seeded.exec(select(Room)).all()) >= 2
    years = {h.on_date.year for h in seeded.exec(select(Holiday))}
    assert years == {2026, 2027}
    off = seeded.exec(select(AvailabilityException)).all()
    assert len(off) == 1 and off[0].kind == "time_off"
    assert off[0].on_date.weekday() == 4 and off[0].on_date > datetime(2026, 3, 8).date()


def test_the_demo_seeds_availability_once(seeded):
    before = len(seeded.exec(select(WorkingHours)).all())
    av.seed_demo_availability(seeded)
    seeded.commit()
    assert len(seeded.exec(select(WorkingHours)).all()) == before


def test_a_demo_week_shows_availability_on_the_calendar(seeded):
    olivia = next(c for c in active_clinicians(seeded) if c.full_name == "Olivia Owens")
    monday = datetime(2026, 3, 2, 8, tzinfo=UTC)
    with clock.frozen_at(monday):
        blocks = av.available_blocks(seeded, [olivia.id], monday, monday + timedelta(days=7))
    assert [b.start for b in blocks][:2] == [
        "2026-03-02T09:00:00-08:00",
        "2026-03-03T09:00:00-08:00",
    ]
