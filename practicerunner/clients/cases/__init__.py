"""Case services: open a case, read it, change it — participants, payers and shares included.

Plain functions `(session, actor, ...)`; no Reflex here. Every rule is checked on the server
(a Reflex event can be sent by any browser), every error is collected for the form at once,
and every write is one transaction with its audit event.

One module per use case; this package re-exports what callers use, so
`from practicerunner.clients import cases` then `cases.create_case(...)` works.
"""

from practicerunner.clients.cases.choices import PAYING_CONTACTS, client_choices, clinician_choices
from practicerunner.clients.cases.create import create_case, new_case_form
from practicerunner.clients.cases.edit import (
    close_case,
    edit_case,
    edit_case_form,
    set_participants,
    set_payers,
    update_case,
)
from practicerunner.clients.cases.inputs import CaseChanges, CaseInput, ParticipantInput, PayerInput
from practicerunner.clients.cases.kinds import KIND_LABELS, KIND_ROLES, default_title
from practicerunner.clients.cases.shares import FULL_SHARE, format_share, parse_share
from practicerunner.clients.cases.view import get_case_view
from practicerunner.clients.cases.views import (
    PORTAL_NO_EMAIL,
    PORTAL_OFF,
    PORTAL_OK,
    CaseForm,
    CaseView,
    Choice,
    PersonRow,
    portal_status,
)
from practicerunner.clients.people import age_on

__all__ = [
    "FULL_SHARE",
    "KIND_LABELS",
    "KIND_ROLES",
    "PAYING_CONTACTS",
    "PORTAL_NO_EMAIL",
    "PORTAL_OFF",
    "PORTAL_OK",
    "CaseChanges",
    "CaseForm",
    "CaseInput",
    "CaseView",
    "Choice",
    "ParticipantInput",
    "PayerInput",
    "PersonRow",
    "age_on",
    "client_choices",
    "clinician_choices",
    "close_case",
    "create_case",
    "default_title",
    "edit_case",
    "edit_case_form",
    "format_share",
    "get_case_view",
    "new_case_form",
    "parse_share",
    "portal_status",
    "set_participants",
    "set_payers",
    "update_case",
]
