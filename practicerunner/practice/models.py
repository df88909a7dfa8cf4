"""Practice, locations, services, staff and their roles."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from practicerunner.core.db import UTCDateTime


class LocationKind(StrEnum):
    OFFICE = "office"
    TELEHEALTH = "telehealth"


class ServiceKind(StrEnum):
    THERAPY = "therapy"
    CONSULTATION = "consultation"


class Practice(SQLModel, table=True):
    """The practice this installation runs (one per installation)."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    timezone: str = Field(max_length=64, default="America/New_York")
    phone: str = Field(max_length=32, default="")
    email: str = Field(max_length=254, default="")
    address_line1: str = Field(max_length=200, default="")
    address_line2: str = Field(max_length=200, default="")
    city: str = Field(max_length=100, default="")
    state: str = Field(max_length=2, default="")
    postal_code: str = Field(max_length=10, default="")
    npi: str = Field(max_length=10, default="")
    tax_id: str = Field(max_length=10, default="")
    # Scheduling: a cancel closer than this to the start is a late cancel (fee may apply).
    late_cancel_hours: int = Field(default=24)
    # Reminders go this many hours before a session; 0 turns reminders off.
    reminder_hours: int = Field(default=24)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class Location(SQLModel, table=True):
    """Where sessions happen: an office, or telehealth."""

    __table_args__ = (UniqueConstraint("name", name="uq_location_name"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    kind: str = Field(max_length=20)  # LocationKind
    place_of_service: str = Field(max_length=2)  # CMS place-of-service code, e.g. 11, 02, 10
    address_line1: str = Field(max_length=200, default="")
    address_line2: str = Field(max_length=200, default="")
    city: str = Field(max_length=100, default="")
    state: str = Field(max_length=2, default="")
    postal_code: str = Field(max_length=10, default="")
    is_active: bool = Field(default=True)
    created_at: datetime = Field(sa_type=UTCDateTime)


class Service(SQLModel, table=True):
    """What is booked and billed."""

    __table_args__ = (UniqueConstraint("name", name="uq_service_name"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    kind: str = Field(max_length=20)  # ServiceKind
    duration_minutes: int
    fee_cents: int
    cpt_code: str | None = Field(default=None, max_length=5)
    is_active: bool = Field(default=True)
    created_at: datetime = Field(sa_type=UTCDateTime)


class Staff(SQLModel, table=True):
    """A person who signs in to the practice's side of PracticeRunner."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True)  # stored lower-case
    full_name: str = Field(max_length=200)
    credentials: str = Field(max_length=60, default="")  # e.g. "LMFT", "AMFT"
    license_type: str = Field(max_length=60, default="")
    license_number: str = Field(max_length=40, default="")
    npi: str = Field(max_length=10, default="")
    phone: str = Field(max_length=32, default="")
    password_hash: str = Field(max_length=255)
    is_active: bool = Field(default=True, index=True)
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(sa_type=UTCDateTime)
    deactivated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class StaffRole(SQLModel, table=True):
    """One role held by a staff member; roles add up."""

    __tablename__ = "staff_role"
    __table_args__ = (UniqueConstraint("staff_id", "role", name="uq_staff_role"),)

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    role: str = Field(max_length=20)  # core.permissions.Role
