"""Changing a session's covering supervisor after booking (supervision.coverage): an open
review moves to the newly resolved supervisor and both are emailed, in the same transaction;
clearing goes back to the usual supervisor; someone who cannot supervise is refused beside
the field with nothing written; only the front desk and the owner may change it; and the
appointment panel's read says who supervises the session and why."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session, col, select

from practicerunner.auth.service import actor_for
from practicerunner.core import clock
from practicerunner.core.errors import NotFound, PermissionDenied, ValidationFailed
from practicerunner.core.models import AuditEvent
from practicerunner.core.permissions import Role
from practicerunner.documentation.models import ClinicalNote
from practicerunner.documentation.notes import save_draft, sign_note, start_note
from practicerunner.messaging.models import OutboxMessage
from practicerunner.practice.models import Staff
from practicerunner.scheduling.models import Appointment
from practicerunner.scheduling.service import get_appointment
from practicerunner.supervision.coverage import set_session_supervisor
from practicerunner.supervision.routing import Level
from tests.integration.billing_support import seen
from tests.personas import Personas, add_staff

DAY = date(2026, 12, 1)
AFTER = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)  # the same afternoon in Los Angeles
DAP: dict[str, object] = {"data": "Slept better.", "assessment": "Improving.", "plan": "Weekly."}


@pytest.fixture
def travel() -> Iterator:  # type: ignore[type-arg]
    with clock.frozen_at(AFTER) as move:
        yield move


def _covering(session: Session) -> Staff:
    staff = add_staff(session, "uma@willow.test", "Uma Ueda", [Role.CLINICIAN, Role.SUPERVISOR])
    session.commit()
    return staff


def _awaiting_review(session: Session, people: Personas) -> tuple[int, int]:
    """Ana's attended session with a signed note waiting for Sam: (appointment id, note id)."""
    appointment = seen(session, people, people.cases["associate"], DAY, 10)
    session.commit()
    ana = people.associate
    note_id = start_note(session, ana, int(appointment.id), "dap")  # type: ignore[arg-type]
    sign_note(session, ana, note_id, save_draft(session, ana, note_id, DAP, 0))
    return int(appointment.id), note_id  # type: ignore[arg-type]


def _state(session: Session, appointment_id: int, note_id: int) -> tuple[int | None, int | None]:
    """(the appointment's override, the note's reviewer), read afresh."""
    session.expire_all()
    override = session.get(Appointment, appointment_id).supervisor_override_id  # type: ignore[union-attr]
    reviewer = session.get(ClinicalNote, note_id).reviewer_id  # type: ignore[union-attr]
    session.rollback()
    return override, reviewer


def _mail(session: Session) -> list[tuple[str, str]]:
    rows = session.exec(
        select(OutboxMessage.to_address, OutboxMessage.subject).order_by(col(OutboxMessage.id))
    ).all()
    session.rollback()
    return [(a, s) for a, s in rows]


def _actions(session: Session) -> list[str]:
    rows = session.exec(
        select(AuditEvent.action)
        .where(col(AuditEvent.action).in_(["appointment.supervisor_set", "note.review_moved"]))
        .order_by(col(AuditEvent.id))
    ).all()
    session.rollback()
    return list(rows)


def test_a_new_covering_supervisor_takes_the_open_review_and_both_are_told(
    session: Session, people, travel
) -> None:  # type: ignore[no-untyped-def]
    sam = people.staff["supervisor"]
    uma = _covering(session)
    appointment_id, note_id = _awaiting_review(session, people)
    assert _state(session, appointment_id, note_id) == (None, sam.id)

    now = set_session_supervisor(session, people.scheduler, appointment_id, int(uma.id))  # type: ignore[arg-type]
    assert (now.supervisor_id, now.level) == (uma.id, Level.APPOINTMENT)
    assert now.why == "Uma Ueda covers this session (set on the appointment)."
    assert _state(session, appointment_id, note_id) == (uma.id, uma.id)
    assert _mail(session) == [
        ("uma@willow.test", "A note review was moved to you"),
        ("sam@willow.test", "A note review was moved to Uma Ueda"),
    ]
    assert _actions(session) == ["appointment.supervisor_set", "note.review_moved"]
    event = session.exec(
        select(AuditEvent).where(AuditEvent.action == "appointment.supervisor_set")
    ).one()
    assert (event.record_type, event.record_id) == ("appointment", appointment_id)
    session.rollback()

    # Setting the same supervisor again writes nothing.
    set_session_supervisor(session, people.owner, appointment_id, int(uma.id))  # type: ignore[arg-type]
    assert len(_mail(session)) == 2 and len(_actions(session)) == 2

    # Clearing it: back to Sam, the associate's default, and both told again.
    back = set_session_supervisor(session, people.owner, appointment_id, None)
    assert (back.supervisor_id, back.level) == (sam.id, Level.PROVIDER)
    assert _state(session, appointment_id, note_id) == (None, sam.id)
    assert _mail(session)[2:] == [
        ("sam@willow.test", "A note review was moved to you"),
        ("uma@willow.test", "A note review was moved to Sam Suarez"),
    ]


def test_someone_who_cannot_supervise_is_refused_and_nothing_is_written(
    session: Session, people, travel
) -> None:  # type: ignore[no-untyped-def]
    sam = people.staff["supervisor"]
    appointment_id, note_id = _awaiting_review(session, people)
    former = add_staff(session, "vic@willow.test", "Vic Vance", [Role.CLINICIAN, Role.SUPERVISOR])
    former.is_active = False
    session.add(former)
    session.commit()
    refused = {
        "a clinician without the role": int(people.staff["clinician"].id),
        "the front desk": int(people.staff["scheduler"].id),
        "a deactivated supervisor": int(former.id),  # type: ignore[arg-type]
        "nobody at all": 999_999,
    }
    before = (_mail(session), _actions(session))
    for who, staff_id in refused.items():
        with pytest.raises(ValidationFailed) as caught:
            set_session_supervisor(session, people.owner, appointment_id, staff_id)
        assert caught.value.errors == {
            "supervisor_override_id": "Choose an active supervisor from the list: only they "
            "can cover."
        }, who
    assert _state(session, appointment_id, note_id) == (None, sam.id)
    assert (_mail(session), _actions(session)) == before


def test_a_supervisor_who_is_also_the_sessions_clinician_is_refused(
    session: Session, people, travel
) -> None:  # type: ignore[no-untyped-def]
    # Sam supervises, and sees a client himself: he cannot cover his own session.
    appointment = seen(session, people, people.cases["supervisor"], DAY, 9)
    session.commit()
    with pytest.raises(ValidationFailed) as caught:
        set_session_supervisor(
            session,
            people.owner,
            int(appointment.id),  # type: ignore[arg-type]
            int(people.staff["supervisor"].id),  # type: ignore[arg-type]
        )
    assert "own session" in caught.value.errors["supervisor_override_id"]
    session.expire_all()
    assert session.get(Appointment, appointment.id).supervisor_override_id is None  # type: ignore[union-attr]


def test_only_the_front_desk_and_the_owner_may_change_it(session: Session, people, travel) -> None:  # type: ignore[no-untyped-def]
    uma = _covering(session)
    appointment_id, note_id = _awaiting_review(session, people)
    # The associate reaches the session but may not pick who reviews it; the supervisor
    # reaches it read-only; the biller and another clinician cannot reach it at all.
    with pytest.raises(PermissionDenied):
        set_session_supervisor(session, people.associate, appointment_id, int(uma.id))  # type: ignore[arg-type]
    for who in (people.supervisor, people.clinician, people.biller, people.associate2):
        with pytest.raises(NotFound):
            set_session_supervisor(session, who, appointment_id, int(uma.id))  # type: ignore[arg-type]
    assert _state(session, appointment_id, note_id)[0] is None
    assert _mail(session) == [] and _actions(session) == []


def test_the_panel_read_says_who_supervises_and_why(session: Session, people, travel) -> None:  # type: ignore[no-untyped-def]
    uma = _covering(session)
    ana_session = seen(session, people, people.cases["associate"], DAY, 11)
    carl_session = seen(session, people, people.cases["clinician"], DAY, 12)
    session.commit()

    view = get_appointment(session, people.scheduler, int(ana_session.id))  # type: ignore[arg-type]
    assert view.supervisor == "Sam Suarez"
    assert view.supervisor_why == "Sam Suarez is Ana Alvarez's primary supervisor."
    assert view.supervisor_override_id is None
    assert [c.label for c in view.supervisor_choices] == ["Sam Suarez", "Uma Ueda"]

    # The associate sees the line but gets no choices (the control is not offered).
    mine = get_appointment(session, people.associate, int(ana_session.id))  # type: ignore[arg-type]
    assert mine.supervisor == "Sam Suarez" and mine.supervisor_choices == []

    set_session_supervisor(session, people.owner, int(ana_session.id), int(uma.id))  # type: ignore[arg-type]
    covered = get_appointment(session, people.owner, int(ana_session.id))  # type: ignore[arg-type]
    assert covered.supervisor == "Uma Ueda"
    assert covered.supervisor_why == "Uma Ueda covers this session (set on the appointment)."
    assert covered.supervisor_override_id == uma.id

    # A licensed clinician's session shows nothing about supervision.
    licensed = get_appointment(session, people.owner, int(carl_session.id))  # type: ignore[arg-type]
    assert (licensed.supervisor, licensed.supervisor_why, licensed.supervisor_choices) == (
        "",
        "",
        [],
    )

    # With no active supervisor left, the line says so and what to do.
    session.expire_all()
    for staff_id in (people.staff["supervisor"].id, uma.id):
        staff = session.get(Staff, staff_id)
        staff.is_active = False  # type: ignore[union-attr]
        session.add(staff)
    session.commit()
    fran = actor_for(session, people.staff["scheduler"])
    alone = get_appointment(session, fran, int(ana_session.id))  # type: ignore[arg-type]
    assert alone.supervisor == ""
    assert alone.supervisor_why.startswith("Ana Alvarez has no active supervisor")
