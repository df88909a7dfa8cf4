"""The simulated processor's own tables (prefix `sim_`).

They stand for the books of an outside processor: only `SimulatedGateway` writes them, in its
own transactions, and nothing in the practice's tables points at them except by reference
string ("pay_sim_…"), exactly as with Stripe ids. Idempotency keys are unique per table, so a
retried write finds the first one instead of making a second.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Index
from sqlmodel import Field, SQLModel

from practicerunner.core.db import UTCDateTime


class SimCustomer(SQLModel, table=True):
    """A payer at the processor."""

    __tablename__ = "sim_customer"

    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(max_length=40, unique=True)
    name: str = Field(max_length=200)
    email: str = Field(max_length=254)
    idempotency_key: str = Field(max_length=255, unique=True)
    created_at: datetime = Field(sa_type=UTCDateTime)


class SimSetup(SQLModel, table=True):
    """A started "save a payment method" flow (Stripe's SetupIntent)."""

    __tablename__ = "sim_setup"

    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(max_length=40, unique=True)
    customer_ref: str = Field(max_length=40, foreign_key="sim_customer.ref", index=True)
    kinds: str = Field(max_length=20)  # "card,bank"
    client_secret: str = Field(max_length=80)
    idempotency_key: str = Field(max_length=255, unique=True)
    created_at: datetime = Field(sa_type=UTCDateTime)


class SimMethod(SQLModel, table=True):
    """A saved card or bank account. Only the last four digits are kept, and the outcome the
    test number stands for ("succeed", "card_declined", "R01"...)."""

    __tablename__ = "sim_method"

    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(max_length=40, unique=True)
    customer_ref: str = Field(max_length=40, foreign_key="sim_customer.ref", index=True)
    kind: str = Field(max_length=10)  # MethodKind
    last4: str = Field(max_length=4)
    label: str = Field(max_length=60)
    outcome: str = Field(max_length=40)
    created_at: datetime = Field(sa_type=UTCDateTime)


class SimPayment(SQLModel, table=True):
    """One charge attempt, declined ones included (like a Stripe PaymentIntent).

    `initial_status` is what the charge call answered (and answers again for the same key);
    `status` is where the payment is now. A bank payment stays "processing" until `due_events`
    reaches `settles_on` and resolves it (setting `resolved_at`); its event is then handed out
    on every call until the consumer acknowledges it. `event_emitted` means "acknowledged":
    the consumer has stored the event's id (table `webhook_event`), so it is never handed out
    again. Card payments answer at once, have no event, and start with it set.
    """

    __tablename__ = "sim_payment"
    __table_args__ = (
        CheckConstraint("amount_cents > 0", name="ck_sim_payment_amount_positive"),
        Index("ix_sim_payment_due", "event_emitted", "settles_on"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(max_length=40, unique=True)
    customer_ref: str = Field(max_length=40, foreign_key="sim_customer.ref", index=True)
    method_ref: str = Field(max_length=40, foreign_key="sim_method.ref")
    kind: str = Field(max_length=10)  # MethodKind
    amount_cents: int
    currency: str = Field(max_length=3)
    description: str = Field(max_length=500)
    idempotency_key: str = Field(max_length=255, unique=True)
    initial_status: str = Field(max_length=20)  # ChargeStatus
    status: str = Field(max_length=20)  # ChargeStatus
    outcome: str = Field(default="", max_length=40)  # decline code or ACH return code
    failure_message: str = Field(default="", max_length=200)
    settles_on: date | None = Field(default=None)
    event_emitted: bool = Field(default=False)
    created_at: datetime = Field(sa_type=UTCDateTime)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SimRefund(SQLModel, table=True):
    """Money sent back on a succeeded payment."""

    __tablename__ = "sim_refund"
    __table_args__ = (CheckConstraint("amount_cents > 0", name="ck_sim_refund_amount_positive"),)

    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(max_length=40, unique=True)
    payment_ref: str = Field(max_length=40, foreign_key="sim_payment.ref", index=True)
    amount_cents: int
    status: str = Field(max_length=20)
    idempotency_key: str = Field(max_length=255, unique=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
