"""Payers pay through the pay link with Stripe configured: on to Stripe Checkout and back.

The app is restarted with STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET and STRIPE_API_BASE
pointing at the project's fake Stripe server on loopback, which serves the hosted checkout
page (what checkout.stripe.com would be) and delivers signed webhooks to the app. Chromium
goes from the pay page to Stripe's page and back, as a payer would. These tests run last (see
conftest: `app_restart`).

Set-up goes through the services against the app's database, as in test_billing_pay_link:
a clinician of our own with a weekly auto-invoice policy with a bank-transfer discount,
attended sessions, and a billing run; the links are read from the invoice emails.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, col, select

from practicerunner.auth.service import actor_for
from practicerunner.billing.documents import day_label
from practicerunner.billing.gateways.base import bank_date
from practicerunner.billing.models import Invoice, PayerMethod, PaymentAttempt
from practicerunner.billing.policies import PolicyForm, save_policy
from practicerunner.billing.runs import run_billing
from practicerunner.billing.schedule import bank_settlement_date
from practicerunner.clients.models import Case, CaseParticipant, CasePayer, Client
from practicerunner.core import clock
from practicerunner.core.permissions import Role
from practicerunner.messaging.models import OutboxMessage
from practicerunner.practice.models import Location, LocationKind, Practice, Service, Staff
from practicerunner.scheduling.models import Appointment, AppointmentAttendee
from tests.e2e.conftest import BASE_URL, AppServer, screenshot
from tests.fakes.stripe_server import API_KEY, FakeStripe
from tests.personas import add_client, add_staff

SECRET = "whsec_e2e_practicerunner"
CLINICAL = re.compile(r"therap|diagnos|\bnotes?\b|90837|Erin Ellis", re.IGNORECASE)


@pytest.fixture(scope="module")
def stripe(app_restart: AppServer) -> Iterator[FakeStripe]:
    """The fake Stripe, and the app restarted to use it and to receive its webhooks."""
    fake = FakeStripe().start()
    fake.business_name = "Willow Creek Counseling"
    app_restart.restart(
        {
            "STRIPE_SECRET_KEY": API_KEY,
            "STRIPE_WEBHOOK_SECRET": SECRET,
            "STRIPE_API_BASE": fake.url,
        }
    )
    fake.deliver_webhooks(f"{BASE_URL}/billing/stripe/webhook", SECRET)
    yield fake
    fake.stop()


def _pay_path(session: Session, address: str) -> str:
    body = session.exec(
        select(OutboxMessage.body_text).where(
            OutboxMessage.to_address == address, OutboxMessage.kind == "billing.invoice"
        )
    ).one()
    return re.search(r"/pay/[A-Za-z0-9_-]+", body).group(0)  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def billed(e2e_engine, stripe: FakeStripe) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Last Friday's invoices for two clients of our own clinician: Morgan Lake, Quinn Hale."""
    with Session(e2e_engine, expire_on_commit=False) as session:
        practice = session.exec(select(Practice)).one()
        zone = ZoneInfo(practice.timezone)
        today = clock.now().astimezone(zone).date()
        friday = today - timedelta(days=(today.weekday() - 4) % 7)
        owner = session.exec(select(Staff).where(Staff.email == "olivia@willow.example")).one()
        owner_actor = actor_for(session, owner)
        clinician = add_staff(session, "erin.ellis@willow.example", "Erin Ellis", [Role.CLINICIAN])
        session.commit()
        # Only our clinician's cases are billed on Friday; the rest of the demo monthly.
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

        def client_with_case(first: str, last: str, born: date, email: str, hour: int) -> Client:
            person = add_client(session, first, last, born, clinician, email=email)
            case = Case(
                kind="individual",
                title=last,
                primary_clinician_id=int(clinician.id),  # type: ignore[arg-type]
                opened_on=today - timedelta(days=30),
                presenting_concern="Sleep",
                created_at=now,
                updated_at=now,
            )
            session.add(case)
            session.flush()
            session.add(CaseParticipant(case_id=case.id, client_id=person.id, role="client"))  # type: ignore[arg-type]
            session.add(CasePayer(case_id=case.id, client_id=person.id, share_basis_points=10000))  # type: ignore[arg-type]
            start = datetime.combine(friday - timedelta(days=2), time(hour), zone)
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
            session.add(AppointmentAttendee(appointment_id=appointment.id, client_id=person.id))  # type: ignore[arg-type]
            return person

        morgan = client_with_case("Morgan", "Lake", date(1988, 4, 5), "morgan.lake@example.com", 11)
        client_with_case("Quinn", "Hale", date(1979, 8, 9), "quinn.hale@example.com", 13)
        session.commit()
        run_billing(session, friday)
        session.commit()
        return {
            "fee": int(service.fee_cents),  # type: ignore[union-attr]
            "service": service.name,  # type: ignore[union-attr]
            "morgan_path": _pay_path(session, "morgan.lake@example.com"),
            "morgan_key": f"client:{morgan.id}",
            "quinn_path": _pay_path(session, "quinn.hale@example.com"),
        }


def _no_care_words(page, service_name: str) -> None:  # type: ignore[no-untyped-def]
    text = page.locator("body").inner_text()
    found = CLINICAL.search(text)
    assert found is None, found.group(0)  # type: ignore[union-attr]
    assert service_name not in text


def test_a_client_pays_by_bank_on_stripe_checkout_and_turns_on_auto_pay(  # type: ignore[no-untyped-def]
    page, billed, stripe: FakeStripe, e2e_engine
) -> None:
    page.goto(str(billed["morgan_path"]))
    fee = billed["fee"]
    pays = f"${(fee - 500) / 100:,.2f}"  # type: ignore[operator]
    page.get_by_role("radio", name=f"Bank transfer: {pays} (a $5.00 discount)").click()
    expect(page.locator("#pay-hosted-note")).to_contain_text("Stripe's secure page")
    expect(page.get_by_label("Bank account number")).to_have_count(0)  # never typed here
    page.get_by_role("checkbox", name="Pay future invoices automatically").click()
    page.get_by_role("radio", name="only when it is more than").click()
    page.get_by_label("Email me only when the debit is more than, in dollars").fill("300")
    _no_care_words(page, str(billed["service"]))
    screenshot(page, "83-pay-stripe-choose")
    page.get_by_role("button", name=f"Continue to pay {pays}").click()

    # Stripe's page (the fake's), on another origin.
    page.wait_for_url(re.compile(r"/checkout/pay/cs_"))
    expect(page.get_by_role("heading", name=f"Pay {pays}")).to_be_visible()
    expect(page.locator("#checkout-mandate")).to_contain_text("Willow Creek Counseling")
    _no_care_words(page, str(billed["service"]))
    screenshot(page, "84-stripe-checkout-bank")
    page.get_by_label("Bank account").select_option("pm_usBankAccount_success")
    page.locator("#checkout-pay-bank").click()

    # Back on the pay page: on its way, not yet collected.
    page.wait_for_url(re.compile(r"/pay/[A-Za-z0-9_-]+\?checkout=cs_"))
    until = day_label(bank_settlement_date(bank_date(clock.now()), 4))
    expect(page.locator("#pay-result")).to_have_text(
        f"Processing until {until} — we'll email you if the bank returns it."
    )
    expect(page.locator("#pay-balance")).to_contain_text(f"On its way by bank transfer{pays}")
    expect(page.locator("#pay-lines")).to_contain_text("Bank transfer discount")
    screenshot(page, "85-pay-stripe-processing")
    key = str(billed["morgan_key"])
    with Session(e2e_engine) as check:
        method = check.exec(select(PayerMethod).where(PayerMethod.payer_key == key)).one()
        assert (method.kind, method.auto_pay, method.notice_above_cents) == ("bank", True, 30000)
        assert method.label == "Bank •••• 6789"
        attempt = check.exec(
            select(PaymentAttempt)
            .join(Invoice, col(Invoice.id) == PaymentAttempt.invoice_id)
            .where(Invoice.payer_key == key)
        ).one()
        assert attempt.status == "processing"

    # Four bank days later the transfer settles; Stripe's webhook tells the app.
    stripe.settle(str(attempt.gateway_ref))
    stripe.wait_for_deliveries(timeout=20)
    assert all(status == 200 for _, status in stripe.deliveries), stripe.deliveries
    page.goto(str(billed["morgan_path"]))
    expect(page.locator("#pay-paid")).to_have_text("Paid. Thank you.")
    expect(page.get_by_role("button", name=re.compile("^(Continue|Pay)"))).to_have_count(0)


def test_a_declined_card_is_answered_on_stripes_page_and_another_card_pays(  # type: ignore[no-untyped-def]
    page, billed, stripe: FakeStripe
) -> None:
    page.goto(str(billed["quinn_path"]))
    fee = billed["fee"]
    balance = f"${fee / 100:,.2f}"  # type: ignore[operator]
    expect(page.get_by_role("radio", name=f"Card: {balance}")).to_be_checked()
    expect(page.locator("#pay-hosted-note")).to_contain_text("enter your card on Stripe's")
    page.get_by_role("button", name=f"Continue to pay {balance}").click()
    page.wait_for_url(re.compile(r"/checkout/pay/cs_"))

    # Going back from Stripe's page leaves the invoice as it was.
    page.locator("#checkout-cancel").click()
    page.wait_for_url(re.compile(r"/pay/[A-Za-z0-9_-]+$"))
    expect(page.locator("#pay-balance")).to_contain_text(balance)
    page.get_by_role("button", name=f"Continue to pay {balance}").click()
    page.wait_for_url(re.compile(r"/checkout/pay/cs_"))

    page.get_by_label("Card number").fill("4000 0000 0000 0002")
    page.locator("#checkout-pay-card").click()
    expect(page.locator("#checkout-error")).to_contain_text("declined")
    screenshot(page, "86-stripe-checkout-declined")
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.locator("#checkout-pay-card").click()
    page.wait_for_url(re.compile(r"\?checkout=cs_"))
    expect(page.locator("#pay-result")).to_have_text("Paid. Thank you.")
    expect(page.locator("#pay-balance")).to_contain_text("$0.00")
    screenshot(page, "87-pay-stripe-paid")
    stripe.wait_for_deliveries(timeout=20)
    assert all(status == 200 for _, status in stripe.deliveries), stripe.deliveries
