"""The demo practice's billing, made by the real services on a travelling clock.

Bill Baker, the biller, sets the practice policy (per session, auto-invoice every Friday, 5%
off bank transfers) and a Telehealth variant (missed-session fees at half the fee). A few
payers save simulated methods and go on auto-pay: Maya Patel (card), the Kims, who split
50/50 (Daniel by card, Rachel by bank transfer, told before debits above $500 only), and
Patricia Reyes, who pays for her son's couple sessions. Then the hourly billing job runs on
the last three Friday evenings — invoices, card payments, bank debits that settle by the next
Friday — so the last bank debit is still processing. Before
the last run Marcus Johnson saves a card that is declined: one failed payment. A cheque from
Jonathan Whitaker and cash from Helen Brandt, the consultation client, are recorded by hand.
The rest are on auto-invoice with invoices open.

Nothing is written by hand: policies, methods, arrangements, runs, collection and manual
payments all go through the billing services, whose audit entries this leaves behind.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from practicerunner.billing.collect import ManualPayment, record_manual_payment
from practicerunner.billing.gateways.base import MethodKind
from practicerunner.billing.gateways.simulated import SimulatedGateway
from practicerunner.billing.methods import add_method, ensure_customer
from practicerunner.billing.models import BillingPolicy, Invoice
from practicerunner.billing.policies import (
    ArrangementForm,
    PolicyForm,
    save_policy,
    update_arrangement,
)
from practicerunner.billing.worker import run_and_collect
from practicerunner.clients.models import Case, Client, Contact
from practicerunner.core import clock
from practicerunner.core.db import session_scope
from practicerunner.core.permissions import Actor
from practicerunner.practice.models import Location, LocationKind, Practice, Staff

RUN_HOUR = 18  # the Friday run the demo replays: 6 pm in the practice, after the sessions
# Three Friday runs: the first picks up every session since the calendar began (six weeks of
# history, see scheduling.demo_schedule), as a practice's first run after switching would; the
# next two are ordinary weeks. Each run costs the seed about a second, so no more than that.
RUNS = 3
VISA_OK = "4242424242424242"
VISA_DECLINED = "4000000000000002"
BANK_SETTLES = "000123456789"


def demo_fridays(today: date) -> list[date]:
    """The last RUNS Fridays before TODAY (a Friday's own run is replayed only from Saturday)."""
    last = today - timedelta(days=(today.weekday() - 4) % 7 or 7)
    return [last - timedelta(weeks=n) for n in reversed(range(RUNS))]


def _biller(session: Session) -> Actor:
    from practicerunner.auth.service import actor_for

    staff = session.exec(select(Staff).where(Staff.email == "bill@willow.example")).one()
    return actor_for(session, staff, ip="127.0.0.1")


def _client_key(session: Session, first: str, last: str) -> str:
    client = session.exec(
        select(Client).where(Client.legal_first_name == first, Client.legal_last_name == last)
    ).one()
    return f"client:{client.id}"


def _case_id(session: Session, title: str) -> int:
    return int(session.exec(select(Case.id).where(Case.title == title)).one())  # type: ignore[arg-type]


def _save_method(
    session: Session,
    gateway: SimulatedGateway,
    key: str,
    kind: MethodKind,
    number: str,
    notice_above_cents: int | None = None,
) -> None:
    """The payer saves a card or bank account and agrees to auto-pay (as on the pay page)."""
    customer = ensure_customer(session, gateway, key)
    session.rollback()  # the gateway writes in its own transaction
    saved = gateway.save_test_method(customer, kind, number)
    add_method(
        session, gateway.name, key, saved, auto_pay=True, notice_above_cents=notice_above_cents
    )


@contextmanager
def _at(day: date, hour: int, zone: ZoneInfo) -> Iterator[None]:
    with clock.frozen_at(datetime.combine(day, time(hour), zone)):
        yield


def seed_demo_billing(now: datetime) -> bool:
    """Set up and replay the demo practice's billing up to NOW; False when already there.

    Needs the demo practice and its calendar committed (demo.seed_demo calls it last).
    """
    with session_scope() as session:
        if session.exec(select(BillingPolicy.id)).first() is not None:
            return False
        practice = session.exec(select(Practice)).one()
        zone = ZoneInfo(practice.timezone)
        fridays = demo_fridays(now.astimezone(zone).date())
        gateway = SimulatedGateway()
        with _at(fridays[0] - timedelta(days=4), 9, zone):
            _set_up(session, gateway)
        for n, friday in enumerate(fridays):
            if n == len(fridays) - 1:
                with _at(friday, RUN_HOUR - 1, zone):
                    _declined_card(session, gateway)
            session.rollback()  # the job opens its own sessions
            with _at(friday, RUN_HOUR, zone):
                run_and_collect(friday, gateway)
            if n == 0:
                with _at(friday + timedelta(days=5), 11, zone):
                    _payments_by_hand(session)
    return True


def _set_up(session: Session, gateway: SimulatedGateway) -> None:
    """Policies, saved methods and the auto-pay cases, the Monday before the first run."""
    bill = _biller(session)
    save_policy(
        session,
        bill,
        "practice",
        None,
        PolicyForm(
            model="per_session",
            frequency="weekly",
            weekday="4",
            collection="auto_invoice",
            methods=("card", "bank", "manual"),
            bank_discount="5%",
        ),
    )
    telehealth = session.exec(
        select(Location).where(Location.kind == LocationKind.TELEHEALTH)
    ).one()
    save_policy(
        session,
        bill,
        "location",
        telehealth.id,
        PolicyForm(
            model="per_session",
            frequency="weekly",
            weekday="4",
            collection="auto_invoice",
            methods=("card", "bank", "manual"),
            bank_discount="5%",
            no_show_fee="50%",
            late_cancel_fee="50%",
        ),
    )
    reyes = session.exec(
        select(Contact).where(Contact.first_name == "Patricia", Contact.last_name == "Reyes")
    ).one()
    methods = [
        (_client_key(session, "Maya", "Patel"), MethodKind.CARD, VISA_OK, None),
        (_client_key(session, "Daniel", "Kim"), MethodKind.CARD, VISA_OK, None),
        # Rachel is told before a bank debit only when it is above $500: hers are smaller.
        (_client_key(session, "Rachel", "Kim"), MethodKind.BANK, BANK_SETTLES, 50000),
        (f"contact:{reyes.id}", MethodKind.CARD, VISA_OK, None),
    ]
    for key, kind, number, notice in methods:
        _save_method(session, gateway, key, kind, number, notice)
    for title in ("Maya Patel", "Kim (couple)", "Reyes (couple)"):
        update_arrangement(
            session,
            bill,
            _case_id(session, title),
            ArrangementForm(collection="auto_pay", note="Agreed to auto-pay at intake."),
        )


def _declined_card(session: Session, gateway: SimulatedGateway) -> None:
    """Marcus Johnson moves to auto-pay with a card that will be declined."""
    bill = _biller(session)
    _save_method(
        session, gateway, _client_key(session, "Marcus", "Johnson"), MethodKind.CARD, VISA_DECLINED
    )
    update_arrangement(
        session,
        bill,
        _case_id(session, "Marcus Johnson"),
        ArrangementForm(collection="auto_pay", note="Asked to pay by card automatically."),
    )


def _payments_by_hand(session: Session) -> None:
    """A cheque and cash against the first week's invoices, recorded by the biller."""
    bill = _biller(session)
    for title, how, reference in (
        ("Jonathan Whitaker", "check", "Check 1042"),
        ("Helen Brandt (consultation)", "cash", ""),
    ):
        invoice = session.exec(
            select(Invoice)
            .where(Invoice.case_id == _case_id(session, title))
            .order_by(col(Invoice.id))
        ).first()
        if invoice is None:
            continue  # no session that week (a holiday or a day off)
        record_manual_payment(
            session,
            bill,
            ManualPayment(
                invoice_id=int(invoice.id),  # type: ignore[arg-type]
                amount=f"{(invoice.total_cents - invoice.paid_cents) / 100:.2f}",
                method=how,
                received_on=clock.now().date().isoformat(),
                reference=reference,
            ),
        )
