"""The payment gateway interface: money, parties and references — nothing clinical.

A gateway knows customers, saved methods, charges and refunds. It never learns about cases,
sessions or notes: descriptions and metadata pass through `ensure_no_clinical_words`, which
refuses the words that would tell a processor why someone pays.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol, runtime_checkable
from zoneinfo import ZoneInfo


class MethodKind(StrEnum):
    CARD = "card"
    BANK = "bank"


class ChargeStatus(StrEnum):
    SUCCEEDED = "succeeded"
    PROCESSING = "processing"  # bank transfer on its way; an event tells how it ended
    FAILED = "failed"
    REQUIRES_ACTION = "requires_action"  # the card issuer wants the cardholder present


# Substrings, lower-case: "psych" catches psychotherapy and psychologist, "diagnos" both
# diagnosis and diagnostic. A processor needs an amount and a reference, never a reason.
CLINICAL_DENY_LIST: tuple[str, ...] = ("therapy", "session", "diagnos", "note", "psych", "counsel")
_DENY = re.compile("|".join(re.escape(word) for word in CLINICAL_DENY_LIST), re.IGNORECASE)


# ACH runs on the Federal Reserve's clock: a bank payment's dates are Eastern dates.
BANK_TIMEZONE = ZoneInfo("America/New_York")


def bank_date(moment: datetime) -> date:
    """The banking date (US Eastern) of an aware MOMENT."""
    if moment.tzinfo is None:
        raise ValueError("bank_date needs an aware datetime")
    return moment.astimezone(BANK_TIMEZONE).date()


class ClinicalTextRefused(ValueError):
    """Text bound for a gateway contains a word from the clinical deny list."""

    def __init__(self, where: str, word: str) -> None:
        super().__init__(f"{where} may not mention {word!r}: gateways get no clinical words")
        self.where = where
        self.word = word


def ensure_no_clinical_words(text: str, *, where: str = "description") -> None:
    """Raise ClinicalTextRefused when TEXT contains a deny-listed word (case-insensitive)."""
    found = _DENY.search(text)
    if found:
        raise ClinicalTextRefused(where, found.group(0).lower())


def ensure_positive_amount(amount_cents: int) -> None:
    """Raise ValueError unless AMOUNT_CENTS is a positive whole number of cents."""
    if isinstance(amount_cents, bool) or not isinstance(amount_cents, int):
        raise ValueError("amount must be a whole number of cents")
    if amount_cents <= 0:
        raise ValueError("amount must be more than zero")


def ensure_idempotency_key(key: str) -> None:
    """Raise ValueError for a missing idempotency key (every write needs one)."""
    if not key or not key.strip():
        raise ValueError("an idempotency key is required")
    if len(key) > 255:  # Stripe's limit
        raise ValueError("idempotency key longer than 255 characters")


def ensure_sendable(
    amount_cents: int, idempotency_key: str, description: str, metadata: Mapping[str, str]
) -> None:
    """What every request that moves money must be: a positive amount, an idempotency key,
    and a description and metadata with no clinical words. Raises ValueError otherwise."""
    ensure_positive_amount(amount_cents)
    ensure_idempotency_key(idempotency_key)
    ensure_no_clinical_words(description, where="description")
    for key, value in metadata.items():
        ensure_no_clinical_words(key, where="metadata key")
        ensure_no_clinical_words(value, where=f"metadata {key!r}")


@dataclass(frozen=True)
class SavedMethod:
    ref: str
    kind: MethodKind
    label: str  # "Visa •••• 4242", "Bank •••• 6789"


@dataclass(frozen=True)
class SetupStart:
    ref: str
    client_secret: str


@dataclass(frozen=True)
class ChargeRequest:
    """One off-session charge. Checked when built: positive amount, a key, no clinical text."""

    amount_cents: int
    customer_ref: str
    method_ref: str
    method_kind: MethodKind
    idempotency_key: str
    description: str
    metadata: Mapping[str, str] = field(default_factory=dict)
    currency: str = "usd"

    def __post_init__(self) -> None:
        ensure_sendable(self.amount_cents, self.idempotency_key, self.description, self.metadata)


@dataclass(frozen=True)
class ChargeResult:
    status: ChargeStatus
    ref: str | None
    failure_code: str = ""
    failure_message: str = ""
    settles_on: date | None = None  # bank transfers: when the money is expected to settle


@dataclass(frozen=True)
class RefundResult:
    ref: str
    status: str  # "succeeded" | "pending" | "failed"
    amount_cents: int


# GatewayEvent.type values. "ignored" is an event a gateway received but has no meaning for
# billing (Stripe sends many kinds): acknowledge it and do nothing.
EVENT_PAYMENT_SUCCEEDED = "payment.succeeded"
EVENT_PAYMENT_FAILED = "payment.failed"
EVENT_PAYMENT_PROCESSING = "payment.processing"
EVENT_REFUND_SUCCEEDED = "refund.succeeded"
EVENT_SETUP_SUCCEEDED = "setup.succeeded"
EVENT_CHECKOUT_COMPLETED = "checkout.completed"
EVENT_CHECKOUT_EXPIRED = "checkout.expired"
EVENT_IGNORED = "ignored"


@dataclass(frozen=True)
class GatewayEvent:
    """Something the processor tells us later. `id` is unique per event: store it to dedupe.

    For a bank payment that was returned, `failure_code` is the ACH return code ("R01").
    """

    id: str
    type: str
    payment_ref: str | None
    status: ChargeStatus | None
    failure_code: str
    created: datetime
    method_ref: str | None = None
    checkout_ref: str | None = None  # checkout events: the hosted checkout they are about


class GatewayError(Exception):
    """Transport trouble (timeout, 5xx, rate limit): retry with the SAME idempotency key."""


class GatewayRequestRefused(Exception):
    """The processor refused the request itself (bad reference, over-refund, reused key with
    other parameters, bad credentials). Retrying the same request will not help."""

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class CheckoutRequest:
    """A hosted checkout for one payment: the processor's own page takes the card or bank
    details (they never pass through the practice's servers) and sends the payer back.

    With `save_for_future` the method is kept for paying later invoices automatically (the
    processor's page shows the consent, and the bank mandate, itself).
    """

    amount_cents: int
    customer_ref: str
    method_kind: MethodKind
    idempotency_key: str
    description: str
    success_url: str  # may contain {CHECKOUT_SESSION_ID}
    cancel_url: str
    expires_at: datetime
    save_for_future: bool = False
    metadata: Mapping[str, str] = field(default_factory=dict)
    currency: str = "usd"

    def __post_init__(self) -> None:
        ensure_sendable(self.amount_cents, self.idempotency_key, self.description, self.metadata)
        if self.expires_at.tzinfo is None:
            raise ValueError("expires_at must be timezone-aware")


@dataclass(frozen=True)
class CheckoutStart:
    ref: str
    url: str  # where to send the payer


CHECKOUT_OPEN = "open"
CHECKOUT_COMPLETE = "complete"
CHECKOUT_EXPIRED = "expired"


@dataclass(frozen=True)
class CheckoutResult:
    """Where a hosted checkout stands. Once complete, `charge` is its payment (succeeded, or
    processing for a bank debit) and `saved` the method, when the payer chose to keep it."""

    ref: str
    state: str  # CHECKOUT_OPEN | CHECKOUT_COMPLETE | CHECKOUT_EXPIRED
    charge: ChargeResult | None = None
    saved: SavedMethod | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)


class WebhookSignatureError(Exception):
    """A webhook whose signature does not verify, or is too old."""


class PaymentGateway(Protocol):
    """What billing needs from a processor. Implemented by Stripe and the simulated one."""

    name: str  # "stripe" | "simulated"

    def create_customer(self, *, name: str, email: str, idempotency_key: str) -> str: ...

    def start_setup(
        self, *, customer_ref: str, kinds: Sequence[MethodKind], idempotency_key: str
    ) -> SetupStart: ...

    def saved_method(self, method_ref: str) -> SavedMethod: ...

    def charge(self, request: ChargeRequest) -> ChargeResult: ...

    def charge_many(self, requests: Sequence[ChargeRequest]) -> list[ChargeResult | Exception]:
        """Charge each of REQUESTS as `charge` would; one answer per request, in order.

        Per-request trouble comes back as a value, not raised: GatewayError (retry with the
        same key), GatewayRequestRefused, or any other exception the single call would raise.
        The same idempotency key twice in one batch charges once and answers the same twice.
        """
        ...

    def refund(
        self, *, payment_ref: str, amount_cents: int, idempotency_key: str
    ) -> RefundResult: ...

    def parse_webhook(self, payload: bytes, signature_header: str) -> GatewayEvent: ...

    def due_events(self, now: datetime) -> list[GatewayEvent]: ...


@runtime_checkable
class HostedCheckout(Protocol):
    """A gateway whose own page takes the payer's details (Stripe Checkout). The simulated
    processor has none: its pay page takes test numbers itself."""

    def start_checkout(self, request: CheckoutRequest) -> CheckoutStart: ...

    def checkout_result(self, checkout_ref: str) -> CheckoutResult: ...

    def expire_checkout(self, checkout_ref: str) -> None: ...
