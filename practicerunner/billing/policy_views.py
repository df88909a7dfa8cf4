"""Read models for the billing-policy screens: the overview per scope, the editor prefilled
from a scope's current version, and the case's billing tab.

Nothing here writes: reads run in a session that is rolled back (`core.db.session_scope`),
so `policies.resolve_policy` creating a missing practice default in passing is discarded.
Every function checks its permission first, as a service does.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, func, select

from practicerunner.billing import policies
from practicerunner.billing.charges import CHARGE_LABELS, charge_amount, session_fee
from practicerunner.billing.costs import CostRates, cost_sentence, explain_costs
from practicerunner.billing.methods import default_method
from practicerunner.billing.models import (
    SCOPE_ORDER,
    BillingArrangement,
    BillingModel,
    BillingPolicy,
    BillingRun,
    Charge,
    ChargeKind,
    Collection,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Method,
    ScopeKind,
)
from practicerunner.billing.money import Adjustment
from practicerunner.billing.policies import (
    COLLECTION_LABELS,
    MODEL_LABELS,
    PolicyForm,
    describe_schedule,
    effective_for_case,
)
from practicerunner.billing.schedule import LAST_DAY, BillingSchedule, next_run
from practicerunner.clients.access import get_case_for
from practicerunner.clients.cases import KIND_LABELS
from practicerunner.clients.models import Case, CasePayer, Client, Contact
from practicerunner.core import clock
from practicerunner.core.errors import NotFound
from practicerunner.core.money import format_cents
from practicerunner.core.permissions import Actor, Perm
from practicerunner.practice.local import practice_today, practice_zone
from practicerunner.practice.models import Location, Service, Staff
from practicerunner.scheduling.models import Appointment, AppointmentStatus
from practicerunner.ui.routes import case_billing_url, payer_url

SCOPE_LABELS = {
    ScopeKind.PRACTICE: "Practice",
    ScopeKind.LOCATION: "Location",
    ScopeKind.CLINICIAN: "Clinician",
    ScopeKind.SERVICE: "Service",
}
# How each method reads to staff on these screens.
METHOD_NAMES = {
    Method.CARD: "Card",
    Method.BANK: "Bank transfer",
    Method.MANUAL: "Check or cash (recorded by staff)",
}
COLLECTION_NOTES = {
    Collection.AUTO_PAY: "charged to the payer's saved card or bank account",
    Collection.AUTO_INVOICE: "invoice emailed with a link to pay",
    Collection.MANUAL: "staff send the invoice and record the payment",
}
DEFAULT_TYPICAL_FEE = 16000  # when the practice lists no services yet
ADJ_KINDS = ("none", "amount", "percent")
MISSED = (AppointmentStatus.NO_SHOW.value, AppointmentStatus.LATE_CANCELLED.value)


# ---- scopes ---------------------------------------------------------------------------------


def scope_key(kind: str, scope_id: int | None) -> str:
    """'practice', 'location-3', 'clinician-5', 'service-2' (the editor's address)."""
    return "practice" if kind == ScopeKind.PRACTICE else f"{kind}-{scope_id}"


def parse_scope_key(key: str) -> tuple[str, int | None]:
    """The (kind, id) a scope key names; NotFound for anything else."""
    if key == ScopeKind.PRACTICE:
        return ScopeKind.PRACTICE.value, None
    kind, _, raw = key.partition("-")
    if kind in {k.value for k in SCOPE_ORDER[1:]} and raw.isdigit():
        return kind, int(raw)
    raise NotFound("billing policy")


def _scope_title(session: Session, kind: str, scope_id: int | None) -> str:
    """'The practice', 'Main office', 'Carl Chen', 'Individual therapy, 53 min'."""
    if kind == ScopeKind.PRACTICE:
        return "The practice"
    model: Any = {
        ScopeKind.LOCATION: Location,
        ScopeKind.CLINICIAN: Staff,
        ScopeKind.SERVICE: Service,
    }[ScopeKind(kind)]
    row = session.get(model, scope_id)
    if row is None:
        raise NotFound("billing policy")
    return str(getattr(row, "name", None) or getattr(row, "full_name", ""))


def adjustment_text(kind: str, value: int) -> str:
    """'5%', '$10.00' or 'none'."""
    return Adjustment(kind, value).describe()  # type: ignore[arg-type]


def policy_methods(policy: BillingPolicy) -> tuple[Method, ...]:
    return (Method.BANK,) if policy.bank_only else policies.methods_of(policy.allowed_methods)


def policy_summary(policy: BillingPolicy) -> str:
    """'Pay per session, auto-invoice every Friday; card, bank transfer.'"""
    methods = ", ".join(policies.METHOD_LABELS[m] for m in policy_methods(policy))
    only = " only" if policy.bank_only else ""
    return (
        f"{MODEL_LABELS[BillingModel(policy.model)]}, "
        f"{COLLECTION_LABELS[Collection(policy.collection)].lower()} "
        f"{describe_schedule(policy)}; {methods}{only}."
    )


def policy_details(policy: BillingPolicy) -> list[str]:
    """The rest of the rules, one short sentence each (discounts, fees, the plan)."""
    found: list[str] = []
    if policy.model == BillingModel.RECURRING_MONTHLY:
        found.append(
            f"Monthly plan: {format_cents(policy.monthly_amount_cents)} "
            f"for {policy.monthly_sessions} sessions."
        )
    for label, kind, value in (
        ("bank transfer", policy.bank_discount_kind, policy.bank_discount_value),
        ("manual payment", policy.manual_discount_kind, policy.manual_discount_value),
    ):
        if kind != "none":
            found.append(f"{adjustment_text(kind, value)} off the listed fee for {label}.")
    for label, kind, value in (
        ("No-show fee", policy.no_show_fee_kind, policy.no_show_fee_value),
        ("Late-cancel fee", policy.late_cancel_fee_kind, policy.late_cancel_fee_value),
    ):
        text = "none" if kind == "none" else adjustment_text(kind, value)
        if kind == "percent":
            text += " of the session fee"
        found.append(f"{label}: {text}.")
    return found


@dataclass(frozen=True)
class VersionCount:
    version: int
    current: bool
    cases: int


@dataclass(frozen=True)
class ScopeRow:
    """One scope with a policy on the overview."""

    key: str
    kind_label: str
    name: str
    summary: str
    details: list[str]
    version: int
    versions: list[VersionCount]
    saved: bool  # False for the practice default nobody has saved yet

    @property
    def enrolled(self) -> int:
        return sum(v.cases for v in self.versions)


def _enrolled_counts(session: Session) -> Counter[int]:
    rows = session.exec(
        select(BillingArrangement.policy_id, func.count()).group_by(
            col(BillingArrangement.policy_id)
        )
    ).all()
    return Counter({int(pid): int(n) for pid, n in rows})


def policy_overview(session: Session, actor: Actor) -> list[ScopeRow]:
    """Every scope with a policy: the practice, then locations, clinicians, services."""
    actor.require(Perm.BILLING_SETTINGS)
    counts = _enrolled_counts(session)
    every = session.exec(select(BillingPolicy).order_by(col(BillingPolicy.version))).all()
    by_scope: dict[tuple[str, int | None], list[BillingPolicy]] = {}
    for policy in every:
        by_scope.setdefault((policy.scope_kind, policy.scope_id), []).append(policy)
    if (ScopeKind.PRACTICE.value, None) not in by_scope:
        # The default the practice bills by until someone saves a policy (never written here).
        default = BillingPolicy(scope_kind=ScopeKind.PRACTICE, weekday=4, created_at=clock.now())
        by_scope[(ScopeKind.PRACTICE.value, None)] = [default]
    rows: list[tuple[tuple[int, str], ScopeRow]] = []
    for (kind, scope_id), versions in by_scope.items():
        current = next((p for p in reversed(versions) if p.is_current), versions[-1])
        name = _scope_title(session, kind, scope_id)
        row = ScopeRow(
            key=scope_key(kind, scope_id),
            kind_label=SCOPE_LABELS[ScopeKind(kind)],
            name=name,
            summary=policy_summary(current),
            details=policy_details(current),
            version=current.version,
            versions=[
                VersionCount(p.version, p.is_current, counts.get(int(p.id), 0))
                for p in reversed(versions)
                if p.id is not None
            ],
            saved=current.id is not None,
        )
        rows.append(((SCOPE_ORDER.index(ScopeKind(kind)), name.lower()), row))
    return [row for _, row in sorted(rows, key=lambda r: r[0])]


def scope_choices(session: Session, actor: Actor) -> list[tuple[str, str]]:
    """(key, label) of the locations, clinicians and services without a policy of their own."""
    actor.require(Perm.BILLING_SETTINGS)
    taken = {
        (k, i)
        for k, i in session.exec(select(BillingPolicy.scope_kind, BillingPolicy.scope_id)).all()
    }
    found: list[tuple[str, str]] = []
    for location in session.exec(select(Location).order_by(col(Location.name))).all():
        if getattr(location, "is_active", True) and ("location", location.id) not in taken:
            found.append((scope_key("location", location.id), f"Location: {location.name}"))
    clinicians = _clinicians(session)
    for staff_id, name in clinicians:
        if ("clinician", staff_id) not in taken:
            found.append((scope_key("clinician", staff_id), f"Clinician: {name}"))
    for service in session.exec(select(Service).order_by(col(Service.name))).all():
        if getattr(service, "is_active", True) and ("service", service.id) not in taken:
            found.append((scope_key("service", service.id), f"Service: {service.name}"))
    return found


def _clinicians(session: Session) -> list[tuple[int, str]]:
    from practicerunner.core.permissions import CLINICAL_ROLES
    from practicerunner.practice.models import StaffRole

    rows = session.exec(
        select(Staff.id, Staff.full_name)
        .join(StaffRole, col(StaffRole.staff_id) == Staff.id)
        .where(col(StaffRole.role).in_([r.value for r in CLINICAL_ROLES]))
        .distinct()
        .order_by(col(Staff.full_name))
    ).all()
    return [(int(i), str(n)) for i, n in rows if i is not None]


# ---- the editor ------------------------------------------------------------------------------


def _adj_kind_value(kind: str, value: int) -> tuple[str, str]:
    adj = Adjustment(kind, value)  # type: ignore[arg-type]
    return adj.kind, adj.to_input()


def form_values(policy: BillingPolicy) -> dict[str, str]:
    """The editor's fields, as text, prefilled from POLICY ("Apply to" starts at new clients)."""
    month_day = policy.month_day
    values = {
        "model": policy.model,
        "frequency": policy.frequency,
        "weekday": str(policy.weekday if policy.weekday is not None else 4),
        "month_day_mode": "last" if month_day == LAST_DAY else "day",
        "month_day": "" if month_day in (None, LAST_DAY) else str(month_day),
        "collection": policy.collection,
        "bank_only": "yes" if policy.bank_only else "",
        "monthly_amount": (
            f"{policy.monthly_amount_cents / 100:.2f}" if policy.monthly_amount_cents else ""
        ),
        "monthly_sessions": str(policy.monthly_sessions) if policy.monthly_sessions else "",
        "refund_credits": "yes" if policy.refund_credits else "",
        # The safe choice each time: moving existing clients is a decision, not a default.
        "applies_to": "new",
    }
    for method in Method:
        values[f"method_{method.value}"] = (
            "yes" if method in policies.methods_of(policy.allowed_methods) else ""
        )
    for name in ("bank_discount", "manual_discount", "no_show_fee", "late_cancel_fee"):
        kind, text = _adj_kind_value(
            getattr(policy, f"{name}_kind"), getattr(policy, f"{name}_value")
        )
        values[f"{name}_kind"] = kind
        values[name] = text
    return values


def _ticked(data: dict[str, Any], name: str) -> bool:
    return str(data.get(name, "")).strip().lower() in {"on", "true", "yes"}


def _adjustment_input(data: dict[str, Any], name: str, errors: dict[str, str]) -> str:
    """The text PolicyForm expects ('' / '5.00' / '5%') from a kind select and a value box."""
    kind = str(data.get(f"{name}_kind", "none")).strip()
    value = str(data.get(name, "")).strip()
    if kind not in ADJ_KINDS:
        errors[name] = "Choose none, an amount or a percentage."
        return ""
    if kind == "none":
        return ""
    if not value:
        errors[name] = "Enter the amount or percentage, or choose none."
        return ""
    if kind == "amount":
        if value.endswith("%"):
            errors[name] = "Enter an amount in dollars, like 10.00, or choose a percentage."
            return ""
        return value
    return value.removesuffix("%").strip() + "%"


def form_from_values(data: dict[str, Any]) -> tuple[PolicyForm, dict[str, str]]:
    """The PolicyForm a submitted editor asks for, and messages the form itself can give."""
    errors: dict[str, str] = {}
    adjustments = {
        name: _adjustment_input(data, name, errors)
        for name in ("bank_discount", "manual_discount", "no_show_fee", "late_cancel_fee")
    }
    mode = str(data.get("month_day_mode", "day"))
    month_day = "last" if mode == "last" else str(data.get("month_day", "")).strip()
    form = PolicyForm(
        model=str(data.get("model", "")),
        frequency=str(data.get("frequency", "")),
        weekday=str(data.get("weekday", "")),
        month_day=month_day,
        collection=str(data.get("collection", "")),
        methods=tuple(m.value for m in Method if _ticked(data, f"method_{m.value}")),
        bank_only=_ticked(data, "bank_only"),
        monthly_amount=str(data.get("monthly_amount", "")),
        monthly_sessions=str(data.get("monthly_sessions", "")),
        refund_credits=_ticked(data, "refund_credits"),
        applies_to=str(data.get("applies_to", "")),
        **adjustments,
    )
    return form, errors


@dataclass(frozen=True)
class CostLine:
    label: str
    payer_pays: str
    discount: str
    cost: str


@dataclass(frozen=True)
class Costs:
    """What each method costs the practice on a typical fee."""

    sentence: str  # "A $160.00 payment: card $4.94, bank $1.28."
    lines: list[CostLine]


def costs_for(fee_cents: int, form: PolicyForm) -> Costs:
    """The cost explanation for FORM's methods and discounts (a valid form's, else none)."""
    values, errors = policies.validate_form(form)
    bank = manual = Adjustment("none", 0)
    allowed: list[str] = ["card", "bank", "manual"]
    if not errors:
        bank = Adjustment(values["bank_discount_kind"], values["bank_discount_value"])  # type: ignore[arg-type]
        manual = Adjustment(values["manual_discount_kind"], values["manual_discount_value"])  # type: ignore[arg-type]
        allowed = ["bank"] if values["bank_only"] else str(values["allowed_methods"]).split(",")
    lines = [
        CostLine(
            label=row.label,
            payer_pays=format_cents(row.payer_pays_cents),
            discount=format_cents(row.discount_cents) if row.discount_cents else "",
            cost=format_cents(row.cost_cents) if row.cost_cents else "nothing",
        )
        for row in explain_costs(fee_cents, CostRates(), bank, manual, allowed)
    ]
    return Costs(cost_sentence(fee_cents), lines)


def typical_fee(session: Session, kind: str, scope_id: int | None) -> int:
    """A fee to explain costs on: the service's own, else the most common listed fee."""
    if kind == ScopeKind.SERVICE and scope_id is not None:
        service = session.get(Service, scope_id)
        if service is not None:
            return int(service.fee_cents)
    fees = [int(f) for f in session.exec(select(Service.fee_cents)).all()]
    if not fees:
        return DEFAULT_TYPICAL_FEE
    return Counter(fees).most_common(1)[0][0]


@dataclass(frozen=True)
class OlderCase:
    """A case enrolled on an older version of this scope, for the bulk move."""

    case_id: int
    title: str
    version: int
    href: str


@dataclass(frozen=True)
class PolicyEditor:
    key: str
    kind: str
    scope_id: int | None
    kind_label: str
    name: str
    saved: bool  # the scope has a policy of its own
    version: int  # the current version (0 when none yet)
    policy_id: int | None
    summary: str
    values: dict[str, str]
    fee_cents: int
    costs: Costs
    older: list[OlderCase] = field(default_factory=list)


def _scope_policies(session: Session, kind: str, scope_id: int | None) -> list[BillingPolicy]:
    query = select(BillingPolicy).where(BillingPolicy.scope_kind == kind)
    query = query.where(
        col(BillingPolicy.scope_id).is_(None)
        if scope_id is None
        else BillingPolicy.scope_id == scope_id
    )
    return list(session.exec(query.order_by(col(BillingPolicy.version))).all())


def policy_editor(session: Session, actor: Actor, key: str) -> PolicyEditor:
    """The editor for scope KEY: prefilled from its current version, or — for a scope that has
    none yet — from the policy that covers it today (usually the practice's)."""
    actor.require(Perm.BILLING_SETTINGS)
    kind, scope_id = parse_scope_key(key)
    name = _scope_title(session, kind, scope_id)
    versions = _scope_policies(session, kind, scope_id)
    current = next((p for p in versions if p.is_current), None)
    base = current
    if base is None:
        base = policies.resolve_policy(
            session,
            location_id=scope_id if kind == ScopeKind.LOCATION else None,
            clinician_id=scope_id if kind == ScopeKind.CLINICIAN else None,
            service_id=scope_id if kind == ScopeKind.SERVICE else None,
        )
    older: list[OlderCase] = []
    if current is not None:
        old_ids = {p.id: p.version for p in versions if not p.is_current and p.id is not None}
        if old_ids:
            rows = session.exec(
                select(BillingArrangement.policy_id, Case.id, Case.title)
                .join(Case, col(Case.id) == BillingArrangement.case_id)
                .where(col(BillingArrangement.policy_id).in_(list(old_ids)))
                .order_by(col(Case.title))
            ).all()
            older = [
                OlderCase(int(cid), str(title), old_ids[pid], case_billing_url(int(cid)))  # type: ignore[arg-type]
                for pid, cid, title in rows
            ]
    values = form_values(base)
    fee = typical_fee(session, kind, scope_id)
    form, _ = form_from_values(values)
    return PolicyEditor(
        key=key,
        kind=kind,
        scope_id=scope_id,
        kind_label=SCOPE_LABELS[ScopeKind(kind)],
        name=name,
        saved=current is not None,
        version=current.version if current is not None else 0,
        policy_id=int(current.id) if current is not None and current.id else None,
        summary=policy_summary(base),
        values=values,
        fee_cents=fee,
        costs=costs_for(fee, form),
        older=older,
    )


# ---- the case's billing tab ------------------------------------------------------------------


@dataclass(frozen=True)
class PayerRow:
    name: str
    share: str
    href: str
    method: str  # the saved method auto-pay would use, or what happens instead


@dataclass(frozen=True)
class InvoiceRow:
    number: str
    period: str
    total: str
    status: str  # "open", "processing", "paid", "void"
    status_label: str  # "Processing until Dec 10, 2026"
    payer: str


@dataclass(frozen=True)
class FeeRow:
    appointment_id: int
    day: str
    label: str
    amount: str


@dataclass(frozen=True)
class MethodRow:
    label: str
    note: str  # "5% off the listed fee"


@dataclass(frozen=True)
class CaseBilling:
    case_id: int
    title: str
    kind_label: str
    summary: str
    why: list[str]
    enrolled: bool
    policy_label: str  # "the practice, version 2"
    model: str
    collection: str
    collection_note: str
    schedule: str
    next_run: str
    methods: list[MethodRow]
    payers: list[PayerRow]
    invoices: list[InvoiceRow]
    fees: list[FeeRow]
    exceptions: list[str]
    arrangement: dict[str, str]
    can_settings: bool
    can_waive: bool


def _day(d: date) -> str:
    return f"{d:%b} {d.day}, {d.year}"


def _payers(session: Session, case_id: int, collection: Collection) -> list[PayerRow]:
    rows: list[PayerRow] = []
    for payer in session.exec(
        select(CasePayer).where(CasePayer.case_id == case_id).order_by(col(CasePayer.id))
    ).all():
        if payer.client_id:
            key = f"client:{payer.client_id}"
            client = session.get(Client, payer.client_id)
            name = client.legal_name if client else key
        else:
            key = f"contact:{payer.contact_id}"
            contact = session.get(Contact, payer.contact_id)
            name = contact.full_name if contact else key
        saved = default_method(session, key)
        if collection == Collection.AUTO_PAY:
            method = (
                f"Auto-pay from {saved.label}"
                if saved is not None and saved.auto_pay
                else "No auto-pay method saved yet: gets an invoice to pay"
            )
        else:
            method = saved.label if saved is not None else "No saved method"
        share = f"{payer.share_basis_points / 100:.2f}".rstrip("0").rstrip(".") + "%"
        rows.append(PayerRow(name, share, payer_url(key), method))
    return rows


def _invoices(session: Session, case_id: int) -> list[InvoiceRow]:
    invoices = session.exec(
        select(Invoice).where(Invoice.case_id == case_id).order_by(col(Invoice.issued_on).desc())
    ).all()
    rows: list[InvoiceRow] = []
    for invoice in invoices:
        run = session.get(BillingRun, invoice.run_id) if invoice.run_id else None
        if run is not None:
            period = f"{_day(run.period_start)} – {_day(run.period_end)}"
        else:
            first, last = session.exec(
                select(
                    func.min(InvoiceLine.service_date), func.max(InvoiceLine.service_date)
                ).where(InvoiceLine.invoice_id == invoice.id)
            ).one()
            period = (
                (_day(first) if first == last and first else f"{_day(first)} – {_day(last)}")
                if first
                else "—"
            )
        status = InvoiceStatus(invoice.status)
        if status == InvoiceStatus.PROCESSING and invoice.processing_until:
            label = f"Processing until {_day(invoice.processing_until)}"
        elif status == InvoiceStatus.OPEN:
            label = f"Open, due {_day(invoice.due_on)}"
        else:
            label = status.value.capitalize()
        try:
            from practicerunner.billing.methods import payer

            who = payer(session, invoice.payer_key).name
        except NotFound:
            who = ""
        rows.append(
            InvoiceRow(
                invoice.number, period, format_cents(invoice.total_cents), status, label, who
            )
        )
    return rows


def missed_fees(session: Session, case: Case, rules: policies.Effective, zone: str) -> list[FeeRow]:
    """Missed-session fees not invoiced nor waived: charged already, or still to be charged."""
    rows: list[FeeRow] = []
    charged = {
        c.appointment_id: c
        for c in session.exec(
            select(Charge).where(
                Charge.case_id == case.id,
                col(Charge.kind).in_([ChargeKind.NO_SHOW_FEE.value, ChargeKind.LATE_CANCEL_FEE]),
            )
        ).all()
    }
    missed = session.exec(
        select(Appointment, Service.fee_cents)
        .join(Service, col(Service.id) == Appointment.service_id)
        .where(Appointment.case_id == case.id, col(Appointment.status).in_(MISSED))
        .order_by(col(Appointment.start_at))
    ).all()
    for appointment, fee in missed:
        charge = charged.get(appointment.id)
        if charge is not None:
            if charge.invoiced or charge.waived_at is not None:
                continue
            amount = charge.fee_cents
            label = CHARGE_LABELS[ChargeKind(charge.kind)]
        else:
            amount = charge_amount(
                appointment.status, session_fee(appointment, int(fee), rules), rules
            )
            label = (
                CHARGE_LABELS[ChargeKind.NO_SHOW_FEE]
                if appointment.status == AppointmentStatus.NO_SHOW
                else CHARGE_LABELS[ChargeKind.LATE_CANCEL_FEE]
            )
        if amount <= 0:
            continue
        day = appointment.start_at.astimezone(ZoneInfo(zone)).date()
        rows.append(FeeRow(int(appointment.id), _day(day), label, format_cents(amount)))  # type: ignore[arg-type]
    return rows


def _methods(rules: policies.Effective) -> list[MethodRow]:
    policy = rules.policy
    notes = {
        Method.BANK: (policy.bank_discount_kind, policy.bank_discount_value),
        Method.MANUAL: (policy.manual_discount_kind, policy.manual_discount_value),
    }
    rows: list[MethodRow] = []
    for method in rules.methods:
        kind, value = notes.get(method, ("none", 0))
        note = "" if kind == "none" else f"{adjustment_text(kind, value)} off the listed fee"
        rows.append(MethodRow(METHOD_NAMES[method], note))
    return rows


def _arrangement_values(arrangement: BillingArrangement | None) -> dict[str, str]:
    if arrangement is None:
        return {
            "model": "",
            "collection": "",
            "method_card": "",
            "method_bank": "",
            "method_manual": "",
            "bank_only_exception": "",
            "fee": "",
            "note": "",
        }
    methods = policies.methods_of(arrangement.allowed_methods or "")
    return {
        "model": arrangement.model or "",
        "collection": arrangement.collection or "",
        **{f"method_{m.value}": "yes" if m in methods else "" for m in Method},
        "bank_only_exception": "yes" if arrangement.bank_only_exception else "",
        "fee": f"{arrangement.fee_cents / 100:.2f}" if arrangement.fee_cents is not None else "",
        "note": arrangement.note,
    }


def _exceptions(arrangement: BillingArrangement | None) -> list[str]:
    if arrangement is None:
        return []
    found: list[str] = []
    if arrangement.model:
        found.append(f"Billing: {MODEL_LABELS[BillingModel(arrangement.model)]}")
    if arrangement.collection:
        found.append(f"Collection: {COLLECTION_LABELS[Collection(arrangement.collection)]}")
    if arrangement.allowed_methods:
        names = ", ".join(METHOD_NAMES[m] for m in policies.methods_of(arrangement.allowed_methods))
        found.append(f"Payment methods: {names}")
    if arrangement.bank_only_exception:
        found.append("May pay by other methods where only bank transfers are accepted")
    if arrangement.fee_cents is not None:
        found.append(f"Session fee: {format_cents(arrangement.fee_cents)}")
    if arrangement.note:
        found.append(f"Note: {arrangement.note}")
    return found


def case_billing(session: Session, actor: Actor, case_id: int) -> CaseBilling:
    """The case's billing tab: the rule that applies and why, payers, invoices, missed fees."""
    case = get_case_for(session, actor, case_id, Perm.BILLING_VIEW)
    rules = effective_for_case(session, case)
    arrangement = session.exec(
        select(BillingArrangement).where(BillingArrangement.case_id == case.id)
    ).first()
    today, zone = practice_today(session), practice_zone(session)
    schedule: BillingSchedule = rules.schedule
    upcoming = next_run(schedule, today - timedelta(days=1))
    policy = rules.policy
    scope = policies.scope_name(session, policy.scope_kind, policy.scope_id)
    return CaseBilling(
        case_id=int(case.id),  # type: ignore[arg-type]
        title=case.title,
        kind_label=KIND_LABELS.get(case.kind, case.kind),
        summary=rules.summary(),
        why=list(rules.why),
        enrolled=rules.enrolled,
        policy_label=f"{scope}, version {policy.version}",
        model=MODEL_LABELS[rules.model],
        collection=COLLECTION_LABELS[rules.collection],
        collection_note=COLLECTION_NOTES[rules.collection],
        schedule=describe_schedule(policy),
        next_run=f"{upcoming:%A}, {_day(upcoming)}",
        methods=_methods(rules),
        payers=_payers(session, int(case.id), rules.collection),  # type: ignore[arg-type]
        invoices=_invoices(session, int(case.id)),  # type: ignore[arg-type]
        fees=missed_fees(session, case, rules, zone),
        exceptions=_exceptions(arrangement),
        arrangement=_arrangement_values(arrangement),
        can_settings=actor.can(Perm.BILLING_SETTINGS),
        can_waive=_reaches(session, actor, case_id, Perm.BILLING_EDIT),
    )


def _reaches(session: Session, actor: Actor, case_id: int, perm: Perm) -> bool:
    try:
        get_case_for(session, actor, case_id, perm)
    except NotFound:
        return False
    return True
