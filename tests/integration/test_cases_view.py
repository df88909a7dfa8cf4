"""The case page: who attends, who pays, who can reach the portal; every read audited."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime

from sqlmodel import select

from practicerunner.clients import cases
from practicerunner.core import clock
from practicerunner.core.audit import AuditEvent
from tests.integration.test_cases_support import (
    as_actor,
    client_of,
    contact_of,
    couple,
    new_case,
    staff_id,
)

T0 = datetime(2026, 11, 2, 18, 0, tzinfo=UTC)


def test_it_shows_who_attends_who_pays_and_who_can_reach_the_portal(session, people):
    # given: Maria (portal, email), Alex (no email), Alex's aunt paying 40%
    with clock.frozen_at(T0):
        maria, alex = couple(session, people)
        maria.portal_access = True
        alex.portal_access = True
        session.add_all([maria, alex])
        session.commit()
        aunt = contact_of(session, alex, "Rosa", "Lee", email="rosa@x.test")
        case = cases.create_case(
            session,
            people.clinician,
            new_case(
                "couple",
                staff_id(people, "clinician"),
                [(maria.id, "partner", True), (alex.id, "partner", False)],
                [(f"client:{maria.id}", "60"), (f"contact:{aunt.id}", "40")],
                presenting_concern="Frequent conflict",
            ),
        )
        # when
        view = cases.get_case_view(session, people.clinician, case.id)
    # then
    assert (view.kind_label, view.title, view.status) == (
        "Couple",
        "Garcia & Lee (couple)",
        "active",
    )
    assert view.clinician == "Carl Chen"
    assert view.opened_on == "2026-11-02"
    who = [(p.name, p.role, p.attends, p.age, p.portal) for p in view.participants]
    assert who == [
        ("Maria Garcia", "Partner", "Yes", "38", "Can reach the portal"),
        ("Alex Lee", "Partner", "No", "38", "No email on file"),
    ]
    assert view.participants[0].href == f"/clients/{maria.id}"
    pays = [(p.name, p.role, p.share, p.email, p.portal) for p in view.payers]
    assert pays == [
        ("Maria Garcia", "Participant", "60%", "Email on file", "Can reach the portal"),
        ("Rosa Lee", "Billing contact of Alex Lee", "40%", "Email on file", "No portal access"),
    ]
    assert view.presenting_concern == "Frequent conflict"
    assert view.can_edit and view.can_edit_payers and view.can_edit_clinical


def test_it_shows_age_in_the_practices_timezone(session, people):
    # given: a birthday on Nov 3; at 02:00 UTC on Nov 3 it is still Nov 2 in Los Angeles
    teen = client_of(session, people, "Sofia", "Garcia", born=date(2010, 11, 3))
    case = cases.create_case(
        session,
        people.clinician,
        new_case(
            "individual",
            staff_id(people, "clinician"),
            [(teen.id, "client", True)],
            [(f"client:{teen.id}", "100")],
            opened_on="2026-10-01",
        ),
    )
    # when
    with clock.frozen_at(datetime(2026, 11, 3, 2, 0, tzinfo=UTC)):
        view = cases.get_case_view(session, people.clinician, case.id)
    # then
    assert view.participants[0].age == "15"


def test_it_audits_every_view_with_the_actors_ip(session, people):
    # given
    case = people.cases["clinician"]
    carl = as_actor(people.clinician, "203.0.113.7")
    fran = as_actor(people.scheduler, "198.51.100.4")
    # when
    cases.get_case_view(session, carl, case.id)
    cases.get_case_view(session, carl, case.id)
    cases.get_case_view(session, fran, case.id)
    # then
    events = session.exec(
        select(AuditEvent).where(AuditEvent.action == "case.view").order_by(AuditEvent.seq)
    ).all()
    assert [(e.actor_name, e.ip, e.record_type, e.record_id, e.client_id) for e in events] == [
        ("Carl Chen", "203.0.113.7", "case", case.id, people.clients["clinician"].id),
        ("Carl Chen", "203.0.113.7", "case", case.id, people.clients["clinician"].id),
        ("Fran Field", "198.51.100.4", "case", case.id, people.clients["clinician"].id),
    ]
    assert all("Low mood" not in e.detail for e in events)


def test_it_audits_the_edit_form_as_a_view(session, people):
    case = people.cases["clinician"]
    cases.edit_case_form(session, as_actor(people.clinician, "203.0.113.7"), case.id)
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "case.view")).one()
    assert (event.ip, event.record_id) == ("203.0.113.7", case.id)


def test_the_view_model_holds_only_plain_values(session, people):
    view = cases.get_case_view(session, people.owner, people.cases["clinician"].id)
    flat = asdict(view)
    assert all(isinstance(v, str | int | bool | list | type(None)) for v in flat.values())
