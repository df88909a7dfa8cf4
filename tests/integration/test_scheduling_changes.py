"""Changing booked sessions: drag one, move or cancel this-and-following or all, statuses."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, col, select

from practicerunner.core import clock
from practicerunner.core.errors import DomainError, ValidationFailed
from practicerunner.scheduling import service as sched
from practicerunner.scheduling.models import Appointment, AppointmentSeries
from practicerunner.scheduling.series import extend_horizons
from tests.integration.scheduling_support import MONDAY, booking, couple_case

LA = ZoneInfo("America/Los_Angeles")


def _local(a: Appointment) -> str:
    return a.start_at.astimezone(LA).strftime("%Y-%m-%d %a %H:%M")


def _series_rows(session: Session, case_id: int) -> list[Appointment]:
    session.expire_all()
    return list(
        session.exec(
            select(Appointment)
            .where(Appointment.case_id == case_id)
            .order_by(col(Appointment.start_at), col(Appointment.id))
        ).all()
    )


@pytest.fixture
def weekly(session: Session, people):  # type: ignore[no-untyped-def]
    with clock.frozen_at(MONDAY) as advance:
        case, _jordan, _alex = couple_case(session, people)
        sched.book(
            session,
            people.clinician,
            booking(
                people,
                case,
                "2026-03-03",
                "17:00",
                repeat="weekly",
                repeat_end="count",
                repeat_count="10",
            ),
        )
        yield case, advance


def test_dragging_one_session_keeps_it_in_the_series(session: Session, people, weekly) -> None:
    case, _ = weekly
    rows = _series_rows(session, case.id)
    third = rows[2]
    sched.reschedule(
        session,
        people.clinician,
        third.id,
        start_local="2026-03-19T10:00",
        end_local="2026-03-19T11:00",
    )
    rows = _series_rows(session, case.id)
    moved = next(r for r in rows if r.id == third.id)
    assert _local(moved) == "2026-03-19 Thu 10:00"
    assert moved.end_at - moved.start_at == timedelta(hours=1)
    assert moved.series_id == rows[0].series_id and moved.occurrence_index == 2
    assert moved.sequence == 1
    assert sum(1 for r in rows if _local(r).endswith("Tue 17:00")) == 9


def test_moving_this_and_following_splits_the_series(session: Session, people, weekly) -> None:
    case, _ = weekly
    rows = _series_rows(session, case.id)
    fifth = rows[4]
    sched.reschedule(
        session, people.clinician, fifth.id, start_local="2026-04-02T16:00", scope="following"
    )
    rows = _series_rows(session, case.id)
    assert len(rows) == 10
    assert [_local(r)[11:] for r in rows] == ["Tue 17:00"] * 4 + ["Thu 16:00"] * 6
    # The same rows (same calendar UIDs) were moved, their SEQUENCE raised.
    assert fifth.id in {r.id for r in rows[4:]}
    assert all(r.sequence == 1 for r in rows[4:])
    old, new = rows[0].series_id, rows[4].series_id
    assert old != new
    old_series, new_series = (
        session.get(AppointmentSeries, old),
        session.get(AppointmentSeries, new),
    )
    assert old_series.count == 4 and not old_series.is_open
    assert new_series.count == 6
    assert [r.occurrence_index for r in rows[4:]] == list(range(6))


def test_cancel_this_and_following_ends_the_series(session: Session, people, weekly) -> None:
    case, _ = weekly
    rows = _series_rows(session, case.id)
    sched.set_status(
        session,
        people.clinician,
        rows[6].id,
        "cancelled_client",
        reason="Moving away",
        scope="following",
    )
    rows = _series_rows(session, case.id)
    assert [r.status for r in rows] == ["scheduled"] * 6 + ["cancelled_client"] * 4
    series = session.get(AppointmentSeries, rows[0].series_id)
    assert not series.is_open
    assert extend_horizons(session, clock.now() + timedelta(days=300)) == 0


def test_statuses_with_time_actor_and_the_late_cancel_window(
    session: Session, people, weekly
) -> None:
    case, advance = weekly
    rows = _series_rows(session, case.id)
    with pytest.raises(ValidationFailed) as caught:
        sched.set_status(session, people.clinician, rows[0].id, "attended")
    assert "once it has started" in caught.value.errors["status"]
    advance(timedelta(days=1, hours=9))  # Tuesday 6 pm: the first session has happened
    assert sched.set_status(session, people.clinician, rows[0].id, "attended") == "attended"
    # Next week's session, cancelled by the client 20 hours ahead: a late cancel.
    advance(timedelta(days=6, hours=2))
    recorded = sched.set_status(session, people.scheduler, rows[1].id, "cancelled_client")
    assert recorded == "late_cancelled"
    view = sched.get_appointment(session, people.clinician, rows[1].id)
    assert view.status_label == "Late cancel"
    assert "by Fran Field" in view.status_detail
    with pytest.raises(ValidationFailed) as caught:
        sched.set_status(session, people.clinician, rows[5].id, "cancelled_practice")
    assert "reason" in caught.value.errors
    with pytest.raises(ValidationFailed):
        sched.set_status(session, people.clinician, rows[5].id, "late_cancelled")


def test_a_moved_session_cannot_land_on_another(session: Session, people, weekly) -> None:
    case, _ = weekly
    rows = _series_rows(session, case.id)
    with pytest.raises(sched.SchedulingConflict) as caught:
        sched.reschedule(session, people.clinician, rows[1].id, start_local="2026-03-03T17:30")
    assert caught.value.info.messages[0].startswith("Carl Chen already has a session Tue 3 Mar")
    with pytest.raises(ValidationFailed) as caught:
        sched.reschedule(
            session,
            people.clinician,
            rows[1].id,
            start_local="2026-03-10T17:00",
            end_local="2026-03-10T16:00",
        )
    assert caught.value.errors["end_time"] == "The session must end after it starts."
    assert _local(_series_rows(session, case.id)[1]) == "2026-03-10 Tue 17:00"


def test_attendees_are_a_subset_of_participants(session: Session, people, weekly) -> None:
    case, _ = weekly
    rows = _series_rows(session, case.id)
    view = sched.get_appointment(session, people.clinician, rows[0].id)
    jordan = (
        view.participants[1]
        if view.participants[1].label.startswith("Jordan")
        else view.participants[0]
    )
    sched.set_attendees(session, people.clinician, rows[0].id, [int(jordan.value)])
    assert [
        a.label for a in sched.get_appointment(session, people.clinician, rows[0].id).attendees
    ] == ["Jordan Lee"]
    with pytest.raises(ValidationFailed):
        sched.set_attendees(session, people.clinician, rows[0].id, [people.clients["owner"].id])
    with pytest.raises(ValidationFailed):
        sched.set_attendees(session, people.clinician, rows[0].id, [])


def test_only_scheduled_sessions_move(session: Session, people, weekly) -> None:
    case, _ = weekly
    rows = _series_rows(session, case.id)
    sched.set_status(session, people.clinician, rows[3].id, "cancelled_client")
    with pytest.raises(DomainError):
        sched.reschedule(session, people.clinician, rows[3].id, start_local="2026-03-25T09:00")


def test_calendar_events_and_today_list(session: Session, people, weekly) -> None:
    from datetime import date, datetime

    start = datetime(2026, 3, 2, tzinfo=LA)
    events = sched.calendar_events(
        session, people.clinician, start, start + timedelta(days=7), [people.staff["clinician"].id]
    )
    assert [(e.title, e.start) for e in events] == [("Alex & Jordan Lee", "2026-03-03T17:00-08:00")]
    assert events[0].editable
    # The front desk sees names; a colleague's calendar outside a clinician's scope is empty.
    assert (
        sched.calendar_events(
            session,
            people.associate,
            start,
            start + timedelta(days=7),
            [people.staff["clinician"].id],
        )
        == []
    )
    rows = sched.today_list(
        session, people.scheduler, people.staff["clinician"].id, date(2026, 3, 3)
    )
    assert [(r.time_label, r.title, r.status_label) for r in rows] == [
        ("5:00 – 5:53 pm", "Alex & Jordan Lee", "Scheduled")
    ]


def test_calendar_items_block_the_clinician(session: Session, people, weekly) -> None:
    sched.add_calendar_item(
        session,
        people.supervisor,
        staff_id=people.staff["supervisor"].id,
        kind="supervision",
        title="Weekly supervision",
        start_local="2026-03-04T12:00",
        end_local="2026-03-04T13:00",
        with_staff_id=people.staff["associate"].id,
    )
    with pytest.raises(sched.SchedulingConflict) as caught:
        sched.book(
            session,
            people.associate,
            booking(people, people.cases["associate"], "2026-03-04", "12:30"),
        )
    assert caught.value.info.messages == [
        "Ana Alvarez already has supervision Wed 4 Mar, 12:00 – 1:00 pm."
    ]
    with pytest.raises(ValidationFailed) as caught:
        sched.add_calendar_item(
            session,
            people.clinician,
            staff_id=people.staff["clinician"].id,
            kind="admin",
            title="",
            start_local="2026-03-05T12:00",
            end_local="2026-03-05T11:00",
        )
    assert caught.value.errors["end_time"] == "The block must end after it starts."


def test_moving_following_sessions_a_week_later(session: Session, people, weekly) -> None:
    """Each moved session lands on the next one's old time without tripping the database."""
    case, _ = weekly
    rows = _series_rows(session, case.id)
    third = rows[2]  # Tue 17 Mar
    sched.reschedule(
        session, people.clinician, third.id, start_local="2026-03-24T17:00", scope="following"
    )
    rows = _series_rows(session, case.id)
    assert len(rows) == 10
    assert [_local(r)[:10] for r in rows[:4]] == [
        "2026-03-03",
        "2026-03-10",
        "2026-03-24",
        "2026-03-31",
    ]
    assert all(_local(r).endswith("Tue 17:00") for r in rows)


def test_availability_shading_only_for_calendars_in_reach(session: Session, people, weekly) -> None:
    from datetime import datetime

    start = datetime(2026, 3, 2, tzinfo=LA)
    carl, olivia = people.staff["clinician"].id, people.staff["owner"].id
    seen = sched.calendar_availability(
        session, people.clinician, start, start + timedelta(days=7), [carl, olivia]
    )
    assert seen and {b.clinician_id for b in seen} == {carl}
    assert (
        sched.calendar_availability(
            session, people.associate, start, start + timedelta(days=7), [carl]
        )
        == []
    )
