"""The signed pay link: a token naming one invoice until a day, the URL that carries it, and
what the payer can do with it (see the invoice, pay it by card or bank transfer).

A token is 65 characters of unpadded base64url, the payload (22) then the MAC (43), with no
separator, so it is one plain path segment: the payload is the invoice id and the expiry
(Unix seconds) as two big-endian 64-bit numbers; the MAC is HMAC-SHA256 over the payload, with
a key derived from the installation's secret key. The database keeps nothing: the link is its
own proof, and changing the secret key retires every link at once. No library for this is
installed (itsdangerous would be the usual choice), so it is written out here with the two
traps handled: the MAC is compared in constant time, and
only the canonical base64 spelling is accepted (base64 decoders skip stray characters and
ignore spare low bits, which would let an altered token decode to the same bytes).

Every way a token can be wrong — altered, signed with another key, expired, malformed, or
naming an invoice that no longer exists — is one error, `PayLinkInvalid`, and one calm
sentence for the payer, so the page tells a guesser nothing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import struct
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session, col, select
from stdnum.us import rtn

from practicerunner.billing.charges import insert_ignore
from practicerunner.billing.costs import CostRates, explain_costs
from practicerunner.billing.documents import BANK_TRANSFER_DISCOUNT, day_label
from practicerunner.billing.gateways.base import MethodKind, PaymentGateway
from practicerunner.billing.models import (
    AttemptStatus,
    EntryKind,
    Invoice,
    InvoiceLine,
    LedgerEntry,
    Method,
    PayerMethod,
    PaymentAttempt,
)
from practicerunner.billing.money import NO_ADJUSTMENT, Adjustment, discount_cents
from practicerunner.clients.models import Case
from practicerunner.core import clock
from practicerunner.core.errors import ValidationFailed
from practicerunner.core.money import MoneyFormatError, format_cents, parse_dollars
from practicerunner.core.settings import get_settings

# Attempts made by the payer on the pay page carry this suffix on their idempotency key
# (billing.notices reads it: a card declined on the page is answered there, not by email).
PAY_PAGE_KEY_SUFFIX = "-paylink"

LINK_DAYS = 30  # a pay link works for thirty days from when it is made
_LABEL = b"practicerunner.billing.paylink.v1"
_PAYLOAD = struct.Struct(">QQ")  # invoice id, expiry in Unix seconds
_HEAD = 22  # unpadded base64 of the 16-byte payload
_TOKEN_LENGTH = _HEAD + 43  # and of the 32-byte MAC


class PayLinkInvalid(Exception):
    """A pay link that is altered, expired, malformed or names no invoice."""


def _key(secret: str | None = None) -> bytes:
    # A key of its own, derived from the secret: a MAC made for anything else that uses the
    # secret can never pass as a pay link.
    raw = (secret if secret is not None else get_settings().secret_key).encode()
    return hmac.new(raw, _LABEL, hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    """Decode unpadded base64url, accepting only the one spelling `_b64` would write."""
    try:
        raw = text.encode("ascii")
        data = base64.urlsafe_b64decode(raw + b"=" * (-len(raw) % 4))
    except (UnicodeEncodeError, binascii.Error, ValueError) as exc:
        raise PayLinkInvalid("malformed") from exc
    if _b64(data) != text:
        raise PayLinkInvalid("malformed")
    return data


def _mac(payload: bytes, secret: str | None) -> bytes:
    return hmac.new(_key(secret), payload, hashlib.sha256).digest()


def make_token(invoice_id: int, expires_at: datetime, *, secret: str | None = None) -> str:
    """A token for INVOICE_ID that works until EXPIRES_AT (aware), signed with the secret key."""
    if expires_at.tzinfo is None:
        raise ValueError("expires_at must be timezone-aware")
    if invoice_id <= 0:
        raise ValueError("invoice_id must be positive")
    payload = _PAYLOAD.pack(invoice_id, int(expires_at.timestamp()))
    return _b64(payload) + _b64(_mac(payload, secret))


def read_token(token: str, now: datetime | None = None, *, secret: str | None = None) -> int:
    """The invoice id TOKEN names; PayLinkInvalid if altered, expired or malformed."""
    if not isinstance(token, str) or len(token) != _TOKEN_LENGTH:
        raise PayLinkInvalid("malformed")
    payload, mac = _unb64(token[:_HEAD]), _unb64(token[_HEAD:])
    if len(payload) != _PAYLOAD.size:
        raise PayLinkInvalid("malformed")
    if not hmac.compare_digest(mac, _mac(payload, secret)):
        raise PayLinkInvalid("signature")
    invoice_id, expires = _PAYLOAD.unpack(payload)
    moment = now if now is not None else clock.now()
    if moment.timestamp() >= expires:
        raise PayLinkInvalid("expired")
    if invoice_id <= 0:
        raise PayLinkInvalid("malformed")
    return int(invoice_id)


def link_expiry(now: datetime | None = None) -> datetime:
    """When a link made NOW stops working."""
    return (now or clock.now()) + timedelta(days=LINK_DAYS)


def pay_path(invoice_id: int, expires_at: datetime | None = None) -> str:
    """'/pay/<token>' for INVOICE_ID (thirty days by default)."""
    return f"/pay/{make_token(invoice_id, expires_at or link_expiry())}"


def pay_url(invoice_id: int, expires_at: datetime | None = None) -> str:
    """The full pay link for INVOICE_ID: f'{public_url}/pay/{token}'."""
    return f"{get_settings().public_url}{pay_path(invoice_id, expires_at)}"


def invalid_message(practice_name: str) -> str:
    """The one sentence every bad link gets."""
    who = practice_name.strip() or "the practice"
    return f"This payment link is no longer valid. Please contact {who} for a new one."


# ---- what the payer can do with a link ----------------------------------------------------


@dataclass(frozen=True)
class PayOption:
    """One way to pay, as the payer sees it: 'Bank transfer: $155.00 (a $5.00 discount)'."""

    method: str  # "card" | "bank"
    label: str  # "Card", "Bank transfer"
    sentence: str
    pays_cents: int
    discount_cents: int


@dataclass(frozen=True)
class PayView:
    """Everything the pay page shows, and nothing else (no service, clinician or case)."""

    practice_name: str
    practice_contact: str  # 'call (503) 555-0142 or email office@willow.example'
    number: str
    issued: str
    due: str
    payer_name: str
    lines: tuple[tuple[str, str], ...]  # (description, amount) — charges, discounts, credits
    payments: tuple[tuple[str, str], ...]
    total: str
    paid: str
    balance: str
    balance_cents: int
    status: str  # open | processing | paid | void
    status_note: str
    share_note: str
    options: tuple[PayOption, ...]
    online: bool  # this installation can take the payment on this page


NOTICE_ALWAYS = "always"
NOTICE_ABOVE = "above"


@dataclass(frozen=True)
class PayForm:
    """What the payer typed: the method, the card or account number (and a bank's routing
    number), auto-pay consent and, for automatic bank debits, when to be emailed first
    ('always' or 'above' NOTICE_ABOVE)."""

    method: str
    number: str
    auto_pay: bool = False
    notice: str = NOTICE_ALWAYS
    notice_above: str = ""  # dollars and cents as typed, read only with notice 'above'
    routing: str = ""  # a bank account's 9-digit ABA routing number, as typed


def routing_error(typed: str) -> str:
    """Why TYPED is not a US bank routing number ('' when it is one).

    The ninth digit is a checksum over the other eight (stdnum.us.rtn), so most mistypings
    are caught here rather than by a returned debit days later.
    """
    digits = "".join(ch for ch in typed if not ch.isspace() and ch != "-")
    if not digits:
        return "Enter your bank's routing number."
    if not digits.isdigit() or len(digits) != 9:
        return "A routing number has 9 digits."
    if not rtn.is_valid(digits):
        return "That routing number is not valid: please check it with your bank."
    return ""


def notice_threshold(form: PayForm) -> tuple[int | None, dict[str, str]]:
    """The debit-notice threshold in cents (None = always email), and errors by field.

    It only means something for a bank account paying future invoices automatically (a card
    charge needs no advance notice), so any other form gives (None, {}).
    """
    if form.method != Method.BANK or not form.auto_pay or form.notice != NOTICE_ABOVE:
        return None, {}
    text = form.notice_above.strip()
    try:
        cents = parse_dollars(text)
    except MoneyFormatError as exc:
        return None, {"notice_above": str(exc)}
    if cents < 0:
        return None, {"notice_above": "Enter an amount of zero or more."}
    return cents, {}


@dataclass(frozen=True)
class PayOutcome:
    """How a payment went, in the words the page shows."""

    status: str  # succeeded | processing | failed | requires_action | pending | closed
    message: str


_OPTION_LABELS = {"card": "Card", "bank": "Bank transfer"}


def practice_name(session: Session) -> str:
    """The practice's name, for the 'no longer valid' message."""
    from practicerunner.messaging.content import practice_facts

    return practice_facts(session).name


def _invoice_for(session: Session, token: str) -> Invoice:
    invoice = session.get(Invoice, read_token(token))
    if invoice is None:
        raise PayLinkInvalid("unknown invoice")
    return invoice


def _bank_line_discounts(session: Session, invoice: Invoice) -> list[tuple[InvoiceLine, int]]:
    """The bank-transfer discount each session line would get, when paying in full by bank."""
    from practicerunner.billing.policies import effective_for_case

    case = session.get(Case, invoice.case_id)
    if case is None or invoice.paid_cents:
        return []
    rules = effective_for_case(session, case)
    policy = rules.policy
    if policy.bank_discount_kind == "none" or Method.BANK not in rules.methods:
        return []
    adjustment = Adjustment(policy.bank_discount_kind, policy.bank_discount_value)  # type: ignore[arg-type]
    lines = session.exec(
        select(InvoiceLine)
        .where(InvoiceLine.invoice_id == invoice.id)
        .order_by(col(InvoiceLine.id))
    ).all()
    # A line already discounted (e.g. auto-pay by bank) is not discounted twice.
    return [
        (line, discount_cents(line.amount_cents, adjustment))
        for line in lines
        if line.description in ("Session", "Prepaid session") and line.discount_cents == 0
    ]


def _options(session: Session, invoice: Invoice, balance: int) -> tuple[PayOption, ...]:
    from practicerunner.billing.policies import effective_for_case

    case = session.get(Case, invoice.case_id)
    if case is None or balance <= 0:
        return ()
    allowed = [m.value for m in effective_for_case(session, case).methods if m != Method.MANUAL]
    bank_off = sum(off for _, off in _bank_line_discounts(session, invoice))
    rows = explain_costs(
        balance, CostRates(), Adjustment("amount", bank_off), NO_ADJUSTMENT, allowed
    )
    options = []
    for row in rows:
        label = _OPTION_LABELS[row.method]
        sentence = f"{label}: {format_cents(row.payer_pays_cents)}"
        if row.discount_cents:
            sentence += f" (a {format_cents(row.discount_cents)} discount)"
        options.append(
            PayOption(row.method, label, sentence, row.payer_pays_cents, row.discount_cents)
        )
    return tuple(options)


def pay_view(session: Session, token: str, *, online: bool = True) -> PayView:
    """What the pay page shows for TOKEN; PayLinkInvalid for any bad or unknown link."""
    from practicerunner.billing.invoice_docs import invoice_document
    from practicerunner.messaging.content import practice_facts

    invoice = _invoice_for(session, token)
    doc = invoice_document(session, invoice)
    balance = max(doc.balance_cents, 0) if invoice.status == "open" else 0
    facts = practice_facts(session)
    return PayView(
        practice_name=facts.name,
        practice_contact=facts.contact_line,
        number=invoice.number,
        issued=day_label(invoice.issued_on),
        due=day_label(invoice.due_on),
        payer_name=doc.bill_to.name,
        lines=tuple((x.description, format_cents(x.amount_cents)) for x in doc.lines),
        payments=tuple((x.description, format_cents(x.amount_cents)) for x in doc.payments),
        total=format_cents(doc.subtotal_cents),
        paid=format_cents(doc.paid_cents),
        balance=format_cents(max(doc.balance_cents, 0)),
        balance_cents=balance,
        status=invoice.status,
        status_note=doc.status_note,
        share_note=doc.share_note,
        options=_options(session, invoice, balance),
        online=online,
    )


def _processing_message(settles_on: date | None) -> str:
    when = day_label(settles_on) if settles_on else "it settles"
    return f"Processing until {when} — we'll email you if the bank returns it."


def _closed_outcome(invoice: Invoice) -> PayOutcome:
    if invoice.status == "processing":
        return PayOutcome("processing", _processing_message(invoice.processing_until))
    return PayOutcome("closed", "This invoice is already paid. Thank you.")


def _locked_attempts(
    session: Session, invoice_id: int
) -> tuple[Invoice, list[PaymentAttempt]] | PayOutcome:
    """The invoice, locked, and its attempts by number; or, rolled back, why it cannot be
    paid now (paid already, or a bank transfer on its way)."""
    from practicerunner.billing.collect import _lock_invoice, balance_due

    invoice = _lock_invoice(session, invoice_id)
    if invoice.status != "open" or balance_due(invoice) <= 0:
        outcome = _closed_outcome(invoice)
        session.rollback()
        return outcome
    attempts = session.exec(
        select(PaymentAttempt)
        .where(PaymentAttempt.invoice_id == invoice_id)
        .order_by(col(PaymentAttempt.attempt_no))
    ).all()
    return invoice, list(attempts)


def _insert_attempt(
    session: Session,
    invoice_id: int,
    attempts: list[PaymentAttempt],
    suffix: str,
    **values: object,
) -> tuple[int, str]:
    """Write the invoice's next attempt (numbered after ATTEMPTS, its key ending in SUFFIX)
    with VALUES; the id and key of the attempt under that number — ours, or a concurrent
    writer's if its INSERT won. Commits."""
    from practicerunner.billing.collect import attempt_key

    number = (attempts[-1].attempt_no + 1) if attempts else 1
    now = clock.now()
    row = {
        "invoice_id": invoice_id,
        "attempt_no": number,
        "idempotency_key": attempt_key(invoice_id, number) + suffix,
        "failure_code": "",
        "created_at": now,
        "updated_at": now,
        **values,
    }
    insert_ignore(session, PaymentAttempt.__table__, [row])  # type: ignore[attr-defined]
    found = session.exec(
        select(PaymentAttempt.id, PaymentAttempt.idempotency_key).where(
            PaymentAttempt.invoice_id == invoice_id, PaymentAttempt.attempt_no == number
        )
    ).one()
    session.commit()
    return int(found[0]), str(found[1])  # type: ignore[arg-type]


def _write_attempt(
    session: Session, invoice_id: int, method: PayerMethod, kind: str
) -> int | PayOutcome:
    """In one locked transaction: the attempt for the balance (discounted for bank), or why not.

    Attempt numbers are unique per invoice and share the automatic attempts' numbering, and the
    idempotency key is derived from the number: a double click finds the first click's pending
    attempt and sends it again with the same key, so the processor charges once.
    """
    from practicerunner.billing.collect import balance_due

    locked = _locked_attempts(session, invoice_id)
    if isinstance(locked, PayOutcome):
        return locked
    invoice, attempts = locked
    pending = [a for a in attempts if a.status == AttemptStatus.PENDING]
    if pending:
        found = int(pending[0].id)  # type: ignore[arg-type]
        session.rollback()
        return found
    if kind == Method.BANK:
        _apply_bank_discount(session, invoice, clock.now())
    attempt_id, _key = _insert_attempt(
        session,
        invoice_id,
        attempts,
        PAY_PAGE_KEY_SUFFIX,
        gateway=method.gateway,
        method=kind,
        method_ref=method.method_ref,
        amount_cents=balance_due(invoice),
        status=AttemptStatus.PENDING.value,
    )
    return attempt_id


def _apply_bank_discount(session: Session, invoice: Invoice, now: datetime) -> None:
    """Take the policy's bank-transfer discount off the session lines, once, on the ledger too.

    The discount stays if the transfer is later returned: the payer chose the bank, and the
    pay page offers the same discounted amount for the next bank transfer.
    """
    off = 0
    for line, amount in _bank_line_discounts(session, invoice):
        if amount <= 0:
            continue
        line.discount_cents = amount
        line.discount_label = BANK_TRANSFER_DISCOUNT
        session.add(line)
        off += amount
        insert_ignore(
            session,
            LedgerEntry.__table__,  # type: ignore[attr-defined]
            [
                {
                    "payer_key": invoice.payer_key,
                    "case_id": invoice.case_id,
                    "invoice_id": invoice.id,
                    "kind": EntryKind.DISCOUNT.value,
                    "amount_cents": -amount,
                    "entry_on": now.date(),
                    "description": BANK_TRANSFER_DISCOUNT,
                    "source_key": f"line:{line.invoice_id}:{line.charge_id}:discount",
                    "created_at": now,
                }
            ],
        )
    if off:
        invoice.total_cents -= off
        session.add(invoice)
        session.flush()


_FAILED_MESSAGES = {
    "failed": "The card was declined, so nothing was charged. Please try another card"
    " or a bank transfer.",
    "requires_action": "This card needs you to confirm the payment with your bank, which this"
    " page cannot do, so nothing was charged. Please use another card or a bank transfer.",
    "pending": "We could not reach the payment processor, so nothing has been charged yet."
    " Please try again in a few minutes.",
}


def pay_invoice(session: Session, gateway: PaymentGateway, token: str, form: PayForm) -> PayOutcome:
    """The payer pays the invoice TOKEN names with the card or bank account they typed.

    Saves the method with the processor (and, when the box is ticked, for paying future
    invoices automatically, with the payer's choice of when to be emailed before a bank
    debit; a bad amount there refuses the whole form before anything is saved), writes one
    attempt for the balance and charges it. Cards answer at once; bank transfers are
    processing until they settle. A declined card records nothing as paid. Raises
    PayLinkInvalid for a bad link and ValidationFailed for bad input.
    """
    from practicerunner.billing.collect import execute_attempt
    from practicerunner.billing.gateways.simulated import SimulatedGateway
    from practicerunner.billing.methods import add_method, ensure_customer

    invoice = _invoice_for(session, token)
    if invoice.status != "open" or invoice.total_cents <= invoice.paid_cents:
        outcome = _closed_outcome(invoice)
        session.rollback()
        return outcome
    allowed = {o.method for o in _options(session, invoice, invoice.total_cents)}
    errors: dict[str, str] = {}
    if form.method not in allowed:
        errors["method"] = "Choose how you would like to pay."
    digits = "".join(ch for ch in form.number if ch.isdigit())
    if not digits:
        what = "card number" if form.method == "card" else "bank account number"
        errors["number"] = f"Enter your {what}."
    if form.method == Method.BANK and (problem := routing_error(form.routing)):
        errors["routing"] = problem
    simulated = gateway if isinstance(gateway, SimulatedGateway) else None
    if simulated is None:
        errors["number"] = "Online payment is not available yet: please contact the practice."
    notice_above, notice_errors = notice_threshold(form)
    errors.update(notice_errors)
    if errors:
        session.rollback()
        raise ValidationFailed(errors)
    invoice_id, key = int(invoice.id), invoice.payer_key  # type: ignore[arg-type]
    assert simulated is not None  # refused above
    customer = ensure_customer(session, gateway, key)
    session.rollback()  # the processor keeps its own books: no transaction open across it
    try:
        saved = simulated.save_test_method(customer, MethodKind(form.method), form.number)
    except ValueError as exc:
        session.rollback()
        message = str(exc)
        raise ValidationFailed({"number": message[:1].upper() + message[1:] + "."}) from exc
    method = add_method(
        session, gateway.name, key, saved, auto_pay=form.auto_pay, notice_above_cents=notice_above
    )
    written = _write_attempt(session, invoice_id, method, form.method)
    if isinstance(written, PayOutcome):
        return written
    status = execute_attempt(session, gateway, written)
    if status == AttemptStatus.SUCCEEDED:
        return PayOutcome("succeeded", "Paid. Thank you.")
    if status == AttemptStatus.PROCESSING:
        attempt = session.get(PaymentAttempt, written)
        settles = attempt.settles_on if attempt else None
        session.rollback()
        return PayOutcome("processing", _processing_message(settles))
    return PayOutcome(status, _FAILED_MESSAGES.get(status, _FAILED_MESSAGES["failed"]))
