"""What the client screens show: status and relationship labels, and plain view models."""

from __future__ import annotations

from dataclasses import dataclass, field

from practicerunner.clients.models import Client, ClientStatus, Contact, ContactRelationship

STATUS_LABELS: dict[str, str] = {
    ClientStatus.PROSPECTIVE: "Prospective",
    ClientStatus.ACTIVE: "Active",
    ClientStatus.DISCHARGED: "Discharged",
}
RELATIONSHIP_LABELS: dict[str, str] = {
    ContactRelationship.BILLING: "Billing contact",
    ContactRelationship.GUARDIAN: "Guardian",
    ContactRelationship.EMERGENCY: "Emergency contact",
}


@dataclass(frozen=True)
class ClientRow:
    """One line of the client list."""

    id: int
    display_name: str
    legal_name: str
    date_of_birth: str
    born: str  # "Mar 14, 1991"
    email: str
    phone: str
    status: str
    status_label: str
    clinician_name: str


@dataclass(frozen=True)
class ClientPage:
    """One page of search results, with the total and the page count."""

    rows: list[ClientRow]
    total: int
    page: int
    pages: int
    per_page: int


@dataclass(frozen=True)
class ContactView:
    """A contact as shown on the client profile."""

    id: int
    relationship: str
    relationship_label: str
    name: str
    email: str
    phone: str
    address: str
    portal_access: bool


@dataclass(frozen=True)
class CaseSummary:
    """A case the client takes part in (no clinical text)."""

    id: int
    kind: str
    title: str
    clinician_name: str
    status: str


@dataclass(frozen=True)
class ClientProfile:
    """The client profile page: demographics, contacts and the cases the actor may see."""

    id: int
    display_name: str
    legal_name: str
    preferred_name: str
    pronouns: str
    date_of_birth: str
    born: str  # "Mar 14, 1991 (age 35)"
    age: int
    email: str
    phone: str
    address: str
    status: str
    status_label: str
    clinician_name: str
    portal_access: bool
    can_edit: bool
    can_edit_contacts: bool
    can_create_case: bool
    contacts: list[ContactView] = field(default_factory=list)
    cases: list[CaseSummary] = field(default_factory=list)


def address_line(row: Client | Contact) -> str:
    """The postal address on one line: '12 Elm St, Apt 3, Portland, OR 97201'."""
    city_line = " ".join(p for p in (row.state, row.postal_code) if p)
    city_line = ", ".join(p for p in (row.city, city_line) if p)
    return ", ".join(p for p in (row.address_line1, row.address_line2, city_line) if p)
