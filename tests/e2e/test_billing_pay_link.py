"""Payers open the pay link from their invoice email and pay: a billing contact for a couple
by card, a client by bank transfer; altered and expired links get one calm sentence.

Set-up goes through the services against the app's own database: a clinician of our own with
a weekly auto-invoice policy (the rest of the demo practice is moved to monthly billing so this
run invoices only our cases), attended sessions, and a billing run. The link is read from the
outbox row the run wrote, exactly as the payer would get it.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, col, select

from practicerunner.auth.service import actor_for
from practicerunner.billing.documents import day_label
from practicerunner.billing.gateways.base import bank_date
from practicerunner.billing.models import PayerMethod
from practicerunner.billing.paylink import make_token
from practicerunner.billing.policies import PolicyForm, save_policy
from practicerunner.billing.runs import run_billing
from practicerunner.billing.schedule import bank_settlement_date
from practicerunner.clients.models import Case, CaseParticipant, CasePayer, Client, Contact
from practicerunner.core import clock
from practicerunner.core.permissions import Role
from practicerunner.messaging.models import OutboxMessage
from practicerunner.practice.models import Location, LocationKind, Practice, Service, Staff
from practicerunner.scheduling.models import Appointment, AppointmentAttendee
from tests.e2e.conftest import screenshot
from tests.personas import add_client, add_staff

INVALID = (
    "This payment link is no longer valid. Please contact Willow Creek Counseling for a new one."
)
# Nothing about the care may be on a payer's page.
CLINICAL = re.compile(r"therap|diagnos|\bnotes?\b|conflict about money|90837|Quill|Dana Doyle")


def _pay_path(session: Session, address: str) -> str:
    body = session.exec(
        select(OutboxMessage.body_text).where(
            OutboxMessage.to_address == address, OutboxMessage.kind == "billing.invoice"
        )
    ).one()
    return re.search(r"/pay/[A-Za-z0-9_-]+", body).group(0)  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def billed(e2e_engine) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Two invoices from last Friday's run: the Quills' (to Pat Morgan) and Riley Stone's."""
    with Session(e2e_engine, expire_on_commit=False) as session:
        practice = session.exec(select(Practice)).one()
        zone = ZoneInfo(practice.timezone)
        today = clock.now().astimezone(zone).date()
        friday = today - timedelta(days=(today.weekday() - 4) % 7)
        owner = session.exec(select(Staff).where(Staff.email == "olivia@willow.example")).one()
        owner_actor = actor_for(session, owner)
        clinician = add_staff(session, "dana.doyle@willow.example", "Dana Doyle", [Role.CLINICIAN])
        session.commit()
        # The demo practice bills monthly; our clinician's cases weekly on Friday.
        save_policy(
            session,
            owner_actor,
            "practice",
            None,
            PolicyForm(frequency="monthly", month_day="1", applies_to="all"),
        )
        save_policy(
            session,
            owner_actor,
            "clinician",
            int(clinician.id),  # type: ignore[arg-type]
            PolicyForm(frequency="weekly", weekday="4", bank_discount="5"),
        )
        service = session.exec(
            select(Service).where(Service.kind == "therapy").order_by(col(Service.id))
        ).first()
        location = session.exec(
            select(Location).where(Location.kind == LocationKind.OFFICE).order_by(col(Location.id))
        ).first()
        assert service is not None and location is not None
        now = clock.now()

        def case_of(title: str, kind: str, people: list[Client]) -> Case:
            case = Case(
                kind=kind,
                title=title,
                primary_clinician_id=int(clinician.id),  # type: ignore[arg-type]
                opened_on=today - timedelta(days=30),
                presenting_concern="Conflict about money",
                created_at=now,
                updated_at=now,
            )
            session.add(case)
            session.flush()
            for person in people:
                session.add(
                    CaseParticipant(case_id=case.id, client_id=person.id, role="partner")  # type: ignore[arg-type]
                )
            return case

        def attended(case: Case, day: date, people: list[Client]) -> None:
            start = datetime.combine(day, time(10), zone)
            appointment = Appointment(
                case_id=int(case.id),  # type: ignore[arg-type]
                clinician_id=int(clinician.id),  # type: ignore[arg-type]
                service_id=int(service.id),  # type: ignore[union-attr, arg-type]
                location_id=int(location.id),  # type: ignore[union-attr, arg-type]
                start_at=start,
                end_at=start + timedelta(minutes=50),
                status="attended",
                created_at=now,
                updated_at=now,
            )
            session.add(appointment)
            session.flush()
            for person in people:
                session.add(
                    AppointmentAttendee(appointment_id=appointment.id, client_id=person.id)  # type: ignore[arg-type]
                )

        jordan = add_client(
            session, "Jordan", "Quill", date(1985, 5, 1), clinician, email="jordan.q@example.com"
        )
        alex = add_client(
            session, "Alex", "Quill", date(1986, 6, 2), clinician, email="alex.q@example.com"
        )
        couple = case_of("Quill couple", "couple", [jordan, alex])
        contact = Contact(
            client_id=int(jordan.id),  # type: ignore[arg-type]
            first_name="Pat",
            last_name="Morgan",
            relationship="billing",
            email="pat.morgan@example.com",
            created_at=now,
            updated_at=now,
        )
        session.add(contact)
        session.flush()
        session.add(CasePayer(case_id=couple.id, contact_id=contact.id, share_basis_points=10000))  # type: ignore[arg-type]
        attended(couple, friday - timedelta(days=3), [jordan, alex])
        attended(couple, friday - timedelta(days=2), [jordan, alex])

        riley = add_client(
            session, "Riley", "Stone", date(1990, 2, 3), clinician, email="riley.s@example.com"
        )
        single = case_of("Stone", "individual", [riley])
        session.add(CasePayer(case_id=single.id, client_id=riley.id, share_basis_points=10000))  # type: ignore[arg-type]
        attended(single, friday - timedelta(days=1), [riley])

        # Sam Reed pays by bank on auto-pay and chooses when to be emailed before a debit.
        sam = add_client(
            session, "Sam", "Reed", date(1991, 3, 4), clinician, email="sam.reed@example.com"
        )
        reed = case_of("Reed", "individual", [sam])
        session.add(CasePayer(case_id=reed.id, client_id=sam.id, share_basis_points=10000))  # type: ignore[arg-type]
        attended(reed, friday - timedelta(days=4), [sam])
        session.commit()

        run_billing(session, friday)
        session.commit()
        assert not session.exec(
            select(OutboxMessage).where(
                col(OutboxMessage.to_address).in_([jordan.email, alex.email]),
                OutboxMessage.kind == "billing.invoice",
            )
        ).first()
        return {
            "friday": friday,
            "fee": int(service.fee_cents),  # type: ignore[union-attr]
            "service": service.name,  # type: ignore[union-attr]
            "contact_path": _pay_path(session, contact.email),
            "riley_path": _pay_path(session, riley.email),
            "reed_path": _pay_path(session, sam.email),
            "reed_key": f"client:{sam.id}",
        }


def _no_care_words(page, service_name: str) -> None:  # type: ignore[no-untyped-def]
    text = page.locator("body").inner_text()
    found = CLINICAL.search(text)
    assert found is None, found.group(0)  # type: ignore[union-attr]
    assert service_name not in text


def test_a_billing_contact_pays_the_couples_invoice_by_card(page, billed) -> None:  # type: ignore[no-untyped-def]
    friday = billed["friday"]
    page.goto(billed["contact_path"])
    expect(page.get_by_role("heading", name=re.compile(r"^Invoice INV-\d+$"))).to_be_visible()
    expect(page.get_by_text("Pat Morgan")).to_be_visible()
    lines = page.locator("#pay-lines")
    expect(lines).to_contain_text(f"Session on {day_label(friday - timedelta(days=3))}")  # type: ignore[operator]
    expect(lines).to_contain_text(f"Session on {day_label(friday - timedelta(days=2))}")  # type: ignore[operator]
    fee = billed["fee"]
    balance = f"${2 * fee / 100:,.2f}"  # type: ignore[operator]
    expect(page.locator("#pay-balance")).to_contain_text(balance)
    card = page.get_by_role("radio", name=f"Card: {balance}")
    expect(card).to_be_checked()
    discounted = f"${(2 * fee - 1000) / 100:,.2f}"  # type: ignore[operator]
    expect(
        page.get_by_role("radio", name=f"Bank transfer: {discounted} (a $10.00 discount)")
    ).to_be_visible()
    expect(page.get_by_text("Willow Creek Counseling", exact=True)).to_be_visible()
    expect(page.locator("#pay-contact")).to_contain_text("Questions? Please call")
    _no_care_words(page, str(billed["service"]))
    screenshot(page, "75-pay-page")

    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_role("button", name=f"Pay {balance}").click()
    expect(page.locator("#pay-result")).to_have_text("Paid. Thank you.")
    expect(page.get_by_label("Card number")).to_have_count(0)
    expect(page.locator("#pay-balance")).to_contain_text("$0.00")

    page.reload()  # an already paid invoice: "Paid", and no form
    expect(page.locator("#pay-paid")).to_have_text("Paid. Thank you.")
    expect(page.get_by_role("button", name=re.compile("^Pay"))).to_have_count(0)


def test_a_client_pays_by_bank_and_sees_when_it_will_have_cleared(page, billed) -> None:  # type: ignore[no-untyped-def]
    page.goto(billed["riley_path"])
    fee = billed["fee"]
    pays = f"${(fee - 500) / 100:,.2f}"  # type: ignore[operator]
    page.get_by_role("radio", name=f"Bank transfer: {pays} (a $5.00 discount)").click()
    routing = page.get_by_label("Routing number")
    routing.fill("110000001")  # one digit off
    page.get_by_label("Bank account number").fill("000123456789")
    page.get_by_role("button", name=f"Pay {pays}").click()
    expect(page.locator("#routing-error")).to_have_text(
        "That routing number is not valid: please check it with your bank."
    )
    expect(routing).to_have_value("110000001")
    expect(page.get_by_label("Bank account number")).to_have_value("000123456789")
    screenshot(page, "76-pay-routing-refused")
    routing.fill("110000000")
    page.get_by_role("button", name=f"Pay {pays}").click()
    until = day_label(bank_settlement_date(bank_date(clock.now()), 4))
    expect(page.locator("#pay-result")).to_have_text(
        f"Processing until {until} — we'll email you if the bank returns it."
    )
    expect(page.get_by_label("Bank account number")).to_have_count(0)
    expect(page.locator("#pay-lines")).to_contain_text("Bank transfer discount")
    expect(page.locator("#pay-balance")).to_contain_text(f"On its way by bank transfer{pays}")
    _no_care_words(page, str(billed["service"]))
    screenshot(page, "76-pay-processing")


def test_altered_and_expired_links_say_the_same_calm_sentence(page, billed) -> None:  # type: ignore[no-untyped-def]
    path = str(billed["riley_path"])
    token = path.rsplit("/", 1)[1]
    altered = token[:30] + ("A" if token[30] != "A" else "B") + token[31:]
    page.goto(f"/pay/{altered}")
    expect(page.locator("#pay-invalid")).to_have_text(INVALID)
    expect(page.locator("#pay-lines")).to_have_count(0)

    from practicerunner.billing.paylink import read_token

    expired = make_token(read_token(token), clock.now() - timedelta(minutes=1))
    page.goto(f"/pay/{expired}")
    expect(page.locator("#pay-invalid")).to_have_text(INVALID)
    page.goto("/pay/not-a-token")
    expect(page.locator("#pay-invalid")).to_have_text(INVALID)


def test_a_payer_on_bank_auto_pay_chooses_to_be_emailed_only_above_an_amount(  # type: ignore[no-untyped-def]
    page, billed, e2e_engine
) -> None:
    page.goto(billed["reed_path"])
    fee = billed["fee"]
    pays = f"${(fee - 500) / 100:,.2f}"  # type: ignore[operator]
    page.get_by_role("radio", name=f"Bank transfer: {pays} (a $5.00 discount)").click()
    page.get_by_label("Routing number").fill("110000000")
    page.get_by_label("Bank account number").fill("000123456789")
    expect(page.locator("#notice-choice")).to_have_count(0)  # only once auto-pay is ticked
    page.get_by_role("checkbox", name="Pay future invoices automatically").click()
    choice = page.locator("#notice-choice")
    expect(choice).to_contain_text("Before each bank debit, email me:")
    expect(page.get_by_role("radio", name="always")).to_be_checked()
    amount = page.get_by_label("Email me only when the debit is more than, in dollars")
    page.get_by_role("radio", name="only when it is more than").click()
    amount.fill("-5")
    page.get_by_role("button", name=f"Pay {pays}").click()
    expect(page.locator("#notice_above-error")).to_have_text("Enter an amount of zero or more.")
    expect(amount).to_have_value("-5")
    expect(page.get_by_role("radio", name="only when it is more than")).to_be_checked()
    expect(page.locator("#pay-result")).to_have_count(0)
    screenshot(page, "74-pay-notice-refused")
    with Session(e2e_engine) as check:  # nothing saved, nothing charged
        key = str(billed["reed_key"])
        assert check.exec(select(PayerMethod).where(PayerMethod.payer_key == key)).all() == []

    amount.fill("250.00")
    screenshot(page, "74-pay-notice-choice")
    page.get_by_role("button", name=f"Pay {pays}").click()
    expect(page.locator("#pay-result")).to_contain_text("Processing until")
    with Session(e2e_engine) as check:
        method = check.exec(select(PayerMethod).where(PayerMethod.payer_key == key)).one()
        assert (method.kind, method.auto_pay, method.notice_above_cents) == ("bank", True, 25000)
