"""Billing runs: on each schedule's day, turn what cases owe into invoices, once.

A run is keyed by its schedule and period (`billing_run.key`). Cases are billed in chunks,
each in one transaction under locks on the chunk's arrangements (PostgreSQL `FOR UPDATE`;
SQLite has one writer): a run repeated, overlapping, started on two workers or killed
half-way makes every invoice exactly once — a chunk that finds a case already invoiced skips
it, and `uq_invoice_period` has the last word (a chunk refused by it is redone case by case).
Work is done in bulk per chunk (one query per kind of row, inserts through the driver's
executemany), so a Friday with thousands of payers takes seconds. Collection — charging saved
methods — follows in `billing.collect`.

Per billing model:
- per session: the period's fee-bearing sessions, and older ones not yet charged (a status
  marked late, up to LOOKBACK before the period's end);
- pre-billed: the coming period's scheduled sessions, paid ahead; a session cancelled in time
  becomes a credit that the next invoice nets;
- recurring monthly: the plan's fixed amount for the coming month, plus sessions beyond the
  plan's count in the month before, at the session fee.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import exists, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from practicerunner.billing.charges import (
    CHARGE_LABELS,
    FEE_BEARING,
    KIND_OF_STATUS,
    charge_amount,
    insert_ignore,
    local_day_bounds,
    session_fee,
)
from practicerunner.billing.collect import credits_to_refund
from practicerunner.billing.methods import usable_default
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
from practicerunner.billing.notices import queue_invoice_notices
from practicerunner.billing.policies import (
    Effective,
    _effective,
    case_contexts,
    resolve_policy,
)
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
from practicerunner.core.db import bulk_insert, new_ids
from practicerunner.practice.local import practice_today, practice_zone
from practicerunner.practice.models import Service
from practicerunner.scheduling.models import Appointment, AppointmentStatus

DUE_DAYS = 14  # an invoice not paid automatically is due two weeks after it is issued
BANK_NOTICE_DAYS = 3  # a bank debit of a varying amount is announced this many days ahead
CHUNK = 250  # cases billed per transaction
LOOKBACK = timedelta(days=92)  # how far back a late-marked session is still picked up
CREDITED_STATUSES = (
    AppointmentStatus.CANCELLED_CLIENT.value,
    AppointmentStatus.CANCELLED_PRACTICE.value,
)
DISCOUNTED = (CHARGE_LABELS[ChargeKind.SESSION], CHARGE_LABELS[ChargeKind.PREPAYMENT])
CREDIT_LABEL = "Credit: cancelled session"


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


@dataclass(frozen=True)
class _Run:
    """A run's identity, as plain values that survive commits and rollbacks."""

    id: int
    key: str
    run_on: date
    period_start: date
    period_end: date


def _schedule(policy: BillingPolicy) -> BillingSchedule:
    return BillingSchedule(Frequency(policy.frequency), policy.weekday, policy.month_day)


def _chunks(items: Sequence[int], size: int) -> Iterable[Sequence[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _get_run(session: Session, key: str, run_on: date, period: tuple[date, date]) -> _Run:
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
    found = _Run(int(run.id), run.key, run.run_on, run.period_start, run.period_end)  # type: ignore[arg-type]
    session.commit()
    return found


def enroll_active_cases(session: Session) -> int:
    """Enrol every active case that has no arrangement yet, under the version that applies now.

    Bulk: one query for the cases, one for their latest sessions, one insert; a case enrolled
    by a concurrent run is left as that run enrolled it. Commits.
    """
    cases = session.exec(
        select(Case)
        .where(
            Case.status == CaseStatus.ACTIVE,
            ~exists().where(col(BillingArrangement.case_id) == Case.id),
        )
        .order_by(col(Case.id))
    ).all()
    if not cases:
        session.rollback()
        return 0
    policies = list(session.exec(select(BillingPolicy).where(col(BillingPolicy.is_current))))
    contexts = case_contexts(session, list(cases))
    now = clock.now()
    rows: list[dict[str, object]] = []
    for case in cases:
        location_id, clinician_id, service_id = contexts[int(case.id)]  # type: ignore[arg-type]
        policy = resolve_policy(
            session,
            location_id=location_id,
            clinician_id=clinician_id,
            service_id=service_id,
            policies=policies,
        )
        if policy not in policies:
            policies.append(policy)  # the practice default, created just now
        rows.append(
            {
                "case_id": case.id,
                "policy_id": policy.id,
                "bank_only_exception": False,
                "note": "",
                "enrolled_at": now,
                "updated_at": now,
            }
        )
    insert_ignore(session, BillingArrangement.__table__, rows)  # type: ignore[attr-defined]
    session.commit()
    return len(rows)


def due_groups(
    session: Session, run_on: date
) -> dict[str, tuple[BillingSchedule, list[tuple[int, int]]]]:
    """Enrolled active cases due on RUN_ON, by run key: (schedule, [(case id, policy id)])."""
    rows = session.exec(
        select(BillingArrangement.case_id, BillingPolicy)
        .join(BillingPolicy, col(BillingPolicy.id) == BillingArrangement.policy_id)
        .join(Case, col(Case.id) == BillingArrangement.case_id)
        .where(Case.status == CaseStatus.ACTIVE)
        .order_by(col(BillingArrangement.case_id))
    ).all()
    groups: dict[str, tuple[BillingSchedule, list[tuple[int, int]]]] = {}
    for case_id, policy in rows:
        schedule = _schedule(policy)
        if not runs_on(schedule, run_on):
            continue
        key = period_key(schedule, run_on)
        groups.setdefault(key, (schedule, []))[1].append((int(case_id), int(policy.id)))  # type: ignore[arg-type]
    return groups


def run_billing(session: Session, run_on: date | None = None) -> list[RunSummary]:
    """Every run due on RUN_ON (the practice's today by default); safe to repeat."""
    timezone = practice_zone(session)
    if run_on is None:
        run_on = practice_today(session)
    session.rollback()
    enroll_active_cases(session)
    groups = due_groups(session, run_on)
    # Policies are read once and kept detached: commits and rollbacks below don't expire them.
    policies = {p.id: p for p in session.exec(select(BillingPolicy)).all()}
    for policy in policies.values():
        session.expunge(policy)
    session.rollback()
    summaries = []
    for key, (schedule, members) in groups.items():
        summaries.append(
            _run_group(session, key, schedule, members, policies, run_on, timezone)  # type: ignore[arg-type]
        )
    return summaries


def _run_group(
    session: Session,
    key: str,
    schedule: BillingSchedule,
    members: Sequence[tuple[int, int]],
    policies: dict[int, BillingPolicy],
    run_on: date,
    timezone: str,
) -> RunSummary:
    run = _get_run(session, key, run_on, period_ending(schedule, run_on))
    summary = RunSummary(key=key, run_id=run.id)
    case_ids = [case_id for case_id, _ in members]
    for chunk in _chunks(case_ids, CHUNK):
        summary.cases += len(chunk)
        try:
            made, skipped = _bill_chunk(session, run, schedule, chunk, policies, timezone)
        except IntegrityError:
            # Another worker invoiced some of these between our check and our insert: redo
            # the chunk one case at a time, so each of the others is still billed once.
            session.rollback()
            made = skipped = 0
            for case_id in chunk:
                try:
                    one_made, one_skipped = _bill_chunk(
                        session, run, schedule, [case_id], policies, timezone
                    )
                except IntegrityError:
                    session.rollback()
                    one_made, one_skipped = 0, 1
                made += one_made
                skipped += one_skipped
        summary.invoices_made += made
        summary.skipped_existing += skipped
    session.execute(
        update(BillingRun)
        .where(col(BillingRun.id) == run.id)
        .values(finished_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return summary


class _Owed(NamedTuple):
    """A charge as billing needs it (plain values: no ORM object per row)."""

    id: int
    kind: str
    service_date: date
    fee_cents: int
    new: bool  # written by this run (already marked invoiced when the case has payers)


@dataclass
class _Case:
    """One case being billed in a chunk: its rules, payers, charges and credits."""

    case_id: int
    rules: Effective
    payers: list[CasePayer] = field(default_factory=list)
    charges: list[_Owed] = field(default_factory=list)
    credits: list[_Owed] = field(default_factory=list)
    credited: set[str] = field(default_factory=set)  # credit ledger keys already netted
    # What each payer actually paid for a prepaid session: (charge id, payer key) -> cents.
    prepaid: dict[tuple[int, str], int] = field(default_factory=dict)


def _bill_chunk(
    session: Session,
    run: _Run,
    schedule: BillingSchedule,
    case_ids: Sequence[int],
    policies: dict[int, BillingPolicy],
    timezone: str,
) -> tuple[int, int]:
    """Bill CASE_IDS for RUN in one transaction; (invoices made, cases already billed). Commits."""
    query = (
        select(BillingArrangement)
        .where(col(BillingArrangement.case_id).in_(list(case_ids)))
        .order_by(col(BillingArrangement.case_id))
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()  # two workers on one chunk: the second waits, then skips
    arrangements = {a.case_id: a for a in session.exec(query).all()}
    done = set(
        session.exec(
            select(Invoice.case_id)
            .where(col(Invoice.case_id).in_(list(arrangements)), Invoice.period_key == run.key)
            .distinct()
        ).all()
    )
    cases = {
        case_id: _Case(case_id, _effective(policies[a.policy_id], a, [], enrolled=True))
        for case_id, a in arrangements.items()
        if case_id not in done
    }
    if not cases:
        session.rollback()
        return 0, len(done)
    _load(session, run, cases)
    _write_charges(session, run, schedule, cases, timezone)
    made = _invoice_all(session, run, list(cases.values()))
    if made:
        session.execute(
            update(BillingRun)
            .where(col(BillingRun.id) == run.id)
            .values(invoices_made=BillingRun.invoices_made + made)
            .execution_options(synchronize_session=False)
        )
    session.commit()
    return made, len(done)


# ---- charges --------------------------------------------------------------------------------


def _charge_row(
    case_id: int, a: _Held, kind: ChargeKind, source: str, fee: int, zone: ZoneInfo
) -> dict[str, object]:
    return {
        "case_id": case_id,
        "appointment_id": a.id,
        "kind": kind.value,
        "source_key": source,
        "service_date": a.start_at.astimezone(zone).date(),
        "fee_cents": fee,
        "invoiced": False,
        "waived_at": None,
        "waived_by_id": None,
        "created_at": clock.now(),
    }


class _Held(NamedTuple):
    """A session as a run reads it: the columns billing needs, no ORM object per row."""

    id: int
    case_id: int
    status: str
    start_at: datetime
    fee_override_cents: int | None


def _sessions(
    session: Session,
    case_ids: Sequence[int],
    first: date,
    last: date,
    timezone: str,
    statuses: Sequence[str],
    *,
    uncharged: bool = False,
) -> dict[int, list[tuple[_Held, int]]]:
    """Sessions of CASE_IDS on local days FIRST..LAST in STATUSES (optionally not yet charged)."""
    start, end = local_day_bounds(first, last, timezone)
    query = (
        select(  # type: ignore[call-overload]
            Appointment.id,
            Appointment.case_id,
            Appointment.status,
            Appointment.start_at,
            Appointment.fee_override_cents,
            Service.fee_cents,
        )
        .join(Service, col(Service.id) == Appointment.service_id)
        .where(
            col(Appointment.case_id).in_(list(case_ids)),
            col(Appointment.status).in_(list(statuses)),
            col(Appointment.start_at) >= start,
            col(Appointment.start_at) < end,
        )
        .order_by(col(Appointment.case_id), col(Appointment.start_at))
    )
    if uncharged:
        query = query.where(~exists().where(col(Charge.appointment_id) == Appointment.id))
    found: dict[int, list[tuple[_Held, int]]] = defaultdict(list)
    for appointment_id, case_id, status, start_at, override, fee in session.execute(query):
        held = _Held(appointment_id, case_id, status, start_at, override)
        found[case_id].append((held, int(fee)))
    return found


def _write_charges(
    session: Session,
    run: _Run,
    schedule: BillingSchedule,
    cases: dict[int, _Case],
    timezone: str,
) -> None:
    """Write what each case owes for this run, each source once, and add it to the case.

    Only sessions not yet charged are read, so nothing here can collide with an earlier
    charge. Ids are taken ahead and a charge of a case with payers is written already
    invoiced (its invoice follows in this transaction): no update of thousands of rows after.
    """
    zone = ZoneInfo(timezone)
    by_model: dict[BillingModel, list[int]] = defaultdict(list)
    for case in cases.values():
        by_model[case.rules.model].append(case.case_id)
    rows: list[dict[str, object]] = []
    if by_model[BillingModel.PER_SESSION]:
        first = run.period_end - LOOKBACK
        seen = _sessions(
            session,
            by_model[BillingModel.PER_SESSION],
            first,
            run.period_end,
            timezone,
            FEE_BEARING,
            uncharged=True,
        )
        for case_id, sessions in seen.items():
            rules = cases[case_id].rules
            for a, service_fee in sessions:
                amount = charge_amount(a.status, session_fee(a, service_fee, rules), rules)
                if amount > 0:  # a policy of no fee for a missed session: nothing is owed
                    kind = KIND_OF_STATUS[a.status]
                    rows.append(_charge_row(case_id, a, kind, f"appt:{a.id}", amount, zone))
    if by_model[BillingModel.PRE_BILLED]:
        ahead = period_starting(schedule, run.run_on)
        upcoming = _sessions(
            session,
            by_model[BillingModel.PRE_BILLED],
            ahead[0],
            ahead[1],
            timezone,
            ("scheduled",),
            uncharged=True,
        )
        for case_id, sessions in upcoming.items():
            rules = cases[case_id].rules
            for a, service_fee in sessions:
                fee = session_fee(a, service_fee, rules)
                rows.append(
                    _charge_row(case_id, a, ChargeKind.PREPAYMENT, f"prebill:{a.id}", fee, zone)
                )
    monthly = by_model[BillingModel.RECURRING_MONTHLY]
    if monthly:
        rows.extend(_monthly_rows(session, run, schedule, cases, monthly, timezone))
    if not rows:
        return
    for charge_id, row in zip(new_ids(session, "charge", len(rows)), rows, strict=True):
        case = cases[int(row["case_id"])]  # type: ignore[call-overload]
        row["id"] = charge_id
        row["invoiced"] = bool(case.payers)
        case.charges.append(
            _Owed(charge_id, str(row["kind"]), row["service_date"], int(row["fee_cents"]), True)  # type: ignore[arg-type, call-overload]
        )
    bulk_insert(session, Charge.__table__, rows)  # type: ignore[attr-defined]


def _monthly_rows(
    session: Session,
    run: _Run,
    schedule: BillingSchedule,
    cases: dict[int, _Case],
    case_ids: Sequence[int],
    timezone: str,
) -> list[dict[str, object]]:
    """The plan's amount for the month ahead, and last month's sessions beyond the plan."""
    zone = ZoneInfo(timezone)
    ahead = period_starting(schedule, run.run_on)
    before = period_ending(schedule, run.run_on)
    held = _sessions(session, case_ids, before[0], before[1], timezone, FEE_BEARING)
    month_key = f"month:{ahead[0].isoformat()}"
    have_month = set(
        session.exec(
            select(Charge.case_id).where(
                col(Charge.case_id).in_(list(case_ids)), Charge.source_key == month_key
            )
        ).all()
    )
    held_ids = [a.id for sessions in held.values() for a, _ in sessions]
    charged = set(
        session.exec(
            select(Charge.appointment_id).where(col(Charge.appointment_id).in_(held_ids))
        ).all()
    )
    rows: list[dict[str, object]] = []
    for case_id in case_ids:
        rules = cases[case_id].rules
        policy = rules.policy
        if case_id not in have_month:
            rows.append(
                {
                    "case_id": case_id,
                    "appointment_id": None,
                    "kind": ChargeKind.MONTHLY_PLAN.value,
                    "source_key": month_key,
                    "service_date": ahead[0],
                    "fee_cents": policy.monthly_amount_cents,
                    "invoiced": False,
                    "waived_at": None,
                    "waived_by_id": None,
                    "created_at": clock.now(),
                }
            )
        for a, service_fee in held.get(case_id, [])[policy.monthly_sessions :]:
            if a.id in charged:
                continue
            fee = session_fee(a, service_fee, rules)
            rows.append(_charge_row(case_id, a, ChargeKind.SESSION, f"appt:{a.id}", fee, zone))
    return rows


def _load(session: Session, run: _Run, cases: dict[int, _Case]) -> None:
    """Each case's payers, uninvoiced charges and (pre-billed) credits due, in bulk."""
    ids = list(cases)
    for payer in session.exec(
        select(CasePayer)
        .where(col(CasePayer.case_id).in_(ids))
        .order_by(col(CasePayer.case_id), col(CasePayer.id))
    ).all():
        cases[payer.case_id].payers.append(payer)
    horizon = max(run.period_end, run.run_on + timedelta(days=31))
    for charge_id, case_id, kind, on, fee in session.execute(
        select(  # type: ignore[call-overload]
            Charge.id, Charge.case_id, Charge.kind, Charge.service_date, Charge.fee_cents
        )
        .where(
            col(Charge.case_id).in_(ids),
            col(Charge.invoiced).is_(False),
            col(Charge.waived_at).is_(None),
            col(Charge.service_date) <= horizon,
        )
        .order_by(col(Charge.case_id), col(Charge.service_date), col(Charge.id))
    ).all():
        cases[case_id].charges.append(_Owed(charge_id, kind, on, fee, False))
    prebilled = [c.case_id for c in cases.values() if c.rules.model == BillingModel.PRE_BILLED]
    if prebilled:
        credited = set(
            session.exec(
                select(LedgerEntry.source_key).where(
                    col(LedgerEntry.case_id).in_(prebilled), LedgerEntry.kind == EntryKind.CREDIT
                )
            ).all()
        )
        # Credits the policy refunds to a card or account the payer paid with are sent back
        # by `collect.refund_credits`, not netted here: treated as settled already.
        credited |= {r.credit_key for r in credits_to_refund(session, prebilled)}
        for charge_id, case_id, kind, on, fee in session.execute(
            select(  # type: ignore[call-overload]
                Charge.id, Charge.case_id, Charge.kind, Charge.service_date, Charge.fee_cents
            )
            .join(Appointment, col(Appointment.id) == Charge.appointment_id)
            .where(
                col(Charge.case_id).in_(prebilled),
                Charge.kind == ChargeKind.PREPAYMENT,
                col(Charge.invoiced).is_(True),
                col(Appointment.status).in_(CREDITED_STATUSES),
            )
            .order_by(col(Charge.service_date), col(Charge.id))
        ).all():
            case = cases[case_id]
            keys = {payer_key(p) for p in case.payers}
            if any(f"credit:{charge_id}:{k}" not in credited for k in keys):
                case.credits.append(_Owed(charge_id, kind, on, fee, False))
        for case_id in prebilled:
            cases[case_id].credited = credited
        credit_ids = [c.id for case_id in prebilled for c in cases[case_id].credits]
        for start in range(0, len(credit_ids), 500):
            for charge_id, key, amount, discount, case_id in session.execute(
                select(  # type: ignore[call-overload]
                    InvoiceLine.charge_id,
                    Invoice.payer_key,
                    InvoiceLine.amount_cents,
                    InvoiceLine.discount_cents,
                    Invoice.case_id,
                )
                .join(Invoice, col(Invoice.id) == InvoiceLine.invoice_id)
                .where(
                    col(InvoiceLine.charge_id).in_(credit_ids[start : start + 500]),
                    InvoiceLine.amount_cents > 0,
                )
            ).all():
                cases[case_id].prepaid[(charge_id, key)] = amount - discount


# ---- invoices -----------------------------------------------------------------------------


@dataclass
class _Line:
    charge_id: int
    service_date: date
    description: str
    amount_cents: int
    discount_cents: int = 0
    discount_label: str = ""


def _discount(rules: Effective, method: PayerMethod | None) -> tuple[Adjustment, str]:
    """The per-session discount a payer gets: bank auto-pay, or manual payment."""
    policy = rules.policy
    if rules.collection == Collection.MANUAL and Method.MANUAL in rules.methods:
        kind, value = policy.manual_discount_kind, policy.manual_discount_value
        return Adjustment(kind, value), "Manual payment discount"  # type: ignore[arg-type]
    if (
        rules.collection == Collection.AUTO_PAY
        and Method.BANK in rules.methods
        and method is not None
        and method.kind == Method.BANK
    ):
        kind, value = policy.bank_discount_kind, policy.bank_discount_value
        return Adjustment(kind, value), "Bank transfer discount"  # type: ignore[arg-type]
    return Adjustment("none", 0), ""


def _collect_on(
    rules: Effective, method: PayerMethod | None, issued_on: date, total: int, lines: list[_Line]
) -> date | None:
    """When auto-pay may charge: at once, or after notice for a bank debit that varies."""
    if rules.collection != Collection.AUTO_PAY:
        return None
    fixed = all(x.description == CHARGE_LABELS[ChargeKind.MONTHLY_PLAN] for x in lines)
    if method is None or method.kind != Method.BANK or fixed:
        return issued_on
    if method.notice_above_cents is not None and total <= method.notice_above_cents:
        return issued_on  # the payer asked to be told only about larger debits
    return issued_on + timedelta(days=BANK_NOTICE_DAYS)


def _invoice_all(session: Session, run: _Run, cases: list[_Case]) -> int:
    """One invoice per payer per case, each line the payer's share; ledger rows and notices.

    Lines split each charge by the payers' shares (largest remainder: the earlier payer gets
    an odd cent) less the payer's discount; a pre-billed case's credits come off as negative
    lines, each once (its ledger source key is unique). Everything is inserted in bulk.
    """
    keys = {payer_key(p) for case in cases for p in case.payers}
    methods = {
        m.payer_key: m
        for m in session.exec(
            select(PayerMethod).where(
                col(PayerMethod.payer_key).in_(sorted(keys)),
                *usable_default(),
            )
        ).all()
    }
    now = clock.now()
    planned: list[tuple[_Case, CasePayer, list[_Line], int, date | None]] = []
    invoiced: list[int] = []
    for case in cases:
        if not case.payers or not (case.charges or case.credits):
            continue  # the charges are kept; nothing to invoice (or no payer yet)
        shares = [(payer_key(p), p.share_basis_points) for p in case.payers]
        lines: dict[str, list[_Line]] = defaultdict(list)
        for charge in sorted(case.charges, key=lambda c: (c.service_date, c.id)):
            label = CHARGE_LABELS[ChargeKind(charge.kind)]
            for key, amount in split_by_shares(charge.fee_cents, shares):
                lines[key].append(_Line(charge.id, charge.service_date, label, amount))
            if not charge.new:
                invoiced.append(charge.id)
        credited = case.credited
        for charge in case.credits:
            for key, share in split_by_shares(-charge.fee_cents, shares):
                # The credit is what the payer paid for it (after any discount on its line).
                amount = -case.prepaid.get((charge.id, key), -share)
                if amount and f"credit:{charge.id}:{key}" not in credited:
                    lines[key].append(_Line(charge.id, charge.service_date, CREDIT_LABEL, amount))
        for payer in case.payers:
            key = payer_key(payer)
            payer_lines = lines.get(key, [])
            if not payer_lines:
                continue
            adjustment, label = _discount(case.rules, methods.get(key))
            for line in payer_lines:
                if label and line.description in DISCOUNTED:
                    line.discount_cents = discount_cents(line.amount_cents, adjustment)
                    line.discount_label = label if line.discount_cents else ""
            total = sum(x.amount_cents - x.discount_cents for x in payer_lines)
            if total <= 0 and all(x.amount_cents < 0 for x in payer_lines):
                continue  # only credits and nothing to net them against: they wait
            collect_on = _collect_on(case.rules, methods.get(key), run.run_on, total, payer_lines)
            planned.append((case, payer, payer_lines, total, collect_on))
    if invoiced:
        for chunk in _chunks(invoiced, 500):
            session.execute(
                update(Charge)
                .where(col(Charge.id).in_(list(chunk)))
                .values(invoiced=True)
                .execution_options(synchronize_session=False)
            )
    if not planned:
        return 0
    ids = new_ids(session, "invoice", len(planned))
    invoice_rows: list[dict[str, Any]] = []
    line_rows: list[dict[str, object]] = []
    ledger_rows: list[dict[str, object]] = []
    invoices: list[tuple[NewInvoice, tuple[str, ...]]] = []
    for invoice_id, (case, payer, payer_lines, total, collect_on) in zip(ids, planned, strict=True):
        key = payer_key(payer)
        row: dict[str, Any] = {
            "id": invoice_id,
            "number": f"INV-{invoice_id:06d}",
            "case_id": case.case_id,
            "client_id": payer.client_id,
            "contact_id": payer.contact_id,
            "payer_key": key,
            "period_key": run.key,
            "run_id": run.id,
            "issued_on": run.run_on,
            "due_on": run.run_on + timedelta(days=DUE_DAYS),
            "status": "open",
            "collection": case.rules.collection.value,
            "total_cents": total,
            "paid_cents": 0,
            "processing_until": None,
            "collect_on": collect_on,
            "created_at": now,
        }
        invoice_rows.append(row)
        invoices.append((NewInvoice(**row), tuple(m.value for m in case.rules.methods)))
        _rows_for_lines(
            run, case.case_id, key, invoice_id, payer_lines, now, line_rows, ledger_rows
        )
    bulk_insert(session, Invoice.__table__, invoice_rows)  # type: ignore[attr-defined]
    bulk_insert(session, InvoiceLine.__table__, line_rows)  # type: ignore[attr-defined]
    bulk_insert(session, LedgerEntry.__table__, ledger_rows)  # type: ignore[attr-defined]
    queue_invoice_notices(session, invoices, methods)
    return len(invoice_rows)


@dataclass(frozen=True, slots=True)
class NewInvoice:
    """An invoice row a run just wrote, as its email reads it (notices.InvoiceFacts)."""

    id: int
    number: str
    case_id: int
    client_id: int | None
    contact_id: int | None
    payer_key: str
    period_key: str
    run_id: int | None
    issued_on: date
    due_on: date
    status: str
    collection: str
    total_cents: int
    paid_cents: int
    processing_until: date | None
    collect_on: date | None
    created_at: datetime


def _rows_for_lines(
    run: _Run,
    case_id: int,
    key: str,
    invoice_id: int,
    lines: list[_Line],
    now: datetime,
    line_rows: list[dict[str, object]],
    ledger_rows: list[dict[str, object]],
) -> None:
    """The invoice_line and ledger_entry rows of one invoice's LINES."""
    for line in lines:
        credit = line.amount_cents < 0
        line_rows.append(
            {
                "invoice_id": invoice_id,
                "charge_id": line.charge_id,
                "service_date": line.service_date,
                "description": line.description,
                "amount_cents": line.amount_cents,
                "discount_cents": line.discount_cents,
                "discount_label": line.discount_label,
            }
        )
        source = (
            f"credit:{line.charge_id}:{key}" if credit else f"line:{invoice_id}:{line.charge_id}"
        )
        ledger_rows.append(
            {
                "payer_key": key,
                "case_id": case_id,
                "invoice_id": invoice_id,
                "kind": (EntryKind.CREDIT if credit else EntryKind.CHARGE).value,
                "amount_cents": line.amount_cents,
                "entry_on": run.run_on,
                "description": f"{line.description} on {line.service_date:%b %-d, %Y}",
                "source_key": source,
                "created_at": now,
            }
        )
        if line.discount_cents:
            ledger_rows.append(
                {
                    "payer_key": key,
                    "case_id": case_id,
                    "invoice_id": invoice_id,
                    "kind": EntryKind.DISCOUNT.value,
                    "amount_cents": -line.discount_cents,
                    "entry_on": run.run_on,
                    "description": line.discount_label,
                    "source_key": f"line:{invoice_id}:{line.charge_id}:discount",
                    "created_at": now,
                }
            )
