"""Every table, imported in one place so metadata is complete (Alembic, tests, create_all)."""

from sqlmodel import SQLModel

from practicerunner.auth.models import SignInAttempt, UserSession
from practicerunner.calendars.models import CalendarFeed
from practicerunner.clients.models import Case, CaseParticipant, CasePayer, Client, Contact
from practicerunner.core.audit import AuditEvent, AuditHead
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
from practicerunner.supervision.models import ProviderSupervisor

metadata = SQLModel.metadata

__all__ = [
    "Appointment",
    "AppointmentAttendee",
    "AppointmentSeries",
    "AuditEvent",
    "AuditHead",
    "AvailabilityException",
    "CalendarFeed",
    "CalendarItem",
    "Case",
    "CaseParticipant",
    "CasePayer",
    "Client",
    "ClinicianSettings",
    "Contact",
    "Holiday",
    "Location",
    "OutboxMessage",
    "Practice",
    "ProviderSupervisor",
    "Room",
    "Service",
    "SignInAttempt",
    "Staff",
    "StaffRole",
    "UserSession",
    "WorkingHours",
    "metadata",
]
