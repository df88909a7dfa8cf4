"""Billing policies: versions per scope, which one applies to a case and why, and changing them.

The most specific current policy for a case's context wins (service, then clinician, then
location, then the practice). A case is enrolled under the version that applied when it was
first billed and keeps it — a later change for "new clients only" leaves it alone, a change
for "all" moves it, and staff can move chosen cases in bulk. Its arrangement may override the
model, collection, methods or fee for that case alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from practicerunner.billing.models import (
    SCOPE_ORDER,
    AppliesTo,
    BillingArrangement,
    BillingModel,
    BillingPolicy,
    Collection,
    Method,
    ScopeKind,
)
from practicerunner.billing.money import Adjustment, MoneyError
from practicerunner.billing.schedule import BillingSchedule, Frequency, ScheduleError
from practicerunner.clients.models import Case
from practicerunner.core import audit, clock
from practicerunner.core.errors import NotFound, ValidationFailed
from practicerunner.core.money import MoneyFormatError, format_cents, parse_dollars
from practicerunner.core.permissions import Actor, Perm
from practicerunner.practice.models import Location, Service, Staff
from practicerunner.scheduling.models import Appointment

MODEL_LABELS = {
    BillingModel.PER_SESSION: "Pay per session",
    BillingModel.PRE_BILLED: "Pre-billed",
    BillingModel.RECURRING_MONTHLY: "Recurring monthly",
}
COLLECTION_LABELS = {
    Collection.AUTO_PAY: "Auto-pay",
    Collection.AUTO_INVOICE: "Auto-invoice",
    Collection.MANUAL: "Manual",
}
METHOD_LABELS = {Method.CARD: "card", Method.BANK: "bank transfer", Method.MANUAL: "manual payment"}


def methods_of(text: str) -> tuple[Method, ...]:
    return tuple(Method(m) for m in text.split(",") if m)


def schedule_of(policy: BillingPolicy) -> BillingSchedule:
    return BillingSchedule(
        frequency=Frequency(policy.frequency), weekday=policy.weekday, month_day=policy.month_day
    )


def describe_schedule(policy: BillingPolicy) -> str:
    """'every Friday', 'every day', 'monthly on the 1st', 'monthly on the last day'."""
    text = schedule_of(policy).describe()
    return text[0].lower() + text[1:]


@dataclass(frozen=True)
class Effective:
    """The billing rules that apply to one case, and the reasons, most decisive first."""

    policy: BillingPolicy
    model: BillingModel
    collection: Collection
    methods: tuple[Method, ...]
    bank_only: bool
    fee_cents: int | None  # a case-level fee, when the arrangement sets one
    enrolled: bool
    why: tuple[str, ...] = field(default_factory=tuple)

    @property
    def schedule(self) -> BillingSchedule:
        return schedule_of(self.policy)

    def summary(self) -> str:
        """'Pay per session, auto-invoice every Friday; card, bank transfer.'"""
        methods = ", ".join(METHOD_LABELS[m] for m in self.methods)
        return (
            f"{MODEL_LABELS[self.model]}, {COLLECTION_LABELS[self.collection].lower()} "
            f"{describe_schedule(self.policy)}; {methods}."
        )


def scope_name(session: Session, kind: str, scope_id: int | None) -> str:
    """A person-readable name of a scope: 'the practice', 'location Downtown', …"""
    if kind == ScopeKind.PRACTICE:
        return "the practice"
    model = {ScopeKind.LOCATION: Location, ScopeKind.CLINICIAN: Staff, ScopeKind.SERVICE: Service}
    row = session.get(model[ScopeKind(kind)], scope_id)  # type: ignore[call-overload, arg-type]
    name = getattr(row, "name", None) or getattr(row, "full_name", None) or f"#{scope_id}"
    return f"{kind} {name}"


def _current(session: Session) -> list[BillingPolicy]:
    return list(session.exec(select(BillingPolicy).where(col(BillingPolicy.is_current))).all())


def resolve_policy(
    session: Session,
    *,
    location_id: int | None,
    clinician_id: int | None,
    service_id: int | None,
    policies: Sequence[BillingPolicy] | None = None,
) -> BillingPolicy:
    """The most specific current policy for this context (there is always a practice one)."""
    wanted = {
        ScopeKind.PRACTICE: None,
        ScopeKind.LOCATION: location_id,
        ScopeKind.CLINICIAN: clinician_id,
        ScopeKind.SERVICE: service_id,
    }
    best: BillingPolicy | None = None
    for policy in policies if policies is not None else _current(session):
        kind = ScopeKind(policy.scope_kind)
        if kind != ScopeKind.PRACTICE and (wanted[kind] is None or policy.scope_id != wanted[kind]):
            continue
        if best is None or SCOPE_ORDER.index(kind) > SCOPE_ORDER.index(ScopeKind(best.scope_kind)):
            best = policy
    if best is None:
        best = ensure_practice_policy(session)
    return best


def ensure_practice_policy(session: Session) -> BillingPolicy:
    """The practice-wide default (per session, auto-invoice every Friday), created when missing."""
    found = session.exec(
        select(BillingPolicy).where(
            BillingPolicy.scope_kind == ScopeKind.PRACTICE, col(BillingPolicy.is_current)
        )
    ).first()
    if found is not None:
        return found
    policy = BillingPolicy(scope_kind=ScopeKind.PRACTICE, weekday=4, created_at=clock.now())
    session.add(policy)
    session.flush()
    return policy


def case_context(session: Session, case: Case) -> tuple[int | None, int, int | None]:
    """(location, clinician, service) a case is billed in: its latest session's, else the case's."""
    last = session.exec(
        select(Appointment)
        .where(Appointment.case_id == case.id)
        .order_by(col(Appointment.start_at).desc())
        .limit(1)
    ).first()
    if last is None:
        return None, case.primary_clinician_id, None
    return last.location_id, last.clinician_id, last.service_id


def case_contexts(
    session: Session, cases: Sequence[Case]
) -> dict[int, tuple[int | None, int, int | None]]:
    """`case_context` for many cases: one query per 500 (the latest session of each)."""
    found: dict[int, tuple[int | None, int, int | None]] = {
        int(c.id): (None, c.primary_clinician_id, None)  # type: ignore[arg-type]
        for c in cases
    }
    ids = sorted(found)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        latest = (
            select(  # type: ignore[call-overload]
                Appointment.case_id,
                Appointment.location_id,
                Appointment.clinician_id,
                Appointment.service_id,
                func.row_number()
                .over(
                    partition_by=col(Appointment.case_id),
                    order_by=(col(Appointment.start_at).desc(), col(Appointment.id).desc()),
                )
                .label("n"),
            )
            .where(col(Appointment.case_id).in_(chunk))
            .subquery()
        )
        for case_id, location_id, clinician_id, service_id in session.execute(
            select(
                latest.c.case_id, latest.c.location_id, latest.c.clinician_id, latest.c.service_id
            ).where(latest.c.n == 1)
        ).all():
            found[int(case_id)] = (location_id, clinician_id, service_id)
    return found


def effective_for_case(session: Session, case: Case) -> Effective:
    """The rules that apply to CASE and why (its arrangement's, or what it would enrol under)."""
    arrangement = session.exec(
        select(BillingArrangement).where(BillingArrangement.case_id == case.id)
    ).first()
    if arrangement is None:
        location_id, clinician_id, service_id = case_context(session, case)
        policy = resolve_policy(
            session, location_id=location_id, clinician_id=clinician_id, service_id=service_id
        )
        why = [
            "Not billed yet: it will enrol under the policy for "
            f"{scope_name(session, policy.scope_kind, policy.scope_id)} "
            f"(version {policy.version}), "
            "the most specific one that covers its sessions."
        ]
        return _effective(policy, None, why, enrolled=False)
    pinned = session.get(BillingPolicy, arrangement.policy_id)
    if pinned is None:  # pragma: no cover - a foreign key keeps it
        raise NotFound()
    policy = pinned
    enrolled_on = arrangement.enrolled_at.date().isoformat()
    why = [
        f"Enrolled under the policy for {scope_name(session, policy.scope_kind, policy.scope_id)} "
        f"(version {policy.version}) on {enrolled_on}."
    ]
    if not policy.is_current:
        why.append(
            "That version has since been replaced for new clients; this case keeps it until "
            "someone moves it."
        )
    return _effective(policy, arrangement, why, enrolled=True)


def _effective(
    policy: BillingPolicy,
    arrangement: BillingArrangement | None,
    why: list[str],
    *,
    enrolled: bool,
) -> Effective:
    model = BillingModel(policy.model)
    collection = Collection(policy.collection)
    methods = methods_of(policy.allowed_methods)
    bank_only = policy.bank_only
    fee: int | None = None
    if arrangement is not None:
        if arrangement.model:
            model = BillingModel(arrangement.model)
            why.append(f"This case is set to {MODEL_LABELS[model].lower()}.")
        if arrangement.collection:
            collection = Collection(arrangement.collection)
            why.append(f"This case is set to {COLLECTION_LABELS[collection].lower()}.")
        if arrangement.allowed_methods:
            methods = methods_of(arrangement.allowed_methods)
            why.append("This case has its own payment methods.")
        if arrangement.fee_cents is not None:
            fee = arrangement.fee_cents
            why.append(f"This case has its own session fee of {format_cents(fee)}.")
        if bank_only and arrangement.bank_only_exception:
            bank_only = False
            if methods == (Method.BANK,):  # the exception is the point: let them use a card
                methods = (Method.CARD, Method.BANK)
            why.append("An exception lets this case pay by other methods than bank transfer.")
    if bank_only:
        methods = (Method.BANK,)
        why.append("Only bank transfers are accepted here.")
    return Effective(
        policy=policy,
        model=model,
        collection=collection,
        methods=methods,
        bank_only=bank_only,
        fee_cents=fee,
        enrolled=enrolled,
        why=tuple(why),
    )


def enroll(session: Session, case: Case) -> BillingArrangement:
    """The case's arrangement, pinning the version that applies now when it has none yet."""
    found = session.exec(
        select(BillingArrangement).where(BillingArrangement.case_id == case.id)
    ).first()
    if found is not None:
        return found
    location_id, clinician_id, service_id = case_context(session, case)
    policy = resolve_policy(
        session, location_id=location_id, clinician_id=clinician_id, service_id=service_id
    )
    now = clock.now()
    arrangement = BillingArrangement(
        case_id=int(case.id),  # type: ignore[arg-type]
        policy_id=int(policy.id),  # type: ignore[arg-type]
        enrolled_at=now,
        updated_at=now,
    )
    try:
        with session.begin_nested():
            session.add(arrangement)
    except IntegrityError:  # enrolled by a concurrent run a moment ago
        return session.exec(
            select(BillingArrangement).where(BillingArrangement.case_id == case.id)
        ).one()
    return arrangement


# ---- changing a policy -------------------------------------------------------------------


@dataclass(frozen=True)
class PolicyForm:
    """What the policy screen sends: text as typed, checked here."""

    model: str = BillingModel.PER_SESSION
    frequency: str = "weekly"
    weekday: str = "4"
    month_day: str = ""
    collection: str = Collection.AUTO_INVOICE
    methods: tuple[str, ...] = ("card", "bank", "manual")
    bank_only: bool = False
    bank_discount: str = ""  # "10%", "5.00" or empty
    manual_discount: str = ""
    no_show_fee: str = "100%"
    late_cancel_fee: str = "100%"
    monthly_amount: str = ""
    monthly_sessions: str = ""
    refund_credits: bool = False
    applies_to: str = AppliesTo.NEW_CLIENTS


def _adjustment(text: str, field_name: str, errors: dict[str, str]) -> Adjustment:
    cleaned = text.strip()
    if not cleaned:
        return Adjustment("none", 0)
    kind = "percent" if cleaned.endswith("%") else "amount"
    what = "discount" if field_name.endswith("discount") else "missed-session fee"
    try:
        return Adjustment.parse(kind, cleaned, what=what)
    except MoneyError as exc:
        errors[field_name] = str(exc)
        return Adjustment("none", 0)


def validate_form(form: PolicyForm) -> tuple[dict[str, object], dict[str, str]]:
    """The policy columns FORM asks for, and a message per bad field (none when valid)."""
    errors: dict[str, str] = {}
    values: dict[str, object] = {}
    try:
        values["model"] = BillingModel(form.model)
    except ValueError:
        errors["model"] = "Choose how this practice bills."
    try:
        values["collection"] = Collection(form.collection)
    except ValueError:
        errors["collection"] = "Choose how payments are collected."
    try:
        schedule = BillingSchedule.parse(form.frequency, form.weekday, form.month_day)
        values.update(
            frequency=schedule.frequency.value,
            weekday=schedule.weekday,
            month_day=schedule.month_day,
        )
    except ScheduleError as exc:
        errors[getattr(exc, "field", "frequency") or "frequency"] = str(exc)
    methods = [m for m in form.methods if m in {x.value for x in Method}]
    if form.bank_only and Method.BANK.value not in methods:
        methods.append(Method.BANK.value)
    if not methods:
        errors["methods"] = "Allow at least one way to pay."
    values["allowed_methods"] = ",".join(sorted(set(methods), key=[m.value for m in Method].index))
    values["bank_only"] = form.bank_only
    for name, text in (
        ("bank_discount", form.bank_discount),
        ("manual_discount", form.manual_discount),
        ("no_show_fee", form.no_show_fee),
        ("late_cancel_fee", form.late_cancel_fee),
    ):
        adj = _adjustment(text, name, errors)
        values[f"{name}_kind"] = adj.kind
        values[f"{name}_value"] = adj.value
    if values.get("model") == BillingModel.RECURRING_MONTHLY:
        try:
            amount = parse_dollars(form.monthly_amount)
            if amount <= 0:
                errors["monthly_amount"] = "Enter the monthly amount, more than zero."
            values["monthly_amount_cents"] = amount
        except MoneyFormatError as exc:
            errors["monthly_amount"] = str(exc)
        text = form.monthly_sessions.strip()
        if not text.isdigit() or not 1 <= int(text) <= 31:
            errors["monthly_sessions"] = "Enter how many sessions a month the plan covers (1–31)."
        else:
            values["monthly_sessions"] = int(text)
        if values.get("frequency") != Frequency.MONTHLY:
            errors["frequency"] = "A recurring monthly plan is billed monthly: choose the day."
    values["refund_credits"] = form.refund_credits
    try:
        values["applies_to"] = AppliesTo(form.applies_to)
    except ValueError:
        errors["applies_to"] = "Choose whether the change applies to new clients only or to all."
    return values, errors


@dataclass(frozen=True)
class CaseChange:
    """One enrolled case a policy change would move, and how."""

    case_id: int
    case_title: str
    changes: tuple[str, ...]  # "Schedule: every Friday → monthly on the 1st"


def _describe(policy: BillingPolicy) -> dict[str, str]:
    return {
        "Billing": MODEL_LABELS[BillingModel(policy.model)],
        "Collection": COLLECTION_LABELS[Collection(policy.collection)],
        "Schedule": describe_schedule(policy),
        "Methods": ", ".join(METHOD_LABELS[m] for m in methods_of(policy.allowed_methods))
        + (" (bank only)" if policy.bank_only else ""),
        "Bank discount": _adj_text(policy.bank_discount_kind, policy.bank_discount_value),
        "Manual payment discount": _adj_text(
            policy.manual_discount_kind, policy.manual_discount_value
        ),
        "Monthly amount": format_cents(policy.monthly_amount_cents)
        if policy.model == BillingModel.RECURRING_MONTHLY
        else "—",
        "Sessions in the plan": f"{policy.monthly_sessions} a month"
        if policy.model == BillingModel.RECURRING_MONTHLY
        else "—",
        "Cancelled prepaid sessions": ("refunded" if policy.refund_credits else "kept as credit")
        if policy.model == BillingModel.PRE_BILLED
        else "—",
        "No-show fee": _fee_text(policy.no_show_fee_kind, policy.no_show_fee_value),
        "Late-cancel fee": _fee_text(policy.late_cancel_fee_kind, policy.late_cancel_fee_value),
        "Card retries": str(policy.card_retries),
    }


def _fee_text(kind: str, value: int) -> str:
    """A no-show or late-cancel fee: 'none', '$50.00', '100% of the fee'."""
    text = _adj_text(kind, value)
    return f"{text} of the fee" if kind == "percent" else text


def _adj_text(kind: str, value: int) -> str:
    if kind == "amount":
        return format_cents(value)
    if kind == "percent":
        return f"{value / 100:g}%"
    return "none"


def _require_scope(session: Session, kind: str, scope_id: int | None) -> None:
    try:
        scope = ScopeKind(kind)
    except ValueError as exc:
        raise ValidationFailed({"scope": "Choose where this policy applies."}) from exc
    if scope == ScopeKind.PRACTICE:
        return
    model = {ScopeKind.LOCATION: Location, ScopeKind.CLINICIAN: Staff, ScopeKind.SERVICE: Service}
    if scope_id is None or session.get(model[scope], scope_id) is None:  # type: ignore[call-overload, arg-type]
        raise ValidationFailed({"scope": "That location, clinician or service does not exist."})


def _scope_versions(session: Session, kind: str, scope_id: int | None) -> list[BillingPolicy]:
    query = select(BillingPolicy).where(BillingPolicy.scope_kind == kind)
    query = query.where(
        col(BillingPolicy.scope_id).is_(None)
        if scope_id is None
        else BillingPolicy.scope_id == scope_id
    )
    return list(session.exec(query.order_by(col(BillingPolicy.version))).all())


DISCOUNT_WORDS = {"bank_discount": "bank transfer", "manual_discount": "manual payment"}


def _discount_errors(
    session: Session, kind: str, scope_id: int | None, values: dict[str, object]
) -> dict[str, str]:
    """An amount discount larger than a fee it would apply to: said beside the field.

    A service's policy is checked against that service's fee; any other scope against every
    active service's (the smallest fee is the one a discount would wipe out).
    """
    query = select(Service).where(col(Service.is_active))
    if kind == ScopeKind.SERVICE and scope_id is not None:
        query = select(Service).where(Service.id == scope_id)
    services = list(session.exec(query).all())
    if not services:
        return {}
    cheapest = min(services, key=lambda s: s.fee_cents)
    errors: dict[str, str] = {}
    for name, words in DISCOUNT_WORDS.items():
        if values.get(f"{name}_kind") != "amount":
            continue
        amount = int(values.get(f"{name}_value") or 0)  # type: ignore[call-overload]
        if amount > cheapest.fee_cents:
            errors[name] = (
                f"The {words} discount ({format_cents(amount)}) is larger than the fee for "
                f"{cheapest.name} ({format_cents(cheapest.fee_cents)})."
            )
    return errors


def preview_change(
    session: Session, actor: Actor, kind: str, scope_id: int | None, form: PolicyForm
) -> tuple[list[CaseChange], dict[str, str]]:
    """Which enrolled cases a change would move, and how; and the form's errors, if any.

    Nothing is written. "New clients only" moves no enrolled case; "all" moves every case
    enrolled under any version of this scope.
    """
    actor.require(Perm.BILLING_SETTINGS)
    _require_scope(session, kind, scope_id)
    values, errors = validate_form(form)
    errors = errors or _discount_errors(session, kind, scope_id, values)
    if errors:
        return [], errors
    if values["applies_to"] != AppliesTo.ALL:
        return [], {}
    proposed = BillingPolicy(
        scope_kind=kind, scope_id=scope_id, created_at=clock.now(), **_columns(values)
    )
    after = _describe(proposed)
    versions = {p.id: p for p in _scope_versions(session, kind, scope_id)}
    if not versions:
        return [], {}
    rows = session.exec(
        select(BillingArrangement, Case)
        .join(Case, col(Case.id) == BillingArrangement.case_id)
        .where(col(BillingArrangement.policy_id).in_(list(versions)))
        .order_by(col(Case.title))
    ).all()
    changes: list[CaseChange] = []
    for arrangement, case in rows:
        before = _describe(versions[arrangement.policy_id])
        diff = tuple(f"{k}: {before[k]} → {after[k]}" for k in after if before[k] != after[k])
        if diff:
            changes.append(CaseChange(int(case.id), case.title, diff))  # type: ignore[arg-type]
    return changes, {}


def _columns(values: dict[str, object]) -> dict[str, Any]:
    return {k: (v.value if hasattr(v, "value") else v) for k, v in values.items()}


def save_policy(
    session: Session, actor: Actor, kind: str, scope_id: int | None, form: PolicyForm
) -> BillingPolicy:
    """Write a new version for the scope; with "all", move its enrolled cases to it. Commits."""
    actor.require(Perm.BILLING_SETTINGS)
    _require_scope(session, kind, scope_id)
    values, errors = validate_form(form)
    errors = errors or _discount_errors(session, kind, scope_id, values)
    if errors:
        raise ValidationFailed(errors)
    versions = _scope_versions(session, kind, scope_id)
    now = clock.now()
    policy = BillingPolicy(
        scope_kind=kind,
        scope_id=None if kind == ScopeKind.PRACTICE else scope_id,
        version=(versions[-1].version + 1) if versions else 1,
        created_at=now,
        created_by_id=actor.staff_id,
        **_columns(values),
    )
    session.execute(
        update(BillingPolicy)
        .where(col(BillingPolicy.id).in_([p.id for p in versions]))
        .values(is_current=False)
    )
    session.add(policy)
    session.flush()
    moved = 0
    if values["applies_to"] == AppliesTo.ALL and versions:
        moved = _repin(session, [int(p.id) for p in versions], int(policy.id), now)  # type: ignore[arg-type]
    audit.record(
        session,
        actor,
        "billing.policy_saved",
        record_type="billing_policy",
        record_id=policy.id,
        detail={
            "scope": kind,
            "scope_id": scope_id,
            "version": policy.version,
            "applies_to": str(values["applies_to"]),
            "cases_moved": moved,
        },
    )
    session.commit()
    return policy


def _repin(session: Session, from_ids: Iterable[int], to_id: int, now: datetime) -> int:
    result = session.execute(
        update(BillingArrangement)
        .where(col(BillingArrangement.policy_id).in_(list(from_ids)))
        .values(policy_id=to_id, updated_at=now)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def move_cases(session: Session, actor: Actor, case_ids: Sequence[int], policy_id: int) -> int:
    """Move chosen cases onto a current policy version (the bulk "move these cases"). Commits."""
    actor.require(Perm.BILLING_SETTINGS)
    policy = session.get(BillingPolicy, policy_id)
    if policy is None or not policy.is_current:
        raise ValidationFailed({"policy": "Choose a current policy to move the cases to."})
    cases = session.exec(select(Case).where(col(Case.id).in_(list(case_ids)))).all()
    if len(cases) != len(set(case_ids)):
        raise ValidationFailed({"cases": "Some of those cases no longer exist."})
    now = clock.now()
    for case in cases:
        arrangement = enroll(session, case)
        arrangement.policy_id = policy_id
        arrangement.updated_at = now
        session.add(arrangement)
    audit.record(
        session,
        actor,
        "billing.cases_moved",
        record_type="billing_policy",
        record_id=policy_id,
        detail={"cases": sorted(int(c.id) for c in cases)},  # type: ignore[arg-type]
    )
    session.commit()
    return len(cases)


@dataclass(frozen=True)
class ArrangementForm:
    """A case's own billing exceptions from its billing tab ("" keeps the policy's)."""

    model: str = ""
    collection: str = ""
    methods: tuple[str, ...] = ()  # empty: the policy's methods
    bank_only_exception: bool = False
    fee: str = ""  # a case-level session fee, e.g. a sliding scale
    note: str = ""


def update_arrangement(
    session: Session, actor: Actor, case_id: int, form: ArrangementForm
) -> BillingArrangement:
    """Set a case's own exceptions to its policy (enrolling it first if needed). Commits."""
    from practicerunner.clients.access import get_case_for

    actor.require(Perm.BILLING_SETTINGS)
    case = get_case_for(session, actor, case_id, Perm.BILLING_VIEW)
    errors: dict[str, str] = {}
    model = collection = None
    if form.model:
        try:
            model = BillingModel(form.model).value
        except ValueError:
            errors["model"] = "Choose how this case is billed."
    if form.collection:
        try:
            collection = Collection(form.collection).value
        except ValueError:
            errors["collection"] = "Choose how this case pays."
    valid = [m.value for m in Method]
    if any(m not in valid for m in form.methods):
        errors["methods"] = "Choose card, bank transfer or manual payment."
    fee: int | None = None
    if form.fee.strip():
        try:
            fee = parse_dollars(form.fee)
            if fee <= 0:
                errors["fee"] = "Enter a fee more than zero, or leave it empty."
        except MoneyFormatError as exc:
            errors["fee"] = str(exc)
    if len(form.note) > 300:
        errors["note"] = "Keep the note under 300 characters."
    if errors:
        session.rollback()
        raise ValidationFailed(errors)
    arrangement = enroll(session, case)
    arrangement.model = model
    arrangement.collection = collection
    arrangement.allowed_methods = ",".join(m for m in valid if m in form.methods) or None
    arrangement.bank_only_exception = form.bank_only_exception
    arrangement.fee_cents = fee
    arrangement.note = form.note.strip()
    arrangement.updated_at = clock.now()
    session.add(arrangement)
    audit.record(
        session,
        actor,
        "billing.arrangement_saved",
        record_type="case",
        record_id=case_id,
        detail={
            "model": model,
            "collection": collection,
            "methods": arrangement.allowed_methods,
            "bank_only_exception": form.bank_only_exception,
            "fee_cents": fee,
        },
    )
    session.commit()
    return arrangement
