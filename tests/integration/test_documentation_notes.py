"""Progress notes: prefilled from the session, saved as drafts, signed and locked (by the
service and by the database), corrected by addenda; an associate's note reviewed by the
supervisor it routes to, returned, revised, re-signed and co-signed, every round kept."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError
from sqlmodel import Session, col, select

from practicerunner.core import clock
from practicerunner.core.errors import NotFound, ValidationFailed
from practicerunner.core.models import AuditEvent
from practicerunner.core.permissions import Role
from practicerunner.documentation.models import NoteAddendum, NoteVersion
from practicerunner.documentation.notes import (
    StaleDraft,
    add_addendum,
    cosign_note,
    notes_to_write,
    read_note,
    return_note,
    save_draft,
    sign_note,
    start_note,
)
from tests.integration.billing_support import seen
from tests.personas import add_staff

DAY = date(2026, 12, 1)
AFTER = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)  # the same afternoon in Los Angeles
DAP = {"data": "Reported better sleep.", "assessment": "Improving.", "plan": "Continue weekly."}


@pytest.fixture
def travel() -> Iterator:  # type: ignore[type-arg]
    with clock.frozen_at(AFTER) as move:
        yield move


def _actions(session: Session, prefix: str) -> list[str]:
    found = session.exec(
        select(AuditEvent.action)
        .where(col(AuditEvent.action).startswith(prefix))
        .order_by(col(AuditEvent.id))
    ).all()
    session.rollback()
    return list(found)


def test_a_clinician_writes_signs_and_corrects_a_note(session: Session, people, travel) -> None:  # type: ignore[no-untyped-def]
    appointment = seen(session, people, people.cases["clinician"], DAY, 9)
    carl = people.clinician
    assert [w.appointment_id for w in notes_to_write(session, carl)] == [appointment.id]

    note_id = start_note(session, carl, int(appointment.id), "dap")  # type: ignore[arg-type]
    assert start_note(session, carl, int(appointment.id), "dap") == note_id  # type: ignore[arg-type]
    view = read_note(session, carl, note_id)
    assert view.session["date"] == "2026-12-01" and view.session["start"] == "09:00"
    assert view.session["end"] == "09:53" and view.session["code"] == "90837"
    assert view.session["present"] == ["Client1 OfClinician"]

    revision = save_draft(session, carl, note_id, {"data": "Reported better sleep."}, 0)
    with pytest.raises(ValidationFailed) as refused:
        sign_note(session, carl, note_id, revision)
    assert set(refused.value.errors) == {"assessment", "plan"}
    assert session.exec(select(NoteVersion)).all() == []
    session.rollback()
    with pytest.raises(ValidationFailed) as bad:
        save_draft(session, carl, note_id, {"distress_rating": "11"}, revision)
    assert set(bad.value.errors) == {"distress_rating"}
    with pytest.raises(StaleDraft):
        save_draft(session, carl, note_id, DAP, revision - 1)  # an older tab
    revision = save_draft(session, carl, note_id, DAP, revision)
    assert sign_note(session, carl, note_id, revision) == "complete"
    assert notes_to_write(session, carl) == []

    with pytest.raises(ValidationFailed) as locked:
        save_draft(session, carl, note_id, {"plan": "Changed afterwards."}, revision)
    assert "Add an addendum" in locked.value.errors["note"]
    add_addendum(session, carl, note_id, "Client called: sleep log attached.")
    view = read_note(session, carl, note_id)
    assert view.answers["plan"] == "Continue weekly."
    assert [a.text for a in view.addenda] == ["Client called: sleep log attached."]
    assert [(v.round, v.role, v.signed_name) for v in view.versions] == [(1, "author", "Carl Chen")]
    assert _actions(session, "note.") == [
        "note.started",
        "note.viewed",
        "note.signed",
        "note.addendum_added",
        "note.viewed",
    ]


def test_the_database_refuses_to_change_a_signed_version_or_an_addendum(
    session: Session, people, travel
) -> None:  # type: ignore[no-untyped-def]
    appointment = seen(session, people, people.cases["clinician"], DAY, 9)
    carl = people.clinician
    note_id = start_note(session, carl, int(appointment.id), "dap")  # type: ignore[arg-type]
    sign_note(session, carl, note_id, save_draft(session, carl, note_id, DAP, 0))
    add_addendum(session, carl, note_id, "Correction.")
    for statement in (
        "UPDATE note_version SET answers_json = '{}'",
        "DELETE FROM note_version",
        "UPDATE note_addendum SET text = 'rewritten'",
        "DELETE FROM note_addendum",
    ):
        with pytest.raises(DatabaseError, match="append-only"):
            session.execute(text(statement))
        session.rollback()
    assert len(session.exec(select(NoteVersion)).all()) == 1
    assert [a.text for a in session.exec(select(NoteAddendum)).all()] == ["Correction."]


def test_an_associates_note_is_returned_revised_and_cosigned_every_round_kept(
    session: Session, people, travel
) -> None:  # type: ignore[no-untyped-def]
    appointment = seen(session, people, people.cases["associate"], DAY, 10)
    ana, sam = people.associate, people.supervisor
    tess = add_staff(session, "tess@willow.test", "Tess Tran", [Role.CLINICIAN, Role.SUPERVISOR])
    session.commit()
    from practicerunner.auth.service import actor_for

    tess_actor = actor_for(session, tess)
    session.commit()
    note_id = start_note(session, ana, int(appointment.id), "dap")  # type: ignore[arg-type]
    revision = save_draft(session, ana, note_id, DAP, 0)
    assert sign_note(session, ana, note_id, revision) == "awaiting_review"
    view = read_note(session, sam, note_id)  # the supervisor reads it
    assert view.reviewer_why == "Sam Suarez is Ana Alvarez's primary supervisor."
    # Not complete: still on Ana's list of notes to finish? No — it waits for review.
    with pytest.raises(ValidationFailed) as other:
        cosign_note(session, tess_actor, note_id)
    assert "routed to another supervisor" in other.value.errors["note"]
    with pytest.raises(ValidationFailed):
        return_note(session, sam, note_id, "   ")
    return_note(session, sam, note_id, "Name the intervention used.")
    view = read_note(session, ana, note_id)
    assert (view.status, view.round) == ("returned", 2)
    revised = {**DAP, "assessment": "Improving with CBT-I sleep restriction."}
    revision = save_draft(session, ana, note_id, revised, view.revision)
    assert sign_note(session, ana, note_id, revision) == "awaiting_review"
    cosign_note(session, sam, note_id)
    view = read_note(session, ana, note_id)
    assert view.status == "complete"
    assert [(v.round, v.role, v.signed_name) for v in view.versions] == [
        (1, "author", "Ana Alvarez"),
        (1, "returned", "Sam Suarez"),
        (2, "author", "Ana Alvarez"),
        (2, "supervisor", "Sam Suarez"),
    ]
    assert view.versions[1].comment == "Name the intervention used."
    with pytest.raises(ValidationFailed):
        save_draft(session, ana, note_id, DAP, view.revision)
    # Another associate sees nothing of it.
    with pytest.raises(NotFound):
        read_note(session, people.associate2, note_id)


def test_an_appointment_override_routes_the_note_to_the_covering_supervisor(
    session: Session, people, travel
) -> None:  # type: ignore[no-untyped-def]
    uma = add_staff(session, "uma@willow.test", "Uma Ueda", [Role.CLINICIAN, Role.SUPERVISOR])
    session.commit()
    appointment = seen(session, people, people.cases["associate"], DAY, 11)
    appointment.supervisor_override_id = uma.id
    session.add(appointment)
    session.commit()
    ana = people.associate
    note_id = start_note(session, ana, int(appointment.id), "dap")  # type: ignore[arg-type]
    sign_note(session, ana, note_id, save_draft(session, ana, note_id, DAP, 0))
    view = read_note(session, ana, note_id)
    assert view.reviewer_why == "Uma Ueda covers this session (set on the appointment)."
    with pytest.raises(ValidationFailed):
        cosign_note(session, people.supervisor, note_id)


def test_only_the_sessions_clinician_writes_its_note_with_a_fitting_template(
    session: Session, people, travel
) -> None:  # type: ignore[no-untyped-def]
    appointment = seen(session, people, people.cases["clinician"], DAY, 9)
    with pytest.raises(NotFound):
        start_note(session, people.associate, int(appointment.id), "dap")  # type: ignore[arg-type]
    with pytest.raises(ValidationFailed) as wrong:
        start_note(session, people.clinician, int(appointment.id), "consultation")  # type: ignore[arg-type]
    assert wrong.value.errors == {"template": "The consultation note is for consultation cases."}
    with pytest.raises(ValidationFailed):
        start_note(session, people.clinician, int(appointment.id), "nonsense")  # type: ignore[arg-type]


def test_an_unwritten_note_is_overdue_after_72_hours(session: Session, people, travel) -> None:  # type: ignore[no-untyped-def]
    seen(session, people, people.cases["clinician"], DAY, 9)
    [fresh] = notes_to_write(session, people.clinician)
    assert not fresh.overdue and fresh.note_id is None
    travel(timedelta(hours=72))
    [late] = notes_to_write(session, people.clinician)
    assert late.overdue and late.day == DAY


def test_the_note_list_pages_newest_first_and_is_audited(session: Session, people, travel) -> None:  # type: ignore[no-untyped-def]
    from practicerunner.documentation.notes import list_notes

    carl = people.clinician
    ids = []
    for day in (1, 2, 3):
        appointment = seen(session, people, people.cases["clinician"], date(2026, 12, day), 9)
        ids.append(start_note(session, carl, int(appointment.id), "dap"))  # type: ignore[arg-type]
    first = list_notes(session, carl, limit=2)
    assert [r.id for r in first] == [ids[2], ids[1]]
    assert first[0].day == date(2026, 12, 3) and first[0].status == "draft"
    rest = list_notes(session, carl, before_id=first[-1].id, limit=2)
    assert [r.id for r in rest] == [ids[0]]
    case_id = int(people.cases["clinician"].id)
    assert len(list_notes(session, people.owner, case_id=case_id)) == 3
    assert list_notes(session, people.associate) == []
    with pytest.raises(NotFound):
        list_notes(session, people.associate, case_id=case_id)
    assert len(_actions(session, "note.list_viewed")) == 4  # the refused read wrote nothing


def test_a_psychotherapy_note_is_the_authors_alone(session: Session, people, travel) -> None:  # type: ignore[no-untyped-def]
    from practicerunner.documentation.notes import list_notes

    appointment = seen(session, people, people.cases["associate"], DAY, 10)
    ana = people.associate
    private = start_note(session, ana, int(appointment.id), "psychotherapy")  # type: ignore[arg-type]
    # It is not the session's note: the progress note is still to write, and begins apart.
    assert [w.note_id for w in notes_to_write(session, ana)] == [None]
    progress = start_note(session, ana, int(appointment.id), "dap")  # type: ignore[arg-type]
    assert progress != private
    revision = save_draft(session, ana, private, {"process": "Countertransference: tired."}, 0)
    assert sign_note(session, ana, private, revision) == "complete"  # nobody reviews it
    assert read_note(session, ana, private).answers == {"process": "Countertransference: tired."}
    # Not the owner, not the supervisor, not another associate: to them it does not exist.
    for outsider in (people.owner, people.supervisor, people.associate2, people.biller):
        with pytest.raises(NotFound):
            read_note(session, outsider, private)
    case_id = int(people.cases["associate"].id)
    assert [r.id for r in list_notes(session, people.owner, case_id=case_id)] == [progress]
    assert [r.id for r in list_notes(session, people.supervisor, case_id=case_id)] == [progress]
    assert sorted(r.id for r in list_notes(session, ana, case_id=case_id)) == [private, progress]
    assert _actions(session, "psychotherapy_note.") == [
        "psychotherapy_note.started",
        "psychotherapy_note.signed",
        "psychotherapy_note.viewed",
    ]
    with pytest.raises(ValidationFailed):
        consultation = people.cases["clinician"]
        consultation.kind = "consultation"
        session.add(consultation)
        session.commit()
        other = seen(session, people, consultation, DAY, 14)
        start_note(session, people.clinician, int(other.id), "psychotherapy")  # type: ignore[arg-type]


def test_a_progress_note_prefills_the_diagnoses_in_effect_on_the_session_day(
    session: Session, people, travel
) -> None:  # type: ignore[no-untyped-def]
    from practicerunner.documentation.diagnoses import DiagnosisForm, add_diagnosis
    from practicerunner.documentation.note_state import _facts

    carl, case_id = people.clinician, int(people.cases["clinician"].id)
    add_diagnosis(session, carl, case_id, DiagnosisForm("F43.22", "2026-10-01"))
    add_diagnosis(session, carl, case_id, DiagnosisForm("F41.1", "2026-11-01", is_primary=True))
    # Ended the day before the session, and begun the day after: neither applies.
    add_diagnosis(session, carl, case_id, DiagnosisForm("F51.01", "2026-09-01", "2026-11-30"))
    add_diagnosis(session, carl, case_id, DiagnosisForm("F32.0", "2026-12-02"))
    appointment = seen(session, people, people.cases["clinician"], DAY, 9)
    note_id = start_note(session, carl, int(appointment.id), "dap")  # type: ignore[arg-type]
    view = read_note(session, carl, note_id)
    assert view.session["diagnoses"] == [
        "F41.1 Generalized anxiety disorder",
        "F43.22 Adjustment disorder with anxiety",
    ]
    assert _facts(view.session)["diagnoses"] == (
        "F41.1 Generalized anxiety disorder; F43.22 Adjustment disorder with anxiety"
    )
    session.rollback()
