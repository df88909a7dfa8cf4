"""Billing tables: policies and arrangements, charges, invoices, payment attempts, ledger, runs.

Money is integer cents. Every effect that a job may repeat has a unique key in the database
(one charge per appointment and kind, one invoice per case, payer and period, one attempt per
invoice and attempt number, one run per scope and period, one ledger entry per source), so a
run repeated, overlapping or on two workers writes each thing once.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from practicerunner.core.db import UTCDateTime


class ScopeKind(StrEnum):
    """Where a billing policy applies, least to most specific."""

    PRACTICE = "practice"
    LOCATION = "location"
    CLINICIAN = "clinician"
    SERVICE = "service"


SCOPE_ORDER: tuple[ScopeKind, ...] = (
    ScopeKind.PRACTICE,
    ScopeKind.LOCATION,
    ScopeKind.CLINICIAN,
    ScopeKind.SERVICE,
)


class BillingModel(StrEnum):
    PER_SESSION = "per_session"
    PRE_BILLED = "pre_billed"
    RECURRING_MONTHLY = "recurring_monthly"


class Collection(StrEnum):
    AUTO_PAY = "auto_pay"  # charge the saved card or bank account when due
    AUTO_INVOICE = "auto_invoice"  # email the invoice with a pay link
    MANUAL = "manual"  # staff send invoices and record payments


class Method(StrEnum):
    CARD = "card"
    BANK = "bank"
    MANUAL = "manual"  # cash, cheque or an outside payment recorded by staff


class AppliesTo(StrEnum):
    NEW_CLIENTS = "new"  # cases enrolled from now on; existing cases keep their version
    ALL = "all"


class BillingPolicy(SQLModel, table=True):
    """One version of the billing rules for a scope. A change writes a new version.

    Cases enrolled under a version keep it (see BillingArrangement) until the practice moves
    them, so changing the rules never silently changes what an existing client pays.
    """

    __tablename__ = "billing_policy"
    __table_args__ = (
        UniqueConstraint("scope_kind", "scope_id", "version", name="uq_billing_policy_version"),
        CheckConstraint("scope_kind = 'practice' OR scope_id IS NOT NULL", name="ck_policy_scope"),
        CheckConstraint("monthly_amount_cents >= 0", name="ck_policy_monthly_amount"),
        Index("ix_billing_policy_current", "scope_kind", "scope_id", "is_current"),
    )

    id: int | None = Field(default=None, primary_key=True)
    scope_kind: str = Field(max_length=16)  # ScopeKind
    scope_id: int | None = None  # location, staff or service id; None for the practice
    version: int = Field(default=1)
    is_current: bool = Field(default=True)
    model: str = Field(default=BillingModel.PER_SESSION, max_length=24)
    # When runs happen (billing.schedule.BillingSchedule).
    frequency: str = Field(default="weekly", max_length=10)
    weekday: int | None = None  # 0 = Monday (weekly schedules)
    month_day: int | None = None  # 1..31, or -1 for the last day
    collection: str = Field(default=Collection.AUTO_INVOICE, max_length=16)
    allowed_methods: str = Field(default="card,bank,manual", max_length=40)  # comma-separated
    bank_only: bool = Field(default=False)
    # Discounts from the listed fee, per session: kind none / amount / percent (basis points).
    bank_discount_kind: str = Field(default="none", max_length=8)
    bank_discount_value: int = Field(default=0)
    manual_discount_kind: str = Field(default="none", max_length=8)
    manual_discount_value: int = Field(default=0)
    no_show_fee_kind: str = Field(default="percent", max_length=8)
    no_show_fee_value: int = Field(default=10000)
    late_cancel_fee_kind: str = Field(default="percent", max_length=8)
    late_cancel_fee_value: int = Field(default=10000)
    # Recurring monthly: a fixed amount covering this many sessions a month.
    monthly_amount_cents: int = Field(default=0)
    monthly_sessions: int = Field(default=0)
    # Pre-billed: a session cancelled in time becomes a credit, netted next period or refunded.
    refund_credits: bool = Field(default=False)
    card_retries: int = Field(default=3)
    applies_to: str = Field(default=AppliesTo.NEW_CLIENTS, max_length=8)
    created_at: datetime = Field(sa_type=UTCDateTime)
    created_by_id: int | None = Field(default=None, foreign_key="staff.id")


class BillingArrangement(SQLModel, table=True):
    """A case's billing: the policy version it enrolled under, and its own exceptions."""

    __tablename__ = "billing_arrangement"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", unique=True)
    policy_id: int = Field(foreign_key="billing_policy.id", index=True)
    # Per-case overrides; None keeps the policy's value.
    model: str | None = Field(default=None, max_length=24)
    collection: str | None = Field(default=None, max_length=16)
    allowed_methods: str | None = Field(default=None, max_length=40)
    bank_only_exception: bool = Field(
        default=False
    )  # may pay by other methods in a bank-only scope
    fee_cents: int | None = None  # a case-level session fee (sliding scale)
    note: str = Field(default="", max_length=300)  # why, for staff (never clinical)
    enrolled_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class ChargeKind(StrEnum):
    SESSION = "session"
    NO_SHOW_FEE = "no_show_fee"
    LATE_CANCEL_FEE = "late_cancel_fee"
    MONTHLY_PLAN = "monthly_plan"
    PREPAYMENT = "prepayment"


class Charge(SQLModel, table=True):
    """What a case owes for one thing (a session, a fee, a month), before it is split."""

    __table_args__ = (
        UniqueConstraint("case_id", "source_key", name="uq_charge_source"),
        CheckConstraint("fee_cents >= 0", name="ck_charge_fee"),
        # uq_charge_source leads with case_id: it serves "this case's charges" as well.
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id")
    appointment_id: int | None = Field(default=None, foreign_key="appointment.id", index=True)
    kind: str = Field(max_length=20)  # ChargeKind
    # What makes it unique: "appt:<id>", "month:2027-01", "prebill:<appt id>".
    source_key: str = Field(max_length=60)
    service_date: date
    fee_cents: int
    waived_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    waived_by_id: int | None = Field(default=None, foreign_key="staff.id")
    invoiced: bool = Field(default=False)
    created_at: datetime = Field(sa_type=UTCDateTime)


class InvoiceStatus(StrEnum):
    OPEN = "open"
    PROCESSING = "processing"  # a bank transfer is on its way
    PAID = "paid"
    VOID = "void"


class Invoice(SQLModel, table=True):
    """One payer's bill for one case and period."""

    __table_args__ = (
        CheckConstraint("(client_id IS NULL) <> (contact_id IS NULL)", name="ck_invoice_payer"),
        UniqueConstraint("case_id", "payer_key", "period_key", name="uq_invoice_period"),
        Index("ix_invoice_payer", "payer_key", "issued_on"),
    )

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=20, unique=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    client_id: int | None = Field(default=None, foreign_key="client.id")
    contact_id: int | None = Field(default=None, foreign_key="contact.id")
    payer_key: str = Field(max_length=24)  # "client:<id>" or "contact:<id>"
    period_key: str = Field(max_length=40)
    run_id: int | None = Field(default=None, foreign_key="billing_run.id", index=True)
    issued_on: date
    due_on: date
    status: str = Field(default=InvoiceStatus.OPEN, max_length=12)
    collection: str = Field(max_length=16)
    total_cents: int
    paid_cents: int = Field(default=0)
    processing_until: date | None = None
    # Auto-pay charges on this day: the issue day, or later when the payer must first be told
    # of a bank debit whose amount varies (see billing.collect).
    collect_on: date | None = None
    created_at: datetime = Field(sa_type=UTCDateTime)


class InvoiceLine(SQLModel, table=True):
    """A payer's share of one charge, and the discount they get on it."""

    __tablename__ = "invoice_line"
    __table_args__ = (
        UniqueConstraint("invoice_id", "charge_id", name="uq_invoice_line"),
        # A credit line is negative and carries no discount.
        CheckConstraint(
            "discount_cents >= 0 AND (discount_cents = 0 OR discount_cents <= amount_cents)",
            name="ck_line",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    invoice_id: int = Field(foreign_key="invoice.id")  # uq_invoice_line leads with it
    charge_id: int = Field(foreign_key="charge.id", index=True)
    service_date: date
    description: str = Field(max_length=120)  # never clinical: "Session", "No-show fee"
    amount_cents: int
    discount_cents: int = Field(default=0)
    discount_label: str = Field(default="", max_length=60)


class AttemptStatus(StrEnum):
    PENDING = "pending"  # written before calling the gateway
    SUCCEEDED = "succeeded"
    PROCESSING = "processing"
    FAILED = "failed"
    REQUIRES_ACTION = "requires_action"
    # The payer is on the processor's hosted checkout page (see `checkout_ref`).
    CHECKOUT = "checkout"
    # A hosted checkout that closed unpaid: no money moved, so it is no failure either.
    ABANDONED = "abandoned"


class PaymentAttempt(SQLModel, table=True):
    """One try at collecting an invoice; its idempotency key is persisted before the call."""

    __tablename__ = "payment_attempt"
    __table_args__ = (
        UniqueConstraint("invoice_id", "attempt_no", name="uq_payment_attempt"),
        CheckConstraint("amount_cents > 0", name="ck_attempt_amount"),
    )

    id: int | None = Field(default=None, primary_key=True)
    invoice_id: int = Field(foreign_key="invoice.id", index=True)
    attempt_no: int
    idempotency_key: str = Field(max_length=80, unique=True)
    gateway: str = Field(max_length=16)
    method: str = Field(max_length=8)  # Method
    method_ref: str = Field(default="", max_length=80)
    amount_cents: int
    status: str = Field(default=AttemptStatus.PENDING, max_length=16)
    gateway_ref: str | None = Field(default=None, max_length=80, index=True)
    checkout_ref: str | None = Field(default=None, max_length=80, index=True)
    failure_code: str = Field(default="", max_length=40)
    settles_on: date | None = None
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class EntryKind(StrEnum):
    CHARGE = "charge"
    DISCOUNT = "discount"
    PAYMENT = "payment"
    REFUND = "refund"
    CREDIT = "credit"
    REVERSAL = "reversal"  # a failed bank transfer undoes its payment


class LedgerEntry(SQLModel, table=True):
    """One movement on a payer's account for a case. Positive is owed; negative is paid.

    Entries are only ever added; a balance is the sum. `source_key` makes each effect
    (an invoice line, a settled payment, a refund) land once.
    """

    __tablename__ = "ledger_entry"
    __table_args__ = (
        UniqueConstraint("source_key", name="uq_ledger_source"),
        Index("ix_ledger_payer", "payer_key", "id"),
        Index("ix_ledger_case", "case_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    payer_key: str = Field(max_length=24)
    case_id: int = Field(foreign_key="case.id")
    invoice_id: int | None = Field(default=None, foreign_key="invoice.id")
    kind: str = Field(max_length=12)  # EntryKind
    amount_cents: int
    entry_on: date
    description: str = Field(max_length=120)
    source_key: str = Field(max_length=80)
    created_at: datetime = Field(sa_type=UTCDateTime)


class BillingRun(SQLModel, table=True):
    """One scheduled run for a period; the key makes a repeated or parallel run the same run."""

    __tablename__ = "billing_run"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=80, unique=True)  # "<schedule key>:<period>"
    run_on: date
    period_start: date
    period_end: date
    started_at: datetime = Field(sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    invoices_made: int = Field(default=0)
    charges_attempted: int = Field(default=0)
    succeeded: int = Field(default=0)
    processing: int = Field(default=0)
    failed: int = Field(default=0)


class GatewayCustomer(SQLModel, table=True):
    """A payer's customer record at the payment gateway."""

    __tablename__ = "gateway_customer"
    __table_args__ = (UniqueConstraint("gateway", "payer_key", name="uq_gateway_customer"),)

    id: int | None = Field(default=None, primary_key=True)
    gateway: str = Field(max_length=16)
    payer_key: str = Field(max_length=24)
    customer_ref: str = Field(max_length=80)
    created_at: datetime = Field(sa_type=UTCDateTime)


class PayerMethod(SQLModel, table=True):
    """A saved card or bank account (held by the gateway; we keep its reference and label)."""

    __tablename__ = "payer_method"
    __table_args__ = (UniqueConstraint("gateway", "method_ref", name="uq_payer_method_ref"),)

    id: int | None = Field(default=None, primary_key=True)
    payer_key: str = Field(max_length=24, index=True)
    gateway: str = Field(max_length=16)
    method_ref: str = Field(max_length=80)
    kind: str = Field(max_length=8)  # Method.CARD or Method.BANK
    label: str = Field(max_length=60)  # "Visa •••• 4242"
    is_default: bool = Field(default=False)
    auto_pay: bool = Field(default=False)  # the payer agreed to be charged when due
    disabled_reason: str = Field(default="", max_length=120)  # e.g. a bank return other than R01
    # Notice before a bank debit of a varying amount: only above this amount (None: always).
    notice_above_cents: int | None = None
    created_at: datetime = Field(sa_type=UTCDateTime)


class WebhookEvent(SQLModel, table=True):
    """A gateway event already handled; written in the same transaction as its effect."""

    __tablename__ = "webhook_event"
    __table_args__ = (UniqueConstraint("gateway", "event_id", name="uq_webhook_event"),)

    id: int | None = Field(default=None, primary_key=True)
    gateway: str = Field(max_length=16)
    event_id: str = Field(max_length=80)
    event_type: str = Field(max_length=40)
    received_at: datetime = Field(sa_type=UTCDateTime)
