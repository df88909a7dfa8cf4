"""Read models of the billing-policy screens and the case's billing tab (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, col, select

from practicerunner.billing.case_billing_fees import waive_missed_fee
from practicerunner.billing.models import BillingPolicy, Charge
from practicerunner.billing.policies import (
    ArrangementForm,
    PolicyForm,
    enroll,
    save_policy,
    update_arrangement,
)
from practicerunner.billing.policy_views import (
    case_billing,
    form_from_values,
    form_values,
    policy_editor,
    policy_overview,
    scope_choices,
)
from practicerunner.core import clock
from practicerunner.core.errors import NotFound, PermissionDenied
from tests.integration.billing_support import seen

RULE_COLUMNS = (
    "model",
    "frequency",
    "weekday",
    "month_day",
    "collection",
    "allowed_methods",
    "bank_only",
    "bank_discount_kind",
    "bank_discount_value",
    "manual_discount_kind",
    "manual_discount_value",
    "no_show_fee_kind",
    "no_show_fee_value",
    "late_cancel_fee_kind",
    "late_cancel_fee_value",
    "monthly_amount_cents",
    "monthly_sessions",
    "refund_credits",
    "applies_to",
)


def _rules(policy: BillingPolicy) -> dict[str, object]:
    return {c: getattr(policy, c) for c in RULE_COLUMNS}


def _current(session: Session, kind: str = "practice") -> BillingPolicy:
    return session.exec(
        select(BillingPolicy).where(BillingPolicy.scope_kind == kind, col(BillingPolicy.is_current))
    ).one()


def test_the_overview_counts_enrolled_cases_per_version(session: Session, people) -> None:  # type: ignore[no-untyped-def]
    # given: three cases on version 1, then a "new clients only" version 2 and one case on it
    save_policy(session, people.owner, "practice", None, PolicyForm())
    for key in ("clinician", "owner", "supervisor"):
        enroll(session, people.cases[key])
    session.commit()
    save_policy(session, people.owner, "practice", None, PolicyForm(collection="auto_pay"))
    enroll(session, people.cases["associate"])
    session.commit()
    location_id = int(people.location.id)
    save_policy(
        session,
        people.owner,
        "location",
        location_id,
        PolicyForm(methods=("bank",), bank_only=True),
    )

    # when
    rows = policy_overview(session, people.biller)

    # then: the practice first, with its versions newest first and their cases
    assert [r.key for r in rows] == ["practice", f"location-{location_id}"]
    practice = rows[0]
    assert [(v.version, v.current, v.cases) for v in practice.versions] == [
        (2, True, 1),
        (1, False, 3),
    ]
    assert practice.enrolled == 4
    assert practice.summary == (
        "Pay per session, auto-pay every Friday; card, bank transfer, manual payment."
    )
    assert rows[1].name == "Main office"
    assert rows[1].summary.endswith("; bank transfer only.")
    # A location with a policy is no longer offered under "Add a policy for…".
    assert f"location-{location_id}" not in [k for k, _ in scope_choices(session, people.owner)]


def test_the_overview_shows_the_unsaved_default_without_writing_it(
    session: Session, people
) -> None:  # type: ignore[no-untyped-def]
    rows = policy_overview(session, people.owner)
    session.rollback()
    assert [r.key for r in rows] == ["practice"] and not rows[0].saved
    assert rows[0].summary.startswith("Pay per session, auto-invoice every Friday")
    assert session.exec(select(BillingPolicy)).all() == []


@pytest.mark.parametrize(
    "form",
    [
        PolicyForm(),
        PolicyForm(
            model="recurring_monthly",
            frequency="monthly",
            weekday="",
            month_day="last",
            collection="auto_pay",
            methods=("card", "bank"),
            bank_discount="5%",
            manual_discount="10.00",
            no_show_fee="",
            late_cancel_fee="25.50",
            monthly_amount="560.00",
            monthly_sessions="4",
        ),
        PolicyForm(
            model="pre_billed",
            frequency="monthly",
            month_day="15",
            methods=("bank",),
            bank_only=True,
            bank_discount="12.5%",
            no_show_fee="50%",
            refund_credits=True,
        ),
        PolicyForm(frequency="daily", collection="manual", methods=("manual",)),
    ],
)
def test_the_prefilled_form_saved_unchanged_gives_the_same_rules(
    session: Session, people, form: PolicyForm
) -> None:  # type: ignore[no-untyped-def]
    first = save_policy(session, people.owner, "practice", None, form)
    editor = policy_editor(session, people.owner, "practice")
    session.rollback()

    again, errors = form_from_values(editor.values)
    assert errors == {}
    second = save_policy(session, people.owner, "practice", None, again)

    assert second.version == first.version + 1
    assert _rules(second) == _rules(first)


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    kind=st.sampled_from(["none", "amount", "percent"]),
    value=st.integers(min_value=0, max_value=10_000),
)
def test_any_stored_discount_reads_back_as_itself(kind: str, value: int) -> None:
    # given a stored rule, the editor's text for it parses back to the same rule
    if kind == "none":
        value = 0
    policy = BillingPolicy(
        scope_kind="practice",
        weekday=4,
        bank_discount_kind=kind,
        bank_discount_value=value,
        created_at=clock.now(),
    )
    form, errors = form_from_values(form_values(policy))
    from practicerunner.billing.policies import validate_form

    values, more = validate_form(form)
    assert errors == {} and more == {}
    assert (values["bank_discount_kind"], values["bank_discount_value"]) == (kind, value)


def test_the_form_refuses_a_kind_without_a_value(session: Session, people) -> None:  # type: ignore[no-untyped-def]
    values = policy_editor(session, people.owner, "practice").values
    values.update(bank_discount_kind="percent", bank_discount="", no_show_fee_kind="amount")
    values["no_show_fee"] = "10%"
    _, errors = form_from_values(values)
    assert set(errors) == {"bank_discount", "no_show_fee"}


def test_a_new_scope_is_prefilled_from_the_policy_that_covers_it(session: Session, people) -> None:  # type: ignore[no-untyped-def]
    save_policy(session, people.owner, "practice", None, PolicyForm(bank_discount="5%"))
    editor = policy_editor(session, people.owner, f"location-{people.location.id}")
    assert not editor.saved and editor.version == 0
    assert (editor.values["bank_discount_kind"], editor.values["bank_discount"]) == ("percent", "5")
    # The cost explanation on the service's typical fee ($160): card 2.9% + 30¢, bank 0.8%.
    assert editor.costs.sentence == "A $160.00 payment: card $4.94, bank $1.28."
    bank = next(line for line in editor.costs.lines if line.label.startswith("Bank"))
    assert (bank.payer_pays, bank.discount) == ("$152.00", "$8.00")


def test_only_billing_settings_may_read_the_policy_screens(session: Session, people) -> None:  # type: ignore[no-untyped-def]
    for actor in (people.scheduler, people.clinician, people.supervisor, people.associate):
        with pytest.raises(PermissionDenied):
            policy_overview(session, actor)
        with pytest.raises(PermissionDenied):
            policy_editor(session, actor, "practice")
    with pytest.raises(NotFound):
        policy_editor(session, people.owner, "location-99999")
    with pytest.raises(NotFound):
        policy_editor(session, people.owner, "galaxy-1")


def test_the_case_tab_is_in_scope_for_billing_view(session: Session, people) -> None:  # type: ignore[no-untyped-def]
    mine = people.cases["clinician"]
    theirs = people.cases["owner"]
    # The scheduler sees every case's tab but may not change its exceptions.
    view = case_billing(session, people.scheduler, int(mine.id))
    assert not view.can_settings and view.can_waive
    with pytest.raises(PermissionDenied):
        update_arrangement(session, people.scheduler, int(mine.id), ArrangementForm(fee="90"))
    # A clinician sees only their caseload's tabs.
    assert case_billing(session, people.clinician, int(mine.id)).title == mine.title
    with pytest.raises(NotFound):
        case_billing(session, people.clinician, int(theirs.id))
    # The biller may change exceptions.
    assert case_billing(session, people.biller, int(theirs.id)).can_settings


def test_the_case_tab_explains_the_rule_and_lists_missed_fees(session: Session, people) -> None:  # type: ignore[no-untyped-def]
    save_policy(session, people.owner, "practice", None, PolicyForm(manual_discount="10.00"))
    case = people.cases["clinician"]
    enroll(session, case)
    session.commit()
    day = clock.now().date() - timedelta(days=3)
    missed = seen(session, people, case, day, 10, "no_show")
    seen(session, people, case, day - timedelta(days=7), 10, "attended")

    view = case_billing(session, people.clinician, int(case.id))
    session.rollback()
    assert view.enrolled and view.policy_label == "the practice, version 1"
    assert view.why[0].startswith("Enrolled under the policy for the practice (version 1)")
    assert [(m.label, m.note) for m in view.methods] == [
        ("Card", ""),
        ("Bank transfer", ""),
        ("Check or cash (recorded by staff)", "$10.00 off the listed fee"),
    ]
    assert [(f.appointment_id, f.label, f.amount) for f in view.fees] == [
        (missed.id, "Missed session fee", "$160.00")
    ]
    assert [p.share for p in view.payers] == ["100%"]
    assert view.payers[0].href.startswith("/billing/payers/client-")

    # The clinician waives it before any run: the charge is written waived, once.
    waive_missed_fee(session, people.clinician, int(case.id), int(missed.id))
    charge = session.exec(select(Charge).where(Charge.appointment_id == missed.id)).one()
    assert charge.waived_at is not None and charge.fee_cents == 16000
    assert case_billing(session, people.clinician, int(case.id)).fees == []
    session.rollback()


def test_a_clinician_cannot_waive_outside_their_caseload(session: Session, people) -> None:  # type: ignore[no-untyped-def]
    case = people.cases["owner"]
    missed = seen(session, people, case, date(2026, 1, 5), 10, "no_show")
    with pytest.raises(NotFound):
        waive_missed_fee(session, people.clinician, int(case.id), int(missed.id))
    # Nor waive a session of another case through this one.
    with pytest.raises(NotFound):
        waive_missed_fee(session, people.owner, int(people.cases["clinician"].id), int(missed.id))
    session.rollback()
    assert session.exec(select(Charge)).all() == []
