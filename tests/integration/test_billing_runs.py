"""Billing runs: per-session weekly runs, shares, discounts, pre-billed credits, monthly plans.

Every run is repeated to show it creates nothing the second time.
"""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from practicerunner.billing import charges as billing_charges
from practicerunner.billing.models import BillingRun, Charge, Invoice, LedgerEntry
from practicerunner.billing.policies import PolicyForm, save_policy
from practicerunner.billing.runs import run_billing
from practicerunner.core.errors import ValidationFailed
from tests.integration.billing_support import (
    balance,
    couple_with_contact,
    invoices_of,
    lines_of,
    seen,
)

FRIDAY = date(2026, 12, 4)
WEEK = [date(2026, 11, 30), date(2026, 12, 2), date(2026, 12, 3)]  # Mon, Wed, Thu


def weekly_friday(people, session: Session, **extra: object) -> None:  # type: ignore[no-untyped-def]
    form = PolicyForm(frequency="weekly", weekday="4", **extra)  # type: ignore[arg-type]
    save_policy(session, people.owner, "practice", None, form)


def test_sessions_are_tracked_all_week_and_invoiced_on_friday(session: Session, people) -> None:  # type: ignore[no-untyped-def]
    weekly_friday(people, session)
    case = people.cases["clinician"]
    seen(session, people, case, WEEK[0], 9)
    seen(session, people, case, WEEK[1], 9)
    seen(session, people, case, WEEK[2], 9, "no_show")
    seen(session, people, case, date(2026, 12, 5), 9)  # Saturday: next week's run

    assert run_billing(session, date(2026, 12, 3)) == []  # Thursday: no run
    assert invoices_of(session, case) == []

    first = run_billing(session, FRIDAY)
    [invoice] = invoices_of(session, case)
    lines = lines_of(session, invoice)
    assert [(x.service_date, x.description, x.amount_cents) for x in lines] == [
        (WEEK[0], "Session", 16000),
        (WEEK[1], "Session", 16000),
        (WEEK[2], "Missed session fee", 16000),
    ]
    assert invoice.total_cents == 48000
    assert invoice.number == f"INV-{invoice.id:06d}"
    assert invoice.due_on == date(2026, 12, 18)
    assert sum(s.invoices_made for s in first) >= 1

    again = run_billing(session, FRIDAY)
    assert sum(s.invoices_made for s in again) == 0
    assert len(invoices_of(session, case)) == 1
    assert balance(session, invoice.payer_key) == 48000
    run = session.exec(select(BillingRun).where(BillingRun.key == invoice.period_key)).one()
    assert run.period_start == date(2026, 11, 28) and run.period_end == FRIDAY
    assert run.finished_at is not None


def test_couple_split_fifty_fifty_sums_exactly_to_an_odd_fee(session: Session, people) -> None:  # type: ignore[no-untyped-def]
    weekly_friday(people, session)
    case, jordan, alex, _ = couple_with_contact(session, people, contact_pays=False)
    seen(session, people, case, WEEK[0], 11, fee_cents=15001)
    run_billing(session, FRIDAY)
    invoices = invoices_of(session, case)
    assert {i.payer_key: i.total_cents for i in invoices} == {
        f"client:{jordan.id}": 7501,
        f"client:{alex.id}": 7500,
    }
    assert sum(i.total_cents for i in invoices) == 15001


def test_a_billing_contact_gets_the_invoice_and_the_partners_none(session: Session, people) -> None:  # type: ignore[no-untyped-def]
    weekly_friday(people, session)
    case, jordan, alex, contact = couple_with_contact(session, people)
    seen(session, people, case, WEEK[1], 11)
    run_billing(session, FRIDAY)
    [invoice] = invoices_of(session, case)
    assert invoice.contact_id == contact.id and invoice.client_id is None  # type: ignore[union-attr]
    assert balance(session, f"client:{jordan.id}") == 0
    assert balance(session, f"client:{alex.id}") == 0
    assert balance(session, f"contact:{contact.id}") == 16000  # type: ignore[union-attr]


def test_manual_payment_discount_comes_off_the_listed_fee(session: Session, people) -> None:  # type: ignore[no-untyped-def]
    weekly_friday(people, session, collection="manual", manual_discount="10%")
    case = people.cases["clinician"]
    seen(session, people, case, WEEK[0], 9)
    seen(session, people, case, WEEK[1], 9, "late_cancelled")
    run_billing(session, FRIDAY)
    [invoice] = invoices_of(session, case)
    lines = lines_of(session, invoice)
    assert [(x.amount_cents, x.discount_cents) for x in lines] == [(16000, 1600), (16000, 0)]
    assert invoice.total_cents == 16000 + 16000 - 1600
    assert balance(session, invoice.payer_key) == invoice.total_cents
    kinds = session.exec(
        select(LedgerEntry.kind, func.sum(LedgerEntry.amount_cents))
        .where(LedgerEntry.invoice_id == invoice.id)
        .group_by(LedgerEntry.kind)
    ).all()
    assert dict(kinds) == {"charge": 32000, "discount": -1600}


def test_a_waived_no_show_fee_is_not_invoiced(session: Session, people) -> None:  # type: ignore[no-untyped-def]
    weekly_friday(people, session, no_show_fee="50%")
    case = people.cases["clinician"]
    missed = seen(session, people, case, WEEK[0], 9, "no_show")
    seen(session, people, case, WEEK[1], 9, "no_show")
    run_billing(session, date(2026, 11, 27))  # the Friday before: enrols and charges nothing
    # The clinician looks at the week before Friday and waives one fee.
    from practicerunner.billing.policies import effective_for_case

    rules = effective_for_case(session, case)
    billing_charges.sync_session_charges(
        session, int(case.id), rules, WEEK[0], WEEK[1], "America/Los_Angeles"
    )
    session.commit()
    charge = session.exec(select(Charge).where(Charge.appointment_id == missed.id)).one()
    assert charge.fee_cents == 8000  # 50% of $160
    billing_charges.waive(session, people.clinician, int(charge.id))  # type: ignore[arg-type]
    run_billing(session, FRIDAY)
    [invoice] = invoices_of(session, case)
    assert [x.amount_cents for x in lines_of(session, invoice)] == [8000]


def test_pre_billed_month_with_a_cancelled_session_credited_next_month(
    session: Session, people
) -> None:  # type: ignore[no-untyped-def]
    save_policy(
        session,
        people.owner,
        "practice",
        None,
        PolicyForm(model="pre_billed", frequency="monthly", weekday="", month_day="1"),
    )
    case = people.cases["clinician"]
    december = [
        seen(session, people, case, date(2026, 12, d), 10, "scheduled") for d in (7, 14, 21, 28)
    ]
    run_billing(session, date(2026, 12, 1))
    [first] = invoices_of(session, case)
    assert first.total_cents == 4 * 16000
    assert {x.description for x in lines_of(session, first)} == {"Prepaid session"}

    # The client cancels the 21st in good time; January has two sessions booked.
    december[2].status = "cancelled_client"
    session.add(december[2])
    session.commit()
    for d in (4, 11):
        seen(session, people, case, date(2027, 1, d), 10, "scheduled")
    run_billing(session, date(2027, 1, 1))
    run_billing(session, date(2027, 1, 1))
    second = invoices_of(session, case)[1]
    lines = lines_of(session, second)
    assert sorted(x.amount_cents for x in lines) == [-16000, 16000, 16000]
    assert second.total_cents == 16000
    assert balance(session, second.payer_key) == 4 * 16000 + 16000
    # The credit is netted once: February nets nothing more.
    run_billing(session, date(2027, 2, 1))
    credits = session.exec(
        select(func.count()).select_from(LedgerEntry).where(LedgerEntry.kind == "credit")
    ).one()
    assert credits == 1


def test_recurring_monthly_plan_plus_sessions_beyond_it(session: Session, people) -> None:  # type: ignore[no-untyped-def]
    save_policy(
        session,
        people.owner,
        "practice",
        None,
        PolicyForm(
            model="recurring_monthly",
            frequency="monthly",
            weekday="",
            month_day="1",
            monthly_amount="600",
            monthly_sessions="4",
        ),
    )
    case = people.cases["clinician"]
    for d in (2, 9, 16, 23, 30):  # five sessions in November
        seen(session, people, case, date(2026, 11, d), 10)
    run_billing(session, date(2026, 12, 1))
    [invoice] = invoices_of(session, case)
    lines = lines_of(session, invoice)
    assert [(x.description, x.amount_cents) for x in lines] == [
        ("Session", 16000),
        ("Monthly plan", 60000),
    ]
    assert lines[0].service_date == date(2026, 11, 30)


@pytest.mark.parametrize(
    ("form", "field"),
    [
        (PolicyForm(manual_discount="150%"), "manual_discount"),
        (PolicyForm(bank_discount="-5"), "bank_discount"),
        (PolicyForm(frequency="monthly", weekday="", month_day="32"), "month_day"),
        (PolicyForm(frequency="weekly", weekday="9"), "weekday"),
        (PolicyForm(methods=()), "methods"),
        (
            PolicyForm(model="recurring_monthly", frequency="monthly", month_day="1"),
            "monthly_amount",
        ),
    ],
)
def test_bad_policy_input_is_refused_and_writes_nothing(
    session: Session, people, form: PolicyForm, field: str
) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationFailed) as failed:
        save_policy(session, people.owner, "practice", None, form)
    assert field in failed.value.errors
    session.rollback()
    from practicerunner.billing.models import BillingPolicy

    assert session.exec(select(func.count()).select_from(BillingPolicy)).one() == 0


def test_two_workers_running_the_same_friday_make_each_invoice_once(
    engine: Engine, session: Session, people
) -> None:  # type: ignore[no-untyped-def]
    weekly_friday(people, session)
    for case in people.cases.values():
        for i, day in enumerate(WEEK):
            seen(session, people, case, day, 8 + i)
    session.close()
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            with Session(engine, expire_on_commit=False) as own:
                run_billing(own, FRIDAY)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with Session(engine) as check:
        invoices = check.exec(select(Invoice)).all()
        assert len(invoices) == len(people.cases)
        assert all(i.total_cents == 3 * 16000 for i in invoices)
        run = check.exec(select(BillingRun)).one()
        assert run.invoices_made == len(people.cases)


def test_a_credit_is_what_the_payer_paid_after_their_discount(session: Session, people) -> None:  # type: ignore[no-untyped-def]
    save_policy(
        session,
        people.owner,
        "practice",
        None,
        PolicyForm(
            model="pre_billed",
            frequency="monthly",
            weekday="",
            month_day="1",
            collection="manual",
            manual_discount="10%",
        ),
    )
    case = people.cases["clinician"]
    december = [seen(session, people, case, date(2026, 12, d), 10, "scheduled") for d in (7, 14)]
    run_billing(session, date(2026, 12, 1))
    [first] = invoices_of(session, case)
    assert first.total_cents == 2 * (16000 - 1600)
    december[1].status = "cancelled_practice"
    session.add(december[1])
    session.commit()
    seen(session, people, case, date(2027, 1, 4), 10, "scheduled")
    run_billing(session, date(2027, 1, 1))
    second = invoices_of(session, case)[1]
    credit = [x for x in lines_of(session, second) if x.amount_cents < 0]
    assert [x.amount_cents for x in credit] == [-(16000 - 1600)]  # not the listed $160
    assert second.total_cents == (16000 - 1600) - (16000 - 1600)
    assert balance(session, second.payer_key) == 2 * 14400 + 0
