"""Booking sessions: checks, conflicts with explanations and free times, overrides, series."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, col, select

from practicerunner.core import clock
from practicerunner.core.audit import AuditEvent
from practicerunner.core.errors import NotFound, PermissionDenied, ValidationFailed
from practicerunner.scheduling import service as sched
from practicerunner.scheduling.models import (
    Appointment,
    AppointmentAttendee,
    AppointmentSeries,
    AppointmentStatus,
)
from practicerunner.scheduling.series import extend_horizons
from tests.integration.scheduling_support import MONDAY, booking, couple_case

LA = ZoneInfo("America/Los_Angeles")


@pytest.fixture
def at_monday():
    with clock.frozen_at(MONDAY) as advance:
        yield advance


def test_book_one_session_with_one_partner(session: Session, people, at_monday) -> None:
    case, jordan, _alex = couple_case(session, people)
    data = booking(people, case, "2026-03-03", "17:00", attendee_ids=[str(jordan.id)])
    appt_id = sched.book(session, people.clinician, data)
    appt = session.get(Appointment, appt_id)
    assert appt is not None
    assert appt.start_at.astimezone(LA).strftime("%Y-%m-%d %H:%M") == "2026-03-03 17:00"
    assert (appt.end_at - appt.start_at) == timedelta(minutes=53)  # the service's length
    attendees = session.exec(
        select(AppointmentAttendee.client_id).where(AppointmentAttendee.appointment_id == appt_id)
    ).all()
    assert attendees == [jordan.id]
    view = sched.get_appointment(session, people.clinician, appt_id)
    assert view.time_label == "5:00 – 5:53 pm"
    assert view.date_label == "Tuesday 3 March 2026"
    assert [a.label for a in view.attendees] == ["Jordan Lee"]
    actions = session.exec(select(AuditEvent.action).order_by(col(AuditEvent.seq))).all()
    assert "appointment.create" in actions and "appointment.view" in actions


def test_bad_input_gets_a_message_per_field_and_writes_nothing(
    session: Session, people, at_monday
) -> None:
    case, jordan, _ = couple_case(session, people)
    other = people.clients["owner"]
    data = booking(
        people,
        case,
        "2026-02-30",
        "5pm",
        duration_minutes="0",
        attendee_ids=[str(jordan.id), str(other.id)],
        fee_override="-5",
    )
    with pytest.raises(ValidationFailed) as caught:
        sched.book(session, people.clinician, data)
    errors = caught.value.errors
    assert errors["date"].startswith("Enter the date")
    assert errors["start_time"].startswith("Enter the start time")
    assert errors["duration_minutes"] == "A session must last at least one minute."
    assert errors["attendee_ids"] == "Only participants of this case can attend its sessions."
    assert "fee_override" in errors
    session.rollback()
    assert session.exec(select(Appointment)).all() == []


def test_a_repeat_rule_that_produces_no_dates_is_refused(
    session: Session, people, at_monday
) -> None:
    case, _, _ = couple_case(session, people)
    data = booking(
        people,
        case,
        "2026-03-03",
        "17:00",
        repeat="weekly",
        repeat_end="until",
        repeat_until="2026-03-01",
    )
    with pytest.raises(ValidationFailed) as caught:
        sched.book(session, people.clinician, data)
    assert "repeat_until" in caught.value.errors
    session.rollback()
    assert session.exec(select(AppointmentSeries)).all() == []


def test_double_booking_is_explained_with_free_times_and_can_be_overridden(
    session: Session, people, at_monday
) -> None:
    case, _, _ = couple_case(session, people)
    sched.book(session, people.clinician, booking(people, case, "2026-03-03", "17:00"))
    other_case = people.cases["clinician"]
    clash = booking(people, other_case, "2026-03-03", "17:30")
    with pytest.raises(sched.SchedulingConflict) as caught:
        sched.book(session, people.scheduler, clash)
    info = caught.value.info
    assert info.messages == ["Carl Chen already has a session Tue 3 Mar, 5:00 – 5:53 pm."]
    assert info.can_override and not info.outside_hours_only
    assert info.suggestions, "free times are offered"
    # The first suggestion starts after the existing session ends, on a 15-minute step.
    assert info.suggestions[0] == "2026-03-03T18:00"
    assert info.suggestion_labels[0] == "Tue 3 Mar, 6:00 pm"
    session.rollback()
    assert len(session.exec(select(Appointment)).all()) == 1
    clash.override_reason = "Agreed overlap for a joint session"
    appt_id = sched.book(session, people.scheduler, clash)
    appt = session.get(Appointment, appt_id)
    assert (
        appt is not None and appt.conflict_override_reason == "Agreed overlap for a joint session"
    )
    event = session.exec(
        select(AuditEvent)
        .where(AuditEvent.action == "appointment.create")
        .order_by(col(AuditEvent.seq).desc())
    ).first()
    assert event is not None and "Agreed overlap" in event.detail


def test_an_attending_client_cannot_be_in_two_sessions(session: Session, people, at_monday) -> None:
    case, jordan, _ = couple_case(session, people)
    sched.book(session, people.clinician, booking(people, case, "2026-03-03", "17:00"))
    # Another clinician's case with Jordan as a participant (an individual case).
    from practicerunner.clients.models import Case, CaseParticipant

    now = clock.now()
    solo = Case(
        kind="individual",
        title="Jordan individual",
        primary_clinician_id=people.staff["owner"].id,
        opened_on=now.date(),
        created_at=now,
        updated_at=now,
    )
    session.add(solo)
    session.flush()
    session.add(CaseParticipant(case_id=solo.id, client_id=jordan.id, role="client"))
    session.commit()
    with pytest.raises(sched.SchedulingConflict) as caught:
        sched.book(session, people.owner, booking(people, solo, "2026-03-03", "17:15"))
    assert caught.value.info.messages == [
        "Jordan Lee already has a session Tue 3 Mar, 5:00 – 5:53 pm."
    ]


def test_scope_a_clinician_books_only_their_own_calendar(
    session: Session, people, at_monday
) -> None:
    other = people.cases["owner"]
    with pytest.raises(ValidationFailed) as caught:
        sched.book(session, people.clinician, booking(people, other, "2026-03-03", "10:00"))
    assert caught.value.errors["case_id"] == "That case was not found."
    with pytest.raises(PermissionDenied):
        sched.book(session, people.biller, booking(people, other, "2026-03-03", "10:00"))


def test_weekly_series_materialises_six_months_and_the_worker_tops_it_up(
    session: Session, people, at_monday
) -> None:
    case, _, _ = couple_case(session, people)
    first = sched.book(
        session, people.clinician, booking(people, case, "2026-03-03", "17:00", repeat="weekly")
    )
    rows = session.exec(
        select(Appointment)
        .where(Appointment.case_id == case.id)
        .order_by(col(Appointment.start_at))
    ).all()
    assert rows[0].id == first
    assert 26 <= len(rows) <= 27
    # 5 pm local every week, across the March DST change.
    assert {r.start_at.astimezone(LA).strftime("%a %H:%M") for r in rows} == {"Tue 17:00"}
    assert [r.occurrence_index for r in rows] == list(range(len(rows)))
    series = session.get(AppointmentSeries, rows[0].series_id)
    assert series is not None and series.is_open
    # Nothing to do yet; a week later one more session appears, and a re-run adds nothing.
    assert extend_horizons(session, clock.now()) == 0
    assert extend_horizons(session, clock.now() + timedelta(days=8)) >= 1
    again = extend_horizons(session, clock.now() + timedelta(days=8))
    assert again == 0
    total = session.exec(select(Appointment).where(Appointment.case_id == case.id)).all()
    assert len(total) == len({(a.series_id, a.occurrence_index) for a in total})


def test_series_ending_after_n_sessions(session: Session, people, at_monday) -> None:
    case, _, _ = couple_case(session, people)
    sched.book(
        session,
        people.clinician,
        booking(
            people,
            case,
            "2026-03-04",
            "09:00",
            repeat="biweekly",
            repeat_end="count",
            repeat_count="5",
        ),
    )
    rows = session.exec(select(Appointment).order_by(col(Appointment.start_at))).all()
    assert len(rows) == 5
    local = [r.start_at.astimezone(LA) for r in rows]
    assert (local[-1].date() - local[0].date()).days == 56  # every 2 weeks, 5 sessions
    assert {t.strftime("%H:%M") for t in local} == {"09:00"}  # across the DST change
    series = session.get(AppointmentSeries, rows[0].series_id)
    assert series is not None and not series.is_open
    assert extend_horizons(session, clock.now() + timedelta(days=400)) == 0


def test_a_series_that_clashes_names_the_dates(session: Session, people, at_monday) -> None:
    case, _, _ = couple_case(session, people)
    sched.book(
        session, people.clinician, booking(people, people.cases["clinician"], "2026-03-17", "17:00")
    )
    with pytest.raises(sched.SchedulingConflict) as caught:
        sched.book(
            session, people.clinician, booking(people, case, "2026-03-03", "17:00", repeat="weekly")
        )
    info = caught.value.info
    assert info.messages[0].startswith("1 of the ")
    assert "Tue 17 Mar" in info.messages[1]


def test_cases_you_cannot_see_give_not_found(session: Session, people, at_monday) -> None:
    case, _, _ = couple_case(session, people)
    appt_id = sched.book(session, people.clinician, booking(people, case, "2026-03-03", "17:00"))
    with pytest.raises(NotFound):
        sched.get_appointment(session, people.associate, appt_id)
    view = sched.get_appointment(session, people.biller, appt_id)
    assert view.status == AppointmentStatus.SCHEDULED


def test_the_booking_form_starts_from_the_case(session: Session, people, at_monday) -> None:
    from practicerunner.practice.models import Service

    case, jordan, alex = couple_case(session, people)
    session.add(
        Service(
            name="Couples therapy",
            kind="therapy",
            duration_minutes=80,
            fee_cents=20000,
            cpt_code="90847",
            created_at=clock.now(),
        )
    )
    session.commit()
    form = sched.new_appointment_form(
        session, people.scheduler, case_id=case.id, start_local="2026-03-03T17:00"
    )
    chosen = next(c for c in form.services if c.value == form.values.service_id)
    assert chosen.label == "Couples therapy (80 min)"
    assert form.values.duration_minutes == "80"
    assert sorted(form.values.attendee_ids) == sorted([str(jordan.id), str(alex.id)])
    assert form.values.clinician_id == str(case.primary_clinician_id)
    assert (form.values.date, form.values.start_time) == ("2026-03-03", "17:00")
    # The service names that already give their length are not repeated.
    assert "Individual therapy, 53 min" in [c.label for c in form.services]
