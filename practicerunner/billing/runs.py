"""Billing runs: on each schedule's day, turn what cases owe into invoices, once.

A run is keyed by its schedule and period (`billing_run.key`), and each case is billed in its
own transaction under a lock on its arrangement: a run repeated, overlapping, started on two
workers or killed half-way makes every invoice exactly once (`uq_invoice_period` has the last
word). Collection — charging saved methods — follows in `billing.collect`, from the attempts
these invoices call for.

Per billing model:
- per session: the period's fee-bearing sessions (and any older ones not yet billed);
- pre-billed: the coming period's scheduled sessions, paid ahead; a session cancelled in time
  becomes a credit that the next invoice nets (or that is refunded, per policy);
- recurring monthly: the plan's fixed amount for the coming month, plus sessions beyond the
  plan's count in the month before, at the session fee.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from practicerunner.billing.charges import (
    CHARGE_LABELS,
    insert_ignore,
    local_day_bounds,
    session_fee,
    sync_session_charges,
)
from practicerunner.billing.models import (
    BillingArrangement,
    BillingModel,
    BillingPolicy,
    BillingRun,
    Charge,
    ChargeKind,
    Collection,
    EntryKind,
    Invoice,
    InvoiceLine,
    LedgerEntry,
    Method,
    PayerMethod,
)
from practicerunner.billing.money import Adjustment, discount_cents, split_by_shares
from practicerunner.billing.notices import queue_invoice_notice
from practicerunner.billing.policies import Effective, _effective, enroll
from practicerunner.billing.schedule import (
    BillingSchedule,
    Frequency,
    period_ending,
    period_key,
    period_starting,
    runs_on,
)
from practicerunner.clients.models import Case, CasePayer, CaseStatus
from practicerunner.core import clock
from practicerunner.practice.models import Practice, Service
from practicerunner.scheduling.models import Appointment, AppointmentStatus

DUE_DAYS = 14  # an invoice not paid automatically is due two weeks after it is issued
BANK_NOTICE_DAYS = 3  # a bank debit of a varying amount is announced this many days ahead
CREDITED_STATUSES = (
    AppointmentStatus.CANCELLED_CLIENT.value,
    AppointmentStatus.CANCELLED_PRACTICE.value,
)


def payer_key(payer: CasePayer) -> str:
    return f"client:{payer.client_id}" if payer.client_id else f"contact:{payer.contact_id}"


@dataclass
class RunSummary:
    """What one run did (this call's share when several workers share the run)."""

    key: str
    run_id: int
    cases: int = 0
    invoices_made: int = 0
    skipped_existing: int = 0


def _schedule(policy: BillingPolicy) -> BillingSchedule:
    return BillingSchedule(Frequency(policy.frequency), policy.weekday, policy.month_day)


def _get_run(session: Session, key: str, run_on: date, period: tuple[date, date]) -> BillingRun:
    insert_ignore(
        session,
        BillingRun.__table__,  # type: ignore[attr-defined]
        [
            {
                "key": key,
                "run_on": run_on,
                "period_start": period[0],
                "period_end": period[1],
                "started_at": clock.now(),
                "invoices_made": 0,
                "charges_attempted": 0,
                "succeeded": 0,
                "processing": 0,
                "failed": 0,
            }
        ],
    )
    run = session.exec(select(BillingRun).where(BillingRun.key == key)).one()
    session.commit()
    return run


def enroll_active_cases(session: Session) -> int:
    """Give every active case without an arrangement one (its policy version is pinned now)."""
    enrolled = set(session.exec(select(BillingArrangement.case_id)).all())
    todo = [
        c
        for c in session.exec(select(Case).where(Case.status == CaseStatus.ACTIVE)).all()
        if c.id not in enrolled
    ]
    for case in todo:
        enroll(session, case)
    session.commit()
    return len(todo)


def due_groups(
    session: Session, run_on: date
) -> dict[str, tuple[BillingSchedule, list[tuple[BillingArrangement, BillingPolicy]]]]:
    """Enrolled active cases whose schedule runs on RUN_ON, grouped by run key."""
    rows = session.exec(
        select(BillingArrangement, BillingPolicy)
        .join(BillingPolicy, col(BillingPolicy.id) == BillingArrangement.policy_id)
        .join(Case, col(Case.id) == BillingArrangement.case_id)
        .where(Case.status == CaseStatus.ACTIVE)
        .order_by(col(BillingArrangement.case_id))
    ).all()
    groups: dict[str, tuple[BillingSchedule, list[tuple[BillingArrangement, BillingPolicy]]]] = {}
    for arrangement, policy in rows:
        schedule = _schedule(policy)
        if not runs_on(schedule, run_on):
            continue
        key = period_key(schedule, run_on)
        groups.setdefault(key, (schedule, []))[1].append((arrangement, policy))
    return groups


def run_billing(session: Session, run_on: date | None = None) -> list[RunSummary]:
    """Every run due on RUN_ON (the practice's today by default); safe to repeat."""
    practice = session.exec(select(Practice)).first()
    timezone = practice.timezone if practice else "America/New_York"
    if run_on is None:
        run_on = clock.now().astimezone(ZoneInfo(timezone)).date()
    enroll_active_cases(session)
    summaries = []
    for key, (schedule, members) in due_groups(session, run_on).items():
        summaries.append(_run_group(session, key, schedule, members, run_on, timezone))
    return summaries


def _run_group(
    session: Session,
    key: str,
    schedule: BillingSchedule,
    members: Sequence[tuple[BillingArrangement, BillingPolicy]],
    run_on: date,
    timezone: str,
) -> RunSummary:
    back = period_ending(schedule, run_on)
    run = _get_run(session, key, run_on, back)
    summary = RunSummary(key=key, run_id=int(run.id))  # type: ignore[arg-type]
    case_ids = [a.case_id for a, _ in members]
    payers = _payers(session, case_ids)
    for arrangement, policy in members:
        summary.cases += 1
        made = _bill_case(
            session, run, schedule, arrangement, policy, payers[arrangement.case_id], timezone
        )
        if made is None:
            summary.skipped_existing += 1
        else:
            summary.invoices_made += made
    session.execute(
        update(BillingRun).where(col(BillingRun.id) == run.id).values(finished_at=clock.now())
    )
    session.commit()
    return summary


def _payers(session: Session, case_ids: Sequence[int]) -> dict[int, list[CasePayer]]:
    found: dict[int, list[CasePayer]] = defaultdict(list)
    for start in range(0, len(case_ids), 500):
        chunk = case_ids[start : start + 500]
        for payer in session.exec(
            select(CasePayer)
            .where(col(CasePayer.case_id).in_(chunk))
            .order_by(col(CasePayer.case_id), col(CasePayer.id))
        ).all():
            found[payer.case_id].append(payer)
    return found


def _lock_case(session: Session, case_id: int) -> BillingArrangement | None:
    query = select(BillingArrangement).where(BillingArrangement.case_id == case_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return session.exec(query).first()


def _bill_case(
    session: Session,
    run: BillingRun,
    schedule: BillingSchedule,
    arrangement: BillingArrangement,
    policy: BillingPolicy,
    payers: Sequence[CasePayer],
    timezone: str,
) -> int | None:
    """Bill one case for the run; None when another run (or worker) already did. Commits."""
    try:
        locked = _lock_case(session, arrangement.case_id)
        if locked is None:
            session.rollback()
            return 0
        already = session.exec(
            select(func.count())
            .select_from(Invoice)
            .where(Invoice.case_id == arrangement.case_id, Invoice.period_key == run.key)
        ).one()
        if already:
            session.rollback()
            return None
        rules = _effective(policy, locked, [], enrolled=True)
        charges = _charges_for(session, run, schedule, locked, rules, timezone)
        credits = (
            _credits(session, locked.case_id) if rules.model == BillingModel.PRE_BILLED else []
        )
        if not (charges or credits) or not payers:
            session.commit()  # the charges are kept; nothing to invoice (or no payer yet)
            return 0
        made = _invoice(session, run, locked.case_id, rules, charges, credits, payers)
        session.execute(
            update(BillingRun)
            .where(col(BillingRun.id) == run.id)
            .values(invoices_made=BillingRun.invoices_made + made)
        )
        session.commit()
        return made
    except IntegrityError:
        # Another worker made this case's invoices between our check and our insert.
        session.rollback()
        return None


def _charges_for(
    session: Session,
    run: BillingRun,
    schedule: BillingSchedule,
    arrangement: BillingArrangement,
    rules: Effective,
    timezone: str,
) -> list[Charge]:
    """Write what the case owes for this run and return every uninvoiced, unwaived charge."""
    case_id = arrangement.case_id
    if rules.model == BillingModel.PER_SESSION:
        first = arrangement.enrolled_at.astimezone(ZoneInfo(timezone)).date() - timedelta(days=366)
        sync_session_charges(session, case_id, rules, first, run.period_end, timezone)
    elif rules.model == BillingModel.PRE_BILLED:
        ahead = period_starting(schedule, run.run_on)
        _prebill(session, case_id, rules, ahead, timezone)
    else:
        _monthly(session, case_id, rules, schedule, run, timezone)
    return list(
        session.exec(
            select(Charge)
            .where(
                Charge.case_id == case_id,
                col(Charge.invoiced).is_(False),
                col(Charge.waived_at).is_(None),
                col(Charge.service_date) <= max(run.period_end, run.run_on + timedelta(days=31)),
            )
            .order_by(col(Charge.service_date), col(Charge.id))
        ).all()
    )


def _sessions(
    session: Session, case_id: int, first: date, last: date, timezone: str, statuses: Sequence[str]
) -> list[tuple[Appointment, int]]:
    start, end = local_day_bounds(first, last, timezone)
    return [
        (a, int(fee))
        for a, fee in session.exec(
            select(Appointment, Service.fee_cents)
            .join(Service, col(Service.id) == Appointment.service_id)
            .where(
                Appointment.case_id == case_id,
                col(Appointment.status).in_(list(statuses)),
                col(Appointment.start_at) >= start,
                col(Appointment.start_at) < end,
            )
            .order_by(col(Appointment.start_at))
        ).all()
    ]


def _prebill(
    session: Session, case_id: int, rules: Effective, ahead: tuple[date, date], timezone: str
) -> None:
    """Charge ahead for the coming period's sessions; credit prepaid sessions since cancelled."""
    zone = ZoneInfo(timezone)
    now = clock.now()
    upcoming = _sessions(session, case_id, ahead[0], ahead[1], timezone, ("scheduled",))
    insert_ignore(
        session,
        Charge.__table__,  # type: ignore[attr-defined]
        [
            {
                "case_id": case_id,
                "appointment_id": a.id,
                "kind": ChargeKind.PREPAYMENT.value,
                "source_key": f"prebill:{a.id}",
                "service_date": a.start_at.astimezone(zone).date(),
                "fee_cents": session_fee(a, fee, rules),
                "invoiced": False,
                "created_at": now,
            }
            for a, fee in upcoming
        ],
    )


def _credits(session: Session, case_id: int) -> list[tuple[Charge, Appointment]]:
    """Prepaid, invoiced sessions since cancelled in time (by the client or the practice)."""
    return [
        (c, a)
        for c, a in session.exec(
            select(Charge, Appointment)
            .join(Appointment, col(Appointment.id) == Charge.appointment_id)
            .where(
                Charge.case_id == case_id,
                Charge.kind == ChargeKind.PREPAYMENT,
                col(Charge.invoiced).is_(True),
                col(Appointment.status).in_(CREDITED_STATUSES),
            )
            .order_by(col(Charge.service_date), col(Charge.id))
        ).all()
    ]


def _monthly(
    session: Session,
    case_id: int,
    rules: Effective,
    schedule: BillingSchedule,
    run: BillingRun,
    timezone: str,
) -> None:
    """The plan's amount for the month ahead, and last month's sessions beyond the plan."""
    policy = rules.policy
    ahead = period_starting(schedule, run.run_on)
    now = clock.now()
    rows: list[dict[str, object]] = [
        {
            "case_id": case_id,
            "appointment_id": None,
            "kind": ChargeKind.MONTHLY_PLAN.value,
            "source_key": f"month:{ahead[0].isoformat()}",
            "service_date": ahead[0],
            "fee_cents": policy.monthly_amount_cents,
            "invoiced": False,
            "created_at": now,
        }
    ]
    before = period_ending(schedule, run.run_on)
    attended = _sessions(
        session, case_id, before[0], before[1], timezone, ("attended", "no_show", "late_cancelled")
    )
    zone = ZoneInfo(timezone)
    for a, fee in attended[policy.monthly_sessions :]:
        rows.append(
            {
                "case_id": case_id,
                "appointment_id": a.id,
                "kind": ChargeKind.SESSION.value,
                "source_key": f"appt:{a.id}",
                "service_date": a.start_at.astimezone(zone).date(),
                "fee_cents": session_fee(a, fee, rules),
                "invoiced": False,
                "created_at": now,
            }
        )
    insert_ignore(session, Charge.__table__, rows)  # type: ignore[attr-defined]


def _payer_discount(
    session: Session, rules: Effective, key: str, policy: BillingPolicy
) -> tuple[Adjustment, str]:
    """The per-session discount this payer gets: bank auto-pay, or manual payment."""
    if rules.collection == Collection.MANUAL and Method.MANUAL in rules.methods:
        kind, value = policy.manual_discount_kind, policy.manual_discount_value
        return Adjustment(kind, value), "Manual payment discount"  # type: ignore[arg-type]
    if rules.collection == Collection.AUTO_PAY and Method.BANK in rules.methods:
        method = session.exec(
            select(PayerMethod).where(
                PayerMethod.payer_key == key,
                col(PayerMethod.is_default),
                PayerMethod.disabled_reason == "",
            )
        ).first()
        if method is not None and method.kind == Method.BANK:
            kind, value = policy.bank_discount_kind, policy.bank_discount_value
            return Adjustment(kind, value), "Bank transfer discount"  # type: ignore[arg-type]
    return Adjustment("none", 0), ""


def _collect_on(
    session: Session,
    rules: Effective,
    key: str,
    issued_on: date,
    total: int,
    lines: Sequence[InvoiceLine],
) -> date | None:
    """When auto-pay may charge: at once, or after notice for a bank debit that varies."""
    if rules.collection != Collection.AUTO_PAY:
        return None
    method = session.exec(
        select(PayerMethod).where(
            PayerMethod.payer_key == key,
            col(PayerMethod.is_default),
            PayerMethod.disabled_reason == "",
        )
    ).first()
    fixed = all(x.description == CHARGE_LABELS[ChargeKind.MONTHLY_PLAN] for x in lines)
    if method is None or method.kind != Method.BANK or fixed:
        return issued_on
    if method.notice_above_cents is not None and total <= method.notice_above_cents:
        return issued_on  # the payer asked to be told only about larger debits
    return issued_on + timedelta(days=BANK_NOTICE_DAYS)


def _invoice(
    session: Session,
    run: BillingRun,
    case_id: int,
    rules: Effective,
    charges: Sequence[Charge],
    credits: Sequence[tuple[Charge, Appointment]],
    payers: Sequence[CasePayer],
) -> int:
    """One invoice per payer for CHARGES, each line the payer's share; ledger entries too.

    CREDITS (prepaid sessions cancelled in time) come off as negative lines, each once: its
    ledger entry's source key is unique, so a credit already netted elsewhere is skipped.
    """
    now = clock.now()
    shares = [(payer_key(p), p.share_basis_points) for p in payers]
    by_payer = {payer_key(p): p for p in payers}
    lines: dict[str, list[InvoiceLine]] = defaultdict(list)
    for charge in charges:
        for key, amount in split_by_shares(charge.fee_cents, shares):
            lines[key].append(
                InvoiceLine(
                    invoice_id=0,
                    charge_id=int(charge.id),  # type: ignore[arg-type]
                    service_date=charge.service_date,
                    description=CHARGE_LABELS[ChargeKind(charge.kind)],
                    amount_cents=amount,
                )
            )
        charge.invoiced = True
        session.add(charge)
    done = set(
        session.exec(
            select(LedgerEntry.source_key).where(
                LedgerEntry.case_id == case_id, LedgerEntry.kind == EntryKind.CREDIT
            )
        ).all()
    )
    for charge, _appointment in credits:
        for key, amount in split_by_shares(-charge.fee_cents, shares):
            if f"credit:{charge.id}:{key}" in done or amount == 0:
                continue
            lines[key].append(
                InvoiceLine(
                    invoice_id=0,
                    charge_id=int(charge.id),  # type: ignore[arg-type]
                    service_date=charge.service_date,
                    description="Credit: cancelled session",
                    amount_cents=amount,
                )
            )
    made = 0
    for key, payer_lines in lines.items():
        adjustment, label = _payer_discount(session, rules, key, rules.policy)
        for line in payer_lines:
            if label and line.description in ("Session", "Prepaid session"):
                line.discount_cents = discount_cents(line.amount_cents, adjustment)
                line.discount_label = label if line.discount_cents else ""
        total = sum(x.amount_cents - x.discount_cents for x in payer_lines)
        if total <= 0 and all(x.amount_cents < 0 for x in payer_lines):
            continue  # only credits and nothing to net them against: they wait for a charge
        payer = by_payer[key]
        invoice = Invoice(
            number=f"TMP-{run.id}-{case_id}-{key}"[:20],
            case_id=case_id,
            client_id=payer.client_id,
            contact_id=payer.contact_id,
            payer_key=key,
            period_key=run.key,
            run_id=run.id,
            issued_on=run.run_on,
            due_on=run.run_on + timedelta(days=DUE_DAYS),
            collection=rules.collection.value,
            total_cents=total,
            created_at=now,
        )
        session.add(invoice)
        session.flush()
        invoice.number = f"INV-{invoice.id:06d}"
        invoice.collect_on = _collect_on(session, rules, key, run.run_on, total, payer_lines)
        queue_invoice_notice(session, invoice, rules.methods)
        entries: list[LedgerEntry] = []
        for line in payer_lines:
            line.invoice_id = int(invoice.id)  # type: ignore[arg-type]
            session.add(line)
        session.flush()
        for line in payer_lines:
            credit = line.amount_cents < 0
            entries.append(
                LedgerEntry(
                    payer_key=key,
                    case_id=case_id,
                    invoice_id=invoice.id,
                    kind=EntryKind.CREDIT if credit else EntryKind.CHARGE,
                    amount_cents=line.amount_cents,
                    entry_on=run.run_on,
                    description=f"{line.description} on {line.service_date:%b %-d, %Y}",
                    source_key=f"credit:{line.charge_id}:{key}" if credit else f"line:{line.id}",
                    created_at=now,
                )
            )
            if line.discount_cents:
                entries.append(
                    LedgerEntry(
                        payer_key=key,
                        case_id=case_id,
                        invoice_id=invoice.id,
                        kind=EntryKind.DISCOUNT,
                        amount_cents=-line.discount_cents,
                        entry_on=run.run_on,
                        description=line.discount_label,
                        source_key=f"line:{line.id}:discount",
                        created_at=now,
                    )
                )
        session.add_all(entries)
        session.add(invoice)
        made += 1
    session.flush()
    return made
