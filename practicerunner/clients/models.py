"""Clients, contacts and cases."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from practicerunner.core.db import UTCDateTime


class ClientStatus(StrEnum):
    PROSPECTIVE = "prospective"
    ACTIVE = "active"
    DISCHARGED = "discharged"


class ContactRelationship(StrEnum):
    BILLING = "billing"
    GUARDIAN = "guardian"
    EMERGENCY = "emergency"


class CaseKind(StrEnum):
    INDIVIDUAL = "individual"
    COUPLE = "couple"
    FAMILY = "family"
    GROUP = "group"
    CONSULTATION = "consultation"


class ParticipantRole(StrEnum):
    CLIENT = "client"
    PARTNER = "partner"
    PARENT = "parent"
    CHILD = "child"
    MEMBER = "member"


class CaseStatus(StrEnum):
    ACTIVE = "active"
    CLOSED = "closed"


class Client(SQLModel, table=True):
    """A person receiving care."""

    __table_args__ = (
        Index("ix_client_name_dob", "last_name_key", "first_name_key", "date_of_birth"),
    )

    id: int | None = Field(default=None, primary_key=True)
    legal_first_name: str = Field(max_length=100)
    legal_last_name: str = Field(max_length=100)
    preferred_name: str = Field(default="", max_length=100)
    pronouns: str = Field(default="", max_length=40)
    date_of_birth: date
    email: str = Field(default="", max_length=254, index=True)  # lower-case
    phone: str = Field(default="", max_length=32)  # E.164, e.g. +15035550142
    address_line1: str = Field(default="", max_length=200)
    address_line2: str = Field(default="", max_length=200)
    city: str = Field(default="", max_length=100)
    state: str = Field(default="", max_length=2)
    postal_code: str = Field(default="", max_length=10)
    status: str = Field(default=ClientStatus.ACTIVE, max_length=20, index=True)
    clinician_id: int | None = Field(default=None, foreign_key="staff.id", index=True)
    portal_access: bool = Field(default=False)
    # The client asked not to get appointment reminders (confirmations still go).
    reminders_opt_out: bool = Field(default=False)
    # Lower-cased, accent-free keys for duplicate checks and search.
    first_name_key: str = Field(max_length=100)
    last_name_key: str = Field(max_length=100)
    search_text: str = Field(max_length=700)  # names, email and phone digits, lower-case
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)

    def refresh_keys(self) -> None:
        """Recompute the matching and search keys from the names, email and phone."""
        from practicerunner.core.validation import name_key

        self.first_name_key = name_key(self.legal_first_name)
        self.last_name_key = name_key(self.legal_last_name)
        digits = "".join(c for c in self.phone if c.isdigit())
        national = digits[1:] if len(digits) == 11 and digits.startswith("1") else digits
        self.search_text = " ".join(
            part
            for part in (
                self.first_name_key,
                self.last_name_key,
                name_key(self.preferred_name),
                self.email.lower(),
                national,
            )
            if part
        )[:700]

    @property
    def display_name(self) -> str:
        """Preferred first name (if any) and legal last name."""
        return f"{self.preferred_name or self.legal_first_name} {self.legal_last_name}"

    @property
    def legal_name(self) -> str:
        return f"{self.legal_first_name} {self.legal_last_name}"


class Contact(SQLModel, table=True):
    """Someone who is not a client: billing contact, guardian or emergency contact."""

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id", index=True)
    relationship: str = Field(max_length=20)  # ContactRelationship
    first_name: str = Field(max_length=100)
    last_name: str = Field(max_length=100)
    email: str = Field(default="", max_length=254)
    phone: str = Field(default="", max_length=32)
    address_line1: str = Field(default="", max_length=200)
    address_line2: str = Field(default="", max_length=200)
    city: str = Field(default="", max_length=100)
    state: str = Field(default="", max_length=2)
    postal_code: str = Field(default="", max_length=10)
    portal_access: bool = Field(default=False)
    is_active: bool = Field(default=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Case(SQLModel, table=True):
    """A treatment relationship: the unit of care that appointments, notes and bills hang off."""

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20)  # CaseKind
    title: str = Field(max_length=200)
    status: str = Field(default=CaseStatus.ACTIVE, max_length=20, index=True)
    primary_clinician_id: int = Field(foreign_key="staff.id", index=True)
    opened_on: date
    closed_on: date | None = None
    # Clinical text: never shown to schedulers or billers, never sent anywhere.
    presenting_concern: str = Field(default="", max_length=4000)
    # Appointment notices also go to the attending clients' guardians (minors).
    notify_guardians: bool = Field(default=False)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class CaseParticipant(SQLModel, table=True):
    """A client taking part in a case, with their role."""

    __tablename__ = "case_participant"
    __table_args__ = (UniqueConstraint("case_id", "client_id", name="uq_case_participant"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    client_id: int = Field(foreign_key="client.id", index=True)
    role: str = Field(max_length=20)  # ParticipantRole
    attends: bool = Field(default=True)


class CasePayer(SQLModel, table=True):
    """Who pays for a case, and which share: a participant or a contact, never both."""

    __tablename__ = "case_payer"
    __table_args__ = (
        CheckConstraint(
            "(client_id IS NULL) <> (contact_id IS NULL)", name="ck_case_payer_one_party"
        ),
        CheckConstraint(
            "share_basis_points > 0 AND share_basis_points <= 10000", name="ck_case_payer_share"
        ),
        UniqueConstraint("case_id", "client_id", name="uq_case_payer_client"),
        UniqueConstraint("case_id", "contact_id", name="uq_case_payer_contact"),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    client_id: int | None = Field(default=None, foreign_key="client.id", index=True)
    contact_id: int | None = Field(default=None, foreign_key="contact.id", index=True)
    # Shares in hundredths of a percent: 5000 is 50%, all of a case's payers sum to 10000.
    share_basis_points: int
