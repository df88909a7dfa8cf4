"""Who sees and changes which case: every role by view and edit, and clinical text kept back."""

from __future__ import annotations

from dataclasses import asdict

import pytest
from sqlmodel import select

from practicerunner.clients import cases
from practicerunner.clients.models import Case
from practicerunner.core.errors import NotFound, PermissionDenied
from tests.integration.test_cases_support import counts

PERSONA_CASES = ["owner", "clinician", "supervisor", "associate", "associate2"]

# actor -> the persona cases they may view
CAN_VIEW = {
    "owner": set(PERSONA_CASES),
    "clinician": {"clinician"},
    "supervisor": {"supervisor", "associate", "associate2"},
    "associate": {"associate"},
    "associate2": {"associate2"},
    "scheduler": set(PERSONA_CASES),
    "biller": set(PERSONA_CASES),
}
# actor -> the persona cases whose details and participants they may change
CAN_EDIT = {
    "owner": set(PERSONA_CASES),
    "clinician": {"clinician"},
    "supervisor": {"supervisor"},
    "associate": {"associate"},
    "associate2": {"associate2"},
    "scheduler": set(PERSONA_CASES),
    "biller": set(),
}
# actor -> the persona cases whose presenting concern they may read
CAN_READ_CLINICAL = {
    "owner": set(PERSONA_CASES),
    "clinician": {"clinician"},
    "supervisor": {"supervisor", "associate", "associate2"},
    "associate": {"associate"},
    "associate2": {"associate2"},
    "scheduler": set(),
    "biller": set(),
}
MATRIX = [(actor, case) for actor in CAN_VIEW for case in PERSONA_CASES]


@pytest.mark.parametrize(("actor_key", "case_key"), MATRIX)
def test_it_shows_a_case_only_within_scope_else_not_found(session, people, actor_key, case_key):
    # given
    actor, case = people.all()[actor_key], people.cases[case_key]
    # when / then
    if case_key in CAN_VIEW[actor_key]:
        view = cases.get_case_view(session, actor, case.id)
        assert view.id == case.id
        assert view.can_edit == (case_key in CAN_EDIT[actor_key])
        reads = case_key in CAN_READ_CLINICAL[actor_key]
        assert (view.presenting_concern is not None) == reads
    else:
        with pytest.raises(NotFound):
            cases.get_case_view(session, actor, case.id)


@pytest.mark.parametrize(("actor_key", "case_key"), MATRIX)
def test_it_lets_each_role_edit_only_within_scope(session, people, actor_key, case_key):
    # given
    actor, case = people.all()[actor_key], people.cases[case_key]
    before = counts(session)
    # when / then
    if case_key in CAN_EDIT[actor_key]:
        cases.update_case(session, actor, case.id, title="Renamed")
        session.expire_all()
        assert session.get(Case, case.id).title == "Renamed"
    else:
        expected = PermissionDenied if case_key in CAN_VIEW[actor_key] else NotFound
        with pytest.raises(expected):
            cases.update_case(session, actor, case.id, title="Renamed")
        with pytest.raises(expected):
            cases.edit_case_form(session, actor, case.id) if actor_key != "biller" else (
                cases.set_participants(session, actor, case.id, [])
            )
        assert counts(session) == before


@pytest.mark.parametrize("actor_key", ["scheduler", "biller"])
def test_the_front_desk_and_billing_never_receive_the_presenting_concern(
    session, people, actor_key
):
    # given
    actor = people.all()[actor_key]
    case = people.cases["clinician"]
    # when
    view = cases.get_case_view(session, actor, case.id)
    # then
    assert view.presenting_concern is None
    assert "Low mood" not in repr(asdict(view))
    assert view.can_edit_clinical is False


def test_the_front_desk_cannot_change_the_presenting_concern(session, people):
    with pytest.raises(PermissionDenied):
        cases.update_case(
            session, people.scheduler, people.cases["clinician"].id, presenting_concern="x"
        )


def test_the_front_desks_edit_form_carries_no_clinical_text(session, people):
    form = cases.edit_case_form(session, people.scheduler, people.cases["clinician"].id)
    assert form.can_clinical is False
    assert form.presenting_concern == ""


def test_a_supervisor_sees_a_supervisees_case_read_only(session, people):
    # given
    case = people.cases["associate"]
    # when
    view = cases.get_case_view(session, people.supervisor, case.id)
    # then
    assert view.presenting_concern == "Low mood after job loss"
    assert (view.can_edit, view.can_edit_payers, view.can_edit_clinical) == (False, False, False)
    for change in (
        lambda: cases.update_case(session, people.supervisor, case.id, title="x"),
        lambda: cases.close_case(session, people.supervisor, case.id),
        lambda: cases.set_payers(session, people.supervisor, case.id, [("client:1", "100")]),
        lambda: cases.edit_case_form(session, people.supervisor, case.id),
    ):
        with pytest.raises(PermissionDenied):
            change()


def test_a_biller_changes_who_pays_but_nothing_else(session, people):
    # given
    case = people.cases["clinician"]
    client = people.clients["clinician"]
    # when
    cases.set_payers(session, people.biller, case.id, [(f"client:{client.id}", "100")])
    form = cases.edit_case_form(session, people.biller, case.id)
    # then
    assert (form.can_edit, form.can_edit_payers, form.can_clinical) == (False, True, False)
    with pytest.raises(PermissionDenied):
        cases.set_participants(session, people.biller, case.id, [(client.id, "client", True)])


@pytest.mark.parametrize("actor_key", ["clinician", "associate", "associate2"])
def test_another_caseload_by_id_is_not_found_everywhere(session, people, actor_key):
    actor = people.all()[actor_key]
    other = people.cases["owner"]
    for attempt in (
        lambda: cases.get_case_view(session, actor, other.id),
        lambda: cases.edit_case_form(session, actor, other.id),
        lambda: cases.update_case(session, actor, other.id, title="x"),
        lambda: cases.set_payers(session, actor, other.id, []),
        lambda: cases.close_case(session, actor, other.id),
        lambda: cases.get_case_view(session, actor, 999_999),
    ):
        with pytest.raises(NotFound) as missing:
            attempt()
        assert missing.value.message == "That case was not found."


def test_client_choices_offer_only_reachable_clients(session, people):
    choices = cases.client_choices(session, people.clinician)
    assert [c.value for c in choices] == [str(people.clients["clinician"].id)]
    owner_sees = {c.value for c in cases.client_choices(session, people.owner)}
    assert owner_sees == {str(c.id) for c in people.clients.values()}
    found = cases.client_choices(session, people.owner, "  OFASSOCIATE2 ")
    assert [c.value for c in found] == [str(people.clients["associate2"].id)]
    assert session.exec(select(Case)).all()  # untouched
