"""The settings that steer messages: the practice's reminder and late-cancel windows, a
client's reminder opt-out, and a case's guardian notices — each validated and audited."""

from __future__ import annotations

import dataclasses
import json

import pytest
from sqlmodel import select

from practicerunner.clients import cases
from practicerunner.clients import service as clients
from practicerunner.clients.models import Case, Client
from practicerunner.core.audit import AuditEvent
from practicerunner.core.errors import PermissionDenied, ValidationFailed
from practicerunner.practice import service as ps
from practicerunner.practice.models import Practice


def _profile(session, people, **changes: str) -> ps.PracticeInput:  # type: ignore[no-untyped-def]
    view = ps.get_practice(session, people.owner)
    values = {k: str(v) for k, v in dataclasses.asdict(view).items()}
    values.update(changes)
    return ps.PracticeInput(**values)


def test_the_owner_sets_the_reminder_and_late_cancel_windows(session, people):
    view = ps.update_practice(
        session, people.owner, _profile(session, people, reminder_hours="48", late_cancel_hours="0")
    )

    assert (view.reminder_hours, view.late_cancel_hours) == (48, 0)
    practice = session.exec(select(Practice)).one()
    assert (practice.reminder_hours, practice.late_cancel_hours) == (48, 0)
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "practice.update")).one()
    assert sorted(json.loads(event.detail)["fields"]) == ["late_cancel_hours", "reminder_hours"]


def test_the_form_starts_from_the_stored_windows(session, people):
    view = ps.get_practice(session, people.owner)
    assert (view.reminder_hours, view.late_cancel_hours) == (24, 24)


@pytest.mark.parametrize("bad", ["", "-1", "169", "1.5", "a day", "²"])
def test_a_bad_window_is_refused_beside_its_field_and_nothing_is_saved(session, people, bad):
    with pytest.raises(ValidationFailed) as refused:
        ps.update_practice(
            session,
            people.owner,
            _profile(session, people, reminder_hours=bad, late_cancel_hours=bad, name="Renamed"),
        )

    assert refused.value.errors == {
        "reminder_hours": "Enter whole hours, from 0 (no reminders) to 168 (a week).",
        "late_cancel_hours": "Enter whole hours, from 0 to 168 (a week).",
    }
    session.rollback()
    practice = session.exec(select(Practice)).one()
    assert (practice.name, practice.reminder_hours) == ("Willow Creek Counseling", 24)


def test_a_client_can_be_kept_from_reminders_and_an_unrelated_save_keeps_the_choice(
    session, people
):
    client = people.clients["clinician"]
    clients.update_client(session, people.clinician, client.id, {"reminders_opt_out": "on"})
    clients.update_client(session, people.clinician, client.id, {"city": "Portland"})

    session.expire_all()
    assert session.get(Client, client.id).reminders_opt_out is True
    assert clients.get_client_form(session, people.clinician, client.id)["reminders_opt_out"]
    changes = [
        json.loads(e.detail)["fields"]
        for e in session.exec(select(AuditEvent).where(AuditEvent.action == "client.update"))
    ]
    assert changes == [["reminders_opt_out"], ["city"]]

    clients.update_client(session, people.clinician, client.id, {"reminders_opt_out": False})
    session.expire_all()
    assert session.get(Client, client.id).reminders_opt_out is False


def _individual(people, *, notify: bool) -> cases.CaseInput:  # type: ignore[no-untyped-def]
    client = people.clients["clinician"]
    return cases.CaseInput(
        kind="individual",
        primary_clinician_id=people.staff["clinician"].id,
        opened_on="2026-01-05",
        participants=[(client.id, "client", True)],
        payers=[(f"client:{client.id}", "100")],
        notify_guardians=notify,
    )


def test_a_case_opened_with_guardian_notices_keeps_the_choice(session, people):
    case = cases.create_case(session, people.clinician, _individual(people, notify=True))

    assert session.get(Case, case.id).notify_guardians is True
    form = cases.edit_case_form(session, people.clinician, case.id)
    assert form.notify_guardians is True
    created = session.exec(select(AuditEvent).where(AuditEvent.action == "case.create")).one()
    assert "notify_guardians" in json.loads(created.detail)["fields"]


def test_guardian_notices_are_turned_on_and_off_by_those_who_may_edit_the_case(session, people):
    case = people.cases["clinician"]

    cases.edit_case(session, people.clinician, case.id, cases.CaseChanges(notify_guardians=True))
    session.expire_all()
    assert session.get(Case, case.id).notify_guardians is True
    update = session.exec(select(AuditEvent).where(AuditEvent.action == "case.update")).one()
    assert json.loads(update.detail)["fields"] == ["notify_guardians"]

    with pytest.raises(PermissionDenied):  # billers may change who pays, not who is told
        cases.edit_case(session, people.biller, case.id, cases.CaseChanges(notify_guardians=False))
    session.rollback()
    assert session.get(Case, case.id).notify_guardians is True
