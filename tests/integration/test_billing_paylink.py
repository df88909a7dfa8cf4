"""Pay links: tokens (a round trip works; any change, another key, expiry or garbage does not),
and what a payer sees and does with one: the invoice, each method's price, card and bank
payments, declines, and a second click that charges nothing."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader
from sqlalchemy import func
from sqlmodel import Session, select

from practicerunner.billing.gateways.base import MethodKind
from practicerunner.billing.gateways.simulated import SimulatedGateway
from practicerunner.billing.gateways.simulated_models import SimPayment
from practicerunner.billing.invoice_docs import invoice_document, statement_document
from practicerunner.billing.methods import add_method, ensure_customer
from practicerunner.billing.models import Invoice, PayerMethod, PaymentAttempt
from practicerunner.billing.paylink import (
    PayForm,
    PayLinkInvalid,
    PayOutcome,
    _write_attempt,
    invalid_message,
    make_token,
    notice_threshold,
    pay_invoice,
    pay_url,
    pay_view,
    read_token,
)
from practicerunner.billing.pdf import render_invoice, render_statement
from practicerunner.billing.policies import PolicyForm, save_policy
from practicerunner.billing.runs import run_billing
from practicerunner.core import clock
from practicerunner.core.errors import ValidationFailed
from practicerunner.core.settings import get_settings
from practicerunner.messaging.models import OutboxMessage
from tests.integration.billing_support import (
    balance,
    couple_with_contact,
    invoiced_with_link,
    invoices_of,
    seen,
)

NOW = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=30)
SECRET = "s" * 48
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."


def test_a_token_names_its_invoice_until_it_expires() -> None:
    token = make_token(123, LATER, secret=SECRET)
    assert read_token(token, NOW, secret=SECRET) == 123
    assert read_token(token, LATER - timedelta(seconds=1), secret=SECRET) == 123
    with pytest.raises(PayLinkInvalid):
        read_token(token, LATER, secret=SECRET)
    with pytest.raises(PayLinkInvalid):
        read_token(token, LATER + timedelta(days=400), secret=SECRET)


def test_a_token_is_one_plain_path_segment() -> None:
    token = make_token(2**40, LATER, secret=SECRET)
    assert len(token) == 65
    assert re.fullmatch(r"[A-Za-z0-9_-]+", token)


def test_a_token_from_another_secret_is_refused() -> None:
    token = make_token(123, LATER, secret="another secret of the same length........")
    with pytest.raises(PayLinkInvalid):
        read_token(token, NOW, secret=SECRET)


def test_the_link_uses_the_public_url_and_the_installation_secret() -> None:
    url = pay_url(77, LATER)
    assert url.startswith(f"{get_settings().public_url}/pay/")
    assert read_token(url.rsplit("/", 1)[1], NOW) == 77


def test_the_message_is_the_same_calm_sentence_for_every_bad_link() -> None:
    assert invalid_message("Willow Creek Counseling") == (
        "This payment link is no longer valid. "
        "Please contact Willow Creek Counseling for a new one."
    )


@settings(max_examples=300, deadline=None)
@given(
    invoice_id=st.integers(min_value=1, max_value=2**40),
    position=st.integers(min_value=0, max_value=10_000),
    replacement=st.sampled_from(ALPHABET),
)
def test_changing_any_character_of_a_token_is_refused(
    invoice_id: int, position: int, replacement: str
) -> None:
    token = make_token(invoice_id, LATER, secret=SECRET)
    i = position % len(token)
    altered = token[:i] + replacement + token[i + 1 :]
    if altered == token:
        return
    with pytest.raises(PayLinkInvalid):
        read_token(altered, NOW, secret=SECRET)


@settings(max_examples=200, deadline=None)
@given(invoice_id=st.integers(min_value=1, max_value=2**40), cut=st.integers(1, 80))
def test_a_shortened_or_lengthened_token_is_refused(invoice_id: int, cut: int) -> None:
    token = make_token(invoice_id, LATER, secret=SECRET)
    for altered in (token[:-cut], token + token[:cut], token[cut:]):
        with pytest.raises(PayLinkInvalid):
            read_token(altered, NOW, secret=SECRET)


@settings(max_examples=300, deadline=None)
@given(garbage=st.text(max_size=120))
def test_garbage_is_refused(garbage: str) -> None:
    with pytest.raises(PayLinkInvalid):
        read_token(garbage, NOW, secret=SECRET)


@settings(max_examples=100, deadline=None)
@given(
    invoice_id=st.integers(min_value=1, max_value=2**40),
    lifetime=st.integers(min_value=1, max_value=90 * 86400),
    elapsed=st.integers(min_value=0, max_value=120 * 86400),
)
def test_a_token_works_exactly_until_its_expiry(
    invoice_id: int, lifetime: int, elapsed: int
) -> None:
    token = make_token(invoice_id, NOW + timedelta(seconds=lifetime), secret=SECRET)
    at = NOW + timedelta(seconds=elapsed)
    if elapsed < lifetime:
        assert read_token(token, at, secret=SECRET) == invoice_id
    else:
        with pytest.raises(PayLinkInvalid):
            read_token(token, at, secret=SECRET)


# ---- paying through the link ---------------------------------------------------------------

FRIDAY = date(2026, 12, 4)
FRIDAY_MORNING = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)


@pytest.fixture
def travel() -> Iterator:  # type: ignore[type-arg]
    with clock.frozen_at(FRIDAY_MORNING) as move:
        yield move


def fresh(session: Session, invoice: Invoice) -> Invoice:
    session.expire_all()
    found = session.get(Invoice, invoice.id)
    assert found is not None
    session.rollback()
    return found


def sim_payments(session: Session) -> int:
    count = session.exec(select(func.count()).select_from(SimPayment)).one()
    session.rollback()
    return int(count)


def test_the_pay_page_shows_the_invoice_and_what_each_method_costs(
    session: Session, people, travel
) -> None:  # type: ignore[no-untyped-def]
    invoice, token = invoiced_with_link(session, people, bank_discount="5")
    view = pay_view(session, token)
    assert view.practice_name == "Willow Creek Counseling"
    assert view.number == invoice.number and view.payer_name == "Client1 OfClinician"
    assert view.lines == (
        ("Session on Tue, Dec 1, 2026", "$160.00"),
        ("Session on Wed, Dec 2, 2026", "$160.00"),
    )
    assert (view.total, view.paid, view.balance, view.status) == (
        "$320.00",
        "$0.00",
        "$320.00",
        "open",
    )
    assert [o.sentence for o in view.options] == [
        "Card: $320.00",
        "Bank transfer: $310.00 (a $10.00 discount)",
    ]
    text = repr(view)
    for word in ("therapy", "90837", "Carl", "Individual"):
        assert word not in text


def test_bank_only_offers_only_the_bank(session: Session, people, travel) -> None:  # type: ignore[no-untyped-def]
    _, token = invoiced_with_link(session, people, bank_only=True, methods=("bank",))
    assert [o.method for o in pay_view(session, token).options] == ["bank"]


def test_paying_by_card_pays_once_and_a_second_click_charges_nothing(
    session: Session, people, travel
) -> None:  # type: ignore[no-untyped-def]
    invoice, token = invoiced_with_link(session, people)
    gateway = SimulatedGateway()
    outcome = pay_invoice(session, gateway, token, PayForm("card", "4242 4242 4242 4242", True))
    assert outcome == PayOutcome("succeeded", "Paid. Thank you.")
    paid = fresh(session, invoice)
    assert (paid.status, paid.paid_cents) == ("paid", 32000)
    assert balance(session, invoice.payer_key) == 0
    again = pay_invoice(session, gateway, token, PayForm("card", "4242424242424242"))
    assert again.status == "closed" and sim_payments(session) == 1
    view = pay_view(session, token)
    assert view.status == "paid" and view.options == () and view.balance == "$0.00"
    assert view.payments == (("Payment by card on Fri, Dec 4, 2026", "$320.00"),)
    method = session.exec(select(PayerMethod)).one()
    assert method.auto_pay and method.label.endswith("4242")


def test_a_click_that_died_after_writing_its_attempt_is_finished_by_the_next_with_one_charge(
    session: Session, people, travel
) -> None:  # type: ignore[no-untyped-def]
    invoice, token = invoiced_with_link(session, people)
    gateway = SimulatedGateway()
    customer = ensure_customer(session, gateway, invoice.payer_key)
    saved = gateway.save_test_method(customer, MethodKind.CARD, "4242424242424242")
    method = add_method(session, gateway.name, invoice.payer_key, saved, auto_pay=False)
    first = _write_attempt(session, int(invoice.id), method, "card")  # type: ignore[arg-type]
    assert isinstance(first, int)  # ...and the first request dies before calling the processor
    outcome = pay_invoice(session, gateway, token, PayForm("card", "4242424242424242"))
    assert outcome.status == "succeeded"
    attempts = session.exec(select(PaymentAttempt)).all()
    assert [a.id for a in attempts] == [first] and sim_payments(session) == 1
    assert fresh(session, invoice).paid_cents == 32000


def test_a_declined_card_records_nothing_as_paid_and_sends_no_email(
    session: Session, people, travel
) -> None:  # type: ignore[no-untyped-def]
    invoice, token = invoiced_with_link(session, people)
    gateway = SimulatedGateway()
    outcome = pay_invoice(session, gateway, token, PayForm("card", "4000000000000002"))
    assert outcome.status == "failed" and "declined" in outcome.message
    after = fresh(session, invoice)
    assert (after.status, after.paid_cents) == ("open", 0)
    assert balance(session, invoice.payer_key) == 32000
    kinds = session.exec(select(OutboxMessage.kind)).all()
    assert kinds == ["billing.invoice"]
    # ...and a good card afterwards pays it.
    assert pay_invoice(session, gateway, token, PayForm("card", "4242424242424242")).status == (
        "succeeded"
    )


def test_paying_by_bank_takes_the_discount_and_is_processing_until_it_settles(
    session: Session, people, travel
) -> None:  # type: ignore[no-untyped-def]
    invoice, token = invoiced_with_link(session, people, bank_discount="5")
    gateway = SimulatedGateway()
    outcome = pay_invoice(
        session, gateway, token, PayForm("bank", "000123456789", routing="110000000")
    )
    assert outcome == PayOutcome(
        "processing",
        "Processing until Thu, Dec 10, 2026 — we'll email you if the bank returns it.",
    )
    after = fresh(session, invoice)
    assert (after.status, after.total_cents, after.paid_cents) == ("processing", 31000, 0)
    view = pay_view(session, token)
    assert view.status_note == "Bank transfer processing until Thu, Dec 10, 2026"
    assert view.options == ()
    assert ("Bank transfer discount", "-$5.00") in view.lines
    assert pay_invoice(
        session, gateway, token, PayForm("bank", "000123456789", routing="110000000")
    ).status == ("processing")
    assert sim_payments(session) == 1


def test_bad_input_is_refused_beside_the_field(session: Session, people, travel) -> None:  # type: ignore[no-untyped-def]
    _, token = invoiced_with_link(session, people)
    gateway = SimulatedGateway()
    with pytest.raises(ValidationFailed) as caught:
        pay_invoice(session, gateway, token, PayForm("card", "4242 4242 4242 4241"))
    assert caught.value.errors == {"number": "That is not a valid card number."}
    with pytest.raises(ValidationFailed) as caught:
        pay_invoice(session, gateway, token, PayForm("cash", "1"))
    assert "method" in caught.value.errors
    for routing, words in (
        ("", "Enter your bank's routing number."),
        ("11000000", "A routing number has 9 digits."),
        ("11000000x", "A routing number has 9 digits."),
        ("110000001", "That routing number is not valid: please check it with your bank."),
    ):
        with pytest.raises(ValidationFailed) as caught:
            pay_invoice(session, gateway, token, PayForm("bank", "000123456789", routing=routing))
        assert caught.value.errors == {"routing": words}
    assert sim_payments(session) == 0
    assert session.exec(select(PayerMethod)).all() == []
    session.rollback()


@settings(max_examples=200, deadline=None)
@given(body=st.text(alphabet="0123456789", min_size=8, max_size=8), check=st.integers(0, 9))
def test_exactly_one_check_digit_completes_a_routing_number(body: str, check: int) -> None:
    from practicerunner.billing.paylink import routing_error

    valid = [d for d in "0123456789" if routing_error(body + d) == ""]
    assert len(valid) == 1
    # Each digit's weight (3, 7 or 1) is coprime to 10: changing one digit breaks the sum.
    typed = body + valid[0]
    position = check % 9
    changed = typed[:position] + str((int(typed[position]) + 1) % 10) + typed[position + 1 :]
    assert routing_error(changed) != ""


def test_a_link_to_an_invoice_that_does_not_exist_is_just_invalid(session: Session, people) -> None:  # type: ignore[no-untyped-def]
    token = make_token(999_999, datetime.now(UTC) + timedelta(days=1))
    with pytest.raises(PayLinkInvalid):
        pay_view(session, token)


def test_the_invoice_and_statement_documents_read_as_billing_only(
    session: Session, people, travel
) -> None:  # type: ignore[no-untyped-def]
    invoice, token = invoiced_with_link(session, people, bank_discount="5")
    pay_invoice(session, SimulatedGateway(), token, PayForm("card", "4242424242424242"))
    row = fresh(session, invoice)
    doc = invoice_document(session, row, pay_url="https://example.test/pay/x")
    assert [(x.description, x.amount_cents) for x in doc.lines] == [
        ("Session on Tue, Dec 1, 2026", 16000),
        ("Session on Wed, Dec 2, 2026", 16000),
    ]
    assert doc.balance_cents == 0 and doc.status_note == "Paid. Thank you."
    assert doc.pay_url == ""  # nothing left to pay
    assert doc.bill_to.name == "Client1 OfClinician"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(render_invoice(doc))).pages)
    assert "Session on Tue, Dec 1, 2026" in text and invoice.number in text
    for word in ("therapy", "Therapy", "90837", "Carl Chen"):
        assert word not in text

    statement = statement_document(session, invoice.payer_key, date(2026, 12, 1), FRIDAY)
    assert statement.opening_balance_cents == 0
    assert statement.charges_cents == 32000 and statement.payments_cents == 32000
    assert statement.closing_balance_cents == balance(session, invoice.payer_key) == 0
    assert render_statement(statement).startswith(b"%PDF")


def test_a_split_payer_sees_their_share(session: Session, people, travel) -> None:  # type: ignore[no-untyped-def]
    save_policy(session, people.owner, "practice", None, PolicyForm(weekday="4"))
    case, jordan, _alex, _ = couple_with_contact(session, people, contact_pays=False)
    seen(session, people, case, date(2026, 12, 2), 11)
    run_billing(session, FRIDAY)
    mine = next(i for i in invoices_of(session, case) if i.client_id == jordan.id)
    doc = invoice_document(session, mine)
    assert doc.share_note == "Your share: 50% of each session fee"
    assert [(x.description, x.amount_cents) for x in doc.lines] == [
        ("Session on Wed, Dec 2, 2026", 8000)
    ]


# ---- the payer's choice of email before each automatic bank debit --------------------------


@given(st.integers(min_value=0, max_value=10**11))
def test_a_notice_amount_in_dollars_and_cents_is_kept_to_the_cent(cents: int) -> None:
    typed = f"{cents // 100}.{cents % 100:02d}"
    form = PayForm("bank", "000123456789", True, "above", typed, "110000000")
    assert notice_threshold(form) == (cents, {})
    assert notice_threshold(PayForm("bank", "1", True, "above", f"${cents // 100:,}")) == (
        cents // 100 * 100,
        {},
    )


def test_the_notice_amount_matters_only_for_a_bank_account_on_auto_pay() -> None:
    assert notice_threshold(PayForm("bank", "1", True, "always", "40")) == (None, {})
    assert notice_threshold(PayForm("bank", "1", False, "above", "nonsense")) == (None, {})
    assert notice_threshold(PayForm("card", "1", True, "above", "nonsense")) == (None, {})


def test_paying_by_bank_on_auto_pay_keeps_the_payers_notice_choice(
    session: Session, people, travel
) -> None:  # type: ignore[no-untyped-def]
    _, token = invoiced_with_link(session, people)
    form = PayForm("bank", "000123456789", True, "above", " $1,250.5 ", "110000000")
    assert pay_invoice(session, SimulatedGateway(), token, form).status == "processing"
    method = session.exec(select(PayerMethod)).one()
    assert (method.kind, method.auto_pay, method.notice_above_cents) == ("bank", True, 125050)


def test_always_means_no_threshold(session: Session, people, travel) -> None:  # type: ignore[no-untyped-def]
    _, token = invoiced_with_link(session, people)
    form = PayForm("bank", "000123456789", True, "always", "99.00", "110000000")
    pay_invoice(session, SimulatedGateway(), token, form)
    method = session.exec(select(PayerMethod)).one()
    assert method.auto_pay and method.notice_above_cents is None


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("-5.00", "Enter an amount of zero or more."),
        ("", "Enter an amount, like 150.00."),
        ("ten dollars", "Enter an amount in dollars and cents, like 150.00."),
        ("12.345", "Use at most two digits after the decimal point."),
        ("1e3", "Enter an amount in dollars and cents, like 150.00."),
    ],
)
def test_a_bad_notice_amount_is_refused_beside_the_field_and_nothing_is_saved(
    session: Session, people, travel, typed: str, message: str
) -> None:  # type: ignore[no-untyped-def]
    invoice, token = invoiced_with_link(session, people)
    form = PayForm("bank", "000123456789", True, "above", typed, "110000000")
    with pytest.raises(ValidationFailed) as caught:
        pay_invoice(session, SimulatedGateway(), token, form)
    assert caught.value.errors == {"notice_above": message}
    assert session.exec(select(PayerMethod)).all() == []
    assert sim_payments(session) == 0
    after = fresh(session, invoice)
    assert (after.status, after.paid_cents) == ("open", 0)
