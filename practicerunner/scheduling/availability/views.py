"""What the availability screens send and show: string inputs and plain view models."""

from __future__ import annotations

from dataclasses import dataclass

from practicerunner.practice.service.form_values import TextForm
from practicerunner.scheduling.models import ExceptionKind
from practicerunner.scheduling.views import Choice

EXCEPTION_KINDS: list[tuple[str, str]] = [
    (ExceptionKind.TIME_OFF.value, "Time off"),
    (ExceptionKind.EXTRA.value, "Extra hours"),
]


@dataclass(frozen=True)
class HoursInput:
    """One row of the weekly hours editor, as typed: weekday 0-6 (Monday 0), HH:MM, a location."""

    weekday: str = ""
    start: str = ""
    end: str = ""
    location_id: str = ""


@dataclass(frozen=True)
class HoursRow:
    """One saved block of weekly hours."""

    weekday: int
    start: str  # "09:00"
    end: str  # "17:00"
    location_id: int
    location_name: str


@dataclass(frozen=True)
class ExceptionInput(TextForm):
    """The time-off / extra-hours form. Time off with both times empty is the whole day."""

    kind: str = ""
    on_date: str = ""  # YYYY-MM-DD, a local date
    start: str = ""
    end: str = ""
    location_id: str = ""  # extra hours only
    note: str = ""


@dataclass(frozen=True)
class ExceptionView:
    id: int
    on_date: str  # YYYY-MM-DD
    date_label: str  # "Tuesday 3 March"
    kind: str
    kind_label: str  # "Time off" / "Extra hours"
    hours_label: str  # "All day" / "1:00 – 3:00 pm"
    location_name: str  # extra hours only
    note: str


@dataclass(frozen=True)
class AvailabilityForm:
    """One clinician's availability as the Availability page shows it."""

    staff_id: int
    staff_name: str
    can_edit: bool  # whether the viewer may change it
    hours: list[HoursRow]
    weekly_total_label: str  # "38 hours a week"; "" when no hours are set
    buffer_minutes: int
    exceptions: list[ExceptionView]  # from today on, by date
    locations: list[Choice]  # active locations, and any retired one the hours still name
    timezone: str  # "America/Los_Angeles"


@dataclass(frozen=True)
class HolidayInput(TextForm):
    on_date: str = ""
    name: str = ""


@dataclass(frozen=True)
class HolidayView:
    id: int
    on_date: str
    date_label: str  # "Thursday 26 November 2026"
    name: str
