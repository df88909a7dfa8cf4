"""What the case forms send, and reading it: ids, dates, and the practice's "today"."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from practicerunner.core.validation import Errors


@dataclass
class ParticipantInput:
    """One participant row: a client id (as typed or chosen), a role, whether they attend."""

    client_id: int | str
    role: str
    attends: bool = True


@dataclass
class PayerInput:
    """One payer row: party "client:ID" or "contact:ID" and a share in percent, like "33.33"."""

    party: str
    share: str


@dataclass
class CaseInput:
    """Everything needed to open a case."""

    kind: str
    primary_clinician_id: int | str | None
    opened_on: str | date
    participants: Sequence[ParticipantInput | tuple[Any, ...]]
    payers: Sequence[PayerInput | tuple[Any, ...]]
    title: str = ""
    presenting_concern: str = ""
    notify_guardians: bool = False  # appointment notices also go to attending minors' guardians


@dataclass
class CaseChanges:
    """A change to an existing case; None leaves that part as it is."""

    title: str | None = None
    primary_clinician_id: int | str | None = None
    status: str | None = None
    closed_on: str | date | None = None
    presenting_concern: str | None = None
    participants: Sequence[ParticipantInput | tuple[Any, ...]] | None = None
    payers: Sequence[PayerInput | tuple[Any, ...]] | None = None
    notify_guardians: bool | None = None


def as_participant(row: ParticipantInput | tuple[Any, ...]) -> ParticipantInput:
    """A participant row from a form, or from a (client_id, role, attends) tuple."""
    return row if isinstance(row, ParticipantInput) else ParticipantInput(*row)


def as_payer(row: PayerInput | tuple[Any, ...]) -> PayerInput:
    """A payer row from a form, or from a (party, share) tuple."""
    return row if isinstance(row, PayerInput) else PayerInput(*row)


def parse_id(value: int | str | None) -> int | None:
    """An id as typed or chosen, or None if it is not a whole number."""
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def parse_date(value: str | date | None, label: str, errs: Errors, name: str) -> date | None:
    """An ISO date from the form; a missing or malformed one adds a message under NAME."""
    if isinstance(value, date):
        return value
    raw = (value or "").strip()
    if not raw:
        errs.add(name, f"{label} is required.")
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errs.add(name, f"Enter {label.lower()} as a date, like 2026-03-02.")
        return None
