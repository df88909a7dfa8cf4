"""Who may do what, in one table; checked in services, not only hidden in the UI.

Each role grants an operation with a scope:
- ALL: every record in the practice;
- SUPERVISED: the actor's own caseload and the caseloads of the associates they supervise;
- CASELOAD: cases whose primary clinician is the actor, and their clients.
A staff member's roles add up: the widest scope any of their roles grants wins.
Records outside the actor's scope answer "not found", never "forbidden".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum, StrEnum

from practicerunner.core.errors import PermissionDenied


class Role(StrEnum):
    OWNER = "owner"
    CLINICIAN = "clinician"
    ASSOCIATE = "associate"
    SUPERVISOR = "supervisor"
    SCHEDULER = "scheduler"
    BILLER = "biller"


ROLE_LABELS: dict[Role, str] = {
    Role.OWNER: "Owner",
    Role.CLINICIAN: "Clinician",
    Role.ASSOCIATE: "Associate (supervised)",
    Role.SUPERVISOR: "Supervisor",
    Role.SCHEDULER: "Scheduler (front desk)",
    Role.BILLER: "Biller",
}

# Roles that carry a caseload: they can be a case's primary clinician.
CLINICAL_ROLES = frozenset({Role.OWNER, Role.CLINICIAN, Role.ASSOCIATE, Role.SUPERVISOR})


class Perm(StrEnum):
    PRACTICE_MANAGE = "practice.manage"  # profile, locations, services
    STAFF_MANAGE = "staff.manage"
    STAFF_LIST = "staff.list"  # see the names of colleagues (pickers)
    AUDIT_VIEW = "audit.view"
    CLIENT_VIEW = "client.view"  # demographics
    CLIENT_CREATE = "client.create"
    CLIENT_EDIT = "client.edit"
    CONTACT_EDIT = "contact.edit"
    CASE_VIEW = "case.view"  # participants, clinician, payers
    CASE_CREATE = "case.create"
    CASE_EDIT = "case.edit"
    CLINICAL_VIEW = "clinical.view"  # presenting concern and, later, notes and diagnoses
    CLINICAL_EDIT = "clinical.edit"
    BILLING_VIEW = "billing.view"
    BILLING_EDIT = "billing.edit"  # payers and shares; waive a missed-session fee
    BILLING_SETTINGS = "billing.settings"  # billing policies, moving cases between them
    BILLING_COLLECT = "billing.collect"  # record payments, refunds, billing runs
    SCHEDULE_VIEW = "schedule.view"  # calendars: sessions (with client names) and other items
    SCHEDULE_EDIT = "schedule.edit"  # book, move, cancel, mark attended; availability
    OUTBOX_VIEW = "outbox.view"  # the "Outgoing mail" screen


class Scope(IntEnum):
    NONE = 0
    CASELOAD = 1
    SUPERVISED = 2
    ALL = 3


_A, _S, _C = Scope.ALL, Scope.SUPERVISED, Scope.CASELOAD

# The whole permission table. Rows: operations; columns: roles. The front desk may set who
# pays (billing.edit) because it opens cases at intake; it never sees clinical content.
#                           owner clinician associate supervisor scheduler biller
_TABLE: dict[Perm, tuple[Scope, Scope, Scope, Scope, Scope, Scope]] = {
    Perm.PRACTICE_MANAGE: (_A, Scope.NONE, Scope.NONE, Scope.NONE, Scope.NONE, Scope.NONE),
    Perm.STAFF_MANAGE: (_A, Scope.NONE, Scope.NONE, Scope.NONE, Scope.NONE, Scope.NONE),
    Perm.STAFF_LIST: (_A, _A, _A, _A, _A, _A),
    Perm.AUDIT_VIEW: (_A, Scope.NONE, Scope.NONE, Scope.NONE, Scope.NONE, Scope.NONE),
    Perm.CLIENT_VIEW: (_A, _C, _C, _S, _A, _A),
    Perm.CLIENT_CREATE: (_A, _A, _A, _A, _A, Scope.NONE),
    Perm.CLIENT_EDIT: (_A, _C, _C, _C, _A, _A),
    Perm.CONTACT_EDIT: (_A, _C, _C, _C, _A, _A),
    Perm.CASE_VIEW: (_A, _C, _C, _S, _A, _A),
    Perm.CASE_CREATE: (_A, _C, _C, _C, _A, Scope.NONE),
    Perm.CASE_EDIT: (_A, _C, _C, _C, _A, Scope.NONE),
    Perm.CLINICAL_VIEW: (_A, _C, _C, _S, Scope.NONE, Scope.NONE),
    Perm.CLINICAL_EDIT: (_A, _C, _C, _C, Scope.NONE, Scope.NONE),
    Perm.BILLING_VIEW: (_A, _C, _C, _S, _A, _A),
    Perm.BILLING_EDIT: (_A, _C, _C, _C, _A, _A),
    Perm.BILLING_SETTINGS: (_A, Scope.NONE, Scope.NONE, Scope.NONE, Scope.NONE, _A),
    Perm.BILLING_COLLECT: (_A, Scope.NONE, Scope.NONE, Scope.NONE, Scope.NONE, _A),
    Perm.SCHEDULE_VIEW: (_A, _C, _C, _S, _A, _A),
    Perm.SCHEDULE_EDIT: (_A, _C, _C, _C, _A, Scope.NONE),
    Perm.OUTBOX_VIEW: (_A, Scope.NONE, Scope.NONE, Scope.NONE, Scope.NONE, Scope.NONE),
}
_ROLE_ORDER = (
    Role.OWNER,
    Role.CLINICIAN,
    Role.ASSOCIATE,
    Role.SUPERVISOR,
    Role.SCHEDULER,
    Role.BILLER,
)


def role_scope(role: Role, perm: Perm) -> Scope:
    """The scope ROLE alone grants for PERM."""
    return _TABLE[perm][_ROLE_ORDER.index(role)]


@dataclass(frozen=True)
class Actor:
    """The signed-in staff member an operation runs for."""

    staff_id: int
    name: str
    roles: frozenset[Role]
    supervisee_ids: frozenset[int] = field(default_factory=frozenset)
    ip: str = ""
    session_id: int | None = None

    def scope(self, perm: Perm) -> Scope:
        """The widest scope any of the actor's roles grants for PERM."""
        return max((role_scope(r, perm) for r in self.roles), default=Scope.NONE)

    def can(self, perm: Perm) -> bool:
        return self.scope(perm) > Scope.NONE

    def require(self, perm: Perm) -> Scope:
        """The scope for PERM, or PermissionDenied when the actor has none."""
        scope = self.scope(perm)
        if scope == Scope.NONE:
            raise PermissionDenied()
        return scope

    def clinician_ids(self, scope: Scope) -> frozenset[int] | None:
        """Primary clinicians whose cases SCOPE reaches; None means every clinician."""
        if scope == Scope.ALL:
            return None
        if scope == Scope.SUPERVISED:
            return frozenset({self.staff_id}) | self.supervisee_ids
        if scope == Scope.CASELOAD:
            return frozenset({self.staff_id})
        return frozenset()

    @property
    def is_owner(self) -> bool:
        return Role.OWNER in self.roles


SYSTEM_ACTOR = Actor(staff_id=0, name="PracticeRunner", roles=frozenset({Role.OWNER}))
