"""What the calendar shows: events in a window, one appointment, the day's list."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any, NamedTuple

from sqlalchemy import or_
from sqlmodel import Session, col, select

from practicerunner.clients.access import get_case_for
from practicerunner.clients.models import Case, CaseParticipant, Client
from practicerunner.clients.people import active_clinicians, staff_label
from practicerunner.core import audit
from practicerunner.core.money import format_cents
from practicerunner.core.permissions import CLINICAL_ROLES, Actor, Perm
from practicerunner.practice.models import Location, LocationKind, Service
from practicerunner.scheduling.models import (
    Appointment,
    AppointmentAttendee,
    AppointmentSeries,
    AppointmentStatus,
    CalendarItem,
    CalendarItemKind,
    Room,
)
from practicerunner.scheduling.recurrence import Frequency
from practicerunner.scheduling.service.common import (
    MAX_SPAN,
    STATUS_LABELS,
    clinician_filter,
    date_label,
    get_appointment_for,
    iso_local,
    practice_zone,
    reaches_clinician,
    span_label,
    staff_names,
)
from practicerunner.scheduling.views import (
    AppointmentView,
    AvailabilityBlock,
    CalendarEvent,
    Choice,
    TodayRow,
)

ITEM_LABELS = {
    CalendarItemKind.SUPERVISION: "Supervision",
    CalendarItemKind.ADMIN: "Admin",
    CalendarItemKind.PERSONAL: "Personal time",
}
_REPEAT_WORDS = {
    Frequency.WEEKLY: "Weekly",
    Frequency.BIWEEKLY: "Every 2 weeks",
    Frequency.MONTHLY_BY_WEEKDAY: "Monthly",
    Frequency.MONTHLY_BY_DATE: "Monthly",
}


def calendar_clinicians(session: Session, actor: Actor) -> list[Choice]:
    """Clinicians whose calendars ACTOR may view, by name."""
    if not actor.can(Perm.SCHEDULE_VIEW):
        return []
    allowed = actor.clinician_ids(actor.scope(Perm.SCHEDULE_VIEW))
    return [Choice(str(s.id), staff_label(s)) for s in active_clinicians(session, allowed)]


def default_clinician_ids(session: Session, actor: Actor) -> list[int]:
    """The actor's own calendar if they have a caseload; otherwise every calendar they see."""
    if actor.roles & CLINICAL_ROLES and reaches_clinician(
        actor, Perm.SCHEDULE_VIEW, actor.staff_id
    ):
        return [actor.staff_id]
    return [int(c.value) for c in calendar_clinicians(session, actor)]


class Person(NamedTuple):
    """The few name fields a calendar needs (cheaper than full Client rows)."""

    id: int
    preferred_name: str
    legal_first_name: str
    legal_last_name: str

    @property
    def display_name(self) -> str:
        return f"{self.preferred_name or self.legal_first_name} {self.legal_last_name}"


def _names_by_appointment(session: Session, ids: list[int]) -> dict[int, list[Person]]:
    found: dict[int, list[Person]] = defaultdict(list)
    if not ids:
        return found
    for appointment_id, *person in session.execute(
        select(  # type: ignore[call-overload]
            AppointmentAttendee.appointment_id,
            Client.id,
            Client.preferred_name,
            Client.legal_first_name,
            Client.legal_last_name,
        )
        .join(Client, col(Client.id) == AppointmentAttendee.client_id)
        .where(col(AppointmentAttendee.appointment_id).in_(ids))
        .order_by(Client.legal_last_name, Client.legal_first_name)
    ).all():
        found[int(appointment_id)].append(Person(*person))
    return found


def attendee_title(clients: Sequence[Person | Client]) -> str:
    """'Jordan Lee', 'Jordan & Alex Lee', 'Jordan Lee & Sam Park', '4 clients'."""
    if not clients:
        return "Session"
    if len(clients) == 1:
        return clients[0].display_name
    if len(clients) == 2:
        a, b = clients
        first_a = a.preferred_name or a.legal_first_name
        first_b = b.preferred_name or b.legal_first_name
        if a.legal_last_name == b.legal_last_name:
            return f"{first_a} & {first_b} {a.legal_last_name}"
        return f"{a.display_name} & {b.display_name}"
    return f"{clients[0].display_name} +{len(clients) - 1}"


def calendar_events(
    session: Session,
    actor: Actor,
    start_utc: datetime,
    end_utc: datetime,
    clinician_ids: list[int],
) -> list[CalendarEvent]:
    """Sessions and other items of CLINICIAN_IDS (those the actor may see) in the window."""
    if not actor.can(Perm.SCHEDULE_VIEW) or end_utc <= start_utc:
        return []
    wanted = sorted(set(clinician_ids))
    if not wanted or end_utc - start_utc > timedelta(days=62):
        return []
    zone = practice_zone(session)
    appts = session.execute(
        select(  # type: ignore[call-overload]
            Appointment.id,
            Appointment.clinician_id,
            Appointment.start_at,
            Appointment.end_at,
            Appointment.status,
            Appointment.series_id,
            Location.name,
            Location.kind,
        )
        .join(Location, col(Location.id) == Appointment.location_id)
        .where(
            col(Appointment.clinician_id).in_(wanted),
            clinician_filter(actor, Perm.SCHEDULE_VIEW, Appointment.clinician_id),
            col(Appointment.start_at) > start_utc - MAX_SPAN,
            col(Appointment.start_at) < end_utc,
            col(Appointment.end_at) > start_utc,
        )
    ).all()
    names = _names_by_appointment(session, [a.id for a in appts])
    staff = staff_names(session, wanted)
    events: list[CalendarEvent] = []
    can_edit = actor.can(Perm.SCHEDULE_EDIT)
    for appt in appts:
        location_name, location_kind = appt.name, appt.kind
        sees_names = reaches_clinician(actor, Perm.CASE_VIEW, appt.clinician_id)
        events.append(
            CalendarEvent(
                id=f"a{appt.id}",
                kind="appointment",
                title=attendee_title(names.get(appt.id, [])) if sees_names else "Session",  # type: ignore[arg-type]
                start=iso_local(appt.start_at, zone),
                end=iso_local(appt.end_at, zone),
                clinician_id=appt.clinician_id,
                clinician_name=staff.get(appt.clinician_id, ""),
                status=appt.status,
                series_id=appt.series_id,
                editable=can_edit
                and appt.status == AppointmentStatus.SCHEDULED
                and reaches_clinician(actor, Perm.SCHEDULE_EDIT, appt.clinician_id),
                location="Telehealth"
                if location_kind == LocationKind.TELEHEALTH
                else location_name,
            )
        )
    items = session.exec(
        select(CalendarItem).where(
            or_(
                col(CalendarItem.staff_id).in_(wanted),
                col(CalendarItem.with_staff_id).in_(wanted),
            ),
            col(CalendarItem.start_at) > start_utc - MAX_SPAN,
            col(CalendarItem.start_at) < end_utc,
            col(CalendarItem.end_at) > start_utc,
            col(CalendarItem.is_cancelled).is_(False),
        )
    ).all()
    for item in items:
        for owner in {item.staff_id, item.with_staff_id} & set(wanted):
            if owner is None or not reaches_clinician(actor, Perm.SCHEDULE_VIEW, owner):
                continue
            own = item.staff_id == actor.staff_id
            title = ITEM_LABELS.get(item.kind, "Busy")  # type: ignore[call-overload]
            if item.title and (own or item.kind != CalendarItemKind.PERSONAL):
                title = f"{title}: {item.title}"
            events.append(
                CalendarEvent(
                    id=f"i{item.id}",
                    kind=item.kind,
                    title=title,
                    start=iso_local(item.start_at, zone),
                    end=iso_local(item.end_at, zone),
                    clinician_id=owner,
                    clinician_name=staff.get(owner, ""),
                    status=item.kind,
                    editable=can_edit
                    and reaches_clinician(actor, Perm.SCHEDULE_EDIT, item.staff_id),
                )
            )
    events.sort(key=lambda e: (e.start, e.clinician_id, e.id))
    return events


def calendar_availability(
    session: Session,
    actor: Actor,
    start_utc: datetime,
    end_utc: datetime,
    clinician_ids: list[int],
) -> list[AvailabilityBlock]:
    """Working time of the clinicians whose calendars ACTOR may see, for the grid's shading."""
    from practicerunner.scheduling import availability

    wanted = sorted({c for c in clinician_ids if reaches_clinician(actor, Perm.SCHEDULE_VIEW, c)})
    if not wanted or end_utc <= start_utc:
        return []
    return availability.available_blocks(session, wanted, start_utc, end_utc)


def get_appointment(session: Session, actor: Actor, appointment_id: int) -> AppointmentView:
    """One session, for its panel. Shows client names, so the read is audited."""
    appt = get_appointment_for(session, actor, appointment_id)
    zone = practice_zone(session)
    case = session.get(Case, appt.case_id)
    service = session.get(Service, appt.service_id)
    location = session.get(Location, appt.location_id)
    room = session.get(Room, appt.room_id) if appt.room_id else None
    attendees = _names_by_appointment(session, [appt.id]).get(appt.id, [])  # type: ignore[arg-type, list-item]
    sees_case = reaches_clinician(actor, Perm.CASE_VIEW, appt.clinician_id)
    participants: list[Choice] = []
    if sees_case:
        participants = [
            Choice(str(c.id), c.display_name)
            for c in session.exec(
                select(Client)
                .join(CaseParticipant, col(CaseParticipant.client_id) == Client.id)
                .where(CaseParticipant.case_id == appt.case_id)
                .order_by(Client.legal_last_name, Client.legal_first_name)
            ).all()
        ]
    names = staff_names(session, [appt.clinician_id, appt.status_by_id or 0])
    detail = ""
    if appt.status != AppointmentStatus.SCHEDULED and appt.status_at is not None:
        who = names.get(appt.status_by_id or 0, "")
        local = appt.status_at.astimezone(zone)
        detail = (
            f"{STATUS_LABELS[appt.status]} on {local.day} {local:%b} at "
            + span_label(appt.status_at, appt.status_at, zone).split(" – ")[-1]
        )
        detail += f" by {who}" if who else ""
        detail += f": {appt.status_reason}" if appt.status_reason else ""
    series_label = ""
    if appt.series_id:
        series = session.get(AppointmentSeries, appt.series_id)
        if series is not None and series.frequency:
            words = _REPEAT_WORDS.get(series.frequency, "Repeats")  # type: ignore[call-overload]
            weekday = f"{series.start_local:%A}"
            series_label = f"{words} on {weekday}" if "week" in series.frequency else words
            if series.until:
                series_label += f", until {date_label(series.until)}"
            elif series.count:
                series_label += f", {series.count} sessions"
    fee_cents = (
        appt.fee_override_cents
        if appt.fee_override_cents is not None
        else (service.fee_cents if service else 0)
    )
    fee = format_cents(fee_cents) + (" (override)" if appt.fee_override_cents is not None else "")
    supervision = _supervision(session, actor, appt)
    if sees_case:
        audit.record(
            session,
            actor,
            "appointment.view",
            record_type="appointment",
            record_id=appt.id,
            client_id=attendees[0].id if attendees else None,
        )
        session.commit()
    return AppointmentView(
        id=appt.id,  # type: ignore[arg-type]
        case_id=appt.case_id,
        case_title=(case.title if case else "") if sees_case else "Session",
        clinician_id=appt.clinician_id,
        clinician_name=names.get(appt.clinician_id, ""),
        service_name=service.name if service else "",
        location_name=(
            "Telehealth"
            if location and location.kind == LocationKind.TELEHEALTH
            else (location.name if location else "")
        ),
        room_name=room.name if room else "",
        start=iso_local(appt.start_at, zone),
        end=iso_local(appt.end_at, zone),
        date_label=date_label(appt.start_at, zone),
        time_label=span_label(appt.start_at, appt.end_at, zone),
        status=appt.status,
        status_label=STATUS_LABELS[appt.status],
        status_detail=detail,
        attendees=[Choice(str(c.id), c.display_name) for c in attendees] if sees_case else [],
        participants=participants,
        series_id=appt.series_id,
        series_label=series_label,
        fee=fee,
        conflict_override_reason=appt.conflict_override_reason,
        can_edit=reaches_clinician(actor, Perm.SCHEDULE_EDIT, appt.clinician_id),
        **supervision,
    )


def _supervision(session: Session, actor: Actor, appt: Appointment) -> dict[str, Any]:
    """The AppointmentView fields saying who supervises an associate's session and why,
    with the supervisors to choose from when ACTOR may change the coverage."""
    # Imported here: supervision.coverage imports this package.
    from practicerunner.supervision.coverage import can_set_session_supervisor
    from practicerunner.supervision.routing import resolve_for_appointment
    from practicerunner.supervision.service import supervisor_choices

    resolution = resolve_for_appointment(session, appt)
    if not resolution.needs_supervision:
        return {}
    choices: list[Choice] = []
    if can_set_session_supervisor(actor) and reaches_clinician(
        actor, Perm.SCHEDULE_EDIT, appt.clinician_id
    ):
        choices = [
            Choice(str(i), name)
            for i, name in supervisor_choices(session)
            if i != appt.clinician_id
        ]
    return {
        "supervisor": resolution.supervisor_name,
        "supervisor_why": resolution.why,
        "supervisor_override_id": appt.supervisor_override_id,
        "supervisor_choices": choices,
    }


def today_list(session: Session, actor: Actor, clinician_id: int, day: date) -> list[TodayRow]:
    """CLINICIAN_ID's sessions on DAY (practice-local), in order."""
    if not reaches_clinician(actor, Perm.SCHEDULE_VIEW, clinician_id):
        return []
    zone = practice_zone(session)
    start = datetime.combine(day, time.min, zone)
    end = datetime.combine(day + timedelta(days=1), time.min, zone)
    rows = session.exec(
        select(Appointment)
        .where(
            Appointment.clinician_id == clinician_id,
            col(Appointment.start_at) >= start,
            col(Appointment.start_at) < end,
        )
        .order_by(col(Appointment.start_at))
    ).all()
    names = _names_by_appointment(session, [a.id for a in rows])  # type: ignore[misc]
    sees = reaches_clinician(actor, Perm.CASE_VIEW, clinician_id)
    return [
        TodayRow(
            appointment_id=a.id,  # type: ignore[arg-type]
            time_label=span_label(a.start_at, a.end_at, zone),
            title=attendee_title(names.get(a.id, [])) if sees else "Session",  # type: ignore[arg-type]
            status=a.status,
            status_label=STATUS_LABELS[a.status],
        )
        for a in rows
    ]


def case_sessions(
    session: Session, actor: Actor, case_id: int, *, limit: int = 10
) -> list[TodayRow]:
    """A case's next sessions (from today on), for the case page."""
    case = get_case_for(session, actor, case_id)
    zone = practice_zone(session)
    from practicerunner.core import clock

    today = datetime.combine(clock.now().astimezone(zone).date(), time.min, zone)
    rows = session.exec(
        select(Appointment)
        .where(Appointment.case_id == case.id, col(Appointment.start_at) >= today)
        .order_by(col(Appointment.start_at))
        .limit(limit)
    ).all()
    return [
        TodayRow(
            appointment_id=a.id,  # type: ignore[arg-type]
            time_label=f"{date_label(a.start_at, zone)}, {span_label(a.start_at, a.end_at, zone)}",
            title=staff_names(session, [a.clinician_id]).get(a.clinician_id, ""),
            status=a.status,
            status_label=STATUS_LABELS[a.status],
        )
        for a in rows
    ]


__all__ = [
    "calendar_availability",
    "calendar_clinicians",
    "calendar_events",
    "case_sessions",
    "default_clinician_ids",
    "get_appointment",
    "today_list",
]
