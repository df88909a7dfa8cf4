"""Situation 2: a consultation client, scheduled, invoiced and paid with no diagnosis or claim.

Everything goes through the services a user's clicks call: the owner adds a consultation
service with no CPT code, a client and a consultation case (with a presenting concern, as
intake records one); the clinician books a session through the scheduling service and marks
it attended; the Friday's billing run invoices it and emails the invoice; the payer pays by
the emailed link (card) or the biller records cash. Every artefact on the way — the booking
email, the invoice's lines, the ledger, the invoice email, the invoice PDF, the pay page's
view model, what the processor was told — bills a "Session" and nothing more: no CPT code,
no diagnosis, no claim, no "therapy", no service name, no presenting concern.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from pypdf import PdfReader
from sqlmodel import Session, col, select

from practicerunner.billing.collect import ManualPayment, record_manual_payment
from practicerunner.billing.gateways.simulated import SimulatedGateway
from practicerunner.billing.gateways.simulated_models import SimPayment
from practicerunner.billing.invoice_docs import invoice_document
from practicerunner.billing.ledger import payer_ledger
from practicerunner.billing.models import Invoice, InvoiceLine, LedgerEntry
from practicerunner.billing.paylink import PayForm, pay_invoice, pay_view
from practicerunner.billing.pdf import render_invoice
from practicerunner.billing.policies import PolicyForm, save_policy
from practicerunner.billing.runs import run_billing
from practicerunner.clients import cases
from practicerunner.clients import service as clients
from practicerunner.core import clock
from practicerunner.messaging.models import OutboxMessage
from practicerunner.practice.service import services as practice_services
from practicerunner.scheduling.service.booking import book
from practicerunner.scheduling.service.changes import set_status
from practicerunner.scheduling.views import AppointmentInput

MONDAY_MORNING = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)  # 7 am in Los Angeles
TUESDAY = date(2026, 12, 1)
FRIDAY = date(2026, 12, 4)
SERVICE_NAME = "Initial consultation, 30 min"
CONCERN = "Panic attacks at work; wants a diagnosis for an insurance claim"
FEE = "95.00"


def _clean(text: str) -> str:
    """TEXT with pay-link tokens cut out: random base64 may spell three letters of anything."""
    return re.sub(r"/pay/[A-Za-z0-9_\-.]+", "/pay/<token>", text)


def assert_billing_only(what: str, text: str) -> None:
    """TEXT (one artefact) says nothing clinical: the forbidden words, the service, the concern."""
    text = _clean(text)
    lowered = text.lower()
    for word in ("diagnos", "claim", "therapy", SERVICE_NAME.lower(), "panic", "insurance"):
        assert word not in lowered, f"{what} contains {word!r}: {text[:400]}"
    assert not re.search(r"\bICD\b", text), f"{what} names ICD"
    assert not re.search(r"\b9\d{4}\b", text), f"{what} has a CPT-like code: {text[:400]}"


@pytest.fixture
def travel() -> Iterator:  # type: ignore[type-arg]
    with clock.frozen_at(MONDAY_MORNING) as move:
        yield move


def _consultation_booked_and_attended(session: Session, people, travel) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """The owner's set-up and the clinician's Tuesday; returns (case id, client id)."""
    save_policy(session, people.owner, "practice", None, PolicyForm(weekday="4"))
    service = practice_services.create_service(
        session,
        people.owner,
        practice_services.ServiceInput(
            name=SERVICE_NAME, kind="consultation", duration_minutes="30", fee=FEE, cpt_code=""
        ),
    )
    assert service.cpt_code == ""
    clinician = people.staff["clinician"]
    client = clients.create_client(
        session,
        people.owner,
        {
            "legal_first_name": "Dana",
            "legal_last_name": "Okafor",
            "date_of_birth": "1979-03-08",
            "email": "dana.okafor@example.com",
            "clinician_id": str(clinician.id),
        },
    )
    case = cases.create_case(
        session,
        people.owner,
        cases.CaseInput(
            kind="consultation",
            primary_clinician_id=int(clinician.id),
            opened_on="2026-11-30",
            participants=[(client.id, "client", True)],
            payers=[(f"client:{client.id}", "100")],
            presenting_concern=CONCERN,
        ),
    )
    assert case.presenting_concern == CONCERN  # there to leak, were anything to leak it
    appointment_id = book(
        session,
        people.clinician,
        AppointmentInput(
            case_id=str(case.id),
            service_id=str(service.id),
            clinician_id=str(clinician.id),
            location_id=str(people.location.id),
            date=TUESDAY.isoformat(),
            start_time="10:00",
            override_reason="Booked by phone",  # the personas keep no working hours
        ),
    )
    travel(timedelta(days=1, hours=4))  # Tuesday 11 am: the session is over
    assert set_status(session, people.clinician, appointment_id, "attended") == "attended"
    return int(case.id), int(client.id)  # type: ignore[arg-type]


def _outbox(session: Session, client_id: int) -> list[OutboxMessage]:
    rows = list(
        session.exec(
            select(OutboxMessage)
            .where(OutboxMessage.client_id == client_id)
            .order_by(col(OutboxMessage.id))
        ).all()
    )
    session.rollback()
    return rows


def test_the_check_catches_each_kind_of_clinical_text() -> None:
    for leak in (
        "Invoice for " + SERVICE_NAME,
        "Session (CPT 90837)",
        "Diagnosis: F41.0",
        "ICD F41.0",
        "Claim submitted",
        "Individual therapy",
        CONCERN,
    ):
        with pytest.raises(AssertionError):
            assert_billing_only("a leak", leak)
    assert_billing_only("a plain line", "Session on Tue, Dec 1, 2026 $95.00 /pay/aICDclaim9083")


@pytest.mark.parametrize("paid_by", ["pay link", "cash"])
def test_a_consultation_is_booked_invoiced_and_paid_with_nothing_clinical_on_the_way(
    session: Session, people, travel, paid_by: str
) -> None:  # type: ignore[no-untyped-def]
    case_id, client_id = _consultation_booked_and_attended(session, people, travel)
    booked = _outbox(session, client_id)
    assert booked, "the booking is confirmed to the client"
    for message in booked:
        assert_billing_only(f"{message.kind} email", message.subject + message.body_text)
        assert_billing_only(f"{message.kind} email (HTML)", message.body_html)

    # Friday: the run invoices the consultation, as a session at the service's fee.
    travel(timedelta(days=3, hours=-4))  # Friday 7 am
    [summary] = run_billing(session, FRIDAY)
    assert summary.invoices_made == 1
    invoice = session.exec(select(Invoice).where(Invoice.case_id == case_id)).one()
    key = f"client:{client_id}"
    assert (invoice.payer_key, invoice.total_cents, invoice.status) == (key, 9500, "open")
    lines = session.exec(select(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id)).all()
    assert [(x.description, x.amount_cents) for x in lines] == [("Session", 9500)]
    for line in lines:
        assert_billing_only("invoice line", f"{line.description} {line.discount_label}")
    session.rollback()

    [email] = [m for m in _outbox(session, client_id) if m.kind == "billing.invoice"]
    assert email.to_address == "dana.okafor@example.com"
    assert invoice.number in email.body_text and "$95.00" in email.body_text
    assert_billing_only("invoice email", email.subject + "\n" + email.body_text)
    assert_billing_only("invoice email (HTML)", email.body_html)
    found = re.search(r"/pay/([A-Za-z0-9_\-.]+)", email.body_text)
    assert found is not None, "the invoice email carries a pay link"
    token = found.group(1)

    view = pay_view(session, token)
    assert view.lines == (("Session on Tue, Dec 1, 2026", "$95.00"),)
    assert (view.balance, view.status) == ("$95.00", "open")
    assert_billing_only("pay page", repr(view))

    pdf = render_invoice(invoice_document(session, invoice, pay_url="https://x.test/pay/t"))
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert invoice.number in text and "Session on Tue, Dec 1, 2026" in text and "$95.00" in text
    assert_billing_only("invoice PDF", text)
    session.rollback()

    # Paid: by card through the emailed link, or in cash at the front desk.
    if paid_by == "pay link":
        gateway = SimulatedGateway()
        outcome = pay_invoice(session, gateway, token, PayForm("card", "4242424242424242"))
        assert outcome.status == "succeeded"
        told = session.exec(select(SimPayment)).one()
        assert (told.amount_cents, told.description) == (9500, f"Invoice {invoice.number}")
        assert_billing_only("what the processor was told", f"{told.description}")
    else:
        record_manual_payment(
            session,
            people.biller,
            ManualPayment(int(invoice.id), "95.00", "cash", FRIDAY.isoformat()),  # type: ignore[arg-type]
        )
    session.expire_all()
    paid = session.get(Invoice, invoice.id)
    assert paid is not None and (paid.status, paid.paid_cents) == ("paid", 9500)
    session.rollback()

    ledger = payer_ledger(session, people.biller, key)
    assert ledger.balance_cents == 0 and ledger.charged_cents == 9500
    assert [r.amount_cents for r in ledger.rows] == [9500, -9500]
    for row in ledger.rows:
        assert_billing_only("ledger row", f"{row.kind} {row.description} {row.invoice_number}")
    entries = session.exec(select(LedgerEntry).where(LedgerEntry.payer_key == key)).all()
    assert sum(e.amount_cents for e in entries) == 0
    session.rollback()

    after = pay_view(session, token)
    assert (after.status, after.balance, after.options) == ("paid", "$0.00", ())
    assert_billing_only("pay page after payment", repr(after))
    paid_pdf = render_invoice(invoice_document(session, paid))
    paid_text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(paid_pdf)).pages)
    assert "Paid" in paid_text
    assert_billing_only("paid invoice PDF", paid_text)
    for message in _outbox(session, client_id):  # receipts too, if any
        assert_billing_only(f"{message.kind} email", message.subject + message.body_text)
        assert_billing_only(f"{message.kind} email (HTML)", message.body_html)
