"""What the scheduling screens send and show: plain inputs and view models, never ORM rows.

Inputs are strings as the browser sends them; the service parses and re-checks all of it.
Times in views are ISO-8601 strings with offset, in the practice's timezone.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class AppointmentInput:
    """The booking form. `date` + `start_time` are local to the practice (YYYY-MM-DD, HH:MM)."""

    case_id: str = ""
    service_id: str = ""
    clinician_id: str = ""
    location_id: str = ""
    room_id: str = ""
    date: str = ""
    start_time: str = ""
    duration_minutes: str = ""  # empty: the service's duration
    attendee_ids: list[str] = field(default_factory=list)  # client ids; empty: every participant
    fee_override: str = ""  # dollars, e.g. "120.00"; empty: the service fee
    supervisor_override_id: str = ""
    # Repeat: "" (once), or a scheduling.recurrence.Frequency value.
    repeat: str = ""
    repeat_end: str = "never"  # "never" | "until" | "count"
    repeat_until: str = ""  # YYYY-MM-DD
    repeat_count: str = ""
    # A reason given to book despite a conflict or outside working hours (audited).
    override_reason: str = ""


@dataclass
class Choice:
    value: str
    label: str


@dataclass
class AppointmentForm:
    """Options for the booking form and its starting values."""

    cases: list[Choice]
    services: list[Choice]
    clinicians: list[Choice]
    locations: list[Choice]
    rooms: list[Choice]  # value "room_id", label "Office name — Room"
    supervisors: list[Choice]
    values: AppointmentInput


@dataclass
class CalendarEvent:
    """One block on the calendar grid.

    `id` is "a<appointment id>" for a session, "i<item id>" for another calendar item.
    `title` is what this viewer may see: client names for staff allowed to see the case,
    otherwise "Session". `status` is an AppointmentStatus for sessions, the item kind otherwise.
    """

    id: str
    kind: str  # "appointment" or a CalendarItemKind
    title: str
    start: str  # ISO with offset
    end: str
    clinician_id: int
    clinician_name: str
    status: str
    series_id: int | None = None
    editable: bool = False  # may be dragged / resized by this viewer
    location: str = ""


@dataclass
class AvailabilityBlock:
    """Time a clinician is available (working hours minus time off and holidays)."""

    clinician_id: int
    start: str  # ISO with offset
    end: str
    location_id: int | None = None


@dataclass
class AppointmentView:
    """An appointment opened from the calendar or a case."""

    id: int
    case_id: int
    case_title: str
    clinician_id: int
    clinician_name: str
    service_name: str
    location_name: str
    room_name: str
    start: str  # ISO with offset
    end: str
    date_label: str  # "Tuesday 3 March 2026"
    time_label: str  # "5:00 – 5:50 pm"
    status: str
    status_label: str
    status_detail: str  # "Cancelled by client on 2 Mar at 4:10 pm by Sam Rivera: reason"
    attendees: list[Choice]
    participants: list[Choice]
    series_id: int | None
    series_label: str  # "Weekly on Tuesday, until 30 June 2026" or ""
    fee: str  # "$150.00"; override shown as such
    conflict_override_reason: str
    can_edit: bool
    # An associate's session: who reviews its notes and why (supervision.routing).
    supervisor: str = ""  # "Sam Suarez", or "" (none resolves, or no review needed)
    supervisor_why: str = ""  # "" for a licensed clinician's session
    supervisor_override_id: int | None = None
    supervisor_choices: list[Choice] = field(default_factory=list)  # only if it may change


@dataclass
class TodayRow:
    """One session in a clinician's "today" list."""

    appointment_id: int
    time_label: str
    title: str
    status: str
    status_label: str


@dataclass
class ConflictInfo:
    """Why a booking or move was refused, and what would work instead."""

    messages: list[str]  # e.g. "Olivia Bennett already has a session 5:00 – 5:50 pm."
    suggestions: list[str]  # ISO local starts of the next free times (same length of session)
    suggestion_labels: list[str]  # "Tue 3 Mar, 6:00 pm"
    can_override: bool  # a hard conflict the actor may still book deliberately, with a reason
    outside_hours_only: bool = False  # only a warning: outside working hours / inside buffer
