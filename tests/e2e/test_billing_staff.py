"""The staff billing screens as the practice owner uses them.

Data is arranged through the billing services against the app's own database (policies,
runs) and straight into the tables for sessions that already happened, as the other browser
tests do; then the owner drives the dashboard, billing runs and a payer's account.
"""

from __future__ import annotations

import io
import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect
from pypdf import PdfReader
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from practicerunner.auth.service import actor_for
from practicerunner.billing.models import Invoice, InvoiceLine, LedgerEntry
from practicerunner.billing.policies import PolicyForm, save_policy
from practicerunner.billing.runs import run_billing
from practicerunner.clients.models import Case, CaseParticipant, Client
from practicerunner.core import clock
from practicerunner.core.money import format_cents
from practicerunner.practice.models import Location, Practice, Service, Staff
from practicerunner.scheduling.models import Appointment, AppointmentAttendee
from tests.e2e.conftest import screenshot, sign_in
from tests.personas import add_client, add_individual_case

OWNER = "olivia@willow.example"
CLINICAL_WORDS = re.compile(r"diagnos|claim|\bCPT\b|therap|90837|90834|presenting", re.IGNORECASE)


def _as_owner(engine: Engine) -> tuple[Session, object]:
    session = Session(engine, expire_on_commit=False)
    staff = session.exec(select(Staff).where(Staff.email == OWNER)).one()
    actor = actor_for(session, staff, ip="127.0.0.1")
    session.commit()
    return session, actor


def _zone(session: Session) -> ZoneInfo:
    return ZoneInfo(session.exec(select(Practice.timezone)).one())


def _today(session: Session) -> date:
    return clock.now().astimezone(_zone(session)).date()


def _friday_before_last(today: date) -> date:
    """A Friday at least a week ago, so the whole billing week is in the past."""
    return today - timedelta(days=(today.weekday() - 4) % 7 + 7)


def _session_on(
    session: Session, case: Case, service: Service, day: date, hour: int, status: str
) -> Appointment:
    """A session of CASE at HOUR local time on DAY, already in STATUS (written directly)."""
    zone = _zone(session)
    start = datetime.combine(day, time(hour), zone)
    location = session.exec(select(Location).order_by(col(Location.id))).first()
    now = clock.now()
    appointment = Appointment(
        case_id=int(case.id),  # type: ignore[arg-type]
        clinician_id=case.primary_clinician_id,
        service_id=int(service.id),  # type: ignore[arg-type]
        location_id=int(location.id),  # type: ignore[union-attr, arg-type]
        start_at=start,
        end_at=start + timedelta(minutes=service.duration_minutes),
        status=status,
        created_at=now,
        updated_at=now,
        # Set-up rows sit outside the clinician's demo calendar on purpose.
        conflict_override_reason="Browser test set-up",
    )
    session.add(appointment)
    session.flush()
    for client_id in session.exec(
        select(CaseParticipant.client_id).where(CaseParticipant.case_id == case.id)
    ).all():
        session.add(AppointmentAttendee(appointment_id=appointment.id, client_id=client_id))  # type: ignore[arg-type]
    session.commit()
    return appointment


def _new_client_case(session: Session, first: str, last: str) -> tuple[Client, Case]:
    clinician = session.exec(select(Staff).where(Staff.email == OWNER)).one()
    client = add_client(
        session, first, last, date(1988, 3, 14), clinician, email=f"{first.lower()}@example.com"
    )
    case = add_individual_case(session, client, clinician)
    session.commit()
    return client, case


def _therapy_service(session: Session) -> Service:
    return session.exec(
        select(Service).where(Service.kind == "therapy").order_by(col(Service.id))
    ).first()  # type: ignore[return-value]


def _invoices(session: Session, case: Case) -> list[Invoice]:
    session.expire_all()
    return list(
        session.exec(
            select(Invoice).where(Invoice.case_id == case.id).order_by(col(Invoice.id))
        ).all()
    )


def _lines(session: Session, invoice: Invoice) -> list[InvoiceLine]:
    return list(
        session.exec(
            select(InvoiceLine)
            .where(InvoiceLine.invoice_id == invoice.id)
            .order_by(col(InvoiceLine.service_date), col(InvoiceLine.id))
        ).all()
    )


def _balance(session: Session, key: str) -> int:
    return int(
        session.exec(
            select(func.coalesce(func.sum(LedgerEntry.amount_cents), 0)).where(
                LedgerEntry.payer_key == key
            )
        ).one()
    )


def _payer_page(page: Page, key: str) -> None:
    page.goto(f"/billing/payers/{key.replace(':', '-')}")
    expect(page.locator("#payer-balance")).to_be_visible()


def _show_all_due(page: Page) -> None:
    """The dashboard lists the invoices due soonest; ask for the rest when it offers them."""
    expect(page.locator("#billing-tiles")).to_be_visible()
    more = page.get_by_role("button", name="Show all")
    if more.count():
        more.click()
        expect(more).to_have_count(0)


def test_friday_run_invoices_the_weeks_sessions_and_the_owner_reviews_them(page, e2e_engine):
    """Situation 3: per-session, auto-invoice every Friday."""
    session, owner = _as_owner(e2e_engine)
    save_policy(
        session,
        owner,  # type: ignore[arg-type]
        "practice",
        None,
        PolicyForm(
            model="per_session",
            frequency="weekly",
            weekday="4",
            collection="auto_invoice",
            applies_to="all",
        ),
    )
    service = _therapy_service(session)
    client, case = _new_client_case(session, "Nora", "Whitfield")
    friday = _friday_before_last(_today(session))
    monday, wednesday, thursday = (friday - timedelta(days=d) for d in (4, 2, 1))
    _session_on(session, case, service, monday, 7, "attended")
    _session_on(session, case, service, wednesday, 7, "attended")
    _session_on(session, case, service, thursday, 7, "no_show")

    summaries = run_billing(session, friday)
    [invoice] = _invoices(session, case)
    lines = _lines(session, invoice)
    assert [x.description for x in lines] == ["Session", "Session", "Missed session fee"]
    key = invoice.payer_key
    assert key == f"client:{client.id}"
    run_id = next(s.run_id for s in summaries if s.invoices_made)
    session.close()

    sign_in(page, OWNER)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Billing runs").click()
    expect(page.get_by_role("heading", name="Billing runs")).to_be_visible()
    run_label = f"{friday:%b} {friday.day}, {friday.year}"
    runs = page.locator("#billing-runs")
    row = runs.get_by_role("row").filter(has_text=run_label).first
    expect(row).to_be_visible()
    screenshot(page, "71-billing-runs")
    row.get_by_role("link", name=f"Show invoices of the run on {run_label}").click()
    listed = page.locator("#run-invoice-table").get_by_role("row").filter(has_text=invoice.number)
    expect(listed).to_contain_text("Nora Whitfield")
    expect(listed).to_contain_text(format_cents(invoice.total_cents))
    expect(listed).to_contain_text("Open")
    assert run_id == invoice.run_id

    listed.get_by_role("link", name="Nora Whitfield").click()
    expect(page.get_by_role("heading", name="Nora Whitfield")).to_be_visible()
    invoices = page.locator("#payer-invoices")
    expect(invoices.get_by_role("row").filter(has_text=invoice.number)).to_contain_text("Open")
    for line in lines:
        day = f"{line.service_date:%a}, {line.service_date:%b} {line.service_date.day}"
        expect(invoices.locator("tr.pr-invoice-line").filter(has_text=day).first).to_contain_text(
            line.description
        )
    expect(page.locator("#payer-balance")).to_have_text(format_cents(invoice.total_cents))
    ledger = page.locator("#payer-ledger")
    expect(ledger.get_by_role("row").last).to_contain_text(format_cents(invoice.total_cents))
    expect(page.locator("#main")).not_to_contain_text("Low mood")


def test_consultation_client_invoiced_and_paid_in_cash_without_clinical_words(page, e2e_engine):
    """Situation 2: a consultation (no CPT code) scheduled, attended, invoiced and paid."""
    session, _owner = _as_owner(e2e_engine)
    case = session.exec(select(Case).where(Case.kind == "consultation").order_by(Case.id)).first()
    assert case is not None
    consultation = session.exec(select(Service).where(Service.kind == "consultation")).first()
    assert consultation is not None and not consultation.cpt_code
    service_name = consultation.name
    friday = _friday_before_last(_today(session)) + timedelta(days=7)
    seen = _session_on(session, case, consultation, friday - timedelta(days=2), 7, "scheduled")
    seen.status = "attended"  # the session took place
    session.add(seen)
    session.commit()
    run_billing(session, friday)
    invoice = next(i for i in _invoices(session, case) if i.issued_on == friday)
    key = invoice.payer_key
    owed_before = _balance(session, key)
    name = session.get(Client, int(key.split(":")[1])).legal_name  # type: ignore[union-attr]
    session.close()

    sign_in(page, OWNER)
    page.goto("/billing")
    _show_all_due(page)
    due = page.locator("#billing-due")
    row = due.get_by_role("row").filter(has_text=invoice.number)
    expect(row).to_contain_text(format_cents(invoice.total_cents))
    row.get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", name=name)).to_be_visible()

    form = page.locator("#record-payment-form")
    form.get_by_label("Invoice").select_option(str(invoice.id))
    form.get_by_label("Amount").fill(f"{invoice.total_cents / 100:.2f}")
    form.get_by_label("Method").select_option("cash")
    form.get_by_label("Reference").fill("Receipt 118")
    form.get_by_role("button", name="Record payment").click()
    paid_row = page.locator("#payer-invoices").get_by_role("row").filter(has_text=invoice.number)
    expect(paid_row).to_contain_text("Paid")
    expect(page.locator("#payer-ledger")).to_contain_text(
        f"Cash (Receipt 118) for {invoice.number}"
    )
    main = page.locator("#main").inner_text()
    assert not CLINICAL_WORDS.search(main), main

    reply = page.request.get(f"/billing/invoices/{invoice.id}.pdf")
    assert reply.status == 200 and reply.headers["content-type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(reply.body())).pages)
    assert invoice.number in text and name in text
    assert "Paid. Thank you." in text
    assert not CLINICAL_WORDS.search(text), text
    assert service_name not in text

    page.goto("/billing")
    expect(page.locator("#billing-tiles")).to_be_visible()
    screenshot(page, "70-billing-dashboard")
    _show_all_due(page)
    expect(
        page.locator("#billing-due").get_by_role("row").filter(has_text=invoice.number)
    ).to_have_count(0)
    board = page.locator("#main").inner_text()
    assert not CLINICAL_WORDS.search(board), board
    with Session(e2e_engine) as check:
        assert _balance(check, key) == owed_before - invoice.total_cents
        paid = check.get(Invoice, invoice.id)
        assert paid is not None and paid.status == "paid" and paid.paid_cents == paid.total_cents


def test_prebilled_month_credits_a_cancelled_session_on_the_next_invoice(page, e2e_engine):
    """Situation 6: pre-billed monthly; a session cancelled in time is a credit next month."""
    session, owner = _as_owner(e2e_engine)
    now = clock.now()
    service = Service(
        name="Prepaid plan session",
        kind="therapy",
        duration_minutes=50,
        fee_cents=15000,
        cpt_code="90834",
        created_at=now,
    )
    session.add(service)
    session.commit()
    save_policy(
        session,
        owner,  # type: ignore[arg-type]
        "service",
        int(service.id),  # type: ignore[arg-type]
        PolicyForm(model="pre_billed", frequency="monthly", weekday="", month_day="1"),
    )
    _client, case = _new_client_case(session, "Iris", "Calder")
    this_month = _today(session).replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    first = [
        _session_on(session, case, service, last_month + timedelta(days=d), 6, "scheduled")
        for d in (4, 11, 18, 25)
    ]
    run_billing(session, last_month)
    first[2].status = "cancelled_client"
    first[2].status_at = now
    session.add(first[2])
    session.commit()
    for d in (2, 9):
        _session_on(session, case, service, this_month + timedelta(days=d), 6, "scheduled")
    run_billing(session, this_month)
    one, two = _invoices(session, case)
    assert one.total_cents == 4 * 15000 and two.total_cents == 15000
    key = two.payer_key
    expected_balance = _balance(session, key)
    assert expected_balance == 5 * 15000
    session.close()

    sign_in(page, OWNER)
    _payer_page(page, key)
    expect(page.get_by_role("heading", name="Iris Calder")).to_be_visible()
    lines = page.locator("#payer-invoices tr.pr-invoice-line")
    credit = lines.filter(has_text="Credit: cancelled session")
    expect(credit).to_have_count(1)
    expect(credit).to_have_attribute("data-invoice", str(two.id))
    expect(credit).to_contain_text(format_cents(-15000))
    expect(page.locator("#payer-balance")).to_have_text(format_cents(expected_balance))
    expect(page.locator("#payer-ledger")).to_contain_text("Credit")
    screenshot(page, "72-payer-account")


def test_bad_input_on_record_payment_is_refused_beside_the_field(page, e2e_engine):
    """Zero, more than due, a future date: a message beside the field, the value kept."""
    session, _owner = _as_owner(e2e_engine)
    client = session.exec(
        select(Client).where(
            Client.legal_first_name == "Nora", Client.legal_last_name == "Whitfield"
        )
    ).one()
    key = f"client:{client.id}"
    invoice = session.exec(
        select(Invoice).where(Invoice.payer_key == key, Invoice.status == "open")
    ).one()
    before = _balance(session, key)
    entries = session.exec(select(func.count()).select_from(LedgerEntry)).one()
    future = _today(session) + timedelta(days=10)
    session.close()

    sign_in(page, OWNER)
    _payer_page(page, key)
    form = page.locator("#record-payment-form")
    form.get_by_label("Invoice").select_option(str(invoice.id))
    form.get_by_label("Amount").fill("0")
    form.get_by_label("Reference").fill("Check 2041")
    form.get_by_role("button", name="Record payment").click()
    expect(page.locator("#amount-error")).to_have_text("Enter an amount more than zero.")
    expect(form.get_by_label("Amount")).to_have_value("0")
    expect(form.get_by_label("Reference")).to_have_value("Check 2041")

    too_much = format_cents(invoice.total_cents + 100).lstrip("$").replace(",", "")
    form.get_by_label("Amount").fill(too_much)
    form.get_by_role("button", name="Record payment").click()
    expect(page.locator("#amount-error")).to_have_text(
        f"That is more than the {format_cents(invoice.total_cents)} still due."
    )
    expect(form.get_by_label("Amount")).to_have_value(too_much)

    form.get_by_label("Amount").fill("10.00")
    form.get_by_label("Date received").fill(future.isoformat())
    form.get_by_role("button", name="Record payment").click()
    expect(page.locator("#received_on-error")).to_have_text(
        "A payment can't be received in the future."
    )
    expect(page.locator("#amount-error")).to_have_count(0)
    expect(form.get_by_label("Date received")).to_have_value(future.isoformat())
    expect(page.locator("#form-error-summary")).to_be_visible()
    screenshot(page, "73-record-payment-errors")

    with Session(e2e_engine) as check:
        assert _balance(check, key) == before
        assert check.exec(select(func.count()).select_from(LedgerEntry)).one() == entries
        assert check.get(Invoice, invoice.id).paid_cents == 0  # type: ignore[union-attr]


def test_the_owner_downloads_a_payers_statement_as_a_pdf(page, e2e_engine):
    """The payer account offers "Statement (PDF)" for the last three months, as the ledger reads."""
    session, _owner = _as_owner(e2e_engine)
    # The demo client with the busiest account.
    key = session.exec(
        select(LedgerEntry.payer_key)
        .where(col(LedgerEntry.payer_key).startswith("client:"))
        .group_by(LedgerEntry.payer_key)
        .order_by(func.count().desc())
    ).first()
    assert key is not None
    client = session.get(Client, int(key.split(":")[1]))
    assert client is not None
    today = _today(session)
    session.close()

    sign_in(page, OWNER)
    _payer_page(page, key)
    box = page.locator("#payer-statement")
    expect(box.get_by_label("To")).to_have_value(today.isoformat())
    start = box.get_by_label("From").input_value()
    assert date.fromisoformat(start) < today - timedelta(days=85)
    link = page.get_by_role("link", name="Statement (PDF)")
    slug = key.replace(":", "-")
    expect(link).to_have_attribute(
        "href", f"/billing/payers/{slug}/statement.pdf?from={start}&to={today.isoformat()}"
    )
    screenshot(page, "77-payer-statement")

    reply = page.request.get(link.get_attribute("href"))  # type: ignore[arg-type]
    assert reply.status == 200 and reply.headers["content-type"] == "application/pdf"
    text = " ".join(
        "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(reply.body())).pages).split()
    )
    with Session(e2e_engine) as check:
        owed = _balance(check, key)
    assert "Opening balance" in text and f"Closing balance {format_cents(owed)}" in text
    assert client.legal_last_name in text
    assert not CLINICAL_WORDS.search(text), text

    box.get_by_label("From").fill((today + timedelta(days=1)).isoformat())
    expect(page.locator("#statement-error")).to_have_text("The end date is before the start date.")
    expect(page.get_by_role("link", name="Statement (PDF)")).to_have_count(0)
    # The route refuses a reversed period too, in a plain sentence.
    bad = page.request.get(
        f"/billing/payers/{slug}/statement.pdf?from={today.isoformat()}&to={start}"
    )
    assert bad.status == 400 and "before the start date" in bad.text()


def test_a_payer_pays_by_card_and_the_owner_refunds_part_of_it(page, e2e_engine):
    """A card payment made on the pay link, then a partial refund from the payer's account:
    more than was paid is refused beside the field, the rest goes back through the processor
    and shows on the ledger."""
    from practicerunner.core.permissions import Role
    from practicerunner.messaging.models import OutboxMessage
    from tests.personas import add_staff

    session, owner = _as_owner(e2e_engine)
    # A clinician of our own billed weekly on Friday: other tests change the practice's policy.
    clinician = add_staff(session, "ines.ruiz@willow.example", "Ines Ruiz", [Role.CLINICIAN])
    session.commit()
    save_policy(
        session,
        owner,  # type: ignore[arg-type]
        "clinician",
        int(clinician.id),  # type: ignore[arg-type]
        PolicyForm(frequency="weekly", weekday="4"),
    )
    client = add_client(
        session, "Rowan", "Pike", date(1984, 7, 2), clinician, email="rowan.pike@example.com"
    )
    case = add_individual_case(session, client, clinician)
    session.commit()
    service = _therapy_service(session)
    friday = _friday_before_last(_today(session))
    _session_on(session, case, service, friday - timedelta(days=2), 8, "attended")
    run_billing(session, friday)
    [invoice] = _invoices(session, case)
    body = session.exec(
        select(OutboxMessage.body_text).where(
            OutboxMessage.to_address == "rowan.pike@example.com",
            OutboxMessage.kind == "billing.invoice",
        )
    ).one()
    pay_path = re.search(r"/pay/[A-Za-z0-9_-]+", body).group(0)  # type: ignore[union-attr]
    key = invoice.payer_key
    session.close()
    fee = format_cents(invoice.total_cents)

    page.goto(pay_path)
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_role("button", name=f"Pay {fee}").click()
    expect(page.locator("#pay-result")).to_have_text("Paid. Thank you.")

    sign_in(page, OWNER)
    _payer_page(page, key)
    payment = page.get_by_role("button", name=f"Refund the payment on {invoice.number}")
    payment.click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(f"payment of {fee} on {invoice.number}")
    amount = dialog.get_by_label("Amount to refund")
    amount.fill("900.00")
    dialog.get_by_role("button", name="Refund").click()
    expect(dialog.locator("#refund_amount-error")).to_have_text(
        f"Enter an amount more than zero and at most {fee}."
    )
    expect(amount).to_have_value("900.00")
    screenshot(page, "88-refund-refused")
    amount.fill("40.00")
    dialog.get_by_role("button", name="Refund").click()
    expect(dialog).to_have_count(0)
    expect(page.get_by_text("Refunded $40.00.")).to_be_visible()
    expect(page.locator("#payer-ledger")).to_contain_text(f"Refund for {invoice.number}")
    screenshot(page, "89-refunded")
    with Session(e2e_engine) as check:
        refunds = check.exec(
            select(LedgerEntry.amount_cents).where(
                LedgerEntry.payer_key == key, LedgerEntry.kind == "refund"
            )
        ).all()
        assert refunds == [4000]
        from practicerunner.billing.gateways.simulated_models import SimRefund

        assert check.exec(select(SimRefund.amount_cents)).all()[-1] == 4000
