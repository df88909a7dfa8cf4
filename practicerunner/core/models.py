"""Every table, imported in one place so metadata is complete (Alembic, tests, create_all)."""

from sqlmodel import SQLModel

from practicerunner.auth.models import SignInAttempt, UserSession
from practicerunner.billing.gateways.simulated_models import (
    SimCustomer,
    SimMethod,
    SimPayment,
    SimRefund,
    SimSetup,
)
from practicerunner.billing.models import (
    BillingArrangement,
    BillingPolicy,
    BillingRun,
    Charge,
    GatewayCustomer,
    Invoice,
    InvoiceLine,
    LedgerEntry,
    PayerMethod,
    PaymentAttempt,
    WebhookEvent,
)
from practicerunner.calendars.models import CalendarFeed
from practicerunner.clients.models import Case, CaseParticipant, CasePayer, Client, Contact
from practicerunner.core.audit import AuditEvent, AuditHead
from practicerunner.documentation.measure_records import MeasureResult
from practicerunner.documentation.models import (
    CaseDiagnosis,
    ClinicalNote,
    NoteAddendum,
    NoteVersion,
)
from practicerunner.documentation.plans import TreatmentPlan, TreatmentPlanSigned
from practicerunner.documentation.template_models import PracticeTemplate
from practicerunner.messaging.models import OutboxMessage
from practicerunner.practice.models import Location, Practice, Service, Staff, StaffRole
from practicerunner.scheduling.models import (
    Appointment,
    AppointmentAttendee,
    AppointmentSeries,
    AvailabilityException,
    CalendarItem,
    ClinicianSettings,
    Holiday,
    Room,
    WorkingHours,
)
from practicerunner.supervision.models import CaseSupervisor, ProviderSupervisor

metadata = SQLModel.metadata

__all__ = [
    "Appointment",
    "AppointmentAttendee",
    "AppointmentSeries",
    "AuditEvent",
    "AuditHead",
    "AvailabilityException",
    "BillingArrangement",
    "BillingPolicy",
    "BillingRun",
    "CalendarFeed",
    "CalendarItem",
    "Case",
    "CaseDiagnosis",
    "CaseParticipant",
    "CasePayer",
    "CaseSupervisor",
    "Charge",
    "Client",
    "ClinicalNote",
    "ClinicianSettings",
    "Contact",
    "GatewayCustomer",
    "Holiday",
    "Invoice",
    "InvoiceLine",
    "LedgerEntry",
    "Location",
    "MeasureResult",
    "NoteAddendum",
    "NoteVersion",
    "OutboxMessage",
    "PayerMethod",
    "PaymentAttempt",
    "Practice",
    "PracticeTemplate",
    "ProviderSupervisor",
    "Room",
    "Service",
    "SignInAttempt",
    "SimCustomer",
    "SimMethod",
    "SimPayment",
    "SimRefund",
    "SimSetup",
    "Staff",
    "StaffRole",
    "TreatmentPlan",
    "TreatmentPlanSigned",
    "UserSession",
    "WebhookEvent",
    "WorkingHours",
    "metadata",
]
