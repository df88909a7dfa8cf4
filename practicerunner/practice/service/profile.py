"""The practice profile: name, timezone, contact details and billing identifiers."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from practicerunner.core import audit, clock
from practicerunner.core import validation as v
from practicerunner.core.errors import NotFound
from practicerunner.core.permissions import Actor, Perm
from practicerunner.practice.models import Practice
from practicerunner.practice.service.address import validate_address
from practicerunner.practice.service.form_values import TextForm
from practicerunner.practice.service.saving import assign

# The US timezones a practice can run in, with the names people know them by.
US_TIMEZONES: list[tuple[str, str]] = [
    ("America/New_York", "Eastern (New York)"),
    ("America/Chicago", "Central (Chicago)"),
    ("America/Denver", "Mountain (Denver)"),
    ("America/Phoenix", "Mountain, no daylight saving (Phoenix)"),
    ("America/Los_Angeles", "Pacific (Los Angeles)"),
    ("America/Anchorage", "Alaska (Anchorage)"),
    ("Pacific/Honolulu", "Hawaii (Honolulu)"),
    ("America/Puerto_Rico", "Atlantic (Puerto Rico)"),
    ("Pacific/Guam", "Chamorro (Guam)"),
    ("Pacific/Pago_Pago", "Samoa (Pago Pago)"),
]


@dataclass(frozen=True)
class PracticeInput(TextForm):
    """The practice profile form."""

    name: str = ""
    timezone: str = ""
    phone: str = ""
    email: str = ""
    address_line1: str = ""
    address_line2: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""
    npi: str = ""
    tax_id: str = ""
    reminder_hours: str = "24"
    late_cancel_hours: str = "24"


@dataclass(frozen=True)
class PracticeView:
    name: str
    timezone: str
    phone: str
    email: str
    address_line1: str
    address_line2: str
    city: str
    state: str
    postal_code: str
    npi: str
    tax_id: str
    reminder_hours: int
    late_cancel_hours: int


def _practice_view(p: Practice) -> PracticeView:
    return PracticeView(
        name=p.name,
        timezone=p.timezone,
        phone=v.format_phone(p.phone),
        email=p.email,
        address_line1=p.address_line1,
        address_line2=p.address_line2,
        city=p.city,
        state=p.state,
        postal_code=p.postal_code,
        npi=p.npi,
        tax_id=p.tax_id,
        reminder_hours=p.reminder_hours,
        late_cancel_hours=p.late_cancel_hours,
    )


def _the_practice(session: Session) -> Practice:
    practice = session.exec(select(Practice).order_by(col(Practice.id))).first()
    if practice is None:
        raise NotFound("practice")
    return practice


def get_practice(session: Session, actor: Actor) -> PracticeView:
    """The practice profile."""
    actor.require(Perm.PRACTICE_MANAGE)
    return _practice_view(_the_practice(session))


def update_practice(session: Session, actor: Actor, data: PracticeInput) -> PracticeView:
    """Save the practice profile."""
    actor.require(Perm.PRACTICE_MANAGE)
    practice = _the_practice(session)
    errors = v.Errors()
    values = {
        "name": errors.check("name", v.required, data.name, "Practice name"),
        "timezone": errors.check("timezone", _us_timezone, data.timezone),
        "phone": errors.check("phone", v.phone, data.phone),
        "email": errors.check("email", v.email, data.email),
        **validate_address(errors, data, is_required=False),
        "npi": errors.check("npi", v.npi, data.npi),
        "tax_id": errors.check("tax_id", v.tax_id, data.tax_id),
        "reminder_hours": errors.check(
            "reminder_hours", _hours, data.reminder_hours, "from 0 (no reminders) to 168"
        ),
        "late_cancel_hours": errors.check(
            "late_cancel_hours", _hours, data.late_cancel_hours, "from 0 to 168"
        ),
    }
    errors.raise_if_any()
    changed = assign(practice, values)
    if changed:
        practice.updated_at = clock.now()
        session.add(practice)
        audit.record(
            session,
            actor,
            "practice.update",
            record_type="practice",
            record_id=practice.id,
            detail={"fields": changed},
        )
        session.commit()
    return _practice_view(practice)


MAX_NOTICE_HOURS = 168  # a week


def _hours(value: str | None, allowed: str) -> int:
    """Whole hours in 0..168 (a week)."""
    raw = (value or "").strip()
    if not (raw.isascii() and raw.isdigit()) or int(raw) > MAX_NOTICE_HOURS:
        raise v.FieldError(f"Enter whole hours, {allowed} (a week).")
    return int(raw)


def _us_timezone(value: str | None) -> str:
    tz = v.timezone(value)
    if tz not in dict(US_TIMEZONES):
        raise v.FieldError("Choose a timezone from the list.")
    return tz
