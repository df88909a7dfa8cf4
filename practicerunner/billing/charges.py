"""Charges: what a case owes for a session, a missed-session fee, a month or a prepayment.

A charge is written once per source (`uq_charge_source`): an attended session, a no-show or a
late cancel makes one when a billing run (or staff) looks at it, however often that happens.
A clinician can waive a missed-session fee in one click until it is invoiced.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from practicerunner.billing.models import Charge, ChargeKind
from practicerunner.billing.money import Adjustment, missed_session_fee
from practicerunner.billing.policies import Effective
from practicerunner.core import audit, clock
from practicerunner.core.errors import NotFound, ValidationFailed
from practicerunner.core.permissions import Actor, Perm
from practicerunner.practice.models import Service
from practicerunner.scheduling.models import Appointment, AppointmentStatus

FEE_BEARING = (
    AppointmentStatus.ATTENDED.value,
    AppointmentStatus.NO_SHOW.value,
    AppointmentStatus.LATE_CANCELLED.value,
)
KIND_OF_STATUS = {
    AppointmentStatus.ATTENDED.value: ChargeKind.SESSION,
    AppointmentStatus.NO_SHOW.value: ChargeKind.NO_SHOW_FEE,
    AppointmentStatus.LATE_CANCELLED.value: ChargeKind.LATE_CANCEL_FEE,
}
CHARGE_LABELS = {
    ChargeKind.SESSION: "Session",
    ChargeKind.NO_SHOW_FEE: "Missed session fee",
    ChargeKind.LATE_CANCEL_FEE: "Late cancellation fee",
    ChargeKind.MONTHLY_PLAN: "Monthly plan",
    ChargeKind.PREPAYMENT: "Prepaid session",
}


def insert_ignore(session: Session, table: object, rows: Sequence[dict[str, object]]) -> int:
    """INSERT … ON CONFLICT DO NOTHING on either database; returns rows written."""
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    maker = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = maker(table).on_conflict_do_nothing()  # type: ignore[arg-type]
    # The driver's executemany: one statement, prepared once (a multi-VALUES statement
    # costs SQLAlchemy seconds of compiling at tens of thousands of rows).
    result = session.execute(statement, list(rows))
    return max(int(result.rowcount or 0), 0)  # type: ignore[attr-defined]


def local_day_bounds(first: date, last: date, timezone: str) -> tuple[datetime, datetime]:
    """UTC instants covering the practice-local days FIRST..LAST inclusive."""
    zone = ZoneInfo(timezone)
    start = datetime.combine(first, datetime.min.time(), zone)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), zone)
    return start, end


class HasFeeOverride(Protocol):
    """A session as fee rules read it: an Appointment, or a row of just its columns."""

    @property
    def fee_override_cents(self) -> int | None: ...


def session_fee(appointment: HasFeeOverride, service_fee: int, rules: Effective) -> int:
    """The listed fee of a session: the appointment's own, else the case's, else the service's."""
    if appointment.fee_override_cents is not None:
        return appointment.fee_override_cents
    if rules.fee_cents is not None:
        return rules.fee_cents
    return service_fee


def charge_amount(status: str, fee: int, rules: Effective) -> int:
    """What a session with STATUS costs under RULES (missed-session fees per policy)."""
    policy = rules.policy
    if status == AppointmentStatus.ATTENDED:
        return fee
    if status == AppointmentStatus.NO_SHOW:
        no_show = Adjustment(policy.no_show_fee_kind, policy.no_show_fee_value)  # type: ignore[arg-type]
        return missed_session_fee(fee, no_show)
    if status == AppointmentStatus.LATE_CANCELLED:
        adj = Adjustment(policy.late_cancel_fee_kind, policy.late_cancel_fee_value)  # type: ignore[arg-type]
        return missed_session_fee(fee, adj)
    return 0


def sync_session_charges(
    session: Session, case_id: int, rules: Effective, first: date, last: date, timezone: str
) -> int:
    """Write the charges for CASE_ID's fee-bearing sessions on local days FIRST..LAST.

    Idempotent: a session already charged (or waived) is left alone. Returns charges written.
    """
    start, end = local_day_bounds(first, last, timezone)
    zone = ZoneInfo(timezone)
    rows = session.exec(
        select(Appointment, Service.fee_cents)
        .join(Service, col(Service.id) == Appointment.service_id)
        .where(
            Appointment.case_id == case_id,
            col(Appointment.status).in_(FEE_BEARING),
            col(Appointment.start_at) >= start,
            col(Appointment.start_at) < end,
        )
    ).all()
    now = clock.now()
    new: list[dict[str, object]] = []
    for appointment, service_fee in rows:
        fee = session_fee(appointment, int(service_fee), rules)
        amount = charge_amount(appointment.status, fee, rules)
        if amount <= 0:
            continue  # a policy of no fee for a missed session: nothing is owed
        new.append(
            {
                "case_id": case_id,
                "appointment_id": appointment.id,
                "kind": KIND_OF_STATUS[appointment.status].value,
                "source_key": f"appt:{appointment.id}",
                "service_date": appointment.start_at.astimezone(zone).date(),
                "fee_cents": amount,
                "invoiced": False,
                "created_at": now,
            }
        )
    return insert_ignore(session, Charge.__table__, new)  # type: ignore[attr-defined]


def waive(session: Session, actor: Actor, charge_id: int) -> Charge:
    """Waive a no-show or late-cancel fee that is not invoiced yet. Commits."""
    actor.require(Perm.BILLING_EDIT)
    charge = session.get(Charge, charge_id)
    if charge is None:
        raise NotFound("charge")
    from practicerunner.clients.access import get_case_for

    get_case_for(session, actor, charge.case_id, Perm.BILLING_EDIT)  # the clinician's own cases
    if charge.kind not in (ChargeKind.NO_SHOW_FEE, ChargeKind.LATE_CANCEL_FEE):
        raise ValidationFailed({"charge": "Only missed-session fees can be waived."})
    if charge.invoiced:
        raise ValidationFailed(
            {"charge": "This fee is already on an invoice; refund or credit it instead."}
        )
    if charge.waived_at is None:
        charge.waived_at = clock.now()
        charge.waived_by_id = actor.staff_id
        session.add(charge)
        audit.record(
            session, actor, "billing.fee_waived", record_type="charge", record_id=charge.id
        )
    session.commit()
    return charge
