"""Reading the ledger: a payer's or a case's entries with a running balance, to the cent.

Positive amounts are owed (charges, refunds given back), negative ones reduce what is owed
(payments, discounts, credits). Every read is audited, because a ledger names a client.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from practicerunner.billing.methods import reachable_payer
from practicerunner.billing.models import EntryKind, Invoice, LedgerEntry
from practicerunner.clients.access import get_case_for
from practicerunner.core import audit
from practicerunner.core.money import format_cents
from practicerunner.core.permissions import Actor, Perm

KIND_LABELS = {
    EntryKind.CHARGE: "Charge",
    EntryKind.DISCOUNT: "Discount",
    EntryKind.PAYMENT: "Payment",
    EntryKind.REFUND: "Refund",
    EntryKind.CREDIT: "Credit",
    EntryKind.REVERSAL: "Reversal",
}


@dataclass(frozen=True)
class LedgerRow:
    on: date
    kind: str
    description: str
    invoice_number: str
    amount_cents: int
    balance_cents: int

    @property
    def amount(self) -> str:
        return format_cents(self.amount_cents)

    @property
    def balance(self) -> str:
        return format_cents(self.balance_cents)


@dataclass(frozen=True)
class LedgerView:
    title: str
    rows: tuple[LedgerRow, ...]
    balance_cents: int
    charged_cents: int
    paid_cents: int


def _view(title: str, where: object, session: Session) -> LedgerView:
    """Entries matching WHERE, oldest first, with a running balance (plain columns: fast)."""
    running = charged = paid = 0
    rows = []
    for on, kind, description, amount, number in session.execute(
        select(  # type: ignore[call-overload]
            LedgerEntry.entry_on,
            LedgerEntry.kind,
            LedgerEntry.description,
            LedgerEntry.amount_cents,
            Invoice.number,
        )
        .outerjoin(Invoice, col(Invoice.id) == LedgerEntry.invoice_id)
        .where(where)  # type: ignore[arg-type]
        .order_by(col(LedgerEntry.id))
    ).all():
        running += amount
        if kind in (EntryKind.CHARGE, EntryKind.REFUND, EntryKind.REVERSAL):
            charged += amount
        elif kind == EntryKind.PAYMENT:
            paid -= amount
        rows.append(
            LedgerRow(
                on=on,
                kind=KIND_LABELS[EntryKind(kind)],
                description=description,
                invoice_number=number or "",
                amount_cents=amount,
                balance_cents=running,
            )
        )
    return LedgerView(title, tuple(rows), running, charged, paid)


def payer_ledger(session: Session, actor: Actor, key: str) -> LedgerView:
    """Every entry on a payer's account across their cases, oldest first. Audited."""
    who = reachable_payer(session, actor, key)
    view = _view(who.name, LedgerEntry.payer_key == key, session)
    audit.record(
        session,
        actor,
        "billing.ledger_viewed",
        record_type="payer",
        client_id=who.client_id,
        detail={"payer": key},
    )
    session.commit()
    return view


def case_ledger(session: Session, actor: Actor, case_id: int) -> LedgerView:
    """Every entry of a case across its payers, oldest first. Audited."""
    case = get_case_for(session, actor, case_id, Perm.BILLING_VIEW)
    view = _view(case.title, LedgerEntry.case_id == case_id, session)
    audit.record(
        session,
        actor,
        "billing.ledger_viewed",
        record_type="case",
        record_id=case_id,
    )
    session.commit()
    return view
