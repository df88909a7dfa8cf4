"""What an appointment message may say, and how it is worded and rendered.

A message names the practice, the clinician, the date and local time, the place (a location's
name and address, or "Telehealth") and how to reach the practice — and, when the practice
cancels, the reason staff gave for the client to read. Nothing else: never the service, the
case title, the presenting concern, notes or diagnoses. `AppointmentFacts` is
built from those fields only, so a template cannot print what it is never given.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlmodel import Session, col, select

from practicerunner.clients.people import staff_label
from practicerunner.core.validation import format_phone
from practicerunner.practice.models import Location, LocationKind, Practice, Staff
from practicerunner.scheduling.models import Appointment, AppointmentStatus

TEMPLATES = Path(__file__).parent / "templates"

KINDS = ("reminder", "confirmation", "reschedule", "cancellation")


def kind_code(kind: str) -> str:
    """The outbox `kind` for a notice kind: 'reminder' -> 'appointment.reminder'."""
    return f"appointment.{kind}"


def short_when(moment: datetime, tz: ZoneInfo) -> str:
    """'Tue, Mar 3 at 5:00 PM' in TZ (for subjects and texts)."""
    local = moment.astimezone(tz)
    return f"{local:%a}, {local:%b} {local.day} at {clock_time(local)}"


def long_day(moment: datetime, tz: ZoneInfo) -> str:
    """'Tuesday, March 3, 2026' in TZ."""
    local = moment.astimezone(tz)
    return f"{local:%A}, {local:%B} {local.day}, {local.year}"


def clock_time(local: datetime) -> str:
    """'5:00 PM' (the local wall time given)."""
    hour = local.hour % 12 or 12
    return f"{hour}:{local:%M} {'AM' if local.hour < 12 else 'PM'}"


def time_range(start: datetime, end: datetime, tz: ZoneInfo) -> str:
    """'5:00 – 5:50 PM PST' in TZ."""
    a, b = start.astimezone(tz), end.astimezone(tz)
    first = clock_time(a)
    if (a.hour < 12) == (b.hour < 12):
        first = first[:-3]
    return f"{first} – {clock_time(b)} {b.tzname()}"


@dataclass(frozen=True)
class PracticeFacts:
    name: str
    phone: str  # formatted for reading, e.g. (503) 555-0142
    email: str
    timezone: str

    @property
    def contact_line(self) -> str:
        """'call (503) 555-0142 or email hello@willow.example', or what there is of it."""
        parts = []
        if self.phone:
            parts.append(f"call {self.phone}")
        if self.email:
            parts.append(f"email {self.email}")
        return " or ".join(parts)


@dataclass(frozen=True)
class AppointmentFacts:
    """Everything an appointment message may say, already worded."""

    practice: PracticeFacts
    clinician: str  # 'Carl Chen, LMFT'
    start_at: datetime
    short_when: str  # 'Tue, Mar 3 at 5:00 PM'
    day: str  # 'Tuesday, March 3, 2026'
    times: str  # '5:00 – 5:50 PM PST'
    telehealth: bool
    place_name: str  # the location's name; 'Telehealth' for telehealth
    place_address: tuple[str, ...]  # address lines of an office; empty for telehealth
    previous_when: str = ""  # for a reschedule: where the session was, 'Tue, Mar 3 at 5:00 PM'
    previous_day: str = ""
    # Why the practice called a session off: staff write it knowing the client reads it.
    # Only for the practice's own cancellations; a client's cancel needs no explaining.
    practice_reason: str = ""


@dataclass(frozen=True)
class Recipient:
    """Who a message goes to and what it calls them."""

    channel: str
    address: str
    name: str  # full name for the To: header
    first_name: str  # greeting
    client_id: int
    # For a guardian: the first names of the clients the message is about ('Mia and Leo').
    about: str = ""


def practice_facts(session: Session) -> PracticeFacts:
    practice = session.exec(select(Practice).order_by(col(Practice.id))).first()
    if practice is None:
        return PracticeFacts(name="Your practice", phone="", email="", timezone="UTC")
    return PracticeFacts(
        name=practice.name,
        phone=format_phone(practice.phone),
        email=practice.email,
        timezone=practice.timezone,
    )


def appointment_facts(
    session: Session,
    appointment: Appointment,
    practice: PracticeFacts | None = None,
    *,
    previous_start: datetime | None = None,
) -> AppointmentFacts:
    """The wording of APPOINTMENT for a message (practice timezone)."""
    practice = practice or practice_facts(session)
    tz = ZoneInfo(practice.timezone)
    clinician = session.get(Staff, appointment.clinician_id)
    location = session.get(Location, appointment.location_id)
    telehealth = location is None or location.kind == LocationKind.TELEHEALTH
    address: tuple[str, ...] = ()
    if location is not None and not telehealth:
        city_line = " ".join(
            p for p in (f"{location.city}," if location.city else "", location.state) if p
        )
        city_line = f"{city_line} {location.postal_code}".strip().rstrip(",")
        address = tuple(
            line for line in (location.address_line1, location.address_line2, city_line) if line
        )
    facts = AppointmentFacts(
        practice=practice,
        clinician=staff_label(clinician) if clinician else "your clinician",
        start_at=appointment.start_at,
        short_when=short_when(appointment.start_at, tz),
        day=long_day(appointment.start_at, tz),
        times=time_range(appointment.start_at, appointment.end_at, tz),
        telehealth=telehealth,
        place_name="Telehealth" if telehealth else (location.name if location else ""),
        place_address=address,
        practice_reason=(
            appointment.status_reason.strip()
            if appointment.status == AppointmentStatus.CANCELLED_PRACTICE
            else ""
        ),
    )
    if previous_start is not None:
        facts = replace(
            facts,
            previous_when=short_when(previous_start, tz),
            previous_day=long_day(previous_start, tz),
        )
    return facts


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str  # empty for SMS


_SUBJECTS = {
    "reminder": "Reminder: {whose} appointment on {when}",
    "confirmation": "{Whose} appointment is confirmed for {when}",
    "reschedule": "{Whose} appointment has moved to {when}",
    "cancellation": "{Whose} appointment on {when} is cancelled",
}


def whose(recipient: Recipient) -> str:
    """'your', or for a guardian the names of the clients it is about: "Mia's"."""
    return f"{recipient.about}'s" if recipient.about else "your"


def subject_for(kind: str, facts: AppointmentFacts, recipient: Recipient) -> str:
    owner = whose(recipient)
    template = _SUBJECTS[kind]
    if kind == "reschedule" and not facts.previous_when:
        template = "{Whose} appointment has changed: {when}"
    text = template.format(whose=owner, Whose=owner[:1].upper() + owner[1:], when=facts.short_when)
    return text[:200]


@lru_cache(maxsize=1)
def template_environment() -> Environment:
    """The Jinja2 environment for every message template (appointments and billing).

    Templates ship with the package and are not edited while it runs: no reload checks.
    """
    return Environment(
        auto_reload=False,
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render(kind: str, facts: AppointmentFacts, recipient: Recipient) -> Rendered:
    """The subject and bodies of a KIND message to RECIPIENT (SMS: text only)."""
    if kind not in KINDS:
        raise ValueError(f"unknown message kind {kind!r}")
    env = template_environment()
    owner = whose(recipient)
    context = {
        "kind": kind,
        "facts": facts,
        "practice": facts.practice,
        "to": recipient,
        "whose": owner,
        "Whose": owner[:1].upper() + owner[1:],
    }
    if recipient.channel == "sms":
        text = env.get_template(f"sms/{kind}.txt").render(context).strip()
        return Rendered(subject="", text=text[:1500], html="")
    return Rendered(
        subject=subject_for(kind, facts, recipient),
        text=env.get_template(f"email/{kind}.txt").render(context),
        html=env.get_template(f"email/{kind}.html").render(context),
    )
