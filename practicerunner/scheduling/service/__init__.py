"""Scheduling services: book, move, cancel and read sessions and other calendar items.

Plain functions `(session, actor, ...)`; no Reflex here. Every booking and move is checked
for conflicts under resource locks, with the database's own rule as the last word
(scheduling.constraints); each write is one transaction with its audit event and its outbox
notice.
"""

from practicerunner.scheduling.service.booking import (
    REPEAT_LABELS,
    book,
    bookable_cases,
    case_participants,
    check_booking,
    new_appointment_form,
)
from practicerunner.scheduling.service.changes import (
    SCOPES,
    reschedule,
    set_attendees,
    set_status,
)
from practicerunner.scheduling.service.common import (
    STATUS_LABELS,
    SchedulingConflict,
    practice_timezone,
)
from practicerunner.scheduling.service.conflicts import Slot, hard_conflicts, next_free_times
from practicerunner.scheduling.service.items import (
    add_calendar_item,
    cancel_calendar_item,
    move_calendar_item,
)
from practicerunner.scheduling.service.reads import (
    ITEM_LABELS,
    attendee_title,
    calendar_availability,
    calendar_clinicians,
    calendar_events,
    case_sessions,
    default_clinician_ids,
    get_appointment,
    today_list,
)

__all__ = [
    "ITEM_LABELS",
    "REPEAT_LABELS",
    "SCOPES",
    "STATUS_LABELS",
    "SchedulingConflict",
    "Slot",
    "add_calendar_item",
    "attendee_title",
    "book",
    "bookable_cases",
    "calendar_availability",
    "calendar_clinicians",
    "calendar_events",
    "cancel_calendar_item",
    "case_participants",
    "case_sessions",
    "check_booking",
    "default_clinician_ids",
    "get_appointment",
    "hard_conflicts",
    "move_calendar_item",
    "new_appointment_form",
    "next_free_times",
    "practice_timezone",
    "reschedule",
    "set_attendees",
    "set_status",
    "today_list",
]
