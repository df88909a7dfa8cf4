"""Provider-level supervision: an associate's supervisor(s), one of them primary."""

from __future__ import annotations

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel


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
