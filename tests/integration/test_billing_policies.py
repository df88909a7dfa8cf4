"""Billing policies: most specific scope wins, grandfathering, preview, bulk moves, exceptions."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session, select

from practicerunner.billing.models import BillingArrangement, BillingPolicy, Method
from practicerunner.billing.policies import (
    PolicyForm,
    effective_for_case,
    enroll,
    move_cases,
    preview_change,
    save_policy,
)
from practicerunner.core import clock
from practicerunner.core.errors import PermissionDenied
from practicerunner.practice.models import Location
from tests.integration.billing_support import seen
from tests.personas import add_client, add_individual_case


def new_case(session: Session, people, name: str):  # type: ignore[no-untyped-def]
    clinician = people.staff["clinician"]
    client = add_client(
        session, name, "New", date(1990, 1, 1), clinician, email=f"{name}@example.com"
    )
    case = add_individual_case(session, client, clinician)
    session.commit()
    return case


def test_existing_clients_keep_their_process_while_new_ones_get_bank_auto_pay(
    session: Session, people
) -> None:  # type: ignore[no-untyped-def]
    save_policy(session, people.owner, "practice", None, PolicyForm(collection="auto_invoice"))
    existing = people.cases["clinician"]
    enroll(session, existing)
    session.commit()

    change = PolicyForm(collection="auto_pay", methods=("bank",), bank_only=True, applies_to="new")
    changes, errors = preview_change(session, people.owner, "practice", None, change)
    assert errors == {} and changes == []  # new clients only: no enrolled case moves
    save_policy(session, people.owner, "practice", None, change)

    old_rules = effective_for_case(session, existing)
    assert old_rules.collection == "auto_invoice" and old_rules.policy.version == 1
    assert any("replaced for new clients" in w for w in old_rules.why)

    newcomer = new_case(session, people, "Nia")
    enroll(session, newcomer)
    session.commit()
    rules = effective_for_case(session, newcomer)
    assert rules.collection == "auto_pay" and rules.methods == (Method.BANK,)
    assert rules.policy.version == 2


def test_preview_lists_exactly_the_cases_that_change_and_how(session: Session, people) -> None:  # type: ignore[no-untyped-def]
    save_policy(session, people.owner, "practice", None, PolicyForm())
    for key in ("clinician", "owner"):
        enroll(session, people.cases[key])
    session.commit()
    change = PolicyForm(frequency="monthly", weekday="", month_day="-1", applies_to="all")
    changes, errors = preview_change(session, people.owner, "practice", None, change)
    assert errors == {}
    assert {c.case_id for c in changes} == {people.cases["clinician"].id, people.cases["owner"].id}
    assert all(c.changes == ("Schedule: every Friday → monthly on the last day",) for c in changes)
    # Nothing was written by the preview.
    assert len(session.exec(select(BillingPolicy)).all()) == 1

    save_policy(session, people.owner, "practice", None, change)
    assert effective_for_case(session, people.cases["clinician"]).policy.version == 2


def test_preview_shows_changes_to_missed_session_fees_and_plans(session: Session, people) -> None:  # type: ignore[no-untyped-def]
    save_policy(session, people.owner, "practice", None, PolicyForm())
    enroll(session, people.cases["clinician"])
    session.commit()
    fees = PolicyForm(no_show_fee="$50", late_cancel_fee="", applies_to="all")
    [change], errors = preview_change(session, people.owner, "practice", None, fees)
    assert errors == {}
    assert change.changes == (
        "No-show fee: 100% of the fee → $50.00",
        "Late-cancel fee: 100% of the fee → none",
    )
    plan = PolicyForm(
        model="recurring_monthly",
        frequency="monthly",
        weekday="",
        month_day="1",
        monthly_amount="600",
        monthly_sessions="4",
        applies_to="all",
    )
    [change], errors = preview_change(session, people.owner, "practice", None, plan)
    assert errors == {}
    assert "Sessions in the plan: — → 4 a month" in change.changes
    assert "Monthly amount: — → $600.00" in change.changes


def test_bulk_move_moves_only_the_chosen_cases(session: Session, people) -> None:  # type: ignore[no-untyped-def]
    save_policy(session, people.owner, "practice", None, PolicyForm())
    for case in people.cases.values():
        enroll(session, case)
    session.commit()
    v2 = save_policy(session, people.owner, "practice", None, PolicyForm(collection="manual"))
    chosen = [int(people.cases["clinician"].id)]  # type: ignore[arg-type]
    assert move_cases(session, people.owner, chosen, int(v2.id)) == 1  # type: ignore[arg-type]
    pinned = {a.case_id: a.policy_id for a in session.exec(select(BillingArrangement)).all()}
    assert pinned[chosen[0]] == v2.id
    assert len(pinned) == len(people.cases)
    assert all(v != v2.id for k, v in pinned.items() if k != chosen[0])


def test_bank_only_location_with_an_exception_for_one_client(session: Session, people) -> None:  # type: ignore[no-untyped-def]
    uptown = Location(name="Uptown", kind="office", place_of_service="11", created_at=clock.now())
    session.add(uptown)
    session.commit()
    save_policy(session, people.owner, "practice", None, PolicyForm())
    save_policy(
        session,
        people.owner,
        "location",
        int(uptown.id),  # type: ignore[arg-type]
        PolicyForm(collection="auto_pay", methods=("bank",), bank_only=True, bank_discount="5"),
    )
    plain = new_case(session, people, "Uma")
    special = new_case(session, people, "Vic")
    for case in (plain, special):
        seen(
            session,
            people,
            case,
            date(2026, 12, 1),
            9 if case is plain else 11,
            location_id=int(uptown.id),
        )  # type: ignore[arg-type]
    assert "location Uptown" in effective_for_case(session, plain).why[0]
    for case in (plain, special):
        enroll(session, case)
    arrangement = session.exec(
        select(BillingArrangement).where(BillingArrangement.case_id == special.id)
    ).one()
    arrangement.bank_only_exception = True
    session.add(arrangement)
    session.commit()

    assert effective_for_case(session, plain).methods == (Method.BANK,)
    assert "Only bank transfers are accepted here." in effective_for_case(session, plain).why
    rules = effective_for_case(session, special)
    assert rules.methods == (Method.CARD, Method.BANK)
    assert any("exception" in w for w in rules.why)
    # Elsewhere the practice policy applies.
    assert effective_for_case(session, people.cases["owner"]).policy.scope_kind == "practice"


@pytest.mark.parametrize("who", ["scheduler", "clinician", "associate"])
def test_only_the_owner_and_billers_change_policies(session: Session, people, who: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PermissionDenied):
        save_policy(session, getattr(people, who), "practice", None, PolicyForm())
    save_policy(session, people.biller, "practice", None, PolicyForm())


def test_an_amount_discount_larger_than_a_fee_is_refused_beside_its_field(
    session: Session, people
) -> None:  # type: ignore[no-untyped-def]
    from practicerunner.core.errors import ValidationFailed

    form = PolicyForm(collection="manual", manual_discount="200.00")  # the fee is $160
    with pytest.raises(ValidationFailed) as failed:
        save_policy(session, people.owner, "practice", None, form)
    assert failed.value.errors == {
        "manual_discount": "The manual payment discount ($200.00) is larger than the fee for "
        "Individual therapy, 53 min ($160.00)."
    }
    session.rollback()
    changes, errors = preview_change(session, people.owner, "practice", None, form)
    assert changes == [] and "manual_discount" in errors
    assert session.exec(select(BillingPolicy)).all() == []
    save_policy(session, people.owner, "practice", None, PolicyForm(manual_discount="160.00"))
