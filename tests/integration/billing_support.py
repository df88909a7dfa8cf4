"""Shared set-up for the billing tests: sessions on given local days, payers, policies."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from practicerunner.billing.models import Invoice, InvoiceLine, LedgerEntry
from practicerunner.clients.models import Case, CaseParticipant, CasePayer, Client, Contact
from practicerunner.core import clock
from practicerunner.scheduling.models import Appointment, AppointmentAttendee
from tests.personas import Personas, add_client

LA = ZoneInfo("America/Los_Angeles")


def seen(
    session: Session,
    people: Personas,
    case: Case,
    day: date,
    hour: int,
    status: str = "attended",
    *,
    fee_cents: int | None = None,
    clinician_id: int | None = None,
    location_id: int | None = None,
) -> Appointment:
    """A 53-minute session of CASE at HOUR local time on DAY, already in STATUS."""
    start = datetime.combine(day, time(hour), LA)
    now = clock.now()
    appointment = Appointment(
        case_id=int(case.id),  # type: ignore[arg-type]
        clinician_id=clinician_id or case.primary_clinician_id,
        service_id=int(people.service.id),  # type: ignore[union-attr, arg-type]
        location_id=location_id or int(people.location.id),  # type: ignore[union-attr, arg-type]
        start_at=start,
        end_at=start + timedelta(minutes=53),
        status=status,
        fee_override_cents=fee_cents,
        created_at=now,
        updated_at=now,
    )
    session.add(appointment)
    session.flush()
    for (client_id,) in session.execute(
        select(CaseParticipant.client_id).where(CaseParticipant.case_id == case.id)
    ).all():
        session.add(AppointmentAttendee(appointment_id=appointment.id, client_id=client_id))  # type: ignore[arg-type]
    session.commit()
    return appointment


def couple_with_contact(
    session: Session, people: Personas, *, contact_pays: bool = True
) -> tuple[Case, Client, Client, Contact | None]:
    """The Lees' couple case; a third-party billing contact pays everything, or they split 50/50."""
    clinician = people.staff["clinician"]
    a = add_client(
        session, "Jordan", "Lee", date(1985, 5, 1), clinician, email="jordan@example.com"
    )
    b = add_client(session, "Alex", "Lee", date(1986, 6, 2), clinician, email="alex@example.com")
    now = clock.now()
    case = Case(
        kind="couple",
        title="Lee couple",
        primary_clinician_id=int(clinician.id),  # type: ignore[arg-type]
        opened_on=now.date(),
        presenting_concern="Conflict about money",
        created_at=now,
        updated_at=now,
    )
    session.add(case)
    session.flush()
    for client in (a, b):
        session.add(CaseParticipant(case_id=case.id, client_id=client.id, role="partner"))  # type: ignore[arg-type]
    contact: Contact | None = None
    if contact_pays:
        contact = Contact(
            client_id=int(a.id),  # type: ignore[arg-type]
            first_name="Pat",
            last_name="Morgan",
            relationship="billing",
            email="pat@example.com",
            created_at=now,
            updated_at=now,
        )
        session.add(contact)
        session.flush()
        session.add(CasePayer(case_id=case.id, contact_id=contact.id, share_basis_points=10000))  # type: ignore[arg-type]
    else:
        for client in (a, b):
            session.add(CasePayer(case_id=case.id, client_id=client.id, share_basis_points=5000))  # type: ignore[arg-type]
    session.commit()
    return case, a, b, contact


def invoices_of(session: Session, case: Case) -> list[Invoice]:
    return list(
        session.exec(
            select(Invoice).where(Invoice.case_id == case.id).order_by(col(Invoice.id))
        ).all()
    )


def lines_of(session: Session, invoice: Invoice) -> list[InvoiceLine]:
    return list(
        session.exec(
            select(InvoiceLine)
            .where(InvoiceLine.invoice_id == invoice.id)
            .order_by(col(InvoiceLine.id))
        ).all()
    )


def balance(session: Session, payer_key: str) -> int:
    return sum(
        e.amount_cents
        for e in session.exec(select(LedgerEntry).where(LedgerEntry.payer_key == payer_key)).all()
    )


def invoiced_with_link(session: Session, people: Personas, **policy: object) -> tuple[Invoice, str]:
    """A weekly auto-invoice run on Friday 4 December 2026 bills two $160 sessions of Carl's
    client; the invoice (detached) and the pay-link token its email carries."""
    import re

    from practicerunner.billing.policies import PolicyForm, save_policy
    from practicerunner.billing.runs import run_billing
    from practicerunner.messaging.models import OutboxMessage

    save_policy(session, people.owner, "practice", None, PolicyForm(weekday="4", **policy))  # type: ignore[arg-type]
    case = people.cases["clinician"]
    seen(session, people, case, date(2026, 12, 1), 9)
    seen(session, people, case, date(2026, 12, 2), 9)
    run_billing(session, date(2026, 12, 4))
    [invoice] = invoices_of(session, case)
    body = session.exec(select(OutboxMessage.body_text)).one()
    token = re.search(r"/pay/(\S+)", body).group(1)  # type: ignore[union-attr]
    session.expunge(invoice)
    session.rollback()
    return invoice, token
