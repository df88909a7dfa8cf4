"""Only the owner sets up the practice: every other role is refused every read and write."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from practicerunner.core.audit import AuditEvent
from practicerunner.core.errors import PermissionDenied
from practicerunner.practice import service as ps

NON_OWNERS = ["clinician", "supervisor", "associate", "scheduler", "biller"]


def operations(people):  # type: ignore[no-untyped-def]
    """Every practice operation, called with plausible arguments."""
    loc_id = people.location.id
    svc_id = people.service.id
    carl = people.staff["clinician"].id
    return {
        "get_practice": lambda s, a: ps.get_practice(s, a),
        "update_practice": lambda s, a: ps.update_practice(
            s, a, ps.PracticeInput(name="Mine now", timezone="America/Chicago")
        ),
        "list_locations": lambda s, a: ps.list_locations(s, a),
        "create_location": lambda s, a: ps.create_location(
            s, a, ps.LocationInput(name="Video", kind="telehealth", place_of_service="10")
        ),
        "update_location": lambda s, a: ps.update_location(
            s, a, loc_id, ps.LocationInput(name="Video", kind="telehealth", place_of_service="10")
        ),
        "set_location_active": lambda s, a: ps.set_location_active(s, a, loc_id, False),
        "list_services": lambda s, a: ps.list_services(s, a),
        "create_service": lambda s, a: ps.create_service(
            s,
            a,
            ps.ServiceInput(name="Consult", kind="consultation", duration_minutes="15", fee="0"),
        ),
        "update_service": lambda s, a: ps.update_service(
            s,
            a,
            svc_id,
            ps.ServiceInput(name="Consult", kind="consultation", duration_minutes="15", fee="0"),
        ),
        "set_service_active": lambda s, a: ps.set_service_active(s, a, svc_id, False),
        "list_staff": lambda s, a: ps.list_staff(s, a),
        "get_staff": lambda s, a: ps.get_staff(s, a, carl),
        "supervisor_choices": lambda s, a: ps.supervisor_choices(s, a),
        "create_staff": lambda s, a: ps.create_staff(
            s,
            a,
            ps.StaffInput(
                full_name="Eve", email="eve@example.com", password="x" * 12, roles=("owner",)
            ),
        ),
        "update_staff": lambda s, a: ps.update_staff(
            s, a, carl, ps.StaffInput(full_name="Carl", roles=("owner",))
        ),
        "deactivate_staff": lambda s, a: ps.deactivate_staff(s, a, carl),
        "reactivate_staff": lambda s, a: ps.reactivate_staff(s, a, carl),
        "reset_staff_password": lambda s, a: ps.reset_staff_password(s, a, carl, "y" * 12),
    }


@pytest.mark.parametrize("role", NON_OWNERS)
def test_it_refuses_every_operation_to_everyone_but_the_owner(session, people, role):
    # given a staff member who is not an owner
    actor = people.all()[role]
    audit_before = session.exec(select(func.count()).select_from(AuditEvent)).one()
    # when they try each operation, then each one is refused
    for name, operation in operations(people).items():
        with pytest.raises(PermissionDenied):
            operation(session, actor)
            pytest.fail(f"{role} was allowed {name}")
    # and nothing was written
    assert session.exec(select(func.count()).select_from(AuditEvent)).one() == audit_before
