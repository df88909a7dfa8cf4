"""Opening a case: kinds and their participants, payers and shares summing to 100%."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlmodel import select

from practicerunner.clients import cases
from practicerunner.clients.models import Case, CaseParticipant, CasePayer
from practicerunner.core.audit import AuditEvent
from practicerunner.core.errors import PermissionDenied, ValidationFailed
from tests.integration.test_cases_support import (
    client_of,
    contact_of,
    counts,
    couple,
    new_case,
    staff_id,
)


def payers_of(session, case: Case) -> list[tuple[int | None, int | None, int]]:
    rows = session.exec(select(CasePayer).where(CasePayer.case_id == case.id)).all()
    return sorted((p.client_id, p.contact_id, p.share_basis_points) for p in rows)


def test_it_opens_a_couple_case_split_50_50(session, people):
    # given
    maria, alex = couple(session, people)
    data = new_case(
        "couple",
        staff_id(people, "clinician"),
        [(maria.id, "partner", True), (alex.id, "partner", True)],
        [(f"client:{maria.id}", "50"), (f"client:{alex.id}", "50%")],
    )
    # when
    case = cases.create_case(session, people.clinician, data)
    # then
    assert case.title == "Garcia & Lee (couple)"
    assert payers_of(session, case) == sorted([(maria.id, None, 5000), (alex.id, None, 5000)])
    roles = session.exec(
        select(CaseParticipant.role).where(CaseParticipant.case_id == case.id)
    ).all()
    assert roles == ["partner", "partner"]


def test_it_lets_a_parent_contact_pay_all_for_a_teenager_in_a_family_case(session, people):
    # given: a teenager, her mother (a client too) and her father, a guardian contact who pays
    teen = client_of(session, people, "Sofia", "Garcia", born=date(2011, 3, 9))
    mother = client_of(session, people, "Elena", "Garcia")
    father = contact_of(session, teen, "Luis", "Garcia", relationship="guardian")
    data = new_case(
        "family",
        staff_id(people, "clinician"),
        [(teen.id, "child", True), (mother.id, "parent", True)],
        [(f"contact:{father.id}", "100")],
    )
    # when
    case = cases.create_case(session, people.clinician, data)
    # then
    assert payers_of(session, case) == [(None, father.id, 10000)]
    assert case.title == "Garcia (family)"


def test_it_lets_a_third_party_billing_contact_pay_for_a_couple(session, people):
    # given
    maria, alex = couple(session, people)
    aunt = contact_of(session, alex, "Rosa", "Lee", relationship="billing", email="rosa@x.test")
    data = new_case(
        "couple",
        staff_id(people, "clinician"),
        [(maria.id, "partner", True), (alex.id, "partner", False)],
        [(f"contact:{aunt.id}", "100.00")],
    )
    # when
    case = cases.create_case(session, people.clinician, data)
    # then
    assert payers_of(session, case) == [(None, aunt.id, 10000)]


def test_it_accepts_thirds_written_as_33_33_33_33_33_34(session, people):
    # given
    a = client_of(session, people, "Ann", "Adams")
    b = client_of(session, people, "Bo", "Berg")
    c = client_of(session, people, "Cy", "Cole")
    data = new_case(
        "group",
        staff_id(people, "clinician"),
        [(a.id, "member", True), (b.id, "member", True), (c.id, "member", True)],
        [(f"client:{a.id}", "33.33"), (f"client:{b.id}", "33.33"), (f"client:{c.id}", "33.34")],
    )
    # when
    case = cases.create_case(session, people.clinician, data)
    # then
    assert sorted(s for _, _, s in payers_of(session, case)) == [3333, 3333, 3334]


@pytest.mark.parametrize(
    ("shares", "total"), [(("50", "49.99"), "99.99%"), (("50", "50.01"), "100.01%")]
)
def test_it_refuses_shares_that_do_not_sum_to_100_and_writes_nothing(
    session, people, shares, total
):
    # given
    maria, alex = couple(session, people)
    before = counts(session)
    data = new_case(
        "couple",
        staff_id(people, "clinician"),
        [(maria.id, "partner", True), (alex.id, "partner", True)],
        [(f"client:{maria.id}", shares[0]), (f"client:{alex.id}", shares[1])],
    )
    # when
    with pytest.raises(ValidationFailed) as refused:
        cases.create_case(session, people.clinician, data)
    # then
    assert refused.value.errors == {
        "payers": f"The shares add up to {total}; they must add up to 100%."
    }
    assert counts(session) == before


@pytest.mark.parametrize(
    ("share", "message"),
    [
        ("33.333", "Use at most two decimals, like 33.33."),
        ("0", "A share must be more than 0%."),
        ("-5", "A share must be more than 0%."),
        ("abc", "Enter the share as a number, like 50 or 33.33."),
        ("", "Enter a share, like 50."),
        ("150", "A share cannot be more than 100%."),
    ],
)
def test_it_explains_a_bad_share_beside_its_row(session, people, share, message):
    # given
    client = people.clients["clinician"]
    data = new_case(
        "individual",
        staff_id(people, "clinician"),
        [(client.id, "client", True)],
        [(f"client:{client.id}", share)],
    )
    # when
    with pytest.raises(ValidationFailed) as refused:
        cases.create_case(session, people.clinician, data)
    # then
    assert refused.value.errors["payer_share_0"] == message


def test_it_requires_at_least_one_payer(session, people):
    client = people.clients["clinician"]
    data = new_case("individual", staff_id(people, "clinician"), [(client.id, "client", True)], [])
    with pytest.raises(ValidationFailed) as refused:
        cases.create_case(session, people.clinician, data)
    assert refused.value.errors == {"payers": "Add at least one payer."}


# (kind, roles of the participants, field refused or None when accepted)
KIND_RULES = [
    ("individual", ["client"], None),
    ("individual", ["client", "client"], "participants"),
    ("individual", ["partner"], "participant_role_0"),
    ("consultation", ["client"], None),
    ("consultation", [], "participants"),
    ("couple", ["partner", "partner"], None),
    ("couple", ["partner"], "participants"),
    ("couple", ["partner", "partner", "partner"], "participants"),
    ("couple", ["partner", "member"], "participant_role_1"),
    ("family", ["parent", "child"], None),
    ("family", ["parent", "parent", "child", "child"], None),
    ("family", ["parent"], "participants"),
    ("family", ["parent", "partner"], "participant_role_1"),
    ("group", ["member", "member"], None),
    ("group", ["member"], "participants"),
    ("group", ["member", "client"], "participant_role_1"),
]


@pytest.mark.parametrize(("kind", "roles", "refused_field"), KIND_RULES)
def test_it_applies_each_kinds_participant_rules(session, people, kind, roles, refused_field):
    # given
    clients = [client_of(session, people, f"P{i}", "Lane") for i in range(len(roles))]
    payer = clients[0] if clients else people.clients["clinician"]
    data = new_case(
        kind,
        staff_id(people, "clinician"),
        [(c.id, role, True) for c, role in zip(clients, roles, strict=True)],
        [(f"client:{payer.id}", "100")],
    )
    # when / then
    if refused_field is None:
        case = cases.create_case(session, people.clinician, data)
        assert case.kind == kind
    else:
        with pytest.raises(ValidationFailed) as refused:
            cases.create_case(session, people.clinician, data)
        assert refused_field in refused.value.errors


def test_it_refuses_the_same_client_twice(session, people):
    maria, _ = couple(session, people)
    data = new_case(
        "couple",
        staff_id(people, "clinician"),
        [(maria.id, "partner", True), (maria.id, "partner", True)],
        [(f"client:{maria.id}", "100")],
    )
    with pytest.raises(ValidationFailed) as refused:
        cases.create_case(session, people.clinician, data)
    assert refused.value.errors["participant_client_1"] == "This client is already in the case."


def test_it_refuses_a_payer_not_linked_to_the_case(session, people):
    # given: a client outside the case, a contact of someone else, an emergency contact
    maria, alex = couple(session, people)
    outsider = client_of(session, people, "Olga", "Other")
    other_contact = contact_of(session, outsider, "Pat", "Other")
    emergency = contact_of(session, maria, "Eve", "Garcia", relationship="emergency")
    retired = contact_of(session, maria, "Ray", "Garcia", is_active=False)
    before = counts(session)
    data = new_case(
        "couple",
        staff_id(people, "clinician"),
        [(maria.id, "partner", True), (alex.id, "partner", True)],
        [
            (f"client:{outsider.id}", "25"),
            (f"contact:{other_contact.id}", "25"),
            (f"contact:{emergency.id}", "25"),
            (f"contact:{retired.id}", "25"),
        ],
    )
    # when
    with pytest.raises(ValidationFailed) as refused:
        cases.create_case(session, people.clinician, data)
    # then
    errors = refused.value.errors
    assert errors["payer_party_0"] == "A paying client must take part in this case."
    for i in (1, 2, 3):
        assert errors[f"payer_party_{i}"].startswith("A paying contact must be")
    assert counts(session) == before


def test_it_refuses_a_client_outside_the_actors_caseload(session, people):
    # given: Carl tries to open a case for Ana's client
    anas = people.clients["associate"]
    data = new_case(
        "individual",
        staff_id(people, "clinician"),
        [(anas.id, "client", True)],
        [(f"client:{anas.id}", "100")],
    )
    # when
    with pytest.raises(ValidationFailed) as refused:
        cases.create_case(session, people.clinician, data)
    # then
    assert refused.value.errors["participant_client_0"] == "That client was not found."


def test_it_collects_every_error_at_once(session, people):
    data = cases.CaseInput(
        kind="",
        primary_clinician_id="",
        opened_on="yesterday",
        participants=[],
        payers=[("nobody", "50")],
    )
    with pytest.raises(ValidationFailed) as refused:
        cases.create_case(session, people.owner, data)
    assert set(refused.value.errors) >= {
        "kind",
        "primary_clinician_id",
        "opened_on",
        "payer_party_0",
        "payers",
    }


def test_it_audits_the_creation_by_field_name_never_clinical_text(session, people):
    # given
    client = people.clients["clinician"]
    data = new_case(
        "consultation",
        staff_id(people, "clinician"),
        [(client.id, "client", True)],
        [(f"client:{client.id}", "100")],
        presenting_concern="Panic attacks at work",
    )
    # when
    case = cases.create_case(session, people.clinician, data)
    # then
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "case.create")).one()
    assert (event.record_type, event.record_id, event.client_id) == ("case", case.id, client.id)
    assert "presenting_concern" in json.loads(event.detail)["fields"]
    assert "Panic" not in event.detail
    assert case.presenting_concern == "Panic attacks at work"


def test_it_refuses_clinical_text_from_the_front_desk(session, people):
    client = people.clients["clinician"]
    data = new_case(
        "individual",
        staff_id(people, "clinician"),
        [(client.id, "client", True)],
        [(f"client:{client.id}", "100")],
        presenting_concern="Anything",
    )
    with pytest.raises(ValidationFailed) as refused:
        cases.create_case(session, people.scheduler, data)
    assert "presenting_concern" in refused.value.errors


def test_it_refuses_a_case_opened_in_the_future(session, people):
    client = people.clients["clinician"]
    data = new_case(
        "individual",
        staff_id(people, "clinician"),
        [(client.id, "client", True)],
        [(f"client:{client.id}", "100")],
        opened_on="2999-01-01",
    )
    with pytest.raises(ValidationFailed) as refused:
        cases.create_case(session, people.clinician, data)
    assert refused.value.errors == {"opened_on": "A case cannot be opened in the future."}


@pytest.mark.parametrize(
    ("actor_key", "clinician_key", "outcome"),
    [
        ("owner", "clinician", "ok"),
        ("owner", "associate", "ok"),
        ("scheduler", "clinician", "ok"),
        ("scheduler", "associate2", "ok"),
        ("clinician", "clinician", "ok"),
        ("clinician", "owner", "primary_clinician_id"),
        ("associate", "associate", "ok"),
        ("associate", "supervisor", "primary_clinician_id"),
        ("supervisor", "supervisor", "ok"),
        ("supervisor", "associate", "primary_clinician_id"),
        ("biller", "clinician", "denied"),
    ],
)
def test_it_lets_each_role_open_cases_only_for_clinicians_in_reach(
    session, people, actor_key, clinician_key, outcome
):
    # given: a client of the chosen clinician
    client = people.clients[clinician_key]
    actor = people.all()[actor_key]
    data = new_case(
        "individual",
        staff_id(people, clinician_key),
        [(client.id, "client", True)],
        [(f"client:{client.id}", "100")],
    )
    # when / then
    if outcome == "ok":
        case = cases.create_case(session, actor, data)
        assert case.primary_clinician_id == staff_id(people, clinician_key)
    elif outcome == "denied":
        with pytest.raises(PermissionDenied):
            cases.create_case(session, actor, data)
    else:
        with pytest.raises(ValidationFailed) as refused:
            cases.create_case(session, actor, data)
        assert outcome in refused.value.errors


def test_it_refuses_a_clinician_who_has_left(session, people):
    people.staff["associate2"].is_active = False
    session.add(people.staff["associate2"])
    session.commit()
    client = people.clients["associate2"]
    data = new_case(
        "individual",
        staff_id(people, "associate2"),
        [(client.id, "client", True)],
        [(f"client:{client.id}", "100")],
    )
    with pytest.raises(ValidationFailed) as refused:
        cases.create_case(session, people.owner, data)
    assert "primary_clinician_id" in refused.value.errors


def test_it_refuses_non_clinical_staff_as_clinician(session, people):
    client = people.clients["clinician"]
    data = new_case(
        "individual",
        staff_id(people, "scheduler"),
        [(client.id, "client", True)],
        [(f"client:{client.id}", "100")],
    )
    with pytest.raises(ValidationFailed) as refused:
        cases.create_case(session, people.owner, data)
    assert "primary_clinician_id" in refused.value.errors
