"""What the case pages show: plain view models (never ORM rows) and the portal labels."""

from __future__ import annotations

from dataclasses import dataclass, field

from practicerunner.clients.cases.inputs import ParticipantInput, PayerInput
from practicerunner.clients.models import CaseKind, CaseStatus

PORTAL_OK = "Can reach the portal"
PORTAL_NO_EMAIL = "No email on file"
PORTAL_OFF = "No portal access"


@dataclass
class PersonRow:
    """A participant or payer as the case page shows them."""

    name: str
    href: str  # the client page, or "" for a contact
    role: str  # participant role, or the payer's relationship
    attends: str  # "Yes" / "No" for participants, "" for payers
    age: str
    share: str  # "50%" for payers, "" for participants
    email: str  # "Email on file" / "No email"
    portal: str


@dataclass
class CaseView:
    """The case page's data; `presenting_concern` is None unless the actor may see it."""

    id: int
    kind: str
    kind_label: str
    title: str
    status: str
    clinician: str
    opened_on: str
    closed_on: str
    participants: list[PersonRow]
    payers: list[PersonRow]
    presenting_concern: str | None
    can_edit: bool
    can_edit_payers: bool
    can_edit_clinical: bool


@dataclass
class Choice:
    """A value and its label for a select; `contacts` are a client's possible payers."""

    value: str
    label: str
    contacts: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class CaseForm:
    """Options and current values for the new-case and edit-case forms."""

    clinicians: list[Choice]
    clients: list[Choice]
    can_clinical: bool
    can_edit: bool = True
    can_edit_payers: bool = True
    case_id: int | None = None
    kind: str = CaseKind.INDIVIDUAL
    title: str = ""
    status: str = CaseStatus.ACTIVE
    primary_clinician_id: str = ""
    opened_on: str = ""
    closed_on: str = ""
    presenting_concern: str = ""
    notify_guardians: bool = False
    participants: list[ParticipantInput] = field(default_factory=list)
    payers: list[PayerInput] = field(default_factory=list)


def portal_status(portal_access: bool, email: str) -> str:
    """Whether this person can reach the portal, or what stands in the way."""
    if not portal_access:
        return PORTAL_OFF
    return PORTAL_OK if email else PORTAL_NO_EMAIL


def email_label(email: str) -> str:
    """Whether an email is on file, without showing it."""
    return "Email on file" if email else "No email"
