"""Availability, appointments, recurring series and other calendar items.

Times are UTC instants in the database (`UTCDateTime`); weekly hours are local wall times in
the practice's timezone, because "Tuesdays 9 to 5" means 9 on the office clock all year.
"""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum

from sqlalchemy import CheckConstraint, DateTime, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from practicerunner.core.db import UTCDateTime


class AppointmentStatus(StrEnum):
    SCHEDULED = "scheduled"
    ATTENDED = "attended"
    NO_SHOW = "no_show"
    LATE_CANCELLED = "late_cancelled"
    CANCELLED_CLIENT = "cancelled_client"
    CANCELLED_PRACTICE = "cancelled_practice"


# Statuses that hold the clinician's, the clients' and the room's time. A late cancel frees
# the slot for someone else (the fee is still charged); a no-show happened in the past.
BLOCKING_STATUSES: tuple[str, ...] = (
    AppointmentStatus.SCHEDULED.value,
    AppointmentStatus.ATTENDED.value,
    AppointmentStatus.NO_SHOW.value,
)


class CalendarItemKind(StrEnum):
    SUPERVISION = "supervision"
    ADMIN = "admin"
    PERSONAL = "personal"


class ExceptionKind(StrEnum):
    TIME_OFF = "time_off"  # not available (the whole day, or the hours given)
    EXTRA = "extra"  # available on top of the weekly hours


class Room(SQLModel, table=True):
    """A bookable room at an office location; two sessions cannot share it at once."""

    __table_args__ = (UniqueConstraint("location_id", "name", name="uq_room_location_name"),)

    id: int | None = Field(default=None, primary_key=True)
    location_id: int = Field(foreign_key="location.id", index=True)
    name: str = Field(max_length=80)
    is_active: bool = Field(default=True)


class ClinicianSettings(SQLModel, table=True):
    """A clinician's scheduling preferences: the buffer kept free between sessions."""

    __tablename__ = "clinician_settings"

    staff_id: int = Field(foreign_key="staff.id", primary_key=True)
    buffer_minutes: int = Field(default=0)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class WorkingHours(SQLModel, table=True):
    """One weekly block of availability: a weekday, local start and end, at a location."""

    __tablename__ = "working_hours"
    __table_args__ = (
        CheckConstraint("weekday >= 0 AND weekday <= 6", name="ck_working_hours_weekday"),
        CheckConstraint("end_time > start_time", name="ck_working_hours_order"),
    )

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    location_id: int = Field(foreign_key="location.id")
    weekday: int  # Monday 0 … Sunday 6
    start_time: time
    end_time: time


class AvailabilityException(SQLModel, table=True):
    """A dated change to the weekly hours: time off, or extra hours."""

    __tablename__ = "availability_exception"
    __table_args__ = (Index("ix_availability_exception_staff_day", "staff_id", "on_date"),)

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff.id")
    on_date: date
    kind: str = Field(max_length=20)  # ExceptionKind
    # Both empty: the whole day. Extra hours always have both.
    start_time: time | None = None
    end_time: time | None = None
    location_id: int | None = Field(default=None, foreign_key="location.id")
    note: str = Field(default="", max_length=200)  # e.g. "Conference"; never clinical


class Holiday(SQLModel, table=True):
    """A day the practice is closed."""

    id: int | None = Field(default=None, primary_key=True)
    on_date: date = Field(unique=True)
    name: str = Field(max_length=120)


class AppointmentSeries(SQLModel, table=True):
    """A recurring session: the rule (see scheduling.recurrence) and what each session books.

    Sessions are materialised as Appointment rows up to a rolling horizon; the worker extends
    it. `next_index` is the first occurrence index not yet materialised, so extending is
    idempotent: (series_id, occurrence_index) is unique on appointment.
    """

    __tablename__ = "appointment_series"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    clinician_id: int = Field(foreign_key="staff.id", index=True)
    service_id: int = Field(foreign_key="service.id")
    location_id: int = Field(foreign_key="location.id")
    room_id: int | None = Field(default=None, foreign_key="room.id")
    attendee_ids: str = Field(max_length=400)  # comma-separated client ids
    fee_override_cents: int | None = None
    supervisor_override_id: int | None = Field(default=None, foreign_key="staff.id")
    # The rule, as scheduling.recurrence.Recurrence holds it.
    frequency: str = Field(max_length=24)
    # Naive local wall time of the first session (plain DateTime: no timezone on purpose).
    start_local: datetime = Field(sa_type=DateTime(timezone=False))
    timezone: str = Field(max_length=64)
    duration_minutes: int
    until: date | None = None
    count: int | None = None
    monthly_week: int | None = None
    monthly_day: int | None = None
    next_index: int = Field(default=0)
    materialised_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    is_open: bool = Field(default=True, index=True)  # False once every session exists
    created_at: datetime = Field(sa_type=UTCDateTime)
    created_by_id: int | None = Field(default=None, foreign_key="staff.id")


class Appointment(SQLModel, table=True):
    """One session on the calendar."""

    __table_args__ = (
        CheckConstraint("end_at > start_at", name="ck_appointment_order"),
        UniqueConstraint("series_id", "occurrence_index", name="uq_appointment_occurrence"),
        Index("ix_appointment_clinician_start", "clinician_id", "start_at"),
        Index("ix_appointment_room_start", "room_id", "start_at"),
        Index("ix_appointment_case_start", "case_id", "start_at"),
        # Reminders look for scheduled sessions by time alone. Partial, so the planner does
        # not prefer it over the clinician/room/attendee indexes for long windows.
        Index(
            "ix_appointment_start_scheduled",
            "start_at",
            postgresql_where=text("status = 'scheduled'"),
            sqlite_where=text("status = 'scheduled'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id")
    clinician_id: int = Field(foreign_key="staff.id")
    service_id: int = Field(foreign_key="service.id")
    location_id: int = Field(foreign_key="location.id")
    room_id: int | None = Field(default=None, foreign_key="room.id")
    start_at: datetime = Field(sa_type=UTCDateTime)
    end_at: datetime = Field(sa_type=UTCDateTime)
    status: str = Field(default=AppointmentStatus.SCHEDULED, max_length=24)
    status_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    status_by_id: int | None = Field(default=None, foreign_key="staff.id")
    status_reason: str = Field(default="", max_length=300)
    fee_override_cents: int | None = None
    supervisor_override_id: int | None = Field(default=None, foreign_key="staff.id")
    series_id: int | None = Field(default=None, foreign_key="appointment_series.id")
    occurrence_index: int | None = None
    # Set when staff deliberately double-book: the reason is shown and audited.
    conflict_override_reason: str = Field(default="", max_length=300)
    # Raised on every change that a calendar app must see (ICS SEQUENCE).
    sequence: int = Field(default=0)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    created_by_id: int | None = Field(default=None, foreign_key="staff.id")


class AppointmentAttendee(SQLModel, table=True):
    """A case participant who attends this appointment (one partner may attend alone)."""

    __tablename__ = "appointment_attendee"
    __table_args__ = (Index("ix_appointment_attendee_client", "client_id", "appointment_id"),)

    appointment_id: int = Field(foreign_key="appointment.id", primary_key=True)
    client_id: int = Field(foreign_key="client.id", primary_key=True)


class CalendarItem(SQLModel, table=True):
    """Time that is not a session: supervision, admin, personal. Blocks availability."""

    __tablename__ = "calendar_item"
    __table_args__ = (
        CheckConstraint("end_at > start_at", name="ck_calendar_item_order"),
        Index("ix_calendar_item_staff_start", "staff_id", "start_at"),
        Index("ix_calendar_item_with_start", "with_staff_id", "start_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff.id")
    # The other person in a supervision meeting: it blocks their time too.
    with_staff_id: int | None = Field(default=None, foreign_key="staff.id")
    kind: str = Field(max_length=20)  # CalendarItemKind
    title: str = Field(default="", max_length=120)  # shown to the practice; never clinical
    start_at: datetime = Field(sa_type=UTCDateTime)
    end_at: datetime = Field(sa_type=UTCDateTime)
    is_cancelled: bool = Field(default=False)
    sequence: int = Field(default=0)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    created_by_id: int | None = Field(default=None, foreign_key="staff.id")
