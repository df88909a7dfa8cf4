"""The demo practice's billing: policies, saved methods and past Friday runs made by the services.

What the Billing dashboard, runs and payer pages show on the demo: invoices paid by card and
by hand, a bank debit still processing, one declined card, a couple's billing contact paying,
a consultation client invoiced — and every invoice adding up on the ledger.
"""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func
from sqlmodel import Session, col, select

from practicerunner.billing.demo_billing import demo_fridays
from practicerunner.billing.gateways.simulated_models import SimPayment
from practicerunner.billing.models import (
    BillingArrangement,
    BillingPolicy,
    BillingRun,
    Invoice,
    InvoiceLine,
    LedgerEntry,
    PayerMethod,
    PaymentAttempt,
)
from practicerunner.clients.models import Case, Client, Contact
from practicerunner.core import clock
from practicerunner.demo import seed_demo
from practicerunner.practice.models import Location

# A Wednesday: the demo's last run is the Friday before, its bank debit still on its way.
SEEDED_AT = datetime(2026, 10, 14, 17, 0, tzinfo=UTC)


@pytest.fixture
def seeded(session: Session) -> Session:
    with clock.frozen_at(SEEDED_AT):
        assert seed_demo() is True
    return session


def _case(session: Session, title: str) -> Case:
    return session.exec(select(Case).where(Case.title == title)).one()


def _client_key(session: Session, first: str, last: str) -> str:
    client = session.exec(
        select(Client).where(Client.legal_first_name == first, Client.legal_last_name == last)
    ).one()
    return f"client:{client.id}"


def _invoices(session: Session, **where: object) -> list[Invoice]:
    query = select(Invoice).order_by(col(Invoice.id))
    for name, value in where.items():
        query = query.where(getattr(Invoice, name) == value)
    return list(session.exec(query).all())


def test_policies_practice_wide_and_a_telehealth_variant(seeded: Session) -> None:
    current = seeded.exec(select(BillingPolicy).where(col(BillingPolicy.is_current))).all()
    by_scope = {p.scope_kind: p for p in current}
    assert set(by_scope) == {"practice", "location"}
    practice = by_scope["practice"]
    assert (practice.model, practice.frequency, practice.weekday, practice.collection) == (
        "per_session",
        "weekly",
        4,
        "auto_invoice",
    )
    assert (practice.bank_discount_kind, practice.bank_discount_value) == ("percent", 500)
    telehealth = by_scope["location"]
    assert seeded.get(Location, telehealth.scope_id).name == "Telehealth"  # type: ignore[union-attr]
    assert (telehealth.no_show_fee_kind, telehealth.no_show_fee_value) == ("percent", 5000)
    # Both are in use: telehealth cases enrolled under the variant.
    pinned = Counter(a.policy_id for a in seeded.exec(select(BillingArrangement)).all())
    assert pinned[practice.id] > 0 and pinned[telehealth.id] > 0


def test_three_friday_runs_the_first_catching_up_on_the_history(seeded: Session) -> None:
    runs = seeded.exec(select(BillingRun).order_by(col(BillingRun.run_on))).all()
    fridays = demo_fridays(date(2026, 10, 14))
    assert [r.run_on for r in runs] == fridays
    assert fridays[-1] == date(2026, 10, 9)
    assert all(r.key == f"weekly-4:{r.run_on.isoformat()}" for r in runs)
    assert all(r.finished_at is not None and r.invoices_made > 0 for r in runs)
    # The first run billed the sessions since the calendar began (six weeks back).
    first = _invoices(seeded, run_id=runs[0].id)
    dates = seeded.exec(
        select(InvoiceLine.service_date).where(
            col(InvoiceLine.invoice_id).in_([i.id for i in first])
        )
    ).all()
    assert min(dates) < fridays[0] - timedelta(weeks=2)
    later = _invoices(seeded, run_id=runs[-1].id)
    dates = seeded.exec(
        select(InvoiceLine.service_date).where(
            col(InvoiceLine.invoice_id).in_([i.id for i in later])
        )
    ).all()
    assert fridays[-1] - timedelta(days=6) <= min(dates) and max(dates) <= fridays[-1]
    made = seeded.exec(select(func.count()).select_from(Invoice)).one()
    assert sum(r.invoices_made for r in runs) == made


def test_payments_paid_processing_and_one_declined(seeded: Session) -> None:
    statuses = Counter(i.status for i in _invoices(seeded))
    assert statuses["paid"] >= 10 and statuses["open"] >= 10
    # Rachel Kim's bank debit from the last Friday is on its way; the earlier ones settled.
    rachel = _client_key(seeded, "Rachel", "Kim")
    hers = _invoices(seeded, payer_key=rachel)
    assert [i.status for i in hers][-1] == "processing"
    assert set(i.status for i in hers[:-1]) == {"paid"}
    assert hers[-1].processing_until is not None and hers[-1].processing_until > date(2026, 10, 9)
    lines = seeded.exec(select(InvoiceLine).where(InvoiceLine.invoice_id == hers[0].id)).all()
    sessions = [x for x in lines if x.description == "Session"]
    assert sessions and all(x.discount_label == "Bank transfer discount" for x in sessions)
    assert all(x.discount_cents == x.amount_cents * 5 // 100 for x in sessions)
    assert all(x.discount_cents == 0 for x in lines if x.description != "Session")

    failed = seeded.exec(
        select(PaymentAttempt).where(col(PaymentAttempt.status).in_(["failed", "requires_action"]))
    ).all()
    assert len(failed) == 1 and failed[0].failure_code == "card_declined"
    marcus = seeded.get(Invoice, failed[0].invoice_id)
    assert marcus is not None and marcus.status == "open"
    assert marcus.payer_key == _client_key(seeded, "Marcus", "Johnson")

    maya = _client_key(seeded, "Maya", "Patel")
    assert {i.status for i in _invoices(seeded, payer_key=maya)} == {"paid"}
    assert seeded.exec(select(func.count()).select_from(SimPayment)).one() == len(
        seeded.exec(select(PaymentAttempt)).all()
    )


def test_saved_methods_one_bank_and_the_billing_contact_pays(seeded: Session) -> None:
    methods = seeded.exec(select(PayerMethod)).all()
    assert len(methods) == 5
    assert Counter(m.kind for m in methods) == {"card": 4, "bank": 1}
    assert all(m.auto_pay and m.is_default for m in methods)
    patricia = seeded.exec(select(Contact).where(Contact.first_name == "Patricia")).one()
    reyes = _invoices(seeded, case_id=_case(seeded, "Reyes (couple)").id)
    assert reyes and {i.payer_key for i in reyes} == {f"contact:{patricia.id}"}
    assert {i.status for i in reyes} == {"paid"}
    helen = _invoices(seeded, case_id=_case(seeded, "Helen Brandt (consultation)").id)
    assert helen and helen[0].status == "paid"  # cash, recorded by the biller
    assert all(i.status == "open" for i in helen[1:])
    jon = _invoices(seeded, case_id=_case(seeded, "Jonathan Whitaker").id)
    cheque = seeded.exec(
        select(LedgerEntry).where(
            LedgerEntry.invoice_id == jon[0].id, LedgerEntry.kind == "payment"
        )
    ).one()
    assert cheque.description.startswith("Check (Check 1042)")


def test_every_invoice_adds_up_on_its_lines_and_the_ledger(seeded: Session) -> None:
    for invoice in _invoices(seeded):
        lines = seeded.exec(select(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id)).all()
        assert invoice.total_cents == sum(x.amount_cents - x.discount_cents for x in lines)
        entries = seeded.exec(select(LedgerEntry).where(LedgerEntry.invoice_id == invoice.id)).all()
        owed = sum(e.amount_cents for e in entries)
        assert owed == invoice.total_cents - invoice.paid_cents
        if invoice.status == "paid":
            assert owed == 0


def test_seeding_again_changes_nothing(seeded: Session) -> None:
    models = (BillingPolicy, BillingArrangement, BillingRun, Invoice, LedgerEntry, PaymentAttempt)
    before = {m.__name__: seeded.exec(select(func.count()).select_from(m)).one() for m in models}
    seeded.rollback()
    with clock.frozen_at(SEEDED_AT + timedelta(days=1)):
        assert seed_demo() is False
    after = {m.__name__: seeded.exec(select(func.count()).select_from(m)).one() for m in models}
    assert before == after


@given(st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)))
def test_demo_fridays_are_the_last_three_before_today(today: date) -> None:
    fridays = demo_fridays(today)
    assert len(fridays) == 3
    assert all(f.weekday() == 4 for f in fridays)
    assert all(b - a == timedelta(weeks=1) for a, b in itertools.pairwise(fridays))
    assert today - timedelta(days=7) <= fridays[-1] < today
