"""Who supervises what: an associate's supervisor(s) by default (one primary), and a case
supervised by someone else. The appointment-level override is on the appointment
(`Appointment.supervisor_override_id`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from practicerunner.core.db import UTCDateTime


class ProviderSupervisor(SQLModel, table=True):
    """Supervisor SUPERVISOR_ID supervises associate ASSOCIATE_ID by default."""

    __tablename__ = "provider_supervisor"
    __table_args__ = (
        UniqueConstraint("associate_id", "supervisor_id", name="uq_provider_supervisor"),
    )

    id: int | None = Field(default=None, primary_key=True)
    associate_id: int = Field(foreign_key="staff.id", index=True)
    supervisor_id: int = Field(foreign_key="staff.id", index=True)
    is_primary: bool = Field(default=True)


class CaseSupervisor(SQLModel, table=True):
    """This case is supervised by SUPERVISOR_ID, whoever its associate's default supervisor is
    (the middle of the three levels: provider default, case, appointment)."""

    __tablename__ = "case_supervisor"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", unique=True)
    supervisor_id: int = Field(foreign_key="staff.id", index=True)
    set_by_id: int | None = Field(default=None, foreign_key="staff.id")
    set_at: datetime = Field(sa_type=UTCDateTime)
