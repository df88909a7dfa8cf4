"""What an invoice or a statement shows: frozen view models the PDF renderers draw.

The billing services build these from the database; `billing.pdf` turns them into bytes.
They go to payers, who may be a third-party billing contact, so they carry no clinical
content: a line says "Session on Tue, Dec 1, 2026", never the service, its CPT code, a
diagnosis or the clinician's credentials. `assert_no_clinical_text` is the last guard
before rendering; the wording helpers below are the first, so every service writes lines
the same way.

Money is integer cents throughout; sums of integers need no rounding.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from itertools import accumulate

from practicerunner.core.dates import MONTHS, day_label, short_date


def period_label(start: date, end: date) -> str:
    """'Nov 1 – Nov 30, 2026', or 'Dec 1, 2026 – Jan 31, 2027' across a year's end."""
    if start.year == end.year:
        return f"{MONTHS[start.month - 1]} {start.day} – {short_date(end)}"
    return f"{short_date(start)} – {short_date(end)}"


def session_description(on: date) -> str:
    """'Session on Tue, Dec 1, 2026': what a session's line says, whatever the service was."""
    return f"Session on {day_label(on)}"


def cancelled_credit_description(on: date) -> str:
    """'Credit from cancelled session on Tue, Dec 1, 2026'."""
    return f"Credit from cancelled session on {day_label(on)}"


def payment_description(on: date, method: str) -> str:
    """'Payment by card on Wed, Dec 2, 2026' (METHOD: 'card', 'bank transfer', 'check', …)."""
    return f"Payment by {method} on {day_label(on)}"


BANK_TRANSFER_DISCOUNT = "Bank transfer discount"
MANUAL_PAYMENT_DISCOUNT = "Manual payment discount"


def _require_cents(value: object, what: str) -> None:
    # A float here means someone skipped the cents convention; bool is an int subclass.
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{what} must be integer cents, not {type(value).__name__}")


@dataclass(frozen=True)
class PracticeHeader:
    """Who sends the document: the practice's name, address and how to reach it."""

    name: str
    address_lines: tuple[str, ...]
    phone: str
    email: str
    tax_id: str = ""


@dataclass(frozen=True)
class PartyAddress:
    """Who the document is for: a client or a billing contact."""

    name: str
    lines: tuple[str, ...]
    email: str = ""


@dataclass(frozen=True)
class Attendee:
    """A person who attended a session; documents show only 'Jamie R.'."""

    first_name: str
    last_name: str

    @property
    def label(self) -> str:
        """First name and last initial: enough for a payer to recognise, no more."""
        first = self.first_name.strip()
        initial = self.last_name.strip()[:1].upper()
        return f"{first} {initial}." if initial else first


@dataclass(frozen=True)
class DocumentLine:
    """One charge, discount (negative), credit (negative) or payment on an invoice.

    ATTENDEES are printed only when the document's `show_attendees` is on.
    """

    on: date | None
    description: str
    amount_cents: int
    attendees: tuple[Attendee, ...] = ()

    def __post_init__(self) -> None:
        _require_cents(self.amount_cents, "amount_cents")


@dataclass(frozen=True)
class InvoiceDocument:
    """An invoice as the payer sees it; totals are computed, never passed in."""

    practice: PracticeHeader
    bill_to: PartyAddress
    number: str
    issued_on: date
    due_on: date | None
    lines: tuple[DocumentLine, ...]
    payments: tuple[DocumentLine, ...]
    status_note: str = ""  # e.g. "Bank transfer processing until Wed, Dec 2, 2026"
    pay_url: str = ""
    share_note: str = ""  # e.g. "Your share: 50% of each session fee"
    show_attendees: bool = False

    def __post_init__(self) -> None:
        if self.due_on is not None and self.due_on < self.issued_on:
            raise ValueError("An invoice cannot be due before it is issued.")

    @property
    def subtotal_cents(self) -> int:
        """Charges less discounts and credits."""
        return sum(line.amount_cents for line in self.lines)

    @property
    def paid_cents(self) -> int:
        """Payments received against this invoice."""
        return sum(payment.amount_cents for payment in self.payments)

    @property
    def balance_cents(self) -> int:
        """What is still owed; negative when the payer has paid more than the subtotal."""
        return self.subtotal_cents - self.paid_cents


@dataclass(frozen=True)
class StatementEntry:
    """One dated charge or payment in a statement period (usually one of the two is zero)."""

    on: date
    description: str
    charge_cents: int
    payment_cents: int

    def __post_init__(self) -> None:
        _require_cents(self.charge_cents, "charge_cents")
        _require_cents(self.payment_cents, "payment_cents")


@dataclass(frozen=True)
class StatementDocument:
    """An account statement for a period: opening balance, dated entries, closing balance."""

    practice: PracticeHeader
    bill_to: PartyAddress
    period_start: date
    period_end: date
    opening_balance_cents: int
    entries: tuple[StatementEntry, ...]

    def __post_init__(self) -> None:
        _require_cents(self.opening_balance_cents, "opening_balance_cents")
        if self.period_end < self.period_start:
            raise ValueError("A statement period cannot end before it starts.")
        days = [entry.on for entry in self.entries]
        if any(not self.period_start <= day <= self.period_end for day in days):
            raise ValueError("Every statement entry must fall inside the statement period.")
        # A running balance only reads right in date order.
        if days != sorted(days):
            raise ValueError("Statement entries must be in date order.")

    @property
    def running_balances_cents(self) -> tuple[int, ...]:
        """The balance after each entry, in the entries' order."""
        changes = (entry.charge_cents - entry.payment_cents for entry in self.entries)
        return tuple(accumulate(changes, initial=self.opening_balance_cents))[1:]

    @property
    def charges_cents(self) -> int:
        """All charges in the period."""
        return sum(entry.charge_cents for entry in self.entries)

    @property
    def payments_cents(self) -> int:
        """All payments in the period."""
        return sum(entry.payment_cents for entry in self.entries)

    @property
    def closing_balance_cents(self) -> int:
        """Opening balance plus charges less payments."""
        return self.opening_balance_cents + self.charges_cents - self.payments_cents


# --- the clinical-text guard -------------------------------------------------------------

# Each term with how it must match. "therapy" matches inside words (psychotherapy,
# hypnotherapy); the others must start a word, so "Notes" is caught but "Nottingham",
# "denote" and "keynote" are not. Codes are whole numbers, so an address's ZIP+4 or an
# invoice number does not trip them by accident.
_DENY_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (term, re.compile(pattern, re.IGNORECASE))
    for term, pattern in (
        ("therapy", r"therap(y|ies)"),
        ("diagnos", r"\bdiagnos"),
        ("ICD", r"\bICD"),
        ("CPT", r"\bCPT"),
        # 90791/90792 (intake), 90832–90853 (psychotherapy), all outside word characters.
        ("CPT code", r"(?<![\w])90(79[12]|8[0-9]{2})(?![\w])"),
        ("note", r"\bnot(e|es|ed)\b"),
        ("assessment", r"\bassess"),
        # Credentials name the clinician's licence, which hints at the kind of care.
        ("credential", r"\b(LCSW|LMFT|LPCC?|LMHC|LCPC|PsyD|Ph\.?D)\b"),
    )
)


class ClinicalTextRefused(ValueError):
    """A document's text looks clinical; it must not reach a payer."""


def clinical_term(text: str) -> str | None:
    """The first deny-listed term found in TEXT, or None when it reads as billing only."""
    for term, pattern in _DENY_PATTERNS:
        if pattern.search(text):
            return term
    return None


def _document_texts(doc: InvoiceDocument | StatementDocument) -> Iterator[tuple[str, str]]:
    """(where, text) for every free text a service composed (names and addresses aside)."""
    if isinstance(doc, InvoiceDocument):
        for i, line in enumerate(doc.lines):
            yield f"lines[{i}]", line.description
        for i, payment in enumerate(doc.payments):
            yield f"payments[{i}]", payment.description
        yield "status_note", doc.status_note
        yield "share_note", doc.share_note
    else:
        for i, entry in enumerate(doc.entries):
            yield f"entries[{i}]", entry.description


def assert_no_clinical_text(doc: InvoiceDocument | StatementDocument) -> None:
    """Raise ClinicalTextRefused if any description or note holds clinical wording.

    The message names the place and the term, not the text itself, so the refusal can be
    logged without copying clinical content into the log.
    """
    for where, text in _document_texts(doc):
        term = clinical_term(text)
        if term is not None:
            raise ClinicalTextRefused(f"{where} looks clinical ({term!r}); documents go to payers.")
