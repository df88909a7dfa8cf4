"""The staff billing read models: dashboard numbers, age buckets, runs, a payer's account,
the invoice document — who may read them, and the audit entries they leave."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfReader
from sqlmodel import Session, col, select

from practicerunner.billing import views
from practicerunner.billing.collect import ManualPayment, record_manual_payment
from practicerunner.billing.models import BillingRun, Invoice, PaymentAttempt
from practicerunner.billing.pdf import render_invoice
from practicerunner.billing.policies import PolicyForm, save_policy
from practicerunner.billing.runs import run_billing
from practicerunner.billing.staff_documents import invoice_document
from practicerunner.clients.models import Case
from practicerunner.core import clock
from practicerunner.core.audit import AuditEvent
from practicerunner.core.errors import NotFound, PermissionDenied
from tests.integration.billing_support import couple_with_contact, invoices_of, seen

TODAY = date(2026, 12, 4)  # a Friday
NOON = datetime(2026, 12, 4, 20, 0, tzinfo=UTC)  # noon in Los Angeles
WEEK = [date(2026, 11, 30), date(2026, 12, 2)]


@pytest.fixture
def at_noon():  # type: ignore[no-untyped-def]
    with clock.frozen_at(NOON) as move:
        yield move


def _invoice(
    session: Session,
    case: Case,
    client_id: int,
    *,
    issued_days_ago: int,
    total: int,
    paid: int = 0,
    status: str = "open",
    processing_until: date | None = None,
) -> Invoice:
    issued = TODAY - timedelta(days=issued_days_ago)
    invoice = Invoice(
        number=f"T-{issued_days_ago}-{total}-{status}"[:20],
        case_id=int(case.id),  # type: ignore[arg-type]
        client_id=client_id,
        payer_key=f"client:{client_id}",
        period_key=f"test:{issued_days_ago}:{total}:{status}",
        issued_on=issued,
        due_on=issued + timedelta(days=14),
        status=status,
        collection="auto_pay",
        total_cents=total,
        paid_cents=paid,
        processing_until=processing_until,
        created_at=clock.now(),
    )
    session.add(invoice)
    session.commit()
    return invoice


def _attempt(
    session: Session, invoice: Invoice, no: int, method: str, status: str, code: str = ""
) -> None:
    now = clock.now()
    session.add(
        PaymentAttempt(
            invoice_id=int(invoice.id),  # type: ignore[arg-type]
            attempt_no=no,
            idempotency_key=f"test-{invoice.id}-{no}",
            gateway="simulated",
            method=method,
            amount_cents=invoice.total_cents - invoice.paid_cents,
            status=status,
            failure_code=code,
            created_at=now,
            updated_at=now,
        )
    )
    session.commit()


def _actions(session: Session, action: str) -> list[AuditEvent]:
    session.expire_all()
    return list(session.exec(select(AuditEvent).where(AuditEvent.action == action)).all())


def test_dashboard_numbers_match_the_invoices_in_each_state(
    session: Session, people, at_noon
) -> None:  # type: ignore[no-untyped-def]
    case = people.cases["clinician"]
    cid = int(people.clients["clinician"].id)
    plain = _invoice(session, case, cid, issued_days_ago=5, total=16000)
    partly = _invoice(session, case, cid, issued_days_ago=40, total=20000, paid=5000)
    on_its_way = _invoice(
        session,
        case,
        cid,
        issued_days_ago=3,
        total=12000,
        status="processing",
        processing_until=date(2026, 12, 10),
    )
    _invoice(session, case, cid, issued_days_ago=8, total=9000, paid=9000, status="paid")
    _invoice(session, case, cid, issued_days_ago=9, total=7000, status="void")
    declined = _invoice(session, case, cid, issued_days_ago=70, total=16100)
    _attempt(session, declined, 1, "card", "failed", "card_declined")
    returned = _invoice(session, case, cid, issued_days_ago=100, total=16200)
    _attempt(session, returned, 1, "bank", "failed", "R01")
    confirm = _invoice(session, case, cid, issued_days_ago=2, total=16300)
    _attempt(session, confirm, 1, "card", "failed", "card_declined")
    _attempt(session, confirm, 2, "card", "requires_action")
    recovered = _invoice(session, case, cid, issued_days_ago=1, total=4000, paid=1000)
    _attempt(session, recovered, 1, "card", "failed", "card_declined")
    _attempt(session, recovered, 2, "card", "succeeded")

    board = views.dashboard(session, people.biller)

    outstanding = [plain, partly, on_its_way, declined, returned, confirm, recovered]
    open_ones = [i for i in outstanding if i.status == "open"]
    assert {i.number for i in board.due} == {i.number for i in open_ones}
    assert board.due_cents == sum(i.total_cents - i.paid_cents for i in open_ones)
    assert [(i.number, i.status_label) for i in board.processing] == [
        (on_its_way.number, "Processing until Thu, Dec 10")
    ]
    assert board.processing_cents == 12000
    reasons = {i.number: i.note for i in board.failed}
    assert reasons == {
        declined.number: "Card declined",
        returned.number: "Returned: insufficient funds (R01)",
        confirm.number: "Waiting for the payer to confirm the card payment",
    }
    assert board.failed_cents == 16100 + 16200 + 16300
    expected_ages = [0, 0, 0, 0]
    for invoice in outstanding:
        days = (TODAY - invoice.issued_on).days
        bucket = 0 if days <= 30 else 1 if days <= 60 else 2 if days <= 90 else 3
        expected_ages[bucket] += invoice.total_cents - invoice.paid_cents
    assert [a.total_cents for a in board.ages] == expected_ages
    assert board.outstanding_cents == sum(expected_ages)
    assert [a.count for a in board.ages] == [4, 1, 1, 1]
    # Overdue: open, something left, and past its due date (issued more than 14 days ago).
    assert {i.number for i in board.due if i.overdue} == {
        partly.number,
        declined.number,
        returned.number,
    }
    # Only amounts, dates, names and numbers: nothing about the care.
    assert "Low mood" not in repr(board)


@pytest.mark.parametrize(
    ("days", "label"),
    [
        (0, "0–30 days"),
        (30, "0–30 days"),
        (31, "31–60 days"),
        (60, "31–60 days"),
        (61, "61–90 days"),
        (90, "61–90 days"),
        (91, "90+ days"),
    ],
)
def test_age_buckets_at_their_boundaries(session: Session, people, days: int, label: str) -> None:  # type: ignore[no-untyped-def]
    case = people.cases["clinician"]
    cid = int(people.clients["clinician"].id)
    _invoice(session, case, cid, issued_days_ago=days, total=12345)
    board = views.dashboard(session, people.owner, today=TODAY)
    filled = [(a.label, a.count, a.total_cents) for a in board.ages if a.count]
    assert filled == [(label, 1, 12345)]


@given(days=st.integers(min_value=-400, max_value=4000))
def test_every_age_falls_in_exactly_one_bucket(days: int) -> None:
    issued = TODAY - timedelta(days=days)
    index = views.age_bucket(issued, TODAY)
    _label, first, last = views.AGE_BUCKETS[index]
    effective = max(days, 0)
    assert first <= effective and (last is None or effective <= last)
    others = [b for i, b in enumerate(views.AGE_BUCKETS) if i != index and b[1] <= effective]
    assert all(b[2] is not None and b[2] < effective for b in others)


@pytest.mark.parametrize("who", ["scheduler", "clinician", "associate", "supervisor"])
def test_only_owner_and_biller_see_the_dashboard_and_runs(
    session: Session, people, who: str
) -> None:  # type: ignore[no-untyped-def]
    actor = people.all()[who]
    with pytest.raises(PermissionDenied):
        views.dashboard(session, actor)
    with pytest.raises(PermissionDenied):
        views.list_runs(session, actor)
    with pytest.raises(PermissionDenied):
        views.run_invoices(session, actor, 1)
    with pytest.raises(PermissionDenied):
        views.run_now(session, actor)
    assert _actions(session, "billing.dashboard_viewed") == []
    assert _actions(session, "billing.run_started") == []


def _friday_invoice(session: Session, people) -> Invoice:  # type: ignore[no-untyped-def]
    save_policy(
        session, people.owner, "practice", None, PolicyForm(frequency="weekly", weekday="4")
    )
    case = people.cases["clinician"]
    for day in WEEK:
        seen(session, people, case, day, 9)
    run_billing(session, TODAY)
    [invoice] = invoices_of(session, case)
    return invoice


def test_a_payers_account_is_scoped_to_the_caseload_and_audited(session: Session, people) -> None:  # type: ignore[no-untyped-def]
    invoice = _friday_invoice(session, people)
    key = invoice.payer_key

    # Carl sees his own client's account; Ana (another caseload) is told it does not exist.
    account = views.payer_account(session, people.clinician, key)
    assert account.payer.name == people.clients["clinician"].legal_name
    assert not account.can_collect
    for outsider in (people.associate, people.associate2):
        with pytest.raises(NotFound):
            views.payer_account(session, outsider, key)
        with pytest.raises(NotFound):
            invoice_document(session, outsider, int(invoice.id))  # type: ignore[arg-type]

    account = views.payer_account(session, people.biller, key)
    assert account.can_collect
    [row] = account.invoices
    assert row.item.number == invoice.number and row.item.status_label == "Open"
    assert [(x.description, x.amount_cents) for x in row.lines] == [
        ("Session", 16000),
        ("Session", 16000),
    ]
    assert account.balance_cents == 32000 == account.open_cents
    assert [r.balance_cents for r in account.ledger.rows] == [16000, 32000]

    viewed = _actions(session, "billing.account_viewed")
    assert [(e.actor_name, e.client_id) for e in viewed] == [
        ("Carl Chen", people.clients["clinician"].id),
        ("Bill Baker", people.clients["clinician"].id),
    ]
    assert len(_actions(session, "billing.ledger_viewed")) == 2


def test_a_billing_contacts_account_holds_billing_only(session: Session, people) -> None:  # type: ignore[no-untyped-def]
    save_policy(
        session, people.owner, "practice", None, PolicyForm(frequency="weekly", weekday="4")
    )
    case, _a, _b, contact = couple_with_contact(session, people)
    seen(session, people, case, WEEK[1], 11)
    run_billing(session, TODAY)
    key = f"contact:{contact.id}"  # type: ignore[union-attr]
    account = views.payer_account(session, people.owner, key)
    assert account.is_contact and account.payer.name == "Pat Morgan"
    assert account.balance_cents == 16000
    text = repr(account)
    for clinical in ("Conflict about money", "therapy", "90837", "Lee couple"):
        assert clinical not in text


def test_the_invoice_document_reads_as_billing_only_and_is_audited(
    session: Session, people, at_noon
) -> None:  # type: ignore[no-untyped-def]
    invoice = _friday_invoice(session, people)
    iid = int(invoice.id)  # type: ignore[arg-type]
    record_manual_payment(
        session, people.biller, ManualPayment(iid, "100.00", "check", "2026-12-04", "1021")
    )
    doc = invoice_document(session, people.biller, iid)
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(render_invoice(doc))).pages)
    assert invoice.number in text
    assert "Session on Mon, Nov 30, 2026" in text and "Session on Wed, Dec 2, 2026" in text
    assert "check" in text.lower() and "(ref. 1021)" in text
    assert doc.balance_cents == 32000 - 10000
    for clinical in ("therapy", "Therapy", "90837", "CPT", "Low mood"):
        assert clinical not in text
    [event] = _actions(session, "billing.invoice_downloaded")
    assert event.record_id == iid and event.actor_name == "Bill Baker"


def test_runs_are_listed_newest_first_with_their_invoices(session: Session, people) -> None:  # type: ignore[no-untyped-def]
    save_policy(
        session, people.owner, "practice", None, PolicyForm(frequency="weekly", weekday="4")
    )
    case = people.cases["clinician"]
    seen(session, people, case, date(2026, 11, 23), 9)
    seen(session, people, case, WEEK[0], 9)
    run_billing(session, date(2026, 11, 27))
    run_billing(session, TODAY)

    page = views.list_runs(session, people.owner, page=1, per_page=1)
    assert page.total == 2 and page.pages == 2
    assert [r.run_on for r in page.rows] == [TODAY]
    older = views.list_runs(session, people.owner, page=2, per_page=1)
    assert [r.run_on for r in older.rows] == [date(2026, 11, 27)]

    run = session.exec(select(BillingRun).where(BillingRun.run_on == TODAY)).one()
    item, rows = views.run_invoices(session, people.biller, int(run.id))  # type: ignore[arg-type]
    expected = session.exec(
        select(Invoice).where(Invoice.run_id == run.id).order_by(col(Invoice.id))
    ).all()
    assert item.invoices_made == len(expected) == len(rows)
    assert [(r.number, r.total_cents, r.payer_name) for r in rows] == [
        (i.number, i.total_cents, people.clients["clinician"].legal_name) for i in expected
    ]
    with pytest.raises(NotFound):
        views.run_invoices(session, people.biller, 999999)


def test_run_now_runs_todays_billing_and_is_audited(session: Session, people, at_noon) -> None:  # type: ignore[no-untyped-def]
    save_policy(
        session, people.owner, "practice", None, PolicyForm(frequency="weekly", weekday="4")
    )
    seen(session, people, people.cases["clinician"], WEEK[0], 9)
    session.rollback()
    result = views.run_now(session, people.biller)
    assert result["runs"] >= 1 and result["invoices"] == 1
    assert len(invoices_of(session, people.cases["clinician"])) == 1
    assert len(_actions(session, "billing.run_started")) == 1


@pytest.mark.parametrize(
    ("method", "status", "code", "words"),
    [
        ("card", "failed", "card_declined", "Card declined"),
        ("card", "failed", "expired_card", "Card expired"),
        ("bank", "failed", "R01", "Returned: insufficient funds (R01)"),
        ("bank", "failed", "R02", "Returned: account closed (R02)"),
        ("bank", "failed", "R99", "Returned by the bank (R99)"),
        ("card", "requires_action", "", "Waiting for the payer to confirm the card payment"),
        ("card", "failed", "weird_code", "Payment failed (weird_code)"),
    ],
)
def test_failure_reasons_in_plain_words(method: str, status: str, code: str, words: str) -> None:
    assert views.failure_reason(method, status, code) == words


def test_payer_slugs() -> None:
    assert views.key_from_slug("client-12") == "client:12"
    assert views.key_from_slug("contact-7") == "contact:7"
    for bad in ("client-", "staff-3", "client-1x", "", "client:12"):
        with pytest.raises(NotFound):
            views.key_from_slug(bad)


def test_staff_see_when_a_bank_payer_is_emailed_before_each_debit(session: Session, people) -> None:  # type: ignore[no-untyped-def]
    from practicerunner.billing.gateways.base import MethodKind, SavedMethod
    from practicerunner.billing.methods import add_method

    invoice = _friday_invoice(session, people)
    key = invoice.payer_key
    session.rollback()
    bank = SavedMethod("sim_bank_1", MethodKind.BANK, "Bank •••• 6789")
    add_method(session, "simulated", key, bank, auto_pay=True, notice_above_cents=40000)
    card = SavedMethod("sim_card_1", MethodKind.CARD, "Visa •••• 4242")
    add_method(session, "simulated", key, card, auto_pay=True)
    account = views.payer_account(session, people.biller, key)
    notices = {m.label: m.debit_notice for m in account.methods}
    assert notices == {"Visa •••• 4242": "", "Bank •••• 6789": "Emailed before debits over $400.00"}
    add_method(session, "simulated", key, bank, auto_pay=True, notice_above_cents=None)
    account = views.payer_account(session, people.biller, key)
    assert {m.label: m.debit_notice for m in account.methods}["Bank •••• 6789"] == (
        "Emailed before every debit"
    )
