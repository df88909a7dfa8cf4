"""Which supervisor a session routes to: appointment override, then case, then the associate's
default (primary first), each only while that person is an active supervisor; and setting a
case's supervisor, refused for anyone who cannot supervise it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from practicerunner.core.errors import PermissionDenied, ValidationFailed
from practicerunner.core.models import AuditEvent
from practicerunner.core.permissions import Role
from practicerunner.practice.models import Staff, StaffRole
from practicerunner.scheduling.models import Appointment
from practicerunner.supervision.models import CaseSupervisor, ProviderSupervisor
from practicerunner.supervision.routing import (
    Level,
    resolve,
    resolve_for_appointment,
    set_case_supervisor,
)
from tests.personas import add_staff

NOW = datetime(2026, 12, 2, 17, 0, tzinfo=UTC)


def _supervisor(session: Session, email: str, name: str) -> Staff:
    staff = add_staff(session, email, name, [Role.CLINICIAN, Role.SUPERVISOR])
    session.commit()
    return staff


def _appointment(people, override_id: int | None = None) -> Appointment:  # type: ignore[no-untyped-def]
    return Appointment(
        case_id=int(people.cases["associate"].id),
        clinician_id=int(people.staff["associate"].id),
        service_id=int(people.service.id),
        location_id=int(people.location.id),
        start_at=NOW,
        end_at=NOW + timedelta(minutes=53),
        supervisor_override_id=override_id,
        created_at=NOW,
        updated_at=NOW,
    )


def test_the_most_specific_level_wins(session: Session, people) -> None:  # type: ignore[no-untyped-def]
    sam = people.staff["supervisor"]
    tess = _supervisor(session, "tess@willow.test", "Tess Tran")
    uma = _supervisor(session, "uma@willow.test", "Uma Ueda")
    case_id = int(people.cases["associate"].id)

    default = resolve_for_appointment(session, _appointment(people))
    assert (default.supervisor_id, default.level) == (sam.id, Level.PROVIDER)
    assert default.why == "Sam Suarez is Ana Alvarez's primary supervisor."

    set_case_supervisor(session, people.owner, case_id, int(tess.id))  # type: ignore[arg-type]
    by_case = resolve_for_appointment(session, _appointment(people))
    assert (by_case.supervisor_id, by_case.level) == (tess.id, Level.CASE)
    assert by_case.why == "Tess Tran supervises this case."

    covered = resolve_for_appointment(session, _appointment(people, int(uma.id)))  # type: ignore[arg-type]
    assert (covered.supervisor_id, covered.level) == (uma.id, Level.APPOINTMENT)
    assert covered.why == "Uma Ueda covers this session (set on the appointment)."

    # Another associate's case keeps its own default.
    other = resolve(
        session,
        clinician_id=int(people.staff["associate2"].id),
        case_id=int(people.cases["associate2"].id),
    )
    assert other.supervisor_id == sam.id and other.level is Level.PROVIDER

    set_case_supervisor(session, people.owner, case_id, None)
    assert resolve_for_appointment(session, _appointment(people)).level is Level.PROVIDER


def test_a_licensed_clinicians_session_needs_no_review(session: Session, people) -> None:  # type: ignore[no-untyped-def]
    found = resolve(
        session,
        clinician_id=int(people.staff["clinician"].id),
        case_id=int(people.cases["clinician"].id),
    )
    assert not found.needs_supervision and found.supervisor_id is None


def test_an_inactive_or_former_supervisor_is_passed_over_and_the_reason_given(
    session: Session, people
) -> None:  # type: ignore[no-untyped-def]
    sam = people.staff["supervisor"]
    tess = _supervisor(session, "tess@willow.test", "Tess Tran")
    associate_id = int(people.staff["associate"].id)
    # Ana has two default supervisors: Sam (primary) and Tess.
    session.add(
        ProviderSupervisor(associate_id=associate_id, supervisor_id=int(tess.id), is_primary=False)  # type: ignore[arg-type]
    )
    session.commit()
    uma = _supervisor(session, "uma@willow.test", "Uma Ueda")
    covered = _appointment(people, int(uma.id))  # type: ignore[arg-type]

    uma.is_active = False  # Uma left the practice before the session was reviewed
    session.add(uma)
    session.commit()
    found = resolve_for_appointment(session, covered)
    assert (found.supervisor_id, found.level) == (sam.id, Level.PROVIDER)
    assert found.why == (
        "Sam Suarez is Ana Alvarez's primary supervisor "
        "(Uma Ueda, coverage for this session, is no longer active)."
    )

    role = session.exec(
        select(StaffRole).where(StaffRole.staff_id == sam.id, StaffRole.role == "supervisor")
    ).one()
    session.delete(role)  # Sam is no longer a supervisor
    session.commit()
    found = resolve_for_appointment(session, covered)
    assert (found.supervisor_id, found.level) == (tess.id, Level.PROVIDER)
    assert found.why.startswith("Tess Tran supervises Ana Alvarez (their primary supervisor")
    assert "Sam Suarez, default supervisor, is no longer a supervisor" in found.why

    tess.is_active = False
    session.add(tess)
    session.commit()
    nobody = resolve_for_appointment(session, covered)
    assert nobody.needs_supervision and nobody.supervisor_id is None
    assert nobody.why.startswith("Ana Alvarez has no active supervisor: set one on their staff")


def test_setting_a_case_supervisor_is_checked_and_audited(session: Session, people) -> None:  # type: ignore[no-untyped-def]
    case_id = int(people.cases["associate"].id)
    with pytest.raises(PermissionDenied):
        set_case_supervisor(session, people.associate, case_id, int(people.staff["supervisor"].id))
    for who, words in (
        (people.staff["clinician"], "Choose an active supervisor from the list."),
        (people.staff["associate2"], "Choose an active supervisor from the list."),
    ):
        with pytest.raises(ValidationFailed) as refused:
            set_case_supervisor(session, people.owner, case_id, int(who.id))
        assert refused.value.errors == {"supervisor_id": words}
    own = int(people.cases["supervisor"].id)  # Sam's own case
    with pytest.raises(ValidationFailed) as refused:
        set_case_supervisor(session, people.owner, own, int(people.staff["supervisor"].id))
    assert "own case" in refused.value.errors["supervisor_id"]
    assert session.exec(select(CaseSupervisor)).all() == []

    set_case_supervisor(session, people.owner, case_id, int(people.staff["supervisor"].id))
    set_case_supervisor(session, people.owner, case_id, int(people.staff["supervisor"].id))
    assert len(session.exec(select(CaseSupervisor)).all()) == 1
    actions = session.exec(
        select(AuditEvent.action).where(AuditEvent.action.startswith("supervision."))  # type: ignore[attr-defined]
    ).all()
    session.rollback()
    assert actions == ["supervision.case_supervisor_set", "supervision.case_supervisor_set"]


def test_a_new_case_supervisor_takes_over_the_open_review(session: Session, people) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    from practicerunner.documentation.models import ClinicalNote
    from practicerunner.documentation.notes import save_draft, sign_note, start_note
    from practicerunner.messaging.models import OutboxMessage
    from tests.integration.billing_support import seen

    tess = _supervisor(session, "tess@willow.test", "Tess Tran")
    appointment = seen(session, people, people.cases["associate"], date(2026, 12, 1), 10)
    ana = people.associate
    note_id = start_note(session, ana, int(appointment.id), "dap")  # type: ignore[arg-type]
    answers = {"data": "Slept better.", "assessment": "Improving.", "plan": "Weekly."}
    sign_note(session, ana, note_id, save_draft(session, ana, note_id, answers, 0))
    set_case_supervisor(session, people.owner, int(people.cases["associate"].id), int(tess.id))  # type: ignore[arg-type]
    note = session.get(ClinicalNote, note_id)
    assert note is not None and note.reviewer_id == tess.id
    assert note.reviewer_why == "Tess Tran supervises this case."
    told = session.exec(
        select(OutboxMessage.to_address).where(OutboxMessage.kind == "documentation.review_moved")
    ).all()
    session.rollback()
    assert sorted(told) == ["sam@willow.test", "tess@willow.test"]


def test_deactivating_a_covering_supervisor_moves_the_review_back(session: Session, people) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    from practicerunner.documentation.models import ClinicalNote
    from practicerunner.documentation.notes import save_draft, sign_note, start_note
    from practicerunner.practice.service.staff_access import deactivate_staff
    from tests.integration.billing_support import seen

    uma = _supervisor(session, "uma@willow.test", "Uma Ueda")
    appointment = seen(session, people, people.cases["associate"], date(2026, 12, 1), 10)
    appointment.supervisor_override_id = uma.id
    session.add(appointment)
    session.commit()
    ana = people.associate
    note_id = start_note(session, ana, int(appointment.id), "dap")  # type: ignore[arg-type]
    answers = {"data": "Slept better.", "assessment": "Improving.", "plan": "Weekly."}
    sign_note(session, ana, note_id, save_draft(session, ana, note_id, answers, 0))
    deactivate_staff(session, people.owner, int(uma.id))  # type: ignore[arg-type]
    note = session.get(ClinicalNote, note_id)
    assert note is not None and note.reviewer_id == people.staff["supervisor"].id
    assert "Uma Ueda, coverage for this session, is no longer active" in note.reviewer_why
    session.rollback()
