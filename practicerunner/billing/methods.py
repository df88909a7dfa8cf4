"""Payers at the gateway: their customer record and saved cards and bank accounts.

A payer is a case participant or a contact, named by a payer key ("client:12",
"contact:7"). The gateway holds the card or account; we keep its reference, a label
("Visa •••• 4242"), whether it is the default, whether the payer agreed to auto-pay, and
why it is disabled when a bank return disabled it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from practicerunner.billing.charges import insert_ignore
from practicerunner.billing.gateways.base import PaymentGateway, SavedMethod
from practicerunner.billing.models import GatewayCustomer, Method, PayerMethod
from practicerunner.clients.models import Client, Contact
from practicerunner.core import audit, clock
from practicerunner.core.errors import NotFound, ValidationFailed
from practicerunner.core.money import format_cents
from practicerunner.core.permissions import Actor, Perm


@dataclass(frozen=True)
class Payer:
    key: str
    name: str
    email: str
    client_id: int | None
    contact_id: int | None


def payer(session: Session, key: str) -> Payer:
    """Who KEY names, with the name and email invoices go to."""
    kind, _, raw = key.partition(":")
    if kind == "client" and raw.isdigit():
        client = session.get(Client, int(raw))
        if client is not None:
            return Payer(key, client.legal_name, client.email, client.id, None)
    if kind == "contact" and raw.isdigit():
        contact = session.get(Contact, int(raw))
        if contact is not None:
            return Payer(key, contact.full_name, contact.email, None, contact.id)
    raise NotFound("payer")


def usable_default(*, auto_pay: bool = False) -> tuple[Any, ...]:
    """Conditions on PayerMethod: the payer's default method, not disabled by a bank return
    (and, with AUTO_PAY, one the payer agreed to be charged from when due)."""
    conditions: tuple[Any, ...] = (col(PayerMethod.is_default), PayerMethod.disabled_reason == "")
    return (*conditions, col(PayerMethod.auto_pay)) if auto_pay else conditions


def default_method(session: Session, key: str) -> PayerMethod | None:
    """The payer's usable default method, if they saved one."""
    return session.exec(
        select(PayerMethod).where(PayerMethod.payer_key == key, *usable_default())
    ).first()


def reachable_payer(session: Session, actor: Actor, key: str) -> Payer:
    """The payer KEY names, if the actor's billing scope reaches them; else NotFound."""
    from practicerunner.clients.access import get_client_for, get_contact_for

    if not actor.can(Perm.BILLING_VIEW):
        raise NotFound("payer")
    who = payer(session, key)
    if who.client_id is not None:
        get_client_for(session, actor, who.client_id, Perm.BILLING_VIEW)
    elif who.contact_id is not None:
        get_contact_for(session, actor, who.contact_id, Perm.BILLING_VIEW)
    return who


def ensure_customer(session: Session, gateway: PaymentGateway, key: str) -> str:
    """The payer's customer reference at GATEWAY, created (once) when missing. Commits.

    Only a name and an email go to the gateway: no case, no clinician, no service.
    """
    found = session.exec(
        select(GatewayCustomer).where(
            GatewayCustomer.gateway == gateway.name, GatewayCustomer.payer_key == key
        )
    ).first()
    if found is not None:
        return found.customer_ref
    who = payer(session, key)
    session.rollback()  # no transaction open across the network call
    ref = gateway.create_customer(
        name=who.name, email=who.email, idempotency_key=f"pr-customer-{gateway.name}-{key}"
    )
    insert_ignore(
        session,
        GatewayCustomer.__table__,  # type: ignore[attr-defined]
        [
            {
                "gateway": gateway.name,
                "payer_key": key,
                "customer_ref": ref,
                "created_at": clock.now(),
            }
        ],
    )
    # A concurrent caller may have stored its (identical, same-key) reference first.
    stored = session.exec(
        select(GatewayCustomer.customer_ref).where(
            GatewayCustomer.gateway == gateway.name, GatewayCustomer.payer_key == key
        )
    ).one()
    session.commit()
    return stored


def add_method(
    session: Session,
    gateway_name: str,
    key: str,
    saved: SavedMethod,
    *,
    auto_pay: bool,
    notice_above_cents: int | None = None,
) -> PayerMethod:
    """Keep a method the gateway saved for the payer; it becomes their default. Commits."""
    if notice_above_cents is not None and notice_above_cents < 0:
        raise ValidationFailed({"notice_above": "Enter an amount of zero or more."})
    now = clock.now()
    existing = session.exec(
        select(PayerMethod).where(
            PayerMethod.gateway == gateway_name, PayerMethod.method_ref == saved.ref
        )
    ).first()
    for other in session.exec(
        select(PayerMethod).where(PayerMethod.payer_key == key, col(PayerMethod.is_default))
    ).all():
        other.is_default = False
        session.add(other)
    method = existing or PayerMethod(
        payer_key=key,
        gateway=gateway_name,
        method_ref=saved.ref,
        kind=Method(saved.kind.value),
        label=saved.label[:60],
        created_at=now,
    )
    method.is_default = True
    method.auto_pay = auto_pay
    method.disabled_reason = ""
    method.notice_above_cents = notice_above_cents
    session.add(method)
    audit.record(
        session,
        None,
        "billing.method_saved",
        record_type="payer_method",
        detail={"payer": key, "kind": saved.kind.value, "auto_pay": auto_pay},
        actor_name="Payer",
    )
    session.commit()
    return method


@dataclass(frozen=True)
class MethodView:
    id: int
    label: str
    kind: str
    is_default: bool
    auto_pay: bool
    disabled_reason: str
    debit_notice: str = ""  # bank on auto-pay: when the payer is emailed before a debit


def debit_notice_words(kind: str, auto_pay: bool, notice_above_cents: int | None) -> str:
    """What a bank account on auto-pay was promised before each debit, for staff to read."""
    if kind != Method.BANK or not auto_pay:
        return ""
    if not notice_above_cents:
        return "Emailed before every debit"
    return f"Emailed before debits over {format_cents(notice_above_cents)}"


def methods_for(session: Session, actor: Actor, key: str) -> list[MethodView]:
    """A payer's saved methods, for staff."""
    actor.require(Perm.BILLING_VIEW)
    return [
        MethodView(
            int(m.id),  # type: ignore[arg-type]
            m.label,
            m.kind,
            m.is_default,
            m.auto_pay,
            m.disabled_reason,
            debit_notice_words(m.kind, m.auto_pay, m.notice_above_cents),
        )
        for m in session.exec(
            select(PayerMethod)
            .where(PayerMethod.payer_key == key)
            .order_by(col(PayerMethod.is_default).desc(), col(PayerMethod.id))
        ).all()
    ]
