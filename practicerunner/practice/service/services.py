"""Services and fees: what clients book, how long it lasts, what it costs, its CPT code."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from practicerunner.core import validation as v
from practicerunner.core.money import cents_to_input, format_cents
from practicerunner.core.permissions import Actor, Perm
from practicerunner.practice.models import Service, ServiceKind
from practicerunner.practice.service.form_values import TextForm
from practicerunner.practice.service.named_records import (
    create_row,
    get_row,
    list_rows,
    name_taken,
    set_row_active,
    update_row,
)

SERVICE_KINDS: list[tuple[str, str]] = [
    (ServiceKind.THERAPY.value, "Therapy"),
    (ServiceKind.CONSULTATION.value, "Consultation"),
]

_DUPLICATE_NAME = "Another service already has this name."


@dataclass(frozen=True)
class ServiceInput(TextForm):
    """The service form; FEE is dollars as typed ("150", "150.00")."""

    name: str = ""
    kind: str = ""
    duration_minutes: str = ""
    fee: str = ""
    cpt_code: str = ""


@dataclass(frozen=True)
class ServiceView:
    id: int
    name: str
    kind: str
    kind_label: str
    duration_minutes: int
    fee_cents: int
    fee: str  # for the edit form: 160.00
    fee_display: str  # for lists: $160.00
    cpt_code: str
    is_active: bool


def _service_view(s: Service) -> ServiceView:
    assert s.id is not None
    return ServiceView(
        id=s.id,
        name=s.name,
        kind=s.kind,
        kind_label=dict(SERVICE_KINDS).get(s.kind, s.kind),
        duration_minutes=s.duration_minutes,
        fee_cents=s.fee_cents,
        fee=cents_to_input(s.fee_cents),
        fee_display=format_cents(s.fee_cents),
        cpt_code=s.cpt_code or "",
        is_active=s.is_active,
    )


def list_services(session: Session, actor: Actor) -> list[ServiceView]:
    """Every service, active ones first, by name."""
    actor.require(Perm.PRACTICE_MANAGE)
    return [_service_view(r) for r in list_rows(session, Service)]


def _validate_service(
    session: Session, data: ServiceInput, service_id: int | None
) -> dict[str, Any]:
    errors = v.Errors()
    name = errors.check("name", v.required, data.name, "Name", 120)
    kind = errors.check("kind", v.choice, data.kind, ServiceKind, "Kind")
    duration = errors.check(
        "duration_minutes", v.whole_number, data.duration_minutes, "Duration", 5, 480
    )
    fee_cents = errors.check("fee", v.fee, data.fee)
    cpt: str | None = None
    if kind == ServiceKind.THERAPY:
        if not data.cpt_code.strip():
            errors.add("cpt_code", "A therapy service needs a CPT code, like 90837.")
        else:
            cpt = errors.check("cpt_code", v.cpt_code, data.cpt_code)
    elif kind == ServiceKind.CONSULTATION and data.cpt_code.strip():
        errors.add("cpt_code", "A consultation is not billed with a CPT code; leave this empty.")
    if name and name_taken(session, Service, name, service_id):
        errors.add("name", _DUPLICATE_NAME)
    errors.raise_if_any()
    return {
        "name": name,
        "kind": kind.value,
        "duration_minutes": duration,
        "fee_cents": fee_cents,
        "cpt_code": cpt,
    }


def create_service(session: Session, actor: Actor, data: ServiceInput) -> ServiceView:
    """Add a service with its fee."""
    actor.require(Perm.PRACTICE_MANAGE)
    values = _validate_service(session, data, None)
    service = create_row(
        session, actor, Service, values, record_type="service", duplicate_name=_DUPLICATE_NAME
    )
    return _service_view(service)


def update_service(
    session: Session, actor: Actor, service_id: int, data: ServiceInput
) -> ServiceView:
    """Save changes to a service (new fees apply to sessions booked from now on)."""
    actor.require(Perm.PRACTICE_MANAGE)
    service = get_row(session, Service, service_id, "service")
    values = _validate_service(session, data, service_id)
    update_row(
        session, actor, service, values, record_type="service", duplicate_name=_DUPLICATE_NAME
    )
    return _service_view(service)


def set_service_active(
    session: Session, actor: Actor, service_id: int, active: bool
) -> ServiceView:
    """Retire a service (it stays on past appointments) or bring it back."""
    actor.require(Perm.PRACTICE_MANAGE)
    service = get_row(session, Service, service_id, "service")
    set_row_active(session, actor, service, active, record_type="service")
    return _service_view(service)
