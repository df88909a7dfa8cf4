"""Clinician availability: weekly hours per location, dated time off and extra hours, a buffer
between sessions, and the practice's holidays.

Services are plain functions `(session, actor, …)`: schedule.edit within scope (a clinician
their own hours; the owner and the front desk anyone's), practice.manage for holidays. The
reads the calendar and the conflict check call — `available_blocks`, `outside_hours`,
`buffer_minutes` — take no actor: they answer for clinicians the caller already may see.
The arithmetic is pure and lives in `compute` (DST rules in its docstring).
"""

from practicerunner.scheduling.availability.dated import add_exception, remove_exception
from practicerunner.scheduling.availability.demo import seed_demo_availability
from practicerunner.scheduling.availability.hours import (
    MAX_BUFFER_MINUTES,
    clinician_choices,
    default_clinician_id,
    get_availability_form,
    save_weekly_hours,
    set_buffer,
)
from practicerunner.scheduling.availability.practice_holidays import (
    add_holiday,
    add_us_federal_holidays,
    federal_years,
    list_holidays,
    remove_holiday,
    us_federal_holidays,
)
from practicerunner.scheduling.availability.queries import (
    available_blocks,
    buffer_minutes,
    buffers,
    outside_hours,
)
from practicerunner.scheduling.availability.views import (
    EXCEPTION_KINDS,
    AvailabilityForm,
    ExceptionInput,
    ExceptionView,
    HolidayInput,
    HolidayView,
    HoursInput,
    HoursRow,
)

__all__ = [
    "EXCEPTION_KINDS",
    "MAX_BUFFER_MINUTES",
    "AvailabilityForm",
    "ExceptionInput",
    "ExceptionView",
    "HolidayInput",
    "HolidayView",
    "HoursInput",
    "HoursRow",
    "add_exception",
    "add_holiday",
    "add_us_federal_holidays",
    "available_blocks",
    "buffer_minutes",
    "buffers",
    "clinician_choices",
    "default_clinician_id",
    "federal_years",
    "get_availability_form",
    "list_holidays",
    "outside_hours",
    "remove_exception",
    "remove_holiday",
    "save_weekly_hours",
    "seed_demo_availability",
    "set_buffer",
    "us_federal_holidays",
]
