"""Weekly hours, buffer and time off: who may change them, what is refused, what is written."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time

import pytest
from sqlmodel import select

from practicerunner.core import clock
from practicerunner.core.audit import AuditEvent
from practicerunner.core.errors import NotFound, PermissionDenied, ValidationFailed
from practicerunner.practice.models import Location
from practicerunner.scheduling import availability as av
from practicerunner.scheduling.models import (
    AvailabilityException,
    ClinicianSettings,
    Holiday,
    WorkingHours,
)

# Sunday 1 March 2026, noon in Los Angeles (the personas' practice timezone).
NOW = datetime(2026, 3, 1, 20, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with clock.frozen_at(NOW):
        yield


@pytest.fixture
def places(session, people):
    """Main office (from the personas), a telehealth location and a retired office."""
    tele = Location(name="Telehealth", kind="telehealth", place_of_service="10", created_at=NOW)
    old = Location(
        name="Old office", kind="office", place_of_service="11", is_active=False, created_at=NOW
    )
    session.add_all([tele, old])
    session.commit()
    return {"office": people.location.id, "tele": tele.id, "old": old.id}


def row(weekday: int, start: str, end: str, location_id: int) -> av.HoursInput:
    return av.HoursInput(str(weekday), start, end, str(location_id))


def hours_of(session, staff_id: int) -> list[tuple[int, time, time, int]]:
    session.rollback()
    return [
        (r.weekday, r.start_time, r.end_time, r.location_id)
        for r in session.exec(
            select(WorkingHours)
            .where(WorkingHours.staff_id == staff_id)
            .order_by(WorkingHours.weekday, WorkingHours.start_time)
        )
    ]


def actions(session) -> list[str]:
    session.rollback()
    return list(session.exec(select(AuditEvent.action).order_by(AuditEvent.seq)).all())


# --- weekly hours -------------------------------------------------------------------------


def test_a_clinician_saves_their_weekly_hours(session, people, places):
    carl = people.clinician
    form = av.save_weekly_hours(
        session,
        carl,
        carl.staff_id,
        [
            row(1, "09:00", "17:00", places["office"]),
            row(0, "13:00", "18:00", places["tele"]),
            row(0, "9:00 am", "12:00", places["office"]),
        ],
    )
    assert [(h.weekday, h.start, h.end, h.location_name) for h in form.hours] == [
        (0, "09:00", "12:00", "Main office"),
        (0, "13:00", "18:00", "Telehealth"),
        (1, "09:00", "17:00", "Main office"),
    ]
    assert form.weekly_total_label == "16 hours a week"
    assert form.can_edit and form.staff_name == "Carl Chen"
    assert form.timezone == "America/Los_Angeles"
    event = session.exec(
        select(AuditEvent).where(AuditEvent.action == "availability.hours_save")
    ).one()
    assert event.record_id == carl.staff_id and json.loads(event.detail)["blocks"] == 3


def test_saving_replaces_the_week_and_an_unchanged_save_writes_nothing(session, people, places):
    carl = people.clinician
    av.save_weekly_hours(session, carl, carl.staff_id, [row(0, "09:00", "17:00", places["office"])])
    av.save_weekly_hours(session, carl, carl.staff_id, [row(2, "10:00", "14:00", places["tele"])])
    assert hours_of(session, carl.staff_id) == [(2, time(10), time(14), places["tele"])]
    av.save_weekly_hours(session, carl, carl.staff_id, [row(2, "10:00", "14:00", places["tele"])])
    assert actions(session).count("availability.hours_save") == 2
    av.save_weekly_hours(session, carl, carl.staff_id, [])
    assert hours_of(session, carl.staff_id) == []


def test_blocks_may_touch_but_not_overlap(session, people, places):
    carl = people.clinician
    av.save_weekly_hours(
        session,
        carl,
        carl.staff_id,
        [row(0, "09:00", "12:00", places["office"]), row(0, "12:00", "17:00", places["tele"])],
    )
    assert len(hours_of(session, carl.staff_id)) == 2
    with pytest.raises(ValidationFailed) as exc:
        av.save_weekly_hours(
            session,
            carl,
            carl.staff_id,
            [
                row(0, "09:00", "17:00", places["office"]),
                row(0, "12:00", "13:00", places["tele"]),
                row(0, "16:00", "18:00", places["tele"]),  # overlaps the first, not the second
                row(1, "12:00", "13:00", places["tele"]),  # another day: fine
            ],
        )
    assert exc.value.errors == {
        "hours_1_start": "Overlaps Monday 9:00 am – 5:00 pm.",
        "hours_2_start": "Overlaps Monday 9:00 am – 5:00 pm.",
    }
    # Nothing was written: the earlier week stands.
    assert len(hours_of(session, carl.staff_id)) == 2


def test_every_bad_row_gets_its_own_message_and_nothing_is_written(session, people, places):
    carl = people.clinician
    av.save_weekly_hours(session, carl, carl.staff_id, [row(4, "09:00", "13:00", places["office"])])
    with pytest.raises(ValidationFailed) as exc:
        av.save_weekly_hours(
            session,
            carl,
            carl.staff_id,
            [
                row(0, "17:00", "09:00", places["office"]),
                row(1, "nine", "17:00", places["office"]),
                av.HoursInput("7", "09:00", "10:00", str(places["office"])),
                row(3, "09:00", "10:00", places["old"]),
                row(4, "09:00", "10:00", 99999),
                row(5, "09:00", "", places["office"]),
            ],
        )
    assert exc.value.errors == {
        "hours_0_end": "End must be after the start (5:00 pm).",
        "hours_1_start": "Enter the start time like 09:00 or 5:30 pm.",
        "hours_2_weekday": "Choose a day of the week.",
        "hours_3_location_id": "That location is retired; choose another.",
        "hours_4_location_id": "Choose a location.",
        "hours_5_end": "Enter the end time.",
    }
    assert hours_of(session, carl.staff_id) == [(4, time(9), time(13), places["office"])]
    assert "availability.hours_save" in actions(session)  # the first save only
    assert actions(session).count("availability.hours_save") == 1


def test_too_many_blocks_are_refused(session, people, places):
    rows = [
        row(d, f"{h:02d}:00", f"{h:02d}:30", places["office"]) for d in range(7) for h in range(7)
    ]
    with pytest.raises(ValidationFailed) as exc:
        av.save_weekly_hours(session, people.clinician, people.clinician.staff_id, rows)
    assert "42 blocks" in exc.value.errors["hours"]


# --- who may see and change whose hours ---------------------------------------------------


def test_a_clinician_cannot_see_or_change_a_colleagues_hours(session, people, places):
    carl, sam = people.clinician, people.supervisor
    with pytest.raises(NotFound):
        av.save_weekly_hours(
            session, carl, sam.staff_id, [row(0, "09:00", "17:00", places["office"])]
        )
    with pytest.raises(NotFound):
        av.get_availability_form(session, carl, sam.staff_id)
    with pytest.raises(NotFound):
        av.set_buffer(session, carl, sam.staff_id, "10")
    with pytest.raises(NotFound):
        av.add_exception(
            session, carl, sam.staff_id, av.ExceptionInput(kind="time_off", on_date="2026-03-10")
        )
    assert hours_of(session, sam.staff_id) == []
    assert [c.label for c in av.clinician_choices(session, carl)] == ["Carl Chen"]


def test_the_owner_and_the_front_desk_change_anyones_hours(session, people, places):
    for actor in (people.owner, people.scheduler):
        form = av.save_weekly_hours(
            session, actor, people.associate.staff_id, [row(0, "09:00", "17:00", places["tele"])]
        )
        assert form.can_edit
    names = [c.label for c in av.clinician_choices(session, people.scheduler)]
    assert names == ["Ana Alvarez", "Ben Brooks", "Carl Chen", "Olivia Owens", "Sam Suarez"]
    assert av.default_clinician_id(session, people.scheduler) == people.associate.staff_id
    assert av.default_clinician_id(session, people.owner) == people.owner.staff_id


def test_a_supervisor_sees_their_associates_hours_but_does_not_change_them(session, people, places):
    sam, ana = people.supervisor, people.associate
    av.save_weekly_hours(session, ana, ana.staff_id, [row(0, "09:00", "17:00", places["office"])])
    form = av.get_availability_form(session, sam, ana.staff_id)
    assert not form.can_edit and len(form.hours) == 1
    with pytest.raises(NotFound):
        av.save_weekly_hours(session, sam, ana.staff_id, [])
    assert [c.label for c in av.clinician_choices(session, sam)] == [
        "Ana Alvarez",
        "Ben Brooks",
        "Sam Suarez",
    ]


def test_the_biller_may_look_but_not_change(session, people, places):
    assert not av.get_availability_form(session, people.biller, people.clinician.staff_id).can_edit
    with pytest.raises(PermissionDenied):
        av.save_weekly_hours(session, people.biller, people.clinician.staff_id, [])


def test_only_active_clinicians_have_availability(session, people, places):
    with pytest.raises(NotFound):  # the scheduler has no clinical role
        av.get_availability_form(session, people.owner, people.scheduler.staff_id)
    people.staff["associate2"].is_active = False
    session.add(people.staff["associate2"])
    session.commit()
    with pytest.raises(NotFound):
        av.save_weekly_hours(session, people.owner, people.associate2.staff_id, [])


# --- buffer -------------------------------------------------------------------------------


def test_the_buffer_is_zero_to_sixty_minutes(session, people):
    carl = people.clinician
    assert av.buffer_minutes(session, carl.staff_id) == 0
    assert av.set_buffer(session, carl, carl.staff_id, " 10 ") == 10
    assert av.buffer_minutes(session, carl.staff_id) == 10
    assert av.set_buffer(session, carl, carl.staff_id, "10") == 10  # unchanged: no new event
    for bad, message in (("61", "between 0 and 60"), ("-5", "between 0 and 60"), ("ten", "whole")):
        with pytest.raises(ValidationFailed) as exc:
            av.set_buffer(session, carl, carl.staff_id, bad)
        assert message in exc.value.errors["buffer_minutes"]
    session.rollback()
    assert session.get(ClinicianSettings, carl.staff_id).buffer_minutes == 10
    assert actions(session).count("availability.buffer_set") == 1
    assert av.buffers(session, [carl.staff_id, people.owner.staff_id]) == {
        carl.staff_id: 10,
        people.owner.staff_id: 0,
    }


# --- time off and extra hours -------------------------------------------------------------


def test_time_off_for_a_whole_day_or_some_hours_and_extra_hours(session, people, places):
    carl = people.clinician
    day_off = av.add_exception(
        session,
        carl,
        carl.staff_id,
        av.ExceptionInput(kind="time_off", on_date="2026-03-10", note="Conference"),
    )
    assert (day_off.date_label, day_off.kind_label, day_off.hours_label) == (
        "Tuesday 10 March",
        "Time off",
        "All day",
    )
    some = av.add_exception(
        session,
        carl,
        carl.staff_id,
        av.ExceptionInput(kind="time_off", on_date="2026-03-04", start="13:00", end="15:00"),
    )
    assert some.hours_label == "1:00 – 3:00 pm"
    extra = av.add_exception(
        session,
        carl,
        carl.staff_id,
        av.ExceptionInput(
            kind="extra",
            on_date="2026-03-07",
            start="10:00",
            end="14:00",
            location_id=str(places["tele"]),
        ),
    )
    assert (extra.kind_label, extra.location_name) == ("Extra hours", "Telehealth")
    form = av.get_availability_form(session, carl, carl.staff_id)
    assert [e.on_date for e in form.exceptions] == ["2026-03-04", "2026-03-07", "2026-03-10"]
    assert actions(session).count("availability.exception_add") == 3
    av.remove_exception(session, carl, some.id)
    assert session.get(AvailabilityException, some.id) is None
    assert actions(session)[-1] == "availability.exception_remove"


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        (
            {"kind": "", "on_date": "2026-03-10"},
            {"kind": "Choose time off or extra hours."},
        ),
        (
            {"kind": "time_off", "on_date": "2026-02-28"},
            {"on_date": "That date has passed; choose today or a later date."},
        ),
        (
            {"kind": "time_off", "on_date": "10/03/2026"},
            {"on_date": "Enter the date like 2026-03-03."},
        ),
        (
            {"kind": "time_off", "on_date": "2028-06-01"},
            {"on_date": "Choose a date within the next two years."},
        ),
        (
            {"kind": "time_off", "on_date": "2026-03-10", "start": "13:00"},
            {"end": "Enter both times, or leave both empty for the whole day."},
        ),
        (
            {"kind": "time_off", "on_date": "2026-03-10", "start": "15:00", "end": "13:00"},
            {"end": "End must be after the start (3:00 pm)."},
        ),
        (
            {"kind": "extra", "on_date": "2026-03-10", "start": "18:00", "end": "20:00"},
            {"location_id": "Choose where the extra hours are."},
        ),
        (
            {"kind": "extra", "on_date": "2026-03-10", "location_id": "OFFICE"},
            {"start": "Enter the start time.", "end": "Enter the end time."},
        ),
    ],
)
def test_bad_time_off_is_refused_with_a_message_beside_the_field(
    session, people, places, data, errors
):
    data = {k: (str(places["office"]) if v == "OFFICE" else v) for k, v in data.items()}
    with pytest.raises(ValidationFailed) as exc:
        av.add_exception(
            session, people.clinician, people.clinician.staff_id, av.ExceptionInput(**data)
        )
    assert exc.value.errors == errors
    session.rollback()
    assert session.exec(select(AvailabilityException)).all() == []


def test_extra_hours_on_a_holiday_and_a_second_whole_day_off_are_refused(session, people, places):
    carl = people.clinician
    session.add(Holiday(on_date=date(2026, 5, 25), name="Memorial Day"))
    session.commit()
    with pytest.raises(ValidationFailed) as exc:
        av.add_exception(
            session,
            carl,
            carl.staff_id,
            av.ExceptionInput(
                kind="extra",
                on_date="2026-05-25",
                start="09:00",
                end="12:00",
                location_id=str(places["office"]),
            ),
        )
    assert exc.value.errors == {"on_date": "That day is a practice holiday (Memorial Day)."}
    av.add_exception(
        session, carl, carl.staff_id, av.ExceptionInput(kind="time_off", on_date="2026-03-10")
    )
    with pytest.raises(ValidationFailed) as exc:
        av.add_exception(
            session, carl, carl.staff_id, av.ExceptionInput(kind="time_off", on_date="2026-03-10")
        )
    assert exc.value.errors == {"on_date": "Carl Chen is already off all that day."}


def test_a_colleagues_time_off_cannot_be_removed(session, people):
    sam = people.supervisor
    off = av.add_exception(
        session, sam, sam.staff_id, av.ExceptionInput(kind="time_off", on_date="2026-03-10")
    )
    with pytest.raises(NotFound):
        av.remove_exception(session, people.clinician, off.id)
    with pytest.raises(NotFound):
        av.remove_exception(session, people.clinician, 424242)
    av.remove_exception(session, people.scheduler, off.id)
    session.rollback()
    assert session.get(AvailabilityException, off.id) is None


def test_past_time_off_drops_off_the_list(session, people):
    carl = people.clinician
    av.add_exception(
        session, carl, carl.staff_id, av.ExceptionInput(kind="time_off", on_date="2026-03-02")
    )
    assert len(av.get_availability_form(session, carl, carl.staff_id).exceptions) == 1
    with clock.frozen_at(datetime(2026, 3, 3, 20, tzinfo=UTC)):
        assert av.get_availability_form(session, carl, carl.staff_id).exceptions == []
