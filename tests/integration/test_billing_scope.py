"""Billing reads and writes stay inside the actor's scope, whoever calls the service."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session, select

from practicerunner.billing import charges as billing_charges
from practicerunner.billing.ledger import payer_ledger
from practicerunner.billing.models import Charge
from practicerunner.billing.policies import PolicyForm, effective_for_case, save_policy
from practicerunner.core.errors import NotFound
from tests.integration.billing_support import seen


def test_a_clinician_reads_only_their_own_clients_ledgers(session: Session, people) -> None:  # type: ignore[no-untyped-def]
    own = f"client:{people.clients['clinician'].id}"
    other = f"client:{people.clients['owner'].id}"
    assert payer_ledger(session, people.clinician, own).balance_cents == 0
    with pytest.raises(NotFound):
        payer_ledger(session, people.clinician, other)
    assert payer_ledger(session, people.biller, other).rows == ()


def test_a_clinician_waives_fees_only_on_their_own_cases(session: Session, people) -> None:  # type: ignore[no-untyped-def]
    save_policy(session, people.owner, "practice", None, PolicyForm())
    case = people.cases["owner"]  # Olivia's client, not Carl's
    missed = seen(session, people, case, date(2026, 12, 1), 9, "no_show")
    rules = effective_for_case(session, case)
    billing_charges.sync_session_charges(
        session, int(case.id), rules, date(2026, 12, 1), date(2026, 12, 1), "America/Los_Angeles"
    )
    session.commit()
    charge = session.exec(select(Charge).where(Charge.appointment_id == missed.id)).one()
    with pytest.raises(NotFound):
        billing_charges.waive(session, people.clinician, int(charge.id))  # type: ignore[arg-type]
    session.rollback()
    assert session.get(Charge, charge.id).waived_at is None  # type: ignore[union-attr]
    billing_charges.waive(session, people.owner, int(charge.id))  # type: ignore[arg-type]
    session.expire_all()
    assert session.get(Charge, charge.id).waived_at is not None  # type: ignore[union-attr]
