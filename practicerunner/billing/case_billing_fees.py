"""Waive a missed-session fee from the case's billing tab, before or after a run charged it.

A no-show or late-cancel fee becomes a `Charge` only when a billing run looks at the session,
but the clinician decides to waive it the day it happens. So the waive writes the charge the
run would write (same `appt:<id>` source key, so the run later finds it and skips it) and
waives it, in one transaction, through `charges.waive`.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from practicerunner.billing import charges
from practicerunner.billing.charges import KIND_OF_STATUS, charge_amount, insert_ignore, session_fee
from practicerunner.billing.models import Charge
from practicerunner.billing.policies import effective_for_case
from practicerunner.clients.access import get_case_for
from practicerunner.core import clock
from practicerunner.core.errors import NotFound, ValidationFailed
from practicerunner.core.permissions import Actor, Perm
from practicerunner.practice.models import Practice, Service
from practicerunner.scheduling.models import Appointment, AppointmentStatus

MISSED = (AppointmentStatus.NO_SHOW.value, AppointmentStatus.LATE_CANCELLED.value)


def waive_missed_fee(session: Session, actor: Actor, case_id: int, appointment_id: int) -> Charge:
    """Waive the fee for a missed session of CASE_ID (BILLING_EDIT on that case). Commits."""
    actor.require(Perm.BILLING_EDIT)
    # charges.waive checks the permission but not the caseload: check the case here.
    case = get_case_for(session, actor, case_id, Perm.BILLING_EDIT)
    appointment = session.get(Appointment, appointment_id)
    if appointment is None or appointment.case_id != case.id:
        raise NotFound("session")
    if appointment.status not in MISSED:
        raise ValidationFailed({"charge": "Only a missed session has a fee to waive."})
    source = f"appt:{appointment.id}"
    charge = session.exec(
        select(Charge).where(Charge.case_id == case.id, Charge.source_key == source)
    ).first()
    if charge is None:
        service = session.get(Service, appointment.service_id)
        rules = effective_for_case(session, case)
        amount = charge_amount(
            appointment.status,
            session_fee(appointment, int(service.fee_cents if service else 0), rules),
            rules,
        )
        if amount <= 0:
            raise ValidationFailed({"charge": "This session has no fee to waive."})
        practice = session.exec(select(Practice)).first()
        zone = ZoneInfo(practice.timezone if practice else "America/New_York")
        insert_ignore(
            session,
            Charge.__table__,  # type: ignore[attr-defined]
            [
                {
                    "case_id": case.id,
                    "appointment_id": appointment.id,
                    "kind": KIND_OF_STATUS[appointment.status].value,
                    "source_key": source,
                    "service_date": appointment.start_at.astimezone(zone).date(),
                    "fee_cents": amount,
                    "invoiced": False,
                    "created_at": clock.now(),
                }
            ],
        )
        charge = session.exec(
            select(Charge).where(Charge.case_id == case.id, Charge.source_key == source)
        ).one()
    return charges.waive(session, actor, int(charge.id))  # type: ignore[arg-type]
