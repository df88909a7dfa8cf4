"""Clients and their contacts: search, profile, create, update; contacts who are not clients.

Scope comes from clients.access (the only definition of caseload): a client outside the
actor's scope answers NotFound. Every profile read and every write appends an audit event
in the same transaction; a rejected save writes nothing.

One module per use case; this package re-exports what callers use, so
`from practicerunner.clients import service` then `service.create_client(...)` works.
"""

from practicerunner.clients.people import age_on, long_date
from practicerunner.clients.service.contacts import (
    add_contact,
    deactivate_contact,
    get_contact_form,
    list_contacts_for_client,
    new_contact_form,
    update_contact,
)
from practicerunner.clients.service.duplicates import (
    DuplicateMatch,
    PossibleDuplicate,
    find_duplicates,
)
from practicerunner.clients.service.fields import CLIENT_FIELDS, CONTACT_FIELDS
from practicerunner.clients.service.pickers import (
    can_assign_any_clinician,
    clinician_choices,
    clinician_filter_choices,
)
from practicerunner.clients.service.profile import get_client_form, get_client_profile
from practicerunner.clients.service.search import MAX_PER_PAGE, search_clients
from practicerunner.clients.service.summary import Summary, home_summary
from practicerunner.clients.service.views import (
    RELATIONSHIP_LABELS,
    STATUS_LABELS,
    CaseSummary,
    ClientPage,
    ClientProfile,
    ClientRow,
    ContactView,
)
from practicerunner.clients.service.writes import create_client, update_client

__all__ = [
    "CLIENT_FIELDS",
    "CONTACT_FIELDS",
    "MAX_PER_PAGE",
    "RELATIONSHIP_LABELS",
    "STATUS_LABELS",
    "CaseSummary",
    "ClientPage",
    "ClientProfile",
    "ClientRow",
    "ContactView",
    "DuplicateMatch",
    "PossibleDuplicate",
    "Summary",
    "add_contact",
    "age_on",
    "can_assign_any_clinician",
    "clinician_choices",
    "clinician_filter_choices",
    "create_client",
    "deactivate_contact",
    "find_duplicates",
    "get_client_form",
    "get_client_profile",
    "get_contact_form",
    "home_summary",
    "list_contacts_for_client",
    "long_date",
    "new_contact_form",
    "search_clients",
    "update_client",
    "update_contact",
]
