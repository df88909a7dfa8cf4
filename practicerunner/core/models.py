"""Every table, imported in one place so metadata is complete (Alembic, tests, create_all)."""

from sqlmodel import SQLModel

from practicerunner.auth.models import SignInAttempt, UserSession
from practicerunner.clients.models import Case, CaseParticipant, CasePayer, Client, Contact
from practicerunner.core.audit import AuditEvent, AuditHead
from practicerunner.practice.models import Location, Practice, Service, Staff, StaffRole
from practicerunner.supervision.models import ProviderSupervisor

metadata = SQLModel.metadata

__all__ = [
    "AuditEvent",
    "AuditHead",
    "Case",
    "CaseParticipant",
    "CasePayer",
    "Client",
    "Contact",
    "Location",
    "Practice",
    "ProviderSupervisor",
    "Service",
    "SignInAttempt",
    "Staff",
    "StaffRole",
    "UserSession",
    "metadata",
]
