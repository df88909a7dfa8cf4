"""The permission table, role by role and operation by operation."""

from __future__ import annotations

import pytest

from practicerunner.core.errors import PermissionDenied
from practicerunner.core.permissions import Actor, Perm, Role, Scope

A, S, C, N = Scope.ALL, Scope.SUPERVISED, Scope.CASELOAD, Scope.NONE

# What the issue asks, written out independently of the table in core/permissions.py.
# The front desk sets up who pays when it opens a case at intake, hence its billing.edit.
EXPECTED: dict[Role, dict[Perm, Scope]] = {
    Role.OWNER: dict.fromkeys(Perm, A),
    Role.CLINICIAN: {
        Perm.PRACTICE_MANAGE: N,
        Perm.STAFF_MANAGE: N,
        Perm.STAFF_LIST: A,
        Perm.AUDIT_VIEW: N,
        Perm.CLIENT_VIEW: C,
        Perm.CLIENT_CREATE: A,
        Perm.CLIENT_EDIT: C,
        Perm.CONTACT_EDIT: C,
        Perm.CASE_VIEW: C,
        Perm.CASE_CREATE: C,
        Perm.CASE_EDIT: C,
        Perm.CLINICAL_VIEW: C,
        Perm.CLINICAL_EDIT: C,
        Perm.BILLING_VIEW: C,
        Perm.BILLING_EDIT: C,
        Perm.BILLING_SETTINGS: N,
        Perm.BILLING_COLLECT: N,
        Perm.SCHEDULE_VIEW: C,
        Perm.SCHEDULE_EDIT: C,
        Perm.OUTBOX_VIEW: N,
    },
    Role.SUPERVISOR: {
        Perm.PRACTICE_MANAGE: N,
        Perm.STAFF_MANAGE: N,
        Perm.STAFF_LIST: A,
        Perm.AUDIT_VIEW: N,
        Perm.CLIENT_VIEW: S,
        Perm.CLIENT_CREATE: A,
        Perm.CLIENT_EDIT: C,
        Perm.CONTACT_EDIT: C,
        Perm.CASE_VIEW: S,
        Perm.CASE_CREATE: C,
        Perm.CASE_EDIT: C,
        Perm.CLINICAL_VIEW: S,
        Perm.CLINICAL_EDIT: C,
        Perm.BILLING_VIEW: S,
        Perm.BILLING_EDIT: C,
        Perm.BILLING_SETTINGS: N,
        Perm.BILLING_COLLECT: N,
        Perm.SCHEDULE_VIEW: S,
        Perm.SCHEDULE_EDIT: C,
        Perm.OUTBOX_VIEW: N,
    },
    Role.SCHEDULER: {
        Perm.PRACTICE_MANAGE: N,
        Perm.STAFF_MANAGE: N,
        Perm.STAFF_LIST: A,
        Perm.AUDIT_VIEW: N,
        Perm.CLIENT_VIEW: A,
        Perm.CLIENT_CREATE: A,
        Perm.CLIENT_EDIT: A,
        Perm.CONTACT_EDIT: A,
        Perm.CASE_VIEW: A,
        Perm.CASE_CREATE: A,
        Perm.CASE_EDIT: A,
        Perm.CLINICAL_VIEW: N,
        Perm.CLINICAL_EDIT: N,
        Perm.BILLING_VIEW: A,
        Perm.BILLING_EDIT: A,
        Perm.BILLING_SETTINGS: N,
        Perm.BILLING_COLLECT: N,
        Perm.SCHEDULE_VIEW: A,
        Perm.SCHEDULE_EDIT: A,
        Perm.OUTBOX_VIEW: N,
    },
    Role.BILLER: {
        Perm.PRACTICE_MANAGE: N,
        Perm.STAFF_MANAGE: N,
        Perm.STAFF_LIST: A,
        Perm.AUDIT_VIEW: N,
        Perm.CLIENT_VIEW: A,
        Perm.CLIENT_CREATE: N,
        Perm.CLIENT_EDIT: A,
        Perm.CONTACT_EDIT: A,
        Perm.CASE_VIEW: A,
        Perm.CASE_CREATE: N,
        Perm.CASE_EDIT: N,
        Perm.CLINICAL_VIEW: N,
        Perm.CLINICAL_EDIT: N,
        Perm.BILLING_VIEW: A,
        Perm.BILLING_EDIT: A,
        Perm.BILLING_SETTINGS: A,
        Perm.BILLING_COLLECT: A,
        Perm.SCHEDULE_VIEW: A,
        Perm.SCHEDULE_EDIT: N,
        Perm.OUTBOX_VIEW: N,
    },
}
EXPECTED[Role.ASSOCIATE] = dict(EXPECTED[Role.CLINICIAN])


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("perm", list(Perm))
def test_each_role_gets_exactly_the_expected_scope(role: Role, perm: Perm) -> None:
    actor = Actor(staff_id=1, name="x", roles=frozenset({role}))
    assert actor.scope(perm) == EXPECTED[role][perm]


def test_roles_add_up_to_the_widest_scope() -> None:
    owner_clinician = Actor(1, "Olivia", frozenset({Role.OWNER, Role.CLINICIAN}))
    assert owner_clinician.scope(Perm.CLIENT_VIEW) == Scope.ALL
    scheduling_clinician = Actor(2, "Carl", frozenset({Role.CLINICIAN, Role.SCHEDULER}))
    assert scheduling_clinician.scope(Perm.CLIENT_VIEW) == Scope.ALL
    assert scheduling_clinician.scope(Perm.CLINICAL_VIEW) == Scope.CASELOAD


def test_no_staff_role_but_the_clinical_ones_ever_sees_clinical_content() -> None:
    for role in (Role.SCHEDULER, Role.BILLER):
        actor = Actor(1, "x", frozenset({role}))
        assert not actor.can(Perm.CLINICAL_VIEW)
        with pytest.raises(PermissionDenied):
            actor.require(Perm.CLINICAL_EDIT)


def test_caseload_scopes_name_the_right_clinicians() -> None:
    supervisor = Actor(7, "Sam", frozenset({Role.CLINICIAN, Role.SUPERVISOR}), frozenset({3, 4}))
    assert supervisor.clinician_ids(supervisor.scope(Perm.CASE_VIEW)) == {7, 3, 4}
    assert supervisor.clinician_ids(supervisor.scope(Perm.CASE_EDIT)) == {7}
    assert Actor(9, "Fran", frozenset({Role.SCHEDULER})).clinician_ids(Scope.ALL) is None
